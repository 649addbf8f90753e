"""The scikit-learn estimator API of MLPClassifier and MLPRegressor."""
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn

ESTIMATORS = [fnn.MLPClassifier, fnn.MLPRegressor]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fnn.ConvergenceWarning)
        yield


def _data(rng, n=60):
    X = rng.randn(n, 4)
    y_class = np.array(["cat", "dog", "emu"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1)]
    y_reg = X[:, 0] - 2 * X[:, 2]
    return X, y_class, y_reg


def _fitted(cls, rng, **kwargs):
    X, y_class, y_reg = _data(rng)
    model = cls(hidden_layer_sizes=(5,), max_iter=20, random_state=0, **kwargs)
    return model.fit(X, y_class if cls is fnn.MLPClassifier else y_reg), X


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_defaults_match_scikit_learn(cls):
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    theirs = getattr(sklearn_nn, cls.__name__)().get_params()
    ours = cls().get_params()
    extras = {"n_jobs": None, "checkpoint_path": None, "checkpoint_every": 1,
              "dropout": 0.0}
    if cls is fnn.MLPClassifier:
        extras["class_weight"] = None
    for name, default in extras.items():  # fnn's additions
        assert ours.pop(name) == default
    assert ours == theirs


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_get_set_params_and_clone(cls):
    sklearn_base = pytest.importorskip("sklearn.base")
    model = cls(hidden_layer_sizes=(3, 2), alpha=0.5)
    assert model.get_params()["alpha"] == 0.5
    model.set_params(alpha=0.1, solver="sgd")
    assert (model.alpha, model.solver) == (0.1, "sgd")
    with pytest.raises(ValueError, match="Invalid parameter 'alpah'"):
        model.set_params(alpah=1)
    copy = sklearn_base.clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    assert "alpha=0.1" in repr(model)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_fitted_attributes(cls, rng):
    model, X = _fitted(cls, rng)
    assert model.n_features_in_ == 4
    assert model.n_layers_ == 3
    assert [W.shape for W in model.coefs_] == [(4, 5), (5, model.n_outputs_)]
    assert [b.shape for b in model.intercepts_] == [(5,), (model.n_outputs_,)]
    assert model.n_iter_ == len(model.loss_curve_) == 20
    assert model.loss_ == model.loss_curve_[-1]
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.t_ == 20 * 60
    assert model.out_activation_ == ("softmax" if cls is fnn.MLPClassifier else "identity")


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_unfitted_model_raises(cls):
    model = cls()
    with pytest.raises(fnn.NotFittedError, match="not fitted"):
        model.predict([[1.0, 2.0]])
    assert not hasattr(model, "coefs_")


def test_classifier_probabilities(rng):
    model, X = _fitted(fnn.MLPClassifier, rng)
    assert_array_equal(model.classes_, ["cat", "dog", "emu"])
    proba = model.predict_proba(X)
    assert proba.shape == (60, 3)
    assert_allclose(proba.sum(axis=1), 1)
    assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert_allclose(model.predict_log_proba(X), np.log(proba))
    assert model.score(X, model.predict(X)) == 1.0


def test_binary_classifier_has_one_sigmoid_output(rng):
    X = rng.randn(50, 3)
    y = np.where(X[:, 0] > 0, 10, -10)
    model = fnn.MLPClassifier((4,), max_iter=50, random_state=0).fit(X, y)
    assert model.n_outputs_ == 1 and model.out_activation_ == "logistic"
    proba = model.predict_proba(X)
    assert proba.shape == (50, 2)
    assert_allclose(proba.sum(axis=1), 1)
    assert set(model.predict(X)) <= {10, -10}


def test_multilabel_classifier(rng):
    X = rng.randn(80, 3)
    Y = np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0].astype(int)
    model = fnn.MLPClassifier((16,), max_iter=300, learning_rate_init=0.01,
                              random_state=0).fit(X, Y)
    assert model.out_activation_ == "logistic" and model.n_outputs_ == 3
    assert model.predict(X).shape == (80, 3)
    assert model.score(X, Y) > 0.8


def test_multilabel_score_is_the_weighted_subset_accuracy(rng):
    X = rng.randn(80, 3)
    Y = np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0].astype(int)
    model = fnn.MLPClassifier((4,), max_iter=5, random_state=0).fit(X, Y)
    w = rng.uniform(0.1, 2.0, 80)
    exact = (model.predict(X) == Y).all(axis=1)
    assert 0 < exact.mean() < 1  # so that the weights matter
    assert model.score(X, Y, sample_weight=w) == np.average(exact, weights=w)
    with pytest.raises(ValueError, match="label-indicator matrix with 3 columns"):
        model.score(X, Y[:, :2])


def test_shared_docstring_text_is_filled_in():
    # fill_doc replaces lines such as "{X}" when the class is defined; one
    # left behind would show in help().
    import inspect
    import re

    from fnn import cli

    documented = [fnn.MLPClassifier, fnn.MLPRegressor, fnn.Perceptron, fnn.SVC]
    docs = {cls.__name__: cls.__doc__ for cls in documented}
    docs.update({f"{cls.__name__}.{name}": inspect.getdoc(member)
                 for cls in documented for name, member in inspect.getmembers(cls)
                 if not name.startswith("_") and callable(member)})
    docs.update({f"cli.{f.__name__}": f.__doc__ for f in (cli.train, cli.predict,
                                                           cli.evaluate)})
    left = {name: doc for name, doc in docs.items()
            if doc and re.search(r"^\s*\{\w+\}\s*$", doc, re.M)}
    assert not left, sorted(left)
    assert "X : {array-like, sparse matrix} of shape (n_samples, n_features)\n" \
        "    The input data." in fnn.MLPRegressor.predict.__doc__
    assert "Thread safety: a fitted model" in fnn.MLPClassifier.__doc__
    assert "for kernel='precomputed'" in fnn.SVC.predict_proba.__doc__
    assert "args : argparse.Namespace" in cli.evaluate.__doc__


def test_multi_output_regressor(rng):
    X = rng.randn(100, 3)
    Y = np.c_[X[:, 0], -X[:, 1], X[:, 2] * 0.5]
    model = fnn.MLPRegressor(hidden_layer_sizes=(), activation="identity", max_iter=300,
                             learning_rate_init=0.01, random_state=0).fit(X, Y)
    assert model.predict(X).shape == (100, 3)
    assert model.score(X, Y) > 0.99


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_coefs_are_views_into_one_buffer_and_assignment_copies(cls, rng):
    model, X = _fitted(cls, rng)
    outputs = model.predict_proba if cls is fnn.MLPClassifier else model.predict
    before = outputs(X)
    W0 = model.coefs_[0]
    saved = W0.copy()
    assert np.shares_memory(W0, model.coefs_[1]) is False
    assert W0.base is not None and W0.base is model.coefs_[1].base
    model.coefs_[0] = np.zeros((4, 5))  # item assignment changes the model
    assert not model.coefs_[0].any()
    assert not W0.any()  # W0 is a view of the model's weights
    model.coefs_[0] = saved  # restore through the same path
    model.intercepts_ = [b.copy() for b in model.intercepts_]
    assert_allclose(outputs(X), before)
    with pytest.raises(ValueError, match="shape"):
        model.coefs_[0] = np.zeros((5, 4))
    with pytest.raises(ValueError, match="finite"):
        model.coefs_[1] = np.full(model.coefs_[1].shape, np.nan)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_pickle_round_trip(cls, rng):
    model, X = _fitted(cls, rng)
    clone = pickle.loads(pickle.dumps(model))
    assert_array_equal(clone.predict(X), model.predict(X))
    clone.partial_fit(X, model.predict(X))  # still trainable, still one buffer
    assert clone.coefs_[0].base is clone.coefs_[1].base


def test_partial_fit_classifier_needs_classes_then_learns(rng):
    X, y, _ = _data(rng, 200)
    model = fnn.MLPClassifier((8,), random_state=0, learning_rate_init=0.01)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[:10], y[:10], classes=["cat", "dog", "emu"])
    first = model.loss_
    for _ in range(50):
        model.partial_fit(X, y)
    assert model.loss_ < first
    assert model.n_iter_ == 1
    with pytest.raises(ValueError, match=r"`y` has classes not in `self.classes_`"):
        model.partial_fit(X[:3], ["cat", "yak", "dog"])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_warm_start_continues_and_cold_start_restarts(cls, rng):
    X, y_class, y_reg = _data(rng)
    y = y_class if cls is fnn.MLPClassifier else y_reg
    warm = cls(hidden_layer_sizes=(5,), max_iter=5, random_state=0,
               warm_start=True).fit(X, y)
    after_one = warm.coefs_[0].copy()
    warm.fit(X, y)
    assert not np.allclose(warm.coefs_[0], after_one)
    assert len(warm.loss_curve_) == 10
    cold = cls(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y).fit(X, y)
    assert_allclose(cold.coefs_[0], after_one)


def test_early_stopping_keeps_best_validation_weights(rng):
    X, y, _ = _data(rng, 300)
    model = fnn.MLPClassifier((8,), early_stopping=True, validation_fraction=0.2,
                              n_iter_no_change=3, max_iter=200, random_state=0)
    model.fit(X, y)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ < 200
    assert model.best_validation_score_ == max(scores)
    assert model.best_loss_ is None
    with pytest.raises(ValueError, match="early_stopping"):
        model.partial_fit(X, y)


def test_early_stopping_validation_split_is_stratified(rng):
    X = rng.randn(200, 2)
    y = np.r_[np.zeros(180, int), np.ones(20, int)]
    model = fnn.MLPClassifier((4,), early_stopping=True, validation_fraction=0.1,
                              max_iter=1, random_state=0)
    train, val = model.fit(X, y)._split_validation(np.c_[y].astype(float),
                                                    np.random.RandomState(0))
    assert y[val].sum() == 2 and len(val) == 20
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 200


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_sample_weight_zero_equals_dropping_rows_with_batch_one(cls, rng):
    X, y_class, y_reg = _data(rng)
    y = y_class if cls is fnn.MLPClassifier else y_reg
    w = np.ones(60)
    w[::3] = 0
    kwargs = dict(hidden_layer_sizes=(5,), solver="sgd", batch_size=1, shuffle=False,
                  max_iter=3, random_state=0)
    weighted = cls(**kwargs).fit(X, y, sample_weight=w)
    dropped = cls(**kwargs).fit(X[w > 0], y[w > 0])
    for a, b in zip(weighted.coefs_, dropped.coefs_):
        assert_allclose(a, b, rtol=1e-12)


def test_input_formats_give_identical_models(rng):
    pd = pytest.importorskip("pandas")
    X, y, _ = _data(rng)
    kwargs = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    reference = fnn.MLPClassifier(**kwargs).fit(X, y)
    variants = [X.tolist(), np.asfortranarray(X), np.repeat(X, 2, axis=1)[:, ::2],
                pd.DataFrame(X, columns=list("abcd")), X.astype(">f8")]
    for variant in variants:
        model = fnn.MLPClassifier(**kwargs).fit(variant, list(y))
        for a, b in zip(model.coefs_, reference.coefs_):
            assert_array_equal(a, b)
        assert_array_equal(model.predict(variant), reference.predict(X))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_lbfgs_matches_scikit_learn(cls, rng):
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    X, y_class, y_reg = _data(rng, 150)
    y = y_class if cls is fnn.MLPClassifier else y_reg
    kwargs = dict(hidden_layer_sizes=(7,), solver="lbfgs", max_iter=40, alpha=0.01,
                  random_state=0)
    ours = cls(**kwargs).fit(X, y)
    theirs = getattr(sklearn_nn, cls.__name__)(**kwargs).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-6)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert len(ours.loss_curve_) == ours.n_iter_
    with pytest.raises(AttributeError, match="only available for stochastic"):
        ours.partial_fit(X, y)


def test_fit_lock_is_shared_and_left_out_of_pickles_and_copies():
    import copy
    import pickle
    import threading

    model = fnn.Perceptron()
    entered = threading.Event()

    def second_fit():
        with model._fitting():
            entered.set()

    with model._fitting():
        lock = model.__dict__["_fit_lock"]
        worker = threading.Thread(target=second_fit)
        worker.start()
        assert not entered.wait(0.2)   # the second fit waits for the first
    assert entered.wait(5)
    worker.join(5)
    assert "_fit_lock" not in pickle.loads(pickle.dumps(model)).__dict__
    assert "_fit_lock" not in copy.deepcopy(model).__dict__
    assert model.__dict__["_fit_lock"] is lock


def test_other_modules_use_only_the_documented_internal_interface():
    # Every private member of the MLPs (methods, and attributes the module
    # assigns to `self`) that another module of the package names must be
    # listed in _BaseMLP's docstring, the interface fnn.distributed and
    # the model files use; fnn.distributed once wrote _params and
    # _label_binarizer directly.
    import ast
    import pathlib
    import re

    from fnn import _multilayer_perceptron as mlp

    package = pathlib.Path(fnn.__file__).parent
    members = {name for cls in (mlp._BaseMLP, fnn.MLPClassifier, fnn.MLPRegressor)
               for name in vars(cls) if name.startswith("_") and not name.startswith("__")}
    source = ast.parse(pathlib.Path(mlp.__file__).read_text())
    members |= {node.attr for node in ast.walk(source)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and node.attr.startswith("_")
                and not node.attr.startswith("__")}
    # The protocol every estimator shares is documented in fnn._base.
    members -= set(dir(fnn._base.ParamsMixin))
    documented = set(re.findall(r"``(?:\w+\.)?(_\w+)``", mlp._BaseMLP.__doc__))
    assert {"_params", "_optimizer", "_label_binarizer"} <= members
    assert documented <= members | set(dir(fnn._base.ParamsMixin))
    used = {}
    for path in package.glob("*.py"):
        if path.name == "_multilayer_perceptron.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in members and not (
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                used.setdefault(node.attr, []).append(f"{path.name}:{node.lineno}")
            # getattr(est, "_params") and "_params" in est.__dict__ count too.
            if isinstance(node, ast.Constant) and node.value in members:
                used.setdefault(node.value, []).append(f"{path.name}: a string")
    # fnn.distributed.predict maps foreign models too, and asks scikit-learn's
    # MLPClassifier for its label binarizer by name.
    used["_label_binarizer"].remove("distributed.py: a string")
    undocumented = {name: where for name, where in used.items()
                    if where and name not in documented}
    assert not undocumented, undocumented
    assert {"_take_average", "_round_start", "_train_replica"} <= set(used)
