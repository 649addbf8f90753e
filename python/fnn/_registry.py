"""Name -> compiled-kernel code tables for activations, losses and solvers.

The estimators accept names (scikit-learn's spelling); the kernels take small
integer codes.  These tables are the only place the two meet.
"""
from fnncore._activations import Activation
from fnncore._losses import Loss

#: Hidden-layer activations a user may choose: scikit-learn's MLP's, then
#: the ones it declined (PyTorch's definitions and defaults).
HIDDEN_ACTIVATIONS = {
    "identity": Activation.IDENTITY,
    "logistic": Activation.LOGISTIC,
    "tanh": Activation.TANH,
    "relu": Activation.RELU,
    "leaky_relu": Activation.LEAKY_RELU,
    "elu": Activation.ELU,
    "gelu": Activation.GELU,
    "silu": Activation.SILU,
    "softplus": Activation.SOFTPLUS,
}

#: Every activation the core implements (outputs included).
ACTIVATIONS = {
    **HIDDEN_ACTIVATIONS,
    "softmax": Activation.SOFTMAX,
    "step": Activation.STEP,
    "exp": Activation.EXP,
}

#: Each loss with the output activation it is paired with.  The training
#: kernels use the fused output delta (prediction - target), which is the
#: gradient only for these canonical pairs.
LOSSES = {
    "squared_error": (Loss.SQUARED_ERROR, "identity"),
    "log_loss": (Loss.LOG_LOSS, "softmax"),
    "binary_log_loss": (Loss.BINARY_LOG_LOSS, "logistic"),
    "poisson": (Loss.POISSON, "exp"),
}
