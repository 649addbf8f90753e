/*
 * Bodies of the SVM kernel-row functions of _svm_kernels.h for one scalar
 * type FNN_T; names go through FNN_S(...) for a _s or _d suffix.  Only
 * _svm_kernels.h includes this file (through _each_dtype.h).
 *
 * Data layout: sample s is the row X + s * ldx of d values.
 */

/* The vector types and the lane sum of _simd.h: one AVX-512 register of
 * FNN_T, summed by folding halves in registers. */
#define VEC FNN_S(fnn_vec)
#define LOAD(p) (*(const FNN_S(fnn_uvec) *)(p))
#define VLEN ((ptrdiff_t)(FNN_VBYTES / sizeof(FNN_T)))

/* <x, y> is fnn_dot of _simd.h.  The row loops below sum each row in
 * exactly its order (whole vectors from the start, lanes summed by
 * fnn_hsum, then the scalar tail), so <x_a, x_a> from any of them is the
 * same number (the rbf diagonal is exactly 1): a change to fnn_dot's order
 * must be made here too. */

/* out[b] = <x, X[idx[b]]> for b < count, four rows per pass over x. */
FNN_INLINE void FNN_S(svm_dots)(ptrdiff_t d, const FNN_T *restrict x,
                                const FNN_T *X, ptrdiff_t ldx,
                                const ptrdiff_t *restrict idx, ptrdiff_t count,
                                double *restrict out)
{
    ptrdiff_t b = 0;
    for (; b + 4 <= count; b += 4) {
        const FNN_T *y0 = X + idx[b] * ldx, *y1 = X + idx[b + 1] * ldx;
        const FNN_T *y2 = X + idx[b + 2] * ldx, *y3 = X + idx[b + 3] * ldx;
        VEC a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        ptrdiff_t j = 0;
        for (; j + VLEN <= d; j += VLEN) {
            VEC xj = LOAD(x + j);
            a0 += xj * LOAD(y0 + j);
            a1 += xj * LOAD(y1 + j);
            a2 += xj * LOAD(y2 + j);
            a3 += xj * LOAD(y3 + j);
        }
        FNN_T t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (; j < d; j++) {
            t0 += x[j] * y0[j];
            t1 += x[j] * y1[j];
            t2 += x[j] * y2[j];
            t3 += x[j] * y3[j];
        }
        out[b] = FNN_S(fnn_hsum)(a0) + t0;
        out[b + 1] = FNN_S(fnn_hsum)(a1) + t1;
        out[b + 2] = FNN_S(fnn_hsum)(a2) + t2;
        out[b + 3] = FNN_S(fnn_hsum)(a3) + t3;
    }
    for (; b < count; b++) out[b] = FNN_S(fnn_dot)(d, x, X + idx[b] * ldx);
}

/* sq[s] = <x_s, x_s> for s < n: the norms the rbf kernel needs. */
FNN_CLONES static void FNN_S(svm_sqnorms)(ptrdiff_t n, ptrdiff_t d, const FNN_T *X,
                                          ptrdiff_t ldx, double *sq)
{
    for (ptrdiff_t s = 0; s < n; s++) {
        const FNN_T *x = X + s * ldx;
        sq[s] = FNN_S(fnn_dot)(d, x, x);
    }
}

/* out[r * count + b] = <xa[r], X[idx[b]]> for r < NA, b < count: NA rows
 * share each pass over the rows b, which is what costs when X does not fit
 * in cache.  NA is a compile-time constant at every call, so the
 * accumulators live in registers; each (r, b) is summed in fnn_dot's order. */
FNN_INLINE void FNN_S(svm_dots_multi)(const int NA, ptrdiff_t d,
                                      const FNN_T *const *xa, const FNN_T *X,
                                      ptrdiff_t ldx, const ptrdiff_t *restrict idx,
                                      ptrdiff_t count, double *restrict out)
{
    ptrdiff_t b = 0;
    for (; b + 2 <= count; b += 2) {
        const FNN_T *y0 = X + idx[b] * ldx, *y1 = X + idx[b + 1] * ldx;
        VEC acc0[SVM_MAX_ROWS], acc1[SVM_MAX_ROWS];
        for (int r = 0; r < NA; r++) acc0[r] = acc1[r] = (VEC){0};
        ptrdiff_t j = 0;
        for (; j + VLEN <= d; j += VLEN) {
            const VEC v0 = LOAD(y0 + j), v1 = LOAD(y1 + j);
            for (int r = 0; r < NA; r++) {
                const VEC xr = LOAD(xa[r] + j);
                acc0[r] += xr * v0;
                acc1[r] += xr * v1;
            }
        }
        for (int r = 0; r < NA; r++) {
            FNN_T t0 = 0, t1 = 0;
            for (ptrdiff_t jj = j; jj < d; jj++) {
                t0 += xa[r][jj] * y0[jj];
                t1 += xa[r][jj] * y1[jj];
            }
            out[r * count + b] = FNN_S(fnn_hsum)(acc0[r]) + t0;
            out[r * count + b + 1] = FNN_S(fnn_hsum)(acc1[r]) + t1;
        }
    }
    for (; b < count; b++)
        for (int r = 0; r < NA; r++)
            out[r * count + b] = FNN_S(fnn_dot)(d, xa[r], X + idx[b] * ldx);
}

/*
 * Kernel rows: out[r][b] = K(x_a[r], x_idx[b]) for r < n_rows (at most
 * SVM_MAX_ROWS), b < count, as float.
 * IN  k, d, X (ldx), sq (squared norms, rbf only), a[n_rows], idx[count]
 * OUT out[r][count]
 * scratch: n_rows * count doubles.
 * For 'precomputed', X is the Gram matrix and rows are gathered from it.
 * Returns 1 if a value is not finite as a float (overflow of the data's
 * dtype in the dot products, or of float in the cache), else 0.
 */
FNN_CLONES static int FNN_S(svm_kernel_rows)(
    const svm_kernel *k, ptrdiff_t d, const FNN_T *X, ptrdiff_t ldx,
    const double *sq, const ptrdiff_t *a, int n_rows, const ptrdiff_t *restrict idx,
    ptrdiff_t count, float *const *out, double *restrict scratch)
{
    const FNN_T *xa[SVM_MAX_ROWS];
    for (int r = 0; r < n_rows; r++) xa[r] = X + a[r] * ldx;
    if (k->kind == SVM_PRECOMPUTED) {
        int bad = 0;
        for (int r = 0; r < n_rows; r++)
            for (ptrdiff_t b = 0; b < count; b++) {
                const float v = (float)xa[r][idx[b]];
                out[r][b] = v;
                bad |= !(fabsf(v) <= FLT_MAX);
            }
        return bad;
    }
    switch (n_rows) {
    case 1: FNN_S(svm_dots)(d, xa[0], X, ldx, idx, count, scratch); break;
    case 2: FNN_S(svm_dots_multi)(2, d, xa, X, ldx, idx, count, scratch); break;
    case 3: FNN_S(svm_dots_multi)(3, d, xa, X, ldx, idx, count, scratch); break;
    case 4: FNN_S(svm_dots_multi)(4, d, xa, X, ldx, idx, count, scratch); break;
    case 5: FNN_S(svm_dots_multi)(5, d, xa, X, ldx, idx, count, scratch); break;
    case 6: FNN_S(svm_dots_multi)(6, d, xa, X, ldx, idx, count, scratch); break;
    case 7: FNN_S(svm_dots_multi)(7, d, xa, X, ldx, idx, count, scratch); break;
    default: FNN_S(svm_dots_multi)(8, d, xa, X, ldx, idx, count, scratch); break;
    }
    return svm_rows_from_dots(k, sq, a, n_rows, idx, count, scratch, out);
}

/*
 * Kernel values from a block of dot products, in place:
 * D[r, c] = K(x_r, y_c) given D[r, c] = <x_r, y_c> (from gemm),
 * sq_x[r] = |x_r|^2 and sq_y[c] = |y_c|^2 (rbf only).
 */
FNN_CLONES static void FNN_S(svm_from_dots)(
    const svm_kernel *k, ptrdiff_t rows, ptrdiff_t cols, FNN_T *D, ptrdiff_t ldd,
    const double *sq_x, const double *sq_y)
{
    if (k->kind == SVM_LINEAR || k->kind == SVM_PRECOMPUTED) return;
    for (ptrdiff_t r = 0; r < rows; r++) {
        FNN_T *row = D + r * ldd;
        const double sq_r = k->kind == SVM_RBF ? sq_x[r] : 0.0;
        for (ptrdiff_t c = 0; c < cols; c++)
            row[c] = (FNN_T)svm_from_dot(k, row[c], sq_r,
                                         k->kind == SVM_RBF ? sq_y[c] : 0.0);
    }
}

#undef VEC
#undef LOAD
#undef VLEN
