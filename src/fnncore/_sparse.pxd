# A network's input rows, dense or CSR, and its first layer on CSR rows.
#
# Design: the first layer of the core (inline functions on rows), the
# counterpart for sparse input of the dense row kernels of _simd.pxd.  Every
# entry point of the training and prediction loops (_sgd.pyx, _minibatch.pyx,
# _forward.pyx) takes X as it comes, a dense array or a CSR matrix, and
# turns it into the kernels' view (Input) in one place, input_rows.  The
# loops keep one code path for the whole network and ask this file only for
# what differs when the input is sparse: the first layer's pre-activations
# (x W + b, gathering the rows of W that x's stored values select) and its
# weight gradient (x^T delta, scattered into those rows).
#
# A CSR matrix is anything with SciPy's three arrays (the core never imports
# SciPy): values `data` in the network's dtype; column `indices` and row
# pointers `indptr` both int32 or both int64 (`wide`), used without
# conversion.  Row i's values are data[indptr[i]:indptr[i + 1]].  Columns
# need not be sorted and may repeat (repeats add up, as toarray() adds
# them).  The Python boundary checks that indptr is non-decreasing within
# [0, len(data)], that every index is in [0, n_features) and that the values
# are finite; the kernels trust it.
from cython cimport floating
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memcpy, memset

cdef extern from "_sparse.h" nogil:
    enum:
        FNN_SPARSE_AHEAD
    void fnn_prefetch(const void *p, Py_ssize_t n_bytes)
    # The kernels of _sparse.h for one value type, whichever the index type.
    void fnn_csr_gather_s(Py_ssize_t nnz, const float *data, const void *indices,
                          bint wide, Py_ssize_t n_out, Py_ssize_t ldw, const float *W,
                          float *z)
    void fnn_csr_gather_d(Py_ssize_t nnz, const double *data, const void *indices,
                          bint wide, Py_ssize_t n_out, Py_ssize_t ldw, const double *W,
                          double *z)
    void fnn_csr_scatter_s(Py_ssize_t nnz, const float *data, const void *indices,
                           bint wide, float a, Py_ssize_t n_out, Py_ssize_t ldg,
                           const float *d, float *G)
    void fnn_csr_scatter_d(Py_ssize_t nnz, const double *data, const void *indices,
                           bint wide, double a, Py_ssize_t n_out, Py_ssize_t ldg,
                           const double *d, double *G)


# The index types SciPy uses (indices and indptr always share one).
ctypedef fused index_t:
    int32_t
    int64_t


ctypedef struct CSR:
    const void *data              # values, the network's dtype; NULL if none stored
    const void *indices           # int32_t, or int64_t when wide
    const void *indptr            # same type as indices; n_rows + 1 entries
    bint wide


cdef inline CSR csr_arrays(const floating[::1] data, const index_t[::1] indices,
                           const index_t[::1] indptr):
    """The kernels' view of a CSR matrix given as its three arrays (borrowed:
    they must outlive every use of the result)."""
    cdef CSR X
    if indptr.shape[0] < 1:
        raise ValueError("indptr must have n_rows + 1 >= 1 entries; got none.")
    X.data = &data[0] if data.shape[0] > 0 else NULL
    X.indices = &indices[0] if indices.shape[0] > 0 else NULL
    X.indptr = &indptr[0]
    X.wide = index_t is int64_t
    return X


ctypedef struct Input:
    # The kernels' view of X (filled by input_rows; borrowed from the
    # arrays input_rows returns, which the caller holds for the whole call).
    bint sparse                   # X is CSR: `csr`, else `dense`
    const void *dense             # row i at dense + i * n_features
    CSR csr
    Py_ssize_t n_rows, n_features


cdef inline object input_rows(object X, Py_ssize_t n_features, Input *inp,
                              floating dtype_tag):
    """Fill inp (OUT) from X: a C-contiguous 2-D array of dtype `floating`
    with n_features columns, or a CSR matrix of that many columns given as
    any object with a `shape` and arrays `data`, `indices` and `indptr`
    (int32 or int64, one type for both; a SciPy matrix of another format is
    refused).  Raises ValueError or TypeError for anything else.

    Returns the buffers inp points into.  The caller keeps the result in a
    local variable until the kernel has returned: a CSR matrix's arrays are
    attributes that another thread may replace (``X.data = ...``), and only
    these references keep the arrays being read alive and unresized."""
    cdef const floating[:, ::1] A
    cdef const floating[::1] data
    cdef const int32_t[::1] indices32, indptr32
    cdef const int64_t[::1] indices64, indptr64
    cdef object kept
    inp.n_features = n_features
    inp.sparse = hasattr(X, "indptr")
    if inp.sparse:
        if getattr(X, "format", "csr") != "csr":
            raise ValueError(f"X must be a CSR matrix, not {X.format.upper()}.")
        n_rows, n_columns = X.shape
        if n_columns != n_features:
            raise ValueError(f"X has {n_columns} columns; the network takes {n_features}.")
        inp.dense = NULL
        data = X.data
        if X.indices.itemsize == 8:
            indices64 = X.indices
            indptr64 = X.indptr
            inp.csr = csr_arrays(data, indices64, indptr64)
            inp.n_rows = indptr64.shape[0] - 1
            kept = (<object> data, <object> indices64, <object> indptr64)
        else:
            indices32 = X.indices
            indptr32 = X.indptr
            inp.csr = csr_arrays(data, indices32, indptr32)
            inp.n_rows = indptr32.shape[0] - 1
            kept = (<object> data, <object> indices32, <object> indptr32)
        if inp.n_rows != n_rows:
            raise ValueError(f"X has {n_rows} rows but its indptr {inp.n_rows + 1} "
                             "entries.")
        return kept
    A = X
    if A.shape[1] != n_features:
        raise ValueError(f"X has {A.shape[1]} columns; the network takes {n_features}.")
    inp.dense = &A[0, 0] if A.shape[0] > 0 else NULL
    inp.n_rows = A.shape[0]
    return <object> A


cdef inline Py_ssize_t row_start(const CSR *X, Py_ssize_t i) noexcept nogil:
    """Position of row i's first value in data (row i ends where row i + 1
    starts)."""
    if X.wide:
        return (<const int64_t *> X.indptr)[i]
    return (<const int32_t *> X.indptr)[i]


cdef inline Py_ssize_t column(const CSR *X, Py_ssize_t k) noexcept nogil:
    """Column of the k-th stored value."""
    if X.wide:
        return (<const int64_t *> X.indices)[k]
    return (<const int32_t *> X.indices)[k]


cdef inline Py_ssize_t n_stored(const CSR *X, Py_ssize_t n_rows) noexcept nogil:
    """Values stored in rows 0 <= i < n_rows."""
    return row_start(X, n_rows) - row_start(X, 0)


cdef inline const void *indices_from(const CSR *X, Py_ssize_t k) noexcept nogil:
    """The column indices from the k-th stored value on."""
    if X.wide:
        return <const int64_t *> X.indices + k
    return <const int32_t *> X.indices + k


cdef inline void row_times(const CSR *X, Py_ssize_t i, Py_ssize_t n_out, Py_ssize_t ldw,
                           const floating *W, floating *z) noexcept nogil:
    """z[:n_out] += x_i W (W's rows ldw apart)."""
    cdef Py_ssize_t k0 = row_start(X, i), nnz = row_start(X, i + 1) - k0
    cdef const floating *data = <const floating *> X.data + k0
    if nnz <= 0:
        return
    if floating is float:
        fnn_csr_gather_s(nnz, data, indices_from(X, k0), X.wide, n_out, ldw, W, z)
    else:
        fnn_csr_gather_d(nnz, data, indices_from(X, k0), X.wide, n_out, ldw, W, z)


cdef inline void add_outer(const CSR *X, Py_ssize_t i, floating a, Py_ssize_t n_out,
                           Py_ssize_t ldg, const floating *d, floating *G) noexcept nogil:
    """G += a x_i^T d: row j of G (rows ldg apart) gains a x_ij d[:n_out] for
    every value x_ij stored in row i."""
    cdef Py_ssize_t k0 = row_start(X, i), nnz = row_start(X, i + 1) - k0
    cdef const floating *data = <const floating *> X.data + k0
    if nnz <= 0:
        return
    if floating is float:
        fnn_csr_scatter_s(nnz, data, indices_from(X, k0), X.wide, a, n_out, ldg, d, G)
    else:
        fnn_csr_scatter_d(nnz, data, indices_from(X, k0), X.wide, a, n_out, ldg, d, G)


cdef inline void expand_row(const CSR *X, Py_ssize_t i, floating *x) noexcept nogil:
    """x += row i as a dense vector (x all zero in: then x == X[i].toarray())."""
    cdef Py_ssize_t k
    cdef const floating *data = <const floating *> X.data
    for k in range(row_start(X, i), row_start(X, i + 1)):
        x[column(X, k)] += data[k]


cdef inline void clear_row(const CSR *X, Py_ssize_t i, floating *x) noexcept nogil:
    """Zero the entries of x at row i's columns (undoes expand_row in O(nnz))."""
    cdef Py_ssize_t k
    for k in range(row_start(X, i), row_start(X, i + 1)):
        x[column(X, k)] = 0


cdef inline double row_sumsq(const CSR *X, Py_ssize_t i,
                             floating *scratch) noexcept nogil:
    """||x_i||^2 of the dense row (repeated columns summed first), in O(nnz).
    scratch: n_features values, zero on entry and on return."""
    cdef Py_ssize_t k
    cdef double v, total = 0
    expand_row(X, i, scratch)
    for k in range(row_start(X, i), row_start(X, i + 1)):
        v = scratch[column(X, k)]
        total += v * v
        scratch[column(X, k)] = 0  # a repeated column counts once
    return total


cdef inline void rows_times(const CSR *X, const Py_ssize_t *rows, Py_ssize_t row0,
                            Py_ssize_t m, Py_ssize_t n_out, const floating *W,
                            const floating *b, floating *Z) noexcept nogil:
    """Z[r] = x W + b for the m rows x = X[rows[r]] (X[row0 + r] when rows is
    NULL); Z is (m, n_out) row-major, W (n_features, n_out)."""
    cdef Py_ssize_t r
    for r in range(m):
        memcpy(Z + r * n_out, b, n_out * sizeof(floating))
        row_times(X, rows[r] if rows != NULL else row0 + r, n_out, n_out, W,
                  Z + r * n_out)


cdef inline void rows_gradient(const CSR *X, const Py_ssize_t *rows, Py_ssize_t row0,
                               Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out,
                               const floating *D, floating *G) noexcept nogil:
    """G = A^T D (n_in x n_out) for the m rows A of X that rows_times reads
    and D (m, n_out): the first layer's weight gradient summed over the rows,
    scattered into the rows of G that their stored values select."""
    cdef Py_ssize_t r
    memset(G, 0, n_in * n_out * sizeof(floating))
    for r in range(m):
        add_outer(X, rows[r] if rows != NULL else row0 + r, <floating> 1, n_out, n_out,
                  D + r * n_out, G)
