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


# ----------------------------------------------------------------------
# Sparse text-like data: 10,000 training documents of a 30,000-word
# vocabulary, about 100 nonzeros per row (bench/text_like.py), 4 classes;
# scikit-learn's SVC (libsvm's sparse kernels) against fnn's on the same
# CSR matrix, linear and rbf kernels.  The agreement of the two models'
# predictions on 2,000 held-out documents and fnn's peak of Python/NumPy
# allocations during fit are recorded with fnn's timing.
#
#     python -m pytest bench/test_svc.py -k text
# ----------------------------------------------------------------------
_TEXT_PREDICTIONS = {}


@pytest.fixture(scope="module")
def text_data():
    from text_like import split, text_like

    return split(*text_like())


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_sklearn_text(benchmark, text_data, kernel):
    svm = pytest.importorskip("sklearn.svm")
    X, y, X_test, _ = text_data
    model = svm.SVC(kernel=kernel)
    benchmark.group = f"SVC fit: sparse text, {kernel}"
    benchmark.pedantic(model.fit, args=(X, y), rounds=1, warmup_rounds=0)
    _TEXT_PREDICTIONS[kernel] = model.predict(X_test)
    benchmark.extra_info["n_support"] = int(model.n_support_.sum())
    record_throughput(benchmark, X.shape[0])


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_fnn_text(benchmark, text_data, kernel):
    import fnn
    from conftest import peak_traced_bytes

    X, y, X_test, y_test = text_data
    model = fnn.SVC(kernel=kernel)
    _, peak = peak_traced_bytes(model.fit, X, y)
    benchmark.group = f"SVC fit: sparse text, {kernel}"
    benchmark.pedantic(model.fit, args=(X, y), rounds=2, warmup_rounds=0)
    predictions = model.predict(X_test)
    benchmark.extra_info["n_support"] = int(model.n_support_.sum())
    benchmark.extra_info["accuracy"] = float(np.mean(predictions == y_test))
    benchmark.extra_info["peak_fit_bytes_over_nonzero_bytes"] = peak / (
        X.data.nbytes + X.indices.nbytes)
    if kernel in _TEXT_PREDICTIONS:
        benchmark.extra_info["same_predictions_as_sklearn"] = float(
            np.mean(predictions == _TEXT_PREDICTIONS[kernel]))
    record_throughput(benchmark, X.shape[0])
