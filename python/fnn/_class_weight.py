"""class_weight: the rules every fnn classifier shares.

- `balanced_weights`: the 'balanced' formula, ``n_samples / (n_classes *
  count(class))``, from the count of each class (the MLPs, SVC, Perceptron
  and fnn.distributed, which counts over all partitions).
- `checked_weight`: a weight a dict gives must be a finite number >= 0.
- `refuse_balanced_partial_fit`: 'balanced' needs the whole y, which
  partial_fit never sees (scikit-learn's message).
- `class_weights`: the weight of each class as scikit-learn's SVC and
  Perceptron read ``class_weight``, with the semantics and messages of
  ``sklearn.utils.compute_class_weight`` (without sample weights, as those
  estimators call it): None weighs every class 1; 'balanced' counts on y;
  a dict maps labels to weights, labels being matched as ``int(label)``
  when that converts (as scikit-learn does) and as strings otherwise.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _key(label: Any) -> int | str:
    try:
        return int(label)
    except (ValueError, TypeError):
        return str(label)


def balanced_weights(counts: ArrayLike) -> NDArray[np.float64]:
    """class_weight='balanced' from the number of samples of each class:
    ``n_samples / (n_classes * count)``, where n_classes counts the classes
    with samples; a class without samples weighs 0."""
    counts = np.asarray(counts)
    present = counts > 0
    weights = np.zeros(len(counts))
    weights[present] = counts.sum() / (present.sum() * counts[present].astype(np.float64))
    return weights


def checked_weight(key: Any, value: Any) -> Any:
    """value, the weight class_weight gives label `key`, unless it is not a
    finite number >= 0 (ValueError: weights scale a loss, a bound or a
    step)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(cast(Any, value)) or value < 0):
        raise ValueError(f"class_weight[{key!r}] must be finite and >= 0; got {value!r}.")
    return value


def refuse_balanced_partial_fit(class_weight: Any) -> None:
    """ValueError for class_weight='balanced' in partial_fit: one call sees
    only part of y (scikit-learn's message)."""
    if isinstance(class_weight, str):
        raise ValueError(
            "class_weight 'balanced' is not supported for partial_fit. In "
            "order to use 'balanced' weights, use "
            "compute_class_weight('balanced', classes=classes, y=y). In "
            "place of y you can use a large enough sample of the full "
            "training set target to properly estimate the class frequency "
            "distributions. Pass the resulting weights as the class_weight "
            "parameter.")


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
        return balanced_weights(counts)[np.searchsorted(y_classes, classes)]
    weights = np.ones(n_classes)
    unweighted = []
    for i, label in enumerate(classes):
        key = _key(label)
        if key in class_weight:
            weights[i] = checked_weight(key, class_weight[key])
        else:
            unweighted.append(key)
    if unweighted and n_classes - len(unweighted) != len(class_weight):
        raise ValueError(f"The classes, {np.array(unweighted).tolist()}, are not in "
                         "class_weight")
    return weights
