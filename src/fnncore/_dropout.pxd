# Inverted dropout on rows of hidden activations.
#
# Design: the first layer of the core (inline functions on rows), beside
# _activations.pxd.  During training each hidden unit is dropped (its output
# set to 0) with probability `rate` and every kept output is multiplied by
# 1 / (1 - rate), so the expected output is unchanged and prediction runs
# the network as it is, with no rescaling (Srivastava et al. 2014, in the
# "inverted" form PyTorch uses).  The backward pass sees the same mask
# through the `gain` row of activate_row_gain: a dropped unit's gain is 0,
# a kept one's is f'(z) / (1 - rate).
#
# The masks are counter-based: unit u of the hidden layers (numbered across
# layers) of the example at position k of an epoch's order is dropped iff
# the splitmix64 hash of seed + (k n_hidden + u + 1) * golden, taken as 53
# random bits, falls below rate 2^53.  That is splitmix64's own stream read
# at an index, so the draws are as good as its sequence, need no state, cost
# a few integer operations per unit, and depend on neither the thread that
# trains the example nor the batch it falls in: a fit is reproducible from
# the seed whatever the number of threads.  The caller draws one seed per
# epoch from its random_state.
from cython cimport floating
from libc.stdint cimport uint64_t

from fnncore._activations cimport activate_row_gain

cdef extern from *:
    """
    /* 2^53: the uniform draw is the top 53 bits of a hash, as a double's
       mantissa holds.  The golden-ratio increment is splitmix64's. */
    #define FNN_TWO_53 9007199254740992.0
    #define FNN_GOLDEN 0x9e3779b97f4a7c15ULL
    """
    double TWO_53 "FNN_TWO_53"
    uint64_t GOLDEN "FNN_GOLDEN"


cdef inline uint64_t splitmix64_at(uint64_t seed, uint64_t index) noexcept nogil:
    """The index-th output (0-based) of splitmix64 started at seed (Steele,
    Lea and Flood 2014; Vigna's constants)."""
    cdef uint64_t x = seed + (index + 1) * GOLDEN
    x = (x ^ (x >> 30)) * <uint64_t> 0xbf58476d1ce4e5b9ULL
    x = (x ^ (x >> 27)) * <uint64_t> 0x94d049bb133111ebULL
    return x ^ (x >> 31)


cdef inline void dropout_row(floating *h, floating *gain, Py_ssize_t n, double rate,
                             uint64_t seed, uint64_t first_unit) noexcept nogil:
    """Inverted dropout of the n units first_unit, first_unit + 1, ... of
    the stream `seed` (see the Design notes): h <- h * mask / (1 - rate)
    and gain <- gain * mask / (1 - rate) (IN/OUT: h, gain).  0 <= rate < 1."""
    cdef uint64_t threshold = <uint64_t> (rate * TWO_53)
    cdef floating scale = <floating> (1 / (1 - rate))
    cdef Py_ssize_t j
    for j in range(n):
        if (splitmix64_at(seed, first_unit + j) >> 11) < threshold:
            h[j] = 0
            gain[j] = 0
        else:
            h[j] *= scale
            gain[j] *= scale


cdef inline void activate_hidden_row(int kind, floating *z, floating *gain, Py_ssize_t n,
                                     double rate, uint64_t seed,
                                     uint64_t first_unit) noexcept nogil:
    """A training pass's hidden row whose backward pass reads `gain`:
    z <- f(z) * mask / (1 - rate) and gain <- f'(z) * mask / (1 - rate)
    (OUT: z, gain), with no mask when rate is 0."""
    activate_row_gain(kind, z, gain, n)
    if rate > 0:
        dropout_row(z, gain, n, rate, seed, first_unit)


cdef inline bint check_rates(const double[::1] dropout, Py_ssize_t n_hidden) except -1:
    """For the kernels' entry points: ValueError unless `dropout` (or None)
    holds one rate in [0, 1) per hidden layer; returns whether one is > 0."""
    cdef Py_ssize_t l
    cdef bint any_rate = False
    if dropout is None:
        return False
    if dropout.shape[0] != n_hidden:
        raise ValueError(f"dropout needs one rate per hidden layer ({n_hidden}), "
                         f"got {dropout.shape[0]}.")
    for l in range(n_hidden):
        if not 0 <= dropout[l] < 1:
            raise ValueError(f"dropout rates must be in [0, 1), got {dropout[l]}.")
        any_rate = any_rate or dropout[l] > 0
    return any_rate
