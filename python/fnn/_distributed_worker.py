"""The tasks that fnn.distributed runs on Dask workers.

Design: plain functions of NumPy data and small Python objects, so that they
pickle by reference and need nothing from Dask.  A partition is validated once
(prepare_partition) and kept in the worker's memory as the arrays the
training kernels take; a round (train_replica) copies the broadcast weights
and optimiser, runs the compiled epoch loop over the replica's partitions in
a deterministic order, and returns only vectors of the parameters' length and
a few numbers.  Everything a task does is a function of its arguments, so a
task that Dask reruns elsewhere after a worker is lost returns the same result.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, TypedDict, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._labels import as_label_array
from ._multilayer_perceptron import MLPClassifier, MLPRegressor, diverged_message
from ._optimizers import Optimizer

# Separate random streams, drawn from (seed, stream, ...): the order of rows
# within a partition's epoch, the order of a replica's partitions, and the
# dropout masks of a partition's pass (distinct for every partition: the
# replicas' optimisers all count updates from the same number).
_ROWS, _PARTITIONS, _DROPOUT = 0, 1, 2
# Rows run forward after a round to check that the outputs are finite.
_PROBE_ROWS = 256


#: The estimators fnn.distributed trains.
MLP = Union[MLPClassifier, MLPRegressor]
#: A prepared partition: X (C-contiguous, or CSR), the target matrix Y,
#: sample weights and per-example class weights (each None when unused).
Partition = tuple[Any, NDArray[np.floating[Any]], Union[NDArray[np.floating[Any]], None],
                  Union[NDArray[np.floating[Any]], None]]


class RoundSpec(TypedDict):
    """What every replica of a round is told, besides the weights."""

    round: int
    round_epochs: Fraction
    seed: int
    shuffle: bool
    batch_size: int


class ReplicaResult(TypedDict):
    """What a replica sends back after a round (see train_replica)."""

    params: NDArray[np.floating[Any]]
    state: tuple[NDArray[np.floating[Any]], ...] | None
    n_updates: int
    n_seen: int
    loss_sum: float


class RoundDiverged(ValueError):
    """A round's training diverged (a replica's loss or outputs, or the
    averaged parameters, are not finite); the model keeps the last finished
    round."""


def prepare_partition(skeleton: MLP, dtype: DTypeLike, X: Any, y: ArrayLike,
                      sample_weight: ArrayLike | None = None) -> Partition:
    """Validate one partition and turn it into training arrays.

    Parameters
    ----------
    skeleton : MLPClassifier or MLPRegressor
        The model without its weights (see fnn.distributed._skeleton); gives
        the label binarizer, n_features_in_ and the number of outputs.
    dtype : dtype-like
        The parameters' dtype.
    X, y, sample_weight : array-like
        One partition of the data (pandas objects accepted; X may be a SciPy
        sparse matrix, kept sparse as CSR).

    Returns
    -------
    (X, Y, sample_weight, class_scale) : tuple
        C-contiguous X of `dtype` (or a CSR matrix), the target matrix Y, sample weights or
        None, per-example class weights or None.  A tuple, so that Dask's
        size estimate counts its arrays.
    """
    return skeleton._batch_arrays(X, y, sample_weight, dtype)


def partition_rows(partition: Partition) -> int:
    """Number of examples in a prepared partition."""
    return partition[0].shape[0]


def label_counts(y: ArrayLike) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """Distinct values of a block of labels (all entries, for a 2-D block)
    and how often each occurs."""
    y = as_label_array(y)
    return np.unique(y.ravel(), return_counts=True)


def merge_label_counts(
        *pairs: tuple[NDArray[Any], NDArray[np.integer[Any]]],
) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """Combine label_counts results of several blocks."""
    values = np.concatenate([v for v, _ in pairs])
    counts = np.concatenate([c for _, c in pairs])
    merged, inverse = np.unique(values, return_inverse=True)
    return merged, np.bincount(inverse.ravel(), weights=counts,
                               minlength=len(merged)).astype(np.int64)


def dropout_seed(partition_index: int, spec: RoundSpec) -> int:
    """The seed of a partition's dropout masks in round ``spec['round']``:
    drawn from (seed, round, partition index), so that replicas, whose
    optimisers all start a round at the same update count, never share
    masks, and a redone round draws the same ones."""
    return int(np.random.default_rng(
        [spec["seed"], _DROPOUT, spec["round"], partition_index]).integers(2 ** 63))


def round_order(n_rows: int, partition_index: int, spec: RoundSpec) -> NDArray[np.intp]:
    """Row indices a partition contributes to round ``spec['round']``.

    The rows of each partition form an endless stream of epochs, each epoch a
    permutation drawn from (seed, epoch, partition index) (the identity without
    shuffling); round r takes the stream's slice
    [r * f * n_rows, (r + 1) * f * n_rows) for f = spec['round_epochs'].  So a
    round of half an epoch takes half of the epoch's permutation, and two
    rounds complete it, whichever worker runs them.
    """
    f = Fraction(spec["round_epochs"])
    r = spec["round"]
    start = (r * f.numerator * n_rows) // f.denominator
    stop = ((r + 1) * f.numerator * n_rows) // f.denominator
    pieces: list[NDArray[np.intp]] = []
    position = start
    while position < stop:
        epoch, offset = divmod(position, n_rows)
        take = min(stop - position, n_rows - offset)
        if spec["shuffle"]:
            permutation = np.random.default_rng(
                [spec["seed"], _ROWS, epoch, partition_index]).permutation(n_rows)
        else:
            permutation = np.arange(n_rows)
        pieces.append(permutation[offset:offset + take])
        position += take
    if not pieces:
        return np.empty(0, dtype=np.intp)
    return np.concatenate(pieces).astype(np.intp, copy=False)


def train_replica(skeleton: MLP, payload: tuple[NDArray[np.floating[Any]], Optimizer],
                  spec: RoundSpec, partition_indices: list[int],
                  *partitions: Partition) -> ReplicaResult:
    """One round of local training of one replica.

    Parameters
    ----------
    skeleton : MLPClassifier or MLPRegressor
        The model without its weights; not modified (workers share it
        between tasks).
    payload : (params, optimizer)
        The averaged flat parameter vector and the optimiser to continue
        from.  An optimiser whose ``state`` is None restarts from zero state
        and step count (optimizer_state='reset'), keeping its learning rate.
    spec : RoundSpec (dict)
        'round', 'round_epochs', 'seed', 'shuffle', 'batch_size'.
    partition_indices : list of int
        Global index of each partition (seeds its shuffling).
    *partitions : tuples from prepare_partition

    Returns
    -------
    ReplicaResult (dict)
        'params' (the replica's new flat vector), 'state' (the optimiser's
        state arrays, or None when they were reset), 'n_updates'
        (optimiser steps taken in the round), 'n_seen' (examples trained on)
        and 'loss_sum' (sum over those examples of the training loss).
    """
    params, optimizer = payload
    reset = optimizer.state is None
    start_updates = 0 if reset else optimizer.n_updates
    visit = np.arange(len(partitions))
    if spec["shuffle"]:
        # Several partitions on one replica: visit them in a different order
        # each round, so that no partition is always trained on last.
        visit = np.random.default_rng(
            [spec["seed"], _PARTITIONS, spec["round"]]).permutation(len(partitions))
    passes = []
    for i in visit:
        X, Y, sample_weight, class_scale = partitions[i]
        order = round_order(X.shape[0], partition_indices[i], spec)
        if len(order):
            passes.append((X, Y, sample_weight, class_scale, order,
                           min(spec["batch_size"], len(order)),
                           dropout_seed(partition_indices[i], spec)))
    params, optimizer, n_seen, loss_sum, diverged = skeleton._train_replica(
        params, optimizer, passes, _PROBE_ROWS)
    if diverged is not None:
        raise RoundDiverged(diverged_message(
            f"round {spec['round'] + 1}", diverged,
            "The weights of the last finished round were kept", skeleton.learning_rate_init))
    return {"params": params,
            "state": None if reset else tuple(optimizer.state),
            "n_updates": optimizer.n_updates - start_updates,
            "n_seen": n_seen, "loss_sum": loss_sum}


def predict_block(X: Any, method: str, estimator: Any) -> Any:
    """``estimator.<method>(X)`` for one block X of a Dask array."""
    return getattr(estimator, method)(X)
