"""fnn.Perceptron: the perceptron rule of the course notes (1.4) as
scikit-learn's Perceptron trains it, checked against a NumPy replica of that
rule step for step and against scikit-learn's Perceptron weight for weight
(visiting orders, stopping rules, penalties, early stopping, sparse rows);
and the notes' point that stacked linear units stay one linear map."""
import io
import re
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

import fnn
from fnn.datasets import load_digits
from broken_csr import broken_copies
from concurrency import fit_concurrently, predict_while_refitting, run_isolated
from interrupting import ctrl_c_child

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def _sklearn():
    return pytest.importorskip("sklearn.linear_model")


def _iris():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_iris(return_X_y=True)
    order = np.random.RandomState(12).permutation(len(y))
    return X[order], y[order]


# ----------------------------------------------------------------------
# A plain NumPy replica of the rule (scikit-learn's SGD, perceptron loss)
# ----------------------------------------------------------------------
def replica_unit(X, t, w, b, epochs, eta=1.0, sw=None, weight_pos=1.0, weight_neg=1.0,
                 penalty=None, alpha=1e-4, l1_ratio=0.15, fit_intercept=True):
    """One unit trained for `epochs` passes in the order given, written out
    example by example.  t: +1/-1 labels; X dense or CSR (then the
    intercept steps by 0.01 of a step and L1 reaches the example's nonzero
    weights only, as in scikit-learn).  Returns w, b."""
    l1_ratio = {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    is_sparse = sparse.issparse(X)
    decay = 0.01 if is_sparse else 1.0
    sw = np.ones(X.shape[0]) if sw is None else sw
    w, wscale, u = w.astype(np.float64).copy(), 1.0, 0.0
    q = np.zeros_like(w)
    for _ in range(epochs):
        for i in range(X.shape[0]):
            if is_sparse:
                cols = X.indices[X.indptr[i]:X.indptr[i + 1]]
                vals = X.data[X.indptr[i]:X.indptr[i + 1]]
            else:
                cols, vals = np.arange(X.shape[1]), X[i]
            p = (w[cols] @ vals) * wscale + b
            step = eta * t[i] if p * t[i] <= 0 else 0.0
            step *= (weight_pos if t[i] > 0 else weight_neg) * sw[i]
            if penalty in ("l2", "elasticnet"):
                wscale *= max(0.0, 1.0 - (1.0 - l1_ratio) * eta * alpha)
                if wscale < 1e-9:
                    w, wscale = w * wscale, 1.0
            if step != 0.0:
                w[cols] += vals * (step / wscale)
                if fit_intercept:
                    b += step * decay
            if penalty in ("l1", "elasticnet"):
                u += l1_ratio * eta * alpha
                for j in cols:
                    before = w[j]
                    if wscale * before > 0:
                        w[j] = max(0.0, w[j] - (u + q[j]) / wscale)
                    elif wscale * before < 0:
                        w[j] = min(0.0, w[j] + (u - q[j]) / wscale)
                    q[j] += wscale * (w[j] - before)
    return w * wscale, b


@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("fmt", [np.asarray, sparse.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("weighted, fit_intercept", [(False, True), (True, True),
                                                     (True, False)])
def test_units_equal_the_numpy_replica(penalty, fmt, weighted, fit_intercept, rng):
    """Each one-vs-rest unit of a fit is the replica's unit: same steps, same
    penalty, same sparse intercept decay (shuffle=False, tol=None)."""
    X = rng.randn(40, 7)
    X[rng.rand(*X.shape) < 0.4] = 0.0
    y = rng.randint(0, 3, 40)
    sw = rng.uniform(0.2, 2.0, 40) if weighted else None
    class_weight = {0: 2.0, 1: 0.5} if weighted else None
    params = dict(penalty=penalty, alpha=0.01, l1_ratio=0.3, eta0=0.7, shuffle=False,
                  tol=None, max_iter=4, fit_intercept=fit_intercept,
                  class_weight=class_weight)
    model = fnn.Perceptron(**params).fit(fmt(X), y, sample_weight=sw)
    weights = {0: 2.0, 1: 0.5, 2: 1.0} if weighted else {0: 1.0, 1: 1.0, 2: 1.0}
    for c in range(3):
        t = np.where(y == c, 1.0, -1.0)
        w, b = replica_unit(fmt(X), t, np.zeros(7), 0.0, 4, eta=0.7, sw=sw,
                            weight_pos=weights[c], penalty=penalty, alpha=0.01,
                            l1_ratio=0.3, fit_intercept=fit_intercept)
        assert_allclose(model.coef_[c], w, rtol=1e-12, atol=1e-13)
        assert_allclose(model.intercept_[c], b, rtol=1e-12, atol=1e-13)


def test_a_zero_score_is_a_mistake_for_both_classes():
    """From zero weights every first example is stepped on, whatever its
    label (scikit-learn's Hinge(0): y p <= 0)."""
    sk = _sklearn()
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    y = np.array([0, 1])
    ours = fnn.Perceptron().partial_fit(X[:1], y[:1], classes=[0, 1])
    theirs = sk.Perceptron().partial_fit(X[:1], y[:1], classes=[0, 1])
    assert_array_equal(ours.coef_, [[-1.0, -2.0]])
    assert_array_equal(ours.coef_, theirs.coef_)
    assert_array_equal(ours.intercept_, theirs.intercept_)


# ----------------------------------------------------------------------
# Against scikit-learn's Perceptron
# ----------------------------------------------------------------------
SKLEARN_CASES = [
    {}, {"shuffle": False}, {"tol": None, "max_iter": 15}, {"penalty": "l2"},
    {"penalty": "l1"}, {"penalty": "elasticnet", "l1_ratio": 0.3},
    {"early_stopping": True}, {"early_stopping": True, "validation_fraction": 0.3,
                               "n_iter_no_change": 2},
    {"class_weight": "balanced"}, {"class_weight": {0: 3.0, 1: 0.5}},
    {"fit_intercept": False, "eta0": 0.1}, {"random_state": 7, "tol": 0.1},
    {"random_state": None},
]


@pytest.mark.parametrize("params", SKLEARN_CASES, ids=repr)
@pytest.mark.parametrize("fmt", [np.asarray, sparse.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_equals_scikit_learn(params, fmt, n_classes):
    """Same data, parameters and seed: scikit-learn's weights, epochs and
    t_ (its seeds per class, shuffles, stopping rules and early-stopping
    split are reproduced)."""
    sk = _sklearn()
    X, y = _iris()
    if n_classes == 2:
        y = (y == 1).astype(int)
    if params.get("random_state", 0) is None:
        np.random.seed(3)
        ours = fnn.Perceptron(**params).fit(fmt(X), y)
        np.random.seed(3)
        theirs = sk.Perceptron(**params).fit(fmt(X), y)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = fnn.Perceptron(**params).fit(fmt(X), y)
            theirs = sk.Perceptron(**params).fit(fmt(X), y)
    assert ours.coef_.shape == theirs.coef_.shape
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12, atol=1e-12)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12, atol=1e-12)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    assert_array_equal(ours.predict(fmt(X)), theirs.predict(fmt(X)))
    assert_allclose(ours.decision_function(fmt(X)), theirs.decision_function(fmt(X)),
                    rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("params", [{}, {"shuffle": False, "max_iter": 30},
                                    {"penalty": "l2", "alpha": 1e-3},
                                    {"early_stopping": True}], ids=repr)
@pytest.mark.parametrize("fmt", [np.asarray, sparse.csr_matrix], ids=["dense", "csr"])
def test_float32_equals_scikit_learn(params, fmt):
    sk = _sklearn()
    X, y = load_digits()
    X = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = fnn.Perceptron(**params).fit(fmt(X), y)
        theirs = sk.Perceptron(**params).fit(fmt(X), y)
    assert ours.coef_.dtype == theirs.coef_.dtype == np.float32
    assert ours.n_iter_ == theirs.n_iter_
    # float32 weights: the same, up to float32 rounding of the penalty's
    # scale (scikit-learn keeps some of its running products in float).
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-5 * np.abs(
        theirs.coef_).max())
    assert np.mean(ours.predict(fmt(X)) == theirs.predict(fmt(X))) == 1.0


def test_partial_fit_and_warm_start_equal_scikit_learn(rng):
    sk = _sklearn()
    X, y = load_digits()
    X, y = X[:500], y[:500]
    ours, theirs = fnn.Perceptron(), sk.Perceptron()
    for k in range(3):
        batch = slice(k * 150, (k + 1) * 150)
        sw = rng.uniform(0.5, 2.0, 150)
        ours.partial_fit(X[batch], y[batch], classes=np.arange(10), sample_weight=sw)
        theirs.partial_fit(X[batch], y[batch], classes=np.arange(10), sample_weight=sw)
        assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)
        assert ours.t_ == theirs.t_ and ours.n_iter_ == theirs.n_iter_ == 1
    coef = rng.uniform(-1e-3, 1e-3, (10, 64))
    intercept = rng.uniform(-1e-3, 1e-3, 10)
    params = dict(max_iter=6, tol=None, warm_start=True, class_weight={0: 2.0, 7: 0.5})
    ours = fnn.Perceptron(**params).fit(X, y, coef_init=coef, intercept_init=intercept)
    theirs = sk.Perceptron(**params).fit(X, y, coef_init=coef, intercept_init=intercept)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12)


def test_negative_sample_weights_step_backwards_as_scikit_learn(rng):
    sk = _sklearn()
    X, y = _iris()
    sw = rng.uniform(-0.5, 2.0, len(y))
    ours = fnn.Perceptron(max_iter=10, tol=None).fit(X, y, sample_weight=sw)
    theirs = sk.Perceptron(max_iter=10, tol=None).fit(X, y, sample_weight=sw)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)


def test_verbose_output_is_scikit_learns(capsys):
    sk = _sklearn()
    X, y = _iris()

    def printed(cls, **params):
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            cls(verbose=1, **params).fit(X, y)
        return re.sub(r"\d+\.\d\d seconds", "S seconds", buffer.getvalue())

    for params in ({"max_iter": 7}, {"early_stopping": True},
                   {"penalty": "l2", "max_iter": 3}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours, theirs = printed(fnn.Perceptron, **params), printed(sk.Perceptron, **params)
        assert ours == theirs
        assert ours.startswith("-- Epoch 1\nNorm: ")


def test_default_fits_are_identical_and_seeded_as_scikit_learn():
    X, y = load_digits()
    a = fnn.Perceptron().fit(X, y)
    b = fnn.Perceptron().fit(X, y)
    assert a.random_state == 0
    assert_array_equal(a.coef_, b.coef_)
    # A RandomState is drawn from exactly as scikit-learn draws from it.
    sk = _sklearn()
    ours, theirs = np.random.RandomState(4), np.random.RandomState(4)
    fnn.Perceptron(random_state=ours, early_stopping=True).fit(X, y)
    sk.Perceptron(random_state=theirs, early_stopping=True).fit(X, y)
    assert ours.randint(10**9) == theirs.randint(10**9)


def test_digits_accuracy_equals_scikit_learn():
    sk = _sklearn()
    X, y = load_digits()
    test = np.random.RandomState(0).rand(len(y)) < 0.3
    for seed in range(3):
        ours = fnn.Perceptron(random_state=seed).fit(X[~test], y[~test])
        theirs = sk.Perceptron(random_state=seed).fit(X[~test], y[~test])
        assert ours.score(X[test], y[test]) == theirs.score(X[test], y[test]) > 0.88


# ----------------------------------------------------------------------
# Sparse input
# ----------------------------------------------------------------------
@pytest.mark.parametrize("fmt", [sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix,
                                 sparse.lil_matrix, sparse.csr_array],
                         ids=lambda f: f.__name__)
def test_sparse_training_equals_dense_training(fmt, rng):
    """Without an intercept the sparse step is the dense step on the
    example's nonzeros: the same weights to rounding.  (With one, the
    sparse intercept moves by 0.01 of a step, as scikit-learn's.)"""
    X = rng.randn(200, 30)
    X[rng.rand(*X.shape) < 0.7] = 0.0
    y = rng.randint(0, 4, 200)
    for params in ({}, {"penalty": "l2", "alpha": 1e-3}):
        dense = fnn.Perceptron(fit_intercept=False, **params).fit(X, y)
        ours = fnn.Perceptron(fit_intercept=False, **params).fit(fmt(X), y)
        assert_allclose(ours.coef_, dense.coef_, rtol=1e-12, atol=1e-12)
        assert ours.n_iter_ == dense.n_iter_
    model = fnn.Perceptron().fit(fmt(X), y)
    assert_allclose(model.decision_function(fmt(X)), model.decision_function(X),
                    rtol=1e-12, atol=1e-12)
    assert_array_equal(model.predict(fmt(X)), model.predict(X))


def test_sparse_keeps_float32_and_reads_int64_indices(rng):
    X = sparse.random(50, 20, density=0.3, random_state=rng, format="csr",
                      dtype=np.float32)
    y = rng.randint(0, 2, 50)
    model = fnn.Perceptron().fit(X, y)
    assert model.coef_.dtype == np.float32
    assert model.decision_function(X).dtype == np.float32
    big = sparse.csr_matrix((X.data, X.indices.astype(np.int64),
                             X.indptr.astype(np.int64)), shape=X.shape)
    big.indices = big.indices.astype(np.int64)
    assert_array_equal(model.predict(big), model.predict(X))


# ----------------------------------------------------------------------
# Epochs, threads and the stopping rules
# ----------------------------------------------------------------------
def test_epochs_without_change_are_counted_not_run(rng):
    """On separable data with tol=None, scikit-learn runs all max_iter
    epochs; once an epoch changes nothing the rest repeat it, and are
    counted without passes (same n_iter_ and t_)."""
    sk = _sklearn()
    X, y = _separable_blobs(rng)
    ours = fnn.Perceptron(tol=None, max_iter=300).fit(X, y)
    theirs = sk.Perceptron(tol=None, max_iter=300).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 300
    assert ours.t_ == theirs.t_
    assert_array_equal(ours.coef_, theirs.coef_)
    assert len(ours.mistakes_curve_) < 300 and ours.mistakes_curve_[-1] == 0


@pytest.mark.parametrize("shuffle", [False, True])
def test_threads_give_the_same_model(shuffle):
    X, y = load_digits()
    one = fnn.Perceptron(shuffle=shuffle, n_jobs=1).fit(X, y)
    for n_jobs in (2, -1, 1024):
        many = fnn.Perceptron(shuffle=shuffle, n_jobs=n_jobs).fit(X, y)
        assert_array_equal(many.coef_, one.coef_)
        assert many.n_iter_ == one.n_iter_
    for n_jobs in (0, 1025, 2**31):
        with pytest.raises(ValueError, match="n_jobs"):
            fnn.Perceptron(n_jobs=n_jobs).fit(X, y)


# ----------------------------------------------------------------------
# What a single perceptron can and cannot learn
# ----------------------------------------------------------------------
def _separable_binary(rng, n=300, n_features=6):
    X = rng.randn(3 * n, n_features)
    s = X @ rng.randn(n_features) + 0.7
    keep = np.abs(s) > 0.3  # a margin, so convergence is quick
    return X[keep][:n], (s[keep][:n] > 0).astype(int)


def _separable_blobs(rng, n=300, n_classes=4):
    """Each class is a blob around 6 e_c, so every class is linearly
    separable from the rest (x_c > 3), as one-vs-rest needs."""
    y = rng.randint(0, n_classes, n)
    X = 6.0 * np.eye(n_classes)[y] + np.clip(rng.randn(n, n_classes), -2.5, 2.5)
    return X, y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("data", ["binary", "multiclass"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_separates_linearly_separable_data(dtype, data, shuffle, rng):
    X, y = _separable_binary(rng) if data == "binary" else _separable_blobs(rng)
    X = X.astype(dtype)
    max_iter = 1000
    model = fnn.Perceptron(tol=None, max_iter=max_iter, shuffle=shuffle,
                           random_state=0).fit(X, y)
    assert model.mistakes_curve_[-1] == 0
    assert model.mistakes_curve_[0] > 0
    # All max_iter epochs are counted (as scikit-learn runs them), but once
    # one changes nothing the others are not run.
    assert model.n_iter_ == max_iter and len(model.mistakes_curve_) < max_iter
    assert_array_equal(model.predict(X), y)
    assert model.score(X, y) == 1.0


@pytest.mark.parametrize("shuffle", [False, True])
def test_cannot_learn_xor(shuffle):
    """No line separates XOR: every epoch makes a mistake, and at most 3 of
    the 4 points are classified right, whatever the visiting order."""
    for seed in range(20):
        model = fnn.Perceptron(tol=None, max_iter=50, shuffle=shuffle,
                               random_state=seed).fit(XOR_X, XOR_Y)
        assert model.score(XOR_X, XOR_Y) <= 0.75
        assert model.n_iter_ == 50 and min(model.mistakes_curve_) > 0


# ----------------------------------------------------------------------
# Estimator behaviour
# ----------------------------------------------------------------------
def test_float32_stays_float32(rng):
    X, y = _separable_blobs(rng)
    model = fnn.Perceptron(random_state=0).fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32 and model.intercept_.dtype == np.float32
    assert model.decision_function(X).dtype == np.float32  # float64 X converted
    model.partial_fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32
    assert fnn.Perceptron().fit(X, y).coef_.dtype == np.float64
    assert fnn.Perceptron().fit(X.astype(int), y).coef_.dtype == np.float64


def test_partial_fit_epochs_equal_fit(rng):
    X, y = load_digits()
    model = fnn.Perceptron(shuffle=False)
    for _ in range(4):
        model.partial_fit(X, y, classes=np.arange(10))
        assert model.n_iter_ == 1
    full = fnn.Perceptron(shuffle=False, tol=None, max_iter=4).fit(X, y)
    assert_array_equal(model.coef_, full.coef_)
    assert_array_equal(model.intercept_, full.intercept_)
    assert model.t_ == full.t_ == 4 * len(y) + 1


def test_warm_start_continues(rng):
    X, y = load_digits()
    model = fnn.Perceptron(shuffle=False, tol=None, max_iter=3, warm_start=True)
    model.fit(X, y).fit(X, y)
    full = fnn.Perceptron(shuffle=False, tol=None, max_iter=6).fit(X, y)
    assert_array_equal(model.coef_, full.coef_)
    with pytest.raises(ValueError, match="coef_init does not match dataset"):
        model.fit(X, (y > 4).astype(int))
    assert_array_equal(model.classes_, np.arange(10))  # a refused fit changes nothing


def test_balanced_class_weight_is_its_dict(rng):
    X, y = _separable_blobs(rng, n=120)
    y[y == 3] = 2  # unequal counts
    counts = np.bincount(y)
    as_dict = {c: len(y) / (3 * counts[c]) for c in range(3)}
    a = fnn.Perceptron(class_weight="balanced", tol=None, random_state=0).fit(X, y)
    b = fnn.Perceptron(class_weight=as_dict, tol=None, random_state=0).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


def test_labels_of_any_type_and_attributes(rng):
    X, y = _separable_blobs(rng, n=90, n_classes=3)
    for labels in (np.array(["setosa", "versicolor", "virginica"]), np.array([-7, 2, 40]),
                   np.array([0.5, 1.5, 2.5]) * 2):
        model = fnn.Perceptron(tol=None, random_state=0).fit(X, labels[y])
        assert_array_equal(model.classes_, labels)
        assert_array_equal(model.predict(X), labels[y])
        assert model.coef_.shape == (3, X.shape[1]) and model.intercept_.shape == (3,)
        assert model.n_features_in_ == X.shape[1]
        assert model.decision_function(X).shape == (len(y), 3)
    binary = fnn.Perceptron(tol=None).fit(X, np.where(y == 0, "a", "b"))
    assert binary.coef_.shape == (1, X.shape[1])
    assert binary.decision_function(X).shape == (len(y),)


def test_fixed_epochs_warn_only_with_tol():
    with pytest.warns(fnn.ConvergenceWarning, match="Maximum number of iteration"):
        fnn.Perceptron(max_iter=3, tol=0.0, n_iter_no_change=10).fit(XOR_X, XOR_Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fnn.Perceptron(max_iter=3, tol=None).fit(XOR_X, XOR_Y)


def test_clone_and_params():
    sk = _sklearn()
    base = pytest.importorskip("sklearn.base")
    model = fnn.Perceptron(eta0=0.5, random_state=1)
    clone = base.clone(model)
    assert clone.get_params() == model.get_params()
    assert fnn.Perceptron().get_params() == sk.Perceptron().get_params()
    assert repr(model) == "Perceptron(eta0=0.5, random_state=1)"
    assert model.set_params(max_iter=7).max_iter == 7


def test_sparsify_and_densify_keep_predictions(rng):
    X, y = _separable_blobs(rng)
    model = fnn.Perceptron(penalty="l1", alpha=0.01).fit(X, y)
    before = model.decision_function(X)
    assert sparse.issparse(model.sparsify().coef_)
    assert_array_equal(model.decision_function(X), before)
    assert isinstance(model.densify().coef_, np.ndarray)
    assert_array_equal(model.decision_function(X), before)


def test_feature_names_as_scikit_learn(rng):
    pd = pytest.importorskip("pandas")
    X, y = _separable_blobs(rng)
    columns = ["a", "b", "c", "d"]
    model = fnn.Perceptron().fit(pd.DataFrame(X, columns=columns), y)
    assert_array_equal(model.feature_names_in_, columns)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but "
                                         "Perceptron was fitted with feature names"):
        model.predict(X)
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(pd.DataFrame(X, columns=columns[::-1]))
    model.partial_fit(pd.DataFrame(X, columns=columns), y)
    assert_array_equal(model.feature_names_in_, columns)
    assert not hasattr(fnn.Perceptron().fit(X, y), "feature_names_in_")


# ----------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------
@pytest.mark.parametrize("param, value, error", [
    ("eta0", 0, ValueError), ("eta0", -1.0, ValueError), ("eta0", np.inf, ValueError),
    ("eta0", "1", TypeError), ("max_iter", 0, ValueError), ("max_iter", 2.5, TypeError),
    ("tol", -1e-3, ValueError), ("shuffle", "yes", TypeError),
    ("n_iter_no_change", 0, ValueError), ("fit_intercept", 1, TypeError),
    ("class_weight", "auto", ValueError), ("class_weight", {9: 1.0}, ValueError),
    ("class_weight", {0: -1.0}, ValueError), ("random_state", "seed", ValueError),
    ("warm_start", None, TypeError), ("penalty", "l3", ValueError),
    ("alpha", -1.0, ValueError), ("l1_ratio", 1.5, ValueError),
    ("validation_fraction", 1.0, ValueError), ("early_stopping", "no", TypeError),
    ("n_jobs", 1.5, TypeError), ("verbose", -1, ValueError),
])
def test_bad_parameters_are_named(param, value, error):
    with pytest.raises(error, match=param):
        fnn.Perceptron(**{param: value}).fit(XOR_X, [0, 0, 1, 1])


def test_bad_data_raises_scikit_learns_errors():
    X, y = XOR_X, np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="X contains nan"):
        fnn.Perceptron().fit(np.where(X == 1, np.nan, X), y)
    with pytest.raises(ValueError, match="2-D"):
        fnn.Perceptron().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="same length"):
        fnn.Perceptron().fit(X, y[:3])
    with pytest.raises(ValueError, match="The number of classes has to be greater than "
                                         "one; got 1 class"):
        fnn.Perceptron().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="continuous"):
        fnn.Perceptron().fit(X, [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="y should be a 1d array"):
        fnn.Perceptron().fit(X, np.eye(4)[:, :2].astype(int))
    with pytest.raises(ValueError, match="Sample weights must contain at least one "
                                         "non-zero number"):
        fnn.Perceptron().fit(X, y, sample_weight=[0, 0, 0, 0])
    with pytest.raises(ValueError, match="Provided ``coef_`` does not match dataset"):
        fnn.Perceptron().fit(np.c_[X, X[:, :1]], [0, 1, 2, 0], coef_init=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Provided intercept_init does not match"):
        fnn.Perceptron().fit(X, y, intercept_init=[0.0, 1.0])
    with pytest.raises(ValueError, match="Floating-point under-/overflow occurred at "
                                         "epoch #1"):
        fnn.Perceptron(eta0=1e10).fit([[1e300], [-1e300]], [1, 0])
    model = fnn.Perceptron().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but Perceptron is expecting "
                                         "2 features"):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="X contains inf"):
        model.decision_function([[np.inf, 0.0]])
    with pytest.raises(fnn.NotFittedError):
        fnn.Perceptron().predict(X)


def test_early_stopping_errors_as_scikit_learn():
    sk = _sklearn()
    X, y = load_digits()
    X, y = X[:60], y[:60] % 2
    raised = 0
    for seed in range(12):
        # One sample of weight 1: in the validation set or not, as the split
        # of that seed decides; scikit-learn and fnn must agree.
        sw = np.zeros(60)
        sw[seed] = 1.0
        outcomes = []
        for cls in (fnn.Perceptron, sk.Perceptron):
            try:
                model = cls(early_stopping=True, validation_fraction=0.5,
                            random_state=seed).fit(X, y, sample_weight=sw)
                outcomes.append(("fitted", model.coef_.tolist()))
            except ValueError as exc:
                outcomes.append(("raised", str(exc)))
        assert outcomes[0] == outcomes[1]
        raised += outcomes[0][0] == "raised"
    assert 0 < raised < 12
    with pytest.raises(ValueError, match="least populated classes"):
        fnn.Perceptron(early_stopping=True).fit(X[:11], np.r_[np.zeros(10), 1])
    with pytest.raises(ValueError, match="early_stopping should be False with "
                                         "partial_fit"):
        fnn.Perceptron(early_stopping=True).partial_fit(X, y, classes=[0, 1])


def test_partial_fit_errors():
    X, y = XOR_X, np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="classes must be passed"):
        fnn.Perceptron().partial_fit(X, y)
    with pytest.raises(ValueError, match="classes should include all valid labels"):
        fnn.Perceptron().partial_fit(X, [0, 0, 1, 2], classes=[0, 1])
    with pytest.raises(ValueError, match="balanced"):
        fnn.Perceptron(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    model = fnn.Perceptron().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="is not the same as on last call"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :1], y)


# ----------------------------------------------------------------------
# Reliability: threads, attributes, Ctrl-C, values at the float limits
# ----------------------------------------------------------------------
def _thread_configs(rng):
    configs = []
    for n_features, n_classes, fmt in [(5, 2, np.asarray), (5, 6, sparse.csr_matrix),
                                       (8, 3, np.asarray)]:
        X = rng.randn(300, n_features)
        y = rng.randint(0, n_classes, 300)
        configs.append((fmt(X), y))
    X_test = rng.randn(50, 5)
    expected = [fnn.Perceptron().fit(X, y).predict(X_test) if X.shape[1] == 5 else None
                for X, y in configs]
    return configs, X_test, expected


def thread_scenario(seed):
    """Run in a child (see test_threads_never_crash_and_answer_whole)."""
    rng = np.random.RandomState(seed)
    configs, X_test, expected = _thread_configs(rng)
    model = fnn.Perceptron().fit(*configs[0])
    failures, counts = predict_while_refitting(model, configs, X_test, expected, 300)
    report = {"failures": failures[:3], **counts}
    model = fnn.Perceptron(n_jobs=2)
    report["fit_errors"] = fit_concurrently(model, configs, 30)
    report["whole"] = model.coef_.shape[1] == model.n_features_in_ and (
        model.n_features_in_ != 5 or any(
            e is not None and np.array_equal(model.predict(X_test), e) for e in expected))
    return report


@pytest.mark.parametrize("seed", range(3))
def test_threads_never_crash_and_answer_whole(seed):
    report = run_isolated(__file__, "thread_scenario", seed)
    assert report["failures"] == []
    assert report["predictions"] > 0
    assert report["fit_errors"] == [] and report["whole"]


def test_inconsistent_attributes_are_clear_errors(rng):
    X, y = _separable_blobs(rng)
    for name, value in [("n_features_in_", 1), ("coef_", np.zeros((4, 2))),
                        ("intercept_", np.zeros(9)), ("classes_", np.array([0])),
                        ("coef_", np.full((4, 4), np.nan))]:
        model = fnn.Perceptron().fit(X, y)
        setattr(model, name, value)
        with pytest.raises(ValueError):
            model.predict(X)
    # A consistent replacement is used, as in scikit-learn.
    model = fnn.Perceptron().fit(X, y)
    model.coef_ = -model.coef_
    model.intercept_ = -model.intercept_
    assert_allclose(model.decision_function(X), -fnn.Perceptron().fit(X, y)
                    .decision_function(X))


def test_model_file_and_pickle_round_trip(tmp_path, rng):
    import pickle

    X, y = _separable_blobs(rng)
    model = fnn.Perceptron(penalty="l2").fit(X, y)
    model.save(tmp_path / "p.fnn")
    assert_array_equal(fnn.load(tmp_path / "p.fnn").decision_function(X),
                       model.decision_function(X))
    assert_array_equal(pickle.loads(pickle.dumps(model)).decision_function(X),
                       model.decision_function(X))


@pytest.mark.parametrize("fmt", [np.asarray, sparse.csr_matrix])
def test_scores_near_float_limits_raise_not_infinity(fmt, rng):
    X, y = _separable_blobs(rng)
    model = fnn.Perceptron().fit(fmt(X), y)
    huge = fmt(np.full((2, 4), np.finfo(np.float64).max / 4))
    with pytest.raises(ValueError, match="not finite"):
        model.decision_function(huge)
    with pytest.raises(ValueError, match="not finite"):
        model.predict(huge)
    model32 = fnn.Perceptron().fit(fmt(X.astype(np.float32)), y)
    with pytest.raises(ValueError, match="not finite"):
        model32.predict(fmt(np.full((1, 4), 3e38, dtype=np.float32)))
    # Finite weights whose training scores overflow float32 are refused.
    with pytest.raises(ValueError, match="overflowed"):
        fnn.Perceptron(eta0=1e3).fit(np.full((2, 2), 3e37, dtype=np.float32), [0, 1])


CTRL_C_CHILD = """
import json, sys, time, warnings
import numpy as np
import fnn

rng = np.random.RandomState(0)
X = rng.rand(200000, 300).astype(np.float32)
y = rng.randint(0, 5, 200000)
print("started", flush=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model = fnn.Perceptron(max_iter=1000, tol=None, n_jobs=int(sys.argv[1])).fit(X, y)
print(json.dumps({"at": time.time(),
                  "warned": any("interrupted" in str(w.message) for w in caught),
                  "finite": bool(np.isfinite(model.coef_).all()),
                  "predict_ok": bool(np.isin(model.predict(X[:10]), range(5)).all())}))
"""


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_ctrl_c_stops_training_promptly_and_keeps_the_model(n_jobs):
    returncode, report, err, sent = ctrl_c_child(CTRL_C_CHILD, n_jobs, after=1.5)
    assert returncode == 0, err
    assert report["at"] - sent < 1.0
    assert report["warned"] and report["finite"] and report["predict_ok"]


# ----------------------------------------------------------------------
# The notes' "simple composition": linear units stacked stay linear
# ----------------------------------------------------------------------
def _collapse(coefs, intercepts):
    """The single (W, b) of x -> (((x W1 + b1) W2 + b2) ...)."""
    W, b = coefs[0], intercepts[0]
    for Wl, bl in zip(coefs[1:], intercepts[1:]):
        W, b = W @ Wl, b @ Wl + bl
    return W, b


def test_identity_regressor_is_one_linear_map(rng):
    X = rng.randn(200, 6)
    y = np.sin(X[:, 0]) + X[:, 1] ** 2  # not linear: the network cannot be either
    model = fnn.MLPRegressor(hidden_layer_sizes=(9, 7, 5), activation="identity", solver="adam",
                             learning_rate_init=0.01, max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    W, b = _collapse(model.coefs_, model.intercepts_)
    assert W.shape == (6, 1)
    assert_allclose(X @ W[:, 0] + b[0], model.predict(X), rtol=1e-10, atol=1e-12)
    # The best single linear map fits at least as well as the deep network.
    A = np.hstack([X, np.ones((len(X), 1))])
    best = A @ np.linalg.lstsq(A, y, rcond=None)[0]
    assert np.sum((y - best) ** 2) <= np.sum((y - model.predict(X)) ** 2) + 1e-9


def test_identity_classifier_is_one_linear_map(rng):
    X, y = load_digits()
    model = fnn.MLPClassifier((32, 16), activation="identity", solver="adam",
                              max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    W, b = _collapse(model.coefs_, model.intercepts_)
    assert W.shape == (64, 10)
    logits = X @ W + b
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    assert_allclose(model.predict_proba(X), proba, rtol=1e-8, atol=1e-12)
    assert_array_equal(model.predict(X), model.classes_[np.argmax(logits, axis=1)])


def test_metadata_routing_passes_sample_weight():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.model_selection import GridSearchCV

    X, y = load_digits()
    weights = np.random.RandomState(0).uniform(0.1, 3.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(fnn.Perceptron().set_fit_request(sample_weight=True)
                              .set_score_request(sample_weight=False),
                              {"eta0": [0.5]}, cv=2, refit=True)
        search.fit(X, y, sample_weight=weights)
    direct = fnn.Perceptron(eta0=0.5).fit(X, y, sample_weight=weights)
    assert_array_equal(search.best_estimator_.coef_, direct.coef_)


def test_inconsistent_sparse_arrays_are_refused_not_read(rng):
    X = sparse.random(60, 20, density=0.3, random_state=rng, format="csr")
    y = rng.randint(0, 3, 60)
    model = fnn.Perceptron().fit(X, y)
    for bad in broken_copies(X):
        with pytest.raises(ValueError, match="not a valid CSR matrix"):
            fnn.Perceptron().fit(bad, y)
        with pytest.raises(ValueError, match="not a valid CSR matrix"):
            model.predict(bad)
