# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Batched forward pass (prediction) through a dense network.

Design:
- The rows are cut into blocks of `block` rows, a queue of tasks that fnn's
  own threads (_threads.h) take one at a time; each block runs through the
  whole network, one single-threaded GEMM per layer, each product's rows
  then getting their bias and activation one row at a time (the row is in
  L1, the block in L2).  The caller pins BLAS to one thread.  The last
  layer writes straight into the caller's output array.
- Block size from the cache, at run time: a thread's two scratch blocks (a
  layer's input and output) fill half of one core's L2 (_cache.h), the
  other half being for BLAS's packed panels.  On a 1 MiB L2 and 100 float32
  units that is 640 rows; a 2 MiB L2 (Sapphire Rapids) doubles it.
- Blocks are fixed by the input and the cache, not by the thread count, and
  each is computed the same way whichever thread takes it: the outputs are
  the same bits for any n_threads.  A queue rather than one range per
  thread: on a shared machine one thread is often descheduled for
  milliseconds, and a fixed split left the other waiting at the end.
- Small inputs run on one thread (starting one costs tens of microseconds).
- Sparse input (forward_csr): the first layer of a block is X_block W + b,
  each CSR row gathering the rows of W its stored values select
  (_sparse.pxd), O(nnz * units); the other layers are the dense code.

Measured (784-100-10 relu, float32, the 10,000 Fashion-MNIST test images,
2-core Zen 4 with OpenBLAS 0.3.30 SkylakeX kernels, load average about 3
from other jobs; medians of 7 rounds, each the best of 3):
  block rows      32    64   128   256   512   640  1024  2048
  1 thread, ms  29.4  24.4  22.8  22.1  22.0  20.9  21.5  23.3
  2 threads, ms 26.3  24.5  22.2  21.2  19.0  18.9  20.8  21.5
Small blocks lose to BLAS's fixed cost per call (packing W again for every
block), blocks past L2 to the activations leaving it.  Letting BLAS thread
one product instead (1 fnn thread, BLAS 2 threads): 31.9 ms on all 10,000
rows at once, 76 ms in blocks of 2048 (BLAS wakes and waits for its
threads on every call).  The NumPy chain relu(X W1 + b1) W2 + b2 plus
softmax took 32.2 ms in the same run, its X W1 alone 24.7 ms.
"""
from cython cimport floating
from libc.stdlib cimport malloc, free

from fnncore._activations cimport activate_row
from fnncore._blas cimport gemm
from fnncore._cache cimport fnn_l2_cache_bytes
from fnncore._network cimport Layer, layers_of
from fnncore._sparse cimport CSR, index_t, csr_arrays, n_stored, rows_times
from fnncore._threads cimport fnn_barrier, fnn_next_task, run_parallel

# Multiply-adds a thread must have to be worth starting (about 100 us).
cdef Py_ssize_t MIN_WORK_PER_THREAD = 4000000


ctypedef struct Forward:
    const void *X                 # dense rows; NULL when the input is `csr`
    CSR csr
    const Py_ssize_t *rows        # CSR: out[r] is for X[rows[r]]; NULL for X[r]
    const Layer *layers
    const void *params
    void *out
    void *scratch                 # per thread: 2 * block * widest values
    Py_ssize_t n_samples, n_features, n_layers, n_outputs, widest
    Py_ssize_t block, n_blocks    # rows per block; blocks of the queue
    long next_block               # the queue (fnn_next_task)
    int hidden, output
    fnn_barrier barrier


cpdef Py_ssize_t block_rows(Py_ssize_t widest, Py_ssize_t itemsize):
    """Rows per block of the forward pass: a thread's two scratch blocks
    (a layer's input and output, block x widest values each) fill half of
    one core's L2 cache, leaving the other half to BLAS's packed panels.
    A multiple of 16 (whole cache lines of rows), at least 16."""
    cdef Py_ssize_t rows = fnn_l2_cache_bytes() // (4 * max(1, widest) * itemsize)
    return max(16, rows // 16 * 16)


cdef void forward_block(Forward *f, Py_ssize_t start, Py_ssize_t m, floating *scratch) \
        noexcept nogil:
    """out[start:start + m] = network(X[start:start + m]): one product per
    layer, then bias and activation row by row while the block is in cache."""
    cdef const floating *X = <const floating *> f.X
    cdef const floating *P = <const floating *> f.params
    cdef floating *out = <floating *> f.out
    cdef const Layer *L = f.layers
    cdef Py_ssize_t l, r, j, fan_in, fan_out
    cdef const floating *A_in = X + start * f.n_features if X != NULL else NULL
    cdef const floating *b
    cdef floating *Z
    cdef floating *z
    cdef int kind
    for l in range(f.n_layers):
        fan_in = L[l].fan_in
        fan_out = L[l].fan_out
        b = P + L[l].b_offset
        kind = f.output if l == f.n_layers - 1 else f.hidden
        if l == f.n_layers - 1:
            Z = out + start * f.n_outputs
        else:
            Z = scratch + (l % 2) * f.block * f.widest
        if l == 0 and X == NULL:
            rows_times(&f.csr, f.rows + start if f.rows != NULL else NULL, start,
                       m, fan_out, P + L[0].w_offset, b, Z)
            for r in range(m):
                activate_row(kind, Z + r * fan_out, fan_out)
        else:
            gemm(False, False, m, fan_out, fan_in, 1, A_in, fan_in,
                 P + L[l].w_offset, fan_out, 0, Z, fan_out)
            for r in range(m):
                z = Z + r * fan_out
                for j in range(fan_out):
                    z[j] += b[j]
                activate_row(kind, z, fan_out)
        A_in = Z


cdef void worker(void *ctx, int t, int n_threads, floating dtype_tag) noexcept nogil:
    """Thread t takes blocks from the queue until it is empty."""
    cdef Forward *f = <Forward *> ctx
    cdef floating *scratch = <floating *> f.scratch + 2 * t * f.block * f.widest
    cdef Py_ssize_t k = fnn_next_task(&f.next_block)
    while k < f.n_blocks:
        forward_block(f, k * f.block, min(f.block, f.n_samples - k * f.block), scratch)
        k = fnn_next_task(&f.next_block)


def forward(
    const floating[:, ::1] X,
    const Py_ssize_t[:, ::1] layout,
    const floating[::1] params,
    int hidden_activation,
    int output_activation,
    floating[:, ::1] out,
    int n_threads=1,
    Py_ssize_t block=0,
):
    """out = network(X) (OUT: out, shape (n_samples, n_outputs)), on up to
    n_threads threads; BLAS should be limited to one thread by the caller
    when n_threads > 1.  block: rows per block, 0 for block_rows' choice
    (another value is for measuring).  Results do not depend on
    n_threads."""
    cdef Forward f
    cdef const Layer *layers = layers_of(layout)
    f.X = &X[0, 0] if X.shape[0] > 0 else NULL
    f.rows = NULL
    f.n_features = X.shape[1]
    run(&f, X.shape[0], layers[0].fan_in * layers[0].fan_out, layout, params,
        hidden_activation, output_activation, out, n_threads, block)


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
    Py_ssize_t block=0,
):
    """forward on a CSR matrix X given as its arrays (data, indices,
    indptr), with the contract of fnncore._sgd.sgd_epoch_csr; X is never
    made dense.  out equals forward's on X.toarray() up to rounding.

    rows : IN, None for all of X (out has len(indptr) - 1 rows), or indices
        into X (out has len(rows) rows, out[r] for X[rows[r]]): a subset,
        such as a validation split, without copying its rows.
    """
    cdef Forward f
    cdef const Layer *layers = layers_of(layout)
    cdef Py_ssize_t n_rows = indptr.shape[0] - 1
    f.X = NULL
    f.csr = csr_arrays(data, indices, indptr)
    f.n_features = layers[0].fan_in
    f.rows = NULL
    if rows is not None:
        f.rows = &rows[0] if rows.shape[0] > 0 else NULL
    run(&f, n_rows if rows is None else rows.shape[0],
        n_stored(&f.csr, n_rows) * layers[0].fan_out // max(1, n_rows),
        layout, params, hidden_activation, output_activation, out, n_threads, block)


cdef int run(Forward *f, Py_ssize_t n_samples, Py_ssize_t first_layer_work,
             const Py_ssize_t[:, ::1] layout, const floating[::1] params,
             int hidden_activation, int output_activation, floating[:, ::1] out,
             int n_threads, Py_ssize_t block) except -1:
    """The pass of forward and forward_csr once f describes the input;
    first_layer_work is the first layer's multiply-adds per row."""
    cdef Py_ssize_t l, work = first_layer_work
    cdef int threads
    f.layers = layers_of(layout)
    f.params = &params[0]
    f.out = &out[0, 0] if out.shape[0] > 0 else NULL
    f.n_samples = n_samples
    f.n_layers = layout.shape[0]
    f.n_outputs = out.shape[1]
    f.hidden = hidden_activation
    f.output = output_activation
    f.widest = 0
    for l in range(f.n_layers):
        f.widest = max(f.widest, f.layers[l].fan_out)
        if l > 0:
            work += f.layers[l].fan_in * f.layers[l].fan_out
    work *= f.n_samples
    f.block = block if block > 0 else block_rows(f.widest, sizeof(floating))
    f.block = max(1, min(f.block, f.n_samples))
    f.n_blocks = (f.n_samples + f.block - 1) // f.block
    f.next_block = 0
    threads = <int> max(1, min(n_threads, work // MIN_WORK_PER_THREAD, f.n_blocks))
    f.scratch = malloc(2 * threads * f.block * f.widest * sizeof(floating))
    if f.scratch == NULL:
        raise MemoryError()
    with nogil:
        if f.n_samples > 0:
            run_parallel(threads, worker[float], worker[double], f, &f.barrier,
                         <floating> 0)
    free(f.scratch)
    return 0
