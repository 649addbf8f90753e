/*
 * Kernel values between sparse samples (CSR rows) for fnn.SVC: the rows
 * the SMO solver asks for during training, and the blocks of dot products
 * prediction needs.
 *
 * Design:
 * - A dot product <x_a, x_b> of two sparse rows is computed by scattering
 *   x_a into a dense buffer D (d doubles, zero between uses) and gathering
 *   D at the columns of x_b: sum_k D[col_k] v_k.  That costs nnz(x_b)
 *   loads from D, which stays in L2 for tens of thousands of features; a
 *   merge of two sorted index lists (libsvm's way) costs nnz(x_a) + nnz(x_b)
 *   unpredictable branches per value instead.  The scatter is undone by
 *   zeroing the same entries, so a row costs O(nnz), never O(d).
 * - Several rows a share one pass over the rows b: their values are
 *   interleaved in D (D[col * NA + r]), so one gathered cache line feeds NA
 *   sums.  Each sum runs over x_b's entries in x_b's order whatever NA is,
 *   so a value does not depend on how many rows were computed together.
 * - Sums are in double for both dtypes (products of floats are exact in
 *   double); the kernel formula is then svm_from_dot of _svm_kernels.h, the
 *   one training and prediction share, and the cached value a float.
 * - SVC hands canonical CSR (sorted column indices, no duplicates): then
 *   <x_a, x_b> and <x_b, x_a> add the same products in the same (column)
 *   order, so the kernel matrix is exactly symmetric, and <x_a, x_a> from
 *   the norms equals the one inside a row (the rbf diagonal is exactly 1).
 *   Duplicates would still be summed correctly, only not symmetrically.
 * - Contraction is off in this file so that every target clone rounds
 *   alike: a sum is the same number on every machine.
 * - _svm_sparse_impl.h holds the dtype-generic bodies; this file
 *   instantiates them for float (suffix _s) and double (suffix _d) through
 *   _each_dtype.h.  Column
 *   indices are int32, as scipy.sparse gives them below 2**31 nonzeros
 *   (the Python side refuses larger matrices).
 */
#ifndef FNN_SVM_SPARSE_H
#define FNN_SVM_SPARSE_H

#include <stdint.h>
#include <string.h>

#include "_svm_kernels.h"

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

/* A CSR matrix: row s holds data[indptr[s] .. indptr[s + 1]) at the
 * columns indices[...] (data is float or double, as the caller says). */
typedef struct {
    const int32_t *indptr;
    const int32_t *indices;
    const void *data;
} svm_csr;

/* Undo a scatter: zero D at the row's columns (stride and offset as it was
 * scattered). */
FNN_INLINE void svm_csr_clear(double *D, ptrdiff_t stride, int r,
                              const int32_t *ind, ptrdiff_t nnz)
{
    for (ptrdiff_t k = 0; k < nnz; k++) D[(ptrdiff_t)ind[k] * stride + r] = 0.0;
}

#define FNN_EACH_DTYPE "_svm_sparse_impl.h"
#include "_each_dtype.h"
#undef FNN_EACH_DTYPE

#pragma GCC pop_options

#endif /* FNN_SVM_SPARSE_H */
