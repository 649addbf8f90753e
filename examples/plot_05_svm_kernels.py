"""
SVM decision boundaries for each kernel
=======================================

A support vector machine fits a linear model ``w . phi(x) + b`` in a space of
expanded features ``phi(x)``, but never builds that space: it needs only the
kernel ``k(x, x') = phi(x) . phi(x')`` between pairs of examples. The kernel
decides what shapes the boundary can take. :class:`fnn.SVC` trains the
soft-margin SVM by SMO with each of scikit-learn's kernels:

- ``'linear'``: ``x . x'``, a straight line;
- ``'poly'``: ``(gamma x . x' + coef0) ** degree``, a polynomial curve;
- ``'rbf'``: ``exp(-gamma |x - x'|**2)``, a bump around every support vector;
- ``'sigmoid'``: ``tanh(gamma x . x' + coef0)``.

Circled points are the support vectors: the examples on or inside the margin,
the only ones the boundary depends on.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_circles, make_classification, make_moons
from sklearn.preprocessing import StandardScaler

import fnn

# %%
# Three data sets, standardised: kernels with a ``gamma`` compare distances
# and dot products, which is only fair when every feature has the same scale.
datasets = {
    "moons": make_moons(n_samples=120, noise=0.2, random_state=0),
    "circles": make_circles(n_samples=120, noise=0.1, factor=0.4, random_state=0),
    "separable": make_classification(n_samples=120, n_features=2, n_redundant=0,
                                     n_informative=2, class_sep=1.5,
                                     n_clusters_per_class=1, random_state=2),
}
kernels = {
    "linear": dict(kernel="linear"),
    "poly": dict(kernel="poly", degree=3, coef0=1.0),
    "rbf": dict(kernel="rbf"),
    "sigmoid": dict(kernel="sigmoid", coef0=0.0, gamma=0.5),
}

# %%
# One SVC per data set and kernel; the background is the decision function,
# the black line its zero level (the boundary) and the dashed lines +-1 (the
# margins).
fig, axes = plt.subplots(len(datasets), len(kernels), figsize=(13, 9.5),
                         sharex=True, sharey=True, layout="constrained")
x1, x2 = np.meshgrid(np.linspace(-3, 3, 150), np.linspace(-3, 3, 150))
grid = np.column_stack([x1.ravel(), x2.ravel()])
for row, (data_name, (X, y)) in zip(axes, datasets.items()):
    X = StandardScaler().fit_transform(X)
    for ax, (kernel_name, params) in zip(row, kernels.items()):
        model = fnn.SVC(C=1.0, **params).fit(X, y)
        values = model.decision_function(grid).reshape(x1.shape)
        ax.contourf(x1, x2, values, levels=np.linspace(-3, 3, 13), cmap="coolwarm",
                    alpha=0.5, extend="both")
        ax.contour(x1, x2, values, levels=[-1, 0, 1], colors="k",
                   linestyles=["--", "-", "--"], linewidths=[0.8, 1.5, 0.8])
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolor="k", s=18)
        ax.scatter(*model.support_vectors_.T, s=70, facecolors="none",
                   edgecolors="k", linewidths=0.8)
        ax.set_title(f"{kernel_name}: accuracy {model.score(X, y):.2f}, "
                     f"{len(model.support_)} SVs", fontsize=10)
        print(f"{data_name:>9} {kernel_name:>7}: training accuracy "
              f"{model.score(X, y):.2f}, {len(model.support_)} support vectors")
    row[0].set_ylabel(data_name)
plt.show()
