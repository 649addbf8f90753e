"""Perceptron rule, one-vs-rest on the 10 classes of Fashion-MNIST (784
features), one thread, examples visited in the given order (no shuffling),
zero initial weights, no stopping rule: every contender runs the same epochs
and, from the same start, takes the same steps up to a score exactly 0 (see
fnn.Perceptron's docstring).

Work per example: 10 dot products of length 784, then for each unit that
got it wrong, w += eta (t - y) x.
"""
import numpy as np
import pytest

from conftest import record_throughput

N_FAST = 20000   # examples per epoch for the compiled contenders
N_SLOW = 2000    # examples per epoch for the Python-per-example loop
EPOCHS = 3


def _data(fashion_mnist, n, dtype):
    X, y = fashion_mnist[0][:n], fashion_mnist[1][:n]
    return np.ascontiguousarray(X, dtype=dtype), y


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_fnn(benchmark, fashion_mnist, dtype):
    import fnn

    X, y = _data(fashion_mnist, N_FAST, dtype)
    model = fnn.Perceptron(shuffle=False, tol=None, max_iter=EPOCHS)
    benchmark.pedantic(model.fit, args=(X, y), rounds=5, warmup_rounds=1)
    benchmark.extra_info["epochs"] = model.n_iter_
    record_throughput(benchmark, len(X) * model.n_iter_)


def test_sklearn(benchmark, fashion_mnist):
    linear_model = pytest.importorskip("sklearn.linear_model")
    # scikit-learn trains in float64 whatever the input: give it float64 so
    # the conversion is not timed.
    X, y = _data(fashion_mnist, N_FAST, np.float64)
    model = linear_model.Perceptron(shuffle=False, tol=None, max_iter=EPOCHS)
    benchmark.pedantic(model.fit, args=(X, y), rounds=3, warmup_rounds=0)
    benchmark.extra_info["epochs"] = model.n_iter_
    record_throughput(benchmark, len(X) * model.n_iter_)


def test_numpy(benchmark, fashion_mnist):
    X, y = _data(fashion_mnist, N_SLOW, np.float32)
    T = np.eye(10, dtype=bool)[y]
    eta = np.float32(1.0)

    def fit():
        W = np.zeros((10, X.shape[1]), np.float32)
        b = np.zeros(10, np.float32)
        for _ in range(EPOCHS):
            for x, t in zip(X, T):
                wrong = (W @ x + b > 0) != t
                if wrong.any():
                    c = np.where(t[wrong], eta, -eta)
                    W[wrong] += c[:, None] * x
                    b[wrong] += c

    benchmark.pedantic(fit, rounds=3, warmup_rounds=0)
    benchmark.extra_info["epochs"] = EPOCHS
    record_throughput(benchmark, len(X) * EPOCHS)


# ----------------------------------------------------------------------
# Sparse text-like data (bench/text_like.py: 10,000 training documents,
# 30,000 words, about 100 nonzeros per row, 4 classes), scikit-learn's
# defaults (shuffled, tol=1e-3): fit time and held-out accuracy of both,
# and fnn's peak of Python/NumPy allocations during fit.
#
#     python -m pytest bench/test_perceptron.py -k text
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def text_data():
    from text_like import split, text_like

    return split(*text_like())


def test_fnn_text(benchmark, text_data):
    import fnn
    from conftest import peak_traced_bytes

    X, y, X_test, y_test = text_data
    model = fnn.Perceptron()
    _, peak = peak_traced_bytes(model.fit, X, y)
    benchmark.group = "Perceptron fit: sparse text"
    benchmark.pedantic(model.fit, args=(X, y), rounds=5, warmup_rounds=0)
    benchmark.extra_info["accuracy"] = float(model.score(X_test, y_test))
    benchmark.extra_info["epochs"] = model.n_iter_
    benchmark.extra_info["peak_fit_bytes_over_nonzero_bytes"] = peak / (
        X.data.nbytes + X.indices.nbytes)
    record_throughput(benchmark, X.shape[0] * model.n_iter_)


def test_sklearn_text(benchmark, text_data):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y, X_test, y_test = text_data
    model = linear_model.Perceptron()
    benchmark.group = "Perceptron fit: sparse text"
    benchmark.pedantic(model.fit, args=(X, y), rounds=5, warmup_rounds=0)
    benchmark.extra_info["accuracy"] = float(model.score(X_test, y_test))
    benchmark.extra_info["epochs"] = model.n_iter_
    record_throughput(benchmark, X.shape[0] * model.n_iter_)
