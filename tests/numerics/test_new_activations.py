"""The hidden activations beyond scikit-learn's (leaky_relu, elu, gelu, silu,
softplus): values and derivatives against SciPy and finite differences, the
fnn.graph nodes, and per-example SGD against PyTorch from the same weights."""
import numpy as np
import pytest
import scipy.special
from numpy.testing import assert_allclose, assert_array_equal

from fnn import graph
from fnn._layout import Layout
from fnn._registry import ACTIVATIONS, LOSSES
from fnn.graph import Variable
from fnncore import _activations
from fnncore._epoch import train_epoch
from fnncore._activations import Activation

from reference import ACT

NEW = ["leaky_relu", "elu", "gelu", "silu", "softplus"]
CODE = {name: Activation[name.upper()] for name in NEW}

# float64 references (SciPy / NumPy), written from the definitions.
VALUE = {name: ACT[name] for name in NEW}
DERIVATIVE = {
    "leaky_relu": lambda z: np.where(z > 0, 1, 0.01),
    "elu": lambda z: np.where(z > 0, 1, np.exp(np.minimum(z, 0))),
    "gelu": lambda z: (scipy.special.ndtr(z)
                       + z * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)),
    "silu": lambda z: (scipy.special.expit(z)
                       * (1 + z * (1 - scipy.special.expit(z)))),
    "softplus": scipy.special.expit,
}
EXTREMES = [-1000, -40, -20, -1e-30, -0.0, 0, 1e-30, 20, 40, 1000]
# float32: gelu's erfc(-z / sqrt 2) amplifies the rounding of its argument
# about 2 z^2 times in the left tail (3.5e-6 at z = -7.7).
TOL = {np.float32: 1e-5, np.float64: 2e-13}


def inputs(dtype, rng):
    Z = np.concatenate([rng.randn(40) * 4, EXTREMES]).reshape(5, 10)
    return Z.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NEW)
def test_value_and_derivative_match_scipy(name, dtype, rng):
    Z = inputs(dtype, rng)
    z = Z.astype(np.float64)
    H, gain = Z.copy(), np.empty_like(Z)
    _activations.activate_gain(CODE[name], H, gain)
    assert H.dtype == gain.dtype == dtype
    assert np.isfinite(H).all() and np.isfinite(gain).all()
    eps = np.finfo(dtype).eps
    assert_allclose(H, VALUE[name](z), rtol=TOL[dtype], atol=np.finfo(dtype).tiny)
    # Derivatives are at most ~1.13 in size: an absolute error of a few eps
    # is float rounding (elu' from h + 1 near h = -1, for one).
    assert_allclose(gain, DERIVATIVE[name](z), rtol=TOL[dtype], atol=4 * eps)
    # Prediction's activation and training's are the same numbers.
    plain = Z.copy()
    _activations.activate(CODE[name], plain)
    assert_array_equal(plain, H)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_reach_their_limits(dtype):
    Z = np.array([[1000, -1000, 40, -40]], dtype)
    expected = {  # (values, derivatives) at 1000, -1000, 40, -40
        "softplus": ([1000, 0, 40, np.exp(-40)], [1, 0, 1, np.exp(-40)]),
        "elu": ([1000, -1, 40, -1], [1, 0, 1, 0]),
        "gelu": ([1000, 0, 40, 0], [1, 0, 1, 0]),
        "silu": ([1000, 0, 40, -40 * scipy.special.expit(-40)],
                 [1, 0, 1, DERIVATIVE["silu"](-40.0)]),
        "leaky_relu": ([1000, -10, 40, -0.4], [1, 0.01, 1, 0.01]),
    }
    for name, (values, derivatives) in expected.items():
        H, gain = Z.copy(), np.empty_like(Z)
        _activations.activate_gain(CODE[name], H, gain)
        assert_allclose(H[0], values, rtol=TOL[dtype], err_msg=name)
        assert_allclose(gain[0], derivatives, rtol=TOL[dtype], atol=1e-30, err_msg=name)


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "softplus"])
def test_derivative_from_the_output_equals_the_kept_one(name, rng):
    """The kinds whose derivative is a function of h need no gain row: the
    backward pass takes f'(z) from h, as for relu and tanh."""
    Z = inputs(np.float64, rng)
    H, gain = Z.copy(), np.empty_like(Z)
    _activations.activate_gain(CODE[name], H, gain)
    delta = rng.randn(*Z.shape)
    from_output = delta.copy()
    _activations.derivative(CODE[name], H, from_output)
    assert_allclose(from_output, delta * gain, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", NEW)
def test_derivative_matches_finite_differences(name, rng):
    Z = rng.randn(6, 5) * 3
    Z[np.abs(Z) < 1e-3] = 0.5  # away from leaky_relu's kink

    def f(z):
        out = z.copy()
        _activations.activate(CODE[name], out)
        return out

    gain = np.empty_like(Z)
    _activations.activate_gain(CODE[name], Z.copy(), gain)
    h = 1e-6
    assert_allclose(gain, (f(Z + h) - f(Z - h)) / (2 * h), rtol=1e-7, atol=1e-9)


# -- fnn.graph ---------------------------------------------------------------

GRAPH = {name: getattr(graph, name) for name in NEW}


@pytest.mark.parametrize("name", NEW)
def test_graph_node_matches_the_reference_and_finite_differences(name, rng):
    z = np.concatenate([rng.randn(12) * 3, [-1000, -40, 40, 1000]])
    z[np.abs(z) < 1e-3] = 0.5
    x = Variable(z)
    out = GRAPH[name](x)
    assert_allclose(out.value, VALUE[name](z), rtol=1e-14, atol=1e-300)
    weights = rng.randn(z.size)
    graph.sum(out * weights).backward()
    assert_allclose(x.grad, DERIVATIVE[name](z) * weights, rtol=1e-13, atol=1e-300)
    inner = np.abs(z) < 100  # central differences of f(+-1000) lose all digits
    h = 1e-6
    numeric = (GRAPH[name](z + h).value - GRAPH[name](z - h).value) / (2 * h)
    assert_allclose(x.grad[inner], (numeric * weights)[inner], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NEW)
def test_compiled_derivative_matches_the_graph(name, rng):
    Z = rng.randn(4, 6) * 3
    x = Variable(Z)
    graph.sum(GRAPH[name](x)).backward()
    gain = np.empty_like(Z)
    _activations.activate_gain(CODE[name], Z.copy(), gain)
    assert_allclose(gain, x.grad, rtol=1e-13, atol=1e-15)


# -- per-example SGD against PyTorch -------------------------------------------

TORCH_ACTIVATION = {"leaky_relu": "LeakyReLU", "elu": "ELU", "gelu": "GELU",
                    "silu": "SiLU", "softplus": "Softplus"}
SIZES = [6, 5, 4, 3]
LR = 0.05


def starting_point(dtype, seed=0):
    """Data and weights of a 6-5-4-3 network (two hidden layers, so each
    derivative is chained through a layer) with softmax output."""
    rng = np.random.RandomState(seed)
    layout = Layout(SIZES)
    # Pre-activations of a few units: gelu' and silu' are tiny far left,
    # and Adam's two conventions for epsilon differ where gradients are.
    params = (rng.randn(layout.n_params) * 0.5).astype(dtype)
    X = (rng.randn(4, SIZES[0]) * 1.5).astype(dtype)
    Y = np.eye(SIZES[-1], dtype=dtype)[rng.randint(0, SIZES[-1], 4)]
    return layout, params, X, Y


def step_dict(kind):
    rule = {"sgd": 0, "momentum": 1, "nesterov": 2, "adam": 3}[kind]
    return {"kind": rule, "learning_rate": LR, "momentum": 0.9, "beta_1": 0.9,
            "beta_2": 0.999, "epsilon": 1e-30}


def fnn_epoch(name, kind, layout, params, X, Y, order, n_threads=1, alpha=0.0, **extra):
    """One call of fnncore's epoch over X[order] (X dense or CSR), by default
    per example (extra: train_epoch's options); returns the parameters
    after it."""
    dtype, n = params.dtype, layout.n_params
    params = params.copy()
    state1 = np.zeros(n, dtype) if kind != "sgd" else np.empty(0, dtype)
    state2 = np.zeros(n, dtype) if kind == "adam" else np.empty(0, dtype)
    loss_code, out_name = LOSSES["log_loss"]
    hidden = CODE[name] if name in CODE else ACTIVATIONS[name]
    train_epoch(X, Y, np.empty(0, dtype), np.asarray(order, np.intp), layout.table,
                params, state1, state2, hidden, ACTIVATIONS[out_name], loss_code,
                alpha, step_dict(kind), 0, n_threads=n_threads, **extra)
    return params


def torch_epoch(name, kind, layout, params, X, Y, order, masks=None, batch_size=1):
    """The same network in PyTorch, with torch's own optimisers, stepping
    once per batch of `batch_size` examples of `order` on the batch's mean
    cross-entropy (scikit-learn's gradient); masks[k][l] multiplies hidden
    layer l of the example at position k (inverted dropout, already divided
    by 1 - rate)."""
    torch = pytest.importorskip("torch")
    # In float64 whatever fnn's dtype: PyTorch's float32 gelu' takes Phi as
    # 1 + erf, which cancels in the left tail, and Adam turns a gradient's
    # relative error into a step's.
    dtype = torch.float64
    X, params = X.astype(np.float64), params.astype(np.float64)
    masks = None if masks is None else [[m.astype(np.float64) for m in layers]
                                        for layers in masks]
    layers = []
    for W, b in zip(layout.coefs(params), layout.intercepts(params)):
        lin = torch.nn.Linear(*W.shape).to(dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
    act = getattr(torch.nn, TORCH_ACTIVATION[name])()
    weights = [p for lin in layers for p in lin.parameters()]
    if kind == "adam":
        # scikit-learn's Adam adds epsilon to sqrt(v) before the bias
        # correction, PyTorch after: with a negligible epsilon (here and in
        # step_dict) both are lr_t m / sqrt(v).
        opt = torch.optim.Adam(weights, lr=LR, betas=(0.9, 0.999), eps=1e-30)
    else:
        # From zero velocity, v = mu v + g, w -= lr v (PyTorch) is the
        # same sequence as v = mu v - lr g, w += v (scikit-learn), and
        # likewise for Nesterov's look-ahead.
        opt = torch.optim.SGD(weights, lr=LR, momentum=0.0 if kind == "sgd" else 0.9,
                              nesterov=kind == "nesterov")
    order = list(order)
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        opt.zero_grad()
        a = torch.from_numpy(X[batch])
        for l, lin in enumerate(layers):
            a = lin(a)
            if l < len(layers) - 1:
                a = act(a)
                if masks is not None:
                    a = a * torch.from_numpy(np.stack([masks[start + r][l]
                                                       for r in range(len(batch))]))
        target = torch.from_numpy(np.argmax(Y[batch], axis=1))
        torch.nn.functional.cross_entropy(a, target, reduction="mean").backward()
        opt.step()
    flat = np.empty_like(params)  # float64
    for lin, (_, o, w, b) in zip(layers, layout.table):
        flat[w:b] = lin.weight.detach().numpy().T.ravel()
        flat[b:b + o] = lin.bias.detach().numpy()
    return flat


# float32: Adam's normalised step turns the rounding of a small gradient
# into a change of up to ~1e-4 lr.
PARITY_TOL = {np.float32: dict(rtol=2e-5, atol=1e-4 * LR),
              np.float64: dict(rtol=1e-12, atol=1e-13)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("name", NEW)
def test_sgd_steps_match_pytorch(name, kind, dtype):
    layout, params, X, Y = starting_point(dtype)
    order = [0, 1, 2, 3, 1]
    got = fnn_epoch(name, kind, layout, params, X, Y, order)
    expected = torch_epoch(name, kind, layout, params, X, Y, order)
    assert not np.array_equal(got, params)
    assert_allclose(got, expected, **PARITY_TOL[dtype])


@pytest.mark.parametrize("name", NEW)
def test_sgd_on_csr_rows_matches_dense(name):
    """Sparse input runs the same hidden layers: plain SGD (the scaled first
    layer) and Adam (expanded rows) equal the dense kernel to rounding."""
    sparse = pytest.importorskip("scipy.sparse")
    layout, params, X, Y = starting_point(np.float64)
    X[np.abs(X) < 1] = 0
    Xs = sparse.csr_matrix(X)
    order = np.array([0, 1, 2, 3, 1], np.intp)
    for kind in ("sgd", "adam"):
        dense = fnn_epoch(name, kind, layout, params, X, Y, order)
        csr = fnn_epoch(name, kind, layout, params, Xs, Y, order)
        assert_allclose(csr, dense, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", NEW)
def test_threads_train_the_new_activations(name):
    """Two threads run local SGD (their own weights, then a merge): the
    result is reproducible and learns an easy problem as one thread does."""
    layout, params, X, Y = starting_point(np.float64)
    rng = np.random.RandomState(1)
    X = rng.randn(256, SIZES[0])
    Y = np.eye(SIZES[-1])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    order = np.arange(256)
    two = fnn_epoch(name, "sgd", layout, params, X, Y, order, n_threads=2)
    assert_array_equal(two, fnn_epoch(name, "sgd", layout, params, X, Y, order,
                                      n_threads=2))
    one = fnn_epoch(name, "sgd", layout, params, X, Y, order)
    before = log_loss(name, layout, params, X, Y)
    after_one = log_loss(name, layout, one, X, Y)
    after_two = log_loss(name, layout, two, X, Y)
    assert after_two < 0.85 * before
    assert abs(after_two - after_one) < 0.1 * before


def log_loss(name, layout, params, X, Y):
    """Mean cross-entropy of the network, from the NumPy references."""
    a = X
    for l, (W, b) in enumerate(zip(layout.coefs(params), layout.intercepts(params))):
        a = a @ W + b
        if l < layout.n_layers - 1:
            a = VALUE[name](a)
    return -np.mean(np.sum(Y * scipy.special.log_softmax(a, axis=1), axis=1))


# -- mini-batches and the full-batch gradient ----------------------------------

def minibatch_epoch(name, kind, layout, params, X, Y, order, batch_size, **extra):
    """fnn_epoch by the mini-batch kernel (batch_size 1 included)."""
    return fnn_epoch(name, kind, layout, params, X, Y, order, batch_size=batch_size,
                     per_example=False, **extra)


def batch_problem(dtype):
    layout, params, _, _ = starting_point(dtype)
    rng = np.random.RandomState(5)
    X = (rng.randn(10, SIZES[0]) * 1.5).astype(dtype)
    Y = np.eye(SIZES[-1], dtype=dtype)[rng.randint(0, SIZES[-1], 10)]
    return layout, params, X, Y, rng.permutation(10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("name", NEW)
def test_minibatch_steps_match_pytorch(name, kind, dtype):
    layout, params, X, Y, order = batch_problem(dtype)
    got = minibatch_epoch(name, kind, layout, params, X, Y, order, 4)
    expected = torch_epoch(name, kind, layout, params, X, Y, order, batch_size=4)
    assert_allclose(got, expected, **PARITY_TOL[dtype])


@pytest.mark.parametrize("name", NEW)
def test_full_batch_gradient_matches_the_graph(name):
    """L-BFGS's objective and gradient (full_batch_loss_gradient) against the same
    network written with fnn.graph, L2 penalty included."""
    from fnncore import _minibatch
    layout, params, X, Y, _ = batch_problem(np.float64)
    alpha = 0.01
    grad = np.empty_like(params)
    loss_code, out_name = LOSSES["log_loss"]
    value = _minibatch.full_batch_loss_gradient(X, Y, np.empty(0), layout.table, params, grad,
                                     CODE[name], ACTIVATIONS[out_name], loss_code, alpha)
    coefs = [Variable(W) for W in layout.coefs(params)]
    intercepts = [Variable(b) for b in layout.intercepts(params)]
    a = X
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        a = a @ W + b
        if l < layout.n_layers - 1:
            a = GRAPH[name](a)
    n = len(X)
    objective = (graph.cross_entropy(graph.softmax(a), Y) / n
                 + 0.5 * alpha * sum(graph.sum(W * W) for W in coefs) / n)
    objective.backward()
    assert value == pytest.approx(float(objective.value), rel=1e-12)
    expected = np.concatenate([np.concatenate([W.grad.ravel(), b.grad])
                               for W, b in zip(coefs, intercepts)])
    assert_allclose(grad, expected, rtol=1e-10, atol=1e-13)
