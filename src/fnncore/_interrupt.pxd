# Ctrl-C inside a nogil training loop.
#
# The loops run whole epochs without the GIL, so Python's signal handlers
# cannot run until they return.  Every so often the loop takes the GIL and
# asks Python to run pending handlers; if one raised (KeyboardInterrupt for
# Ctrl-C), the loop stops at the next safe point, between two updates, and
# the exception stays pending so the kernel's Python wrapper re-raises it
# after freeing its buffers.  Only the main thread receives signals, so the
# caller asks for checks only there; elsewhere the loop never takes the GIL.

cdef extern from "Python.h":
    int _check_signals "PyErr_CheckSignals" ()


cdef inline bint signal_raised() noexcept nogil:
    """Run Python's pending signal handlers; True if one raised."""
    cdef int status
    with gil:
        status = _check_signals()
    return status != 0


cdef inline int _raise_pending() except -1:
    return -1


cdef inline void reraise_pending(long long n_updates) except *:
    """Propagate the exception a signal handler left pending, telling the
    caller how many optimiser updates were made before the stop (Adam's
    bias correction needs the count) as its attribute `fnn_n_updates`."""
    try:
        _raise_pending()
    except BaseException as exc:
        exc.fnn_n_updates = n_updates
        raise


# Aim to look for signals about every CHECK_WORK weight updates, i.e. a few
# milliseconds, whatever the network's size.
cdef enum:
    CHECK_WORK = 4000000
