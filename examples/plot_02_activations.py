"""
Activation functions and their derivatives
==========================================

Without a non-linear activation, a stack of layers is still one linear
function. An activation bends each unit's output; its derivative is the
factor that backpropagation multiplies by when it passes through the unit.

The curves below are the hidden-layer activations fnn's networks offer
(``activation=`` of :class:`fnn.MLPClassifier` and
:class:`fnn.MLPRegressor`): scikit-learn's four, then five it does not offer
(leaky ReLU, ELU, GELU, SiLU and softplus, with PyTorch's definitions),
plus the perceptron's step. Their derivatives
are not typed in by hand: :mod:`fnn.graph` computes them by
backpropagation, and the script checks them against the textbook formulas.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import ndtr

from fnn import graph

x = np.linspace(-5, 5, 401)

# %%
# Values and derivatives with fnn.graph
# -------------------------------------
# One Variable holds all 401 inputs. Each function acts element-wise, so the
# derivative of ``sum(f(x))`` with respect to ``x[i]`` is ``f'(x[i])``: one
# backward pass gives the whole derivative curve.
ACTIVATIONS = {
    "identity": lambda v: v,
    "logistic": graph.sigmoid,
    "tanh": graph.tanh,
    "relu": graph.relu,
    "leaky_relu": graph.leaky_relu,
    "elu": graph.elu,
    "gelu": graph.gelu,
    "silu": graph.silu,
    "softplus": graph.softplus,
}

curves = {}
for name, function in ACTIVATIONS.items():
    inputs = graph.Variable(x, name="x")
    outputs = function(inputs) * 1.0      # "* 1.0" makes identity a graph node too
    graph.sum(outputs).backward()
    curves[name] = outputs.value, inputs.grad

# %%
# The formulas they should match. The logistic sigmoid's derivative is
# written with its own output, s (1 - s), and tanh's as 1 - t**2: this is
# how a network computes them, from the activations it stored in the forward
# pass. ReLU's derivative at exactly 0 is taken as 0, as in scikit-learn.
sigma = 1 / (1 + np.exp(-x))
expected = {
    "identity": (x, np.ones_like(x)),
    "logistic": (sigma, sigma * (1 - sigma)),
    "tanh": (np.tanh(x), 1 - np.tanh(x) ** 2),
    "relu": (np.maximum(x, 0), (x > 0).astype(float)),
    # leaky ReLU's slope is 0.01 below 0 (and at 0, as in PyTorch).
    "leaky_relu": (np.where(x > 0, x, 0.01 * x), np.where(x > 0, 1.0, 0.01)),
    "elu": (np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
            np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
    # GELU is x Phi(x), Phi the normal CDF; its derivative Phi + x phi is not
    # a function of the output (GELU dips below 0 and comes back), so the
    # compiled core computes it in the forward pass, from x.
    "gelu": (x * ndtr(x), ndtr(x) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
    "silu": (x * sigma, sigma * (1 + x * (1 - sigma))),
    "softplus": (np.logaddexp(0, x), sigma),
}
for name, (value, derivative) in expected.items():
    np.testing.assert_allclose(curves[name][0], value, atol=1e-12)
    np.testing.assert_allclose(curves[name][1], derivative, atol=1e-12)
print("fnn.graph's derivatives match the formulas for", ", ".join(expected))

# %%
# The perceptron's step is flat everywhere except at 0, where it jumps: its
# derivative is 0 wherever it exists. A gradient through a step unit is
# always zero, which is why networks trained by backpropagation use smooth
# (or piecewise linear) activations instead, and the perceptron has its own
# update rule.
curves["step (perceptron)"] = (x > 0).astype(float), np.zeros_like(x)

# Each function above its derivative, six per pair of rows.
fig, axes = plt.subplots(4, 6, figsize=(15, 9), sharex=True, layout="constrained")
for k, (name, (value, derivative)) in enumerate(curves.items()):
    top, column = 2 * (k // 6), k % 6
    axes[top, column].plot(x, value, color="tab:blue")
    axes[top, column].set_title(name)
    axes[top + 1, column].plot(x, derivative, color="tab:orange")
    for ax in axes[top:top + 2, column]:
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
for ax in axes[2:, 5]:
    ax.set_visible(False)  # 11 curves in 12 places
for top in (0, 2):
    axes[top, 0].set_ylabel("f(x)")
    axes[top + 1, 0].set_ylabel("f'(x)")
for ax in axes[3]:
    ax.set_xlabel("x")
plt.show()
