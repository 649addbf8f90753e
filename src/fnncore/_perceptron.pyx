# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The perceptron as scikit-learn's SGD trains it, one fit in one nogil call.

Design:
- Units are the rows of W (n_units, n_features): one for a binary problem,
  one per class for one-vs-rest.  Unit u labels example i +1 when
  y_index[i] == positive[u], else -1, and trains as scikit-learn's
  _plain_sgd with the perceptron loss (Hinge with threshold 0) and a
  constant learning rate: with score p = <w, x> wscale + b and z = y p,
  an example with z <= 0 (a score of the wrong sign or exactly 0) is a
  mistake, costs -z, and steps w by eta y (class weight * sample weight) x
  and b by the same times intercept_decay.  The penalty follows it:
  'l2' multiplies the weight scale wscale by 1 - eta alpha (1 - l1_ratio)
  before each example (so an L2 step touches no weight; the scale is
  folded in when it falls below 1e-9, 1e-6 for float32), 'l1' truncates
  the example's weights towards 0 by the cumulative penalty (Tsuruoka et
  al. 2009, scikit-learn's `l1penalty`), 'elasticnet' both.  The
  arithmetic is the WeightVector's (see _perceptron.h), so that the
  weights equal scikit-learn's.
- Epochs and stopping rules are scikit-learn's, per unit: the epoch's
  objective (mean loss plus penalty) or, with early stopping, the
  validation accuracy (scored, as scikit-learn scores it, with the
  unscaled weights) must improve by tol within n_iter_no_change epochs.
  Each unit shuffles its own visiting order with its own seed, by
  scikit-learn's Fisher-Yates over its xorshift generator (our_rand_r),
  so the orders are scikit-learn's too.
- Units are independent.  Without shuffling they all visit the examples
  in the same order, and a group of units shares one pass over the data:
  each example is loaded once and scored by every unit still training
  (four rows at a time, _perceptron.h).  With shuffling each unit is its
  own group.  Groups are spread over n_threads threads (_threads.h); a
  thread keeps its scratch (order, scores) for all its groups.
- An epoch that changes no weight and costs nothing (every example scored
  right) is repeated exactly by every later epoch: without a penalty, the
  rest of the run is then counted (epochs, stopping rule) without passes
  over the data.
- Whole fits run without the GIL; it comes back only to print (verbose,
  one thread) and, in the main thread, to look for Ctrl-C every few
  milliseconds (_interrupt.pxd): the run then stops between two examples
  with the weights as they stand.
- Dense rows are float32/float64 C arrays; sparse rows are CSR with int32
  indices (scikit-learn's SGD refuses larger indices too).  Inputs were
  validated in fnn.Perceptron.
"""
import time

import numpy as np

from cython cimport floating
from libc.math cimport INFINITY, fabs, isfinite, sqrt
from libc.stdint cimport int32_t, uint32_t
from libc.stdlib cimport free, malloc, realloc

from fnncore._interrupt cimport CHECK_WORK, _raise_pending, signal_raised
from fnncore._threads cimport fnn_barrier, run_parallel


cdef extern from "_perceptron.h" nogil:
    void fnn_pt_scores_s(Py_ssize_t count, const Py_ssize_t *units, Py_ssize_t n_features,
                         const float *x, const float *W, Py_ssize_t ldw, double *out)
    void fnn_pt_scores_d(Py_ssize_t count, const Py_ssize_t *units, Py_ssize_t n_features,
                         const double *x, const double *W, Py_ssize_t ldw, double *out)
    void fnn_pt_add_s(Py_ssize_t n, float *w, const float *x, double k)
    void fnn_pt_add_d(Py_ssize_t n, double *w, const double *x, double k)
    void fnn_pt_scale_s(Py_ssize_t n, float *w, float s)
    void fnn_pt_scale_d(Py_ssize_t n, double *w, double s)


cdef extern from *:
    """
    static inline int pt_flag_get(const int *f) { return __atomic_load_n(f, __ATOMIC_RELAXED); }
    static inline void pt_flag_set(int *f, int v) { __atomic_store_n(f, v, __ATOMIC_RELAXED); }
    """
    int pt_flag_get(const int *f) nogil
    void pt_flag_set(int *f, int v) nogil


# Penalty codes (scikit-learn's PENALTY_TYPES).
PENALTIES = {None: 0, "l1": 1, "l2": 2, "elasticnet": 3}
cdef enum:
    NO_PENALTY = 0
    L1 = 1
    L2 = 2
    ELASTICNET = 3


cdef struct Problem:
    # The data: dense rows (indices NULL) or CSR rows.
    const void *X
    const int32_t *indices
    const int32_t *indptr
    Py_ssize_t n_samples
    Py_ssize_t n_features
    const Py_ssize_t *y_index
    const void *sample_weight
    const unsigned char *validation
    double train_count
    # The units (rows of W) and their state.
    void *W
    void *Q
    void *wscale
    void *sq_norm
    void *l1_norm
    double *intercept
    double *u
    const Py_ssize_t *positive
    const void *weight_pos
    const void *weight_neg
    const uint32_t *seeds
    double *best_objective
    double *best_score
    Py_ssize_t *no_improvement
    Py_ssize_t *epochs
    long long *count
    long long **curve
    Py_ssize_t *passes
    Py_ssize_t *curve_cap
    # Settings.
    int penalty
    double alpha
    double l1_ratio
    double eta
    double intercept_decay
    double tol
    Py_ssize_t max_iter
    Py_ssize_t n_iter_no_change
    int fit_intercept
    int shuffle
    int early_stopping
    int verbose
    int track_norms
    # Groups of units trained together: units group_start[g] .. [g + 1).
    const Py_ssize_t *group_start
    Py_ssize_t n_groups
    # Per-thread scratch: an order, scores and a list of units.
    Py_ssize_t *orders
    double *scores
    Py_ssize_t *active
    # Control, shared by the threads.
    int check_signals
    int stop
    int interrupted
    int out_of_memory
    Py_ssize_t diverged_epoch
    double t_start


cdef inline uint32_t our_rand_r(uint32_t *seed) noexcept nogil:
    """scikit-learn's rand_r replacement (sklearn/utils/_random.pxd): one
    xorshift step, the result reduced to [0, 2**31)."""
    if seed[0] == 0:
        seed[0] = 1
    seed[0] ^= <uint32_t>(seed[0] << 13)
    seed[0] ^= <uint32_t>(seed[0] >> 17)
    seed[0] ^= <uint32_t>(seed[0] << 5)
    return seed[0] % (<uint32_t>2147483647 + 1)


cdef inline void shuffle_order(Py_ssize_t *order, Py_ssize_t n, uint32_t seed) noexcept nogil:
    """Permute order in place as scikit-learn's SequentialDataset.shuffle
    does: the same seed every epoch, applied to the previous order."""
    cdef unsigned int i, j
    cdef Py_ssize_t tmp
    if n < 2:
        return
    for i in range(<unsigned int>(n - 1)):
        j = i + our_rand_r(&seed) % (<unsigned int>n - i)
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp


cdef inline void reset_wscale(Problem *P, floating *w, Py_ssize_t unit) noexcept nogil:
    """Fold the weight scale into the weights (scikit-learn's reset_wscale)."""
    cdef floating *wscale = <floating *> P.wscale
    if floating is float:
        fnn_pt_scale_s(P.n_features, w, wscale[unit])
    else:
        fnn_pt_scale_d(P.n_features, w, wscale[unit])
    wscale[unit] = 1


cdef inline void scale_weights(Problem *P, floating *w, Py_ssize_t unit,
                               floating c) noexcept nogil:
    """w <- c w through the weight scale (WeightVector.scale)."""
    cdef floating *wscale = <floating *> P.wscale
    cdef floating *sq_norm = <floating *> P.sq_norm
    cdef floating *l1_norm = <floating *> P.l1_norm
    cdef double threshold = 1e-9
    if floating is float:
        threshold = 1e-6
    wscale[unit] *= c
    sq_norm[unit] *= c * c
    l1_norm[unit] *= fabs(c)
    if wscale[unit] < threshold:
        reset_wscale(P, w, unit)


cdef inline void add_example(Problem *P, floating *w, Py_ssize_t unit, const floating *x,
                             const int32_t *ind, Py_ssize_t nnz, floating c) noexcept nogil:
    """w <- w + c x / wscale (WeightVector.add): in double, rounded once;
    the norms are those of the weights touched, as scikit-learn keeps them."""
    cdef floating *wscale = <floating *> P.wscale
    cdef floating *sq_norm = <floating *> P.sq_norm
    cdef floating *l1_norm = <floating *> P.l1_norm
    cdef floating ws = wscale[unit]
    cdef double k = <double> (c / ws)
    cdef double l2 = 0.0, l1 = 0.0
    cdef Py_ssize_t j, idx
    if ind == NULL:
        if floating is float:
            fnn_pt_add_s(nnz, w, x, k)
        else:
            fnn_pt_add_d(nnz, w, x, k)
        if P.track_norms:
            for j in range(nnz):
                l2 += w[j] * w[j]
                l1 += fabs(w[j])
    else:
        for j in range(nnz):
            idx = ind[j]
            w[idx] = <floating> (w[idx] + <double> x[j] * k)
            l2 += w[idx] * w[idx]
            l1 += fabs(w[idx])
    if P.track_norms:
        sq_norm[unit] = <floating> (l2 * (ws * ws))
        l1_norm[unit] = <floating> (l1 * ws)


cdef inline void l1_truncate(Problem *P, floating *w, floating *q, Py_ssize_t unit,
                             const int32_t *ind, Py_ssize_t nnz) noexcept nogil:
    """Truncate the example's weights towards 0 by the cumulative L1
    penalty u not yet applied to them (scikit-learn's l1penalty)."""
    cdef double ws = (<floating *> P.wscale)[unit]
    cdef double u = P.u[unit]
    cdef double z
    cdef Py_ssize_t j, idx
    for j in range(nnz):
        idx = j if ind == NULL else ind[j]
        z = w[idx]
        if ws * z > 0.0:
            w[idx] = <floating> max(0.0, w[idx] - ((u + q[idx]) / ws))
        elif ws * z < 0.0:
            w[idx] = <floating> min(0.0, w[idx] + ((u - q[idx]) / ws))
        q[idx] = <floating> (q[idx] + ws * (w[idx] - z))


cdef inline double raw_dot(const floating *w, const floating *x, const int32_t *ind,
                           Py_ssize_t nnz, Py_ssize_t n_features) noexcept nogil:
    """<w, x> of the stored (unscaled) weights: products in the dtype, sums
    in double."""
    cdef double acc = 0.0
    cdef Py_ssize_t j
    cdef Py_ssize_t unit = 0
    if ind == NULL:
        if floating is float:
            fnn_pt_scores_s(1, &unit, n_features, x, w, 0, &acc)
        else:
            fnn_pt_scores_d(1, &unit, n_features, x, w, 0, &acc)
        return acc
    for j in range(nnz):
        acc += w[ind[j]] * x[j]
    return acc


cdef inline void example(Problem *P, const floating *dummy, Py_ssize_t i,
                         const floating **x, const int32_t **ind,
                         Py_ssize_t *nnz) noexcept nogil:
    """Example i's values (and column indices, NULL for a dense row)."""
    cdef const floating *X = <const floating *> P.X
    if P.indices == NULL:
        x[0] = X + i * P.n_features
        ind[0] = NULL
        nnz[0] = P.n_features
    else:
        x[0] = X + P.indptr[i]
        ind[0] = P.indices + P.indptr[i]
        nnz[0] = P.indptr[i + 1] - P.indptr[i]


cdef double validation_score(Problem *P, const floating *dummy,
                             Py_ssize_t unit) noexcept nogil:
    """Weighted accuracy of the unit's sign on the validation examples,
    from the unscaled weights, as scikit-learn's callback computes it."""
    cdef floating *w = <floating *> P.W + unit * P.n_features
    cdef const floating *sw = <const floating *> P.sample_weight
    cdef const floating *x
    cdef const int32_t *ind
    cdef Py_ssize_t nnz, i
    cdef double right = 0.0, total = 0.0, p
    cdef bint positive
    for i in range(P.n_samples):
        if not P.validation[i]:
            continue
        example(P, dummy, i, &x, &ind, &nnz)
        p = raw_dot(w, x, ind, nnz, P.n_features) + P.intercept[unit]
        positive = P.y_index[i] == P.positive[unit]
        if (p > 0) == positive:
            right += sw[i]
        total += sw[i]
    return right / total if total != 0 else 0.0


cdef bint record(Problem *P, Py_ssize_t unit, long long mistakes) noexcept nogil:
    """Append an epoch's mistakes to the unit's curve; False if out of memory."""
    cdef long long *grown
    cdef Py_ssize_t cap = P.curve_cap[unit]
    if P.passes[unit] == cap:
        cap = 2 * cap + 16
        grown = <long long *> realloc(P.curve[unit], cap * sizeof(long long))
        if grown == NULL:
            return False
        P.curve[unit] = grown
        P.curve_cap[unit] = cap
    P.curve[unit][P.passes[unit]] = mistakes
    P.passes[unit] += 1
    return True


cdef bint apply_rule(Problem *P, Py_ssize_t unit, double value) noexcept nogil:
    """scikit-learn's stopping rule after an epoch whose objective (or,
    with early stopping, validation score) is `value`; True to stop."""
    if P.early_stopping:
        if P.tol > -INFINITY and value < P.best_score[unit] + P.tol:
            P.no_improvement[unit] += 1
        else:
            P.no_improvement[unit] = 0
        if value > P.best_score[unit]:
            P.best_score[unit] = value
    else:
        if P.tol > -INFINITY and value > P.best_objective[unit] - P.tol:
            P.no_improvement[unit] += 1
        else:
            P.no_improvement[unit] = 0
        if value < P.best_objective[unit]:
            P.best_objective[unit] = value
    return P.no_improvement[unit] >= P.n_iter_no_change


cdef void report_epoch(Problem *P, const floating *dummy, Py_ssize_t unit, double sumloss,
                       double objective, double score) noexcept nogil:
    """scikit-learn's verbose lines after an epoch."""
    cdef floating *w = <floating *> P.W + unit * P.n_features
    cdef Py_ssize_t j, nnz = 0
    cdef double norm = <floating> sqrt((<floating *> P.sq_norm)[unit])
    for j in range(P.n_features):
        nnz += w[j] != 0
    with gil:
        line = ("Norm: %.2f, NNZs: %d, Bias: %.6f, T: %d, Avg. loss: %f, Objective: %f"
                % (norm, nnz, P.intercept[unit], P.count[unit], sumloss / P.train_count,
                   objective / P.train_count))
        if P.early_stopping:
            line += ", Validation score: %f" % score
        print(line)
        print("Total training time: %.2f seconds." % (time.time() - P.t_start))


cdef void train_group(Problem *P, const floating *dummy, Py_ssize_t first, Py_ssize_t last,
                      Py_ssize_t *order, double *scores, Py_ssize_t *active,
                      int tid) noexcept nogil:
    """Train units first .. last - 1 to the end of their runs, sharing each
    pass over the data.  order, scores, active: this thread's scratch."""
    cdef floating *W = <floating *> P.W
    cdef floating *Q = <floating *> P.Q
    cdef const floating *sw = <const floating *> P.sample_weight
    cdef const floating *wpos = <const floating *> P.weight_pos
    cdef const floating *wneg = <const floating *> P.weight_neg
    cdef floating *wscale = <floating *> P.wscale
    cdef floating *sq_norm = <floating *> P.sq_norm
    cdef floating *l1_norm = <floating *> P.l1_norm
    cdef const floating *x
    cdef const int32_t *ind
    cdef Py_ssize_t nnz, k, i, a, unit, n_active, epoch, n = P.n_samples
    cdef Py_ssize_t n_units = last - first
    cdef double p, y, z, update, score, value
    cdef floating cw, scale_by
    cdef floating *w
    cdef long long work = 0
    cdef bint stop_unit
    cdef bint compute_loss = P.verbose or not P.early_stopping
    # Per unit of the group: this epoch's loss, objective, mistakes, change.
    cdef double *sumloss = <double *> malloc(n_units * 2 * sizeof(double))
    cdef long long *mistakes = <long long *> malloc(n_units * sizeof(long long))
    cdef unsigned char *moved = <unsigned char *> malloc(n_units)
    cdef unsigned char *running = <unsigned char *> malloc(n_units)
    if sumloss == NULL or mistakes == NULL or moved == NULL or running == NULL:
        free(sumloss)
        free(mistakes)
        free(moved)
        free(running)
        pt_flag_set(&P.out_of_memory, 1)
        pt_flag_set(&P.stop, 1)
        return
    cdef double *objective = sumloss + n_units
    for a in range(n_units):
        running[a] = 1
    for i in range(n):
        order[i] = i
    for epoch in range(P.max_iter):
        n_active = 0
        for a in range(n_units):
            if running[a]:
                active[n_active] = first + a
                n_active += 1
                sumloss[a] = 0.0
                objective[a] = 0.0
                mistakes[a] = 0
                moved[a] = 0
        if n_active == 0 or pt_flag_get(&P.stop):
            break
        if P.verbose:
            with gil:
                print("-- Epoch %d" % (epoch + 1))
        if P.shuffle:
            # Only a group of one unit shuffles (each unit has its seed).
            shuffle_order(order, n, P.seeds[first])
        for k in range(n):
            i = order[k]
            if P.validation[i]:
                continue
            example(P, dummy, i, &x, &ind, &nnz)
            if ind == NULL:
                if floating is float:
                    fnn_pt_scores_s(n_active, active, P.n_features, x, W, P.n_features,
                                    scores)
                else:
                    fnn_pt_scores_d(n_active, active, P.n_features, x, W, P.n_features,
                                    scores)
            else:
                for a in range(n_active):
                    scores[a] = raw_dot(W + active[a] * P.n_features, x, ind, nnz,
                                        P.n_features)
            for a in range(n_active):
                unit = active[a]
                w = W + unit * P.n_features
                p = <floating> (scores[a] * wscale[unit])
                p += P.intercept[unit]
                y = 1.0 if P.y_index[i] == P.positive[unit] else -1.0
                z = p * y
                if compute_loss:
                    if z <= 0:
                        sumloss[unit - first] += -z
                        objective[unit - first] += -z
                    if P.penalty != NO_PENALTY:
                        objective[unit - first] += P.alpha * (
                            (1 - P.l1_ratio) * 0.5
                            * (<floating> sqrt(sq_norm[unit])) ** 2
                            + P.l1_ratio * l1_norm[unit])
                cw = wpos[unit] if y > 0 else wneg[unit]
                update = 0.0
                if z <= 0:
                    mistakes[unit - first] += 1
                    update = P.eta * y
                update *= cw * sw[i]
                if P.penalty == L2 or P.penalty == ELASTICNET:
                    scale_by = <floating> max(0.0, 1.0 - (1.0 - P.l1_ratio) * P.eta * P.alpha)
                    scale_weights(P, w, unit, scale_by)
                if update != 0.0:
                    add_example(P, w, unit, x, ind, nnz, <floating> update)
                    moved[unit - first] = 1
                    if P.fit_intercept:
                        P.intercept[unit] += update * P.intercept_decay
                if P.penalty == L1 or P.penalty == ELASTICNET:
                    P.u[unit] += P.l1_ratio * P.eta * P.alpha
                    l1_truncate(P, w, Q + unit * P.n_features, unit, ind, nnz)
                P.count[unit] += 1
            work += n_active * nnz
            if work >= CHECK_WORK:
                work = 0
                if tid == 0 and P.check_signals and signal_raised():
                    pt_flag_set(&P.interrupted, 1)
                    pt_flag_set(&P.stop, 1)
                if pt_flag_get(&P.stop):
                    break
        if pt_flag_get(&P.stop):
            # Interrupted mid-epoch (or another unit diverged): keep the
            # weights as they stand; the epoch does not count.
            break
        for a in range(n_active):
            unit = active[a]
            w = W + unit * P.n_features
            if not isfinite(P.intercept[unit]) or not all_finite(w, P.n_features):
                P.diverged_epoch = epoch + 1
                pt_flag_set(&P.stop, 1)
                break
            if not record(P, unit, mistakes[unit - first]):
                pt_flag_set(&P.out_of_memory, 1)
                pt_flag_set(&P.stop, 1)
                break
            score = 0.0
            if P.early_stopping:
                score = validation_score(P, dummy, unit)
                value = score
            else:
                value = objective[unit - first] / P.train_count
            if P.verbose:
                report_epoch(P, dummy, unit, sumloss[unit - first],
                             objective[unit - first], score)
            P.epochs[unit] = epoch + 1
            stop_unit = apply_rule(P, unit, value)
            if (not stop_unit and P.penalty == NO_PENALTY and not P.verbose
                    and not moved[unit - first]
                    and (P.early_stopping or objective[unit - first] == 0.0)):
                # Every later epoch repeats this one exactly: count them.
                stop_unit = fast_forward(P, unit, value)
            if stop_unit:
                running[unit - first] = 0
                if P.verbose:
                    with gil:
                        print("Convergence after %d epochs took %.2f seconds"
                              % (P.epochs[unit], time.time() - P.t_start))
        if pt_flag_get(&P.stop) and not P.interrupted:
            break
    for a in range(n_units):
        reset_wscale(P, W + (first + a) * P.n_features, first + a)
    free(sumloss)
    free(mistakes)
    free(moved)
    free(running)


cdef bint fast_forward(Problem *P, Py_ssize_t unit, double value) noexcept nogil:
    """The stopping rule over the epochs that repeat the last one (same
    objective or validation score): count them without passes over the
    data.  Returns True (the unit's run is over)."""
    cdef long long per_epoch = <long long> P.train_count
    while P.epochs[unit] < P.max_iter:
        P.epochs[unit] += 1
        P.count[unit] += per_epoch
        if apply_rule(P, unit, value):
            return True
        if P.no_improvement[unit] == 0:
            # The rule resets on this value every epoch: it never stops.
            P.count[unit] += per_epoch * (P.max_iter - P.epochs[unit])
            P.epochs[unit] = P.max_iter
    return True


cdef inline bint all_finite(const floating *w, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        if not isfinite(w[j]):
            return False
    return True


cdef void run_groups(void *ctx, int tid, int n_threads, floating dtype_tag) noexcept nogil:
    """Thread tid's share of the groups: tid, tid + n_threads, ..."""
    cdef Problem *P = <Problem *> ctx
    cdef const floating *dummy = NULL
    cdef Py_ssize_t g
    cdef Py_ssize_t n_units_max = 0
    for g in range(P.n_groups):
        n_units_max = max(n_units_max, P.group_start[g + 1] - P.group_start[g])
    g = tid
    while g < P.n_groups and not pt_flag_get(&P.stop):
        train_group(P, dummy, P.group_start[g], P.group_start[g + 1],
                    P.orders + tid * P.n_samples, P.scores + tid * n_units_max,
                    P.active + tid * n_units_max, tid)
        g += n_threads


def fit_units(
    X,
    X_data,
    X_indices,
    X_indptr,
    const Py_ssize_t[::1] y_index,
    const floating[::1] sample_weight,
    const unsigned char[::1] validation,
    const Py_ssize_t[::1] positive,
    const floating[::1] weight_pos,
    const floating[::1] weight_neg,
    const uint32_t[::1] seeds,
    floating[:, ::1] W,
    double[::1] intercept,
    int penalty,
    double alpha,
    double l1_ratio,
    double eta,
    bint fit_intercept,
    double intercept_decay,
    Py_ssize_t max_iter,
    double tol,
    Py_ssize_t n_iter_no_change,
    bint shuffle,
    bint early_stopping,
    int verbose,
    int n_threads,
    bint check_signals,
    Py_ssize_t[::1] n_iter,
):
    """Train every unit (row of W) as scikit-learn's _plain_sgd would.

    Parameters
    ----------
    X : IN, (n_samples, n_features) dense rows, or None with X_data,
        X_indices, X_indptr a CSR matrix (int32 indices) of that shape;
        of W's dtype.
    y_index : IN, (n_samples,) class index of each example.
    sample_weight : IN, (n_samples,).
    validation : IN, (n_samples,) nonzero for the examples held out for
        early stopping (never trained on).
    positive : IN, (n_units,) the class index unit u labels +1.
    weight_pos, weight_neg : IN, (n_units,) class weights of unit u's +1
        and -1 examples.
    seeds : IN, (n_units,) seeds of the units' shuffles.
    W, intercept : IN/OUT, (n_units, n_features) and (n_units,).
    penalty : PENALTIES code; alpha, l1_ratio (effective: 0 for 'l2', 1
        for 'l1'), eta, fit_intercept, intercept_decay (1, or 0.01 for
        sparse X as scikit-learn), max_iter, tol (-inf for None),
        n_iter_no_change, shuffle, early_stopping, verbose : the run.
    n_threads : threads to spread the units over (verbose runs in one).
    check_signals : look for Ctrl-C (main thread only).
    n_iter : OUT, (n_units,) epochs of each unit.

    Returns
    -------
    curves : list of n_units int64 arrays, the mistakes of each epoch run
        over the data (epochs counted without a pass are not in them).
    interrupted : True if Ctrl-C (KeyboardInterrupt) stopped the run: W and
        intercept then hold the weights as they stood.  An exception another
        signal handler raised propagates.

    Raises
    ------
    ValueError naming the epoch if a weight or intercept stopped being
    finite (scikit-learn's message), MemoryError.
    """
    cdef Py_ssize_t n_units = W.shape[0], n_features = W.shape[1]
    cdef Py_ssize_t n_samples = y_index.shape[0], u, g
    cdef const floating[:, ::1] dense
    cdef const floating[::1] values
    cdef const int32_t[::1] indices
    cdef const int32_t[::1] indptr
    cdef Problem P
    cdef fnn_barrier barrier
    dtype = np.float32 if floating is float else np.float64
    if X is not None:
        dense = X
        P.X = &dense[0, 0]
        P.indices = NULL
        P.indptr = NULL
    else:
        values = X_data if len(X_data) > 0 else np.zeros(1, dtype=dtype)
        indices = X_indices if len(X_indices) > 0 else np.zeros(1, dtype=np.int32)
        indptr = X_indptr
        P.X = &values[0]
        P.indices = &indices[0]
        P.indptr = &indptr[0]
    track_norms = penalty != 0 or verbose > 0
    wscale = np.ones(n_units, dtype=dtype)
    sq_norm = np.array([np.dot(W[u], W[u]) for u in range(n_units)], dtype=dtype)
    l1_norm = np.array([np.abs(W[u]).sum() for u in range(n_units)], dtype=dtype)
    Q = np.zeros((1, 1), dtype=dtype)
    if penalty == L1 or penalty == ELASTICNET:
        Q = np.zeros((W.shape[0], W.shape[1]), dtype=dtype)
    u_cum = np.zeros(n_units)
    best_objective = np.full(n_units, np.inf)
    best_score = np.full(n_units, -np.inf)
    no_improvement = np.zeros(n_units, dtype=np.intp)
    epochs = np.zeros(n_units, dtype=np.intp)
    count = np.zeros(n_units, dtype=np.int64)
    passes = np.zeros(n_units, dtype=np.intp)
    curve_cap = np.zeros(n_units, dtype=np.intp)
    # Units share passes when they share the order (no shuffling) and no
    # one prints (scikit-learn prints one unit's run after the other).
    shared = not shuffle and not verbose
    n_groups = min(n_threads, n_units) if shared else n_units
    if verbose:
        n_threads = 1
    n_threads = max(1, min(n_threads, n_groups))
    group_start = np.linspace(0, n_units, n_groups + 1).round().astype(np.intp) \
        if shared else np.arange(n_units + 1, dtype=np.intp)
    width = int(np.max(np.diff(group_start)))
    orders = np.empty(n_threads * max(n_samples, 1), dtype=np.intp)
    scores = np.empty(n_threads * width, dtype=np.float64)
    active = np.empty(n_threads * width, dtype=np.intp)
    cdef floating[::1] wscale_v = wscale
    cdef floating[::1] sq_v = sq_norm
    cdef floating[::1] l1_v = l1_norm
    cdef floating[:, ::1] Q_v = Q
    cdef double[::1] u_v = u_cum
    cdef double[::1] bo_v = best_objective
    cdef double[::1] bs_v = best_score
    cdef Py_ssize_t[::1] ni_v = no_improvement
    cdef Py_ssize_t[::1] ep_v = epochs
    cdef long long[::1] count_v = count
    cdef Py_ssize_t[::1] passes_v = passes
    cdef Py_ssize_t[::1] cap_v = curve_cap
    cdef const Py_ssize_t[::1] gs_v = group_start
    cdef Py_ssize_t[::1] orders_v = orders
    cdef double[::1] scores_v = scores
    cdef Py_ssize_t[::1] active_v = active
    cdef long long **curves = <long long **> malloc(max(n_units, 1) * sizeof(long long *))
    if curves == NULL:
        raise MemoryError()
    for u in range(n_units):
        curves[u] = NULL
    P.n_samples = n_samples
    P.n_features = n_features
    P.y_index = &y_index[0]
    P.sample_weight = &sample_weight[0]
    P.validation = &validation[0]
    P.train_count = n_samples - int(np.count_nonzero(np.asarray(validation)))
    P.W = &W[0, 0]
    P.Q = &Q_v[0, 0]
    P.wscale = &wscale_v[0]
    P.sq_norm = &sq_v[0]
    P.l1_norm = &l1_v[0]
    P.intercept = &intercept[0]
    P.u = &u_v[0]
    P.positive = &positive[0]
    P.weight_pos = &weight_pos[0]
    P.weight_neg = &weight_neg[0]
    P.seeds = &seeds[0]
    P.best_objective = &bo_v[0]
    P.best_score = &bs_v[0]
    P.no_improvement = &ni_v[0]
    P.epochs = &ep_v[0]
    P.count = &count_v[0]
    P.curve = curves
    P.passes = &passes_v[0]
    P.curve_cap = &cap_v[0]
    P.penalty = penalty
    P.alpha = alpha
    P.l1_ratio = l1_ratio
    P.eta = eta
    P.intercept_decay = intercept_decay
    P.tol = tol
    P.max_iter = max_iter
    P.n_iter_no_change = n_iter_no_change
    P.fit_intercept = fit_intercept
    P.shuffle = shuffle
    P.early_stopping = early_stopping
    P.verbose = verbose
    P.track_norms = track_norms
    P.group_start = &gs_v[0]
    P.n_groups = n_groups
    P.orders = &orders_v[0]
    P.scores = &scores_v[0]
    P.active = &active_v[0]
    P.check_signals = check_signals
    P.stop = 0
    P.interrupted = 0
    P.out_of_memory = 0
    P.diverged_epoch = 0
    P.t_start = time.time()
    try:
        with nogil:
            run_parallel(n_threads, run_groups[float], run_groups[double], &P, &barrier,
                         <floating> 0)
        if P.interrupted:
            # The signal handler's exception is pending: Ctrl-C's is the
            # caller's to report (with the weights kept); any other
            # propagates.  Before any other Python call.
            try:
                _raise_pending()
            except KeyboardInterrupt:
                pass
        result = [np.array(<long long[:passes[u]]> curves[u]) if passes[u] > 0
                  else np.zeros(0, dtype=np.int64) for u in range(n_units)]
    finally:
        for u in range(n_units):
            free(curves[u])
        free(curves)
    if P.out_of_memory:
        raise MemoryError("not enough memory for the perceptron's epoch records")
    if P.diverged_epoch:
        raise ValueError("Floating-point under-/overflow occurred at epoch #%d. Scaling "
                         "input data with StandardScaler or MinMaxScaler might help. "
                         "(Training overflowed: scale the input features or lower "
                         "eta0.)" % P.diverged_epoch)
    for u in range(n_units):
        n_iter[u] = epochs[u]
    return result, bool(P.interrupted)


def decision_function(
    X,
    X_data,
    X_indices,
    X_indptr,
    const floating[:, ::1] W,
    const floating[::1] b,
    floating[:, ::1] out,
):
    """out[i, u] = <W[u], x_i> + b[u], summed as training sums (products in
    the dtype, sums in double), for dense X or the CSR matrix (X_data,
    X_indices, X_indptr) when X is None.

    OUT: out, shape (n_samples, n_units).
    """
    cdef Py_ssize_t n_units = W.shape[0], n_features = W.shape[1]
    cdef Py_ssize_t i, u, n
    cdef const floating[:, ::1] dense
    cdef const floating[::1] values
    cdef const int32_t[::1] indices
    cdef const int32_t[::1] indptr
    cdef Py_ssize_t[::1] units = np.arange(max(n_units, 1), dtype=np.intp)
    cdef double[::1] dots = np.empty(max(n_units, 1), dtype=np.float64)
    cdef const floating *x
    cdef const int32_t *ind
    cdef Py_ssize_t nnz
    dtype = np.float32 if floating is float else np.float64
    if X is not None:
        dense = X
        n = dense.shape[0]
        with nogil:
            for i in range(n):
                if floating is float:
                    fnn_pt_scores_s(n_units, &units[0], n_features, &dense[i, 0], &W[0, 0],
                                    n_features, &dots[0])
                else:
                    fnn_pt_scores_d(n_units, &units[0], n_features, &dense[i, 0], &W[0, 0],
                                    n_features, &dots[0])
                for u in range(n_units):
                    out[i, u] = <floating> (dots[u] + b[u])
        return
    values = X_data if len(X_data) > 0 else np.zeros(1, dtype=dtype)
    indices = X_indices if len(X_indices) > 0 else np.zeros(1, dtype=np.int32)
    indptr = X_indptr
    n = indptr.shape[0] - 1
    with nogil:
        for i in range(n):
            x = &values[0] + indptr[i]
            ind = &indices[0] + indptr[i]
            nnz = indptr[i + 1] - indptr[i]
            for u in range(n_units):
                out[i, u] = <floating> (raw_dot(&W[u, 0], x, ind, nnz, n_features) + b[u])
