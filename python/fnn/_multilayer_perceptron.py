"""MLPClassifier and MLPRegressor: scikit-learn's MLP API on fnn's core.

The estimators validate inputs and parameters, keep the network's parameters
in one flat buffer (see _layout), and run the epoch loop with scikit-learn's
stopping rules; each epoch is one call into the compiled core, which holds no
GIL and does no Python work per example.
"""
import numbers
import os
import threading
import warnings

import numpy as np

from fnncore import _forward, _losses, _minibatch, _sgd

from ._base import ParamsMixin
from ._labels import LabelBinarizer, accuracy, as_label_array
from ._layout import LayerList, Layout
from ._optimizers import make_optimizer
from ._progress import EpochProgress
from ._registry import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from ._sklearn_compat import interoperable, sklearn_tags
from ._parallel import blas_threads, effective_n_jobs
from ._validation import (_to_numpy, check_array, check_consistent_length, check_n_features,
                          check_random_state, check_sample_weight, float_dtype_of)
from ._validation import check_bool as _check_bool
from ._validation import check_choice as _check_choice
from ._validation import check_number as _check_number
from .exceptions import ConvergenceWarning, NotFittedError

_SOLVERS = ("sgd", "adam", "lbfgs")

_LEARNING_RATES = ("constant", "invscaling", "adaptive")
# A bound on network size that keeps every offset far inside the C integer
# types (2^40 float64 parameters would be 8 TiB).
_MAX_PARAMS = 2 ** 40


class _BaseMLP(ParamsMixin):
    """Shared machinery of MLPClassifier and MLPRegressor."""

    def __init__(self, hidden_layer_sizes, activation, solver, alpha, batch_size,
                 learning_rate, learning_rate_init, power_t, max_iter, loss, shuffle,
                 random_state, tol, verbose, warm_start, momentum,
                 nesterovs_momentum, early_stopping, validation_fraction, beta_1,
                 beta_2, epsilon, n_iter_no_change, max_fun, n_jobs, checkpoint_path,
                 checkpoint_every):
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

    # ------------------------------------------------------------------
    # Parameters and the flat weight buffer
    # ------------------------------------------------------------------
    def _hidden_sizes(self):
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
            if size <= 0:
                raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _validate_params(self):
        self._hidden_sizes()
        _check_choice("activation", self.activation, HIDDEN_ACTIVATIONS)
        _check_choice("solver", self.solver, _SOLVERS)
        _check_number("alpha", self.alpha, low=0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _check_number("batch_size", self.batch_size, low=1, integer=True)
        _check_choice("learning_rate", self.learning_rate, _LEARNING_RATES)
        _check_number("learning_rate_init", self.learning_rate_init, low=0, low_open=True)
        _check_number("power_t", self.power_t, low=0)
        _check_number("max_iter", self.max_iter, low=1, integer=True)
        _check_bool("shuffle", self.shuffle)
        _check_number("tol", self.tol, low=0)
        _check_number("momentum", self.momentum, low=0, high=1)
        _check_bool("nesterovs_momentum", self.nesterovs_momentum)
        _check_bool("early_stopping", self.early_stopping)
        _check_bool("warm_start", self.warm_start)
        _check_number("validation_fraction", self.validation_fraction, low=0, high=1,
                      low_open=True, high_open=True)
        _check_number("beta_1", self.beta_1, low=0, high=1, high_open=True)
        _check_number("beta_2", self.beta_2, low=0, high=1, high_open=True)
        _check_number("epsilon", self.epsilon, low=0, low_open=True)
        _check_number("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)
        _check_number("max_fun", self.max_fun, low=1, integer=True)
        if self.n_jobs is not None:
            _check_number("n_jobs", self.n_jobs, integer=True)
            if self.n_jobs == 0:
                raise ValueError("n_jobs must not be 0; use None, -1 or a positive int.")
        check_random_state(self.random_state)
        if self.checkpoint_path is not None and not isinstance(self.checkpoint_path,
                                                               (str, os.PathLike)):
            raise TypeError("checkpoint_path must be None or a path; got "
                            f"{self.checkpoint_path!r}.")
        _check_number("checkpoint_every", self.checkpoint_every, low=1, integer=True)

    def _check_stochastic(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(f"partial_fit is only available for stochastic "
                                 f"optimizers; {self.solver!r} is not stochastic.")

    def _check_fitted(self):
        if "_params" not in self.__dict__:
            raise interoperable(NotFittedError)(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                "'fit' with appropriate arguments before using this estimator.")

    @property
    def coefs_(self):
        """list of ndarray: ``coefs_[i]`` is the (fan_in, fan_out) weight
        matrix of layer i, a view into the model's flat parameter vector;
        ``coefs_[i] = W`` copies W into the model."""
        self._check_fitted()
        return LayerList(self._layout.coefs(self._params))

    @coefs_.setter
    def coefs_(self, layers):
        self._assign_layers(layers, self.coefs_)

    @property
    def intercepts_(self):
        """list of ndarray: ``intercepts_[i]`` is the bias vector of layer i
        (a view, like ``coefs_``)."""
        self._check_fitted()
        return LayerList(self._layout.intercepts(self._params))

    @intercepts_.setter
    def intercepts_(self, layers):
        self._assign_layers(layers, self.intercepts_)

    @staticmethod
    def _assign_layers(layers, views):
        if len(layers) != len(views):
            raise ValueError(f"expected {len(views)} layers; got {len(layers)}.")
        for i, layer in enumerate(layers):
            views[i] = layer

    @property
    def n_layers_(self):
        """int: number of layers, input and output included."""
        self._check_fitted()
        return len(self._layout.layer_units)

    def _initialize(self, layer_units, dtype, rng):
        """Fresh weights with scikit-learn's Glorot-uniform draws, in the same
        order from the same RandomState, so a seed gives the same start."""
        n_params = sum(a * b + b for a, b in zip(layer_units[:-1], layer_units[1:]))
        if n_params > _MAX_PARAMS:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} with "
                f"{layer_units[0]} features and {layer_units[-1]} outputs gives "
                f"{n_params:,} parameters; fnn supports at most {_MAX_PARAMS:,}.")
        self._layout = Layout(layer_units)
        self._params = np.empty(self._layout.n_params, dtype=dtype)
        factor = 2.0 if self.activation == "logistic" else 6.0
        for W, b in zip(self._layout.coefs(self._params),
                        self._layout.intercepts(self._params)):
            fan_in, fan_out = W.shape
            bound = np.sqrt(factor / (fan_in + fan_out))
            W[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            b[...] = rng.uniform(-bound, bound, fan_out)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._best_params = self._params.copy()
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

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def _fit(self, X, y, sample_weight, incremental):
        self._validate_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the "
                             "target y is None.")
        first_pass = "_params" not in self.__dict__ or (
            not self.warm_start and not incremental)
        dtype = float_dtype_of(X) if first_pass else self._params.dtype
        X = check_array(X, dtype=dtype)
        if not first_pass:
            check_n_features(X, self.n_features_in_, type(self).__name__)
        check_consistent_length(X, as_label_array(y) if self._is_classifier else
                                _as_array(y, "y"))
        Y = self._prepare_targets(y, X.dtype, first_pass, incremental)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        class_scale = self._class_scale(Y, incremental)
        rng = check_random_state(self.random_state)
        if first_pass:
            self.n_features_in_ = X.shape[1]
            self.n_outputs_ = Y.shape[1]
            self._initialize([X.shape[1], *self._hidden_sizes(), Y.shape[1]],
                             X.dtype, rng)
        elif self._layout.layer_units[1:-1] != tuple(self._hidden_sizes()):
            raise ValueError(
                "hidden_layer_sizes changed since the model was fitted "
                f"({list(self._layout.layer_units[1:-1])}); warm_start and "
                "partial_fit need the same architecture.")
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, Y, sample_weight, class_scale)
        else:
            self._fit_stochastic(X, Y, sample_weight, class_scale, incremental, rng)
        return self

    def _fit_lbfgs(self, X, Y, sample_weight, class_scale):
        """Full-batch L-BFGS-B (SciPy) on the objective and gradient the
        compiled core computes over all of X, as scikit-learn's 'lbfgs'."""
        import scipy.optimize

        loss_code, out_name = LOSSES[self._loss_name]
        sw = sample_weight if sample_weight is not None else np.empty(0, X.dtype)
        grad = np.empty_like(self._params)
        start = self._params.copy()

        def objective(flat):
            self._params[...] = flat  # SciPy works in float64; the model may not
            value = _minibatch.loss_gradient(
                X, Y, sw, self._layout.table, self._params, grad,
                HIDDEN_ACTIVATIONS[self.activation], ACTIVATIONS[out_name],
                loss_code, float(self.alpha), class_scale)
            return value, grad.astype(np.float64)

        losses = []

        def record(intermediate_result):
            losses.append(float(intermediate_result.fun))

        # SciPy's own BLAS calls on the parameter vector need the same pin
        # as ours, or n_jobs=1 would still depend on the caller's BLAS threads.
        with blas_threads(None if self.n_jobs is None else effective_n_jobs(self.n_jobs)):
            result = scipy.optimize.minimize(
                objective, self._params.astype(np.float64), method="L-BFGS-B",
                jac=True, callback=record,
                options={"maxfun": self.max_fun, "maxiter": self.max_iter,
                         "gtol": self.tol})
        if not (np.isfinite(result.fun) and np.isfinite(result.x).all()):
            self._params[...] = start
            raise ValueError("L-BFGS produced a non-finite loss; the weights were "
                             "restored. Scale the input features or increase alpha.")
        self._params[...] = result.x
        self._check_outputs_finite(X, (start, [], 0))
        self.n_iter_ = min(int(result.nit), self.max_iter)
        self.loss_ = float(result.fun)
        self.loss_curve_.extend(losses or [self.loss_])
        self.best_loss_ = min(self.loss_curve_)
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}): {result.message}. Increase the number of "
                "iterations (max_iter) or scale the data.",
                interoperable(ConvergenceWarning))

    def _class_scale(self, Y, incremental):
        """Per-example multipliers of loss and gradient (class_weight), or
        None.  The regressor has none."""
        return None

    def _split_validation(self, Y, rng):
        """Indices of the training and validation rows: validation_fraction of
        the data held out, stratified by class for single-output classifiers.
        Indices, not copies, so the training data is never duplicated."""
        n = Y.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n))
        if n_val < 2 or n - n_val < 1:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset.")
        if self._is_classifier and self._label_binarizer.y_type_ != "multilabel-indicator":
            labels = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(int)
            val = []
            for c in np.unique(labels):
                members = rng.permutation(np.flatnonzero(labels == c))
                val.append(members[:int(round(len(members) * n_val / n))])
            val = np.concatenate(val)
        else:
            val = rng.permutation(n)[:n_val]
        train = np.setdiff1d(np.arange(n), val)
        return train.astype(np.intp), np.sort(val)

    def _fit_stochastic(self, X, Y, sample_weight, class_scale, incremental, rng):
        if not incremental or "_optimizer" not in self.__dict__:
            self._optimizer = make_optimizer(self, self._layout.n_params,
                                             self._params.dtype)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            train, val = self._split_validation(Y, rng)
            X_val, y_val = X[val], self._targets_to_output(Y[val])
            sw_val = None if sample_weight is None else sample_weight[val]
        else:
            train = np.arange(X.shape[0], dtype=np.intp)
        n_samples = len(train)
        batch_size = self._batch_size_for(n_samples)
        order = train
        snapshot = None
        self.n_iter_ = 0  # epochs of this call, as scikit-learn counts them
        max_epochs = 1 if incremental else self.max_iter
        progress = EpochProgress(self.verbose, max_epochs, type(self).__name__)
        try:
            for _ in range(max_epochs):
                if self.shuffle:
                    # scikit-learn's shuffle: a permutation of the current order.
                    perm = np.arange(n_samples)
                    rng.shuffle(perm)
                    order = order[perm]
                snapshot = self._snapshot()
                loss = self._run_epoch(X, Y, sample_weight, class_scale, order,
                                       batch_size, snapshot)
                validation = (X_val, Y[val], y_val, sw_val) if early_stopping else None
                if self._end_epoch(loss, n_samples, progress, validation):
                    break
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        interoperable(ConvergenceWarning))
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        finally:
            progress.close()
        if early_stopping:
            self._params[...] = self._best_params
        if snapshot is not None:
            self._check_outputs_finite(X, snapshot)

    def _batch_size_for(self, n_samples):
        """batch_size resolved for n_samples training examples, as
        scikit-learn does ('auto' is min(200, n); larger than n warns)."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(f"batch_size={self.batch_size} is larger than the "
                          f"{n_samples} samples; using {n_samples}.")
        return int(np.clip(self.batch_size, 1, n_samples))

    def _end_epoch(self, loss, n_seen, progress, validation=None, unit="epochs"):
        """Bookkeeping after a pass over the data that trained on n_seen
        examples with mean loss `loss`: counters, curves, validation score
        (validation = (X_val, Y_val, y_val, sample_weight_val) when early
        stopping), progress, learning-rate schedule, checkpoint and the
        stopping rules.  Returns True when training should stop.  Shared by
        fit/partial_fit and fnn.distributed, whose passes are rounds."""
        self.loss_ = loss
        self.n_iter_ += 1
        self.t_ += n_seen
        self.loss_curve_.append(loss)
        if validation is not None:
            self._record_validation(*validation)
        else:
            self._record_training_loss()
        progress.epoch_done(self.n_iter_, loss, n_seen,
                            None if validation is None else self.validation_scores_[-1])
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

    def _checkpoint(self):
        """Save the model to checkpoint_path every checkpoint_every epochs
        (counted over the model's life, as loss_curve_ is), atomically: a
        crash leaves the previous or the new file, never a torn one."""
        if self.checkpoint_path is not None and \
                len(self.loss_curve_) % self.checkpoint_every == 0:
            self.save(self.checkpoint_path)

    def _snapshot(self):
        opt = self._optimizer
        return self._params.copy(), [s.copy() for s in opt.state], opt.n_updates

    def _check_outputs_finite(self, X, snapshot):
        """The divergence check inside the epoch sees each update's effect
        only at the next example, so the last updates of a call are checked
        here, on the training data: if the network's outputs are not all
        finite (e.g. float32 overflow), the weights from before the last
        epoch come back and fit raises."""
        if self._outputs_bounded(X) or np.isfinite(self._forward(X)).all():
            return
        self._restore(snapshot)
        raise ValueError(
            "Training diverged: after the last epoch the network's outputs on the "
            "training data are not finite (overflow). The weights from before that "
            "epoch were kept. Scale the input features or try a smaller "
            f"learning_rate_init (now {self.learning_rate_init}).")

    def _outputs_bounded(self, X):
        """Whether every output of the network on X is surely finite, by a
        bound that costs two passes over X and one over the weights instead
        of a forward pass (which took a fifth of a one-epoch fit): a layer's
        pre-activations satisfy |z| <= ||a||_1 max|W| + max|b|, its input's
        ||a||_1 is at most n_features max|x| for the first layer, and after
        a logistic or tanh layer at most its width.  Far below overflow, as
        for any sane model, the bound answers; near it, or with non-finite
        weights, it does not, and the caller runs the network."""
        limit = float(np.finfo(X.dtype).max) / 4
        bounded = self.activation in ("logistic", "tanh")
        norm_1 = X.shape[1] * max(float(X.max()), -float(X.min()))
        for W, b in zip(self.coefs_, self.intercepts_):
            z = norm_1 * float(np.abs(W).max()) + float(np.abs(b).max())
            if not z < limit:
                return False
            norm_1 = W.shape[1] * (1.0 if bounded else z)
        return True

    def _run_epoch(self, X, Y, sample_weight, class_scale, order, batch_size, snapshot):
        """One pass over the rows of X in `order`; returns the epoch's mean
        loss over those rows.

        `snapshot` holds the parameters and optimiser state from before the
        epoch: if the loss turns non-finite the epoch is undone and a
        ValueError names it.
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
        try:
            if batch_size == 1:
                if sample_weight is not None:
                    # The per-example kernel takes positive weights only; a
                    # zero-weight example changes nothing, as a skipped one.
                    order = order[sample_weight[order] > 0]
                loss_sum, opt.n_updates, diverged = _sgd.sgd_epoch(
                    X, Y, sw, order, **common, n_threads=self._per_example_threads())
            else:
                # Our threads split each batch; BLAS runs one thread in each.
                with blas_threads(1):
                    loss_sum, opt.n_updates, diverged = _minibatch.minibatch_epoch(
                        X, Y, sw, order, batch_size, **common,
                        n_threads=effective_n_jobs(self.n_jobs))
        except BaseException as exc:
            # Ctrl-C (or another signal handler's exception): the kernel
            # stopped after a complete update.  Keep its weights, and count its
            # updates, unless the weights are not finite.
            if not np.isfinite(self._params).all():
                self._restore(snapshot)
            elif hasattr(exc, "fnn_n_updates"):
                opt.n_updates = exc.fnn_n_updates
            raise
        if diverged or not np.isfinite(self._params).all():
            self._restore(snapshot)
            raise ValueError(
                f"Training diverged in epoch {self.n_iter_ + 1}: the loss became "
                "non-finite. The weights of the last finished epoch were kept. "
                f"Try a smaller learning_rate_init (now {self.learning_rate_init}) "
                "or scale the input features.")
        return loss_sum / n_rows

    def _restore(self, snapshot):
        params, states, n_updates = snapshot
        self._params[...] = params
        if "_optimizer" in self.__dict__:
            for state, saved in zip(self._optimizer.state, states):
                state[...] = saved
            self._optimizer.n_updates = n_updates

    def _per_example_threads(self):
        """Threads for the per-example loop.  More than one runs local SGD,
        a different sequence of updates from scikit-learn's (see
        fnncore/_sgd.pyx), so n_jobs=None keeps one and threads run only when
        n_jobs asks for them."""
        return 1 if self.n_jobs is None else effective_n_jobs(self.n_jobs)

    def _record_training_loss(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _record_validation(self, X_val, Y_val, y_val, sw_val):
        P = self._forward(X_val)
        score = self._score_outputs(P, y_val, sw_val)
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
    # Prediction
    # ------------------------------------------------------------------
    def _forward(self, X):
        """Network output for validated X of the parameters' dtype."""
        out = np.empty((X.shape[0], self.n_outputs_), dtype=self._params.dtype)
        # Our threads split the rows; BLAS runs one thread in each.
        with blas_threads(1):
            _forward.forward(X, self._layout.table, self._params,
                             HIDDEN_ACTIVATIONS[self.activation],
                             ACTIVATIONS[self.out_activation_], out,
                             n_threads=effective_n_jobs(self.n_jobs))
        return out

    def _validated_forward(self, X):
        self._check_fitted()
        X = check_array(X, dtype=self._params.dtype)
        check_n_features(X, self.n_features_in_, type(self).__name__)
        return self._forward(X)

    @property
    def out_activation_(self):
        """str: the output layer's activation, fixed by the loss."""
        self._check_fitted()
        return LOSSES[self._loss_name][1]


class MLPClassifier(_BaseMLP):
    """Multi-layer perceptron classifier, trained by fnn's compiled core.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, defaults, update rules and fitted attributes.  Binary targets
    get one sigmoid output and log-loss, multiclass targets a softmax output
    and cross-entropy, multilabel (2-D 0/1) targets one sigmoid per label.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units in each hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Hidden-layer activation.
    solver : {'sgd', 'adam', 'lbfgs'}, default='adam'
        'lbfgs' minimises the full-batch loss with scipy's L-BFGS-B, as
        scikit-learn's does.
    alpha : float, default=1e-4
        L2 penalty strength.
    batch_size : int or 'auto', default='auto'
        'auto' is min(200, n_samples).  1 selects the per-example path.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the 'sgd' solver.
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples each epoch.
    random_state : int, RandomState or None, default=None
        Seeds initial weights, shuffling and the validation split.
    tol : float, default=1e-4
    verbose : bool, default=False
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
    n_iter_no_change : int, default=10
    max_fun : int, default=15000
        Most loss evaluations of the 'lbfgs' solver.
    n_jobs : int or None, default=None
        Threads for training and prediction.  None or -1: all cores this
        process may use; 1: one thread.  Mini-batches split each batch's rows
        across that many threads, which changes only the order of the batch
        sums.  The per-example path (batch_size=1) uses one thread unless
        n_jobs is given explicitly; it then runs local SGD: every thread
        trains its own copy of the weights on its share of the examples and
        the copies' changes are added up every 32 examples per thread.  That
        learns as well as one thread (bench/test_threads.py) and gives the
        same weights for the same n_jobs, but not one thread's weights.
    class_weight : None, 'balanced' or dict, default=None
        Multiplies each example's loss and gradient by its class's weight
        ('balanced': n_samples / (n_classes * count of the class)).  Unlike
        sample_weight, which scikit-learn normalises by each batch's total
        weight, class weights are not normalised away, so they also act with
        batch_size=1.  Not in scikit-learn's MLP.
    checkpoint_path : str, path-like or None, default=None
        Save the model there (fnn's model format, written atomically) every
        ``checkpoint_every`` epochs; ``fnn.load`` it and fit with
        ``warm_start=True`` to resume.
    checkpoint_every : int, default=1

    Attributes
    ----------
    classes_, coefs_, intercepts_, n_iter_, loss_, loss_curve_, best_loss_,
    validation_scores_, best_validation_score_, t_, n_features_in_,
    n_layers_, n_outputs_, out_activation_ : as in scikit-learn.
    validation_loss_curve_ : list of float or None
        With early_stopping, the loss on the validation set after each epoch
        (mean over its examples, without the L2 term).
    """

    _is_classifier = True
    _estimator_type = "classifier"

    def __sklearn_tags__(self):
        return sklearn_tags("classifier", multi_output=True, multi_label=True)

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, n_jobs=None, class_weight=None,
                 checkpoint_path=None, checkpoint_every=1):
        self.class_weight = class_weight
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, loss="log_loss", shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            n_jobs=n_jobs, checkpoint_path=checkpoint_path,
            checkpoint_every=checkpoint_every)

    @property
    def _loss_name(self):
        return ("log_loss" if self._label_binarizer.y_type_ == "multiclass"
                else "binary_log_loss")

    def _prepare_targets(self, y, dtype, first_pass, incremental):
        if first_pass and not incremental:
            binarizer = LabelBinarizer().fit(y)
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    "The classifier needs samples of at least 2 classes; y has "
                    f"only one class: {binarizer.classes_}.")
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        elif self.warm_start and not incremental:
            classes = LabelBinarizer().fit(y).classes_
            if set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    f"in the previous call to fit. Previously got {self.classes_}, "
                    f"`y` has {classes}")
        return self._label_binarizer.transform(y, dtype)

    def _targets_to_output(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    def _class_scale(self, Y, incremental):
        cw = self.class_weight
        if cw is None:
            return None
        binarizer = self._label_binarizer
        if binarizer.y_type_ == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets.")
        index = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp)
        if isinstance(cw, str):
            if cw != "balanced":
                raise ValueError(f"class_weight must be None, 'balanced' or a dict; "
                                 f"got {cw!r}.")
            if incremental:
                raise ValueError(
                    "class_weight='balanced' is not supported for partial_fit: one "
                    "call sees only part of the data. Pass a dict of weights computed "
                    "from the class frequencies of the whole training set.")
            counts = np.bincount(index, minlength=len(binarizer.classes_))
            present = counts > 0
            weights = np.zeros(len(counts))
            weights[present] = len(index) / (present.sum() * counts[present])
        elif isinstance(cw, dict):
            unknown = set(cw) - set(binarizer.classes_.tolist())
            if unknown:
                raise ValueError(f"class_weight has labels that are not classes: "
                                 f"{sorted(unknown, key=str)}; classes are "
                                 f"{binarizer.classes_}.")
            weights = np.array([cw.get(c, 1.0) for c in binarizer.classes_.tolist()],
                               dtype=float)
            if not np.all(np.isfinite(weights)) or (weights < 0).any():
                raise ValueError("class_weight values must be finite and >= 0.")
        else:
            raise ValueError(f"class_weight must be None, 'balanced' or a dict; got "
                             f"{cw!r}.")
        return weights[index].astype(Y.dtype)

    def _score_outputs(self, P, y, sample_weight=None):
        pred = self._label_binarizer.inverse_transform(P)
        correct = (pred == y).all(axis=1) if pred.ndim == 2 else pred == y
        return float(np.average(correct, weights=sample_weight))

    def fit(self, X, y, sample_weight=None):
        """Fit the network to data X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y), continuing from the current weights.

        classes : array-like, required on the first call: every class label
        that any later call may contain.
        """
        self._check_stochastic()
        if "_label_binarizer" not in self.__dict__ or "_params" not in self.__dict__:
            if classes is None:
                raise ValueError("classes must be passed on the first call to "
                                 "partial_fit.")
            y_arr = as_label_array(y)
            binarizer = LabelBinarizer().fit(y_arr if y_arr.ndim == 2 else classes)
            if len(binarizer.classes_) < 2:
                raise ValueError("classes must contain at least 2 labels.")
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self.__dict__.pop("_params", None)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={classes!r} differs from the classes of "
                             f"the first call, {self.classes_}.")
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predicted class labels, shape (n_samples,) or (n_samples, n_labels)."""
        P = self._validated_forward(X)
        return self._label_binarizer.inverse_transform(P)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the
        order of ``classes_``."""
        P = self._validated_forward(X)
        if self._label_binarizer.y_type_ == "binary":
            return np.hstack([1 - P, P])
        return P

    def predict_log_proba(self, X):
        """Logarithm of predict_proba."""
        P = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(P, out=P)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on (X, y) (every label right, for multilabel)."""
        predicted = self.predict(X)
        if self._label_binarizer.y_type_ != "multilabel-indicator":
            return accuracy(predicted, y, sample_weight)
        y = as_label_array(y)
        check_consistent_length(predicted, y)
        if y.ndim != 2 or y.shape[1] != self.n_outputs_:
            raise ValueError(f"y must be a label-indicator matrix with "
                             f"{self.n_outputs_} columns; got shape {y.shape}.")
        sw = check_sample_weight(sample_weight, len(y), np.float64)
        return float(np.average((predicted == y).all(axis=1), weights=sw))


class MLPRegressor(_BaseMLP):
    """Multi-layer perceptron regressor, trained by fnn's compiled core.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`: identity
    output, squared error (half the mean squared error, as scikit-learn
    reports it), one or many outputs.  Parameters are those of
    :class:`MLPClassifier` (class_weight aside), plus ``loss``
    ('squared_error' only).
    """

    _is_classifier = False
    _estimator_type = "regressor"

    def __sklearn_tags__(self):
        return sklearn_tags("regressor", multi_output=True)

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,),
                 activation="relu", *, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, n_jobs=None, checkpoint_path=None,
                 checkpoint_every=1):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, loss=loss, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            n_jobs=n_jobs, checkpoint_path=checkpoint_path,
            checkpoint_every=checkpoint_every)

    def _validate_params(self):
        _check_choice("loss", self.loss, ("squared_error",))
        super()._validate_params()

    _loss_name = "squared_error"

    def _prepare_targets(self, y, dtype, first_pass, incremental):
        y = _as_array(y, "y")
        y = check_array(y, name="y", dtype=dtype, ndim=y.ndim if y.ndim in (1, 2) else 1)
        self._y_was_1d = y.ndim == 1 if first_pass else self._y_was_1d
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first_pass and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs; the model was fitted "
                             f"with {self.n_outputs_}.")
        return Y

    def _targets_to_output(self, Y):
        return Y

    def _score_outputs(self, P, y, sample_weight=None):
        return _r2_score(y, P, sample_weight)

    def fit(self, X, y, sample_weight=None):
        """Fit the network to data X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights."""
        self._check_stochastic()
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predicted targets, shape (n_samples,) or (n_samples, n_outputs)."""
        P = self._validated_forward(X)
        return P.ravel() if self.n_outputs_ == 1 else P

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 (averaged over outputs)."""
        P = self._validated_forward(X)
        y = _as_array(y, "y")
        y = check_array(y, name="y", dtype=P.dtype, ndim=y.ndim if y.ndim in (1, 2) else 1)
        check_consistent_length(P, y)
        Y = y.reshape(len(y), -1)
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs (columns); the model "
                             f"predicts {self.n_outputs_}.")
        sw = check_sample_weight(sample_weight, len(y), np.float64)
        return _r2_score(Y, P, sw)


def _as_array(y, name):
    """y as an ndarray (pandas objects and lists included), without yet
    converting its dtype."""
    return _to_numpy(y, name)


def _r2_score(Y, P, sample_weight=None):
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
