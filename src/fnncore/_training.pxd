# What a training pass over the data is given: the rows and their targets,
# the network, the loss, the optimiser and the pass's options.
#
# Design: both epoch kernels (_sgd.pyx, one example at a time; _minibatch.pyx,
# a batch at a time) train the same network on the same data with the same
# optimiser, and differ only in how they walk the rows.  What they are given
# is therefore one struct, filled in one place: _epoch.pyx's train_epoch,
# the one Python entry point of an epoch, fills it and hands it to the
# kernel, which copies it into its own Epoch struct (member `given`) beside
# what only it needs (threads, scratch, counters).  The full-batch L-BFGS
# objective (_minibatch.pyx full_batch_loss_gradient) has no order and no
# optimiser; it fills the data and network part with describe_network.
from cython cimport floating
from libc.stdint cimport uint64_t
from libc.string cimport memset

from fnncore._activations cimport derivative_needs_input
from fnncore._network cimport Layer, layers_of
from fnncore._optimizers cimport fnn_step
from fnncore._sparse cimport Input, input_rows


ctypedef struct Training:
    # IN (typed pointers are cast to the dtype by the kernels)
    bint double_precision         # values are double, else float
    Input X                       # the rows, dense or CSR (_sparse.pxd)
    const void *Y                 # (n_rows, n_outputs) targets
    const void *sample_weight     # NULL for unit weights
    const void *class_scale       # NULL for unit scales
    const Py_ssize_t *order       # the rows visited, in order; NULL if none
    Py_ssize_t n_samples          # length of order
    const Layer *layers           # (n_layers,), see _network.pxd
    Py_ssize_t n_layers, n_outputs, n_params
    Py_ssize_t n_hidden_units     # units of all hidden layers, per row
    int hidden, output, loss      # Activation and Loss codes
    bint keep_gain                # hidden rows carry gains: f'(z), times the
                                  # dropout mask (see _activations.pxd)
    const double *dropout         # (n_layers - 1,) rates, NULL for none
    uint64_t dropout_seed
    double alpha                  # L2 strength
    fnn_step step                 # the optimiser rule (_optimizers.h)
    long long n_updates_before    # updates made before this pass (Adam's t)
    bint check_signals            # look for Ctrl-C (main thread only)
    # IN/OUT
    void *params                  # the flat parameter vector
    void *state1                  # optimiser state, NULL where the rule
    void *state2                  # keeps none


cdef inline object describe_network(
    Training *given, object X, const floating[:, ::1] Y,
    const floating[::1] sample_weight, const floating[::1] class_scale,
    const Py_ssize_t[:, ::1] layout, const floating[::1] params,
    int hidden, int output, int loss, double alpha,
):
    """Fill in the data, the network and the loss of `given` (OUT); the
    rest (order, optimiser, dropout, signals) is left empty for the caller.
    Returns the buffers given.X points into, which the caller holds until
    the kernel has returned (see _sparse.pxd input_rows)."""
    cdef Py_ssize_t l
    memset(given, 0, sizeof(Training))
    given.double_precision = floating is double
    given.layers = layers_of(layout)
    given.n_layers = layout.shape[0]
    X_buffers = input_rows(X, given.layers[0].fan_in, &given.X, <floating> 0)
    # (No row, no pointer: this inline function keeps Cython's bounds checks.)
    given.Y = &Y[0, 0] if Y.shape[0] > 0 else NULL
    given.sample_weight = &sample_weight[0] if sample_weight.shape[0] > 0 else NULL
    given.class_scale = (&class_scale[0] if class_scale is not None
                         and class_scale.shape[0] > 0 else NULL)
    given.n_outputs = given.layers[given.n_layers - 1].fan_out
    given.n_params = params.shape[0]
    for l in range(given.n_layers - 1):
        given.n_hidden_units += given.layers[l].fan_out
    given.hidden = hidden
    given.output = output
    given.loss = loss
    given.keep_gain = given.n_layers > 1 and derivative_needs_input(hidden)
    given.alpha = alpha
    given.params = <void *> &params[0]
    return X_buffers
