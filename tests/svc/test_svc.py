"""fnn.SVC against scikit-learn's SVC (libsvm) on the same data, and against
NumPy replicas of the decision function built from the fitted attributes."""
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import datasets, svm
from sklearn.base import clone
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import _ovr_decision_function

import fnn
from fnncore import _smo
from broken_csr import broken_copies
from concurrency import fit_concurrently, predict_while_refitting, run_isolated
from interrupting import ctrl_c_child
from scipy import sparse


def _split(loader):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3,
                                                        random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def cancer():
    return _split(datasets.load_breast_cancer)


@pytest.fixture(scope="module")
def digits():
    return _split(datasets.load_digits)


def _kernel_matrix(model, A, B):
    """K(A, B) with the fitted model's kernel, by scikit-learn."""
    return pairwise_kernels(A, B, metric=model.kernel, gamma=model._gamma,
                            degree=model.degree, coef0=model.coef0,
                            filter_params=True)


def _pair_coefficients(model):
    """For each class pair (a, b): its support vectors (indices into
    support_) and their coefficients y alpha, read from dual_coef_ as libsvm
    lays it out."""
    start = np.concatenate([[0], np.cumsum(model.n_support_)])
    pairs = []
    n_classes = len(model.classes_)
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            cols = np.r_[start[a]:start[a + 1], start[b]:start[b + 1]]
            coef = np.r_[model.dual_coef_[b - 1, start[a]:start[a + 1]],
                         model.dual_coef_[a, start[b]:start[b + 1]]]
            pairs.append((cols, coef))
    return pairs


def _dual_objectives(model, K_train):
    """1/2 c^T K c - sum |c| per pair (c = y alpha): the SMO objective."""
    out = []
    for cols, coef in _pair_coefficients(model):
        sv = model.support_[cols]
        out.append(0.5 * coef @ K_train[np.ix_(sv, sv)] @ coef - np.abs(coef).sum())
    return np.array(out)


def _ovo_replica(model, K_test_sv):
    """libsvm's one-vs-one decision values from the fitted attributes."""
    n_pairs = len(model.intercept_)
    dec = np.empty((K_test_sv.shape[0], n_pairs))
    for p, (cols, coef) in enumerate(_pair_coefficients(model)):
        dec[:, p] = K_test_sv[:, cols] @ coef + model.intercept_[p]
    return dec


KERNELS = [
    ("rbf", {}),
    ("linear", {}),
    ("poly", {"degree": 3}),
    ("poly", {"degree": 2, "gamma": 0.05, "coef0": 1.0}),
    ("sigmoid", {"gamma": 0.01, "coef0": 0.0}),
]


@pytest.mark.parametrize("kernel,params", KERNELS)
@pytest.mark.parametrize("data", ["cancer", "digits"])
def test_same_predictions_and_accuracy_as_scikit_learn(kernel, params, data, request):
    X_train, X_test, y_train, y_test = request.getfixturevalue(data)
    theirs = svm.SVC(kernel=kernel, **params).fit(X_train, y_train)
    ours = fnn.SVC(kernel=kernel, **params).fit(X_train, y_train)

    assert ours._gamma == pytest.approx(theirs._gamma, rel=1e-12)
    agree = np.mean(ours.predict(X_test) == theirs.predict(X_test))
    assert agree >= 0.99
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.005

    # Same problem, same tolerance: the optimum agrees loosely.
    K = _kernel_matrix(ours, X_train, X_train)
    obj_ours, obj_theirs = _dual_objectives(ours, K), _dual_objectives(theirs, K)
    assert_allclose(obj_ours, obj_theirs, rtol=2e-3, atol=1e-3)
    assert abs(ours.n_support_.sum() - theirs.n_support_.sum()) <= 0.02 * len(y_train)
    # The solver's own objective is the one the attributes give.
    assert_allclose(ours._dual_objective, obj_ours, rtol=1e-5, atol=1e-6)

    ovo = dict(decision_function_shape="ovo")
    dec_ours = clone(ours).set_params(**ovo).fit(X_train, y_train).decision_function(X_test)
    dec_theirs = clone(theirs).set_params(**ovo).fit(X_train, y_train).decision_function(X_test)
    scale = np.abs(dec_theirs).max()
    assert np.median(np.abs(dec_ours - dec_theirs)) <= 2e-3 * scale
    assert np.abs(dec_ours - dec_theirs).max() <= 0.05 * scale


@pytest.mark.parametrize("data", ["cancer", "digits"])
def test_precomputed_kernel_matches_scikit_learn_and_the_rbf_fit(data, request):
    X_train, X_test, y_train, y_test = request.getfixturevalue(data)
    rbf = fnn.SVC().fit(X_train, y_train)
    K_train = _kernel_matrix(rbf, X_train, X_train)
    K_test = _kernel_matrix(rbf, X_test, X_train)
    ours = fnn.SVC(kernel="precomputed").fit(K_train, y_train)
    theirs = svm.SVC(kernel="precomputed").fit(K_train, y_train)

    assert np.mean(ours.predict(K_test) == theirs.predict(K_test)) >= 0.99
    assert abs(ours.score(K_test, y_test) - theirs.score(K_test, y_test)) <= 0.005
    assert np.mean(ours.predict(K_test) == rbf.predict(X_test)) >= 0.99
    assert ours.support_vectors_.shape == theirs.support_vectors_.shape == (0, 0)
    assert_allclose(ours.decision_function(K_test), rbf.decision_function(X_test),
                    atol=1e-4)


def test_attributes_have_scikit_learn_layout(digits):
    X_train, X_test, y_train, _ = digits
    theirs = svm.SVC().fit(X_train, y_train)
    ours = fnn.SVC().fit(X_train, y_train)
    n_classes = len(theirs.classes_)
    n_pairs = n_classes * (n_classes - 1) // 2

    assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.dual_coef_.shape == (n_classes - 1, ours.support_.size)
    assert ours.intercept_.shape == ours.n_iter_.shape == (n_pairs,)
    assert ours.support_vectors_.shape == (ours.support_.size, X_train.shape[1])
    assert ours.support_.dtype == theirs.support_.dtype
    assert ours.n_support_.dtype == theirs.n_support_.dtype
    assert ours.n_features_in_ == X_train.shape[1]
    assert ours.fit_status_ == 0
    assert_array_equal(ours.support_vectors_, X_train[ours.support_])
    # Grouped by class, in training order within a class.
    start = np.concatenate([[0], np.cumsum(ours.n_support_)])
    for c in range(n_classes):
        block = ours.support_[start[c]:start[c + 1]]
        assert (y_train[block] == ours.classes_[c]).all()
        assert (np.diff(block) > 0).all()
    # Nearly the same support vectors as libsvm.
    common = np.intersect1d(ours.support_, theirs.support_).size
    assert common >= 0.98 * max(ours.support_.size, theirs.support_.size)
    # Coefficient signs: y alpha, positive for the first class of a pair.
    for cols, coef in _pair_coefficients(ours):
        labels = y_train[ours.support_[cols]]
        first = labels == labels.min()
        assert (coef[first] >= 0).all() and (coef[~first] <= 0).all()
        assert (np.abs(coef) <= 1.0 + 1e-12).all()   # 0 <= alpha <= C
    # decision_function is libsvm's formula on those attributes.
    K_test = _kernel_matrix(ours, X_test, ours.support_vectors_)
    ovo = clone(ours).set_params(decision_function_shape="ovo").fit(X_train, y_train)
    assert_allclose(ovo.decision_function(X_test), _ovo_replica(ours, K_test),
                    atol=1e-10)


def test_binary_signs_are_flipped_as_scikit_learn(cancer):
    X_train, X_test, y_train, _ = cancer
    theirs = svm.SVC(kernel="linear").fit(X_train, y_train)
    ours = fnn.SVC(kernel="linear").fit(X_train, y_train)
    K = _kernel_matrix(ours, X_test, ours.support_vectors_)
    dec = ours.decision_function(X_test)
    assert dec.shape == (len(X_test),)
    assert_allclose(dec, K @ ours.dual_coef_[0] + ours.intercept_[0], atol=1e-10)
    assert_array_equal(ours.predict(X_test), ours.classes_[(dec > 0).astype(int)])
    assert np.sign(ours.intercept_[0]) == np.sign(theirs.intercept_[0])
    assert_allclose(ours.coef_, theirs.coef_, rtol=0.05, atol=0.02)
    assert_allclose(X_test @ ours.coef_[0] + ours.intercept_[0], dec, atol=1e-8)
    with pytest.raises(ValueError):
        ours.coef_[0, 0] = 1.0   # read-only, as scikit-learn's
    with pytest.raises(AttributeError, match="linear"):
        fnn.SVC().fit(X_train, y_train).coef_


def test_ovr_decision_and_votes(digits):
    X_train, X_test, y_train, _ = digits
    ovo = fnn.SVC(decision_function_shape="ovo").fit(X_train, y_train)
    ovr = clone(ovo).set_params(decision_function_shape="ovr")
    ovr.__dict__.update({k: v for k, v in ovo.__dict__.items() if k.endswith("_")
                         or k.startswith("_")})
    dec = ovo.decision_function(X_test)
    n_classes = len(ovo.classes_)
    assert dec.shape == (len(X_test), n_classes * (n_classes - 1) // 2)
    assert_allclose(ovr.decision_function(X_test),
                    _ovr_decision_function(dec < 0, -dec, n_classes), atol=1e-12)
    # libsvm's vote: a positive value votes for the pair's first class, ties
    # go to the lowest class.
    votes = np.zeros((len(X_test), n_classes), dtype=int)
    p = 0
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            votes[:, a] += dec[:, p] > 0
            votes[:, b] += dec[:, p] <= 0
            p += 1
    assert_array_equal(ovo.predict(X_test), ovo.classes_[votes.argmax(axis=1)])
    ties = clone(ovr).set_params(break_ties=True).fit(X_train, y_train)
    assert_array_equal(ties.predict(X_test),
                       ties.classes_[ties.decision_function(X_test).argmax(axis=1)])
    with pytest.raises(ValueError, match="break_ties"):
        clone(ovo).set_params(break_ties=True).fit(X_train, y_train).predict(X_test)


def test_vote_ties_go_to_the_lower_class_as_scikit_learn():
    # Three classes at the corners of a triangle, test points at the centre:
    # each class wins one pair, a three-way tie.
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]]).repeat(3, axis=0)
    X = X + np.tile([[0.0, 0.0], [0.01, 0.0], [0.0, 0.01]], (3, 1))
    y = np.repeat([2, 0, 1], 3)
    X_test = X.mean(axis=0, keepdims=True) + np.array([[0.0, 0.0], [0.001, 0.0]])
    theirs = svm.SVC(kernel="linear", C=10).fit(X, y)
    ours = fnn.SVC(kernel="linear", C=10).fit(X, y)
    assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("class_weight", ["balanced", {0: 0.2, 1: 3.0}])
def test_class_weight_and_sample_weight_as_scikit_learn(cancer, class_weight, rng):
    X_train, X_test, y_train, _ = cancer
    sw = rng.uniform(0.1, 2.0, len(y_train))
    sw[:20] = 0.0    # left out of training, as libsvm does
    sw[20:25] = -1.0  # so are negative weights
    ours = fnn.SVC(class_weight=class_weight).fit(X_train, y_train, sample_weight=sw)
    theirs = svm.SVC(class_weight=class_weight).fit(X_train, y_train, sample_weight=sw)
    # 'balanced' counts samples, gamma='scale' the unweighted variance, as
    # scikit-learn's SVC does.
    assert_allclose(ours.class_weight_, theirs.class_weight_, rtol=1e-14)
    assert ours._gamma == pytest.approx(theirs._gamma, rel=1e-12)
    assert np.mean(ours.predict(X_test) == theirs.predict(X_test)) >= 0.99
    assert_allclose(ours.decision_function(X_test), theirs.decision_function(X_test),
                    atol=5e-3 * np.abs(theirs.decision_function(X_test)).max())
    assert ours.n_support_.sum() == pytest.approx(theirs.n_support_.sum(), abs=3)
    assert not np.isin(ours.support_, np.arange(25)).any()
    # Weights really matter: a heavy class pulls the boundary.
    plain = fnn.SVC().fit(X_train, y_train)
    assert not np.allclose(plain.decision_function(X_test), ours.decision_function(X_test))


def test_scale_gamma_and_balanced_weights_ignore_sample_weight_as_scikit_learn(rng):
    X = rng.randn(30, 4) * rng.uniform(0.5, 3.0, 4)
    y = np.arange(30) % 3
    y[:4] = 0
    w = rng.uniform(0.2, 3.0, size=30)
    ours = fnn.SVC(class_weight="balanced").fit(X, y, sample_weight=w)
    theirs = svm.SVC(class_weight="balanced").fit(X, y, sample_weight=w)
    assert ours._gamma == pytest.approx(theirs._gamma, rel=1e-12)
    assert ours._gamma == pytest.approx(1 / (4 * X.var()), rel=1e-12)
    counts = np.bincount(y)
    assert_allclose(ours.class_weight_, 30 / (3 * counts), rtol=1e-14)
    assert_allclose(ours.class_weight_, theirs.class_weight_, rtol=1e-14)
    ones = fnn.SVC().fit(X.astype(np.float32), y)
    assert ones._gamma == pytest.approx(1 / (4 * X.astype(np.float32).var(dtype=np.float64)),
                                        rel=1e-6)


@pytest.mark.parametrize("class_weight", [None, {0: 0.5, 1: 2.0, 2: 1.5}])
@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_integer_weights_equal_repeated_rows_and_zero_equals_dropped(kernel, class_weight,
                                                                      rng):
    """Scaling a sample's C by k is the dual of k copies of it (their alphas
    add up), so with the solver run to a tight tolerance the two models
    agree to rounding; at the default tol=1e-3 SMO stops at an approximate
    optimum reached along a different path for each problem.  (gamma is
    fixed: 'scale' is the variance of the rows as given, which repeating
    rows changes, as in scikit-learn.)"""
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    w = rng.randint(0, 5, size=15)
    w[:3] = 1
    y[:3] = (0, 1, 2)
    perm = rng.permutation(15)
    params = dict(kernel=kernel, class_weight=class_weight, tol=1e-10, gamma=0.05)
    weighted = fnn.SVC(**params).fit(X[perm], y[perm], sample_weight=w[perm])
    repeated = fnn.SVC(**params).fit(X.repeat(w, axis=0), y.repeat(w))
    assert_allclose(weighted.class_weight_, repeated.class_weight_, rtol=1e-14)
    assert_allclose(weighted.decision_function(X), repeated.decision_function(X),
                    rtol=1e-7, atol=1e-9)
    assert_array_equal(weighted.predict(X), repeated.predict(X))


def test_sample_weight_equals_repeating_samples(rng):
    X = rng.randn(40, 3)
    y = (X[:, 0] + 0.3 * rng.randn(40) > 0).astype(int)
    w = rng.randint(1, 4, size=40)
    weighted = fnn.SVC(kernel="linear", tol=1e-6).fit(X, y, sample_weight=w)
    repeated = fnn.SVC(kernel="linear", tol=1e-6).fit(X.repeat(w, axis=0), y.repeat(w))
    X_test = rng.randn(30, 3)
    assert_allclose(weighted.decision_function(X_test),
                    repeated.decision_function(X_test), atol=1e-4)


@pytest.mark.parametrize("kernel,C", [("rbf", 1.0), ("linear", 0.01), ("poly", 1.0)])
def test_results_do_not_depend_on_cache_size_or_rows_per_pass(kernel, C, rng):
    # 1500 x 200 float64 is 2.4 MB: with a large cache the solver computes
    # several rows per pass; with 10 kB it holds two rows and computes one.
    # The path, hence every number, must be the same.
    X = rng.randn(1500, 200)
    y = (X[:, :5].sum(axis=1) + 0.5 * rng.randn(1500) > 0).astype(int)
    big = fnn.SVC(kernel=kernel, C=C, gamma=0.002, cache_size=200).fit(X, y)
    small = fnn.SVC(kernel=kernel, C=C, gamma=0.002, cache_size=0.01).fit(X, y)
    assert_array_equal(big.support_, small.support_)
    assert_array_equal(big.dual_coef_, small.dual_coef_)
    assert_array_equal(big.intercept_, small.intercept_)
    assert_array_equal(big.n_iter_, small.n_iter_)


def test_shrinking_changes_the_path_not_the_solution(digits):
    X_train, X_test, y_train, _ = digits
    on = fnn.SVC(C=10, shrinking=True).fit(X_train, y_train)
    off = fnn.SVC(C=10, shrinking=False).fit(X_train, y_train)
    assert np.mean(on.predict(X_test) == off.predict(X_test)) >= 0.995
    assert_allclose(on._dual_objective, off._dual_objective, rtol=1e-3)


def test_float32_trains_in_float32(digits):
    X_train, X_test, y_train, _ = digits
    ours = fnn.SVC().fit(X_train.astype(np.float32), y_train)
    theirs = svm.SVC().fit(X_train, y_train)
    assert ours.support_vectors_.dtype == np.float32
    assert ours.decision_function(X_test.astype(np.float32)).dtype == np.float32
    assert np.mean(ours.predict(X_test) == theirs.predict(X_test)) >= 0.99


def test_gamma_options_as_scikit_learn(digits):
    X_train, _, y_train, _ = digits
    X = X_train * 3.0 + 1.0
    for gamma in ["scale", "auto", 0.01]:
        ours = fnn.SVC(gamma=gamma).fit(X, y_train)
        theirs = svm.SVC(gamma=gamma).fit(X, y_train)
        assert ours._gamma == pytest.approx(theirs._gamma, rel=1e-12)
    constant = np.ones((10, 3))
    assert fnn.SVC().fit(constant, np.arange(10) % 2)._gamma == 1.0


def test_callable_kernel_equals_precomputed(cancer):
    X_train, X_test, y_train, _ = cancer

    def kernel(A, B):
        return (A @ B.T + 1.0) ** 2

    ours = fnn.SVC(kernel=kernel).fit(X_train, y_train)
    pre = fnn.SVC(kernel="precomputed").fit(kernel(X_train, X_train), y_train)
    assert_allclose(ours.decision_function(X_test),
                    pre.decision_function(kernel(X_test, X_train)), atol=1e-10)
    assert ours.n_features_in_ == X_train.shape[1]
    # As in scikit-learn, predictions call the kernel the parameters name
    # now; its Gram matrix is checked.
    ours.set_params(kernel=lambda A, B: kernel(A, B)[:3])
    with pytest.raises(ValueError, match="kernel.*shape"):
        ours.predict(X_test)
    ours.set_params(kernel="rbf")
    with pytest.raises(ValueError, match="fit it again"):
        ours.predict(X_test)


def test_max_iter_warns_and_sets_fit_status(digits):
    X_train, _, y_train, _ = digits
    with pytest.warns(fnn.ConvergenceWarning, match="max_iter=5"):
        ours = fnn.SVC(max_iter=5).fit(X_train, y_train)
    with pytest.warns(Warning):
        theirs = svm.SVC(max_iter=5).fit(X_train, y_train)
    assert ours.fit_status_ == theirs.fit_status_ == 1
    assert_array_equal(ours.n_iter_, theirs.n_iter_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fnn.SVC(max_iter=100000).fit(X_train, y_train).fit_status_ == 0


def test_string_labels_and_pandas(cancer):
    pd = pytest.importorskip("pandas")
    X_train, X_test, y_train, _ = cancer
    names = np.array(["benign", "malignant"])
    ours = fnn.SVC().fit(pd.DataFrame(X_train), pd.Series(names[y_train]))
    assert_array_equal(ours.classes_, names)
    assert_array_equal(ours.predict(X_test),
                       names[fnn.SVC().fit(X_train, y_train).predict(X_test)])


def test_estimator_protocol(cancer):
    X_train, X_test, y_train, _ = cancer
    assert fnn.SVC().get_params() == svm.SVC().get_params()
    assert list(fnn.SVC().get_params()) == list(svm.SVC().get_params())
    model = fnn.SVC(C=3.0, kernel="poly")
    assert repr(model) == "SVC(C=3.0, kernel='poly')"
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    model.fit(X_train, y_train)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.decision_function(X_test), model.decision_function(X_test))
    with pytest.raises(fnn.NotFittedError):
        fnn.SVC().predict(X_test)


BAD_PARAMS = [
    ({"C": 0}, ValueError, "C"),
    ({"C": -1.0}, ValueError, "C"),
    ({"C": "1"}, TypeError, "C"),
    ({"kernel": "laplace"}, ValueError, "kernel"),
    ({"degree": -1}, ValueError, "degree"),
    ({"degree": 2.5}, TypeError, "degree"),
    ({"gamma": "big"}, ValueError, "gamma"),
    ({"gamma": -0.1}, ValueError, "gamma"),
    ({"coef0": float("nan")}, ValueError, "coef0"),
    ({"tol": 0}, ValueError, "tol"),
    ({"cache_size": 0}, ValueError, "cache_size"),
    ({"max_iter": -2}, ValueError, "max_iter"),
    ({"max_iter": 1.5}, TypeError, "max_iter"),
    ({"shrinking": "yes"}, TypeError, "shrinking"),
    ({"decision_function_shape": "ovx"}, ValueError, "decision_function_shape"),
    ({"class_weight": "even"}, ValueError, "class_weight"),
    ({"class_weight": {5: 1.0}}, ValueError, "class_weight"),
    ({"class_weight": {0: -1.0}}, ValueError, "class_weight"),
]


@pytest.mark.parametrize("params,error,name", BAD_PARAMS)
def test_bad_parameters_name_the_parameter(params, error, name):
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1] * 3)
    with pytest.raises(error, match=name):
        fnn.SVC(**params).fit(X, y)


def test_bad_input_is_reported():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1] * 3)
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="row 2"):
        fnn.SVC().fit(bad, y)
    with pytest.raises(ValueError, match="same length"):
        fnn.SVC().fit(X, y[:5])
    with pytest.raises(ValueError, match="greater than one"):
        fnn.SVC().fit(X, np.zeros(6))
    with pytest.raises(ValueError, match="continuous"):
        fnn.SVC().fit(X, np.linspace(0, 1, 6))
    with pytest.raises(ValueError, match="multilabel"):
        fnn.SVC().fit(X, np.eye(6)[:, :3])
    with pytest.raises(ValueError, match="square"):
        fnn.SVC(kernel="precomputed").fit(X, y)
    with pytest.raises(ValueError, match="symmetric"):
        # SMO could cycle for ever on it.
        fnn.SVC(kernel="precomputed").fit(np.arange(36.0).reshape(6, 6), y)
    with pytest.raises(ValueError, match="degree"):
        fnn.SVC(degree=2**40).fit(X, y)
    with pytest.raises(ValueError, match="class_weight is 0"):
        fnn.SVC(class_weight={0: 0.0}).fit(X, y)
    with pytest.raises(ValueError, match="overflows"):
        fnn.SVC(C=1e300, class_weight={0: 1e300}).fit(X, y)
    with pytest.raises(ValueError, match="1-D"):
        fnn.SVC().fit(X, y).score(X, np.c_[y, y])
    with pytest.raises(ValueError, match="positive weights belong to the same class"):
        fnn.SVC().fit(X, y, sample_weight=[1, 0, 1, -1, 1, 0])
    with pytest.raises(ValueError, match="zero or negative weights"):
        fnn.SVC().fit(X, y, sample_weight=[0, -1, 0, 0, -0.5, 0])
    with pytest.raises(ValueError, match="positive sample_weight"):
        fnn.SVC().fit(np.arange(18.0).reshape(9, 2), np.arange(9) % 3,
                      sample_weight=[1, 1, 0, 1, 1, 0, 1, 1, 0])
    with pytest.raises(ValueError, match="sample_weight"):
        fnn.SVC().fit(X, y, sample_weight=[1, 1])
    with pytest.raises(TypeError, match="Sparse precomputed"):
        fnn.SVC(kernel="precomputed").fit(sparse.csr_matrix(X @ X.T), y)
    with pytest.raises(ValueError, match="not finite"):
        # Kernel values beyond float32's range overflow the row cache, as
        # in libsvm; scikit-learn refuses with the same words.
        fnn.SVC(kernel="linear").fit(X * 1e20, y)
    model = fnn.SVC().fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.ones((2, 3)))
    pre = fnn.SVC(kernel="precomputed").fit(X @ X.T, y)
    with pytest.raises(ValueError, match="number of samples at training time"):
        pre.predict(np.ones((2, 5)))


CTRL_C_CHILD = """
import json, sys, time, warnings
import numpy as np
import fnn

rng = np.random.RandomState(0)
X = rng.rand(4000, 300)
y = (X[:, 0] + 0.3 * rng.randn(4000) > 0.5).astype(int)
print("started", flush=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    # About 12 s uninterrupted: a 1 MB cache makes SMO recompute its rows.
    model = fnn.SVC(C=100, cache_size=1).fit(X, y)
print(json.dumps({"at": time.time(),
                  "warned": any("interrupted" in str(w.message) for w in caught),
                  "status": model.fit_status_,
                  "finite": bool(np.isfinite(model.dual_coef_).all()),
                  "accuracy": float(model.score(X, y)),
                  "refit": int(fnn.SVC().fit(X[:200], y[:200]).n_support_.sum())}))
"""


def test_ctrl_c_stops_training_promptly_and_keeps_the_model():
    returncode, report, err, sent = ctrl_c_child(CTRL_C_CHILD, after=1.0)
    assert returncode == 0, err
    assert report["at"] - sent < 1.0
    assert report["warned"] and report["status"] == 1 and report["finite"]
    assert report["accuracy"] > 0.55   # a usable, partly trained model
    assert report["refit"] > 0


def test_refuses_a_model_whose_training_scores_overflow():
    # Found by the property tests: float32 kernel values near 1e38 times a dual
    # coefficient of C = 1000 overflow although the solution itself is finite.
    X = np.array([[1e10, 0.0], [1e10, 0.0]], dtype=np.float32)
    with pytest.raises(ValueError, match="not finite"):
        fnn.SVC(kernel="poly", C=1000.0, gamma=0.1, degree=2, max_iter=100).fit(X, [0, 1])


# ----------------------------------------------------------------------
# Sparse input
# ----------------------------------------------------------------------
def _sparse_data(rng, n=120, n_features=40, density=0.15, n_classes=3):
    X = sparse.random(n, n_features, density=density, random_state=rng,
                      data_rvs=lambda k: rng.uniform(0.1, 2.0, k)).tocsr()
    centers = rng.randn(n_classes, n_features)
    y = np.argmax(X @ centers.T + 0.3 * rng.randn(n, n_classes), axis=1)
    return X, y


SPARSE_FORMATS = [sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix,
                  sparse.lil_matrix, sparse.csr_array, sparse.coo_array]


@pytest.mark.parametrize("kernel,params", KERNELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_fit_equals_dense_fit(kernel, params, dtype, rng):
    """The same problem trained on CSR rows and on dense rows: the kernel
    values differ only in the order of their sums, so the solver takes the
    same path and the models agree to float rounding."""
    X, y = _sparse_data(rng)
    X = X.astype(dtype)
    X_test = sparse.random(30, X.shape[1], density=0.2, random_state=rng,
                           format="csr").astype(dtype)
    dense = fnn.SVC(kernel=kernel, **params, decision_function_shape="ovo").fit(
        X.toarray(), y)
    ours = fnn.SVC(kernel=kernel, **params, decision_function_shape="ovo").fit(X, y)
    assert sparse.issparse(ours.support_vectors_) and sparse.issparse(ours.dual_coef_)
    assert ours.support_vectors_.dtype == dtype and ours._sparse and not dense._sparse
    if dtype == np.float64:
        assert_array_equal(ours.support_, dense.support_)
        assert_array_equal(ours.support_vectors_.toarray(), dense.support_vectors_)
        tol = 1e-10
    else:
        # float32 dense rows sum in float32 lanes, sparse ones in double:
        # kernel values differ in the 7th digit and SMO, stopping at tol,
        # may end a few steps apart.
        tol = 3e-3
    assert_allclose(ours.dual_coef_.toarray(), dense.dual_coef_, rtol=tol, atol=tol)
    assert_allclose(ours.intercept_, dense.intercept_, rtol=tol, atol=tol)
    expected = dense.decision_function(X_test.toarray())
    scale = np.abs(expected).max()
    for test in (X_test, X_test.toarray()):   # sparse and dense rows
        dec = ours.decision_function(test)
        assert dec.dtype == dtype
        assert_allclose(dec, expected, rtol=tol, atol=tol * scale)
        assert np.mean(ours.predict(test) == dense.predict(X_test.toarray())) >= 0.96
    if kernel == "linear":
        assert sparse.issparse(ours.coef_)
        assert_allclose(ours.coef_.toarray(), dense.coef_, rtol=tol, atol=tol)


def test_core_decision_refuses_what_it_cannot_read(rng):
    """fnncore._smo.decision_ovo takes X and the support vectors as they are
    (dense or CSR): the pairs it has no kernel for, CSR samples against
    dense support vectors or two dtypes, are refused before any read; the
    ones it has give the same values (to rounding) for dense and CSR."""
    X = sparse.random(7, 5, density=0.5, random_state=rng, format="csr")
    SV = sparse.random(4, 5, density=0.5, random_state=rng, format="csr")
    W, intercept = rng.standard_normal((4, 3)), rng.standard_normal(3)
    code = _smo.KERNELS["rbf"]

    def decision(X, SV, dtype=np.float64):
        out = np.empty((7, 3), dtype=dtype)
        _smo.decision_ovo(X, SV, W.astype(dtype), intercept.astype(dtype), code, 0,
                          0.5, 0.0, out)
        return out

    expected = decision(X.toarray(), SV.toarray())
    for x, sv in [(X, SV), (X.toarray(), SV)]:
        assert_allclose(decision(x, sv), expected, rtol=1e-12, atol=1e-12)
    with pytest.raises(TypeError, match="CSR support vectors"):
        decision(X, SV.toarray())
    with pytest.raises(TypeError, match="one dtype"):
        decision(X.toarray(), SV.toarray(), np.float32)
    # Samples of another width than the support vectors (read past X's rows,
    # or written past a scratch row, before), a CSC matrix, and W or out of
    # another shape.
    narrow = sparse.random(7, 3, density=0.5, random_state=rng, format="csr")
    for x, sv in [(narrow.toarray(), SV.toarray()), (narrow, SV),
                  (sparse.random(7, 9, density=0.5, random_state=rng, format="csr"), SV)]:
        with pytest.raises(ValueError, match="columns; the support vectors have"):
            decision(x, sv)
    with pytest.raises(ValueError, match="must be a CSR matrix, not CSC"):
        decision(X.tocsc(), SV)
    with pytest.raises(ValueError, match="W has shape"):
        _smo.decision_ovo(X, SV, W[:3].copy(), intercept, code, 0, 0.5, 0.0,
                          np.empty((7, 3)))
    with pytest.raises(ValueError, match="out has shape"):
        _smo.decision_ovo(X, SV, W, intercept, code, 0, 0.5, 0.0, np.empty((6, 3)))


@pytest.mark.parametrize("fmt", SPARSE_FORMATS, ids=lambda f: f.__name__)
def test_every_sparse_format_and_unsorted_duplicated_indices(fmt, rng):
    X, y = _sparse_data(rng)
    reference = fnn.SVC(kernel="rbf").fit(X, y)
    ours = fnn.SVC(kernel="rbf").fit(fmt(X), y)
    assert_array_equal(ours.dual_coef_.toarray(), reference.dual_coef_.toarray())
    assert_array_equal(ours.predict(fmt(X)), reference.predict(X))
    # Each row's entries reversed and split in two halves that add up: CSR
    # with unsorted, duplicated indices is the same matrix.
    rows, cols, vals = [], [], []
    for i in range(X.shape[0]):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        for c, v in zip(X.indices[lo:hi][::-1], X.data[lo:hi][::-1]):
            rows += [i, i]
            cols += [c, c]
            vals += [0.25 * v, 0.75 * v]
    messy = sparse.csr_matrix((np.array(vals), (np.array(rows), np.array(cols))),
                              shape=X.shape)
    messy.has_canonical_format = False
    before = messy.copy()
    model = fnn.SVC(kernel="rbf").fit(messy, y)
    assert_allclose(model.dual_coef_.toarray(), reference.dual_coef_.toarray(),
                    rtol=1e-12, atol=1e-14)
    # The caller's matrix is left as given.
    assert_array_equal(messy.data, before.data)
    assert_array_equal(messy.indices, before.indices)


def test_sparse_rules_as_scikit_learn(rng):
    X, y = _sparse_data(rng)
    dense = fnn.SVC().fit(X.toarray(), y)
    with pytest.raises(ValueError, match="cannot use sparse input in 'SVC' trained on "
                                         "dense data"):
        dense.predict(X)
    theirs = svm.SVC().fit(X, y)
    ours = fnn.SVC().fit(X, y)
    assert ours._gamma == pytest.approx(theirs._gamma, rel=1e-12)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert_allclose(ours.dual_coef_.toarray(), theirs.dual_coef_.toarray(), atol=1e-3)
    # A callable kernel gets the sparse matrix itself.
    seen = []

    def linear(A, B):
        seen.append(sparse.issparse(A))
        return (A @ B.T).toarray()

    callable_model = fnn.SVC(kernel=linear).fit(X, y)
    assert seen and all(seen)
    assert_array_equal(callable_model.predict(X), fnn.SVC(kernel="linear").fit(X, y)
                       .predict(X))


def test_sparse_training_keeps_at_most_one_converted_copy(rng):
    """Training on canonical CSR float64 with int32 indices copies nothing;
    COO input is converted once."""
    import tracemalloc

    X, y = _sparse_data(rng, n=400, n_features=2000, density=0.05)
    nnz_bytes = X.data.nbytes + X.indices.nbytes

    def peak(data):
        tracemalloc.start()
        try:
            fnn.SVC(kernel="linear", cache_size=1).fit(data, y)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # Never the dense matrix (400 x 2000 float64 = 6.4 MB).
    assert peak(X) < 0.5 * X.shape[0] * X.shape[1] * 8
    assert peak(X.tocoo()) < peak(X) + 2.5 * nnz_bytes


# ----------------------------------------------------------------------
# Parameters scikit-learn 1.9 has
# ----------------------------------------------------------------------
def test_parameter_errors_use_scikit_learns_wording():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1] * 3)
    with pytest.raises(ValueError, match=r"The 'C' parameter of SVC must be a float in "
                                         r"the range \(0.0, inf.\. Got 0 instead."):
        fnn.SVC(C=0).fit(X, y)
    with pytest.raises(TypeError, match="'random_state' parameter of SVC"):
        fnn.SVC(random_state="seed").fit(X, y)
    with pytest.raises(ValueError, match="'probability' parameter"):
        fnn.SVC(probability="yes").fit(X, y)


@pytest.mark.parametrize("make", ["classification", "moons"])
def test_infinite_C_is_a_hard_margin(make, rng):
    from sklearn.datasets import make_classification, make_moons

    if make == "classification":
        X, y = make_classification(random_state=0)
    else:
        X, y = make_moons(200, noise=0.05, random_state=0)
    hard = fnn.SVC(C=np.inf).fit(X, y)
    large = fnn.SVC(C=1e10).fit(X, y)
    assert_array_equal(hard.predict(X), large.predict(X))
    assert np.isinf(hard.C) and hard.score(X, y) == 1.0


def test_probability_equals_scikit_learns(cancer):
    """libsvm's folds (its Mersenne Twister stream, seeded as scikit-learn
    seeds it), fold models, sigmoid fit and coupling: the same numbers."""
    X_train, X_test, y_train, _ = cancer
    with pytest.warns(FutureWarning, match="probability.+parameter.+deprecated"):
        ours = fnn.SVC(probability=True, random_state=3).fit(X_train, y_train)
    with pytest.warns(FutureWarning):
        theirs = svm.SVC(probability=True, random_state=3).fit(X_train, y_train)
    assert_allclose(ours._probA, theirs._probA, rtol=1e-9)
    assert_allclose(ours._probB, theirs._probB, rtol=1e-9, atol=1e-12)
    assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test),
                    rtol=1e-8, atol=1e-12)
    assert_allclose(ours.predict_log_proba(X_test), theirs.predict_log_proba(X_test),
                    rtol=1e-8, atol=1e-10)
    with pytest.warns(FutureWarning, match="Attribute `probA_` was deprecated"):
        assert_array_equal(ours.probA_, ours._probA)
    with pytest.warns(FutureWarning, match="Attribute `probB_` was deprecated"):
        assert_array_equal(ours.probB_, ours._probB)


def test_multiclass_probability_close_to_scikit_learns(digits):
    X_train, X_test, y_train, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ours = fnn.SVC(probability=True, random_state=0).fit(X_train, y_train)
        theirs = svm.SVC(probability=True, random_state=0).fit(X_train, y_train)
    P_ours, P_theirs = ours.predict_proba(X_test), theirs.predict_proba(X_test)
    assert_allclose(P_ours.sum(axis=1), 1.0, rtol=1e-12)
    # The fold models reach their tolerance along their own paths.
    assert np.abs(P_ours - P_theirs).max() < 0.02
    assert np.mean(P_ours.argmax(1) == P_theirs.argmax(1)) >= 0.99
    # Sparse training draws the same folds.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sparse_model = clone(ours).fit(sparse.csr_matrix(X_train), y_train)
    assert_allclose(sparse_model.predict_proba(sparse.csr_matrix(X_test)), P_ours,
                    atol=1e-6)


def test_probability_availability_as_scikit_learn(cancer):
    X_train, X_test, y_train, _ = cancer
    assert not hasattr(fnn.SVC(), "predict_proba")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert hasattr(fnn.SVC(probability=True), "predict_proba")
        model = fnn.SVC(probability=False).fit(X_train, y_train)
    assert not hasattr(model, "predict_proba")
    model.probability = True
    assert hasattr(model, "predict_log_proba")
    with pytest.raises(fnn.NotFittedError, match="fitted with probability=False"):
        model.predict_proba(X_test)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the default value does not warn
        fnn.SVC().fit(X_train, y_train)
    with pytest.warns(FutureWarning, match="deprecated in 1.9"):
        fnn.SVC(probability=False).fit(X_train, y_train)


def test_random_state_is_drawn_from_as_scikit_learn(cancer):
    X_train, _, y_train, _ = cancer
    ours, theirs = np.random.RandomState(5), np.random.RandomState(5)
    fnn.SVC(random_state=ours).fit(X_train, y_train)
    svm.SVC(random_state=theirs).fit(X_train, y_train)
    assert ours.randint(10**9) == theirs.randint(10**9)


def test_verbose_prints_libsvms_summary(cancer, capsys):
    X_train, _, y_train, _ = cancer
    model = fnn.SVC(verbose=True).fit(X_train, y_train)
    out = capsys.readouterr().out
    assert out.startswith("[LibSVM]")
    assert f"#iter = {model.n_iter_[0]}" in out
    assert f"Total nSV = {model.n_support_.sum()}" in out
    assert "obj = " in out and "nBSV = " in out


def test_feature_names_as_scikit_learn(cancer):
    pd = pytest.importorskip("pandas")
    X_train, X_test, y_train, _ = cancer
    columns = [f"f{i}" for i in range(X_train.shape[1])]
    model = fnn.SVC().fit(pd.DataFrame(X_train, columns=columns), y_train)
    assert_array_equal(model.feature_names_in_, columns)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but SVC "
                                         "was fitted with feature names"):
        model.predict(X_test)
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(pd.DataFrame(X_test, columns=columns[::-1]))
    unnamed = fnn.SVC().fit(X_train, y_train)
    assert not hasattr(unnamed, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but SVC was fitted "
                                         "without feature names"):
        unnamed.predict(pd.DataFrame(X_test, columns=columns))
    # Refitting without names drops the old ones.
    model.fit(X_train, y_train)
    assert not hasattr(model, "feature_names_in_")


# ----------------------------------------------------------------------
# Reliability: threads, attributes, values at the float limits
# ----------------------------------------------------------------------
def _thread_configs(rng):
    """Training sets of different classes, features and formats, and what
    each model predicts on shared test rows of 6 features (None for the one
    of 9 features, which must refuse them)."""
    configs = []
    for n_features, n_classes, fmt in [(6, 2, np.asarray), (6, 5, sparse.csr_matrix),
                                       (9, 3, np.asarray)]:
        X = rng.randn(150, n_features)
        y = rng.randint(0, n_classes, 150)
        configs.append((fmt(X), y))
    X_test = rng.randn(40, 6)
    expected = [fnn.SVC(kernel="linear").fit(X, y).predict(X_test)
                if X.shape[1] == 6 else None for X, y in configs]
    return configs, X_test, expected


def thread_scenario(seed):
    """Run in a child (see test_threads_never_crash_and_answer_whole): the
    report of predictions while another thread refits, and of fits from
    three threads at once."""
    rng = np.random.RandomState(seed)
    configs, X_test, expected = _thread_configs(rng)
    model = fnn.SVC(kernel="linear").fit(*configs[0])
    failures, counts = predict_while_refitting(model, configs, X_test, expected, 40)
    report = {"failures": failures[:3], **counts}
    model = fnn.SVC(kernel="linear")
    report["fit_errors"] = fit_concurrently(model, configs, 8)
    # Whichever fit came last, the model is wholly that fit's.
    n_features = model.n_features_in_
    report["whole"] = model.support_vectors_.shape[1] == n_features and (
        n_features != 6 or any(e is not None and np.array_equal(model.predict(X_test), e)
                               for e in expected))
    return report


@pytest.mark.parametrize("seed", range(3))
def test_threads_never_crash_and_answer_whole(seed):
    """A web service's pattern: predictions never crash, and each one is
    the answer of one of the models fitted (or, while the model has other
    features, a clear error); concurrent fits run one after the other."""
    report = run_isolated(__file__, "thread_scenario", seed)
    assert report["failures"] == []
    assert report["predictions"] > 0
    assert report["fit_errors"] == [] and report["whole"]


def test_inconsistent_attributes_are_clear_errors(cancer):
    X_train, X_test, y_train, _ = cancer
    cases = [
        ("n_features_in_", 3, "support_vectors_"),
        ("support_vectors_", X_train[:2], "support_vectors_"),
        ("n_support_", np.array([1, 1], dtype=np.int32), "altered"),
        ("_dual_coef_", np.ones((1, 3)), "_dual_coef_"),
        ("_intercept_", np.ones(4), "_intercept_"),
        ("classes_", np.array([0]), "altered"),
        ("support_", np.array([10**9] * 3, dtype=np.int32), "altered"),
        ("_fit_dtype", np.dtype(np.int8), "float32 or float64"),
    ]
    for name, value, message in cases:
        model = fnn.SVC().fit(X_train, y_train)
        setattr(model, name, value)
        with pytest.raises(ValueError, match=message):
            model.predict(X_test)
    # Layout arrays changed in place: scikit-learn's error.
    model = fnn.SVC(kernel="linear").fit(X_train, y_train)
    model._n_support[0] = 10**6
    with pytest.raises(ValueError, match="The internal representation of SVC was altered"):
        model.predict(X_test)
    # A consistent replacement is what predictions then use (as scikit-learn).
    model = fnn.SVC(kernel="linear").fit(X_train, y_train)
    before = model.decision_function(X_test)
    model._dual_coef_ = 2 * model._dual_coef_
    model._intercept_ = 2 * model._intercept_
    assert_allclose(model.decision_function(X_test), 2 * before, rtol=1e-10)


def test_model_file_round_trip(tmp_path, cancer):
    X_train, X_test, y_train, _ = cancer
    model = fnn.SVC().fit(X_train, y_train)
    path = tmp_path / "svc.fnn"
    model.save(path)
    loaded = fnn.load(path)
    assert_array_equal(loaded.decision_function(X_test), model.decision_function(X_test))


@pytest.mark.parametrize("kernel,params", [("linear", {}), ("poly", {"degree": 3}),
                                           ("poly", {"degree": 2, "coef0": 1.0})])
@pytest.mark.parametrize("fmt", [np.asarray, sparse.csr_matrix])
def test_decision_values_near_float_limits_raise_not_nan(kernel, params, fmt, rng):
    X = rng.randn(40, 3)
    y = (X[:, 0] > 0).astype(int)
    model = fnn.SVC(kernel=kernel, **params).fit(fmt(X), y)
    for big in (1e100, 1e154, 1e200, 1e300, np.finfo(np.float64).max / 2):
        X_big = fmt(np.array([[big, -big, big], [big, big, 0.0], [big, 0.0, -big]]))
        try:
            dec = model.decision_function(X_big)
        except ValueError as exc:
            assert "not finite" in str(exc)
            with pytest.raises(ValueError, match="not finite"):
                model.predict(X_big)
        else:   # no overflow: then every value is a number
            assert np.isfinite(dec).all()
            model.predict(X_big)
    with pytest.raises(ValueError, match="not finite"):
        model.predict(fmt(np.full((1, 3), np.finfo(np.float64).max / 2)))
    # float32 models overflow float32, not float64.
    model32 = fnn.SVC(kernel=kernel, **params).fit(fmt(X.astype(np.float32)), y)
    with pytest.raises(ValueError, match="not finite"):
        model32.predict(fmt(np.full((1, 3), 3e38, dtype=np.float32)))


def test_metadata_routing_passes_sample_weight(cancer):
    sklearn = pytest.importorskip("sklearn")
    from sklearn.model_selection import KFold, cross_validate

    X_train, _, y_train, _ = cancer
    weights = np.where(y_train == 0, 10.0, 0.1)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(fnn.SVC().set_fit_request(sample_weight=True)
                                .set_score_request(sample_weight=False), X_train,
                                y_train, cv=KFold(2), params={"sample_weight": weights},
                                return_estimator=True)
    # Fold 0 trains on the second half, with its weights.
    train = np.arange(len(y_train) // 2 + len(y_train) % 2, len(y_train))
    direct = fnn.SVC().fit(X_train[train], y_train[train], sample_weight=weights[train])
    assert_array_equal(routed["estimator"][0].dual_coef_, direct.dual_coef_)
    plain = fnn.SVC().fit(X_train[train], y_train[train])
    assert not np.allclose(plain.decision_function(X_train),
                           direct.decision_function(X_train))


def test_inconsistent_sparse_arrays_are_refused_not_read(rng):
    """A CSR matrix whose arrays were reassigned after it was made: row
    pointers past the values, or fewer indices than values."""
    X, y = _sparse_data(rng)
    model = fnn.SVC().fit(X, y)
    for bad in broken_copies(X):
        with pytest.raises(ValueError, match="not a valid CSR matrix"):
            fnn.SVC().fit(bad, y)
        with pytest.raises(ValueError, match="not a valid CSR matrix"):
            model.predict(bad)
