"""The estimators with the new activations and dropout: every solver and
path trains and predicts with them, dropout is reproducible, refused where
it cannot work, and carried by partial_fit, warm_start, early stopping and
model files."""
import numpy as np
import pytest
import scipy.special
from numpy.testing import assert_allclose, assert_array_equal

import fnn
from fnn import MLPClassifier, MLPRegressor

from test_new_activations import NEW, VALUE


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 8)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0)
    return X, y


@pytest.mark.parametrize("solver,batch_size", [("sgd", 1), ("adam", 32), ("lbfgs", "auto")])
@pytest.mark.parametrize("name", NEW)
def test_every_solver_trains_and_predicts_with_the_activation(name, solver, batch_size, data):
    X, y = data
    # Per-example steps with momentum need the smaller rate.
    model = MLPClassifier((16, 8), activation=name, solver=solver, batch_size=batch_size,
                          max_iter=30, random_state=0,
                          learning_rate_init=0.001 if batch_size == 1 else 0.01)
    with pytest.warns(Warning) if solver != "sgd" else _nothing():
        model.fit(X, y)
    assert model.score(X, y) > 0.75
    # Prediction runs the activation of the core: a NumPy forward pass.
    a = X
    for l, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        a = a @ W + b
        if l < len(model.coefs_) - 1:
            a = VALUE[name](a)
    assert_allclose(model.predict_proba(X), scipy.special.softmax(a, axis=1),
                    rtol=1e-10, atol=1e-12)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def fit(**params):
    rng = np.random.RandomState(1)
    X = rng.randn(200, 6).astype(np.float32)
    y = X[:, :2].sum(axis=1) + 0.1 * rng.randn(200)
    base = dict(hidden_layer_sizes=(12, 10), max_iter=5, random_state=3,
                learning_rate_init=0.01)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MLPRegressor(**{**base, **params}).fit(X, y)


def flat(model):
    return np.concatenate([w.ravel() for w in model.coefs_ + model.intercepts_])


@pytest.mark.parametrize("batch_size", [1, 32])
def test_dropout_zero_is_the_fit_without_it(batch_size):
    plain = fit(batch_size=batch_size)
    assert_array_equal(flat(fit(batch_size=batch_size, dropout=0.0)), flat(plain))
    assert_array_equal(flat(fit(batch_size=batch_size, dropout=(0.0, 0.0))), flat(plain))


@pytest.mark.parametrize("n_jobs", [None, 2])
@pytest.mark.parametrize("batch_size", [1, 64])
def test_dropout_is_reproducible_from_random_state(batch_size, n_jobs):
    one = fit(batch_size=batch_size, dropout=0.3, n_jobs=n_jobs)
    assert_array_equal(flat(fit(batch_size=batch_size, dropout=0.3, n_jobs=n_jobs)),
                       flat(one))
    assert not np.array_equal(flat(fit(batch_size=batch_size, dropout=0.3, n_jobs=n_jobs,
                                       random_state=4)), flat(one))
    assert not np.array_equal(flat(fit(batch_size=batch_size, n_jobs=n_jobs)), flat(one))


def test_one_rate_per_hidden_layer():
    both = fit(dropout=(0.3, 0.3))
    assert_array_equal(flat(both), flat(fit(dropout=0.3)))
    assert not np.array_equal(flat(fit(dropout=(0.3, 0.0))), flat(both))


@pytest.mark.parametrize("dropout,error,match", [
    (1.0, ValueError, "dropout"), (-0.1, ValueError, "dropout"),
    ((0.1,), ValueError, "one rate per hidden layer"),
    ((0.1, 0.2, 0.3), ValueError, "one rate per hidden layer"),
    ((0.1, 1.5), ValueError, r"\[0, 1\)"), ("abc", TypeError, "dropout"),
    (float("nan"), ValueError, "dropout"),
])
def test_bad_dropout_is_refused(dropout, error, match):
    with pytest.raises(error, match=match):
        fit(dropout=dropout)


def test_lbfgs_refuses_dropout():
    with pytest.raises(ValueError, match="L-BFGS"):
        fit(solver="lbfgs", dropout=0.2)
    fit(solver="lbfgs", dropout=0.0)  # nothing to refuse


def test_partial_fit_and_warm_start_carry_dropout():
    rng = np.random.RandomState(2)
    X, y = rng.randn(120, 5), rng.randn(120)
    a = MLPRegressor(hidden_layer_sizes=(10,), dropout=0.5, random_state=0, learning_rate_init=0.01)
    b = MLPRegressor(hidden_layer_sizes=(10,), random_state=0, learning_rate_init=0.01)
    for _ in range(3):
        a.partial_fit(X, y)
        b.partial_fit(X, y)
    assert not np.allclose(flat(a), flat(b))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = MLPRegressor(hidden_layer_sizes=(10,), dropout=0.5, random_state=0, max_iter=2,
                         warm_start=True).fit(X, y)
        first = flat(w).copy()
        w.fit(X, y)
    assert not np.array_equal(flat(w), first)


def test_early_stopping_runs_with_dropout():
    rng = np.random.RandomState(5)
    X = rng.randn(400, 6)
    y = (X[:, 0] > 0).astype(int)
    model = MLPClassifier((32,), dropout=0.5, early_stopping=True, random_state=0,
                          max_iter=200, learning_rate_init=0.01).fit(X, y)
    assert model.n_iter_ < 200
    assert model.best_validation_score_ > 0.9
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_model_files_keep_dropout_and_activation(tmp_path):
    model = fit(dropout=(0.2, 0.1), activation="gelu")
    path = tmp_path / "m.fnn"
    model.save(path)
    loaded = fnn.load(path)
    assert loaded.get_params()["dropout"] == (0.2, 0.1)
    assert loaded.activation == "gelu"
    rng = np.random.RandomState(0)
    X = rng.randn(10, 6).astype(np.float32)
    assert_array_equal(loaded.predict(X), model.predict(X))


def test_clone_and_params():
    sklearn_base = pytest.importorskip("sklearn.base")
    model = MLPClassifier(dropout=(0.1, 0.2), hidden_layer_sizes=(4, 4), activation="silu")
    clone = sklearn_base.clone(model)
    assert clone.get_params()["dropout"] == (0.1, 0.2)
    assert clone.activation == "silu"


def test_bad_activation_lists_the_new_names():
    with pytest.raises(ValueError, match="gelu"):
        fit(activation="swish")


# -- the command line ------------------------------------------------------------

def _csv(path):
    rng = np.random.RandomState(0)
    X = rng.randn(150, 3)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header="a,b,c,y",
               comments="", fmt="%.6f")


def test_cli_trains_with_activation_and_dropout(tmp_path, capsys):
    from fnn import cli
    _csv(tmp_path / "d.csv")
    status = cli.main(["train", str(tmp_path / "d.csv"), "--hidden", "8", "6",
                       "--activation", "gelu", "--dropout", "0.2", "0.1",
                       "--max-iter", "5", "--random-state", "0",
                       "--out", str(tmp_path / "m.fnn")])
    assert status == 0, capsys.readouterr().err
    model = fnn.load(tmp_path / "m.fnn")
    assert model.activation == "gelu" and model.dropout == (0.2, 0.1)
    status = cli.main(["train", str(tmp_path / "d.csv"), "--hidden", "8", "6",
                       "--dropout", "0.3", "--max-iter", "2",
                       "--out", str(tmp_path / "n.fnn")])
    assert status == 0
    assert fnn.load(tmp_path / "n.fnn").dropout == 0.3


@pytest.mark.parametrize("args,message", [
    (["--dropout", "1.0"], "must be in [0, 1)"),
    (["--dropout", "0.1", "0.2", "0.3"], "one per hidden layer"),
    (["--activation", "swish"], "invalid choice"),
])
def test_cli_refuses_bad_options(tmp_path, capsys, args, message):
    from fnn import cli
    _csv(tmp_path / "d.csv")
    with pytest.raises(SystemExit) as exit:
        cli.main(["train", str(tmp_path / "d.csv"), "--hidden", "8", "6", *args])
    assert exit.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_offers_every_hidden_activation():
    from fnn import cli
    from fnn._registry import HIDDEN_ACTIVATIONS
    parser = cli.build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    choices = next(a.choices for a in train._actions if a.dest == "activation")
    assert set(choices) == set(HIDDEN_ACTIVATIONS) >= set(NEW)
