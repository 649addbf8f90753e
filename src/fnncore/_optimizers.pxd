# The optimiser rule codes of _simd.h, declared once for Cython and Python:
# the kernels switch on them (fnn_step.kind), and fnn's optimisers read them
# from this module as fnncore._optimizers.Rule instead of copying the numbers.
cdef extern from "_simd.h" nogil:
    cpdef enum Rule "fnn_rule":
        SGD "FNN_OPT_SGD"
        MOMENTUM "FNN_OPT_MOMENTUM"
        NESTEROV "FNN_OPT_NESTEROV"
        ADAM "FNN_OPT_ADAM"
