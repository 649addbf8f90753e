# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Batched forward pass (prediction) through a dense network.

Design:
- The rows are split into one contiguous range per thread (fnn's own
  threads, _threads.h); each thread runs its range through the network in
  blocks of BLOCK rows, one single-threaded GEMM per layer and block, then
  the bias and activation while the block is still in cache.  The caller
  pins BLAS to one thread, as in mini-batch training: one GEMM per thread
  and layer avoids waking BLAS's threads for every call, and the bias and
  activation passes run in parallel too.
- Each thread alternates two scratch blocks as a layer's input and output;
  the last layer writes straight into the caller's output array.  Scratch
  is allocated once per call.
- Small inputs run on one thread: starting a thread costs tens of
  microseconds, more than a few rows' work.
- Sparse input (forward_csr): the first layer of a block is X_block W + b,
  each CSR row gathering the rows of W its stored values select
  (_sparse.pxd), O(nnz * units); the other layers are the dense code.
"""
from cython cimport floating
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

from fnncore._activations cimport activate_rows
from fnncore._blas cimport gemm
from fnncore._network cimport FAN_IN, FAN_OUT, W_OFFSET, B_OFFSET
from fnncore._sparse cimport CSR, index_t, csr_arrays, n_stored, rows_times
from fnncore._threads cimport fnn_barrier, fnn_run_parallel

# Rows per GEMM: a block's activations (BLOCK x widest layer) stay in a
# core's L2 cache between layers.
cdef Py_ssize_t BLOCK = 512
# Multiply-adds a thread must have to be worth starting (about 100 us).
cdef Py_ssize_t MIN_WORK_PER_THREAD = 4000000


ctypedef struct Forward:
    const void *X                 # dense rows; NULL when the input is `csr`
    CSR csr
    const Py_ssize_t *rows        # CSR: out[r] is for X[rows[r]]; NULL for X[r]
    const Py_ssize_t *layout
    const void *params
    void *out
    void *scratch                 # per thread: 2 * BLOCK * widest values
    Py_ssize_t n_samples, n_features, n_layers, n_outputs, widest
    int hidden, output
    fnn_barrier barrier


cdef void forward_rows(Forward *f, Py_ssize_t row0, Py_ssize_t row1, floating *scratch,
                       floating dtype_tag) noexcept nogil:
    """out[row0:row1] = network(X[row0:row1])."""
    cdef const floating *X = <const floating *> f.X
    cdef const floating *P = <const floating *> f.params
    cdef floating *out = <floating *> f.out
    cdef const Py_ssize_t *L = f.layout
    cdef Py_ssize_t l, r, start, m, fan_in, fan_out
    cdef const floating *A_in
    cdef floating *Z
    start = row0
    while start < row1:
        m = min(BLOCK, row1 - start)
        A_in = X + start * f.n_features if X != NULL else NULL
        for l in range(f.n_layers):
            fan_in = L[l * 4 + FAN_IN]
            fan_out = L[l * 4 + FAN_OUT]
            if l == f.n_layers - 1:
                Z = out + start * f.n_outputs
            else:
                Z = scratch + (l % 2) * BLOCK * f.widest
            if l == 0 and X == NULL:
                rows_times(&f.csr, f.rows + start if f.rows != NULL else NULL, start,
                           m, fan_out, P + L[W_OFFSET], P + L[B_OFFSET], Z)
            else:
                gemm(False, False, m, fan_out, fan_in, 1, A_in, fan_in,
                     P + L[l * 4 + W_OFFSET], fan_out, 0, Z, fan_out)
                for r in range(m):
                    add_bias(Z + r * fan_out, P + L[l * 4 + B_OFFSET], fan_out)
            activate_rows(f.output if l == f.n_layers - 1 else f.hidden, Z, m, fan_out)
            A_in = Z
        start += m


cdef inline void add_bias(floating *z, const floating *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        z[j] += b[j]


cdef void worker(Forward *f, int t, int n_threads, floating dtype_tag) noexcept nogil:
    forward_rows(f, f.n_samples * t // n_threads, f.n_samples * (t + 1) // n_threads,
                 <floating *> f.scratch + 2 * t * BLOCK * f.widest, dtype_tag)


cdef void worker_float(void *f, int t, int n_threads) noexcept nogil:
    worker(<Forward *> f, t, n_threads, <float> 0)


cdef void worker_double(void *f, int t, int n_threads) noexcept nogil:
    worker(<Forward *> f, t, n_threads, <double> 0)


def forward(
    const floating[:, ::1] X,
    const Py_ssize_t[:, ::1] layout,
    const floating[::1] params,
    int hidden_activation,
    int output_activation,
    floating[:, ::1] out,
    int n_threads=1,
):
    """out = network(X) (OUT: out, shape (n_samples, n_outputs)), on up to
    n_threads threads; BLAS should be limited to one thread by the caller
    when n_threads > 1."""
    cdef Forward f
    f.X = &X[0, 0] if X.shape[0] > 0 else NULL
    f.rows = NULL
    f.n_features = X.shape[1]
    run(&f, X.shape[0], layout[0, FAN_IN] * layout[0, FAN_OUT], layout, params,
        hidden_activation, output_activation, out, n_threads)


def forward_csr(
    const floating[::1] data,
    const index_t[::1] indices,
    const index_t[::1] indptr,
    const Py_ssize_t[:, ::1] layout,
    const floating[::1] params,
    int hidden_activation,
    int output_activation,
    floating[:, ::1] out,
    int n_threads=1,
    const Py_ssize_t[::1] rows=None,
):
    """forward on a CSR matrix X given as its arrays (data, indices,
    indptr), with the contract of fnncore._sgd.sgd_epoch_csr; X is never
    made dense.  out equals forward's on X.toarray() up to rounding.

    rows : IN, None for all of X (out has len(indptr) - 1 rows), or indices
        into X (out has len(rows) rows, out[r] for X[rows[r]]): a subset,
        such as a validation split, without copying its rows.
    """
    cdef Forward f
    cdef Py_ssize_t n_rows = indptr.shape[0] - 1
    f.X = NULL
    f.csr = csr_arrays(data, indices, indptr)
    f.n_features = layout[0, FAN_IN]
    f.rows = NULL
    if rows is not None:
        f.rows = &rows[0] if rows.shape[0] > 0 else NULL
    run(&f, n_rows if rows is None else rows.shape[0],
        n_stored(&f.csr, n_rows) * layout[0, FAN_OUT] // max(1, n_rows),
        layout, params, hidden_activation, output_activation, out, n_threads)


cdef int run(Forward *f, Py_ssize_t n_samples, Py_ssize_t first_layer_work,
             const Py_ssize_t[:, ::1] layout, const floating[::1] params,
             int hidden_activation, int output_activation, floating[:, ::1] out,
             int n_threads) except -1:
    """The pass of forward and forward_csr once f describes the input;
    first_layer_work is the first layer's multiply-adds per row."""
    cdef Py_ssize_t l, work = first_layer_work
    cdef int threads
    f.layout = &layout[0, 0]
    f.params = &params[0]
    f.out = &out[0, 0] if out.shape[0] > 0 else NULL
    f.n_samples = n_samples
    f.n_layers = layout.shape[0]
    f.n_outputs = out.shape[1]
    f.hidden = hidden_activation
    f.output = output_activation
    f.widest = 0
    for l in range(f.n_layers):
        f.widest = max(f.widest, layout[l, FAN_OUT])
        if l > 0:
            work += layout[l, FAN_IN] * layout[l, FAN_OUT]
    work *= f.n_samples
    threads = <int> max(1, min(n_threads, work // MIN_WORK_PER_THREAD))
    f.scratch = malloc(2 * threads * BLOCK * f.widest * sizeof(floating))
    if f.scratch == NULL:
        raise MemoryError()
    with nogil:
        if f.n_samples > 0:
            if floating is float:
                fnn_run_parallel(threads, worker_float, f, &f.barrier)
            else:
                fnn_run_parallel(threads, worker_double, f, &f.barrier)
    free(f.scratch)
    return 0
