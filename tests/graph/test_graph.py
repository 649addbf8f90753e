"""fnn.graph: every primitive against central finite differences and trusted
references, the course notes' worked examples, the drawing, and the graph as
the oracle for the gradients the compiled training loops apply."""
import sys

import numpy as np
import pytest
import scipy.special
from numpy.testing import assert_allclose

from fnn import graph
from fnn.graph import Variable
from fnn._registry import HIDDEN_ACTIVATIONS, LOSSES

from reference_poisson import ReferenceMLP
from test_gradients import applied_gradient, make_problem


def sample(shape, kind, rng):
    """Inputs kept away from each function's trouble spots (log of <= 0,
    division by ~0, relu's kink)."""
    if kind == "positive":
        values = rng.uniform(0.5, 2.0, shape)
    elif kind == "away_from_zero":
        values = rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    else:
        values = rng.standard_normal(shape)
    return np.asarray(values, dtype=np.float64)


def finite_difference(f, arrays, weights, h=1e-6):
    """Central differences of sum(f(*arrays) * weights) by every input entry."""
    def total(values):
        return float(np.sum(f(*[Variable(v) for v in values]).value * weights))

    grads = []
    for k, arr in enumerate(arrays):
        grad = np.zeros_like(arr)
        for index in np.ndindex(arr.shape):
            up = [a.copy() for a in arrays]
            down = [a.copy() for a in arrays]
            up[k][index] += h
            down[k][index] -= h
            grad[index] = (total(up) - total(down)) / (2 * h)
        grads.append(grad)
    return grads


ONE_HOT = np.eye(4)[[2, 0, 3]]
COUNTS = np.array([[0.0, 1.0, 3.0, 0.0], [2.0, 0.0, 1.0, 5.0], [1.0, 1.0, 0.0, 2.0]])
MATRIX = np.random.RandomState(7).randn(3, 4)

# name: (function of Variables, [(shape, kind) of each input])
CASES = {
    "add row broadcast": (lambda a, b: a + b, [((3, 4), "any"), ((4,), "any")]),
    "add outer broadcast": (lambda a, b: a + b, [((3, 1), "any"), ((1, 4), "any")]),
    "add scalar": (lambda a, b: a + b, [((), "any"), ((2, 3), "any")]),
    "sub": (lambda a, b: a - b, [((4,), "any"), ((3, 4), "any")]),
    "mul column broadcast": (lambda a, b: a * b, [((3, 4), "any"), ((3, 1), "any")]),
    "mul scalars": (lambda a, b: a * b, [((), "any"), ((), "any")]),
    "div": (lambda a, b: a / b, [((3, 4), "any"), ((4,), "away_from_zero")]),
    "div scalar numerator": (lambda a, b: a / b, [((), "any"), ((2,), "away_from_zero")]),
    "neg": (lambda a: -a, [((3,), "any")]),
    "square": (lambda a: a ** 2, [((3, 4), "any")]),
    "cube": (lambda a: a ** 3, [((), "any")]),
    "power -1.5": (lambda a: a ** -1.5, [((5,), "positive")]),
    "sqrt": (lambda a: a ** 0.5, [((5,), "positive")]),
    "power array exponent": (lambda a: a ** np.array([1.0, 2.0, 3.0]), [((2, 3), "positive")]),
    "power Variable exponent": (lambda a, p: a ** p, [((2, 3), "positive"), ((3,), "any")]),
    "number ** Variable": (lambda a: 2 ** a, [((4,), "any")]),
    "number - Variable": (lambda a: 3 - a, [((4,), "any")]),
    "number / Variable": (lambda a: 2 / a, [((4,), "away_from_zero")]),
    "array * Variable": (lambda a: MATRIX * a, [((4,), "any")]),
    "array + Variable": (lambda a: MATRIX + a, [((3, 1), "any")]),
    "array @ Variable": (lambda a: MATRIX @ a, [((4, 2), "any")]),
    "exp": (graph.exp, [((3, 4), "any")]),
    "log": (graph.log, [((3, 4), "positive")]),
    "sin": (graph.sin, [((3, 4), "any")]),
    "cos": (graph.cos, [((3, 4), "any")]),
    "tanh": (graph.tanh, [((3, 4), "any")]),
    "sigmoid": (graph.sigmoid, [((3, 4), "any")]),
    "relu": (graph.relu, [((3, 4), "away_from_zero")]),
    "softmax last axis": (graph.softmax, [((3, 4), "any")]),
    "softmax axis 0": (lambda a: graph.softmax(a, axis=0), [((3, 4), "any")]),
    "matmul 2-D 2-D": (graph.matmul, [((3, 4), "any"), ((4, 2), "any")]),
    "matmul 1-D 2-D": (graph.matmul, [((4,), "any"), ((4, 2), "any")]),
    "matmul 2-D 1-D": (graph.matmul, [((3, 4), "any"), ((4,), "any")]),
    "matmul 1-D 1-D": (graph.matmul, [((4,), "any"), ((4,), "any")]),
    "matmul operator": (lambda a, b: a @ b, [((2, 3), "any"), ((3, 3), "any")]),
    "sum all": (graph.sum, [((3, 4), "any")]),
    "sum axis 0": (lambda a: graph.sum(a, axis=0), [((3, 4), "any")]),
    "sum axis -1 keepdims": (lambda a: graph.sum(a, axis=-1, keepdims=True),
                             [((2, 3, 4), "any")]),
    "sum two axes": (lambda a: graph.sum(a, axis=(0, 2)), [((2, 3, 4), "any")]),
    "mean all": (graph.mean, [((3, 4), "any")]),
    "mean axis 1": (lambda a: graph.mean(a, axis=1), [((3, 4), "any")]),
    "mean axis 0 keepdims": (lambda a: graph.mean(a, axis=0, keepdims=True),
                             [((3, 4), "any")]),
    "squared_error": (graph.squared_error, [((3, 4), "any"), ((3, 4), "any")]),
    "cross_entropy": (lambda p: graph.cross_entropy(p, ONE_HOT), [((3, 4), "positive")]),
    "softmax + cross_entropy": (lambda z: graph.cross_entropy(graph.softmax(z), ONE_HOT),
                                [((3, 4), "any")]),
    "poisson_deviance": (lambda p: graph.poisson_deviance(p, COUNTS), [((3, 4), "positive")]),
    "exp + poisson_deviance": (lambda z: graph.poisson_deviance(graph.exp(z), COUNTS),
                               [((3, 4), "any")]),
    "poisson_deviance by the target": (graph.poisson_deviance,
                                       [((3, 4), "positive"), ((3, 4), "positive")]),
    "value used several times": (lambda a, b: a * a * b + a / b - graph.sin(a),
                                 [((3,), "any"), ((3,), "away_from_zero")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    f, specs = CASES[name]
    rng = np.random.RandomState(0)
    arrays = [sample(shape, kind, rng) for shape, kind in specs]
    variables = [Variable(a) for a in arrays]
    out = f(*variables)
    # A random weighting makes every entry of a non-scalar output count.
    weights = rng.randn(*out.shape)
    graph.sum(out * weights).backward()
    expected = finite_difference(f, arrays, weights)
    for variable, array, grad in zip(variables, arrays, expected):
        assert variable.grad.shape == array.shape
        assert_allclose(variable.grad, grad, rtol=1e-6, atol=1e-8)


# name: (graph function, trusted reference of its value)
FORWARD = {
    "exp": (graph.exp, np.exp),
    "log": (lambda a: graph.log(a * a + 0.1), lambda a: np.log(a * a + 0.1)),
    "sin": (graph.sin, np.sin),
    "cos": (graph.cos, np.cos),
    "tanh": (graph.tanh, np.tanh),
    "sigmoid": (graph.sigmoid, scipy.special.expit),
    "relu": (graph.relu, lambda a: np.maximum(a, 0)),
    "softmax": (graph.softmax, lambda a: scipy.special.softmax(a, axis=-1)),
    "softmax axis 0": (lambda a: graph.softmax(a, axis=0),
                       lambda a: scipy.special.softmax(a, axis=0)),
    "log softmax": (lambda a: graph.log(graph.softmax(a)),
                    lambda a: scipy.special.log_softmax(a, axis=-1)),
    "mean": (lambda a: graph.mean(a, axis=0), lambda a: np.mean(a, axis=0)),
    "matmul": (lambda a: a @ MATRIX.T, lambda a: a @ MATRIX.T),
    "poisson_deviance": (
        lambda a: graph.poisson_deviance(graph.exp(a), np.r_[COUNTS, COUNTS[:2]]),
        lambda a: np.sum(scipy.special.xlogy(np.r_[COUNTS, COUNTS[:2]],
                                             np.r_[COUNTS, COUNTS[:2]] / np.exp(a))
                         - np.r_[COUNTS, COUNTS[:2]] + np.exp(a))),
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_value_matches_reference(name):
    f, reference = FORWARD[name]
    a = np.random.RandomState(3).randn(5, 4) * 3
    assert_allclose(f(Variable(a)).value, reference(a), rtol=1e-13, atol=1e-15)


def test_sigmoid_and_softmax_do_not_overflow():
    z = Variable([-800.0, 0.0, 800.0])
    assert_allclose(graph.sigmoid(z).value, [0.0, 0.5, 1.0])
    assert_allclose(graph.softmax(z).value, [0.0, 0.0, 1.0])


def test_value_used_twice_accumulates():
    x = Variable(3.0)
    y = x * x
    y.backward()
    assert float(x.grad) == 6.0
    arr = Variable([1.5, -2.0, 0.25])
    graph.sum(arr * arr).backward()
    assert_allclose(arr.grad, 2 * arr.value, rtol=0, atol=0)


def test_value_feeding_several_modules_sums_their_contributions():
    x = Variable(0.7)
    branches = [graph.sin(x), graph.exp(x), x ** 3]
    total = branches[0] + branches[1] + branches[2]
    total.backward()
    expected = np.cos(0.7) + np.exp(0.7) + 3 * 0.7 ** 2
    assert_allclose(x.grad, expected, rtol=1e-15)
    # Each branch holds d(total)/d(branch) = 1: the "already computed" part.
    assert all(float(b.grad) == 1.0 for b in branches)


def test_deep_graph_does_not_recurse():
    depth = 5 * sys.getrecursionlimit()
    x = Variable(1.0)
    y = x
    for _ in range(depth):
        y = y + 1.0
    y.backward()
    assert float(y.value) == depth + 1
    assert float(x.grad) == 1.0


def test_backward_twice_gives_the_same_gradients():
    x = Variable([0.3, -1.1])
    loss = graph.sum(graph.tanh(x) * x)
    loss.backward()
    first = x.grad.copy()
    loss.backward()
    assert_allclose(x.grad, first, rtol=0, atol=0)


def test_backward_with_seed_gradient():
    x = Variable([1.0, 2.0, 3.0])
    y = x * x
    y.backward(grad=[1.0, 0.0, -2.0])
    assert_allclose(x.grad, [2.0, 0.0, -12.0])


def test_numpy_scalars_and_arrays_on_the_left():
    x = Variable([1.0, 2.0])
    y = np.float64(3.0) * x + np.array([1.0, 1.0]) - np.int64(2) / x
    assert isinstance(y, Variable)
    assert_allclose(y.value, [2.0, 6.0])
    graph.sum(y).backward()
    assert_allclose(x.grad, 3.0 + 2.0 / x.value ** 2)


def test_inputs_are_copied_and_stored_as_float64():
    data = np.array([1, 2, 3])
    x = Variable(data)
    data[0] = 100
    assert x.value.dtype == np.float64
    assert_allclose(x.value, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("make, error, message", [
    (lambda: Variable([1.0, 2.0]).backward(), ValueError, r"non-scalar of shape \(2,\)"),
    (lambda: Variable([1.0, 2.0]).backward(grad=[1.0]), ValueError, r"grad has shape \(1,\)"),
    (lambda: graph.log(Variable([1.0, -2.0])), ValueError, r"log of a non-positive value -2"),
    (lambda: graph.log(0.0), ValueError, "log of a non-positive value 0"),
    (lambda: graph.matmul(np.ones((2, 3)), Variable(np.ones(4))), ValueError,
     r"matmul: shapes \(2, 3\) and \(4,\) do not match"),
    (lambda: graph.matmul(Variable(2.0), np.ones(3)), ValueError, "must be 1-D or 2-D"),
    (lambda: Variable(np.ones(2)) + np.ones(3), ValueError, "do not broadcast"),
    (lambda: Variable(1.0) / Variable([2.0, 0.0]), ValueError, r"division by zero.*\(1,\)"),
    (lambda: Variable(-1.0) ** 0.5, ValueError, "non-negative base"),
    (lambda: Variable(0.0) ** -1, ValueError, "negative exponent of 0"),
    (lambda: graph.poisson_deviance(Variable([1.0, 0.0]), [1.0, 1.0]), ValueError,
     r"positive prediction; got 0 at index \(1,\)"),
    (lambda: graph.poisson_deviance(Variable([1.0, 2.0]), [1.0, -3.0]), ValueError,
     r"non-negative target; got -3 at index \(1,\)"),
    (lambda: graph.poisson_deviance(Variable(np.ones(2)), np.ones(3)), ValueError,
     "do not broadcast"),
    (lambda: Variable("abc"), TypeError, "real number"),
    (lambda: Variable(Variable(1.0)), TypeError, "already a Variable"),
    (lambda: Variable(1.0) * "abc", TypeError, "real number"),
    (lambda: Variable(1.0).render("x.png", format="jpg"), ValueError, "format must be"),
])
def test_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- the course notes' worked examples ----------------------------------------

def test_poisson_deviance_is_scikit_learns_poisson_loss():
    # scikit-learn's MLPRegressor(loss="poisson") reports the mean over
    # examples of half the deviance summed over outputs; zero counts
    # included (t log t is 0 there, and so is its gradient).
    losses = pytest.importorskip("sklearn.neural_network._base")
    z = Variable(np.random.RandomState(5).randn(3, 4))
    p = graph.exp(z)
    loss = graph.poisson_deviance(p, COUNTS) / len(COUNTS)
    assert_allclose(loss.value, losses.poisson_loss(COUNTS, p.value),
                    rtol=1e-13)
    loss.backward()
    # With the exp output, d loss / d z is (p - t) / n, the delta fnn applies.
    assert_allclose(z.grad, (p.value - COUNTS) / len(COUNTS), rtol=1e-13, atol=1e-15)
    t = Variable(COUNTS)
    graph.poisson_deviance(p.value, t).backward()
    # By t: log(t / p) where t > 0; where t = 0 the t log t term is taken
    # as constant 0 (its one-sided derivative is -inf), leaving -log p - 1.
    expected = np.where(COUNTS > 0, np.log(np.where(COUNTS > 0, COUNTS, 1) / p.value),
                        -np.log(p.value) - 1)
    assert_allclose(t.grad, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("x0", [-np.log(np.pi / 2), -4.499, 0.3, 1.0])
def test_notes_example_2_over_sin_of_exp(x0):
    """f(x) = 2 / sin(e^-x) as the modules a = -x, b = e^a, c = sin b, d = 2/c."""
    x = Variable(x0)
    a = -x
    b = graph.exp(a)
    c = graph.sin(b)
    d = 2 / c
    d.backward()
    A, B, C = -x0, np.exp(-x0), np.sin(np.exp(-x0))
    assert_allclose([a.value, b.value, c.value, d.value], [A, B, C, 2 / C], rtol=1e-15)
    by_hand = -2 / C ** 2 * np.cos(B) * np.exp(A) * -1
    assert_allclose(x.grad, by_hand, rtol=1e-12, atol=1e-14)
    h = 1e-6
    f = lambda t: 2 / np.sin(np.exp(-t))  # noqa: E731
    assert_allclose(x.grad, (f(x0 + h) - f(x0 - h)) / (2 * h), rtol=1e-6, atol=1e-8)
    # Each module's gradient is the one above it times its local derivative.
    assert_allclose(c.grad, -2 / C ** 2, rtol=1e-14)
    assert_allclose(b.grad, c.grad * np.cos(B), rtol=1e-14)
    assert_allclose(a.grad, b.grad * B, rtol=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_notes_network_matches_hand_derived_gradients(seed):
    """Two inputs, three sigmoid hidden units, a linear output, l = (y - t)^2;
    w[i, j] joins input i to hidden unit j."""
    rng = np.random.RandomState(seed)
    x = rng.randn(2)
    t = rng.randn()
    W, b, v, c = (Variable(rng.randn(*shape)) for shape in [(2, 3), (3,), (3,), ()])
    h = graph.sigmoid(x @ W + b)
    y = graph.sum(v * h) + c
    loss = (y - t) ** 2
    loss.backward()
    dy = 2 * (y.value - t)
    H = h.value
    assert_allclose(v.grad, dy * H, rtol=1e-13)
    expected_w = np.array([[dy * v.value[j] * H[j] * (1 - H[j]) * x[i] for j in range(3)]
                           for i in range(2)])
    assert_allclose(W.grad, expected_w, rtol=1e-12)
    assert_allclose(b.grad, dy * v.value * H * (1 - H), rtol=1e-12)
    assert_allclose(c.grad, dy, rtol=1e-15)


# -- the graph as the oracle for the compiled kernels --------------------------

HIDDEN = {"identity": lambda z: z, "logistic": graph.sigmoid, "tanh": graph.tanh,
          "relu": graph.relu, "leaky_relu": graph.leaky_relu, "elu": graph.elu,
          "gelu": graph.gelu, "silu": graph.silu, "softplus": graph.softplus}


def graph_objective(Ws, bs, X, Y, activation, loss, alpha):
    """The objective scikit-learn's update descends, written with graph
    operations: the mean over examples of the per-example loss, plus
    0.5 * alpha * sum(W**2) / n_samples on the coefficients only."""
    n = len(X)
    z = X
    for layer, (W, b) in enumerate(zip(Ws, bs)):
        if layer:
            z = HIDDEN[activation](z)
        z = z @ W + b
    if loss == "squared_error":
        # Half the sum over outputs: the delta p - y is its gradient.
        data = 0.5 * graph.squared_error(z, Y) / n
    elif loss == "log_loss":
        data = graph.cross_entropy(graph.softmax(z), Y) / n
    elif loss == "poisson":
        # scikit-learn's half Poisson deviance with the exp output.
        data = graph.poisson_deviance(graph.exp(z), Y) / n
    elif loss == "binary_log_loss":
        p = graph.sigmoid(z)
        data = -graph.sum(Y * graph.log(p) + (1 - Y) * graph.log(1 - p)) / n
    else:
        raise AssertionError(f"graph_objective does not know the loss {loss!r}")
    penalty = sum(graph.sum(W ** 2) for W in Ws)
    return data + 0.5 * alpha * penalty / n


@pytest.mark.parametrize("path", ["per_example", "minibatch"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
def test_graph_gradient_equals_applied_gradient(activation, loss, path):
    rng = np.random.RandomState(11)
    n = 1 if path == "per_example" else 6
    layout, params, X, Y = make_problem(loss, n, rng, units=(3, 5, 4, 3))
    alpha = 0.2
    Ws = [Variable(W) for W in layout.coefs(params)]
    bs = [Variable(b) for b in layout.intercepts(params)]
    objective = graph_objective(Ws, bs, X, Y, activation, loss, alpha)
    objective.backward()
    got = np.empty_like(params)
    for W, b, dW, db in zip(layout.coefs(got), layout.intercepts(got), Ws, bs):
        W[...] = dW.grad
        b[...] = db.grad
    applied = applied_gradient(path, layout, params, X, Y, activation, loss, alpha,
                               np.float64)
    assert_allclose(got, applied, rtol=1e-9, atol=1e-12)
    # The loss itself follows the same conventions as the NumPy reference.
    reference = ReferenceMLP(layout.coefs(params), layout.intercepts(params),
                             activation, loss)
    assert_allclose(objective.value, reference.objective(X, Y, alpha, descended=True),
                    rtol=1e-12)


# -- drawing -------------------------------------------------------------------

def small_graph():
    x = Variable(2.0, name="x")
    y = x * x
    y.name = "y"
    z = y + 1
    z.name = "z"
    z.backward()
    return z


def test_to_dot_describes_every_node_and_edge():
    text = small_graph().to_dot()
    lines = text.splitlines()
    assert lines[0] == "digraph computation {" and lines[-1] == "}"
    nodes = dict(line.strip().rstrip("];").split(' [label="') for line in lines
                 if "[label=" in line)
    labels = {label.rstrip('"') for label in nodes.values()}
    assert labels == {
        "x\\nvalue = 2\\ngrad = 4",
        "y = *\\nvalue = 4\\ngrad = 1",
        "constant\\nvalue = 1\\ngrad = 1",
        "z = +\\nvalue = 5\\ngrad = 1",
    }
    ids = {label.rstrip('"').split("\\n")[0]: node for node, label in nodes.items()}
    edges = sorted(line.strip().rstrip(";") for line in lines if "->" in line)
    expected = sorted([f"{ids['x']} -> {ids['y = *']}"] * 2  # x feeds * twice
                      + [f"{ids['y = *']} -> {ids['z = +']}",
                         f"{ids['constant']} -> {ids['z = +']}"])
    assert edges == expected


def test_to_dot_shows_arrays():
    w = Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    text = graph.sum(w).to_dot()
    assert 'label="w\\nvalue = [[1, 2], [3, 4]]\\ngrad = [[0, 0], [0, 0]]"' in text


def test_render_writes_a_png(tmp_path):
    path = small_graph().render(tmp_path / "graph.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 1000


def test_render_without_dot_binary_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot
    with pytest.raises(RuntimeError, match="dot program is not on PATH.*apt-get install graphviz"):
        small_graph().render(tmp_path / "graph.png")
    assert not (tmp_path / "graph.png").exists()


def test_render_without_python_package_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import now fails
    with pytest.raises(ImportError, match="graphviz Python package.*pip install graphviz"):
        small_graph().render(tmp_path / "graph.png")
