"""Optimiser rule codes for Python: ``Rule`` (an IntEnum of SGD, MOMENTUM,
NESTEROV, ADAM), the values of fnn_step.kind that the update kernels of
_simd.h switch on.  The codes are defined once, in _optimizers.h;
_optimizers.pxd declares them and this module exposes them.
"""
