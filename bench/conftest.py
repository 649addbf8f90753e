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
