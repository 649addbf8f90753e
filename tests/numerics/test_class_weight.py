"""class_weight: per-class multipliers of the loss and its gradient."""
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn
from fnn._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from fnncore._epoch import train_epoch

from reference import ReferenceMLP
from test_gradients import PLAIN_SGD, make_problem


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        yield


@pytest.mark.parametrize("path", ["per_example", "minibatch"])
def test_applied_gradient_is_that_of_the_class_weighted_loss(path, rng):
    layout, params, X, Y = make_problem("log_loss", 1 if path == "per_example" else 6, rng)
    scale = rng.uniform(0.2, 3.0, len(X))
    code, out_name = LOSSES["log_loss"]
    p = params.copy()
    args = dict(layout=layout.table, params=p, state1=np.empty(0), state2=np.empty(0),
                hidden_activation=HIDDEN_ACTIVATIONS["tanh"],
                output_activation=ACTIVATIONS[out_name], loss=code, alpha=0.2,
                step=PLAIN_SGD, n_updates=0, class_scale=scale)
    order = np.arange(len(X), dtype=np.intp)
    if path == "per_example":
        train_epoch(X, Y, np.empty(0), order, **args, per_example=True)
    else:
        train_epoch(X, Y, np.empty(0), order, **args, batch_size=len(X), per_example=False)
    applied = params - p

    def objective(flat):
        net = ReferenceMLP(layout.coefs(flat), layout.intercepts(flat), "tanh", "log_loss")
        P = net.forward(X)[-1]
        data = -(scale * (Y * np.log(P)).sum(axis=1)).sum() / len(X)
        return data + 0.5 * 0.2 * sum((W ** 2).sum() for W in net.Ws) / len(X)

    h = 1e-6
    numeric = np.array([(objective(params + h * e) - objective(params - h * e)) / (2 * h)
                        for e in np.eye(len(params))])
    assert_allclose(applied, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("batch_size", [1, 16])
def test_unit_class_weights_change_nothing(batch_size, rng):
    X = rng.randn(80, 4)
    y = np.array(["a", "b", "c"])[rng.randint(0, 3, 80)]
    kwargs = dict(hidden_layer_sizes=(6,), batch_size=batch_size, max_iter=4, random_state=0)
    plain = fnn.MLPClassifier(**kwargs).fit(X, y)
    weighted = fnn.MLPClassifier(**kwargs, class_weight={"a": 1, "b": 1.0}).fit(X, y)
    for a, b in zip(plain.coefs_, weighted.coefs_):
        assert_array_equal(a, b)


@pytest.mark.parametrize("batch_size", [1, 32])
def test_balanced_weights_raise_minority_recall(batch_size):
    rng = np.random.RandomState(0)
    n_major, n_minor = 950, 50
    X = np.r_[rng.randn(n_major, 2), rng.randn(n_minor, 2) + 1.5]
    y = np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]
    kwargs = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.01,
                  batch_size=batch_size, max_iter=20, random_state=0)
    plain = fnn.MLPClassifier(**kwargs).fit(X, y)
    balanced = fnn.MLPClassifier(**kwargs, class_weight="balanced").fit(X, y)
    recall = lambda m: (m.predict(X[y == 1]) == 1).mean()
    assert recall(balanced) > recall(plain) + 0.3
    assert recall(balanced) > 0.6


def test_class_weight_errors(rng):
    X = rng.randn(30, 3)
    y = rng.randint(0, 3, 30)
    with pytest.raises(ValueError, match="labels that are not classes: \\[7\\]"):
        fnn.MLPClassifier(max_iter=1, class_weight={7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="finite and >= 0"):
        fnn.MLPClassifier(max_iter=1, class_weight={0: -1.0}).fit(X, y)
    with pytest.raises(ValueError, match="'class_weight' parameter of MLPClassifier"):
        fnn.MLPClassifier(max_iter=1, class_weight="even").fit(X, y)
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        fnn.MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="multilabel"):
        fnn.MLPClassifier(max_iter=1, class_weight="balanced").fit(
            X, (rng.rand(30, 2) > 0.5).astype(int))
