"""A plain NumPy multilayer perceptron: the oracle the compiled core must match.

Written from the maths (forward pass, backpropagation as a chain of local
derivatives, scikit-learn's optimiser formulas), independently of fnn's code.
float64 throughout.
"""
import numpy as np
import scipy.special

ACT = {
    "identity": lambda z: z,
    "logistic": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "gelu": lambda z: z * scipy.special.ndtr(z),
    "silu": lambda z: z * scipy.special.expit(z),
    "softplus": lambda z: np.logaddexp(0, z),
}
# Derivative expressed through the activation's output h (gelu and silu
# have none: their outputs do not determine their inputs).
DACT = {
    "identity": lambda h: np.ones_like(h),
    "logistic": lambda h: h * (1 - h),
    "tanh": lambda h: 1 - h ** 2,
    "relu": lambda h: (h > 0).astype(h.dtype),
}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


OUT = {"squared_error": ACT["identity"], "log_loss": softmax,
       "binary_log_loss": ACT["logistic"]}


def loss_value(loss, Y, P):
    """Mean over examples of scikit-learn's per-example loss."""
    if loss == "squared_error":
        return ((Y - P) ** 2).mean(axis=1).sum() / 2 / len(Y)
    eps = np.finfo(P.dtype).eps
    P = np.clip(P, eps, 1 - eps)
    if loss == "log_loss":
        return -(Y * np.log(P)).sum() / len(Y)
    return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum() / len(Y)


class ReferenceMLP:
    """Weights as lists Ws[l] (fan_in, fan_out) and bs[l]."""

    def __init__(self, Ws, bs, activation, loss):
        self.Ws = [np.array(W, dtype=np.float64) for W in Ws]
        self.bs = [np.array(b, dtype=np.float64) for b in bs]
        self.activation = activation
        self.loss = loss

    def forward(self, X):
        hs = [np.asarray(X, dtype=np.float64)]
        for l, (W, b) in enumerate(zip(self.Ws, self.bs)):
            z = hs[-1] @ W + b
            last = l == len(self.Ws) - 1
            hs.append(OUT[self.loss](z) if last else ACT[self.activation](z))
        return hs

    def objective(self, X, Y, alpha, descended=False):
        """Batch loss with L2 penalty, as scikit-learn's _backprop reports it.

        descended=True gives the function whose gradient the update follows.
        It differs only for squared_error with several outputs: scikit-learn
        reports half the mean over outputs but steps along delta = p - y,
        the gradient of half the sum over outputs.
        """
        P = self.forward(X)[-1]
        penalty = sum((W ** 2).sum() for W in self.Ws)
        data = loss_value(self.loss, Y, P)
        if descended and self.loss == "squared_error":
            data *= Y.shape[1]
        return data + 0.5 * alpha * penalty / len(X)

    def gradients(self, X, Y, alpha):
        """Backpropagation: delta at the output is P - Y for each canonical
        (output activation, loss) pair; each layer multiplies by its local
        derivative."""
        hs = self.forward(X)
        n = len(X)
        delta = hs[-1] - Y
        gW = [None] * len(self.Ws)
        gb = [None] * len(self.Ws)
        for l in range(len(self.Ws) - 1, -1, -1):
            gW[l] = (hs[l].T @ delta + alpha * self.Ws[l]) / n
            gb[l] = delta.sum(axis=0) / n
            if l > 0:
                delta = (delta @ self.Ws[l].T) * DACT[self.activation](hs[l])
        return gW, gb


class ReferenceOptimizer:
    """scikit-learn's SGD (with momentum / Nesterov) and Adam updates."""

    def __init__(self, params, solver, lr, momentum=0.9, nesterov=True,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.solver, self.lr, self.momentum, self.nesterov = solver, lr, momentum, nesterov
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.v = [np.zeros_like(p) for p in params]
        self.m = [np.zeros_like(p) for p in params]
        self.t = 0

    def updates(self, grads):
        if self.solver == "sgd":
            ups = [self.momentum * v - self.lr * g for v, g in zip(self.v, grads)]
            self.v = ups
            if self.nesterov:
                ups = [self.momentum * v - self.lr * g for v, g in zip(self.v, grads)]
            return ups
        self.t += 1
        self.m = [self.beta_1 * m + (1 - self.beta_1) * g for m, g in zip(self.m, grads)]
        self.v = [self.beta_2 * v + (1 - self.beta_2) * g ** 2 for v, g in zip(self.v, grads)]
        lr = self.lr * np.sqrt(1 - self.beta_2 ** self.t) / (1 - self.beta_1 ** self.t)
        return [-lr * m / (np.sqrt(v) + self.epsilon) for m, v in zip(self.m, self.v)]


def train_epoch(net, opt, X, Y, order, batch_size, alpha):
    """One epoch over X[order] in batches; returns the epoch's mean loss
    (each batch's loss, penalty included, weighted by its size)."""
    total = 0.0
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        total += net.objective(X[idx], Y[idx], alpha) * len(idx)
        gW, gb = net.gradients(X[idx], Y[idx], alpha)
        ups = opt.updates(gW + gb)
        L = len(net.Ws)
        for l in range(L):
            net.Ws[l] += ups[l]
            net.bs[l] += ups[L + l]
    return total / len(order)
