"""The gradient the compiled training loops apply, against central finite
differences of the loss, for every activation x loss x dtype x loop.

One plain-SGD step with learning rate 1 moves the parameters by exactly
minus the gradient, so `before - after` is the gradient the kernel used.
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from fnn._layout import Layout
from fnn._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from fnncore._epoch import train_epoch

from reference_poisson import ReferenceMLP

PLAIN_SGD = {"kind": 0, "learning_rate": 1.0, "momentum": 0.0, "beta_1": 0.0,
             "beta_2": 0.0, "epsilon": 0.0}


def make_problem(loss, n, rng, units=(4, 5, 3, 3)):
    layout = Layout(units)
    params = rng.uniform(-0.8, 0.8, layout.n_params)
    X = rng.randn(n, units[0])
    k = units[-1]
    if loss == "squared_error":
        Y = rng.randn(n, k)
    elif loss == "log_loss":
        Y = np.eye(k)[rng.randint(0, k, n)]
    elif loss == "poisson":
        Y = rng.poisson(1.5, (n, k)).astype(float)
    else:
        Y = (rng.rand(n, k) > 0.5).astype(float)
    return layout, params, X, Y


def applied_gradient(path, layout, params, X, Y, activation, loss, alpha, dtype):
    p = params.astype(dtype)
    code, out_name = LOSSES[loss]
    args = dict(layout=layout.table, params=p, state1=np.empty(0, dtype),
                state2=np.empty(0, dtype), hidden_activation=HIDDEN_ACTIVATIONS[activation],
                output_activation=ACTIVATIONS[out_name], loss=code, alpha=alpha,
                step=PLAIN_SGD, n_updates=0)
    X, Y = X.astype(dtype), Y.astype(dtype)
    order = np.arange(len(X), dtype=np.intp)
    if path == "per_example":
        _, _, diverged = train_epoch(X, Y, np.empty(0, dtype), order, **args,
                                     per_example=True)
    else:
        _, _, diverged = train_epoch(X, Y, np.empty(0, dtype), order, **args,
                                     batch_size=len(X), per_example=False)
    assert not diverged
    return params.astype(dtype).astype(np.float64) - p.astype(np.float64)


def finite_difference_gradient(layout, params, X, Y, activation, loss, alpha, h=1e-6):
    def objective(flat):
        net = ReferenceMLP(layout.coefs(flat), layout.intercepts(flat), activation, loss)
        return net.objective(X, Y, alpha, descended=True)

    grad = np.empty_like(params)
    for k in range(len(params)):
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        grad[k] = (objective(up) - objective(down)) / (2 * h)
    return grad


@pytest.mark.parametrize("path", ["per_example", "minibatch"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
def test_applied_gradient_matches_finite_differences(activation, loss, dtype, path):
    rng = np.random.RandomState(1)
    n = 1 if path == "per_example" else 7
    layout, params, X, Y = make_problem(loss, n, rng)
    alpha = 0.3
    params = params.astype(dtype).astype(np.float64)  # exact in both dtypes
    got = applied_gradient(path, layout, params, X, Y, activation, loss, alpha, dtype)
    expected = finite_difference_gradient(layout, params, X, Y, activation, loss, alpha)
    if dtype == np.float64:
        assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    else:
        # float32 rounding of params - (params - g) bounds the accuracy.
        assert_allclose(got, expected, rtol=1e-3, atol=2e-6)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_gradient_matches_reference_backprop(loss, rng):
    """The same check against the NumPy reference's analytic gradient, on a
    deeper network."""
    layout, params, X, Y = make_problem(loss, 9, rng, units=(6, 8, 7, 5, 4))
    net = ReferenceMLP(layout.coefs(params), layout.intercepts(params), "tanh", loss)
    gW, gb = net.gradients(X, Y, alpha=0.1)
    expected = np.empty_like(params)
    for W, b, dW, db in zip(layout.coefs(expected), layout.intercepts(expected), gW, gb):
        W[...] = dW
        b[...] = db
    got = applied_gradient("minibatch", layout, params, X, Y, "tanh", loss, 0.1, np.float64)
    assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
