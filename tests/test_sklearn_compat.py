"""fnn's estimators inside scikit-learn's tools."""
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import fnn
from fnn.datasets import load_digits

ESTIMATORS = [fnn.MLPClassifier, fnn.MLPRegressor]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_check_estimator_passes(cls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(cls(), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results
              if r["status"] == "failed"]
    assert failed == []
    assert len(results) > 50


def test_estimator_types():
    assert is_classifier(fnn.MLPClassifier()) and not is_regressor(fnn.MLPClassifier())
    assert is_regressor(fnn.MLPRegressor()) and not is_classifier(fnn.MLPRegressor())


def test_errors_and_warnings_are_also_scikit_learns():
    with pytest.raises(SklearnNotFittedError):
        fnn.MLPClassifier().predict([[0.0]])
    with pytest.raises(fnn.NotFittedError):
        fnn.MLPClassifier().predict([[0.0]])
    with pytest.warns(SklearnConvergenceWarning):
        fnn.MLPRegressor(max_iter=1).fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.warns(fnn.ConvergenceWarning):
        fnn.MLPRegressor(max_iter=1).fit([[0.0], [1.0]], [0.0, 1.0])


def _digits():
    X, y = load_digits()
    return X[:400], y[:400]


def test_pipeline_grid_search_and_cross_validation():
    X, y = _digits()
    pipe = make_pipeline(StandardScaler(),
                         fnn.MLPClassifier((16,), max_iter=100, learning_rate_init=0.01,
                                           random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3)
        assert scores.mean() > 0.8
        grid = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-1],
                                   "mlpclassifier__hidden_layer_sizes": [(8,), (16,)]},
                            cv=3).fit(X, y)
    assert set(grid.best_params_) == {"mlpclassifier__alpha",
                                      "mlpclassifier__hidden_layer_sizes"}
    assert grid.best_score_ > 0.8
    copy = clone(grid.best_estimator_)
    assert copy.get_params()["mlpclassifier__alpha"] == grid.best_params_[
        "mlpclassifier__alpha"]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_joblib_round_trip(cls, tmp_path):
    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        model = cls(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    assert_array_equal(loaded.predict(X), model.predict(X))
