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
  (see EXAMPLES_PER_MERGE in _sgd.pxd).
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
- Hidden activations whose derivative is no function of their output
  (gelu, silu), and dropout, keep a `gain` row per hidden layer: the
  forward pass writes f'(z) (times the dropout mask over 1 - rate) there
  and the backward pass multiplies it in (see _activations.pxd and
  _dropout.pxd).  Every other activation without dropout runs the loop it
  always ran: the choice is one flag (`keep_gain`) per layer and example,
  and the gain row is never touched.  Dropout masks are a function of the
  seed, the example's position in the order and the unit, so they do not
  depend on the number of threads; the weights still do (see above).
- Ctrl-C: thread 0 looks for signals every few milliseconds (_interrupt.pxd)
  and stops after a complete update; other threads stop at the end of the
  round, whose changes are merged, so no finished update is lost.

Sparse input (X a CSR matrix; _sparse.pxd's input_rows makes the kernels'
view of X, dense or CSR): everything but the first layer runs the code
above unchanged; first_forward and first_step pick the first layer's
handling of the input, one of three (`first_layer`):
- FIRST_DENSE: rows of a dense X, the fused kernels of _simd.h.
- FIRST_SCALED, plain SGD on CSR rows.  The L2 term alpha W moves every
  weight at every example, but only by a common factor: the step is
  W <- (1 - lr l2) W - lr x delta^T.  So, as scikit-learn's linear SGD does,
  the first layer is kept as W = scale * V with V in the parameter buffer:
  the decay multiplies `scale` (O(1)) and only the rows of V that x's
  stored values select get -lr x_j delta / scale.  The forward pass
  gathers the same rows, z = scale (x V) + b.  An example costs
  O(nnz * units) instead of O(n_features * units), and the weights equal
  the dense computation's up to rounding.  When |scale| falls below
  SCALE_MIN, V is multiplied out (V <- scale V, scale = 1), so V never
  grows more than 1 / SCALE_MIN times larger than W.  The L2 penalty needs
  ||W||^2 = scale^2 ||V||^2 after every example; ||V||^2 is kept up to date
  in O(units): the step adds c x^T delta to V (c = -lr / scale), which
  changes ||V||^2 by 2 c (x V).delta + c^2 ||x||^2 ||delta||^2, and x V is
  the forward pass's sum.  At the end of the call V is multiplied out into
  the caller's parameters.
- FIRST_EXPANDED, CSR rows under momentum, Nesterov or Adam: their state
  moves every weight at every example whatever the gradient, so the step
  is dense anyway.  The example's row (and the next one's, for the fused
  forward pass) is expanded into a dense scratch row of n_features values
  and the dense kernels run on it, exactly as on X.toarray(); the row is
  zeroed again through its stored columns, O(nnz).  X itself is never
  made dense: the scratch is one row per thread.
Threads with FIRST_SCALED: every copy starts a round as V0 with scale s0
and ends as (V_t, s_t).  The merged W0 + sum_t (s_t V_t - W0) is S V with
S = s0 + sum_t (s_t - s0) and V = V0 + sum_t (s_t / S) (V_t - V0), which
differs from V0 only in rows some thread's examples stored a value in; so
the merge visits those rows (each thread the ones in its range of
columns), O(round's nnz * units * threads), instead of the whole layer,
which for text-like data is thousands of times larger.  If a thread
multiplied its V out during the round, or |S| < SCALE_MIN, every row
differs: the merge multiplies all copies out and merges them as dense
weights.  Even so, threads rarely pay on sparse rows: a merged row is read
and written in T + 1 copies, scattered over the layer, while training an
example touches each of its rows once.  On 10,000 text-like rows (about
106 values each, 30000-100-10, float32) one thread took 0.05 s of CPU time
per epoch and two threads 0.2 to 0.3 s.
"""
from cython cimport floating
from libc.math cimport fabs, isfinite
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset
from posix.stdlib cimport posix_memalign

from libc.stdint cimport uint64_t

from fnncore._activations cimport activate_row, multiply_derivative, multiply_gain
from fnncore._dropout cimport activate_hidden_row
from fnncore._losses cimport loss_row, output_delta_row
from fnncore._network cimport Layer, unit_offsets
from fnncore._optimizers cimport Rule, fnn_step, step_for_update
from fnncore._simd cimport (dense_forward_one, dense_backward_step_one,
                            dense_step_forward_one, step_slice, sumsq, merge_changes,
                            merge_mean)
from fnncore._sparse cimport (row_start, column, n_stored, row_times, add_outer,
                              expand_row, clear_row, row_sumsq,
                              fnn_prefetch, FNN_SPARSE_AHEAD)
from fnncore._interrupt cimport CHECK_WORK, reraise_pending, signal_raised
from fnncore._training cimport Training
from fnncore._threads cimport fnn_barrier, fnn_barrier_wait, run_parallel

# Merge shares are multiples of this many values (a 64-byte vector of
# floats), so only the ends of a layer's range run scalar code and the
# threads' shares meet in few cache lines.
cdef Py_ssize_t ALIGN = 16
# Per-thread partial sums sit this many doubles apart (a cache line), so two
# threads never write the same line.
cdef Py_ssize_t PAD = 8
# FIRST_SCALED multiplies V out when |scale| falls below this (scikit-learn's
# linear SGD uses the same bound): V's values then stay within a factor 1e9
# of W's, far from overflow in float32, and the relative precision of a
# float does not depend on its magnitude, so nothing is lost before.
cdef double SCALE_MIN = 1e-9


cdef enum:
    # How the first layer reads its input (see the Design notes).
    FIRST_DENSE = 0
    FIRST_SCALED = 1
    FIRST_EXPANDED = 2


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
    void *gain                    # every hidden layer's f'(z) (times the
                                  # dropout mask), when e.given.keep_gain
    double sumsq                  # ||W||^2 of params, for the next penalty
    double loss_sum
    long long n_trained           # updates made
    bint diverged
    # CSR input only (see first_forward and first_step)
    void *sparse_scratch          # allocation holding the three below
    void *x_row                   # a zero row of n_features (EXPANDED: holds the
    void *x_next_row              # example's row; the next one's in x_next_row)
    void *z_raw                   # SCALED: x V of the current example
    double scale                  # SCALED: the first layer's W is scale * V
    double vsq                    # SCALED: ||V||^2, kept when alpha > 0
    double round_scale            # SCALED with threads: scale and vsq at the
    double round_vsq              # round's start (the same in every thread)
    bint rescaled                 # SCALED with threads: V multiplied out this round
    Py_ssize_t *merge_rows        # SCALED with threads: the rows this thread merges
    char pad[64]                  # keeps threads' counters on their own lines


ctypedef struct Epoch:
    # IN
    Training given                # the data, network and optimiser (_training.pxd);
                                  # given.params, state1, state2 are IN/OUT
    int first_layer               # FIRST_DENSE, FIRST_SCALED or FIRST_EXPANDED
    Py_ssize_t check_every        # examples between looks for signals
    Py_ssize_t examples_per_merge
    # per thread
    Thread *threads
    void **param_copies           # threads[t].params, as an array for the merge
    void **state1_copies
    void **state2_copies
    double *partial_sumsq         # merged ||W||^2 of each thread's share, PAD apart
                                  # (FIRST_SCALED: ||V||^2's part at +1)
    Py_ssize_t *merge_stamp       # FIRST_SCALED with threads: round that merged row j
    Py_ssize_t *units             # unit offset of each layer in h and d
    fnn_barrier barrier
    # OUT
    bint interrupted


cdef inline void multiply(Py_ssize_t n, floating *v, double factor) noexcept nogil:
    """v[:n] *= factor."""
    cdef Py_ssize_t j
    cdef floating f = <floating> factor
    for j in range(n):
        v[j] *= f


cdef void scaled_forward(const Epoch *e, Thread *me, Py_ssize_t i,
                         floating *z) noexcept nogil:
    """FIRST_SCALED: z = scale (x_i V) + b; x_i V stays in me.z_raw for the
    step's ||V||^2 update."""
    cdef const floating *P = <const floating *> me.params
    cdef floating *z_raw = <floating *> me.z_raw
    cdef const floating *b = P + e.given.layers[0].b_offset
    cdef Py_ssize_t j, n_out = e.given.layers[0].fan_out
    cdef floating scale = <floating> me.scale
    memset(z_raw, 0, n_out * sizeof(floating))
    row_times(&e.given.X.csr, i, n_out, n_out, P + e.given.layers[0].w_offset, z_raw)
    for j in range(n_out):
        z[j] = scale * z_raw[j] + b[j]


cdef double scaled_step(const Epoch *e, Thread *me, Py_ssize_t i, const floating *delta,
                        const fnn_step *step, floating l2) noexcept nogil:
    """FIRST_SCALED: the plain SGD step of the first layer for example i,
    W <- (1 - lr l2) W - lr x_i delta^T and b <- b - lr delta, with W kept
    as scale * V (see the Design notes); returns ||W||^2 after the step
    when alpha > 0, else 0."""
    cdef floating *P = <floating *> me.params
    cdef floating *V = P + e.given.layers[0].w_offset
    cdef const floating *z_raw = <const floating *> me.z_raw
    cdef const Layer *first = &e.given.layers[0]
    cdef Py_ssize_t j, n_out = first.fan_out, n_w = first.fan_in * n_out
    cdef double lr = step.learning_rate
    cdef double scale = me.scale * (1 - lr * l2)
    cdef double c, zd = 0, dd = 0
    cdef bint multiplied_out = not fabs(scale) >= SCALE_MIN
    if multiplied_out:
        multiply(n_w, V, scale)
        scale = 1
        me.rescaled = True
    me.scale = scale
    c = -lr / scale
    add_outer(&e.given.X.csr, i, <floating> c, n_out, n_out, delta, V)
    step_slice(n_out, P + first.b_offset, delta, <floating> 1, <floating> 0, step,
               <floating *> NULL, <floating *> NULL)
    if e.given.alpha == 0:
        return 0
    if multiplied_out:
        me.vsq = sumsq(n_w, V)
    else:
        # V gained c x^T delta: ||V||^2 gains 2 c (x V).delta + c^2 ||x||^2 ||delta||^2.
        for j in range(n_out):
            zd += z_raw[j] * delta[j]
            dd += delta[j] * delta[j]
        me.vsq += c * (2 * zd
                       + c * dd * row_sumsq(&e.given.X.csr, i, <floating *> me.x_row))
    return scale * scale * me.vsq


cdef void first_forward(const Epoch *e, Thread *me, Py_ssize_t i,
                        floating *z) noexcept nogil:
    """z = x_i W + b, the first layer's pre-activations for example i."""
    cdef const floating *P = <const floating *> me.params
    cdef const Layer *L = e.given.layers
    cdef const floating *x
    if e.first_layer == FIRST_SCALED:
        scaled_forward(e, me, i, z)
        return
    if e.first_layer == FIRST_EXPANDED:
        expand_row(&e.given.X.csr, i, <floating *> me.x_row)
        x = <const floating *> me.x_row
    else:
        x = <const floating *> e.given.X.dense + i * e.given.X.n_features
    dense_forward_one(L[0].fan_in, L[0].fan_out, L[0].fan_out, x, P + L[0].w_offset,
                      P + L[0].b_offset, z)


cdef double first_step(const Epoch *e, Thread *me, Py_ssize_t i, Py_ssize_t i_next,
                       const floating *delta, const fnn_step *step, floating l2,
                       floating *z_next) noexcept nogil:
    """The first layer's step for example i, then z_next = x W + b for
    example i_next (none if i_next < 0); returns ||W||^2 after the step when
    l2 > 0.  Dense rows: one fused pass over W (dense_step_forward_one)."""
    cdef floating *P = <floating *> me.params
    cdef floating *S1 = <floating *> me.state1
    cdef floating *S2 = <floating *> me.state2
    cdef const Layer *L = e.given.layers
    cdef Py_ssize_t w_off = L[0].w_offset, b_off = L[0].b_offset
    cdef const floating *x
    cdef const floating *x_next
    cdef void *swap
    cdef double sq
    if e.first_layer == FIRST_SCALED:
        sq = scaled_step(e, me, i, delta, step, l2)
        if i_next >= 0:
            scaled_forward(e, me, i_next, z_next)
        return sq
    if e.first_layer == FIRST_EXPANDED:
        x = <const floating *> me.x_row
        x_next = x
        if i_next >= 0:
            expand_row(&e.given.X.csr, i_next, <floating *> me.x_next_row)
            x_next = <const floating *> me.x_next_row
    else:
        x = <const floating *> e.given.X.dense + i * e.given.X.n_features
        x_next = (<const floating *> e.given.X.dense + i_next * e.given.X.n_features
                  if i_next >= 0 else x)
    # After the last example (i_next < 0) the forward pass is wasted work,
    # once per call.
    sq = dense_step_forward_one(
        L[0].fan_in, L[0].fan_out, L[0].fan_out, x, delta, P + w_off, P + b_off, step, l2,
        S1 + w_off if S1 != NULL else NULL, S2 + w_off if S2 != NULL else NULL,
        S1 + b_off if S1 != NULL else NULL, S2 + b_off if S2 != NULL else NULL,
        x_next, z_next)
    if e.first_layer == FIRST_EXPANDED:
        clear_row(&e.given.X.csr, i, <floating *> me.x_row)
        if i_next >= 0:
            swap = me.x_row
            me.x_row = me.x_next_row
            me.x_next_row = swap
    return sq


cdef void first_abandon(const Epoch *e, Thread *me, Py_ssize_t i,
                        floating dtype_tag) noexcept nogil:
    """Example i was forwarded but will not be stepped: leave the scratch
    row zero for the next call of first_forward."""
    if e.first_layer == FIRST_EXPANDED:
        clear_row(&e.given.X.csr, i, <floating *> me.x_row)


cdef Py_ssize_t train_examples(Epoch *e, Thread *me, Py_ssize_t k0, Py_ssize_t k1,
                               bint look_for_signals, floating dtype_tag) noexcept nogil:
    """Train me.params on the examples at positions k0 <= k < k1 of the
    order, one at a time; returns the position it stopped at (k1 unless the
    loss diverged or a signal arrived)."""
    cdef const floating *Y = <const floating *> e.given.Y
    cdef const floating *SW = <const floating *> e.given.sample_weight
    cdef const floating *CS = <const floating *> e.given.class_scale
    cdef floating *P = <floating *> me.params
    cdef floating *S1 = <floating *> me.state1
    cdef floating *S2 = <floating *> me.state2
    cdef floating *h = <floating *> me.h
    cdef floating *d = <floating *> me.d
    cdef floating *out = <floating *> me.out
    cdef floating *gain = <floating *> me.gain
    cdef floating *delta_out = out + e.given.n_outputs
    cdef const Layer *L = e.given.layers
    cdef const Py_ssize_t *units = e.units
    cdef Py_ssize_t n_layers = e.given.n_layers, n_outputs = e.given.n_outputs
    cdef Py_ssize_t last = n_layers - 1
    cdef Py_ssize_t k, l, i, u, fan_in, fan_out, w_off, b_off
    cdef const floating *y
    cdef const floating *delta_src
    cdef floating sw, cs, l2
    cdef double example_loss, new_sumsq = me.sumsq
    cdef fnn_step step

    if k0 >= k1:
        return k0
    # The first example's first-layer pre-activation; for every later one,
    # the previous example's step computes it.
    first_forward(e, me, e.given.order[k0], h)
    for k in range(k0, k1):
        i = e.given.order[k]
        sw = SW[i] if SW != NULL else 1
        cs = CS[i] if CS != NULL else 1
        y = Y + i * n_outputs

        # Forward.  Layer 0's pre-activations are in h already.
        if n_layers == 1:
            for u in range(n_outputs):
                out[u] = h[u]
        for l in range(1, n_layers):
            fan_in = L[l].fan_in
            fan_out = L[l].fan_out
            if e.given.keep_gain:
                activate_hidden_row(
                    e.given.hidden, h + units[l - 1], gain + units[l - 1], fan_in,
                    e.given.dropout[l - 1] if e.given.dropout != NULL else 0,
                    e.given.dropout_seed,
                    <uint64_t> k * e.given.n_hidden_units + units[l - 1])
            else:
                activate_row(e.given.hidden, h + units[l - 1], fan_in)
            dense_forward_one(fan_in, fan_out, fan_out, h + units[l - 1],
                              P + L[l].w_offset, P + L[l].b_offset,
                              h + units[l] if l < last else out)
        activate_row(e.given.output, out, n_outputs)

        example_loss = (cs * loss_row(e.given.loss, y, out, n_outputs)
                        + 0.5 * e.given.alpha * new_sumsq / sw)
        if not isfinite(example_loss):
            me.diverged = True
            first_abandon(e, me, i, dtype_tag)
            return k
        if look_for_signals and k % e.check_every == 0 and signal_raised():
            e.interrupted = True
            first_abandon(e, me, i, dtype_tag)
            return k
        me.loss_sum += example_loss
        output_delta_row(y, out, delta_out, n_outputs)
        if cs != 1:
            for u in range(n_outputs):
                delta_out[u] *= cs

        # Backward.  scikit-learn scales delta by sw and divides the gradient
        # by sw, so for one example only the L2 term feels the weight.
        step = step_for_update(&e.given.step, e.given.n_updates_before + k + 1)
        l2 = e.given.alpha / sw
        new_sumsq = 0
        delta_src = delta_out
        for l in range(last, 0, -1):
            fan_in = L[l].fan_in
            fan_out = L[l].fan_out
            w_off = L[l].w_offset
            b_off = L[l].b_offset
            new_sumsq += dense_backward_step_one(
                fan_in, fan_out, h + units[l - 1], delta_src, P + w_off, P + b_off,
                d + units[l - 1], &step, l2,
                S1 + w_off if S1 != NULL else NULL, S2 + w_off if S2 != NULL else NULL,
                S1 + b_off if S1 != NULL else NULL, S2 + b_off if S2 != NULL else NULL)
            if e.given.keep_gain:
                multiply_gain(gain + units[l - 1], d + units[l - 1], fan_in)
            else:
                multiply_derivative(e.given.hidden, h + units[l - 1], d + units[l - 1],
                                    fan_in)
            delta_src = d + units[l - 1]
        # First layer: step, then the next example's forward pass.
        new_sumsq += first_step(e, me, i, e.given.order[k + 1] if k + 1 < k1 else -1,
                                delta_src, &step, l2, h)
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
    the optimiser state, into e.given.params and every copy; its part of the
    merged ||W||^2 goes to e.partial_sumsq."""
    cdef Py_ssize_t l, n, a, b, offset
    cdef int u
    cdef double sq = 0, merged_sumsq
    cdef int is_weight
    for l in range(e.given.n_layers):
        for is_weight in range(2):
            if l == 0 and is_weight and e.first_layer == FIRST_SCALED:
                continue  # merge_scaled_rows
            if is_weight:
                offset = e.given.layers[l].w_offset
                n = e.given.layers[l].fan_in * e.given.layers[l].fan_out
            else:
                offset = e.given.layers[l].b_offset
                n = e.given.layers[l].fan_out
            a = offset + share_start(n, t, n_threads)
            b = offset + share_start(n, t + 1, n_threads)
            if a == b:
                continue
            if e.given.step.kind == Rule.ADAM:
                merge_mean(a, b, n_threads, <floating *> e.given.params,
                           <floating **> e.param_copies)
                merged_sumsq = (sumsq(b - a, <floating *> e.given.params + a) if is_weight
                                else 0)
            else:
                merged_sumsq = merge_changes(a, b, n_threads, <floating *> e.given.params,
                                             <floating **> e.param_copies)
            if is_weight:
                sq += merged_sumsq
            if e.given.state1 != NULL:
                merge_mean(a, b, n_threads, <floating *> e.given.state1,
                           <floating **> e.state1_copies)
                if e.given.step.kind != Rule.ADAM:
                    # Only thread 0 carries the velocity into the next round
                    # (see the Design notes).
                    for u in range(1, n_threads):
                        memset(<floating *> e.state1_copies[u] + a, 0,
                               (b - a) * sizeof(floating))
            if e.given.state2 != NULL:
                merge_mean(a, b, n_threads, <floating *> e.given.state2,
                           <floating **> e.state2_copies)
    e.partial_sumsq[t * PAD] = sq


cdef double merged_scale(const Epoch *e, const Thread *me, int n_threads,
                         bint *every_row) noexcept nogil:
    """FIRST_SCALED: the scale S of the merged first layer, and whether its
    merge must visit every row (see the Design notes).  Call between the
    round's two barriers, where no thread writes the scales it reads."""
    cdef double S = me.round_scale
    cdef int u
    every_row[0] = False
    for u in range(n_threads):
        S += e.threads[u].scale - me.round_scale
        every_row[0] = every_row[0] or e.threads[u].rescaled
    every_row[0] = every_row[0] or not fabs(S) >= SCALE_MIN
    return S


cdef double merge_scaled_row(Epoch *e, Thread *me, Py_ssize_t j, int n_threads, double S,
                             floating dtype_tag) noexcept nogil:
    """V[j] = V0[j] + sum_t (s_t / S) (V_t[j] - V0[j]) for row j of the first
    layer, into e.given.params and every copy; returns the change of ||V||^2 when
    alpha > 0."""
    cdef Py_ssize_t n_out = e.given.layers[0].fan_out
    cdef Py_ssize_t offset = e.given.layers[0].w_offset + j * n_out
    cdef floating *row = <floating *> e.given.params + offset
    cdef floating *merged = <floating *> me.z_raw  # free between rounds
    cdef floating *copy
    cdef floating ratio
    cdef Py_ssize_t c
    cdef int u
    cdef double before = sumsq(n_out, row) if e.given.alpha > 0 else 0
    memcpy(merged, row, n_out * sizeof(floating))
    for u in range(n_threads):
        copy = <floating *> e.param_copies[u] + offset
        ratio = <floating> (e.threads[u].scale / S)
        for c in range(n_out):
            merged[c] += ratio * (copy[c] - row[c])
    memcpy(row, merged, n_out * sizeof(floating))
    for u in range(n_threads):
        memcpy(<floating *> e.param_copies[u] + offset, merged, n_out * sizeof(floating))
    return sumsq(n_out, row) - before if e.given.alpha > 0 else 0


cdef void merge_scaled_rows(Epoch *e, int t, int n_threads, Py_ssize_t start,
                            Py_ssize_t span, double S, bint every_row,
                            floating dtype_tag) noexcept nogil:
    """FIRST_SCALED: thread t's part of the merge of the first layer's W after
    the round of examples at positions [start, start + span), S and
    every_row from merged_scale.  Its part of ||V||^2 (all of it when every
    row is merged, else the change) goes to e.partial_sumsq[t * PAD + 1]."""
    cdef Thread *me = &e.threads[t]
    cdef Py_ssize_t n_in = e.given.layers[0].fan_in, n_w = n_in * e.given.layers[0].fan_out
    cdef Py_ssize_t w_off = e.given.layers[0].w_offset
    cdef Py_ssize_t a, b, r0, r1, pos, k, j, i, n_rows, row_bytes
    cdef double sq = 0
    cdef int u
    if every_row:
        # Multiply every copy and the round's start out, then merge them as
        # dense weights.
        a = share_start(n_w, t, n_threads)
        b = share_start(n_w, t + 1, n_threads)
        if a < b:
            for u in range(n_threads):
                multiply(b - a, <floating *> e.param_copies[u] + w_off + a,
                         e.threads[u].scale)
            multiply(b - a, <floating *> e.given.params + w_off + a, me.round_scale)
            sq = merge_changes(w_off + a, w_off + b, n_threads, <floating *> e.given.params,
                               <floating **> e.param_copies)
        e.partial_sumsq[t * PAD + 1] = sq
        return
    # The rows that any thread's examples stored a value in, in my range of
    # columns (merge_stamp marks those already listed in this round), then
    # their merge.  The rows are scattered over the layer and were last
    # written by other cores: asking for them FNN_SPARSE_AHEAD rows ahead
    # took a 2-thread epoch on 10k text-like rows (30000 x 100 layer) from
    # 0.32 and 0.44 s of CPU time to 0.29 and 0.21 s (alternating builds,
    # medians of 7, on a busy machine).
    r0 = n_in * t // n_threads
    r1 = n_in * (t + 1) // n_threads
    n_rows = 0
    for pos in range(start, start + span):
        i = e.given.order[pos]
        for k in range(row_start(&e.given.X.csr, i), row_start(&e.given.X.csr, i + 1)):
            j = column(&e.given.X.csr, k)
            if r0 <= j < r1 and e.merge_stamp[j] != start + 1:
                e.merge_stamp[j] = start + 1
                me.merge_rows[n_rows] = j
                n_rows += 1
    row_bytes = e.given.layers[0].fan_out * sizeof(floating)
    for k in range(n_rows):
        if k + FNN_SPARSE_AHEAD < n_rows:
            j = w_off + me.merge_rows[k + FNN_SPARSE_AHEAD] * e.given.layers[0].fan_out
            fnn_prefetch(<floating *> e.given.params + j, row_bytes)
            for u in range(n_threads):
                fnn_prefetch(<floating *> e.param_copies[u] + j, row_bytes)
        sq += merge_scaled_row(e, me, me.merge_rows[k], n_threads, S, dtype_tag)
    e.partial_sumsq[t * PAD + 1] = sq


cdef void start_scaled_round(Epoch *e, Thread *me, int n_threads, double S,
                             bint every_row) noexcept nogil:
    """FIRST_SCALED, after the merge (S and every_row from merged_scale):
    every copy of V is the merged one; sets this thread's scale and ||V||^2
    to the merged ones and adds the first layer's ||W||^2 to me.sumsq."""
    cdef double vsq = 0 if every_row else me.round_vsq
    cdef int u
    for u in range(n_threads):
        vsq += e.partial_sumsq[u * PAD + 1]
    me.scale = me.round_scale = 1 if every_row else S
    me.vsq = me.round_vsq = vsq
    me.rescaled = False
    me.sumsq += me.scale * me.scale * vsq


cdef void epoch_worker(void *ctx, int t, int n_threads, floating dtype_tag) noexcept nogil:
    """Thread t's share of the epoch (see the Design notes above)."""
    cdef Epoch *e = <Epoch *> ctx
    cdef Thread *me = &e.threads[t]
    cdef Py_ssize_t l, u, start, span, n = e.given.n_samples
    cdef Py_ssize_t round_size = e.examples_per_merge * n_threads
    cdef bint look = e.given.check_signals and t == 0
    cdef bint stop = False, every_row = False
    cdef double S = 1

    if n_threads == 1:
        # Alone (perhaps because the system refused the other threads):
        # train the caller's arrays in place.
        me.params, me.state1, me.state2 = e.given.params, e.given.state1, e.given.state2
        train_examples(e, me, 0, n, look, dtype_tag)
        return
    # Start from the caller's parameters and state (sumsq was set by the
    # caller).
    memcpy(me.params, e.given.params, e.given.n_params * sizeof(floating))
    if e.given.state1 != NULL:
        if t > 0 and e.given.step.kind != Rule.ADAM:
            memset(me.state1, 0, e.given.n_params * sizeof(floating))
        else:
            memcpy(me.state1, e.given.state1, e.given.n_params * sizeof(floating))
    if e.given.state2 != NULL:
        memcpy(me.state2, e.given.state2, e.given.n_params * sizeof(floating))
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
        if e.first_layer == FIRST_SCALED:
            S = merged_scale(e, me, n_threads, &every_row)
            merge_scaled_rows(e, t, n_threads, start, span, S, every_row, dtype_tag)
        fnn_barrier_wait(&e.barrier)  # merged everywhere
        me.sumsq = 0
        for u in range(n_threads):
            me.sumsq += e.partial_sumsq[u * PAD]
        if e.first_layer == FIRST_SCALED:
            start_scaled_round(e, me, n_threads, S, every_row)
        if stop:
            break
        start += round_size


cdef void *alloc_aligned(size_t size) noexcept nogil:
    """size bytes on a cache line boundary, or NULL."""
    cdef void *p = NULL
    if posix_memalign(&p, 64, max(size, <size_t> 64)) != 0:
        return NULL
    return p


cdef void free_threads(Epoch *e, int n_threads) noexcept nogil:
    cdef int t
    for t in range(n_threads):
        if e.threads != NULL:
            free(e.threads[t].h)
            free(e.threads[t].sparse_scratch)
            free(e.threads[t].merge_rows)
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
    free(e.merge_stamp)


cdef bint alloc_threads(Epoch *e, int n_threads, Py_ssize_t itemsize) noexcept nogil:
    """Scratch for every thread and, for more than one, their copies of the
    parameters and optimiser state.  False if memory ran out (free_threads
    then frees what was allocated)."""
    cdef Py_ssize_t total_units
    cdef size_t vector_bytes = e.given.n_params * itemsize
    cdef Py_ssize_t n_rows = 0 if e.first_layer == FIRST_DENSE else (
        2 if e.first_layer == FIRST_EXPANDED else 1)
    cdef Thread *th
    cdef int t
    e.threads = <Thread *> calloc(n_threads, sizeof(Thread))
    e.param_copies = <void **> calloc(n_threads, sizeof(void *))
    e.state1_copies = <void **> calloc(n_threads, sizeof(void *))
    e.state2_copies = <void **> calloc(n_threads, sizeof(void *))
    e.partial_sumsq = <double *> calloc(n_threads * PAD, sizeof(double))
    e.units = <Py_ssize_t *> malloc(e.given.n_layers * sizeof(Py_ssize_t))
    e.merge_stamp = NULL
    if (e.threads == NULL or e.param_copies == NULL or e.state1_copies == NULL
            or e.state2_copies == NULL or e.partial_sumsq == NULL or e.units == NULL):
        return False
    if e.first_layer == FIRST_SCALED and n_threads > 1:
        # Round stamps start at 1: a row not yet merged holds 0.
        e.merge_stamp = <Py_ssize_t *> calloc(e.given.X.n_features, sizeof(Py_ssize_t))
        if e.merge_stamp == NULL:
            return False
    total_units = unit_offsets(e.given.layers, e.given.n_layers, e.units)
    for t in range(n_threads):
        th = &e.threads[t]
        th.h = alloc_aligned((3 * total_units + 2 * e.given.n_outputs) * itemsize)
        if th.h == NULL:
            return False
        th.d = <char *> th.h + total_units * itemsize
        th.out = <char *> th.h + 2 * total_units * itemsize
        th.gain = <char *> th.out + 2 * e.given.n_outputs * itemsize
        if n_rows > 0:
            # Zero rows of n_features (expand_row adds into them), then z_raw.
            th.sparse_scratch = calloc(
                n_rows * e.given.X.n_features + e.given.layers[0].fan_out, itemsize)
            if th.sparse_scratch == NULL:
                return False
            th.x_row = th.sparse_scratch
            th.x_next_row = (<char *> th.x_row
                             + (n_rows - 1) * e.given.X.n_features * itemsize)
            th.z_raw = <char *> th.x_row + n_rows * e.given.X.n_features * itemsize
        if e.merge_stamp != NULL:
            # At most the rows of one thread's range of columns.
            th.merge_rows = <Py_ssize_t *> malloc(
                (e.given.X.n_features // n_threads + 1) * sizeof(Py_ssize_t))
            if th.merge_rows == NULL:
                return False
        if n_threads == 1:
            th.params, th.state1, th.state2 = e.given.params, e.given.state1, e.given.state2
            continue
        th.params = e.param_copies[t] = alloc_aligned(vector_bytes)
        if th.params == NULL:
            return False
        if e.given.state1 != NULL:
            th.state1 = e.state1_copies[t] = alloc_aligned(vector_bytes)
            if th.state1 == NULL:
                return False
        if e.given.state2 != NULL:
            th.state2 = e.state2_copies[t] = alloc_aligned(vector_bytes)
            if th.state2 == NULL:
                return False
    return True


cdef tuple per_example_epoch(const Training *given, int n_threads,
                             Py_ssize_t examples_per_merge):
    """One epoch of per-example SGD on what `given` describes, with
    n_threads >= 1 threads (more than one run local SGD, see the Design
    notes) merging every examples_per_merge >= 1 examples of each.  The
    entry point and its parameters: _epoch.pyx train_epoch.  Returns
    (loss_sum, n_updates, diverged): the sum of the examples' losses (each
    with its L2 penalty), the new update count, and whether a loss was not
    finite."""
    cdef Epoch epoch
    cdef Epoch *e = &epoch
    cdef Py_ssize_t work_per_example = given.n_params
    cdef Py_ssize_t n_rows = given.X.n_rows
    e.given = given[0]
    if not given.X.sparse:
        e.first_layer = FIRST_DENSE
    elif given.step.kind == Rule.SGD:
        e.first_layer = FIRST_SCALED
        # Signals are looked for every CHECK_WORK weights touched.
        work_per_example += (n_stored(&given.X.csr, n_rows) * given.layers[0].fan_out
                             // max(1, n_rows)
                             - given.layers[0].fan_in * given.layers[0].fan_out)
    else:
        e.first_layer = FIRST_EXPANDED
    e.check_every = max(1, CHECK_WORK // max(1, work_per_example))
    e.examples_per_merge = examples_per_merge
    e.interrupted = False
    if given.double_precision:
        return run_epoch(e, n_threads, <double> 0)
    return run_epoch(e, n_threads, <float> 0)


cdef tuple run_epoch(Epoch *e, int n_threads, floating dtype_tag):
    """per_example_epoch's epoch, its values of type `floating`."""
    cdef floating *params = <floating *> e.given.params
    cdef const Layer *L = e.given.layers
    cdef Py_ssize_t l, n_layers = e.given.n_layers
    cdef int t, threads = n_threads
    cdef double start_sumsq = 0, first_sumsq = 0
    cdef double loss_sum = 0
    cdef long long n_trained = 0
    cdef bint diverged = False
    if not alloc_threads(e, threads, sizeof(floating)):
        free_threads(e, threads)
        raise MemoryError()

    with nogil:
        # The L2 penalty of the first example: one pass.
        for l in range(n_layers):
            start_sumsq += sumsq(L[l].fan_in * L[l].fan_out, params + L[l].w_offset)
            if l == 0:
                first_sumsq = start_sumsq
        for t in range(threads):
            e.threads[t].sumsq = start_sumsq
            # FIRST_SCALED starts from V = W.
            e.threads[t].scale = e.threads[t].round_scale = 1
            e.threads[t].vsq = e.threads[t].round_vsq = first_sumsq
        if e.given.n_samples > 0:
            threads = run_parallel(threads, epoch_worker[float], epoch_worker[double],
                                   e, &e.barrier, dtype_tag)
        if e.first_layer == FIRST_SCALED and e.threads[0].scale != 1:
            # W = scale V, into the caller's parameters (after a merge, every
            # thread holds the merged scale).
            multiply(L[0].fan_in * L[0].fan_out, params + L[0].w_offset,
                     e.threads[0].scale)
        for t in range(threads):
            loss_sum += e.threads[t].loss_sum
            n_trained += e.threads[t].n_trained
            diverged = diverged or e.threads[t].diverged
    free_threads(e, n_threads)
    if e.interrupted:
        reraise_pending(e.given.n_updates_before + n_trained)
    return loss_sum, e.given.n_updates_before + n_trained, diverged
