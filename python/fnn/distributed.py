"""Data-parallel training of fnn's MLPs on Dask, by parameter averaging.

``fit(estimator, X, y)`` trains an :class:`~fnn.MLPClassifier` or
:class:`~fnn.MLPRegressor` on Dask arrays or Dask DataFrames whose partitions
live on a Dask cluster.  The data stays where it is: each worker runs fnn's
compiled training loop on the partitions it holds, and only flat parameter
vectors (and the optimiser's state vectors) cross the network.  A round is:

1. the driver broadcasts the current parameters and optimiser state;
2. every replica (one per worker thread) trains on its partitions for
   ``round_epochs`` epochs, starting from those parameters;
3. the driver averages the replicas' parameter vectors (and, with
   ``optimizer_state='average'``, their optimiser state), each weighted by
   the number of examples the replica trained on.

The result is an ordinary fitted estimator: it predicts, pickles and saves
without Dask.  ``predict`` and ``predict_proba`` map a fitted model over the
partitions of a Dask array; ``local_cluster`` starts the cluster that ``fit``
uses when there is no client.  See docs/distributed.md for the design, the
communication cost and measurements.

Dask (``pip install "fnn[dask]"``) is needed for this module only.
"""
from __future__ import annotations

import contextlib
import math
import numbers
import uuid
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

try:
    import dask
    import dask.array as da
    import dask.system
    import distributed
    from distributed import CancelledError, KilledWorker
except ImportError as exc:  # pragma: no cover - exercised only without dask
    raise ImportError(
        "fnn.distributed needs Dask's distributed scheduler: "
        "pip install 'fnn[dask]' (or 'dask[distributed]')."
    ) from exc

from . import _distributed_worker as _worker
from ._class_weight import balanced_weights
from ._labels import LabelBinarizer
from ._distributed_worker import MLP, ReplicaResult, RoundSpec
from ._multilayer_perceptron import (MLPClassifier, PassResult, _BaseMLP, diverged_message,
                                     run_passes)
from ._progress import EpochProgress
from ._validation import check_random_state, float_dtype_of, is_sparse

__all__ = ["fit", "local_cluster", "predict", "predict_proba"]

_OPTIMIZER_STATES = ("average", "reset")

_Estimator = TypeVar("_Estimator", bound=MLP)
#: A dask array or DataFrame, or data sent to the cluster as one (NumPy,
#: pandas, SciPy sparse); dask's collections are typed loosely.
Data = Any
#: A replica: its worker's address and the indices of its partitions.
Group = tuple[str, list[int]]


# ----------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------
def fit(estimator: _Estimator, X: Data, y: Data, *, sample_weight: Data | None = None,
        classes: ArrayLike | None = None, client: distributed.Client | None = None,
        rounds: int | None = None, round_epochs: float = 1,
        optimizer_state: str = "average", retries: int = 2) -> _Estimator:
    """Train `estimator` on a Dask cluster by averaging replicas' parameters.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Fitted in place and returned.  With ``warm_start=True`` and a fitted
        model, training continues from its weights and optimiser state;
        otherwise the weights are initialised as ``estimator.fit`` would
        (same ``random_state``, same initial weights).  Its ``solver``,
        learning-rate schedule, ``batch_size``, ``alpha``, ``shuffle``,
        ``class_weight``, ``tol``, ``n_iter_no_change``, ``verbose`` and
        checkpoint parameters act as in ``fit``, counted in rounds instead of
        epochs; ``early_stopping=True`` and ``solver='lbfgs'`` are not
        supported.
    X : dask array or dask DataFrame of shape (n_samples, n_features)
        Partitioned by rows; columns are gathered into one block per row
        partition (rechunking only moves data between workers).  NumPy arrays
        and pandas frames are accepted too, and are sent to the cluster once.
        Sparse data: a SciPy sparse matrix (any format), or a dask array whose
        blocks are SciPy sparse matrices; partitions are trained as CSR and
        never made dense.
    y : dask array, Series or DataFrame
        Rows partitioned as X's (a dask array with other row chunks is
        rechunked to X's).
    sample_weight : dask array of shape (n_samples,), default=None
    classes : array-like, default=None
        Classifiers: every class label.  By default they are found with one
        pass over y on the workers.
    client : distributed.Client, default=None
        The cluster to use.  None: Dask's current client if there is one,
        otherwise a LocalCluster with one single-threaded worker process per
        core, started for this call and closed before returning.
    rounds : int, default=None
        Number of averaging rounds; None: ``ceil(max_iter / round_epochs)``,
        so that ``max_iter`` still counts epochs.  Training stops earlier when
        the training loss stops improving, as in ``fit``.
    round_epochs : float, default=1
        Epochs of local training per round, e.g. 0.25 to average four times
        per epoch, 2 to average every two epochs.  Shorter rounds cost more
        communication and synchronisation, longer ones let replicas drift
        apart (see docs/distributed.md).
    optimizer_state : {'average', 'reset'}, default='average'
        'average': the optimiser's state vectors (momentum velocities, Adam's
        moment estimates) are averaged like the parameters and broadcast, and
        Adam's step count advances by the replicas' mean number of steps.
        'reset': every round starts a fresh optimiser on each replica (less
        communication; Adam restarts its bias correction each round).
    retries : int, default=2
        Times a round is resubmitted when workers are lost or a task fails;
        Dask recomputes lost partitions from their source.

    Returns
    -------
    estimator
        The same object, fitted: ``loss_curve_`` has one entry per round
        (mean training loss over the round's examples, before averaging),
        ``n_iter_`` counts the rounds of this call, ``t_`` the examples
        trained on.
    """
    _check_estimator(estimator)
    estimator._validate_params()
    estimator._check_checkpoint_target()
    if estimator.early_stopping:
        raise ValueError("early_stopping=True is not supported by fnn.distributed.fit; "
                         "hold out a validation set and score the model after fit.")
    if estimator.solver == "lbfgs":
        # Averaging replicas needs a stochastic optimiser's steps; L-BFGS's
        # line searches over the full data cannot be split this way.
        raise ValueError("solver='lbfgs' is not supported by fnn.distributed.fit; "
                         "use solver='adam' or 'sgd'.")
    epochs_per_round = _check_round_epochs(round_epochs)
    if rounds is None:
        rounds = math.ceil(Fraction(estimator.max_iter) / epochs_per_round)
    _check_int("rounds", rounds, 1)
    _check_int("retries", retries, 0)
    if optimizer_state not in _OPTIMIZER_STATES:
        raise ValueError(f"optimizer_state must be one of {list(_OPTIMIZER_STATES)}; "
                         f"got {optimizer_state!r}.")
    # As estimator.fit: train a private copy and publish it when training
    # ends, so that the model keeps predicting from other threads meanwhile.
    with estimator._fitting():
        warm = estimator.warm_start and estimator._published() is not None
        run = estimator._training_run(first_pass=not warm)
        with _session(client) as client:
            slots = _worker_slots(client)
            data = _DaskData(X, y, sample_weight, min_partitions=len(slots))
            seed, class_weight = _start_model(run, client, data, classes, warm)
            trainer = _Trainer(run, client, data, slots, epochs_per_round,
                               optimizer_state, retries, seed, class_weight)
            try:
                trainer.run(rounds)
            except _worker.RoundDiverged:
                # The model keeps the last finished round, as the error says.
                estimator._publish(run)
                raise
            finally:
                trainer.release()
        estimator._publish(run)
    return estimator


def predict(estimator: Any, X: Data) -> da.Array:
    """Predictions of a fitted model for each partition of X.

    Parameters
    ----------
    estimator : fitted fnn estimator (anything with ``predict``)
    X : dask array, dask DataFrame, or array-like

    Returns
    -------
    dask array
        Lazy; one block per row partition of X, computed where the partition
        lives.
    """
    return _map_method("predict", estimator, X)


def predict_proba(estimator: Any, X: Data) -> da.Array:
    """Class probabilities of a fitted classifier for each partition of X.

    Parameters
    ----------
    estimator : fitted fnn classifier (anything with ``predict_proba``)
        The model; it enters the task graph once, shared by every block.
    X : dask array, dask DataFrame, or array-like
        The samples, 2-D, in row partitions.

    Returns
    -------
    dask array of shape (n_samples, n_classes)
        Lazy; one block per row partition of X, computed where the partition
        lives, columns in the order of the estimator's ``classes_``.

    Raises
    ------
    TypeError
        If the estimator has no predict_proba (a regressor, or an SVC
        without probability=True).
    """
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(f"{type(estimator).__name__} has no predict_proba.")
    return _map_method("predict_proba", estimator, X)


# ----------------------------------------------------------------------
# Checks and the client
# ----------------------------------------------------------------------
def local_cluster(n_workers: int | None = None, **kwargs: Any) -> distributed.LocalCluster:
    """A Dask LocalCluster set up for training on this machine, as ``fit``
    starts one when there is no client.

    Parameters
    ----------
    n_workers : int, default=None
        Worker processes; None: one per core available to this process
        (CPU affinity and cgroup limits count).
    **kwargs
        Passed to ``distributed.LocalCluster``, overriding the settings
        below.

    Returns
    -------
    distributed.LocalCluster
        Single-threaded worker processes on 127.0.0.1, the dashboard on any
        free port, Dask's statistical profiler off and its event-loop health
        check every 200 ms instead of 20 ms.  Close it when done (or use it
        as a context manager).

    Notes
    -----
    Processes with one thread each: the training loop holds no GIL, but one
    process per core keeps replicas independent, as on a real cluster.

    With a replica on every core, whatever else the cluster's processes do
    takes time from the training loops, and a round waits for the slowest
    replica.  Two periodic jobs are most of what an idle cluster does: the
    profiler, which wakes every worker every 10 ms to sample its threads'
    stacks (of no use for compiled code), and the health check, which
    wakes the scheduler, every nanny and every worker every 20 ms to see
    whether their event loops are blocked (it warns after 3 s, so 200 ms
    loses nothing).  An idle 2-worker LocalCluster used 0.14 cores here
    with Dask's defaults, 0.04 with these two settings (see
    docs/distributed.md).  On a cluster of your own, set
    ``distributed.worker.profile.enabled: False`` and
    ``distributed.admin.tick.interval: 200ms`` in Dask's configuration for
    the same effect.
    """
    if n_workers is None:
        n_workers = dask.system.CPU_COUNT
    _check_int("n_workers", n_workers, 1)
    # Any free dashboard port: another cluster may hold Dask's usual 8787.
    options = {"n_workers": n_workers, "threads_per_worker": 1, "processes": True,
               "host": "127.0.0.1", "dashboard_address": "127.0.0.1:0", **kwargs}
    # Nannies hand the configuration of their creation to the worker
    # processes they start (and restart), so it holds for the cluster's life.
    with dask.config.set({"distributed.worker.profile.enabled": False,
                          "distributed.admin.tick.interval": "200ms"}):
        return distributed.LocalCluster(**options)


def _check_estimator(estimator: object) -> None:
    if not isinstance(estimator, _BaseMLP):
        raise TypeError("estimator must be an fnn.MLPClassifier or fnn.MLPRegressor; "
                        f"got {type(estimator).__name__}.")


def _check_int(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if int(value) < low:
        raise ValueError(f"{name} must be >= {low}; got {value!r}.")


def _check_round_epochs(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"round_epochs must be a number; got {value!r}.")
    # numbers.Real is not typed as a number; every real converts like a float.
    value = cast(float, value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"round_epochs must be > 0; got {value!r}.")
    # A fraction, so that rounds tile epochs exactly (see round_order).
    return Fraction(value).limit_denominator(1000)


@contextlib.contextmanager
def _session(client: distributed.Client | None) -> Iterator[distributed.Client]:
    """The client to use; a LocalCluster started (and closed) here when
    there is none."""
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise TypeError(f"client must be a distributed.Client or None; got "
                            f"{type(client).__name__}.")
        yield client
        return
    try:
        client = distributed.default_client()
    except ValueError:  # no client anywhere: start a cluster on this machine
        client = None
    if client is not None:
        yield client
        return
    cluster = local_cluster()
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _worker_slots(client: distributed.Client) -> list[str]:
    """One entry per worker thread (the worker's address): the replicas."""
    nthreads = client.nthreads()
    if not nthreads:
        client.wait_for_workers(1)
        nthreads = client.nthreads()
    return [address for address in sorted(nthreads) for _ in range(nthreads[address])]


# ----------------------------------------------------------------------
# Data: partitions as delayed blocks, rows aligned
# ----------------------------------------------------------------------
def _is_dask_dataframe(obj: object) -> bool:
    """A dask DataFrame or Series (without importing dask.dataframe, which
    needs pandas and pyarrow)."""
    return (dask.is_dask_collection(obj) and not isinstance(obj, da.Array)
            and hasattr(obj, "npartitions") and hasattr(obj, "to_delayed"))


class _DaskData:
    """X, y and sample_weight as lists of delayed row blocks, aligned.

    Attributes: x_blocks, y_blocks, w_blocks (or None), n_features, dtype,
    y_ndim, y_columns, rows (rows of each block, or None when unknown).
    """

    def __init__(self, X: Data, y: Data, sample_weight: Data | None,
                 min_partitions: int) -> None:
        X = self._as_collection(X, "X", min_partitions)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D; got {X.ndim} dimensions.")
        if y is None:
            raise ValueError("y is required: fnn.distributed.fit trains supervised "
                             "models.")
        y = self._as_collection(y, "y", min_partitions)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D; got {y.ndim} dimensions.")
        self.dtype = (float_dtype_of(X) if not _is_dask_dataframe(X)
                      else _frame_dtype(X))
        if isinstance(X, da.Array):
            X = X.rechunk({1: -1})
            X = self._split_rows(X, min_partitions)
            y = self._align(y, X, "y")
            self.n_features = X.shape[1]
            self.rows = None if np.isnan(X.shape[0]) else [int(r) for r in X.chunks[0]]
        else:
            self.n_features = len(X.columns)
            self.rows = None
        self.y_ndim = y.ndim
        self.y_columns = (1 if y.ndim == 1 else
                          y.shape[1] if isinstance(y, da.Array) else len(y.columns))
        if isinstance(y, da.Array) and y.ndim == 2:
            y = y.rechunk({1: -1})
        self.x_blocks = _row_blocks(X)
        self.y_blocks = _row_blocks(y)
        self._check_same_partitions(self.y_blocks, "y")
        self.w_blocks = None
        if sample_weight is not None:
            w = self._as_collection(sample_weight, "sample_weight", min_partitions)
            if w.ndim != 1:
                raise ValueError("sample_weight must be 1-D.")
            if isinstance(X, da.Array):
                w = self._align(w, X, "sample_weight")
            self.w_blocks = _row_blocks(w)
            self._check_same_partitions(self.w_blocks, "sample_weight")

    @staticmethod
    def _as_collection(obj: Data, name: str, n_chunks: int) -> Any:
        if dask.is_dask_collection(obj):
            if not (isinstance(obj, da.Array) or _is_dask_dataframe(obj)):
                raise TypeError(f"{name} must be a dask array or dask DataFrame; got "
                                f"{type(obj).__name__}.")
            return obj
        if hasattr(obj, "to_numpy") and hasattr(obj, "dtypes"):  # pandas
            obj = obj.to_numpy()
        if is_sparse(obj):  # blocks of rows stay sparse (CSR), as in fit
            obj = obj.tocsr()
            if obj.shape[0] == 0:
                raise ValueError(f"{name} must be a non-empty array; got shape "
                                 f"{obj.shape}.")
            return da.from_array(obj, chunks=(-(-obj.shape[0] // n_chunks), obj.shape[1]),
                                 asarray=False)
        arr = np.asarray(obj)
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(f"{name} must be a non-empty array; got shape {arr.shape}.")
        rows = -(-arr.shape[0] // n_chunks)
        return da.from_array(arr, chunks=(rows,) + arr.shape[1:])

    @staticmethod
    def _split_rows(X: da.Array, n_parts: int) -> da.Array:
        """Rows in at least n_parts blocks (when the sizes are known), so that
        every worker thread gets data."""
        if X.numblocks[0] >= n_parts or np.isnan(X.shape[0]):
            return X
        rows = max(1, -(-X.shape[0] // n_parts))
        return X.rechunk({0: rows})

    @staticmethod
    def _align(v: Any, X: da.Array, name: str) -> da.Array:
        if not isinstance(v, da.Array):
            raise TypeError(f"{name} must be a dask array when X is one; got "
                            f"{type(v).__name__}.")
        if v.chunks[0] == X.chunks[0]:
            return v
        if np.isnan(v.shape[0]) or np.isnan(X.shape[0]):
            if v.numblocks[0] != X.numblocks[0]:
                raise ValueError(f"{name} has {v.numblocks[0]} row blocks of unknown size "
                                 f"and X has {X.numblocks[0]}; partition them alike "
                                 "(or call compute_chunk_sizes()).")
            return v  # same number of blocks; lengths are checked per partition
        if v.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but {name} has {v.shape[0]}; "
                             "they must have the same length.")
        return v.rechunk({0: X.chunks[0]})

    def _check_same_partitions(self, blocks: list[Any], name: str) -> None:
        if len(blocks) != len(self.x_blocks):
            raise ValueError(f"X has {len(self.x_blocks)} row partitions but {name} has "
                             f"{len(blocks)}; partition them alike.")


def _frame_dtype(frame: Any) -> np.dtype[np.floating[Any]]:
    dtypes = set(np.dtype(d) if not hasattr(d, "numpy_dtype") else d.numpy_dtype
                 for d in frame.dtypes)
    return np.dtype(np.float32) if dtypes == {np.dtype(np.float32)} else np.dtype(
        np.float64)


def _row_blocks(collection: Any) -> list[Any]:
    """The delayed row partitions of a dask array (whose columns are one
    block) or dask DataFrame/Series."""
    blocks = collection.to_delayed()
    if isinstance(collection, da.Array):
        return list(np.asarray(blocks, dtype=object).ravel())
    return list(blocks)


# ----------------------------------------------------------------------
# The model on the driver
# ----------------------------------------------------------------------
def _label_counts(client: distributed.Client,
                  y_blocks: list[Any]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """(sorted distinct labels, counts) of y, computed on the workers; only
    the distinct labels reach the driver."""
    parts = [dask.delayed(_worker.label_counts, pure=True)(b) for b in y_blocks]
    while len(parts) > 1:  # a tree, so that no task merges everything
        parts = [dask.delayed(_worker.merge_label_counts, pure=True)(*parts[i:i + 8])
                 for i in range(0, len(parts), 8)]
    return client.compute(parts[0]).result()


def _start_model(est: MLP, client: distributed.Client, data: _DaskData,
                 classes: ArrayLike | None, warm: bool) -> tuple[int, Any]:
    """Set up est for training: labels, layout, weights, optimiser; `warm`:
    training continues from its fitted weights.

    Returns the seed of the rounds' shuffles and the class weights the
    replicas use ('balanced' turned into a dict from the counts of all of y).
    """
    if warm and data.n_features != est.n_features_in_:
        raise ValueError(f"X has {data.n_features} features, but "
                         f"{type(est).__name__} is expecting "
                         f"{est.n_features_in_} features as input.")
    class_weight = None
    if isinstance(est, MLPClassifier):
        n_outputs, class_weight = _start_labels(est, client, data, classes, warm)
    else:
        if classes is not None:
            raise ValueError("classes is for classifiers; got a regressor.")
        n_outputs = data.y_columns
        est._use_outputs(n_outputs, data.y_ndim, warm)
    rng = check_random_state(est.random_state)
    # The same draws as est.fit: a seed gives fit's initial weights.
    est._start_training(int(data.n_features), int(n_outputs), data.dtype, rng,
                        fresh=not warm, optimizer="keep" if warm else "new")
    # Seeds of the rounds' shuffles: from random_state, and from how far the
    # model has trained, so that a warm start does not replay the same order.
    seed = int(np.random.SeedSequence(
        [int(rng.randint(np.iinfo(np.int32).max)), len(est.loss_curve_)]
    ).generate_state(1)[0])
    return seed, class_weight


def _start_labels(est: MLPClassifier, client: distributed.Client, data: _DaskData,
                  classes: ArrayLike | None, warm: bool) -> tuple[int, Any]:
    """Set the classifier's classes (checked against the model's for a warm
    start); returns the number of outputs and the class weights."""
    balanced = isinstance(est.class_weight, str) and est.class_weight == "balanced"
    counts = None
    if classes is None or balanced or data.y_ndim == 2:
        values, counts = _label_counts(client, data.y_blocks)
    multilabel = data.y_ndim == 2 and data.y_columns > 1
    if multilabel:
        if not np.isin(values, (0, 1)).all():
            raise ValueError("a 2-D y must be a 0/1 label-indicator matrix (multilabel); "
                             f"got values {values[:5]}.")
        binarizer = LabelBinarizer().fit(np.eye(data.y_columns, dtype=np.int64))
    else:
        labels = values if classes is None else np.asarray(classes)
        binarizer = LabelBinarizer().fit(labels)
        if len(binarizer.classes_) < 2:
            raise ValueError("The classifier needs samples of at least 2 classes; y "
                             f"has only one class: {binarizer.classes_}.")
    est._use_classes(binarizer, warm)
    class_weight = est.class_weight
    if balanced:
        if multilabel:
            raise ValueError("class_weight is not supported for multilabel targets.")
        assert counts is not None  # counted above whenever balanced
        class_weight = _balanced_weights(binarizer.classes_, values, counts)
    return binarizer.n_outputs, class_weight


def _balanced_weights(classes: NDArray[Any], values: NDArray[Any],
                      counts: NDArray[np.integer[Any]]) -> dict[Any, float]:
    """class_weight='balanced' as a dict computed from the counts of the
    whole y (a replica sees only part of it): n / (n_classes * count)."""
    present = dict(zip(values.tolist(), counts.tolist()))
    labels = classes.tolist()
    weights = balanced_weights([present.get(c, 0) for c in labels])
    return dict(zip(labels, weights.tolist()))


# ----------------------------------------------------------------------
# Rounds
# ----------------------------------------------------------------------
class _Trainer:
    """Partitions held on the workers, their grouping into replicas, and the
    round loop with averaging on the driver."""

    def __init__(self, est: MLP, client: distributed.Client, data: _DaskData,
                 slots: list[str], round_epochs: Fraction, optimizer_state: str,
                 retries: int, seed: int, class_weight: Any) -> None:
        self.est = est
        self.seed = seed
        self.client = client
        self.round_epochs = round_epochs
        self.average_state = optimizer_state == "average"
        self.retries = retries
        self.tag = uuid.uuid4().hex[:8]
        self.skeleton = est._replica_skeleton(class_weight)
        self._futures: list[distributed.Future] = []
        dtype = est._training_dtype()
        prepare = dask.delayed(_worker.prepare_partition, pure=False)
        w_blocks = data.w_blocks or [None] * len(data.x_blocks)
        delayed_parts = [prepare(self.skeleton, dtype, xb, yb, wb)
                         for xb, yb, wb in zip(data.x_blocks, data.y_blocks, w_blocks)]
        # The validated partitions stay in the workers' memory for all rounds;
        # Dask keeps their recipe, so a lost one is recomputed from the source.
        self.parts = client.compute(delayed_parts)
        self._futures.extend(self.parts)
        sizes = data.rows
        if sizes is None:  # e.g. DataFrames: ask the workers
            sizes = client.gather(client.map(_worker.partition_rows, self.parts,
                                             pure=False))
        self.sizes = [int(s) for s in sizes]
        # Where the partitions are is known once they exist: grouping them
        # earlier would send each replica someone else's partitions.
        with client.as_current():
            distributed.wait(self.parts)
        self.n_samples = sum(self.sizes)
        if self.n_samples == 0:
            raise ValueError("X has no samples.")
        who_has = client.who_has(self.parts)
        self.groups = _group_partitions(
            self.sizes, [set(who_has.get(f.key, ())) for f in self.parts], slots)

    def run(self, rounds: int) -> None:
        """Train for at most `rounds` rounds, stopping as fit does."""
        est = self.est
        batch_size = est._batch_size_for(self.n_samples)

        def train_round(r: int, progress: EpochProgress) -> PassResult:
            spec: RoundSpec = {"round": r, "round_epochs": self.round_epochs,
                               "seed": self.seed, "shuffle": bool(est.shuffle),
                               "batch_size": batch_size}
            results = self._round(r, spec)
            n_seen = self._average(results)
            return sum(res["loss_sum"] for res in results) / n_seen, n_seen, None

        est.n_iter_ = 0
        run_passes(est, train_round, rounds, name=f"{type(est).__name__} on Dask",
                   unit="rounds", only_one=False,
                   not_converged=f"fnn.distributed.fit: the {rounds} rounds ran and the "
                   "optimization hasn't converged yet.",
                   interrupted="Training interrupted by user; the model has the weights "
                   "of the last finished round.")

    def _round(self, r: int, spec: RoundSpec) -> list[ReplicaResult]:
        """Submit one round's tasks and return their results, resubmitting
        the round when workers are lost in a way Dask does not repair
        itself (e.g. every holder of the broadcast weights died)."""
        client = self.client
        est = self.est
        live = None
        for attempt in range(self.retries + 1):
            # In a list: scatter would send a tuple's items one by one.
            payload = client.scatter([est._round_start(self.average_state)],
                                     broadcast=True, hash=False)[0]
            train = dask.delayed(_worker.train_replica, pure=False)
            tasks = []
            for g, (address, members) in enumerate(self.groups):
                # A replica's worker that has died is no obstacle (the pin is
                # loose), but a resubmitted round asks which are alive.
                where = {"workers": [address], "allow_other_workers": True} \
                    if live is None or address in live else {}
                with dask.annotate(**where):
                    # The skeleton (a few KB) travels in the task.
                    tasks.append(train(
                        self.skeleton, payload, spec, members,
                        *[self.parts[i] for i in members],
                        dask_key_name=f"fnn-round-{self.tag}-{r}-{attempt}-{g}"))
            # All replicas in one message: the client batches messages sent
            # within 10 ms, so a submit per replica can start the last
            # replica up to 10 ms after the first, and the round waits for it.
            futures = client.compute(tasks, retries=self.retries)
            try:
                return client.gather(futures)
            except (KilledWorker, CancelledError) as exc:
                error = exc
                client.cancel(futures)
                live = set(client.nthreads())
            except KeyboardInterrupt:
                client.cancel(futures)
                raise
        raise RuntimeError(f"round {r + 1} failed {self.retries + 1} times; the last "
                           f"error: {error!r}") from error

    def _average(self, results: list[ReplicaResult]) -> int:
        """Average the replicas' vectors into the model, weighted by the
        examples each trained on; returns the examples of the round."""
        est = self.est
        results = [res for res in results if res["n_seen"] > 0]
        weights = [res["n_seen"] for res in results]
        total = sum(weights)
        params = _weighted_mean([res["params"] for res in results], weights)
        states = None
        if self.average_state:
            # Replicas return their state whenever it is averaged; empty
            # vectors (a rule without them) stay as they are.
            replica_states = [cast("tuple[NDArray[np.floating[Any]], ...]", res["state"])
                              for res in results]
            states = [_weighted_mean([s[i] for s in replica_states], weights)
                      if vector.size else vector.astype(np.float64)
                      for i, vector in enumerate(replica_states[0])]
        steps = sum(w * res["n_updates"] for w, res in zip(weights, results)) / total
        # Each replica checks its own epoch; the model checks the average.
        if not est._take_average(params, states, int(round(steps))):
            raise _worker.RoundDiverged(diverged_message(
                f"round {est.n_iter_ + 1}", "the averaged parameters are not finite",
                "The weights of the last finished round were kept",
                est.learning_rate_init))
        return int(total)

    def release(self) -> None:
        """Free what this fit keeps on the workers."""
        futures = self._futures
        try:
            self.client.cancel(futures)
        except Exception:  # the client may be closing; nothing left to free then
            pass


def _weighted_mean(vectors: Sequence[NDArray[np.floating[Any]]],
                   weights: Sequence[float]) -> NDArray[np.float64]:
    """sum_k w_k v_k / sum_k w_k, accumulated in float64 in the given order."""
    acc = np.zeros(vectors[0].shape, dtype=np.float64)
    for w, v in zip(weights, vectors):
        acc += w * v.astype(np.float64, copy=False)
    acc /= sum(weights)
    return acc


def _group_partitions(sizes: list[int], locations: list[set[str]],
                      slots: list[str]) -> list[Group]:
    """Partitions of each replica: [(worker address, [partition indices])].

    sizes[p] and locations[p] (the workers holding it) describe partition p;
    slots has a worker's address once per thread.

    Longest partition first, each goes to the replica with the least rows
    after it; among equally loaded replicas, one on a worker that already
    holds the partition.  Balance wins over locality because a replica with
    more rows slows every round, while a partition moved once stays moved.
    """
    loads = [0] * len(slots)
    members: list[list[int]] = [[] for _ in slots]
    for p in sorted(range(len(sizes)), key=lambda p: (-sizes[p], p)):
        if sizes[p] == 0:
            continue
        best = min(range(len(slots)),
                   key=lambda s: (loads[s] + sizes[p], slots[s] not in locations[p], s))
        loads[best] += sizes[p]
        members[best].append(p)
    # Ordered by first partition, so that the average is summed in the same
    # order wherever the partitions happen to live.
    return sorted(((slots[s], sorted(m)) for s, m in enumerate(members) if m),
                  key=lambda group: group[1][0])


# ----------------------------------------------------------------------
# Prediction
# ----------------------------------------------------------------------
def _map_method(method: str, estimator: Any, X: Data) -> da.Array:
    if not hasattr(estimator, method):
        raise TypeError(f"estimator must be a fitted fnn estimator; got "
                        f"{type(estimator).__name__}.")
    check = getattr(estimator, "_check_fitted", None)
    if check is not None:
        check()
    if _is_dask_dataframe(X):
        X = X.to_dask_array()
    elif not isinstance(X, da.Array):
        X = _DaskData._as_collection(X, "X", 1)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got {X.ndim} dimensions.")
    X = X.rechunk({1: -1})
    # The model enters the graph once, as one key every block depends on.
    model = dask.delayed(estimator, pure=True)
    n_outputs, dtype = _output_shape(method, estimator)
    meta_shape = (0,) if n_outputs is None else (0, n_outputs)
    kwargs = {"drop_axis": 1} if n_outputs is None else {
        "chunks": (X.chunks[0], (n_outputs,))}
    return X.map_blocks(_worker.predict_block, method, model,
                        meta=np.empty(meta_shape, dtype=dtype), **kwargs)


def _output_shape(method: str, est: Any) -> tuple[int | None, np.dtype[Any]]:
    """(columns or None for 1-D, dtype) of est.<method>'s output."""
    if isinstance(est, _BaseMLP):
        return _mlp_output_shape(method, est._state())
    # fnn's other estimators (Perceptron, SVC) compute in float64; a
    # scikit-learn MLPClassifier tells a multilabel model by its binarizer.
    if method == "predict_proba":
        return len(est.classes_), np.dtype(np.float64)
    classes: Any = getattr(est, "classes_", None)
    binarizer = getattr(est, "_label_binarizer", None)
    if binarizer is not None and binarizer.y_type_ == "multilabel-indicator":
        return len(classes), np.dtype(int)
    if classes is not None:
        return None, np.asarray(classes).dtype
    n_outputs = getattr(est, "n_outputs_", 1)
    return (None if n_outputs == 1 else n_outputs), np.dtype(np.float64)


def _mlp_output_shape(method: str, state: Any) -> tuple[int | None, np.dtype[Any]]:
    """_output_shape of an MLP, from the fitted state its methods use."""
    binarizer = state.binarizer
    if binarizer is None:
        return (None if state.n_outputs == 1 else state.n_outputs), state.dtype
    if method == "predict_proba":
        return (2 if binarizer.y_type_ == "binary" else state.n_outputs), state.dtype
    if binarizer.y_type_ == "multilabel-indicator":
        return state.n_outputs, np.dtype(int)
    return None, binarizer.classes_.dtype
