# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Kernel SVM: SMO training over all one-vs-one pairs, the decision
function, and libsvm's probability estimates, for fnn.SVC.

Design:
- fit_ovo trains every class pair in one nogil call into _smo_solver.h
  (second-order working-set selection, an LRU kernel-row cache, optional
  shrinking); kernel rows come from the vectorised loops of _svm_kernels.h
  for dense samples (or a Gram matrix) and from the scatter-gather loops of
  _svm_sparse.h for CSR samples.  The Python side only groups samples by
  class and lays out the result.
- Every entry point takes its matrices as they are: a C-contiguous 2-D
  array or a CSR matrix (the core does not import scipy: anything with
  data, indices, indptr and shape).  Samples turns either into the
  pointers the C code reads, in one place, so each computation is one
  function whatever the storage.
- decision_ovo evaluates all pairs' decision functions on blocks of BLOCK
  test rows: the block's dot products with the support vectors are one gemm
  (CSR support vectors: the sparse dot products of _svm_sparse.h),
  svm_from_dots turns them into kernel values with the same formulas that
  training used, and a second gemm with the (n_SV, n_pairs) coefficient
  matrix gives every pair's value at once.
- Probability estimates (libsvm's, Platt 2000 as improved by Lin, Lin and
  Weng 2007): sigmoid_train fits P(y = 1 | f) = 1 / (1 + exp(A f + B)) to
  cross-validated decision values by Newton's method with a backtracking
  line search; pairwise_coupling turns the pairs' sigmoids into class
  probabilities (Wu, Lin and Weng 2004, method 2); libsvm_permutation
  draws libsvm's fold shuffle from a Mersenne Twister stream.  They loop in
  libsvm's order, so that sums round as libsvm's do.
- Codes for the kernels are the SVM_* enum of _svm_kernels.h.
- Ctrl-C: in the main thread the solver looks for signals every few
  milliseconds (_interrupt.pxd) and stops; the outputs then hold the model
  as it stands and fit_ovo re-raises for the caller to decide.
"""
import numpy as np

from cython cimport floating
from libc.math cimport exp, fabs, log
from libc.stdint cimport int32_t, uint32_t, uint64_t

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
        SVM_MAX_ROWS

    ctypedef struct svm_kernel:
        int kind
        int degree
        double gamma
        double coef0

    ctypedef struct svm_csr:
        const int32_t *indptr
        const int32_t *indices
        const void *data

    ctypedef struct svm_data:
        svm_kernel kernel
        const void *X
        const svm_csr *csr
        double *dense
        int is_float
        Py_ssize_t d
        Py_ssize_t ldx
        const double *sq
        double row_bytes
        double row_work

    int svm_fit_ovo(const svm_data *D, Py_ssize_t n_classes, const Py_ssize_t *order,
                    const Py_ssize_t *start, const double *Cs, double eps,
                    long long max_iter, int shrinking, double cache_bytes,
                    interrupt_hook interrupted, double *coef, double *rho,
                    double *obj, long long *n_iter, double *QD)
    void svm_sqnorms_s(Py_ssize_t n, Py_ssize_t d, const float *X, Py_ssize_t ldx,
                       double *sq)
    void svm_sqnorms_d(Py_ssize_t n, Py_ssize_t d, const double *X, Py_ssize_t ldx,
                       double *sq)
    void svm_csr_sqnorms_s(Py_ssize_t n, const svm_csr *M, double *D, double *sq)
    void svm_csr_sqnorms_d(Py_ssize_t n, const svm_csr *M, double *D, double *sq)
    void svm_csr_dots_block_s(Py_ssize_t m, Py_ssize_t d, const svm_csr *X,
                              const float *Xd, Py_ssize_t ldx, Py_ssize_t r0,
                              const svm_csr *SV, Py_ssize_t n_sv, double *D, float *out,
                              Py_ssize_t ldo, double *sq_x)
    void svm_csr_dots_block_d(Py_ssize_t m, Py_ssize_t d, const svm_csr *X,
                              const double *Xd, Py_ssize_t ldx, Py_ssize_t r0,
                              const svm_csr *SV, Py_ssize_t n_sv, double *D, double *out,
                              Py_ssize_t ldo, double *sq_x)
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


cdef void from_dots(const svm_kernel *k, Py_ssize_t rows, Py_ssize_t cols, floating *D,
                    Py_ssize_t ldd, const double *sq_x, const double *sq_y) noexcept nogil:
    if floating is float:
        svm_from_dots_s(k, rows, cols, D, ldd, sq_x, sq_y)
    else:
        svm_from_dots_d(k, rows, cols, D, ldd, sq_x, sq_y)


cdef class Samples:
    """X as the kernels see it: a C-contiguous 2-D array or a CSR matrix
    (anything with `data`, `indices` (int32), `indptr` and `shape`; SciPy's
    are canonical here: sorted, no duplicate columns), float32 or float64.

    The one place where an entry point's X becomes pointers: `rows` for
    dense samples (row s at rows + s * d), else `csr`.  It keeps the arrays
    alive while the kernels read them.
    """
    cdef object arrays
    cdef const void *rows
    cdef svm_csr csr
    cdef bint is_sparse
    cdef bint is_float
    cdef Py_ssize_t n
    cdef Py_ssize_t d
    cdef Py_ssize_t nnz

    def __cinit__(self, X):
        cdef const float[:, ::1] rows_s
        cdef const double[:, ::1] rows_d
        cdef const float[::1] data_s
        cdef const double[::1] data_d
        cdef const int32_t[::1] indices
        cdef const int32_t[::1] indptr
        self.is_sparse = hasattr(X, "indptr")
        if self.is_sparse and getattr(X, "format", "csr") != "csr":
            raise ValueError(f"X must be a CSR matrix, not {X.format.upper()}.")
        self.n = X.shape[0]
        self.d = X.shape[1]
        self.rows = NULL
        if not self.is_sparse:
            self.is_float = X.dtype == np.float32
            self.arrays = X
            if self.is_float:
                rows_s = X
                if self.n > 0:
                    self.rows = &rows_s[0, 0]
            else:
                rows_d = X
                if self.n > 0:
                    self.rows = &rows_d[0, 0]
            self.nnz = self.n * self.d
            return
        data = X.data
        index = X.indices
        bounds = X.indptr
        # The rows are those indptr delimits, whatever shape says.
        self.n = bounds.shape[0] - 1
        self.is_float = data.dtype == np.float32
        self.nnz = data.shape[0]
        # One-element stand-ins keep the pointers valid for an all-zero matrix.
        if self.nnz == 0:
            data = np.zeros(1, dtype=data.dtype)
            index = np.zeros(1, dtype=np.int32)
        self.arrays = (data, index, bounds)
        indices = index
        indptr = bounds
        self.csr.indices = &indices[0]
        self.csr.indptr = &indptr[0]
        if self.is_float:
            data_s = data
            self.csr.data = &data_s[0]
        else:
            data_d = data
            self.csr.data = &data_d[0]

    cdef void sqnorms(self, Py_ssize_t first, Py_ssize_t count, double *sq,
                      double *scratch) noexcept nogil:
        """sq[i] = |x_{first + i}|^2 for i < count, summed as the kernel
        rows sum <x, x>.  scratch: d zeros (CSR only), left zero."""
        cdef svm_csr part
        if self.is_sparse:
            part = self.csr
            part.indptr += first
            if self.is_float:
                svm_csr_sqnorms_s(count, &part, scratch, sq)
            else:
                svm_csr_sqnorms_d(count, &part, scratch, sq)
        elif self.is_float:
            svm_sqnorms_s(count, self.d, <const float *>self.rows + first * self.d,
                          self.d, sq)
        else:
            svm_sqnorms_d(count, self.d, <const double *>self.rows + first * self.d,
                          self.d, sq)


cdef int _solve(svm_data *data, Py_ssize_t n_rows, const Py_ssize_t[::1] order,
                const Py_ssize_t[::1] start, const double[::1] C, double tol,
                long long max_iter, bint shrinking, double cache_bytes,
                double[::1] coef, double[::1] rho, double[::1] obj,
                long long[::1] n_iter, bint check_signals) except? -9:
    """The solver call and its errors; n_rows is the number of samples the
    indices of `order` point into."""
    cdef Py_ssize_t n_classes = start.shape[0] - 1
    cdef double[::1] QD = np.empty(max(n_rows, 1), dtype=np.float64)
    cdef interrupt_hook hook = NULL
    cdef int status
    if check_signals:
        hook = interrupted
    with nogil:
        status = svm_fit_ovo(data, n_classes, &order[0], &start[0], &C[0], tol,
                             max_iter, shrinking, cache_bytes, hook, &coef[0],
                             &rho[0], &obj[0], &n_iter[0], &QD[0])
    if status == -1:
        raise MemoryError("not enough memory for the SVM solver's working arrays "
                          "and kernel cache; lower cache_size")
    if status == -3:
        reraise_pending(0)
    if status == -2:
        raise ValueError("The dual coefficients or intercepts are not finite: kernel "
                         "values overflow the float32 kernel cache (|K| > 3.4e38) or "
                         "the data's dtype. The input data may contain large values "
                         "and need to be preprocessed (e.g. with StandardScaler).")
    return status


def fit_ovo(
    X,
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
    X : IN, a C-contiguous 2-D array or a CSR matrix (see Samples),
        float32 or float64: the (n_samples, n_features) samples, or for
        kernel SVM_PRECOMPUTED the (n_samples, n_samples) Gram matrix
        (dense).
    order : IN, sample indices grouped by class (a subset of the rows of X
        may be given: only those take part).
    start : IN, (n_classes + 1,) class c is order[start[c]:start[c + 1]].
    C : IN, (n_samples,) per-sample box bound (C * class weight * sample
        weight), all > 0 (+inf for a hard margin).
    kernel, degree, gamma, coef0 : the kernel (SVM_* code).
    tol : stopping tolerance on the maximal violation.
    max_iter : pair updates allowed per binary problem; -1 for no limit.
    shrinking : whether to use the shrinking heuristic.
    cache_bytes : size of the kernel-row cache.
    coef : OUT, zeros on entry, ((n_classes - 1) * len(order),) for each
        pair (a, b), a < b, in order: y * alpha of class a's samples then
        class b's (y = +1 for a), in the order given by `order`.
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
    signal handler raised (KeyboardInterrupt), the outputs then holding the
    model as it stood (see svm_fit_ovo).
    """
    cdef Samples x = Samples(X)
    cdef Py_ssize_t item = sizeof(float) if x.is_float else sizeof(double)
    cdef double[::1] sq = np.zeros(max(x.n, 1), dtype=np.float64)
    # The scatter buffer of the sparse kernel rows: SVM_MAX_ROWS rows a.
    cdef double[::1] dense = np.zeros(max(x.d, 1) * SVM_MAX_ROWS if x.is_sparse else 1,
                                      dtype=np.float64)
    cdef svm_data data
    data.kernel = make_kernel(kernel, degree, gamma, coef0)
    data.X = x.rows
    data.csr = &x.csr if x.is_sparse else NULL
    data.dense = &dense[0] if x.is_sparse else NULL
    data.is_float = x.is_float
    data.d = x.d
    data.ldx = 0 if x.is_sparse else x.d
    data.sq = &sq[0] if kernel == SVM_RBF else NULL
    if x.is_sparse:
        data.row_bytes = x.nnz * (item + sizeof(int32_t)) / max(x.n, 1)
        data.row_work = x.nnz / max(x.n, 1)
    else:
        data.row_bytes = x.d * item
        data.row_work = x.d
    if kernel == SVM_RBF:
        with nogil:
            x.sqnorms(0, x.n, &sq[0], &dense[0])
    return _solve(&data, x.n, order, start, C, tol, max_iter, shrinking, cache_bytes,
                  coef, rho, obj, n_iter, check_signals)


def decision_ovo(
    X,
    SV,
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
    X : IN, (n_samples, n_features) test samples: a C-contiguous 2-D array
        or a CSR matrix (see Samples), of out's dtype; CSR only if SV is.
    SV : IN, (n_SV, n_features) support vectors, the same kinds.
    W : IN, (n_SV, n_pairs): column p holds pair p's coefficients of its
        support vectors and zeros elsewhere.
    intercept : IN, (n_pairs,) -rho.
    kernel, degree, gamma, coef0 : the kernel (not SVM_PRECOMPUTED).
    out : OUT, (n_samples, n_pairs).
    """
    cdef Samples x = Samples(X), sv = Samples(SV)
    cdef Py_ssize_t n = x.n, d = sv.d, n_sv = sv.n, n_pairs = W.shape[1]
    cdef Py_ssize_t r, c, s, m
    cdef svm_kernel k = make_kernel(kernel, degree, gamma, coef0)
    cdef const floating *rows = <const floating *>x.rows
    cdef const svm_csr *x_csr = &x.csr if x.is_sparse else NULL
    cdef double[::1] dense = np.zeros(max(d, 1) if sv.is_sparse else 1, dtype=np.float64)
    cdef double[::1] sq_sv = np.zeros(max(n_sv, 1), dtype=np.float64)
    cdef double[::1] sq_x = np.zeros(BLOCK, dtype=np.float64)
    cdef floating[:, ::1] block
    if x.is_sparse and not sv.is_sparse:
        raise TypeError("decision_ovo: CSR samples need CSR support vectors")
    cdef bint is_float = floating is float
    if x.is_float != is_float or sv.is_float != is_float:
        raise TypeError("decision_ovo: X, SV and out must have one dtype")
    if x.d != d:
        raise ValueError(f"decision_ovo: X has {x.d} columns; the support vectors "
                         f"have {d}.")
    if W.shape[0] != n_sv or intercept.shape[0] != n_pairs:
        raise ValueError(f"decision_ovo: W has shape ({W.shape[0]}, {n_pairs}) and "
                         f"intercept {intercept.shape[0]} entries for {n_sv} support "
                         "vectors.")
    if out.shape[0] != n or out.shape[1] != n_pairs:
        raise ValueError(f"decision_ovo: out has shape ({out.shape[0]}, "
                         f"{out.shape[1]}); the result is ({n}, {n_pairs}).")
    if floating is float:
        block = np.empty((BLOCK, max(n_sv, 1)), dtype=np.float32)
    else:
        block = np.empty((BLOCK, max(n_sv, 1)), dtype=np.float64)
    with nogil:
        if kernel == SVM_RBF and n_sv > 0:
            sv.sqnorms(0, n_sv, &sq_sv[0], &dense[0])
        s = 0
        while s < n:
            m = min(BLOCK, n - s)
            for r in range(m):
                for c in range(n_pairs):
                    out[s + r, c] = intercept[c]
            if n_sv > 0:
                if sv.is_sparse:
                    # The sparse dot products give the block's norms too.
                    if floating is float:
                        svm_csr_dots_block_s(m, d, x_csr, rows, d, s, &sv.csr, n_sv,
                                             &dense[0], &block[0, 0], n_sv, &sq_x[0])
                    else:
                        svm_csr_dots_block_d(m, d, x_csr, rows, d, s, &sv.csr, n_sv,
                                             &dense[0], &block[0, 0], n_sv, &sq_x[0])
                else:
                    if kernel == SVM_RBF:
                        x.sqnorms(s, m, &sq_x[0], NULL)
                    gemm(False, True, m, n_sv, d, 1, rows + s * d, d,
                         <const floating *>sv.rows, d, 0, &block[0, 0], n_sv)
                from_dots(&k, m, n_sv, &block[0, 0], n_sv, &sq_x[0], &sq_sv[0])
                gemm(False, False, m, n_pairs, n_sv, 1, &block[0, 0], n_sv,
                     &W[0, 0], n_pairs, 1, &out[s, 0], n_pairs)
            s += m


# ----------------------------------------------------------------------
# Probability estimates, as libsvm makes them
# ----------------------------------------------------------------------
def libsvm_permutation(const uint64_t[::1] stream, Py_ssize_t[::1] perm):
    """Shuffle perm (n entries, 0..n-1 on entry) as libsvm's cross-validation
    does: for i = 0 .. n-1 swap perm[i] with perm[i + u], u uniform in
    [0, n - i) drawn from 32-bit outputs of `stream` by Lemire's method
    with rejection (scikit-learn's libsvm).

    Returns the number of outputs used, or -1 if `stream` ran out (call
    again with a longer stream, from the same state)."""
    cdef Py_ssize_t n = perm.shape[0], i, j, used = 0, tmp
    cdef uint32_t span, low, t
    cdef uint64_t m
    cdef bint short = False
    with nogil:
        for i in range(n):
            span = <uint32_t>(n - i)
            if used >= stream.shape[0]:
                short = True
                break
            m = <uint64_t><uint32_t>stream[used] * span
            used += 1
            low = <uint32_t>m
            if low < span:
                # Reject the draws that would favour small values: t is
                # 2**32 mod span.
                t = <uint32_t>(<uint64_t>4294967296 - span)
                if t >= span:
                    t -= span
                    if t >= span:
                        t %= span
                while low < t and not short:
                    if used >= stream.shape[0]:
                        short = True
                    else:
                        m = <uint64_t><uint32_t>stream[used] * span
                        used += 1
                        low = <uint32_t>m
                if short:
                    break
            j = i + <Py_ssize_t>(m >> 32)
            tmp = perm[i]
            perm[i] = perm[j]
            perm[j] = tmp
    return -1 if short else used


cdef inline double sigmoid_objective(Py_ssize_t n, const double *dec, const double *t,
                                     double A, double B) noexcept nogil:
    """The negative log-likelihood of targets t under the sigmoid (A, B):
    sum_i t_i f_i + log(1 + exp(-f_i)) with f_i = A dec_i + B, written for
    either sign of f_i so that exp cannot overflow."""
    cdef double f = 0.0, fApB
    cdef Py_ssize_t i
    for i in range(n):
        fApB = dec[i] * A + B
        if fApB >= 0:
            f += t[i] * fApB + log(1 + exp(-fApB))
        else:
            f += (t[i] - 1) * fApB + log(1 + exp(fApB))
    return f


def sigmoid_train(const double[::1] dec, const signed char[::1] labels):
    """(A, B) of the sigmoid 1 / (1 + exp(A f + B)) fitted to decision
    values `dec` of samples labelled +1 / -1 (`labels`), by maximum
    likelihood on Platt's regularised targets: Newton's method on the
    Hessian plus 1e-12 I, with a backtracking line search; at most 100
    iterations, stopping when both gradient entries are below 1e-5."""
    cdef Py_ssize_t n = dec.shape[0], i, it
    cdef double prior1 = 0, prior0 = 0
    cdef double hi, lo, A, B, fval, fApB, p, q, d1, d2
    cdef double h11, h22, h21, g1, g2, det, dA, dB, gd, step, newA, newB, newf
    cdef double[::1] t = np.empty(max(n, 1), dtype=np.float64)
    with nogil:
        for i in range(n):
            if labels[i] > 0:
                prior1 += 1
            else:
                prior0 += 1
        hi = (prior1 + 1.0) / (prior1 + 2.0)
        lo = 1 / (prior0 + 2.0)
        A = 0.0
        B = log((prior0 + 1.0) / (prior1 + 1.0))
        for i in range(n):
            t[i] = hi if labels[i] > 0 else lo
        fval = sigmoid_objective(n, &dec[0], &t[0], A, B)
        for it in range(100):
            h11 = 1e-12
            h22 = 1e-12
            h21 = 0.0
            g1 = 0.0
            g2 = 0.0
            for i in range(n):
                fApB = dec[i] * A + B
                if fApB >= 0:
                    p = exp(-fApB) / (1.0 + exp(-fApB))
                    q = 1.0 / (1.0 + exp(-fApB))
                else:
                    p = 1.0 / (1.0 + exp(fApB))
                    q = exp(fApB) / (1.0 + exp(fApB))
                d2 = p * q
                h11 += dec[i] * dec[i] * d2
                h22 += d2
                h21 += dec[i] * d2
                d1 = t[i] - p
                g1 += dec[i] * d1
                g2 += d1
            if fabs(g1) < 1e-5 and fabs(g2) < 1e-5:
                break
            det = h11 * h22 - h21 * h21
            dA = -(h22 * g1 - h21 * g2) / det
            dB = -(-h21 * g1 + h11 * g2) / det
            gd = g1 * dA + g2 * dB
            step = 1
            while step >= 1e-10:
                newA = A + step * dA
                newB = B + step * dB
                newf = sigmoid_objective(n, &dec[0], &t[0], newA, newB)
                if newf < fval + 0.0001 * step * gd:
                    A = newA
                    B = newB
                    fval = newf
                    break
                step = step / 2.0
            if step < 1e-10:
                break
    return A, B


cdef inline double sigmoid_predict(double f, double A, double B) noexcept nogil:
    cdef double fApB = f * A + B
    # Written so that 1 - p does not cancel.
    if fApB >= 0:
        return exp(-fApB) / (1.0 + exp(-fApB))
    return 1.0 / (1 + exp(fApB))


def pairwise_coupling(const double[:, ::1] dec, const double[::1] probA,
                      const double[::1] probB, double[:, ::1] out):
    """Class probabilities from one-vs-one decision values.

    dec : IN, (n_samples, n_pairs) libsvm's decision values (positive
        favours the pair's first class).
    probA, probB : IN, (n_pairs,) the pairs' sigmoids.
    out : OUT, (n_samples, n_classes).

    Each pair's probability r_ij (clipped to [1e-7, 1 - 1e-7]) is coupled
    into p by libsvm's fixed-point iteration: at most max(100, k) sweeps,
    stopping when max_t |(Q p)_t - p^T Q p| < 0.005 / k.
    """
    cdef Py_ssize_t n = dec.shape[0], k = out.shape[1]
    cdef Py_ssize_t s, i, j, t, pair, it, max_iter = max(100, k)
    cdef double[:, ::1] r = np.empty((k, k), dtype=np.float64)
    cdef double[:, ::1] Q = np.empty((k, k), dtype=np.float64)
    cdef double[::1] Qp = np.empty(k, dtype=np.float64)
    cdef double pQp, err, max_err, diff, eps = 0.005 / k
    with nogil:
        for s in range(n):
            pair = 0
            for i in range(k):
                for j in range(i + 1, k):
                    r[i, j] = min(max(sigmoid_predict(dec[s, pair], probA[pair],
                                                      probB[pair]), 1e-7), 1 - 1e-7)
                    r[j, i] = 1 - r[i, j]
                    pair += 1
            for t in range(k):
                out[s, t] = 1.0 / k
                Q[t, t] = 0
                for j in range(t):
                    Q[t, t] += r[j, t] * r[j, t]
                    Q[t, j] = Q[j, t]
                for j in range(t + 1, k):
                    Q[t, t] += r[j, t] * r[j, t]
                    Q[t, j] = -r[j, t] * r[t, j]
            for it in range(max_iter):
                pQp = 0
                for t in range(k):
                    Qp[t] = 0
                    for j in range(k):
                        Qp[t] += Q[t, j] * out[s, j]
                    pQp += out[s, t] * Qp[t]
                max_err = 0
                for t in range(k):
                    err = fabs(Qp[t] - pQp)
                    if err > max_err:
                        max_err = err
                if max_err < eps:
                    break
                for t in range(k):
                    diff = (-Qp[t] + pQp) / Q[t, t]
                    out[s, t] += diff
                    pQp = (pQp + diff * (diff * Q[t, t] + 2 * Qp[t])) / (1 + diff) \
                        / (1 + diff)
                    for j in range(k):
                        Qp[j] = (Qp[j] + diff * Q[t, j]) / (1 + diff)
                        out[s, j] /= (1 + diff)
