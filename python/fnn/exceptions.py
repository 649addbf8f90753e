"""Warnings and errors fnn raises."""


class ConvergenceWarning(UserWarning):
    """Training stopped at max_iter before the stopping rule was met."""


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before fit; subclasses ValueError and
    AttributeError as scikit-learn's does."""


class DataConversionWarning(UserWarning):
    """The data was converted to the form the estimator needs (e.g. a
    column-vector y of shape (n_samples, 1) was read as 1-D)."""
