"""What scikit-learn's tools need to know about fnn's estimators.

scikit-learn (>= 1.6) asks an estimator for its tags through
``__sklearn_tags__``.  fnn does not import scikit-learn at run time, so the
tags are built here, on demand, only when scikit-learn itself asks.
"""
import warnings

import numpy as np

from .exceptions import DataConversionWarning


def sklearn_tags(estimator_type, *, multi_output=False, multi_label=False,
                 poor_score=False, pairwise=False, sparse=False):
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


_BOTH = {}


def interoperable(fnn_class):
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


def warn_column_vector(y):
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
