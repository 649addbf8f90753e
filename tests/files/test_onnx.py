"""fnn.to_onnx: onnxruntime's outputs against fnn's own predictions, for
every estimator, activation, target kind, SVC kernel and input dtype."""
import pathlib
import re
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest
from scipy.special import erf, expit, softmax

pytest.importorskip("skl2onnx")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import fnn  # noqa: E402
from fnn import SVC, MLPClassifier, MLPRegressor, NotFittedError, Perceptron  # noqa: E402
from fnn import _onnx  # noqa: E402
from fnn._onnx import to_onnx  # noqa: E402
from fnn._registry import HIDDEN_ACTIVATIONS  # noqa: E402

DTYPES = (np.float32, np.float64)


def run(model_proto, X):
    """The exported model's outputs on X, through onnxruntime (after
    onnx's own checker has accepted the model)."""
    onnx.checker.check_model(model_proto)
    session = ort.InferenceSession(model_proto.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X})


def assert_close(actual, expected, dtype, rtol=None):
    """Equal to 1e-5 relative in float32 (relative to the largest value,
    so that values near zero are not judged by their own rounding), and to
    1e-12 when the graph and fnn both compute in float64."""
    rtol = rtol or (1e-5 if dtype == np.float32 else 1e-12)
    expected = np.asarray(expected)
    assert actual.dtype == dtype
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=rtol,
                               atol=rtol * np.abs(expected).max())


def data(n_samples=80, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_samples, n_features))


def targets(X, kind):
    score = X[:, 0] + 0.5 * X[:, 1] ** 2 - 0.5
    if kind == "binary":
        return (score > 0).astype(int)
    if kind == "multiclass":
        return np.digitize(score, [-0.6, 0.0, 0.6])
    if kind == "strings":
        return np.array(["ant", "bee", "cat"])[np.digitize(score, [-0.3, 0.3])]
    if kind == "multilabel":
        return (X[:, :3] + 0.3 * X[:, 3:] > 0).astype(int)
    raise AssertionError(kind)


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: short fits suffice
        return model.fit(X, y)


def mlp_rtol(activation, dtype):
    """onnxruntime has Erf in float32 only: gelu is that precise in float64."""
    return 1e-6 if activation == "gelu" and dtype == np.float64 else None


def mlp(cls, activation, dtype, X, y):
    return fit_quietly(cls(hidden_layer_sizes=(6, 5), activation=activation,
                           max_iter=40, random_state=0), X.astype(dtype), y)


# ----------------------------------------------------------------------
# MLPs
# ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings", "multilabel"])
def test_mlp_classifier(kind, activation, dtype):
    X = data()
    model = mlp(MLPClassifier, activation, dtype, X, targets(X, kind))
    X_test = data(200, seed=1).astype(dtype)
    label, proba = run(to_onnx(model, X_test[:1]), X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))
    assert_close(proba, model.predict_proba(X_test), dtype, mlp_rtol(activation, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_mlp_regressor(n_outputs, activation, dtype):
    X = data()
    y = X[:, :n_outputs] * 2 + np.sin(X[:, 1:2])
    model = mlp(MLPRegressor, activation, dtype, X, y[:, 0] if n_outputs == 1 else y)
    X_test = data(200, seed=1).astype(dtype)
    (prediction,) = run(to_onnx(model, X_test[:1]), X_test)
    assert_close(prediction, model.predict(X_test).reshape(-1, n_outputs), dtype,
                 mlp_rtol(activation, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("kind", ["multiclass", "multilabel", "regression"])
def test_mlp_own_layers(kind, activation, dtype, monkeypatch):
    """As if skl2onnx mapped no activation: we emit every hidden layer (and
    a regressor's output layer) ourselves, the path activations that
    skl2onnx lacks take; skl2onnx still converts a classifier's output
    layer (logistic or softmax)."""
    monkeypatch.setattr(_onnx, "_SKL2ONNX_ACTIVATIONS", frozenset())
    X = data()
    X_test = data(200, seed=1).astype(dtype)
    if kind == "regression":
        model = mlp(MLPRegressor, activation, dtype, X, X[:, :2] - X[:, 2:])
        assert _onnx._MLPRegressorView(model).own_layers == 3
        (prediction,) = run(to_onnx(model, X_test[:1]), X_test)
        assert_close(prediction, model.predict(X_test), dtype, mlp_rtol(activation, dtype))
        return
    model = mlp(MLPClassifier, activation, dtype, X, targets(X, kind))
    assert _onnx._MLPClassifierView(model).own_layers == 2
    label, proba = run(to_onnx(model, X_test[:1]), X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))
    assert_close(proba, model.predict_proba(X_test), dtype, mlp_rtol(activation, dtype))


@pytest.mark.parametrize("known", [_onnx._SKL2ONNX_ACTIVATIONS, frozenset()])
def test_mlp_without_hidden_layer(known, monkeypatch):
    monkeypatch.setattr(_onnx, "_SKL2ONNX_ACTIVATIONS", known)
    X = data()
    for model in (fit_quietly(MLPClassifier(hidden_layer_sizes=()), X, targets(X, "binary")),
                  fit_quietly(MLPRegressor(hidden_layer_sizes=()), X, X[:, :2])):
        outputs = run(to_onnx(model, X[:1]), X)
        np.testing.assert_array_equal(outputs[0], model.predict(X))
    # A hidden activation skl2onnx lacks does not matter without hidden layers.
    network = types.SimpleNamespace(coefs_=[np.eye(4)[:, :2]], intercepts_=[np.ones(2)],
                                    activation="gelu", out_activation_="identity")
    (prediction,) = run(_onnx._convert(_onnx._MLPRegressorView(network), np.float64, 4), X)
    assert_close(prediction, X[:, :2] + 1, np.float64)


def test_float64_model_exported_for_float32_input():
    """The graph computes in the sample's dtype, whatever the training
    dtype."""
    X = data()
    model = mlp(MLPClassifier, "tanh", np.float64, X, targets(X, "multiclass"))
    X_test = data(200, seed=1).astype(np.float32)
    label, proba = run(to_onnx(model, X_test[:1]), X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))
    assert_close(proba, model.predict_proba(X_test).astype(np.float32), np.float32)


#: NumPy definitions of every activation the exporter can emit itself
#: (PyTorch's definitions and defaults).
REFERENCE_ACTIVATIONS = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "softmax": lambda z: softmax(z, axis=1),
    "exp": np.exp,
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "gelu": lambda z: z * (1 + erf(z / np.sqrt(2))) / 2,
    "silu": lambda z: z * expit(z),
    "softplus": lambda z: np.logaddexp(0, z),
}


def test_reference_activations_cover_the_table():
    assert set(REFERENCE_ACTIVATIONS) == set(_onnx._ACTIVATIONS)
    assert set(HIDDEN_ACTIVATIONS) <= set(_onnx._ACTIVATIONS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(_onnx._ACTIVATIONS))
@pytest.mark.parametrize("layer", ["hidden", "output"])
def test_emitted_activation(layer, name, dtype, monkeypatch):
    """Each activation we can emit, in a hidden or the output layer of a
    small network, against its NumPy definition."""
    monkeypatch.setattr(_onnx, "_SKL2ONNX_ACTIVATIONS", frozenset())
    rng = np.random.default_rng(2)
    W = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    b = [rng.normal(size=4), rng.normal(size=2)]
    hidden, output = (name, "identity") if layer == "hidden" else ("identity", name)
    network = types.SimpleNamespace(coefs_=W, intercepts_=b, activation=hidden,
                                    out_activation_=output)
    view = _onnx._MLPRegressorView(network)
    assert view.own_layers == 2
    X = np.linspace(-6, 6, 3 * 101).reshape(-1, 3).astype(dtype)
    (prediction,) = run(_onnx._convert(view, dtype, 3), X)
    f, g = REFERENCE_ACTIVATIONS[hidden], REFERENCE_ACTIVATIONS[output]
    expected = g(f(X.astype(np.float64) @ W[0] + b[0]) @ W[1] + b[1])
    assert np.isfinite(prediction).all()
    # onnxruntime has Erf in float32 only: gelu is that precise in float64.
    assert_close(prediction, expected, dtype,
                 rtol=1e-6 if name == "gelu" and dtype == np.float64 else None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(set(_onnx._ACTIVATIONS) - {"exp"}))
def test_emitted_activation_at_extremes(name, dtype, monkeypatch):
    """Pre-activations far beyond where e^z or e^-z overflows give the
    function's (finite) values, never inf or NaN."""
    monkeypatch.setattr(_onnx, "_SKL2ONNX_ACTIVATIONS", frozenset())
    network = types.SimpleNamespace(coefs_=[np.eye(2)], intercepts_=[np.zeros(2)],
                                    activation="identity", out_activation_=name)
    z = np.array([[-1e4, -100], [-30, -1e-3], [0, 1e-3], [30, 100], [1e4, 5]], dtype=dtype)
    (values,) = run(_onnx._convert(_onnx._MLPRegressorView(network), dtype, 2), z)
    assert np.isfinite(values).all()
    expected = REFERENCE_ACTIVATIONS[name](z.astype(np.float64))
    # Each value on its own (not relative to the largest, 1e4).
    tol = 1e-5 if dtype == np.float32 else 1e-6 if name == "gelu" else 1e-12
    np.testing.assert_allclose(values, expected, rtol=tol, atol=tol)


# ----------------------------------------------------------------------
# Perceptron
# ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings"])
def test_perceptron(kind, fit_intercept, dtype):
    X = data()
    model = fit_quietly(Perceptron(fit_intercept=fit_intercept, random_state=0),
                        X.astype(dtype), targets(X, kind))
    X_test = data(200, seed=1).astype(dtype)
    label, scores = run(to_onnx(model, X_test[:1]), X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))
    decision = model.decision_function(X_test)
    if decision.ndim == 1:
        # skl2onnx's layout for two classes: [-d, d].
        decision = np.column_stack([-decision, decision])
    assert_close(scores, decision, dtype)


# ----------------------------------------------------------------------
# SVC
# ----------------------------------------------------------------------
SVC_CASES = [("binary", "ovr"), ("multiclass", "ovr"), ("multiclass", "ovo"),
             ("strings", "ovr"), ("strings", "ovo")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["linear", "poly", "rbf", "sigmoid"])
@pytest.mark.parametrize("kind,shape", SVC_CASES)
def test_svc(kind, shape, kernel, dtype):
    X = data()
    model = SVC(kernel=kernel, decision_function_shape=shape, coef0=0.5, degree=2)
    model.fit(X.astype(dtype), targets(X, kind))
    X_test = data(200, seed=1).astype(dtype)
    label, values = run(to_onnx(model, X_test[:1]), X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))
    decision = model.decision_function(X_test)
    if decision.ndim == 1:
        # skl2onnx's layout for two classes: [d, -d].
        decision = np.column_stack([decision, -decision])
    # ONNX's SVMClassifier holds its support vectors and coefficients as
    # float32 and computes in float32 whatever the input dtype.
    assert values.dtype == dtype
    assert_close(values.astype(np.float32), decision.astype(np.float32), np.float32)


@pytest.mark.parametrize("gamma", ["scale", "auto", 0.3])
def test_svc_gamma(gamma):
    X = data() * 3 + 1  # a variance far from 1, so that 'scale' is not 'auto'
    model = SVC(gamma=gamma).fit(X, targets(X, "multiclass"))
    X_test = data(200, seed=1) * 3 + 1
    label, values = run(to_onnx(model, X_test[:1]), X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))
    assert_close(values.astype(np.float32),
                 model.decision_function(X_test).astype(np.float32), np.float32)


@pytest.mark.parametrize("labels", [np.arange(5), np.array(list("vwxyz"))])
def test_svc_break_ties(labels):
    """break_ties=True predicts the argmax of the one-vs-rest values, which
    differs from the vote on some rows of this data."""
    X = data(120)
    y = labels[np.digitize(X[:, 0] + X[:, 1], [-1, -0.3, 0.3, 1])]
    model = SVC(break_ties=True).fit(X, y)
    X_test = data(400, seed=1)
    by_vote = SVC(break_ties=False).fit(X, y).predict(X_test)
    assert (model.predict(X_test) != by_vote).any()
    label, _ = run(to_onnx(model, X_test[:1]), X_test)
    np.testing.assert_array_equal(label, model.predict(X_test))
    with pytest.raises(ValueError, match="break_ties"):
        to_onnx(model.set_params(decision_function_shape="ovo"), X_test)


# ----------------------------------------------------------------------
# Labels, inputs and errors
# ----------------------------------------------------------------------
CLASSIFIERS = [
    lambda: MLPClassifier(hidden_layer_sizes=(4,), max_iter=30, random_state=0),
    lambda: Perceptron(random_state=0),
    lambda: SVC(),
]


@pytest.mark.parametrize("make", CLASSIFIERS)
@pytest.mark.parametrize("labels", [np.array([True, False]), np.array([-3.0, 2.0, 7.0]),
                                    np.array([10, 20, 250], dtype=np.uint8),
                                    np.array(["x", "yy", "zzz"], dtype=object)])
def test_labels(labels, make):
    """Labels come out as int64 (numbers, booleans) or strings, equal to
    fnn's."""
    X = data()
    y = labels[targets(X, "multiclass") % len(labels)]
    model = fit_quietly(make(), X, y)
    label, _ = run(to_onnx(model, X[:1]), X)
    assert label.dtype == (object if labels.dtype == object else np.int64)
    np.testing.assert_array_equal(label, model.predict(X))


def test_labels_onnx_cannot_hold():
    labels = np.array([0, 2**40])
    X = data()
    model = Perceptron().fit(X, labels[targets(X, "binary")])
    with pytest.raises(ValueError, match="all strings or all integers"):
        to_onnx(model, X)


@pytest.mark.parametrize("make", CLASSIFIERS + [lambda: MLPRegressor(max_iter=20)])
def test_model_from_file(make, tmp_path):
    """A model saved and loaded with fnn's model files exports the same
    graph as before (SVC keeps the gamma 'scale' resolved to)."""
    X = data() * 3
    model = fit_quietly(make(), X, targets(X, "multiclass"))
    model.save(tmp_path / "model.fnn")
    loaded = fnn.load(tmp_path / "model.fnn")
    assert to_onnx(loaded, X[:1]).graph == to_onnx(model, X[:1]).graph


def test_one_sample_row_exports_for_any_batch():
    X = data()
    model = Perceptron(random_state=0).fit(X, targets(X, "multiclass"))
    exported = to_onnx(model, X[:1])
    for n in (1, 7, 80):
        np.testing.assert_array_equal(run(exported, X[:n])[0], model.predict(X[:n]))


def test_errors():
    X = data()
    y = targets(X, "binary")
    model = Perceptron().fit(X, y)
    with pytest.raises(TypeError, match="float32 or float64"):
        to_onnx(model, X.astype(np.int64))
    with pytest.raises(ValueError, match="4 columns"):
        to_onnx(model, X[:, :3])
    with pytest.raises(TypeError, match="dense"):
        import scipy.sparse
        to_onnx(model, scipy.sparse.csr_matrix(X))
    with pytest.raises(NotFittedError):
        to_onnx(MLPClassifier(), X)
    with pytest.raises(TypeError, match="exports fnn's"):
        to_onnx(object(), X)
    K = X @ X.T
    with pytest.raises(ValueError, match="precomputed"):
        to_onnx(SVC(kernel="precomputed").fit(K, y), K[:1])
    linear = SVC(kernel=lambda A, B: A @ B.T).fit(X, y)
    with pytest.raises(ValueError, match="cannot export SVC"):
        to_onnx(linear, X)


def test_unknown_activation_is_refused():
    network = types.SimpleNamespace(coefs_=[np.ones((2, 1))], intercepts_=[np.ones(1)],
                                    activation="swish2", out_activation_="identity")
    with pytest.raises(NotImplementedError, match="'swish2'"):
        _onnx._MLPRegressorView(network)


def test_import_without_skl2onnx():
    """fnn and fnn._onnx import without skl2onnx; exporting then says how
    to install it."""
    code = (
        "import sys; sys.modules['skl2onnx'] = None\n"
        "import fnn, fnn._onnx\n"
        "try:\n"
        "    fnn._onnx.to_onnx(None, None)\n"
        "except ImportError as e:\n"
        "    print(e)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert 'pip install "fnn[onnx]"' in result.stdout


def test_documentation_example(tmp_path, monkeypatch):
    """The Python example of docs/onnx.md runs (it asserts its own
    results)."""
    page = pathlib.Path(__file__).parents[2] / "docs" / "onnx.md"
    (example,) = re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
    monkeypatch.chdir(tmp_path)  # it saves model.onnx
    monkeypatch.setattr(fnn, "to_onnx", to_onnx, raising=False)
    exec(compile(example, str(page), "exec"), {})
    assert (tmp_path / "model.onnx").is_file()
