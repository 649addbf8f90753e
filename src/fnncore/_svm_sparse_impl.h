/*
 * Bodies of the sparse SVM kernels of _svm_sparse.h for one scalar type
 * FNN_T (the CSR data); names go through FNN_S(...) for a _s or _d
 * suffix.  Only _svm_sparse.h includes this file (through _each_dtype.h).
 */

/* D[col * stride + r] += value over one row's entries (adding, so that a
 * duplicated column sums as toarray() would). */
FNN_INLINE void FNN_S(svm_csr_scatter)(double *D, ptrdiff_t stride, int r,
                                       const int32_t *ind, const FNN_T *val,
                                       ptrdiff_t nnz)
{
    for (ptrdiff_t k = 0; k < nnz; k++) D[(ptrdiff_t)ind[k] * stride + r] += val[k];
}

/* out[r * count + b] = <x_a[r], M[idx[b]]> for r < NA, given the rows a
 * scattered into D at stride NA.  NA is a compile-time constant at every
 * call, so the sums live in registers. */
FNN_INLINE void FNN_S(svm_csr_dots_multi)(const int NA, const double *D,
                                          const svm_csr *M,
                                          const ptrdiff_t *restrict idx,
                                          ptrdiff_t count, double *restrict out)
{
    const FNN_T *data = (const FNN_T *)M->data;
    for (ptrdiff_t b = 0; b < count; b++) {
        double acc[SVM_MAX_ROWS];
        for (int r = 0; r < NA; r++) acc[r] = 0.0;
        const ptrdiff_t end = M->indptr[idx[b] + 1];
        for (ptrdiff_t k = M->indptr[idx[b]]; k < end; k++) {
            const double v = data[k];
            const double *Dc = D + (ptrdiff_t)M->indices[k] * NA;
            for (int r = 0; r < NA; r++) acc[r] += Dc[r] * v;
        }
        for (int r = 0; r < NA; r++) out[r * count + b] = acc[r];
    }
}

/* <x_s, x_s> for the n rows s of M: the norms the rbf kernel needs, summed
 * exactly as svm_csr_kernel_rows sums <x_s, x_s>.  D: d zeros, left zero. */
FNN_CLONES static void FNN_S(svm_csr_sqnorms)(ptrdiff_t n, const svm_csr *M,
                                              double *D, double *sq)
{
    const FNN_T *data = (const FNN_T *)M->data;
    for (ptrdiff_t s = 0; s < n; s++) {
        const ptrdiff_t start = M->indptr[s], nnz = M->indptr[s + 1] - start;
        FNN_S(svm_csr_scatter)(D, 1, 0, M->indices + start, data + start, nnz);
        FNN_S(svm_csr_dots_multi)(1, D, M, &s, 1, &sq[s]);
        svm_csr_clear(D, 1, 0, M->indices + start, nnz);
    }
}

/*
 * Kernel rows between CSR samples: out[r][b] = K(x_a[r], x_idx[b]) for
 * r < n_rows (at most SVM_MAX_ROWS), b < count, as float.
 * IN  k, M, sq (squared norms, rbf only), a[n_rows], idx[count]
 * OUT out[r][count]
 * D: d * SVM_MAX_ROWS doubles, zero on entry and on return;
 * scratch: n_rows * count doubles.
 * Returns 1 if a value is not finite as a float, else 0.
 */
FNN_CLONES static int FNN_S(svm_csr_kernel_rows)(
    const svm_kernel *k, const svm_csr *M, double *D, const double *sq,
    const ptrdiff_t *a, int n_rows, const ptrdiff_t *restrict idx, ptrdiff_t count,
    float *const *out, double *restrict scratch)
{
    const FNN_T *data = (const FNN_T *)M->data;
    for (int r = 0; r < n_rows; r++) {
        const ptrdiff_t start = M->indptr[a[r]];
        FNN_S(svm_csr_scatter)(D, n_rows, r, M->indices + start, data + start,
                               M->indptr[a[r] + 1] - start);
    }
    switch (n_rows) {
    case 1: FNN_S(svm_csr_dots_multi)(1, D, M, idx, count, scratch); break;
    case 2: FNN_S(svm_csr_dots_multi)(2, D, M, idx, count, scratch); break;
    case 3: FNN_S(svm_csr_dots_multi)(3, D, M, idx, count, scratch); break;
    case 4: FNN_S(svm_csr_dots_multi)(4, D, M, idx, count, scratch); break;
    case 5: FNN_S(svm_csr_dots_multi)(5, D, M, idx, count, scratch); break;
    case 6: FNN_S(svm_csr_dots_multi)(6, D, M, idx, count, scratch); break;
    case 7: FNN_S(svm_csr_dots_multi)(7, D, M, idx, count, scratch); break;
    default: FNN_S(svm_csr_dots_multi)(8, D, M, idx, count, scratch); break;
    }
    for (int r = 0; r < n_rows; r++) {
        const ptrdiff_t start = M->indptr[a[r]];
        svm_csr_clear(D, n_rows, r, M->indices + start, M->indptr[a[r] + 1] - start);
    }
    return svm_rows_from_dots(k, sq, a, n_rows, idx, count, scratch, out);
}

/*
 * Dot products of m test rows with the n_sv CSR rows of SV, for
 * prediction: out[r * ldo + j] = <x_r, sv_j>, and sq_x[r] = <x_r, x_r>.
 * The test rows are CSR rows r0 .. r0 + m of X when X is not NULL, else
 * dense rows r0 .. of Xd (d values each, stride ldx).
 * D: d doubles, zero on entry and on return.
 */
FNN_CLONES static void FNN_S(svm_csr_dots_block)(
    ptrdiff_t m, ptrdiff_t d, const svm_csr *X, const FNN_T *Xd, ptrdiff_t ldx,
    ptrdiff_t r0, const svm_csr *SV, ptrdiff_t n_sv, double *D, FNN_T *out,
    ptrdiff_t ldo, double *sq_x)
{
    for (ptrdiff_t r = 0; r < m; r++) {
        const ptrdiff_t s = r0 + r;
        const int32_t *ind = NULL;
        const FNN_T *val = NULL;
        ptrdiff_t nnz = 0;
        if (X != NULL) {
            const ptrdiff_t start = X->indptr[s];
            ind = X->indices + start;
            val = (const FNN_T *)X->data + start;
            nnz = X->indptr[s + 1] - start;
            FNN_S(svm_csr_scatter)(D, 1, 0, ind, val, nnz);
            double sum = 0.0;
            for (ptrdiff_t k = 0; k < nnz; k++) sum += D[ind[k]] * (double)val[k];
            sq_x[r] = sum;
        } else {
            const FNN_T *x = Xd + s * ldx;
            double sum = 0.0;
            for (ptrdiff_t j = 0; j < d; j++) {
                D[j] = x[j];
                sum += D[j] * D[j];
            }
            sq_x[r] = sum;
        }
        const FNN_T *sv = (const FNN_T *)SV->data;
        for (ptrdiff_t j = 0; j < n_sv; j++) {
            const ptrdiff_t end = SV->indptr[j + 1];
            double acc = 0.0;
            for (ptrdiff_t k = SV->indptr[j]; k < end; k++)
                acc += D[SV->indices[k]] * (double)sv[k];
            out[r * ldo + j] = (FNN_T)acc;
        }
        if (X != NULL) svm_csr_clear(D, 1, 0, ind, nnz);
    }
    if (X == NULL && m > 0) memset(D, 0, (size_t)d * sizeof(double));
}
