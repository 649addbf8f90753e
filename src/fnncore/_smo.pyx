# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Kernel SVM: SMO training over all one-vs-one pairs, and the decision
function, for fnn.SVC.

Design:
- fit_ovo trains every class pair in one nogil call into _smo_solver.h
  (second-order working-set selection, an LRU kernel-row cache, optional
  shrinking); kernel rows come from the vectorised loops of _svm_kernels.h.
  The Python side only groups samples by class and lays out the result.
- decision_ovo evaluates all pairs' decision functions on blocks of BLOCK
  test rows: the block's dot products with the support vectors are one gemm,
  svm_from_dots turns them into kernel values with the same formulas that
  training used, and a second gemm with the (n_SV, n_pairs) coefficient
  matrix gives every pair's value at once.
- Codes for the kernels are the SVM_* enum of _svm_kernels.h.
- Ctrl-C: in the main thread the solver looks for signals every few
  milliseconds (_interrupt.pxd) and stops; fit_ovo then re-raises.
"""
import numpy as np

from cython cimport floating

from fnncore._blas cimport gemm
from fnncore._interrupt cimport reraise_pending, signal_raised

ctypedef int (*interrupt_hook)() noexcept nogil

cdef extern from "_smo_solver.h" nogil:
    enum:
        SVM_LINEAR
        SVM_POLY
        SVM_RBF
        SVM_SIGMOID
        SVM_PRECOMPUTED

    ctypedef struct svm_kernel:
        int kind
        int degree
        double gamma
        double coef0

    ctypedef struct svm_data:
        svm_kernel kernel
        const void *X
        int is_float
        Py_ssize_t d
        Py_ssize_t ldx
        const double *sq

    int svm_fit_ovo(const svm_data *D, Py_ssize_t n_classes, const Py_ssize_t *order,
                    const Py_ssize_t *start, const double *Cs, double eps,
                    long long max_iter, int shrinking, double cache_bytes,
                    interrupt_hook interrupted, double *coef, double *rho,
                    double *obj, long long *n_iter, double *QD)
    void svm_sqnorms_s(Py_ssize_t n, Py_ssize_t d, const float *X, Py_ssize_t ldx,
                       double *sq)
    void svm_sqnorms_d(Py_ssize_t n, Py_ssize_t d, const double *X, Py_ssize_t ldx,
                       double *sq)
    void svm_from_dots_s(const svm_kernel *k, Py_ssize_t rows, Py_ssize_t cols,
                         float *D, Py_ssize_t ldd, const double *sq_x,
                         const double *sq_y)
    void svm_from_dots_d(const svm_kernel *k, Py_ssize_t rows, Py_ssize_t cols,
                         double *D, Py_ssize_t ldd, const double *sq_x,
                         const double *sq_y)

KERNELS = {"linear": SVM_LINEAR, "poly": SVM_POLY, "rbf": SVM_RBF,
           "sigmoid": SVM_SIGMOID, "precomputed": SVM_PRECOMPUTED}

cdef Py_ssize_t BLOCK = 256


cdef int interrupted() noexcept nogil:
    return signal_raised()


cdef svm_kernel make_kernel(int kernel, int degree, double gamma, double coef0):
    cdef svm_kernel k
    k.kind = kernel
    k.degree = degree
    k.gamma = gamma
    k.coef0 = coef0
    return k


cdef void sqnorms(const floating *X, Py_ssize_t n, Py_ssize_t d, double *sq) noexcept nogil:
    if floating is float:
        svm_sqnorms_s(n, d, X, d, sq)
    else:
        svm_sqnorms_d(n, d, X, d, sq)


def fit_ovo(
    const floating[:, ::1] X,
    const Py_ssize_t[::1] order,
    const Py_ssize_t[::1] start,
    const double[::1] C,
    int kernel,
    int degree,
    double gamma,
    double coef0,
    double tol,
    long long max_iter,
    bint shrinking,
    double cache_bytes,
    double[::1] coef,
    double[::1] rho,
    double[::1] obj,
    long long[::1] n_iter,
    bint check_signals=False,
):
    """Train all one-vs-one binary SVMs by SMO.

    Parameters
    ----------
    X : IN, (n_samples, n_features) samples, or for kernel
        SVM_PRECOMPUTED the (n_samples, n_samples) Gram matrix.
    order : IN, (n_samples,) sample indices grouped by class.
    start : IN, (n_classes + 1,) class c is order[start[c]:start[c + 1]].
    C : IN, (n_samples,) per-sample box bound (C * class weight * sample
        weight), all > 0.
    kernel, degree, gamma, coef0 : the kernel (SVM_* code).
    tol : stopping tolerance on the maximal violation.
    max_iter : pair updates allowed per binary problem; -1 for no limit.
    shrinking : whether to use the shrinking heuristic.
    cache_bytes : size of the kernel-row cache.
    coef : OUT, ((n_classes - 1) * n_samples,) for each pair (a, b), a < b,
        in order: y * alpha of class a's samples then class b's (y = +1 for
        a), in the order given by `order`.
    rho, obj, n_iter : OUT, (n_pairs,) offsets (decision = sum coef K - rho),
        dual objectives and iteration counts.
    check_signals : look for Ctrl-C every few milliseconds (main thread
        only); a KeyboardInterrupt then stops training between two updates.

    Returns
    -------
    status : 0, or 1 if max_iter stopped some pair before convergence.

    Raises
    ------
    MemoryError, ValueError if a kernel value is not finite, or what a
    signal handler raised (KeyboardInterrupt).
    """
    cdef Py_ssize_t n = X.shape[0]
    cdef Py_ssize_t n_classes = start.shape[0] - 1
    cdef double[::1] sq = np.zeros(n, dtype=np.float64)
    cdef double[::1] QD = np.empty(n, dtype=np.float64)
    cdef svm_data data
    cdef int status
    cdef interrupt_hook hook = NULL
    if check_signals:
        hook = interrupted
    data.kernel = make_kernel(kernel, degree, gamma, coef0)
    data.X = &X[0, 0]
    data.is_float = floating is float
    data.d = X.shape[1]
    data.ldx = X.shape[1]
    data.sq = &sq[0] if kernel == SVM_RBF else NULL
    with nogil:
        if kernel == SVM_RBF:
            sqnorms(&X[0, 0], n, X.shape[1], &sq[0])
        status = svm_fit_ovo(&data, n_classes, &order[0], &start[0], &C[0], tol,
                             max_iter, shrinking, cache_bytes,
                             hook, &coef[0],
                             &rho[0], &obj[0], &n_iter[0], &QD[0])
    if status == -1:
        raise MemoryError("not enough memory for the SVM solver's working arrays "
                          "and kernel cache; lower cache_size")
    if status == -3:
        reraise_pending(0)
    if status == -2:
        raise ValueError("kernel values are not finite: they overflow the float32 "
                         "kernel cache (|K| > 3.4e38) or the data's dtype. The input "
                         "data may contain large values and need to be preprocessed "
                         "(e.g. with StandardScaler).")
    return status


def decision_ovo(
    const floating[:, ::1] X,
    const floating[:, ::1] SV,
    const floating[:, ::1] W,
    const floating[::1] intercept,
    int kernel,
    int degree,
    double gamma,
    double coef0,
    floating[:, ::1] out,
):
    """out = K(X, SV) W + intercept for every pair at once.

    Parameters
    ----------
    X : IN, (n_samples, n_features) test samples.
    SV : IN, (n_SV, n_features) support vectors.
    W : IN, (n_SV, n_pairs): column p holds pair p's coefficients of its
        support vectors and zeros elsewhere.
    intercept : IN, (n_pairs,) -rho.
    kernel, degree, gamma, coef0 : the kernel (not SVM_PRECOMPUTED).
    out : OUT, (n_samples, n_pairs).
    """
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1]
    cdef Py_ssize_t n_sv = SV.shape[0], n_pairs = W.shape[1]
    cdef Py_ssize_t r, c, s, m
    cdef svm_kernel k = make_kernel(kernel, degree, gamma, coef0)
    cdef double[::1] sq_sv = np.zeros(max(n_sv, 1), dtype=np.float64)
    cdef double[::1] sq_x = np.zeros(BLOCK, dtype=np.float64)
    cdef floating[:, ::1] block
    if floating is float:
        block = np.empty((BLOCK, max(n_sv, 1)), dtype=np.float32)
    else:
        block = np.empty((BLOCK, max(n_sv, 1)), dtype=np.float64)
    with nogil:
        if kernel == SVM_RBF and n_sv > 0:
            sqnorms(&SV[0, 0], n_sv, d, &sq_sv[0])
        s = 0
        while s < n:
            m = min(BLOCK, n - s)
            for r in range(m):
                for c in range(n_pairs):
                    out[s + r, c] = intercept[c]
            if n_sv > 0:
                if kernel == SVM_RBF:
                    sqnorms(&X[s, 0], m, d, &sq_x[0])
                gemm(False, True, m, n_sv, d, 1, &X[s, 0], d, &SV[0, 0], d, 0,
                     &block[0, 0], n_sv)
                if floating is float:
                    svm_from_dots_s(&k, m, n_sv, &block[0, 0], n_sv, &sq_x[0],
                                    &sq_sv[0])
                else:
                    svm_from_dots_d(&k, m, n_sv, &block[0, 0], n_sv, &sq_x[0],
                                    &sq_sv[0])
                gemm(False, False, m, n_pairs, n_sv, 1, &block[0, 0], n_sv,
                     &W[0, 0], n_pairs, 1, &out[s, 0], n_pairs)
            s += m
