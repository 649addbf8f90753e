# cython: boundscheck=False, wraparound=False, cdivision=True
"""Python access to the loss kernels, for tests.

The kernels are the inline functions in _losses.pxd.
"""
from cython cimport floating


def loss_per_example(int kind, const floating[:, ::1] Y, const floating[:, ::1] P,
                     double[::1] out):
    """out[i] = loss of example i (OUT: out)."""
    cdef Py_ssize_t i, n_cols = Y.shape[1]
    with nogil:
        for i in range(Y.shape[0]):
            out[i] = loss_row(kind, &Y[i, 0], &P[i, 0], n_cols)


def output_delta(const floating[:, ::1] Y, const floating[:, ::1] P,
                 floating[:, ::1] delta):
    """delta = P - Y, the gradient of every loss here w.r.t. the output's
    pre-activation (OUT: delta)."""
    cdef Py_ssize_t i, n_cols = Y.shape[1]
    with nogil:
        for i in range(Y.shape[0]):
            output_delta_row(&Y[i, 0], &P[i, 0], &delta[i, 0], n_cols)
