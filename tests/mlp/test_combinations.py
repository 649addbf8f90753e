"""Every solver, batch size, dtype and thread count trains a finite, working
model, and threads change only what they are documented to change.

The matrix: solver ('sgd' plain and with Nesterov momentum, 'adam',
'lbfgs') x batch_size (1: the per-example kernel; 7, which does not divide
the 230 rows; 'auto' = 200, so the last batch is short; more than n_samples:
one full batch) x dtype (float32, float64) x n_jobs (1, 2, None) x task
(binary, multiclass, multilabel, one- and two-output regression), on small
easy data so the whole file runs in seconds.  'lbfgs' ignores batch_size, so
it appears once per task, dtype and n_jobs.  Some tasks carry an L2 penalty
(alpha > 0) and some sample weights (a few of them zero), so those paths meet
every solver and thread count too.

What each combination must satisfy, and why:

- Fitted weights, loss curve and predictions are finite, have the shapes the
  task implies and the input's dtype (float32 trains and predicts in
  float32); probabilities are in [0, 1] and, for single-label tasks, rows sum
  to 1.
- The model learned: training accuracy or R^2 well above what a constant
  predictor gets.  The thresholds leave a wide margin to what every solver
  reaches here, yet a solver that does not descend stays at chance.
- Two fits with the same random_state and n_jobs give the same bits.
- Mini-batch solvers and lbfgs with several threads give the weights of one
  thread up to rounding: threads split each batch's rows and add their
  gradients, so only the order of a sum differs (mini-batch), or only BLAS's
  threads change (lbfgs).  The tolerance (1e-10 in float64, 1e-4 in
  float32) is relative to the model's largest weight, not to each weight:
  rounding differences grow over the epochs to a size set by the large
  weights, and a weight near zero carries them too.
- The per-example path uses one thread unless n_jobs is given explicitly
  (documented), so n_jobs=None gives the n_jobs=1 bits.  With n_jobs=2 it
  may follow another sequence of updates than one thread (local SGD: each
  thread trains a copy of the weights and the copies are merged now and
  then), so there only reproducibility and a training score close to the
  one-thread fit's are required.  test_per_example_threads_on_a_wide_first_layer
  repeats that on a network with a wide first layer, so that the threaded
  path is exercised even if it is again reserved for large layers (it was,
  below 2 * 16384 first-layer weights).

Equality with scikit-learn and with the NumPy reference is tested in
test_training.py and test_estimators.py, not here.
"""
import functools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fnn

N_SAMPLES = 230  # 230 = 32 * 7 + 6: batch_size=7 ends with a short batch
# size -> (n_samples, n_features, hidden_layer_sizes, max_iter)
SIZES = {
    "small": (N_SAMPLES, 5, (16,), 40),
    "wide": (80, 96, (512,), 20),
}

SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0.0),
    "nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
    "adam": dict(solver="adam"),
    "lbfgs": dict(solver="lbfgs"),
}
# Step sizes that let each solver learn the easy tasks within 40 epochs:
# per-example updates need small steps, one full batch per epoch a large one.
LEARNING_RATES = {
    ("sgd", 1): 0.01, ("sgd", 7): 0.05, ("sgd", "auto"): 0.3, ("sgd", "full"): 0.3,
    ("nesterov", 1): 0.002, ("nesterov", 7): 0.01, ("nesterov", "auto"): 0.05,
    ("nesterov", "full"): 0.05,
    ("adam", 1): 0.002, ("adam", 7): 0.005, ("adam", "auto"): 0.02, ("adam", "full"): 0.02,
}
BATCH_SIZES = [1, 7, "auto", "full"]

# task -> (estimator class, alpha, sample weights?, lowest acceptable training
# score: accuracy, R^2 for the regressor).  With one thread every solver and
# batch size reaches at least 0.03 more than this (the least: regression, sgd
# with one full batch, 0.93); the untrained network scores about 0.46
# (binary), 0.48 (multiclass), 0.23 (multilabel: all labels right), -0.3 and
# 0.4 (regression).
TASKS = {
    "binary": ("MLPClassifier", 1e-4, True, 0.95),
    "multiclass": ("MLPClassifier", 1e-2, False, 0.93),
    "multilabel": ("MLPClassifier", 1e-4, False, 0.9),
    "regression": ("MLPRegressor", 0.0, True, 0.88),
    "regression-2": ("MLPRegressor", 1e-2, False, 0.9),
}
N_OUTPUTS = {"binary": 1, "multiclass": 3, "multilabel": 3, "regression": 1,
             "regression-2": 2}
# How far below the one-thread fit's training score a per-example fit with
# threads may land.
SCORE_MARGIN = 0.05


def data(task, dtype, size="small"):
    """Easy data: classes split by hyperplanes through the data's centre,
    smooth targets; they depend on the first three features, and features
    past the fifth are low-variance noise.  Returns X, y, sample_weight."""
    n_samples, n_features, _, _ = SIZES[size]
    rng = np.random.RandomState(42)
    X = rng.randn(n_samples, n_features)
    X[:, 5:] *= 0.1
    if task == "binary":
        y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    elif task == "multiclass":
        y = np.argmax(X[:, :3] @ np.array([[2.0, -1, -1], [0, 1.5, -1.5], [0.5, 0.5, 0.5]]),
                      axis=1)
    elif task == "multilabel":
        y = (X[:, :3] > 0).astype(int)
    elif task == "regression":
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    else:
        y = np.c_[X[:, 0] - X[:, 1], np.tanh(X[:, 2])]
    sample_weight = None
    if TASKS[task][2]:
        sample_weight = rng.uniform(0.5, 2.0, n_samples)
        sample_weight[rng.rand(n_samples) < 0.05] = 0  # some rows do not count
    return X.astype(dtype), y, sample_weight


def estimator(task, solver, batch_size, n_jobs, size="small"):
    cls_name, alpha, _, _ = TASKS[task]
    n_samples, _, hidden, max_iter = SIZES[size]
    params = dict(hidden_layer_sizes=hidden, activation="tanh", alpha=alpha,
                  max_iter=max_iter, random_state=0, n_jobs=n_jobs, **SOLVERS[solver])
    if solver != "lbfgs":
        params["learning_rate_init"] = LEARNING_RATES[solver, batch_size]
        # "full": more than n_samples, which fit clips to one batch (and warns).
        params["batch_size"] = n_samples + 13 if batch_size == "full" else batch_size
    return getattr(fnn, cls_name)(**params)


def fit(task, solver, batch_size, dtype, n_jobs, size="small"):
    X, y, sample_weight = data(task, dtype, size)
    model = estimator(task, solver, batch_size, n_jobs, size)
    with warnings.catch_warnings():
        # ConvergenceWarning at max_iter, and the warning that a batch_size
        # above n_samples is clipped: both expected here.
        warnings.simplefilter("ignore")
        return model.fit(X, y, sample_weight=sample_weight)


@functools.lru_cache(maxsize=None)
def one_thread_fit(task, solver, batch_size, dtype_name, size="small"):
    """The n_jobs=1 model that other thread counts are compared with,
    fitted once per combination (callers must not modify it)."""
    return fit(task, solver, batch_size, np.dtype(dtype_name).type, 1, size)


def training_score(model, task, dtype, size="small"):
    X, y, sample_weight = data(task, dtype, size)
    return model.score(X, y, sample_weight=sample_weight)


def arrays(model):
    return [*model.coefs_, *model.intercepts_]


def check_model(model, task, dtype, size="small"):
    """Finite weights, loss and outputs, of the right shapes and dtype."""
    X, y, _ = data(task, dtype, size)
    n_samples, n_features, hidden, _ = SIZES[size]
    n_outputs = N_OUTPUTS[task]
    units = [n_features, *hidden, n_outputs]
    assert [W.shape for W in model.coefs_] == list(zip(units[:-1], units[1:]))
    assert [b.shape for b in model.intercepts_] == [(u,) for u in units[1:]]
    for W in arrays(model):
        assert W.dtype == dtype
        assert np.isfinite(W).all()
    assert len(model.loss_curve_) >= 1
    assert np.isfinite(model.loss_curve_).all() and np.isfinite(model.loss_)
    if model.solver != "lbfgs":
        assert len(model.loss_curve_) == model.n_iter_
    if TASKS[task][0] == "MLPRegressor":
        pred = model.predict(X)
        assert pred.shape == ((n_samples,) if n_outputs == 1 else (n_samples, n_outputs))
        assert pred.dtype == dtype and np.isfinite(pred).all()
        return
    proba = model.predict_proba(X)
    n_columns = 2 if task == "binary" else n_outputs
    assert proba.shape == (n_samples, n_columns) and proba.dtype == dtype
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    if task != "multilabel":
        assert_allclose(proba.sum(axis=1), 1, rtol=10 * np.finfo(dtype).eps * n_columns)
    pred = model.predict(X)
    assert pred.shape == y.shape
    assert np.isin(pred, model.classes_).all()


def assert_close_to(model, reference, dtype):
    """Equal up to rounding, to a tolerance relative to the largest weight
    (a weight near zero is as exposed to rounding as the large ones)."""
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert model.n_iter_ == reference.n_iter_
    scale = max(np.abs(W).max() for W in arrays(reference))
    for got, want in zip(arrays(model), arrays(reference)):
        assert_allclose(got, want, rtol=tol, atol=tol * scale)
    assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=tol)


def assert_same_bits(a, b):
    for x, y in zip(arrays(a), arrays(b)):
        assert_array_equal(x, y, strict=True)
    assert a.loss_curve_ == b.loss_curve_


def assert_close_score(model, reference, task, dtype, size="small"):
    """The per-example path with threads may change its method, not its
    quality: the training score stays near the one-thread fit's."""
    score = training_score(model, task, dtype, size)
    reference_score = training_score(reference, task, dtype, size)
    assert score >= reference_score - SCORE_MARGIN, (
        f"n_jobs={model.n_jobs}: score {score:.3f}, one thread {reference_score:.3f}")


def _cases():
    for task in TASKS:
        for dtype in (np.float32, np.float64):
            for n_jobs in (1, 2, None):
                for solver in SOLVERS:
                    for batch_size in (["auto"] if solver == "lbfgs" else BATCH_SIZES):
                        yield pytest.param(
                            task, solver, batch_size, dtype, n_jobs,
                            id=f"{task}-{solver}-batch{batch_size}-"
                               f"{np.dtype(dtype).name}-jobs{n_jobs}")


@pytest.mark.parametrize("task, solver, batch_size, dtype, n_jobs", list(_cases()))
def test_combination(task, solver, batch_size, dtype, n_jobs):
    model = fit(task, solver, batch_size, dtype, n_jobs)
    check_model(model, task, dtype)
    score = training_score(model, task, dtype)
    assert score >= TASKS[task][3], f"training score {score:.3f}"
    reference = one_thread_fit(task, solver, batch_size, np.dtype(dtype).name)
    if n_jobs == 1:
        assert_same_bits(model, reference)  # a second fit, cached for the others
        return
    assert_same_bits(model, fit(task, solver, batch_size, dtype, n_jobs))
    if batch_size != 1 or solver == "lbfgs":
        assert_close_to(model, reference, dtype)
    elif n_jobs is None:
        assert_same_bits(model, reference)
    else:
        assert_close_score(model, reference, task, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["sgd", "nesterov", "adam"])
@pytest.mark.parametrize("task", ["binary", "regression-2"])
def test_per_example_threads_on_a_wide_first_layer(task, solver, dtype):
    """Per-example training with n_jobs=2 on a 96 x 512 first layer:
    reproducible, finite, and as good as one thread."""
    model = fit(task, solver, 1, dtype, 2, size="wide")
    check_model(model, task, dtype, size="wide")
    score = training_score(model, task, dtype, size="wide")
    assert score >= TASKS[task][3], f"training score {score:.3f}"
    assert_same_bits(model, fit(task, solver, 1, dtype, 2, size="wide"))
    reference = fit(task, solver, 1, dtype, 1, size="wide")
    assert_close_score(model, reference, task, dtype, size="wide")
