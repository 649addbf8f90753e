"""Perceptron: the single step-output unit of the course notes (section 1.4),
trained by the perceptron rule exactly as scikit-learn's Perceptron trains
it (SGD on the perceptron loss), with its API.

The estimator validates inputs and parameters, maps labels to class indices,
draws the seeds and the early-stopping split as scikit-learn draws them, and
makes one call into fnncore._perceptron, which runs every one-vs-rest unit's
epochs and stopping rule without the GIL.
"""
import math
import numbers
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from fnncore import _perceptron

from . import _persistence as model_file
from ._base import N_JOBS, ClassifierMixin, ParamsMixin
from ._class_weight import class_weights, refuse_balanced_partial_fit
from ._fitted_state import (FittedState, current, drop_state, frozen, publish,
                            sources_of)
from ._labels import as_label_array, target_type, unique_labels
from ._parallel import available_cores
from ._param_validation import Interval, Options, validate_params
from ._sparse_rows import csr_rows
from ._sklearn_compat import (MetadataRequester, interoperable, sklearn_tags,
                              warn_column_vector)
from ._validation import (check_array, check_consistent_length, check_feature_names,
                          check_n_features, check_random_state, check_stratifiable,
                          feature_names_of, float_dtype_of, is_sparse)
from .exceptions import ConvergenceWarning

_MAX_INT = np.iinfo(np.int32).max
# Everything fit sets; a refit removes those it does not set this time.
_FITTED = ("coef_", "intercept_", "classes_", "n_features_in_", "feature_names_in_",
           "n_iter_", "t_", "mistakes_curve_")
_SOURCES = ("coef_", "intercept_", "classes_", "n_features_in_", "feature_names_in_")


def _approximate_mode(class_counts: NDArray[Any], n_draws: int,
                      rng: np.random.RandomState) -> NDArray[Any]:
    """scikit-learn's approximate mode of the multivariate hypergeometric
    (sklearn.utils.extmath._approximate_mode), drawing what it draws."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need_to_add)
            inds = rng.choice(inds, size=add_now, replace=False)
            floored[inds] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)


def _validation_mask(y_index: NDArray[Any], fraction: float, random_state: Any,
                     sample_mask: NDArray[Any]) -> NDArray[Any]:
    """The held-out examples of early stopping: scikit-learn's
    StratifiedShuffleSplit(test_size=fraction, random_state) split of
    y_index, draw for draw, with its errors."""
    n_samples = len(y_index)
    n_test = math.ceil(fraction * n_samples)
    n_train = n_samples - n_test
    if n_train == 0:
        raise ValueError(f"With n_samples={n_samples}, test_size={fraction} and "
                         "train_size=None, the resulting train set will be empty. "
                         "Adjust any of the aforementioned parameters.")
    classes, y_indices, class_counts = np.unique(y_index, return_inverse=True,
                                                 return_counts=True)
    check_stratifiable(class_counts, n_train, n_test,
                       lambda few: str(classes[few].tolist()))
    class_indices = np.split(np.argsort(y_indices.ravel(), kind="stable"),
                             np.cumsum(class_counts)[:-1])
    rng = check_random_state(random_state)
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train_rows: list[Any] = []
    test_rows: list[Any] = []
    for i in range(len(classes)):
        permutation = rng.permutation(class_counts[i])
        members = class_indices[i].take(permutation, mode="clip")
        train_rows.extend(members[:n_i[i]])
        test_rows.extend(members[n_i[i]:n_i[i] + t_i[i]])
    train = rng.permutation(train_rows)
    test = rng.permutation(test_rows)
    if not np.any(sample_mask[test]):
        raise ValueError("The sample weights for validation set are all zero, consider "
                         "using a different random state.")
    if len(train) == 0 or len(test) == 0:
        raise ValueError(
            f"Splitting {n_samples} samples into a train set and a validation set with "
            f"validation_fraction={fraction!r} led to an empty set ({len(train)} and "
            f"{len(test)} samples). Please either change validation_fraction, increase "
            "number of samples, or disable early_stopping.")
    mask = np.zeros(n_samples, dtype=np.uint8)
    mask[test] = 1
    return mask


def _frobenius(X: Any) -> float:
    """sqrt of the sum of X's squares, a bound on the norm of every row,
    computed without a copy of X (a dot product of its values)."""
    values = X.data if is_sparse(X) else X.reshape(-1)
    return float(np.sqrt(np.dot(values, values)))


def _scores(X: Any, W: Any, b: NDArray[Any]) -> NDArray[Any]:
    """(n_samples, n_units) scores X W^T + b of dense or CSR X, summed as
    training sums them (overflow left to the caller to see)."""
    scores = np.empty((X.shape[0], W.shape[0]), dtype=W.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        if is_sparse(X):
            _perceptron.decision_function(None, X.data, X.indices, X.indptr, W, b, scores)
        else:
            _perceptron.decision_function(X, None, None, None, W, b, scores)
    return scores


def _n_threads(n_jobs: int | None, n_units: int) -> int:
    """Threads for n_jobs as joblib counts them (None: 1; -1: all cores;
    -2: all but one), never more than the units or the cores."""
    if n_jobs is None:
        wanted = 1
    elif n_jobs < 0:
        wanted = max(1, available_cores() + 1 + n_jobs)
    else:
        wanted = n_jobs
    return int(max(1, min(wanted, n_units, available_cores())))


class Perceptron(ClassifierMixin, MetadataRequester, ParamsMixin):
    """A linear threshold unit trained by the perceptron rule.

    The prediction is ``classes_[1] if w . x + b > 0 else classes_[0]``.
    Training is scikit-learn's Perceptron (SGD on the perceptron loss with
    a constant learning rate), example for example: with labels y = +-1 and
    score p = w . x + b, an example with ``y p <= 0`` (a score of the wrong
    sign, or exactly 0, for either class) is a mistake, and triggers

        w <- w + eta0 y x,      b <- b + eta0 y,

    scaled by the example's class weight and sample weight; a correct one
    changes nothing.  With more than two classes, one unit per class is
    trained one-vs-rest (unit ``k`` labels +1 the examples of
    ``classes_[k]``) and the prediction is the class with the largest
    ``decision_function``.  Given the same data, parameters and seed the
    weights equal scikit-learn's (its per-class seeds, visiting orders,
    early-stopping split, stopping rules and arithmetic are reproduced),
    up to the rounding of the order in which a dense dot product is summed,
    which can flip a decision only for a score within rounding of 0.

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'} or None, default=None
        Regularisation, as scikit-learn's SGD applies it after each
        example: 'l2' shrinks w by ``1 - eta0 alpha (1 - l1_ratio)``, 'l1'
        truncates the example's weights towards 0 (cumulative penalty),
        'elasticnet' both.
    alpha : float, default=0.0001
        Strength of the penalty; >= 0.
    l1_ratio : float, default=0.15
        Share of L1 in 'elasticnet' (0: 'l2', 1: 'l1'); in [0, 1].
    fit_intercept : bool, default=True
        Learn the bias b; if False it stays at its initial value.
    max_iter : int, default=1000
        Maximum number of epochs (passes over the training data) of
        :meth:`fit`.
    tol : float or None, default=1e-3
        A unit stops after ``n_iter_no_change`` epochs whose objective
        (mean perceptron loss ``max(0, -y p)`` over the training examples,
        plus the penalty) did not fall below its best minus ``tol`` (with
        early stopping: whose validation accuracy did not exceed its best
        plus ``tol``).  None: only ``max_iter`` stops training.
    shuffle : bool, default=True
        Visit the examples in a new order every epoch; each unit shuffles
        with its own seed, as in scikit-learn.  False visits them in the
        order given.
    verbose : int, default=0
        Print scikit-learn's per-epoch lines ("-- Epoch 1", "Norm: ...,
        Avg. loss: ...").
    eta0 : float, default=1.0
        Learning rate; > 0.
    n_jobs : int or None, default=None
        Threads for the one-vs-rest units (None: 1, -1: all cores, -2 all
        but one), as scikit-learn's; at most 1024, and never more threads
        than units or cores.
    random_state : int, RandomState or None, default=0
        Seeds the shuffling and the early-stopping split, as in
        scikit-learn (so two default fits are identical).
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data
        (never trained on) and stop on its accuracy (see ``tol``).
    validation_fraction : float, default=0.1
        In (0, 1).
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping; >= 1.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes' examples, as in scikit-learn: a dict maps a
        label to its weight (absent labels weigh 1); 'balanced' uses
        ``n_samples / (n_classes * counts)`` counted on y.  In one-vs-rest,
        as in scikit-learn, a unit's steps on the rest weigh 1.
    warm_start : bool, default=False
        ``fit`` starts from the previous weights.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (any sortable type, strings included).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights, one row per unit; float32 if the training data was float32.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Biases.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X whose column names are all strings.
    n_iter_ : int
        Epochs of the last fit (the most over the units), or 1 after
        ``partial_fit``.
    t_ : int
        ``n_iter_ * n_samples + 1`` accumulated as scikit-learn does.
    mistakes_curve_ : list of int
        Mistakes (examples with ``y p <= 0``) in each epoch run over the
        data by the last ``fit`` (or over all ``partial_fit`` calls),
        summed over the units still training.  An epoch that changed no
        weight and cost nothing is repeated exactly by every later one:
        those later epochs count in ``n_iter_`` (scikit-learn runs them)
        but are not run, nor listed here.

    Notes
    -----
    Sparse X (any SciPy format) is trained on sparse rows: a step touches
    the example's nonzero weights only, and the intercept moves by 0.01 of
    the step, as in scikit-learn.

    Threads: a fitted Perceptron may predict from any number of threads
    while another thread fits it again.  A fit builds its weights aside and
    publishes them at the end; each prediction call reads one snapshot of
    the model and computes with it only, so it answers as the old or as
    the new model, never a mixture.  Two fits of one Perceptron run one
    after the other.  The compiled kernels never read the public
    attributes directly: a snapshot is built from them, with full
    validation, when one was replaced (an inconsistent one is a
    ValueError).

    Ctrl-C during fit stops training between two examples and keeps the
    weights as they stand, with a warning.  Scores that are not finite
    (finite weights times inputs near the floating-point limits) raise a
    ValueError instead of being returned; weights that stop being finite
    during training raise scikit-learn's ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> import fnn
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    >>> fnn.Perceptron(tol=None).fit(X, [0, 0, 0, 1]).predict(X)   # AND
    array([0, 0, 0, 1])
    """

    _estimator_type = "classifier"
    _fitted_marker = "coef_"

    # Set by fit (see Attributes above).
    coef_: Any  # ndarray, or a CSR matrix after sparsify()
    intercept_: NDArray[Any]
    classes_: NDArray[Any]
    n_features_in_: int
    feature_names_in_: NDArray[Any]
    n_iter_: int
    t_: int
    mistakes_curve_: list[int]

    _parameter_constraints = {
        "penalty": [Options(("l2", "l1", "elasticnet")), None],
        "alpha": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": [Interval(numbers.Integral, 0, None, closed="left"), "boolean"],
        "eta0": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "n_jobs": N_JOBS,
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "class_weight": [Options(("balanced",)), "dict", None],
        "warm_start": ["boolean"],
    }

    def __sklearn_tags__(self) -> Any:
        return sklearn_tags("classifier", sparse=True)

    def __getstate__(self) -> dict[str, Any]:
        return drop_state(super().__getstate__())

    def __init__(self, *, penalty: str | None = None, alpha: float = 0.0001,
                 l1_ratio: float = 0.15, fit_intercept: bool = True,
                 max_iter: int = 1000, tol: float | None = 1e-3, shuffle: bool = True,
                 verbose: int = 0, eta0: float = 1.0, n_jobs: int | None = None,
                 random_state: int | np.random.RandomState | None = 0,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 5,
                 class_weight: "dict[Any, float] | str | None" = None,
                 warm_start: bool = False) -> None:
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start

    def _validate_params(self) -> None:
        """Check the parameters against the table (the model files' loader
        calls this too)."""
        validate_params(self)

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def fit(self, X: Any, y: ArrayLike, coef_init: ArrayLike | None = None,
            intercept_init: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None) -> "Perceptron":
        """Train the units on (X, y) from zero weights (or the given ones).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.
        coef_init : array-like of shape (n_classes, n_features), default=None
            Initial weights (``(n_features,)`` or ``(1, n_features)`` for two
            classes).
        intercept_init : array-like of shape (n_classes,), default=None
            Initial biases.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies each example's step (negative weights step the other
            way, as in scikit-learn).

        Returns
        -------
        self
        """
        with self._fitting():
            trainer = frozen(self)
            if trainer.warm_start and "coef_" in self.__dict__:
                if coef_init is None:
                    coef_init = self.coef_
                if intercept_init is None:
                    intercept_init = self.intercept_
            attributes, state = trainer._train(X, y, None, coef_init, intercept_init,
                                               sample_weight, previous=None)
            publish(self, attributes, _FITTED, state)
        return self

    def partial_fit(self, X: Any, y: ArrayLike, classes: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None) -> "Perceptron":
        """One epoch over (X, y), continuing from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            Required on the first call: every label any later call may hold.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        with self._fitting():
            trainer = frozen(self)
            if "classes_" not in self.__dict__:
                if trainer.early_stopping:
                    raise ValueError("early_stopping should be False with partial_fit")
                refuse_balanced_partial_fit(trainer.class_weight)
            previous = dict(self.__dict__) if "coef_" in self.__dict__ else {}
            attributes, state = trainer._train(X, y, classes, None, None, sample_weight,
                                               previous=previous)
            publish(self, attributes, _FITTED, state)
        return self

    def _train(self, X: Any, y: Any, classes: Any, coef_init: Any, intercept_init: Any,
               sample_weight: Any,
               previous: dict[str, Any] | None) -> tuple[dict[str, Any], FittedState]:
        """The fitted attributes and their snapshot, built aside (self is
        the frozen copy that trains).  previous: None for fit; for
        partial_fit the estimator's attributes ({} before its first fit),
        from which training continues."""
        incremental = previous is not None
        previous = previous or None
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the "
                             "target y is None.")
        names = feature_names_of(X)
        if previous is not None:
            check_feature_names(previous.get("feature_names_in_"), X, type(self).__name__)
        dtype = float_dtype_of(X) if previous is None else np.dtype(previous["coef_"].dtype)
        X = csr_rows(X, dtype=dtype)
        if previous is not None:
            check_n_features(X, previous["n_features_in_"], type(self).__name__)
        warn_column_vector(y)
        y = as_label_array(y)
        if y.ndim != 1:
            raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} "
                             "instead.")
        check_consistent_length(X, y)
        target_type(y)
        classes_ = self._classes(y, classes, previous, incremental)
        n_classes = len(classes_)
        weights = class_weights(self.class_weight, classes_, y)
        if n_classes < 2:
            raise ValueError("The number of classes has to be greater than one; got "
                             f"{n_classes} class (y has only one class: "
                             f"{classes_.tolist()}).")
        y_index = np.ascontiguousarray(np.searchsorted(classes_, y), dtype=np.intp)
        sw = self._sample_weight(sample_weight, X.shape[0], X.dtype)
        n_units = 1 if n_classes == 2 else n_classes
        if previous is not None and coef_init is None:
            W = np.array(previous["coef_"].toarray() if is_sparse(previous["coef_"])
                         else previous["coef_"], dtype=dtype, order="C")
            b = np.array(previous["intercept_"], dtype=np.float64)
        else:
            W, b = self._initial_weights(n_units, X.shape[1], dtype, coef_init,
                                         intercept_init)
        binary = n_units == 1
        validation, seeds = self._draws(y_index, sw, binary, n_classes)
        positive = (np.array([1], dtype=np.intp) if binary
                    else np.arange(n_units, dtype=np.intp))
        weight_pos = np.ascontiguousarray(weights[1:] if binary else weights, dtype=dtype)
        weight_neg = np.ascontiguousarray(weights[:1] if binary else np.ones(n_units),
                                          dtype=dtype)
        penalty = _perceptron.PENALTIES[self.penalty]
        l1_ratio = {0: 0.0, 1: 1.0, 2: 0.0, 3: float(self.l1_ratio)}[penalty]
        max_iter = 1 if incremental else int(self.max_iter)
        n_iter = np.zeros(n_units, dtype=np.intp)
        sparse = is_sparse(X)
        curves, interrupted = _perceptron.fit_units(
            None if sparse else X, X.data if sparse else None,
            X.indices if sparse else None, X.indptr if sparse else None,
            y_index, sw, validation, positive, weight_pos, weight_neg, seeds, W, b,
            penalty, float(self.alpha), l1_ratio, float(self.eta0),
            bool(self.fit_intercept), 0.01 if sparse else 1.0, max_iter,
            -np.inf if self.tol is None else float(self.tol), int(self.n_iter_no_change),
            bool(self.shuffle), bool(self.early_stopping), int(self.verbose),
            _n_threads(self.n_jobs, n_units),
            threading.current_thread() is threading.main_thread(), n_iter)
        if interrupted:
            warnings.warn("Training interrupted by user.", stacklevel=3)
        self._check_training_scores(X, W, b.astype(dtype))
        n_epochs = int(n_iter.max())
        curve = np.zeros(max(len(c) for c in curves), dtype=np.int64)
        for c in curves:
            curve[:len(c)] += c
        t_start = 1 if previous is None else previous["t_"]
        attributes = {
            "coef_": W, "intercept_": b.astype(dtype), "classes_": classes_,
            "n_features_in_": int(X.shape[1]), "n_iter_": n_epochs,
            "t_": int(t_start + n_epochs * X.shape[0]),
            "mistakes_curve_": ((list(previous["mistakes_curve_"]) if previous else [])
                                + curve.tolist()),
        }
        if previous is not None and "feature_names_in_" in previous:
            attributes["feature_names_in_"] = previous["feature_names_in_"]
        elif previous is None and names is not None:
            attributes["feature_names_in_"] = names
        if (not incremental and not interrupted and self.tol is not None
                and n_epochs == self.max_iter):
            warnings.warn("Maximum number of iteration reached before convergence. "
                          "Consider increasing max_iter to improve the fit.",
                          interoperable(ConvergenceWarning), stacklevel=3)
        return attributes, self._state(attributes)

    def _check_training_scores(self, X: Any, W: NDArray[Any], b: NDArray[Any]) -> None:
        """Refuse finite weights whose scores on the training data overflow
        the dtype (float32 features near 1e30): such a model could only
        answer with infinities.  |w . x + b| <= |w| |x| + |b| settles it
        without a pass over the data unless that bound is out of range."""
        big = np.finfo(W.dtype).max / 16
        with np.errstate(over="ignore", invalid="ignore"):
            bound = (_frobenius(X)
                     * np.sqrt(np.einsum("ij,ij->i", W, W, dtype=np.float64)).max()
                     + np.abs(b).max())
        if np.isfinite(bound) and bound < big:
            return
        if not np.isfinite(_scores(X, W, b)).all():
            raise ValueError("Training overflowed: the scores on the training data are "
                             "not finite. Scale the input features or lower eta0 "
                             f"(now {self.eta0}).")

    @staticmethod
    def _classes(y: NDArray[Any], classes: Any, previous: dict[str, Any] | None,
                 incremental: bool) -> NDArray[Any]:
        """classes_ as scikit-learn sets it: y's labels in fit, `classes` on
        the first partial_fit (required), the same ones afterwards."""
        if previous is None:
            if not incremental:
                return unique_labels(y)
            if classes is None:
                raise ValueError("classes must be passed on the first call to "
                                 "partial_fit.")
            return unique_labels(as_label_array(classes))
        if classes is not None and not np.array_equal(
                previous["classes_"], unique_labels(as_label_array(classes))):
            raise ValueError(f"`classes={classes!r}` is not the same as on last call to "
                             f"partial_fit, was: {previous['classes_']!r}")
        return previous["classes_"]

    @staticmethod
    def _sample_weight(sample_weight: Any, n_samples: int,
                       dtype: DTypeLike) -> NDArray[Any]:
        """scikit-learn's _check_sample_weight: ones for None, a number
        broadcast, else a finite 1-D array of n_samples (negative weights
        allowed); all zero is refused."""
        if sample_weight is None:
            return np.ones(n_samples, dtype=dtype)
        if isinstance(sample_weight, numbers.Number):
            sw = np.full(n_samples, sample_weight, dtype=dtype)
        else:
            sw = np.asarray(sample_weight)
            if sw.ndim != 1:
                raise ValueError(f"Sample weights must be 1D array or scalar, got "
                                 f"{sw.ndim}D array. Expected either a scalar value or a "
                                 f"1D array of length {n_samples}. (sample_weight must "
                                 "be 1-D.)")
            sw = check_array(sw, name="sample_weight", dtype=dtype, ndim=1,
                             allow_empty=True)
            if sw.shape != (n_samples,):
                raise ValueError(f"sample_weight.shape == {sw.shape}, expected "
                                 f"{(n_samples,)}! (sample_weight has {sw.shape[0]} "
                                 f"entries for {n_samples} samples.)")
        if not sw.any():
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return sw

    def _initial_weights(self, n_units: int, n_features: int, dtype: DTypeLike,
                         coef_init: Any,
                         intercept_init: Any) -> tuple[NDArray[Any], NDArray[Any]]:
        """Zeros, or coef_init / intercept_init checked as scikit-learn's
        _allocate_parameter_mem checks them."""
        W = np.zeros((n_units, n_features), dtype=dtype)
        b = np.zeros(n_units)
        if coef_init is not None:
            coef = check_array(coef_init.toarray() if is_sparse(coef_init) else coef_init,
                               name="coef_init", dtype=dtype, ndim=np.ndim(coef_init),
                               allow_empty=True)
            shapes = f"(coef_init has shape {coef.shape}; expected {W.shape})"
            if n_units > 1:
                if coef.shape != (n_units, n_features):
                    raise ValueError(f"Provided ``coef_`` does not match dataset. {shapes}")
            elif coef.ravel().shape != (n_features,):
                raise ValueError(f"Provided coef_init does not match dataset. {shapes}")
            W[...] = coef.reshape(W.shape)
        if intercept_init is not None:
            intercept = check_array(np.asarray(intercept_init), name="intercept_init",
                                    dtype=dtype, ndim=np.ndim(intercept_init),
                                    allow_empty=True)
            if (n_units > 1 and intercept.shape != (n_units,)) or (
                    n_units == 1 and intercept.shape not in ((1,), ())):
                raise ValueError("Provided intercept_init does not match dataset.")
            b[...] = intercept.reshape(b.shape)
        return W, b

    def _draws(self, y_index: NDArray[Any], sw: NDArray[Any], binary: bool,
               n_classes: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """The early-stopping mask and the units' shuffle seeds, drawn from
        random_state in scikit-learn's order (its make_dataset draw, the
        stratified split, then the seeds; per class for one-vs-rest)."""
        n = len(y_index)

        def split() -> NDArray[Any]:
            if not self.early_stopping:
                return np.zeros(n, dtype=np.uint8)
            return _validation_mask(y_index, self.validation_fraction,
                                    self.random_state, sw > 0)

        if binary:
            rng = check_random_state(self.random_state)
            rng.randint(1, np.iinfo(np.int32).max)   # make_dataset's seed
            mask = split()
            return mask, np.array([rng.randint(_MAX_INT)], dtype=np.uint32)
        mask = split()
        rng = check_random_state(self.random_state)
        seeds = []
        for unit_seed in rng.randint(_MAX_INT, size=n_classes):
            unit_rng = np.random.RandomState(unit_seed)
            unit_rng.randint(1, np.iinfo(np.int32).max)   # make_dataset's seed
            seeds.append(unit_rng.randint(_MAX_INT))
        return mask, np.array(seeds, dtype=np.uint32)

    # ------------------------------------------------------------------
    # The snapshot prediction reads
    # ------------------------------------------------------------------
    def _state(self, attributes: dict[str, Any]) -> FittedState:
        return FittedState(
            sources_of(attributes, _SOURCES), W=attributes["coef_"],
            b=attributes["intercept_"], classes=attributes["classes_"],
            n_features=attributes["n_features_in_"],
            feature_names=attributes.get("feature_names_in_"))

    def _state_from_attributes(self) -> FittedState:
        """A snapshot from the public attributes, validated: they may come
        from a model file, an unpickled object or a user's assignment."""
        attrs = self.__dict__
        self._check_fitted()
        coef = attrs["coef_"]
        coef = coef.toarray() if is_sparse(coef) else coef
        try:
            classes = np.asarray(attrs["classes_"])
            W = np.asarray(coef)
            b = np.atleast_1d(np.asarray(attrs["intercept_"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"This {type(self).__name__} is missing fitted attributes "
                             f"or has invalid ones ({exc!r}); fit it again.") from None
        n_units = 1 if len(classes) == 2 else len(classes)
        n_features = attrs.get("n_features_in_", W.shape[-1] if W.ndim else 0)
        if classes.ndim != 1 or len(classes) < 2:
            raise ValueError("classes_ must list at least two classes.")
        if (isinstance(n_features, bool) or not isinstance(n_features, numbers.Integral)
                or W.shape != (n_units, n_features) or b.shape != (n_units,)):
            raise ValueError(f"coef_ has shape {W.shape} and intercept_ {b.shape}; "
                             f"classes_ and n_features_in_ need ({n_units}, "
                             f"{n_features}) and ({n_units},).")
        dtype = W.dtype if W.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        W = np.ascontiguousarray(W, dtype=dtype)
        b = np.ascontiguousarray(b, dtype=dtype)
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError("coef_ and intercept_ must be finite.")
        state = FittedState(sources_of(attrs, _SOURCES), W=W, b=b, classes=classes,
                            n_features=int(n_features),
                            feature_names=attrs.get("feature_names_in_"))
        return state

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _decision(self, X: Any) -> tuple[NDArray[Any], Any]:
        """(n_samples, n_units) scores and the snapshot they come from."""
        state = current(self, self._state_from_attributes)
        check_feature_names(state.feature_names, X, type(self).__name__)
        W = state.W
        X = csr_rows(X, dtype=W.dtype)
        check_n_features(X, state.n_features, type(self).__name__)
        b = state.b
        if W.shape != (b.shape[0], X.shape[1]):
            # Values changed in place are fine; a shape cannot change in place.
            raise ValueError("coef_ and intercept_ do not match the model's layout.")
        scores = _scores(X, W, b)
        if not np.isfinite(scores).all():
            raise ValueError(
                "The decision values are not finite: the input's values are too large "
                "for this model's weights (the scores overflow the floating-point "
                "range). Scale the input as the training data was scaled.")
        return scores, state

    def decision_function(self, X: Any) -> NDArray[Any]:
        """Scores ``w . x + b`` of each unit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (positive means
        ``classes_[1]``), else (n_samples, n_classes).

        Raises
        ------
        ValueError
            If a score is not finite (see the class notes).
        """
        scores, _ = self._decision(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict class labels for samples in X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data matrix for which we want to get the predictions.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predicted class of each sample, of the dtype of
            ``classes_``: with two classes ``classes_[1]`` where the score
            is positive and ``classes_[0]`` otherwise; with more, the class
            of the highest-scoring unit (the first on ties).

        Raises
        ------
        ValueError
            If a score is not finite (see the class notes).
        """
        scores, state = self._decision(X)
        if scores.shape[1] == 1:
            return state.classes[(scores[:, 0] > 0).astype(np.intp)]
        return state.classes[np.argmax(scores, axis=1)]

    def densify(self) -> "Perceptron":
        """Convert the ``coef_`` matrix to a dense ndarray (after
        :meth:`sparsify`); a dense one is left as it is.

        Returns
        -------
        self
            Fitted estimator.
        """
        return self._coef_as(lambda coef: coef.toarray() if is_sparse(coef) else coef)

    def sparsify(self) -> "Perceptron":
        """Convert the ``coef_`` matrix to a scipy.sparse CSR matrix.

        Worth it when most weights are 0 (e.g. with penalty='l1');
        predictions are unchanged, and :meth:`densify` converts back.

        Returns
        -------
        self
            Fitted estimator.
        """
        import scipy.sparse as sp

        return self._coef_as(lambda coef: coef if is_sparse(coef) else sp.csr_matrix(coef))

    def _coef_as(self, convert: Callable[[Any], Any]) -> "Perceptron":
        with self._fitting():
            self._check_fitted()
            self.coef_ = convert(self.coef_)
        return self

    # ------------------------------------------------------------------
    # Model files (fnn._persistence; docs/model-format.md)
    # ------------------------------------------------------------------
    #: The fitted attributes a file holds: name -> (kind, lower bound, may
    #: be None).
    _FILE_ATTRIBUTES = {
        "n_features_in_": ("int", 1, False),
        "n_iter_": ("int", 0, False),
        "t_": ("int", 0, False),
        "mistakes_curve_": ("numbers", None, False),
    }

    def _get_state(self) -> tuple[np.dtype[Any], dict[str, Any], dict[str, Any]]:
        """(dtype, state, arrays) of this fitted Perceptron for a model file;
        a sparse coef_ (after sparsify) is stored as CSR."""
        state: dict[str, Any] = {
            "attributes": {k: getattr(self, k) for k in self._FILE_ATTRIBUTES}}
        arrays = {"intercept": self.intercept_}
        state["sparse_coef"] = model_file.store_matrix(arrays, "coef", self.coef_)
        model_file.store_classes(self.classes_, state, arrays)
        model_file.store_feature_names(self, arrays)
        return self.intercept_.dtype, state, arrays

    def _set_state(self, dtype: np.dtype[Any], state: dict[str, Any],
                   arrays: dict[str, Any]) -> None:
        """Restore this fresh Perceptron from a model file's state, checking
        every value (ValueError)."""
        mf = model_file
        # sparse_coef: absent from files written before sparsify() was saved.
        mf.check_fields(state, ["attributes", "labels_object"], ["sparse_coef"])
        attributes = mf.check_attributes(state, self._FILE_ATTRIBUTES)
        if any(type(m) is not int or m < 0 for m in attributes["mistakes_curve_"]):
            raise ValueError("mistakes_curve_ must hold counts.")
        sparse = mf.check_value("sparse_coef", state.get("sparse_coef", False), "bool")
        arrays = dict(arrays)
        n_features = attributes["n_features_in_"]
        expected = mf.matrix_members("coef", sparse) | {"intercept", "classes"}
        if set(arrays) - {"feature_names_in"} != expected:
            raise ValueError(f"arrays {sorted(arrays)}; expected {sorted(expected)} "
                             "(and feature_names_in, optionally).")
        classes = mf.restore_classes(state, arrays)
        n_units = 1 if len(classes) == 2 else len(classes)
        coef = mf.restore_matrix(arrays, "coef", sparse, dtype, (n_units, n_features))
        intercept = mf.check_finite("intercept", mf.check_member_array(
            "intercept", arrays.pop("intercept"), dtype, (n_units,)))
        names = mf.restore_feature_names(arrays, n_features)
        if names is not None:
            self.feature_names_in_ = names
        self.classes_ = classes
        self.coef_, self.intercept_ = coef, intercept
        for name, value in attributes.items():
            setattr(self, name, value)


model_file.register(Perceptron)
