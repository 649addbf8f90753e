"""Kernel SVM training: fnn.SVC against scikit-learn's SVC (libsvm) on
Fashion-MNIST subsets (784 features, pixels in [0, 1]), one thread each.

Both run at the same settings, scikit-learn's defaults: rbf kernel,
gamma='scale', C=1, tol=1e-3, a 200 MB kernel cache, shrinking, one-vs-one
over the 10 classes (45 binary problems).  The binary task (classes 0-4
against 5-9) is one problem over all the samples: its data no longer fits
in the caches, the regime where each pass over the data costs most.

scikit-learn trains in float64 whatever the input, so it gets float64 and
the conversion is not timed; fnn runs on float64 (the same arithmetic as
libsvm) and on float32 (the data set's own dtype).  Each size is its own
benchmark group, so pytest-benchmark's table compares like with like:

    python -m pytest bench/test_svc.py
"""
import numpy as np
import pytest

from conftest import record_throughput

ROUNDS = {1000: 5, 5000: 3, 10000: 3}
CASES = [(1000, "10 classes"), (5000, "10 classes"), (10000, "10 classes"),
         (10000, "binary")]
IDS = [f"{n}-{'ovo' if task == '10 classes' else 'binary'}" for n, task in CASES]


def _data(fashion_mnist, n, task, dtype):
    X, y = fashion_mnist[0][:n], fashion_mnist[1][:n]
    if task == "binary":
        y = (y >= 5).astype(np.int64)
    return np.ascontiguousarray(X, dtype=dtype), y


def _run(benchmark, model, X, y, n, task):
    benchmark.group = f"SVC fit: {n} samples, {task}"
    benchmark.pedantic(model.fit, args=(X, y), rounds=ROUNDS[n], warmup_rounds=0)
    benchmark.extra_info["n_support"] = int(model.n_support_.sum())
    benchmark.extra_info["n_iter"] = int(np.sum(model.n_iter_))
    record_throughput(benchmark, n)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("n,task", CASES, ids=IDS)
def test_fnn(benchmark, fashion_mnist, n, task, dtype):
    import fnn

    X, y = _data(fashion_mnist, n, task, dtype)
    _run(benchmark, fnn.SVC(), X, y, n, task)


@pytest.mark.parametrize("n,task", CASES, ids=IDS)
def test_sklearn(benchmark, fashion_mnist, n, task):
    svm = pytest.importorskip("sklearn.svm")
    X, y = _data(fashion_mnist, n, task, np.float64)
    _run(benchmark, svm.SVC(), X, y, n, task)
