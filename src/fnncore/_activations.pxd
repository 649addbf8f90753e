# Activation functions on rows of values, and their derivatives.
#
# Design: the first layer of the core (inline functions on values and rows).
# Each activation is applied in place to the pre-activations z of one example
# (a row), because softmax needs the whole row.  Derivatives are computed from
# the activation's output, as scikit-learn's DERIVATIVES do: sigmoid'(z) is
# h(1 - h), tanh'(z) is 1 - h^2, relu'(z) is [h > 0].  Softmax and step have
# no derivative here: softmax is only used as an output whose delta is fused
# with its loss (see _losses.pxd), and the step function is trained with the
# perceptron rule, not by backpropagation.  EXP is an output too: the log
# link of the Poisson loss, whose delta is also fused (p - y).
from cython cimport floating
from libc.math cimport exp, expf, tanh, tanhf


cpdef enum Activation:
    IDENTITY = 0
    LOGISTIC = 1
    TANH = 2
    RELU = 3
    SOFTMAX = 4
    STEP = 5
    EXP = 6


cdef inline floating logistic(floating z) noexcept nogil:
    # Two branches so exp never overflows: for z < 0, exp(z) is in (0, 1).
    cdef floating e
    if z >= 0:
        e = expf(-z) if floating is float else exp(-z)
        return 1 / (1 + e)
    e = expf(z) if floating is float else exp(z)
    return e / (1 + e)


cdef inline void softmax_row(floating *z, Py_ssize_t n) noexcept nogil:
    # Shift by the maximum: exp of the largest entry becomes 1, so nothing
    # overflows and the sum is at least 1.
    cdef Py_ssize_t j
    cdef floating zmax = z[0]
    cdef floating total = 0
    for j in range(1, n):
        if z[j] > zmax:
            zmax = z[j]
    for j in range(n):
        z[j] = expf(z[j] - zmax) if floating is float else exp(z[j] - zmax)
        total += z[j]
    for j in range(n):
        z[j] /= total


cdef inline void activate_row(int kind, floating *z, Py_ssize_t n) noexcept nogil:
    """z <- f(z) in place, for one example's n pre-activations."""
    cdef Py_ssize_t j
    if kind == LOGISTIC:
        for j in range(n):
            z[j] = logistic(z[j])
    elif kind == TANH:
        for j in range(n):
            z[j] = tanhf(z[j]) if floating is float else tanh(z[j])
    elif kind == RELU:
        for j in range(n):
            if not z[j] > 0:  # also maps -0.0 to +0.0
                z[j] = 0
    elif kind == SOFTMAX:
        softmax_row(z, n)
    elif kind == STEP:
        for j in range(n):
            z[j] = 1 if z[j] > 0 else 0
    elif kind == EXP:
        for j in range(n):
            z[j] = expf(z[j]) if floating is float else exp(z[j])
    # IDENTITY: nothing to do


cdef inline void activate_rows(
    int kind, floating *Z, Py_ssize_t n_rows, Py_ssize_t n_cols
) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n_rows):
        activate_row(kind, Z + i * n_cols, n_cols)


cdef inline void multiply_derivative(
    int kind, const floating *h, floating *delta, Py_ssize_t n
) noexcept nogil:
    """delta <- delta * f'(z), with f'(z) computed from the output h = f(z)."""
    cdef Py_ssize_t j
    if kind == LOGISTIC:
        for j in range(n):
            delta[j] *= h[j] * (1 - h[j])
    elif kind == TANH:
        for j in range(n):
            delta[j] *= 1 - h[j] * h[j]
    elif kind == RELU:
        for j in range(n):
            if h[j] == 0:
                delta[j] = 0
    # IDENTITY: derivative 1
