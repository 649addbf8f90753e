# The forward pass of a block of rows through a network of dense layers.
#
# Design: the second layer of the core (a loop over a block of rows), shared
# by prediction (_forward.pyx, forward_block) and mini-batch training and the
# L-BFGS objective (_minibatch.pyx, rows_forward_backward), so both compute
# the same bits from the same parameters.  Per layer:
# - the product: the first layer from dense rows (one GEMM; rows picked by
#   index are first copied into a contiguous block) or from CSR rows
#   (_sparse.pxd's rows_times, which starts from the bias and adds the
#   gathered rows of W); every later layer one GEMM on the block;
# - then, row by row while the row is in cache, the bias (after the
#   product: scikit-learn's order, A W + b) and the activation; a training
#   pass that keeps gains (_activations.pxd, _dropout.pxd) writes them here.
# Training used to start from Z = b and add the product with GEMM's beta = 1
# (prediction already added the bias after the product).  The two agree
# except where BLAS splits the inner dimension into several passes (a few
# hundred features), and there only in the last bits: on 700 features the
# losses of L-BFGS and Adam fits moved by up to 2.5e-8 relative in float32,
# 6e-16 in float64.  Speed, the two separate loops of before against this
# routine (2-core Zen 4, load average 2 to 3, bench/test_minibatch.py and
# bench/test_predict.py -k fnn, 3 alternating rounds, medians): mini-batch
# epochs at batch 32 353 -> 345 ms, at batch 64 458 -> 455 ms; prediction
# 21.4 -> 21.3 ms: no difference beyond the noise of the shared machine.
from cython cimport floating
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

from fnncore._activations cimport activate_row
from fnncore._blas cimport gemm
from fnncore._dropout cimport activate_hidden_row
from fnncore._network cimport Layer
from fnncore._sparse cimport Input, rows_times


cdef inline void forward_rows(
    const Input *X, const Py_ssize_t *idx, Py_ssize_t row0, Py_ssize_t m,
    const Layer *L, Py_ssize_t n_layers, const floating *P, int hidden, int output,
    floating *gathered, floating *H, Py_ssize_t ld, floating *out,
    floating *gains, const double *dropout, uint64_t seed, uint64_t position,
    Py_ssize_t n_hidden_units,
) noexcept nogil:
    """The network's outputs on m rows of X: X[idx[r]] for r < m, or
    X[row0 + r] when idx is NULL.

    P : IN, the flat parameters (layers L, see _network.pxd).
    gathered : OUT, (m, n_features): dense rows picked by idx are copied
        here; unused (may be NULL) for CSR input or when idx is NULL.
    H : OUT, hidden layer l's outputs, (m, fan_out) row-major at
        H + u_l ld, u_l the units of the layers before l (ld >= m).
    out : OUT, (m, n_outputs), the output layer's activations.
    gains : OUT, NULL for none, or laid out as H: each hidden layer's gains
        f'(z) (times the dropout mask over 1 - rate; activate_hidden_row),
        for a backward pass.  Row r is at position + r of the epoch's order
        and draws the masks of that position, dropout[l] the rate of hidden
        layer l (dropout NULL: none), the stream `seed`, n_hidden_units per
        row.
    """
    cdef const floating *X_dense = <const floating *> X.dense
    cdef Py_ssize_t l, r, j, fan_in, fan_out, units = 0
    cdef Py_ssize_t n_features = X.n_features
    cdef const floating *A_in = NULL
    cdef const floating *b
    cdef floating *Z
    cdef floating *z
    cdef int kind
    if not X.sparse:
        if idx != NULL:
            for r in range(m):
                memcpy(gathered + r * n_features, X_dense + idx[r] * n_features,
                       n_features * sizeof(floating))
            A_in = gathered
        else:
            A_in = X_dense + row0 * n_features
    for l in range(n_layers):
        fan_in = L[l].fan_in
        fan_out = L[l].fan_out
        b = P + L[l].b_offset
        kind = output if l == n_layers - 1 else hidden
        Z = out if l == n_layers - 1 else H + units * ld
        if l == 0 and X.sparse:
            rows_times(&X.csr, idx, row0, m, fan_out, P + L[0].w_offset, b, Z)
        else:
            gemm(False, False, m, fan_out, fan_in, 1, A_in, fan_in,
                 P + L[l].w_offset, fan_out, 0, Z, fan_out)
        for r in range(m):
            z = Z + r * fan_out
            if not (l == 0 and X.sparse):
                for j in range(fan_out):
                    z[j] += b[j]
            if l < n_layers - 1 and gains != NULL:
                activate_hidden_row(
                    hidden, z, gains + units * ld + r * fan_out, fan_out,
                    dropout[l] if dropout != NULL else 0, seed,
                    <uint64_t> (position + r) * n_hidden_units + units)
            else:
                activate_row(kind, z, fan_out)
        A_in = Z
        units += fan_out
