"""Bad input and bad parameters give clear errors at the boundary."""
import numpy as np
import pytest

import fnn

X_GOOD = np.random.RandomState(0).rand(20, 3)
Y_GOOD = np.arange(20) % 2


def _with(row, col, value):
    X = X_GOOD.copy()
    X[row, col] = value
    return X


BAD_X = [
    ("nan", _with(4, 1, np.nan), ValueError, r"nan at row 4, column 1"),
    ("inf", _with(7, 2, np.inf), ValueError, r"inf at row 7, column 2"),
    # +inf and -inf: their sum is NaN, not an infinity.
    ("inf and -inf", _with(7, 2, np.inf) - _with(9, 0, np.inf) + X_GOOD, ValueError,
     r"inf at row 7, column 2"),
    ("1-D", X_GOOD[:, 0], ValueError, r"must be 2-D"),
    ("3-D", X_GOOD.reshape(20, 3, 1), ValueError, r"must be 2-D"),
    ("empty", np.empty((0, 3)), ValueError, r"empty: 0 sample"),
    ("no features", np.empty((20, 0)), ValueError, r"empty: 0 feature"),
    ("strings", np.array([["a", "b", "c"]] * 20), ValueError, r"only numbers"),
    ("objects", np.array([[{}, 1, 2]] * 20, dtype=object), TypeError, r"only numbers"),
    ("complex", X_GOOD + 1j, ValueError, r"complex"),
    ("ragged", [[1, 2, 3], [4, 5]] * 10, ValueError, r"could not be read"),
]


@pytest.mark.parametrize("cls", [fnn.MLPClassifier, fnn.MLPRegressor])
@pytest.mark.parametrize("case, X, error, message", BAD_X, ids=[c[0] for c in BAD_X])
def test_bad_X_in_fit(cls, case, X, error, message):
    with pytest.raises(error, match=message):
        cls(max_iter=1).fit(X, Y_GOOD)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", ["square overflows", "sum overflows"])
def test_large_finite_X_whose_sum_of_squares_overflows_is_accepted(dtype, size):
    # The finiteness check adds up X's squares first; an overflowing sum of
    # finite values must fall back to checking each entry, not reject X.
    from fnn._validation import check_array

    largest = np.finfo(dtype).max
    value = 2 * np.sqrt(largest) if size == "square overflows" else largest / 2
    big = np.full((4, 3), value, dtype=dtype)
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.dot(big.ravel(), big.ravel()))
    np.testing.assert_array_equal(check_array(big, dtype=dtype), big)
    big[2, 1] = np.nan
    with pytest.raises(ValueError, match="nan at row 2, column 1"):
        check_array(big, dtype=dtype)


@pytest.mark.parametrize("cls", [fnn.MLPClassifier, fnn.MLPRegressor])
def test_bad_X_in_predict(cls):
    model = cls(max_iter=1).fit(X_GOOD, Y_GOOD)
    with pytest.raises(ValueError, match="X has 2 features, but "
                                         f"{cls.__name__} is expecting 3 features"):
        model.predict(X_GOOD[:, :2])
    with pytest.raises(ValueError, match="nan at row 0"):
        model.predict(_with(0, 0, np.nan))


BAD_Y = [
    ("classifier", "wrong length", Y_GOOD[:5], "same length"),
    ("classifier", "nan label", np.r_[np.nan, Y_GOOD[1:]], "NaN"),
    ("classifier", "continuous", np.linspace(0, 1, 20), "continuous"),
    ("regressor", "nan target", np.r_[np.nan, Y_GOOD[1:]], "nan at row 0"),
    ("regressor", "wrong length", Y_GOOD[:5], "same length"),
    ("regressor", "strings", np.array(["a"] * 20), "only numbers"),
]


@pytest.mark.parametrize("kind, case, y, message", BAD_Y, ids=[c[1] for c in BAD_Y])
def test_bad_y(kind, case, y, message):
    cls = fnn.MLPClassifier if kind == "classifier" else fnn.MLPRegressor
    with pytest.raises(ValueError, match=message):
        cls(max_iter=1).fit(X_GOOD, y)


def test_one_class_is_learnt_by_mlp_classifier():
    # scikit-learn's MLPClassifier fits a single class (one logistic output)
    # and predicts it; fnn's does the same.
    y = np.full(20, 7)
    with pytest.warns(fnn.ConvergenceWarning, match="Maximum iterations"):
        model = fnn.MLPClassifier(max_iter=5, random_state=0).fit(X_GOOD, y)
    np.testing.assert_array_equal(model.classes_, [7])
    assert model.n_outputs_ == 1 and model.out_activation_ == "logistic"
    np.testing.assert_array_equal(model.predict(X_GOOD), y)
    proba = model.predict_proba(X_GOOD)
    assert proba.shape == (20, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.score(X_GOOD, y) == 1.0


@pytest.mark.parametrize("cls", [fnn.Perceptron, fnn.SVC])
def test_one_class_is_refused_by_perceptron_and_svc(cls):
    # scikit-learn's words, then the class fnn found.
    with pytest.raises(ValueError, match=r"^The number of classes has to be greater than "
                                         r"one; got 1 class \(y has only one class: \[0\.0\]\)"):
        cls().fit(X_GOOD, np.zeros(20))


# hidden_layer_sizes is checked by the estimator (its entries are ints > 0);
# every other parameter by fnn._param_validation, in scikit-learn's words:
# "The 'alpha' parameter of MLPClassifier must be <what>. Got <value> instead."
SHAPE_PARAMS = [
    (dict(hidden_layer_sizes=(0,)), ValueError, "hidden_layer_sizes must be > 0"),
    (dict(hidden_layer_sizes=(-3, 2)), ValueError, "hidden_layer_sizes must be > 0"),
    (dict(hidden_layer_sizes="10"), TypeError, "hidden_layer_sizes"),
]
BAD_PARAMS = [
    (dict(activation="swish"), "a str among {'identity', 'logistic', 'tanh', 'relu', "
                               "'leaky_relu', 'elu', 'gelu', 'silu', 'softplus'}"),
    (dict(solver="rmsprop"), "a str among {'lbfgs', 'sgd', 'adam'}"),
    (dict(alpha=-1.0), "a finite float in the range [0.0, inf)"),
    (dict(batch_size=0), "a str among {'auto'} or an int in the range [1, inf)"),
    (dict(batch_size=2.5), "a str among {'auto'} or an int in the range [1, inf)"),
    (dict(learning_rate="fast"), "a str among {'constant', 'invscaling', 'adaptive'}"),
    (dict(learning_rate_init=0.0), "a finite float in the range (0.0, inf)"),
    (dict(learning_rate_init=-0.1), "a finite float in the range (0.0, inf)"),
    (dict(max_iter=0), "an int in the range [1, inf)"),
    (dict(momentum=1.5), "a float in the range [0.0, 1.0]"),
    (dict(validation_fraction=1.0), "a float in the range [0.0, 1.0)"),
    (dict(beta_1=1.0), "a float in the range [0.0, 1.0)"),
    (dict(epsilon=0.0), "a float in the range (0.0, inf)"),
    (dict(n_iter_no_change=0), "an int in the range [1, inf) or a float among {inf}"),
    (dict(tol=float("nan")), "a float in the range [0.0, inf)"),
    (dict(shuffle="yes"), "an instance of 'bool' or an instance of 'numpy.bool'"),
    (dict(n_jobs=0), "an int in the range (-inf, -1], an int in the range [1, 1024] "
                     "or None"),
    (dict(random_state="seed"), "an int in the range [0, 4294967295], an instance of "
                                "'numpy.random.mtrand.RandomState' or None"),
]


@pytest.mark.parametrize("cls", [fnn.MLPClassifier, fnn.MLPRegressor])
@pytest.mark.parametrize("params, error, message", SHAPE_PARAMS,
                         ids=[str(p[0]) for p in SHAPE_PARAMS])
def test_bad_layer_sizes_are_named(cls, params, error, message):
    with pytest.raises(error, match=message):
        cls(**params).fit(X_GOOD, Y_GOOD)


@pytest.mark.parametrize("cls", [fnn.MLPClassifier, fnn.MLPRegressor])
@pytest.mark.parametrize("params, expected", BAD_PARAMS,
                         ids=[str(p[0]) for p in BAD_PARAMS])
def test_bad_parameters_are_named(cls, params, expected):
    (name, value), = params.items()
    with pytest.raises(ValueError) as info:
        cls(**params).fit(X_GOOD, Y_GOOD)
    # Both, as scikit-learn's InvalidParameterError is.
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (f"The {name!r} parameter of {cls.__name__} must be "
                               f"{expected}. Got {value!r} instead.")


def test_bad_sample_weight():
    model = fnn.MLPClassifier(max_iter=1)
    with pytest.raises(ValueError, match="non-negative"):
        model.fit(X_GOOD, Y_GOOD, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="3 entries for 20 samples"):
        model.fit(X_GOOD, Y_GOOD, sample_weight=[1, 2, 3])


def _diverging_data():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 5) * 1e3
    return X, X @ rng.randn(5) * 1e3


def _diverging_model(**kwargs):
    return fnn.MLPRegressor(hidden_layer_sizes=(20,), solver="sgd", momentum=0.0,
                            batch_size=1, warm_start=True, random_state=0, **kwargs)


def test_divergence_of_a_first_epoch_from_scratch_raises_and_leaves_no_model():
    # No epoch finished, so only the random start exists: fit raises
    # scikit-learn's message (with fnn's reason) and the model stays unfitted.
    X, y = _diverging_data()
    model = _diverging_model(learning_rate_init=1.0, max_iter=1)
    with pytest.raises(ValueError, match=r"^Solver produced non-finite parameter "
                       r"weights\. .*diverged in epoch 1 of a fit from scratch.*"
                       r"learning_rate_init \(now 1\.0\)"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_") and not hasattr(model, "loss_curve_")
    with pytest.raises(fnn.NotFittedError):
        model.predict(X)


def test_divergence_is_detected_and_weights_kept():
    # With trained weights to keep, a diverging epoch is undone: a warning
    # names it, loss_curve_ records NaN for it, the weights are those of the
    # last finished epoch, bit for bit.
    X, y = _diverging_data()
    model = _diverging_model(learning_rate_init=1e-12, max_iter=2)
    with pytest.warns(fnn.ConvergenceWarning, match="Maximum iterations"):
        model.fit(X, y)
    kept = [W.copy() for W in model.coefs_ + model.intercepts_]
    curve = list(model.loss_curve_)
    model.set_params(learning_rate_init=1.0, max_iter=3)
    with pytest.warns(fnn.ConvergenceWarning) as caught:
        model.fit(X, y)
    messages = [str(w.message) for w in caught]
    assert messages == [
        "Training diverged in epoch 1: the loss became non-finite. The weights of the "
        "last finished epoch were kept and training stopped. Try a smaller "
        "learning_rate_init (now 1.0) or scale the input features."]
    assert model.n_iter_ == 1
    assert model.loss_curve_[:2] == curve and np.isnan(model.loss_curve_[2])
    for W, before in zip(model.coefs_ + model.intercepts_, kept):
        np.testing.assert_array_equal(W, before)
    assert np.isfinite(model.predict(X)).all()


# ---------------------------------------------------------------------------
# Sparse input (check_csr) and feature names
# ---------------------------------------------------------------------------
import scipy.sparse as sp  # noqa: E402

from fnn._validation import (check_array, check_csr, check_feature_names,  # noqa: E402
                             feature_names_of)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_check_csr_converts_every_format_to_csr(fmt, dtype):
    dense = np.array([[0, 2, 0, 1], [0, 0, 0, 0], [3, 0, 0, 4]], dtype=dtype)
    X = sp.csr_matrix(dense).asformat(fmt)
    checked = check_array(X, accept_sparse=True)
    assert isinstance(checked, sp.csr_matrix)
    assert checked.dtype == (np.float32 if dtype == np.float32 else np.float64)
    assert checked.indices.dtype == np.int32 and checked.indptr.dtype == np.int32
    np.testing.assert_array_equal(checked.toarray(), dense)


def test_check_csr_keeps_a_ready_matrix_without_copy():
    X = sp.random(50, 30, density=0.1, format="csr", dtype=np.float64, random_state=0)
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    assert check_csr(X) is X


def test_check_csr_sparse_arrays_and_duplicates():
    coo = sp.coo_array((np.array([1.0, 2.0]), (np.array([0, 0]), np.array([1, 1]))),
                       shape=(2, 3))
    checked = check_array(coo, accept_sparse=True)
    assert checked.toarray()[0, 1] == 3.0


def test_check_csr_reports_non_finite_with_row_and_column():
    X = sp.csr_matrix(np.array([[0.0, 1.0], [0.0, np.nan]]))
    with pytest.raises(ValueError, match="row 1, column 1"):
        check_array(X, accept_sparse=True)


def test_sparse_refused_unless_accepted():
    with pytest.raises(TypeError, match="sparse"):
        check_array(sp.csr_matrix(np.eye(2)))


def test_check_csr_empty_and_complex():
    with pytest.raises(ValueError, match="0 sample"):
        check_array(sp.csr_matrix((0, 3)), accept_sparse=True)
    with pytest.raises(ValueError, match="Complex"):
        check_array(sp.csr_matrix(np.eye(2) * 1j), accept_sparse=True)


def test_feature_names_follow_scikit_learn():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0], "b": [2.0]})
    names = feature_names_of(frame)
    assert list(names) == ["a", "b"] and names.dtype == object
    assert feature_names_of(pd.DataFrame({0: [1.0], "b": [2.0]})) is None
    assert feature_names_of(np.ones((1, 2))) is None
    check_feature_names(names, frame, "Model")
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        check_feature_names(names, np.ones((1, 2)), "Model")
    with pytest.warns(UserWarning, match="fitted without feature names"):
        check_feature_names(None, frame, "Model")
    with pytest.raises(ValueError, match="same order"):
        check_feature_names(names, frame[["b", "a"]], "Model")
    with pytest.raises(ValueError, match="unseen at fit time"):
        check_feature_names(names, frame.rename(columns={"a": "c"}), "Model")


def test_check_csr_refuses_a_decreasing_index_pointer():
    # SciPy's constructor accepts it; a kernel trusting it would read
    # outside the data.
    X = sp.csr_matrix((np.ones(3), np.array([0, 1, 2]), np.array([0, 3, 1, 3])),
                      shape=(3, 3))
    with pytest.raises(ValueError, match="not a valid CSR matrix"):
        check_array(X, accept_sparse=True)
