# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The perceptron rule (course notes 1.4): one epoch in one nogil call.

Design:
- Units are the rows of W (n_units, n_features): one for a binary problem,
  one per class for one-vs-rest.  They are independent, so one pass over the
  data trains all of them: each example is loaded once and scored by every
  unit still training (four rows at a time, _perceptron.h).
- Unit u's target for example i is t = [y_index[i] == positive[u]]; its
  output is y = [s > 0] with s = W[u] . x + b[u].  On a mistake (y != t)
  the rule w <- w + eta (t - y) x, b <- b + eta (t - y) is applied, scaled by
  the example's weight and the unit's weight for its target.  t - y is +-1
  there, so the step size c is computed as (+-eta) * (class weight * sample
  weight), the same products in the same order as scikit-learn's Perceptron.
- The kernels allocate one score buffer per call, before the loop, and hold
  no GIL; inputs were validated in fnn.Perceptron.
"""
from cython cimport floating
from libc.math cimport fabs
from libc.stdlib cimport malloc, free


cdef extern from "_perceptron.h" nogil:
    void fnn_perceptron_scores_s(Py_ssize_t n_units, Py_ssize_t n_features,
                                 const float *x, const float *W, const float *b,
                                 float *s)
    void fnn_perceptron_scores_d(Py_ssize_t n_units, Py_ssize_t n_features,
                                 const double *x, const double *W, const double *b,
                                 double *s)
    void fnn_perceptron_axpy_s(Py_ssize_t n, float c, const float *x, float *w)
    void fnn_perceptron_axpy_d(Py_ssize_t n, double c, const double *x, double *w)


cdef inline void unit_scores(Py_ssize_t n_units, Py_ssize_t n_features,
                             const floating *x, const floating *W, const floating *b,
                             floating *s) noexcept nogil:
    if floating is float:
        fnn_perceptron_scores_s(n_units, n_features, x, W, b, s)
    else:
        fnn_perceptron_scores_d(n_units, n_features, x, W, b, s)


cdef inline void axpy(Py_ssize_t n, floating c, const floating *x,
                      floating *w) noexcept nogil:
    if floating is float:
        fnn_perceptron_axpy_s(n, c, x, w)
    else:
        fnn_perceptron_axpy_d(n, c, x, w)


def perceptron_epoch(
    const floating[:, ::1] X,
    const Py_ssize_t[::1] y_index,
    const floating[::1] sample_weight,
    const Py_ssize_t[::1] order,
    const Py_ssize_t[::1] positive,
    const double[::1] weight_pos,
    const double[::1] weight_neg,
    const unsigned char[::1] active,
    floating[:, ::1] W,
    floating[::1] b,
    double eta,
    bint fit_intercept,
    Py_ssize_t[::1] mistakes,
    double[::1] loss,
):
    """Visit X[order[0]], X[order[1]], ... once, applying the perceptron rule.

    Parameters
    ----------
    X : IN, (n_samples, n_features).
    y_index : IN, (n_samples,) class index of each example.
    sample_weight : IN, (n_samples,) or empty for unit weights.
    order : IN, indices into X, visited in this order.
    positive : IN, (n_units,) the class index that is unit u's target 1.
    weight_pos, weight_neg : IN, (n_units,) weight of unit u's steps on
        examples whose target is 1, resp. 0 (class weights).
    active : IN, (n_units,) nonzero for the units that still train; the
        others are neither scored nor changed.
    W, b : IN/OUT, (n_units, n_features) and (n_units,) weights and biases.
    eta : learning rate.
    fit_intercept : whether b is stepped.
    mistakes : OUT, (n_units,) examples unit u got wrong (= its steps).
    loss : OUT, (n_units,) sum of sample_weight * |s| over unit u's
        mistakes: the perceptron criterion (scikit-learn's Perceptron loss,
        which leaves the sample weights out), weighted so that a weight of
        k counts like k copies of the example and 0 like no example.

    Returns
    -------
    int : total mistakes of the active units in this epoch.
    """
    cdef Py_ssize_t n_visits = order.shape[0]
    cdef Py_ssize_t n_features = X.shape[1]
    cdef Py_ssize_t n_units = W.shape[0]
    cdef bint weighted = sample_weight.shape[0] > 0
    cdef Py_ssize_t k, i, u, total = 0
    cdef const floating *x
    cdef floating s
    cdef double sw, c
    cdef bint t

    cdef floating *scores = <floating *> malloc(n_units * sizeof(floating))
    if scores == NULL:
        raise MemoryError()
    with nogil:
        for u in range(n_units):
            mistakes[u] = 0
            loss[u] = 0
        for k in range(n_visits):
            i = order[k]
            x = &X[i, 0]
            sw = sample_weight[i] if weighted else 1.0
            # Scoring every unit (idle ones too) keeps the four-row kernel
            # simple; a stopped unit's score is just not used.
            unit_scores(n_units, n_features, x, &W[0, 0], &b[0], scores)
            for u in range(n_units):
                if not active[u]:
                    continue
                s = scores[u]
                t = y_index[i] == positive[u]
                if (s > 0) == t:
                    continue
                mistakes[u] += 1
                loss[u] += sw * fabs(s)
                # t - y = +1 when a target-1 example scored <= 0, else -1.
                if t:
                    c = eta * (weight_pos[u] * sw)
                else:
                    c = -eta * (weight_neg[u] * sw)
                axpy(n_features, <floating> c, x, &W[u, 0])
                if fit_intercept:
                    b[u] += <floating> c
        for u in range(n_units):
            if active[u]:
                total += mistakes[u]
    free(scores)
    return total


def decision_function(
    const floating[:, ::1] X,
    const floating[:, ::1] W,
    const floating[::1] b,
    floating[:, ::1] out,
):
    """out[i, u] = W[u] . X[i] + b[u], summed exactly as during training.

    OUT: out, shape (n_samples, n_units).  Using the training kernel (rather
    than a GEMM) means an example the rule classified correctly is predicted
    with the very same score.
    """
    cdef Py_ssize_t i
    with nogil:
        for i in range(X.shape[0]):
            unit_scores(W.shape[0], X.shape[1], &X[i, 0], &W[0, 0], &b[0], &out[i, 0])
