# The optimiser rules of _optimizers.h, declared once for Cython and Python:
# the kernels switch on the codes (fnn_step.kind), and fnn's optimisers read
# them from this module as fnncore._optimizers.Rule instead of copying the
# numbers.  Also Adam's bias correction of each update (step_for_update).
from libc.math cimport sqrt, pow

cdef extern from "_optimizers.h" nogil:
    cpdef enum Rule "fnn_rule":
        SGD "FNN_OPT_SGD"
        MOMENTUM "FNN_OPT_MOMENTUM"
        NESTEROV "FNN_OPT_NESTEROV"
        ADAM "FNN_OPT_ADAM"

    ctypedef struct fnn_step:
        int kind
        double learning_rate
        double momentum
        double beta_1
        double beta_2
        double epsilon


cdef inline fnn_step step_for_update(const fnn_step *base, long long t) noexcept nogil:
    """The step of update number t (1-based).  Adam's step size carries the
    bias correction lr sqrt(1 - beta_2^t) / (1 - beta_1^t); the SGD rules use
    the learning rate as it is."""
    cdef fnn_step step = base[0]
    if step.kind == Rule.ADAM:
        step.learning_rate = (base.learning_rate * sqrt(1 - pow(base.beta_2, t))
                              / (1 - pow(base.beta_1, t)))
    return step
