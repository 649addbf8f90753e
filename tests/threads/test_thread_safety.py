"""The MLPs' thread-safety contract, tried as a busy web service would.

A fitted model predicts from several threads while another thread fits it
again with another number of classes and features; two threads fit one
model with differently shaped data; a user assigns inconsistent fitted
attributes.  Every scenario runs in a child Python (faulthandler on, a
memory cap, a timeout), several times, so that a crash, an abort or a hang
fails the test with the child's signal and stderr instead of killing the
test run.  The contract (see MLPClassifier's docstring): every call computes
with one whole model, the one before a fit or the one after it; fits of one
estimator run one after the other; kernels never read user-writable
attributes.
"""
import json
import signal
import subprocess
import sys
import textwrap

import pytest
from concurrency import run_isolated

RUNS = 4               # children per scenario: the races differ from run to run
SECONDS = 1.5          # how long each child keeps its threads racing
MEMORY_CAP = 3 << 30   # bytes of address space a child may use

CHILD = textwrap.dedent('''
    import faulthandler, json, resource, sys, threading, time, warnings
    import numpy as np
    import fnn

    faulthandler.enable()
    warnings.simplefilter("ignore")
    scenario, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    rng = np.random.RandomState(seed)
    # Model A: 4 features, 3 classes (or 3 outputs); model B: 6 features,
    # 2 classes (or 1 output).
    XA, XB = rng.rand(60, 4), rng.rand(50, 6)
    yA, yB = rng.randint(0, 3, 60), rng.randint(0, 2, 50)
    rA, rB = rng.rand(60, 3), rng.rand(50)
    report = {"calls": 0, "refused": 0, "fits": 0, "errors": []}
    stop = threading.Event()

    def note_error(exc):
        if len(report["errors"]) < 5:
            report["errors"].append(f"{type(exc).__name__}: {exc}"[:300])

    def predict_loop(model, regressor):
        """Predict on A-shaped and B-shaped rows until stopped; every answer
        must be whole: A's shape from A's rows, B's from B's."""
        k = 0
        while not stop.is_set():
            k += 1
            rows = XA[k % 50:k % 50 + 7] if k % 2 else XB[k % 40:k % 40 + 5]
            wide = rows.shape[1] == 6
            try:
                if regressor:
                    out = model.predict(rows)
                    expected = (len(rows),) if wide else (len(rows), 3)
                else:
                    out = model.predict_proba(rows) if k % 3 else model.predict(rows)
                    expected = ((len(rows), 2 if wide else 3) if out.ndim == 2
                                else (len(rows),))
                    if out.ndim == 1 and not set(out) <= ({0, 1} if wide else {0, 1, 2}):
                        raise AssertionError(f"labels {set(out)} from the other model")
                if out.shape != expected or not np.isfinite(
                        np.asarray(out, dtype=float)).all():
                    raise AssertionError(f"shape {out.shape}, expected {expected}")
                report["calls"] += 1
            except ValueError as exc:  # rows of the other model: refused, named
                if "features" not in str(exc):
                    note_error(exc)
                report["refused"] += 1
            except Exception as exc:
                note_error(exc)

    def run_threads(targets, seconds):
        threads = [threading.Thread(target=t) for t in targets]
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(60)
        report["hung_threads"] = sum(t.is_alive() for t in threads)

    if scenario in ("refit", "refit-regressor"):
        regressor = scenario == "refit-regressor"
        cls = fnn.MLPRegressor if regressor else fnn.MLPClassifier
        model = cls(hidden_layer_sizes=(16,), max_iter=3, random_state=seed)
        model.fit(XA, rA if regressor else yA)

        def refit_loop():
            k = 0
            while not stop.is_set():
                k += 1
                X, y = (XB, rB if regressor else yB) if k % 2 else (XA, rA if regressor else yA)
                model.set_params(batch_size=1 if k % 4 < 2 else "auto",
                                 solver="lbfgs" if k % 5 == 0 else "adam")
                try:
                    model.fit(X, y)
                    if model.solver == "adam":
                        model.partial_fit(X, y)
                    report["fits"] += 1
                except Exception as exc:
                    note_error(exc)

        run_threads([refit_loop] + [lambda: predict_loop(model, regressor)] * 3, seconds)

    elif scenario == "two-fits":
        model = fnn.MLPClassifier(hidden_layer_sizes=(8,), batch_size=1, max_iter=2,
                                  random_state=seed).fit(XA, yA)

        def fit_loop(X, y):
            while not stop.is_set():
                try:
                    model.fit(X, y)
                    report["fits"] += 1
                except Exception as exc:
                    note_error(exc)

        run_threads([lambda: fit_loop(XA, yA), lambda: fit_loop(XB, yB),
                     lambda: predict_loop(model, False)], seconds)
        # The model is one of the two fits, whole.
        wide = model.n_features_in_ == 6
        proba = model.predict_proba(XB if wide else XA)
        report["final"] = [model.n_features_in_, proba.shape[1]]
        if proba.shape[1] != (2 if wide else 3):
            report["errors"].append(f"final model mixes fits: {report['final']}")

    elif scenario == "attributes":
        model = fnn.MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=seed)
        model.fit(XA, yA)
        expected = model.predict_proba(XA)

        def outcome(action):
            """'same' when predictions are unchanged after `action`, else the
            error it raised (never a crash)."""
            try:
                action()
                same = np.array_equal(model.predict_proba(XA), expected)
                return "same" if same else "changed"
            except Exception as exc:
                return type(exc).__name__ + ": " + str(exc)[:120]

        results = {
            "n_outputs_": outcome(lambda: setattr(model, "n_outputs_", 1)),
            "n_features_in_": outcome(lambda: setattr(model, "n_features_in_", 2)),
            "classes_": outcome(lambda: setattr(model, "classes_", np.array([7]))),
            "n_layers_": outcome(lambda: setattr(model, "n_layers_", 9)),
            "out_activation_": outcome(lambda: setattr(model, "out_activation_", "exp")),
            "activation": outcome(lambda: setattr(model, "activation", "tanh")),
            "coefs_[0] shape": outcome(lambda: model.coefs_.__setitem__(
                0, np.zeros((3, 8)))),
            "coefs_ list": outcome(lambda: setattr(model, "coefs_", [np.zeros((4, 8))])),
            "intercepts_[1] nan": outcome(lambda: model.intercepts_.__setitem__(
                1, np.full(3, np.nan))),
            "n_jobs huge": outcome(lambda: setattr(model, "n_jobs", 2 ** 31)),
        }
        model.n_jobs = None
        results["predict after all"] = outcome(lambda: None)
        report["attributes"] = results

    elif scenario == "solver-switch":
        # An lbfgs fit of another shape leaves no optimiser behind for a
        # later partial_fit (its state had the old network's size).
        model = fnn.MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=seed)
        model.fit(XA, yA)
        XC, yC = rng.rand(2000, 300), rng.randint(0, 2, 2000)
        model.set_params(solver="lbfgs", max_iter=5).fit(XC, yC)
        model.set_params(solver="adam")
        for _ in range(3):
            model.partial_fit(XC, yC)
        model._optimizer.state = (np.zeros(3), np.zeros(3))  # tampered with
        try:
            model.partial_fit(XC, yC)
        except ValueError as exc:
            report["tampered"] = str(exc)
        report["finite"] = bool(np.isfinite(model.predict_proba(XC)).all())

    print(json.dumps(report), flush=True)
''')


def _limit_memory():
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_child(scenario, seed, seconds=SECONDS):
    """The child's report; a crash, abort or hang fails the test with the
    signal and the end of the child's stderr."""
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, scenario, str(seconds),
                               str(seed)], capture_output=True, text=True, timeout=120,
                              preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{scenario} (seed {seed}) hung; stderr ends with:\n"
                    f"{(exc.stderr or b'')[-2000:]}", pytrace=False)
    if proc.returncode != 0:
        how = (f"signal {signal.Signals(-proc.returncode).name}" if proc.returncode < 0
               else f"exit status {proc.returncode}")
        pytest.fail(f"{scenario} (seed {seed}) died ({how}); stderr ends with:\n"
                    f"{proc.stderr[-3000:]}", pytrace=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("seed", range(RUNS))
@pytest.mark.parametrize("scenario", ["refit", "refit-regressor"])
def test_predictions_stay_whole_while_another_thread_refits(scenario, seed):
    report = run_child(scenario, seed)
    assert report["errors"] == []
    assert report["hung_threads"] == 0
    # Both kinds of calls happened: answers from a whole model, and rows of
    # the other model refused by name.
    assert report["fits"] >= 2 and report["calls"] > 10 and report["refused"] > 0


@pytest.mark.parametrize("seed", range(RUNS))
def test_two_threads_fitting_one_model_take_turns(seed):
    report = run_child("two-fits", seed)
    assert report["errors"] == []
    assert report["hung_threads"] == 0
    assert report["fits"] >= 2


def test_inconsistent_attributes_are_ignored_or_refused():
    results = run_child("attributes", 0)["attributes"]
    # Published for users, read by no kernel.
    for name in ("n_outputs_", "n_features_in_", "classes_", "n_layers_",
                 "out_activation_", "activation"):
        assert results[name] == "same", (name, results[name])
    # Writes into the weights are checked before they are copied.
    assert results["coefs_[0] shape"].startswith("ValueError: layer 0 has shape (4, 8)")
    assert results["coefs_ list"].startswith("ValueError: expected 2 layers")
    assert results["intercepts_[1] nan"].startswith("ValueError: layer 1: weights must "
                                                    "be finite")
    assert results["n_jobs huge"].startswith("InvalidParameterError: The 'n_jobs' "
                                             "parameter of MLPClassifier")
    assert results["predict after all"] == "same"


def test_partial_fit_after_a_solver_switch_starts_a_new_optimiser():
    # Before: the optimiser of the first fit survived the lbfgs fit, and
    # partial_fit stepped a 300-feature network with its 4-feature state
    # (out-of-bounds reads, then an abort).
    report = run_child("solver-switch", 0)
    assert report["finite"] and report["errors"] == []
    assert report["tampered"].startswith("the optimiser state does not match the network "
                                         "[300, 5, 1]")



def swap_scenario(seed):
    """Predict and fit on CSR matrices while another thread keeps giving
    them new arrays, which frees the old ones unless the kernel reading them
    holds them.  Runs in a child Python (run_isolated)."""
    import threading

    import numpy as np
    import scipy.sparse as sp

    import fnn

    rng = np.random.RandomState(seed)
    big = sp.random(20000, 1000, density=0.02, format="csr", random_state=seed + 1)
    small = sp.random(3000, 1000, density=0.02, format="csr", random_state=seed + 2)
    y_small = rng.randint(0, 3, 3000)
    model = fnn.MLPClassifier((16,), max_iter=2, random_state=0).fit(small, y_small)
    stop = threading.Event()

    def swap():
        while not stop.is_set():
            for X in (big, small):
                X.data = X.data.copy()
                X.indices = X.indices.copy()
                X.indptr = X.indptr.copy()

    thread = threading.Thread(target=swap)
    thread.start()
    report = {"predictions": 0, "fits": 0}
    try:
        for _ in range(12):
            report["predictions"] += bool(np.isfinite(model.predict_proba(big)).all())
        for solver, batch_size in (("sgd", 1), ("adam", 64), ("lbfgs", 200)):
            fitted = fnn.MLPClassifier((8,), solver=solver, batch_size=batch_size,
                                       max_iter=2, random_state=0).fit(small, y_small)
            report["fits"] += bool(np.isfinite(fitted.predict_proba(small)).all())
    finally:
        stop.set()
        thread.join()
    return report


def test_a_csr_matrix_given_new_arrays_by_another_thread_during_a_call():
    """predict and fit read a CSR matrix's arrays without the GIL; another
    thread assigning new ones (``X.data = ...``) must not free the arrays
    being read.  Before, this crashed the interpreter (SIGSEGV) in the
    first predictions."""
    report = run_isolated(__file__, "swap_scenario", 0, memory_cap=MEMORY_CAP,
                          timeout=300)
    assert report == {"predictions": 12, "fits": 3}
