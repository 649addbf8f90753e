"""MLPClassifier and MLPRegressor: scikit-learn's MLP API on fnn's core.

Design:
- Parameters follow one constraint table per class (_parameter_constraints,
  scikit-learn's rules and messages), checked at the start of every fit.
- The network's parameters live in one flat buffer (see _layout); each
  epoch is one call into the compiled core, which holds no GIL and does no
  Python work per example.  The epoch loop follows scikit-learn's stopping
  rules.
- Thread safety.  A fit never trains the model that predictions use: it
  trains a private copy of the estimator (`_training_run`: the same
  parameters, with copies of everything training writes to), and at the end
  publishes the copy's fitted state (`_publish`), also after Ctrl-C or a
  divergence.  Everything a prediction needs (layout, parameters,
  activations, label binarizer, feature names) is one `_FittedState`, stored
  under one attribute and replaced in one assignment; a prediction reads it
  once, so it computes with the old model or the new one, whole, while
  another thread fits.  Fits of one estimator take its fit lock
  (ParamsMixin._fitting) and run one after the other.
- The kernels' inputs come only from that state and from validated
  arguments.  The public fitted attributes (n_outputs_, n_features_in_,
  classes_, ...) are published for users and model files; assigning them
  changes nothing a kernel reads, and ``coefs_[i] = W`` is checked before
  it is copied into the parameters.
- X is validated in one place (`_validate_X`) and reaches the kernels in
  three: `_forward` (prediction, validation scores), `_run_epoch`
  (stochastic solvers) and `_fit_lbfgs` (the full-batch objective).  X is
  a dense array or a CSR matrix; the compiled entry points take either as
  it is (a CSR matrix is never made dense), so those three places are the
  same for both.
"""
import copy
import inspect
import numbers
import threading
import os
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from fnncore import _forward, _losses, _minibatch
from fnncore._epoch import train_epoch

from . import _persistence as model_file
from ._base import N_JOBS, ClassifierMixin, FiniteInterval, ParamsMixin, available_if, fill_doc
from ._class_weight import balanced_weights, checked_weight, refuse_balanced_partial_fit
from ._labels import LabelBinarizer, accuracy, as_label_array, unique_labels
from ._layout import LayerList, Layout
from ._optimizers import ADAM, MOMENTUM, NESTEROV, SGD, Optimizer, make_optimizer
from ._param_validation import Interval, Options, check_param, validate_params
from ._parallel import blas_threads, effective_n_jobs
from ._progress import EpochProgress
from ._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from ._sklearn_compat import MetadataRequester, interoperable, sklearn_tags, warn_column_vector
from ._validation import (to_numpy, check_array, check_consistent_length,
                          check_feature_names, check_n_features, check_random_state,
                          check_sample_weight, check_stratifiable, float_dtype_of,
                          is_sparse)
from .exceptions import ConvergenceWarning

#: A float32 or float64 array (the network's dtype).
_Floats = NDArray[np.floating[Any]]

#: A fit returns the estimator it fitted.
_Model = TypeVar("_Model", bound="_BaseMLP")

# Docstring text the MLPs' classes and methods share, as {name} lines (see
# fill_doc).
_X_ENTRY = """X : {array-like, sparse matrix} of shape (n_samples, n_features)
    The input data."""
_SAMPLE_WEIGHT_ENTRY = """sample_weight : array-like of shape (n_samples,), default=None
    Weights of the samples' losses; None weights them equally."""
_PARTIAL_FIT = """One epoch over (X, y), continuing from the current weights
(solvers 'sgd' and 'adam' only)."""
_THREAD_SAFETY = """
    Thread safety: a fitted model can predict from any number of threads
    while another thread fits it again (fit, partial_fit, warm start):
    every call computes with one consistent model, the one before that fit
    or the one after it, never a mixture.  A fit trains a private copy and
    publishes its result in one step when it ends (also after Ctrl-C or a
    divergence); two fits of one estimator run one after the other.  The
    kernels read only that published state: assigning a fitted attribute
    (``n_outputs_``, ``n_features_in_``, ``classes_``...) changes nothing they
    compute with, and ``coefs_[i] = W`` is refused unless W has the layer's
    shape and finite values.
"""
_SHARED_DOC = {"X": _X_ENTRY, "parameters_X": "Parameters\n----------\n" + _X_ENTRY,
               "sample_weight": _SAMPLE_WEIGHT_ENTRY,
               "partial_fit": _PARTIAL_FIT, "thread_safety": _THREAD_SAFETY}

_STOCHASTIC_SOLVERS = ("sgd", "adam")
# A bound on network size that keeps every offset far inside the C integer
# types (2^40 float64 parameters would be 8 TiB).
_MAX_PARAMS = 2 ** 40

# scikit-learn's message when a fit ends with weights that cannot give finite
# outputs (fnn never keeps non-finite weights; it says which ones it kept).
_NON_FINITE = ("Solver produced non-finite parameter weights. The input data may "
               "contain large values and need to be preprocessed.")


def diverged_message(where: str, cause: str, kept: str, learning_rate_init: float) -> str:
    """The warning or error of a stochastic fit whose training diverged: in
    which pass (`where`: 'epoch 3', 'round 2'), why, which weights were
    kept, and what to try.  fit, partial_fit and fnn.distributed's rounds
    all say it this way."""
    return (f"Training diverged in {where}: {cause}. {kept}. Try a smaller "
            f"learning_rate_init (now {learning_rate_init}) or scale the input features.")


#: What a pass of training reports (see run_passes): its mean loss, the
#: examples it trained on, and with early stopping the validation data.
PassResult = tuple[float, int, "tuple[Any, ...] | None"]


def run_passes(est: "_BaseMLP",
               train_pass: "Callable[[int, EpochProgress], PassResult | None]",
               max_passes: int, *, name: str, unit: str, only_one: bool,
               not_converged: str, interrupted: str) -> None:
    """The loop of a stochastic fit, shared by fit and partial_fit (passes
    are epochs) and by fnn.distributed.fit (rounds).

    ``train_pass(i, progress)`` trains pass i and returns a PassResult, or
    None when the pass diverged (it has undone its updates and recorded the
    divergence; training stops).  After each pass, ``est._end_epoch`` keeps
    the books (counters, curves, progress, schedule, checkpoint) and says
    when to stop.  `only_one`: stop after one pass (partial_fit).  Running
    all `max_passes` warns `not_converged` (a ConvergenceWarning); Ctrl-C
    stops training with the warning `interrupted`, the model keeping its
    last finished pass; the progress display is closed in every case.
    """
    progress = EpochProgress(est.verbose, max_passes, name)
    try:
        for i in range(max_passes):
            result = train_pass(i, progress)
            if result is None:
                break
            loss, n_seen, validation = result
            if est._end_epoch(loss, n_seen, progress, validation, unit) or only_one:
                break
        else:
            warnings.warn(not_converged, interoperable(ConvergenceWarning))
    except KeyboardInterrupt:
        warnings.warn(interrupted)
    finally:
        progress.close()


#: What undoes an epoch: the parameters, the optimiser's state vectors and
#: its update count from before it (see _BaseMLP._restore_point).
_RestorePoint = tuple["NDArray[Any]", list["NDArray[Any]"], int]

# What a fit publishes besides the _FittedState (the names a model file reads
# and writes are among them).
def kernel_input(X: Any, dtype: DTypeLike) -> Any:
    """X as the kernels take it, checked: a C-ordered finite array of
    `dtype`, or for sparse input of any format a CSR matrix (see
    check_csr)."""
    return check_array(X, dtype=dtype, accept_sparse=True)


_FITTED_ATTRIBUTES = (
    "_layout", "_params", "_best_params", "_optimizer", "_label_binarizer",
    "_y_was_1d", "_no_improvement_count", "classes_", "n_features_in_", "n_outputs_",
    "n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
    "validation_loss_curve_", "best_validation_score_", "feature_names_in_")


class _FittedState:
    """One fitted network, as a prediction reads it.

    Built from the objects a fit trained (or a model file restored) and
    checked once, so that every kernel call made from it is consistent: the
    parameter vector has the layout's length, the label binarizer as many
    outputs as the network.

    Attributes
    ----------
    layout : Layout
    params : ndarray of float32 or float64, shape (layout.n_params,)
    hidden, output : str
        Activation names of the hidden layers and of the output layer.
    binarizer : LabelBinarizer or None
        Classifiers' labels; None for regressors.
    feature_names : ndarray of str or None
        The column names X had in fit.
    """

    def __init__(self, layout: Layout, params: _Floats, hidden: str, output: str,
                 binarizer: LabelBinarizer | None = None,
                 feature_names: NDArray[Any] | None = None) -> None:
        if not isinstance(layout, Layout):
            raise ValueError(f"inconsistent fitted state: the layout is a "
                             f"{type(layout).__name__}, not a Layout.")
        if not (isinstance(params, np.ndarray) and params.ndim == 1
                and params.dtype in (np.float32, np.float64)
                and params.flags.c_contiguous and params.shape[0] == layout.n_params):
            raise ValueError(
                f"inconsistent fitted state: the layout {list(layout.layer_units)} "
                f"has {layout.n_params} parameters; the parameter vector is "
                f"{getattr(params, 'shape', None)} of {getattr(params, 'dtype', None)}.")
        if hidden not in HIDDEN_ACTIVATIONS or output not in ACTIVATIONS:
            raise ValueError(f"inconsistent fitted state: activations {hidden!r} and "
                             f"{output!r}.")
        if binarizer is not None and binarizer.n_outputs != layout.layer_units[-1]:
            raise ValueError(
                f"inconsistent fitted state: {len(binarizer.classes_)} classes need "
                f"{binarizer.n_outputs} outputs; the network has "
                f"{layout.layer_units[-1]}.")
        if feature_names is not None and len(feature_names) != layout.layer_units[0]:
            raise ValueError(f"inconsistent fitted state: {len(feature_names)} feature "
                             f"names for {layout.layer_units[0]} features.")
        self.layout, self.params = layout, params
        self.hidden, self.output = hidden, output
        self.binarizer, self.feature_names = binarizer, feature_names

    @property
    def n_features(self) -> int:
        return self.layout.layer_units[0]

    @property
    def n_outputs(self) -> int:
        return self.layout.layer_units[-1]

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.params.dtype


class _FittedAttribute:
    """A fitted attribute derived from the fitted state, which a user may
    assign as in scikit-learn (the assigned value is what reading it gives
    until the next fit; no kernel reads it)."""

    def __init__(self, derive: Callable[[_FittedState], Any], doc: str) -> None:
        self.derive, self.__doc__ = derive, doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__[self.name]
        except KeyError:
            return self.derive(instance._state())

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.name] = value

    def __delete__(self, instance: Any) -> None:
        del instance.__dict__[self.name]


@fill_doc(**_SHARED_DOC)
class _BaseMLP(MetadataRequester, ParamsMixin):
    """Shared machinery of MLPClassifier and MLPRegressor.

    How a fit runs: ``_fit`` checks the parameters, trains a private copy
    (``_training_run``) and publishes it (``_publish``); the copy's ``_train``
    prepares the data, starts training (``_start_training``: weights,
    architecture check, optimiser) and runs L-BFGS or the stochastic loop
    (``run_passes``, one ``_end_epoch`` per pass).

    The internal interface of fnn.distributed: the only private members of
    this class that another module uses (fnn.distributed on the driver,
    fnn._distributed_worker on the workers), each documented where it is
    defined:

    - the protocol of a fit: ``_validate_params``, ``_check_checkpoint_target``,
      ``_fitting``, ``_published``, ``_training_run``, ``_start_training``,
      ``_batch_size_for``, ``_publish``;
    - the targets a Dask fit finds from the cluster's counts:
      ``MLPClassifier._use_classes`` and ``MLPRegressor._use_outputs``;
    - a round: ``_replica_skeleton`` (the model the replicas copy),
      ``_training_dtype``, ``_round_start`` (the weights and optimiser sent
      out) and ``_take_average`` (the replicas' average taken back);
    - the fitted state that gives the shape of predictions: ``_state``;
    - on the workers: ``_batch_arrays`` and ``_train_replica``.

    Model files (fnn._persistence) use ``_get_state``, ``_set_state`` and
    ``_validate_params``, which checks ``_parameter_constraints`` (the
    table fnn._param_validation reads).  Attributes stay this class's own: no other
    module reads or writes them.
    """

    _fitted_marker = "_params"

    # What a fit sets (documented in the subclasses' Attributes).
    loss_: float
    loss_curve_: list[float]
    best_loss_: Any  # float; None with early stopping
    validation_scores_: Any  # list of float with early stopping, else None
    validation_loss_curve_: Any  # as validation_scores_
    best_validation_score_: Any  # float with early stopping, else None
    n_iter_: int
    t_: int
    n_features_in_: int
    n_outputs_: int
    feature_names_in_: NDArray[Any]
    _layout: Layout
    _params: _Floats
    _best_params: _Floats
    _optimizer: Optimizer
    _no_improvement_count: int

    if TYPE_CHECKING:  # what each subclass defines
        _is_classifier: bool

        @property
        def _loss_name(self) -> str: ...

        def _prepare_targets(self, y: NDArray[Any], dtype: DTypeLike, first_pass: bool,
                             incremental: bool, classes: Any = None) -> _Floats: ...

        def _targets_to_output(self, Y: _Floats) -> NDArray[Any]: ...

        def _score_outputs(self, P: _Floats, y: NDArray[Any],
                           sample_weight: Any = None) -> float: ...

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None,
                                                      closed="left")],
        "activation": [Options(tuple(HIDDEN_ACTIVATIONS))],
        "solver": [Options(("lbfgs", "sgd", "adam"))],
        "alpha": [FiniteInterval(numbers.Real, 0, None, closed="left")],
        "batch_size": [Options(("auto",)), Interval(numbers.Integral, 1, None,
                                                    closed="left")],
        "learning_rate": [Options(("constant", "invscaling", "adaptive"))],
        "learning_rate_init": [FiniteInterval(numbers.Real, 0, None, closed="neither")],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "verbose": [Interval(numbers.Integral, 0, None, closed="left"), "boolean"],
        "warm_start": ["boolean"],
        "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left"),
                             Options((np.inf,))],
        "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
        # fnn's additions
        "n_jobs": N_JOBS,
        "checkpoint_path": [None, "path"],
        "checkpoint_every": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left"), "array-like"],
    }

    def __init__(self, hidden_layer_sizes: Any, activation: str, solver: str,
                 alpha: float, batch_size: Any, learning_rate: str,
                 learning_rate_init: float, power_t: float, max_iter: int, loss: str,
                 shuffle: bool, random_state: Any, tol: float, verbose: Any,
                 warm_start: bool, momentum: float, nesterovs_momentum: bool,
                 early_stopping: bool, validation_fraction: float, beta_1: float,
                 beta_2: float, epsilon: float, n_iter_no_change: Any, max_fun: int,
                 n_jobs: int | None, checkpoint_path: Any,
                 checkpoint_every: int, dropout: Any = 0.0) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.loss = loss
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.n_jobs = n_jobs
        self.checkpoint_path = checkpoint_path
        self.checkpoint_every = checkpoint_every
        self.dropout = dropout

    @classmethod
    def _base_arguments(cls, given: dict[str, Any]) -> dict[str, Any]:
        """The arguments of _BaseMLP.__init__ among `given`, a subclass
        constructor's ``locals()``: the subclass's signature lists them once."""
        names = inspect.signature(_BaseMLP.__init__).parameters
        return {name: given[name] for name in names if name != "self" and name in given}

    # ------------------------------------------------------------------
    # Parameters
    # ------------------------------------------------------------------
    def _validate_params(self) -> None:
        """Check every constructor parameter, with scikit-learn's rules and
        messages.  fit, model files and fnn.distributed call it."""
        validate_params(self)
        self._hidden_sizes()
        self._dropout_rates()

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = [sizes]
        try:
            sizes = list(sizes)
        except TypeError:
            raise TypeError("hidden_layer_sizes must be an int or a sequence of "
                            f"ints; got {self.hidden_layer_sizes!r}.") from None
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, numbers.Integral):
                raise TypeError("hidden_layer_sizes must contain ints; got "
                                f"{self.hidden_layer_sizes!r}.")
        if any(size <= 0 for size in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _dropout_rates(self) -> NDArray[np.float64] | None:
        """One dropout rate per hidden layer, for the kernels; None when
        every rate is 0, so that no mask is drawn and the fit is exactly the
        fit without dropout."""
        n_hidden = len(self._hidden_sizes())
        value = self.dropout
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
            rates = np.full(n_hidden, float(value))
        else:
            try:
                rates = np.array(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"dropout must be a float or one float per hidden layer; "
                                f"got {value!r}.") from None
            if rates.shape != (n_hidden,):
                raise ValueError(f"dropout must be a float or a sequence of one rate per "
                                 f"hidden layer ({n_hidden}); got {value!r}.")
        if not ((rates >= 0) & (rates < 1)).all():
            raise ValueError(f"dropout rates must be in [0, 1); got {value!r}.")
        if not rates.any():
            return None
        if self.solver == "lbfgs":
            raise ValueError("dropout needs solver='sgd' or 'adam': L-BFGS minimises "
                             "one fixed objective, and dropout makes it random.")
        return rates

    def _check_solver(self) -> bool:
        """partial_fit exists for the stochastic solvers only (scikit-learn's
        rule and message)."""
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError("partial_fit is only available for stochastic "
                                 f"optimizers. {self.solver} is not stochastic.")
        return True

    def _threads(self) -> int:
        """Threads for a prediction.  n_jobs may have changed since the fit
        checked it, and a kernel must never get an unchecked count."""
        check_param(type(self).__name__, "n_jobs", self.n_jobs, N_JOBS)
        return effective_n_jobs(self.n_jobs)

    def _check_checkpoint_target(self) -> None:
        """Refuse, before training, a checkpoint_path that saving would
        refuse: a folder that does not exist or accepts no new file, or a
        path that holds something other than an fnn model file (the model
        file layer's check).  The single call site: the start of every fit
        (fnn.distributed.fit too)."""
        if self.checkpoint_path is not None:
            model_file.check_writable_model_path(self.checkpoint_path)

    # ------------------------------------------------------------------
    # The fitted state: published by fits, read by predictions
    # ------------------------------------------------------------------
    def _published(self) -> _FittedState | None:
        """The fitted state predictions use, or None before the first fit.

        A model restored from a file has the private attributes but no
        state yet: it is built (and checked) from them on first use."""
        state = self.__dict__.get("_fitted")
        if state is None and "_params" in self.__dict__:
            state = self.__dict__.setdefault("_fitted", self._training_state())
        return state

    def _state(self) -> _FittedState:
        """The fitted state; NotFittedError before the first fit."""
        state = self._published()
        if state is None:
            self._check_fitted()  # raises: a fitted model has a state
        return cast(_FittedState, state)

    def _training_state(self) -> _FittedState:
        """A _FittedState of the attributes this object trains (a fit's
        private copy, or a model restored from a file)."""
        return _FittedState(
            self._layout, self._params, self.activation, LOSSES[self._loss_name][1],
            self._label_binarizer if self._is_classifier else None,
            self.__dict__.get("feature_names_in_"))

    def _training_run(self, first_pass: bool) -> Any:
        """A private copy of this estimator for a fit to train: the same
        parameters (a user changing them meanwhile changes nothing in this
        fit), and, when training continues, copies of the parameter vector,
        the optimiser and the curves, which training writes to.  The fit
        lock stays behind."""
        run = copy.copy(self)
        state = run.__dict__.pop("_fitted", None)
        run.__dict__.pop("_assigned_layers", None)
        if first_pass:
            run.__dict__.pop("feature_names_in_", None)
            return run
        if state is not None:
            # Start from the state predictions use, not from the private
            # attributes (which a user may have replaced).
            run._layout, run._params = state.layout, state.params.copy()
            if self._is_classifier:
                run._label_binarizer = state.binarizer
                run.classes_ = state.binarizer.classes_
        if "_optimizer" in run.__dict__:
            run._optimizer = copy.deepcopy(run._optimizer)
        for name in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
            if isinstance(run.__dict__.get(name), list):
                run.__dict__[name] = list(run.__dict__[name])
        return run

    def _publish(self, run: "_BaseMLP") -> None:
        """Make the fitted state of `run` this estimator's, in one step for
        predictions: they read only '_fitted'."""
        state = run._training_state()
        fitted = {name: run.__dict__[name] for name in _FITTED_ATTRIBUTES
                  if name in run.__dict__}
        fitted.update(n_features_in_=state.n_features, n_outputs_=state.n_outputs)
        if state.binarizer is not None:
            fitted["classes_"] = state.binarizer.classes_
        fitted["_fitted"] = state
        self.__dict__.update(fitted)
        # Gone with the old model: what this fit did not make (its optimiser
        # after an lbfgs fit, its feature names...), and values assigned to
        # attributes derived from the state (n_layers_, out_activation_).
        for name in (*_FITTED_ATTRIBUTES, "n_layers_", "out_activation_",
                     "_assigned_layers"):
            if name not in fitted:
                self.__dict__.pop(name, None)

    @property
    def coefs_(self) -> list[NDArray[Any]]:
        """list of ndarray: the weight matrices, one per layer.

        ``coefs_[i]`` has shape (n_units[i], n_units[i + 1]) and the model's
        dtype (float32 when it was fitted on float32 X, float64 otherwise);
        it is a view into the model's flat parameter vector, and
        ``coefs_[i] = W`` copies W into the model (same shape, finite
        values).  Before the first fit, a list assigned here (with
        ``intercepts_``) is the start of the next partial_fit or
        warm-started fit, as in scikit-learn; reading it before either
        raises NotFittedError.
        """
        return self._layers("coefs")

    @coefs_.setter
    def coefs_(self, layers: Sequence[ArrayLike]) -> None:
        self._assign("coefs", layers)

    @property
    def intercepts_(self) -> list[NDArray[Any]]:
        """list of ndarray: the bias vectors, one per layer.

        ``intercepts_[i]`` has shape (n_units[i + 1],), the units of the layer
        ``coefs_[i]`` leads to; a view into the model's parameters that
        ``intercepts_[i] = b`` copies into, and assignable before the first
        fit, as ``coefs_``.
        """
        return self._layers("intercepts")

    @intercepts_.setter
    def intercepts_(self, layers: Sequence[ArrayLike]) -> None:
        self._assign("intercepts", layers)

    def _layers(self, kind: str) -> Any:
        """coefs_ or intercepts_ (kind "coefs" or "intercepts"): views into
        the fitted parameters, else the list assigned before the first fit."""
        state = self._published()
        if state is not None:
            return LayerList(getattr(state.layout, kind)(state.params))
        layers = self.__dict__.get("_assigned_layers", {}).get(kind)
        if layers is None:
            self._check_fitted()
        return layers

    def _assign(self, kind: str, layers: Sequence[ArrayLike]) -> None:
        state = self._published()
        if state is None:
            self.__dict__.setdefault("_assigned_layers", {})[kind] = list(layers)
            return
        views = LayerList(getattr(state.layout, kind)(state.params))
        if len(layers) != len(views):
            raise ValueError(f"expected {len(views)} layers; got {len(layers)}.")
        for i, layer in enumerate(layers):
            views[i] = layer

    n_layers_ = _FittedAttribute(lambda state: len(state.layout.layer_units),
                                 "int: number of layers, input and output included.")
    out_activation_ = _FittedAttribute(lambda state: state.output,
                                       "str: the output layer's activation, fixed by "
                                       "the loss.")

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def fit(self: _Model, X: Any, y: ArrayLike,
            sample_weight: ArrayLike | None = None) -> _Model:
        """Fit the network to data X and targets y.

        Parameters
        ----------
        {X}
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Classifiers: class labels, or a 0/1 indicator matrix (one column
            per label) for multilabel.  Regressors: the target values.
        {sample_weight}

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool,
             classes: Any = None) -> Any:
        """fit and partial_fit: under the fit lock, train a private copy and
        publish it."""
        with self._fitting():
            self._validate_params()
            if y is None:
                raise ValueError(f"{type(self).__name__} requires y to be passed, but the "
                                 "target y is None.")
            self._check_checkpoint_target()
            published = self._published()
            assigned = self.__dict__.get("_assigned_layers", {})
            has_weights = published is not None or {"coefs", "intercepts"} <= set(assigned)
            first_pass = not has_weights or (not self.warm_start and not incremental)
            run = self._training_run(first_pass)
            run._train(X, y, sample_weight, incremental, first_pass, classes, published,
                       None if first_pass or published is not None else assigned)
            self._publish(run)
        return self

    def _validate_X(self, X: Any, dtype: DTypeLike,
                    state: _FittedState | None = None) -> Any:
        """X as the kernels take it: float32/float64 of `dtype`, C-ordered
        (sparse input of any format: a CSR matrix, see check_csr), finite,
        with the fitted state's number of features and checked column names
        (without a state: the start of a fit from scratch, which records the
        names).  The one place X is validated."""
        if state is None:
            self._reset_feature_names(X)
        else:
            check_feature_names(state.feature_names, X, type(self).__name__)
        X = kernel_input(X, dtype)
        if state is not None:
            check_n_features(X, state.n_features, type(self).__name__)
        return X

    def _train(self, X: Any, y: Any, sample_weight: Any, incremental: bool,
               first_pass: bool, classes: Any, published: _FittedState | None,
               assigned: dict[str, Any] | None) -> None:
        """The body of a fit, run on the private copy (see _training_run)."""
        if first_pass or published is None:
            X = self._validate_X(X, float_dtype_of(X))
        else:
            X = self._validate_X(X, published.dtype, published)
        warn_column_vector(y)
        y = as_label_array(y) if self._is_classifier else _as_array(y, "y")
        check_consistent_length(X, y)
        Y = self._prepare_targets(y, X.dtype, first_pass, incremental, classes)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        class_scale = self._class_scale(Y, incremental)
        rng = check_random_state(self.random_state)
        self._start_training(X.shape[1], Y.shape[1], X.dtype, rng,
                             fresh=first_pass or assigned is not None, assigned=assigned,
                             optimizer=("none" if self.solver == "lbfgs" else
                                        "keep" if incremental else "new"))
        # From scratch, a first epoch that diverges leaves no trained weights.
        from_scratch = first_pass and assigned is None
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, Y, sample_weight, class_scale, from_scratch)
        else:
            self._fit_stochastic(X, Y, sample_weight, class_scale, incremental, rng,
                                 from_scratch)

    def _start_training(self, n_features: int, n_outputs: int, dtype: DTypeLike,
                        rng: np.random.RandomState, *, fresh: bool,
                        assigned: dict[str, Any] | None = None,
                        optimizer: Literal["new", "keep", "none"]) -> None:
        """Start a fit, partial_fit or fnn.distributed.fit once the targets
        are known: `fresh`, new weights (see _initialize); otherwise the
        fitted network goes on, with the same hidden layers.  `optimizer`:
        'new', a new optimiser; 'keep', the model's, checked (a new one if it
        has none); 'none', none (L-BFGS)."""
        layer_units = [n_features, *self._hidden_sizes(), n_outputs]
        if fresh:
            self._initialize(layer_units, dtype, rng, assigned)
        elif self._layout.layer_units[1:-1] != tuple(layer_units[1:-1]):
            raise ValueError(
                "hidden_layer_sizes changed since the model was fitted "
                f"({list(self._layout.layer_units[1:-1])}); warm_start and "
                "partial_fit need the same architecture.")
        if optimizer != "none":
            if optimizer == "new" or "_optimizer" not in self.__dict__:
                self._optimizer = make_optimizer(self, self._layout.n_params,
                                                 self._params.dtype)
            else:
                self._check_optimizer()

    def _initialize(self, layer_units: list[int], dtype: DTypeLike,
                    rng: np.random.RandomState,
                    assigned: dict[str, Any] | None = None) -> None:
        """Fresh weights with scikit-learn's Glorot-uniform draws, in the same
        order from the same RandomState, so a seed gives the same start; or
        the layers a user assigned to coefs_ and intercepts_ before the first
        fit (checked against the data's shapes)."""
        n_params = sum(a * b + b for a, b in zip(layer_units[:-1], layer_units[1:]))
        if n_params > _MAX_PARAMS:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} with "
                f"{layer_units[0]} features and {layer_units[-1]} outputs gives "
                f"{n_params:,} parameters; fnn supports at most {_MAX_PARAMS:,}.")
        self._layout = Layout(layer_units)
        self._params = np.empty(self._layout.n_params, dtype=dtype)
        coefs = self._layout.coefs(self._params)
        intercepts = self._layout.intercepts(self._params)
        if assigned is not None:
            for kind, views in (("coefs", coefs), ("intercepts", intercepts)):
                self._copy_assigned(kind, assigned[kind], views)
        else:
            factor = 2.0 if self.activation == "logistic" else 6.0
            for W, b in zip(coefs, intercepts):
                fan_in, fan_out = W.shape
                bound = np.sqrt(factor / (fan_in + fan_out))
                W[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
                b[...] = rng.uniform(-bound, bound, fan_out)
        self.n_features_in_ = layer_units[0]
        self.n_outputs_ = layer_units[-1]
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._best_params = self._params.copy()
        self.__dict__.pop("_optimizer", None)
        self._reset_validation_record()

    def _reset_validation_record(self) -> None:
        if self.early_stopping:
            self.validation_scores_ = []
            self.validation_loss_curve_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _copy_assigned(self, kind: str, layers: Sequence[ArrayLike],
                       views: list[NDArray[Any]]) -> None:
        """Copy the layers a user assigned to `kind`_ (coefs or intercepts)
        into the new parameter vector, or say how they disagree with the
        network the data and hidden_layer_sizes call for."""
        units = list(self._layout.layer_units)
        if len(layers) != len(views):
            raise ValueError(f"{kind}_ was assigned {len(layers)} layers; the network "
                             f"{units} has {len(views)}.")
        for i, (layer, view) in enumerate(zip(layers, views)):
            layer = np.asarray(layer)
            if layer.shape != view.shape:
                raise ValueError(
                    f"{kind}_[{i}] has shape {layer.shape}; the network {units} "
                    f"(n_features, hidden_layer_sizes, n_outputs) needs {view.shape}.")
            if layer.dtype.kind not in "biuf" or not np.isfinite(layer).all():
                raise ValueError(f"{kind}_[{i}] must contain finite numbers.")
            view[...] = layer

    def _fit_lbfgs(self, X: Any, Y: _Floats, sample_weight: _Floats | None,
                   class_scale: _Floats | None, from_scratch: bool) -> None:
        """Full-batch L-BFGS-B (SciPy) on the objective and gradient the
        compiled core computes over all of X, as scikit-learn's 'lbfgs'.

        Ctrl-C keeps the last accepted iterate (with a warning), as does an
        objective that turns non-finite (unless no iteration of a fit from
        scratch finished: see _refuse_untrained)."""
        import scipy.optimize

        loss_code, out_name = LOSSES[self._loss_name]
        sw = sample_weight if sample_weight is not None else np.empty(0, X.dtype)
        grad = np.empty_like(self._params)
        start = self._restore_point()
        first: list[float] = []

        def objective(flat: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            self._params[...] = flat  # SciPy works in float64; the model may not
            value = _minibatch.full_batch_loss_gradient(
                X, Y, sw, self._layout.table, self._params, grad,
                HIDDEN_ACTIVATIONS[self.activation], ACTIVATIONS[out_name],
                loss_code, float(self.alpha), class_scale)
            if not first:
                first.append(value)
            return value, grad.astype(np.float64)

        losses = []
        accepted = np.empty(self._params.shape, dtype=np.float64)

        def record(intermediate_result: Any) -> None:
            losses.append(float(intermediate_result.fun))
            accepted[...] = intermediate_result.x

        def keep_accepted() -> None:
            self._params[...] = accepted if losses else start[0]

        # SciPy's own BLAS calls on the parameter vector need the same pin
        # as ours, or n_jobs=1 would still depend on the caller's BLAS threads.
        try:
            with blas_threads(None if self.n_jobs is None
                              else effective_n_jobs(self.n_jobs)):
                result = scipy.optimize.minimize(
                    objective, self._params.astype(np.float64), method="L-BFGS-B",
                    jac=True, callback=record,
                    options={"maxfun": self.max_fun, "maxiter": self.max_iter,
                             "gtol": self.tol})
        except KeyboardInterrupt:
            keep_accepted()
            self.n_iter_ = len(losses)
            self.loss_ = losses[-1] if losses else (first[0] if first else np.nan)
            self.loss_curve_.extend(losses)
            self.best_loss_ = min(self.loss_curve_, default=self.loss_)
            warnings.warn("Training interrupted by user.")
            self._ensure_finite_outputs(X, start, "the last L-BFGS iteration")
            return
        if not (np.isfinite(result.fun) and np.isfinite(result.x).all()):
            if from_scratch and not losses:
                self._refuse_untrained("L-BFGS iteration 1")
            keep_accepted()
            self.n_iter_ = len(losses) + 1
            self.loss_curve_.extend([*losses, float("nan")])
            self.loss_ = losses[-1] if losses else (first[0] if first else np.nan)
            self.best_loss_ = min(losses, default=self.loss_)
            warnings.warn(
                f"Training diverged in L-BFGS iteration {self.n_iter_}: the loss became "
                f"non-finite. The weights of iteration {len(losses)} were kept and "
                "training stopped. Scale the input features or increase alpha.",
                interoperable(ConvergenceWarning))
            self._ensure_finite_outputs(X, start, f"L-BFGS iteration {self.n_iter_}")
            return
        self._params[...] = result.x
        self._ensure_finite_outputs(X, start, "the L-BFGS iterations")
        self.n_iter_ = min(int(result.nit), self.max_iter)
        self.loss_ = float(result.fun)
        self.loss_curve_.extend(losses or [self.loss_])
        self.best_loss_ = min(self.loss_curve_)
        if result.status != 0:
            message = (f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                       f"(status={result.status}):\n{result.message}\n")
            if self.n_iter_ == self.max_iter:
                message += ("\nIncrease the number of iterations to improve the "
                            f"convergence (max_iter={self.max_iter}).")
            message += ("\nYou might also want to scale the data as shown in:\n"
                        "    https://scikit-learn.org/stable/modules/preprocessing.html")
            warnings.warn(message, interoperable(ConvergenceWarning))

    def _class_scale(self, Y: _Floats, incremental: bool) -> _Floats | None:
        """Per-example multipliers of loss and gradient (class_weight), or
        None.  The regressor has none."""
        return None

    def _split_validation(self, Y: _Floats,
                          rng: np.random.RandomState
                          ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Indices of the training and validation rows: validation_fraction of
        the data held out, stratified by class for single-output classifiers.
        Indices, not copies, so the training data is never duplicated.
        Refused as scikit-learn's train_test_split refuses it."""
        n = Y.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n))
        if self.validation_fraction == 0:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} should be either "
                f"positive and smaller than the number of samples {n} or a float in "
                "the (0, 1) range; early_stopping needs a validation set.")
        stratify = (self._is_classifier
                    and self._label_binarizer.y_type_ != "multilabel-indicator")
        if stratify:
            labels = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(int)
            self._check_stratifiable(Y, labels, n - n_val, n_val)
        if n_val < 2 or n - n_val < 1:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset.")
        if stratify:
            per_class = []
            for c in np.unique(labels):
                members = rng.permutation(np.flatnonzero(labels == c))
                per_class.append(members[:int(round(len(members) * n_val / n))])
            val = np.concatenate(per_class)
        else:
            val = rng.permutation(n)[:n_val]
        train = np.setdiff1d(np.arange(n), val)
        return train.astype(np.intp), np.sort(val)

    def _check_stratifiable(self, Y: _Floats, labels: NDArray[Any], n_train: int,
                            n_val: int) -> None:
        """scikit-learn's refusals of a stratified split, in its words (it
        names a class by its row of the target matrix, e.g. 'True' for the
        positive class of a binary target; the label follows)."""
        present, counts = np.unique(labels, return_counts=True)

        def few_members(few: NDArray[np.bool_]) -> str:
            rows = [" ".join(Y[np.flatnonzero(labels == c)[0]].astype(bool).astype(str))
                    for c in present[few]]
            return f"{rows} (labels {self._label_binarizer.classes_[present[few]].tolist()})."

        check_stratifiable(counts, n_train, n_val, few_members)

    def _fit_stochastic(self, X: Any, Y: _Floats, sample_weight: _Floats | None,
                        class_scale: _Floats | None, incremental: bool,
                        rng: np.random.RandomState, from_scratch: bool) -> None:
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            if self.validation_scores_ is None:  # warm start of a model fitted without
                self._reset_validation_record()
            train, val = self._split_validation(Y, rng)
            # The forward pass reads the validation rows of X in place
            # (rows=), a block at a time: X is never copied.
            X_val, val_rows = X, val
            y_val = self._targets_to_output(Y[val])
            sw_val = None if sample_weight is None else sample_weight[val]
        else:
            train = np.arange(X.shape[0], dtype=np.intp)
        n_samples = len(train)
        batch_size = self._batch_size_for(n_samples)
        order = train
        restore_point: _RestorePoint | None = None

        def train_epoch(_: int, progress: EpochProgress) -> PassResult | None:
            nonlocal order, restore_point
            if self.shuffle:
                # scikit-learn's shuffle: a permutation of the current order.
                perm = np.arange(n_samples)
                rng.shuffle(perm)
                order = order[perm]
            restore_point = self._restore_point()
            # Masks from random_state; without dropout rng is not drawn from,
            # so such a fit is the same as before dropout existed.
            seed = (int(rng.randint(np.iinfo(np.int64).max))
                    if self._dropout_rates() is not None else None)
            loss, diverged = self._run_epoch(X, Y, sample_weight, class_scale, order,
                                             batch_size, restore_point, seed)
            if diverged:
                if from_scratch and self.n_iter_ == 0 and not early_stopping:
                    self._refuse_untrained("epoch 1")
                self._record_divergence(progress, early_stopping)
                restore_point = None  # already restored
                return None
            validation = ((X_val, val_rows, Y[val], y_val, sw_val)
                          if early_stopping else None)
            return loss, n_samples, validation

        self.n_iter_ = 0  # epochs of this call, as scikit-learn counts them
        run_passes(self, train_epoch, 1 if incremental else self.max_iter,
                   name=type(self).__name__, unit="epochs", only_one=incremental,
                   not_converged=f"Stochastic Optimizer: Maximum iterations "
                   f"({self.max_iter}) reached and the optimization hasn't converged yet.",
                   interrupted="Training interrupted by user.")
        if early_stopping:
            self._params[...] = self._best_params
        if restore_point is not None:
            self._ensure_finite_outputs(X, restore_point, f"epoch {self.n_iter_}")
        elif self.n_iter_:
            self._ensure_finite_outputs(X, self._restore_point(), f"epoch {self.n_iter_}")

    def _check_optimizer(self) -> None:
        """The optimiser partial_fit continues with must have the state
        vectors its update rule reads, of the network's size and dtype: the
        step kernels trust them."""
        opt, n = self._optimizer, self._layout.n_params
        sizes = {SGD: (0, 0), MOMENTUM: (n, 0), NESTEROV: (n, 0), ADAM: (n, n)}
        state: Any = getattr(opt, "state", None)
        if (getattr(opt, "kind", None) not in sizes or len(state) != 2 or any(
                not isinstance(s, np.ndarray) or s.shape != (size,)
                or s.dtype != self._params.dtype or not s.flags.c_contiguous
                for s, size in zip(state, sizes[opt.kind]))):
            raise ValueError("the optimiser state does not match the network "
                             f"{list(self._layout.layer_units)}; fit the model again "
                             "(warm_start=False) to start a new one.")

    def _batch_size_for(self, n_samples: int) -> int:
        """batch_size resolved for n_samples training examples, as
        scikit-learn does ('auto' is min(200, n); larger than n warns)."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It "
                          "is going to be clipped")
        return int(np.clip(self.batch_size, 1, n_samples))

    def _end_epoch(self, loss: float, n_seen: int, progress: EpochProgress,
                   validation: tuple[Any, ...] | None = None, unit: str = "epochs") -> bool:
        """Bookkeeping after a pass over the data that trained on n_seen
        examples with mean loss `loss`: counters, curves, validation score
        (validation = (X_val, rows_val, Y_val, y_val, sample_weight_val)
        when early stopping: see _record_validation), progress, learning-rate
        schedule, checkpoint and the stopping rules.  Returns True when
        training should stop.  Shared by fit/partial_fit and
        fnn.distributed, whose passes are rounds."""
        self.loss_ = loss
        self.n_iter_ += 1
        self.t_ += n_seen
        self.loss_curve_.append(loss)
        progress.iteration(self.n_iter_, loss, n_seen)
        if validation is not None:
            self._record_validation(*validation)
            progress.validation_score(self.validation_scores_[-1])
        else:
            self._record_training_loss()
        self._optimizer.iteration_ends(self.t_)
        self._checkpoint()
        if self._no_improvement_count > self.n_iter_no_change:
            what = "Training loss" if validation is None else "Validation score"
            stop, note = self._optimizer.trigger_stopping(
                f"{what} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive {unit}.")
            progress.message(note)
            if stop:
                return True
            self._no_improvement_count = 0
        return False

    def _record_divergence(self, progress: EpochProgress, early_stopping: bool) -> None:
        """An epoch whose loss turned non-finite: its weights are already
        undone; the curves record NaN for it, as scikit-learn's do, and
        training stops with a warning that names it."""
        self.n_iter_ += 1
        self.loss_curve_.append(float("nan"))
        progress.iteration(self.n_iter_, float("nan"), 0)
        if early_stopping:
            self.validation_scores_.append(float("nan"))
            self.validation_loss_curve_.append(float("nan"))
            progress.validation_score(float("nan"))
        warnings.warn(diverged_message(
            f"epoch {self.n_iter_}", "the loss became non-finite",
            "The weights of the last finished epoch were kept and training stopped",
            self.learning_rate_init), interoperable(ConvergenceWarning))

    def _refuse_untrained(self, what: str) -> None:
        """A fit from scratch whose first epoch diverged has no finished
        epoch's weights to keep, only its random start: it raises, as
        scikit-learn's does (with early stopping, both keep the start, the
        best weights validated so far)."""
        raise ValueError(
            f"{_NON_FINITE} (Training diverged in {what} of a fit from scratch: the "
            "loss became non-finite before any epoch finished, so no trained weights "
            f"exist. Try a smaller learning_rate_init (now {self.learning_rate_init}) "
            "or scale the input features.)")

    def _checkpoint(self) -> None:
        """Save the model to checkpoint_path every checkpoint_every epochs
        (counted over the model's life, as loss_curve_ is), atomically: a
        crash leaves the previous or the new file, never a torn one."""
        if self.checkpoint_path is not None and \
                len(self.loss_curve_) % self.checkpoint_every == 0:
            self.save(self.checkpoint_path)

    def _restore_point(self) -> _RestorePoint:
        """What _restore needs to undo the next epoch: the parameters and the
        optimiser's state and step count."""
        opt = self.__dict__.get("_optimizer")
        if opt is None:
            return self._params.copy(), [], 0
        return self._params.copy(), [s.copy() for s in opt.state], opt.n_updates

    def _ensure_finite_outputs(self, X: Any, restore_point: _RestorePoint,
                               what: str) -> None:
        """The divergence check inside the epoch sees each update's effect
        only at the next example, so the last updates of a call are checked
        here, on the training data.  If the network's outputs are not all
        finite (e.g. float32 overflow), the weights from before `what` come
        back with a warning; if even those overflow, no weights of this fit
        are usable and fit raises."""
        if self._outputs_finite(X):
            return
        self._restore(restore_point)
        if self._outputs_finite(X):
            warnings.warn(diverged_message(
                what, "the network's outputs on the training data are not finite "
                "(overflow)", "The weights from before it were kept",
                self.learning_rate_init), interoperable(ConvergenceWarning))
            return
        raise ValueError(
            f"{_NON_FINITE} (Training diverged: the network's outputs on the training "
            "data are not finite, even with the weights from before the last epoch; "
            "fnn keeps no non-finite weights, and this fit's are unusable.)")

    def _outputs_finite(self, X: Any) -> "bool | np.bool_":
        return self._outputs_bounded(X) or np.isfinite(
            self._forward(self._training_state(), X, self._train_threads())).all()

    def _outputs_bounded(self, X: Any) -> bool:
        """Whether every output of the network on X is surely finite, by a
        bound that costs two passes over X and one over the weights instead
        of a forward pass (which took a fifth of a one-epoch fit): a layer's
        pre-activations satisfy |z| <= ||a||_1 max|W| + max|b|, its input's
        ||a||_1 is at most n_features max|x| for the first layer, and after
        a logistic or tanh layer at most its width.  The exp output
        overflows above log(max float).  Far below overflow, as for any sane
        model, the bound answers; near it, or with non-finite weights, it
        does not, and the caller runs the network."""
        limit = float(np.finfo(X.dtype).max) / 4
        bounded = self.activation in ("logistic", "tanh")
        exp_output = LOSSES[self._loss_name][1] == "exp"
        if is_sparse(X):  # a row has at most its stored values nonzero
            width = int((X.indptr[1:] - X.indptr[:-1]).max())
            values = X.data if X.nnz else np.zeros(1, X.dtype)
        else:
            width, values = X.shape[1], X
        norm_1 = width * max(float(values.max()), -float(values.min()))
        coefs = self._layout.coefs(self._params)
        intercepts = self._layout.intercepts(self._params)
        for last, W, b in zip(range(len(coefs) - 1, -1, -1), coefs, intercepts):
            z = norm_1 * float(np.abs(W).max()) + float(np.abs(b).max())
            if not z < (np.log(limit) if exp_output and last == 0 else limit):
                return False
            # Every unbounded activation has |f(z)| <= |z| + 1 (softplus's
            # f(0) is log 2; the others |f(z)| <= |z|).
            norm_1 = W.shape[1] * (1.0 if bounded else z + 1.0)
        return True

    def _run_epoch(self, X: Any, Y: _Floats, sample_weight: _Floats | None,
                   class_scale: _Floats | None, order: NDArray[np.intp], batch_size: int,
                   restore_point: _RestorePoint,
                   dropout_seed: int | None = None) -> tuple[float, bool]:
        """One pass over the rows of X in `order`: (mean loss over those
        rows, whether the epoch diverged).

        With dropout, `dropout_seed` picks the pass's masks (see
        fnncore/_dropout.pxd); by default the optimiser's update count
        does, which differs from pass to pass.

        If the loss turns non-finite, the epoch is undone from
        `restore_point` (the parameters and optimiser state from before it).
        """
        opt = self._optimizer
        hidden = HIDDEN_ACTIVATIONS[self.activation]
        loss_code, out_name = LOSSES[self._loss_name]
        sw = sample_weight if sample_weight is not None else np.empty(0, X.dtype)
        n_rows = len(order)
        # Only the main thread receives signals: elsewhere, never take the GIL.
        check_signals = threading.current_thread() is threading.main_thread()
        common = dict(layout=self._layout.table, params=self._params,
                      state1=opt.state[0], state2=opt.state[1],
                      hidden_activation=hidden, output_activation=ACTIVATIONS[out_name],
                      loss=loss_code, alpha=float(self.alpha), step=opt.step(),
                      n_updates=opt.n_updates, check_signals=check_signals,
                      class_scale=class_scale)
        rates = self._dropout_rates()
        if rates is not None:  # else the kernels' defaults: no dropout
            common.update(dropout=rates, dropout_seed=(
                opt.n_updates if dropout_seed is None else dropout_seed))
        try:
            if batch_size == 1:
                if sample_weight is not None:
                    # The per-example kernel takes positive weights only; a
                    # zero-weight example changes nothing, as a skipped one.
                    order = order[sample_weight[order] > 0]
                loss_sum, opt.n_updates, diverged = train_epoch(
                    X, Y, sw, order, **common, n_threads=self._per_example_threads())
            else:
                # Our threads split each batch; BLAS runs one thread in each.
                with blas_threads(1):
                    loss_sum, opt.n_updates, diverged = train_epoch(
                        X, Y, sw, order, **common, batch_size=batch_size,
                        n_threads=self._train_threads())
        except BaseException as exc:
            # Ctrl-C (or another signal handler's exception): the kernel
            # stopped after a complete update.  Keep its weights, and count its
            # updates, unless the weights are not finite.
            if not np.isfinite(self._params).all():
                self._restore(restore_point)
            elif hasattr(exc, "fnn_n_updates"):
                opt.n_updates = exc.fnn_n_updates
            raise
        if diverged or not np.isfinite(self._params).all():
            self._restore(restore_point)
            return float("nan"), True
        return loss_sum / n_rows, False

    def _restore(self, restore_point: _RestorePoint) -> None:
        params, states, n_updates = restore_point
        self._params[...] = params
        if "_optimizer" in self.__dict__ and states:
            for state, saved in zip(self._optimizer.state, states):
                state[...] = saved
            self._optimizer.n_updates = n_updates

    def _train_threads(self) -> int:
        return effective_n_jobs(self.n_jobs)

    def _per_example_threads(self) -> int:
        """Threads for the per-example loop.  More than one runs local SGD,
        a different sequence of updates from scikit-learn's (see
        fnncore/_sgd.pyx), so n_jobs=None keeps one and threads run only when
        n_jobs asks for them."""
        return 1 if self.n_jobs is None else effective_n_jobs(self.n_jobs)

    def _record_training_loss(self) -> None:
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _record_validation(self, X_val: Any, rows_val: NDArray[np.intp] | None,
                           Y_val: _Floats, y_val: NDArray[Any],
                           sw_val: _Floats | None) -> None:
        """Score the network on the validation rows: X_val[rows_val], or all
        of X_val when rows_val is None."""
        P = self._forward(self._training_state(), X_val, self._train_threads(),
                          rows_val)
        if np.isfinite(P).all():
            score = self._score_outputs(P, y_val, sw_val)
        else:  # as scikit-learn scores outputs that overflowed
            score = float("nan")
        self.validation_scores_.append(score)
        per_example = np.empty(len(P))
        _losses.loss_per_example(LOSSES[self._loss_name][0], Y_val, P, per_example)
        self.validation_loss_curve_.append(float(np.average(per_example, weights=sw_val)))
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self._best_params = self._params.copy()

    # ------------------------------------------------------------------
    # The internal interface of fnn.distributed (see the class docstring).
    # On the driver, the model being trained gives the replicas' skeleton
    # and the weights of each round, and takes back their average.  A
    # replica is an ordinary estimator (the skeleton: a copy of the model
    # without its weights; its labels and layout are set) that checks its
    # partitions with _batch_arrays and trains a round with _train_replica;
    # the workers use nothing else of the class.
    # ------------------------------------------------------------------
    def _replica_skeleton(self, class_weight: Any) -> Any:
        """A copy of this model without its weights and training history:
        what every replica needs besides the parameters.  Replicas train
        with one thread per task (a worker's threads run replicas side by
        side), silently, never checkpoint (the driver does), and, for a
        classifier, with `class_weight` (the driver's, with 'balanced'
        turned into a dict from the counts of all of y)."""
        skeleton = copy.copy(self)
        skeleton.__dict__ = {k: v for k, v in self.__dict__.items()
                             if k not in ("_params", "_best_params", "_optimizer",
                                          "loss_curve_", "validation_scores_",
                                          "validation_loss_curve_")}
        skeleton.loss_curve_ = []
        # Partitions need not hold every class: each is checked as
        # partial_fit checks a batch (labels among the classes), not as a
        # warm start.
        skeleton.warm_start = False
        skeleton.n_jobs = 1
        skeleton.verbose = False
        skeleton.checkpoint_path = None
        if self._is_classifier:
            cast(Any, skeleton).class_weight = class_weight
        return skeleton

    def _training_dtype(self) -> np.dtype[Any]:
        """The dtype of the parameters being trained (a started run)."""
        return self._params.dtype

    def _round_start(self, with_state: bool) -> tuple[_Floats, Optimizer]:
        """(parameters, optimiser) that a round of fnn.distributed sends to
        its replicas: the model's own objects (not copies; the replicas copy
        them).  Without `with_state`, a copy of the optimiser whose state is
        None: its schedule and step count only, the replicas starting fresh
        state vectors (see _train_replica)."""
        optimizer: Any = self._optimizer
        if not with_state:
            optimizer = copy.copy(optimizer)
            optimizer.state = None
        return self._params, optimizer

    def _take_average(self, params: NDArray[np.float64],
                      states: Sequence[NDArray[np.float64]] | None,
                      n_updates: int) -> bool:
        """Make the replicas' averaged round this model's: `params` (in
        float64) become the parameters, `states` (None: kept) the
        optimiser's non-empty state vectors, and the optimiser's update
        count grows by `n_updates`.  Returns False, changing nothing, when
        the parameters are not finite in the model's dtype (a sum of finite
        float32 vectors can still overflow)."""
        if not np.isfinite(params.astype(self._params.dtype)).all():
            return False
        self._params[...] = params
        optimizer = self._optimizer
        if states is not None:
            for state, mean in zip(optimizer.state, states):
                if state.size:
                    state[...] = mean
        optimizer.n_updates += n_updates
        return True

    def _batch_arrays(self, X: Any, y: Any, sample_weight: Any, dtype: DTypeLike
                      ) -> tuple[Any, _Floats, _Floats | None, _Floats | None]:
        """(X, Y, sample_weight, class_scale) of one batch of data, checked
        as partial_fit checks a batch: X as the kernels take it (of `dtype`,
        the parameters'), the target matrix of y (labels among the known
        classes), sample weights and per-example class weights (None when
        unused)."""
        X = kernel_input(X, dtype)
        n_features = self._layout.layer_units[0]
        if X.shape[1] != n_features:
            raise ValueError(f"X has {X.shape[1]} features in a partition, but the model "
                             f"is trained with {n_features} features.")
        y = as_label_array(y) if self._is_classifier else _as_array(y, "y")
        check_consistent_length(X, y)
        Y = self._prepare_targets(y, dtype, first_pass=False, incremental=True)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], dtype)
        class_scale = self._class_scale(Y, incremental=True)
        return X, Y, sample_weight, class_scale

    def _train_replica(self, params: _Floats, optimizer: Optimizer,
                       passes: Sequence[tuple[Any, ...]], probe_rows: int
                       ) -> tuple[_Floats, Optimizer, int, float, str | None]:
        """Train a copy of this model from `params` and `optimizer` (copied;
        an optimiser whose ``state`` is None restarts from zero state and
        step count, keeping its schedule) over `passes`, one after the other:
        each ``(X, Y, sample_weight, class_scale, order, batch_size,
        dropout_seed)``, with prepared arrays (see _batch_arrays), the rows to
        visit and the seed of the pass's dropout masks.  Then the
        last `probe_rows` rows of the last pass run forward: the kernels see
        an update's effect only at the next example, so weights that
        overflow in the last updates pass them (as fit checks its outputs).

        Returns (parameters, optimiser, examples trained on, their summed
        loss, None), or with the last item the cause of a divergence (the
        pass that diverged is undone, and training stops).
        """
        model = copy.copy(self)
        model._params = params.copy()
        optimizer = copy.deepcopy(optimizer)
        if cast(Any, optimizer).state is None:
            optimizer.state = make_optimizer(model, len(params), params.dtype).state
            optimizer.n_updates = 0
        model._optimizer = optimizer
        loss_sum = 0.0
        n_seen = 0
        for X, Y, sample_weight, class_scale, order, batch_size, dropout_seed in passes:
            loss, diverged = model._run_epoch(X, Y, sample_weight, class_scale, order,
                                              batch_size, model._restore_point(),
                                              dropout_seed)
            if diverged:
                return model._params, optimizer, n_seen, loss_sum, \
                    "the loss became non-finite"
            loss_sum += loss * len(order)
            n_seen += len(order)
        if passes:
            X, order = passes[-1][0], passes[-1][4]
            outputs = model._forward(model._training_state(), X, 1,
                                     np.sort(order[-probe_rows:]))
            if not np.isfinite(outputs).all():
                return model._params, optimizer, n_seen, loss_sum, \
                    "the network's outputs are not finite (overflow)"
        return model._params, optimizer, n_seen, float(loss_sum), None

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _forward(self, state: _FittedState, X: Any, n_threads: int,
                 rows: ArrayLike | None = None) -> _Floats:
        """The network's outputs on X (validated for `state`), or on its
        rows `rows` (intp indices; read in place): the one
        place a prediction reaches the compiled core."""
        if rows is not None:
            rows = np.ascontiguousarray(rows, dtype=np.intp)
        n_rows = X.shape[0] if rows is None else len(rows)
        out = np.empty((n_rows, state.n_outputs), dtype=state.dtype)
        # Our threads split the rows; BLAS runs one thread in each.
        with blas_threads(1):
            _forward.forward(X, state.layout.table, state.params,
                             HIDDEN_ACTIVATIONS[state.hidden], ACTIVATIONS[state.output],
                             out, n_threads=n_threads, rows=rows)
        return out

    def _predict_outputs(self, X: Any) -> tuple[_FittedState, _Floats]:
        """(the fitted state, the network's outputs on X), from one read of
        the state."""
        state = self._state()
        X = self._validate_X(X, state.dtype, state)
        return state, self._forward(state, X, self._threads())

    # ------------------------------------------------------------------
    # Model files (fnn._persistence; docs/model-format.md)
    # ------------------------------------------------------------------
    #: The fitted attributes a file holds: name -> (kind, lower bound, may
    #: be None), checked by model_file.check_value on load.
    _FILE_ATTRIBUTES = {
        "n_features_in_": ("int", 1, False),
        "n_outputs_": ("int", 1, False),
        "n_iter_": ("int", 0, False),
        "t_": ("int", 0, False),
        "_no_improvement_count": ("int", 0, False),
        "loss_": ("number", None, False),
        "loss_curve_": ("numbers", None, False),
        "best_loss_": ("number", None, True),
        "validation_scores_": ("numbers", None, True),
        "validation_loss_curve_": ("numbers", None, True),
        "best_validation_score_": ("number", None, True),
        "_y_was_1d": ("bool", None, False),
    }
    _OPTIMIZER_SOLVERS = {"SGDOptimizer": "sgd", "AdamOptimizer": "adam"}

    def _get_state(self) -> tuple[np.dtype[Any], dict[str, Any], dict[str, Any]]:
        """(dtype, state, arrays) of this fitted network for a model file."""
        attributes = {name: getattr(self, name) for name in self._FILE_ATTRIBUTES
                      if name in self.__dict__}
        state = {"layer_units": list(self._layout.layer_units), "attributes": attributes}
        arrays = {"params": self._params, "best_params": self._best_params}
        if self._is_classifier:
            classes, was_object = model_file.encode_labels(self._label_binarizer.classes_)
            arrays["classes"] = classes
            state["labels"] = {"y_type": self._label_binarizer.y_type_,
                               "object": was_object}
        model_file.store_feature_names(self, arrays)
        optimizer = self.__dict__.get("_optimizer")
        if optimizer is not None:
            fields = {k: v for k, v in vars(optimizer).items() if k != "state"}
            state["optimizer"] = {"class": type(optimizer).__name__, "fields": fields}
            arrays["optimizer_state_0"], arrays["optimizer_state_1"] = optimizer.state
        return self._params.dtype, state, arrays

    def _set_state(self, dtype: np.dtype[Any], state: dict[str, Any],
                   arrays: dict[str, Any]) -> None:
        """Restore this freshly constructed network from a model file's
        state, checking every value (ValueError)."""
        mf = model_file
        classifier = self._is_classifier
        mf.check_fields(state, ["layer_units", "attributes"],
                        ["optimizer"] + (["labels"] if classifier else []))
        units = state["layer_units"]
        if not isinstance(units, list) or len(units) < 2:
            raise ValueError(f"layer_units must list at least 2 layers; got "
                             f"{mf.short_repr(units)}.")
        for u in units:
            mf.check_value("layer_units", u, "int", low=1)
        attributes = state["attributes"]
        names = [n for n in self._FILE_ATTRIBUTES if not classifier or n != "_y_was_1d"]
        mf.check_fields(attributes, ["n_features_in_", "n_outputs_"], names,
                        where="attributes")
        for name, value in attributes.items():
            kind, low, optional = self._FILE_ATTRIBUTES[name]
            mf.check_value(name, value, kind, low, optional)
        if units[0] != attributes["n_features_in_"] or \
                units[-1] != attributes["n_outputs_"]:
            raise ValueError(f"layer_units {units} disagree with n_features_in_="
                             f"{attributes['n_features_in_']} and n_outputs_="
                             f"{attributes['n_outputs_']}.")
        layout = Layout(units)
        arrays = dict(arrays)
        feature_names = mf.restore_feature_names(arrays, units[0])
        expected = {"params", "best_params"}
        if classifier:
            expected.add("classes")
        if "optimizer" in state:
            expected |= {"optimizer_state_0", "optimizer_state_1"}
        if set(arrays) != expected:
            raise ValueError(f"arrays {sorted(arrays)}; expected {sorted(expected)} "
                             "(and feature_names_in, optionally).")
        params, best = (mf.check_finite(name, mf.check_member_array(
            name, arrays[name], dtype, (layout.n_params,)))
            for name in ("params", "best_params"))
        if classifier:
            labels: Any = state.get("labels")
            mf.check_fields(labels, ["y_type", "object"], where="labels")
            binarizer = LabelBinarizer()
            binarizer.y_type_ = labels["y_type"]
            # A network trained on one class is binary with that class alone.
            binarizer.classes_ = mf.check_classes(
                arrays["classes"], labels["y_type"],
                mf.check_value("object", labels["object"], "bool"), one_class=True)
            if binarizer.n_outputs != units[-1]:
                raise ValueError(f"{len(binarizer.classes_)} {labels['y_type']} "
                                 f"classes need {binarizer.n_outputs} outputs; the "
                                 f"network has {units[-1]}.")
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        if feature_names is not None:
            self.feature_names_in_ = feature_names
        self._layout = layout
        self._params = params
        self._best_params = best
        for name, value in attributes.items():
            setattr(self, name, value)
        if "optimizer" in state:
            self._optimizer = self._restore_optimizer(state["optimizer"], layout.n_params,
                                                      dtype, arrays)

    def _restore_optimizer(self, saved: Any, n_params: int, dtype: np.dtype[Any],
                           arrays: dict[str, Any]) -> Optimizer:
        """Rebuild the optimiser from the parameters, then put back its
        saved fields and state; the state must be what its update rule
        reads."""
        mf = model_file
        mf.check_fields(saved, ["class", "fields"], where="optimizer")
        solver = self._OPTIMIZER_SOLVERS.get(saved["class"])
        if solver is None:
            raise ValueError(f"unknown optimizer class {mf.short_repr(saved['class'])}.")
        # The solver of the file, even if `solver` was changed after fitting:
        # partial_fit keeps using the optimiser the model trained with.
        config = type(self)(**{**self.get_params(), "solver": solver})
        optimizer = make_optimizer(config, n_params, dtype)
        fields = saved["fields"]
        if not isinstance(fields, dict):
            raise ValueError("optimizer fields must be a dict.")
        current = vars(optimizer)
        for name, value in fields.items():
            if name not in current or name == "state":
                raise ValueError(f"unknown optimizer field {mf.short_repr(name)}.")
            if name in ("kind", "n_updates"):
                mf.check_value(f"optimizer field {name}", value, "int", low=0)
            elif isinstance(current[name], str):
                mf.check_value(f"optimizer field {name}", value, "str")
            else:
                mf.check_value(f"optimizer field {name}", value, "number")
                if not np.isfinite(value):
                    raise ValueError(f"optimizer field {name} must be finite.")
            setattr(optimizer, name, value)
        rules = {"SGDOptimizer": (SGD, MOMENTUM, NESTEROV), "AdamOptimizer": (ADAM,)}
        kind = optimizer.kind
        if kind not in rules[saved["class"]]:
            raise ValueError(f"{saved['class']} cannot use update rule {kind}.")
        # The compiled step trusts its buffers: give it exactly what its rule reads.
        sizes = {SGD: (0, 0), MOMENTUM: (n_params, 0), NESTEROV: (n_params, 0),
                 ADAM: (n_params, n_params)}[kind]
        optimizer.state = cast(Any, tuple(
            mf.check_finite(f"optimizer_state_{i}", mf.check_member_array(
                f"optimizer_state_{i}", arrays[f"optimizer_state_{i}"], dtype, (size,)))
            for i, size in enumerate(sizes)))
        return optimizer




@fill_doc(**_SHARED_DOC)
class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier, trained by fnn's compiled core.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, defaults, update rules, fitted attributes and messages.
    Binary targets get one sigmoid output and log-loss, multiclass targets a
    softmax output and cross-entropy, multilabel (2-D 0/1) targets one
    sigmoid per label.  A target with a single class trains one sigmoid
    towards 0 and always predicts that class, as scikit-learn does.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units in each hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', \
'gelu', 'silu', 'softplus'}, default='relu'
        Hidden-layer activation.  The last five are beyond scikit-learn,
        with PyTorch's definitions: 'leaky_relu' max(z, 0.01 z), 'elu'
        z for z > 0 else e^z - 1, 'gelu' z Phi(z) with the normal CDF
        Phi (exact, not the tanh approximation), 'silu' z sigmoid(z),
        'softplus' log(1 + e^z).
    solver : {'sgd', 'adam', 'lbfgs'}, default='adam'
        'lbfgs' minimises the full-batch loss with scipy's L-BFGS-B, as
        scikit-learn's does; ``partial_fit`` exists only for 'sgd' and
        'adam'.
    alpha : float, default=1e-4
        L2 penalty strength (finite).
    batch_size : int or 'auto', default='auto'
        'auto' is min(200, n_samples).  1 selects the per-example path.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the 'sgd' solver.
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs (L-BFGS: iterations).
    shuffle : bool, default=True
        Shuffle the samples each epoch.
    random_state : int, RandomState or None, default=None
        Seeds initial weights, shuffling and the validation split.
    tol : float, default=1e-4
    verbose : bool or int, default=False
        1 or True: scikit-learn's progress lines on stdout (``Iteration N,
        loss = ...``, ``Validation score: ...``, why training stopped).
        2 or more: also a progress bar on stderr (tqdm) with the loss,
        examples/s and validation score.
    warm_start : bool, default=False
        Start from the previous fit's weights.
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out validation_fraction of the data and stop when its accuracy
        stops improving; the best weights are restored.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, defaults 0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int or np.inf, default=10
        np.inf never stops early.
    max_fun : int, default=15000
        Most loss evaluations of the 'lbfgs' solver.
    n_jobs : int or None, default=None
        Threads for training and prediction, at most 1024.  None or -1: all
        cores this process may use; 1: one thread.  Mini-batches split each
        batch's rows across that many threads, which changes only the order
        of the batch sums.  The per-example path (batch_size=1) uses one
        thread unless n_jobs is given explicitly; it then runs local SGD:
        every thread trains its own copy of the weights on its share of the
        examples and the copies' changes are added up every 32 examples per
        thread.  That learns as well as one thread (bench/test_threads.py)
        and gives the same weights for the same n_jobs, but not one thread's
        weights.
    class_weight : None, 'balanced' or dict, default=None
        Multiplies each example's loss and gradient by its class's weight
        ('balanced': n_samples / (n_classes * count of the class)).  Unlike
        sample_weight, which scikit-learn normalises by each batch's total
        weight, class weights are not normalised away, so they also act with
        batch_size=1.  Not in scikit-learn's MLP.
    checkpoint_path : str, path-like or None, default=None
        Save the model there (fnn's model format, written atomically) every
        ``checkpoint_every`` epochs; ``fnn.load`` it and fit with
        ``warm_start=True`` to resume.  Checked before training: its folder
        must exist and accept files, and an existing file there must be an
        fnn model file (a checkpoint never replaces anything else).
    checkpoint_every : int, default=1
    dropout : float or sequence of float, default=0.0
        Inverted dropout of the hidden units while training with 'sgd' or
        'adam' (per-example and mini-batch): each hidden unit's output is
        set to 0 with this probability, and the kept ones are divided by
        1 - rate, so prediction uses the network as it is.  One rate for
        every hidden layer, or one per hidden layer; each in [0, 1).  The
        masks come from ``random_state``: a fit is reproducible for a
        fixed ``n_jobs``.  0 (the default) trains exactly as without
        dropout.  Not with 'lbfgs'.  Not in scikit-learn's MLP.

    Attributes
    ----------
    classes_, coefs_, intercepts_, n_iter_, loss_, loss_curve_, best_loss_,
    validation_scores_, best_validation_score_, t_, n_features_in_,
    feature_names_in_, n_layers_, n_outputs_, out_activation_ : as in
    scikit-learn.
    validation_loss_curve_ : list of float or None
        With early_stopping, the loss on the validation set after each epoch
        (mean over its examples, without the L2 term).

    Notes
    -----
    Divergence: when an epoch's loss turns non-finite, its updates are
    undone, ``loss_curve_`` (and ``validation_scores_``) get NaN for it as
    scikit-learn's curves do, training stops and a ConvergenceWarning names
    the epoch; the model keeps the weights of the last finished epoch and
    never has NaN weights.  fit raises only when no weights of the fit give
    finite outputs on the training data (scikit-learn's "Solver produced
    non-finite parameter weights").

    {thread_safety}
    """

    _is_classifier = True
    classes_: NDArray[Any]
    _label_binarizer: LabelBinarizer
    _estimator_type = "classifier"
    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              "class_weight": [None, Options(("balanced",)), "dict"]}

    def __sklearn_tags__(self) -> Any:
        return sklearn_tags("classifier", multi_output=True, multi_label=True,
                            sparse=True)

    def __init__(self, hidden_layer_sizes: int | Sequence[int] = (100,),
                 activation: str = "relu", *, solver: str = "adam", alpha: float = 0.0001,
                 batch_size: int | str = "auto", learning_rate: str = "constant",
                 learning_rate_init: float = 0.001, power_t: float = 0.5,
                 max_iter: int = 200, shuffle: bool = True,
                 random_state: int | np.random.RandomState | None = None, tol: float = 1e-4,
                 verbose: bool | int = False, warm_start: bool = False,
                 momentum: float = 0.9, nesterovs_momentum: bool = True,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8,
                 n_iter_no_change: int | float = 10, max_fun: int = 15000,
                 n_jobs: int | None = None,
                 class_weight: dict[Any, float] | str | None = None,
                 checkpoint_path: str | os.PathLike[str] | None = None,
                 checkpoint_every: int = 1,
                 dropout: float | Sequence[float] = 0.0) -> None:
        self.class_weight = class_weight
        super().__init__(loss="log_loss", **self._base_arguments(locals()))

    @property
    def _loss_name(self) -> str:
        return ("log_loss" if self._label_binarizer.y_type_ == "multiclass"
                else "binary_log_loss")

    def _prepare_targets(self, y: NDArray[Any], dtype: DTypeLike, first_pass: bool,
                         incremental: bool, classes: Any = None) -> _Floats:
        """The target matrix of labels y, with scikit-learn's rules for which
        call defines the classes and which must keep them."""
        known = "_label_binarizer" in self.__dict__
        if incremental and not known:
            # partial_fit's first call: the classes of every later call.
            if classes is None:
                raise ValueError("classes must be passed on the first call to "
                                 "partial_fit.")
            binarizer = LabelBinarizer().fit(y if y.ndim == 2 else classes)
            self._label_binarizer, self.classes_ = binarizer, binarizer.classes_
        elif incremental:
            known_classes = self._label_binarizer.classes_
            if classes is not None and not np.array_equal(known_classes,
                                                          unique_labels(classes)):
                raise ValueError(f"`classes={classes!r}` is not the same as on last call "
                                 f"to partial_fit, was: {known_classes!r}")
            self._check_known_classes(y)
        elif first_pass or not known:
            binarizer = LabelBinarizer().fit(y)
            self._label_binarizer, self.classes_ = binarizer, binarizer.classes_
        elif self.warm_start:
            self._check_known_classes(y)
        return self._label_binarizer.transform(y, dtype)

    def _check_known_classes(self, y: NDArray[Any]) -> None:
        """Continuing training: with warm_start the same classes as before,
        otherwise (partial_fit) classes among them."""
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return
        classes = LabelBinarizer().fit(y).classes_
        known = self._label_binarizer.classes_
        if self.warm_start:
            if set(classes) != set(known):
                raise ValueError(_warm_classes_message(known, classes))
        elif len(np.setdiff1d(classes, known)):
            raise ValueError("`y` has classes not in `self.classes_`. `self.classes_` "
                             f"has {known}. 'y' has {classes}.")

    def _targets_to_output(self, Y: _Floats) -> NDArray[Any]:
        return self._label_binarizer.inverse_transform(Y)

    def _use_classes(self, binarizer: LabelBinarizer, warm: bool) -> None:
        """fnn.distributed's part of _prepare_targets, with the labels found
        on the cluster (`binarizer`, fitted): a warm start keeps the model's
        classes, which must be the same; otherwise they become the model's."""
        if warm:
            known = self._label_binarizer.classes_
            if not np.array_equal(binarizer.classes_, known):
                raise ValueError(_warm_classes_message(known, binarizer.classes_))
        else:
            self._label_binarizer, self.classes_ = binarizer, binarizer.classes_

    def _class_scale(self, Y: _Floats, incremental: bool) -> _Floats | None:
        cw = self.class_weight
        if cw is None:
            return None
        binarizer = self._label_binarizer
        if binarizer.y_type_ == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets.")
        index = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp)
        if isinstance(cw, str):
            if incremental:
                refuse_balanced_partial_fit(cw)
            weights = balanced_weights(np.bincount(index, minlength=len(binarizer.classes_)))
        else:
            unknown = set(cw) - set(binarizer.classes_.tolist())
            if unknown:
                raise ValueError(f"class_weight has labels that are not classes: "
                                 f"{sorted(unknown, key=str)}; classes are "
                                 f"{binarizer.classes_}.")
            weights = np.array([checked_weight(c, cw.get(c, 1.0))
                                for c in binarizer.classes_.tolist()], dtype=float)
        return weights[index].astype(Y.dtype)

    def _score_outputs(self, P: _Floats, y: NDArray[Any],
                       sample_weight: Any = None) -> float:
        pred = self._label_binarizer.inverse_transform(P)
        correct = (pred == y).all(axis=1) if pred.ndim == 2 else pred == y
        return float(np.average(correct, weights=sample_weight))

    @available_if(_BaseMLP._check_solver)
    def partial_fit(self, X: Any, y: ArrayLike, sample_weight: ArrayLike | None = None,
                    classes: ArrayLike | None = None) -> "MLPClassifier":
        """{partial_fit}

        Parameters
        ----------
        {X}
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The class labels (multilabel: a 0/1 indicator matrix).
        {sample_weight}
        classes : array-like, default=None
            Required on the first call: every class label that any call may
            contain (y need not contain them all).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _labels_and_outputs(self, X: Any) -> tuple[LabelBinarizer, _Floats]:
        state, P = self._predict_outputs(X)
        return cast(LabelBinarizer, state.binarizer), P  # a classifier's

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict using the multi-layer perceptron classifier.

        {parameters_X}

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes, of the dtype of ``classes_``: for each
            sample the class of highest probability (binary: the second
            class when its probability exceeds 0.5; one class: that class).
            A multilabel model gives an int 0/1 indicator matrix, one column
            per label, 1 where the label's probability exceeds 0.5.
        """
        binarizer, P = self._labels_and_outputs(X)
        return binarizer.inverse_transform(P)

    def predict_proba(self, X: Any) -> _Floats:
        """Probability estimates.

        {parameters_X}

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The predicted probability of each class, columns in the order
            of ``classes_`` (two columns for a binary or one-class model), in
            the model's dtype (float32 when it was fitted on float32 X,
            float64 otherwise).  A multiclass model's rows sum to 1 (softmax);
            a multilabel model gives each label's probability independently.
        """
        binarizer, P = self._labels_and_outputs(X)
        if binarizer.y_type_ == "binary":
            return np.hstack([1 - P, P])
        return P

    def predict_log_proba(self, X: Any) -> _Floats:
        """Logarithm of the probability estimates.

        {parameters_X}

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The natural logarithm of :meth:`predict_proba`, same columns and
            dtype; a probability of exactly 0 gives -inf.
        """
        P = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(P, out=P)

    def _accuracy(self, predicted: NDArray[Any], y: ArrayLike,
                  sample_weight: ArrayLike | None) -> float:
        """score's rule, with a multilabel model's (a 2-D prediction):
        the subset accuracy."""
        if predicted.ndim == 1:
            return accuracy(predicted, y, sample_weight)
        y = as_label_array(y)
        check_consistent_length(predicted, y)
        if y.ndim != 2 or y.shape[1] != predicted.shape[1]:
            raise ValueError(f"y must be a label-indicator matrix with "
                             f"{predicted.shape[1]} columns; got shape {y.shape}.")
        sw = check_sample_weight(sample_weight, len(y), np.float64)
        return float(np.average((predicted == y).all(axis=1), weights=sw))


@fill_doc(**_SHARED_DOC)
class MLPRegressor(_BaseMLP):
    """Multi-layer perceptron regressor, trained by fnn's compiled core.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`, one or many
    outputs.  ``loss='squared_error'``: identity output and half the mean
    squared error, as scikit-learn reports it.  ``loss='poisson'``: an
    exponential output (log link) and half the Poisson deviance, for counts
    and other targets y >= 0.  The other parameters are those of
    :class:`MLPClassifier` (class_weight aside).

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss minimised, which fixes the output activation: identity for
        'squared_error', exp for 'poisson'.
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate
        As in :class:`MLPClassifier`.
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose
        As in :class:`MLPClassifier`.
    warm_start, momentum, nesterovs_momentum
        As in :class:`MLPClassifier`.
    early_stopping, validation_fraction
        As in :class:`MLPClassifier`, with the held-out data scored by R^2
        (:meth:`score`) instead of accuracy.
    beta_1, beta_2, epsilon, n_iter_no_change, max_fun, n_jobs
        As in :class:`MLPClassifier`.
    checkpoint_path, checkpoint_every, dropout
        As in :class:`MLPClassifier`.

    Notes
    -----
    Divergence is handled as by :class:`MLPClassifier`: the epoch whose
    loss turns non-finite is undone and training stops with a
    ConvergenceWarning.

    {thread_safety}
    """

    _is_classifier = False
    _estimator_type = "regressor"
    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              "loss": [Options(("squared_error", "poisson"))]}

    def __sklearn_tags__(self) -> Any:
        return sklearn_tags("regressor", multi_output=True, sparse=True)

    def __init__(self, loss: str = "squared_error",
                 hidden_layer_sizes: int | Sequence[int] = (100,),
                 activation: str = "relu", *, solver: str = "adam",
                 alpha: float = 0.0001, batch_size: int | str = "auto",
                 learning_rate: str = "constant", learning_rate_init: float = 0.001,
                 power_t: float = 0.5, max_iter: int = 200, shuffle: bool = True,
                 random_state: int | np.random.RandomState | None = None,
                 tol: float = 1e-4, verbose: bool | int = False, warm_start: bool = False,
                 momentum: float = 0.9, nesterovs_momentum: bool = True,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8,
                 n_iter_no_change: int | float = 10, max_fun: int = 15000,
                 n_jobs: int | None = None,
                 checkpoint_path: str | os.PathLike[str] | None = None,
                 checkpoint_every: int = 1,
                 dropout: float | Sequence[float] = 0.0) -> None:
        super().__init__(**self._base_arguments(locals()))

    @property
    def _loss_name(self) -> str:
        return self.loss

    def _prepare_targets(self, y: NDArray[Any], dtype: DTypeLike, first_pass: bool,
                         incremental: bool, classes: Any = None) -> _Floats:
        y = check_array(y, name="y", dtype=dtype, ndim=y.ndim if y.ndim in (1, 2) else 1)
        if self.loss == "poisson" and (y < 0).any():
            row = int(np.flatnonzero((y < 0).reshape(len(y), -1).any(axis=1))[0])
            raise ValueError(
                "Some value(s) of y are out of the valid range of the loss 'poisson': "
                f"it needs y >= 0, and row {row} of y has {y[row]}.")
        if first_pass or "_y_was_1d" not in self.__dict__:
            self._y_was_1d = y.ndim == 1
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first_pass and "_layout" in self.__dict__ and \
                Y.shape[1] != self._layout.layer_units[-1]:
            raise ValueError(_outputs_changed_message(Y.shape[1],
                                                      self._layout.layer_units[-1]))
        return Y

    def _targets_to_output(self, Y: _Floats) -> NDArray[Any]:
        return Y

    def _use_outputs(self, n_outputs: int, y_ndim: int, warm: bool) -> None:
        """fnn.distributed's part of _prepare_targets, with the shape of the
        y found on the cluster: a warm start keeps the model's number of
        outputs, which must be the same; otherwise predictions will be 1-D
        when y is."""
        if warm:
            if n_outputs != self.n_outputs_:
                raise ValueError(_outputs_changed_message(n_outputs, self.n_outputs_))
        else:
            self._y_was_1d = y_ndim == 1

    def _score_outputs(self, P: _Floats, y: NDArray[Any],
                       sample_weight: Any = None) -> float:
        return _r2_score(y, P, sample_weight)

    @available_if(_BaseMLP._check_solver)
    def partial_fit(self, X: Any, y: ArrayLike,
                    sample_weight: ArrayLike | None = None) -> "MLPRegressor":
        """{partial_fit}

        Parameters
        ----------
        {X}
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values; as many outputs as on the first call.
        {sample_weight}

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict using the multi-layer perceptron model.

        {parameters_X}

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values, in the model's dtype (float32 when it was
            fitted on float32 X, float64 otherwise); 1-D when the model has
            one output.
        """
        state, P = self._predict_outputs(X)
        return P.ravel() if state.n_outputs == 1 else P

    def score(self, X: Any, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Return the coefficient of determination R^2 of the prediction.

        R^2 is 1 - u/v, with u the residual sum of squares
        ``((y - y_pred) ** 2).sum()`` and v the total sum of squares
        ``((y - y.mean()) ** 2).sum()``; the best score is 1.0 and it can be
        negative.  A constant y scores 1.0 when predicted exactly and 0.0
        otherwise.  With several outputs the scores of the outputs are
        averaged uniformly.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True values for `X`.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights: they weight each sample's squared residual, and
            the mean of y, in both sums.

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` with respect to `y`.
        """
        state, P = self._predict_outputs(X)
        y = _as_array(y, "y")
        y = check_array(y, name="y", dtype=P.dtype, ndim=y.ndim if y.ndim in (1, 2) else 1)
        check_consistent_length(P, y)
        Y = y.reshape(len(y), -1)
        if Y.shape[1] != state.n_outputs:
            raise ValueError(f"y has {Y.shape[1]} outputs (columns); the model "
                             f"predicts {state.n_outputs}.")
        sw = check_sample_weight(sample_weight, len(y), np.float64)
        return _r2_score(Y, P, sw)


def _warm_classes_message(known: NDArray[Any], classes: NDArray[Any]) -> str:
    """scikit-learn's refusal of a warm start whose y has other classes."""
    return ("warm_start can only be used where `y` has the same classes as in the "
            f"previous call to fit. Previously got {known}, `y` has {classes}")


def _outputs_changed_message(n_outputs: int, fitted: int) -> str:
    """The refusal of training continued with another number of outputs."""
    return f"y has {n_outputs} outputs; the model was fitted with {fitted}."


def _as_array(y: Any, name: str) -> NDArray[Any]:
    """y as an ndarray (pandas objects and lists included), without yet
    converting its dtype."""
    return to_numpy(y, name)


def _r2_score(Y: NDArray[Any], P: NDArray[Any], sample_weight: Any = None) -> float:
    """R^2 of predictions P for targets Y (2-D), uniform over outputs, as
    scikit-learn's r2_score."""
    Y = np.asarray(Y, dtype=np.float64).reshape(len(P), -1)
    P = np.asarray(P, dtype=np.float64).reshape(len(P), -1)
    w = np.ones(len(Y)) if sample_weight is None else sample_weight
    residual = (w[:, None] * (Y - P) ** 2).sum(axis=0)
    mean = np.average(Y, axis=0, weights=w)
    total = (w[:, None] * (Y - mean) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(total > 0, 1 - residual / total,
                      np.where(residual == 0, 1.0, 0.0))
    return float(r2.mean())


# Where checkpoints go and how many threads train: the loading caller's choice.
_LOCAL_PARAMS = ("checkpoint_path", "checkpoint_every", "n_jobs")
model_file.register(MLPClassifier, local_params=_LOCAL_PARAMS)
model_file.register(MLPRegressor, local_params=_LOCAL_PARAMS)
