"""fnn.distributed: data-parallel training on a 2-process Dask LocalCluster.

Oracles: single-process fnn on the same data (accuracy), replicas trained by
hand with partial_fit and averaged with NumPy (one round, exactly), the
workers' own logs of bytes they sent (data never reaches the driver), a run
in which a worker process is killed (same weights as without the kill), and
dask-ml's Incremental wrapper against partial_fit by hand.
"""
import copy
import os
import pickle
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import fnn

dask = pytest.importorskip("dask", reason="install the dask extra")
da = pytest.importorskip("dask.array", reason="install the dask extra")
distributed = pytest.importorskip("distributed", reason="install the dask extra")
fd = pytest.importorskip("fnn.distributed")

N_FEATURES = 8
W_TRUE = np.random.RandomState(42).standard_normal((N_FEATURES, 3))


@pytest.fixture(scope="module")
def client():
    cluster = fd.local_cluster(2)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        yield


def _labels(block, W):
    return np.argmax(block @ W, axis=1)


def make_data(n, chunks, seed=0):
    """Features from a seeded dask generator and labels from a fixed rule:
    any partition can be recomputed from scratch on any worker."""
    X = da.random.RandomState(seed).standard_normal((n, N_FEATURES),
                                                    chunks=(chunks, N_FEATURES))
    y = X.map_blocks(_labels, W_TRUE, drop_axis=1, dtype=np.int64)
    return X, y


def blocks(client, *arrays):
    """The row blocks of dask arrays, as NumPy arrays (for the oracles)."""
    out = []
    for a in arrays:
        offsets = np.cumsum((0,) + a.chunks[0])
        whole = client.compute(a).result()
        out.append([whole[i:j] for i, j in zip(offsets[:-1], offsets[1:])])
    return out


# ----------------------------------------------------------------------
# Learning
# ----------------------------------------------------------------------
def test_classifier_accuracy_close_to_single_process(client):
    X, y = make_data(3000, 750)
    X_test, y_test = make_data(1000, 1000, seed=1)
    (Xn,), (yn,) = blocks(client, X.rechunk(3000), y.rechunk(3000))
    (Xt,), (yt,) = blocks(client, X_test, y_test)
    params = dict(hidden_layer_sizes=(16,), max_iter=15, random_state=0, tol=0,
                  learning_rate_init=0.01)
    single = fnn.MLPClassifier(**params).fit(Xn, yn).score(Xt, yt)
    model = fd.fit(fnn.MLPClassifier(**params), X, y, client=client)
    assert isinstance(model, fnn.MLPClassifier)
    assert model.n_iter_ == 15 and len(model.loss_curve_) == 15
    assert model.t_ == 15 * 3000
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    distributed_score = model.score(Xt, yt)
    assert single > 0.85
    assert abs(distributed_score - single) < 0.03, (distributed_score, single)


@pytest.mark.parametrize("optimizer_state,round_epochs", [("average", 1), ("reset", 0.5)])
def test_regressor_close_to_single_process(client, optimizer_state, round_epochs):
    X, _ = make_data(2000, 500)
    y = X[:, 0] * 2 - X[:, 1] + 0.5 * X[:, 2] ** 2
    (Xn,), (yn,) = blocks(client, X.rechunk(2000), y.rechunk(2000))
    params = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0, tol=0,
                  learning_rate_init=0.01)
    single = fnn.MLPRegressor(**params).fit(Xn, yn).score(Xn, yn)
    model = fd.fit(fnn.MLPRegressor(**params), X, y, client=client,
                   optimizer_state=optimizer_state, round_epochs=round_epochs)
    assert model.predict(Xn).shape == (2000,)
    assert len(model.loss_curve_) == 20 / round_epochs
    assert abs(model.score(Xn, yn) - single) < 0.05, (model.score(Xn, yn), single)


# ----------------------------------------------------------------------
# One round against the average computed by hand
# ----------------------------------------------------------------------
@pytest.mark.parametrize("solver,class_weight,round_epochs,weighted", [
    ("sgd", None, 1, False), ("adam", None, 1, True), ("sgd", "balanced", 0.5, False),
    ("adam", None, 2, False)])
def test_one_round_is_the_weighted_average_of_replicas(client, solver, class_weight,
                                                       round_epochs, weighted):
    # Unequal partitions, so that the weighting by examples matters.
    X, y = make_data(110, (40, 70))
    w = da.random.RandomState(5).uniform(0.5, 2.0, 110, chunks=(40, 70)) \
        if weighted else None
    (X0, X1), (y0, y1) = blocks(client, X, y)
    (w0, w1), = blocks(client, w) if weighted else ((None, None),)
    classes = np.arange(3)
    start = fnn.MLPClassifier((5,), solver=solver, momentum=0.0, batch_size=8,
                              learning_rate_init=0.05, shuffle=False, random_state=0,
                              warm_start=True)
    start.partial_fit(X0[:10], y0[:10], classes=classes)
    if class_weight == "balanced":
        counts = np.bincount(np.concatenate([y0, y1]), minlength=3)
        weights = {c: 110 / (3 * counts[c]) for c in classes}
    replicas = []
    for Xk, yk, wk in [(X0, y0, w0), (X1, y1, w1)]:
        replica = copy.deepcopy(start)
        if class_weight == "balanced":
            replica.set_params(class_weight=weights)
        n_rows = int(len(Xk) * round_epochs)
        Xr, yr = np.concatenate([Xk] * 2)[:n_rows], np.concatenate([yk] * 2)[:n_rows]
        replica.partial_fit(Xr, yr, sample_weight=None if wk is None else wk[:n_rows])
        replicas.append((n_rows, replica))
    # Different replicas, so that the test can tell an average from either.
    assert not np.allclose(replicas[0][1]._params, replicas[1][1]._params)

    model = copy.deepcopy(start).set_params(class_weight=class_weight)
    fd.fit(model, X, y, sample_weight=w, client=client, rounds=1,
           round_epochs=round_epochs)

    n = np.array([k for k, _ in replicas], dtype=float)
    expected = (n[0] * replicas[0][1]._params + n[1] * replicas[1][1]._params) / n.sum()
    np.testing.assert_allclose(model._params, expected, rtol=1e-12, atol=1e-15)
    for i, state in enumerate(model._optimizer.state):
        if state.size:
            mean = sum(k * r._optimizer.state[i] for k, r in replicas) / n.sum()
            np.testing.assert_allclose(state, mean, rtol=1e-12, atol=1e-15)
    steps = [r._optimizer.n_updates - start._optimizer.n_updates for _, r in replicas]
    assert model._optimizer.n_updates == start._optimizer.n_updates + round(
        np.dot(n, steps) / n.sum())
    assert model.t_ == start.t_ + n.sum()
    expected_loss = sum(k * r.loss_ for k, r in replicas) / n.sum()
    assert model.loss_curve_[-1] == pytest.approx(expected_loss, rel=1e-12)


def test_fresh_model_starts_from_fits_initial_weights(client):
    # With learning rate ~0, one round leaves fit's initial weights: the
    # same random_state gives the same start as est.fit.
    X, y = make_data(200, 100)
    (Xn,), (yn,) = blocks(client, X.rechunk(200), y.rechunk(200))
    params = dict(hidden_layer_sizes=(4,), solver="sgd", momentum=0.0,
                  learning_rate_init=1e-300, random_state=3, max_iter=1, alpha=0.0)
    single = fnn.MLPClassifier(**params).fit(Xn, yn)
    model = fd.fit(fnn.MLPClassifier(**params), X, y, client=client)
    # The average of identical vectors, (40 p + 60 p) / 100, may round.
    np.testing.assert_allclose(model._params, single._params, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(model.classes_, single.classes_)


# ----------------------------------------------------------------------
# Data stays on the workers; faults
# ----------------------------------------------------------------------
def _on_workers_only(block):
    # Raises in the driver (no worker there): the data is never computed
    # locally.
    distributed.get_worker()
    return block


def _sent_out_of_cluster(client):
    """Per key, bytes that workers sent to a non-worker (the scheduler or
    the driver) since the logs were last cleared."""
    workers = set(client.nthreads())
    logs = client.run(lambda dask_worker: list(dask_worker.transfer_outgoing_log))
    sent = []
    for entries in logs.values():
        for entry in entries:
            if entry["who"] not in workers:
                sent.extend(entry["keys"].values())
    return sent


def test_data_never_reaches_the_driver(client):
    X, y = make_data(4000, 1000)
    X = X.map_blocks(_on_workers_only, meta=np.empty((0, N_FEATURES)))
    with pytest.raises(ValueError):
        X.blocks[0].compute(scheduler="sync")
    client.run(lambda dask_worker: dask_worker.transfer_outgoing_log.clear())
    model = fd.fit(fnn.MLPClassifier((4,), max_iter=3, random_state=0), X, y,
                   client=client)
    sent = _sent_out_of_cluster(client)
    param_bytes = model._params.nbytes
    # Round results (parameters and Adam's two state vectors) came back ...
    assert len(sent) >= 3 * 2
    assert max(sent) > 3 * param_bytes
    # ... and nothing larger: no partition (32 000 bytes of X each) left the
    # cluster, and all that left is a small fraction of the data.
    assert max(sent) <= 3 * param_bytes + 1024
    assert sum(sent) < X.nbytes / 4


def test_partitions_stay_on_their_workers_unless_that_unbalances_rounds():
    group = fd._group_partitions
    slots = ["a", "b"]
    # Balanced placement: every replica trains on what its worker holds.
    assert group([10, 10, 10, 10], [{"b"}, {"a"}, {"b"}, {"a"}], slots) == [
        ("b", [0, 2]), ("a", [1, 3])]
    # Everything on one worker: half of it moves, once.
    assert group([10, 10, 10, 10], [{"a"}] * 4, slots) == [("a", [0, 2]), ("b", [1, 3])]
    # Unequal sizes: longest first, each to the least loaded replica (30 + 5
    # rows and 20 + 10, all local; a tie goes to the worker holding it).
    assert group([5, 30, 20, 10], [{"a"}, {"a"}, {"b"}, {"b"}], slots) == [
        ("a", [0, 1]), ("b", [2, 3])]
    # Locality gives way to balance.
    assert group([30, 10, 10], [{"a"}] * 3, slots) == [("a", [0]), ("b", [1, 2])]
    # Fewer partitions than threads, and empty partitions: idle replicas
    # are left out.
    assert group([7, 0], [{"b"}, {"a"}], ["a", "a", "b"]) == [("b", [0])]


def test_prediction_runs_where_the_partitions_are(client):
    X, y = make_data(600, 150)
    model = fd.fit(fnn.MLPClassifier((4,), max_iter=3, random_state=0), X, y,
                   client=client)
    (Xn,), = blocks(client, X.rechunk(600))
    labels = fd.predict(model, X)
    proba = fd.predict_proba(model, X)
    assert isinstance(labels, da.Array) and labels.chunks == ((150,) * 4,)
    assert proba.chunks == ((150,) * 4, (3,))
    np.testing.assert_array_equal(client.compute(labels).result(), model.predict(Xn))
    np.testing.assert_allclose(client.compute(proba).result(), model.predict_proba(Xn))
    regressor = fd.fit(fnn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=2,
                                        random_state=0), X, X[:, :2], client=client)
    out = fd.predict(regressor, X)
    assert out.chunks == ((150,) * 4, (2,))
    np.testing.assert_allclose(client.compute(out).result(), regressor.predict(Xn))


def test_fitted_model_needs_no_dask(client, tmp_path):
    X, y = make_data(400, 100)
    model = fd.fit(fnn.MLPClassifier((4,), max_iter=2, random_state=0), X, y,
                   client=client)
    (Xn,), = blocks(client, X.rechunk(400))
    model.save(tmp_path / "model.fnn")
    loaded = fnn.load(tmp_path / "model.fnn")
    np.testing.assert_array_equal(loaded.predict(Xn), model.predict(Xn))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(Xn),
                                  model.predict(Xn))
    # And it continues training on one machine.
    loaded.set_params(warm_start=True, max_iter=1).fit(Xn, np.asarray(y))
    assert len(loaded.loss_curve_) == 3


def test_checkpoints_and_progress_come_from_the_driver(client, tmp_path, capsys):
    X, y = make_data(400, 200)
    path = str(tmp_path / "checkpoint.fnn")
    model = fnn.MLPClassifier((4,), max_iter=3, random_state=0, checkpoint_path=path,
                              verbose=True)
    fd.fit(model, X, y, client=client)
    saved = fnn.load(path)
    assert saved.loss_curve_ == model.loss_curve_
    np.testing.assert_array_equal(saved._params, model._params)
    # Resuming from the checkpoint continues the same curve.
    fd.fit(saved.set_params(warm_start=True, max_iter=1, checkpoint_path=None,
                            verbose=False), X, y, client=client)
    assert saved.loss_curve_[:3] == model.loss_curve_ and len(saved.loss_curve_) == 4
    out = capsys.readouterr().out
    assert [line.split(",")[0] for line in out.splitlines()] == \
        ["Iteration 1", "Iteration 2", "Iteration 3"]  # one line per round


def test_dask_dataframe_gives_the_same_model_as_the_array(client):
    dd = pytest.importorskip("dask.dataframe", reason="install the dask extra")
    # One partition per replica: with more, which partitions share a replica
    # depends on where Dask put them.
    X, y = make_data(400, 200)
    frame = dd.from_dask_array(X, columns=[f"f{i}" for i in range(N_FEATURES)])
    target = dd.from_dask_array(y, index=frame.index)
    params = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    from_array = fd.fit(fnn.MLPClassifier(**params), X, y, client=client)
    from_frame = fd.fit(fnn.MLPClassifier(**params), frame, target, client=client)
    np.testing.assert_array_equal(from_frame._params, from_array._params)


def test_dropout_is_reproducible_with_masks_of_their_own_per_partition(client):
    from fnn._distributed_worker import dropout_seed

    spec = {"seed": 7, "round": 3}
    seeds = [dropout_seed(p, spec) for p in range(4)]
    assert len(set(seeds)) == 4 and seeds == [dropout_seed(p, spec) for p in range(4)]
    assert dropout_seed(0, {"seed": 7, "round": 4}) != seeds[0]
    X, y = make_data(400, 200)
    params = dict(hidden_layer_sizes=(6,), max_iter=2, random_state=0, dropout=0.5,
                  batch_size=50)
    first = fd.fit(fnn.MLPClassifier(**params), X, y, client=client)
    again = fd.fit(fnn.MLPClassifier(**params), X, y, client=client)
    np.testing.assert_array_equal(first._params, again._params)
    plain = fd.fit(fnn.MLPClassifier(**{**params, "dropout": 0.0}), X, y, client=client)
    assert not np.array_equal(first._params, plain._params)


def test_multilabel_targets(client):
    X, _ = make_data(800, 200)
    Y = da.stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0], axis=1).astype(np.int64)
    (Xn,), (Yn,) = blocks(client, X.rechunk(800), Y.rechunk(800))
    # Small batches: each replica takes half the steps of one process per
    # epoch, which tiny data with few batches would make the difference.
    params = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0,
                  learning_rate_init=0.01, batch_size=50)
    single = fnn.MLPClassifier(**params).fit(Xn, Yn)
    model = fd.fit(fnn.MLPClassifier(**params), X, Y, client=client)
    np.testing.assert_array_equal(model.classes_, [0, 1])
    assert model.predict(Xn).shape == (800, 2)
    assert abs(model.score(Xn, Yn) - single.score(Xn, Yn)) < 0.05


def test_current_client_is_used_when_none_is_given(client):
    psutil = pytest.importorskip("psutil")  # a dependency of distributed
    X, y = make_data(200, 100)
    before = psutil.Process().children(recursive=True)
    with client.as_current():
        model = fd.fit(fnn.MLPClassifier((4,), max_iter=1, random_state=0), X, y)
    assert len(model.loss_curve_) == 1
    assert psutil.Process().children(recursive=True) == before


def test_errors_name_the_parameter(client):
    X, y = make_data(100, 50)
    with pytest.raises(TypeError, match="estimator"):
        fd.fit(fnn.Perceptron(), X, y, client=client)
    with pytest.raises(ValueError, match="rounds"):
        fd.fit(fnn.MLPClassifier(), X, y, client=client, rounds=0)
    with pytest.raises(ValueError, match="round_epochs"):
        fd.fit(fnn.MLPClassifier(), X, y, client=client, round_epochs=-1)
    with pytest.raises(ValueError, match="optimizer_state"):
        fd.fit(fnn.MLPClassifier(), X, y, client=client, optimizer_state="keep")
    with pytest.raises(ValueError, match="early_stopping"):
        fd.fit(fnn.MLPClassifier(early_stopping=True), X, y, client=client)
    with pytest.raises(ValueError, match="lbfgs"):
        fd.fit(fnn.MLPRegressor(solver="lbfgs"), X, y, client=client)
    with pytest.raises(TypeError, match="client"):
        fd.fit(fnn.MLPClassifier(), X, y, client="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="same length"):
        fd.fit(fnn.MLPClassifier(), X, y[:60], client=client)
    with pytest.raises(ValueError, match="classes not in `self.classes_`"):
        fd.fit(fnn.MLPClassifier(max_iter=1), X, y, classes=[0, 1], client=client)
    with pytest.raises(fnn.NotFittedError):
        fd.predict(fnn.MLPClassifier(), X)
    with pytest.raises(ValueError, match="diverged"):
        fd.fit(fnn.MLPRegressor(solver="sgd", learning_rate_init=1e12, max_iter=3),
               X, X[:, 0] * 1e6, client=client, retries=0)


def test_incremental_wrapper_of_dask_ml(client):
    # The ecosystem's way: Incremental calls partial_fit block after block.
    wrappers = pytest.importorskip("dask_ml.wrappers", reason="install the dask extra")
    X, y = make_data(600, 150)
    X_blocks, y_blocks = blocks(client, X, y)
    params = dict(hidden_layer_sizes=(4,), random_state=0, shuffle=False)
    with client.as_current():
        wrapped = wrappers.Incremental(fnn.MLPClassifier(**params), shuffle_blocks=False)
        wrapped.fit(X, y, classes=[0, 1, 2])
    by_hand = fnn.MLPClassifier(**params)
    for Xb, yb in zip(X_blocks, y_blocks):
        by_hand.partial_fit(Xb, yb, classes=[0, 1, 2])
    assert isinstance(wrapped.estimator_, fnn.MLPClassifier)
    np.testing.assert_array_equal(wrapped.estimator_._params, by_hand._params)


def test_killed_worker_round_is_redone_with_the_same_result(client):
    X, y = make_data(24000, 12000)
    params = dict(hidden_layer_sizes=(32,), batch_size=16, max_iter=5, random_state=0)
    reference = fd.fit(fnn.MLPClassifier(**params), X, y, client=client)

    pids = client.run(os.getpid)
    killed = []
    fit_returned = threading.Event()

    def kill_a_worker_in_a_round():
        # Polls until a round is running, so that the kill hits training; a
        # fit that ends first leaves `killed` empty and fails the test.
        while not fit_returned.is_set():
            for address, keys in client.processing().items():
                if any(str(k).startswith("fnn-round-") for k in keys) and \
                        address in pids:
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(address)
                    return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_a_worker_in_a_round)
    model = fnn.MLPClassifier(**params)
    killer.start()
    try:
        fd.fit(model, X, y, client=client)
    finally:
        fit_returned.set()
        killer.join()
    assert killed, "no worker was killed during training"
    assert pids[killed[0]] not in client.run(os.getpid).values()
    np.testing.assert_array_equal(model._params, reference._params)
    assert model.loss_curve_ == reference.loss_curve_
    client.wait_for_workers(2, timeout=60)


def test_without_a_client_a_local_cluster_is_started_and_closed():
    psutil = pytest.importorskip("psutil")  # a dependency of distributed
    X, y = make_data(200, 100)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    model = fd.fit(fnn.MLPClassifier((4,), max_iter=2, random_state=0), X, y)
    assert len(model.loss_curve_) == 2
    with pytest.raises(ValueError):
        distributed.default_client()
    # multiprocessing's resource tracker, started with the first worker
    # process, stays until the interpreter exits by design.
    after = {p.pid for p in psutil.Process().children(recursive=True)
             if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
             and "resource_tracker" not in " ".join(p.cmdline())}
    assert after <= before


def test_local_cluster_has_single_threaded_workers_without_the_profiler():
    keys = ("distributed.worker.profile.enabled", "distributed.admin.tick.interval")
    before = [dask.config.get(key) for key in keys]
    with fd.local_cluster(2) as cluster, distributed.Client(cluster) as client:
        assert list(client.nthreads().values()) == [1, 1]
        assert set(client.run(lambda: dask.config.get(
            "distributed.worker.profile.enabled")).values()) == {False}
        callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
        assert all("profile" not in names for names in callbacks.values())
        tick = client.run(lambda dask_worker: dask_worker.periodic_callbacks["tick"]
                          .callback_time)
        assert set(tick.values()) == {200}  # milliseconds
        # The settings are the cluster's, not left behind in this process.
        assert [dask.config.get(key) for key in keys] == before
    with pytest.raises(ValueError, match="n_workers must be >= 1"):
        fd.local_cluster(0)
    with pytest.raises(TypeError, match="n_workers must be an int"):
        fd.local_cluster(1.5)
