# cython: boundscheck=False, wraparound=False, cdivision=True
"""Python access to the activation kernels, for tests and for fnn's registry.

The kernels themselves are the inline functions in _activations.pxd; these
wrappers only loop over rows so that tests can compare them with NumPy.
"""
from cython cimport floating


def activate(int kind, floating[:, ::1] Z):
    """Apply activation `kind` to every row of Z, in place (OUT: Z)."""
    with nogil:
        activate_rows(kind, &Z[0, 0], Z.shape[0], Z.shape[1])


def derivative(int kind, const floating[:, ::1] H, floating[:, ::1] delta):
    """delta *= f'(z) computed from outputs H = f(z), in place (OUT: delta)."""
    cdef Py_ssize_t i, n_cols = H.shape[1]
    with nogil:
        for i in range(H.shape[0]):
            multiply_derivative(kind, &H[i, 0], &delta[i, 0], n_cols)


def activate_gain(int kind, floating[:, ::1] Z, floating[:, ::1] gain):
    """Z <- f(Z) and gain <- f'(Z) in place (OUT: Z, gain): the forward pass
    of a hidden row whose backward pass reads the derivative from `gain`
    (every kind but softmax, step and exp, the outputs)."""
    cdef Py_ssize_t i, n_cols = Z.shape[1]
    if gain.shape[0] != Z.shape[0] or gain.shape[1] != n_cols:
        raise ValueError("gain must have Z's shape")
    with nogil:
        for i in range(Z.shape[0]):
            activate_row_gain(kind, &Z[i, 0], &gain[i, 0], n_cols)
