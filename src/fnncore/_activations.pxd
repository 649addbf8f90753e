# Activation functions on rows of values, and their derivatives.
#
# Design: the first layer of the core (inline functions on values and rows).
# Each activation is applied in place to the pre-activations z of one example
# (a row), because softmax needs the whole row.  This file is the registry:
# the enum, each scalar function and each derivative are here and nowhere
# else.
#
# Derivatives are computed from the activation's output where that is
# possible, as scikit-learn's DERIVATIVES do: sigmoid'(z) is h(1 - h), tanh'(z)
# is 1 - h^2, relu'(z) is [h > 0], leaky_relu'(z) is 1 or 0.01 by the sign of
# h, elu'(z) is 1 for h > 0 and h + 1 = e^z otherwise, softplus'(z) is
# sigmoid(z) = 1 - e^-h.  So a training loop keeps only h and the existing
# activations cost nothing more.  gelu and silu are not invertible (both have
# a minimum below zero), so no function of h gives their derivative: for
# them the forward pass computes h and f'(z) together (activate_row_gain)
# into a caller-owned `gain` row that the backward pass multiplies in
# (multiply_gain).  Dropout uses the same row: a dropped unit's gain is 0 and
# a kept one's is scaled like its output (see _dropout.pxd).  Computing f'(z)
# forward costs one erfc (gelu) or one exp (silu), shared with f(z); keeping
# z instead and deriving later would cost a second pass and a second exp.
#
# Softmax and step have no derivative here: softmax is only used as an
# output whose delta is fused with its loss (see _losses.pxd), and the step
# function is trained with the perceptron rule, not by backpropagation.  EXP
# is an output too: the log link of the Poisson loss, whose delta is also
# fused (p - y).
from cython cimport floating
from libc.math cimport (exp, expf, expm1, expm1f, log1p, log1pf, erfc, erfcf, tanh,
                        tanhf, fabs, fabsf)


cpdef enum Activation:
    IDENTITY = 0
    LOGISTIC = 1
    TANH = 2
    RELU = 3
    SOFTMAX = 4
    STEP = 5
    EXP = 6
    LEAKY_RELU = 7
    ELU = 8
    GELU = 9
    SILU = 10
    SOFTPLUS = 11


cdef extern from *:
    """
    /* leaky_relu's negative slope: PyTorch's default, so users can compare. */
    #define FNN_LEAKY_SLOPE 0.01
    /* 1 / sqrt(2) and 1 / sqrt(2 pi), for gelu's normal CDF and density. */
    #define FNN_SQRT1_2 0.70710678118654752440
    #define FNN_INV_SQRT_2PI 0.39894228040143267794
    """
    double LEAKY_SLOPE "FNN_LEAKY_SLOPE"
    double SQRT1_2 "FNN_SQRT1_2"
    double INV_SQRT_2PI "FNN_INV_SQRT_2PI"


cdef inline floating logistic(floating z) noexcept nogil:
    # Two branches so exp never overflows: for z < 0, exp(z) is in (0, 1).
    cdef floating e
    if z >= 0:
        e = expf(-z) if floating is float else exp(-z)
        return 1 / (1 + e)
    e = expf(z) if floating is float else exp(z)
    return e / (1 + e)


cdef inline floating leaky_relu(floating z) noexcept nogil:
    # Every z not > 0 takes the slope: -0.0 stays -0.0 and NaN stays NaN,
    # as in PyTorch.
    if z > 0:
        return z
    return z * <floating> LEAKY_SLOPE


cdef inline floating elu(floating z) noexcept nogil:
    # expm1 keeps e^z - 1 accurate for small |z|, and tends to -1 without
    # overflow as z -> -inf.
    if z > 0:
        return z
    return expm1f(z) if floating is float else expm1(z)


cdef inline floating softplus(floating z) noexcept nogil:
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): the exponent is never
    # positive, so nothing overflows, and log1p keeps the small values of
    # z -> -inf (where softplus(z) ~ e^z).
    cdef floating m = z if z > 0 else 0
    if floating is float:
        return m + log1pf(expf(-fabsf(z)))
    else:
        return m + log1p(exp(-fabs(z)))


cdef inline floating normal_cdf(floating z) noexcept nogil:
    # Phi(z) = erfc(-z / sqrt 2) / 2: accurate in the left tail too, where
    # 1 + erf(z / sqrt 2) would cancel (and lose every digit in float32 by
    # z = -6).
    if floating is float:
        return 0.5 * erfcf(-z * <float> SQRT1_2)
    else:
        return 0.5 * erfc(-z * SQRT1_2)


cdef inline floating gelu_gain(floating z, floating *gain) noexcept nogil:
    """gelu(z) = z Phi(z); gain <- gelu'(z) = Phi(z) + z phi(z)."""
    cdef floating cdf = normal_cdf(z)
    cdef floating pdf
    if floating is float:
        pdf = <float> INV_SQRT_2PI * expf(-0.5 * z * z)
    else:
        pdf = INV_SQRT_2PI * exp(-0.5 * z * z)
    gain[0] = cdf + z * pdf
    return z * cdf


cdef inline floating silu_gain(floating z, floating *gain) noexcept nogil:
    """silu(z) = z s(z); gain <- silu'(z) = s (1 + z (1 - s)), s = sigmoid."""
    cdef floating s = logistic(z)
    gain[0] = s * (1 + z * (1 - s))
    return z * s


cdef inline bint derivative_needs_input(int kind) noexcept nogil:
    """True for the activations whose derivative is no function of their
    output: a training loop then calls activate_row_gain and multiply_gain
    instead of activate_row and multiply_derivative."""
    return kind == GELU or kind == SILU


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
    elif kind == LEAKY_RELU:
        for j in range(n):
            z[j] = leaky_relu(z[j])
    elif kind == ELU:
        for j in range(n):
            z[j] = elu(z[j])
    elif kind == SOFTPLUS:
        for j in range(n):
            z[j] = softplus(z[j])
    elif kind == GELU:
        for j in range(n):
            z[j] = z[j] * normal_cdf(z[j])
    elif kind == SILU:
        for j in range(n):
            z[j] = z[j] * logistic(z[j])
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
    """delta <- delta * f'(z), with f'(z) computed from the output h = f(z).
    Not for the kinds where derivative_needs_input (gelu, silu)."""
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
    elif kind == LEAKY_RELU:
        # h > 0 exactly where z > 0; at z = 0 the slope is 0.01, as PyTorch's.
        for j in range(n):
            if not h[j] > 0:
                delta[j] *= <floating> LEAKY_SLOPE
    elif kind == ELU:
        for j in range(n):
            if not h[j] > 0:
                delta[j] *= h[j] + 1
    elif kind == SOFTPLUS:
        # sigmoid(z) = 1 - e^-h; -expm1(-h) keeps its digits as h -> 0.
        for j in range(n):
            delta[j] *= -(expm1f(-h[j]) if floating is float else expm1(-h[j]))
    # IDENTITY: derivative 1


cdef inline void activate_row_gain(
    int kind, floating *z, floating *gain, Py_ssize_t n
) noexcept nogil:
    """z <- f(z) in place and gain <- f'(z) (OUT: z, gain), for a hidden
    row whose derivative the backward pass takes from `gain`: the kinds
    where derivative_needs_input, and any kind under dropout."""
    cdef Py_ssize_t j
    if kind == GELU:
        for j in range(n):
            z[j] = gelu_gain(z[j], gain + j)
    elif kind == SILU:
        for j in range(n):
            z[j] = silu_gain(z[j], gain + j)
    else:
        activate_row(kind, z, n)
        for j in range(n):
            gain[j] = 1
        multiply_derivative(kind, z, gain, n)


cdef inline void multiply_gain(const floating *gain, floating *delta,
                               Py_ssize_t n) noexcept nogil:
    """delta <- delta * gain, the derivative kept by activate_row_gain."""
    cdef Py_ssize_t j
    for j in range(n):
        delta[j] *= gain[j]
