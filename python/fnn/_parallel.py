"""How many threads to use, and keeping BLAS's threads out of the way of ours.

n_jobs follows scikit-learn's OpenMP-based estimators: None means all cores
this process may use, -1 all, -2 all but one, k means k.
"""
import contextlib
import os
from typing import Any, ContextManager

_controller: Any = None


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, else cpu_count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def effective_n_jobs(n_jobs: int | None) -> int:
    """Threads to use for `n_jobs` (see the module docstring)."""
    cores = available_cores()
    if n_jobs is None:
        return cores
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return int(n_jobs)


def blas_threads(limit: int | None) -> ContextManager[Any]:
    """Context in which BLAS (the one SciPy and NumPy load) uses at most
    `limit` threads; `None` leaves it alone.

    fnn's own threads call BLAS with one thread each: BLAS threads on top
    would oversubscribe the cores.  The threadpoolctl controller is built
    once, as listing the loaded libraries is the slow part.
    """
    global _controller
    if limit is None:
        return contextlib.nullcontext()
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=limit, user_api="blas")
