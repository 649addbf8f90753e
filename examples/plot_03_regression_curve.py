"""
A network fitting a curve
=========================

A regression network has one output unit without an activation. Its hidden
layer learns a set of features (bent copies of the input), and the output
is a linear regression on them. With more hidden units the fit can follow
more bends of the curve, and also more of the noise: a wider network is more
expressive and more prone to overfitting.
"""

import matplotlib.pyplot as plt
import numpy as np

import fnn

# %%
# Noisy samples of a smooth curve
# -------------------------------
# Thirty points, few enough that a wide network can chase the noise.


def true_curve(x):
    return np.sin(2 * x) + 0.3 * x


rng = np.random.default_rng(0)
X = np.sort(rng.uniform(-3, 3, 30))[:, None]        # one feature per row
y = true_curve(X[:, 0]) + rng.normal(0, 0.2, 30)
grid = np.linspace(-3, 3, 500)[:, None]

# %%
# Networks of three widths
# ------------------------
# L-BFGS suits a data set this small: it uses the whole training set at each
# step. No L2 penalty (``alpha=0``), so nothing holds the wide network back.
# Thirty rows are too few to share between threads: ``n_jobs=1``.
# R\ :sup:`2` on the training points measures the fit; R\ :sup:`2` against
# the true curve measures what was learnt.
fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True, layout="constrained")
for ax, width in zip(axes, [2, 3, 256]):
    model = fnn.MLPRegressor(hidden_layer_sizes=(width,), activation="tanh",
                             solver="lbfgs", alpha=0.0, max_iter=10_000, tol=1e-10,
                             n_jobs=1, random_state=0)
    model.fit(X, y)
    fit, learnt = model.score(X, y), model.score(grid, true_curve(grid[:, 0]))
    ax.scatter(X[:, 0], y, s=15, color="0.4", label="training data")
    ax.plot(grid[:, 0], true_curve(grid[:, 0]), "k--", lw=1, label="true curve")
    ax.plot(grid[:, 0], model.predict(grid), color="tab:red", lw=2, label="network")
    ax.set_title(f"{width} hidden units\n"
                 f"R$^2$: training {fit:.2f}, true curve {learnt:.2f}")
    ax.set_xlabel("x")
    print(f"{width:3d} hidden units: R^2 on the training points {fit:.3f}, "
          f"against the true curve {learnt:.3f} ({model.n_iter_} iterations)")
axes[0].set_ylabel("y")
axes[0].legend(loc="upper left")

# %%
# The hidden layer's features
# ---------------------------
# The 3-unit network, the best of the three, has three hidden activations,
# each tanh(w x + b). Its output is a weighted sum of these curves plus a
# bias, with the weights in ``coefs_[1]``.
model = fnn.MLPRegressor(hidden_layer_sizes=(3,), activation="tanh", solver="lbfgs",
                         alpha=0.0, max_iter=10_000, tol=1e-10, n_jobs=1,
                         random_state=0).fit(X, y)
W, b = model.coefs_[0], model.intercepts_[0]
features = np.tanh(grid @ W + b)                 # shape (500, 3)
weighted = features * model.coefs_[1][:, 0]

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.plot(grid[:, 0], weighted, lw=1.2, label=["unit 1", "unit 2", "unit 3"])
ax.plot(grid[:, 0], weighted.sum(axis=1) + model.intercepts_[1][0], "k", lw=2.5,
        label="their sum + bias = the prediction")
np.testing.assert_allclose(weighted.sum(axis=1) + model.intercepts_[1][0],
                           model.predict(grid), rtol=1e-10, atol=1e-10)
ax.set(title="3 hidden units, each times its output weight", xlabel="x")
ax.legend()
plt.show()
