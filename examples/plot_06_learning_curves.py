"""
Learning curves
===============

Two kinds of learning curve answer two questions.

- **Loss per epoch**: is training done? The training loss should fall and
  level off; with ``early_stopping=True`` a held-out part of the training
  data shows when more epochs stop helping. :func:`fnn.plot_learning_curve`
  draws both.
- **Score per training-set size**: would more data help? scikit-learn's
  :func:`~sklearn.model_selection.learning_curve` refits the model on growing
  subsets and scores each on held-out folds. fnn's estimators work with it
  like scikit-learn's own.
"""

import pathlib
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import StratifiedKFold, learning_curve

import fnn
from fnn.datasets import load_digits

X, y = load_digits()
X = (X / 16).astype(np.float32)          # pixels 0..16 scaled to [0, 1]

# The digits are small (1,797 images of 64 pixels): a batch of 200 is too
# little work to share between threads, so every network here uses one.
settings = dict(hidden_layer_sizes=(64,), n_jobs=1, random_state=0)

# %%
# Loss per epoch, with early stopping
# -----------------------------------
# 10% of the training data is held out; training stops when its accuracy has
# not improved for ``n_iter_no_change`` epochs, and the best weights are
# restored.
model = fnn.MLPClassifier(early_stopping=True, n_iter_no_change=15, max_iter=300,
                          **settings)
model.fit(X, y)
print(f"stopped after {model.n_iter_} epochs; best validation accuracy "
      f"{model.best_validation_score_:.3f}")

# %%
# :func:`fnn.plot_learning_curve` returns a matplotlib ``Figure`` (which a
# notebook displays) and, given a path, also writes it as a PNG: the way to
# get it from a script. Here the PNG is written to a temporary folder and
# shown.
with tempfile.TemporaryDirectory() as folder:
    path = pathlib.Path(folder) / "learning_curve.png"
    fnn.plot_learning_curve(model, path)
    image = plt.imread(path)
fig = plt.figure(figsize=(image.shape[1] / 100, image.shape[0] / 100))
fig.add_axes((0, 0, 1, 1)).imshow(image)
fig.axes[0].set_axis_off()

# %%
# Score per training-set size
# ---------------------------
# Five sizes from 10% to 100% of each training fold, five stratified folds:
# 25 fits. Each fit stops once an epoch improves the training loss by less
# than ``tol=1e-3``, which is converged enough for a curve and keeps the 25
# fits to a few seconds. The gap between the two curves is what the network
# has memorised rather than learnt; a validation curve still rising at the
# right says that more data would help.
sizes, train_scores, test_scores = learning_curve(
    fnn.MLPClassifier(tol=1e-3, max_iter=500, **settings),
    X, y, train_sizes=np.linspace(0.1, 1.0, 5),
    cv=StratifiedKFold(5, shuffle=True, random_state=0))

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for scores, label in [(train_scores, "training"), (test_scores, "validation")]:
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax.plot(sizes, mean, "o-", label=f"{label} accuracy")
    ax.fill_between(sizes, mean - std, mean + std, alpha=0.2)
ax.set(xlabel="training examples", ylabel="accuracy", ylim=(0.7, 1.01),
       title="MLPClassifier(64) on the digits: accuracy by training-set size")
ax.legend(loc="lower right")
for n, score in zip(sizes, test_scores.mean(axis=1)):
    print(f"{n:5d} training examples: validation accuracy {score:.3f}")
plt.show()
