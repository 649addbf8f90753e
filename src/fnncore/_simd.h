/*
 * Innermost vectorised kernels of fnncore, in C because Cython cannot emit
 * `#pragma omp simd`.
 *
 * Design:
 * - Every kernel here works on one row of a dense layer (or one flat slice of
 *   the parameter vector) and is written once, in _simd_impl.h, which this
 *   file includes twice: once for float (suffix _s) and once for double
 *   (suffix _d).
 * - Inner loops use GCC/Clang vector extensions: FNN_VBYTES-byte vectors
 *   (16 floats or 8 doubles), which the compiler lowers to one AVX-512
 *   register, two AVX2 registers or four SSE registers depending on the clone
 *   it compiles.  We tried `#pragma omp simd reduction`: GCC 12 vectorised
 *   the loop but ended each reduction with a serial lane-by-lane epilogue
 *   (spilled to the stack), which on rows of 128 cost more than the loop.
 *   Explicit vectors keep accumulators in registers across a whole layer,
 *   need no -ffast-math, and, because the vector width is fixed in the
 *   source rather than by the instruction set, sum in the same order on
 *   every machine.  Results are still not bit-identical across instruction
 *   sets: the AVX2 and AVX-512 clones fuse a*b+c into one rounding (FMA) and
 *   the baseline clone cannot.  We keep the FMAs for speed; on one machine,
 *   results are reproducible run to run and across thread counts.
 * - The functions called once per layer carry GCC's target_clones, so one
 *   portable build contains AVX-512, AVX2 and baseline variants and picks one
 *   at load time.  The small helpers are always inlined, so each clone gets
 *   its own copy.
 * - Kernels trust their inputs: sizes, strides and pointers were checked at
 *   the Python boundary.
 */
#ifndef FNN_SIMD_H
#define FNN_SIMD_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && __GNUC__ >= 11 && defined(__linux__) && !defined(FNN_NO_TARGET_CLONES)
#define FNN_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FNN_CLONES
#endif

/* Helpers are always inlined: each target clone must compile its own copy
 * (a call from an AVX-512 clone into a baseline helper passing 64-byte
 * vectors would also disagree on the calling convention). */
#define FNN_INLINE static inline __attribute__((always_inline))

/* Bytes per explicit vector: one AVX-512 register. */
#define FNN_VBYTES 64

/* Most vectors of a layer's units that a kernel keeps in registers (delta,
 * sums and their squares: 3 x 8 of AVX-512's 32 registers). */
#define FNN_REG_VECS 8
/* Fully unroll a loop over those vectors.  Only then does GCC keep the
 * arrays of vectors in registers: left as a loop (its body is too large for
 * GCC's own complete unrolling), every access went through the stack, and
 * the stores, two per vector and row, limited the first layer.  The arrays
 * must also have a constant size (see fnn_step_forward_regs). */
#define FNN_UNROLL_REGS _Pragma("GCC unroll 8")

/* Run BODY with `kind` bound to the optimiser rule `rule` and `track` to
 * the truth of `want_sumsq`, both as compile-time constants, so that BODY
 * is compiled once per combination and no row loop dispatches per row. */
#define FNN_FOR_EACH_RULE(rule, want_sumsq, BODY)                         \
    do {                                                                  \
        if (want_sumsq) {                                                 \
            const int track = 1;                                          \
            FNN_SWITCH_RULE(rule, BODY)                                   \
        } else {                                                          \
            const int track = 0;                                          \
            FNN_SWITCH_RULE(rule, BODY)                                   \
        }                                                                 \
    } while (0)
#define FNN_SWITCH_RULE(rule, BODY)                                       \
    switch (rule) {                                                       \
    case FNN_OPT_SGD: { const int kind = FNN_OPT_SGD; BODY; break; }      \
    case FNN_OPT_MOMENTUM: { const int kind = FNN_OPT_MOMENTUM; BODY; break; } \
    case FNN_OPT_NESTEROV: { const int kind = FNN_OPT_NESTEROV; BODY; break; } \
    default: { const int kind = FNN_OPT_ADAM; BODY; break; }              \
    }

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
