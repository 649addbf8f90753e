"""The estimator protocol fnn shares with scikit-learn, without importing it.

get_params / set_params / repr follow scikit-learn's conventions (parameters
are exactly the constructor's arguments, stored unchanged), so clone,
Pipeline and GridSearchCV work, while scikit-learn stays an optional
dependency.

What every fnn estimator can share (the MLPs use all of it):

- ``ParamsMixin._fitted_marker``: the name of an attribute that only a fit
  sets (e.g. ``"coef_"``).  ``_check_fitted()`` raises scikit-learn's
  NotFittedError without it, and ``__sklearn_is_fitted__`` (what
  ``sklearn.utils.validation.check_is_fitted`` asks) answers from it.
- ``ParamsMixin._fitting()``: the fit lock of the thread-safety contract.
- ``ParamsMixin._reset_feature_names(X)`` at the start of a fit from
  scratch sets or removes ``feature_names_in_``; at predict time,
  ``fnn._validation.check_feature_names(fitted_names, X, name)`` gives
  scikit-learn's warnings and error.
- ``available_if(check)``: a method that exists only when ``check(self)``
  holds (``partial_fit`` of the MLPs' stochastic solvers), so ``hasattr``
  answers as it does for scikit-learn's estimators.
- ``ClassifierMixin``: ``score``, the accuracy of ``predict``.
- ``fill_doc(**parts)``: docstring text that several methods share (the
  entry of X, of sample_weight...), written once.
- ``N_JOBS`` and ``FiniteInterval``: parameter constraints (see
  fnn._param_validation) for n_jobs with an upper bound, and for numbers
  that must be finite.
- Metadata routing (``set_fit_request`` ...): ``MetadataRequester`` in
  fnn._sklearn_compat, a mixin placed before ParamsMixin.
"""
import contextlib
import functools
import inspect
import math
import numbers
import os
import re
import textwrap
import threading
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from numpy.typing import ArrayLike, NDArray

from . import _persistence
from ._labels import accuracy
from ._param_validation import Interval
from ._sklearn_compat import interoperable
from ._validation import feature_names_of
from .exceptions import NotFittedError

_Self = TypeVar("_Self", bound="ParamsMixin")
_Object = TypeVar("_Object")

#: The largest n_jobs accepted: each thread gets its own scratch (per-example
#: training: a copy of the parameters), and more threads than any machine's
#: cores only slow every barrier.  n_jobs=None or -1 means all cores the
#: process may use, whatever their number.
MAX_N_JOBS = 1024

#: The constraint of n_jobs: None, -1, -2, ... (all cores, all but one, ...)
#: or 1 to MAX_N_JOBS threads.
N_JOBS: list[Any] = [None, Interval(numbers.Integral, None, -1, closed="right"),
          Interval(numbers.Integral, 1, MAX_N_JOBS, closed="both")]


class FiniteInterval(Interval):
    """An Interval of finite numbers.  scikit-learn accepts infinity for some
    parameters where it only makes the loss or the step infinite (an MLP's
    alpha, learning_rate_init); fnn refuses it before training."""

    def accepts(self, value: Any) -> bool:
        return super().accepts(value) and math.isfinite(value)

    def __str__(self) -> str:
        return "a finite " + super().__str__()[len("a "):]


def available_if(check: Callable[[Any], Any]) -> Callable[[Callable[..., Any]], Any]:
    """Decorator: the method exists on an instance only when ``check(self)``
    is true (``check`` may also raise AttributeError with its own message),
    as scikit-learn's ``available_if``; on the class it is the plain
    function, so signatures and documentation tools see it."""
    def decorate(function: Callable[..., Any]) -> Any:
        return _AvailableIf(function, check)
    return decorate


def fill_doc(**parts: str) -> Callable[[_Object], _Object]:
    """Decorator of a function or a class: docstring text written once for
    several places.  Each line of a docstring that holds only ``{name}``
    becomes ``parts[name]`` (e.g. a numpydoc entry, written without
    indentation), indented as that line; the docstring is first dedented,
    as help() shows it, and the part keeps its own indentation relative to
    its first line.  On a class, the docstrings of its own methods are
    filled too."""
    def decorate(obj: _Object) -> _Object:
        _fill(obj, parts)
        if isinstance(obj, type):
            for member in vars(obj).values():
                if isinstance(member, _AvailableIf):
                    _fill(member.function, parts)
                    _fill(member, parts)
                elif inspect.isfunction(member):
                    _fill(member, parts)
        return obj
    return decorate


def _fill(obj: Any, parts: dict[str, str]) -> None:
    """fill_doc's work on one docstring (left as it is without fields)."""
    if obj.__doc__ is None:  # python -OO, or no docstring
        return
    lines = []
    filled = False
    for line in inspect.cleandoc(obj.__doc__).splitlines():
        field = re.fullmatch(r"(\s*)\{(\w+)\}", line)
        if field is None or field.group(2) not in parts:
            lines.append(line)
            continue
        indent, name = field.groups()
        part = textwrap.dedent(parts[name]).strip("\n")
        lines.extend((indent + text).rstrip() for text in part.splitlines())
        filled = True
    if filled:
        obj.__doc__ = "\n".join(lines)


class _AvailableIf:
    def __init__(self, function: Callable[..., Any], check: Callable[[Any], Any]) -> None:
        self.function, self.check = function, check
        functools.update_wrapper(cast(Any, self), function)

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self.function
        if not self.check(instance):
            raise AttributeError(f"This {type(instance).__name__!r} has no attribute "
                                 f"{self.function.__name__!r}")
        return types.MethodType(self.function, instance)


class ParamsMixin:
    """get_params, set_params and a repr from the constructor's signature,
    and the fitted-state conventions shared by fnn's estimators (see the
    module docstring)."""

    #: Name of an attribute only a fit sets; None: scikit-learn's default
    #: rule (any attribute ending in "_").
    _fitted_marker: "str | None" = None

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name for name, p in signature.parameters.items()
            if name != "self" and p.kind != p.VAR_KEYWORD
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Get parameters for this estimator.

        Parameters
        ----------
        deep : bool, default=True
            Accepted for scikit-learn's protocol; fnn's estimators contain
            no other estimators, so the result is the same either way.

        Returns
        -------
        params : dict
            Parameter names (the constructor's arguments) mapped to their
            values, as passed to the constructor or to :meth:`set_params`.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: _Self, **params: Any) -> _Self:
        """Set the parameters of this estimator.

        The values are stored unchanged and checked when the next fit
        starts, as scikit-learn does.

        Parameters
        ----------
        **params : dict
            Estimator parameters, by constructor argument name.

        Returns
        -------
        self : estimator instance
            Estimator instance.

        Raises
        ------
        ValueError
            When a name is not one of the constructor's arguments.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}."
                )
            setattr(self, name, value)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        """Whether a fit has run (scikit-learn's check_is_fitted asks this)."""
        if self._fitted_marker is not None:
            return self._fitted_marker in self.__dict__
        return any(name.endswith("_") and not name.startswith("__") for name in vars(self))

    def _check_fitted(self) -> None:
        """Raise NotFittedError (also scikit-learn's) unless a fit has run."""
        if not self.__sklearn_is_fitted__():
            raise interoperable(NotFittedError)(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                "'fit' with appropriate arguments before using this estimator.")

    def _reset_feature_names(self, X: Any) -> None:
        """feature_names_in_ from X's column names at the start of a fit from
        scratch (a DataFrame whose column names are all strings), or no such
        attribute, as scikit-learn does."""
        names = feature_names_of(X)
        if names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = names

    @contextlib.contextmanager
    def _fitting(self) -> Iterator[None]:
        """Hold this estimator's fit lock: fits of one estimator run one at
        a time (a second thread's fit waits), while predictions go on
        reading the fitted state the last fit published.

        The lock is made on first use (dict.setdefault is atomic, so two
        threads get the same lock) and is left out of pickles and copies.
        """
        lock = self.__dict__.setdefault("_fit_lock", threading.RLock())
        with lock:
            yield

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_fit_lock", None)
        return state

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Write this estimator to ``path`` in fnn's model format.

        The file is an ``.npz`` archive with a JSON header that loading never
        executes (see :func:`fnn.load` and docs/model-format.md); it is
        written atomically, so a crash never leaves a torn file.

        Parameters
        ----------
        path : str or path-like
            Where to write; ``.fnn`` by convention.
        """
        _persistence.save(self, path)

    def __repr__(self) -> str:
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = []
        for name, value in self.get_params().items():
            default = defaults.get(name)
            try:
                same = bool(value == default) and type(value) is type(default)
            except (ValueError, TypeError):  # arrays compare element-wise
                same = False
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


class ClassifierMixin:
    """``score`` of fnn's classifiers: the accuracy of ``predict``."""

    if TYPE_CHECKING:
        def predict(self, X: Any) -> NDArray[Any]: ...

    def score(self, X: Any, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Return the mean accuracy on the given test data and labels.

        A multilabel model (an MLPClassifier fitted on a label-indicator
        matrix) scores the subset accuracy: a sample counts as right only
        when every one of its labels is.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples, as :meth:`predict` takes them.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels for `X` (a multilabel model's: a 0/1 indicator
            matrix with n_labels columns).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights: the accuracy is the weighted mean of the
            samples' correctness.

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` with respect to `y`.
        """
        return self._accuracy(self.predict(X), y, sample_weight)

    def _accuracy(self, predicted: NDArray[Any], y: ArrayLike,
                  sample_weight: ArrayLike | None) -> float:
        """The score of `predicted` labels (predict's output) against y:
        one label per sample here; a multilabel classifier overrides it."""
        return accuracy(predicted, y, sample_weight)
