"""Perceptron: the single step-output unit of the course notes (section 1.4),
trained by the perceptron rule, with scikit-learn's Perceptron API.

The estimator validates inputs and parameters, maps labels to class indices
and runs the epoch loop with its stopping rules; each epoch is one call into
fnncore._perceptron, which trains every one-vs-rest unit in one pass over
the data without the GIL.
"""
import warnings

import numpy as np

from fnncore import _perceptron

from ._base import ParamsMixin
from ._sklearn_compat import interoperable, sklearn_tags, warn_column_vector
from ._labels import LabelBinarizer, accuracy, as_label_array
from ._validation import check_bool as _check_bool
from ._validation import check_number as _check_number
from ._validation import (check_array, check_consistent_length, check_n_features,
                          check_random_state, check_sample_weight, float_dtype_of)
from .exceptions import ConvergenceWarning, NotFittedError


class Perceptron(ParamsMixin):
    """A linear threshold unit trained by the perceptron rule.

    The output is ``y = 1 if w . x + b > 0 else 0``.  For each example, in
    the order of the epoch, a mistake (``y != t``) triggers

        w <- w + eta0 (t - y) x,      b <- b + eta0 (t - y),

    and a correct output changes nothing.  With more than two classes, one
    unit per class is trained one-vs-rest (unit ``k`` has target
    ``t = [y == classes_[k]]``) and the prediction is the class with the
    largest ``decision_function``; two classes need one unit, whose target
    1 is ``classes_[1]``.

    The parameters, fitted attributes and methods are those of
    :class:`sklearn.linear_model.Perceptron` without regularisation.  With
    ``eta0`` and no penalty, scikit-learn's update (on labels -1/+1, "a
    mistake is a score of the wrong sign *or zero*") is the same step; the
    two differ only on an example scored exactly 0 whose target is 0, which
    the rule above leaves alone, as it predicts 0 for it (this always
    happens to the first example visited from zero weights).

    Parameters
    ----------
    fit_intercept : bool, default=True
        Learn the bias b; if False it stays 0.
    max_iter : int, default=1000
        Maximum number of epochs (passes over the training data).
    tol : float or None, default=1e-3
        Stopping rule for data the rule cannot separate.  A unit stops when
        its epoch loss (the perceptron criterion: the mean over the training
        examples of ``|w . x + b|`` on the examples it got wrong, as
        scikit-learn's Perceptron computes it, except that with
        ``sample_weight`` it is the weighted mean: a zero-weight example
        counts as absent, scikit-learn counts it) has not fallen below its best
        value minus ``tol`` for ``n_iter_no_change`` consecutive epochs.
        Independently, a unit always stops after an epoch without mistakes:
        its weights can no longer change.  With ``tol=None`` only that, and
        ``max_iter``, stop training.  Note that ``tol`` can stop a unit on
        separable data before it separates it (when mistakes are few and
        their scores small); use ``tol=None`` to run the rule to convergence.
    shuffle : bool, default=True
        Visit the examples in a new random order every epoch (drawn with
        ``random_state``, by shuffling the previous order in place).  All
        units share the order.  False visits them in the order given.
    eta0 : float, default=1.0
        Learning rate.  From zero initial weights it only scales w and b:
        the predictions do not depend on it.
    random_state : int, RandomState or None, default=None
        Seeds the shuffling.  (scikit-learn's default is 0, and it draws a
        different order for each one-vs-rest unit.)
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes' examples, as in scikit-learn: a dict maps a
        label to its weight (absent labels weigh 1); 'balanced' uses
        ``n_samples / (n_classes * counts)``, where with ``sample_weight``
        the counts are sums of weights (scikit-learn counts examples).  A
        step is scaled by the weight of the example's class, except that in
        one-vs-rest, as in scikit-learn, a unit's steps on the rest weigh 1.
    warm_start : bool, default=False
        ``fit`` starts from the previous weights (same classes and features).
    n_iter_no_change : int, default=5
        Epochs without improvement before ``tol`` stops a unit.

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
    n_iter_ : int
        Epochs run by the last fit (the most over the units) or 1 after
        ``partial_fit``.
    t_ : int
        Examples visited over all training, plus 1 (scikit-learn's count).
    mistakes_curve_ : list of int
        Mistakes (= steps taken) in each epoch of the last ``fit`` (or over
        all ``partial_fit`` calls), summed over the units still training.

    Notes
    -----
    Not implemented: scikit-learn's ``penalty``, ``alpha``, ``l1_ratio``,
    ``early_stopping``, ``validation_fraction``, ``verbose`` and ``n_jobs``;
    training runs in one thread.  Initial weights are zero.

    Examples
    --------
    >>> import numpy as np
    >>> import fnn
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    >>> fnn.Perceptron(tol=None).fit(X, [0, 0, 0, 1]).predict(X)   # AND
    array([0, 0, 0, 1])
    """

    _estimator_type = "classifier"

    def __sklearn_tags__(self):
        return sklearn_tags("classifier")

    def __init__(self, *, fit_intercept=True, max_iter=1000, tol=1e-3, shuffle=True,
                 eta0=1.0, random_state=None, class_weight=None, warm_start=False,
                 n_iter_no_change=5):
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.eta0 = eta0
        self.random_state = random_state
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.n_iter_no_change = n_iter_no_change

    # ------------------------------------------------------------------
    # Parameters and state
    # ------------------------------------------------------------------
    def _validate_params(self):
        _check_bool("fit_intercept", self.fit_intercept)
        _check_number("max_iter", self.max_iter, low=1, integer=True)
        if self.tol is not None:
            _check_number("tol", self.tol, low=0)
        _check_bool("shuffle", self.shuffle)
        _check_number("eta0", self.eta0, low=0, low_open=True)
        if not np.isfinite(self.eta0):
            raise ValueError(f"eta0 must be finite; got {self.eta0!r}.")
        check_random_state(self.random_state)
        cw = self.class_weight
        if not (cw is None or isinstance(cw, dict)
                or (isinstance(cw, str) and cw == "balanced")):
            raise ValueError("class_weight must be None, 'balanced' or a dict "
                             f"{{label: weight}}; got {cw!r}.")
        _check_bool("warm_start", self.warm_start)
        _check_number("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)

    def _is_fitted(self):
        return "coef_" in self.__dict__

    def _check_fitted(self):
        if not self._is_fitted():
            raise interoperable(NotFittedError)(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                "'fit' with appropriate arguments before using this estimator.")

    @property
    def _n_units(self):
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _set_classes(self, labels, name, previous=None):
        """classes_ from labels (y, or partial_fit's classes); multilabel,
        continuous and single-class targets are refused, and so are classes
        other than `previous` when given."""
        binarizer = LabelBinarizer().fit(labels)
        if binarizer.y_type_ == "multilabel-indicator":
            raise ValueError(f"{name} is a 2-D label-indicator matrix; Perceptron "
                             "takes one label per sample (no multilabel).")
        if len(binarizer.classes_) < 2:
            raise ValueError(
                f"Perceptron needs samples of at least 2 classes; {name} has only "
                f"one class: {binarizer.classes_}.")
        if previous is not None and not np.array_equal(previous, binarizer.classes_):
            raise ValueError(
                "warm_start needs y to have the classes of the previous fit; "
                f"previously {previous}, now {binarizer.classes_}.")
        # One-vs-rest needs every class's index, including for two classes.
        binarizer.y_type_ = "multiclass"
        self._label_binarizer = binarizer
        self.classes_ = binarizer.classes_

    def _class_index(self, y):
        """Index into classes_ of every label of y (unknown labels raise)."""
        return np.argmax(self._label_binarizer.transform(y, np.int8), axis=1)

    def _unit_weights(self, y_index, sample_weight, incremental):
        """Per-unit weights of steps on target-1 and target-0 examples."""
        n_classes = len(self.classes_)
        cw = self.class_weight
        if cw is None:
            weights = np.ones(n_classes)
        elif isinstance(cw, str):
            if incremental:
                raise ValueError("class_weight='balanced' is not supported by "
                                 "partial_fit (the counts of the whole data are "
                                 "unknown); pass a dict of weights instead.")
            # Counted with the sample weights, so that weight k is k copies
            # of an example and weight 0 no example.  (A class of total
            # weight 0 gets an infinite weight that no step ever uses.)
            counts = np.bincount(y_index, weights=sample_weight, minlength=n_classes)
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                weights = counts.sum() / (n_classes * counts)
        else:
            weights = np.ones(n_classes)
            for label, weight in cw.items():
                match = np.flatnonzero(self.classes_ == label)
                if match.size == 0:
                    raise ValueError(f"class_weight has label {label!r}, which is not "
                                     f"one of the classes {self.classes_}.")
                _check_number(f"class_weight[{label!r}]", weight, low=0)
                weights[match[0]] = weight
        if n_classes == 2:
            return weights[1:], weights[:1]
        return weights, np.ones(n_classes)

    def _init_weights(self, n_features, dtype, coef_init, intercept_init):
        n_units = self._n_units
        W = np.zeros((n_units, n_features), dtype=dtype)
        b = np.zeros(n_units, dtype=dtype)
        if coef_init is not None:
            coef = check_array(coef_init, name="coef_init", dtype=dtype,
                               ndim=np.ndim(coef_init))
            if coef.size != W.size or coef.ndim not in (1, 2) or (
                    coef.ndim == 1 and n_units != 1):
                raise ValueError(f"coef_init has shape {coef.shape}; expected "
                                 f"{W.shape} for these classes and features.")
            W[...] = coef.reshape(W.shape)
        if intercept_init is not None:
            intercept = check_array(np.atleast_1d(intercept_init), name="intercept_init",
                                    dtype=dtype, ndim=1)
            if intercept.shape != b.shape:
                raise ValueError(f"intercept_init has shape {intercept.shape}; "
                                 f"expected {b.shape}.")
            b[...] = intercept
        return W, b

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Train the units on (X, y) from zero weights (or the given ones).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.
        coef_init : array-like of shape (n_units, n_features), default=None
            Initial weights (``(n_features,)`` is accepted for two classes).
        intercept_init : array-like of shape (n_units,), default=None
            Initial biases.
        sample_weight : array-like of shape (n_samples,), default=None
            Scales each example's step; zero-weight examples are skipped.

        Returns
        -------
        self
        """
        self._validate_params()
        if y is None:
            raise ValueError("Perceptron requires y to be passed, but the target y is None.")
        warm = self.warm_start and self._is_fitted()
        dtype = self.coef_.dtype if warm else float_dtype_of(X)
        X = check_array(X, dtype=dtype)
        warn_column_vector(y)
        y = as_label_array(y)
        check_consistent_length(X, y)
        if warm:
            check_n_features(X, self.n_features_in_, type(self).__name__)
        self._set_classes(y, "y", self.classes_ if warm else None)
        y_index = self._class_index(y)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        if warm and coef_init is None and intercept_init is None:
            W = np.array(self.coef_, dtype=dtype, order="C")
            b = np.array(self.intercept_, dtype=dtype)
        else:
            W, b = self._init_weights(X.shape[1], dtype, coef_init, intercept_init)
        self.n_features_in_ = X.shape[1]
        self.t_ = 1
        self.mistakes_curve_ = []
        self._train(X, y_index, sample_weight, W, b, self.max_iter, incremental=False)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            Required on the first call: every label any later call may hold.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        first = not self._is_fitted()
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to "
                                 "partial_fit.")
            self._set_classes(as_label_array(classes), "classes")
        elif classes is not None and not np.array_equal(
                np.unique(as_label_array(classes)), self.classes_):
            raise ValueError(f"classes={classes!r} differs from the classes of the "
                             f"first call, {self.classes_}.")
        dtype = float_dtype_of(X) if first else self.coef_.dtype
        X = check_array(X, dtype=dtype)
        warn_column_vector(y)
        y = as_label_array(y)
        check_consistent_length(X, y)
        if not first:
            check_n_features(X, self.n_features_in_, type(self).__name__)
        y_index = self._class_index(y)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        if first:
            W, b = self._init_weights(X.shape[1], dtype, None, None)
            self.n_features_in_ = X.shape[1]
            self.t_ = 1
            self.mistakes_curve_ = []
        else:
            W = np.array(self.coef_, dtype=dtype, order="C")
            b = np.array(self.intercept_, dtype=dtype)
        self._train(X, y_index, sample_weight, W, b, 1, incremental=True)
        return self

    def _train(self, X, y_index, sample_weight, W, b, max_iter, incremental):
        """Epochs of the perceptron rule on all units until each stops (see
        ``tol``); stores the weights and the fitted attributes."""
        n_samples = X.shape[0]
        n_units = W.shape[0]
        positive = (np.array([1], dtype=np.intp) if n_units == 1
                    else np.arange(n_units, dtype=np.intp))
        weight_pos, weight_neg = self._unit_weights(y_index, sample_weight, incremental)
        sw = np.empty(0, dtype=X.dtype) if sample_weight is None else sample_weight
        order = np.arange(n_samples, dtype=np.intp)
        if sample_weight is not None:
            # A zero-weight example changes nothing; skipping it also keeps
            # it from counting as a mistake forever.
            order = order[sample_weight > 0]
        rng = check_random_state(self.random_state)
        active = np.ones(n_units, dtype=np.uint8)
        mistakes = np.empty(n_units, dtype=np.intp)
        loss = np.empty(n_units, dtype=np.float64)
        epochs = np.zeros(n_units, dtype=np.intp)
        best_loss = np.full(n_units, np.inf)
        no_improvement = np.zeros(n_units, dtype=np.intp)
        y_index = np.ascontiguousarray(y_index, dtype=np.intp)
        # The stopping rule's mean loss is over the total weight, so that
        # zero-weight examples count as absent and weight k as k copies.
        total_weight = (n_samples if sample_weight is None
                        else float(sample_weight.sum(dtype=np.float64)))
        eta = float(self.eta0)
        for _ in range(max_iter):
            if self.shuffle:
                rng.shuffle(order)
            total = _perceptron.perceptron_epoch(
                X, y_index, sw, order, positive, weight_pos, weight_neg, active,
                W, b, eta, bool(self.fit_intercept), mistakes, loss)
            self.mistakes_curve_.append(int(total))
            training = active.astype(bool)
            epochs[training] += 1
            stop = mistakes == 0
            if self.tol is not None and not incremental:
                mean_loss = loss / total_weight
                worse = mean_loss > best_loss - self.tol
                no_improvement[training] = np.where(
                    worse, no_improvement + 1, 0)[training]
                best_loss[training] = np.minimum(best_loss, mean_loss)[training]
                stop |= no_improvement >= self.n_iter_no_change
            active[training & stop] = 0
            if not active.any():
                break
        with np.errstate(over="ignore", invalid="ignore"):
            finite = (np.isfinite(W).all() and np.isfinite(b).all()
                      and np.isfinite(X @ W.T + b).all())
        if not finite:
            # Finite weights can still give infinite scores on the training
            # data (float32 features near 1e30): refuse that model too.
            raise ValueError("Training overflowed: the weights or the scores became "
                             "infinite. Scale the input features or lower eta0 "
                             f"(now {self.eta0}).")
        self.coef_ = W
        self.intercept_ = b
        self.n_iter_ = int(epochs.max())
        self.t_ += self.n_iter_ * n_samples
        if active.any() and self.tol is not None and not incremental:
            warnings.warn(
                f"Maximum number of iterations ({max_iter}) reached before "
                f"convergence of {int(active.sum())} of the {n_units} units; "
                "consider increasing max_iter.", interoperable(ConvergenceWarning))

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def decision_function(self, X):
        """Scores ``w . x + b`` of each unit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (positive means
        ``classes_[1]``), else (n_samples, n_classes).
        """
        self._check_fitted()
        W = self.coef_
        if W.dtype not in (np.float32, np.float64):
            W = W.astype(np.float64)
        W = np.ascontiguousarray(W)
        b = np.ascontiguousarray(self.intercept_, dtype=W.dtype)
        X = check_array(X, dtype=W.dtype)
        check_n_features(X, self.n_features_in_, type(self).__name__)
        if W.shape != (self._n_units, self.n_features_in_) or b.shape != (W.shape[0],):
            raise ValueError(f"coef_ has shape {W.shape} and intercept_ {b.shape}; "
                             f"expected ({self._n_units}, {self.n_features_in_}) and "
                             f"({self._n_units},).")
        scores = np.empty((X.shape[0], W.shape[0]), dtype=W.dtype)
        _perceptron.decision_function(X, W, b, scores)
        return scores.ravel() if W.shape[0] == 1 else scores

    def predict(self, X):
        """Predicted class labels, shape (n_samples,): the unit's step output
        for two classes, the highest-scoring unit's class otherwise."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against y (weighted if given)."""
        return accuracy(self.predict(X), y, sample_weight)
