"""Multi-threaded training gives the single-thread result."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn
from fnn._layout import Layout
from fnn._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from fnncore import _sgd

RULES = {
    "sgd": dict(kind=0, momentum=0.0),
    "nesterov": dict(kind=2, momentum=0.9),
    "adam": dict(kind=3, momentum=0.0),
}


def _per_example_epoch(units, rule, loss, dtype, n_threads, alpha=0.01, seed=0):
    rng = np.random.RandomState(seed)
    layout = Layout(units)
    n = 40
    X = rng.rand(n, units[0]).astype(dtype)
    X[rng.rand(n, units[0]) < 0.4] = 0
    k = units[-1]
    Y = (np.eye(k)[rng.randint(0, k, n)] if loss != "squared_error"
         else rng.randn(n, k)).astype(dtype)
    params = rng.uniform(-0.3, 0.3, layout.n_params).astype(dtype)
    state = (np.zeros_like(params) if rule != "sgd" else np.empty(0, dtype),
             np.zeros_like(params) if rule == "adam" else np.empty(0, dtype))
    step = {"learning_rate": 0.05, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
            **RULES[rule]}
    code, out_name = LOSSES[loss]
    result = _sgd.sgd_epoch(X, Y, np.empty(0, dtype), rng.permutation(n).astype(np.intp),
                            layout.table, params, *state, HIDDEN_ACTIVATIONS["tanh"],
                            ACTIVATIONS[out_name], code, alpha, step, 0,
                            n_threads=n_threads)
    return params, state, result


@pytest.mark.parametrize("n_threads", [2, 3, 5])
@pytest.mark.parametrize("units", [(20, 40, 3), (33, 70, 17, 4), (8, 5), (12, 100, 50, 30, 2),
                                   (6, 3, 2)])
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threads_give_bit_identical_weights(units, rule, dtype, n_threads):
    loss = "log_loss" if units[-1] > 2 else "binary_log_loss"
    p1, s1, (loss1, t1, div1) = _per_example_epoch(units, rule, loss, dtype, 1)
    pn, sn, (lossn, tn, divn) = _per_example_epoch(units, rule, loss, dtype, n_threads)
    assert_array_equal(pn, p1)
    for a, b in zip(sn, s1):
        assert_array_equal(a, b)
    assert (tn, divn) == (t1, div1) == (40, False)
    assert_allclose(lossn, loss1, rtol=1e-5)


@pytest.mark.parametrize("n_jobs", [1, 2, None, -1])
def test_estimator_n_jobs_gives_the_same_model(n_jobs):
    rng = np.random.RandomState(0)
    X = rng.rand(300, 200)
    y = (X[:, :5].sum(axis=1) > 2.5).astype(int) + (X[:, 5] > 0.5)
    kwargs = dict(hidden_layer_sizes=(256,), solver="sgd", batch_size=1, max_iter=3,
                  learning_rate_init=0.01, random_state=0)
    reference = fnn.MLPClassifier(**kwargs, n_jobs=1).fit(X, y)
    model = fnn.MLPClassifier(**kwargs, n_jobs=n_jobs).fit(X, y)
    for a, b in zip(model.coefs_ + model.intercepts_,
                    reference.coefs_ + reference.intercepts_):
        assert_array_equal(a, b)
    assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-7)


def test_divergence_is_seen_by_every_thread():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 300) * 1e4
    y = rng.randn(200) * 1e6
    model = fnn.MLPRegressor(hidden_layer_sizes=(128,), solver="sgd", momentum=0.0,
                             learning_rate_init=10.0, batch_size=1, n_jobs=2,
                             max_iter=2)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X, y)
    assert all(np.isfinite(W).all() for W in model.coefs_)


def _minibatch_fit(n_jobs, solver, dtype, batch_size=16):
    rng = np.random.RandomState(1)
    X = rng.rand(203, 40).astype(dtype)
    y = rng.randint(0, 4, 203)
    model = fnn.MLPClassifier((33, 17), solver=solver, batch_size=batch_size, max_iter=3,
                              alpha=0.01, learning_rate_init=0.01, random_state=0,
                              n_jobs=n_jobs)
    with pytest.warns(fnn.ConvergenceWarning):
        return model.fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("n_jobs", [2, 3])
def test_minibatch_threads_agree_with_one_thread_and_are_reproducible(n_jobs, solver,
                                                                      dtype):
    one = _minibatch_fit(1, solver, dtype)
    many = _minibatch_fit(n_jobs, solver, dtype)
    again = _minibatch_fit(n_jobs, solver, dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for a, b, c in zip(many.coefs_ + many.intercepts_, one.coefs_ + one.intercepts_,
                       again.coefs_ + again.intercepts_):
        assert_allclose(a, b, rtol=tol, atol=tol)  # the batch sum split differently
        assert_array_equal(a, c)  # the same number of threads: bit for bit
    assert_allclose(many.loss_curve_, one.loss_curve_, rtol=tol)


def test_more_threads_than_rows_in_a_batch():
    one = _minibatch_fit(1, "sgd", np.float64, batch_size=2)
    many = _minibatch_fit(5, "sgd", np.float64, batch_size=2)
    for a, b in zip(many.coefs_, one.coefs_):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)
