"""Ctrl-C during fit stops training promptly and keeps a usable model."""
import textwrap

import pytest
from interrupting import ctrl_c_child

CHILD = textwrap.dedent("""
    import json, sys, time, warnings
    import numpy as np
    import fnn

    solver, batch_size, n_jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.RandomState(0)
    if solver == "lbfgs":  # one evaluation of the full-batch loss takes ~0.1 s
        X = rng.rand(4000, 200)
        y = rng.randint(0, 3, 4000)
        model = fnn.MLPClassifier((128,), solver="lbfgs", max_iter=10**6,
                                  max_fun=10**7, tol=0, n_jobs=n_jobs, random_state=0)
    else:
        X = rng.rand(20000, 400).astype(np.float32)
        y = (X[:, 0] > 0.5).astype(int)
        model = fnn.MLPClassifier((256,), solver=solver, batch_size=batch_size,
                                  max_iter=10000, tol=0, n_iter_no_change=10**6,
                                  n_jobs=n_jobs, random_state=0)
    print("started", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    weights = model.coefs_ + model.intercepts_
    print(json.dumps({
        "returned_at": time.time(),
        "warned": any("interrupted" in str(w.message) for w in caught),
        "finite": all(bool(np.isfinite(W).all()) for W in weights),
        "n_iter": model.n_iter_,
        "predict_ok": bool(np.isfinite(model.predict_proba(X[:10])).all()),
    }), flush=True)
""")


@pytest.mark.parametrize("solver, batch_size, n_jobs", [
    ("adam", 1, 1), ("adam", 1, 2), ("adam", 64, 1),
    # L-BFGS keeps its last accepted iterate.
    ("lbfgs", 0, 1)])
def test_ctrl_c_stops_within_a_second_and_returns_the_model(solver, batch_size, n_jobs):
    # A hang here was a deadlock of the per-example threads (a thread that
    # saw the stop flag a round late left the others waiting at a barrier).
    returncode, report, err, sent = ctrl_c_child(CHILD, solver, batch_size, n_jobs,
                                                 after=1.5)  # inside the first epochs
    assert returncode == 0, err
    assert report["returned_at"] - sent < 1.0
    assert report["warned"] and report["finite"] and report["predict_ok"]
    if solver == "lbfgs":
        assert report["n_iter"] >= 1
