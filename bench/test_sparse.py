"""Sparse input: the compiled kernels on CSR rows against the same kernels on
the rows made dense, and scikit-learn's MLP on the same CSR matrix.

Data: 10,000 text-like documents (term counts drawn from a Zipf law over a
30,000-term vocabulary, about 106 stored values a row, log-tf times idf,
rows L2-normalised), float32; network 30000-100-10, ReLU, softmax, one
thread (BLAS pinned to one).  Two workloads, each with its own rows:
- minibatch_adam: one epoch of batches of 200 with Adam (alpha 1e-4),
  fnncore._epoch.train_epoch on the CSR matrix against the same
  kernel on X.toarray(); sklearn_minibatch_adam is scikit-learn's MLPClassifier fit
  for one epoch with the same settings (its whole fit), against
  fnn_estimator_minibatch_adam, fnn's estimator with those settings; both
  record their training accuracy after the epoch.
- per_example_sgd: plain SGD one example at a time (alpha 1e-4),
  fnncore._epoch.train_epoch on the CSR matrix against it on X.toarray() (on the first
  1,000 examples only: a dense step moves all 3 million weights).
Compare each fnn_csr row with the rows of its own workload.

Memory (fit_memory_*): fnn.MLPClassifier fits (Adam, batches of 200, one
epoch, float64) on text_like.py's CSR matrix, whole and its first half;
the Python/NumPy allocations traced during each fit (tracemalloc) grow by
`copies_of_nonzeros` bytes per byte of the matrix's stored arrays (data,
indices, indptr) between the two.  The network and its optimiser state do
not depend on the rows, so the difference is what the fit keeps of the
data: about 0 when the matrix is used in place, at most 1 when it had to
be converted (CSC to CSR, 64-bit indices to the kernels' 32-bit ones).
"""
import numpy as np
import pytest

from conftest import record_throughput

N, N_TERMS, DRAWS, HIDDEN, CLASSES = 10_000, 30_000, 115, 100, 10
N_DENSE_PER_EXAMPLE = 1_000
RELU, SOFTMAX, LOG_LOSS = 3, 4, 1


@pytest.fixture(scope="module")
def text_like():
    """(X as CSR float32, y, layout, initial parameters)."""
    import scipy.sparse as sp

    rng = np.random.RandomState(0)
    zipf = 1.0 / (np.arange(N_TERMS) + 10.0)
    cols = rng.choice(N_TERMS, size=N * DRAWS, p=zipf / zipf.sum())
    X = sp.csr_matrix((np.ones(N * DRAWS), (np.repeat(np.arange(N), DRAWS), cols)),
                      shape=(N, N_TERMS))
    X.sum_duplicates()
    df = np.bincount(X.indices, minlength=N_TERMS)
    X.data = np.log1p(X.data) * np.log((1 + N) / (1 + df[X.indices]))
    X = sp.csr_matrix(sp.diags(1 / np.sqrt(X.multiply(X).sum(axis=1).A.ravel())) @ X,
                      dtype=np.float32)
    y = np.asarray((X @ rng.randn(N_TERMS, CLASSES)).argmax(axis=1)).ravel()
    n_w1 = N_TERMS * HIDDEN
    n_w2 = HIDDEN * CLASSES
    layout = np.array([[N_TERMS, HIDDEN, 0, n_w1],
                       [HIDDEN, CLASSES, n_w1 + HIDDEN, n_w1 + HIDDEN + n_w2]],
                      dtype=np.intp)
    bound = np.sqrt(6 / (N_TERMS + HIDDEN)), np.sqrt(6 / (HIDDEN + CLASSES))
    params = np.concatenate([rng.uniform(-bound[0], bound[0], n_w1 + HIDDEN),
                             rng.uniform(-bound[1], bound[1], (HIDDEN + 1) * CLASSES)])
    return X, y, layout, params.astype(np.float32)


@pytest.fixture(scope="module")
def dense_rows(text_like):
    return text_like[0].toarray()


def _minibatch_epoch(X, y, layout, params0):
    from threadpoolctl import threadpool_limits

    from fnncore._epoch import train_epoch

    Y = np.eye(CLASSES, dtype=np.float32)[y]
    order = np.random.RandomState(1).permutation(len(y)).astype(np.intp)
    adam = dict(kind=3, learning_rate=0.001, momentum=0.0, beta_1=0.9, beta_2=0.999,
                epsilon=1e-8)
    none = np.empty(0, np.float32)

    def epoch():
        params = params0.copy()
        state = np.zeros_like(params), np.zeros_like(params)
        with threadpool_limits(1):
            return train_epoch(X, Y, none, order, layout, params, *state, RELU, SOFTMAX,
                               LOG_LOSS, 1e-4, adam, 0, batch_size=200)
    return epoch


def _per_example_epoch(X, y, layout, params0, n):
    from fnncore._epoch import train_epoch

    Y = np.eye(CLASSES, dtype=np.float32)[y]
    order = np.random.RandomState(1).permutation(len(y))[:n].astype(np.intp)
    sgd = dict(kind=0, learning_rate=0.01, momentum=0.0, beta_1=0.9, beta_2=0.999,
               epsilon=1e-8)
    none = np.empty(0, np.float32)

    def epoch():
        params = params0.copy()
        return train_epoch(X, Y, none, order, layout, params, none, none, RELU, SOFTMAX,
                           LOG_LOSS, 1e-4, sgd, 0)
    return epoch


def test_fnn_csr_minibatch_adam(benchmark, text_like):
    X, y, layout, params = text_like
    result = benchmark.pedantic(_minibatch_epoch(X, y, layout, params), rounds=5,
                                warmup_rounds=1)
    record_throughput(benchmark, N)
    benchmark.extra_info["mean_loss"] = result[0] / N


def test_dense_kernels_minibatch_adam(benchmark, text_like, dense_rows):
    _, y, layout, params = text_like
    result = benchmark.pedantic(_minibatch_epoch(dense_rows, y, layout, params),
                                rounds=3, warmup_rounds=1)
    record_throughput(benchmark, N)
    benchmark.extra_info["mean_loss"] = result[0] / N


def test_sklearn_minibatch_adam(benchmark, text_like):
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    X, y, _, _ = text_like
    model = MLPClassifier((HIDDEN,), batch_size=200, alpha=1e-4, max_iter=1,
                          random_state=0)
    with threadpool_limits(1):
        benchmark.pedantic(model.fit, args=(X, y), rounds=3, warmup_rounds=1)
        benchmark.extra_info["accuracy"] = model.score(X, y)
    record_throughput(benchmark, N)
    benchmark.extra_info["mean_loss"] = model.loss_


def test_fnn_csr_per_example_sgd(benchmark, text_like):
    X, y, layout, params = text_like
    result = benchmark.pedantic(_per_example_epoch(X, y, layout, params, N),
                                rounds=5, warmup_rounds=1)
    record_throughput(benchmark, N)
    benchmark.extra_info["mean_loss"] = result[0] / N


def test_dense_kernels_per_example_sgd(benchmark, text_like, dense_rows):
    _, y, layout, params = text_like
    epoch = _per_example_epoch(dense_rows, y, layout, params, N_DENSE_PER_EXAMPLE)
    result = benchmark.pedantic(epoch, rounds=3, warmup_rounds=1)
    record_throughput(benchmark, N_DENSE_PER_EXAMPLE)
    benchmark.extra_info["mean_loss"] = result[0] / N_DENSE_PER_EXAMPLE


def test_fnn_estimator_minibatch_adam(benchmark, text_like):
    """fnn.MLPClassifier.fit on the CSR matrix with sklearn_minibatch_adam's
    settings (one epoch, one thread): the estimator around the CSR kernels,
    against scikit-learn's whole fit."""
    import warnings

    import fnn

    X, y, _, _ = text_like
    model = fnn.MLPClassifier((HIDDEN,), batch_size=200, alpha=1e-4, max_iter=1,
                              random_state=0, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: ConvergenceWarning
        benchmark.pedantic(model.fit, args=(X, y), rounds=5, warmup_rounds=1)
    record_throughput(benchmark, N)
    benchmark.extra_info["mean_loss"] = model.loss_
    benchmark.extra_info["accuracy"] = model.score(X, y)


def _stored_bytes(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


@pytest.mark.parametrize("layout", ["csr", "csr_int64_indices", "csc"])
def test_fit_memory(benchmark, layout):
    import fnn
    from conftest import peak_traced_bytes
    from text_like import text_like as make_text_like

    X, y = make_text_like()
    if layout == "csr_int64_indices":
        X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    half = X.shape[0] // 2
    parts = [(X[:half], y[:half]), (X, y)]
    if layout == "csc":
        parts = [(part.tocsc(), labels) for part, labels in parts]

    def fits():
        peaks = []
        for part, labels in parts:
            model = fnn.MLPClassifier((HIDDEN,), batch_size=200, max_iter=1,
                                      random_state=0, n_jobs=1)
            peaks.append(peak_traced_bytes(model.fit, part, labels)[1])
        return peaks

    peaks = benchmark.pedantic(fits, rounds=1, warmup_rounds=0)
    grown = _stored_bytes(parts[1][0]) - _stored_bytes(parts[0][0])
    benchmark.extra_info["stored_bytes"] = _stored_bytes(parts[1][0])
    benchmark.extra_info["peak_bytes"] = peaks[1]
    benchmark.extra_info["copies_of_nonzeros"] = (peaks[1] - peaks[0]) / grown
