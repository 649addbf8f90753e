/*
 * Innermost vectorised kernels of fnncore, in C because Cython cannot emit
 * `#pragma omp simd`.
 *
 * Design:
 * - Every kernel here works on one row of a dense layer (or one flat slice of
 *   the parameter vector) and is written once, in _simd_impl.h, which this
 *   file includes for float (suffix _s) and for double (suffix _d).
 * - Inner loops use GCC/Clang vector extensions: FNN_VBYTES-byte vectors
 *   (16 floats or 8 doubles), which the compiler lowers to one AVX-512
 *   register, two AVX2 registers or four SSE or NEON registers depending on
 *   the instruction set it compiles for.  We tried `#pragma omp simd
 *   reduction`: GCC 12 vectorised the loop but ended each reduction with a
 *   serial lane-by-lane epilogue (spilled to the stack), which on rows of 128
 *   cost more than the loop.  Explicit vectors keep accumulators in
 *   registers across a whole layer, need no -ffast-math, and, because the
 *   vector width is fixed in the source rather than by the instruction set,
 *   sum in the same order on every machine.  Results are still not
 *   bit-identical across instruction sets: the AVX2 and AVX-512 copies fuse
 *   a*b+c into one rounding (FMA) and the baseline copy cannot; and in
 *   float64 the AVX-512 copy's row tails (the last n mod 8 values) are
 *   summed by in-order vector code that GCC does not fuse, where the AVX2
 *   copy fuses them (float32 agrees bit for bit between the two).  We keep
 *   the FMAs for speed; on one machine, results are reproducible run to run
 *   and across thread counts.
 * - Run-time dispatch.  With GCC 12+ on x86-64 (FNN_DISPATCH) the kernels
 *   are compiled three times, in `#pragma GCC target` regions for
 *   x86-64-v4 (AVX-512) and x86-64-v3 (AVX2, FMA) and for the build's
 *   baseline, and each public name calls the copy of the best level the CPU
 *   has, found once when the module loads (fnn_simd_init; the environment
 *   variable FNN_SIMD can name a lower level, to test or time the other
 *   copies on one machine, or to reproduce an AVX2 machine's results).
 *   Elsewhere (aarch64, clang, FNN_NO_TARGET_CLONES) they are compiled
 *   once, for the build's own target: the portable kernels.  _simd_isa.h
 *   compiles a body once per instruction set and dtype (through
 *   _each_dtype.h): this file's kernels (_simd_impl.h) and the CSR first
 *   layer's (_sparse.h), which share the row kernels.  The functions
 *   they call are always inlined, so each copy compiles its own.
 *   Until this design the kernels carried GCC's target_clones, which
 *   compiles one body for every instruction set.  That body's register path
 *   of dense_step_forward_one (fnn_step_forward_regs) keeps up to 3 x 8
 *   vectors in registers: AVX-512 has 32, but AVX2 has 16 of half the width
 *   and SSE 16 of a quarter, so for those GCC spilled arrays of up to 96
 *   registers, and spent minutes on it: compiling _sgd.c took 305 s, of
 *   which 183 s the baseline clone and about 100 s the AVX2 one (24 s for
 *   AVX-512 alone).  Now each copy goes through a layer's vectors in chunks
 *   of FNN_CHUNK_VECS, as many as its registers hold (AVX-512 8, so one
 *   chunk and the same code as before; AVX2 2; SSE 1), with the same
 *   operations in the same order, so no result depends on the chunk.
 *   Measured on a 2-core Zen 4 shared with other jobs (CPU seconds, -g0):
 *   fnn_dense_step_forward_one_s alone compiled in 23 s (AVX-512),
 *   93 s (AVX2) and 125 s (baseline) as clones, and in 22, 12 and 7 s as
 *   chunked copies.  GCC's RTL global CSE passes then took two thirds of
 *   what was left (setup.py turns them off: _sgd.c 69 -> 31 s); _sgd.c as a
 *   whole went from 305 s of wall time (-g, idle machine) to 31 s of CPU
 *   (-g0, loaded).
 *   The AVX-512 copy is the code target_clones compiled: every fit of a
 *   grid of 336 (both dtypes, every optimiser, L2 on and off, 1 and 2
 *   threads, layer widths on every path) ends at bit-identical weights,
 *   losses and iteration counts.  What each copy pays, per workload, is
 *   measured by bench/test_instruction_sets.py (FNN_SIMD in one run).
 * - The small kernels of other headers (_perceptron.h, the SVM's)
 *   keep target_clones (FNN_CLONES): theirs compile in seconds.
 * - Kernels trust their inputs: sizes, strides and pointers were checked at
 *   the Python boundary.
 */
#ifndef FNN_SIMD_H
#define FNN_SIMD_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "_optimizers.h"  /* the rule codes and fnn_step the kernels take */

/* Whether a module may hold several instruction sets' copies of a kernel
 * and pick one when it loads: GCC's major version when it compiles for
 * x86-64 (the native build, FNN_NO_TARGET_CLONES, compiles one copy), else
 * 0.  Both dispatch mechanisms below are keyed on it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(FNN_NO_TARGET_CLONES)
#define FNN_MULTI_ISA __GNUC__
#else
#define FNN_MULTI_ISA 0
#endif

/* Run-time dispatch for the small kernels of other headers (_perceptron.h,
 * _svm_kernels.h, _svm_sparse.h, _smo_solver.h): GCC's target_clones,
 * resolved when the module loads (an ifunc: Linux only). */
#if FNN_MULTI_ISA >= 11 && defined(__linux__)
#define FNN_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FNN_CLONES
#endif

/* Run-time dispatch for this file's kernels: one copy per instruction set
 * in a `#pragma GCC target` region, picked by fnn_simd_level (see the end
 * of this file).  GCC 12 names the x86-64 levels in __builtin_cpu_supports. */
#if FNN_MULTI_ISA >= 12
#define FNN_DISPATCH 1
#else
#define FNN_DISPATCH 0
#endif

/* Helpers are always inlined: each instruction set's kernels must compile
 * their own copy (a call from an AVX-512 kernel into a baseline helper
 * passing 64-byte vectors would also disagree on the calling convention). */
#define FNN_INLINE static inline __attribute__((always_inline))

/* Bytes per explicit vector: one AVX-512 register, on every target. */
#define FNN_VBYTES 64

/* Most vectors of a layer's units that fnn_dense_step_forward_one keeps in
 * registers (delta, sums and their squares: 3 x 8 of AVX-512's 32
 * registers).  The same on every target, so that the same layers take that
 * path, and sum in its order, whatever the instruction set; a target with
 * fewer registers goes through the vectors in chunks (FNN_CHUNK_VECS). */
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


/* The vector types and inlined helpers, compiled into whatever calls them. */
#define FNN_EACH_DTYPE "_simd_impl.h"
#include "_each_dtype.h"
#undef FNN_EACH_DTYPE

/* The kernels: FNN_KNAME(name) is the name with its dtype suffix and, when
 * dispatching, the instruction set's. */
#define FNN_KERNEL static __attribute__((unused))
#define FNN_KNAME(name) FNN_KNAME_(FNN_S(name), FNN_ISA)
#define FNN_KNAME_(name, isa) FNN_KNAME__(name, isa)
#if FNN_DISPATCH
#define FNN_KNAME__(name, isa) name##_##isa
#else
#define FNN_KNAME__(name, isa) name
#endif

/* One copy per instruction set and dtype (_simd_isa.h). */
#define FNN_EACH_DTYPE "_simd_impl.h"
#include "_simd_isa.h"
#undef FNN_EACH_DTYPE

#if FNN_DISPATCH
/* The instruction set whose kernels run: 4 (x86-64-v4: AVX-512), 3
 * (x86-64-v3: AVX2 and FMA) or 1 (baseline), the best this CPU supports,
 * or a lower one named by the environment variable FNN_SIMD (x86-64-v4,
 * x86-64-v3 or x86-64), read when the module loads: to test or time
 * another machine's kernels, or to reproduce its results, on this one. */
static int fnn_simd_level;

__attribute__((constructor)) static void fnn_simd_init(void)
{
    __builtin_cpu_init();
    int level = __builtin_cpu_supports("x86-64-v4")   ? 4
                : __builtin_cpu_supports("x86-64-v3") ? 3
                                                      : 1;
    const char *cap = getenv("FNN_SIMD");
    if (cap != NULL && *cap != '\0') {
        const int want = strcmp(cap, "x86-64-v4") == 0   ? 4
                         : strcmp(cap, "x86-64-v3") == 0 ? 3
                         : strcmp(cap, "x86-64") == 0    ? 1
                                                         : 0;
        if (want == 0)
            fprintf(stderr, "fnn: FNN_SIMD=%s ignored: not x86-64-v4, x86-64-v3 "
                            "or x86-64\n", cap);
        else if (want < level)
            level = want;
    }
    fnn_simd_level = level;
}

/* The public names (those _simd.pxd declares) call the copy of the level:
 * a macro, so that each kernel's parameters are written once, and a kernel
 * no code calls compiles in no copy. */
#define FNN_DISPATCHED(name)                                                  \
    (fnn_simd_level >= 4 ? name##_v4 : fnn_simd_level >= 3 ? name##_v3 : name##_base)
#define fnn_dense_forward_one_s FNN_DISPATCHED(fnn_dense_forward_one_s)
#define fnn_dense_forward_one_d FNN_DISPATCHED(fnn_dense_forward_one_d)
#define fnn_dense_backward_step_one_s FNN_DISPATCHED(fnn_dense_backward_step_one_s)
#define fnn_dense_backward_step_one_d FNN_DISPATCHED(fnn_dense_backward_step_one_d)
#define fnn_dense_step_forward_one_s FNN_DISPATCHED(fnn_dense_step_forward_one_s)
#define fnn_dense_step_forward_one_d FNN_DISPATCHED(fnn_dense_step_forward_one_d)
#define fnn_step_slice_s FNN_DISPATCHED(fnn_step_slice_s)
#define fnn_step_slice_d FNN_DISPATCHED(fnn_step_slice_d)
#define fnn_merge_changes_s FNN_DISPATCHED(fnn_merge_changes_s)
#define fnn_merge_changes_d FNN_DISPATCHED(fnn_merge_changes_d)
#define fnn_merge_mean_s FNN_DISPATCHED(fnn_merge_mean_s)
#define fnn_merge_mean_d FNN_DISPATCHED(fnn_merge_mean_d)
#define fnn_sumsq_s FNN_DISPATCHED(fnn_sumsq_s)
#define fnn_sumsq_d FNN_DISPATCHED(fnn_sumsq_d)
#endif /* FNN_DISPATCH */

#endif /* FNN_SIMD_H */
