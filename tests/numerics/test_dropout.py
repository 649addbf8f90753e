"""Inverted dropout in per-example SGD: masks from the documented stream,
steps against a NumPy reference and PyTorch, reproducibility, and rate 0
leaving everything bit for bit as without dropout."""
import numpy as np
import pytest
import scipy.sparse
import scipy.special
from numpy.testing import assert_allclose, assert_array_equal

from fnn._registry import ACTIVATIONS
from fnncore._activations import Activation

from test_new_activations import (PARITY_TOL, SIZES, VALUE, DERIVATIVE, LR, fnn_epoch,
                                  starting_point, torch_epoch)

N_HIDDEN = sum(SIZES[1:-1])


def splitmix64_at(seed, index):
    """The index-th output of splitmix64 from seed, written from its
    published definition (uint64 arithmetic wraps around in NumPy)."""
    with np.errstate(over="ignore"):
        x = np.uint64(seed) + (np.asarray(index, np.uint64) + np.uint64(1)) \
            * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def kept(seed, first_unit, n, rate):
    """Which of units first_unit ... first_unit + n - 1 survive: the top 53
    bits of the hash, as a uniform draw in [0, 1), are >= rate."""
    bits = splitmix64_at(seed, first_unit + np.arange(n)) >> np.uint64(11)
    return bits.astype(np.float64) / 2.0**53 >= rate


def masks(seed, rates, n_examples):
    """masks[k][l]: hidden layer l's multiplier for the example at position
    k, 0 or 1 / (1 - rate)."""
    out = []
    for k in range(n_examples):
        offset, layers = k * N_HIDDEN, []
        for l, rate in enumerate(rates):
            n = SIZES[1 + l]
            keep = kept(seed, offset, n, rate)
            layers.append(np.where(keep, 1 / (1 - rate), 0.0))
            offset += n
        out.append(layers)
    return out


F = {**VALUE, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}
DF = {**DERIVATIVE, "relu": lambda z: (z > 0).astype(float),
      "tanh": lambda z: 1 - np.tanh(z) ** 2}


def numpy_sgd(name, params, layout, X, Y, order, mask):
    """Plain SGD, one example at a time, with cross-entropy and the hidden
    layers' outputs multiplied by mask[k][l] (float64)."""
    params = params.astype(np.float64).copy()
    Ws, bs = layout.coefs(params), layout.intercepts(params)
    for k, i in enumerate(order):
        zs, hs = [], [X[i].astype(np.float64)]
        for l in range(layout.n_layers):
            z = hs[-1] @ Ws[l] + bs[l]
            zs.append(z)
            if l < layout.n_layers - 1:
                hs.append(F[name](z) * mask[k][l])
        delta = scipy.special.softmax(zs[-1]) - Y[i]
        for l in range(layout.n_layers - 1, -1, -1):
            below = (Ws[l] @ delta) if l > 0 else None
            Ws[l] -= LR * np.outer(hs[l], delta)
            bs[l] -= LR * delta
            if l > 0:
                delta = below * DF[name](zs[l - 1]) * mask[k][l - 1]
    return params


def test_the_mask_stream_drops_the_rate(rng):
    """53 uniform bits per unit: the dropped fraction is the rate, and
    neighbouring units and seeds are not correlated."""
    n = 200_000
    for rate in (0.1, 0.5, 0.9):
        keep = kept(12345, 0, n, rate)
        sigma = np.sqrt(rate * (1 - rate) / n)
        assert abs((~keep).mean() - rate) < 5 * sigma
        assert abs(np.corrcoef(keep[:-1], keep[1:])[0, 1]) < 5 / np.sqrt(n)
        assert abs(np.corrcoef(keep, kept(12346, 0, n, rate))[0, 1]) < 5 / np.sqrt(n)


@pytest.mark.parametrize("name", ["relu", "tanh", "gelu", "softplus"])
def test_dropout_step_matches_numpy(name):
    """The kernel draws exactly the documented masks: its weights after five
    examples equal a NumPy reference that applies them."""
    layout, params, X, Y = starting_point(np.float64)
    order = [0, 1, 2, 3, 1]
    rates = np.array([0.3, 0.5])
    seed = 2**63 + 12345
    got = fnn_epoch(name, "sgd", layout, params, X, Y, order, dropout=rates,
                    dropout_seed=seed)
    expected = numpy_sgd(name, params, layout, X, Y, order,
                         masks(seed, rates, len(order)))
    assert_allclose(got, expected, rtol=1e-12, atol=1e-13)
    without = fnn_epoch(name, "sgd", layout, params, X, Y, order)
    assert np.abs(got - without).max() > 1e-3  # the masks did something


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("name", ["gelu", "leaky_relu"])
def test_dropout_steps_match_pytorch(name, kind, dtype):
    layout, params, X, Y = starting_point(dtype)
    order = [0, 1, 2, 3, 1]
    rates, seed = np.array([0.25, 0.4]), 7
    got = fnn_epoch(name, kind, layout, params, X, Y, order, dropout=rates,
                    dropout_seed=seed)
    mask = [[m.astype(dtype) for m in layers]
            for layers in masks(seed, rates, len(order))]
    expected = torch_epoch(name, kind, layout, params, X, Y, order, masks=mask)
    assert_allclose(got, expected, **PARITY_TOL[dtype])


def epoch_args(name, kind, dtype, n=300, sparse=False):
    rng = np.random.RandomState(3)
    layout, params, _, _ = starting_point(dtype)
    X = rng.randn(n, SIZES[0]).astype(dtype)
    if sparse:
        X[np.abs(X) < 0.8] = 0
    Y = np.eye(SIZES[-1], dtype=dtype)[rng.randint(0, SIZES[-1], n)]
    return layout, params, X, Y, rng.permutation(n)


def run(name, kind, layout, params, X, Y, order, sparse=False, n_threads=1, **extra):
    return fnn_epoch(name, kind, layout, params, scipy.sparse.csr_matrix(X) if sparse else X,
                     Y, order, n_threads=n_threads, alpha=1e-4, **extra)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", ["relu", "logistic", "gelu", "elu"])
def test_rate_zero_changes_nothing_bit_for_bit(name, kind, n_threads, sparse):
    args = epoch_args(name, kind, np.float32, sparse=sparse)
    plain = run(name, kind, *args, sparse=sparse, n_threads=n_threads)
    zero = run(name, kind, *args, sparse=sparse, n_threads=n_threads,
               dropout=np.zeros(2), dropout_seed=99)
    assert_array_equal(zero, plain)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_a_seed_reproduces_a_fit(n_threads, sparse):
    args = epoch_args("relu", "adam", np.float64, sparse=sparse)
    fit = [run("relu", "adam", *args, sparse=sparse, n_threads=n_threads,
               dropout=np.array([0.2, 0.0]), dropout_seed=seed) for seed in (5, 5, 6)]
    assert_array_equal(fit[0], fit[1])
    assert not np.array_equal(fit[0], fit[2])


def test_csr_rows_draw_the_dense_masks():
    args = epoch_args("silu", "sgd", np.float64, sparse=True)
    extra = dict(dropout=np.array([0.3, 0.3]), dropout_seed=11)
    assert_allclose(run("silu", "sgd", *args, sparse=True, **extra),
                    run("silu", "sgd", *args, **extra), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("rates", [[0.5], [0.1, 0.2, 0.3], [1.0, 0.0], [-0.1, 0.0],
                                   [np.nan, 0.0]])
def test_bad_rates_are_refused(rates):
    layout, params, X, Y = starting_point(np.float64)
    with pytest.raises(ValueError, match="dropout"):
        fnn_epoch("relu", "sgd", layout, params, X, Y, [0, 1],
                  dropout=np.array(rates, np.float64))


def test_identity_output_layer_only_network_takes_no_rates():
    """A network without hidden layers has nothing to drop."""
    from fnn._layout import Layout
    layout = Layout([SIZES[0], SIZES[-1]])
    rng = np.random.RandomState(0)
    params = rng.randn(layout.n_params)
    X, Y = rng.randn(3, SIZES[0]), np.eye(SIZES[-1])[[0, 1, 2]]
    got = fnn_epoch("relu", "sgd", layout, params, X, Y, [0, 1, 2],
                    dropout=np.empty(0), dropout_seed=1)
    assert_array_equal(got, fnn_epoch("relu", "sgd", layout, params, X, Y, [0, 1, 2]))
    assert Activation.RELU == ACTIVATIONS["relu"]


# -- mini-batches ------------------------------------------------------------

from test_new_activations import minibatch_epoch, batch_problem  # noqa: E402


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", ["gelu", "elu"])
def test_minibatch_dropout_matches_pytorch(name, kind, dtype):
    layout, params, X, Y, order = batch_problem(dtype)
    rates, seed = np.array([0.3, 0.2]), 1234
    got = minibatch_epoch(name, kind, layout, params, X, Y, order, 4, dropout=rates,
                          dropout_seed=seed)
    expected = torch_epoch(name, kind, layout, params, X, Y, order, batch_size=4,
                           masks=masks(seed, rates, len(order)))
    assert_allclose(got, expected, **PARITY_TOL[dtype])


def test_minibatch_of_one_draws_the_per_example_masks():
    """Masks follow the position in the order, not the batch: batches of
    one row give per-example SGD's weights."""
    layout, params, X, Y, order = batch_problem(np.float64)
    extra = dict(dropout=np.array([0.4, 0.1]), dropout_seed=77)
    assert_allclose(minibatch_epoch("silu", "adam", layout, params, X, Y, order, 1, **extra),
                    fnn_epoch("silu", "adam", layout, params, X, Y, order, **extra),
                    rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("name", ["relu", "tanh", "gelu"])
def test_minibatch_rate_zero_changes_nothing_bit_for_bit(name, n_threads):
    layout, params, X, Y, order = epoch_args(name, "adam", np.float32, n=512)
    plain = minibatch_epoch(name, "adam", layout, params, X, Y, order, 64,
                            n_threads=n_threads, alpha=1e-4)
    zero = minibatch_epoch(name, "adam", layout, params, X, Y, order, 64,
                           n_threads=n_threads, alpha=1e-4, dropout=np.zeros(2),
                           dropout_seed=5)
    assert_array_equal(zero, plain)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_minibatch_dropout_is_reproducible(n_threads):
    layout, params, X, Y, order = epoch_args("relu", "adam", np.float64, n=512)
    fit = [minibatch_epoch("relu", "adam", layout, params, X, Y, order, 64,
                           n_threads=n_threads, dropout=np.array([0.5, 0.5]),
                           dropout_seed=seed) for seed in (3, 3, 4)]
    assert_array_equal(fit[0], fit[1])
    assert not np.array_equal(fit[0], fit[2])


def test_minibatch_refuses_bad_rates():
    layout, params, X, Y, order = batch_problem(np.float64)
    for rates in ([0.5], [1.0, 0.0]):
        with pytest.raises(ValueError, match="dropout"):
            minibatch_epoch("relu", "sgd", layout, params, X, Y, order, 4,
                            dropout=np.array(rates))
