/*
 * Body of the kernels declared by _simd.h, written once for a scalar type
 * FNN_T; names go through FNN_S(...) to get a _s or _d suffix.  Only
 * _simd.h includes this file.
 *
 * Layout: a dense layer with n_in inputs and n_out units stores W row-major
 * with shape (n_in, n_out), as scikit-learn's coefs_, so that row i of W is
 * what input i contributes to every unit.
 */

/* sum_j x[j] * y[j] */
static inline FNN_T FNN_S(fnn_dot)(ptrdiff_t n, const FNN_T *x, const FNN_T *y)
{
    FNN_T s = 0;
#pragma omp simd reduction(+:s)
    for (ptrdiff_t j = 0; j < n; j++) s += x[j] * y[j];
    return s;
}

/*
 * One optimiser step on a slice of n parameters w whose gradient is
 *     grad[j] = a * g[j] + l2 * w[j].
 * Two callers share it: the per-example loop passes one row of W with
 * g = the layer's delta and a = that row's input (the row of the rank-1
 * gradient x delta^T); the mini-batch loop passes a whole layer with g = the
 * summed gradient and a = 1 / batch_weight.  l2 is alpha / batch_weight on
 * coefficients and 0 on intercepts, as in scikit-learn.
 * s1, s2: optimiser state beside w (velocity; or Adam's first and second
 * moments), same layout.  Returns sum_j w[j]^2 after the step, which the
 * caller needs for the next L2 penalty and gets here for free.
 */
static inline FNN_T FNN_S(fnn_step_apply)(
    ptrdiff_t n, FNN_T *restrict w, const FNN_T *restrict g, FNN_T a, FNN_T l2,
    const fnn_step *step, FNN_T *restrict s1, FNN_T *restrict s2)
{
    const FNN_T lr = (FNN_T)step->learning_rate;
    FNN_T sumsq = 0;
    switch (step->kind) {
    case FNN_OPT_SGD:
#pragma omp simd reduction(+:sumsq)
        for (ptrdiff_t j = 0; j < n; j++) {
            FNN_T wj = w[j] - lr * (a * g[j] + l2 * w[j]);
            w[j] = wj;
            sumsq += wj * wj;
        }
        break;
    case FNN_OPT_MOMENTUM: {
        const FNN_T mu = (FNN_T)step->momentum;
#pragma omp simd reduction(+:sumsq)
        for (ptrdiff_t j = 0; j < n; j++) {
            FNN_T v = mu * s1[j] - lr * (a * g[j] + l2 * w[j]);
            FNN_T wj = w[j] + v;
            s1[j] = v;
            w[j] = wj;
            sumsq += wj * wj;
        }
        break;
    }
    case FNN_OPT_NESTEROV: {
        const FNN_T mu = (FNN_T)step->momentum;
#pragma omp simd reduction(+:sumsq)
        for (ptrdiff_t j = 0; j < n; j++) {
            FNN_T lg = lr * (a * g[j] + l2 * w[j]);
            FNN_T v = mu * s1[j] - lg;
            FNN_T wj = w[j] + (mu * v - lg);
            s1[j] = v;
            w[j] = wj;
            sumsq += wj * wj;
        }
        break;
    }
    case FNN_OPT_ADAM: {
        const FNN_T b1 = (FNN_T)step->beta_1, b2 = (FNN_T)step->beta_2;
        const FNN_T eps = (FNN_T)step->epsilon;
#pragma omp simd reduction(+:sumsq)
        for (ptrdiff_t j = 0; j < n; j++) {
            FNN_T gj = a * g[j] + l2 * w[j];
            FNN_T m = b1 * s1[j] + (1 - b1) * gj;
            FNN_T v = b2 * s2[j] + (1 - b2) * (gj * gj);
            FNN_T wj = w[j] - lr * m / (sqrt(v) + eps);
            s1[j] = m;
            s2[j] = v;
            w[j] = wj;
            sumsq += wj * wj;
        }
        break;
    }
    }
    return sumsq;
}

/*
 * Forward pass of one example through one dense layer (pre-activation):
 *     z[j] = b[j] + sum_i x[i] W[i, j].
 * Accumulating whole rows of W keeps every access contiguous and needs no
 * reduction.  Inputs that are exactly zero are skipped; image data is often
 * mostly zeros, and skipping is exact because W is finite.
 */
FNN_CLONES static void FNN_S(fnn_dense_forward_one)(
    ptrdiff_t n_in, ptrdiff_t n_out, const FNN_T *restrict x,
    const FNN_T *restrict W, const FNN_T *restrict b, FNN_T *restrict z)
{
    for (ptrdiff_t j = 0; j < n_out; j++) z[j] = b[j];
    for (ptrdiff_t i = 0; i < n_in; i++) {
        const FNN_T xi = x[i];
        if (xi == 0) continue;
        const FNN_T *restrict Wi = W + i * n_out;
#pragma omp simd
        for (ptrdiff_t j = 0; j < n_out; j++) z[j] += xi * Wi[j];
    }
}

/*
 * Backward pass of one example through one dense layer, fused with the
 * optimiser step, so W is read once from cache for both:
 *     delta_prev[i] = sum_j W[i, j] delta[j]      (with W before the step)
 *     W[i, :], b    <- step with gradient x[i] delta, delta
 * delta_prev may be NULL (first layer: nobody needs the input's delta).
 * s1W/s2W and s1b/s2b are the optimiser state beside W and b.  l2 applies to
 * W only.  Returns sum of W^2 after the step.
 * delta_prev gets the raw back-propagated error; the caller multiplies it by
 * the activation derivative.  State pointers are NULL where the optimiser
 * keeps no state.  The returned sum of squares only counts rows that were
 * stepped, so it is meaningful only when l2 > 0 (the only case that uses it).
 */
FNN_CLONES static FNN_T FNN_S(fnn_dense_backward_step_one)(
    ptrdiff_t n_in, ptrdiff_t n_out, const FNN_T *restrict x,
    const FNN_T *restrict delta, FNN_T *restrict W, FNN_T *restrict b,
    FNN_T *restrict delta_prev, const fnn_step *step, FNN_T l2,
    FNN_T *restrict s1W, FNN_T *restrict s2W,
    FNN_T *restrict s1b, FNN_T *restrict s2b)
{
    /* Plain SGD without L2 leaves a row untouched when its input is zero. */
    const int skip_zero_rows = step->kind == FNN_OPT_SGD && l2 == 0;
    FNN_T sumsq = 0;
    for (ptrdiff_t i = 0; i < n_in; i++) {
        FNN_T *restrict Wi = W + i * n_out;
        if (delta_prev != NULL) delta_prev[i] = FNN_S(fnn_dot)(n_out, Wi, delta);
        if (skip_zero_rows && x[i] == 0) continue;
        sumsq += FNN_S(fnn_step_apply)(n_out, Wi, delta, x[i], l2, step,
                                       s1W ? s1W + i * n_out : NULL,
                                       s2W ? s2W + i * n_out : NULL);
    }
    FNN_S(fnn_step_apply)(n_out, b, delta, 1, 0, step, s1b, s2b);
    return sumsq;
}

/*
 * Optimiser step on a whole slice (the mini-batch path): see fnn_step_apply.
 */
FNN_CLONES static FNN_T FNN_S(fnn_step_slice)(
    ptrdiff_t n, FNN_T *w, const FNN_T *g, FNN_T a, FNN_T l2,
    const fnn_step *step, FNN_T *s1, FNN_T *s2)
{
    return FNN_S(fnn_step_apply)(n, w, g, a, l2, step, s1, s2);
}

/* sum_j x[j]^2, vectorised (the L2 penalty at the start of an epoch). */
FNN_CLONES static FNN_T FNN_S(fnn_sumsq)(ptrdiff_t n, const FNN_T *x)
{
    return FNN_S(fnn_dot)(n, x, x);
}
