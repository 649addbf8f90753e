"""MLPClassifier and MLPRegressor on sparse X give the weights and
predictions they give on X.toarray(), and never make X dense.

Fitting on a CSR matrix runs the compiled entry points on the matrix itself
(its first layer from fnncore/_sparse.pxd); where that computes the dense
kernels' operations in the same order the weights must be equal, elsewhere (gathered sums instead of BLAS, plain SGD's
scaled first layer) equal up to rounding: TOL below.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import fnn

TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}

SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0.0, learning_rate_init=0.05),
    "momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False,
                     learning_rate_init=0.02),
    "nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True,
                     learning_rate_init=0.02),
    "adam": dict(solver="adam", learning_rate_init=0.01),
    "lbfgs": dict(solver="lbfgs"),
}


def text_like(n=120, n_features=60, seed=0, dtype=np.float64):
    """A CSR matrix with ~8 nonzeros a row (some rows empty), a 3-class
    label and a 2-output regression target that depend on it."""
    rng = np.random.RandomState(seed)
    X = sp.random(n, n_features, density=0.13, random_state=rng, format="csr",
                  dtype=np.float64)
    X.data = rng.uniform(0.1, 2.0, X.nnz)
    X = X.astype(dtype)
    score = X @ rng.randn(n_features, 3)
    y = np.asarray(score.argmax(axis=1)).ravel()
    y_reg = np.asarray(score[:, :2]) + 0.1 * rng.randn(n, 2)
    # Unit-scale targets: with targets ~10 and plain SGD's step, training is
    # chaotic enough that rounding differences grow ~1e4-fold an epoch.
    return X, y, y_reg / y_reg.std()


def fitted(Estimator, X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
        return Estimator(**params).fit(X, y)


def assert_same_model(a, b, dtype):
    for Wa, Wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert Wa.dtype == Wb.dtype == dtype
        assert_allclose(Wa, Wb, **TOL[dtype])
    assert a.n_iter_ == b.n_iter_
    assert_allclose(a.loss_curve_, b.loss_curve_, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("batch_size", [1, "auto"])
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_sparse_fit_equals_dense_fit(kind, solver, batch_size, n_jobs, early_stopping,
                                     dtype):
    X, y, y_reg = text_like(dtype=dtype)
    Estimator, target = ((fnn.MLPClassifier, y) if kind == "classifier"
                         else (fnn.MLPRegressor, y_reg))
    params = dict(SOLVERS[solver], hidden_layer_sizes=(9, 5), activation="tanh",
                  batch_size=batch_size, n_jobs=n_jobs, early_stopping=early_stopping,
                  max_iter=6, random_state=3, alpha=1e-3, n_iter_no_change=100)
    sparse = fitted(Estimator, X, target, **params)
    dense = fitted(Estimator, X.toarray(), target, **params)
    assert_same_model(sparse, dense, dtype)
    if batch_size == 1 and solver in ("momentum", "nesterov", "adam"):
        # These kernels expand one row at a time and run the dense steps.
        for Wa, Wb in zip(sparse.coefs_, dense.coefs_):
            assert_array_equal(Wa, Wb)
    if early_stopping and solver != "lbfgs":
        assert_allclose(sparse.validation_scores_, dense.validation_scores_,
                        **TOL[dtype])
    if kind == "regressor":
        assert_allclose(sparse.predict(X), dense.predict(X.toarray()), **TOL[dtype])
    else:
        assert_array_equal(sparse.predict(X), dense.predict(X.toarray()))
        assert_allclose(sparse.predict_proba(X), dense.predict_proba(X.toarray()),
                        **TOL[dtype])


@pytest.mark.parametrize("fmt", ["csc", "coo", "lil", "dok", "bsr"])
def test_other_sparse_formats(fmt):
    X, y, _ = text_like()
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    from_csr = fitted(fnn.MLPClassifier, X, y, **params)
    other = X.asformat(fmt)
    from_other = fitted(fnn.MLPClassifier, other, y, **params)
    assert_same_model(from_other, from_csr, np.float64)
    assert_array_equal(from_other.predict(other), from_csr.predict(X))
    # scipy.sparse arrays as well as matrices
    from_array = fitted(fnn.MLPClassifier, sp.csr_array(X), y, **params)
    assert_same_model(from_array, from_csr, np.float64)


def test_sparse_with_duplicates_and_int64_indices():
    """Duplicate entries add up (as toarray() does); int64 indices work."""
    X, y, _ = text_like()
    coo = X.tocoo()
    # every stored value split into two halves stored at the same position
    dup = sp.coo_matrix((np.r_[coo.data / 2, coo.data / 2],
                         (np.r_[coo.row, coo.row], np.r_[coo.col, coo.col])),
                        shape=X.shape)
    wide = X.copy()
    wide.indices, wide.indptr = wide.indices.astype(np.int64), wide.indptr.astype(np.int64)
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    reference = fitted(fnn.MLPClassifier, X.toarray(), y, **params)
    for X_variant in (dup, wide):
        assert_same_model(fitted(fnn.MLPClassifier, X_variant, y, **params), reference,
                          np.float64)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [1, 16])
def test_partial_fit_sparse(solver, batch_size):
    X, y, y_reg = text_like()
    for Estimator, target, extra in ((fnn.MLPClassifier, y, dict(classes=[0, 1, 2])),
                                     (fnn.MLPRegressor, y_reg, {})):
        params = dict(SOLVERS[solver], hidden_layer_sizes=(7,), batch_size=batch_size,
                      random_state=1, shuffle=False)
        a, b = Estimator(**params), Estimator(**params)
        for chunk in (slice(0, 50), slice(50, 120), slice(0, 120)):
            a.partial_fit(X[chunk], target[chunk], **extra)
            b.partial_fit(X[chunk].toarray(), target[chunk], **extra)
        assert_same_model(a, b, np.float64)
        assert_allclose(a.predict_proba(X) if extra else a.predict(X),
                        b.predict_proba(X.toarray()) if extra else b.predict(X.toarray()),
                        **TOL[np.float64])


def test_predict_crosses_dense_and_sparse():
    """A model fitted on dense X predicts sparse X as its dense copy, and
    the other way round; score and predict_log_proba too."""
    X, y, y_reg = text_like()
    D = X.toarray()
    for fit_X in (X, D):
        clf = fitted(fnn.MLPClassifier, fit_X, y, hidden_layer_sizes=(8,), max_iter=20,
                     random_state=0)
        assert_allclose(clf.predict_proba(X), clf.predict_proba(D), rtol=1e-12,
                        atol=1e-14)
        assert_array_equal(clf.predict(X), clf.predict(D))
        assert_allclose(clf.predict_log_proba(X.tocsc()), clf.predict_log_proba(D),
                        rtol=1e-12, atol=1e-12)
        assert clf.score(X, y) == clf.score(D, y)
        reg = fitted(fnn.MLPRegressor, fit_X, y_reg, hidden_layer_sizes=(8,),
                     max_iter=20, random_state=0)
        assert_allclose(reg.predict(X), reg.predict(D), rtol=1e-12, atol=1e-14)
        assert reg.score(X, y_reg) == pytest.approx(reg.score(D, y_reg), rel=1e-12)


def test_warm_start_weights_and_class_weight_on_sparse():
    X, y, _ = text_like()
    weights = np.random.RandomState(5).uniform(0, 2, X.shape[0])
    weights[::7] = 0
    params = dict(solver="sgd", hidden_layer_sizes=(8,), max_iter=4, random_state=0,
                  warm_start=True, class_weight={0: 2.0, 2: 0.5}, batch_size=1,
                  learning_rate_init=0.05)
    a, b = fnn.MLPClassifier(**params), fnn.MLPClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):  # the second fit continues from the first
            a.fit(X, y, sample_weight=weights)
            b.fit(X.toarray(), y, sample_weight=weights)
    assert_same_model(a, b, np.float64)
    assert len(a.loss_curve_) == 8


def test_sparse_input_is_never_densified(monkeypatch):
    """No dense copy of X is made: toarray/todense are not called."""
    X, y, _ = text_like()

    def refuse(*args, **kwargs):
        raise AssertionError("X was made dense")

    for name in ("toarray", "todense", "__array__"):
        monkeypatch.setattr(sp.csr_matrix, name, refuse, raising=False)
    for solver in ("sgd", "adam", "lbfgs"):
        for batch_size in (1, "auto"):
            clf = fitted(fnn.MLPClassifier, X, y, solver=solver, batch_size=batch_size,
                         early_stopping=solver != "lbfgs", hidden_layer_sizes=(5,),
                         max_iter=3, random_state=0)
            clf.predict_proba(X)


def test_invalid_sparse_input_is_refused():
    X, y, _ = text_like()
    bad = X.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        fnn.MLPClassifier(max_iter=2).fit(bad, y)
    broken = sp.csr_matrix((np.ones(5), np.zeros(5, np.int32),
                            np.array([0, 100, 5], np.int32)), shape=(2, 3))
    with pytest.raises(ValueError, match="not a valid CSR"):
        fnn.MLPClassifier(max_iter=2).fit(broken, [0, 1])
    clf = fitted(fnn.MLPClassifier, X, y, hidden_layer_sizes=(4,), max_iter=2)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :10])
    with pytest.raises(ValueError, match="not a valid CSR"):
        clf.predict(sp.csr_matrix((np.ones(5), np.zeros(5, np.int32),
                                   np.array([0, 100, 5], np.int32)),
                                  shape=(2, X.shape[1])))


def test_sparse_tag():
    pytest.importorskip("sklearn")
    assert fnn.MLPClassifier().__sklearn_tags__().input_tags.sparse
    assert fnn.MLPRegressor().__sklearn_tags__().input_tags.sparse


def test_distributed_fit_on_sparse_partitions():
    """fnn.distributed.fit on sparse data (a SciPy matrix, and a dask array
    of sparse blocks) gives the model it gives on the same data dense."""
    da = pytest.importorskip("dask.array", reason="install the dask extra")
    distributed = pytest.importorskip("distributed", reason="install the dask extra")
    import fnn.distributed as fd

    X, y, _ = text_like(n=200)
    params = dict(solver="sgd", hidden_layer_sizes=(6,), max_iter=3, random_state=0,
                  batch_size=10, learning_rate_init=0.05)
    cluster = fd.local_cluster(2)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dense = fd.fit(fnn.MLPClassifier(**params), X.toarray(), y, client=client)
            sparse = fd.fit(fnn.MLPClassifier(**params), X, y, client=client)
            # One partition per replica (which partitions share a replica
            # otherwise depends on where Dask put them).
            blocks = da.from_array(X, chunks=(100, X.shape[1]), asarray=False)
            dense_blocks = da.from_array(X.toarray(), chunks=(100, X.shape[1]))
            from_blocks = fd.fit(fnn.MLPClassifier(**params), blocks,
                                 da.from_array(y, chunks=100), client=client)
            from_dense_blocks = fd.fit(fnn.MLPClassifier(**params), dense_blocks,
                                       da.from_array(y, chunks=100), client=client)
    finally:
        client.close()
        cluster.close()
    assert_same_model(sparse, dense, np.float64)
    assert_same_model(from_blocks, from_dense_blocks, np.float64)
