"""Per-example losses against NumPy, and the fused output delta p - y
against the finite-difference gradient of loss(activation(z))."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from fnn._registry import ACTIVATIONS, LOSSES
from fnncore import _activations, _losses

from reference_poisson import OUT, loss_value


def _targets(name, rng, n, k):
    if name == "squared_error":
        return rng.randn(n, k)
    if name == "log_loss":
        return np.eye(k)[rng.randint(0, k, n)]
    if name == "poisson":
        return rng.poisson(2.0, (n, k)).astype(float)
    return (rng.rand(n, k) > 0.5).astype(float)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_numpy(name, dtype, rng):
    code, out_name = LOSSES[name]
    Y = _targets(name, rng, 9, 4).astype(dtype)
    P = rng.randn(9, 4).astype(dtype)
    _activations.activate(ACTIVATIONS[out_name], P)
    per_example = np.empty(9)
    _losses.loss_per_example(code, Y, P, per_example)
    expected = [loss_value(name, Y[i:i + 1], P[i:i + 1]) for i in range(9)]
    assert_allclose(per_example, expected, rtol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("name", ["log_loss", "binary_log_loss"])
def test_log_losses_stay_finite_for_confident_mistakes(name):
    code, _ = LOSSES[name]
    Y = np.array([[1.0, 0.0]])
    P = np.array([[0.0, 1.0]])
    out = np.empty(1)
    _losses.loss_per_example(code, Y, P, out)
    assert np.isfinite(out).all() and out[0] > 30


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_output_delta_is_gradient_of_loss_through_output_activation(name, rng):
    code, out_name = LOSSES[name]
    Y = _targets(name, rng, 5, 3)
    Z = rng.randn(5, 3)
    P = OUT[name](Z)
    delta = np.empty_like(P)
    _losses.output_delta(Y, P, delta)
    h = 1e-6
    numeric = np.empty_like(Z)
    for i in range(5):
        for j in range(3):
            Zp, Zm = Z.copy(), Z.copy()
            Zp[i, j] += h
            Zm[i, j] -= h
            numeric[i, j] = (loss_value(name, Y[i:i + 1], OUT[name](Zp)[i:i + 1])
                             - loss_value(name, Y[i:i + 1], OUT[name](Zm)[i:i + 1])) / (2 * h)
    # scikit-learn's squared_error is half the *mean* over outputs, yet its
    # update uses delta = p - y (the gradient of half the *sum*); fnn keeps
    # that convention so its updates equal scikit-learn's.
    scale = Y.shape[1] if name == "squared_error" else 1
    assert_allclose(delta, numeric * scale, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_poisson_loss_is_scikit_learns_half_deviance(dtype, rng):
    """Per example, summed over outputs, zero counts included; the mean over
    examples is scikit-learn's poisson_loss."""
    base = pytest.importorskip("sklearn.neural_network._base")
    Y = rng.poisson(1.0, (50, 3)).astype(dtype)
    assert (Y == 0).any()
    P = np.exp(rng.randn(50, 3)).astype(dtype)
    per_example = np.empty(50)
    _losses.loss_per_example(LOSSES["poisson"][0], Y, P, per_example)
    assert_allclose(per_example.mean(), base.poisson_loss(Y, P),
                    rtol=1e-6 if dtype == np.float32 else 1e-13)
