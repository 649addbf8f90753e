"""End to end: MLPClassifier(hidden_layer_sizes=(100,), max_iter=30,
random_state=0) on Fashion-MNIST (default solver adam, batch 200), fnn
against scikit-learn: time to fit and test accuracy.

bound: the matrix products of one epoch of batches of 200 alone, through
NumPy's BLAS (conftest.batch_products_epoch), as examples/s: a fit's
examples/s counts every epoch's examples, so report.py's share of the
bound is what the products of a fit would take over what the fit took."""
import pytest

from conftest import batch_products_epoch, benchmark_bound, record_throughput

SETTINGS = dict(hidden_layer_sizes=(100,), max_iter=30, random_state=0)


def _fit_and_score(benchmark, cls, fashion_mnist, rounds):
    X, y, X_test, y_test = fashion_mnist
    model = cls(**SETTINGS)
    benchmark.pedantic(model.fit, args=(X, y), rounds=rounds, warmup_rounds=0)
    record_throughput(benchmark, len(X) * model.n_iter_)
    benchmark.extra_info["accuracy"] = model.score(X_test, y_test)
    benchmark.extra_info["epochs"] = model.n_iter_
    benchmark.extra_info["seconds"] = benchmark.stats.stats.median


def test_fnn(benchmark, fashion_mnist):
    import fnn

    _fit_and_score(benchmark, fnn.MLPClassifier, fashion_mnist, rounds=3)


def test_sklearn(benchmark, fashion_mnist):
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    _fit_and_score(benchmark, sklearn_nn.MLPClassifier, fashion_mnist, rounds=1)


def test_bound(benchmark, fashion_mnist):
    epoch, n_examples = batch_products_epoch(fashion_mnist[0], 200)
    benchmark_bound(benchmark, epoch, n_examples, rounds=3)
