"""One consistent snapshot of a fitted model per prediction call.

The thread-safety contract of SVC and Perceptron:

- ``fit`` reads the parameters once (`frozen`: a validated copy of the
  estimator that trains, so that set_params from another thread during a
  fit changes nothing in it), builds the whole fitted state aside (arrays,
  the kernel's parameters, everything prediction reads) and publishes it
  at the end:
  the public attributes, then the snapshot that prediction reads, all
  under the estimator's fit lock (``ParamsMixin._fitting``), so two fits
  of one estimator run one after the other.
- Every prediction call reads the snapshot once (`current`) and works on
  it only: a concurrent fit replaces the snapshot, never what a running
  call holds.  The compiled kernels receive arrays whose shapes the
  snapshot fixed when it was built.
- The snapshot remembers which objects the public attributes were when it
  was built.  If one has been replaced since (a user's assignment, a
  model file, an unpickled model), or a fit is publishing, the call takes
  the fit lock, and builds a new snapshot from the public attributes with
  full validation: an inconsistent attribute is a clear ValueError, never
  an out-of-bounds read.  Values changed in place in a float array reach
  prediction (scikit-learn allows that); integer arrays that decide
  layouts are checked on every call (`check`).
"""

from collections.abc import Callable, Iterable
from typing import Any

_ABSENT = object()


class FittedState:
    """Immutable bundle of what prediction reads, plus the identities of
    the public attributes it was built from.

    Parameters
    ----------
    sources : dict
        ``{attribute name: the object it held}`` (absent attributes map
        to a private sentinel via `sources_of`).
    **fields
        The state itself, as attributes of this object.
    """

    _sources: dict[str, Any]

    def __init__(self, sources: dict[str, Any], **fields: Any) -> None:
        self.__dict__.update(fields)
        self.__dict__["_sources"] = sources

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a fitted state is read-only")

    def matches(self, estimator: Any) -> bool:
        """True while every public attribute is still the object this
        state was built from."""
        attributes = estimator.__dict__
        return all(attributes.get(name, _ABSENT) is obj
                   for name, obj in self._sources.items())


def sources_of(attributes: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The `sources` of a FittedState: each name's object in the dict
    `attributes`, or the sentinel for an absent one."""
    return {name: attributes.get(name, _ABSENT) for name in names}


def current(estimator: Any, build: Callable[[], FittedState]) -> Any:
    """The estimator's fitted state for one call.

    `build()` makes a FittedState from the public attributes (raising
    NotFittedError or ValueError); it runs under the fit lock, only when
    the cached state no longer matches them.
    """
    state = estimator.__dict__.get("_fitted_state")
    if state is not None and state.matches(estimator):
        return state
    with estimator._fitting():
        state = estimator.__dict__.get("_fitted_state")
        if state is None or not state.matches(estimator):
            state = build()
            estimator.__dict__["_fitted_state"] = state
    return state


def publish(estimator: Any, attributes: dict[str, Any], stale: Iterable[str],
            state: FittedState) -> None:
    """Install a fit's result: the public `attributes` (a dict), minus the
    names in `stale` that this fit does not set, then the `state` built
    from them.  Call under the fit lock."""
    estimator.__dict__.update(attributes)
    for name in stale:
        if name not in attributes:
            estimator.__dict__.pop(name, None)
    estimator.__dict__["_fitted_state"] = state


def drop_state(state_dict: dict[str, Any]) -> dict[str, Any]:
    """A pickled estimator leaves its snapshot out: it is rebuilt (and
    validated) from the public attributes on first use."""
    state_dict.pop("_fitted_state", None)
    return state_dict



def frozen(estimator: Any) -> Any:
    """A copy of `estimator` with its parameters as they are now (the same
    objects: a RandomState passed in is drawn from as the estimator's own),
    validated; a fit trains with it and publishes to `estimator`."""
    copy = type(estimator)(**estimator.get_params())
    copy._validate_params()
    return copy
