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
from fnncore._optimizers cimport Rule
from fnncore._simd cimport fnn_step

ctypedef struct Layer:
    # One row of the layout, read in place: four Py_ssize_t, so the struct
    # has no padding and a C-contiguous (n_layers, 4) table is an array of
    # these.  Kernels say layers[l].fan_in instead of index arithmetic.
    Py_ssize_t fan_in
    Py_ssize_t fan_out
    Py_ssize_t w_offset           # of W_l in the parameter vector
    Py_ssize_t b_offset           # of b_l


cdef inline const Layer *layers_of(const Py_ssize_t[:, ::1] layout) noexcept nogil:
    """The rows of `layout` (IN, shape (n_layers, 4)) as Layer structs."""
    return <const Layer *> &layout[0, 0]


cdef inline Py_ssize_t unit_offsets(
    const Py_ssize_t[:, ::1] layout, Py_ssize_t *offsets
) noexcept nogil:
    """offsets[l] = units in layers before l (OUT); returns the total units."""
    cdef const Layer *layers = layers_of(layout)
    cdef Py_ssize_t l, total = 0
    for l in range(layout.shape[0]):
        offsets[l] = total
        total += layers[l].fan_out
    return total


cdef inline fnn_step step_for_update(const fnn_step *base, long long t) noexcept nogil:
    """The step of update number t (1-based).  Adam's step size carries the
    bias correction lr sqrt(1 - beta_2^t) / (1 - beta_1^t); the SGD rules use
    the learning rate as it is."""
    cdef fnn_step step = base[0]
    if step.kind == Rule.ADAM:
        step.learning_rate = (base.learning_rate * sqrt(1 - pow(base.beta_2, t))
                              / (1 - pow(base.beta_1, t)))
    return step


