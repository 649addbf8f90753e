"""fnncore._forward: the batched forward pass against a NumPy reference, and
its results independent of the thread count and of who runs which block."""
import subprocess

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fnn._layout import Layout
from fnncore import _forward
from fnn._registry import ACTIVATIONS

TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def network(sizes, dtype, seed=0):
    layout = Layout(sizes)
    rng = np.random.default_rng(seed)
    params = rng.normal(0, 1 / np.sqrt(sizes[0]), layout.n_params).astype(dtype)
    return layout, params


def reference(X, layout, params):
    """relu hidden layers and a softmax output, layer by layer in NumPy."""
    A = X.astype(np.float64)
    for l, (W, b) in enumerate(zip(layout.coefs(params), layout.intercepts(params))):
        Z = A @ W.astype(np.float64) + b
        if l < len(layout.coefs(params)) - 1:
            A = np.maximum(Z, 0)
        else:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
    return A


def run(X, layout, params, n_threads=1, block=0):
    out = np.full((X.shape[0], layout.layer_units[-1]), np.nan, X.dtype)
    _forward.forward(X, layout.table, params, ACTIVATIONS["relu"], ACTIVATIONS["softmax"], out,
                     n_threads=n_threads, block=block)
    return out


def l2_cache_bytes():
    """The C library's sysconf(_SC_LEVEL2_CACHE_SIZE), which Python's
    os.sysconf does not name, through getconf."""
    try:
        size = int(subprocess.run(["getconf", "LEVEL2_CACHE_SIZE"], capture_output=True,
                                  text=True, check=True).stdout.strip() or 0)
    except (OSError, ValueError, subprocess.CalledProcessError):
        size = 0
    if not 64 * 1024 <= size <= 64 * 1024 * 1024:
        pytest.skip("this system does not report its L2 cache through getconf")
    return size


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_blocks_of_activations_fill_half_the_l2_cache(dtype):
    l2, itemsize = l2_cache_bytes(), np.dtype(dtype).itemsize
    for widest in (1, 10, 100, 1000, 100000):
        rows = _forward.block_rows(widest, itemsize)
        assert rows % 16 == 0
        if rows > 16:  # the floor of 16 rows may overflow a tiny cache
            assert 2 * rows * widest * itemsize <= l2 // 2
            assert 2 * (rows + 16) * widest * itemsize > l2 // 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_equals_numpy(dtype):
    layout, params = network((60, 40, 30, 7), dtype)
    X = np.random.default_rng(1).normal(size=(1000, 60)).astype(dtype)
    assert_allclose(run(X, layout, params, block=64), reference(X, layout, params),
                    **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threads_and_queue_order_change_no_bit(dtype):
    # Enough work for two threads to start (over 8 million multiply-adds), and
    # a block that does not divide the rows (a short last block).
    layout, params = network((300, 100, 10), dtype)
    X = np.random.default_rng(2).normal(size=(3001, 300)).astype(dtype)
    one = run(X, layout, params, n_threads=1, block=96)
    for n_threads in (2, 3, 4):
        assert_array_equal(run(X, layout, params, n_threads=n_threads, block=96), one)
    assert_allclose(one, reference(X, layout, params), **TOL[dtype])


@pytest.mark.parametrize("block", [1, 17, 5000])
def test_any_block_gives_the_same_network(block):
    layout, params = network((20, 16, 3), np.float64)
    X = np.random.default_rng(3).normal(size=(200, 20))
    assert_allclose(run(X, layout, params, n_threads=2, block=block),
                    reference(X, layout, params), **TOL[np.float64])


def test_no_rows():
    layout, params = network((5, 4, 3), np.float32)
    assert run(np.empty((0, 5), np.float32), layout, params, n_threads=2).shape == (0, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("sparse", [False, True])
def test_training_and_prediction_run_the_same_forward_pass(dtype, activation, sparse):
    """The L-BFGS objective at some parameters (its forward pass is mini-batch
    training's) equals, bit for bit, the mean loss of forward()'s outputs at
    those parameters: both passes compute the same bits.  700 features, so
    BLAS splits the first product's inner dimension (the bias's place then
    changes the last bits); gelu keeps gains in training (another loop).
    The same rows form one block in both passes."""
    import scipy.sparse as sp

    from fnn._registry import HIDDEN_ACTIVATIONS, LOSSES
    from fnncore import _losses, _minibatch

    n = 300
    layout, params = network((700, 40, 20, 3), dtype, seed=3)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(n, 700)).astype(dtype)
    X[rng.random((n, 700)) < 0.7] = 0
    X = sp.csr_matrix(X) if sparse else X
    Y = np.eye(3, dtype=dtype)[rng.integers(0, 3, n)]
    loss, out_name = LOSSES["log_loss"]
    hidden, output = HIDDEN_ACTIVATIONS[activation], ACTIVATIONS[out_name]
    grad = np.empty_like(params)
    objective = _minibatch.full_batch_loss_gradient(
        X, Y, np.empty(0, dtype), layout.table, params, grad, hidden, output, loss, 0.0,
        chunk=n)
    P = np.empty((n, 3), dtype)
    _forward.forward(X, layout.table, params, hidden, output, P, block=n)
    per_example = np.empty(n)
    _losses.loss_per_example(loss, Y, P, per_example)
    total = 0.0
    for value in per_example:  # the kernel's order of summation
        total += value
    assert objective == total / n
