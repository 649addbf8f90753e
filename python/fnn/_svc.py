"""SVC: a kernel support vector classifier with scikit-learn's API, trained
by SMO in fnn's compiled core.

fit validates the data and parameters, groups the samples by class and makes
one call into fnncore._smo.fit_ovo, which trains every one-vs-one pair
without the GIL.  The result is laid out exactly as scikit-learn's (libsvm's)
SVC lays it out: support vectors grouped by class, ``dual_coef_`` of shape
(n_classes - 1, n_SV), one intercept per class pair, and the sign flip of the
binary case, so that code written against ``sklearn.svm.SVC`` reads the same
attributes.
"""
import threading
import warnings
from itertools import combinations

import numpy as np

from fnncore import _smo

from ._base import ParamsMixin
from ._labels import accuracy, as_label_array, target_type
from ._sklearn_compat import interoperable, sklearn_tags, warn_column_vector
from ._validation import check_bool as _check_bool
from ._validation import check_choice as _check_choice
from ._validation import check_number as _check_number
from ._validation import (check_array, check_consistent_length, check_n_features,
                          check_sample_weight)
from .exceptions import ConvergenceWarning, NotFittedError

_KERNELS = tuple(_smo.KERNELS)
_GAMMAS = ("scale", "auto")


def _pairs(n_classes):
    """(p, a, b) for every class pair a < b, p counting them in libsvm's
    order (0, 1), (0, 2), ..., (1, 2), ..."""
    return [(p, a, b) for p, (a, b) in enumerate(combinations(range(n_classes), 2))]


def _votes(dec, n_classes, zero_votes_first):
    """Each pair's vote from one-vs-one decision values: for its first class
    if the value is positive (or zero, with zero_votes_first), else for its
    second."""
    first = dec >= 0 if zero_votes_first else dec > 0
    votes = np.zeros((dec.shape[0], n_classes))
    for p, a, b in _pairs(n_classes):
        votes[:, a] += first[:, p]
        votes[:, b] += ~first[:, p]
    return votes


def _variance(X, sample_weight):
    """Variance of all the entries of X, each row counted sample_weight
    times (so a weight of 2 is the row twice and 0 is no row), in float64.
    Unweighted, it is X.var(), as in scikit-learn."""
    if sample_weight is None:
        return float(X.var(dtype=np.float64))
    w = sample_weight / sample_weight.sum()
    mean = float(w @ X.mean(axis=1, dtype=np.float64))
    return float(w @ np.square(np.subtract(X, mean, dtype=np.float64)).mean(axis=1))


def _ovr_from_ovo(dec, n_classes):
    """scikit-learn's one-vs-rest view of one-vs-one decision values: each
    class's votes plus its summed confidence squashed into (-1/3, 1/3), so
    that confidences break ties between votes but never overturn one."""
    confidence = np.zeros((dec.shape[0], n_classes))
    for p, a, b in _pairs(n_classes):
        confidence[:, a] += dec[:, p]
        confidence[:, b] -= dec[:, p]
    # scikit-learn counts a value of 0 as a vote for the pair's first class
    # here, where libsvm's predict counts it for the second.
    return (_votes(dec, n_classes, zero_votes_first=True)
            + confidence / (3 * (np.abs(confidence) + 1)))


class SVC(ParamsMixin):
    """C-support vector classifier (soft margin, kernel), trained by SMO.

    A drop-in for :class:`sklearn.svm.SVC`: the same parameters and
    defaults (those below), the same fitted attributes with the same shapes,
    order and signs, one-vs-one multiclass with libsvm's voting.  Training
    solves each pair's dual with sequential minimal optimisation
    (second-order working-set selection, as libsvm) in one compiled call.

    Parameters
    ----------
    C : float, default=1.0
        Penalty on the slack of the soft margin; > 0.  Each sample's bound
        is C times its class weight times its sample weight.
    kernel : {'linear', 'poly', 'rbf', 'sigmoid', 'precomputed'} or callable, \
            default='rbf'
        'precomputed': X is a Gram matrix, (n_samples, n_samples) in fit and
        (n_test, n_train) afterwards.  A callable ``k(X, Y)`` returns the Gram
        matrix between the rows of X and Y.
    degree : int, default=3
        Degree of 'poly'.
    gamma : {'scale', 'auto'} or float, default='scale'
        Coefficient of 'rbf', 'poly' and 'sigmoid': 'scale' is
        1 / (n_features * X.var()), 'auto' is 1 / n_features.  With a
        sample_weight, X.var() counts each row as often as its weight (so
        that integer weights give the gamma of the repeated rows; scikit-learn
        ignores the weights here).
    coef0 : float, default=0.0
        Constant term of 'poly' and 'sigmoid'.
    shrinking : bool, default=True
        Whether to use libsvm's shrinking heuristic (results agree to tol
        either way; it changes the time only).
    tol : float, default=1e-3
        Stop when the maximal violation of the optimality conditions is
        below tol.
    cache_size : float, default=200
        Size of the kernel-row cache in MB.
    class_weight : dict, 'balanced' or None, default=None
        Multiplies C per class; 'balanced' uses
        n_samples / (n_classes * count(class)), where with a sample_weight
        the counts are sums of weights (scikit-learn's SVC counts samples,
        weights ignored, as its LinearSVC does not).
    max_iter : int, default=-1
        Limit on SMO iterations per class pair, -1 for none.  Stopping at
        the limit sets ``fit_status_`` to 1 and warns with
        :class:`fnn.ConvergenceWarning`.
    decision_function_shape : {'ovr', 'ovo'}, default='ovr'
        Shape of :meth:`decision_function` for more than two classes.
    break_ties : bool, default=False
        With 'ovr' and more than two classes, predict the argmax of
        :meth:`decision_function` instead of the one-vs-one vote.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    support_ : ndarray of int32 (n_SV,)
        Indices of the support vectors in the training set, grouped by class.
    support_vectors_ : ndarray (n_SV, n_features)
        Empty (0, 0) for 'precomputed' and callable kernels.
    n_support_ : ndarray of int32 (n_classes,)
    dual_coef_ : ndarray (n_classes - 1, n_SV)
        y_i alpha_i laid out as libsvm (see the scikit-learn user guide).
    intercept_ : ndarray (n_classes (n_classes - 1) / 2,)
    coef_ : ndarray (n_classes (n_classes - 1) / 2, n_features)
        Primal weights, 'linear' kernel only.
    fit_status_ : int
        0 if every pair converged, 1 if max_iter stopped one.
    n_iter_ : ndarray of int32 (n_classes (n_classes - 1) / 2,)
        SMO iterations of each pair.
    class_weight_ : ndarray (n_classes,)
    n_features_in_ : int
    shape_fit_ : tuple
    """

    _is_classifier = True
    _estimator_type = "classifier"

    def __init__(self, *, C=1.0, kernel="rbf", degree=3, gamma="scale", coef0=0.0,
                 shrinking=True, tol=1e-3, cache_size=200, class_weight=None,
                 max_iter=-1, decision_function_shape="ovr", break_ties=False):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties

    def __sklearn_tags__(self):
        return sklearn_tags("classifier", pairwise=self.kernel == "precomputed")

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------
    def _validate_params(self):
        _check_number("C", self.C, low=0, low_open=True)
        if not callable(self.kernel):
            _check_choice("kernel", self.kernel, _KERNELS)
        # The core takes a C int.
        _check_number("degree", self.degree, low=0, high=2**31 - 1, integer=True)
        if isinstance(self.gamma, str):
            _check_choice("gamma", self.gamma, _GAMMAS)
        else:
            _check_number("gamma", self.gamma, low=0)
        _check_number("coef0", self.coef0)
        if not np.isfinite(self.coef0):
            raise ValueError(f"coef0 must be finite; got {self.coef0!r}.")
        _check_bool("shrinking", self.shrinking)
        _check_number("tol", self.tol, low=0, low_open=True)
        _check_number("cache_size", self.cache_size, low=0, low_open=True)
        _check_number("max_iter", self.max_iter, low=-1, integer=True)
        _check_choice("decision_function_shape", self.decision_function_shape,
                      ("ovr", "ovo"))
        _check_bool("break_ties", self.break_ties)
        cw = self.class_weight
        if not (cw is None or isinstance(cw, dict)
                or (isinstance(cw, str) and cw == "balanced")):
            raise ValueError("class_weight must be None, 'balanced' or a dict "
                             f"{{label: weight}}; got {cw!r}.")

    def _class_weights(self, y_index, n_classes, sample_weight):
        cw = self.class_weight
        if cw is None:
            return np.ones(n_classes)
        if isinstance(cw, str):  # 'balanced'
            # Counted with the sample weights, so that weight k is k copies
            # of a sample and weight 0 no sample.
            counts = np.bincount(y_index, weights=sample_weight, minlength=n_classes)
            return counts.sum() / (n_classes * counts)
        weights = np.ones(n_classes)
        unknown = [label for label in cw if label not in set(self.classes_.tolist())]
        if unknown:
            raise ValueError(f"class_weight has labels {unknown} that are not in y; "
                             f"the classes are {self.classes_.tolist()}.")
        for label, w in cw.items():
            _check_number(f"class_weight[{label!r}]", w, low=0)
            weights[np.searchsorted(self.classes_, label)] = w
        return weights

    def _check_fitted(self):
        if "support_" not in self.__dict__:
            raise interoperable(NotFittedError)(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                "'fit' with appropriate arguments before using this estimator.")

    def _is_precomputed(self):
        return callable(self.kernel) or self.kernel == "precomputed"

    def _gram(self, X, name="X"):
        """The Gram matrix a callable kernel makes between X and the
        training samples."""
        K = check_array(self.kernel(X, self._X_fit), name=f"kernel({name}, X_fit)",
                        dtype=np.float64)
        expected = (X.shape[0], self._X_fit.shape[0])
        if K.shape != expected:
            raise ValueError(f"kernel({name}, X_fit) must return the Gram matrix of "
                             f"shape {expected}; the callable kernel returned {K.shape}.")
        return K

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Train the one-vs-one SVMs on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples,
            n_samples) for kernel='precomputed'
            float32 data is trained in float32, anything else in float64.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies C per sample; samples of weight 0 are left out.  An
            integer weight k is k copies of the sample: the copies' dual
            coefficients add up to one bounded by k C, so the optimum is the
            same (the solver's path, hence its answer within ``tol``, is
            not).

        Returns
        -------
        self
        """
        self._validate_params()
        if y is None:
            raise ValueError("SVC requires y to be passed, but the target y is None.")
        if callable(self.kernel):
            X_fit = check_array(X)
            self._X_fit = X_fit
            X = self._gram(X_fit)
        else:
            self.__dict__.pop("_X_fit", None)
            X = check_array(X)
        warn_column_vector(y)
        y = as_label_array(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (class labels); got shape {y.shape}. "
                             "SVC does not support multilabel targets.")
        target_type(y)
        check_consistent_length(X, y)
        n_samples = X.shape[0]
        if self._is_precomputed():
            self._check_gram(X)
        try:
            classes, y_index = np.unique(y, return_inverse=True)
        except TypeError:
            raise ValueError("y mixes labels of types that cannot be sorted "
                             "(e.g. strings and numbers).") from None
        if len(classes) < 2:
            raise ValueError("The number of classes has to be greater than one; "
                             f"y has only one class: {classes.tolist()}.")
        self.classes_ = classes
        sw = check_sample_weight(sample_weight, n_samples, np.float64)
        keep = np.ones(n_samples, dtype=bool) if sw is None else sw > 0
        counts = np.bincount(y_index[keep], minlength=len(classes))
        if (counts == 0).any():
            empty = classes[counts == 0].tolist()
            raise ValueError(f"classes {empty} have no sample with a positive "
                             "sample_weight.")
        with np.errstate(over="ignore", invalid="ignore"):
            self.class_weight_ = self._class_weights(y_index, len(classes), sw)
            C = self.C * self.class_weight_[y_index]
            if sw is not None:
                C = C * sw
        if (self.class_weight_ == 0).any():
            raise ValueError(
                f"class_weight is 0 for classes {classes[self.class_weight_ == 0].tolist()}"
                ": their samples could not take part in any pair's solution (and "
                "libsvm's offset would be infinite); leave them out of X instead.")
        if not np.isfinite(C).all():
            raise ValueError("C * class_weight * sample_weight overflows for some "
                             "samples; scale these parameters down.")

        self._gamma = self._gamma_value(X, sw)
        kernel = "precomputed" if callable(self.kernel) else self.kernel
        # Stable, so that within a class the samples keep their order, as in
        # libsvm: support_ then comes out sorted within each class.
        order = np.flatnonzero(keep)[np.argsort(y_index[keep], kind="stable")]
        start = np.concatenate([[0], np.cumsum(counts)])
        n_pairs = len(classes) * (len(classes) - 1) // 2
        coef = np.zeros((len(classes) - 1) * len(order))
        rho = np.empty(n_pairs)
        obj = np.empty(n_pairs)
        n_iter = np.empty(n_pairs, dtype=np.int64)
        status = _smo.fit_ovo(
            X, order.astype(np.intp), start.astype(np.intp), np.ascontiguousarray(C),
            _smo.KERNELS[kernel], int(self.degree), float(self._gamma),
            float(self.coef0), float(self.tol), int(self.max_iter),
            bool(self.shrinking), float(self.cache_size) * (1 << 20),
            coef, rho, obj, n_iter,
            check_signals=threading.current_thread() is threading.main_thread())
        if not (np.isfinite(coef).all() and np.isfinite(rho).all()):
            raise ValueError(
                "The dual coefficients or intercepts are not finite. The input data "
                "may contain large values and need to be preprocessed (e.g. with "
                "StandardScaler).")
        self._store_solution(X, order, start, coef, rho)
        self.fit_status_ = int(status)
        self.n_iter_ = n_iter.astype(np.int32)
        self._dual_objective = obj
        self.shape_fit_ = X.shape
        self.n_features_in_ = (self._X_fit.shape[1] if callable(self.kernel)
                               else X.shape[1])
        self._fit_dtype = X.dtype
        # A finite solution can still score the training data as +-inf (e.g.
        # float32 kernel values near 1e38 times a dual coefficient C):
        # refuse that model rather than predict from infinities.
        # (For a callable kernel, X here is already its Gram matrix.)
        if not callable(self.kernel):
            with np.errstate(over="ignore", invalid="ignore"):
                scores_finite = np.isfinite(self.decision_function(X)).all()
        else:
            scores_finite = True
        if not scores_finite:
            raise ValueError(
                "The decision values on the training data are not finite. The input "
                "data may contain large values and need to be preprocessed (e.g. "
                "with StandardScaler).")
        if status == 1:
            warnings.warn(
                f"Solver terminated early (max_iter={self.max_iter}). Consider "
                "pre-processing your data with StandardScaler or MinMaxScaler.",
                interoperable(ConvergenceWarning))
        return self

    def _check_gram(self, K):
        """A training Gram matrix must be square and symmetric: SMO reads
        K[i, j] from row i and K[j, i] from row j, and on a matrix that is
        not symmetric it can cycle for ever."""
        name = "X" if self.kernel == "precomputed" else "kernel(X, X)"
        if K.shape[0] != K.shape[1]:
            raise ValueError(f"{name} must be a square Gram matrix (n_samples, "
                             f"n_samples); got shape {K.shape}.")
        # Rounding in a product like A @ A.T may leave K asymmetric in the
        # last bits; that is harmless.  Compared tile by tile, which makes no
        # second n x n matrix and reads K in cache-sized pieces.
        tol = np.sqrt(np.finfo(K.dtype).eps) * max(float(np.abs(K).max()), 1e-300)
        n, B = K.shape[0], 256
        asymmetry = max(float(np.abs(K[r:r + B, c:c + B] - K[c:c + B, r:r + B].T).max())
                        for r in range(0, n, B) for c in range(r, n, B))
        if asymmetry > tol:
            raise ValueError(f"{name} must be a symmetric Gram matrix; |K - K.T| is "
                             f"up to {asymmetry:.3g}.")

    def _gamma_value(self, X, sample_weight):
        if self._is_precomputed():
            return 0.0
        if isinstance(self.gamma, str):
            if self.gamma == "auto":
                return 1.0 / X.shape[1]
            variance = _variance(X, sample_weight)
            return 1.0 / (X.shape[1] * variance) if variance != 0 else 1.0
        return float(self.gamma)

    def _store_solution(self, X, order, start, coef, rho):
        """libsvm's model layout from the solver's per-pair coefficients."""
        n_classes = len(self.classes_)
        n = len(order)
        # is_sv[k]: sample order[k] has a nonzero coefficient in some pair.
        is_sv = np.zeros(n, dtype=bool)
        blocks = []
        offset = 0
        for _, a, b in _pairs(n_classes):
            na, nb = start[a + 1] - start[a], start[b + 1] - start[b]
            block = coef[offset:offset + na + nb]
            offset += na + nb
            blocks.append((a, b, block))
            is_sv[start[a]:start[a + 1]] |= block[:na] != 0
            is_sv[start[b]:start[b + 1]] |= block[na:] != 0
        # Column of each sample among the support vectors (or -1).
        column = np.cumsum(is_sv) - 1
        dual_coef = np.zeros((n_classes - 1, int(is_sv.sum())))
        for a, b, block in blocks:
            na = start[a + 1] - start[a]
            for cls, row, values in ((a, b - 1, block[:na]), (b, a, block[na:])):
                span = np.arange(start[cls], start[cls + 1])
                sv = is_sv[span]
                dual_coef[row, column[span[sv]]] = values[sv]
        self.support_ = order[is_sv].astype(np.int32)
        self.n_support_ = np.array(
            [is_sv[start[c]:start[c + 1]].sum() for c in range(n_classes)],
            dtype=np.int32)
        if self._is_precomputed():
            self.support_vectors_ = np.empty((0, 0), dtype=X.dtype)
        else:
            self.support_vectors_ = X[self.support_]
        # libsvm's signs internally; the binary case shows them flipped, as
        # scikit-learn does, so that a positive decision means classes_[1].
        self._dual_coef_ = dual_coef
        self._intercept_ = -rho
        if n_classes == 2:
            self.dual_coef_ = -dual_coef
            self.intercept_ = rho.copy()
        else:
            self.dual_coef_ = dual_coef
            self.intercept_ = -rho

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _pair_weights(self):
        """(n_SV, n_pairs): pair (a, b)'s coefficients on its classes'
        support vectors, zero on the others."""
        n_classes = len(self.classes_)
        sv_start = np.concatenate([[0], np.cumsum(self.n_support_)])
        W = np.zeros((self._dual_coef_.shape[1], len(self._intercept_)))
        for p, a, b in _pairs(n_classes):
            span_a = slice(sv_start[a], sv_start[a + 1])
            span_b = slice(sv_start[b], sv_start[b + 1])
            W[span_a, p] = self._dual_coef_[b - 1, span_a]
            W[span_b, p] = self._dual_coef_[a, span_b]
        return W

    def _ovo_decision(self, X):
        """libsvm's (n_samples, n_pairs) decision values: positive favours
        the first class of the pair."""
        self._check_fitted()
        if callable(self.kernel):
            X = check_array(X, dtype=self._X_fit.dtype)
            check_n_features(X, self.n_features_in_, type(self).__name__)
            X = self._gram(X)
        else:
            X = check_array(X, dtype=self._fit_dtype)
        W = self._pair_weights()
        if self._is_precomputed():
            if X.shape[1] != self.shape_fit_[0]:
                raise ValueError(
                    f"X has {X.shape[1]} columns but a precomputed kernel needs one "
                    f"per training sample ({self.shape_fit_[0]}).")
            return X[:, self.support_].astype(np.float64) @ W + self._intercept_
        check_n_features(X, self.n_features_in_, type(self).__name__)
        dtype = self._fit_dtype
        out = np.empty((X.shape[0], W.shape[1]), dtype=dtype)
        _smo.decision_ovo(X, np.ascontiguousarray(self.support_vectors_, dtype=dtype),
                          W.astype(dtype), self._intercept_.astype(dtype),
                          _smo.KERNELS[self.kernel], int(self.degree),
                          float(self._gamma), float(self.coef0), out)
        return out

    def decision_function(self, X):
        """Decision values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples,
            n_train) for kernel='precomputed'

        Returns
        -------
        ndarray
            (n_samples,) for two classes (positive means ``classes_[1]``);
            otherwise (n_samples, n_classes) with
            decision_function_shape='ovr' or (n_samples, n_classes *
            (n_classes - 1) / 2), one column per class pair (a, b), a < b,
            positive meaning a, with 'ovo'.
        """
        dec = self._ovo_decision(X)
        n_classes = len(self.classes_)
        if n_classes == 2:
            return -dec.ravel()
        if self.decision_function_shape == "ovr":
            return _ovr_from_ovo(dec, n_classes).astype(dec.dtype, copy=False)
        return dec

    def predict(self, X):
        """Class labels by one-vs-one voting (libsvm's: a pair's positive
        value votes for its first class, ties go to the lower class index).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples,
            n_train) for kernel='precomputed'

        Returns
        -------
        ndarray (n_samples,)
        """
        self._check_fitted()
        _check_bool("break_ties", self.break_ties)
        if self.break_ties and self.decision_function_shape == "ovo":
            raise ValueError("break_ties must be False when "
                             "decision_function_shape is 'ovo'.")
        n_classes = len(self.classes_)
        if self.break_ties and self.decision_function_shape == "ovr" and n_classes > 2:
            return self.classes_[np.argmax(self.decision_function(X), axis=1)]
        votes = _votes(self._ovo_decision(X), n_classes, zero_votes_first=False)
        return self.classes_[np.argmax(votes, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of predict(X) against y (weighted by
        sample_weight if given)."""
        return accuracy(self.predict(X), y, sample_weight)

    @property
    def coef_(self):
        """ndarray (n_classes (n_classes - 1) / 2, n_features): primal
        weights of each pair, for kernel='linear' only (read-only)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when using a linear kernel")
        self._check_fitted()
        coef = self._pair_weights().T @ self.support_vectors_.astype(np.float64)
        if len(self.classes_) == 2:
            coef = -coef
        coef.flags.writeable = False
        return coef
