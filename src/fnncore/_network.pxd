# How the kernels find a network's layers inside its flat parameter vector,
# and per-update optimiser bookkeeping shared by the training loops.
#
# The Python side (fnn._layout) decides the layout and passes it down as an
# integer array with one row per dense layer:
#     layout[l] = (fan_in, fan_out, offset of W_l, offset of b_l)
# W_l is row-major (fan_in, fan_out).  Optimiser state vectors share the
# parameters' layout, so the same offsets address a weight's velocity or
# moments.
from libc.math cimport sqrt, pow
from fnncore._simd cimport fnn_step, FNN_OPT_ADAM

cdef enum:
    FAN_IN = 0
    FAN_OUT = 1
    W_OFFSET = 2
    B_OFFSET = 3


cdef inline Py_ssize_t unit_offsets(
    const Py_ssize_t[:, ::1] layout, Py_ssize_t *offsets
) noexcept nogil:
    """offsets[l] = units in layers before l (OUT); returns the total units."""
    cdef Py_ssize_t l, total = 0
    for l in range(layout.shape[0]):
        offsets[l] = total
        total += layout[l, FAN_OUT]
    return total


cdef inline fnn_step step_for_update(const fnn_step *base, long long t) noexcept nogil:
    """The step of update number t (1-based).  Adam's step size carries the
    bias correction lr sqrt(1 - beta_2^t) / (1 - beta_1^t); the SGD rules use
    the learning rate as it is."""
    cdef fnn_step step = base[0]
    if step.kind == FNN_OPT_ADAM:
        step.learning_rate = (base.learning_rate * sqrt(1 - pow(base.beta_2, t))
                              / (1 - pow(base.beta_1, t)))
    return step


