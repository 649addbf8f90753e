"""MLPClassifier and MLPRegressor behave as scikit-learn's: parameters and
their messages, which methods exist, single-class targets, divergence,
feature names, metadata routing, fitted checks.  Each test compares with
scikit-learn on the same data where it can."""
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn

sklearn_nn = pytest.importorskip("sklearn.neural_network")
ESTIMATORS = [fnn.MLPClassifier, fnn.MLPRegressor]


def _theirs(cls):
    return getattr(sklearn_nn, cls.__name__)


def _data(cls, rng, n=60):
    X = rng.rand(n, 4)
    y = rng.randint(0, 3, n) if cls is fnn.MLPClassifier else X @ [1.0, -2.0, 0.5, 0.0]
    return X, y


# ----------------------------------------------------------------------
# Parameters
# ----------------------------------------------------------------------
BAD_VALUES = dict(hidden_layer_sizes=None, activation="softmax", solver="newton",
                  alpha=-1.0, batch_size=0, learning_rate="fast", learning_rate_init=0.0,
                  power_t=-1.0, max_iter=0, random_state="seed", tol=-1.0, verbose=-1,
                  momentum=2.0, validation_fraction=1.0, beta_1=1.0, beta_2=1.0,
                  epsilon=0.0, max_fun=0, shuffle=None, warm_start=None,
                  nesterovs_momentum=None, early_stopping=None, n_iter_no_change=0)
# Where fnn's message differs, and why: fnn refuses infinite alpha and
# learning_rate_init ("finite"), and offers five activations scikit-learn
# does not. Every other message (booleans, the
# {inf} of n_iter_no_change, verbose) is scikit-learn's, word for word.
FNN_WORDING = {
    "alpha": "a finite float in the range [0.0, inf)",
    "learning_rate_init": "a finite float in the range (0.0, inf)",
    "activation": ("a str among {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', "
                   "'elu', 'gelu', 'silu', 'softplus'}"),
}


def _normalised(message):
    """scikit-learn lists string options in set order (it varies between
    runs): sort them."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(
        m.group(1).split(", "))) + "}", message)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_invalid_parameters_raise_scikit_learns_error(cls, name, rng):
    X, y = _data(cls, rng)
    value = BAD_VALUES[name]
    with pytest.raises(ValueError) as ours:
        cls(**{name: value}).fit(X, y)
    with pytest.raises(ValueError) as theirs:
        _theirs(cls)(**{name: value}).fit(X, y)
    assert isinstance(ours.value, TypeError)  # both, as scikit-learn's
    if name in FNN_WORDING:
        assert str(ours.value) == (f"The {name!r} parameter of {cls.__name__} must be "
                                   f"{FNN_WORDING[name]}. Got {value!r} instead.")
    else:
        assert _normalised(str(ours.value)) == _normalised(str(theirs.value))


def test_regressor_loss_options(rng):
    X, y = _data(fnn.MLPRegressor, rng)
    with pytest.raises(ValueError) as ours:
        fnn.MLPRegressor(loss="huber").fit(X, y)
    with pytest.raises(ValueError) as theirs:
        sklearn_nn.MLPRegressor(loss="huber").fit(X, y)
    assert _normalised(str(ours.value)) == _normalised(str(theirs.value))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_values_scikit_learn_accepts(cls, rng):
    X, y = _data(cls, rng)
    kwargs = dict(hidden_layer_sizes=(4,), solver="sgd", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # n_iter_no_change=np.inf never stops early.
        model = cls(**kwargs, n_iter_no_change=np.inf, tol=1e9, max_iter=30).fit(X, y)
        assert model.n_iter_ == 30 and model._no_improvement_count == 29
        cls(**kwargs, verbose=0, validation_fraction=0.0, max_iter=2).fit(X, y)
        cls(**kwargs, momentum=1.0, beta_1=0.0, power_t=0.0, tol=0.0, max_iter=2).fit(X, y)
    # validation_fraction=0 is refused only when early stopping needs it.
    with pytest.raises(ValueError, match="validation_fraction=0.0 should be"):
        cls(**kwargs, early_stopping=True, validation_fraction=0.0).fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_n_jobs_has_an_upper_bound(cls):
    for n_jobs in (2 ** 31, 1025):
        with pytest.raises(ValueError, match=r"'n_jobs' parameter .* an int in the "
                                             r"range \[1, 1024\] or None"):
            cls(n_jobs=n_jobs).fit([[0.0], [1.0]], [0, 1])
    for n_jobs in (None, -1, -2 ** 31, 1, 1024):
        cls(n_jobs=n_jobs)._validate_params()
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        cls(n_jobs=0)._validate_params()


# ----------------------------------------------------------------------
# Methods and targets
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_partial_fit_exists_only_for_stochastic_solvers(cls, rng):
    assert not hasattr(cls(solver="lbfgs"), "partial_fit")
    assert hasattr(cls(solver="sgd"), "partial_fit") and hasattr(cls(), "partial_fit")
    model = cls(solver="sgd")
    model.set_params(solver="lbfgs")
    with pytest.raises(AttributeError, match="only available for stochastic optimizers. "
                                             "lbfgs is not stochastic"):
        model.partial_fit
    assert callable(cls.partial_fit)  # on the class: the function, for documentation


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_one_class_target_as_scikit_learn(solver, rng):
    X = rng.rand(30, 3)
    y = np.full(30, "only")
    kwargs = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = fnn.MLPClassifier(**kwargs).fit(X, y)
        theirs = sklearn_nn.MLPClassifier(**kwargs).fit(X, y)
    assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.n_outputs_ == theirs.n_outputs_ == 1
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    assert_array_equal(ours.predict(X), np.full(30, "only"))
    proba = ours.predict_proba(X)
    assert proba.shape == theirs.predict_proba(X).shape == (30, 2)
    assert_allclose(proba, theirs.predict_proba(X), rtol=1e-4 if solver == "lbfgs" else 1e-9)
    assert ours.score(X, y) == 1.0
    partial = fnn.MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    partial.partial_fit(X, y, classes=["only"])
    assert_array_equal(partial.predict(X[:3]), ["only"] * 3)


def test_stratified_split_refusals_as_scikit_learn():
    X = [[1, 2], [2, 3], [3, 4], [4, 5]]
    y = [0, 0, 0, 1]
    pattern = (r"The least populated classes in y have only 1 member.*Classes with too "
               r"few members are: \['True'\]")
    for cls in (fnn.MLPClassifier, sklearn_nn.MLPClassifier):
        with pytest.raises(ValueError, match=pattern):
            cls(early_stopping=True).fit(X, y)


def test_partial_fit_class_messages_as_scikit_learn(rng):
    X, y = rng.rand(6, 2), np.array([0, 1, 2, 0, 1, 2])
    for cls in (fnn.MLPClassifier, sklearn_nn.MLPClassifier):
        model = cls(solver="sgd").partial_fit(X, y, classes=[0, 1, 2])
        with pytest.raises(ValueError, match=re.escape(
                "`classes=[0, 1]` is not the same as on last call to partial_fit, "
                "was: array([0, 1, 2])")):
            model.partial_fit(X, y, classes=[0, 1])
        with pytest.raises(ValueError, match=re.escape(
                "`y` has classes not in `self.classes_`. `self.classes_` has [0 1 2]. "
                "'y' has [0 1 2 3].")):
            model.partial_fit(np.r_[X, X[:1]], np.r_[y, 3])


# ----------------------------------------------------------------------
# Divergence
# ----------------------------------------------------------------------
def _diverging(**kwargs):
    # scikit-learn's own diverging case (its test_mlp_diverging_loss).
    return dict(hidden_layer_sizes=100, activation="identity", solver="sgd",
                learning_rate_init=1, max_iter=20, random_state=0, **kwargs)


def test_divergence_keeps_finite_weights_and_records_nan_as_scikit_learn():
    iris = pytest.importorskip("sklearn.datasets").load_iris()
    X, y = iris.data, iris.target
    params = _diverging(early_stopping=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = fnn.MLPRegressor(**params).fit(X, y)
        theirs = sklearn_nn.MLPRegressor(**params).fit(X, y)
    assert str(ours.validation_scores_[-1]) == str(theirs.validation_scores_[-1]) == "nan"
    assert isinstance(ours.validation_scores_[-1], float)
    assert np.isnan(ours.loss_curve_[-1]) and len(ours.loss_curve_) == ours.n_iter_
    assert all(np.isfinite(W).all() for W in ours.coefs_ + ours.intercepts_)
    assert np.isfinite(ours.predict(X)).all()
    diverged = [w for w in caught if "diverged in epoch" in str(w.message)]
    assert len(diverged) == 1 and issubclass(diverged[0].category, fnn.ConvergenceWarning)
    assert f"epoch {ours.n_iter_}" in str(diverged[0].message)
    # Early stopping kept the best validated weights, the finite scores.
    assert ours.best_validation_score_ == max(s for s in ours.validation_scores_
                                              if np.isfinite(s))


def test_divergence_after_finished_epochs_keeps_the_last_one(rng):
    X, y = rng.rand(80, 3) * 10, rng.rand(80) * 1e3
    model = fnn.MLPRegressor(hidden_layer_sizes=(8,), activation="identity",
                             solver="sgd", max_iter=3, learning_rate_init=1e-6,
                             batch_size=10, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        model.fit(X, y)
    kept = [W.copy() for W in model.coefs_ + model.intercepts_]
    curve = list(model.loss_curve_)
    with pytest.warns(fnn.ConvergenceWarning, match="diverged in epoch 1"):
        model.set_params(learning_rate_init=1e3).fit(X, y)
    for W, saved in zip(model.coefs_ + model.intercepts_, kept):
        assert_array_equal(W, saved)
    assert model.loss_curve_[:3] == curve and np.isnan(model.loss_curve_[3])
    assert model.loss_ == curve[-1]  # the loss of the weights kept


def test_non_finite_outputs_from_the_start_raise_scikit_learns_error(rng):
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.standard_normal(size=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls in (fnn.MLPRegressor, sklearn_nn.MLPRegressor):
            with pytest.raises(ValueError, match="Solver produced non-finite parameter "
                                                 "weights"):
                cls().fit(X, y)


# ----------------------------------------------------------------------
# Feature names, fitted checks, assigned weights
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_feature_names_as_scikit_learn(cls, rng):
    pd = pytest.importorskip("pandas")
    X, y = _data(cls, rng)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    kwargs = dict(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    models = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        warnings.simplefilter("ignore", sklearn_nn._multilayer_perceptron.ConvergenceWarning)
        for make in (cls, _theirs(cls)):
            models.append(make(**kwargs).fit(frame, y))
    ours, theirs = models
    assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    assert ours.feature_names_in_.dtype == object

    def outcome(model, X):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model.predict(X)
                error = None
            except ValueError as exc:
                error = str(exc)
        return [str(w.message) for w in caught if "feature names" in str(w.message)], error

    for X_new in (X, frame, frame[["b", "a", "c", "d"]], frame.rename(columns={"a": "z"})):
        assert outcome(ours, X_new) == outcome(theirs, X_new)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y)
        theirs.fit(X, y)
    assert not hasattr(ours, "feature_names_in_")
    assert outcome(ours, frame) == outcome(theirs, frame)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_check_is_fitted(cls, rng):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    model = cls(hidden_layer_sizes=(3,), max_iter=2)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(*_data(cls, rng))
    check_is_fitted(model)


def test_weights_assigned_before_the_first_fit_are_its_start():
    """scikit-learn's worked example (its test_fit): weights set by hand,
    then one partial_fit step."""
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    models = []
    for cls in (fnn.MLPClassifier, sklearn_nn.MLPClassifier):
        mlp = cls(solver="sgd", learning_rate_init=0.1, alpha=0.1, activation="logistic",
                  random_state=1, max_iter=1, hidden_layer_sizes=2, momentum=0)
        mlp.coefs_ = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0]]), np.array([[0.1], [0.2]])]
        mlp.intercepts_ = [np.array([0.1, 0.1]), np.array([1.0])]
        if cls is sklearn_nn.MLPClassifier:  # what scikit-learn's fit reads
            mlp.n_outputs_, mlp.n_layers_, mlp.n_iter_, mlp.t_ = 1, 3, 0, 0
            mlp.out_activation_, mlp.best_loss_, mlp.loss_curve_ = "logistic", np.inf, []
            mlp._no_improvement_count = 0
        models.append(mlp.partial_fit(X, y, classes=[0, 1]))
    ours, theirs = models
    for got, want in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(got, want, rtol=1e-14)
    assert_allclose(ours.coefs_[1], [[0.04706], [0.154089]], atol=1e-3)  # by hand
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-14)
    # Layers that do not fit the data are refused by name.
    wrong = fnn.MLPClassifier(hidden_layer_sizes=2, solver="sgd")
    wrong.coefs_ = [np.zeros((4, 2)), np.zeros((2, 1))]
    wrong.intercepts_ = [np.zeros(2), np.zeros(1)]
    with pytest.raises(ValueError, match=r"coefs_\[0\] has shape \(4, 2\); the network "
                                         r"\[3, 2, 1\]"):
        wrong.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(wrong, "n_iter_")


def test_checkpoint_target_is_checked_before_training(tmp_path, rng):
    X, y = _data(fnn.MLPClassifier, rng)
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    for path, message in [(tmp_path / "no" / "such" / "model.fnn", "no folder"),
                          (tmp_path, "is a folder"),
                          (data, "is not an fnn model file")]:
        model = fnn.MLPClassifier(max_iter=1000, checkpoint_path=path)
        with pytest.raises(ValueError, match=f"cannot write {path}: .*{message}"):
            model.fit(X, y)
        assert not hasattr(model, "n_iter_")  # refused before training
    assert data.read_text() == "a,b\n1,2\n"


# ----------------------------------------------------------------------
# Metadata routing
# ----------------------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_metadata_routing_in_grid_search(cls, rng):
    import sklearn
    from sklearn.base import clone
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.model_selection import GridSearchCV

    X, y = _data(cls, rng, n=90)
    sw = rng.rand(90) * 2
    model = cls(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    with pytest.raises(RuntimeError, match="only available when metadata routing"):
        model.set_fit_request(sample_weight=True)
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert model.set_fit_request(sample_weight=True) is model
        model.set_score_request(sample_weight=True)
        routing = model.get_metadata_routing()
        assert routing.fit.requests == {"sample_weight": True}
        assert set(routing.partial_fit.requests) == (
            {"sample_weight", "classes"} if cls is fnn.MLPClassifier else {"sample_weight"})
        search = GridSearchCV(model, {"alpha": [1e-4]}, cv=3).fit(X, y, sample_weight=sw)
        expected = clone(model).fit(X, y, sample_weight=sw)
        for got, want in zip(search.best_estimator_.coefs_, expected.coefs_):
            assert_array_equal(got, want)
        unweighted = clone(model).fit(X, y)
        assert not np.array_equal(unweighted.coefs_[0], expected.coefs_[0])
        with pytest.raises(UnsetMetadataPassedError):
            GridSearchCV(cls(max_iter=2), {"alpha": [1e-4]}, cv=3).fit(
                X, y, sample_weight=sw)


def test_fnn_imports_and_fits_without_scikit_learn():
    script = (
        "import sys\n"
        "sys.modules['sklearn'] = None  # as if it were not installed\n"
        "import warnings; warnings.simplefilter('ignore')\n"
        "import numpy as np, fnn\n"
        "model = fnn.MLPClassifier((3,), max_iter=2).fit(np.eye(4), [0, 1, 0, 1])\n"
        "assert model.predict(np.eye(4)).shape == (4,)\n"
        "assert not hasattr(model, 'set_fit_request')\n"
        "assert not any(name.startswith('sklearn') and sys.modules[name] is not None\n"
        "               for name in sys.modules)\n"
        "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip() == "ok", result.stderr
