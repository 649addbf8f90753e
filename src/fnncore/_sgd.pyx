# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Per-example stochastic gradient descent: one epoch in one nogil call.

Design:
- The loop visits examples in the order given (the caller shuffles), and for
  each runs the forward pass, the fused output delta, and a backward pass that
  steps each layer's weights as soon as its delta to the layer below has been
  computed from the old weights (dense_backward_step_one).
- The first layer, usually the largest, streams its weights through the
  cache once per example instead of twice: its step for example k is fused
  with its forward pass for example k+1 (dense_step_forward_one).  That is exactly
  scikit-learn's update with batch_size=1: gradient (x delta^T + alpha W),
  then the optimiser rule.
- All scratch memory is allocated once per call, before the loop.
- The L2 penalty 0.5 alpha ||W||^2 of each example's loss uses the weights
  before its step; the step kernels return ||W||^2 after theirs, so the
  penalty costs no extra pass.
- A non-finite loss stops the epoch at that example (flag `diverged`); the
  caller restores its weights.  Checking each example costs one comparison.
"""
from cython cimport floating
from libc.math cimport isfinite
from libc.stdlib cimport malloc, free

from fnncore._activations cimport activate_row, multiply_derivative
from fnncore._losses cimport loss_row, output_delta_row
from fnncore._network cimport (FAN_IN, FAN_OUT, W_OFFSET, B_OFFSET, unit_offsets,
                               step_for_update)
from fnncore._simd cimport (fnn_step, dense_forward_one, dense_backward_step_one,
                            dense_step_forward_one, sumsq)


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

    Returns
    -------
    (loss_sum, n_updates, diverged) : sum of the examples' losses (each with
    its L2 penalty), the new update count, and whether a loss was not finite.
    """
    cdef Py_ssize_t n_layers = layout.shape[0]
    cdef Py_ssize_t n_samples = order.shape[0]
    cdef Py_ssize_t n_outputs = layout[n_layers - 1, FAN_OUT]
    cdef bint weighted = sample_weight.shape[0] > 0
    cdef floating *P = &params[0]
    cdef floating *S1 = &state1[0] if state1.shape[0] > 0 else NULL
    cdef floating *S2 = &state2[0] if state2.shape[0] > 0 else NULL
    cdef Py_ssize_t k, l, i, fan_in, w_off, b_off, total_units
    cdef floating *a_in
    cdef floating *z
    cdef floating *dprev
    cdef const floating *x
    cdef const floating *y
    cdef floating sw, l2
    cdef double example_loss, loss_sum = 0, new_sumsq, penalty_sumsq = 0
    cdef bint diverged = False
    cdef fnn_step local_step

    cdef Py_ssize_t *units = <Py_ssize_t *> malloc(n_layers * sizeof(Py_ssize_t))
    if units == NULL:
        raise MemoryError()
    total_units = unit_offsets(layout, units)
    # h: every layer's activations for the current example; d: their deltas.
    cdef floating *h = <floating *> malloc(2 * total_units * sizeof(floating))
    if h == NULL:
        free(units)
        raise MemoryError()
    cdef floating *d = h + total_units

    with nogil:
        for l in range(n_layers):
            penalty_sumsq += sumsq(layout[l, FAN_IN] * layout[l, FAN_OUT],
                                   P + layout[l, W_OFFSET])
        if n_samples > 0:
            # The first layer's pre-activation of example 0; for every later
            # example, the previous example's fused step computes it.
            dense_forward_one(layout[0, FAN_IN], layout[0, FAN_OUT], &X[order[0], 0],
                              P + layout[0, W_OFFSET], P + layout[0, B_OFFSET], h)
        for k in range(n_samples):
            i = order[k]
            sw = sample_weight[i] if weighted else 1
            x = &X[i, 0]
            y = &Y[i, 0]

            # Forward: h_l = f(a_{l-1} W_l + b_l).
            activate_row(output_activation if n_layers == 1 else hidden_activation,
                         h, layout[0, FAN_OUT])
            a_in = h
            for l in range(1, n_layers):
                z = h + units[l]
                dense_forward_one(layout[l, FAN_IN], layout[l, FAN_OUT], a_in,
                                  P + layout[l, W_OFFSET], P + layout[l, B_OFFSET], z)
                activate_row(output_activation if l == n_layers - 1
                             else hidden_activation, z, layout[l, FAN_OUT])
                a_in = z

            example_loss = (loss_row(loss, y, a_in, n_outputs)
                            + 0.5 * alpha * penalty_sumsq / sw)
            if not isfinite(example_loss):
                diverged = True
                break
            loss_sum += example_loss
            output_delta_row(y, a_in, d + units[n_layers - 1], n_outputs)

            # Backward, stepping each layer once its delta_prev is known.
            # scikit-learn scales delta by sw and divides the gradient by sw,
            # so for one example only the L2 term feels the weight.
            n_updates += 1
            local_step = step_for_update(&step, n_updates)
            l2 = alpha / sw
            new_sumsq = 0
            for l in range(n_layers - 1, 0, -1):
                fan_in = layout[l, FAN_IN]
                w_off = layout[l, W_OFFSET]
                b_off = layout[l, B_OFFSET]
                a_in = h + units[l - 1]
                dprev = d + units[l - 1]
                new_sumsq += dense_backward_step_one(
                    fan_in, layout[l, FAN_OUT], a_in, d + units[l], P + w_off,
                    P + b_off, dprev, &local_step, l2,
                    S1 + w_off if S1 != NULL else NULL,
                    S2 + w_off if S2 != NULL else NULL,
                    S1 + b_off if S1 != NULL else NULL,
                    S2 + b_off if S2 != NULL else NULL)
                multiply_derivative(hidden_activation, a_in, dprev, fan_in)
            # First layer: its step fused with the next example's forward.
            w_off = layout[0, W_OFFSET]
            b_off = layout[0, B_OFFSET]
            if k + 1 < n_samples:
                new_sumsq += dense_step_forward_one(
                    layout[0, FAN_IN], layout[0, FAN_OUT], x, d, P + w_off, P + b_off,
                    &local_step, l2,
                    S1 + w_off if S1 != NULL else NULL,
                    S2 + w_off if S2 != NULL else NULL,
                    S1 + b_off if S1 != NULL else NULL,
                    S2 + b_off if S2 != NULL else NULL,
                    &X[order[k + 1], 0], h)
            else:
                new_sumsq += dense_backward_step_one(
                    layout[0, FAN_IN], layout[0, FAN_OUT], x, d, P + w_off, P + b_off,
                    NULL, &local_step, l2,
                    S1 + w_off if S1 != NULL else NULL,
                    S2 + w_off if S2 != NULL else NULL,
                    S1 + b_off if S1 != NULL else NULL,
                    S2 + b_off if S2 != NULL else NULL)
            penalty_sumsq = new_sumsq

    free(h)
    free(units)
    return loss_sum, n_updates, diverged
