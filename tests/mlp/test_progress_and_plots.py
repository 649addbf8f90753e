"""verbose progress, validation curves and learning-curve plots."""
import warnings

import numpy as np
import pytest

import fnn


@pytest.fixture
def data(rng):
    X = rng.randn(300, 5)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("cls, params", [
    (fnn.MLPClassifier, dict(solver="sgd", batch_size=16, learning_rate="adaptive")),
    (fnn.MLPClassifier, dict(solver="adam", batch_size=1)),
    (fnn.MLPRegressor, dict(solver="sgd", batch_size=32)),
])
def test_verbose_prints_scikit_learns_lines_on_stdout(data, cls, params, capsys):
    """The same lines, character for character, as scikit-learn's MLP from
    the same seed: each epoch's loss and why training stopped."""
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    kwargs = dict(hidden_layer_sizes=(6,), max_iter=40, tol=0.05, n_iter_no_change=2,
                  random_state=0, verbose=True, **params)
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls(**kwargs).fit(X, y)
        ours = capsys.readouterr()
        getattr(sklearn_nn, cls.__name__)(**kwargs).fit(X, y)
        theirs = capsys.readouterr()
    assert ours.out == theirs.out
    assert ours.out.startswith("Iteration 1, loss = ") and "Stopping." in ours.out
    assert ours.err == ""


def test_verbose_validation_lines(data, capsys):
    model = fnn.MLPClassifier((8,), max_iter=3, random_state=0, verbose=True,
                              early_stopping=True, n_iter_no_change=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        model.fit(*data)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [line for n in range(3) for line in (
        "Iteration %d, loss = %.8f" % (n + 1, model.loss_curve_[n]),
        "Validation score: %f" % model.validation_scores_[n])]


def test_verbose_2_adds_a_bar_with_loss_and_speed(data, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        fnn.MLPClassifier((8,), max_iter=3, random_state=0, verbose=2,
                          early_stopping=True, n_iter_no_change=50).fit(*data)
    out, err = capsys.readouterr()
    assert "MLPClassifier" in err and "epoch" in err
    assert "loss=" in err and "examples/s=" in err and "val_score=" in err
    assert out.count("Iteration") == 3 and "Iteration" not in err


def test_silent_by_default(data, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        fnn.MLPClassifier((8,), max_iter=3, random_state=0).fit(*data)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_validation_loss_curve(data):
    model = fnn.MLPClassifier((8,), max_iter=15, early_stopping=True,
                              n_iter_no_change=100, random_state=0).fit(*data)
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 15
    assert model.validation_loss_curve_[-1] < model.validation_loss_curve_[0]
    plain = fnn.MLPClassifier((8,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        plain.fit(*data)
    assert plain.validation_loss_curve_ is None


def test_plot_learning_curve_writes_a_png(data, tmp_path):
    model = fnn.MLPClassifier((8,), max_iter=10, early_stopping=True,
                              n_iter_no_change=100, random_state=0).fit(*data)
    figure = fnn.plot_learning_curve(model, tmp_path / "curve.png")
    png = (tmp_path / "curve.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    labels = [line.get_label() for ax in figure.axes for line in ax.get_lines()]
    assert labels == ["training loss", "validation loss", "validation score"]


def test_plot_errors(monkeypatch):
    with pytest.raises(ValueError, match="no loss_curve_"):
        fnn.plot_learning_curve(fnn.MLPClassifier())
    model = fnn.MLPRegressor(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        model.fit([[0.0], [1.0]], [0.0, 1.0])
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install 'fnn\\[plot\\]'"):
        fnn.plot_learning_curve(model)
