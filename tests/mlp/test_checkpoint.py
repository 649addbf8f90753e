"""Checkpoints: written atomically, loadable after SIGKILL, resumable."""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fnn


def _data():
    rng = np.random.RandomState(0)
    X = rng.rand(2000, 30)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    return X, y


def test_checkpoint_every_n_epochs_and_resume(tmp_path):
    X, y = _data()
    path = tmp_path / "model.fnn"
    kwargs = dict(hidden_layer_sizes=(16,), solver="sgd", batch_size=1, random_state=0,
                  tol=0, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        fnn.MLPClassifier(**kwargs, max_iter=5, checkpoint_path=str(path),
                          checkpoint_every=2).fit(X, y)
        assert len(fnn.load(path).loss_curve_) == 4  # saved after epochs 2 and 4

        # A run of 4 epochs continued by one more, and the same run resumed
        # from its checkpoint after a "crash", end at the same weights.
        path.unlink()
        original = fnn.MLPClassifier(**kwargs, max_iter=4, checkpoint_path=str(path),
                                     checkpoint_every=4).fit(X, y)
        resumed = fnn.load(path)
        for model in (original, resumed):
            model.set_params(warm_start=True, max_iter=1, checkpoint_path=None)
            model.fit(X, y)
    for a, b in zip(original.coefs_ + original.intercepts_,
                    resumed.coefs_ + resumed.intercepts_):
        assert_array_equal(a, b)
    assert resumed.score(X, y) > 0.9


CHILD = textwrap.dedent("""
    import sys, warnings
    import numpy as np
    import fnn
    rng = np.random.RandomState(0)
    X = rng.rand(3000, 200)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    warnings.simplefilter("ignore")
    print("started", flush=True)
    fnn.MLPClassifier((64,), solver="sgd", batch_size=1, max_iter=100000, tol=0,
                      n_iter_no_change=10**6, checkpoint_path=sys.argv[1],
                      random_state=0).fit(X, y)
""")


def test_sigkill_at_random_moments_never_leaves_a_torn_checkpoint(tmp_path):
    path = tmp_path / "model.fnn"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "started"
        deadline = time.time() + 30
        while not path.exists() and time.time() < deadline:
            time.sleep(0.01)
        assert path.exists(), "no checkpoint was written"
    finally:
        child.kill()
        child.wait()
    chooser = random.Random(0)
    epochs_seen = []
    for _ in range(6):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "started"
        time.sleep(chooser.uniform(0.05, 0.6))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        model = fnn.load(path)  # raises if the file were torn
        assert all(np.isfinite(W).all() for W in model.coefs_ + model.intercepts_)
        assert model.predict(np.zeros((1, 200))).shape == (1,)
        epochs_seen.append(len(model.loss_curve_))
        leftovers = [p for p in os.listdir(tmp_path) if p != "model.fnn"]
        assert len(leftovers) <= 1  # at most the temporary file being written


def test_checkpoint_path_must_be_a_path():
    with pytest.raises(TypeError, match="checkpoint_path"):
        fnn.MLPClassifier(checkpoint_path=3).fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="checkpoint_every"):
        fnn.MLPClassifier(checkpoint_every=0).fit([[0.0], [1.0]], [0, 1])


def test_checkpoint_path_may_be_a_pathlib_path(tmp_path):
    path = tmp_path / "model.fnn"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        fnn.MLPClassifier((4,), max_iter=2, checkpoint_path=path).fit(*_data())
    # The checkpoint holds the model, not where it was written.
    assert fnn.load(path).checkpoint_path is None


def test_a_write_deletes_temporaries_of_dead_writers_only(tmp_path):
    from fnn._atomic_write import _host
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = tmp_path / "model.fnn"
    names = {
        "dead writer": f".model.fnn.{_host()}.{dead.pid}.abc123_x.tmp",
        "live writer": f".model.fnn.{_host()}.{os.getpid()}.abc123_x.tmp",
        "other host": f".model.fnn.{_host()}x.{dead.pid}.abc123_x.tmp",
        "other model": f".other.fnn.{_host()}.{dead.pid}.abc123_x.tmp",
        "user's file": f"model.fnn.{_host()}.{dead.pid}.abc123_x.tmp",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    fnn.MLPClassifier().save(path)
    left = set(os.listdir(tmp_path))
    assert names["dead writer"] not in left
    assert left == {"model.fnn"} | set(names.values()) - {names["dead writer"]}


def test_a_checkpoint_never_replaces_a_file_that_is_not_a_model(tmp_path):
    """checkpoint_path on a user's CSV: a ValueError naming it, the CSV intact.
    (Before training, once fit checks the path first: see
    test_robustness_files.py.)"""
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=f"cannot write {path}: it exists and is not "
                                         "an fnn model file"):
        fnn.MLPClassifier((4,), max_iter=2, checkpoint_path=path).fit(*_data())
    assert path.read_text() == "a,b\n1,2\n"
    assert os.listdir(tmp_path) == ["data.csv"]


def test_a_checkpoint_replaces_an_earlier_model_or_an_empty_file(tmp_path):
    path = tmp_path / "model.fnn"
    path.touch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        fnn.MLPClassifier((4,), max_iter=1, checkpoint_path=path).fit(*_data())
        assert len(fnn.load(path).loss_curve_) == 1
        fnn.MLPClassifier((4,), max_iter=2, checkpoint_path=path).fit(*_data())
    assert len(fnn.load(path).loss_curve_) == 2


def test_check_writable_model_path_changes_nothing(tmp_path):
    from fnn._persistence import check_writable_model_path

    (tmp_path / "model.fnn").touch()
    fnn.MLPClassifier().save(tmp_path / "saved.fnn")
    before = {p: (tmp_path / p).read_bytes() for p in os.listdir(tmp_path)}
    for name in ("model.fnn", "saved.fnn", "new.fnn"):
        check_writable_model_path(tmp_path / name)
    assert {p: (tmp_path / p).read_bytes() for p in os.listdir(tmp_path)} == before
