# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Per-example stochastic gradient descent: one epoch in one nogil call.

Design:
- The loop visits examples in the order given (the caller shuffles), and for
  each runs the forward pass, the fused output delta, and a backward pass that
  steps each layer's weights as soon as its delta to the layer below has been
  computed from the old weights (dense_backward_step_one).  That is exactly
  scikit-learn's update with batch_size=1: gradient (x delta^T + alpha W),
  then the optimiser rule.
- The first layer, usually the largest, streams its weights through the
  cache once per example instead of twice: its step for example k is fused
  with its forward pass for example k+1 (dense_step_forward_one).
- Threads split every layer's units into contiguous ranges (multiples of 16,
  so vector lanes see the same arithmetic as on one thread).  A thread
  computes the forward pass of its units, then, going backward, steps the
  rows of the next layer's W that belong to its units (row i of W_l is what
  unit i of layer l-1 feeds forward) and their deltas.  So each thread owns
  fixed columns of W_0 and fixed rows of every later W, which stay in its own
  core's cache, and no weight is written by two threads.  Barriers separate
  the phases: a layer's activations are complete before the next layer reads
  them, and every thread has finished reading the weights before any steps
  them.  The output layer is small and computed by every thread.  Each
  weight gets the same arithmetic whatever the number of threads, so the
  weights are bit-identical to one thread's; the reported loss may differ in
  the last bits, because the L2 penalty's sum is split differently.
- All scratch memory is allocated once per call, before the loop.
- The L2 penalty 0.5 alpha ||W||^2 of each example's loss uses the weights
  before its step; the step kernels return ||W||^2 after theirs, so the
  penalty costs no extra pass.
- A non-finite loss stops the epoch at that example (flag `diverged`); the
  caller restores its weights.  Checking each example costs one comparison.
- Ctrl-C: thread 0 looks for signals every few milliseconds (_interrupt.pxd)
  and, like divergence, the stop takes effect for all threads at the same
  barrier, after a complete update.
"""
from cython cimport floating
from libc.math cimport isfinite
from libc.stdlib cimport malloc, calloc, free

from fnncore._activations cimport activate_row, multiply_derivative
from fnncore._losses cimport loss_row, output_delta_row
from fnncore._network cimport (FAN_IN, FAN_OUT, W_OFFSET, B_OFFSET, unit_offsets,
                               step_for_update)
from fnncore._simd cimport (fnn_step, dense_forward_one, dense_backward_step_one,
                            dense_step_forward_one, sumsq)
from fnncore._interrupt cimport CHECK_WORK, reraise_pending, signal_raised
from fnncore._threads cimport fnn_barrier, fnn_barrier_wait, fnn_run_parallel

# Thread ranges start at multiples of this many units (one AVX-512 vector of
# floats), so that splitting a layer never changes its lanes' arithmetic.
cdef Py_ssize_t ALIGN = 16
# Per-thread partial sums sit this many doubles apart (a cache line), so two
# threads never write the same line.
cdef Py_ssize_t PAD = 8


ctypedef struct Epoch:
    # IN (typed pointers are cast to the dtype in the worker)
    const void *X
    const void *Y
    const void *sample_weight     # NULL for unit weights
    const void *class_scale       # NULL for unit scales
    const Py_ssize_t *order
    const Py_ssize_t *layout      # (n_layers, 4), see _network.pxd
    Py_ssize_t n_samples, n_features, n_layers, n_outputs
    int hidden, output, loss
    double alpha
    fnn_step step
    long long n_updates_before
    bint check_signals
    Py_ssize_t check_every        # examples between looks for signals
    # IN/OUT
    void *params
    void *state1                  # NULL where the rule keeps no state
    void *state2
    # scratch shared by the threads
    void *h                       # every layer's activations, one example
    void *d                       # their deltas
    void *per_thread              # per thread: output and output delta
    Py_ssize_t *units             # unit offset of each layer in h and d
    Py_ssize_t *split             # split[l * (T + 1) + t]: thread t's first unit
    double *partial_sumsq         # per thread, PAD apart
    fnn_barrier barrier
    # OUT
    double loss_sum
    long long n_updates
    bint diverged
    bint interrupted


cdef void split_units(Epoch *e, int n_threads) noexcept nogil:
    """Contiguous unit ranges per thread and layer, starting at multiples of
    ALIGN."""
    cdef Py_ssize_t l, t, n_units, chunk
    for l in range(e.n_layers):
        n_units = e.layout[l * 4 + FAN_OUT]
        chunk = (n_units + n_threads - 1) // n_threads
        chunk = (chunk + ALIGN - 1) // ALIGN * ALIGN
        for t in range(n_threads + 1):
            e.split[l * (n_threads + 1) + t] = min(t * chunk, n_units)


cdef void epoch_worker(Epoch *e, int t, int n_threads, floating dtype_tag) noexcept nogil:
    """Thread t's share of the epoch (see the Design notes above)."""
    cdef const floating *X = <const floating *> e.X
    cdef const floating *Y = <const floating *> e.Y
    cdef const floating *SW = <const floating *> e.sample_weight
    cdef const floating *CS = <const floating *> e.class_scale
    cdef floating *P = <floating *> e.params
    cdef floating *S1 = <floating *> e.state1
    cdef floating *S2 = <floating *> e.state2
    cdef floating *h = <floating *> e.h
    cdef floating *d = <floating *> e.d
    cdef floating *out = <floating *> e.per_thread + 2 * t * e.n_outputs
    cdef floating *delta_out = out + e.n_outputs
    cdef const Py_ssize_t *L = e.layout
    cdef const Py_ssize_t *units = e.units
    cdef Py_ssize_t n_layers = e.n_layers, n_outputs = e.n_outputs
    cdef Py_ssize_t last = n_layers - 1
    cdef Py_ssize_t k, l, i, j0, j1, r0, r1, fan_in, fan_out, w_off, b_off, u
    cdef Py_ssize_t n_samples = e.n_samples
    cdef const floating *x
    cdef const floating *x_next
    cdef const floating *y
    cdef const floating *a_in
    cdef const floating *delta_src
    cdef floating sw, cs, l2
    cdef double penalty, new_sumsq, example_loss
    cdef long long n_updates = e.n_updates_before
    cdef fnn_step step

    if t == 0:
        split_units(e, n_threads)
    fnn_barrier_wait(&e.barrier)  # the split is known to all
    # The L2 penalty of the first example: one full pass, by thread 0.
    new_sumsq = 0
    if t == 0:
        for l in range(n_layers):
            new_sumsq += sumsq(L[l * 4 + FAN_IN] * L[l * 4 + FAN_OUT],
                               P + L[l * 4 + W_OFFSET])
    e.partial_sumsq[t * PAD] = new_sumsq
    # The first example's first-layer pre-activation; for every later one,
    # the previous example's fused step computes it.
    j0 = e.split[t]
    j1 = e.split[t + 1]
    if n_samples > 0:
        dense_forward_one(L[FAN_IN], j1 - j0, L[FAN_OUT], X + e.order[0] * e.n_features,
                          P + L[W_OFFSET] + j0, P + L[B_OFFSET] + j0, h + j0)

    for k in range(n_samples):
        i = e.order[k]
        sw = SW[i] if SW != NULL else 1
        cs = CS[i] if CS != NULL else 1
        x = X + i * e.n_features
        y = Y + i * n_outputs

        # Forward.  Layer 0's pre-activations of my units are in h already.
        if n_layers == 1:
            fnn_barrier_wait(&e.barrier)
            for u in range(n_outputs):
                out[u] = h[u]
            activate_row(e.output, out, n_outputs)
        else:
            activate_row(e.hidden, h + j0, j1 - j0)
        for l in range(1, n_layers):
            fnn_barrier_wait(&e.barrier)  # layer l-1's activations complete
            fan_in = L[l * 4 + FAN_IN]
            fan_out = L[l * 4 + FAN_OUT]
            a_in = h + units[l - 1]
            if l < last:
                r0 = e.split[l * (n_threads + 1) + t]
                r1 = e.split[l * (n_threads + 1) + t + 1]
                dense_forward_one(fan_in, r1 - r0, fan_out, a_in,
                                  P + L[l * 4 + W_OFFSET] + r0,
                                  P + L[l * 4 + B_OFFSET] + r0, h + units[l] + r0)
                activate_row(e.hidden, h + units[l] + r0, r1 - r0)
            else:
                dense_forward_one(fan_in, fan_out, fan_out, a_in, P + L[l * 4 + W_OFFSET],
                                  P + L[l * 4 + B_OFFSET], out)
                activate_row(e.output, out, n_outputs)

        # Loss (thread 0 keeps the books) and the output delta (everyone).
        if t == 0:
            penalty = 0
            for u in range(n_threads):
                penalty += e.partial_sumsq[u * PAD]
            example_loss = (cs * loss_row(e.loss, y, out, n_outputs)
                            + 0.5 * e.alpha * penalty / sw)
            if isfinite(example_loss):
                e.loss_sum += example_loss
            else:
                e.diverged = True
            if e.check_signals and k % e.check_every == 0 and signal_raised():
                e.interrupted = True
        output_delta_row(y, out, delta_out, n_outputs)
        if cs != 1:
            for u in range(n_outputs):
                delta_out[u] *= cs
        # Everyone has read the weights and the penalty; the flags are visible.
        fnn_barrier_wait(&e.barrier)
        if e.diverged or e.interrupted:
            break

        # Backward.  scikit-learn scales delta by sw and divides the gradient
        # by sw, so for one example only the L2 term feels the weight.
        n_updates += 1
        step = step_for_update(&e.step, n_updates)
        l2 = e.alpha / sw
        new_sumsq = 0
        delta_src = delta_out
        for l in range(last, 0, -1):
            fan_out = L[l * 4 + FAN_OUT]
            w_off = L[l * 4 + W_OFFSET]
            b_off = L[l * 4 + B_OFFSET]
            r0 = e.split[(l - 1) * (n_threads + 1) + t]
            r1 = e.split[(l - 1) * (n_threads + 1) + t + 1]
            new_sumsq += dense_backward_step_one(
                r1 - r0, fan_out, h + units[l - 1] + r0, delta_src,
                P + w_off + r0 * fan_out, P + b_off if t == 0 else NULL,
                d + units[l - 1] + r0, &step, l2,
                S1 + w_off + r0 * fan_out if S1 != NULL else NULL,
                S2 + w_off + r0 * fan_out if S2 != NULL else NULL,
                S1 + b_off if S1 != NULL and t == 0 else NULL,
                S2 + b_off if S2 != NULL and t == 0 else NULL)
            multiply_derivative(e.hidden, h + units[l - 1] + r0, d + units[l - 1] + r0,
                                r1 - r0)
            delta_src = d + units[l - 1]
            if l > 1:
                fnn_barrier_wait(&e.barrier)  # layer l-1's deltas complete
        # First layer, my units (whose deltas I computed): step, fused with
        # the next example's forward pass.  After the last example the
        # forward pass is wasted work, once per epoch.
        w_off = L[W_OFFSET]
        b_off = L[B_OFFSET]
        x_next = X + e.order[k + 1] * e.n_features if k + 1 < n_samples else x
        new_sumsq += dense_step_forward_one(
            L[FAN_IN], j1 - j0, L[FAN_OUT], x, delta_src + j0, P + w_off + j0,
            P + b_off + j0, &step, l2,
            S1 + w_off + j0 if S1 != NULL else NULL,
            S2 + w_off + j0 if S2 != NULL else NULL,
            S1 + b_off + j0 if S1 != NULL else NULL,
            S2 + b_off + j0 if S2 != NULL else NULL,
            x_next, h + j0)
        e.partial_sumsq[t * PAD] = new_sumsq

    if t == 0:
        e.n_updates = n_updates


cdef void worker_float(void *e, int t, int n_threads) noexcept nogil:
    epoch_worker(<Epoch *> e, t, n_threads, <float> 0)


cdef void worker_double(void *e, int t, int n_threads) noexcept nogil:
    epoch_worker(<Epoch *> e, t, n_threads, <double> 0)


def sgd_epoch(
    const floating[:, ::1] X,
    const floating[:, ::1] Y,
    const floating[::1] sample_weight,
    const Py_ssize_t[::1] order,
    const Py_ssize_t[:, ::1] layout,
    floating[::1] params,
    floating[::1] state1,
    floating[::1] state2,
    int hidden_activation,
    int output_activation,
    int loss,
    double alpha,
    fnn_step step,
    long long n_updates,
    int n_threads=1,
    bint check_signals=False,
    const floating[::1] class_scale=None,
):
    """Train on X[order[0]], X[order[1]], ... one example at a time.

    Parameters
    ----------
    X, Y : IN, (n_samples, n_features) and (n_samples, n_outputs) targets.
    sample_weight : IN, (n_samples,) or empty for unit weights.  Weights
        must be positive: leave zero-weight examples out of `order`.
    order : IN, indices into X, visited in this order.
    layout : IN, see fnncore/_network.pxd.
    params : IN/OUT, the flat parameter vector.
    state1, state2 : IN/OUT, optimiser state with params' layout (velocity;
        Adam's moments), or empty where the rule keeps none.
    hidden_activation, output_activation, loss : Activation / Loss codes.
    alpha : L2 strength.
    step : the optimiser rule; for Adam, learning_rate is learning_rate_init.
    n_updates : updates made before this call (Adam's t).
    n_threads : threads to use (>= 1); fewer run if the system refuses some.
    class_scale : IN, (n_samples,) or None: multiplies example i's loss and
        gradient (class weights), unlike sample_weight not normalised away.
    check_signals : look for Ctrl-C every few milliseconds (main thread
        only); a KeyboardInterrupt then propagates after a complete update.

    Returns
    -------
    (loss_sum, n_updates, diverged) : sum of the examples' losses (each with
    its L2 penalty), the new update count, and whether a loss was not finite.
    """
    cdef Epoch e
    cdef Py_ssize_t n_layers = layout.shape[0]
    cdef Py_ssize_t total_units
    cdef int threads = max(1, n_threads)
    e.X = &X[0, 0]
    e.Y = &Y[0, 0]
    e.sample_weight = &sample_weight[0] if sample_weight.shape[0] > 0 else NULL
    e.class_scale = &class_scale[0] if class_scale is not None else NULL
    e.order = &order[0] if order.shape[0] > 0 else NULL
    e.layout = &layout[0, 0]
    e.n_samples = order.shape[0]
    e.n_features = X.shape[1]
    e.n_layers = n_layers
    e.n_outputs = layout[n_layers - 1, FAN_OUT]
    e.hidden = hidden_activation
    e.output = output_activation
    e.loss = loss
    e.alpha = alpha
    e.step = step
    e.n_updates_before = n_updates
    e.n_updates = n_updates
    e.params = &params[0]
    e.state1 = &state1[0] if state1.shape[0] > 0 else NULL
    e.state2 = &state2[0] if state2.shape[0] > 0 else NULL
    e.loss_sum = 0
    e.diverged = False
    e.interrupted = False
    e.check_signals = check_signals
    e.check_every = max(1, CHECK_WORK // params.shape[0])

    e.units = <Py_ssize_t *> malloc(n_layers * sizeof(Py_ssize_t))
    e.split = <Py_ssize_t *> malloc(n_layers * (threads + 1) * sizeof(Py_ssize_t))
    e.partial_sumsq = <double *> calloc(threads * PAD, sizeof(double))
    if e.units == NULL or e.split == NULL or e.partial_sumsq == NULL:
        free(e.units)
        free(e.split)
        free(e.partial_sumsq)
        raise MemoryError()
    total_units = unit_offsets(layout, e.units)
    e.h = malloc((2 * total_units + 2 * threads * e.n_outputs) * sizeof(floating))
    if e.h == NULL:
        free(e.units)
        free(e.split)
        free(e.partial_sumsq)
        raise MemoryError()
    e.d = <floating *> e.h + total_units
    e.per_thread = <floating *> e.h + 2 * total_units

    with nogil:
        if e.n_samples > 0:
            if floating is float:
                fnn_run_parallel(threads, worker_float, &e, &e.barrier)
            else:
                fnn_run_parallel(threads, worker_double, &e, &e.barrier)
    free(e.h)
    free(e.units)
    free(e.split)
    free(e.partial_sumsq)
    if e.interrupted:
        reraise_pending(e.n_updates)
    return e.loss_sum, e.n_updates, e.diverged
