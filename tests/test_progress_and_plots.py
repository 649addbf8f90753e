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


def test_verbose_shows_a_bar_with_loss_and_speed(data, capsys):
    fnn.MLPClassifier((8,), max_iter=3, random_state=0, verbose=True,
                      early_stopping=True, n_iter_no_change=50).fit(*data)
    err = capsys.readouterr().err
    assert "MLPClassifier" in err and "epoch" in err
    assert "loss=" in err and "examples/s=" in err and "val_score=" in err


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
