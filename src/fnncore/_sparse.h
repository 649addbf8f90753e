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
 *   caller never converts a copy of them: this header includes itself four
 *   times, for (float, double) x (int32, int64), suffixes _s32, _s64, _d32,
 *   _d64.
 * - Loops run over whole FNN_VBYTES vectors of units with _simd.h's vector
 *   types, then a scalar tail, and carry _simd.h's target_clones, so they
 *   follow the same instruction-set dispatch as the dense kernels.  No sum
 *   runs across units, so nothing depends on the vector width.
 */
#ifndef FNN_SPT

#ifndef FNN_SPARSE_H
#define FNN_SPARSE_H

#include <stdint.h>

/* Only the vector types and FNN_CLONES of _simd.h are used here. */
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

#define FNN_SPT float
#define FNN_SPI int32_t
#define FNN_SPS(name) name##_s32
#define FNN_SPV(name) name##_s
#include "_sparse.h"
#undef FNN_SPT
#undef FNN_SPI
#undef FNN_SPS
#undef FNN_SPV

#define FNN_SPT float
#define FNN_SPI int64_t
#define FNN_SPS(name) name##_s64
#define FNN_SPV(name) name##_s
#include "_sparse.h"
#undef FNN_SPT
#undef FNN_SPI
#undef FNN_SPS
#undef FNN_SPV

#define FNN_SPT double
#define FNN_SPI int32_t
#define FNN_SPS(name) name##_d32
#define FNN_SPV(name) name##_d
#include "_sparse.h"
#undef FNN_SPT
#undef FNN_SPI
#undef FNN_SPS
#undef FNN_SPV

#define FNN_SPT double
#define FNN_SPI int64_t
#define FNN_SPS(name) name##_d64
#define FNN_SPV(name) name##_d
#include "_sparse.h"
#undef FNN_SPT
#undef FNN_SPI
#undef FNN_SPS
#undef FNN_SPV

/* One entry per value type, the index type picked at run time (wide: the
 * indices are int64_t, else int32_t), so callers name one function. */
#define FNN_CSR_ANY_INDEX(T, sfx)                                                   \
    FNN_INLINE void fnn_csr_gather_##sfx(ptrdiff_t nnz, const T *data,              \
                                         const void *indices, int wide,             \
                                         ptrdiff_t n_out, ptrdiff_t ldw, const T *W, \
                                         T *z)                                      \
    {                                                                               \
        if (wide)                                                                   \
            fnn_csr_gather_##sfx##64(nnz, data, (const int64_t *)indices, n_out,    \
                                     ldw, W, z);                                    \
        else                                                                        \
            fnn_csr_gather_##sfx##32(nnz, data, (const int32_t *)indices, n_out,    \
                                     ldw, W, z);                                    \
    }                                                                               \
    FNN_INLINE void fnn_csr_scatter_##sfx(ptrdiff_t nnz, const T *data,             \
                                          const void *indices, int wide, T a,       \
                                          ptrdiff_t n_out, ptrdiff_t ldg,           \
                                          const T *d, T *G)                         \
    {                                                                               \
        if (wide)                                                                   \
            fnn_csr_scatter_##sfx##64(nnz, data, (const int64_t *)indices, a,       \
                                      n_out, ldg, d, G);                            \
        else                                                                        \
            fnn_csr_scatter_##sfx##32(nnz, data, (const int32_t *)indices, a,       \
                                      n_out, ldg, d, G);                            \
    }
FNN_CSR_ANY_INDEX(float, s)
FNN_CSR_ANY_INDEX(double, d)
#undef FNN_CSR_ANY_INDEX

#endif /* FNN_SPARSE_H */

#else /* the body, once per (FNN_SPT, FNN_SPI) */

#define SVEC FNN_SPV(fnn_uvec)
#define SLOAD(p) (*(const SVEC *)(p))
#define SSTORE(p, v) (*(SVEC *)(p) = (v))
#define SVLEN ((ptrdiff_t)(FNN_VBYTES / sizeof(FNN_SPT)))

/* Ask for row i of W (rows ldw apart) to be brought into the cache. */
FNN_INLINE void FNN_SPS(fnn_prefetch_row)(ptrdiff_t n_out, ptrdiff_t ldw,
                                         const FNN_SPT *W, FNN_SPI i)
{
    fnn_prefetch(W + (ptrdiff_t)i * ldw, n_out * (ptrdiff_t)sizeof(FNN_SPT));
}

/*
 * z[:n_out] += sum_k data[k] W[indices[k], :n_out]: one sparse row times W.
 * Four stored values at a time, so z is loaded and stored once per four
 * rows of W (as the dense forward pass does); the rows are only read, so a
 * column repeated among the four is harmless.
 */
FNN_CLONES static void FNN_SPS(fnn_csr_gather)(
    ptrdiff_t nnz, const FNN_SPT *restrict data, const FNN_SPI *restrict indices,
    ptrdiff_t n_out, ptrdiff_t ldw, const FNN_SPT *restrict W, FNN_SPT *restrict z)
{
    ptrdiff_t k = 0;
    for (; k + 4 <= nnz; k += 4) {
        const ptrdiff_t ahead = k + FNN_SPARSE_AHEAD;
        for (ptrdiff_t p = ahead; p < ahead + 4 && p < nnz; p++)
            FNN_SPS(fnn_prefetch_row)(n_out, ldw, W, indices[p]);
        const FNN_SPT x0 = data[k], x1 = data[k + 1], x2 = data[k + 2], x3 = data[k + 3];
        const FNN_SPT *W0 = W + (ptrdiff_t)indices[k] * ldw;
        const FNN_SPT *W1 = W + (ptrdiff_t)indices[k + 1] * ldw;
        const FNN_SPT *W2 = W + (ptrdiff_t)indices[k + 2] * ldw;
        const FNN_SPT *W3 = W + (ptrdiff_t)indices[k + 3] * ldw;
        ptrdiff_t j = 0;
        for (; j + SVLEN <= n_out; j += SVLEN)
            SSTORE(z + j, SLOAD(z + j) + x0 * SLOAD(W0 + j) + x1 * SLOAD(W1 + j)
                              + x2 * SLOAD(W2 + j) + x3 * SLOAD(W3 + j));
        for (; j < n_out; j++)
            z[j] += x0 * W0[j] + x1 * W1[j] + x2 * W2[j] + x3 * W3[j];
    }
    for (; k < nnz; k++) {
        const FNN_SPT xk = data[k];
        const FNN_SPT *Wk = W + (ptrdiff_t)indices[k] * ldw;
        ptrdiff_t j = 0;
        for (; j + SVLEN <= n_out; j += SVLEN)
            SSTORE(z + j, SLOAD(z + j) + xk * SLOAD(Wk + j));
        for (; j < n_out; j++) z[j] += xk * Wk[j];
    }
}

/*
 * G[indices[k], :n_out] += (a data[k]) d[:n_out] for every stored value (rows
 * of G ldg apart): a times the outer product of one sparse row with d.  One
 * value at a time: two values of the same column update the same row of G,
 * one after the other.
 */
FNN_CLONES static void FNN_SPS(fnn_csr_scatter)(
    ptrdiff_t nnz, const FNN_SPT *restrict data, const FNN_SPI *restrict indices,
    FNN_SPT a, ptrdiff_t n_out, ptrdiff_t ldg, const FNN_SPT *restrict d,
    FNN_SPT *restrict G)
{
    for (ptrdiff_t k = 0; k < nnz; k++) {
        if (k + FNN_SPARSE_AHEAD < nnz)
            FNN_SPS(fnn_prefetch_row)(n_out, ldg, G, indices[k + FNN_SPARSE_AHEAD]);
        const FNN_SPT c = a * data[k];
        FNN_SPT *Gk = G + (ptrdiff_t)indices[k] * ldg;
        ptrdiff_t j = 0;
        for (; j + SVLEN <= n_out; j += SVLEN)
            SSTORE(Gk + j, SLOAD(Gk + j) + c * SLOAD(d + j));
        for (; j < n_out; j++) Gk[j] += c * d[j];
    }
}

#undef SVEC
#undef SLOAD
#undef SSTORE
#undef SVLEN

#endif /* FNN_SPT */
