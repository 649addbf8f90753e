/*
 * Kernel functions of the support vector machine (fnn.SVC), in C for
 * explicit vectors and run-time ISA dispatch.
 *
 * Design:
 * - A kernel value is a function of one dot product (and, for 'rbf', of the
 *   two squared norms): svm_from_dot holds the formulas once, for training
 *   (kernel rows) and prediction (blocks of dot products from BLAS gemm).
 * - Training asks for kernel rows: K(x_a, x_b) for up to SVM_MAX_ROWS
 *   samples a and a list of b.  One a: the dot products go four rows b at a
 *   time, so each vector of x_a loaded from L1 feeds four multiply-adds.
 *   Several a: each vector of x_b, streamed from L3 or memory, feeds one
 *   multiply-add per a, so the rows share one pass over the data.  Explicit
 *   GCC vectors of _simd.h (one AVX-512 register, two AVX2, four SSE),
 *   whose lane sum folds halves in registers.
 *   Rows b are gathered by index: the solver permutes its working set, and
 *   each row of 100s of features is long enough for the prefetchers.
 * - The dot products are summed in the data's dtype (float32 stays float32)
 *   and the kernel formula is then applied in double, as libsvm does; the
 *   cache stores the result as float, as libsvm's Qfloat.
 * - The row kernels carry target_clones (FNN_CLONES of _simd.h: AVX-512,
 *   AVX2, baseline) and every function they call is always inlined
 *   (FNN_INLINE), so each clone has its own copy.
 * - _svm_kernels_impl.h holds the dtype-generic bodies; this file
 *   instantiates them for float (suffix _s) and double (suffix _d) through
 *   _each_dtype.h.
 */
#ifndef FNN_SVM_KERNELS_H
#define FNN_SVM_KERNELS_H

#include <float.h>
#include <math.h>
#include <stddef.h>

#include "_simd.h"

/* Most kernel rows computed in one pass over the data. */
#define SVM_MAX_ROWS 8

/* Kernel codes; fnn/_svc.py maps the kernel names to these. */
enum {
    SVM_LINEAR = 0,       /* <a, b>                               */
    SVM_POLY = 1,         /* (gamma <a, b> + coef0)^degree         */
    SVM_RBF = 2,          /* exp(-gamma |a - b|^2)                 */
    SVM_SIGMOID = 3,      /* tanh(gamma <a, b> + coef0)            */
    SVM_PRECOMPUTED = 4   /* the caller's Gram matrix              */
};

typedef struct {
    int kind;
    int degree;
    double gamma;
    double coef0;
} svm_kernel;

/* base^n for an integer n >= 0 by repeated squaring (libsvm's powi): exact
 * for small integer bases and cheaper than pow. */
FNN_INLINE double svm_powi(double base, int n)
{
    double result = 1.0;
    for (; n > 0; n >>= 1) {
        if (n & 1) result *= base;
        base *= base;
    }
    return result;
}

/* The kernel value from the dot product <a, b> and, for rbf, |a|^2, |b|^2.
 * |a - b|^2 is clipped at 0: rounding can make the expansion slightly
 * negative for (near-)duplicate points, and exp would then exceed 1 (NaN,
 * from overflowed norms, stays NaN for the caller to see). */
FNN_INLINE double svm_from_dot(const svm_kernel *k, double dot, double sq_a,
                               double sq_b)
{
    switch (k->kind) {
    case SVM_POLY:
        return svm_powi(k->gamma * dot + k->coef0, k->degree);
    case SVM_RBF: {
        double dist = sq_a + sq_b - 2.0 * dot;
        if (dist < 0.0) dist = 0.0;
        return exp(-k->gamma * dist);
    }
    case SVM_SIGMOID:
        return tanh(k->gamma * dot + k->coef0);
    default:
        return dot;
    }
}

/* Kernel values from the dot products of n_rows rows a against count rows
 * idx: out[r][b] = K(x_a[r], x_idx[b]) as float, dots[r * count + b] the
 * dot product, sq the squared norms (rbf only).  Returns 1 if a value is
 * not finite as a float.  Shared by the dense and the sparse rows. */
FNN_INLINE int svm_rows_from_dots(const svm_kernel *k, const double *sq,
                                  const ptrdiff_t *a, int n_rows,
                                  const ptrdiff_t *idx, ptrdiff_t count,
                                  const double *dots, float *const *out)
{
    int bad = 0;
    for (int r = 0; r < n_rows; r++) {
        const double *row_dots = dots + r * count;
        float *row = out[r];
        const double sq_a = k->kind == SVM_RBF ? sq[a[r]] : 0.0;
        for (ptrdiff_t b = 0; b < count; b++) {
            const float v = (float)svm_from_dot(
                k, row_dots[b], sq_a, k->kind == SVM_RBF ? sq[idx[b]] : 0.0);
            row[b] = v;
            bad |= !(fabsf(v) <= FLT_MAX);
        }
    }
    return bad;
}

#define FNN_EACH_DTYPE "_svm_kernels_impl.h"
#include "_each_dtype.h"
#undef FNN_EACH_DTYPE

#endif /* FNN_SVM_KERNELS_H */
