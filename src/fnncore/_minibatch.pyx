# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Mini-batch gradient descent: one epoch in one nogil call.

Design:
- Batches are consecutive slices of `order`; each batch's rows of X are
  gathered into a contiguous buffer so the matrix products run through BLAS
  (scipy's cython_blas, the same library numpy uses).
- Per batch: forward pass (bias rows, then GEMM, then the activation),
  output delta p - y scaled by the sample weights, backward pass computing all
  gradients from the old weights, then the optimiser step on each layer.  The
  gradient is (A^T D + alpha W) / sum(w) as in scikit-learn.
- Scratch buffers (batch, activations, deltas, gradient) are allocated once
  per call, before the loop.
- A non-finite batch loss stops the epoch before that batch's step.
- Ctrl-C: every few milliseconds of work the loop looks for signals
  (_interrupt.pxd) and stops between two batches.
"""
from cython cimport floating
from libc.math cimport isfinite
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

from fnncore._activations cimport activate_rows, multiply_derivative
from fnncore._blas cimport gemm
from fnncore._losses cimport loss_row, output_delta_row
from fnncore._network cimport (FAN_IN, FAN_OUT, W_OFFSET, B_OFFSET, unit_offsets,
                               step_for_update)
from fnncore._interrupt cimport CHECK_WORK, reraise_pending, signal_raised
from fnncore._simd cimport fnn_step, step_slice, sumsq


def minibatch_epoch(
    const floating[:, ::1] X,
    const floating[:, ::1] Y,
    const floating[::1] sample_weight,
    const Py_ssize_t[::1] order,
    Py_ssize_t batch_size,
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
    bint check_signals=False,
    const floating[::1] class_scale=None,
):
    """Train on the batches order[0:b], order[b:2b], ...

    Parameters are those of fnncore._sgd.sgd_epoch, plus batch_size (the last
    batch may be smaller), class_scale (multiplies example i's loss and
    gradient; class weights, not normalised by the batch's weight), and
    check_signals (look for Ctrl-C every few
    milliseconds; the KeyboardInterrupt propagates between batches).  Returns (loss_sum, n_updates, diverged) where
    loss_sum adds each batch's mean loss (with its L2 penalty) times the
    batch's size, as scikit-learn accumulates it.
    """
    cdef Py_ssize_t n_layers = layout.shape[0]
    cdef Py_ssize_t n_samples = order.shape[0]
    cdef Py_ssize_t n_features = X.shape[1]
    cdef Py_ssize_t n_outputs = layout[n_layers - 1, FAN_OUT]
    cdef Py_ssize_t n_params = params.shape[0]
    cdef bint weighted = sample_weight.shape[0] > 0
    cdef bint scaled = class_scale is not None
    cdef floating *P = &params[0]
    cdef floating *S1 = &state1[0] if state1.shape[0] > 0 else NULL
    cdef floating *S2 = &state2[0] if state2.shape[0] > 0 else NULL
    cdef Py_ssize_t start, m, r, i, j, l, fan_in, fan_out, w_off, b_off
    cdef const Py_ssize_t *idx
    cdef floating *A_in
    cdef floating *Z
    cdef floating *D
    cdef floating *out
    cdef floating *gb
    cdef floating sw, scale
    cdef double sw_sum, batch_loss, data_loss, loss_sum = 0, penalty_sumsq = 0
    cdef bint diverged = False, interrupted = False
    cdef Py_ssize_t n_batches = 0
    cdef Py_ssize_t check_every = max(1, CHECK_WORK // (batch_size * n_params))
    cdef fnn_step local_step

    cdef Py_ssize_t *units = <Py_ssize_t *> malloc(n_layers * sizeof(Py_ssize_t))
    if units == NULL:
        raise MemoryError()
    cdef Py_ssize_t total_units = unit_offsets(layout, units)
    # One block: gathered batch | activations | deltas | gradient.
    cdef size_t n_scratch = (batch_size * (n_features + 2 * total_units) + n_params)
    cdef floating *batch = <floating *> malloc(n_scratch * sizeof(floating))
    if batch == NULL:
        free(units)
        raise MemoryError()
    cdef floating *H = batch + batch_size * n_features
    cdef floating *Dall = H + batch_size * total_units
    cdef floating *G = Dall + batch_size * total_units

    with nogil:
        for l in range(n_layers):
            penalty_sumsq += sumsq(layout[l, FAN_IN] * layout[l, FAN_OUT],
                                   P + layout[l, W_OFFSET])
        start = 0
        while start < n_samples:
            if check_signals and n_batches % check_every == 0 and signal_raised():
                interrupted = True
                break
            n_batches += 1
            m = min(batch_size, n_samples - start)
            idx = &order[start]
            start += m
            for r in range(m):
                memcpy(batch + r * n_features, &X[idx[r], 0],
                       n_features * sizeof(floating))

            # Forward: H_l = f(A_{l-1} W_l + b_l), row blocks of m x fan_out.
            A_in = batch
            for l in range(n_layers):
                fan_in = layout[l, FAN_IN]
                fan_out = layout[l, FAN_OUT]
                Z = H + units[l] * batch_size
                for r in range(m):
                    memcpy(Z + r * fan_out, P + layout[l, B_OFFSET],
                           fan_out * sizeof(floating))
                gemm(False, False, m, fan_out, fan_in, 1, A_in, fan_in,
                     P + layout[l, W_OFFSET], fan_out, 1, Z, fan_out)
                activate_rows(output_activation if l == n_layers - 1
                              else hidden_activation, Z, m, fan_out)
                A_in = Z

            # Loss and output delta (p - y) * w.
            out = A_in
            D = Dall + units[n_layers - 1] * batch_size
            sw_sum = 0
            data_loss = 0
            for r in range(m):
                i = idx[r]
                sw = sample_weight[i] if weighted else 1
                sw_sum += sw
                scale = sw * class_scale[i] if scaled else sw
                data_loss += scale * loss_row(loss, &Y[i, 0], out + r * n_outputs,
                                              n_outputs)
                output_delta_row(&Y[i, 0], out + r * n_outputs, D + r * n_outputs,
                                 n_outputs)
                if scale != 1:
                    for j in range(n_outputs):
                        D[r * n_outputs + j] *= scale
            if sw_sum == 0:
                continue  # nothing to learn from a batch of zero weight
            batch_loss = (data_loss + 0.5 * alpha * penalty_sumsq) / sw_sum
            if not isfinite(batch_loss):
                diverged = True
                break
            loss_sum += batch_loss * m

            # Backward: gradients of every layer from the old weights.
            for l in range(n_layers - 1, -1, -1):
                fan_in = layout[l, FAN_IN]
                fan_out = layout[l, FAN_OUT]
                w_off = layout[l, W_OFFSET]
                b_off = layout[l, B_OFFSET]
                D = Dall + units[l] * batch_size
                A_in = batch if l == 0 else H + units[l - 1] * batch_size
                # G_W = A^T D (fan_in x fan_out); G_b = column sums of D.
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
                         fan_out, 0, Dall + units[l - 1] * batch_size, fan_in)
                    for r in range(m):
                        multiply_derivative(hidden_activation, A_in + r * fan_in,
                                            Dall + units[l - 1] * batch_size
                                            + r * fan_in, fan_in)

            # Optimiser step on every layer.
            n_updates += 1
            local_step = step_for_update(&step, n_updates)
            penalty_sumsq = 0
            for l in range(n_layers):
                fan_in = layout[l, FAN_IN]
                fan_out = layout[l, FAN_OUT]
                w_off = layout[l, W_OFFSET]
                b_off = layout[l, B_OFFSET]
                penalty_sumsq += step_slice(
                    fan_in * fan_out, P + w_off, G + w_off, <floating> (1 / sw_sum),
                    <floating> (alpha / sw_sum), &local_step,
                    S1 + w_off if S1 != NULL else NULL,
                    S2 + w_off if S2 != NULL else NULL)
                step_slice(fan_out, P + b_off, G + b_off, <floating> (1 / sw_sum), 0,
                           &local_step,
                           S1 + b_off if S1 != NULL else NULL,
                           S2 + b_off if S2 != NULL else NULL)

    free(batch)
    free(units)
    if interrupted:
        reraise_pending(n_updates)
    return loss_sum, n_updates, diverged
