"""
Validation curves
=================

A validation curve scores a model over a range of one hyper-parameter, on
the training data and on held-out folds. Too little capacity and both
scores are low (underfitting); too much and the training score stays high
while the validation score drops (overfitting). The best value is near the
top of the validation curve.

scikit-learn's :func:`~sklearn.model_selection.validation_curve` does the
refitting; fnn's estimators plug into it unchanged. Two classic knobs on the
handwritten digits: the L2 penalty ``alpha`` of an :class:`fnn.MLPClassifier`,
and the width ``gamma`` of an RBF :class:`fnn.SVC`.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import StratifiedKFold, validation_curve

import fnn
from fnn.datasets import load_digits

X, y = load_digits()
X = (X / 16).astype(np.float32)
folds = StratifiedKFold(3, shuffle=True, random_state=0)

# %%
# Each curve: the mean accuracy over three folds, with a band of one standard
# deviation. The network trains on one thread (``n_jobs=1``): the digits are
# too small for threads to pay off.
searches = [
    ("MLPClassifier(64): L2 penalty alpha",
     fnn.MLPClassifier(hidden_layer_sizes=(64,), tol=1e-3, max_iter=500, n_jobs=1,
                       random_state=0),
     "alpha", np.logspace(-4, 2, 7)),
    ("SVC(kernel='rbf'): gamma", fnn.SVC(kernel="rbf", C=10.0),
     "gamma", np.logspace(-3, 1, 5)),
]

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
for ax, (title, estimator, name, values) in zip(axes, searches):
    train_scores, test_scores = validation_curve(estimator, X, y, param_name=name,
                                                 param_range=values, cv=folds)
    for scores, label in [(train_scores, "training"), (test_scores, "validation")]:
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        ax.semilogx(values, mean, "o-", label=label)
        ax.fill_between(values, mean - std, mean + std, alpha=0.2)
    best = values[test_scores.mean(axis=1).argmax()]
    ax.axvline(best, color="0.5", ls=":", label=f"best {name} = {best:.3g}")
    ax.set(title=title, xlabel=name, ylabel="accuracy", ylim=(0, 1.03))
    ax.legend(loc="lower left")
    print(f"{title}: best {name} = {best:.3g}, validation accuracy "
          f"{test_scores.mean(axis=1).max():.3f}")
plt.show()
