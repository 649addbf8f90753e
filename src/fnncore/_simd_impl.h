/*
 * Body of the kernels declared by _simd.h, written once for a scalar type
 * FNN_T; names go through FNN_S(...) to get a _s or _d suffix.  Only
 * _simd.h includes this file (through _each_dtype.h, which instantiates
 * both dtypes), in two sections:
 * - without FNN_KERNELS, once per dtype: the vector types and the always
 *   inlined helpers (which other headers use too);
 * - with FNN_KERNELS defined, once per dtype and instruction set: the
 *   kernels the Cython code calls, named FNN_KNAME(name), in whatever
 *   `#pragma GCC target` region _simd_isa.h opened around the include.
 *
 * Layout: a dense layer with n_in inputs and n_out units stores W row-major
 * with shape (n_in, n_out), as scikit-learn's coefs_, so that row i of W is
 * what input i contributes to every unit.
 *
 * Each loop over a row runs over whole vectors of VLEN values, then a
 * scalar tail.
 */

#define VEC FNN_S(fnn_vec)
#define LOAD(p) (*(const FNN_S(fnn_uvec) *)(p))
#define STORE(p, v) (*(FNN_S(fnn_uvec) *)(p) = (v))
#define VLEN ((ptrdiff_t)(FNN_VBYTES / sizeof(FNN_T)))

#ifndef FNN_KERNELS /* ---- helpers, once per dtype ------------------------ */

typedef FNN_T FNN_S(fnn_vec) __attribute__((vector_size(FNN_VBYTES)));
/* The same vector type for loads and stores at any FNN_T-aligned address. */
typedef FNN_T FNN_S(fnn_uvec)
    __attribute__((vector_size(FNN_VBYTES), aligned(sizeof(FNN_T)), may_alias));

/* Vectors of half, a quarter and an eighth of VEC's bytes. */
typedef FNN_T FNN_S(fnn_vec_2) __attribute__((vector_size(FNN_VBYTES / 2)));
typedef FNN_T FNN_S(fnn_vec_4) __attribute__((vector_size(FNN_VBYTES / 4)));
typedef FNN_T FNN_S(fnn_vec_8) __attribute__((vector_size(FNN_VBYTES / 8)));
/* The low half plus the high half of vector v into a vector `half` of type
 * T: half[l] = v[l] + v[l + lanes of T]. */
#define FNN_FOLD_HALVES(T, half, v)                                           \
    T half, half##_high;                                                      \
    memcpy(&half, &(v), sizeof half);                                         \
    memcpy(&half##_high, (const char *)&(v) + sizeof half, sizeof half);      \
    half += half##_high

/*
 * Sum of a vector's lanes, added pairwise in a fixed order: lane l plus
 * lane l + VLEN/2, then the same on the first half, down to one lane.
 * Written with half-width vectors so the additions stay in registers: as a
 * loop over an array of lanes, GCC made each addition a store and a reload,
 * a chain that cost the 128x10 output layer more than its arithmetic.
 */
FNN_INLINE FNN_T FNN_S(fnn_hsum)(VEC v)
{
    FNN_FOLD_HALVES(FNN_S(fnn_vec_2), h2, v);
    FNN_FOLD_HALVES(FNN_S(fnn_vec_4), h4, h2);
    if (sizeof h4 == 2 * sizeof(FNN_T)) return h4[0] + h4[1];
    FNN_FOLD_HALVES(FNN_S(fnn_vec_8), h8, h4);
    /* h8 has two lanes here (float); the index is written so that the
     * double instantiation of this unreachable line stays in bounds. */
    return h8[0] + h8[sizeof h8 / sizeof(FNN_T) - 1];
}
#undef FNN_FOLD_HALVES

/* sum_j x[j] * y[j].  The SVM's kernel rows (_svm_kernels_impl.h) sum in
 * this order too, so that their <x, x> equals this one's. */
FNN_INLINE FNN_T FNN_S(fnn_dot)(ptrdiff_t n, const FNN_T *x, const FNN_T *y)
{
    VEC acc = {0};
    ptrdiff_t j = 0;
    for (; j + VLEN <= n; j += VLEN) acc += LOAD(x + j) * LOAD(y + j);
    FNN_T tail = 0;
    for (; j < n; j++) tail += x[j] * y[j];
    return FNN_S(fnn_hsum)(acc) + tail;
}

/* The square root of every lane. */
FNN_INLINE VEC FNN_S(fnn_vsqrt)(VEC v)
{
    for (ptrdiff_t l = 0; l < VLEN; l++) v[l] = sqrt(v[l]);
    return v;
}

/*
 * The optimiser rule on weights wj with gradient gj; s1 and s2 are the state
 * arrays beside w (velocity; Adam's moments, updated at offset j), unused by
 * plain SGD.  scikit-learn's formulas:
 *     sgd       w -= lr g
 *     momentum  v = mu v - lr g;  w += v
 *     nesterov  v = mu v - lr g;  w += mu v - lr g
 *     adam      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *               w -= lr m / (sqrt(v) + eps)
 * Written once as FNN_RULE_BODY over a type R read and written with RD/WR
 * and rooted with ROOT, then made into fnn_rule_vec (whole vectors) and
 * fnn_rule_scalar (row tails), so the two can never disagree.
 */
#define FNN_RULE_BODY(R, RD, WR, ROOT)                                        \
    switch (kind) {                                                           \
    case FNN_OPT_SGD:                                                         \
        return wj - lr * gj;                                                  \
    case FNN_OPT_MOMENTUM: {                                                  \
        R v = mu * RD(s1 + j) - lr * gj;                                      \
        WR(s1 + j, v);                                                        \
        return wj + v;                                                        \
    }                                                                         \
    case FNN_OPT_NESTEROV: {                                                  \
        R lg = lr * gj;                                                       \
        R v = mu * RD(s1 + j) - lg;                                           \
        WR(s1 + j, v);                                                        \
        return wj + (mu * v - lg);                                            \
    }                                                                         \
    default: {                                                                \
        R m = b1 * RD(s1 + j) + (1 - b1) * gj;                                \
        R v = b2 * RD(s2 + j) + (1 - b2) * (gj * gj);                         \
        WR(s1 + j, m);                                                        \
        WR(s2 + j, v);                                                        \
        return wj - lr * m / (ROOT(v) + eps);                                 \
    }                                                                         \
    }
#define FNN_SCALAR_RD(p) (*(p))
#define FNN_SCALAR_WR(p, v) (*(p) = (v))

FNN_INLINE VEC FNN_S(fnn_rule_vec)(
    const int kind, VEC wj, VEC gj, FNN_T lr, FNN_T mu, FNN_T b1, FNN_T b2, FNN_T eps,
    FNN_T *restrict s1, FNN_T *restrict s2, ptrdiff_t j)
{
    FNN_RULE_BODY(VEC, LOAD, STORE, FNN_S(fnn_vsqrt))
}

FNN_INLINE FNN_T FNN_S(fnn_rule_scalar)(
    const int kind, FNN_T wj, FNN_T gj, FNN_T lr, FNN_T mu, FNN_T b1, FNN_T b2, FNN_T eps,
    FNN_T *restrict s1, FNN_T *restrict s2, ptrdiff_t j)
{
    FNN_RULE_BODY(FNN_T, FNN_SCALAR_RD, FNN_SCALAR_WR, sqrt)
}
#undef FNN_RULE_BODY
#undef FNN_SCALAR_RD
#undef FNN_SCALAR_WR

/*
 * The gradient a g + l2 w of one weight (or vector of weights).  Callers
 * pass track = 0 only when l2 == 0, since the sum of squares exists for the
 * L2 penalty; the penalty's multiply-add is then compiled out, which leaves
 * every finite result unchanged (0 w adds nothing) and removed a third of
 * the arithmetic of the first layer's step on 784-128-10.
 */
#define FNN_GRAD(a, g, w) (track ? (a) * (g) + l2 * (w) : (a) * (g))

/*
 * One optimiser step on a slice of n parameters w whose gradient is
 *     grad[j] = a * g[j] + l2 * w[j].
 * Two callers share it: the per-example loop passes one row of W with
 * g = the layer's delta and a = that row's input (the row of the rank-1
 * gradient x delta^T); the mini-batch loop passes a whole layer with g = the
 * summed gradient and a = 1 / batch_weight.  l2 is alpha / batch_weight on
 * coefficients and 0 on intercepts, as in scikit-learn.
 * s1, s2: optimiser state beside w (velocity; or Adam's first and second
 * moments), same layout, NULL where unused.
 * Returns the lane sums of w[j]^2 after the step: the caller's next L2
 * penalty, computed for free while w is in a register.
 * `kind` is step->kind and `track` says whether the sum of squares is
 * wanted; both are passed as compile-time constants by FNN_FOR_EACH_RULE so
 * each combination compiles to its own loop.  The sum of squares is a chain
 * of dependent additions; two accumulators halve its latency, and without
 * `track` it is not computed at all: as a single chain it had cost more
 * than the update itself.
 */
FNN_INLINE VEC FNN_S(fnn_step_apply)(
    const int kind, const int track, ptrdiff_t n, FNN_T *restrict w, const FNN_T *restrict g, FNN_T a,
    FNN_T l2, const fnn_step *step, FNN_T *restrict s1, FNN_T *restrict s2)
{
    const FNN_T lr = (FNN_T)step->learning_rate;
    const FNN_T mu = (FNN_T)step->momentum;
    const FNN_T b1 = (FNN_T)step->beta_1, b2 = (FNN_T)step->beta_2;
    const FNN_T eps = (FNN_T)step->epsilon;
    VEC sq = {0}, sq_odd = {0};
    FNN_T sq_tail = 0;
    ptrdiff_t j = 0;
    ptrdiff_t block = 0;
    for (; j + VLEN <= n; j += VLEN) {
        VEC wj = LOAD(w + j);
        wj = FNN_S(fnn_rule_vec)(kind, wj, FNN_GRAD(a, LOAD(g + j), wj), lr, mu, b1, b2, eps,
                                 s1, s2, j);
        STORE(w + j, wj);
        if (track) {
            if (block++ & 1) sq_odd += wj * wj;
            else sq += wj * wj;
        }
    }
    for (; j < n; j++) {
        FNN_T wj = FNN_S(fnn_rule_scalar)(kind, w[j], FNN_GRAD(a, g[j], w[j]), lr, mu, b1, b2,
                                          eps, s1, s2, j);
        w[j] = wj;
        if (track) sq_tail += wj * wj;
    }
    sq += sq_odd;
    sq[0] += sq_tail;
    return sq;
}

/*
 * z += sum_{r < 4} x[r] Wr[:n_out] for four rows W0..W3 of a matrix, then
 * z += xi Wi[:n_out] for one: the row kernels of every product of a row
 * with a matrix.  The dense layers pass four consecutive rows of W, the
 * CSR first layer (_sparse.h) the rows its stored values select, in any
 * order and possibly the same row twice (the rows are only read).  Four
 * rows at a time load and store z once per four rows: stores, not
 * arithmetic, limit these loops.
 */
FNN_INLINE void FNN_S(fnn_add_rows4)(ptrdiff_t n_out, const FNN_T *restrict x,
                                     const FNN_T *restrict W0, const FNN_T *restrict W1,
                                     const FNN_T *restrict W2, const FNN_T *restrict W3,
                                     FNN_T *restrict z)
{
    const FNN_T x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    ptrdiff_t j = 0;
    for (; j + VLEN <= n_out; j += VLEN)
        STORE(z + j, LOAD(z + j) + x0 * LOAD(W0 + j) + x1 * LOAD(W1 + j)
                         + x2 * LOAD(W2 + j) + x3 * LOAD(W3 + j));
    for (; j < n_out; j++)
        z[j] += x0 * W0[j] + x1 * W1[j] + x2 * W2[j] + x3 * W3[j];
}

FNN_INLINE void FNN_S(fnn_add_row)(ptrdiff_t n_out, FNN_T xi,
                                   const FNN_T *restrict Wi, FNN_T *restrict z)
{
    ptrdiff_t j = 0;
    for (; j + VLEN <= n_out; j += VLEN) STORE(z + j, LOAD(z + j) + xi * LOAD(Wi + j));
    for (; j < n_out; j++) z[j] += xi * Wi[j];
}

/* fnn_add_rows4 on the four consecutive rows of W (rows ldw apart) that
 * start at Wi. */
FNN_INLINE void FNN_S(fnn_add_next4)(ptrdiff_t n_out, ptrdiff_t ldw,
                                     const FNN_T *restrict x,
                                     const FNN_T *restrict Wi, FNN_T *restrict z)
{
    FNN_S(fnn_add_rows4)(n_out, x, Wi, Wi + ldw, Wi + 2 * ldw, Wi + 3 * ldw, z);
}

/* True when x[0..3] are all exactly zero: the rows they weight add nothing
 * (exactly, since W is finite); image data has large blank areas. */
FNN_INLINE int FNN_S(fnn_zero4)(const FNN_T *x)
{
    return x[0] == 0 && x[1] == 0 && x[2] == 0 && x[3] == 0;
}

/* Step W[i, :n_out] (rows ldw apart) with gradient x_i delta (+ l2 W_i),
 * unless plain SGD without L2 would leave it unchanged because x_i is 0. */
FNN_INLINE VEC FNN_S(fnn_step_row)(
    const int kind, const int track, ptrdiff_t i, ptrdiff_t n_out, ptrdiff_t ldw,
    const FNN_T *restrict x, const FNN_T *restrict delta, FNN_T *restrict W,
    const fnn_step *step, FNN_T l2, FNN_T *restrict s1W, FNN_T *restrict s2W)
{
    if (kind == FNN_OPT_SGD && l2 == 0 && x[i] == 0) return (VEC){0};
    return FNN_S(fnn_step_apply)(kind, track, n_out, W + i * ldw, delta, x[i], l2, step,
                                 s1W ? s1W + i * ldw : NULL,
                                 s2W ? s2W + i * ldw : NULL);
}

/*
 * dense_step_forward_one on the NV whole vectors of units that start at unit
 * u0 (and, when `tail`, on the fewer than VLEN units after the layer's last
 * whole vector), NV a compile-time constant small enough for delta and
 * z_next to live in registers for the whole layer: each row of W is then
 * loaded once, stepped, stored once and added into z_next, with no loads or
 * stores of delta or z_next in between.  On 784-128-10 float32 this moved
 * the first layer from load-bound to store-bound.
 * A layer whose vectors do not all fit in the registers is done in chunks of
 * vectors, one pass over the rows per chunk, the last chunk with the tail.
 * Every value is computed by the same operations in the same order as in
 * one pass: each unit's z_next and W are independent of the other units',
 * and `total`, the lane sums of W^2 of the chunks before, gets this chunk's
 * sums added in the order of the vectors (then the tail's, in lane 0).
 */
FNN_INLINE VEC FNN_S(fnn_step_forward_regs)(
    const int kind, const int track, const int NV, const int tail, ptrdiff_t u0,
    VEC total, ptrdiff_t n_in, ptrdiff_t n_out, const FNN_T *restrict x,
    const FNN_T *restrict delta, FNN_T *restrict W, const fnn_step *step, FNN_T l2,
    FNN_T *restrict s1W, FNN_T *restrict s2W,
    const FNN_T *restrict x_next, FNN_T *restrict z_next)
{
    const FNN_T lr = (FNN_T)step->learning_rate;
    const FNN_T mu = (FNN_T)step->momentum;
    const FNN_T b1 = (FNN_T)step->beta_1, b2 = (FNN_T)step->beta_2;
    const FNN_T eps = (FNN_T)step->epsilon;
    const ptrdiff_t head = u0 + NV * VLEN;
    /* Sized by the constant FNN_REG_VECS, not NV: NV is a parameter, so
     * `VEC z[NV]` is a variable-length array even when inlined with a
     * constant, and GCC kept it in memory, storing every sum to the stack on
     * every row (8 extra stores per row on 784-128-10; removing them took the
     * per-example kernel from ~100k to ~120k examples/s). */
    VEC d[FNN_REG_VECS], z[FNN_REG_VECS], sq[FNN_REG_VECS];
    FNN_T sq_tail = 0;
    FNN_UNROLL_REGS
    for (int v = 0; v < NV; v++) {
        d[v] = LOAD(delta + u0 + v * VLEN);
        z[v] = (VEC){0};
        sq[v] = (VEC){0};
    }
    /* The tail's z_next sums stay in z_next itself. */
    if (tail) memset(z_next + head, 0, (n_out - head) * sizeof(FNN_T));
    for (ptrdiff_t i = 0; i < n_in; i++) {
        const FNN_T xi = x[i], xn = x_next[i];
        const int frozen = kind == FNN_OPT_SGD && l2 == 0 && xi == 0;
        if (frozen && xn == 0) continue;
        FNN_T *restrict Wi = W + i * n_out;
        const ptrdiff_t row = i * n_out;
        FNN_UNROLL_REGS
        for (int v = 0; v < NV; v++) {
            VEC w = LOAD(Wi + u0 + v * VLEN);
            if (!frozen) {
                w = FNN_S(fnn_rule_vec)(kind, w, FNN_GRAD(xi, d[v], w), lr, mu, b1, b2, eps,
                                        s1W, s2W, row + u0 + v * VLEN);
                STORE(Wi + u0 + v * VLEN, w);
                if (track) sq[v] += w * w;
            }
            z[v] += xn * w;
        }
        if (!tail) continue;
        for (ptrdiff_t j = head; j < n_out; j++) {
            FNN_T w = Wi[j];
            if (!frozen) {
                w = FNN_S(fnn_rule_scalar)(kind, w, FNN_GRAD(xi, delta[j], w), lr, mu, b1, b2,
                                           eps, s1W, s2W, row + j);
                Wi[j] = w;
                if (track) sq_tail += w * w;
            }
            z_next[j] += xn * w;
        }
    }
    FNN_UNROLL_REGS
    for (int v = 0; v < NV; v++) {
        STORE(z_next + u0 + v * VLEN, z[v]);
        total += sq[v];
    }
    if (tail) total[0] += sq_tail;
    return total;
}

#undef FNN_GRAD

#else /* ---- FNN_KERNELS: once per dtype and instruction set --------------- */

/* Vectors of units per chunk of fnn_step_forward_regs, from the vector
 * registers of the instruction set being compiled (in _simd.h's `#pragma
 * GCC target` regions GCC defines that set's macros): its three arrays
 * (delta, sums, squares) of FNN_VBYTES vectors take at most three quarters
 * of them, the rest holding the row's temporaries.  With fewer, GCC spilled
 * the arrays, and took minutes to compile their every access. */
#if defined(__AVX512F__)
#define FNN_VREG_BYTES (32 * 64) /* 32 zmm */
#elif defined(__AVX__)
#define FNN_VREG_BYTES (16 * 32) /* 16 ymm */
#elif defined(__aarch64__)
#define FNN_VREG_BYTES (32 * 16) /* 32 NEON registers */
#else
#define FNN_VREG_BYTES (16 * 16) /* 16 xmm; also assumed of other targets */
#endif
#define FNN_FIT_VECS (FNN_VREG_BYTES / (4 * FNN_VBYTES))
#define FNN_CHUNK_VECS                                                        \
    (FNN_FIT_VECS > FNN_REG_VECS ? FNN_REG_VECS : FNN_FIT_VECS > 1 ? FNN_FIT_VECS : 1)

/*
 * Forward pass of one example through one dense layer (pre-activation):
 *     z[j] = b[j] + sum_i x[i] W[i, j]      for j < n_out,
 * W's rows being ldw apart, so a thread can compute a slice of the units by
 * passing W + j0, b + j0, z + j0.
 */
FNN_KERNEL void FNN_KNAME(fnn_dense_forward_one)(
    ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t ldw, const FNN_T *restrict x,
    const FNN_T *restrict W, const FNN_T *restrict b, FNN_T *restrict z)
{
    memcpy(z, b, n_out * sizeof(FNN_T));
    ptrdiff_t i = 0;
    for (; i + 4 <= n_in; i += 4)
        if (!FNN_S(fnn_zero4)(x + i))
            FNN_S(fnn_add_next4)(n_out, ldw, x + i, W + i * ldw, z);
    for (; i < n_in; i++) FNN_S(fnn_add_row)(n_out, x[i], W + i * ldw, z);
}

/*
 * Backward pass of one example through one dense layer, fused with the
 * optimiser step, so W is read once from cache for both:
 *     delta_prev[i] = sum_j W[i, j] delta[j]      (with W before the step)
 *     W[i, :], b    <- step with gradient x[i] delta, delta
 * delta_prev may be NULL (first layer: nobody needs the input's delta).
 * s1W/s2W and s1b/s2b are the optimiser state beside W and b, NULL where the
 * rule keeps none.  l2 applies to W only.
 * delta_prev gets the raw back-propagated error; the caller multiplies it by
 * the activation derivative.  b may be NULL: then the intercepts are left to
 * another caller (threads splitting W by rows step b once).
 * Returns sum of W^2 after the step when l2 > 0 (the only case that uses
 * it), else 0.  With plain SGD and l2 == 0, rows whose input is zero are
 * left untouched.
 */
FNN_KERNEL FNN_T FNN_KNAME(fnn_dense_backward_step_one)(
    ptrdiff_t n_in, ptrdiff_t n_out, const FNN_T *restrict x,
    const FNN_T *restrict delta, FNN_T *restrict W, FNN_T *restrict b,
    FNN_T *restrict delta_prev, const fnn_step *step, FNN_T l2,
    FNN_T *restrict s1W, FNN_T *restrict s2W,
    FNN_T *restrict s1b, FNN_T *restrict s2b)
{
    VEC sq = {0};
    FNN_FOR_EACH_RULE(step->kind, l2 > 0, {
        for (ptrdiff_t i = 0; i < n_in; i++) {
            if (delta_prev != NULL)
                delta_prev[i] = FNN_S(fnn_dot)(n_out, W + i * n_out, delta);
            sq += FNN_S(fnn_step_row)(kind, track, i, n_out, n_out, x, delta, W, step,
                                      l2, s1W, s2W);
        }
        if (b != NULL) FNN_S(fnn_step_apply)(kind, 0, n_out, b, delta, 1, 0, step, s1b, s2b);
    });
    return FNN_S(fnn_hsum)(sq);
}

/*
 * The first layer's step for example k fused with its forward pass for
 * example k+1, so W makes one trip through the cache instead of two:
 *     W[i, :] <- step with gradient x[i] delta     (as dense_backward_step_one)
 *     z_next   = b + sum_i x_next[i] W[i, :]       (with the stepped W)
 * Rows are stepped four at a time and then, still in L1, added into z_next,
 * which keeps z_next's loads and stores down as in the forward pass.
 * Nothing propagates below the first layer, so there is no delta_prev.
 * As in the forward pass, the n_out units may be a slice of a layer whose
 * rows are ldw apart (W, b, delta, state and z_next offset by the caller).
 * Returns sum of W^2 after the step, under the same rule as
 * dense_backward_step_one.
 */
FNN_KERNEL FNN_T FNN_KNAME(fnn_dense_step_forward_one)(
    ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t ldw, const FNN_T *restrict x,
    const FNN_T *restrict delta, FNN_T *restrict W, FNN_T *restrict b,
    const fnn_step *step, FNN_T l2,
    FNN_T *restrict s1W, FNN_T *restrict s2W,
    FNN_T *restrict s1b, FNN_T *restrict s2b,
    const FNN_T *restrict x_next, FNN_T *restrict z_next)
{
    VEC sq = {0};
    if (ldw == n_out && n_out >= VLEN && n_out < (FNN_REG_VECS + 1) * VLEN) {
        ptrdiff_t u0 = 0;
#define FNN_REGS_CALL(nv, tail) sq = FNN_S(fnn_step_forward_regs)(                     \
                kind, track, nv, tail, u0, sq, n_in, n_out, x, delta, W, step, l2, s1W, \
                s2W, x_next, z_next)
#define FNN_REGS_CASE(nv) case nv: if (nv <= FNN_CHUNK_VECS) FNN_REGS_CALL(nv, 1); break;
        FNN_FOR_EACH_RULE(step->kind, l2 > 0, {
            if (FNN_CHUNK_VECS < FNN_REG_VECS)
                for (; n_out - u0 >= (FNN_CHUNK_VECS + 1) * VLEN; u0 += FNN_CHUNK_VECS * VLEN)
                    FNN_REGS_CALL(FNN_CHUNK_VECS, 0);
            switch ((n_out - u0) / VLEN) {
                FNN_REGS_CASE(1) FNN_REGS_CASE(2) FNN_REGS_CASE(3) FNN_REGS_CASE(4)
                FNN_REGS_CASE(5) FNN_REGS_CASE(6) FNN_REGS_CASE(7) FNN_REGS_CASE(8)
            }
            FNN_S(fnn_step_apply)(kind, 0, n_out, b, delta, 1, 0, step, s1b, s2b);
        });
#undef FNN_REGS_CASE
#undef FNN_REGS_CALL
        FNN_S(fnn_add_row)(n_out, 1, b, z_next);
        return FNN_S(fnn_hsum)(sq);
    }
    memset(z_next, 0, n_out * sizeof(FNN_T));
    FNN_FOR_EACH_RULE(step->kind, l2 > 0, {
        ptrdiff_t i = 0;
        for (; i + 4 <= n_in; i += 4) {
            for (ptrdiff_t r = i; r < i + 4; r++)
                sq += FNN_S(fnn_step_row)(kind, track, r, n_out, ldw, x, delta, W, step,
                                          l2, s1W, s2W);
            if (!FNN_S(fnn_zero4)(x_next + i))
                FNN_S(fnn_add_next4)(n_out, ldw, x_next + i, W + i * ldw, z_next);
        }
        for (; i < n_in; i++) {
            sq += FNN_S(fnn_step_row)(kind, track, i, n_out, ldw, x, delta, W, step, l2,
                                      s1W, s2W);
            FNN_S(fnn_add_row)(n_out, x_next[i], W + i * ldw, z_next);
        }
        FNN_S(fnn_step_apply)(kind, 0, n_out, b, delta, 1, 0, step, s1b, s2b);
    });
    FNN_S(fnn_add_row)(n_out, 1, b, z_next);
    return FNN_S(fnn_hsum)(sq);
}

/*
 * Optimiser step on a whole slice (the mini-batch path): see fnn_step_apply.
 * Returns sum of w^2 after the step.
 */
FNN_KERNEL FNN_T FNN_KNAME(fnn_step_slice)(
    ptrdiff_t n, FNN_T *w, const FNN_T *g, FNN_T a, FNN_T l2,
    const fnn_step *step, FNN_T *s1, FNN_T *s2)
{
    VEC sq = {0};
    FNN_FOR_EACH_RULE(step->kind, 1,
                      sq = FNN_S(fnn_step_apply)(kind, track, n, w, g, a, l2, step, s1, s2));
    return FNN_S(fnn_hsum)(sq);
}

/*
 * Local SGD's merge of the values j0 <= j < j1 of n_copies parameter vectors
 * (the per-example loop on several threads): every copy started the round
 * equal to base; the merged value is base plus the sum of the copies'
 * changes, as if each thread's updates had been applied to one shared
 * vector.  Writes it to base and to every copy, so the next round starts
 * from it without another pass.  Returns the sum of squares of the merged
 * values.
 */
FNN_KERNEL FNN_T FNN_KNAME(fnn_merge_changes)(
    ptrdiff_t j0, ptrdiff_t j1, int n_copies, FNN_T *restrict base,
    FNN_T *const *copies)
{
    VEC sq = {0};
    FNN_T sq_tail = 0;
    ptrdiff_t j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
        VEC b = LOAD(base + j), m = b;
        for (int c = 0; c < n_copies; c++) m += LOAD(copies[c] + j) - b;
        STORE(base + j, m);
        for (int c = 0; c < n_copies; c++) STORE(copies[c] + j, m);
        sq += m * m;
    }
    for (; j < j1; j++) {
        FNN_T b = base[j], m = b;
        for (int c = 0; c < n_copies; c++) m += copies[c][j] - b;
        base[j] = m;
        for (int c = 0; c < n_copies; c++) copies[c][j] = m;
        sq_tail += m * m;
    }
    return FNN_S(fnn_hsum)(sq) + sq_tail;
}

/*
 * The mean of n_copies vectors' values j0 <= j < j1 (optimiser state:
 * velocities and moments estimate the same quantity on every thread, so
 * they are averaged, not summed), written to shared and to every copy.
 */
FNN_KERNEL void FNN_KNAME(fnn_merge_mean)(
    ptrdiff_t j0, ptrdiff_t j1, int n_copies, FNN_T *restrict shared,
    FNN_T *const *copies)
{
    const FNN_T scale = (FNN_T)1 / n_copies;
    ptrdiff_t j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
        VEC m = {0};
        for (int c = 0; c < n_copies; c++) m += LOAD(copies[c] + j);
        m *= scale;
        STORE(shared + j, m);
        for (int c = 0; c < n_copies; c++) STORE(copies[c] + j, m);
    }
    for (; j < j1; j++) {
        FNN_T m = 0;
        for (int c = 0; c < n_copies; c++) m += copies[c][j];
        m *= scale;
        shared[j] = m;
        for (int c = 0; c < n_copies; c++) copies[c][j] = m;
    }
}

/* sum_j x[j]^2 (the L2 penalty at the start of an epoch). */
FNN_KERNEL FNN_T FNN_KNAME(fnn_sumsq)(ptrdiff_t n, const FNN_T *x)
{
    return FNN_S(fnn_dot)(n, x, x);
}

#undef FNN_CHUNK_VECS
#undef FNN_FIT_VECS
#undef FNN_VREG_BYTES

#endif /* FNN_KERNELS */

#undef VEC
#undef LOAD
#undef STORE
#undef VLEN
