/*
 * Vectorised C kernels of the perceptron (fnncore._perceptron).
 *
 * Design:
 * - Two kernels per dtype: the scores W x + b of every unit for one example
 *   (four units at a time, so four independent accumulator chains share each
 *   load of x), and the perceptron step w += c x.  The epoch loop that
 *   decides, counts mistakes and calls them lives in _perceptron.pyx.
 * - Written once for a scalar type: this header includes itself twice, with
 *   FNN_PT = float (suffix _s) and FNN_PT = double (suffix _d).
 * - Explicit FNN_VBYTES-byte vectors and the lane sum of _simd.h, with the
 *   same summation order as its fnn_dot: the order is fixed by the source,
 *   not by the instruction set.
 * - Floating-point contraction is off in this file: with it GCC turns
 *   w + c * x into one fused multiply-add in the AVX2/AVX-512 clones but not
 *   in the baseline one.  Without it every clone rounds exactly as the
 *   textbook rule (and as NumPy's w + c * x) does, so the weights after each
 *   example are the same on every machine and equal a NumPy replica's.
 * - target_clones (FNN_CLONES) compile AVX-512, AVX2 and baseline variants,
 *   picked at load time.
 */
#ifndef FNN_PT

#ifndef FNN_PERCEPTRON_H
#define FNN_PERCEPTRON_H

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

/* Only fnn_dot, fnn_hsum and the vector types of _simd.h are used here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "_simd.h"
#pragma GCC diagnostic pop

#define FNN_PT float
#define FNN_PS(name) name##_s
#include "_perceptron.h"
#undef FNN_PT
#undef FNN_PS

#define FNN_PT double
#define FNN_PS(name) name##_d
#include "_perceptron.h"
#undef FNN_PT
#undef FNN_PS

#pragma GCC pop_options

#endif /* FNN_PERCEPTRON_H */

#else /* the body, once per FNN_PT */

#define PVEC FNN_PS(fnn_vec)
#define PLOAD(p) (*(const FNN_PS(fnn_uvec) *)(p))
#define PSTORE(p, v) (*(FNN_PS(fnn_uvec) *)(p) = (v))
#define PVLEN ((ptrdiff_t)(FNN_VBYTES / sizeof(FNN_PT)))

/*
 * s[u] = b[u] + sum_j W[u, j] x[j] for the n_units rows of W (row-major,
 * shape (n_units, n_features)).  Each row is summed as fnn_dot sums it.
 */
FNN_CLONES static void FNN_PS(fnn_perceptron_scores)(
    ptrdiff_t n_units, ptrdiff_t n_features, const FNN_PT *restrict x,
    const FNN_PT *restrict W, const FNN_PT *restrict b, FNN_PT *restrict s)
{
    ptrdiff_t u = 0;
    for (; u + 4 <= n_units; u += 4) {
        const FNN_PT *W0 = W + u * n_features, *W1 = W0 + n_features,
                     *W2 = W1 + n_features, *W3 = W2 + n_features;
        PVEC a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        ptrdiff_t j = 0;
        for (; j + PVLEN <= n_features; j += PVLEN) {
            const PVEC xj = PLOAD(x + j);
            a0 += xj * PLOAD(W0 + j);
            a1 += xj * PLOAD(W1 + j);
            a2 += xj * PLOAD(W2 + j);
            a3 += xj * PLOAD(W3 + j);
        }
        FNN_PT t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (; j < n_features; j++) {
            t0 += W0[j] * x[j];
            t1 += W1[j] * x[j];
            t2 += W2[j] * x[j];
            t3 += W3[j] * x[j];
        }
        s[u] = (FNN_PS(fnn_hsum)(a0) + t0) + b[u];
        s[u + 1] = (FNN_PS(fnn_hsum)(a1) + t1) + b[u + 1];
        s[u + 2] = (FNN_PS(fnn_hsum)(a2) + t2) + b[u + 2];
        s[u + 3] = (FNN_PS(fnn_hsum)(a3) + t3) + b[u + 3];
    }
    for (; u < n_units; u++)
        s[u] = FNN_PS(fnn_dot)(n_features, W + u * n_features, x) + b[u];
}

/* The perceptron step on one unit's weights: w[j] += c x[j]. */
FNN_CLONES static void FNN_PS(fnn_perceptron_axpy)(
    ptrdiff_t n, FNN_PT c, const FNN_PT *restrict x, FNN_PT *restrict w)
{
    ptrdiff_t j = 0;
    for (; j + PVLEN <= n; j += PVLEN) PSTORE(w + j, PLOAD(w + j) + c * PLOAD(x + j));
    for (; j < n; j++) w[j] += c * x[j];
}

#undef PVEC
#undef PLOAD
#undef PSTORE
#undef PVLEN

#endif /* FNN_PT */
