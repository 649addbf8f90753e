# How the kernels find a network's layers inside its flat parameter vector.
#
# The Python side (fnn._layout) decides the layout and passes it down as an
# integer array with one row per dense layer:
#     layout[l] = (fan_in, fan_out, offset of W_l, offset of b_l)
# W_l is row-major (fan_in, fan_out).  Optimiser state vectors share the
# parameters' layout, so the same offsets address a weight's velocity or
# moments.

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
    const Layer *layers, Py_ssize_t n_layers, Py_ssize_t *offsets
) noexcept nogil:
    """offsets[l] = units in layers before l (OUT, n_layers entries); returns
    the total units."""
    cdef Py_ssize_t l, total = 0
    for l in range(n_layers):
        offsets[l] = total
        total += layers[l].fan_out
    return total
