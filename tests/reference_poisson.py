"""The NumPy reference (reference.py) extended with scikit-learn's Poisson
loss of MLPRegressor: exp output, half the Poisson deviance summed over
outputs and averaged over examples."""
import numpy as np
from scipy.special import xlogy

import reference

OUT = {**reference.OUT, "poisson": np.exp}


def loss_value(loss, Y, P):
    """Mean over examples of scikit-learn's per-example loss."""
    if loss == "poisson":
        return (xlogy(Y, Y / P) - Y + P).sum() / len(Y)
    return reference.loss_value(loss, Y, P)


class ReferenceMLP(reference.ReferenceMLP):
    """reference.ReferenceMLP, also for loss='poisson'."""

    def forward(self, X):
        if self.loss != "poisson":
            return super().forward(X)
        # The same network with an identity output, then the log link's exp.
        hs = reference.ReferenceMLP(self.Ws, self.bs, self.activation,
                                    "squared_error").forward(X)
        hs[-1] = np.exp(hs[-1])
        return hs

    def objective(self, X, Y, alpha, descended=False):
        if self.loss != "poisson":
            return super().objective(X, Y, alpha, descended)
        penalty = sum((W ** 2).sum() for W in self.Ws)
        return loss_value("poisson", Y, self.forward(X)[-1]) + 0.5 * alpha * penalty / len(X)
