/*
 * Innermost vectorised kernels of fnncore, in C because Cython cannot emit
 * `#pragma omp simd`.
 *
 * Design:
 * - Every kernel here works on one row of a dense layer (or one flat slice of
 *   the parameter vector) and is written once, in _simd_impl.h, which this
 *   file includes twice: once for float (suffix _s) and once for double
 *   (suffix _d).
 * - Dot products are reductions; without reassociation the compiler must keep
 *   them serial. `#pragma omp simd reduction(+:s)` (enabled by -fopenmp-simd,
 *   no OpenMP runtime needed) allows reassociation for that loop only, so we
 *   never need -ffast-math.
 * - The functions called once per layer carry GCC's target_clones, so one
 *   portable build contains AVX-512, AVX2 and baseline variants and picks one
 *   at load time.  The small helpers are `static inline` and get compiled into
 *   each clone.
 * - Kernels trust their inputs: sizes, strides and pointers were checked at
 *   the Python boundary.
 */
#ifndef FNN_SIMD_H
#define FNN_SIMD_H

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && __GNUC__ >= 11 && defined(__linux__) && !defined(FNN_NO_TARGET_CLONES)
#define FNN_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FNN_CLONES
#endif

/* Optimiser rules, with scikit-learn's update formulas (see fnn_step_apply). */
enum {
    FNN_OPT_SGD = 0,       /* w -= lr * g                                   */
    FNN_OPT_MOMENTUM = 1,  /* v = mu v - lr g;  w += v                       */
    FNN_OPT_NESTEROV = 2,  /* v = mu v - lr g;  w += mu v - lr g              */
    FNN_OPT_ADAM = 3       /* m, v moments;     w -= lr_t m / (sqrt(v) + eps) */
};

/* Hyper-parameters of one optimiser step.  For Adam, `learning_rate` is the
 * bias-corrected step size of this update, lr_init sqrt(1-b2^t) / (1-b1^t). */
typedef struct {
    int kind;
    double learning_rate;
    double momentum;
    double beta_1;
    double beta_2;
    double epsilon;
} fnn_step;

#define FNN_T float
#define FNN_S(name) name##_s
#include "_simd_impl.h"
#undef FNN_T
#undef FNN_S

#define FNN_T double
#define FNN_S(name) name##_d
#include "_simd_impl.h"
#undef FNN_T
#undef FNN_S

#endif /* FNN_SIMD_H */
