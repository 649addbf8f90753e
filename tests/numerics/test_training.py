"""Training matches the NumPy reference step for step, and scikit-learn's
MLP weight for weight."""
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn
from fnn._layout import Layout
from fnn._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from fnncore import _epoch

from reference import ReferenceOptimizer, train_epoch
from reference_poisson import ReferenceMLP

RULES = {  # name -> (fnn kernel step, reference optimiser kwargs)
    "sgd": (dict(kind=0, momentum=0.0), dict(solver="sgd", momentum=0.0)),
    "momentum": (dict(kind=1, momentum=0.9), dict(solver="sgd", nesterov=False)),
    "nesterov": (dict(kind=2, momentum=0.9), dict(solver="sgd", nesterov=True)),
    "adam": (dict(kind=3, momentum=0.0), dict(solver="adam")),
}


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_per_example_loop_matches_reference_step_for_step(rule, loss, rng):
    units = (6, 9, 4, 3)
    layout = Layout(units)
    n = 10
    X = rng.randn(n, units[0])
    X[:, :4][rng.rand(n, 4) < 0.5] = 0  # exercise the zero-skipping paths
    Y = (np.eye(3)[rng.randint(0, 3, n)] if loss != "squared_error" else rng.randn(n, 3))
    init = rng.uniform(-0.5, 0.5, layout.n_params)
    order = rng.permutation(n).astype(np.intp)
    lr, alpha = 0.05, 0.01
    step = {"learning_rate": lr, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
            **RULES[rule][0]}
    code, out_name = LOSSES[loss]
    for k in range(1, n + 1):
        params = init.copy()
        state = (np.zeros_like(params) if rule != "sgd" else np.empty(0),
                 np.zeros_like(params) if rule == "adam" else np.empty(0))
        _epoch.train_epoch(X, Y, np.empty(0), order[:k], layout.table, params, *state,
                           HIDDEN_ACTIVATIONS["logistic"], ACTIVATIONS[out_name], code,
                           alpha, step, 0)
        net = ReferenceMLP(layout.coefs(init), layout.intercepts(init), "logistic", loss)
        opt = ReferenceOptimizer(net.Ws + net.bs, lr=lr, **RULES[rule][1])
        train_epoch(net, opt, X, Y, order[:k], 1, alpha)
        for got, want in zip(layout.coefs(params) + layout.intercepts(params),
                             net.Ws + net.bs):
            assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=f"after step {k}")


def _epoch_problem(rng, n=40, units=(6, 9, 3)):
    layout = Layout(units)
    X = rng.randn(n, units[0])
    Y = np.eye(units[-1])[rng.randint(0, units[-1], n)]
    params = rng.uniform(-0.5, 0.5, layout.n_params)
    order = rng.permutation(n).astype(np.intp)
    code, out_name = LOSSES["log_loss"]
    adam = {"kind": 3, "learning_rate": 0.01, "momentum": 0.0, "beta_1": 0.9,
            "beta_2": 0.999, "epsilon": 1e-8}

    def epoch(**kwargs):
        trained = params.copy()
        state = np.zeros_like(trained), np.zeros_like(trained)
        result = _epoch.train_epoch(X, Y, np.empty(0), order, layout.table, trained, *state,
                                    HIDDEN_ACTIVATIONS["relu"], ACTIVATIONS[out_name], code,
                                    1e-3, adam, 0, **kwargs)
        return trained, result
    return epoch


def test_train_epoch_runs_batches_of_one_per_example_by_default(rng):
    """batch_size 1 picks the per-example kernel; the mini-batch kernel on
    batches of one row computes the same updates by other code."""
    epoch = _epoch_problem(rng)
    default, (loss, n_updates, diverged) = epoch()
    assert (n_updates, diverged) == (40, False)
    assert_array_equal(default, epoch(per_example=True)[0])
    batched, (batched_loss, batched_updates, _) = epoch(batch_size=1, per_example=False)
    assert batched_updates == 40
    assert_allclose(batched, default, rtol=1e-12, atol=1e-14)
    assert_allclose(batched_loss, loss, rtol=1e-12)
    assert epoch(batch_size=8)[1][1] == 5


@pytest.mark.parametrize("kwargs", [{}, dict(batch_size=4)])
def test_train_epoch_over_no_rows_changes_nothing(kwargs):
    layout = Layout((4, 3, 2))
    params = np.random.RandomState(0).rand(layout.n_params)
    trained = params.copy()
    adam = {"kind": 3, "learning_rate": 0.01, "momentum": 0.0, "beta_1": 0.9,
            "beta_2": 0.999, "epsilon": 1e-8}
    result = _epoch.train_epoch(np.empty((0, 4)), np.empty((0, 2)), np.empty(0),
                                np.empty(0, np.intp), layout.table, trained,
                                np.zeros_like(trained), np.zeros_like(trained),
                                HIDDEN_ACTIVATIONS["relu"], ACTIVATIONS["softmax"],
                                LOSSES["log_loss"][0], 1e-4, adam, 7,
                                class_scale=np.empty(0), **kwargs)
    assert result == (0.0, 7, False)
    assert_array_equal(trained, params)


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size must be >= 1"),
    (dict(batch_size=-3, per_example=False), "batch_size must be >= 1"),
    (dict(batch_size=8, per_example=True), "per_example takes batch_size 1"),
    (dict(examples_per_merge=0), "examples_per_merge must be >= 1"),
])
def test_train_epoch_refuses_a_batching_it_cannot_run(rng, kwargs, message):
    with pytest.raises(ValueError, match=message):
        _epoch_problem(rng)(**kwargs)


def _assigned_model_and_reference(solver, momentum, batch_size, rng, **kwargs):
    X = rng.randn(30, 5)
    y = rng.randint(0, 3, 30)
    model = fnn.MLPClassifier((7,), activation="tanh", solver=solver, momentum=momentum,
                              batch_size=batch_size, learning_rate_init=0.02, alpha=0.01,
                              shuffle=False, random_state=0, n_iter_no_change=100,
                              **kwargs)
    model.partial_fit(X, y, classes=[0, 1, 2])
    Ws = [rng.uniform(-0.5, 0.5, W.shape) for W in model.coefs_]
    bs = [rng.uniform(-0.5, 0.5, b.shape) for b in model.intercepts_]
    model.coefs_ = Ws
    model.intercepts_ = bs
    net = ReferenceMLP(Ws, bs, "tanh", "log_loss")
    opt = ReferenceOptimizer(net.Ws + net.bs, solver, 0.02, momentum=momentum)
    return model, net, opt, X, y


def _assert_same_weights(model, net):
    for got, want in zip(model.coefs_ + model.intercepts_, net.Ws + net.bs):
        assert_allclose(got, want, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("batch_size", [1, 4, "auto"])
@pytest.mark.parametrize("solver, momentum", [("sgd", 0.0), ("sgd", 0.9), ("adam", 0.9)])
def test_warm_start_from_assigned_weights_matches_reference(solver, momentum, batch_size,
                                                            rng):
    model, net, opt, X, y = _assigned_model_and_reference(
        solver, momentum, batch_size, rng, warm_start=True, max_iter=3)
    model.fit(X, y)  # a fit starts a fresh optimiser, as the reference does
    size = 30 if batch_size == "auto" else batch_size
    expected = [train_epoch(net, opt, X, np.eye(3)[y], np.arange(30), size, 0.01)
                for _ in range(3)]
    assert model.n_iter_ == 3
    assert_allclose(model.loss_curve_[-3:], expected, rtol=1e-12)
    _assert_same_weights(model, net)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_partial_fit_from_assigned_weights_matches_reference(batch_size, rng):
    # Plain SGD keeps no optimiser state, so the epoch partial_fit ran before
    # the assignment leaves nothing behind.
    model, net, opt, X, y = _assigned_model_and_reference("sgd", 0.0, batch_size, rng)
    for _ in range(3):
        model.partial_fit(X, y)
        expected = train_epoch(net, opt, X, np.eye(3)[y], np.arange(30), batch_size, 0.01)
        assert_allclose(model.loss_, expected, rtol=1e-12)
        _assert_same_weights(model, net)


SKLEARN_CASES = [
    dict(solver="sgd", batch_size=1, momentum=0.0),
    dict(solver="sgd", batch_size=1),
    dict(solver="sgd", batch_size=1, nesterovs_momentum=False, activation="tanh"),
    dict(solver="adam", batch_size=1, alpha=0.01),
    dict(solver="sgd", batch_size=16, learning_rate="invscaling", learning_rate_init=0.1),
    dict(solver="sgd", batch_size=32, learning_rate="adaptive", activation="logistic",
         tol=1e-2, n_iter_no_change=2, max_iter=30),
    dict(solver="adam", batch_size=50, activation="identity"),
    dict(solver="adam", tol=1e-1, n_iter_no_change=2, max_iter=30),
]


@pytest.mark.parametrize("params", SKLEARN_CASES)
@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel", "regression"])
def test_same_seed_same_weights_as_scikit_learn(task, params):
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    rng = np.random.RandomState(3)
    X = rng.rand(120, 8)
    if task == "multiclass":
        y = rng.randint(0, 4, 120)
    elif task == "binary":
        y = np.where(X[:, 0] + X[:, 1] > 1, "yes", "no")
    elif task == "multilabel":
        y = (X[:, :3] + 0.3 * rng.randn(120, 3) > 0.5).astype(int)
    else:
        y = np.c_[np.sin(3 * X[:, 0]), X[:, 1] * X[:, 2]]
    kwargs = dict(hidden_layer_sizes=(10, 6), random_state=7, **{"max_iter": 8, **params})
    if task == "regression":
        ours, theirs = fnn.MLPRegressor(**kwargs), sklearn_nn.MLPRegressor(**kwargs)
    else:
        ours, theirs = fnn.MLPClassifier(**kwargs), sklearn_nn.MLPClassifier(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y)
        theirs.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    for got, want in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    assert_allclose(ours.predict(X[:20]) if task == "regression" else 0,
                    theirs.predict(X[:20]) if task == "regression" else 0, rtol=1e-10)
    if task != "regression":
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-10,
                        atol=1e-13)
        assert ours.out_activation_ == theirs.out_activation_


@pytest.mark.parametrize("params", SKLEARN_CASES)
@pytest.mark.parametrize("outputs", [1, 2])
def test_poisson_same_weights_as_scikit_learn(params, outputs):
    """loss='poisson' (exp output, half Poisson deviance) steps as
    scikit-learn's MLPRegressor from the same seed, and predicts the same."""
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    rng = np.random.RandomState(5)
    X = rng.rand(120, 8)
    y = rng.poisson(np.exp(np.c_[X[:, 0] + X[:, 1], 1 - X[:, 2]][:, :outputs]))
    y = y.ravel() if outputs == 1 else y
    kwargs = dict(loss="poisson", hidden_layer_sizes=(10, 6), random_state=7,
                  **{"max_iter": 8, **params})
    ours, theirs = fnn.MLPRegressor(**kwargs), sklearn_nn.MLPRegressor(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y)
        theirs.fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-11)
    for got, want in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)


def test_poisson_lbfgs_matches_scikit_learn():
    # float64: L-BFGS's line searches amplify float32 rounding (scikit-learn
    # sums float32's loss in float32, fnn in float64) into other paths.
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    rng = np.random.RandomState(2)
    X = rng.rand(150, 5)
    y = rng.poisson(np.exp(2 * X[:, 0] - X[:, 3]))
    kwargs = dict(loss="poisson", hidden_layer_sizes=(7,), solver="lbfgs", max_iter=40,
                  alpha=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = fnn.MLPRegressor(**kwargs).fit(X, y)
        theirs = sklearn_nn.MLPRegressor(**kwargs).fit(X, y)
    tol = 1e-4
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_, theirs.loss_, rtol=tol)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=tol)


def test_poisson_refuses_negative_targets():
    with pytest.raises(ValueError, match="valid range of the loss 'poisson'.*row 3"):
        fnn.MLPRegressor(loss="poisson").fit(np.ones((5, 2)), [0, 1, 2, -1, 4])
