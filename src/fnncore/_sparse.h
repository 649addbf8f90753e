/*
 * Vectorised C kernels on the rows of a CSR matrix: a network's first layer
 * when its input is sparse (declared and wrapped in _sparse.pxd).
 *
 * Design:
 * - A row of X is given by its stored values data[0:nnz] and their columns
 *   indices[0:nnz].  W is the first layer's (n_features, n_out) row-major
 *   matrix (rows ldw apart), so a stored value x_j selects row j of W: the
 *   forward pass adds x_j W[j, :] for each stored value (a gather), and the
 *   gradient x^T delta adds x_j delta to row j of the gradient (a scatter).
 *   Work is O(nnz * n_out) per row, whatever the number of columns.
 * - Columns may come in any order and may repeat: both kernels are sums over
 *   the stored values, so a repeated column adds up as toarray() adds it.
 *   Explicitly stored zeros cost time but change nothing.
 * - Index arrays are used as SciPy stores them, int32 or int64, so the
 *   caller never converts a copy of them: each kernel takes them as
 *   `indices` with a flag `wide` (int64_t, else int32_t), and compiles its
 *   loop once per index type (FNN_FOR_EACH_INDEX), so no loop tests the
 *   flag.
 * - The arithmetic is _simd.h's row kernels, not a copy of them: the gather
 *   adds four selected rows of W at a time with fnn_add_rows4, as the dense
 *   forward pass adds four consecutive ones, then single rows with
 *   fnn_add_row; the scatter adds (a x_j) d to one row of the gradient with
 *   fnn_add_row.  No sum runs across units, so nothing depends on the
 *   vector width.
 * - The kernels are compiled as _simd.h's are: this header includes itself
 *   through _simd_isa.h, once per instruction set and dtype (FNN_T, names
 *   FNN_KNAME(...): fnn_csr_gather_s, _d, with the instruction set's
 *   suffix when dispatching), and the public names call the copy of the
 *   level _simd.h picked when the module loaded (FNN_SIMD included).
 */
#ifndef FNN_T

#ifndef FNN_SPARSE_H
#define FNN_SPARSE_H

#include <stdint.h>

/* Not every module that calls the CSR kernels calls all of _simd.h's. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "_simd.h"
#pragma GCC diagnostic pop

/* The rows a sparse row selects are scattered over W, which for a large
 * vocabulary lives in L3 or memory: the kernels ask for the rows of the
 * value this many places ahead while they work on the current one.  On
 * 30000 x 100 float32 weights and rows of ~106 values (Zen 4, CPU time,
 * median of 7 or 9 runs), 8 took the CSR forward pass from 17.6 to 14.3 ms
 * per 10,000 rows, and the full-batch loss and gradient (gather and
 * scatter) from 128 to 110 ms. */
#define FNN_SPARSE_AHEAD 8

/* Ask for the n_bytes at p to be brought into the cache. */
FNN_INLINE void fnn_prefetch(const void *p, ptrdiff_t n_bytes)
{
    for (ptrdiff_t b = 0; b < n_bytes; b += 64) __builtin_prefetch((const char *)p + b);
}

/* Run BODY with `cols` bound to `indices` as int64_t (when `wide`) or as
 * int32_t, so that BODY is compiled once per index type. */
#define FNN_FOR_EACH_INDEX(wide, indices, ...)                                \
    do {                                                                      \
        if (wide) {                                                           \
            const int64_t *restrict cols = (const int64_t *)(indices);        \
            __VA_ARGS__;                                                      \
        } else {                                                              \
            const int32_t *restrict cols = (const int32_t *)(indices);        \
            __VA_ARGS__;                                                      \
        }                                                                     \
    } while (0)

#define FNN_EACH_DTYPE "_sparse.h"
#include "_simd_isa.h"
#undef FNN_EACH_DTYPE
#undef FNN_FOR_EACH_INDEX

#if FNN_DISPATCH
#define fnn_csr_gather_s FNN_DISPATCHED(fnn_csr_gather_s)
#define fnn_csr_gather_d FNN_DISPATCHED(fnn_csr_gather_d)
#define fnn_csr_scatter_s FNN_DISPATCHED(fnn_csr_scatter_s)
#define fnn_csr_scatter_d FNN_DISPATCHED(fnn_csr_scatter_d)
#endif

#endif /* FNN_SPARSE_H */

#else /* the kernels, once per instruction set and dtype (_simd_isa.h) */

/* Row k of M (rows ld apart): the row the k-th stored value selects. */
#define FNN_SELECTED(M, ld, k) ((M) + (ptrdiff_t)cols[k] * (ld))

/*
 * z[:n_out] += sum_k data[k] W[indices[k], :n_out]: one sparse row times W.
 * Four stored values at a time, so z is loaded and stored once per four
 * rows of W (as the dense forward pass does); the rows are only read, so a
 * column repeated among the four is harmless.
 */
FNN_KERNEL void FNN_KNAME(fnn_csr_gather)(
    ptrdiff_t nnz, const FNN_T *restrict data, const void *indices, int wide,
    ptrdiff_t n_out, ptrdiff_t ldw, const FNN_T *restrict W, FNN_T *restrict z)
{
    const ptrdiff_t row_bytes = n_out * (ptrdiff_t)sizeof(FNN_T);
    FNN_FOR_EACH_INDEX(wide, indices, {
        ptrdiff_t k = 0;
        for (; k + 4 <= nnz; k += 4) {
            const ptrdiff_t ahead = k + FNN_SPARSE_AHEAD;
            for (ptrdiff_t p = ahead; p < ahead + 4 && p < nnz; p++)
                fnn_prefetch(FNN_SELECTED(W, ldw, p), row_bytes);
            FNN_S(fnn_add_rows4)(n_out, data + k, FNN_SELECTED(W, ldw, k),
                                 FNN_SELECTED(W, ldw, k + 1), FNN_SELECTED(W, ldw, k + 2),
                                 FNN_SELECTED(W, ldw, k + 3), z);
        }
        for (; k < nnz; k++) FNN_S(fnn_add_row)(n_out, data[k], FNN_SELECTED(W, ldw, k), z);
    });
}

/*
 * G[indices[k], :n_out] += (a data[k]) d[:n_out] for every stored value (rows
 * of G ldg apart): a times the outer product of one sparse row with d.  One
 * value at a time: two values of the same column update the same row of G,
 * one after the other.
 */
FNN_KERNEL void FNN_KNAME(fnn_csr_scatter)(
    ptrdiff_t nnz, const FNN_T *restrict data, const void *indices, int wide, FNN_T a,
    ptrdiff_t n_out, ptrdiff_t ldg, const FNN_T *restrict d, FNN_T *restrict G)
{
    const ptrdiff_t row_bytes = n_out * (ptrdiff_t)sizeof(FNN_T);
    FNN_FOR_EACH_INDEX(wide, indices, {
        for (ptrdiff_t k = 0; k < nnz; k++) {
            if (k + FNN_SPARSE_AHEAD < nnz)
                fnn_prefetch(FNN_SELECTED(G, ldg, k + FNN_SPARSE_AHEAD), row_bytes);
            FNN_S(fnn_add_row)(n_out, a * data[k], d, FNN_SELECTED(G, ldg, k));
        }
    });
}

#undef FNN_SELECTED

#endif /* FNN_T */
