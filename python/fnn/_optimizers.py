"""Optimiser state and schedules, with scikit-learn's rules.

The per-parameter arithmetic runs in the compiled step kernels; these classes
hold what persists between epochs (state vectors with the parameters'
layout, the current learning rate, Adam's update count) and the per-epoch
schedule logic, and describe the next step to the kernel as a small dict
(fnncore's fnn_step struct).
"""
from __future__ import annotations

from typing import Any, Protocol, Union

import numpy as np
from numpy.typing import DTypeLike, NDArray

from fnncore._optimizers import Rule

# The kernels' rule codes (fnn_step.kind), as plain ints.
SGD, MOMENTUM, NESTEROV, ADAM = (int(rule) for rule in (
    Rule.SGD, Rule.MOMENTUM, Rule.NESTEROV, Rule.ADAM))


class SGDOptimizer:
    """SGD with optional (Nesterov) momentum and scikit-learn's schedules.

    learning_rate schedules: 'constant'; 'invscaling' sets
    lr = learning_rate_init / (t + 1)^power_t after each epoch, t being the
    number of samples seen; 'adaptive' divides lr by 5 whenever the stopping
    rule fires, and stops once lr <= 1e-6.
    """

    def __init__(self, n_params: int, dtype: DTypeLike, learning_rate_init: float,
                 lr_schedule: str, momentum: float, nesterov: bool,
                 power_t: float) -> None:
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.power_t = power_t
        self.state: tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]
        if momentum == 0:
            # v = 0 v - lr g: both momentum rules reduce to plain SGD.
            self.kind = SGD
            self.state = (np.empty(0, dtype), np.empty(0, dtype))
        else:
            self.kind = NESTEROV if nesterov else MOMENTUM
            self.state = (np.zeros(n_params, dtype), np.empty(0, dtype))
        self.n_updates = 0

    def step(self) -> dict[str, float]:
        """The next step's rule and constants, as fnncore's fnn_step."""
        return {"kind": self.kind, "learning_rate": self.learning_rate,
                "momentum": self.momentum, "beta_1": 0.0, "beta_2": 0.0,
                "epsilon": 0.0}

    def iteration_ends(self, time_step: int) -> None:
        """Update the learning rate after an epoch; `time_step` is the
        number of samples seen so far."""
        if self.lr_schedule == "invscaling":
            self.learning_rate = (float(self.learning_rate_init)
                                  / (time_step + 1) ** self.power_t)

    def trigger_stopping(self, msg: str) -> tuple[bool, str]:
        """(stop, note): whether to stop now, and what to tell the user.
        With the adaptive schedule, shrink lr first."""
        if self.lr_schedule != "adaptive":
            return True, msg + " Stopping."
        if self.learning_rate <= 1e-6:
            return True, msg + " Learning rate too small. Stopping."
        self.learning_rate /= 5.0
        return False, msg + " Setting learning rate to %f" % self.learning_rate


class AdamOptimizer:
    """Adam (Kingma and Ba, 2014) with scikit-learn's formulation: bias
    correction folded into the step size, epsilon added to sqrt(v)."""

    def __init__(self, n_params: int, dtype: DTypeLike, learning_rate_init: float,
                 beta_1: float, beta_2: float, epsilon: float) -> None:
        self.learning_rate_init = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.kind = ADAM
        self.state = (np.zeros(n_params, dtype), np.zeros(n_params, dtype))
        self.n_updates = 0

    def step(self) -> dict[str, float]:
        """The next step's rule and constants, as fnncore's fnn_step."""
        return {"kind": ADAM, "learning_rate": self.learning_rate_init,
                "momentum": 0.0, "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}

    def iteration_ends(self, time_step: int) -> None:
        """Adam's step size needs no per-epoch schedule."""

    def trigger_stopping(self, msg: str) -> tuple[bool, str]:
        """(True, note): Adam stops when the stopping rule fires."""
        return True, msg + " Stopping."

    @property
    def learning_rate(self) -> float:
        """The effective step size after bias correction (for reports)."""
        t = max(self.n_updates, 1)
        return (self.learning_rate_init * np.sqrt(1 - self.beta_2 ** t)
                / (1 - self.beta_1 ** t))


class _OptimizerParameters(Protocol):
    """The hyper-parameters of an MLP estimator that configure its optimiser."""

    solver: str
    learning_rate_init: float
    learning_rate: str
    momentum: float
    nesterovs_momentum: bool
    power_t: float
    beta_1: float
    beta_2: float
    epsilon: float


Optimizer = Union[SGDOptimizer, AdamOptimizer]


def make_optimizer(est: _OptimizerParameters, n_params: int, dtype: DTypeLike) -> Optimizer:
    """The optimiser est.solver names, configured from est's parameters."""
    if est.solver == "sgd":
        return SGDOptimizer(n_params, dtype, est.learning_rate_init, est.learning_rate,
                            est.momentum, est.nesterovs_momentum, est.power_t)
    return AdamOptimizer(n_params, dtype, est.learning_rate_init, est.beta_1,
                         est.beta_2, est.epsilon)
