"""
Activation functions and their derivatives
==========================================

Without a non-linear activation, a stack of layers is still one linear
function. An activation bends each unit's output; its derivative is the
factor that backpropagation multiplies by when it passes through the unit.

The curves below are the hidden-layer activations fnn's networks offer
(``activation=`` of :class:`fnn.MLPClassifier` and
:class:`fnn.MLPRegressor`), plus the perceptron's step. Their derivatives
are not typed in by hand: :mod:`fnn.graph` computes them by
backpropagation, and the script checks them against the textbook formulas.
"""

import matplotlib.pyplot as plt
import numpy as np

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

fig, axes = plt.subplots(2, 5, figsize=(14, 5.5), sharex=True, layout="constrained")
for column, (name, (value, derivative)) in enumerate(curves.items()):
    axes[0, column].plot(x, value, color="tab:blue")
    axes[0, column].set_title(name)
    axes[1, column].plot(x, derivative, color="tab:orange")
    axes[1, column].set_xlabel("x")
    for ax in axes[:, column]:
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
axes[0, 0].set_ylabel("f(x)")
axes[1, 0].set_ylabel("f'(x)")
plt.show()
