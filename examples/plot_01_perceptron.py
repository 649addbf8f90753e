"""
A perceptron: a line that separates, and XOR, which no line can
================================================================

A perceptron outputs 1 when ``w . x + b > 0`` and 0 otherwise, so its
decision boundary is the line ``w . x + b = 0``. On data that a line can
separate, the perceptron rule finds such a line in a finite number of
mistakes. On XOR no line exists, and the rule never stops making mistakes.
A hidden layer with a non-linear activation is what fixes it.
"""

import matplotlib.pyplot as plt
import numpy as np

import fnn

rng = np.random.default_rng(0)

# %%
# Two data sets
# -------------
# Two well-apart clouds of points are linearly separable. XOR puts class 1
# on one diagonal of the square and class 0 on the other; the points are
# jittered corners so that there is something to look at.
separable_X = np.vstack([rng.normal((-1.5, -1.0), 0.6, (50, 2)),
                         rng.normal((1.5, 1.0), 0.6, (50, 2))])
separable_y = np.repeat([0, 1], 50)

corners = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
xor_X = np.repeat(corners, 25, axis=0) + rng.normal(0, 0.08, (100, 2))
xor_y = np.repeat([0, 0, 1, 1], 25)     # 1 when exactly one coordinate is 1

# %%
# The perceptron rule on each
# ---------------------------
# ``tol=None`` turns off the stopping rule, so both runs get all
# ``max_iter`` epochs: a fair chance for XOR.  (Once an epoch makes no
# mistake, every later one repeats it exactly, so fnn does not run them.)
separable = fnn.Perceptron(tol=None, max_iter=100, random_state=0)
separable.fit(separable_X, separable_y)
xor = fnn.Perceptron(tol=None, max_iter=100, random_state=0).fit(xor_X, xor_y)
print(f"separable data: accuracy {separable.score(separable_X, separable_y):.2f}, "
      f"no mistake from epoch {len(separable.mistakes_curve_)} on")
print(f"XOR:            accuracy {xor.score(xor_X, xor_y):.2f} "
      f"after {xor.n_iter_} epochs (the most a line can reach is 0.75)")


def draw_line(ax, model, X):
    """The perceptron's boundary w . x + b = 0 across the plot."""
    (w1, w2), b = model.coef_[0], model.intercept_[0]
    x1 = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 2)
    ax.plot(x1, -(w1 * x1 + b) / w2, "k-", label="w . x + b = 0")


fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
for ax, (X, y, model, title) in zip(axes[:2], [
        (separable_X, separable_y, separable, "separable: the rule converges"),
        (xor_X, xor_y, xor, "XOR: no line separates it")]):
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=25)
    draw_line(ax, model, X)
    ax.set(title=title, xlim=(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5),
           ylim=(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5))
    ax.legend(loc="lower right")

# The rule takes one step per mistake; mistakes_curve_ counts them per epoch
# it ran.
for model, style, label in [(separable, "o-", "separable"), (xor, "-", "XOR")]:
    curve = model.mistakes_curve_
    axes[2].plot(np.arange(1, len(curve) + 1), curve, style, label=label)
axes[2].set(title="mistakes per epoch", xlabel="epoch", ylabel="mistakes",
            xscale="log")
axes[2].legend()

# %%
# A hidden layer solves XOR
# -------------------------
# Stacking perceptrons without a non-linearity gives another linear
# function. With a non-linear activation between the layers, a network with a
# few hidden units bends the boundary around the corners. (A hundred points
# are too little work to share between threads, hence ``n_jobs=1``.)
network = fnn.MLPClassifier(hidden_layer_sizes=(8,), activation="tanh",
                            solver="lbfgs", n_jobs=1, random_state=0).fit(xor_X, xor_y)
print(f"MLP with 8 tanh units on XOR: accuracy {network.score(xor_X, xor_y):.2f}")

grid = np.stack(np.meshgrid(np.linspace(-0.4, 1.4, 200),
                            np.linspace(-0.4, 1.4, 200)), axis=-1).reshape(-1, 2)
probability = network.predict_proba(grid)[:, 1].reshape(200, 200)

fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
ax.contourf(grid[:, 0].reshape(200, 200), grid[:, 1].reshape(200, 200),
            probability, levels=20, cmap="coolwarm", alpha=0.6)
ax.contour(grid[:, 0].reshape(200, 200), grid[:, 1].reshape(200, 200),
           probability, levels=[0.5], colors="k")
ax.scatter(xor_X[:, 0], xor_X[:, 1], c=xor_y, cmap="coolwarm", edgecolor="k", s=25)
ax.set_title("XOR with one hidden layer: P(class 1)")
plt.show()
