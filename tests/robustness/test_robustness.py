"""Bad input, odd but valid input and bad parameters, for every estimator,
each case isolated in a child process.

The harness here (Case, the expectations, run_cases, run_in_child) also runs
the hostile files of test_robustness_files.py.

The table below is run over MLPClassifier, MLPRegressor, Perceptron and SVC.
Every case runs in a child Python: all cases of one estimator share one child,
but each runs under its own try/except and announces itself before it starts,
so a segfault, an abort or a hang in the compiled core is reported as a
failure of the case that caused it, with the signal (the remaining cases then
run in a fresh child).  A case may also cap the memory it can take (the
child's address space, RLIMIT_AS, for the case's duration): going past it
is a MemoryError, which no case expects.  A case expects one of

- a ValueError or TypeError whose message names the parameter, or the row and
  column, that is wrong;
- a result: valid inputs of another dtype (float16, ints, bools, big-endian),
  order (Fortran, strided, reversed, read-only) or container (lists, object
  arrays) must give exactly the weights and outputs of the same data as a
  float64 (float32 for float32 data) C-ordered array, since fitting with the
  same random_state is deterministic; degenerate but valid fits must give
  finite weights and outputs.

Known bugs are ``xfail(strict=True)`` with the reason, so the suite turns red
when they are fixed and the mark can go.
"""
import contextlib
import faulthandler
import gc
import json
import os
import re
import signal
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fnn

# Small and fast: a few epochs of a tiny network, 30 samples, 4 features.
BASE_PARAMS = {
    "MLPClassifier": dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0),
    "MLPRegressor": dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0),
    "Perceptron": dict(max_iter=5, random_state=0),
    "SVC": dict(),
}
CLASSIFIERS = ("MLPClassifier", "Perceptron", "SVC")
MLPS = ("MLPClassifier", "MLPRegressor")
WITH_RANDOM_STATE = ("MLPClassifier", "MLPRegressor", "Perceptron")
CASE_TIMEOUT = 20.0  # seconds; a case normally takes milliseconds
DEFAULT = object()  # "the subject's own X or y" (None is a bad input to test)


# ----------------------------------------------------------------------
# What a case runs on, in the child
# ----------------------------------------------------------------------
class Subject:
    """One estimator with its data: 30 samples, 4 features, 3 classes (or a
    linear target for the regressor)."""

    def __init__(self, name):
        self.name = name
        self.cls = getattr(fnn, name)
        self.is_classifier = name in CLASSIFIERS
        rng = np.random.RandomState(0)
        self.X = rng.rand(30, 4)
        if self.is_classifier:
            self.y = np.arange(30) % 3
        else:
            self.y = self.X @ np.array([1.0, -2.0, 3.0, 0.5]) + 0.1

    def make(self, **params):
        return self.cls(**{**BASE_PARAMS[self.name], **params})

    def fit(self, X=DEFAULT, y=DEFAULT, sample_weight=None, **params):
        X = self.X if X is DEFAULT else X
        y = self.y if y is DEFAULT else y
        if sample_weight is None:
            return self.make(**params).fit(X, y)
        return self.make(**params).fit(X, y, sample_weight=sample_weight)

    def outputs(self, model, X):
        """The model's continuous outputs: probabilities, regression values or
        decision values."""
        if self.name == "MLPClassifier":
            return model.predict_proba(X)
        if self.name == "MLPRegressor":
            return model.predict(X)
        return model.decision_function(X)

    def weights(self, model):
        if self.name in MLPS:
            return [*model.coefs_, *model.intercepts_]
        if self.name == "Perceptron":
            return [model.coef_, model.intercept_]
        return [model.support_, model.support_vectors_, model.dual_coef_, model.intercept_]

    def fingerprint(self, model, X):
        return [*self.weights(model), self.outputs(model, X)]

    def same_as_reference(self, X, X_ref, y=DEFAULT, y_ref=DEFAULT, sample_weight=None,
                          sample_weight_ref=None):
        """'identical' if fitting and predicting on (X, y) gives bit for bit
        the weights and outputs of (X_ref, y_ref), else the first difference."""
        model = self.fit(X, y, sample_weight)
        reference = self.fit(X_ref, y_ref, sample_weight_ref)
        return compare(self.fingerprint(model, X), self.fingerprint(reference, X_ref))

    def finite(self, model, X=None):
        """'finite' if every weight and output of the model is finite."""
        arrays = [*self.weights(model), self.outputs(model, self.X if X is None else X)]
        for i, a in enumerate(arrays):
            a = np.asarray(a)
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                return f"array {i} of shape {a.shape} has {np.sum(~np.isfinite(a))} " \
                       "non-finite values"
        return "finite"


def compare(arrays, references):
    """'identical', or where the first array differs from its reference."""
    for i, (a, b) in enumerate(zip(arrays, references)):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"array {i}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        if not np.array_equal(a, b):
            diff = np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))
            return f"array {i}: max |difference| {diff:.3g}"
    return "identical"


def with_value(X, row, col, value):
    X = np.array(X, dtype=np.result_type(X, type(value)))
    X[row, col] = value
    return X


def readonly(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


# ----------------------------------------------------------------------
# Expectations, checked in the parent
# ----------------------------------------------------------------------
def _no_crash(result):
    if result["status"] == "crashed":
        pytest.fail(f"the child process died ({result['how']}) while running this case;"
                    f" its stderr ends with:\n{result['stderr']}", pytrace=False)
    if result["status"] == "hung":
        pytest.fail(f"no answer within {result['timeout']} s (hang); the child's "
                    f"stderr ends with:\n{result['stderr']}", pytrace=False)


class Raises:
    """The call raises `error` (or a subclass) with a message matching
    `pattern`."""

    def __init__(self, error, pattern):
        self.error, self.pattern = error, pattern

    def check(self, result):
        _no_crash(result)
        assert result["status"] == "raised", \
            f"expected {self.error.__name__}({self.pattern!r}); returned {result['value']!r}"
        assert self.error.__name__ in result["mro"], \
            f"expected {self.error.__name__}; got {result['type']}: {result['message']}"
        assert re.search(self.pattern, result["message"]), \
            f"{result['type']} message {result['message']!r} does not match {self.pattern!r}"

    def __repr__(self):
        return f"Raises({self.error.__name__}, {self.pattern!r})"


class Returns:
    """The call returns `value` (a word such as 'identical' or 'finite', or a
    number)."""

    def __init__(self, value):
        self.value = value

    def check(self, result):
        _no_crash(result)
        assert result["status"] == "returned", \
            f"expected a result; got {result['type']}: {result['message']}"
        assert result["value"] == self.value, f"{result['value']!r} != {self.value!r}"


class AnyOf:
    """One of several acceptable outcomes."""

    def __init__(self, *options):
        self.options = options

    def check(self, result):
        _no_crash(result)
        failures = []
        for option in self.options:
            try:
                option.check(result)
                return
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError(" / ".join(failures))


# ----------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------
class Case:
    """A case: an id, what runs (given a Subject), what is expected, the
    estimators it applies to (default: all), known bugs by estimator, its
    time limit, and the bytes it may allocate (None: no cap)."""

    def __init__(self, id, run, expect, only=None, xfail=None, timeout=CASE_TIMEOUT,
                 memory=None):
        self.id, self.run, self.expect = id, run, expect
        self.only = tuple(BASE_PARAMS) if only is None else only
        self.xfail = xfail or {}
        self.timeout = timeout
        self.memory = memory


def _bad_param(name, value, error, pattern=None, only=None, xfail=None):
    pattern = re.escape(name) if pattern is None else pattern
    return Case(f"{name}={value!r}", lambda s: s.fit(**{name: value}),
                Raises(error, pattern), only=only, xfail=xfail)


def _sparse(X):
    from scipy import sparse
    return sparse.csr_matrix(X)


def _sparse_array(X):
    from scipy import sparse
    return sparse.csr_array(X)


def _score_matches_accuracy(s, y_score):
    """score(X, y_score) equals the accuracy of predict counted by hand."""
    model = s.fit()
    expected = float(np.mean(model.predict(s.X) == y_score))
    score = model.score(s.X, y_score)
    return "matches" if score == expected else f"score {score} != accuracy {expected}"


def _labels_renamed(s):
    """Labels renamed in the same sorted order give the same model."""
    names = np.array(["c0", "c1", "c2"])
    model, reference = s.fit(y=names[s.y]), s.fit()
    same = compare(s.fingerprint(model, s.X), s.fingerprint(reference, s.X))
    if same != "identical":
        return same
    return ("identical" if np.array_equal(model.predict(s.X), names[reference.predict(s.X)])
            else "predicted labels differ")


def _one_sample_predict(s):
    model = s.fit()
    one, all_rows = s.outputs(model, s.X[:1]), s.outputs(model, s.X)
    if one.shape[0] != 1:
        return f"shape {one.shape}"
    return "consistent" if np.allclose(one, all_rows[:1], rtol=1e-12, atol=0) else \
        "one row differs from the same row in a batch"


def _linear(A, B):
    return A @ B.T


def _three_rows(A, B):
    return (A @ B.T)[:3]


def _non_symmetric_gram(s):
    rng = np.random.RandomState(1)
    K = rng.randn(30, 30)
    model = s.fit(X=K, kernel="precomputed")
    return s.finite(model, K)


X_BAD = [
    # Non-finite values: the message names the value, row and column.
    Case("X nan", lambda s: s.fit(with_value(s.X, 4, 1, np.nan)),
         Raises(ValueError, r"X contains nan at row 4, column 1")),
    Case("X inf", lambda s: s.fit(with_value(s.X, 7, 2, np.inf)),
         Raises(ValueError, r"X contains inf at row 7, column 2")),
    Case("X -inf", lambda s: s.fit(with_value(s.X, 0, 3, -np.inf)),
         Raises(ValueError, r"X contains -inf at row 0, column 3")),
    Case("X float32 nan", lambda s: s.fit(with_value(s.X.astype(np.float32), 29, 0, np.nan)),
         Raises(ValueError, r"X contains nan at row 29, column 0")),
    Case("X overflows float64 (1e400 as text)",
         lambda s: s.fit(np.where(s.X > 0.9, "1e400", s.X.astype(str))),
         Raises(ValueError, r"X contains inf at row \d+, column \d+")),
    # Shapes.
    Case("X empty", lambda s: s.fit(np.empty((0, 4)), s.y[:0]),
         AnyOf(Raises(ValueError, r"X is empty: 0 sample"),
               Raises(ValueError, r"\by\b.*(empty|non-empty)"))),
    Case("X no features", lambda s: s.fit(np.empty((30, 0))),
         Raises(ValueError, r"X is empty: 0 feature")),
    Case("X 1-D", lambda s: s.fit(s.X[:, 0]), Raises(ValueError, r"X must be 2-D")),
    Case("X 3-D", lambda s: s.fit(s.X.reshape(30, 2, 2)), Raises(ValueError, r"X must be 2-D")),
    Case("X scalar", lambda s: s.fit(3.0), Raises(ValueError, r"X must be 2-D")),
    Case("X ragged", lambda s: s.fit([[1.0, 2.0], [3.0]] * 15),
         Raises(ValueError, r"X could not be read")),
    # Types that are not real numbers.
    Case("X strings", lambda s: s.fit(np.full((30, 4), "abc")),
         Raises(ValueError, r"X must contain only numbers")),
    Case("X objects", lambda s: s.fit(np.array([[{}, 1, 2, 3]] * 30, dtype=object)),
         Raises(TypeError, r"X must contain only numbers")),
    # NumPy reads None as NaN.
    Case("X None inside", lambda s: s.fit(np.array([[None, 1, 2, 3]] * 30, dtype=object)),
         Raises(ValueError, r"X contains nan at row 0, column 0")),
    Case("X None", lambda s: s.fit(None), Raises(ValueError, r"X must be 2-D")),
    Case("X complex", lambda s: s.fit(s.X + 1j), Raises(ValueError, r"[Cc]omplex.*\bX\b")),
    # Sparse input trains every estimator (tests/mlp/test_mlp_sparse.py,
    # test_svc.py and test_perceptron.py check it equals the dense fit).
    Case("X sparse", lambda s: s.finite(s.fit(_sparse(s.X)), _sparse(s.X)),
         Returns("finite")),
    Case("X sparse array", lambda s: s.finite(s.fit(_sparse_array(s.X)),
                                              _sparse_array(s.X)),
         Returns("finite")),
]

X_VALID = [
    Case("X float16", lambda s: s.same_as_reference(
        s.X.astype(np.float16), s.X.astype(np.float16).astype(np.float64)),
        Returns("identical")),
    Case("X int64", lambda s: s.same_as_reference(
        (s.X * 10).astype(np.int64), (s.X * 10).astype(np.int64).astype(np.float64)),
        Returns("identical")),
    Case("X uint8", lambda s: s.same_as_reference(
        (s.X * 255).astype(np.uint8), (s.X * 255).astype(np.uint8).astype(np.float64)),
        Returns("identical")),
    Case("X bool", lambda s: s.same_as_reference(s.X > 0.5, (s.X > 0.5).astype(np.float64)),
         Returns("identical")),
    Case("X big-endian float64", lambda s: s.same_as_reference(s.X.astype(">f8"), s.X),
         Returns("identical")),
    Case("X big-endian float32", lambda s: s.same_as_reference(
        s.X.astype(">f4"), s.X.astype(np.float32)), Returns("identical")),
    Case("X Fortran order", lambda s: s.same_as_reference(np.asfortranarray(s.X), s.X),
         Returns("identical")),
    Case("X float32 Fortran order", lambda s: s.same_as_reference(
        np.asfortranarray(s.X, dtype=np.float32), s.X.astype(np.float32)),
        Returns("identical")),
    Case("X strided columns", lambda s: s.same_as_reference(
        np.repeat(s.X, 3, axis=1)[:, ::3], s.X), Returns("identical")),
    Case("X strided rows", lambda s: s.same_as_reference(
        np.repeat(s.X, 2, axis=0)[::2], s.X), Returns("identical")),
    Case("X negative strides", lambda s: s.same_as_reference(
        s.X[::-1, ::-1], np.ascontiguousarray(s.X[::-1, ::-1])), Returns("identical")),
    Case("X read-only", lambda s: s.same_as_reference(readonly(s.X), s.X),
         Returns("identical")),
    Case("X object array of floats", lambda s: s.same_as_reference(s.X.astype(object), s.X),
         Returns("identical")),
    Case("X list of lists", lambda s: s.same_as_reference(s.X.tolist(), s.X),
         Returns("identical")),
    Case("X numeric strings", lambda s: s.same_as_reference(
        s.X.astype(str), s.X.astype(str).astype(np.float64)), Returns("identical")),
    Case("X one feature", lambda s: s.finite(s.fit(s.X[:, :1]), s.X[:, :1]), Returns("finite")),
    Case("X constant", lambda s: s.finite(s.fit(np.ones((30, 4))), np.ones((30, 4))),
         Returns("finite")),
    Case("X duplicated rows", lambda s: s.finite(s.fit(np.repeat(s.X[:10], 3, axis=0))),
         Returns("finite")),
]

Y_BAD = [
    Case("y wrong length", lambda s: s.fit(y=s.y[:29]),
         Raises(ValueError, r"X has 30 samples but y has 29")),
    Case("y None", lambda s: s.fit(y=None), Raises(ValueError, r"\by\b")),
    Case("y 3-D", lambda s: s.fit(y=s.y.reshape(30, 1, 1)), Raises(ValueError, r"\by\b")),
    Case("y complex", lambda s: s.fit(y=s.y + 1j), Raises(ValueError, r"[Cc]omplex")),
    Case("y nan (classifier)", lambda s: s.fit(y=with_value(s.y[:, None], 3, 0, np.nan)[:, 0]),
         Raises(ValueError, r"y contains (NaN|nan)"), only=CLASSIFIERS),
    Case("y nan (regressor)", lambda s: s.fit(y=with_value(s.y[:, None], 3, 0, np.nan)[:, 0]),
         Raises(ValueError, r"y contains nan at row 3"), only=("MLPRegressor",)),
    Case("y inf (regressor)", lambda s: s.fit(y=with_value(s.y[:, None], 5, 0, -np.inf)[:, 0]),
         Raises(ValueError, r"y contains -inf at row 5"), only=("MLPRegressor",)),
    Case("y None label", lambda s: s.fit(y=np.array([None, *s.y[1:]], dtype=object)),
         Raises(ValueError, r"missing labels"), only=CLASSIFIERS),
    Case("y strings (regressor)", lambda s: s.fit(y=np.full(30, "a")),
         Raises(ValueError, r"y must contain only numbers"), only=("MLPRegressor",)),
    Case("y continuous (classifier)", lambda s: s.fit(y=s.X[:, 0]),
         Raises(ValueError, r"continuous"), only=CLASSIFIERS),
    # MLPClassifier learns one class, as scikit-learn's does (Y_VALID).
    Case("y one class", lambda s: s.fit(y=np.zeros(30)),
         Raises(ValueError, r"one class|only the class"), only=("Perceptron", "SVC")),
    Case("one sample (classifier)", lambda s: s.fit(s.X[:1], s.y[:1]),
         Raises(ValueError, r"one class|only the class"), only=("Perceptron", "SVC")),
    Case("y mixed label types", lambda s: s.fit(y=np.array(["a", 1] * 15, dtype=object)),
         Raises(ValueError, r"\by\b.*(mixes|sort)"), only=CLASSIFIERS),
    Case("y 2-D (single-label classifiers)", lambda s: s.fit(y=np.c_[s.y, s.y]),
         Raises(ValueError, r"\by\b"), only=("Perceptron", "SVC")),
]

def _one_class(s, X, y):
    """'finite' if a model fitted on the single class of y predicts that
    class everywhere and has finite weights and outputs."""
    model = s.fit(X, y)
    predicted = model.predict(s.X)
    if not (predicted == y[0]).all():
        return f"predicted {np.unique(predicted)!r}, not only {y[0]!r}"
    return s.finite(model)


Y_VALID = [
    Case("y big-endian", lambda s: s.same_as_reference(
        s.X, s.X, s.y.astype(s.y.dtype.newbyteorder(">")), s.y), Returns("identical")),
    Case("y strided", lambda s: s.same_as_reference(s.X, s.X, np.repeat(s.y, 2)[::2], s.y),
         Returns("identical")),
    Case("y list", lambda s: s.same_as_reference(s.X, s.X, s.y.tolist(), s.y),
         Returns("identical")),
    Case("y read-only", lambda s: s.same_as_reference(s.X, s.X, readonly(s.y), s.y),
         Returns("identical")),
    Case("y column vector (classifier)", lambda s: s.same_as_reference(
        s.X, s.X, s.y[:, None], s.y), Returns("identical"), only=CLASSIFIERS),
    Case("y float labels", lambda s: s.same_as_reference(s.X, s.X, s.y.astype(float), s.y),
         Returns("identical"), only=CLASSIFIERS),
    Case("y int32 labels", lambda s: s.same_as_reference(s.X, s.X, s.y.astype(np.int32), s.y),
         Returns("identical"), only=CLASSIFIERS),
    Case("y string labels", _labels_renamed, Returns("identical"), only=CLASSIFIERS),
    Case("y float32 (regressor)", lambda s: s.same_as_reference(
        s.X, s.X, s.y.astype(np.float32), s.y.astype(np.float32).astype(np.float64)),
        Returns("identical"), only=("MLPRegressor",)),
    Case("y ints (regressor)", lambda s: s.same_as_reference(
        s.X, s.X, np.round(s.y * 10).astype(int), np.round(s.y * 10)),
        Returns("identical"), only=("MLPRegressor",)),
    Case("y constant (regressor)", lambda s: s.finite(s.fit(y=np.full(30, 3.0))),
         Returns("finite"), only=("MLPRegressor",)),
    Case("one sample (regressor)", lambda s: s.finite(s.fit(s.X[:1], s.y[:1])),
         Returns("finite"), only=("MLPRegressor",)),
    Case("two samples of two classes", lambda s: s.finite(s.fit(s.X[:2], s.y[:2])),
         Returns("finite"), only=CLASSIFIERS),
    Case("y one class", lambda s: _one_class(s, s.X, np.zeros(30)),
         Returns("finite"), only=("MLPClassifier",)),
    Case("one sample (classifier)", lambda s: _one_class(s, s.X[:1], s.y[:1]),
         Returns("finite"), only=("MLPClassifier",)),
]

SAMPLE_WEIGHT = [
    Case("sample_weight wrong length", lambda s: s.fit(sample_weight=np.ones(29)),
         Raises(ValueError, r"sample_weight has 29 entries for 30 samples")),
    Case("sample_weight negative", lambda s: s.fit(sample_weight=np.r_[-1.0, np.ones(29)]),
         Raises(ValueError, r"sample_weight must be non-negative"), only=MLPS),
    # libsvm and scikit-learn's SGD read a negative weight as no weight.
    Case("sample_weight negative (leaves the sample out)",
         lambda s: s.finite(s.fit(sample_weight=np.r_[-1.0, np.ones(29)])),
         Returns("finite"), only=("Perceptron", "SVC")),
    Case("sample_weight nan", lambda s: s.fit(sample_weight=np.r_[np.ones(9), np.nan,
                                                                  np.ones(20)]),
         Raises(ValueError, r"sample_weight contains nan at row 9")),
    Case("sample_weight 2-D", lambda s: s.fit(sample_weight=np.ones((30, 1))),
         Raises(ValueError, r"sample_weight must be 1-D")),
    Case("sample_weight strided ints", lambda s: s.same_as_reference(
        s.X, s.X, sample_weight=np.repeat(1 + np.arange(30) % 4, 2)[::2],
        sample_weight_ref=(1.0 + np.arange(30) % 4)), Returns("identical")),
]

PREDICT = [
    Case("predict before fit", lambda s: s.make().predict(s.X),
         Raises(ValueError, r"not fitted")),
    Case("predict wrong n_features", lambda s: s.fit().predict(s.X[:, :3]),
         Raises(ValueError, r"X has 3 features.*expecting 4")),
    Case("predict nan", lambda s: s.fit().predict(with_value(s.X, 2, 3, np.nan)),
         Raises(ValueError, r"X contains nan at row 2, column 3")),
    Case("predict 1-D", lambda s: s.fit().predict(s.X[0]), Raises(ValueError, r"X must be 2-D")),
    Case("predict sparse", lambda s: s.finite(s.fit(), _sparse(s.X)), Returns("finite"),
         only=(*MLPS, "Perceptron")),
    Case("predict sparse (SVC fitted dense)", lambda s: s.fit().predict(_sparse(s.X)),
         Raises(ValueError, r"cannot use sparse input in 'SVC' trained on dense data"),
         only=("SVC",)),
    Case("predict complex", lambda s: s.fit().predict(s.X + 0j),
         Raises(ValueError, r"[Cc]omplex")),
    Case("predict one sample", _one_sample_predict, Returns("consistent")),
    Case("score unseen labels", lambda s: _score_matches_accuracy(s, s.y + 7),
         Returns("matches"), only=CLASSIFIERS),
    Case("score partly unseen labels", lambda s: _score_matches_accuracy(
        s, np.where(np.arange(30) < 15, s.y, 99)), Returns("matches"), only=CLASSIFIERS),
    Case("score unseen string labels", lambda s: _score_matches_accuracy(
        s, np.full(30, "never seen")), Returns("matches"), only=CLASSIFIERS),
    Case("score y wrong length", lambda s: s.fit().score(s.X, s.y[:29]),
         Raises(ValueError, r"y has 29")),
    Case("score y 2-D", lambda s: s.fit().score(s.X, np.c_[s.y, s.y]),
         Raises(ValueError, r"\by\b.*(1-D|outputs?|columns?|shape)")),
    Case("score sample_weight wrong length",
         lambda s: s.fit().score(s.X, s.y, sample_weight=[1.0, 2.0]),
         Raises(ValueError, r"sample_weight has 2 entries")),
]

MLP_PARAMS = [
    _bad_param("hidden_layer_sizes", (0,), ValueError, only=MLPS),
    _bad_param("hidden_layer_sizes", (-1,), ValueError, only=MLPS),
    _bad_param("hidden_layer_sizes", (5, 0), ValueError, only=MLPS),
    _bad_param("hidden_layer_sizes", (5.5,), TypeError, only=MLPS),
    _bad_param("hidden_layer_sizes", None, TypeError, only=MLPS),
    _bad_param("hidden_layer_sizes", (2 ** 62,), ValueError, only=MLPS),
    _bad_param("activation", "softmax", ValueError, only=MLPS),
    _bad_param("solver", "newton", ValueError, only=MLPS),
    _bad_param("alpha", -1.0, ValueError, only=MLPS),
    _bad_param("alpha", float("nan"), ValueError, only=MLPS),
    _bad_param("alpha", float("inf"), ValueError, only=MLPS),
    _bad_param("batch_size", 0, ValueError, only=MLPS),
    _bad_param("batch_size", -3, ValueError, only=MLPS),
    _bad_param("batch_size", "large", TypeError, only=MLPS),
    _bad_param("learning_rate", "fast", ValueError, only=MLPS),
    _bad_param("learning_rate_init", 0.0, ValueError, only=MLPS),
    _bad_param("learning_rate_init", -0.1, ValueError, only=MLPS),
    _bad_param("learning_rate_init", float("nan"), ValueError, only=MLPS),
    _bad_param("learning_rate_init", float("inf"), ValueError, only=MLPS),
    _bad_param("power_t", -1.0, ValueError, only=MLPS),
    _bad_param("max_iter", 0, ValueError, only=MLPS),
    _bad_param("max_iter", -1, ValueError, only=MLPS),
    _bad_param("max_iter", 2.5, TypeError, only=MLPS),
    _bad_param("momentum", -0.1, ValueError, only=MLPS),
    _bad_param("momentum", 1.5, ValueError, only=MLPS),
    _bad_param("beta_1", 1.0, ValueError, only=MLPS),
    _bad_param("beta_2", -0.5, ValueError, only=MLPS),
    _bad_param("epsilon", 0.0, ValueError, only=MLPS),
    _bad_param("tol", -1.0, ValueError, only=MLPS),
    _bad_param("n_iter_no_change", 0, ValueError, only=MLPS),
    _bad_param("shuffle", None, TypeError, only=MLPS),
    _bad_param("n_jobs", 0, ValueError, only=MLPS),
    _bad_param("n_jobs", 1.5, TypeError, only=MLPS),
    _bad_param("class_weight", "often", ValueError, only=("MLPClassifier",)),
    _bad_param("class_weight", {99: 1.0}, ValueError, only=("MLPClassifier",)),
    _bad_param("loss", "poisson", ValueError, only=("MLPRegressor",)),
    Case("validation_fraction=0.0 with early_stopping",
         lambda s: s.fit(early_stopping=True, validation_fraction=0.0),
         Raises(ValueError, "validation_fraction"), only=MLPS),
    Case("numpy ints as sizes and epochs", lambda s: compare(
        s.fingerprint(s.fit(hidden_layer_sizes=(np.int64(5),), max_iter=np.int32(5)), s.X),
        s.fingerprint(s.fit(), s.X)), Returns("identical"), only=MLPS),
]

COMMON_PARAMS = [
    _bad_param("random_state", "seed", ValueError, only=WITH_RANDOM_STATE),
    _bad_param("random_state", -1, ValueError, only=WITH_RANDOM_STATE),
    _bad_param("tol", float("nan"), ValueError, only=("Perceptron", "SVC", *MLPS)),
]

PERCEPTRON_PARAMS = [
    _bad_param("eta0", 0.0, ValueError, only=("Perceptron",)),
    _bad_param("eta0", -1.0, ValueError, only=("Perceptron",)),
    _bad_param("eta0", float("nan"), ValueError, only=("Perceptron",)),
    _bad_param("eta0", float("inf"), ValueError, only=("Perceptron",)),
    _bad_param("max_iter", 0, ValueError, only=("Perceptron",)),
    _bad_param("max_iter", 1.5, TypeError, only=("Perceptron",)),
    _bad_param("tol", -1.0, ValueError, only=("Perceptron",)),
    _bad_param("n_iter_no_change", 0, ValueError, only=("Perceptron",)),
    _bad_param("shuffle", "yes", TypeError, only=("Perceptron",)),
    _bad_param("fit_intercept", None, TypeError, only=("Perceptron",)),
    _bad_param("class_weight", "often", ValueError, only=("Perceptron",)),
    _bad_param("class_weight", {99: 1.0}, ValueError, only=("Perceptron",)),
    _bad_param("class_weight", {0: -1.0}, ValueError, only=("Perceptron",)),
    _bad_param("class_weight", {0: float("nan")}, ValueError, only=("Perceptron",)),
    Case("coef_init wrong shape", lambda s: s.make().fit(s.X, s.y, coef_init=np.zeros((2, 4))),
         Raises(ValueError, r"coef_init"), only=("Perceptron",)),
    Case("coef_init nan", lambda s: s.make().fit(s.X, s.y, coef_init=np.full((3, 4), np.nan)),
         Raises(ValueError, r"coef_init contains nan"), only=("Perceptron",)),
    Case("intercept_init wrong shape",
         lambda s: s.make().fit(s.X, s.y, intercept_init=np.zeros(2)),
         Raises(ValueError, r"intercept_init"), only=("Perceptron",)),
    Case("weights overflow", lambda s: s.fit(np.r_[s.X[:29], [[1e300] * 4]], eta0=1e10,
                                             max_iter=50, tol=None),
         Raises(ValueError, r"overflowed.*eta0"), only=("Perceptron",)),
]

SVC_PARAMS = [
    _bad_param("C", 0.0, ValueError, only=("SVC",)),
    _bad_param("C", -1.0, ValueError, only=("SVC",)),
    _bad_param("C", float("nan"), ValueError, only=("SVC",)),
    _bad_param("kernel", "laplacian", ValueError, only=("SVC",)),
    _bad_param("kernel", 3, ValueError, only=("SVC",)),
    _bad_param("degree", -1, ValueError, only=("SVC",)),
    _bad_param("degree", 2.5, TypeError, only=("SVC",)),
    _bad_param("degree", 2 ** 40, ValueError, only=("SVC",)),
    _bad_param("gamma", -1.0, ValueError, only=("SVC",)),
    _bad_param("gamma", float("nan"), ValueError, only=("SVC",)),
    _bad_param("gamma", "wide", ValueError, only=("SVC",)),
    _bad_param("coef0", float("nan"), ValueError, only=("SVC",)),
    _bad_param("coef0", float("inf"), ValueError, only=("SVC",)),
    _bad_param("tol", 0.0, ValueError, only=("SVC",)),
    _bad_param("cache_size", 0, ValueError, only=("SVC",)),
    _bad_param("cache_size", -5.0, ValueError, only=("SVC",)),
    _bad_param("max_iter", -2, ValueError, only=("SVC",)),
    _bad_param("max_iter", 1.5, TypeError, only=("SVC",)),
    _bad_param("decision_function_shape", "ovx", ValueError, only=("SVC",)),
    _bad_param("shrinking", None, TypeError, only=("SVC",)),
    _bad_param("class_weight", "often", ValueError, only=("SVC",)),
    _bad_param("class_weight", {99: 1.0}, ValueError, only=("SVC",)),
    _bad_param("class_weight", {0: -1.0}, ValueError, only=("SVC",)),
    # scikit-learn accepts gamma=0 (a constant rbf kernel): a valid, useless model.
    Case("gamma=0.0", lambda s: s.finite(s.fit(gamma=0.0)), Returns("finite"), only=("SVC",)),
    Case("tiny cache", lambda s: compare(s.fingerprint(s.fit(cache_size=1e-9), s.X),
                                         s.fingerprint(s.fit(), s.X)),
         Returns("identical"), only=("SVC",)),
    Case("class_weight zero for a class", lambda s: s.finite(s.fit(class_weight={0: 0.0})),
         AnyOf(Raises(ValueError, r"class_weight|not finite"), Returns("finite")),
         only=("SVC",)),
    Case("precomputed not square", lambda s: s.fit(kernel="precomputed"),
         Raises(ValueError, r"square"), only=("SVC",)),
    Case("precomputed wrong columns at predict",
         lambda s: s.fit(s.X @ s.X.T, kernel="precomputed").predict(s.X @ s.X[:5].T),
         Raises(ValueError, r"X has 5 columns"), only=("SVC",)),
    Case("precomputed nan", lambda s: s.fit(with_value(s.X @ s.X.T, 3, 4, np.nan),
                                            kernel="precomputed"),
         Raises(ValueError, r"X contains nan at row 3, column 4"), only=("SVC",)),
    Case("precomputed not symmetric", _non_symmetric_gram,
         AnyOf(Raises(ValueError, r"symmetric"), Returns("finite")), only=("SVC",),
         timeout=5.0),
    Case("callable kernel of the wrong shape at predict",
         lambda s: s.fit(kernel=_linear).set_params(kernel=_three_rows).predict(s.X),
         Raises(ValueError, r"kernel"), only=("SVC",)),
    Case("callable kernel returning nan",
         lambda s: s.fit(kernel=lambda A, B: np.full((len(A), len(B)), np.nan)),
         Raises(ValueError, r"kernel\(X, X_fit\) contains nan"), only=("SVC",)),
]

CASES = [*X_BAD, *X_VALID, *Y_BAD, *Y_VALID, *SAMPLE_WEIGHT, *PREDICT, *MLP_PARAMS,
         *COMMON_PARAMS, *PERCEPTRON_PARAMS, *SVC_PARAMS]


def _kill_self(s):
    import os
    os.kill(os.getpid(), signal.SIGSEGV)


def _sleep(s):
    import time
    time.sleep(60)


def _allocate_a_gigabyte(s):
    return float(np.ones(2 ** 27).sum())


# Cases that test the harness itself (not run over the estimators).
HARNESS_CASES = [Case("harness: segfault", _kill_self, Returns(None)),
                 Case("harness: hang", _sleep, Returns(None), timeout=1.0),
                 Case("harness: memory cap", _allocate_a_gigabyte, Returns(None),
                      memory=100 * 2 ** 20)]


def _cases_of(name):
    return {case.id: case for case in [*CASES, *HARNESS_CASES] if name in case.only}


# ----------------------------------------------------------------------
# The child: run the cases of one estimator, one JSON line before and after each
# ----------------------------------------------------------------------
MARK = "@@case "


def child_main(name, ids):
    """Run the cases `ids` of estimator `name` (in the child)."""
    run_in_child(_cases_of(name), ids, Subject(name))


def run_in_child(cases, ids, subject):
    """Run cases[id].run(subject) for each id, printing a start line before
    each and its outcome after, so that the parent can tell which case a
    crash or a hang interrupted; each under its own time limit and memory
    cap."""
    faulthandler.enable()
    warnings.simplefilter("ignore")
    for case_id in ids:
        case = cases[case_id]
        print(MARK + json.dumps({"start": case_id}), flush=True)
        faulthandler.dump_traceback_later(case.timeout, exit=True)
        with _memory_cap(case.memory):
            try:
                value = case.run(subject)
                outcome = {"status": "returned", "value": value}
            except Exception as exc:
                outcome = {"status": "raised", "type": type(exc).__name__,
                           "mro": [c.__name__ for c in type(exc).__mro__],
                           "message": str(exc)}
        faulthandler.cancel_dump_traceback_later()
        print(MARK + json.dumps({"id": case_id, **outcome}, default=repr), flush=True)


@contextlib.contextmanager
def _memory_cap(nbytes):
    """Limit the address space to what is mapped now plus nbytes (None: no
    limit), and restore the limit afterwards."""
    if nbytes is None:
        yield
        return
    import resource

    gc.collect()
    with open("/proc/self/status") as f:
        mapped = next(int(line.split()[1]) * 1024 for line in f
                      if line.startswith("VmSize:"))
    old = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (mapped + nbytes, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


_CHILD = """
import importlib.util, os, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
spec = importlib.util.spec_from_file_location("robustness_cases", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.child_main(sys.argv[2], sys.argv[3:])
"""


def _how_it_ended(returncode, stderr):
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


def run_cases(name, ids, cases=None, module=__file__, env=None):
    """Outcome of every case in `ids`, running them in as few children as
    crashes allow.

    By default the cases are this file's, for estimator `name`; otherwise
    `cases` maps ids to Cases and the child runs ``child_main(name, ids)``
    of the file `module`, with `env` added to its environment.
    """
    results, pending = {}, list(ids)
    cases = _cases_of(name) if cases is None else cases
    # Few malloc arenas: each thread's arena reserves 64 MB of address space,
    # which memory caps count.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", **(env or {})}
    while pending:
        budget = 60 + sum(cases[i].timeout for i in pending)
        try:
            proc = subprocess.run([sys.executable, "-c", _CHILD, module, name, *pending],
                                  capture_output=True, text=True, timeout=budget,
                                  env=env)
            stdout, stderr, returncode = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
            returncode = None
        running = None
        for line in stdout.splitlines():
            if not line.startswith(MARK):
                continue
            message = json.loads(line[len(MARK):])
            if "start" in message:
                running = message["start"]
            else:
                results[message["id"]] = message
                running = None
        pending = [i for i in pending if i not in results]
        if not pending:
            break
        tail = "\n".join(stderr.splitlines()[-25:])
        if running is None:
            # The child died outside any case (e.g. at import): every case
            # left is reported with its stderr.
            for case_id in pending:
                results[case_id] = {"status": "crashed", "stderr": tail,
                                    "how": _how_it_ended(returncode or 0, stderr)}
            break
        if returncode is None or "Timeout (" in stderr:
            results[running] = {"status": "hung", "stderr": tail,
                                "timeout": cases[running].timeout}
        else:
            results[running] = {"status": "crashed", "stderr": tail,
                                "how": _how_it_ended(returncode, stderr)}
        pending.remove(running)
    return results


_RESULTS = {}


def _result(name, case_id):
    if name not in _RESULTS:
        _RESULTS[name] = run_cases(name, [case.id for case in CASES if name in case.only])
    return _RESULTS[name][case_id]


def _params():
    params = []
    for case in CASES:
        for name in case.only:
            marks = ()
            if name in case.xfail:
                marks = pytest.mark.xfail(strict=True, reason=case.xfail[name])
            params.append(pytest.param(name, case.id, marks=marks, id=f"{name}-{case.id}"))
    return params


@pytest.mark.parametrize("name, case_id", _params())
def test_case(name, case_id):
    _cases_of(name)[case_id].expect.check(_result(name, case_id))


def test_the_harness_reports_crashes_and_hangs_and_continues():
    """A case that kills its child is reported with the signal, one that
    hangs as a hang, and the cases after them still run."""
    results = run_cases("Perceptron", ["X nan", "harness: segfault", "X 1-D",
                                       "harness: hang", "X 3-D", "harness: memory cap",
                                       "X empty"])
    assert [results[i]["status"] for i in ("X nan", "X 1-D", "X 3-D", "X empty")] == \
        ["raised"] * 4
    # The cap held the case, and only it: the next case ran without it.
    assert results["harness: memory cap"]["type"] == "MemoryError"
    assert results["harness: segfault"]["status"] == "crashed"
    assert results["harness: segfault"]["how"] == "signal SIGSEGV"
    assert "Fatal Python error: Segmentation fault" in results["harness: segfault"]["stderr"]
    assert results["harness: hang"]["status"] == "hung"


def test_the_output_bound_answers_only_far_from_overflow():
    """fit skips its closing forward pass over the training data only when
    a bound proves the outputs finite (_outputs_bounded)."""
    rng = np.random.RandomState(0)
    X = rng.rand(50, 6).astype(np.float32)
    y = rng.randint(0, 3, 50)
    for activation in ("relu", "logistic"):
        model = fnn.MLPClassifier((5, 4), activation=activation, max_iter=3,
                                  random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        assert model._outputs_bounded(X)
        model.coefs_[1][0, 0] = 1e38
        assert not model._outputs_bounded(X)
        model.coefs_[1][0, 0] = np.nan
        assert not model._outputs_bounded(X)
