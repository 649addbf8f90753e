# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""One training pass over the data (an epoch): the entry point of both epoch
kernels.

Design: per-example SGD (_sgd.pyx) and mini-batch training (_minibatch.pyx)
are given the same things, the rows, the network, the loss, the optimiser,
and differ in how they walk the rows.  train_epoch checks and describes
what they are given once (_training.pxd's Training struct) and hands it to
the kernel the batch size selects; each kernel adds only its own options
(threads, rows per merge).
"""
from cython cimport floating
from libc.stdint cimport uint64_t

from fnncore._dropout cimport check_rates
from fnncore._optimizers cimport fnn_step
from fnncore._training cimport Training, describe_network
from fnncore._sgd cimport EXAMPLES_PER_MERGE, per_example_epoch
from fnncore._minibatch cimport minibatch_epoch


def train_epoch(
    X,
    const floating[:, ::1] Y,
    const floating[::1] sample_weight,
    const Py_ssize_t[::1] order,
    const Py_ssize_t[:, ::1] layout,
    floating[::1] params,
    floating[::1] state1,
    floating[::1] state2,
    int hidden_activation,
    int output_activation,
    int loss,
    double alpha,
    fnn_step step,
    long long n_updates,
    *,
    Py_ssize_t batch_size=1,
    per_example=None,
    int n_threads=1,
    bint check_signals=False,
    const floating[::1] class_scale=None,
    const double[::1] dropout=None,
    uint64_t dropout_seed=0,
    Py_ssize_t examples_per_merge=EXAMPLES_PER_MERGE,
):
    """Train on the rows X[order[0]], X[order[1]], ...: one at a time
    (per-example SGD) or batch_size at a time (mini-batches).

    Parameters
    ----------
    X : IN, (n_samples, n_features): a C-contiguous array of params' dtype,
        or a CSR matrix, never made dense: any object with SciPy's arrays
        data (params' dtype), indices and indptr (both int32 or both int64),
        all contiguous.  Its columns within a row may be in any order and
        may repeat.  The caller checks that indptr is non-decreasing within
        [0, len(data)], that every index is in [0, n_features) and that the
        values are finite.  The weights from a CSR matrix equal those from
        X.toarray() up to rounding (see _sgd.pyx's Design notes for how
        per-example plain SGD keeps its first layer scaled, and how the
        other rules expand one row at a time).
    Y : IN, (n_samples, n_outputs) targets.
    sample_weight : IN, (n_samples,) or empty for unit weights.  Per
        example, weights must be positive: leave zero-weight examples out
        of `order`.
    order : IN, indices into X, visited in this order.
    layout : IN, see fnncore/_network.pxd.
    params : IN/OUT, the flat parameter vector.
    state1, state2 : IN/OUT, optimiser state with params' layout (velocity;
        Adam's moments), or empty where the rule keeps none.
    hidden_activation, output_activation, loss : Activation / Loss codes.
    alpha : L2 strength.
    step : the optimiser rule; for Adam, learning_rate is learning_rate_init.
    n_updates : updates made before this call (Adam's t).
    batch_size : rows per update (the last batch may be smaller).
    per_example : run the per-example kernel (_sgd.pyx, batch_size 1)
        rather than the mini-batch one (_minibatch.pyx); by default, when
        batch_size is 1.
        A mini-batch of one row computes per-example SGD's update by the
        batched code (used by tests to check one against the other).
    n_threads : threads to use (>= 1).  Per example, more than one runs
        local SGD (see _sgd.pyx), whose result depends on the number of
        threads that ran; fewer run if the system refuses some.  In
        mini-batches, threads split each batch's rows (see _minibatch.pyx)
        when each gets enough of them; BLAS must then be limited to one
        thread (threadpoolctl), or the two kinds of threads compete for the
        cores.  Results are reproducible for a given number of threads.
    check_signals : look for Ctrl-C every few milliseconds (main thread
        only); a KeyboardInterrupt then propagates after a complete update.
    class_scale : IN, (n_samples,) or None: multiplies example i's loss and
        gradient (class weights), unlike sample_weight not normalised away.
    dropout : IN, (n_layers - 1,) dropout rates in [0, 1), one per hidden
        layer, or None for none.  Rates of 0 leave the computation exactly
        as without dropout.
    dropout_seed : the masks' stream (see _dropout.pxd); draw a new one for
        every epoch.  A row's masks depend on its position in `order`, not
        on its batch or thread.
    examples_per_merge : per example with several threads, the examples
        each thread trains between two merges (checked, >= 1, per example
        only).

    Returns
    -------
    (loss_sum, n_updates, diverged) : per example, the sum of the examples'
    losses (each with its L2 penalty); in mini-batches, each batch's mean
    loss (with its L2 penalty) times its size, as scikit-learn accumulates
    it.  Then the new update count, and whether a loss was not finite (the
    pass stopped before that update).
    """
    cdef Training given
    # Held until the kernel has returned: the buffers given.X points into.
    X_buffers = describe_network(&given, X, Y, sample_weight, class_scale, layout,
                                 params, hidden_activation, output_activation, loss,
                                 alpha)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    if per_example is None:
        per_example = batch_size == 1
    if per_example and batch_size != 1:
        raise ValueError(f"per_example takes batch_size 1, got {batch_size}.")
    if per_example and examples_per_merge < 1:
        raise ValueError(f"examples_per_merge must be >= 1, got {examples_per_merge}.")
    if check_rates(dropout, given.n_layers - 1):
        given.dropout = &dropout[0]
        given.keep_gain = True
    given.dropout_seed = dropout_seed
    given.order = &order[0] if order.shape[0] > 0 else NULL
    given.n_samples = order.shape[0]
    given.step = step
    given.n_updates_before = n_updates
    given.check_signals = check_signals
    given.state1 = &state1[0] if state1.shape[0] > 0 else NULL
    given.state2 = &state2[0] if state2.shape[0] > 0 else NULL
    if per_example:
        return per_example_epoch(&given, max(1, n_threads), examples_per_merge)
    return minibatch_epoch(&given, batch_size, max(1, n_threads))
