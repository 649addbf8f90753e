"""fnn.Perceptron: the perceptron rule of the course notes (1.4), checked
against a NumPy replica step for step and against scikit-learn's Perceptron
weight for weight; and the notes' point that stacked linear units stay one
linear map."""
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn
from fnn.datasets import load_digits
from fnncore import _perceptron

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


# ----------------------------------------------------------------------
# A plain NumPy replica of the rule
# ----------------------------------------------------------------------
def replica_epoch(X, y_index, order, W, b, eta, positive, weight_pos, weight_neg,
                  sw, fit_intercept, active, after_each=None):
    """One epoch of the perceptron rule, written out example by example.

    W, b are updated in place.  Returns the mistakes of each unit, its
    loss (the sample-weighted sum of |score| over its mistakes) and the
    smallest |score| / (bound on its rounding error) of all decisions: when
    that ratio exceeds 1, no summation order can flip a decision, so the
    kernel (which sums in another order) must take the very same steps.
    """
    dtype = W.dtype.type
    eps = np.finfo(W.dtype).eps
    mistakes = np.zeros(len(W), dtype=int)
    loss = np.zeros(len(W))
    safety = np.inf
    for i in order:
        for u in np.flatnonzero(active):
            s = W[u] @ X[i] + b[u]
            terms = np.abs(W[u]) @ np.abs(X[i]) + abs(b[u])
            if terms > 0:  # all-zero terms give exactly 0 in any order
                safety = min(safety, abs(s) / (2 * len(X[i]) * eps * terms))
            t = y_index[i] == positive[u]
            if (s > 0) != t:
                mistakes[u] += 1
                loss[u] += float(sw[i]) * abs(float(s))
                weight = (weight_pos[u] if t else weight_neg[u]) * float(sw[i])
                c = dtype((eta if t else -eta) * weight)
                W[u] = W[u] + c * X[i]
                if fit_intercept:
                    b[u] = b[u] + c
        if after_each is not None:
            after_each(W.copy(), b.copy())
    return mistakes, loss, safety


def _kernel_epoch(X, y_index, order, W, b, eta, positive, weight_pos, weight_neg, sw,
                  fit_intercept, active):
    mistakes = np.empty(len(W), dtype=np.intp)
    loss = np.empty(len(W))
    total = _perceptron.perceptron_epoch(
        X, y_index, sw, order, positive, weight_pos, weight_neg, active, W, b, eta,
        fit_intercept, mistakes, loss)
    return total, mistakes, loss


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_units", [1, 3, 6])
@pytest.mark.parametrize("eta, weighted, fit_intercept",
                         [(1.0, False, True), (0.1, True, True), (0.37, True, False)])
def test_kernel_steps_equal_numpy_replica(dtype, n_units, eta, weighted, fit_intercept,
                                          rng):
    # 21 features: whole float64 and float32 vectors plus a scalar tail;
    # 6 units exercise the four-row block and the single-row remainder.
    n, n_features = 30, 21
    n_classes = 2 if n_units == 1 else n_units
    X = rng.randn(n, n_features).astype(dtype)
    y_index = rng.randint(0, n_classes, n).astype(np.intp)
    positive = np.array([1] if n_units == 1 else range(n_units), dtype=np.intp)
    weight_pos = rng.uniform(0.5, 2, n_units) if weighted else np.ones(n_units)
    weight_neg = rng.uniform(0.5, 2, n_units) if weighted else np.ones(n_units)
    sw = rng.uniform(0.1, 3, n).astype(dtype) if weighted else np.empty(0, dtype)
    active = np.ones(n_units, dtype=np.uint8)
    if n_units > 1:
        active[1] = 0  # a stopped unit is left alone
    order = rng.permutation(n).astype(np.intp)
    W0 = np.zeros((n_units, n_features), dtype)
    b0 = np.zeros(n_units, dtype)

    history = []
    W, b = W0.copy(), b0.copy()
    want_mistakes, want_loss, safety = replica_epoch(
        X, y_index, order, W, b, eta, positive, weight_pos, weight_neg,
        sw if weighted else np.ones(n), fit_intercept, active,
        after_each=lambda W, b: history.append((W, b)))
    assert safety > 1, "a decision too close to 0 to compare summation orders"
    for k in range(1, n + 1):
        W, b = W0.copy(), b0.copy()
        _kernel_epoch(X, y_index, order[:k], W, b, eta, positive, weight_pos,
                      weight_neg, sw, fit_intercept, active)
        assert W.dtype == dtype and b.dtype == dtype
        assert_array_equal(W, history[k - 1][0], err_msg=f"weights after example {k}")
        assert_array_equal(b, history[k - 1][1], err_msg=f"bias after example {k}")
    total, mistakes, loss = _kernel_epoch(
        X, y_index, order, W0.copy(), b0.copy(), eta, positive, weight_pos,
        weight_neg, sw, fit_intercept, active)
    assert_array_equal(mistakes[active == 1], want_mistakes[active == 1])
    assert total == want_mistakes.sum()
    assert mistakes.sum() > 0 and (loss[mistakes == 0] == 0).all()
    assert_allclose(loss[active == 1], want_loss[active == 1],
                    rtol=10 * np.finfo(dtype).eps)


def _replica_fit(X, y, max_iter, seed=None, eta=1.0):
    """fnn.Perceptron(tol=None)'s documented training, in NumPy: labels to
    indices, zero weights, units stop after a mistake-free epoch, the order
    shuffled in place each epoch with RandomState(seed) when seed is given."""
    classes = np.unique(y)
    y_index = np.searchsorted(classes, y)
    n_units = 1 if len(classes) == 2 else len(classes)
    positive = [1] if n_units == 1 else list(range(n_units))
    W = np.zeros((n_units, X.shape[1]))
    b = np.zeros(n_units)
    active = np.ones(n_units, dtype=bool)
    order = np.arange(len(X))
    rng = np.random.RandomState(seed)
    curve = []
    for _ in range(max_iter):
        if seed is not None:
            rng.shuffle(order)
        mistakes, _, _ = replica_epoch(X, y_index, order, W, b, eta, positive,
                                    np.ones(n_units), np.ones(n_units), np.ones(len(X)),
                                    True, active)
        curve.append(int(mistakes[active].sum()))
        active &= mistakes > 0
        if not active.any():
            break
    return W, b, curve


@pytest.mark.parametrize("shuffle", [False, True])
def test_estimator_equals_replica_over_epochs(shuffle, rng):
    X = rng.randn(60, 5)
    y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3] + 0.5 * rng.randn(60, 3), 1)]
    model = fnn.Perceptron(tol=None, max_iter=8, shuffle=shuffle, random_state=3,
                           eta0=0.5).fit(X, y)
    W, b, curve = _replica_fit(X, y, 8, seed=3 if shuffle else None, eta=0.5)
    assert_array_equal(model.coef_, W)
    assert_array_equal(model.intercept_, b)
    assert model.mistakes_curve_ == curve
    assert model.n_iter_ == len(curve)


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
    assert model.n_iter_ < max_iter
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
# Against scikit-learn's Perceptron
# ----------------------------------------------------------------------
def _sklearn():
    return pytest.importorskip("sklearn.linear_model")


def test_binary_equals_sklearn_from_zero_weights(rng):
    """From zero weights scikit-learn steps on the first example whatever
    its label (a score of 0 counts as a mistake there); the rule here only
    when its target is 1.  With a positive example first, and no score
    exactly 0 afterwards, the two take the same steps."""
    sk = _sklearn()
    X, y = _separable_binary(rng)
    X += 0.3 * rng.randn(*X.shape)  # not separable any more
    first = np.flatnonzero(y == 1)[0]
    X[[0, first]], y[[0, first]] = X[[first, 0]], y[[first, 0]]
    labels = np.array(["no", "yes"])[y]
    for max_iter in (1, 7):
        ours = fnn.Perceptron(shuffle=False, tol=None, max_iter=max_iter).fit(X, labels)
        theirs = sk.Perceptron(shuffle=False, tol=None, max_iter=max_iter).fit(X, labels)
        assert ours.coef_.shape == theirs.coef_.shape == (1, X.shape[1])
        assert_array_equal(ours.coef_, theirs.coef_)
        assert_array_equal(ours.intercept_, theirs.intercept_)
        assert_array_equal(ours.classes_, theirs.classes_)
        assert ours.t_ == theirs.t_
        assert_array_equal(ours.predict(X), theirs.predict(X))


def test_zero_score_on_a_negative_example_is_where_sklearn_differs():
    sk = _sklearn()
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    y = np.array([0, 1])
    ours = fnn.Perceptron().partial_fit(X[:1], y[:1], classes=[0, 1])
    theirs = sk.Perceptron().partial_fit(X[:1], y[:1], classes=[0, 1])
    assert_array_equal(ours.coef_, [[0.0, 0.0]])   # predicted 0: right, no step
    assert_array_equal(theirs.coef_, [[-1.0, -2.0]])


def test_multiclass_equals_sklearn_from_the_same_start(rng):
    """With the same initial weights (nonzero, so no score is exactly 0) and
    the same order, one-vs-rest units take scikit-learn's steps exactly,
    class and sample weights included."""
    sk = _sklearn()
    X, y = load_digits()
    X, y = X[:600], y[:600]
    coef = rng.uniform(-1e-3, 1e-3, (10, 64))
    intercept = rng.uniform(-1e-3, 1e-3, 10)
    sw = rng.uniform(0.5, 2.0, len(y))
    params = dict(shuffle=False, tol=None, max_iter=6, eta0=0.1,
                  class_weight={0: 2.0, 7: 0.5})
    ours = fnn.Perceptron(**params).fit(X, y, coef_init=coef, intercept_init=intercept,
                                        sample_weight=sw)
    theirs = sk.Perceptron(**params).fit(X, y, coef_init=coef, intercept_init=intercept,
                                         sample_weight=sw)
    assert_array_equal(ours.coef_, theirs.coef_)
    assert_array_equal(ours.intercept_, theirs.intercept_)
    assert_array_equal(ours.decision_function(X).argmax(1),
                       theirs.decision_function(X).argmax(1))


@pytest.mark.parametrize("tol, n_iter_no_change", [(1e-3, 5), (0.1, 2)])
def test_tol_stops_units_as_sklearn_does(tol, n_iter_no_change, rng):
    """The no-improvement rule runs per unit on the perceptron criterion, as
    scikit-learn's: same epochs, same weights."""
    sk = _sklearn()
    X, y = load_digits()
    coef = rng.uniform(-1e-3, 1e-3, (10, 64))
    params = dict(shuffle=False, tol=tol, n_iter_no_change=n_iter_no_change)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = fnn.Perceptron(**params).fit(X, y, coef_init=coef)
        theirs = sk.Perceptron(**params).fit(X, y, coef_init=coef)
    assert ours.n_iter_ == theirs.n_iter_ < 1000
    assert_array_equal(ours.coef_, theirs.coef_)


def test_digits_accuracy_comparable_to_sklearn():
    """Shuffled training: the two libraries draw different orders (and
    scikit-learn one order per class), so only the accuracy is compared."""
    sk = _sklearn()
    X, y = load_digits()
    rng = np.random.RandomState(0)
    test = rng.rand(len(y)) < 0.3
    ours = [fnn.Perceptron(random_state=s).fit(X[~test], y[~test]).score(X[test], y[test])
            for s in range(3)]
    theirs = [sk.Perceptron(random_state=s).fit(X[~test], y[~test]).score(X[test], y[test])
              for s in range(3)]
    assert min(ours) > 0.88
    assert abs(np.mean(ours) - np.mean(theirs)) < 0.03


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
    with pytest.raises(ValueError, match="classes of the previous fit"):
        model.fit(X, (y > 4).astype(int))
    assert_array_equal(model.classes_, np.arange(10))  # a refused fit changes nothing


def test_zero_weight_examples_are_skipped(rng):
    X, y = _separable_blobs(rng, n=80)
    sw = np.where(rng.rand(len(y)) < 0.3, 0.0, 1.0)
    weighted = fnn.Perceptron(shuffle=False, tol=None).fit(X, y, sample_weight=sw)
    subset = fnn.Perceptron(shuffle=False, tol=None).fit(X[sw > 0], y[sw > 0])
    assert_array_equal(weighted.coef_, subset.coef_)


def test_zero_weights_are_dropped_rows_for_the_stopping_rule_too(rng):
    """With shuffling and tol, a zero-weight example must not count in the
    epoch's mean loss either: the same permutation stream is drawn over the
    kept examples, so the fit is the fit on the kept rows, step for step.
    (eta0 is small so that the losses are near tol and the rule matters.)"""
    X, y = _separable_blobs(rng, n=200, n_classes=3)
    X += 1.5 * rng.randn(*X.shape)  # not separable: tol stops training
    for seed in range(4):
        sw = np.where(rng.rand(len(y)) < 0.5, 0.0, 1.0)
        params = dict(random_state=seed, eta0=0.01, tol=1e-3)
        weighted = fnn.Perceptron(**params).fit(X, y, sample_weight=sw)
        dropped = fnn.Perceptron(**params).fit(X[sw > 0], y[sw > 0])
        assert weighted.n_iter_ == dropped.n_iter_ < 1000
        assert_array_equal(weighted.coef_, dropped.coef_)
        assert_array_equal(weighted.intercept_, dropped.intercept_)


def test_balanced_class_weight_counts_sample_weights(rng):
    """'balanced' with sample weights is the dict scikit-learn's
    compute_class_weight makes from the weights; so zero-weight examples
    are dropped rows for it too."""
    utils = pytest.importorskip("sklearn.utils.class_weight")
    X, y = _separable_blobs(rng, n=120, n_classes=3)
    X += rng.randn(*X.shape)
    sw = np.where(rng.rand(len(y)) < 0.3, 0.0, rng.uniform(0.5, 2.0, len(y)))
    expected = utils.compute_class_weight("balanced", classes=np.arange(3), y=y,
                                          sample_weight=sw)
    params = dict(tol=None, max_iter=20, random_state=0)
    a = fnn.Perceptron(class_weight="balanced", **params).fit(X, y, sample_weight=sw)
    b = fnn.Perceptron(class_weight=dict(enumerate(expected)), **params).fit(
        X, y, sample_weight=sw)
    assert_array_equal(a.coef_, b.coef_)
    keep = sw > 0
    c = fnn.Perceptron(class_weight="balanced", **params).fit(X[keep], y[keep],
                                                              sample_weight=sw[keep])
    assert_array_equal(a.coef_, c.coef_)


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
    with pytest.warns(fnn.ConvergenceWarning, match="max_iter"):
        fnn.Perceptron(max_iter=3, tol=0.0, n_iter_no_change=10).fit(XOR_X, XOR_Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fnn.Perceptron(max_iter=3, tol=None).fit(XOR_X, XOR_Y)


def test_clone_and_params():
    base = pytest.importorskip("sklearn.base")
    model = fnn.Perceptron(eta0=0.5, random_state=1)
    clone = base.clone(model)
    assert clone.get_params() == model.get_params()
    assert repr(model) == "Perceptron(eta0=0.5, random_state=1)"
    assert model.set_params(max_iter=7).max_iter == 7


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
    ("warm_start", None, TypeError),
])
def test_bad_parameters_are_named(param, value, error):
    with pytest.raises(error, match=param):
        fnn.Perceptron(**{param: value}).fit(XOR_X, [0, 0, 1, 1])


def test_bad_data_raises_clear_errors():
    X, y = XOR_X, np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="X contains nan"):
        fnn.Perceptron().fit(np.where(X == 1, np.nan, X), y)
    with pytest.raises(ValueError, match="2-D"):
        fnn.Perceptron().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="same length"):
        fnn.Perceptron().fit(X, y[:3])
    with pytest.raises(ValueError, match="only one class"):
        fnn.Perceptron().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="continuous"):
        fnn.Perceptron().fit(X, [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="multilabel"):
        fnn.Perceptron().fit(X, np.eye(4)[:, :2].astype(int))
    with pytest.raises(ValueError, match="non-negative"):
        fnn.Perceptron().fit(X, y, sample_weight=[1, -1, 1, 1])
    with pytest.raises(ValueError, match="coef_init"):
        fnn.Perceptron().fit(X, y, coef_init=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="overflowed"):
        fnn.Perceptron(eta0=1e10).fit([[1e300], [-1e300]], [1, 0])
    model = fnn.Perceptron().fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="X contains inf"):
        model.decision_function([[np.inf, 0.0]])
    with pytest.raises(fnn.NotFittedError):
        fnn.Perceptron().predict(X)


def test_partial_fit_errors():
    X, y = XOR_X, np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="classes must be passed"):
        fnn.Perceptron().partial_fit(X, y)
    with pytest.raises(ValueError, match="not seen before"):
        fnn.Perceptron().partial_fit(X, [0, 0, 1, 2], classes=[0, 1])
    with pytest.raises(ValueError, match="balanced"):
        fnn.Perceptron(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    model = fnn.Perceptron().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="differs"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :1], y)


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
