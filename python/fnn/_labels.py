"""Class labels <-> the target matrix a classifier network trains on.

binary        -> one column of 0/1 (one sigmoid output); a single class is
                 binary too, with a column of 0 (scikit-learn's rule)
multiclass    -> one-hot columns    (softmax outputs)
multilabel    -> the 0/1 indicator matrix as given (one sigmoid per label)
"""
from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._validation import to_numpy, check_consistent_length, check_sample_weight


TargetType = Literal["binary", "multiclass", "multilabel-indicator"]


def target_type(y: NDArray[Any]) -> TargetType:
    """'binary', 'multiclass' or 'multilabel-indicator' for classifier
    targets; a ValueError for anything a classifier cannot learn."""
    if y.ndim == 2 and y.shape[1] > 1:
        if y.dtype.kind in "biuf" and np.isin(y, (0, 1)).all():
            return "multilabel-indicator"
        raise ValueError(
            "a 2-D y must be a 0/1 label-indicator matrix (multilabel); "
            f"got values {np.unique(y)[:5]}."
        )
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinity.")
        if (y != np.round(y)).any():
            raise ValueError(
                "Unknown label type: continuous. y looks like regression "
                "targets; use MLPRegressor, or pass class labels."
            )
    if y.dtype.kind == "c":
        raise ValueError("y has complex values; class labels must be real or strings.")
    return "binary" if len(unique_labels(y)) <= 2 else "multiclass"


def unique_labels(y: NDArray[Any]) -> NDArray[Any]:
    """np.unique(y), or a ValueError naming y when its labels cannot be
    ordered (e.g. strings mixed with numbers)."""
    try:
        return np.unique(y)
    except TypeError:
        raise ValueError("y mixes labels of types that cannot be sorted "
                         "(e.g. strings and numbers).") from None


def as_label_array(y: ArrayLike) -> NDArray[Any]:
    """y as a 1-D label array or a 2-D indicator matrix."""
    y = to_numpy(y, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim not in (1, 2) or y.shape[0] == 0:
        raise ValueError(f"y must be a non-empty 1-D array of labels; got shape {y.shape}.")
    if y.dtype.kind == "O":
        if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y.ravel()):
            raise ValueError("y contains missing labels (None or NaN).")
    return y


class LabelBinarizer:
    """Map labels to the network's target matrix and back.

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels (for multilabel, ``arange(n_labels)``).
    y_type_ : str
        'binary', 'multiclass' or 'multilabel-indicator'.
    """

    classes_: NDArray[Any]
    y_type_: TargetType

    def fit(self, y: ArrayLike) -> LabelBinarizer:
        """Learn the classes and the target type of labels y."""
        y = as_label_array(y)
        self.y_type_ = target_type(y)
        if self.y_type_ == "multilabel-indicator":
            self.classes_ = np.arange(y.shape[1])
        else:
            self.classes_ = unique_labels(y)
        return self

    @property
    def n_outputs(self) -> int:
        """Columns of the target matrix: 1 for binary, else one per class."""
        if self.y_type_ == "binary":
            return 1
        return len(self.classes_)

    def transform(self, y: ArrayLike, dtype: DTypeLike) -> NDArray[np.floating[Any]]:
        """The (n_samples, n_outputs) 0/1 target matrix of y."""
        y = as_label_array(y)
        if self.y_type_ == "multilabel-indicator":
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be a label-indicator matrix with {len(self.classes_)} "
                    f"columns; got shape {y.shape}."
                )
            return np.ascontiguousarray(y, dtype=dtype)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D; got shape {y.shape}.")
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if unseen.any():
            raise ValueError(
                f"y contains labels not seen before: {np.unique(y[unseen])[:5]}; "
                f"known classes are {self.classes_}."
            )
        if self.y_type_ == "binary":
            return (index == 1).astype(dtype).reshape(-1, 1)
        Y = np.zeros((len(y), len(self.classes_)), dtype=dtype)
        Y[np.arange(len(y)), index] = 1
        return Y

    def inverse_transform(self, P: NDArray[np.floating[Any]]) -> NDArray[Any]:
        """Labels from network outputs: argmax for multiclass, p > 0.5
        otherwise."""
        if self.y_type_ == "multiclass":
            return self.classes_[np.argmax(P, axis=1)]
        if self.y_type_ == "binary":
            if len(self.classes_) == 1:  # the one class, whatever the output
                return np.repeat(self.classes_, len(P))
            return self.classes_[(P.ravel() > 0.5).astype(np.intp)]
        return (P > 0.5).astype(int)


def accuracy(predicted: NDArray[Any], y: ArrayLike,
             sample_weight: ArrayLike | None = None) -> float:
    """Weighted fraction of `predicted` labels equal to the labels y, after
    checking that y is 1-D and as long as the predictions."""
    y = as_label_array(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample); got shape {y.shape}.")
    check_consistent_length(predicted, y)
    sw = check_sample_weight(sample_weight, len(y), np.float64)
    return float(np.average(predicted == y, weights=sw))
