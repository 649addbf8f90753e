"""Training on several threads.

Per-example SGD runs local SGD (see src/fnncore/_sgd.pyx): its result is
checked against the definition, built from one-thread epochs and NumPy
merges, and for reproducibility.  Mini-batch training splits rows and gives
the one-thread result up to summation order.
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn
from fnn.datasets import load_digits
from fnn._layout import Layout
from fnn._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from fnncore._epoch import train_epoch

RULES = {
    "sgd": dict(kind=0, momentum=0.0),
    "nesterov": dict(kind=2, momentum=0.9),
    "adam": dict(kind=3, momentum=0.0),
}


class PerExampleProblem:
    """A small network, data and optimiser to train per example with
    fnncore._epoch.train_epoch."""

    def __init__(self, units, rule, dtype, alpha=0.01, n=40, seed=0):
        rng = np.random.RandomState(seed)
        self.layout = Layout(units)
        self.X = rng.rand(n, units[0]).astype(dtype)
        self.X[rng.rand(n, units[0]) < 0.4] = 0
        k = units[-1]
        self.loss = "log_loss" if k > 2 else "binary_log_loss"
        self.Y = np.eye(k)[rng.randint(0, k, n)].astype(dtype)
        self.params = rng.uniform(-0.3, 0.3, self.layout.n_params).astype(dtype)
        self.states = (np.zeros_like(self.params) if rule != "sgd" else np.empty(0, dtype),
                       np.zeros_like(self.params) if rule == "adam" else np.empty(0, dtype))
        self.order = rng.permutation(n).astype(np.intp)
        self.step = {"learning_rate": 0.05, "beta_1": 0.9, "beta_2": 0.999,
                     "epsilon": 1e-8, **RULES[rule]}
        self.alpha = alpha

    def epoch(self, params, states, order, n_updates, n_threads=1, examples_per_merge=4):
        """One call of the kernel on `params` and `states` (changed in place)."""
        code, out_name = LOSSES[self.loss]
        return train_epoch(self.X, self.Y, np.empty(0, self.X.dtype), order,
                           self.layout.table, params, *states,
                           HIDDEN_ACTIVATIONS["tanh"], ACTIVATIONS[out_name], code,
                           self.alpha, self.step, n_updates, n_threads=n_threads,
                           examples_per_merge=examples_per_merge)

    def local_sgd_by_definition(self, n_threads, examples_per_merge):
        """Local SGD built from one-thread epochs: in every round of
        n_threads * examples_per_merge examples, thread t trains a copy of the
        weights on its share; the weights then move by the sum of the copies'
        changes (Adam: become the copies' mean) and the optimiser state
        becomes the copies' mean.  Under the momentum rules, only thread 0
        starts a round with the velocity; the others start from zero."""
        params = self.params.copy()
        states = [s.copy() for s in self.states]
        dtype = params.dtype.type
        loss_sum, n = 0.0, len(self.order)
        round_size = n_threads * examples_per_merge
        for start in range(0, n, round_size):
            span = min(round_size, n - start)
            bounds = [start + span * t // n_threads for t in range(n_threads + 1)]
            copies = []
            for t in range(n_threads):
                copy = (params.copy(), [s.copy() for s in states])
                if t > 0 and self.step["kind"] != RULES["adam"]["kind"]:
                    copy[1][0][...] = 0  # only thread 0 keeps the velocity
                loss, _, _ = self.epoch(copy[0], copy[1],
                                        self.order[bounds[t]:bounds[t + 1]].copy(),
                                        bounds[t])
                loss_sum += loss
                copies.append(copy)
            if self.step["kind"] == RULES["adam"]["kind"]:
                total = np.zeros_like(params)
                for copy_params, _ in copies:
                    total = total + copy_params
                params = total * (dtype(1) / dtype(n_threads))
            else:
                merged = params
                for copy_params, _ in copies:
                    merged = merged + (copy_params - params)
                params = merged
            for i, state in enumerate(states):
                if state.size:
                    total = np.zeros_like(state)
                    for _, copy_states in copies:
                        total = total + copy_states[i]
                    states[i] = total * (dtype(1) / dtype(n_threads))
        return params, states, loss_sum


UNITS = [(20, 40, 3), (33, 70, 17, 4), (8, 5), (12, 100, 50, 30, 2), (6, 3, 2)]


@pytest.mark.parametrize("examples_per_merge", [1, 4, 7, 100])
@pytest.mark.parametrize("n_threads", [2, 3])
@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threads_run_local_sgd_as_defined(units, rule, dtype, n_threads,
                                          examples_per_merge):
    problem = PerExampleProblem(units, rule, dtype)
    expected, expected_states, expected_loss = problem.local_sgd_by_definition(
        n_threads, examples_per_merge)
    params = problem.params.copy()
    states = [s.copy() for s in problem.states]
    loss, n_updates, diverged = problem.epoch(params, states, problem.order, 0,
                                              n_threads, examples_per_merge)
    assert_array_equal(params, expected)
    for a, b in zip(states, expected_states):
        assert_array_equal(a, b)
    assert (n_updates, diverged) == (40, False)
    # The L2 penalty's ||W||^2 is summed in another order by the merge.
    assert_allclose(loss, expected_loss, rtol=1e-5)


@pytest.mark.parametrize("rule", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_round_sums_sgd_changes_and_averages_adam_weights(rule, dtype):
    problem = PerExampleProblem((20, 40, 3), rule, dtype, alpha=0.0)
    halves = np.array_split(problem.order, 2)
    changes = []
    for t, half in enumerate(halves):
        copy = problem.params.copy()
        problem.epoch(copy, [s.copy() for s in problem.states], half.copy(),
                      t * len(halves[0]))
        changes.append(copy - problem.params)
    params = problem.params.copy()
    problem.epoch(params, [s.copy() for s in problem.states], problem.order, 0,
                  n_threads=2, examples_per_merge=len(problem.order))
    merged_change = changes[0] + changes[1]
    if rule == "adam":
        merged_change /= 2
    assert_allclose(params, problem.params + merged_change,
                    rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_threads_are_reproducible(rule):
    problem = PerExampleProblem((33, 70, 17, 4), rule, np.float32)
    results = []
    for _ in range(2):
        params = problem.params.copy()
        states = [s.copy() for s in problem.states]
        problem.epoch(params, states, problem.order, 7, n_threads=2)
        results.append((params, states))
    assert_array_equal(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        assert_array_equal(a, b)


def test_examples_per_merge_must_be_positive():
    problem = PerExampleProblem((8, 5), "sgd", np.float64)
    with pytest.raises(ValueError, match="examples_per_merge"):
        problem.epoch(problem.params.copy(), problem.states, problem.order, 0, 2, 0)


def _xor_like(n=600, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, 30)
    y = (X[:, :5].sum(axis=1) > 2.5).astype(int) + (X[:, 5] > 0.5)
    return X, y


def test_per_example_default_is_one_thread():
    """n_jobs=None keeps scikit-learn's sequence of updates; threads change
    the algorithm, so they run only when asked for."""
    X, y = _xor_like(300)
    kwargs = dict(hidden_layer_sizes=(64,), solver="sgd", batch_size=1, max_iter=2,
                  learning_rate_init=0.01, random_state=0)
    with pytest.warns(fnn.ConvergenceWarning):
        reference = fnn.MLPClassifier(**kwargs, n_jobs=1).fit(X, y)
        model = fnn.MLPClassifier(**kwargs).fit(X, y)
    for a, b in zip(model.coefs_ + model.intercepts_,
                    reference.coefs_ + reference.intercepts_):
        assert_array_equal(a, b)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("n_jobs", [2, -1])
def test_estimator_threads_learn_as_well_as_one(n_jobs, solver):
    X, y = load_digits()
    X = X / 16
    X_train, y_train, X_test, y_test = X[:1300], y[:1300], X[1300:], y[1300:]
    kwargs = dict(hidden_layer_sizes=(64,), solver=solver, batch_size=1, max_iter=20,
                  random_state=0, tol=0, n_iter_no_change=100)
    with pytest.warns(fnn.ConvergenceWarning):
        one = fnn.MLPClassifier(**kwargs, n_jobs=1).fit(X_train, y_train)
        many = fnn.MLPClassifier(**kwargs, n_jobs=n_jobs).fit(X_train, y_train)
        again = fnn.MLPClassifier(**kwargs, n_jobs=n_jobs).fit(X_train, y_train)
    assert one.score(X_test, y_test) > 0.9
    assert many.score(X_test, y_test) > one.score(X_test, y_test) - 0.02
    assert many.loss_curve_[-1] < 1.5 * one.loss_curve_[-1]
    for a, b in zip(many.coefs_ + many.intercepts_, again.coefs_ + again.intercepts_):
        assert_array_equal(a, b)


def test_divergence_is_seen_by_every_thread():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 300) * 1e4
    y = rng.randn(200) * 1e6
    model = fnn.MLPRegressor(hidden_layer_sizes=(128,), solver="sgd", momentum=0.0,
                             learning_rate_init=10.0, batch_size=1, n_jobs=2,
                             max_iter=2)
    # From scratch, no epoch finished: nothing trained to keep, fit refuses.
    with pytest.raises(ValueError, match="diverged in epoch 1"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")
    # From a fitted model, the last finished epoch's weights are kept.
    model.set_params(learning_rate_init=1e-6).fit(X / 1e4, y / 1e6)
    before = [W.copy() for W in model.coefs_ + model.intercepts_]
    with pytest.warns(fnn.ConvergenceWarning, match="diverged in epoch 1"):
        model.set_params(learning_rate_init=10.0, warm_start=True).fit(X, y)
    for W, saved in zip(model.coefs_ + model.intercepts_, before):
        assert_array_equal(W, saved)
    assert model.n_iter_ == 1 and np.isnan(model.loss_curve_[-1])


def _minibatch_fit(n_jobs, solver, dtype, batch_size=96):
    # 96 rows: split among 2 or 3 threads, each gets the 32 rows the kernel
    # asks of a share before it splits a batch (a smaller batch runs on one).
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
