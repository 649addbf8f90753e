# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Batched forward pass (prediction) through a dense network.

Design:
- The rows are cut into blocks of `block` rows, a queue of tasks that fnn's
  own threads (_threads.h) take one at a time; each block runs through the
  whole network, one single-threaded GEMM per layer, each product's rows
  then getting their bias and activation one row at a time (the row is in
  L1, the block in L2): _dense_forward.pxd's forward_rows, the routine
  mini-batch training runs too, so prediction and training compute the
  same bits.  The caller pins BLAS to one thread.  Each hidden layer's
  block has its own place in the thread's scratch (as in training); the
  last layer writes straight into the caller's output array.
- Block size from the cache, at run time: the two blocks a layer works on
  (its input and output) fill half of one core's L2 (_cache.h), the
  other half being for BLAS's packed panels.  On a 1 MiB L2 and 100 float32
  units that is 640 rows; a 2 MiB L2 (Sapphire Rapids) doubles it.
- Blocks are fixed by the input and the cache, not by the thread count, and
  each is computed the same way whichever thread takes it: the outputs are
  the same bits for any n_threads.  A queue rather than one range per
  thread: on a shared machine one thread is often descheduled for
  milliseconds, and a fixed split left the other waiting at the end.
- Small inputs run on one thread (starting one costs tens of microseconds).
- One entry point, forward, for dense and CSR input (_sparse.pxd's
  input_rows makes the kernels' view of X).  Sparse input: the first layer
  of a block is X_block W + b, each CSR row gathering the rows of W its
  stored values select (_sparse.pxd), O(nnz * units); the other layers are
  the dense code.  A subset of the rows (`rows`) is read in place from CSR
  input; dense rows of a subset are first copied into a block of scratch
  (the product needs them contiguous).

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

from fnncore._cache cimport fnn_l2_cache_bytes
from fnncore._dense_forward cimport forward_rows
from fnncore._network cimport Layer, layers_of
from fnncore._sparse cimport Input, input_rows, n_stored
from fnncore._threads cimport fnn_barrier, fnn_next_task, run_parallel

# Multiply-adds a thread must have to be worth starting (about 100 us).
cdef Py_ssize_t MIN_WORK_PER_THREAD = 4000000


ctypedef struct Forward:
    Input X
    const Py_ssize_t *rows        # out[r] is for X[rows[r]]; NULL for X[r]
    const Layer *layers
    const void *params
    void *out
    void *scratch                 # per thread: block * n_hidden_units values, then
                                  # block * n_features for dense rows of a subset
    Py_ssize_t per_thread         # scratch values per thread
    Py_ssize_t n_samples, n_layers, n_outputs, widest, n_hidden_units
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
    """out[start:start + m] = network(X[start:start + m]) (or of the rows
    f.rows[start:start + m]), with the routine training uses
    (_dense_forward.pxd); the hidden layers' blocks in scratch, then the
    rows a subset picks from dense X."""
    forward_rows(&f.X, f.rows + start if f.rows != NULL else NULL, start, m, f.layers,
                 f.n_layers, <const floating *> f.params, f.hidden, f.output,
                 scratch + f.block * f.n_hidden_units, scratch, f.block,
                 <floating *> f.out + start * f.n_outputs, NULL, NULL, 0, 0, 0)


cdef void worker(void *ctx, int t, int n_threads, floating dtype_tag) noexcept nogil:
    """Thread t takes blocks from the queue until it is empty."""
    cdef Forward *f = <Forward *> ctx
    cdef floating *scratch = <floating *> f.scratch + t * f.per_thread
    cdef Py_ssize_t k = fnn_next_task(&f.next_block)
    while k < f.n_blocks:
        forward_block(f, k * f.block, min(f.block, f.n_samples - k * f.block), scratch)
        k = fnn_next_task(&f.next_block)


def forward(
    X,
    const Py_ssize_t[:, ::1] layout,
    const floating[::1] params,
    int hidden_activation,
    int output_activation,
    floating[:, ::1] out,
    int n_threads=1,
    Py_ssize_t block=0,
    const Py_ssize_t[::1] rows=None,
):
    """out = network(X) (OUT: out, shape (n_samples, n_outputs)), on up to
    n_threads threads; BLAS should be limited to one thread by the caller
    when n_threads > 1.  Results do not depend on n_threads.

    X : IN, a C-contiguous (n_samples, n_features) array of params' dtype,
        or a CSR matrix (its data, indices and indptr, with the contract of
        fnncore._epoch.train_epoch), never made dense; out is then forward's on
        X.toarray() up to rounding.
    block : rows per block, 0 for block_rows' choice (another value is for
        measuring).
    rows : IN, None for all of X (out has X's rows), or indices into X (out
        has len(rows) rows, out[r] for X[rows[r]]): a subset, such as a
        validation split, without copying it (dense rows are copied one
        block at a time).
    """
    cdef Forward f
    cdef const Layer *layers = layers_of(layout)
    cdef Py_ssize_t n_rows, r
    # Held until the pass has returned: the buffers f.X points into.
    X_buffers = input_rows(X, layers[0].fan_in, &f.X, <floating> 0)
    n_rows = f.X.n_rows
    f.rows = NULL
    if rows is not None:
        for r in range(rows.shape[0]):
            if not 0 <= rows[r] < f.X.n_rows:
                raise ValueError(f"rows[{r}] = {rows[r]} is not a row of X "
                                 f"({f.X.n_rows} rows).")
        f.rows = &rows[0] if rows.shape[0] > 0 else NULL
        n_rows = rows.shape[0]
    if out.shape[0] != n_rows or out.shape[1] != layers[layout.shape[0] - 1].fan_out:
        raise ValueError(f"out has shape ({out.shape[0]}, {out.shape[1]}); the pass "
                         f"writes ({n_rows}, {layers[layout.shape[0] - 1].fan_out}).")
    run(&f, n_rows, layout, params, hidden_activation, output_activation, out,
        n_threads, block)


cdef int run(Forward *f, Py_ssize_t n_samples,
             const Py_ssize_t[:, ::1] layout, const floating[::1] params,
             int hidden_activation, int output_activation, floating[:, ::1] out,
             int n_threads, Py_ssize_t block) except -1:
    """The pass of forward once f describes the input and its rows."""
    cdef Py_ssize_t l, work
    cdef int threads
    f.layers = layers_of(layout)
    # The first layer's multiply-adds per row: nnz * units for CSR rows (on
    # average), not n_features * units.
    if f.X.sparse:
        work = (n_stored(&f.X.csr, f.X.n_rows) * f.layers[0].fan_out
                // max(1, f.X.n_rows))
    else:
        work = f.layers[0].fan_in * f.layers[0].fan_out
    f.params = &params[0]
    f.out = &out[0, 0] if out.shape[0] > 0 else NULL
    f.n_samples = n_samples
    f.n_layers = layout.shape[0]
    f.n_outputs = out.shape[1]
    f.hidden = hidden_activation
    f.output = output_activation
    f.widest = 0
    f.n_hidden_units = 0
    for l in range(f.n_layers):
        f.widest = max(f.widest, f.layers[l].fan_out)
        if l > 0:
            work += f.layers[l].fan_in * f.layers[l].fan_out
        if l < f.n_layers - 1:
            f.n_hidden_units += f.layers[l].fan_out
    work *= f.n_samples
    f.block = block if block > 0 else block_rows(f.widest, sizeof(floating))
    f.block = max(1, min(f.block, f.n_samples))
    f.n_blocks = (f.n_samples + f.block - 1) // f.block
    f.next_block = 0
    threads = <int> max(1, min(n_threads, work // MIN_WORK_PER_THREAD, f.n_blocks))
    f.per_thread = f.block * f.n_hidden_units
    if not f.X.sparse and f.rows != NULL:
        f.per_thread += f.block * f.X.n_features
    f.scratch = malloc(max(1, threads * f.per_thread) * sizeof(floating))
    if f.scratch == NULL:
        raise MemoryError()
    with nogil:
        if f.n_samples > 0:
            run_parallel(threads, worker[float], worker[double], f, &f.barrier,
                         <floating> 0)
    free(f.scratch)
    return 0
