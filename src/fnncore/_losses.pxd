# Losses of one example, and the output delta they share with their link.
#
# Design: the first layer of the core (inline functions on rows).  Values are
# the per-example terms of scikit-learn's MLP losses, so that an epoch's mean
# equals its loss_ (up to rounding):
#   SQUARED_ERROR    identity output:  sum_j (y_j - p_j)^2 / (2 n)
#   LOG_LOSS         softmax output:   -sum_j y_j log p_j
#   BINARY_LOG_LOSS  sigmoid outputs:  -sum_j y_j log p_j + (1-y_j) log(1-p_j)
#   POISSON          exp outputs:      sum_j y_j log(y_j / p_j) - y_j + p_j
#                    (half the Poisson deviance; y_j log(..) is 0 at y_j = 0)
# Probabilities are clipped to [eps, 1 - eps] (eps of the dtype) before the
# log, as scikit-learn does, so a confident wrong answer costs a large finite
# loss rather than inf.
#
# The output delta dL/dz = p - y is the same for all four: each loss is the
# canonical partner of its output activation.  It is only valid for those
# pairs, which is why the loss kind, not the user, picks the output activation.
from cython cimport floating
from libc.float cimport FLT_EPSILON, DBL_EPSILON
from libc.math cimport log


cpdef enum Loss:
    SQUARED_ERROR = 0
    LOG_LOSS = 1
    BINARY_LOG_LOSS = 2
    POISSON = 3


cdef inline double clipped_log(floating p) noexcept nogil:
    cdef double eps = FLT_EPSILON if floating is float else DBL_EPSILON
    cdef double q = p
    if q < eps:
        q = eps
    elif q > 1 - eps:
        q = 1 - eps
    return log(q)


cdef inline double loss_row(
    int kind, const floating *y, const floating *p, Py_ssize_t n
) noexcept nogil:
    """Loss of one example with targets y and outputs p (n values each)."""
    cdef Py_ssize_t j
    cdef double total = 0, diff
    if kind == SQUARED_ERROR:
        for j in range(n):
            diff = <double> y[j] - p[j]
            total += diff * diff
        return total / (2 * n)
    if kind == LOG_LOSS:
        for j in range(n):
            if y[j] != 0:
                total -= y[j] * clipped_log(p[j])
        return total
    if kind == POISSON:
        # y log(y / p) as scikit-learn's xlogy(y, y / p), in double.
        for j in range(n):
            if y[j] != 0:
                total += y[j] * log(<double> y[j] / p[j])
            total += <double> p[j] - y[j]
        return total
    # BINARY_LOG_LOSS
    for j in range(n):
        if y[j] != 0:
            total -= y[j] * clipped_log(p[j])
        if y[j] != 1:
            total -= (1 - y[j]) * clipped_log(1 - p[j])
    return total


cdef inline void output_delta_row(
    const floating *y, const floating *p, floating *delta, Py_ssize_t n
) noexcept nogil:
    """delta = p - y: dL/dz at the output for every (activation, loss) pair."""
    cdef Py_ssize_t j
    for j in range(n):
        delta[j] = p[j] - y[j]
