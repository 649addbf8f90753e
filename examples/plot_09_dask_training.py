"""
Training on a Dask cluster
==========================

:func:`fnn.distributed.fit` trains an :class:`fnn.MLPClassifier` or
:class:`fnn.MLPRegressor` on data partitioned across the workers of a Dask
cluster. Each round, every worker trains a copy of the network on the
partitions it holds (fnn's compiled loop, as in ``fit``), and the driver
averages the copies' parameters, weighted by the examples each saw. Only
parameter vectors cross the network, never the data. The result is an
ordinary fitted estimator.

Here the cluster is two worker processes on this machine, started by
:func:`fnn.distributed.local_cluster`; on a real cluster you would pass a
``distributed.Client`` connected to it. The data is the bundled digits, cut
in four partitions. Dask must be installed: ``pip install "fnn[dask]"``.
See :doc:`/distributed` for the design and measurements.
"""

import warnings

import dask.array as da
import distributed
import matplotlib.pyplot as plt
import numpy as np

import fnn
import fnn.distributed
from fnn.datasets import load_digits

X, y = load_digits()
X = (X / 16).astype(np.float32)
X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]

# %%
# The same network twice: in this process, and on the cluster
# -------------------------------------------------------------
# Dask starts worker *processes*, which import the script again, so anything
# that starts a cluster must sit under ``if __name__ == "__main__":`` when
# this file is run as a script. Each round is one epoch on every worker
# (``round_epochs=1``), so ``max_iter=20`` gives 20 rounds. Twenty epochs is
# a budget chosen for a quick example, not convergence, so the warning that
# says so is silenced.
settings = dict(hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=20,
                random_state=0)
warnings.filterwarnings("ignore", category=fnn.ConvergenceWarning)

if __name__ == "__main__":
    # One thread, like each single-threaded Dask worker.
    local = fnn.MLPClassifier(n_jobs=1, **settings).fit(X_train, y_train)

    with fnn.distributed.local_cluster(n_workers=2) as cluster, \
            distributed.Client(cluster) as client:
        # Four row partitions of 350 digits; the workers receive them once.
        X_parts = da.from_array(X_train, chunks=(350, 64)).persist()
        y_parts = da.from_array(y_train, chunks=350).persist()
        print(f"{len(client.scheduler_info()['workers'])} workers, "
              f"{X_parts.numblocks[0]} partitions")

        model = fnn.MLPClassifier(**settings)
        fnn.distributed.fit(model, X_parts, y_parts, client=client)

        # Prediction can run on the cluster too: one task per partition.
        labels = fnn.distributed.predict(model, da.from_array(X_test, chunks=100))
        distributed_accuracy = float((labels.compute() == y_test).mean())

    # The fitted model needs no cluster: the cluster is closed, and it still
    # predicts what the cluster predicted.
    assert distributed_accuracy == model.score(X_test, y_test)
    print(f"one process: test accuracy {local.score(X_test, y_test):.3f} "
          f"after {local.n_iter_} epochs")
    print(f"2 workers:   test accuracy {distributed_accuracy:.3f} "
          f"after {model.n_iter_} rounds")

# %%
# Loss per epoch
# --------------
# On the cluster each round's loss is the mean over the workers' examples
# before averaging. The cluster's curve lags the single process's: in an
# epoch each of the two copies takes half the optimiser steps, and averaging
# two copies that each moved k steps is roughly one model that moved k steps
# with batches twice as large, not 2k steps. More epochs (which the extra
# workers pay for) or a larger learning rate close the gap; the test
# accuracies printed above are already close.
if __name__ == "__main__":
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.plot(np.arange(1, local.n_iter_ + 1), local.loss_curve_, label="one process, fit")
    ax.plot(np.arange(1, model.n_iter_ + 1), model.loss_curve_,
            label="2 Dask workers, fnn.distributed.fit")
    ax.set(xlabel="epoch (one round = one epoch on every worker)",
           ylabel="training loss", yscale="log", title="MLPClassifier(64) on the digits")
    ax.legend()
    plt.show()
