"""What scikit-learn's tools need to know about fnn's estimators.

scikit-learn (>= 1.6) asks an estimator for its tags through
``__sklearn_tags__``, and its meta-estimators ask for metadata routing
through ``get_metadata_routing``.  fnn does not import scikit-learn at run
time, so both are built here, on demand, only when scikit-learn itself asks
(or a user calls ``set_fit_request``), with scikit-learn's own code.
"""
import inspect
import warnings
from typing import Any

import numpy as np

from .exceptions import DataConversionWarning


def sklearn_tags(estimator_type: str, *, multi_output: bool = False,
                 multi_label: bool = False, poor_score: bool = False,
                 pairwise: bool = False, sparse: bool = False) -> Any:
    """scikit-learn Tags for one of fnn's estimators.

    Parameters
    ----------
    estimator_type : {'classifier', 'regressor'}
    multi_output : bool
        The estimator accepts 2-D targets.
    multi_label : bool
        A classifier that accepts multilabel indicator targets.
    poor_score : bool
        Default parameters do not reach scikit-learn's score thresholds on
        its tiny check data sets (e.g. a linear model on non-linear data).
    pairwise : bool
        X is a precomputed (n_samples, n_samples) kernel matrix rather than
        features (e.g. SVC with kernel='precomputed').
    sparse : bool
        The estimator accepts SciPy sparse input.
    """
    from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags

    return Tags(
        estimator_type=estimator_type,
        target_tags=TargetTags(required=True, multi_output=multi_output,
                               single_output=True),
        transformer_tags=None,
        classifier_tags=(ClassifierTags(multi_class=True, multi_label=multi_label,
                                        poor_score=poor_score)
                         if estimator_type == "classifier" else None),
        regressor_tags=(RegressorTags(poor_score=poor_score)
                        if estimator_type == "regressor" else None),
        input_tags=InputTags(two_d_array=True, sparse=sparse, allow_nan=False,
                             categorical=False, string=False, dict=False,
                             pairwise=pairwise),
    )


_BOTH: dict[type, type] = {}


def interoperable(fnn_class: type) -> Any:
    """The class to raise or warn with in place of `fnn_class`.

    Until scikit-learn is imported, that is `fnn_class` itself.  Once it is,
    it is a subclass of both `fnn_class` and scikit-learn's class of the same
    name in sklearn.exceptions (NotFittedError, ConvergenceWarning,
    DataConversionWarning), so that
    `except` clauses and warning filters written for either library catch it
    -- scikit-learn's own tools (check_is_fitted users, GridSearchCV, the
    estimator checks) included.
    """
    import sys

    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    sklearn_class = getattr(sklearn_exceptions, fnn_class.__name__, None)
    if sklearn_class is None:
        return fnn_class
    if fnn_class not in _BOTH:
        _BOTH[fnn_class] = type(fnn_class.__name__, (fnn_class, sklearn_class),
                                {"__module__": fnn_class.__module__,
                                 "__doc__": fnn_class.__doc__})
    return _BOTH[fnn_class]


def warn_column_vector(y: Any) -> None:
    """Warn, as scikit-learn's single-output estimators do, when y has shape
    (n_samples, 1): such an estimator reads it as the 1-D y it stands for,
    and the caller may have meant something else (e.g. a multi-output y
    that lost its other columns)."""
    if not hasattr(y, "shape"):
        try:
            y = np.asarray(y)
        except (ValueError, TypeError):
            return  # not an array at all: the label checks will say so
    if len(y.shape) == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. "
                      "Please change the shape of y to (n_samples,), for example "
                      "using ravel().", interoperable(DataConversionWarning),
                      stacklevel=3)


# ----------------------------------------------------------------------
# Metadata routing
# ----------------------------------------------------------------------
#: The methods scikit-learn routes metadata to (its SIMPLE_METHODS), named
#: here so that the request methods exist before scikit-learn is imported.
_ROUTED_METHODS = ("fit", "partial_fit", "predict", "predict_proba",
                   "predict_log_proba", "decision_function", "score", "split",
                   "transform", "inverse_transform")
#: Arguments that are data, never metadata (scikit-learn's rule).
_DATA_ARGUMENTS = {"X", "y", "Y", "Xt", "yt"}


def _metadata_of(cls: type, method: str) -> list[str] | None:
    """Names of the metadata `cls.method` takes (e.g. sample_weight), or
    None when the class has no such method."""
    function = getattr(cls, method, None)
    if not inspect.isfunction(function):
        return None
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return sorted(p.name for p in parameters if p.name not in _DATA_ARGUMENTS
                  and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def _sklearn_requester() -> Any:
    try:
        from sklearn.utils.metadata_routing import _MetadataRequester
    except ImportError:
        raise ImportError("metadata routing is scikit-learn's: install scikit-learn "
                          "to use set_{method}_request and get_metadata_routing.") from None
    return _MetadataRequester


class _RequestMethod:
    """``set_{method}_request``: scikit-learn's RequestMethod, made when it
    is first used.  Without scikit-learn the attribute does not exist."""

    def __init__(self, method: str, keys: list[str]) -> None:
        self.method, self.keys = method, keys

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        try:
            from sklearn.utils._metadata_requests import RequestMethod
        except ImportError:
            raise AttributeError(f"set_{self.method}_request needs scikit-learn "
                                 "(metadata routing is scikit-learn's).") from None
        return RequestMethod(self.method, self.keys).__get__(instance, owner)


class MetadataRequester:
    """Metadata routing for an fnn estimator, by scikit-learn's machinery.

    Subclasses get ``set_{method}_request`` for each of their methods that
    takes metadata (``fit(X, y, sample_weight=None)`` gives
    ``set_fit_request(sample_weight=...)``), and ``get_metadata_routing``;
    both run scikit-learn's code (``_MetadataRequester``, which
    ``BaseEstimator`` inherits), imported when first used.  So
    ``GridSearchCV`` with ``sklearn.set_config(enable_metadata_routing=True)``
    routes ``sample_weight`` to fnn's estimators as to its own, and fnn
    imports without scikit-learn.  To adopt it, list it before ParamsMixin
    in an estimator's bases.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for method in _ROUTED_METHODS:
            keys = _metadata_of(cls, method)
            if keys:
                setattr(cls, f"set_{method}_request", _RequestMethod(method, keys))

    @classmethod
    def _get_class_level_metadata_request_values(cls, method_name: str, method: Any = None,
                                                 ignore_params: Any = None) -> Any:
        requester = _sklearn_requester()
        return requester._get_class_level_metadata_request_values.__func__(
            cls, method_name, method, ignore_params)

    def _get_metadata_request(self) -> Any:
        return _sklearn_requester()._get_metadata_request(self)

    def get_metadata_routing(self) -> Any:
        """scikit-learn's MetadataRequest of this estimator: which metadata
        each method asks for (see scikit-learn's metadata routing guide)."""
        return self._get_metadata_request()
