# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Mini-batch gradient descent: one epoch in one nogil call; and, with the same
forward and backward passes over all rows, the full-batch objective and
gradient that L-BFGS minimises (full_batch_loss_gradient).

Design:
- Batches are consecutive slices of `order`; each batch's rows of X are
  gathered into a contiguous buffer so the matrix products run through BLAS
  (scipy's cython_blas, the same library numpy uses).
- Per batch: forward pass (_dense_forward.pxd, shared with prediction:
  GEMM, then bias and activation row by row), output delta p - y scaled by
  the sample weights, backward pass computing all gradients from the old
  weights, then the optimiser step on each layer.  The gradient is
  (A^T D + alpha W) / sum(w), as in scikit-learn.
- Threads split each batch's rows: every thread runs the forward and
  backward passes of its rows with single-threaded BLAS into its own gradient
  buffer.  After a barrier, each thread adds up all threads' gradients over
  its own share of the parameters and steps them; a second barrier and the
  next batch may read the new weights.  Our threads replace BLAS's: on
  matrices this small, BLAS's own threads spent as long waking up and
  waiting as computing (the caller must limit BLAS to one thread, e.g. with
  threadpoolctl).  Results depend on the number of threads (the batch's sum
  is split differently) but are reproducible for a given number.
  Measured (784-100-10 relu, float32, one epoch of the 60,000 Fashion-MNIST
  images, plain SGD; 2-core Zen 4, OpenBLAS 0.3.30 SkylakeX kernels, shared
  with other jobs at load average 4.5 to 8; medians of 3 epochs, ms):
    batch                            32     64    200
    2 fnn threads, BLAS 1 thread   1561    615    410
    1 fnn thread,  BLAS 1 thread    630    350    312
    1 fnn thread,  BLAS 2 threads  4066   4121   1258
  BLAS's threads on products this small are 3 to 12 times slower than no
  threads at all, so a batch is never handed to a threaded BLAS.  On that
  loaded machine our two threads also lost to one: each waits for the
  other at two barriers per batch, and a partner descheduled for a time
  slice stalls both.  That is the machine's load, not something to tune
  a constant to.
  What is not the load: with fewer than 32 rows per thread, two threads
  lost to one on a quiet machine too (load average 1.3, medians of 3
  epochs, ms):
    batch                  32    48    64    96
    2 threads            640   623   228   238
    1 thread             381   361   336   319
  Every thread's product on its few rows packs the whole weight matrix
  again (OpenBLAS copies W1, 784 x 100, for each call: sgemm_itcopy took
  11% of the time at batch 32 on two threads), and the two threads meet
  twice per batch for little work in between.  So a batch is split only
  when every thread gets at least MIN_ROWS_PER_THREAD rows: n_jobs=2 runs
  batches of 32 and 48 on one thread, 64 and more on two.  The choice
  depends on batch_size and n_jobs only, so results stay reproducible.
- Scratch buffers are allocated once per call, before the loop.
- Hidden activations whose derivative is no function of their output
  (gelu, silu), and dropout, keep a block of gains beside H: the forward
  pass writes f'(z) (times the dropout mask over 1 - rate) and the backward
  pass multiplies it in instead of deriving f' from H (_activations.pxd,
  _dropout.pxd).  Without them the block is not allocated and the loops are
  the ones they always were.  A row's masks depend on its position in the
  epoch's order, not on its batch or thread, as in per-example SGD.
- A non-finite batch loss stops the epoch before that batch's step; every
  thread computes the same batch loss from the shared partial sums, so all
  stop together without another barrier.
- Ctrl-C: every few milliseconds of work thread 0 looks for signals
  (_interrupt.pxd); all threads stop between two batches.
- Sparse input: X is dense or CSR (_sparse.pxd's input_rows makes the
  kernels' view of it, for train_epoch and full_batch_loss_gradient); for a CSR matrix only the
  first layer's products change.  Its pre-activations are X_batch W + b,
  each row gathering the rows of W its stored values select, and its
  weight gradient X_batch^T D is scattered into the rows of the gradient
  those values select (_sparse.pxd); both cost O(nnz * units) instead of
  O(batch * n_features * units), and no dense copy of the batch's rows is
  made.  Everything after the first layer, the reduction across threads
  and the optimiser step are the dense code.  A thread's gradient is
  zeroed and scattered in the order of its rows, so results are
  reproducible for a given number of threads.
"""
from cython cimport floating
from libc.math cimport isfinite
from libc.stdlib cimport malloc, calloc, free

from fnncore._activations cimport multiply_derivative, multiply_gain
from fnncore._blas cimport gemm
from fnncore._dense_forward cimport forward_rows
from fnncore._interrupt cimport CHECK_WORK, reraise_pending, signal_raised
from fnncore._losses cimport loss_row, output_delta_row
from fnncore._network cimport Layer, unit_offsets
from fnncore._optimizers cimport fnn_step, step_for_update
from fnncore._simd cimport step_slice, sumsq
from fnncore._sparse cimport n_stored, rows_gradient
from fnncore._threads cimport fnn_barrier, fnn_barrier_wait, run_parallel
from fnncore._training cimport Training, describe_network

cdef extern from *:
    """
    /* Which copy of _simd.h's kernels (step_slice, sumsq) this module runs:
     * the level its run-time dispatch chose, or the build's only copy. */
    static const char *fnn_simd_path(void)
    {
    #if FNN_DISPATCH
        return fnn_simd_level >= 4   ? "x86-64-v4 (AVX-512), run-time dispatch"
               : fnn_simd_level >= 3 ? "x86-64-v3 (AVX2, FMA), run-time dispatch"
                                     : "x86-64 baseline, run-time dispatch";
    #elif defined(__AVX512F__)
        return "AVX-512, compiled for this build's target only (no dispatch)";
    #elif defined(__AVX2__)
        return "AVX2, compiled for this build's target only (no dispatch)";
    #else
        return "compiled for this build's target only (no dispatch)";
    #endif
    }
    """
    const char *fnn_simd_path()


def simd_path():
    """The instruction-set copy of the vector kernels this module runs (for
    benchmark reports): the choice of _simd.h's run-time dispatch, which
    FNN_SIMD can lower, or the only copy of a build without dispatch."""
    return fnn_simd_path().decode()


# Per-thread partial sums sit this many doubles apart (a cache line).
cdef Py_ssize_t PAD = 8
# Rows of a batch each thread must get for the batch to be split at all
# (see the design note: below it, two threads were slower than one).
cdef Py_ssize_t MIN_ROWS_PER_THREAD = 32


ctypedef struct Epoch:
    # IN
    Training given                # the data, network and optimiser (_training.pxd);
                                  # given.params, state1, state2 are IN/OUT
    Py_ssize_t batch_size         # rows a thread's scratch holds
    Py_ssize_t total_units
    Py_ssize_t row_width          # values per row in the batch buffer: 0 for CSR
    Py_ssize_t check_every        # batches between looks for signals
    # scratch
    void *scratch                 # per thread: batch rows, H, D, gains, gradient
    Py_ssize_t scratch_per_thread # elements
    Py_ssize_t *units
    double *partial               # per thread, PAD apart: [data loss, weight, sumsq]
    fnn_barrier barrier
    # OUT
    double loss_sum
    long long n_updates
    bint diverged
    bint interrupted


cdef void batch_rows(Py_ssize_t m, int t, int n_threads, Py_ssize_t *r0,
                     Py_ssize_t *r1) noexcept nogil:
    """Thread t's rows [r0, r1) of a batch of m."""
    cdef Py_ssize_t chunk = (m + n_threads - 1) // n_threads
    r0[0] = min(t * chunk, m)
    r1[0] = min((t + 1) * chunk, m)


cdef void share(Py_ssize_t n, int t, int n_threads, Py_ssize_t *p0,
                Py_ssize_t *p1) noexcept nogil:
    """Thread t's share [p0, p1) of n parameters, in multiples of 16."""
    cdef Py_ssize_t chunk = ((n + n_threads - 1) // n_threads + 15) // 16 * 16
    p0[0] = min(t * chunk, n)
    p1[0] = min((t + 1) * chunk, n)


cdef Py_ssize_t scratch_elements(const Epoch *e) noexcept nogil:
    """Elements of one thread's scratch: batch rows, H, D, the gains when
    e.given.keep_gain, then the gradient (last, see reduce_and_step)."""
    return (e.batch_size * (e.row_width + (3 if e.given.keep_gain else 2) * e.total_units)
            + e.given.n_params)


cdef void rows_forward_backward(const Epoch *e, floating *mine, const Py_ssize_t *idx,
                                Py_ssize_t m, Py_ssize_t position,
                                double *partial) noexcept nogil:
    """Forward and backward passes of m rows (indices idx, at positions
    position, position + 1, ... of the epoch's order) into this thread's
    scratch `mine`; the gradient sums over the rows land in its G block.
    partial[0], partial[1] get the rows' weighted loss and total weight."""
    cdef const floating *Y = <const floating *> e.given.Y
    cdef const floating *SW = <const floating *> e.given.sample_weight
    cdef const floating *CS = <const floating *> e.given.class_scale
    cdef const floating *P = <const floating *> e.given.params
    cdef const Layer *L = e.given.layers
    cdef Py_ssize_t bs = e.batch_size, n_layers = e.given.n_layers
    cdef Py_ssize_t n_out = e.given.n_outputs
    cdef floating *batch = mine
    cdef floating *H = batch + bs * e.row_width
    cdef floating *Dall = H + bs * e.total_units
    cdef floating *gains = Dall + bs * e.total_units   # when e.given.keep_gain
    cdef floating *G = mine + e.scratch_per_thread - e.given.n_params
    cdef Py_ssize_t r, j, l, i, fan_in, fan_out, w_off, b_off
    cdef floating *A_in
    cdef floating *D
    cdef floating *out
    cdef floating *gb
    cdef floating sw, scale
    cdef double data_loss = 0, weight = 0

    if m == 0:
        # No rows for this thread (a small last batch): a zero gradient.
        for j in range(e.given.n_params):
            G[j] = 0
        partial[0] = 0
        partial[1] = 0
        return
    # Forward: H_l = f(A_{l-1} W_l + b_l), row blocks of m x fan_out, by the
    # routine prediction runs (dense rows are copied into `batch`).
    forward_rows(&e.given.X, idx, 0, m, L, n_layers, P, e.given.hidden, e.given.output,
                 batch, H, bs, H + e.units[n_layers - 1] * bs,
                 gains if e.given.keep_gain else NULL, e.given.dropout,
                 e.given.dropout_seed, position, e.given.n_hidden_units)

    # Loss and output delta (p - y) * weight.
    out = H + e.units[n_layers - 1] * bs
    D = Dall + e.units[n_layers - 1] * bs
    for r in range(m):
        i = idx[r]
        sw = SW[i] if SW != NULL else 1
        weight += sw
        scale = sw * CS[i] if CS != NULL else sw
        data_loss += scale * loss_row(e.given.loss, Y + i * n_out, out + r * n_out, n_out)
        output_delta_row(Y + i * n_out, out + r * n_out, D + r * n_out, n_out)
        if scale != 1:
            for j in range(n_out):
                D[r * n_out + j] *= scale
    partial[0] = data_loss
    partial[1] = weight

    # Backward: gradients of every layer from the old weights.
    for l in range(n_layers - 1, -1, -1):
        fan_in = L[l].fan_in
        fan_out = L[l].fan_out
        w_off = L[l].w_offset
        b_off = L[l].b_offset
        D = Dall + e.units[l] * bs
        A_in = batch if l == 0 else H + e.units[l - 1] * bs
        # G_W = A^T D (fan_in x fan_out); G_b = column sums of D.
        if l == 0 and e.given.X.sparse:
            rows_gradient(&e.given.X.csr, idx, 0, m, fan_in, fan_out, D, G + w_off)
        else:
            gemm(True, False, fan_in, fan_out, m, 1, A_in, fan_in, D, fan_out,
                 0, G + w_off, fan_out)
        gb = G + b_off
        for j in range(fan_out):
            gb[j] = 0
        for r in range(m):
            for j in range(fan_out):
                gb[j] += D[r * fan_out + j]
        if l > 0:
            # D_{l-1} = (D W^T) * f'(H_{l-1}).
            gemm(False, True, m, fan_in, fan_out, 1, D, fan_out, P + w_off,
                 fan_out, 0, Dall + e.units[l - 1] * bs, fan_in)
            if e.given.keep_gain:
                multiply_gain(gains + e.units[l - 1] * bs, Dall + e.units[l - 1] * bs,
                              m * fan_in)
            else:
                for r in range(m):
                    multiply_derivative(e.given.hidden, A_in + r * fan_in,
                                        Dall + e.units[l - 1] * bs + r * fan_in, fan_in)


cdef double reduce_and_step(Epoch *e, int t, int n_threads, double weight,
                            const fnn_step *step, floating dtype_tag) noexcept nogil:
    """Sum all threads' gradients over this thread's share of every layer and
    step it; returns the share's sum of W^2 after the step."""
    cdef floating *P = <floating *> e.given.params
    cdef floating *S1 = <floating *> e.given.state1
    cdef floating *S2 = <floating *> e.given.state2
    cdef floating *scratch = <floating *> e.scratch
    cdef floating *G = scratch + (t + 1) * e.scratch_per_thread - e.given.n_params
    cdef floating *other
    cdef const Layer *L = e.given.layers
    cdef Py_ssize_t l, u, k, p0, p1, base, n, part
    cdef double sq = 0, step_sq
    cdef floating a = <floating> (1 / weight)
    for l in range(e.given.n_layers):
        for part in range(2):  # coefficients (with L2), then intercepts
            if part == 0:
                base = L[l].w_offset
                n = L[l].fan_in * L[l].fan_out
            else:
                base = L[l].b_offset
                n = L[l].fan_out
            share(n, t, n_threads, &p0, &p1)
            if p1 <= p0:
                continue
            # Add the other threads' gradients into mine, in thread order
            # (fixed for a given number of threads, so reproducible).
            for u in range(n_threads):
                if u != t:
                    other = scratch + (u + 1) * e.scratch_per_thread - e.given.n_params
                    for k in range(base + p0, base + p1):
                        G[k] += other[k]
            step_sq = step_slice(p1 - p0, P + base + p0, G + base + p0, a,
                                 <floating> (e.given.alpha / weight) if part == 0 else 0,
                                 step,
                                 S1 + base + p0 if S1 != NULL else NULL,
                                 S2 + base + p0 if S2 != NULL else NULL)
            if part == 0:  # the L2 penalty counts coefficients only
                sq += step_sq
    return sq


cdef void epoch_worker(void *ctx, int t, int n_threads, floating dtype_tag) noexcept nogil:
    cdef Epoch *e = <Epoch *> ctx
    cdef floating *mine = <floating *> e.scratch + t * e.scratch_per_thread
    cdef const floating *P = <const floating *> e.given.params
    cdef const Layer *L = e.given.layers
    cdef Py_ssize_t start = 0, m, r0, r1, l, u, n_batches = 0
    cdef double data_loss, weight, sq, penalty_sumsq = 0, batch_loss
    cdef long long n_updates = e.given.n_updates_before
    cdef fnn_step step
    cdef double *partial = e.partial + t * PAD

    # partial[2]: each thread's share of ||W||^2 (the L2 penalty of the next
    # batch); before the first step, thread 0 holds all of it.
    if t == 0:
        for l in range(e.given.n_layers):
            penalty_sumsq += sumsq(L[l].fan_in * L[l].fan_out,
                                   P + L[l].w_offset)
    partial[2] = penalty_sumsq
    while start < e.given.n_samples:
        if t == 0 and e.given.check_signals and n_batches % e.check_every == 0 \
                and signal_raised():
            e.interrupted = True
        n_batches += 1
        m = min(e.batch_size, e.given.n_samples - start)
        batch_rows(m, t, n_threads, &r0, &r1)
        rows_forward_backward(e, mine, e.given.order + start + r0, r1 - r0, start + r0,
                              partial)
        start += m
        fnn_barrier_wait(&e.barrier)  # all gradients, partial sums and flags
        if e.interrupted:
            break
        data_loss = 0
        weight = 0
        penalty_sumsq = 0
        for u in range(n_threads):  # the same sums, in the same order, in all
            data_loss += e.partial[u * PAD]
            weight += e.partial[u * PAD + 1]
            penalty_sumsq += e.partial[u * PAD + 2]
        if weight == 0:
            fnn_barrier_wait(&e.barrier)
            continue  # nothing to learn from a batch of zero weight
        batch_loss = (data_loss + 0.5 * e.given.alpha * penalty_sumsq) / weight
        if not isfinite(batch_loss):
            if t == 0:
                e.diverged = True
            break
        if t == 0:
            e.loss_sum += batch_loss * m
        n_updates += 1
        step = step_for_update(&e.given.step, n_updates)
        sq = reduce_and_step(e, t, n_threads, weight, &step, dtype_tag)
        # My share of ||W||^2 for the next batch's penalty: written after
        # everyone has read this batch's, read after the next barrier.
        fnn_barrier_wait(&e.barrier)
        partial[2] = sq
    if t == 0:
        e.n_updates = n_updates


cdef int start_epoch(Epoch *e, const Training *given, Py_ssize_t batch_size,
                     int n_threads, size_t itemsize) except -1:
    """Copy `given` into e and allocate the scratch of n_threads threads, each
    holding up to batch_size rows (end_epoch frees it)."""
    e.given = given[0]
    # Dense batches copy their rows into a buffer for BLAS; CSR rows are
    # read in place.
    e.row_width = 0 if given.X.sparse else given.X.n_features
    e.batch_size = batch_size
    e.units = <Py_ssize_t *> malloc(given.n_layers * sizeof(Py_ssize_t))
    e.partial = <double *> calloc(n_threads * PAD, sizeof(double))
    e.scratch = NULL
    if e.units != NULL:
        e.total_units = unit_offsets(given.layers, given.n_layers, e.units)
        e.scratch_per_thread = scratch_elements(e)
        e.scratch = malloc(n_threads * e.scratch_per_thread * itemsize)
    if e.scratch == NULL or e.partial == NULL:
        end_epoch(e)
        raise MemoryError()
    return 0


cdef void end_epoch(Epoch *e) noexcept:
    free(e.scratch)
    free(e.units)
    free(e.partial)


cdef Py_ssize_t work_per_row(const Epoch *e) noexcept:
    """Multiply-adds of one row's forward pass: the first layer's share is
    nnz * units for CSR rows (on average), not n_features * units."""
    cdef Py_ssize_t work = e.given.n_params, n_rows = e.given.X.n_rows
    if e.given.X.sparse and n_rows > 0:
        work += (n_stored(&e.given.X.csr, n_rows) * e.given.layers[0].fan_out // n_rows
                 - e.given.layers[0].fan_in * e.given.layers[0].fan_out)
    return max(1, work)


cdef tuple minibatch_epoch(const Training *given, Py_ssize_t batch_size, int n_threads):
    """One epoch of mini-batches of batch_size >= 1 rows (the last may be
    smaller) on what `given` describes, with up to n_threads >= 1 threads
    splitting each batch (see the Design notes; BLAS must be limited to one
    thread meanwhile).  The entry point and its parameters: _epoch.pyx
    train_epoch.  Returns (loss_sum, n_updates, diverged) where loss_sum
    adds each batch's mean loss (with its L2 penalty) times the batch's
    size, as scikit-learn accumulates it."""
    cdef Epoch epoch
    cdef Epoch *e = &epoch
    cdef int threads = <int> max(1, min(n_threads, batch_size // MIN_ROWS_PER_THREAD))
    start_epoch(e, given, batch_size, threads,
                sizeof(double) if given.double_precision else sizeof(float))
    e.check_every = max(1, CHECK_WORK // max(1, batch_size * work_per_row(e)))
    e.loss_sum = 0
    e.n_updates = given.n_updates_before
    e.diverged = False
    e.interrupted = False
    with nogil:
        if given.n_samples > 0:
            if given.double_precision:
                run_parallel(threads, epoch_worker[float], epoch_worker[double], e,
                             &e.barrier, <double> 0)
            else:
                run_parallel(threads, epoch_worker[float], epoch_worker[double], e,
                             &e.barrier, <float> 0)
    end_epoch(e)
    if e.interrupted:
        reraise_pending(e.n_updates)
    return e.loss_sum, e.n_updates, e.diverged


def full_batch_loss_gradient(
    X,
    const floating[:, ::1] Y,
    const floating[::1] sample_weight,
    const Py_ssize_t[:, ::1] layout,
    const floating[::1] params,
    floating[::1] grad,
    int hidden_activation,
    int output_activation,
    int loss,
    double alpha,
    const floating[::1] class_scale=None,
    Py_ssize_t chunk=4096,
):
    """The full-batch objective and its gradient (for L-BFGS).

    X : IN, dense or CSR, as fnncore._epoch.train_epoch takes it.

    Returns scikit-learn's MLP objective over all of X, the weighted mean loss
    plus 0.5 alpha ||W||^2 / sum(w), and writes its gradient with respect to
    params into grad (OUT, params' layout): (sum_i w_i g_i + alpha W) / sum(w).
    Rows are processed `chunk` at a time, so the scratch memory does not grow
    with X.
    """
    cdef Training given
    cdef Epoch epoch
    cdef Epoch *e = &epoch
    # Held until the kernel has returned: the buffers given.X points into.
    X_buffers = describe_network(&given, X, Y, sample_weight, class_scale, layout,
                                 params, hidden_activation, output_activation, loss,
                                 alpha)
    cdef Py_ssize_t n_samples = given.X.n_rows
    cdef Py_ssize_t n_layers = given.n_layers
    cdef Py_ssize_t start, m, k, l, w_off, n_w
    cdef double partial[2]
    cdef double data_loss = 0, weight = 0, penalty = 0
    cdef floating *G
    cdef const Layer *L = given.layers
    start_epoch(e, &given, max(1, min(chunk, n_samples)), 1, sizeof(floating))
    cdef Py_ssize_t *rows = <Py_ssize_t *> malloc(e.batch_size * sizeof(Py_ssize_t))
    if rows == NULL:
        end_epoch(e)
        raise MemoryError()
    G = <floating *> e.scratch + e.scratch_per_thread - e.given.n_params

    with nogil:
        for k in range(e.given.n_params):
            grad[k] = 0
        start = 0
        while start < n_samples:
            m = min(e.batch_size, n_samples - start)
            for k in range(m):
                rows[k] = start + k
            rows_forward_backward(e, <floating *> e.scratch, rows, m, start, partial)
            data_loss += partial[0]
            weight += partial[1]
            for k in range(e.given.n_params):
                grad[k] += G[k]
            start += m
        for l in range(n_layers):
            w_off = L[l].w_offset
            n_w = L[l].fan_in * L[l].fan_out
            penalty += sumsq(n_w, &params[w_off])
            for k in range(w_off, w_off + n_w):
                grad[k] += alpha * params[k]
        if weight > 0:
            for k in range(e.given.n_params):
                grad[k] /= weight
    end_epoch(e)
    free(rows)
    if weight <= 0:
        return float("nan")
    return (data_loss + 0.5 * alpha * penalty) / weight
