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
- One thread trains the caller's parameters in place.  Several threads run
  local SGD: each trains its own copy of the parameters (and optimiser
  state) on its own share of the examples for a round of
  EXAMPLES_PER_MERGE examples, then the copies are merged and every thread
  starts the next round from the merged weights.  Each thread's copy stays
  in its own core's cache and threads meet only at the merge, twice per
  round.
- The merge does what a mini-batch of the threads' examples would do.  The
  SGD rules' steps are proportional to the gradient, and a batch's summed
  gradient steps by the sum, so the merge adds up the threads' changes,
  w = w0 + sum_t (w_t - w0): every example's update counts in full, as on
  one thread (deterministic Hogwild with a delay of one round).  Adam's
  step is normalised and does not grow with the batch, so under Adam the
  copies are averaged; summing them moved every weight T times as far and
  cost one to two points of accuracy on Fashion-MNIST.  Optimiser state
  (velocities, moments) estimates the same quantity on every thread and is
  averaged.  A momentum rule's velocity moves the weights for many steps
  after it was built up, so if every thread started a round with it, the
  sum would apply that drift once per thread.  So only thread 0 starts a
  round with the merged velocity and the others start from zero, building
  up their own within a few steps.
- Long rounds hurt: changes made from the same start add up even where one
  thread's change alone reached the minimum.  On Fashion-MNIST 512
  examples per thread lost four points where 128 and fewer matched one
  thread; with Nesterov momentum a small regression needed 32 or fewer
  (see EXAMPLES_PER_MERGE).
- An earlier design split every layer's units across threads and met at
  barriers twice per example; it kept the weights bit-identical to one
  thread's but ran at half the speed of one thread on two quiet cores and
  at a seventh with another process busy, since every barrier waited for a
  descheduled thread.
- Reproducibility: one thread gives scikit-learn's sequence of updates;
  T threads give the same weights for the same T, order and data, but not
  the one-thread weights, since the rounds change which weights each
  example sees.  Adam's update count t is the example's position in the
  epoch, whichever thread trains it.
- All memory (copies and scratch) is allocated once per call, before the
  loop.
- The L2 penalty 0.5 alpha ||W||^2 of each example's loss uses the weights
  before its step; the step kernels return ||W||^2 after theirs, and the
  merge returns it for the merged weights, so the penalty costs no extra
  pass.
- A non-finite loss stops the epoch at that example (flag `diverged`); the
  caller restores its weights.  Checking each example costs one comparison.
- Ctrl-C: thread 0 looks for signals every few milliseconds (_interrupt.pxd)
  and stops after a complete update; other threads stop at the end of the
  round, whose changes are merged, so no finished update is lost.
"""
from cython cimport floating
from libc.math cimport isfinite
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset
from posix.stdlib cimport posix_memalign

from fnncore._activations cimport activate_row, multiply_derivative
from fnncore._losses cimport loss_row, output_delta_row
from fnncore._network cimport (FAN_IN, FAN_OUT, W_OFFSET, B_OFFSET, unit_offsets,
                               step_for_update)
from fnncore._simd cimport (fnn_step, FNN_OPT_ADAM, dense_forward_one, dense_backward_step_one,
                            dense_step_forward_one, sumsq, merge_changes, merge_mean)
from fnncore._interrupt cimport CHECK_WORK, reraise_pending, signal_raised
from fnncore._threads cimport fnn_barrier, fnn_barrier_wait, fnn_run_parallel

# Examples each thread trains between two merges.  A merge reads and writes
# T + 1 parameter copies, a few examples' worth of memory traffic, plus two
# barriers; long rounds lose accuracy (see the Design notes).  Measured on
# 2 cores, 784-128-10 per-example SGD: 2 threads ran 1.59x one thread's
# examples/s with 16, 1.69x with 32, 1.78x with 64 and 128; but 64 already
# made a small two-output regression with Nesterov momentum unstable
# (R^2 0.92 against one thread's 0.996), where 32 and less matched.
cdef Py_ssize_t EXAMPLES_PER_MERGE = 32
# Merge shares are multiples of this many values (a 64-byte vector of
# floats), so only the ends of a layer's range run scalar code and the
# threads' shares meet in few cache lines.
cdef Py_ssize_t ALIGN = 16
# Per-thread partial sums sit this many doubles apart (a cache line), so two
# threads never write the same line.
cdef Py_ssize_t PAD = 8


ctypedef struct Thread:
    # The parameters and optimiser state this thread trains: the caller's
    # arrays when it is alone, its own copies otherwise.
    void *params
    void *state1                  # NULL where the rule keeps no state
    void *state2
    # Scratch for one example
    void *h                       # every layer's activations
    void *d                       # their deltas
    void *out                     # output activations, then output delta after
    double sumsq                  # ||W||^2 of params, for the next penalty
    double loss_sum
    long long n_trained           # updates made
    bint diverged
    char pad[64]                  # keeps threads' counters on their own lines


ctypedef struct Epoch:
    # IN (typed pointers are cast to the dtype in the worker)
    const void *X
    const void *Y
    const void *sample_weight     # NULL for unit weights
    const void *class_scale       # NULL for unit scales
    const Py_ssize_t *order
    const Py_ssize_t *layout      # (n_layers, 4), see _network.pxd
    Py_ssize_t n_samples, n_features, n_layers, n_outputs, n_params
    int hidden, output, loss
    double alpha
    fnn_step step
    long long n_updates_before
    bint check_signals
    Py_ssize_t check_every        # examples between looks for signals
    Py_ssize_t examples_per_merge
    # IN/OUT
    void *params
    void *state1                  # NULL where the rule keeps no state
    void *state2
    # per thread
    Thread *threads
    void **param_copies           # threads[t].params, as an array for the merge
    void **state1_copies
    void **state2_copies
    double *partial_sumsq         # merged ||W||^2 of each thread's share, PAD apart
    Py_ssize_t *units             # unit offset of each layer in h and d
    fnn_barrier barrier
    # OUT
    bint interrupted


cdef Py_ssize_t train_examples(Epoch *e, Thread *me, Py_ssize_t k0, Py_ssize_t k1,
                               bint look_for_signals, floating dtype_tag) noexcept nogil:
    """Train me.params on the examples at positions k0 <= k < k1 of the
    order, one at a time; returns the position it stopped at (k1 unless the
    loss diverged or a signal arrived)."""
    cdef const floating *X = <const floating *> e.X
    cdef const floating *Y = <const floating *> e.Y
    cdef const floating *SW = <const floating *> e.sample_weight
    cdef const floating *CS = <const floating *> e.class_scale
    cdef floating *P = <floating *> me.params
    cdef floating *S1 = <floating *> me.state1
    cdef floating *S2 = <floating *> me.state2
    cdef floating *h = <floating *> me.h
    cdef floating *d = <floating *> me.d
    cdef floating *out = <floating *> me.out
    cdef floating *delta_out = out + e.n_outputs
    cdef const Py_ssize_t *L = e.layout
    cdef const Py_ssize_t *units = e.units
    cdef Py_ssize_t n_layers = e.n_layers, n_outputs = e.n_outputs
    cdef Py_ssize_t last = n_layers - 1
    cdef Py_ssize_t k, l, i, u, fan_in, fan_out, w_off, b_off
    cdef const floating *x
    cdef const floating *x_next
    cdef const floating *y
    cdef const floating *delta_src
    cdef floating sw, cs, l2
    cdef double example_loss, new_sumsq = me.sumsq
    cdef fnn_step step

    if k0 >= k1:
        return k0
    # The first example's first-layer pre-activation; for every later one,
    # the previous example's fused step computes it.
    dense_forward_one(L[FAN_IN], L[FAN_OUT], L[FAN_OUT], X + e.order[k0] * e.n_features,
                      P + L[W_OFFSET], P + L[B_OFFSET], h)
    for k in range(k0, k1):
        i = e.order[k]
        sw = SW[i] if SW != NULL else 1
        cs = CS[i] if CS != NULL else 1
        x = X + i * e.n_features
        y = Y + i * n_outputs

        # Forward.  Layer 0's pre-activations are in h already.
        if n_layers == 1:
            for u in range(n_outputs):
                out[u] = h[u]
        for l in range(1, n_layers):
            fan_in = L[l * 4 + FAN_IN]
            fan_out = L[l * 4 + FAN_OUT]
            activate_row(e.hidden, h + units[l - 1], fan_in)
            dense_forward_one(fan_in, fan_out, fan_out, h + units[l - 1],
                              P + L[l * 4 + W_OFFSET], P + L[l * 4 + B_OFFSET],
                              h + units[l] if l < last else out)
        activate_row(e.output, out, n_outputs)

        example_loss = (cs * loss_row(e.loss, y, out, n_outputs)
                        + 0.5 * e.alpha * new_sumsq / sw)
        if not isfinite(example_loss):
            me.diverged = True
            return k
        if look_for_signals and k % e.check_every == 0 and signal_raised():
            e.interrupted = True
            return k
        me.loss_sum += example_loss
        output_delta_row(y, out, delta_out, n_outputs)
        if cs != 1:
            for u in range(n_outputs):
                delta_out[u] *= cs

        # Backward.  scikit-learn scales delta by sw and divides the gradient
        # by sw, so for one example only the L2 term feels the weight.
        step = step_for_update(&e.step, e.n_updates_before + k + 1)
        l2 = e.alpha / sw
        new_sumsq = 0
        delta_src = delta_out
        for l in range(last, 0, -1):
            fan_in = L[l * 4 + FAN_IN]
            fan_out = L[l * 4 + FAN_OUT]
            w_off = L[l * 4 + W_OFFSET]
            b_off = L[l * 4 + B_OFFSET]
            new_sumsq += dense_backward_step_one(
                fan_in, fan_out, h + units[l - 1], delta_src, P + w_off, P + b_off,
                d + units[l - 1], &step, l2,
                S1 + w_off if S1 != NULL else NULL, S2 + w_off if S2 != NULL else NULL,
                S1 + b_off if S1 != NULL else NULL, S2 + b_off if S2 != NULL else NULL)
            multiply_derivative(e.hidden, h + units[l - 1], d + units[l - 1], fan_in)
            delta_src = d + units[l - 1]
        # First layer: step, fused with the next example's forward pass.
        # After the last example the forward pass is wasted work, once per
        # call.
        w_off = L[W_OFFSET]
        b_off = L[B_OFFSET]
        x_next = X + e.order[k + 1] * e.n_features if k + 1 < k1 else x
        new_sumsq += dense_step_forward_one(
            L[FAN_IN], L[FAN_OUT], L[FAN_OUT], x, delta_src, P + w_off, P + b_off,
            &step, l2,
            S1 + w_off if S1 != NULL else NULL, S2 + w_off if S2 != NULL else NULL,
            S1 + b_off if S1 != NULL else NULL, S2 + b_off if S2 != NULL else NULL,
            x_next, h)
        me.sumsq = new_sumsq
        me.n_trained += 1
    return k1


cdef inline Py_ssize_t share_start(Py_ssize_t n, int t, int n_threads) noexcept nogil:
    """Start of thread t's share of n values (shares start at multiples of
    ALIGN; share_start(n, n_threads, n_threads) == n)."""
    cdef Py_ssize_t chunk = (n + n_threads - 1) // n_threads
    chunk = (chunk + ALIGN - 1) // ALIGN * ALIGN
    return min(t * chunk, n)


cdef void merge_share(Epoch *e, int t, int n_threads, floating dtype_tag) noexcept nogil:
    """Merge thread t's share of every layer's weights and biases, and of
    the optimiser state, into e.params and every copy; its part of the
    merged ||W||^2 goes to e.partial_sumsq."""
    cdef Py_ssize_t l, n, a, b, offset
    cdef int u
    cdef double sq = 0, merged_sumsq
    cdef int is_weight
    for l in range(e.n_layers):
        for is_weight in range(2):
            if is_weight:
                offset = e.layout[l * 4 + W_OFFSET]
                n = e.layout[l * 4 + FAN_IN] * e.layout[l * 4 + FAN_OUT]
            else:
                offset = e.layout[l * 4 + B_OFFSET]
                n = e.layout[l * 4 + FAN_OUT]
            a = offset + share_start(n, t, n_threads)
            b = offset + share_start(n, t + 1, n_threads)
            if a == b:
                continue
            if e.step.kind == FNN_OPT_ADAM:
                merge_mean(a, b, n_threads, <floating *> e.params,
                           <floating **> e.param_copies)
                merged_sumsq = sumsq(b - a, <floating *> e.params + a) if is_weight else 0
            else:
                merged_sumsq = merge_changes(a, b, n_threads, <floating *> e.params,
                                             <floating **> e.param_copies)
            if is_weight:
                sq += merged_sumsq
            if e.state1 != NULL:
                merge_mean(a, b, n_threads, <floating *> e.state1,
                           <floating **> e.state1_copies)
                if e.step.kind != FNN_OPT_ADAM:
                    # Only thread 0 carries the velocity into the next round
                    # (see the Design notes).
                    for u in range(1, n_threads):
                        memset(<floating *> e.state1_copies[u] + a, 0,
                               (b - a) * sizeof(floating))
            if e.state2 != NULL:
                merge_mean(a, b, n_threads, <floating *> e.state2,
                           <floating **> e.state2_copies)
    e.partial_sumsq[t * PAD] = sq


cdef void epoch_worker(Epoch *e, int t, int n_threads, floating dtype_tag) noexcept nogil:
    """Thread t's share of the epoch (see the Design notes above)."""
    cdef Thread *me = &e.threads[t]
    cdef Py_ssize_t l, u, start, span, n = e.n_samples
    cdef Py_ssize_t round_size = e.examples_per_merge * n_threads
    cdef bint look = e.check_signals and t == 0
    cdef bint stop = False

    if n_threads == 1:
        # Alone (perhaps because the system refused the other threads):
        # train the caller's arrays in place.
        me.params, me.state1, me.state2 = e.params, e.state1, e.state2
        train_examples(e, me, 0, n, look, dtype_tag)
        return
    # Start from the caller's parameters and state (sumsq was set by the
    # caller).
    memcpy(me.params, e.params, e.n_params * sizeof(floating))
    if e.state1 != NULL:
        if t > 0 and e.step.kind != FNN_OPT_ADAM:
            memset(me.state1, 0, e.n_params * sizeof(floating))
        else:
            memcpy(me.state1, e.state1, e.n_params * sizeof(floating))
    if e.state2 != NULL:
        memcpy(me.state2, e.state2, e.n_params * sizeof(floating))
    fnn_barrier_wait(&e.barrier)  # no copy is written before all are made
    start = 0
    while start < n:
        # Split the round evenly, so a short last round is shared too.
        span = min(round_size, n - start)
        train_examples(e, me, start + span * t // n_threads,
                       start + span * (t + 1) // n_threads, look, dtype_tag)
        fnn_barrier_wait(&e.barrier)  # every copy has finished the round
        # Read the stop flags here, where no thread can write them: after the
        # next barrier a faster thread may already train the next round and
        # set `interrupted` or its `diverged`, and a thread that read that
        # only then would leave while the others wait for it at a barrier.
        stop = e.interrupted
        for u in range(n_threads):
            stop = stop or e.threads[u].diverged
        merge_share(e, t, n_threads, dtype_tag)
        fnn_barrier_wait(&e.barrier)  # merged everywhere
        me.sumsq = 0
        for u in range(n_threads):
            me.sumsq += e.partial_sumsq[u * PAD]
        if stop:
            break
        start += round_size


cdef void worker_float(void *e, int t, int n_threads) noexcept nogil:
    epoch_worker(<Epoch *> e, t, n_threads, <float> 0)


cdef void worker_double(void *e, int t, int n_threads) noexcept nogil:
    epoch_worker(<Epoch *> e, t, n_threads, <double> 0)


cdef void *alloc_aligned(size_t size) noexcept nogil:
    """size bytes on a cache line boundary, or NULL."""
    cdef void *p = NULL
    if posix_memalign(&p, 64, max(size, 64)) != 0:
        return NULL
    return p


cdef void free_threads(Epoch *e, int n_threads) noexcept nogil:
    cdef int t
    for t in range(n_threads):
        if e.threads != NULL:
            free(e.threads[t].h)
        if e.param_copies != NULL:
            free(e.param_copies[t])
        if e.state1_copies != NULL:
            free(e.state1_copies[t])
        if e.state2_copies != NULL:
            free(e.state2_copies[t])
    free(e.threads)
    free(e.param_copies)
    free(e.state1_copies)
    free(e.state2_copies)
    free(e.partial_sumsq)
    free(e.units)


cdef bint alloc_threads(Epoch *e, int n_threads, Py_ssize_t itemsize) noexcept nogil:
    """Scratch for every thread and, for more than one, their copies of the
    parameters and optimiser state.  False if memory ran out (free_threads
    then frees what was allocated)."""
    cdef Py_ssize_t total_units
    cdef size_t vector_bytes = e.n_params * itemsize
    cdef Thread *th
    cdef int t
    e.threads = <Thread *> calloc(n_threads, sizeof(Thread))
    e.param_copies = <void **> calloc(n_threads, sizeof(void *))
    e.state1_copies = <void **> calloc(n_threads, sizeof(void *))
    e.state2_copies = <void **> calloc(n_threads, sizeof(void *))
    e.partial_sumsq = <double *> calloc(n_threads * PAD, sizeof(double))
    e.units = <Py_ssize_t *> malloc(e.n_layers * sizeof(Py_ssize_t))
    if (e.threads == NULL or e.param_copies == NULL or e.state1_copies == NULL
            or e.state2_copies == NULL or e.partial_sumsq == NULL or e.units == NULL):
        return False
    total_units = 0
    for t in range(e.n_layers):
        e.units[t] = total_units
        total_units += e.layout[t * 4 + FAN_OUT]
    for t in range(n_threads):
        th = &e.threads[t]
        th.h = alloc_aligned((2 * total_units + 2 * e.n_outputs) * itemsize)
        if th.h == NULL:
            return False
        th.d = <char *> th.h + total_units * itemsize
        th.out = <char *> th.h + 2 * total_units * itemsize
        if n_threads == 1:
            th.params, th.state1, th.state2 = e.params, e.state1, e.state2
            continue
        th.params = e.param_copies[t] = alloc_aligned(vector_bytes)
        if th.params == NULL:
            return False
        if e.state1 != NULL:
            th.state1 = e.state1_copies[t] = alloc_aligned(vector_bytes)
            if th.state1 == NULL:
                return False
        if e.state2 != NULL:
            th.state2 = e.state2_copies[t] = alloc_aligned(vector_bytes)
            if th.state2 == NULL:
                return False
    return True


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
    Py_ssize_t examples_per_merge=EXAMPLES_PER_MERGE,
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
    n_threads : threads to use (>= 1); more than one runs local SGD (see the
        module's Design notes), whose result depends on the number of
        threads that ran; fewer run if the system refuses some.
    check_signals : look for Ctrl-C every few milliseconds (main thread
        only); a KeyboardInterrupt then propagates after a complete update.
    class_scale : IN, (n_samples,) or None: multiplies example i's loss and
        gradient (class weights), unlike sample_weight not normalised away.
    examples_per_merge : examples each thread trains between two merges
        when there are several threads.

    Returns
    -------
    (loss_sum, n_updates, diverged) : sum of the examples' losses (each with
    its L2 penalty), the new update count, and whether a loss was not finite.
    """
    cdef Epoch e
    cdef Py_ssize_t l, n_layers = layout.shape[0]
    cdef int t, threads = max(1, n_threads)
    cdef double start_sumsq = 0
    cdef double loss_sum = 0
    cdef long long n_trained = 0
    cdef bint diverged = False
    if examples_per_merge < 1:
        raise ValueError(f"examples_per_merge must be >= 1, got {examples_per_merge}.")
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
    e.n_params = params.shape[0]
    e.hidden = hidden_activation
    e.output = output_activation
    e.loss = loss
    e.alpha = alpha
    e.step = step
    e.n_updates_before = n_updates
    e.params = &params[0]
    e.state1 = &state1[0] if state1.shape[0] > 0 else NULL
    e.state2 = &state2[0] if state2.shape[0] > 0 else NULL
    e.interrupted = False
    e.check_signals = check_signals
    e.check_every = max(1, CHECK_WORK // params.shape[0])
    e.examples_per_merge = examples_per_merge
    if not alloc_threads(&e, threads, sizeof(floating)):
        free_threads(&e, threads)
        raise MemoryError()

    with nogil:
        # The L2 penalty of the first example: one pass.
        for l in range(n_layers):
            start_sumsq += sumsq(layout[l, FAN_IN] * layout[l, FAN_OUT],
                                 &params[0] + layout[l, W_OFFSET])
        for t in range(threads):
            e.threads[t].sumsq = start_sumsq
        if e.n_samples > 0:
            if floating is float:
                threads = fnn_run_parallel(threads, worker_float, &e, &e.barrier)
            else:
                threads = fnn_run_parallel(threads, worker_double, &e, &e.barrier)
        for t in range(threads):
            loss_sum += e.threads[t].loss_sum
            n_trained += e.threads[t].n_trained
            diverged = diverged or e.threads[t].diverged
    free_threads(&e, max(1, n_threads))
    if e.interrupted:
        reraise_pending(n_updates + n_trained)
    return loss_sum, n_updates + n_trained, diverged
