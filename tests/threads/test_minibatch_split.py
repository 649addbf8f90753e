"""How fnncore._minibatch splits a batch among threads: only when every
thread gets at least MIN_ROWS_PER_THREAD (32) rows; the split is fixed by
batch_size and n_jobs, so results are reproducible for both."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from test_threads import _minibatch_fit


def fit(n_jobs, batch_size, dtype=np.float64, solver="adam"):
    return _minibatch_fit(n_jobs, solver, dtype, batch_size=batch_size)


def params(model):
    return np.concatenate([a.ravel() for a in model.coefs_ + model.intercepts_])


@pytest.mark.parametrize("n_jobs", [2, 3])
def test_batches_too_small_to_split_run_on_one_thread(n_jobs):
    # Under 32 rows for a second thread: the one-thread sum, bit for bit.
    assert_array_equal(params(fit(n_jobs, 63)), params(fit(1, 63)))


def test_a_batch_runs_on_as_many_threads_as_get_32_rows():
    # 95 rows: two threads of 48, not three of 32: the same bits as n_jobs=2.
    assert_array_equal(params(fit(3, 95)), params(fit(2, 95)))
    assert not np.array_equal(params(fit(3, 96)), params(fit(2, 96)))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("n_jobs", [2, 3])
def test_split_batches_agree_with_one_thread_and_repeat_bit_for_bit(n_jobs, solver):
    # 32 rows a thread: split, so the batch's sum is added up differently.
    one = params(fit(1, 32 * n_jobs, solver=solver))
    many = params(fit(n_jobs, 32 * n_jobs, solver=solver))
    assert_allclose(many, one, rtol=1e-10, atol=1e-12)
    assert not np.array_equal(many, one)  # the threads did split the batch
    assert_array_equal(params(fit(n_jobs, 32 * n_jobs, solver=solver)), many)


def test_split_in_float32_stays_float32():
    model = fit(2, 64, dtype=np.float32)
    assert all(a.dtype == np.float32 for a in model.coefs_ + model.intercepts_)
    assert_allclose(params(model), params(fit(1, 64, dtype=np.float32)), rtol=1e-4,
                    atol=1e-5)
