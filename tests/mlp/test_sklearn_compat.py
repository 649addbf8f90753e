"""fnn's estimators inside scikit-learn's tools."""
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.exceptions import DataConversionWarning as SklearnDataConversionWarning
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import fnn
from fnn.datasets import load_digits

ESTIMATORS = [fnn.MLPClassifier, fnn.MLPRegressor, fnn.Perceptron, fnn.SVC]
CLASSIFIERS = [fnn.MLPClassifier, fnn.Perceptron, fnn.SVC]


@pytest.mark.parametrize("estimator", [
    fnn.MLPClassifier(), fnn.MLPRegressor(),
    # SVC's one-vs-one duals are solved by SMO to its stopping tolerance;
    # check_sample_weight_equivalence compares a weighted fit with a fit on
    # repeated rows (the same optimum, reached along another path) to
    # rtol=1e-7, which needs the optimum to that precision, not the
    # default tol=1e-3.  Every other check passes at any tol.  A fixed gamma:
    # gamma='scale' reads X's variance, which counts a repeated row twice
    # and a weighted row once (scikit-learn's SVC fails this check too).
    fnn.SVC(tol=1e-10, gamma=0.1),
], ids=repr)
def test_check_estimator_passes(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results
              if r["status"] == "failed"]
    assert failed == []
    assert len(results) > 50


# The online perceptron rule visits the rows one at a time in a shuffled
# order, so its result depends on that order: a row of weight 2 is not two
# copies of the row visited at two different times, on dense or sparse data
# (scikit-learn's own Perceptron lists these checks as expected failures).
PERCEPTRON_ORDER_DEPENDENT_CHECKS = {"check_sample_weight_equivalence_on_dense_data",
                                     "check_sample_weight_equivalence_on_sparse_data"}


def test_check_estimator_perceptron_fails_only_the_order_dependent_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(fnn.Perceptron(), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert failed == PERCEPTRON_ORDER_DEPENDENT_CHECKS
    passed = [r for r in results if r["status"] == "passed"]
    assert len(passed) > 50


def test_estimator_types():
    for cls in CLASSIFIERS:
        assert is_classifier(cls()) and not is_regressor(cls())
    assert is_regressor(fnn.MLPRegressor()) and not is_classifier(fnn.MLPRegressor())


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_not_fitted_error_is_also_scikit_learns(cls):
    with pytest.raises(SklearnNotFittedError):
        cls().predict([[0.0]])
    with pytest.raises(fnn.NotFittedError):
        cls().predict([[0.0]])


@pytest.mark.parametrize("make", [lambda: fnn.MLPRegressor(max_iter=1),
                                  lambda: fnn.Perceptron(max_iter=1, shuffle=False),
                                  lambda: fnn.SVC(max_iter=1)])
def test_convergence_warning_is_also_scikit_learns(make):
    X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    with pytest.warns(SklearnConvergenceWarning):
        make().fit(X, y)
    with pytest.warns(fnn.ConvergenceWarning):
        make().fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_column_vector_y_warns_and_is_read_as_1d(cls):
    # scikit-learn's MLPs warn too, though they take 2-D targets with more
    # than one column.
    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        plain = cls(**_SMALL[cls]).fit(X, y)
        with pytest.warns(SklearnDataConversionWarning, match="column-vector y"):
            column = cls(**_SMALL[cls]).fit(X, y.reshape(-1, 1))
    assert_array_equal(column.predict(X), plain.predict(X))
    # A 1-D y gives no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", SklearnDataConversionWarning)
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        cls(**_SMALL[cls]).fit(X, y)


_SMALL = {fnn.MLPClassifier: {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0},
          fnn.MLPRegressor: {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0},
          fnn.Perceptron: {"max_iter": 5, "random_state": 0},
          fnn.SVC: {}}


def _digits():
    X, y = load_digits()
    return X[:400], y[:400]


@pytest.mark.parametrize("estimator, grid", [
    pytest.param(fnn.MLPClassifier((16,), max_iter=100, learning_rate_init=0.01,
                                   random_state=0),
                 {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(8,), (16,)]},
                 id="MLPClassifier"),
    pytest.param(fnn.Perceptron(random_state=0),
                 {"eta0": [0.1, 1.0], "fit_intercept": [True, False]}, id="Perceptron"),
    pytest.param(fnn.SVC(), {"C": [0.1, 10.0], "gamma": ["scale", 0.01]}, id="SVC"),
])
def test_pipeline_grid_search_and_cross_validation(estimator, grid):
    X, y = _digits()
    pipe = make_pipeline(StandardScaler(), estimator)
    step = type(estimator).__name__.lower()
    grid = {f"{step}__{name}": values for name, values in grid.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3)
        assert scores.mean() > 0.8
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert search.best_score_ > 0.8
    copy = clone(search.best_estimator_)
    for name, value in search.best_params_.items():
        assert copy.get_params()[name] == value
    assert not hasattr(copy[-1], "classes_")


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_joblib_round_trip(cls, tmp_path):
    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        model = cls(**_SMALL[cls]).fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "decision_function"):
        assert_array_equal(loaded.decision_function(X), model.decision_function(X))
