"""Threads using one estimator at once: the thread-safety contract's tests
(predictions while another thread fits again, fits from several threads)."""
import threading

import numpy as np


def predict_while_refitting(model, configs, X_test, expected, n_refits, n_threads=3):
    """Refit `model` n_refits times, cycling through `configs` ((X, y)
    pairs), while n_threads threads call model.predict(X_test).

    Every prediction must equal one of `expected` (the predictions of the
    configs' models; None for a config whose features X_test lacks, for
    which a ValueError naming the features is the right answer).  Returns
    the failures (anything else, with its reason) and the counts of
    predictions made and refused.
    """
    stop = threading.Event()
    failures = []
    counts = {"predictions": 0, "refused": 0}

    def predict():
        while not stop.is_set():
            try:
                pred = model.predict(X_test)
            except ValueError as exc:
                if "features" not in str(exc):
                    failures.append(repr(exc))
                counts["refused"] += 1
                continue
            except Exception as exc:   # noqa: BLE001 - any other is a failure
                failures.append(repr(exc))
                continue
            counts["predictions"] += 1
            if not any(e is not None and np.array_equal(pred, e) for e in expected):
                failures.append(f"prediction of no fitted model: {pred}")

    threads = [threading.Thread(target=predict) for _ in range(n_threads)]
    for t in threads:
        t.start()
    try:
        for i in range(n_refits):
            model.fit(*configs[i % len(configs)])
    finally:
        stop.set()
        for t in threads:
            t.join()
    return failures, counts


def fit_concurrently(model, configs, n_fits):
    """Fit `model` n_fits times from one thread per config at once; returns
    the errors raised."""
    errors = []

    def fit(config):
        try:
            for _ in range(n_fits):
                model.fit(*config)
        except Exception as exc:   # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=fit, args=(config,)) for config in configs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def run_isolated(test_file, function, seed, memory_cap=3 << 30, timeout=180):
    """Call ``function(seed)`` of the test module at path `test_file` (its
    caller's ``__file__``) in a child Python
    (faulthandler on, `memory_cap` bytes of address space beyond what the
    started interpreter maps, a timeout) and
    return the JSON-able report it returns; a crash, an abort or a hang
    fails the test with the child's signal and the end of its stderr,
    instead of killing the test run."""
    import json
    import os
    import signal
    import subprocess
    import sys

    import pytest

    here = os.path.dirname(os.path.abspath(__file__))
    folder, module = os.path.split(os.path.splitext(os.path.abspath(test_file))[0])
    # The cap is set inside the child once it runs, relative to what it has
    # mapped: under AddressSanitizer (.ci/sanitize) the interpreter maps
    # terabytes of shadow memory at start, which an absolute cap set before
    # exec would refuse.
    script = ("import faulthandler, json, resource, sys, warnings\n"
              "faulthandler.enable()\n"
              "mapped = next(int(line.split()[1]) * 1024 for line in "
              "open('/proc/self/status') if line.startswith('VmSize:'))\n"
              f"resource.setrlimit(resource.RLIMIT_AS, (mapped + {memory_cap}, "
              "resource.getrlimit(resource.RLIMIT_AS)[1]))\n"
              "warnings.simplefilter('ignore')\n"
              f"sys.path[:0] = [{folder!r}, {here!r}]\n"
              f"from {module} import {function} as scenario\n"
              "print(json.dumps(scenario(int(sys.argv[1]))), flush=True)\n")

    try:
        proc = subprocess.run([sys.executable, "-c", script, str(seed)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{module}.{function}({seed}) hung; stderr ends with:\n"
                    f"{(exc.stderr or b'')[-2000:]}", pytrace=False)
    if proc.returncode != 0:
        how = (f"signal {signal.Signals(-proc.returncode).name}" if proc.returncode < 0
               else f"exit status {proc.returncode}")
        pytest.fail(f"{module}.{function}({seed}) died ({how}); stderr ends with:\n"
                    f"{proc.stderr[-3000:]}", pytrace=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])
