"""SVC: a kernel support vector classifier with scikit-learn's API, trained
by SMO in fnn's compiled core.

fit validates the data and parameters, groups the samples by class and makes
one call into fnncore._smo (fit_ovo, given dense samples, a Gram matrix or
a CSR matrix as they are), which trains every one-vs-one pair without the
GIL.  The result is laid out exactly as scikit-learn's (libsvm's) SVC lays
it out: support vectors grouped by class, ``dual_coef_`` of shape
(n_classes - 1, n_SV), one intercept per class pair, and the sign flip of the
binary case, so that code written against ``sklearn.svm.SVC`` reads the same
attributes.  Probability estimates follow libsvm step for step (the same
folds from the same random stream, the same sigmoid fit and coupling).

Prediction reads one snapshot of the fitted model per call (see
_fitted_state.py): the kernel code, its parameters and the arrays the
compiled decision function trusts.
"""
import numbers
import threading
import warnings
from collections.abc import Callable
from itertools import combinations
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from fnncore import _smo

from . import _persistence as model_file
from ._base import ClassifierMixin, ParamsMixin, available_if, fill_doc
from ._class_weight import class_weights
from ._fitted_state import (FittedState, current, drop_state, frozen, publish,
                            sources_of)
from ._labels import as_label_array, target_type
from ._param_validation import Interval, Options, validate_params
from ._sparse_rows import csr_rows
from ._sklearn_compat import (MetadataRequester, interoperable, sklearn_tags,
                              warn_column_vector)
from ._validation import (check_array, check_consistent_length, check_feature_names,
                          check_n_features, check_random_state, feature_names_of,
                          is_sparse)
from .exceptions import ConvergenceWarning, NotFittedError

_KERNELS = tuple(_smo.KERNELS)
_INT_MAX = np.iinfo(np.int32).max

# Everything fit sets; a refit removes those it does not set this time.
_FITTED = ("classes_", "class_weight_", "support_", "support_vectors_", "n_support_",
           "dual_coef_", "intercept_", "_dual_coef_", "_intercept_", "fit_status_",
           "n_iter_", "shape_fit_", "n_features_in_", "feature_names_in_", "_gamma",
           "_fit_dtype", "_dual_objective", "_probA", "_probB", "_sparse", "_X_fit")
# The public attributes a snapshot is built from.
_SOURCES = ("classes_", "support_", "support_vectors_", "n_support_", "_dual_coef_",
            "_intercept_", "shape_fit_", "n_features_in_", "feature_names_in_",
            "_gamma", "_fit_dtype", "_probA", "_probB", "_sparse", "_X_fit")

_ALTERED = "The internal representation of SVC was altered"


def _pairs(n_classes: int) -> list[tuple[int, int, int]]:
    """(p, a, b) for every class pair a < b, p counting them in libsvm's
    order (0, 1), (0, 2), ..., (1, 2), ..."""
    return [(p, a, b) for p, (a, b) in enumerate(combinations(range(n_classes), 2))]


def _votes(dec: NDArray[Any], n_classes: int, zero_votes_first: bool) -> NDArray[Any]:
    """Each pair's vote from one-vs-one decision values: for its first class
    if the value is positive (or zero, with zero_votes_first), else for its
    second."""
    first = dec >= 0 if zero_votes_first else dec > 0
    votes = np.zeros((dec.shape[0], n_classes))
    for p, a, b in _pairs(n_classes):
        votes[:, a] += first[:, p]
        votes[:, b] += ~first[:, p]
    return votes


def _ovr_from_ovo(dec: NDArray[Any], n_classes: int) -> NDArray[Any]:
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


def _pair_weights(dual_coef: Any, n_support: NDArray[Any]) -> NDArray[Any]:
    """(n_SV, n_pairs): pair (a, b)'s coefficients on its classes' support
    vectors, zero on the others (libsvm's layout of dual_coef, unflipped)."""
    n_classes = len(n_support)
    sv_start = np.concatenate([[0], np.cumsum(n_support)])
    W = np.zeros((dual_coef.shape[1], n_classes * (n_classes - 1) // 2))
    for p, a, b in _pairs(n_classes):
        span_a = slice(sv_start[a], sv_start[a + 1])
        span_b = slice(sv_start[b], sv_start[b + 1])
        W[span_a, p] = dual_coef[b - 1, span_a]
        W[span_b, p] = dual_coef[a, span_b]
    return W


def _kernel_decision(spec: Any, X: Any, vectors: Any, W: NDArray[Any],
                     intercept: NDArray[Any]) -> NDArray[Any]:
    """out = K(X, vectors) W + intercept, shape (n_samples, W.shape[1]).

    spec : (kind, code, degree, gamma, coef0); kind is 'dense' or 'sparse'
        (vectors dense rows or a canonical CSR matrix, of X's dtype) or
        'gram' (X holds the kernel values against the training samples and
        `vectors` the indices of the support vectors among them).
    """
    kind, code, degree, gamma, coef0 = spec
    if kind == "gram":
        return X[:, vectors].astype(np.float64) @ W + intercept
    dtype = X.dtype
    W = np.ascontiguousarray(W, dtype=dtype)
    intercept = np.ascontiguousarray(intercept, dtype=dtype)
    out = np.empty((X.shape[0], W.shape[1]), dtype=dtype)
    _smo.decision_ovo(X, vectors, W, intercept, code, degree, gamma, coef0, out)
    return out


class _LibsvmRandom:
    """libsvm's random stream in scikit-learn: a Mersenne Twister seeded
    with the fit's seed, reseeded whenever libsvm trains (so each class
    pair's fold shuffle starts the stream again), drawn through Lemire's
    bounded integers (_smo.libsvm_permutation).  NumPy's RandomState(seed)
    is the same generator with the same seeding."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        state = np.random.RandomState(self._seed).get_state(legacy=False)["state"]
        self._generator = np.random.MT19937()
        self._generator.state = {"bit_generator": "MT19937", "state": state}

    def permutation(self, n: int) -> NDArray[Any]:
        start = self._generator.state
        size = n + 16
        while True:
            perm = np.arange(n, dtype=np.intp)
            used = _smo.libsvm_permutation(self._generator.random_raw(size), perm)
            self._generator.state = start
            if used >= 0:
                self._generator.random_raw(used)
                return perm
            size *= 2   # rejections ran past the draws: draw more


# The X of SVC's prediction methods, written once (see fill_doc).
_PARAMETERS_X = ("Parameters\n----------\n"
                 "X : {array-like, sparse matrix} of shape (n_samples, n_features), or "
                 "(n_samples, n_train) for kernel='precomputed'")


@fill_doc(parameters_X=_PARAMETERS_X)
class SVC(ClassifierMixin, MetadataRequester, ParamsMixin):
    """C-support vector classifier (soft margin, kernel), trained by SMO.

    A drop-in for :class:`sklearn.svm.SVC` (scikit-learn 1.9): the same
    parameters, defaults and accepted values, the same fitted attributes
    with the same shapes, order and signs, one-vs-one multiclass with
    libsvm's voting, sparse input (any SciPy format) with sparse
    ``support_vectors_`` and ``dual_coef_``, and libsvm's probability
    estimates.  Training solves each pair's dual with sequential minimal
    optimisation (second-order working-set selection, as libsvm) in one
    compiled call.

    Parameters
    ----------
    C : float, default=1.0
        Penalty on the slack of the soft margin; > 0, ``np.inf`` for a hard
        margin.  Each sample's bound is C times its class weight times its
        sample weight.
    kernel : {'linear', 'poly', 'rbf', 'sigmoid', 'precomputed'} or callable, \
            default='rbf'
        'precomputed': X is a Gram matrix, (n_samples, n_samples) in fit and
        (n_test, n_train) afterwards.  A callable ``k(X, Y)`` returns the Gram
        matrix between the rows of X and Y (X is passed to it as given, so
        it may be any sequence the callable understands).
    degree : int, default=3
        Degree of 'poly'; >= 0.
    gamma : {'scale', 'auto'} or float, default='scale'
        Coefficient of 'rbf', 'poly' and 'sigmoid': 'scale' is
        1 / (n_features * X.var()) (for sparse X, E[X^2] - E[X]^2 over all
        entries), 'auto' is 1 / n_features, a float is used as given (>= 0).
        Sample weights do not enter it, as in scikit-learn.
    coef0 : float, default=0.0
        Constant term of 'poly' and 'sigmoid'.
    shrinking : bool, default=True
        Whether to use libsvm's shrinking heuristic (results agree to tol
        either way; it changes the time only).
    probability : bool, default='deprecated'
        Fit libsvm's probability model (5-fold cross-validation per class
        pair, then Platt's sigmoid) for :meth:`predict_proba`.  Deprecated
        in scikit-learn 1.9: any explicit value warns with a FutureWarning,
        as there; the default, 'deprecated', means False.
    tol : float, default=1e-3
        Stop when the maximal violation of the optimality conditions is
        below tol.
    cache_size : float, default=200
        Size of the kernel-row cache in MB.
    class_weight : dict, 'balanced' or None, default=None
        Multiplies C per class; 'balanced' uses
        n_samples / (n_classes * count(class)) counted on y (sample weights
        left out, as in scikit-learn).
    verbose : bool, default=False
        Print libsvm's summary of each class pair's optimisation.
    max_iter : int, default=-1
        Limit on SMO iterations per class pair, -1 for none.  Stopping at
        the limit sets ``fit_status_`` to 1 and warns with
        :class:`fnn.ConvergenceWarning`.
    decision_function_shape : {'ovr', 'ovo'}, default='ovr'
        Shape of :meth:`decision_function` for more than two classes.
    break_ties : bool, default=False
        With 'ovr' and more than two classes, predict the argmax of
        :meth:`decision_function` instead of the one-vs-one vote.
    random_state : int, RandomState or None, default=None
        Seeds the folds of the probability model (libsvm's generator, seeded
        as scikit-learn seeds it, so the folds are scikit-learn's).  One draw
        is made from it at every fit, as in scikit-learn.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    support_ : ndarray of int32 (n_SV,)
        Indices of the support vectors in the training set, grouped by class.
        (Samples of sample_weight <= 0 are left out of training, as by
        libsvm; the indices still count them.)
    support_vectors_ : ndarray or scipy.sparse.csr_matrix (n_SV, n_features)
        Sparse when fitted on sparse X.  Empty (0, 0) for 'precomputed' and
        callable kernels.
    n_support_ : ndarray of int32 (n_classes,)
    dual_coef_ : ndarray or scipy.sparse.csr_matrix (n_classes - 1, n_SV)
        y_i alpha_i laid out as libsvm (see the scikit-learn user guide);
        sparse when fitted on sparse X.
    intercept_ : ndarray (n_classes (n_classes - 1) / 2,)
    coef_ : ndarray or sparse matrix (n_classes (n_classes - 1) / 2, n_features)
        Primal weights, 'linear' kernel only (read-only).
    fit_status_ : int
        0 if every pair converged, 1 if max_iter (or Ctrl-C) stopped one.
    n_iter_ : ndarray of int32 (n_classes (n_classes - 1) / 2,)
        SMO iterations of each pair.
    class_weight_ : ndarray (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names of a DataFrame X whose column names are all strings.
    shape_fit_ : tuple
    probA_, probB_ : ndarray (n_classes (n_classes - 1) / 2,)
        The pairs' sigmoids (empty without probability); deprecated as in
        scikit-learn 1.9, reading them warns.

    Notes
    -----
    Threads: a fitted SVC may predict from any number of threads while
    another thread fits it again.  A fit builds its whole model aside and
    publishes it at the end; each prediction call reads one snapshot of the
    model and computes with it only, so it returns the answer of the old or
    of the new model, never a mixture.  Two fits of one SVC run one after
    the other.  The compiled kernels never read the public attributes
    directly: a snapshot is built from them, with full validation, when one
    was replaced (an inconsistent one is a ValueError), and the layout
    arrays ``support_`` and ``n_support_`` are checked on every call.

    Ctrl-C during fit stops training within milliseconds and keeps the
    model as it stands (the pairs solved, the interrupted one at its
    current, feasible point), with a warning and ``fit_status_`` 1.

    Decision values that are not finite (kernel values beyond the
    floating-point range, e.g. a 'linear' or 'poly' kernel on inputs near
    1e154 or 1e308) raise a ValueError instead of being returned or voted
    on.
    """

    _is_classifier = True
    _estimator_type = "classifier"
    _fitted_marker = "support_"

    # Set by fit (see Attributes above).
    classes_: NDArray[Any]
    support_: NDArray[np.int32]
    support_vectors_: Any  # ndarray or CSR matrix
    n_support_: NDArray[np.int32]
    dual_coef_: Any  # ndarray or CSR matrix
    intercept_: NDArray[np.float64]
    fit_status_: int
    n_iter_: NDArray[np.int32]
    class_weight_: NDArray[np.float64]
    n_features_in_: int
    feature_names_in_: NDArray[Any]
    shape_fit_: tuple[int, ...]

    # Bounds of np.inf where scikit-learn's have None: its open intervals
    # exclude infinity (C=np.inf is accepted, gamma=np.inf is not).
    _parameter_constraints = {
        "C": [Interval(numbers.Real, 0.0, np.inf, closed="right")],
        "kernel": [Options(_KERNELS), "callable"],
        "degree": [Interval(numbers.Integral, 0, None, closed="left")],
        "gamma": [Options(("scale", "auto")),
                  Interval(numbers.Real, 0.0, np.inf, closed="left")],
        "coef0": [Interval(numbers.Real, -np.inf, np.inf, closed="neither")],
        "shrinking": ["boolean"],
        "probability": ["boolean", Options(("deprecated",))],
        "tol": [Interval(numbers.Real, 0.0, np.inf, closed="neither")],
        "cache_size": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "class_weight": [Options(("balanced",)), "dict", None],
        "verbose": [Interval(numbers.Integral, 0, None, closed="left"), "boolean"],
        "max_iter": [Interval(numbers.Integral, -1, None, closed="left")],
        "decision_function_shape": [Options(("ovr", "ovo"))],
        "break_ties": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, *, C: float = 1.0, kernel: "str | Callable[..., Any]" = "rbf",
                 degree: int = 3, gamma: "str | float" = "scale", coef0: float = 0.0,
                 shrinking: bool = True, probability: "bool | str" = "deprecated",
                 tol: float = 1e-3, cache_size: float = 200,
                 class_weight: "dict[Any, float] | str | None" = None,
                 verbose: "bool | int" = False, max_iter: int = -1,
                 decision_function_shape: str = "ovr", break_ties: bool = False,
                 random_state: "int | np.random.RandomState | None" = None) -> None:
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.verbose = verbose
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        precomputed = isinstance(self.kernel, str) and self.kernel == "precomputed"
        return sklearn_tags("classifier", pairwise=precomputed, sparse=not precomputed)

    def __getstate__(self) -> dict[str, Any]:
        return drop_state(super().__getstate__())

    def _validate_params(self) -> None:
        """Check the parameters against the table, and the degree against
        the core's C int (the model files' loader calls this too)."""
        validate_params(self)
        if self.degree > _INT_MAX:
            raise ValueError(f"degree must be at most {_INT_MAX}; got {self.degree}.")

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def fit(self, X: Any, y: ArrayLike, sample_weight: ArrayLike | None = None) -> "SVC":
        """Train the one-vs-one SVMs on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), \
                or (n_samples, n_samples) for kernel='precomputed'
            float32 data is trained in float32, anything else in float64.
            Sparse matrices (any SciPy format) are trained on sparse; a
            precomputed kernel must be dense.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies C per sample; samples of weight <= 0 are left out, as
            libsvm does.

        Returns
        -------
        self
        """
        with self._fitting():
            attributes, state = frozen(self)._train(X, y, sample_weight)
            publish(self, attributes, _FITTED, state)
        return self

    def _train(self, X: Any, y: Any,
               sample_weight: Any) -> tuple[dict[str, Any], "_SVCState"]:
        """The fitted attributes and their snapshot, built aside (self is
        the frozen copy that trains)."""
        rng = check_random_state(self.random_state)
        kernel = self.kernel
        precomputed = callable(kernel) or kernel == "precomputed"
        if is_sparse(X) and not callable(kernel) and kernel == "precomputed":
            raise TypeError("Sparse precomputed kernels are not supported.")
        if y is None:
            raise ValueError("SVC requires y to be passed, but the target y is None.")
        names = None
        if callable(kernel):
            X_fit = X
            n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
            shape_fit = tuple(X.shape) if hasattr(X, "shape") else (n_samples,)
            X = self._gram(kernel, X, X_fit)
        else:
            X_fit = None
            names = feature_names_of(X)
            # Canonical rows: the kernel matrix is then exactly symmetric.
            X = csr_rows(X, canonical=True)
            n_samples = X.shape[0]
            shape_fit = X.shape
        sparse = is_sparse(X)
        warn_column_vector(y)
        y = as_label_array(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (class labels); got shape {y.shape}. "
                             "SVC does not support multilabel targets.")
        target_type(y)
        try:
            classes, y_index = np.unique(y, return_inverse=True)
        except TypeError:
            raise ValueError("y mixes labels of types that cannot be sorted "
                             "(e.g. strings and numbers).") from None
        y_index = y_index.ravel()
        class_weight = class_weights(self.class_weight, classes, y)
        if len(classes) < 2:
            raise ValueError("The number of classes has to be greater than one; got "
                             f"{len(classes)} class (y has only one class: "
                             f"{classes.tolist()}).")
        check_consistent_length(X, y)
        if self.probability != "deprecated":
            warnings.warn(
                "The `probability` parameter was deprecated in 1.9 and will be removed "
                "in version 1.11. Use `CalibratedClassifierCV(SVC(), ensemble=False)` "
                "instead of `SVC(probability=True)`", FutureWarning, stacklevel=3)
        probability = not isinstance(self.probability, str) and bool(self.probability)
        if kernel == "precomputed" or callable(kernel):
            self._check_gram(X, "X" if kernel == "precomputed" else "kernel(X, X)")
        sw = self._sample_weight(sample_weight, n_samples)
        if self.verbose:
            print("[LibSVM]", end="")
        # scikit-learn draws libsvm's seed at every fit.
        seed = rng.randint(np.iinfo("i").max)

        keep = np.ones(n_samples, dtype=bool) if sw is None else sw > 0
        counts = np.bincount(y_index[keep], minlength=len(classes))
        if (counts > 0).sum() < 2:
            raise ValueError("Invalid input - all samples with positive weights belong "
                             "to the same class.")
        if (counts == 0).any():
            raise ValueError(f"classes {classes[counts == 0].tolist()} have no sample "
                             "with a positive sample_weight.")
        if (class_weight == 0).any():
            raise ValueError(
                f"class_weight is 0 for classes {classes[class_weight == 0].tolist()}: "
                "their samples could not take part in any pair's solution (and "
                "libsvm's offset would be infinite); leave them out of X instead.")
        with np.errstate(over="ignore", invalid="ignore"):
            C = self.C * class_weight[y_index]
            if sw is not None:
                C = C * np.where(keep, sw, 1.0)
        if np.isfinite(self.C) and not np.isfinite(C).all():
            raise ValueError("C * class_weight * sample_weight overflows for some "
                             "samples; scale these parameters down.")

        gamma = self._gamma_value(X, precomputed, sparse)
        code = _smo.KERNELS["precomputed" if precomputed else kernel]
        spec = ("gram" if precomputed else "sparse" if sparse else "dense",
                code, int(self.degree), float(gamma), float(self.coef0))
        # Stable, so that within a class the samples keep their order, as in
        # libsvm: support_ then comes out sorted within each class.
        order = np.flatnonzero(keep)[np.argsort(y_index[keep], kind="stable")]
        start = np.concatenate([[0], np.cumsum(counts)])
        coef, rho, obj, n_iter, status, interrupted = self._solve(
            X, spec, order, start, C)
        if not (np.isfinite(coef).all() and np.isfinite(rho).all()):
            raise ValueError(
                "The dual coefficients or intercepts are not finite. The input data "
                "may contain large values and need to be preprocessed (e.g. with "
                "StandardScaler).")
        probA = probB = np.empty(0)
        if probability and not interrupted:
            try:
                probA, probB = self._platt(X, spec, order, start, C, seed)
            except KeyboardInterrupt:
                interrupted = True
                probA = probB = np.empty(0)
        if interrupted:
            warnings.warn("Training interrupted by user.", stacklevel=3)
            status = 1

        layout = self._layout(X, order, start, coef, rho, len(classes), sparse,
                              precomputed)
        support, n_support, vectors, dual_coef = layout
        n_classes = len(classes)
        attributes = {
            "classes_": classes, "class_weight_": class_weight,
            "support_": support, "n_support_": n_support,
            "support_vectors_": vectors,
            "_dual_coef_": dual_coef, "_intercept_": -rho,
            "fit_status_": int(status), "n_iter_": n_iter.astype(np.int32),
            "shape_fit_": shape_fit, "_gamma": gamma,
            "_fit_dtype": X.dtype,
            "_dual_objective": obj, "_probA": probA, "_probB": probB,
            "_sparse": sparse,
        }
        public_dual = -dual_coef if n_classes == 2 else dual_coef
        attributes["dual_coef_"] = _as_csr(public_dual) if sparse else public_dual
        attributes["intercept_"] = rho.copy() if n_classes == 2 else -rho
        if X_fit is not None:
            attributes["_X_fit"] = X_fit
            if hasattr(X_fit, "shape") and len(X_fit.shape) == 2:
                attributes["n_features_in_"] = int(X_fit.shape[1])
        else:
            attributes["n_features_in_"] = int(X.shape[1])
            if names is not None:
                attributes["feature_names_in_"] = names
        state = self._state(attributes, spec, kernel)
        if not precomputed:
            self._check_training_scores(state, X, order)
        if self.verbose:
            self._print_summary(coef, rho, obj, n_iter, C, order, start)
        if status == 1 and not interrupted:
            warnings.warn(
                f"Solver terminated early (max_iter={self.max_iter}).  Consider "
                "pre-processing your data with StandardScaler or MinMaxScaler.",
                interoperable(ConvergenceWarning), stacklevel=3)
        return attributes, state

    @staticmethod
    def _sample_weight(sample_weight: Any, n_samples: int) -> NDArray[Any] | None:
        """Finite sample weights of the right length, or None; negative ones
        are kept (they mean 'leave out', as 0 does)."""
        if sample_weight is None:
            return None
        if isinstance(sample_weight, numbers.Number):
            sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
        sw = check_array(np.asarray(sample_weight), name="sample_weight",
                         dtype=np.float64, ndim=1, allow_empty=True)
        if sw.shape[0] != n_samples:
            raise ValueError(f"sample_weight and X have incompatible shapes: "
                             f"{sw.shape} vs ({n_samples},): sample_weight has "
                             f"{sw.shape[0]} entries for {n_samples} samples.")
        if not (sw > 0).any():
            raise ValueError("Invalid input - all samples have zero or negative "
                             "weights.")
        return sw

    def _solve(self, X: Any, spec: Any, order: NDArray[Any], start: NDArray[Any],
               C: NDArray[Any], check_signals: Any = None) -> tuple[Any, ...]:
        """One call of the compiled solver on the samples `order` grouped by
        class (`start`): per-pair coefficients (zero-initialised, as the
        solver wants), offsets, objectives, iterations, status, and whether
        Ctrl-C stopped it (the outputs then hold the model as it stood)."""
        _, code, degree, gamma, coef0 = spec
        n_classes = len(start) - 1
        n_pairs = n_classes * (n_classes - 1) // 2
        coef = np.zeros(max((n_classes - 1) * len(order), 1))
        rho = np.zeros(n_pairs)
        obj = np.zeros(n_pairs)
        n_iter = np.zeros(n_pairs, dtype=np.int64)
        if check_signals is None:
            check_signals = threading.current_thread() is threading.main_thread()
        common = (np.ascontiguousarray(order, dtype=np.intp),
                  np.ascontiguousarray(start, dtype=np.intp), np.ascontiguousarray(C),
                  code, degree, gamma, coef0, float(self.tol), int(self.max_iter),
                  bool(self.shrinking), float(self.cache_size) * (1 << 20),
                  coef, rho, obj, n_iter)
        interrupted = False
        status = 0
        try:
            status = _smo.fit_ovo(X, *common, check_signals=check_signals)
        except KeyboardInterrupt:
            interrupted = True
        return coef[:(n_classes - 1) * len(order)], rho, obj, n_iter, status, interrupted

    def _platt(self, X: Any, spec: Any, order: NDArray[Any], start: NDArray[Any],
               C: NDArray[Any], seed: int) -> tuple[NDArray[Any], NDArray[Any]]:
        """probA, probB: libsvm's probability model.  For each pair, the
        decision values of 5-fold cross-validation (the folds of libsvm's
        shuffle of the pair's samples; a fold's model trained on the other
        four, grouped as libsvm groups them) and Platt's sigmoid fitted to
        them."""
        n_classes = len(start) - 1
        n_pairs = n_classes * (n_classes - 1) // 2
        probA, probB = np.empty(n_pairs), np.empty(n_pairs)
        stream = _LibsvmRandom(seed)
        for p, a, b in _pairs(n_classes):
            samples = np.concatenate([order[start[a]:start[a + 1]],
                                      order[start[b]:start[b + 1]]])
            labels = np.repeat(np.array([1, -1], dtype=np.int8),
                               [start[a + 1] - start[a], start[b + 1] - start[b]])
            n = len(samples)
            perm = stream.permutation(n)
            dec = np.empty(n)
            for fold in range(5):
                begin, end = fold * n // 5, (fold + 1) * n // 5
                train = np.concatenate([perm[:begin], perm[end:]])
                test = perm[begin:end]
                positive = train[labels[train] > 0]
                negative = train[labels[train] < 0]
                if len(positive) == 0 or len(negative) == 0:
                    dec[test] = 0.0 if len(train) == 0 else (1.0 if len(negative) == 0
                                                             else -1.0)
                    continue
                # libsvm sorts the labels: -1 is the fold model's first class.
                sub = np.concatenate([samples[negative], samples[positive]])
                sub_start = np.array([0, len(negative), len(sub)])
                coef, rho, _, _, _, interrupted = self._solve(X, spec, sub, sub_start, C)
                if interrupted:
                    raise KeyboardInterrupt
                stream.reset()   # libsvm reseeds whenever it trains
                if len(test) == 0:
                    continue
                nz = coef != 0
                rows = samples[test]
                if spec[0] == "gram":
                    values = _kernel_decision(spec, X[rows], sub[nz], coef[nz, None],
                                              -rho)
                else:
                    values = _kernel_decision(spec, X[rows], X[sub[nz]], coef[nz, None],
                                              -rho)
                dec[test] = -values[:, 0]
            probA[p], probB[p] = _smo.sigmoid_train(dec, labels)
        return probA, probB

    @staticmethod
    def _check_gram(K: Any, name: str) -> None:
        """A training Gram matrix must be square and symmetric: SMO reads
        K[i, j] from row i and K[j, i] from row j, and on a matrix that is
        not symmetric it can cycle for ever."""
        if K.shape[0] != K.shape[1]:
            raise ValueError(f"Precomputed matrix must be a square matrix. Input is a "
                             f"{K.shape[0]}x{K.shape[1]} matrix ({name} must be the "
                             "square Gram matrix (n_samples, n_samples)).")
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

    def _gamma_value(self, X: Any, precomputed: bool, sparse: bool) -> float:
        if precomputed:
            return 0.0
        if isinstance(self.gamma, str):
            if self.gamma == "auto":
                return 1.0 / X.shape[1]
            if sparse:
                # E[X^2] - E[X]^2 over all n_samples * n_features entries.
                size = float(X.shape[0]) * X.shape[1]
                mean = float(X.data.sum(dtype=np.float64)) / size
                variance = float(np.square(X.data, dtype=np.float64).sum()) / size - mean ** 2
            else:
                variance = float(X.var(dtype=np.float64))
            return 1.0 / (X.shape[1] * variance) if variance != 0 else 1.0
        return float(self.gamma)

    @staticmethod
    def _layout(X: Any, order: NDArray[Any], start: NDArray[Any], coef: NDArray[Any],
                rho: NDArray[Any], n_classes: int, sparse: bool,
                precomputed: bool) -> tuple[Any, Any, Any, Any]:
        """libsvm's model layout from the solver's per-pair coefficients:
        support_, n_support_, support_vectors_ and the (unflipped) dual
        coefficients."""
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
        support = order[is_sv].astype(np.int32)
        n_support = np.array([is_sv[start[c]:start[c + 1]].sum()
                              for c in range(n_classes)], dtype=np.int32)
        if precomputed:
            vectors = np.empty((0, 0), dtype=X.dtype)
        elif sparse:
            vectors = csr_rows(X[support], canonical=True, allow_empty=True)
        else:
            vectors = X[support]
        return support, n_support, vectors, dual_coef

    def _check_training_scores(self, state: "_SVCState", X: Any,
                               order: NDArray[Any]) -> None:
        """Refuse a model whose decision values on its own training data
        overflow the training dtype (e.g. float32 kernel values near 1e38
        times a dual coefficient of 1000), though its solution is finite.
        A bound on |decision| settles it without a prediction pass unless
        the bound itself is out of range."""
        kind, code, degree, gamma, coef0 = state.spec
        big = np.finfo(state.dtype).max / 16
        n_sv = state.vectors.shape[0]
        if n_sv == 0:
            return
        if code in (_smo.KERNELS["rbf"], _smo.KERNELS["sigmoid"]):
            bound_k = np.ones(n_sv)
        else:
            # The Frobenius norm bounds every row's norm and needs no copy.
            values = X.data if is_sparse(X) else X.reshape(-1)
            norm_max = np.sqrt(np.dot(values, values))
            norm_sv = np.sqrt(_row_sqnorms(state.vectors))
            with np.errstate(over="ignore", invalid="ignore"):
                dots = norm_max * norm_sv
                if code == _smo.KERNELS["poly"]:
                    bound_k = (gamma * dots + abs(coef0)) ** degree
                else:
                    bound_k = dots
        with np.errstate(over="ignore", invalid="ignore"):
            bound = (np.abs(state.dual_coef).sum(axis=0) * bound_k).sum() \
                + np.abs(state.intercept).max()
        if np.isfinite(bound) and bound < big:
            return
        with np.errstate(over="ignore", invalid="ignore"):
            scores = state.decision(X[order], check=False)
        if not np.isfinite(scores).all():
            raise ValueError(
                "The decision values on the training data are not finite. The input "
                "data may contain large values and need to be preprocessed (e.g. "
                "with StandardScaler).")

    @staticmethod
    def _print_summary(coef: NDArray[Any], rho: NDArray[Any], obj: NDArray[Any],
                       n_iter: NDArray[Any], C: NDArray[Any], order: NDArray[Any],
                       start: NDArray[Any]) -> None:
        """libsvm's verbose report of each pair, then the total."""
        offset = 0
        n_classes = len(start) - 1
        for p, a, b in _pairs(n_classes):
            rows = np.concatenate([order[start[a]:start[a + 1]],
                                   order[start[b]:start[b + 1]]])
            block = coef[offset:offset + len(rows)]
            offset += len(rows)
            nz = block != 0
            print(f"\noptimization finished, #iter = {int(n_iter[p])}")
            print(f"obj = {obj[p]:f}, rho = {rho[p]:f}")
            print(f"nSV = {int(nz.sum())}, nBSV = {int((np.abs(block) >= C[rows]).sum())}")
        print(f"Total nSV = {int((coef != 0).sum())}")

    @staticmethod
    def _gram(kernel: Callable[..., Any], X: Any, X_fit: Any) -> NDArray[Any]:
        """The Gram matrix a callable kernel makes between X and the training
        samples, dense float64 (a sparse result is densified: it is
        n_samples x n_train)."""
        K = kernel(X, X_fit)
        if is_sparse(K):
            K = K.toarray()
        K = check_array(K, name="kernel(X, X_fit)", dtype=np.float64)
        n_x = X.shape[0] if hasattr(X, "shape") else len(X)
        n_fit = X_fit.shape[0] if hasattr(X_fit, "shape") else len(X_fit)
        if K.shape != (n_x, n_fit):
            raise ValueError(f"kernel(X, X_fit) must return the Gram matrix of shape "
                             f"{(n_x, n_fit)}; the callable kernel returned {K.shape}.")
        return K

    # ------------------------------------------------------------------
    # The snapshot prediction reads
    # ------------------------------------------------------------------
    def _state(self, attributes: dict[str, Any], spec: Any, kernel: Any) -> "_SVCState":
        """The FittedState of `attributes` (a fit's, or the public ones)."""
        kind = spec[0]
        return _SVCState(
            sources_of(attributes, _SOURCES), spec=spec, kernel=kernel,
            classes=attributes["classes_"],
            support=np.array(attributes["support_"], dtype=np.intp),
            n_support=np.array(attributes["n_support_"], dtype=np.int32),
            vectors=(attributes["support_"].astype(np.intp) if kind == "gram"
                     else attributes["support_vectors_"]),
            dual_coef=attributes["_dual_coef_"], intercept=attributes["_intercept_"],
            probA=attributes["_probA"], probB=attributes["_probB"],
            dtype=attributes["_fit_dtype"], n_train=attributes["shape_fit_"][0],
            n_features=attributes.get("n_features_in_"),
            feature_names=attributes.get("feature_names_in_"),
            X_fit=attributes.get("_X_fit"), estimator=type(self).__name__)

    def _state_from_attributes(self) -> "_SVCState":
        """A snapshot from the public attributes, validated: they may come
        from a model file, an unpickled object or a user's assignment."""
        attrs = self.__dict__
        self._check_fitted()
        try:
            classes = np.asarray(attrs["classes_"])
            n_classes = len(classes)
            n_pairs = n_classes * (n_classes - 1) // 2
            n_support = np.asarray(attrs["n_support_"])
            support = np.asarray(attrs["support_"])
            vectors = attrs["support_vectors_"]
            shape_fit = tuple(attrs["shape_fit_"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"This {type(self).__name__} is missing fitted attributes "
                             f"or has invalid ones ({exc!r}); fit it again.") from None
        if (classes.ndim != 1 or n_classes < 2 or n_support.shape != (n_classes,)
                or n_support.dtype.kind not in "iu" or (n_support < 0).any()):
            raise ValueError(f"{_ALTERED}: classes_ and n_support_ do not agree.")
        n_sv = int(n_support.sum())
        if support.shape != (n_sv,) or support.dtype.kind not in "iu" or (
                n_sv and (support.min() < 0 or support.max() >= shape_fit[0])):
            raise ValueError(f"{_ALTERED}: support_ does not match n_support_ and "
                             "the training set.")
        dual_coef: Any = attrs.get("_dual_coef_")
        dual_coef = dual_coef.toarray() if is_sparse(dual_coef) else dual_coef
        dual_coef = _finite_array("_dual_coef_", dual_coef, (n_classes - 1, n_sv))
        intercept = _finite_array("_intercept_", attrs.get("_intercept_"), (n_pairs,))
        gamma: Any = attrs.get("_gamma", 0.0)
        if (isinstance(gamma, bool) or not isinstance(gamma, numbers.Real)
                or not np.isfinite(cast(Any, gamma)) or gamma < 0):
            raise ValueError(f"{_ALTERED}: _gamma must be a finite number >= 0.")
        dtype = np.dtype(attrs.get("_fit_dtype", np.float64))
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"{_ALTERED}: _fit_dtype must be float32 or float64.")
        probA = np.asarray(attrs.get("_probA", np.empty(0)), dtype=np.float64)
        probB = np.asarray(attrs.get("_probB", np.empty(0)), dtype=np.float64)
        if probA.shape != probB.shape or probA.shape not in ((0,), (n_pairs,)):
            raise ValueError(f"{_ALTERED}: _probA and _probB must both be empty or "
                             f"hold {n_pairs} values.")
        kernel = self.kernel
        if callable(kernel) or kernel == "precomputed":
            if callable(kernel) and "_X_fit" not in attrs:
                raise ValueError(f"{_ALTERED}: a callable kernel needs _X_fit.")
            spec = ("gram", _smo.KERNELS["precomputed"], 0, 0.0, 0.0)
        else:
            if not isinstance(kernel, str) or kernel not in _KERNELS:
                raise ValueError(f"kernel={kernel!r} cannot predict.")
            n_features = attrs.get("n_features_in_")
            if not isinstance(n_features, numbers.Integral) or n_features < 1:
                raise ValueError(f"{_ALTERED}: n_features_in_ must be an int >= 1.")
            if is_sparse(vectors):
                vectors = csr_rows(vectors, name="support_vectors_", dtype=dtype,
                                   canonical=True, allow_empty=True)
            else:
                vectors = check_array(vectors, name="support_vectors_", dtype=dtype,
                                      allow_empty=True)
            if vectors.shape != (n_sv, n_features):
                raise ValueError(f"{_ALTERED}: support_vectors_ has shape "
                                 f"{vectors.shape}; n_support_ and n_features_in_ "
                                 f"need ({n_sv}, {n_features}).")
            degree = self.degree
            if (isinstance(degree, bool) or not isinstance(degree, numbers.Integral)
                    or not 0 <= degree <= _INT_MAX):
                raise ValueError(f"degree={degree!r} cannot predict.")
            coef0 = self.coef0
            if isinstance(coef0, bool) or not isinstance(coef0, numbers.Real):
                raise ValueError(f"coef0={coef0!r} cannot predict.")
            spec = ("sparse" if is_sparse(vectors) else "dense", _smo.KERNELS[kernel],
                    int(degree), float(gamma), float(coef0))
        snapshot = dict(attrs)
        snapshot.update({"_dual_coef_": dual_coef, "_intercept_": intercept,
                         "support_vectors_": vectors, "_probA": probA, "_probB": probB,
                         "_fit_dtype": dtype})
        state = self._state(snapshot, spec, kernel)
        # The identities to watch are those of the public attributes.
        state.__dict__["_sources"] = sources_of(attrs, _SOURCES)
        return state

    def _current_state(self) -> "_SVCState":
        state = current(self, self._state_from_attributes)
        # Layout arrays changed in place would misplace coefficients: the
        # objects this snapshot was built from must still hold its copies
        # (a concurrent fit replaces them, it never writes into them).
        sources = state._sources
        if not (np.array_equal(sources["n_support_"], state.n_support)
                and np.array_equal(sources["support_"], state.support)):
            raise ValueError(_ALTERED)
        return state.for_params(self)

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _ovo_decision(self, X: Any) -> tuple[NDArray[Any], "_SVCState"]:
        """libsvm's (n_samples, n_pairs) decision values (positive favours
        the first class of the pair) and the snapshot they come from."""
        state = self._current_state()
        return state.decision(state.prepare(X)), state

    def decision_function(self, X: Any) -> NDArray[Any]:
        """Decision values.

        {parameters_X}
            Sparse X only for a model fitted on sparse data (as scikit-learn).

        Returns
        -------
        ndarray
            (n_samples,) for two classes (positive means ``classes_[1]``);
            otherwise (n_samples, n_classes) with
            decision_function_shape='ovr' or (n_samples, n_classes *
            (n_classes - 1) / 2), one column per class pair (a, b), a < b,
            positive meaning a, with 'ovo'.

        Raises
        ------
        ValueError
            If a decision value is not finite (see the class notes).
        """
        dec, state = self._ovo_decision(X)
        n_classes = len(state.classes)
        if n_classes == 2:
            return -dec.ravel()
        if self.decision_function_shape == "ovr":
            return _ovr_from_ovo(dec, n_classes).astype(dec.dtype, copy=False)
        return dec

    def predict(self, X: Any) -> NDArray[Any]:
        """Class labels by one-vs-one voting (libsvm's: a pair's positive
        value votes for its first class, ties go to the lower class index).

        {parameters_X}

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predicted class of each sample, of the dtype of
            ``classes_``.  With break_ties=True, decision_function_shape='ovr'
            and more than two classes, the class of the largest
            :meth:`decision_function` value instead of the most votes.
        """
        state = self._current_state()
        if self.break_ties and self.decision_function_shape == "ovo":
            raise ValueError("break_ties must be False when "
                             "decision_function_shape is 'ovo'")
        dec = state.decision(state.prepare(X))
        n_classes = len(state.classes)
        if self.break_ties and self.decision_function_shape == "ovr" and n_classes > 2:
            return state.classes[np.argmax(_ovr_from_ovo(dec, n_classes), axis=1)]
        votes = _votes(dec, n_classes, zero_votes_first=False)
        return state.classes[np.argmax(votes, axis=1)]

    def _check_proba(self) -> bool:
        if isinstance(self.probability, str) or not self.probability:
            raise AttributeError("predict_proba is not available when probability=False")
        return True

    @available_if(_check_proba)
    def predict_proba(self, X: Any) -> NDArray[Any]:
        """Class probabilities, (n_samples, n_classes) in the order of
        ``classes_``: libsvm's, from the pairs' sigmoids coupled by Wu, Lin
        and Weng's method (so they may disagree with :meth:`predict` on
        samples near a boundary).  Available only with probability=True
        (an AttributeError otherwise, as in scikit-learn); a model fitted
        without it raises NotFittedError.

        {parameters_X}

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The probability of each class (float64), columns in the order
            of ``classes_``; each row sums to 1.
        """
        return self._predict_proba(X)

    @available_if(_check_proba)
    def predict_log_proba(self, X: Any) -> NDArray[Any]:
        """Logarithm of the class probabilities, ``np.log(predict_proba(X))``.

        Available only with probability=True, as :meth:`predict_proba`.

        {parameters_X}
            The samples.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The natural logarithm of :meth:`predict_proba`'s probabilities,
            same columns.
        """
        return np.log(self._predict_proba(X))

    def _predict_proba(self, X: Any) -> NDArray[Any]:
        state = self._current_state()
        if state.probA.size == 0:
            raise interoperable(NotFittedError)(
                "predict_proba is not available when fitted with probability=False")
        dec = np.ascontiguousarray(state.decision(state.prepare(X)), dtype=np.float64)
        proba = np.empty((dec.shape[0], len(state.classes)))
        _smo.pairwise_coupling(dec, state.probA, state.probB, proba)
        return proba

    @property
    def probA_(self) -> NDArray[Any]:
        """Deprecated (scikit-learn 1.9): the pairs' sigmoid slopes A of
        ``1 / (1 + exp(A f + B))``; empty without probability."""
        return self._deprecated_probability("probA_")

    @property
    def probB_(self) -> NDArray[Any]:
        """Deprecated (scikit-learn 1.9): the pairs' sigmoid offsets B."""
        return self._deprecated_probability("probB_")

    def _deprecated_probability(self, name: str) -> NDArray[Any]:
        warnings.warn(f"Attribute `{name}` was deprecated in version 1.9 and will be "
                      "removed in 1.11 as the `probability=True` option for SVC and "
                      "NuSVC was deprecated and will be removed in 1.11.",
                      FutureWarning, stacklevel=3)
        return self._attribute("_" + name[:-1])

    @property
    def _n_support(self) -> NDArray[Any]:
        """scikit-learn's private name of n_support_ (the same array)."""
        return self._attribute("n_support_")

    def _attribute(self, name: str) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute "
                                 f"{name!r}") from None

    @property
    def coef_(self) -> Any:
        """ndarray or sparse matrix (n_classes (n_classes - 1) / 2,
        n_features): primal weights of each pair, for kernel='linear' only
        (read-only; sparse when the model is)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when using a linear kernel")
        state = self._current_state()
        W = _pair_weights(state.dual_coef, state.n_support).T
        if len(state.classes) == 2:
            W = -W
        if is_sparse(state.vectors):
            coef = _as_csr(W) @ state.vectors.astype(np.float64)
            coef = coef.tocsr()
            coef.data.flags.writeable = False
        else:
            coef = W @ state.vectors.astype(np.float64)
            coef.flags.writeable = False
        return coef

    # ------------------------------------------------------------------
    # Model files (fnn._persistence; docs/model-format.md)
    # ------------------------------------------------------------------
    #: The fitted scalars a file holds: name -> (kind, lower bound, may be None).
    _FILE_ATTRIBUTES = {
        "n_features_in_": ("int", 1, False),
        "fit_status_": ("int", 0, False),
        "_gamma": ("number", 0, False),
    }

    def _get_state(self) -> tuple[np.dtype[Any], dict[str, Any], dict[str, Any]]:
        """(dtype, state, arrays) of this fitted SVC for a model file: libsvm's
        internal signs (the public dual_coef_ and intercept_ are rebuilt on
        load), support vectors as CSR when fitted on sparse data, the
        probability model when there is one."""
        state: dict[str, Any] = {
            "attributes": {k: getattr(self, k) for k in self._FILE_ATTRIBUTES},
            "shape_fit": list(self.shape_fit_)}
        arrays = {"support": self.support_, "n_support": self.n_support_,
                  "dual_coef": self._dual_coef_, "intercept": self._intercept_,
                  "n_iter": self.n_iter_, "dual_objective": self._dual_objective,
                  "class_weight": self.class_weight_}
        state["sparse"] = model_file.store_matrix(arrays, "support_vectors",
                                                  self.support_vectors_)
        if self._probA.size:
            arrays["probA"], arrays["probB"] = self._probA, self._probB
        model_file.store_classes(self.classes_, state, arrays)
        model_file.store_feature_names(self, arrays)
        return self._fit_dtype, state, arrays

    def _set_state(self, dtype: np.dtype[Any], state: dict[str, Any],
                   arrays: dict[str, Any]) -> None:
        """Restore this fresh SVC from a model file's state, checking every
        value (ValueError)."""
        mf = model_file
        # sparse: absent from files written before sparse models were saved.
        mf.check_fields(state, ["attributes", "shape_fit", "labels_object"], ["sparse"])
        attributes = mf.check_attributes(state, self._FILE_ATTRIBUTES)
        if not np.isfinite(attributes["_gamma"]) or attributes["fit_status_"] > 1:
            raise ValueError("_gamma must be finite and fit_status_ 0 or 1.")
        sparse = mf.check_value("sparse", state.get("sparse", False), "bool")
        shape_fit = state["shape_fit"]
        if not isinstance(shape_fit, list) or len(shape_fit) != 2:
            raise ValueError(f"shape_fit must be [n_samples, n_columns]; got "
                             f"{mf.short_repr(shape_fit)}.")
        for n in shape_fit:
            mf.check_value("shape_fit", n, "int", low=1)
        arrays = dict(arrays)
        expected = mf.matrix_members("support_vectors", sparse) | {
            "support", "n_support", "dual_coef", "intercept", "n_iter", "dual_objective",
            "class_weight", "classes"}
        optional = {"feature_names_in", "probA", "probB"}
        if not expected <= set(arrays) <= expected | optional:
            raise ValueError(f"arrays {sorted(arrays)}; expected {sorted(expected)} "
                             f"(and {', '.join(sorted(optional))}, optionally).")
        classes = mf.restore_classes(state, arrays)
        n_classes, n_features = len(classes), attributes["n_features_in_"]
        n_pairs = n_classes * (n_classes - 1) // 2
        precomputed = self.kernel == "precomputed"
        if precomputed and (shape_fit[1] != shape_fit[0] or sparse):
            raise ValueError("a precomputed kernel is fitted on a square dense Gram matrix.")
        if shape_fit[1] != n_features:
            raise ValueError(f"shape_fit {shape_fit} disagrees with n_features_in_="
                             f"{n_features}.")

        def member(name: str, member_dtype: DTypeLike,
                   shape: tuple[Any, ...]) -> NDArray[Any]:
            return mf.check_member_array(name, arrays.pop(name), member_dtype, shape)

        n_support = member("n_support", np.int32, (n_classes,))
        if (n_support < 0).any():
            raise ValueError("n_support must be >= 0.")
        n_sv = int(n_support.sum())
        support = member("support", np.int32, (n_sv,))
        if n_sv and (support.min() < 0 or support.max() >= shape_fit[0]):
            raise ValueError("support indices lie outside the training set.")
        # The decision kernel trusts these shapes (and a CSR matrix's indices).
        vectors = mf.restore_matrix(arrays, "support_vectors", sparse, dtype,
                                    (0, 0) if precomputed else (n_sv, n_features))
        dual = mf.check_finite("dual_coef", member("dual_coef", np.float64,
                                                   (n_classes - 1, n_sv)))
        intercept = mf.check_finite("intercept", member("intercept", np.float64, (n_pairs,)))
        probA = probB = np.empty(0)
        if ("probA" in arrays) != ("probB" in arrays):
            raise ValueError("probA and probB are stored together or not at all.")
        if "probA" in arrays:
            probA, probB = (mf.check_finite(name, member(name, np.float64, (n_pairs,)))
                            for name in ("probA", "probB"))
        names = mf.restore_feature_names(arrays, n_features)
        if names is not None:
            self.feature_names_in_ = names
        self.classes_ = classes
        self.support_, self.n_support_, self.support_vectors_ = support, n_support, vectors
        self._dual_coef_, self._intercept_ = dual, intercept
        public_dual = -dual if n_classes == 2 else dual  # as SVC._train shows it
        self.dual_coef_ = _as_csr(public_dual) if sparse else public_dual
        self.intercept_ = -intercept if n_classes == 2 else intercept.copy()
        self.n_iter_ = member("n_iter", np.int32, (n_pairs,))
        self._dual_objective = member("dual_objective", np.float64, (n_pairs,))
        self.class_weight_ = mf.check_finite("class_weight", member(
            "class_weight", np.float64, (n_classes,)))
        self._probA, self._probB = probA, probB
        self._sparse = sparse
        self.shape_fit_ = tuple(shape_fit)
        self._fit_dtype = dtype
        for name, value in attributes.items():
            setattr(self, name, value)


def _as_csr(A: Any) -> Any:
    import scipy.sparse as sp

    return sp.csr_matrix(A)


def _row_sqnorms(X: Any) -> NDArray[np.float64]:
    """Squared norm of each row of a dense or CSR matrix, in float64."""
    if is_sparse(X):
        return np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
    return np.einsum("ij,ij->i", X, X, dtype=np.float64)


def _finite_array(name: str, value: Any, shape: tuple[int, ...]) -> NDArray[Any]:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{_ALTERED}: {name} is not an array of numbers.") from None
    if arr.shape != shape or not np.isfinite(arr).all():
        raise ValueError(f"{_ALTERED}: {name} must be finite with shape {shape}; "
                         f"got shape {arr.shape}.")
    return arr


class _SVCState(FittedState):
    """What SVC's prediction reads (see _fitted_state.py): the kernel
    `spec`, the support vectors (`vectors`: dense rows, a canonical CSR
    matrix, or for a Gram matrix their indices), the unflipped dual
    coefficients and intercepts, the layout arrays, the probability model
    and what the input must look like."""

    spec: Any  # the kernel's compiled parameters (kind first)
    kernel: Any
    classes: NDArray[Any]
    support: NDArray[np.intp]
    n_support: NDArray[np.int32]
    vectors: Any
    dual_coef: NDArray[np.float64]
    intercept: NDArray[np.float64]
    probA: NDArray[np.float64]
    probB: NDArray[np.float64]
    dtype: np.dtype[Any]
    n_train: int
    n_features: Any  # int
    feature_names: NDArray[Any] | None
    X_fit: Any
    estimator: str

    def for_params(self, estimator: "SVC") -> "_SVCState":
        """This snapshot with the kernel parameters the estimator has now:
        scikit-learn reads kernel, degree and coef0 at every call, so a
        change after fit applies (checked here, once per call); a kernel of
        another kind (a Gram matrix for support vectors, or the reverse)
        cannot predict with this model."""
        kernel = estimator.kernel
        fitted = self.kernel
        if self.spec[0] == "gram":
            if callable(fitted) and callable(kernel):
                return self if kernel is fitted else self._replace(kernel=kernel)
            if not callable(fitted) and not callable(kernel) and kernel == "precomputed":
                return self
        elif (isinstance(kernel, str) and kernel in _KERNELS and kernel != "precomputed"):
            degree, coef0 = estimator.degree, estimator.coef0
            if (isinstance(degree, bool) or not isinstance(degree, numbers.Integral)
                    or not 0 <= degree <= _INT_MAX):
                raise ValueError(f"degree={degree!r} cannot predict.")
            if (isinstance(coef0, bool) or not isinstance(coef0, numbers.Real)
                    or not np.isfinite(coef0)):
                raise ValueError(f"coef0={coef0!r} cannot predict.")
            spec = (self.spec[0], _smo.KERNELS[kernel], int(degree), self.spec[3],
                    float(coef0))
            if spec == self.spec and kernel == fitted:
                return self
            return self._replace(spec=spec, kernel=kernel)
        raise ValueError(f"kernel={kernel!r} cannot predict with a model fitted with "
                         f"kernel={fitted!r}; fit it again.")

    def _replace(self, **changes: Any) -> "_SVCState":
        fields = {k: v for k, v in self.__dict__.items() if k != "_sources"}
        fields.update(changes)
        return _SVCState(self._sources, **fields)

    def prepare(self, X: Any) -> Any:
        """X checked against this model, in the form its kernel reads: the
        Gram matrix for a callable kernel; dense or canonical CSR rows of
        the training dtype otherwise."""
        kind = self.spec[0]
        if callable(self.kernel):
            return SVC._gram(self.kernel, X, self.X_fit)
        check_feature_names(self.feature_names, X, self.estimator)
        if is_sparse(X) and kind != "sparse":
            raise ValueError(f"cannot use sparse input in {self.estimator!r} trained on "
                             "dense data")
        X = csr_rows(X, dtype=np.float64 if kind == "gram" else self.dtype,
                     canonical=True)
        if kind == "gram":
            if X.shape[1] != self.n_train:
                raise ValueError(f"X.shape[1] = {X.shape[1]} should be equal to "
                                 f"{self.n_train}, the number of samples at training "
                                 f"time (X has {X.shape[1]} columns; a precomputed "
                                 "kernel has one per training sample).")
            return X
        check_n_features(X, self.n_features, self.estimator)
        return X

    def decision(self, X: Any, check: bool = True) -> NDArray[Any]:
        """libsvm's (n_samples, n_pairs) decision values of prepared X; not
        finite ones raise ValueError unless check is False."""
        W = _pair_weights(self.dual_coef, self.n_support)
        with np.errstate(over="ignore", invalid="ignore"):
            out = _kernel_decision(self.spec, X, self.vectors, W, self.intercept)
        if check and not np.isfinite(out).all():
            raise ValueError(
                "The decision values are not finite: kernel values of this input "
                "overflow the floating-point range (values too large for the "
                f"model's {self.kernel!r} kernel). Scale the input as the training "
                "data was scaled.")
        return out


# The kernel cache's memory is the loading caller's choice.
model_file.register(SVC, local_params=("cache_size",))
