/*
 * Vectorised C kernels of the perceptron on dense rows (fnncore._perceptron).
 *
 * Design:
 * - Three kernels per dtype: the dot products of one example with the
 *   weights of several units (four units at a time, so four independent
 *   accumulator chains share each load of x), one unit's step
 *   w <- w + k x, and a row scaled by a constant.  The per-example rule
 *   (scikit-learn's SGD with the perceptron loss: which step, the weight
 *   scale of the L2 penalty, the L1 truncation) and the epochs live in
 *   _perceptron.pyx.
 * - Arithmetic as scikit-learn's WeightVector does it, so that the weights
 *   equal scikit-learn's: a dot product multiplies in the data's dtype
 *   (float32 products are rounded to float32) and sums in double; a step
 *   computes w + x k in double and rounds once to the dtype.  Only the
 *   order of the dot product's additions differs (vector lanes here, one
 *   running sum there; for float32, blocks of PT_BLOCK products are added
 *   in float before they are widened, see below), which can change a
 *   decision only for a score within rounding of 0.
 * - Written once for a scalar type: this header includes itself through
 *   _each_dtype.h, with FNN_T = float (suffix _s) and FNN_T = double
 *   (suffix _d).
 * - Explicit FNN_VBYTES-byte vectors of _simd.h (double accumulators of the
 *   same width in bytes, two of them for float), with the lane sum of
 *   _simd.h: the order is fixed by the source, not by the instruction set.
 * - Floating-point contraction is off in this file: with it GCC turns
 *   w + k * x into one fused multiply-add in the AVX2/AVX-512 clones but not
 *   in the baseline one.  Without it every clone rounds exactly as
 *   scikit-learn's compiled loop does, on every machine.
 * - target_clones (FNN_CLONES) compile AVX-512, AVX2 and baseline variants,
 *   picked at load time.
 */
#ifndef FNN_PERCEPTRON_H
#define FNN_PERCEPTRON_H

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
/* clang ignores GCC's optimize pragma and contracts a * b + c within an
 * expression by default (-ffp-contract=on), in its FMA builds (aarch64,
 * x86-64-v3 and up); the standard pragma turns that off, here to the end of
 * the translation unit, so the module's own per-example step
 * (_perceptron.pyx: w + x k) is not fused either.  GCC would warn that it
 * ignores it. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Only the vector types and fnn_hsum of _simd.h are used here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "_simd.h"
#pragma GCC diagnostic pop

/* Sum of a vector of doubles, halves folded as _simd.h folds them. */
#define FNN_PT_DSUM(v) fnn_hsum_d(v)

#define FNN_EACH_DTYPE "_perceptron.h"
#include "_each_dtype.h"
#undef FNN_EACH_DTYPE

#pragma GCC pop_options

#elif defined(FNN_T) /* the body, once per dtype (_each_dtype.h) */

#define PVEC FNN_S(fnn_vec)
#define PLOAD(p) (*(const FNN_S(fnn_uvec) *)(p))
#define PVLEN ((ptrdiff_t)(FNN_VBYTES / sizeof(FNN_T)))

/* acc += the products of one vector of w and x, widened to double.  For
 * float a vector holds twice the lanes of a vector of doubles: its two
 * halves go to the two accumulators. */
#if FNN_T_FLOAT
#define PT_ACCUMULATE(lo, hi, prod)                                              \
    do {                                                                         \
        const PVEC p_ = (prod);                                                  \
        fnn_vec_2_s l_, h_;                                                      \
        __builtin_memcpy(&l_, &p_, sizeof l_);                                   \
        __builtin_memcpy(&h_, (const char *)&p_ + sizeof l_, sizeof h_);         \
        (lo) += __builtin_convertvector(l_, fnn_vec_d);                          \
        (hi) += __builtin_convertvector(h_, fnn_vec_d);                          \
    } while (0)
#else
#define PT_ACCUMULATE(lo, hi, prod) ((lo) += (prod))
#endif

/* Vectors of products added in the dtype before a sum is widened to
 * double: for float, widening every vector doubles the cost of the dot
 * product; widening every PT_BLOCK vectors costs little, and a float sum
 * of PT_BLOCK products rounds no more than the products themselves do. */
#if FNN_T_FLOAT
#define PT_BLOCK 4
#else
#define PT_BLOCK 1
#endif

/* <w, x> with products in FNN_T and sums in double. */
FNN_INLINE double FNN_S(pt_dot)(ptrdiff_t n, const FNN_T *restrict w,
                                 const FNN_T *restrict x)
{
    fnn_vec_d lo = {0}, hi = {0};
    ptrdiff_t j = 0;
    for (; j + PT_BLOCK * PVLEN <= n; j += PT_BLOCK * PVLEN) {
        PVEC s = PLOAD(w + j) * PLOAD(x + j);
        for (int v = 1; v < PT_BLOCK; v++)
            s += PLOAD(w + j + v * PVLEN) * PLOAD(x + j + v * PVLEN);
        PT_ACCUMULATE(lo, hi, s);
    }
    for (; j + PVLEN <= n; j += PVLEN) PT_ACCUMULATE(lo, hi, PLOAD(w + j) * PLOAD(x + j));
    double tail = 0.0;
    for (; j < n; j++) tail += (double)(w[j] * x[j]);
    return (FNN_PT_DSUM(lo) + FNN_PT_DSUM(hi)) + tail;
}

/*
 * out[k] = <W[units[k]], x> for k < count (rows of W of n_features values,
 * stride ldw), four units per pass over x, each summed as pt_dot sums it.
 */
FNN_CLONES static void FNN_S(fnn_pt_scores)(
    ptrdiff_t count, const ptrdiff_t *units, ptrdiff_t n_features,
    const FNN_T *restrict x, const FNN_T *W, ptrdiff_t ldw, double *restrict out)
{
    ptrdiff_t k = 0;
    for (; k + 4 <= count; k += 4) {
        const FNN_T *W0 = W + units[k] * ldw, *W1 = W + units[k + 1] * ldw,
                     *W2 = W + units[k + 2] * ldw, *W3 = W + units[k + 3] * ldw;
        fnn_vec_d l0 = {0}, h0 = {0}, l1 = {0}, h1 = {0}, l2 = {0}, h2 = {0},
                  l3 = {0}, h3 = {0};
        ptrdiff_t j = 0;
        for (; j + PT_BLOCK * PVLEN <= n_features; j += PT_BLOCK * PVLEN) {
            PVEC xj = PLOAD(x + j);
            PVEC s0 = PLOAD(W0 + j) * xj, s1 = PLOAD(W1 + j) * xj,
                 s2 = PLOAD(W2 + j) * xj, s3 = PLOAD(W3 + j) * xj;
            for (int v = 1; v < PT_BLOCK; v++) {
                const ptrdiff_t o = j + v * PVLEN;
                xj = PLOAD(x + o);
                s0 += PLOAD(W0 + o) * xj;
                s1 += PLOAD(W1 + o) * xj;
                s2 += PLOAD(W2 + o) * xj;
                s3 += PLOAD(W3 + o) * xj;
            }
            PT_ACCUMULATE(l0, h0, s0);
            PT_ACCUMULATE(l1, h1, s1);
            PT_ACCUMULATE(l2, h2, s2);
            PT_ACCUMULATE(l3, h3, s3);
        }
        for (; j + PVLEN <= n_features; j += PVLEN) {
            const PVEC xj = PLOAD(x + j);
            PT_ACCUMULATE(l0, h0, PLOAD(W0 + j) * xj);
            PT_ACCUMULATE(l1, h1, PLOAD(W1 + j) * xj);
            PT_ACCUMULATE(l2, h2, PLOAD(W2 + j) * xj);
            PT_ACCUMULATE(l3, h3, PLOAD(W3 + j) * xj);
        }
        double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (; j < n_features; j++) {
            t0 += (double)(W0[j] * x[j]);
            t1 += (double)(W1[j] * x[j]);
            t2 += (double)(W2[j] * x[j]);
            t3 += (double)(W3[j] * x[j]);
        }
        out[k] = (FNN_PT_DSUM(l0) + FNN_PT_DSUM(h0)) + t0;
        out[k + 1] = (FNN_PT_DSUM(l1) + FNN_PT_DSUM(h1)) + t1;
        out[k + 2] = (FNN_PT_DSUM(l2) + FNN_PT_DSUM(h2)) + t2;
        out[k + 3] = (FNN_PT_DSUM(l3) + FNN_PT_DSUM(h3)) + t3;
    }
    for (; k < count; k++) out[k] = FNN_S(pt_dot)(n_features, W + units[k] * ldw, x);
}

/* The step on one unit: w[j] <- w[j] + x[j] k, in double, rounded once. */
FNN_CLONES static void FNN_S(fnn_pt_add)(ptrdiff_t n, FNN_T *restrict w,
                                          const FNN_T *restrict x, double k)
{
#pragma omp simd
    for (ptrdiff_t j = 0; j < n; j++) w[j] = (FNN_T)((double)w[j] + (double)x[j] * k);
}

/* w[j] <- w[j] s (the weight scale folded into the weights). */
FNN_CLONES static void FNN_S(fnn_pt_scale)(ptrdiff_t n, FNN_T *restrict w, FNN_T s)
{
#pragma omp simd
    for (ptrdiff_t j = 0; j < n; j++) w[j] = w[j] * s;
}

#undef PT_ACCUMULATE
#undef PT_BLOCK
#undef PVEC
#undef PLOAD
#undef PVLEN

#endif /* FNN_PERCEPTRON_H */
