"""The compiled activations against NumPy, and their derivatives against
finite differences."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from fnn._registry import ACTIVATIONS
from fnncore import _activations

from reference import ACT, softmax

NUMPY = {**ACT, "softmax": softmax, "step": lambda z: (z > 0).astype(z.dtype),
         "exp": np.exp}
TOL = {np.float32: 2e-6, np.float64: 1e-13}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_numpy(name, dtype, rng):
    Z = (rng.randn(7, 5) * 4).astype(dtype)
    Z[0, :] = [0, -0.0, 1e-30, -1e-30, 3]
    out = Z.copy()
    _activations.activate(ACTIVATIONS[name], out)
    assert out.dtype == dtype
    assert_allclose(out, NUMPY[name](Z.astype(np.float64)), rtol=TOL[dtype],
                    atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_sigmoid_are_stable_at_extremes(dtype):
    Z = np.array([[1000, 0, -1000], [-1000, -1000, -1000], [88, 89, 90]], dtype=dtype)
    out = Z.copy()
    _activations.activate(ACTIVATIONS["softmax"], out)
    assert np.isfinite(out).all()
    assert_allclose(out.sum(axis=1), 1, rtol=1e-6)
    assert_allclose(out[0], [1, 0, 0])
    out = Z.copy()
    _activations.activate(ACTIVATIONS["logistic"], out)
    assert np.isfinite(out).all()
    assert out[0, 0] == 1 and out[0, 2] == 0


@pytest.mark.parametrize("name", ["identity", "logistic", "tanh", "relu"])
def test_derivative_from_output_matches_finite_differences(name, rng):
    Z = rng.randn(6, 4) * 2
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from relu's kink
    H = Z.copy()
    _activations.activate(ACTIVATIONS[name], H)
    delta = rng.randn(6, 4)
    got = delta.copy()
    _activations.derivative(ACTIVATIONS[name], H, got)
    h = 1e-6
    numeric = (ACT[name](Z + h) - ACT[name](Z - h)) / (2 * h)
    assert_allclose(got, delta * numeric, rtol=1e-7, atol=1e-9)
