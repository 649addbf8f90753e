# Declarations of the vectorised C kernels in _simd.h, and one fused wrapper
# per kernel so that Cython code calls `dense_forward_one(...)` for either
# dtype.  This is the only place that picks between the _s and _d variants.
from cython cimport floating

from fnncore._optimizers cimport fnn_step

cdef extern from "_simd.h" nogil:
    void fnn_dense_forward_one_s(Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t ldw,
                                 const float *x, const float *W, const float *b,
                                 float *z)
    void fnn_dense_forward_one_d(Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t ldw,
                                 const double *x, const double *W, const double *b,
                                 double *z)
    float fnn_dense_backward_step_one_s(
        Py_ssize_t n_in, Py_ssize_t n_out, const float *x, const float *delta,
        float *W, float *b, float *delta_prev, const fnn_step *step, float l2,
        float *s1W, float *s2W, float *s1b, float *s2b)
    double fnn_dense_backward_step_one_d(
        Py_ssize_t n_in, Py_ssize_t n_out, const double *x, const double *delta,
        double *W, double *b, double *delta_prev, const fnn_step *step, double l2,
        double *s1W, double *s2W, double *s1b, double *s2b)
    float fnn_dense_step_forward_one_s(
        Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t ldw, const float *x, const float *delta,
        float *W, float *b, const fnn_step *step, float l2,
        float *s1W, float *s2W, float *s1b, float *s2b,
        const float *x_next, float *z_next)
    double fnn_dense_step_forward_one_d(
        Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t ldw, const double *x, const double *delta,
        double *W, double *b, const fnn_step *step, double l2,
        double *s1W, double *s2W, double *s1b, double *s2b,
        const double *x_next, double *z_next)
    float fnn_step_slice_s(Py_ssize_t n, float *w, const float *g, float a, float l2,
                           const fnn_step *step, float *s1, float *s2)
    double fnn_step_slice_d(Py_ssize_t n, double *w, const double *g, double a,
                            double l2, const fnn_step *step, double *s1, double *s2)
    float fnn_merge_changes_s(Py_ssize_t j0, Py_ssize_t j1, int n_copies, float *base,
                              float **copies)
    double fnn_merge_changes_d(Py_ssize_t j0, Py_ssize_t j1, int n_copies, double *base,
                               double **copies)
    void fnn_merge_mean_s(Py_ssize_t j0, Py_ssize_t j1, int n_copies, float *shared,
                          float **copies)
    void fnn_merge_mean_d(Py_ssize_t j0, Py_ssize_t j1, int n_copies, double *shared,
                          double **copies)
    float fnn_sumsq_s(Py_ssize_t n, const float *x)
    double fnn_sumsq_d(Py_ssize_t n, const double *x)


cdef inline void dense_forward_one(
    Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t ldw, const floating *x,
    const floating *W, const floating *b, floating *z,
) noexcept nogil:
    if floating is float:
        fnn_dense_forward_one_s(n_in, n_out, ldw, x, W, b, z)
    else:
        fnn_dense_forward_one_d(n_in, n_out, ldw, x, W, b, z)


cdef inline floating dense_backward_step_one(
    Py_ssize_t n_in, Py_ssize_t n_out, const floating *x, const floating *delta,
    floating *W, floating *b, floating *delta_prev, const fnn_step *step,
    floating l2, floating *s1W, floating *s2W, floating *s1b, floating *s2b,
) noexcept nogil:
    if floating is float:
        return fnn_dense_backward_step_one_s(n_in, n_out, x, delta, W, b, delta_prev,
                                             step, l2, s1W, s2W, s1b, s2b)
    else:
        return fnn_dense_backward_step_one_d(n_in, n_out, x, delta, W, b, delta_prev,
                                             step, l2, s1W, s2W, s1b, s2b)


cdef inline floating dense_step_forward_one(
    Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t ldw, const floating *x, const floating *delta,
    floating *W, floating *b, const fnn_step *step, floating l2,
    floating *s1W, floating *s2W, floating *s1b, floating *s2b,
    const floating *x_next, floating *z_next,
) noexcept nogil:
    if floating is float:
        return fnn_dense_step_forward_one_s(n_in, n_out, ldw, x, delta, W, b, step, l2,
                                            s1W, s2W, s1b, s2b, x_next, z_next)
    else:
        return fnn_dense_step_forward_one_d(n_in, n_out, ldw, x, delta, W, b, step, l2,
                                            s1W, s2W, s1b, s2b, x_next, z_next)


cdef inline floating step_slice(
    Py_ssize_t n, floating *w, const floating *g, floating a, floating l2,
    const fnn_step *step, floating *s1, floating *s2,
) noexcept nogil:
    if floating is float:
        return fnn_step_slice_s(n, w, g, a, l2, step, s1, s2)
    else:
        return fnn_step_slice_d(n, w, g, a, l2, step, s1, s2)


cdef inline floating sumsq(Py_ssize_t n, const floating *x) noexcept nogil:
    if floating is float:
        return fnn_sumsq_s(n, x)
    else:
        return fnn_sumsq_d(n, x)


cdef inline floating merge_changes(Py_ssize_t j0, Py_ssize_t j1, int n_copies,
                                   floating *base, floating **copies) noexcept nogil:
    if floating is float:
        return fnn_merge_changes_s(j0, j1, n_copies, base, copies)
    else:
        return fnn_merge_changes_d(j0, j1, n_copies, base, copies)


cdef inline void merge_mean(Py_ssize_t j0, Py_ssize_t j1, int n_copies, floating *shared,
                            floating **copies) noexcept nogil:
    if floating is float:
        fnn_merge_mean_s(j0, j1, n_copies, shared, copies)
    else:
        fnn_merge_mean_d(j0, j1, n_copies, shared, copies)
