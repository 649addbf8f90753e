"""fnn learns what the course notes say a network can learn, and as well as
scikit-learn does on real data."""
import warnings

import numpy as np
import pytest

import fnn
from fnn.datasets import load_digits

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def _fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


@pytest.mark.parametrize("hidden", [(), (8,), (8, 8)])
def test_linear_units_cannot_learn_xor(hidden):
    """Composing linear units stays linear: with identity activations no
    network separates XOR, at most 3 of its 4 points."""
    for seed in range(5):
        model = fnn.MLPClassifier(hidden, activation="identity", solver="adam",
                                  learning_rate_init=0.05, max_iter=500, random_state=seed)
        _fit_quietly(model, XOR_X, XOR_Y)
        assert model.score(XOR_X, XOR_Y) <= 0.75


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
@pytest.mark.parametrize("batch_size", [1, 4])
def test_a_hidden_nonlinearity_learns_xor(activation, batch_size):
    # Sigmoid units sit on long plateaus for XOR: train through them instead
    # of letting the no-improvement rule stop early.
    for seed in range(3):
        model = fnn.MLPClassifier((8,), activation=activation, solver="adam",
                                  batch_size=batch_size, learning_rate_init=0.05,
                                  max_iter=2000, n_iter_no_change=2000, tol=0,
                                  random_state=seed)
        _fit_quietly(model, XOR_X, XOR_Y)
        assert model.score(XOR_X, XOR_Y) == 1.0
        proba = model.predict_proba(XOR_X)
        assert (proba[np.arange(4), XOR_Y] > 0.8).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_of_a_smooth_function(dtype):
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, (400, 1)).astype(dtype)
    y = np.sin(X[:, 0]) + 0.1 * X[:, 0] ** 2
    model = fnn.MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", solver="adam",
                             learning_rate_init=0.01, max_iter=1000, tol=0, random_state=0)
    _fit_quietly(model, X, y)
    X_test = np.linspace(-2.9, 2.9, 200, dtype=dtype).reshape(-1, 1)
    y_test = np.sin(X_test[:, 0]) + 0.1 * X_test[:, 0] ** 2
    assert model.predict(X_test).dtype == dtype
    assert model.score(X_test, y_test) > 0.99
    assert np.abs(model.predict(X_test) - y_test).max() < 0.15


def _digits_split():
    X, y = load_digits()
    X = X / 16.0
    order = np.random.RandomState(0).permutation(len(X))
    return X[order[:1300]], y[order[:1300]], X[order[1300:]], y[order[1300:]]


@pytest.mark.parametrize("settings", [
    dict(solver="adam", max_iter=60),
    dict(solver="sgd", batch_size=1, momentum=0.0, learning_rate_init=0.02, max_iter=15),
    dict(solver="sgd", batch_size=32, learning_rate_init=0.1, max_iter=40),
])
def test_digits_accuracy_at_least_scikit_learn(settings):
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    X_train, y_train, X_test, y_test = _digits_split()
    kwargs = dict(hidden_layer_sizes=(64,), random_state=0, **settings)
    ours = _fit_quietly(fnn.MLPClassifier(**kwargs), X_train, y_train)
    theirs = _fit_quietly(sklearn_nn.MLPClassifier(**kwargs), X_train, y_train)
    ours_acc, theirs_acc = ours.score(X_test, y_test), theirs.score(X_test, y_test)
    assert ours_acc >= theirs_acc - 0.01
    assert ours_acc > 0.9


def test_float32_trains_in_float32_and_matches_float64():
    X_train, y_train, X_test, y_test = _digits_split()
    kwargs = dict(hidden_layer_sizes=(32,), solver="sgd", batch_size=1, momentum=0.0,
                  learning_rate_init=0.02, max_iter=5, random_state=0)
    m32 = _fit_quietly(fnn.MLPClassifier(**kwargs), X_train.astype(np.float32), y_train)
    m64 = _fit_quietly(fnn.MLPClassifier(**kwargs), X_train, y_train)
    assert all(W.dtype == np.float32 for W in m32.coefs_ + m32.intercepts_)
    assert m32.predict_proba(X_test).dtype == np.float32
    assert all(W.dtype == np.float64 for W in m64.coefs_)
    for W32, W64 in zip(m32.coefs_, m64.coefs_):
        np.testing.assert_allclose(W32, W64, atol=2e-3)
    assert abs(m32.score(X_test, y_test) - m64.score(X_test, y_test)) <= 0.01
