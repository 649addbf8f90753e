"""The compiled kernels on CSR input give the dense kernels' results on
X.toarray(), and never make X dense.

Each entry point of fnncore that trains or predicts (train_epoch, per
example and in mini-batches, full_batch_loss_gradient, forward) takes X dense or CSR; it
is run on a CSR matrix and on its toarray() with the same network, data and
optimiser state.  Where the two compute the same operations in the same order
(per-example momentum, Nesterov and Adam, which expand one row at a time and
run the dense kernels) the results must be equal; elsewhere (gathered sums instead of BLAS, plain SGD's scaled first
layer) equal up to rounding: 1e-12 relative in float64, 1e-5 in float32.
"""
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from fnn._layout import Layout
from fnn._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from fnncore import _epoch, _forward, _minibatch

RULES = {  # fnn_step of each optimiser rule, scikit-learn's default constants
    "sgd": dict(kind=0, momentum=0.0),
    "momentum": dict(kind=1, momentum=0.9),
    "nesterov": dict(kind=2, momentum=0.9),
    "adam": dict(kind=3, momentum=0.0),
}
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def random_csr(n, n_features, dtype, index_dtype=np.int32, density=0.15, seed=0,
               duplicates=False, unsorted=False):
    """A CSR matrix with values in [-1, 1], every fifth row empty; with
    `duplicates`, some rows store one column twice; with `unsorted`, each
    row's columns are shuffled."""
    rng = np.random.RandomState(seed)
    rows = []
    for i in range(n):
        cols = np.flatnonzero(rng.rand(n_features) < density)
        if i % 5 == 0:
            cols = cols[:0]
        if duplicates and len(cols) > 1 and i % 2:
            cols = np.append(cols, cols[rng.randint(len(cols))])
        if unsorted:
            cols = rng.permutation(cols)
        rows.append(cols)
    indptr = np.cumsum([0] + [len(c) for c in rows]).astype(index_dtype)
    indices = np.concatenate(rows).astype(index_dtype)
    data = rng.uniform(-1, 1, len(indices)).astype(dtype)
    X = sp.csr_matrix((data, indices, indptr), shape=(n, n_features))
    # SciPy may pick its own index dtype; keep the one asked for.
    X.indices, X.indptr = indices, indptr
    return X


class Problem:
    """A network, CSR data, targets and a learning rule for the kernels."""

    def __init__(self, units, dtype, rule="sgd", alpha=0.01, lr=None, n=80,
                 loss="log_loss", activation="tanh", weights=False, seed=0,
                 **csr_options):
        rng = np.random.RandomState(seed)
        self.dtype = dtype
        self.layout = Layout(units)
        self.X = random_csr(n, units[0], dtype, seed=seed + 1, **csr_options)
        k = units[-1]
        self.loss_code, out_name = LOSSES[loss]
        self.out = ACTIVATIONS[out_name]
        self.hidden = HIDDEN_ACTIVATIONS[activation]
        self.Y = (np.eye(k)[rng.randint(0, k, n)] if loss != "squared_error"
                  else rng.randn(n, k)).astype(dtype)
        self.sample_weight = (rng.uniform(0.5, 2, n).astype(dtype) if weights
                              else np.empty(0, dtype))
        self.params = rng.uniform(-0.3, 0.3, self.layout.n_params).astype(dtype)
        self.order = rng.permutation(n).astype(np.intp)
        self.rule = rule
        self.alpha = alpha
        if lr is None:  # scikit-learn's default for Adam; faster SGD on little data
            lr = 0.001 if rule == "adam" else 0.05
        self.step = {"learning_rate": lr, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                     **RULES[rule]}

    def states(self):
        p = self.params
        return (np.zeros_like(p) if self.rule != "sgd" else np.empty(0, self.dtype),
                np.zeros_like(p) if self.rule == "adam" else np.empty(0, self.dtype))

    def inputs(self, sparse):
        """The X of an entry point: the CSR matrix, or its dense copy."""
        return self.X if sparse else self.X.toarray()

    def sgd(self, sparse, **kwargs):
        params, states = self.params.copy(), self.states()
        result = _epoch.train_epoch(self.inputs(sparse), self.Y, self.sample_weight,
                                    self.order, self.layout.table, params, *states,
                                    self.hidden, self.out, self.loss_code, self.alpha,
                                    self.step, 0, per_example=True, **kwargs)
        return params, states, result

    def minibatch(self, sparse, batch_size, **kwargs):
        params, states = self.params.copy(), self.states()
        result = _epoch.train_epoch(
            self.inputs(sparse), self.Y, self.sample_weight, self.order,
            self.layout.table, params, *states, self.hidden, self.out, self.loss_code,
            self.alpha, self.step, 0, batch_size=batch_size, per_example=False, **kwargs)
        return params, states, result

    def full_batch_loss_gradient(self, sparse, **kwargs):
        grad = np.full_like(self.params, np.nan)
        value = _minibatch.full_batch_loss_gradient(
            self.inputs(sparse), self.Y, self.sample_weight, self.layout.table,
            self.params, grad, self.hidden, self.out, self.loss_code, self.alpha,
            **kwargs)
        return grad, value

    def forward(self, sparse, n_threads=1):
        out = np.full((self.X.shape[0], self.layout.layer_units[-1]), np.nan, self.dtype)
        _forward.forward(self.inputs(sparse), self.layout.table, self.params, self.hidden,
                         self.out, out, n_threads=n_threads)
        return out


def assert_same_training(dense, sparse, dtype, exact):
    """Equal parameters, optimiser state and (loss_sum, n_updates, diverged):
    bit for bit when `exact`, else to rounding."""
    (p_dense, s_dense, r_dense), (p_sparse, s_sparse, r_sparse) = dense, sparse
    assert r_sparse[1:] == r_dense[1:]
    check = assert_array_equal if exact else (
        lambda a, b: assert_allclose(a, b, **TOL[dtype]))
    check(p_sparse, p_dense)
    for a, b in zip(s_sparse, s_dense):
        check(a, b)
    if exact:
        assert r_sparse[0] == r_dense[0]
    else:
        assert_allclose(r_sparse[0], r_dense[0], rtol=TOL[dtype]["rtol"])


@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("alpha", [0.0, 0.01])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_example_epoch_equals_dense(dtype, rule, n_threads, alpha, activation):
    problem = Problem((40, 9, 3), dtype, rule, alpha, activation=activation)
    dense = problem.sgd(False, n_threads=n_threads, examples_per_merge=4)
    sparse = problem.sgd(True, n_threads=n_threads, examples_per_merge=4)
    # Rules with state expand each row and run the dense kernels: same
    # operations, same order.
    assert_same_training(dense, sparse, dtype, exact=rule != "sgd")


@pytest.mark.parametrize("decay, n_threads", [
    (1e-4, 1), (1e-4, 2), (1e-4, 3), (0.02, 2), (0.02, 3),
    (0.3, 1), (0.5, 1), (1.0, 1), (0.95, 2), (1.0, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scaled_plain_sgd_equals_dense_over_an_epoch(dtype, decay, n_threads):
    """Plain SGD keeps the first layer as scale * V.  decay = lr * alpha is
    the part of W the L2 term takes off per example of unit weight (sample
    weights here are 0.5 to 2).  At 0.3 and more the scale falls below its
    bound again and again and V is multiplied out mid-epoch; 0.95 and 1.0
    do it within a round of 8 examples per thread, so that the merges visit
    every row.  (Strong decay on 3 threads is left out: there the sum of
    the threads' changes overshoots, W grows by a factor at every round,
    and so does the rounding, in the dense kernel as in ours.)"""
    lr = 0.05
    problem = Problem((60, 12, 4), dtype, "sgd", alpha=decay / lr, lr=lr, n=400,
                      weights=True, density=0.1)
    dense = problem.sgd(False, n_threads=n_threads, examples_per_merge=8)
    sparse = problem.sgd(True, n_threads=n_threads, examples_per_merge=8)
    assert_same_training(dense, sparse, dtype, exact=False)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("rule", ["sgd", "adam"])
def test_per_example_epoch_with_class_scale_and_weights(loss, rule):
    problem = Problem((30, 8, 2), np.float64, rule, loss=loss, weights=True)
    scale = np.random.RandomState(3).uniform(0.5, 2, len(problem.order))
    dense = problem.sgd(False, class_scale=scale)
    sparse = problem.sgd(True, class_scale=scale)
    assert_same_training(dense, sparse, np.float64, exact=rule != "sgd")


@pytest.mark.parametrize("activation", ["identity", "relu", "logistic"])
@pytest.mark.parametrize("batch_size", [1, 7, 200])
@pytest.mark.parametrize("alpha", [0.0, 0.01])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_minibatch_epoch_equals_dense(dtype, rule, n_threads, alpha, batch_size,
                                      activation):
    problem = Problem((40, 9, 3), dtype, rule, alpha, activation=activation,
                      weights=batch_size == 7)
    dense = problem.minibatch(False, batch_size, n_threads=n_threads)
    sparse = problem.minibatch(True, batch_size, n_threads=n_threads)
    assert_same_training(dense, sparse, dtype, exact=False)


@pytest.mark.parametrize("chunk", [7, 4096])
@pytest.mark.parametrize("alpha", [0.0, 0.01])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_gradient_equals_dense(dtype, activation, loss, alpha, chunk):
    problem = Problem((40, 9, 3), dtype, activation=activation, loss=loss, alpha=alpha,
                      weights=chunk == 7)
    grad_dense, value_dense = problem.full_batch_loss_gradient(False, chunk=chunk)
    grad_sparse, value_sparse = problem.full_batch_loss_gradient(True, chunk=chunk)
    assert_allclose(grad_sparse, grad_dense, **TOL[dtype])
    assert_allclose(value_sparse, value_dense, rtol=TOL[dtype]["rtol"])


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_equals_dense(dtype, activation, n_threads):
    # Enough rows (about 25 million multiply-adds) for two threads to start.
    problem = Problem((300, 50, 20, 5), dtype, activation=activation, n=12000,
                      density=0.1)
    assert_allclose(problem.forward(True, n_threads), problem.forward(False, n_threads),
                    **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_of_chosen_rows_equals_forward_on_those_rows(dtype):
    """rows= reads a subset in place: from a CSR matrix to rounding of the
    dense product, from a dense array bit for bit (its rows are copied one
    block at a time, blocks of 64 here so that several threads share them)."""
    problem = Problem((300, 50, 5), dtype, n=3000, density=0.1)
    rows = np.random.RandomState(2).choice(3000, 900).astype(np.intp)  # repeats too
    X = problem.X

    def forward(X, rows=None, n_threads=1):
        out = np.full((X.shape[0] if rows is None else len(rows), 5), np.nan, dtype)
        _forward.forward(X, problem.layout.table, problem.params, problem.hidden,
                         problem.out, out, n_threads=n_threads, block=64, rows=rows)
        return out

    want = forward(X[rows].toarray())
    assert_allclose(forward(X, rows), want, **TOL[dtype])
    for n_threads in (1, 2):
        assert_array_equal(forward(X.toarray(), rows, n_threads), want)
    for data in (X, X.toarray()):
        assert forward(data, rows[:0]).shape == (0, 5)


ENTRIES = {
    "sgd_sgd": lambda p, sparse: p.sgd(sparse, n_threads=2, examples_per_merge=3),
    "sgd_adam": lambda p, sparse: p.sgd(sparse),
    "minibatch": lambda p, sparse: p.minibatch(sparse, 9, n_threads=2),
    "full_batch_loss_gradient": lambda p, sparse: p.full_batch_loss_gradient(sparse, chunk=11),
    "forward": lambda p, sparse: p.forward(sparse),
}


def _rule_of(entry):
    return "adam" if entry in ("sgd_adam", "minibatch") else "sgd"


def _flatten(result):
    """The arrays and numbers an entry point's helper returned, as a list."""
    if isinstance(result, np.ndarray):
        return [result]
    out = []
    for item in result:
        out.extend(_flatten(item) if isinstance(item, (tuple, list)) else [item])
    return out


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_unsorted_and_repeated_columns_add_up_as_toarray(entry, index_dtype):
    """Columns in any order, some stored twice, int32 or int64 indices: the
    kernels read X as X.toarray() does (repeats add up)."""
    problem = Problem((25, 7, 3), np.float64, _rule_of(entry), index_dtype=index_dtype,
                      duplicates=True, unsorted=True)
    assert problem.X.indices.dtype == index_dtype
    assert problem.X.nnz > problem.X.copy().tocoo().tocsr().nnz  # really repeated
    for got, want in zip(_flatten(ENTRIES[entry](problem, True)),
                         _flatten(ENTRIES[entry](problem, False))):
        assert_allclose(got, want, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_inputs_are_not_modified(entry):
    problem = Problem((25, 7, 3), np.float32, _rule_of(entry), weights=True)
    before = [a.copy() for a in (problem.X.data, problem.X.indices, problem.X.indptr,
                                 problem.Y, problem.sample_weight, problem.order,
                                 problem.layout.table)]
    ENTRIES[entry](problem, True)
    after = (problem.X.data, problem.X.indices, problem.X.indptr, problem.Y,
             problem.sample_weight, problem.order, problem.layout.table)
    for a, b in zip(before, after):
        assert_array_equal(a, b)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_threads_are_reproducible(entry):
    problem = Problem((40, 9, 3), np.float32, _rule_of(entry))
    first, second = (_flatten(ENTRIES[entry](problem, True)) for _ in range(2))
    for a, b in zip(first, second):
        assert_array_equal(a, b)


@pytest.mark.parametrize("rule", ["sgd", "momentum"])
def test_divergence_stops_where_the_dense_epoch_stops(rule):
    problem = Problem((40, 9, 3), np.float64, rule, loss="squared_error", lr=1e4,
                      activation="relu")
    problem.Y *= 1e3
    dense = problem.sgd(False)
    sparse = problem.sgd(True)
    assert dense[2][2] and sparse[2][2]
    assert sparse[2][1] == dense[2][1]  # the same number of updates


def test_index_arrays_of_two_types_or_values_of_another_dtype_are_refused():
    problem = Problem((10, 4, 2), np.float64)
    X = problem.X
    out = np.empty((X.shape[0], 2))
    like_csr = lambda **arrays: SimpleNamespace(shape=X.shape, **arrays)  # noqa: E731
    refused = [
        like_csr(data=X.data, indices=X.indices.astype(np.int32),
                 indptr=X.indptr.astype(np.int64)),
        like_csr(data=X.data, indices=X.indices.astype(np.int64),
                 indptr=X.indptr.astype(np.int32)),
        like_csr(data=X.data.astype(np.float32), indices=X.indices, indptr=X.indptr),
        SimpleNamespace(data=X.data, indices=X.indices, indptr=X.indptr),  # no shape
        X.toarray().astype(np.float32),  # dense, of another dtype
        X.toarray()[:, :3].copy(),  # dense, too few columns
        np.asfortranarray(X.toarray()),
    ]
    for bad in refused:
        with pytest.raises((TypeError, ValueError, AttributeError)):
            _forward.forward(bad, problem.layout.table, problem.params, problem.hidden,
                             problem.out, out)
    # Any object with a shape and the three arrays is a CSR matrix to the core.
    _forward.forward(like_csr(data=X.data, indices=X.indices, indptr=X.indptr),
                     problem.layout.table, problem.params, problem.hidden, problem.out,
                     out)
    assert_array_equal(out, problem.forward(True))


@pytest.mark.parametrize("entry", ["forward", "sgd", "minibatch", "full_batch"])
def test_every_entry_point_refuses_a_csr_matrix_of_another_width_or_format(entry):
    """The kernels read W's rows at X's column indices: a CSR matrix wider
    than the network (it wrote past the parameters before), a CSC matrix
    (it too has indptr) or a shape that disagrees with indptr is refused
    before anything is read."""
    problem = Problem((6, 5, 3), np.float64)
    wide = sp.random(problem.X.shape[0], 5000, density=0.01, format="csr",
                         random_state=0)
    call = {"forward": lambda: problem.forward(True),
            "sgd": lambda: problem.sgd(True),
            "minibatch": lambda: problem.minibatch(True, 8),
            "full_batch": lambda: problem.full_batch_loss_gradient(True)}[entry]
    for bad, message in [(wide, "5000 columns; the network takes 6"),
                         (problem.X.tocsc(), "must be a CSR matrix, not CSC"),
                         (SimpleNamespace(shape=(3, 6), data=problem.X.data,
                                          indices=problem.X.indices,
                                          indptr=problem.X.indptr),
                          "has 3 rows but its indptr")]:
        problem.X = bad
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("sparse_input", [False, True], ids=["dense", "csr"])
def test_forward_refuses_rows_outside_X_and_an_output_of_another_shape(sparse_input):
    problem = Problem((6, 5, 3), np.float64)
    X = problem.inputs(sparse_input)
    args = (problem.layout.table, problem.params, problem.hidden, problem.out)
    for rows in ([0, X.shape[0]], [-1]):
        with pytest.raises(ValueError, match="is not a row of X"):
            _forward.forward(X, *args, np.empty((len(rows), 3)),
                             rows=np.array(rows, dtype=np.intp))
    with pytest.raises(ValueError, match="out has shape"):
        _forward.forward(X, *args, np.empty((X.shape[0], 2)))
    with pytest.raises(ValueError, match="out has shape"):
        _forward.forward(X, *args, np.empty((X.shape[0] - 1, 3)))


MEMORY_SCRIPT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import scipy.sparse as sp
    from fnncore import _epoch, _forward, _minibatch

    n, n_features = 400, 1_000_000
    rng = np.random.RandomState(0)
    X = sp.csr_matrix((rng.uniform(-1, 1, n * 20),
                       rng.randint(0, n_features, n * 20).astype(np.int32),
                       np.arange(0, n * 20 + 1, 20, dtype=np.int32)),
                      shape=(n, n_features))
    Y = np.eye(2)[rng.randint(0, 2, n)]
    layout = np.array([[n_features, 2, 0, 2 * n_features],
                       [2, 2, 2 * n_features + 2, 2 * n_features + 6]], dtype=np.intp)
    params = rng.uniform(-0.1, 0.1, 2 * n_features + 8)
    zeros = np.zeros_like(params)
    order = np.arange(n, dtype=np.intp)
    none = np.empty(0)
    sgd = dict(kind=0, learning_rate=0.01, momentum=0.0, beta_1=0.9, beta_2=0.999,
               epsilon=1e-8)
    adam = dict(sgd, kind=3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _epoch.train_epoch(X, Y, none, order, layout, params, none, none, 2, 4, 1, 1e-4,
                       sgd, 0, n_threads=2)
    _epoch.train_epoch(X, Y, none, order[:20], layout, params, zeros.copy(),
                       zeros.copy(), 2, 4, 1, 1e-4, adam, 0, n_threads=2)
    _epoch.train_epoch(X, Y, none, order, layout, params, zeros.copy(), zeros.copy(),
                       2, 4, 1, 1e-4, adam, 0, batch_size=200, n_threads=2)
    _minibatch.full_batch_loss_gradient(X, Y, none, layout, params, np.empty_like(params),
                                        2, 4, 1, 1e-4)
    _forward.forward(X, layout, params, 2, 4, np.empty((n, 2)), n_threads=2)
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(growth_mb)
""")


def test_a_million_columns_are_never_made_dense():
    """400 rows x 1e6 columns (20 values a row) through every entry point on
    two threads: dense, X would take 3.2 GB, a batch of 200 rows 1.6 GB.  The
    kernels may hold O(n_features) scratch (expanded rows, per-thread
    copies of the 16 MB parameters and Adam's state: about 130 MB at the
    peak), nothing proportional to rows x columns."""
    import os

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    growth_mb = float(result.stdout.split()[-1])
    assert growth_mb < 400, f"peak memory grew by {growth_mb:.0f} MB"
