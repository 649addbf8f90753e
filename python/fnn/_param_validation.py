"""Hyper-parameter rules as data: one table per estimator, one checker.

Each estimator class declares ``_parameter_constraints``, a dict from
parameter name to the list of values or kinds of values it accepts, and
calls ``validate_params(self)`` at the start of ``fit``. The messages follow
scikit-learn's wording ("The 'alpha' parameter of MLPClassifier must be a
float in the range [0.0, inf). Got -1 instead."), so code and tests written
against scikit-learn see the same errors, and the exception is both a
ValueError and a TypeError, as scikit-learn's InvalidParameterError is.

A constraint is one of:
- ``Interval(kind, low, high, closed=...)``: a number of kind ``Integral``
  or ``Real`` (``Real`` accepts ints too) between the bounds (None: no
  bound); ``closed`` is 'left', 'right', 'both' or 'neither'.
- ``Options(values)``: one of the given values, all of one type (strings,
  or e.g. the float ``np.inf``).
- ``None``: the value None.
- the strings ``"boolean"``, ``"random_state"``, ``"path"``, ``"callable"``,
  ``"array-like"`` and ``"dict"``, for the kinds they name.

Only the kind of a value is checked here; rules between parameters
(e.g. a learning rate schedule that needs a solver) stay in the estimator.
"""
import numbers
import os
from collections.abc import Iterable
from typing import Any

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A hyper-parameter has a value its estimator does not accept."""


class Interval:
    """Numbers of one kind between two bounds."""

    def __init__(self, kind: type, low: float | None, high: float | None, *,
                 closed: str) -> None:
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"closed must be 'left', 'right', 'both' or 'neither'; "
                             f"got {closed!r}.")
        # Any: isinstance(value, self.kind) must not narrow value to object.
        self.kind: Any = kind
        self.low, self.high, self.closed = low, high, closed

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        if value != value:  # NaN
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.kind is numbers.Integral else "a float"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        if self.kind is not numbers.Integral:
            low, high = (float(b) if isinstance(b, numbers.Number) else b
                         for b in (low, high))
        left = "[" if self.closed in ("left", "both") and self.low is not None else "("
        right = "]" if self.closed in ("right", "both") and self.high is not None else ")"
        return f"{kind} in the range {left}{low}, {high}{right}"


class Options:
    """One of a fixed set of values of one type (usually strings)."""

    def __init__(self, values: Iterable[Any]) -> None:
        self.values = tuple(values)
        kinds = {type(v) for v in self.values}
        if len(kinds) != 1:
            raise ValueError(f"Options takes values of one type; got {self.values!r}.")
        # Named as scikit-learn's Options(type, ...) names its type: np.inf
        # is a Python float, so {inf} reads "a float among {inf}".
        self.kind = kinds.pop()

    def accepts(self, value: Any) -> bool:
        # Strings only match strings (an array never compares equal to one).
        return isinstance(value, self.kind) and value in self.values

    def __str__(self) -> str:
        listed = ", ".join(repr(v) for v in self.values)
        return f"a {self.kind.__name__} among {{{listed}}}"


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "__len__") or hasattr(value, "shape") or hasattr(value, "__array__")


# The named kinds: how to recognise each and the names of what it accepts.
# "boolean" is two kinds, as in scikit-learn (bool and numpy.bool), so a
# message lists both.
_NAMED: dict[str, tuple[Any, tuple[str, ...]]] = {
    "boolean": (lambda v: isinstance(v, (bool, np.bool_)),
                ("an instance of 'bool'", "an instance of 'numpy.bool'")),
    "random_state": (
        lambda v: v is None or isinstance(v, np.random.RandomState) or (
            isinstance(v, numbers.Integral) and not isinstance(v, bool)
            and 0 <= int(v) < 2 ** 32),
        ("an int in the range [0, 4294967295], an instance of "
         "'numpy.random.mtrand.RandomState' or None",)),
    "path": (lambda v: isinstance(v, (str, os.PathLike)), ("a path (str or os.PathLike)",)),
    "callable": (callable, ("a callable",)),
    "array-like": (_is_array_like, ("an array-like",)),
    "dict": (lambda v: isinstance(v, dict), ("an instance of 'dict'",)),
}


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, str):
        return _NAMED[constraint][0](value)
    return constraint.accepts(value)


def _describe(constraint: Any) -> list[str]:
    """The names of the kinds `constraint` accepts (a list: "boolean" has two)."""
    if isinstance(constraint, str):
        return list(_NAMED[constraint][1])
    return [str(constraint)]


def describe_constraints(constraints: Iterable[Any]) -> str:
    """'a float in the range [0.0, inf)', or 'A, B or C' for several kinds
    (None last)."""
    texts = [text for c in constraints if c is not None for text in _describe(c)]
    if any(c is None for c in constraints):
        texts.append("None")
    if len(texts) == 1:
        return texts[0]
    return ", ".join(texts[:-1]) + " or " + texts[-1]


def check_param(estimator_name: str, name: str, value: Any, constraints: list[Any]) -> None:
    """Raise InvalidParameterError unless `value` meets one of `constraints`."""
    if any(_accepts(c, value) for c in constraints):
        return
    raise InvalidParameterError(
        f"The {name!r} parameter of {estimator_name} must be "
        f"{describe_constraints(constraints)}. Got {value!r} instead.")


def validate_params(estimator: Any) -> None:
    """Check every parameter of `estimator` against its class's table."""
    name = type(estimator).__name__
    for param, constraints in type(estimator)._parameter_constraints.items():
        check_param(name, param, getattr(estimator, param), constraints)
