"""Shared fixtures of the benchmarks.

Benchmarks are not tests: run them with `python -m pytest bench` (see
bench/report.py for the table of ratios).  Each reports `examples/s` in
extra_info so that ratios between libraries come from one run.
"""
import numpy as np
import pytest


@pytest.fixture(scope="session")
def fashion_mnist():
    from fnn.data import load_fashion_mnist

    try:
        return load_fashion_mnist()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


def record_throughput(benchmark, n_examples):
    """Store examples/s of the median round in the benchmark's extra_info."""
    benchmark.extra_info["examples"] = n_examples
    benchmark.extra_info["examples_per_s"] = n_examples / benchmark.stats.stats.median


def batch_products_epoch(X, batch_size, hidden=100, n_outputs=10):
    """(epoch, examples per epoch): epoch() runs the five matrix products of
    every batch of one epoch of a one-hidden-layer network -- forward X_b W1
    and H W2, backward H^T D2, D2 W2^T and X_b^T D1 -- through NumPy's BLAS
    on batches gathered beforehand, and nothing else: the "bound" rows."""
    X = X[np.random.RandomState(0).permutation(len(X))]
    rng = np.random.RandomState(1)
    W1 = rng.uniform(-0.08, 0.08, (X.shape[1], hidden)).astype(X.dtype)
    W2 = rng.uniform(-0.2, 0.2, (hidden, n_outputs)).astype(X.dtype)
    H, DH = np.empty((batch_size, hidden), X.dtype), np.empty((batch_size, hidden), X.dtype)
    O = np.empty((batch_size, n_outputs), X.dtype)
    D1 = rng.normal(size=(batch_size, hidden)).astype(X.dtype)
    D2 = rng.normal(size=(batch_size, n_outputs)).astype(X.dtype)
    G1, G2 = np.empty_like(W1), np.empty_like(W2)
    batches = [X[start:start + batch_size]
               for start in range(0, len(X) - batch_size + 1, batch_size)]

    def epoch():
        for xb in batches:
            np.matmul(xb, W1, out=H)
            np.matmul(H, W2, out=O)
            np.matmul(H.T, D2, out=G2)
            np.matmul(D2, W2.T, out=DH)
            np.matmul(xb.T, D1, out=G1)

    return epoch, len(batches) * batch_size


def benchmark_bound(benchmark, products, n_examples, rounds):
    """Time products() as a "bound" row: with NumPy's BLAS on one thread or
    on all (its default), whichever ran one warm-up call faster (on small
    products BLAS's threads cost more than they bring)."""
    import time

    from threadpoolctl import threadpool_info, threadpool_limits

    def seconds(limit):
        with threadpool_limits(limit, user_api="blas"):
            products()
            start = time.perf_counter()
            products()
            return time.perf_counter() - start

    default = max(lib["num_threads"] for lib in threadpool_info()
                  if lib.get("user_api") == "blas")
    limit = min((1, default), key=seconds)
    with threadpool_limits(limit, user_api="blas"):
        benchmark.pedantic(products, rounds=rounds, warmup_rounds=0)
    record_throughput(benchmark, n_examples)
    benchmark.extra_info["bound"] = True
    benchmark.extra_info["blas_threads"] = limit


def torch_or_skip():
    return pytest.importorskip("torch", reason="install the bench extra for PyTorch")


@pytest.fixture(autouse=True)
def _quiet_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def peak_traced_bytes(fn, *args, **kwargs):
    """Run fn and return (result, peak bytes of Python/NumPy allocations made
    during it).  NumPy reports its array buffers to tracemalloc, so a copy of
    the data shows up here; the kernels' own scratch (C malloc) does not."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
