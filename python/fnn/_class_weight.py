"""class_weight as scikit-learn's SVC and Perceptron read it.

One function, `class_weights`, gives the weight of each class from the
estimator's ``class_weight`` parameter, with the semantics and messages of
``sklearn.utils.compute_class_weight`` (without sample weights, as those
estimators call it): None weighs every class 1; 'balanced' gives
``n_samples / (n_classes_in_y * count(class))`` counted on y; a dict maps
labels to weights, labels being matched as ``int(label)`` when that
converts (as scikit-learn does) and as strings otherwise.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _key(label: Any) -> int | str:
    try:
        return int(label)
    except (ValueError, TypeError):
        return str(label)


def class_weights(class_weight: Mapping[Any, float] | str | None,
                  classes: NDArray[Any], y: ArrayLike) -> NDArray[np.float64]:
    """Weights of `classes` (sorted unique labels) for training on labels y.

    Raises ValueError, with scikit-learn's messages, for labels of y that
    are not classes, for a dict that leaves
    some classes out while naming labels that are not classes, for
    'balanced' when a class has no sample in y, and (fnn's own rule, since
    the weights scale a bound or a step) for weights that are not finite
    numbers >= 0.
    """
    n_classes = len(classes)
    if not np.isin(np.unique(y), classes).all():
        raise ValueError("classes should include all valid labels that can be in y")
    if class_weight is None or len(class_weight) == 0:
        return np.ones(n_classes)
    if isinstance(class_weight, str):  # 'balanced'
        y_classes, y_index = np.unique(y, return_inverse=True)
        if not np.isin(classes, y_classes).all():
            raise ValueError("classes should have valid labels that are in y")
        counts = np.bincount(y_index.ravel(), minlength=len(y_classes))
        recip = counts.sum() / (len(y_classes) * counts.astype(np.float64))
        return recip[np.searchsorted(y_classes, classes)]
    weights = np.ones(n_classes)
    unweighted = []
    for i, label in enumerate(classes):
        key = _key(label)
        if key in class_weight:
            value = class_weight[key]
            if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                    or not np.isfinite(value) or value < 0):
                raise ValueError(f"class_weight[{key!r}] must be a finite number >= 0; "
                                 f"got {value!r}.")
            weights[i] = value
        else:
            unweighted.append(key)
    if unweighted and n_classes - len(unweighted) != len(class_weight):
        raise ValueError(f"The classes, {np.array(unweighted).tolist()}, are not in "
                         "class_weight")
    return weights
