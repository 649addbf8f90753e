/*
 * Sequential minimal optimisation for the C-SVM dual, one-vs-one over all
 * class pairs, in one call that needs no Python (fnncore._smo.fit_ovo).
 *
 * Design:
 * - The dual of one binary problem with labels y = +-1 is
 *       min_a 1/2 sum_st a_s a_t y_s y_t K_st - sum_s a_s,
 *       0 <= a_s <= C_s,  sum_s y_s a_s = 0.
 *   The solver keeps g_s = y_s - sum_t y_t a_t K_st, which is -y_s times
 *   the gradient: then the working-set rule, the step and the update of g
 *   need the kernel K but not Q = y y^T * K, so cached rows are plain
 *   kernel rows.
 * - Working set: second-order selection (Fan, Chen and Lin, JMLR 2005,
 *   WSS 2), as libsvm: i = argmax of g over I_up, j = the index in I_low
 *   with g_j < g_i that maximises the decrease (g_i - g_j)^2 / a_ij,
 *   a_ij = K_ii + K_jj - 2 K_ij (TAU if not positive).  Stop when
 *   max_{I_up} g - min_{I_low} g < tol.  Ties go to the last index, as in
 *   libsvm, so both walk the same path on tied starts.
 * - The step moves a_i by +y_i t and a_j by -y_j t, which keeps
 *   sum y a = 0; t = (g_i - g_j) / a_ij clipped to the box.  Then
 *   g_k -= t (K_ik - K_jk) for every active k.
 * - Kernel-row cache: a fixed pool of row slots (cache_size MB), least
 *   recently used first out.  Slot s holds K(position p, positions
 *   [0, len)); a row asked for longer is extended, not recomputed.
 * - Computing a row streams the pair's data once, which is what a row
 *   costs once the data outgrows L2.  So a missing row i is computed
 *   together with the rows of the next largest g in I_up, and a missing j
 *   with the runners-up of j's selection: rows that later iterations ask
 *   for about three times out of four.  This changes no result, only how
 *   many passes are made (smo_rows_per_pass).
 * - Shrinking (optional, as libsvm's): every min(l, 1000) iterations the
 *   bounded variables that cannot enter a violating pair are swapped to the
 *   end of the working arrays, so that rows, the selection and the update
 *   run on the active prefix only.  gbar_k = sum over a_s = C_s of
 *   y_s C_s K_sk lets the gradient of the shrunk variables be rebuilt when
 *   the active set is close to optimal (10 tol) and at the end.
 * - A kernel value that is not finite as a float (overflow) stops the
 *   solver: the caller gets an error instead of a NaN model.
 * - Ctrl-C: after about SMO_CHECK_WORK multiply-adds of kernel rows and
 *   updates (a few milliseconds) the solver calls the caller's
 *   `interrupted` hook, if any, and stops between two updates if it says so.
 *   The multipliers are feasible after every update, so the pairs are
 *   returned as they stand (fnn.SVC keeps that model, with a warning).
 * - Samples are dense rows or CSR rows (svm_data.csr, kernels of
 *   _svm_sparse.h); the solver only sees kernel rows, so everything else is
 *   shared, and the cost of a pass is the bytes of the pair's nonzeros.
 * - All working memory is allocated once per call, for the largest pair.
 */
#ifndef FNN_SMO_SOLVER_H
#define FNN_SMO_SOLVER_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "_svm_kernels.h"
#include "_svm_sparse.h"

#define SMO_TAU 1e-12
#define SMO_CHECK_WORK 4000000
#define SMO_UP 1        /* a can move in the direction of +y: I_up  */
#define SMO_LOW 2       /* a can move in the direction of -y: I_low */
#define SMO_AT_C 4      /* a == C                                   */

/* Where the kernel rows come from: dense samples (or the Gram matrix), or
 * CSR samples (csr not NULL). */
typedef struct {
    svm_kernel kernel;
    const void *X;       /* dense samples (or the Gram matrix), float or double */
    const svm_csr *csr;  /* sparse samples instead, or NULL                  */
    double *dense;       /* csr only: d * SVM_MAX_ROWS zeros to scatter into  */
    int is_float;
    ptrdiff_t d;         /* features */
    ptrdiff_t ldx;       /* stride between dense samples */
    const double *sq;    /* |x_s|^2 per sample (rbf), else NULL */
    double row_bytes;    /* bytes read per sample in a pass over the data     */
    double row_work;     /* multiply-adds per kernel value                    */
} svm_data;

/* Kernel rows of samples a[0..n_rows) against samples idx[0..count); 1 if a
 * value is not finite. */
static int svm_data_rows(const svm_data *D, const ptrdiff_t *a, int n_rows,
                         const ptrdiff_t *idx, ptrdiff_t count, float *const *out,
                         double *scratch)
{
    if (D->csr != NULL) {
        if (D->is_float)
            return svm_csr_kernel_rows_s(&D->kernel, D->csr, D->dense, D->sq, a,
                                         n_rows, idx, count, out, scratch);
        return svm_csr_kernel_rows_d(&D->kernel, D->csr, D->dense, D->sq, a, n_rows,
                                     idx, count, out, scratch);
    }
    if (D->is_float)
        return svm_kernel_rows_s(&D->kernel, D->d, (const float *)D->X, D->ldx, D->sq,
                                 a, n_rows, idx, count, out, scratch);
    return svm_kernel_rows_d(&D->kernel, D->d, (const double *)D->X, D->ldx, D->sq, a,
                             n_rows, idx, count, out, scratch);
}

/* Solver state for one binary problem; arrays are indexed by position,
 * which shrinking permutes. */
typedef struct {
    const svm_data *data;
    ptrdiff_t l, active;
    int shrinking, unshrunk;
    int overflow;            /* a kernel value was not finite: give up     */
    int (*interrupted)(void);  /* NULL, or 1 when the caller wants a stop  */
    int stopped;             /* interrupted said so                         */
    long long work;          /* multiply-adds since the last look           */
    double eps;
    ptrdiff_t *sample;       /* position -> row of X                       */
    ptrdiff_t *origin;       /* position -> index in the pair's own order  */
    signed char *y;
    unsigned char *flags;    /* SMO_UP | SMO_LOW | SMO_AT_C                */
    double *C, *alpha, *g, *gbar, *QD;
    double *up_pen, *low_pen;  /* 0 in I_up (I_low), -inf (+inf) elsewhere */
    double *scratch;         /* SVM_MAX_ROWS l doubles for the row kernels */
    int speculate;           /* rows per pass, 1 to SVM_MAX_ROWS          */
    /* cache: n_slots rows of l floats; a circular LRU list through
     * prev/next with sentinel n_slots, most recent after the sentinel */
    ptrdiff_t n_slots;
    float *rows;
    ptrdiff_t *slot_len, *slot_owner, *slot_of, *prev, *next;
} smo_state;

static void smo_flags(smo_state *S, ptrdiff_t k)
{
    const double a = S->alpha[k], C = S->C[k];
    unsigned char f = 0;
    if (a >= C) f |= SMO_AT_C;
    if (S->y[k] > 0) {
        if (a < C) f |= SMO_UP;
        if (a > 0) f |= SMO_LOW;
    } else {
        if (a > 0) f |= SMO_UP;
        if (a < C) f |= SMO_LOW;
    }
    S->flags[k] = f;
    S->up_pen[k] = (f & SMO_UP) ? 0.0 : -INFINITY;
    S->low_pen[k] = (f & SMO_LOW) ? 0.0 : INFINITY;
}

/* ---- cache ------------------------------------------------------------ */

static void lru_unlink(smo_state *S, ptrdiff_t s)
{
    S->next[S->prev[s]] = S->next[s];
    S->prev[S->next[s]] = S->prev[s];
}

static void lru_insert_after(smo_state *S, ptrdiff_t s, ptrdiff_t at)
{
    S->next[s] = S->next[at];
    S->prev[s] = at;
    S->prev[S->next[at]] = s;
    S->next[at] = s;
}

/* Most recently used. */
static void lru_push_front(smo_state *S, ptrdiff_t s)
{
    lru_insert_after(S, s, S->n_slots);
}

/* Next to be evicted. */
static void lru_push_back(smo_state *S, ptrdiff_t s)
{
    lru_insert_after(S, s, S->prev[S->n_slots]);
}

static void cache_reset(smo_state *S, ptrdiff_t n_slots)
{
    S->n_slots = n_slots;
    S->next[n_slots] = S->prev[n_slots] = n_slots;
    for (ptrdiff_t s = 0; s < n_slots; s++) {
        S->slot_len[s] = 0;
        S->slot_owner[s] = -1;
        lru_push_back(S, s);
    }
    for (ptrdiff_t p = 0; p < S->l; p++) S->slot_of[p] = -1;
}

/* Free slot s (its row is no longer valid) and make it the next victim. */
static void cache_drop(smo_state *S, ptrdiff_t s)
{
    S->slot_of[S->slot_owner[s]] = -1;
    S->slot_owner[s] = -1;
    S->slot_len[s] = 0;
    lru_unlink(S, s);
    lru_push_back(S, s);
}

/* K(position p, positions [0, len)), computed where the cache lacks it.
 * The returned row stays valid until another row is fetched past n_slots - 1
 * others (n_slots >= 2, so the last two fetched rows are always valid). */
static const float *smo_row(smo_state *S, ptrdiff_t p, ptrdiff_t len)
{
    ptrdiff_t s = S->slot_of[p];
    if (s < 0) {
        s = S->prev[S->n_slots];   /* least recently used */
        if (S->slot_owner[s] >= 0) S->slot_of[S->slot_owner[s]] = -1;
        S->slot_owner[s] = p;
        S->slot_len[s] = 0;
        S->slot_of[p] = s;
    }
    lru_unlink(S, s);
    lru_push_front(S, s);
    float *row = S->rows + s * S->l;
    const ptrdiff_t have = S->slot_len[s];
    if (have < len) {
        float *out = row + have;
        S->overflow |= svm_data_rows(S->data, &S->sample[p], 1, S->sample + have,
                                     len - have, &out, S->scratch);
        S->work += (long long)((len - have) * (S->data->row_work + 1));
        S->slot_len[s] = len;
    }
    return row;
}

/* The best `cap` (score, position) pairs offered, best first. */
typedef struct {
    int n;
    double score[SVM_MAX_ROWS];
    ptrdiff_t pos[SVM_MAX_ROWS];
} smo_top;

static void smo_top_offer(smo_top *T, int cap, double score, ptrdiff_t p)
{
    if (T->n == cap && !(score > T->score[cap - 1])) return;
    int r = T->n < cap ? T->n++ : cap - 1;
    for (; r > 0 && T->score[r - 1] < score; r--) {
        T->score[r] = T->score[r - 1];
        T->pos[r] = T->pos[r - 1];
    }
    T->score[r] = score;
    T->pos[r] = p;
}

/* Rows of positions pos[0..m) over [0, len) in one pass over the data;
 * none of them is cached.  pos[0] ends up the most recently used. */
static void smo_fill_rows(smo_state *S, const ptrdiff_t *pos, int m, ptrdiff_t len)
{
    ptrdiff_t a[SVM_MAX_ROWS];
    float *out[SVM_MAX_ROWS];
    for (int r = m - 1; r >= 0; r--) {
        const ptrdiff_t s = S->prev[S->n_slots];
        if (S->slot_owner[s] >= 0) S->slot_of[S->slot_owner[s]] = -1;
        S->slot_owner[s] = pos[r];
        S->slot_of[pos[r]] = s;
        S->slot_len[s] = len;
        lru_unlink(S, s);
        lru_push_front(S, s);
        a[r] = S->sample[pos[r]];
        out[r] = S->rows + s * S->l;
    }
    S->overflow |= svm_data_rows(S->data, a, m, S->sample, len, out, S->scratch);
    S->work += (long long)(m * len * (S->data->row_work + 1));
}

#define SMO_SWAP(T, a, b) do { T tmp_ = (a); (a) = (b); (b) = tmp_; } while (0)

/* Exchange positions p < q everywhere, cached rows included: a row that
 * holds p but not q cannot be kept. */
static void smo_swap(smo_state *S, ptrdiff_t p, ptrdiff_t q)
{
    SMO_SWAP(ptrdiff_t, S->sample[p], S->sample[q]);
    SMO_SWAP(ptrdiff_t, S->origin[p], S->origin[q]);
    SMO_SWAP(signed char, S->y[p], S->y[q]);
    SMO_SWAP(unsigned char, S->flags[p], S->flags[q]);
    SMO_SWAP(double, S->C[p], S->C[q]);
    SMO_SWAP(double, S->alpha[p], S->alpha[q]);
    SMO_SWAP(double, S->g[p], S->g[q]);
    SMO_SWAP(double, S->gbar[p], S->gbar[q]);
    SMO_SWAP(double, S->QD[p], S->QD[q]);
    SMO_SWAP(double, S->up_pen[p], S->up_pen[q]);
    SMO_SWAP(double, S->low_pen[p], S->low_pen[q]);
    const ptrdiff_t sp = S->slot_of[p], sq = S->slot_of[q];
    S->slot_of[p] = sq;
    S->slot_of[q] = sp;
    if (sp >= 0) S->slot_owner[sp] = q;
    if (sq >= 0) S->slot_owner[sq] = p;
    const ptrdiff_t head = S->n_slots;
    for (ptrdiff_t s = S->next[head]; s != head;) {
        const ptrdiff_t after = S->next[s];
        if (S->slot_owner[s] < 0) break;   /* free slots sit at the back */
        float *row = S->rows + s * S->l;
        if (S->slot_len[s] > q) {
            SMO_SWAP(float, row[p], row[q]);
        } else if (S->slot_len[s] > p) {
            cache_drop(S, s);
        }
        s = after;
    }
}

/* ---- the loops of one iteration (vectorised, one clone per ISA) -------- */

/* The largest k < n with v[k] + pen[k] == target, -1 if none (a scan
 * that vectorises). */
FNN_INLINE ptrdiff_t smo_last_equal(ptrdiff_t n, const double *restrict v,
                                    const double *restrict pen, double target)
{
    ptrdiff_t last = -1;
#pragma omp simd reduction(max:last)
    for (ptrdiff_t k = 0; k < n; k++) {
        const ptrdiff_t hit = v[k] + pen[k] == target ? k : -1;
        last = hit > last ? hit : last;
    }
    return last;
}

/* The last k < n in I_up with the largest g (-1 if I_up is empty); its g in
 * *g_max.  Last, as libsvm's `>=` scan picks.  up_pen[k] is 0 in I_up and
 * -inf elsewhere: adding it keeps the loop free of branches and byte masks,
 * which is what lets GCC vectorise it in every clone. */
FNN_CLONES static ptrdiff_t smo_argmax_up(ptrdiff_t n, const double *restrict g,
                                          const double *restrict up_pen, double *g_max)
{
    double m = -INFINITY;
#pragma omp simd reduction(max:m)
    for (ptrdiff_t k = 0; k < n; k++) {
        const double v = g[k] + up_pen[k];
        m = v > m ? v : m;
    }
    *g_max = m;
    return m == -INFINITY ? -1 : smo_last_equal(n, g, up_pen, m);
}

/* Second-order choice of j for i (g_max = g_i, QDi = K_ii, Ki its row): the
 * last k in I_low with g_k < g_max of the smallest -(g_max - g_k)^2 / a_ik
 * (-1 if none); min of g over I_low in *g_min.  low_pen[k] is 0 in I_low,
 * +inf elsewhere.  dec: n doubles of scratch, so that the index is found by
 * comparing the very values compared. */
FNN_CLONES static ptrdiff_t smo_argbest_low(
    ptrdiff_t n, const double *restrict g, const double *restrict low_pen,
    const double *restrict QD, double QDi, const float *restrict Ki, double g_max,
    double *g_min, double *restrict dec)
{
    double best = INFINITY, lo = INFINITY;
#pragma omp simd reduction(min:best, lo)
    for (ptrdiff_t k = 0; k < n; k++) {
        const double gl = g[k] + low_pen[k];
        const double b = g_max - gl;
        double a = QDi + QD[k] - 2.0 * (double)Ki[k];
        a = a > 0 ? a : SMO_TAU;
        const double v = b > 0 ? -(b * b) / a : INFINITY;
        dec[k] = v;
        best = v < best ? v : best;
        lo = gl < lo ? gl : lo;
    }
    *g_min = lo;
    if (best == INFINITY) return -1;
    /* dec is +inf off I_low, so adding low_pen changes no candidate. */
    return smo_last_equal(n, dec, low_pen, best);
}

/* g_k -= t (K_ik - K_jk): the step's effect on the gradient. */
FNN_CLONES static void smo_update_g(ptrdiff_t n, double *restrict g, double t,
                                    const float *restrict Ki, const float *restrict Kj)
{
#pragma omp simd
    for (ptrdiff_t k = 0; k < n; k++) g[k] -= t * ((double)Ki[k] - (double)Kj[k]);
}

/* ---- the optimisation --------------------------------------------------- */

/* Working pair (i, j), or 1 when the active set is optimal within eps. */
static int smo_select(smo_state *S, ptrdiff_t *out_i, ptrdiff_t *out_j)
{
    const ptrdiff_t n = S->active;
    const double *g = S->g;
    const unsigned char *flags = S->flags;
    double g_max, g_min;
    const ptrdiff_t i = smo_argmax_up(n, g, S->up_pen, &g_max);
    if (i < 0) return 1;
    if (S->speculate > 1 && S->slot_of[i] < 0) {
        /* The next largest g in I_up are the likeliest next i. */
        smo_top T = {0};
        for (ptrdiff_t k = 0; k < n; k++)
            if ((flags[k] & SMO_UP) && k != i && S->slot_of[k] < 0)
                smo_top_offer(&T, S->speculate - 1, g[k], k);
        ptrdiff_t pos[SVM_MAX_ROWS] = {i};
        for (int r = 0; r < T.n; r++) pos[r + 1] = T.pos[r];
        smo_fill_rows(S, pos, 1 + T.n, n);
    }
    const float *Ki = smo_row(S, i, n);
    const ptrdiff_t j = smo_argbest_low(n, g, S->low_pen, S->QD, S->QD[i], Ki, g_max,
                                        &g_min, S->scratch);
    if (g_max - g_min < S->eps || j < 0) return 1;
    *out_i = i;
    *out_j = j;
    return 0;
}

/* max over I_up and min over I_low of g on the active set. */
static void smo_extremes(const smo_state *S, double *g_max, double *g_min)
{
    double hi = -INFINITY, lo = INFINITY;
    for (ptrdiff_t k = 0; k < S->active; k++) {
        if ((S->flags[k] & SMO_UP) && S->g[k] > hi) hi = S->g[k];
        if ((S->flags[k] & SMO_LOW) && S->g[k] < lo) lo = S->g[k];
    }
    *g_max = hi;
    *g_min = lo;
}

/* g of the shrunk positions [active, l) from gbar and the free variables. */
static void smo_reconstruct(smo_state *S)
{
    const ptrdiff_t l = S->l, n = S->active;
    if (n == l) return;
    for (ptrdiff_t k = n; k < l; k++) S->g[k] = S->y[k] - S->gbar[k];
    ptrdiff_t n_free = 0;
    for (ptrdiff_t k = 0; k < n; k++)
        if ((S->flags[k] & (SMO_UP | SMO_LOW)) == (SMO_UP | SMO_LOW)) n_free++;
    /* Either one row per shrunk position over the active prefix, or one
     * full row per free variable: whichever evaluates fewer kernels. */
    if ((double)(l - n) * (double)n < (double)n_free * (double)l) {
        for (ptrdiff_t k = n; k < l; k++) {
            const float *Kk = smo_row(S, k, n);
            double sum = 0;
            for (ptrdiff_t s = 0; s < n; s++)
                if ((S->flags[s] & (SMO_UP | SMO_LOW)) == (SMO_UP | SMO_LOW))
                    sum += S->y[s] * S->alpha[s] * (double)Kk[s];
            S->g[k] -= sum;
        }
    } else {
        for (ptrdiff_t s = 0; s < n; s++) {
            if ((S->flags[s] & (SMO_UP | SMO_LOW)) != (SMO_UP | SMO_LOW)) continue;
            const float *Ks = smo_row(S, s, l);
            const double ya = S->y[s] * S->alpha[s];
            for (ptrdiff_t k = n; k < l; k++) S->g[k] -= ya * (double)Ks[k];
        }
    }
}

/* A bounded variable that cannot be part of a violating pair while
 * g_min <= g <= g_max holds. */
static int smo_removable(const smo_state *S, ptrdiff_t k, double g_max, double g_min)
{
    const unsigned char f = S->flags[k] & (SMO_UP | SMO_LOW);
    if (f == SMO_UP) return S->g[k] < g_min;
    if (f == SMO_LOW) return S->g[k] > g_max;
    return 0;
}

static void smo_shrink(smo_state *S)
{
    double g_max, g_min;
    smo_extremes(S, &g_max, &g_min);
    if (!S->unshrunk && g_max - g_min <= 10 * S->eps) {
        /* Close to optimal: let every variable back in once, so the final
         * rounds see the whole problem. */
        S->unshrunk = 1;
        smo_reconstruct(S);
        S->active = S->l;
    }
    ptrdiff_t k = 0, end = S->active;
    while (k < end) {
        if (!smo_removable(S, k, g_max, g_min)) {
            k++;
            continue;
        }
        do end--; while (end > k && smo_removable(S, end, g_max, g_min));
        if (end > k) smo_swap(S, k, end);
    }
    S->active = end;
}

/* Add sign * y_k C_k K_k. to gbar (a_k arrived at or left C_k). */
static void smo_gbar_update(smo_state *S, ptrdiff_t k, double sign)
{
    const float *Kk = smo_row(S, k, S->l);
    const double w = sign * S->y[k] * S->C[k];
    for (ptrdiff_t t = 0; t < S->l; t++) S->gbar[t] += w * (double)Kk[t];
}

/* Offset of the decision function, -g on the free variables (averaged), or
 * the middle of the feasible interval when none is free. */
static double smo_rho(const smo_state *S)
{
    double sum_free = 0, up_only_max = -INFINITY, low_only_min = INFINITY;
    ptrdiff_t n_free = 0;
    for (ptrdiff_t k = 0; k < S->active; k++) {
        const unsigned char f = S->flags[k] & (SMO_UP | SMO_LOW);
        const double gk = S->g[k];
        if (f == (SMO_UP | SMO_LOW)) {
            sum_free += -gk;
            n_free++;
        } else if (f == SMO_UP) {
            if (gk > up_only_max) up_only_max = gk;
        } else if (gk < low_only_min) {
            low_only_min = gk;
        }
    }
    if (n_free > 0) return sum_free / n_free;
    return -(up_only_max + low_only_min) / 2;
}

/* Solve from a = 0; returns 1 if max_iter stopped it first.  *n_iter gets
 * the number of pair updates. */
static int smo_solve(smo_state *S, long long max_iter, long long *n_iter)
{
    const ptrdiff_t l = S->l;
    for (ptrdiff_t k = 0; k < l; k++) {
        S->alpha[k] = 0;
        S->g[k] = S->y[k];
        S->gbar[k] = 0;
        smo_flags(S, k);
    }
    S->active = l;
    S->unshrunk = 0;
    const ptrdiff_t period = l < 1000 ? l : 1000;
    ptrdiff_t countdown = period + 1;
    long long iter = 0;
    int timed_out = 0;
    for (;;) {
        if (S->overflow) break;
        if (S->interrupted && S->work >= SMO_CHECK_WORK) {
            S->work = 0;
            if (S->interrupted()) {
                S->stopped = 1;
                break;
            }
        }
        if (max_iter >= 0 && iter >= max_iter) {
            timed_out = 1;
            break;
        }
        if (--countdown == 0) {
            countdown = period;
            if (S->shrinking) smo_shrink(S);
        }
        ptrdiff_t i, j;
        if (smo_select(S, &i, &j)) {
            if (S->active == l) break;
            /* Optimal on the active set: check the whole problem. */
            smo_reconstruct(S);
            S->active = l;
            if (smo_select(S, &i, &j)) break;
            countdown = 1;
        }
        iter++;
        const ptrdiff_t n = S->active;
        const float *Ki = smo_row(S, i, n);
        if (S->speculate > 1 && S->slot_of[j] < 0) {
            /* The runners-up of j's selection. */
            smo_top T = {0};
            const double gi = S->g[i];
            for (ptrdiff_t k = 0; k < n; k++) {
                if (!(S->flags[k] & SMO_LOW) || k == j || S->slot_of[k] >= 0) continue;
                const double b = gi - S->g[k];
                if (!(b > 0)) continue;
                double a = S->QD[i] + S->QD[k] - 2.0 * (double)Ki[k];
                if (a <= 0) a = SMO_TAU;
                smo_top_offer(&T, S->speculate - 1, b * b / a, k);
            }
            ptrdiff_t pos[SVM_MAX_ROWS] = {j};
            for (int r = 0; r < T.n; r++) pos[r + 1] = T.pos[r];
            smo_fill_rows(S, pos, 1 + T.n, n);
        }
        const float *Kj = smo_row(S, j, n);
        double a = S->QD[i] + S->QD[j] - 2.0 * (double)Ki[j];
        if (a <= 0) a = SMO_TAU;
        double t = (S->g[i] - S->g[j]) / a;
        const double cap_i = S->y[i] > 0 ? S->C[i] - S->alpha[i] : S->alpha[i];
        const double cap_j = S->y[j] > 0 ? S->alpha[j] : S->C[j] - S->alpha[j];
        if (cap_i < t) t = cap_i;
        if (cap_j < t) t = cap_j;
        /* A variable that reaches its bound is set to it exactly. */
        if (t == cap_i) S->alpha[i] = S->y[i] > 0 ? S->C[i] : 0.0;
        else S->alpha[i] += S->y[i] * t;
        if (t == cap_j) S->alpha[j] = S->y[j] > 0 ? 0.0 : S->C[j];
        else S->alpha[j] -= S->y[j] * t;
        smo_update_g(n, S->g, t, Ki, Kj);
        S->work += 4 * n;   /* the selection's and the update's passes */
        const unsigned char fi = S->flags[i], fj = S->flags[j];
        smo_flags(S, i);
        smo_flags(S, j);
        if (S->shrinking) {
            if ((fi ^ S->flags[i]) & SMO_AT_C)
                smo_gbar_update(S, i, (S->flags[i] & SMO_AT_C) ? 1.0 : -1.0);
            if ((fj ^ S->flags[j]) & SMO_AT_C)
                smo_gbar_update(S, j, (S->flags[j] & SMO_AT_C) ? 1.0 : -1.0);
        }
    }
    /* Stopped early, the gradient of shrunk variables is stale: the offset
     * is then taken from the active set, and the caller resets it. */
    if (!S->stopped && !S->overflow) {
        smo_reconstruct(S);
        S->active = l;
    }
    *n_iter = iter;
    return timed_out;
}

/* The dual objective 1/2 a^T Q a - e^T a = 1/2 sum_k a_k (G_k - 1), where
 * G = Q a - e is its gradient, G_k = -y_k g_k. */
static double smo_objective(const smo_state *S)
{
    double v = 0;
    for (ptrdiff_t k = 0; k < S->l; k++) v += S->alpha[k] * (-S->y[k] * S->g[k] - 1.0);
    return v / 2;
}

/* ---- one-vs-one driver -------------------------------------------------- */

/* How many rows to compute per pass over the pair's data.  A pass costs
 * what it takes to stream the data: from L2 it is cheap and guessing rows
 * is not worth it; from L3, four rows per pass; from memory, eight (the
 * rows are measured to be used three times out of four).  The cache must
 * hold a batch besides the two rows in use. */
static int smo_rows_per_pass(const svm_data *D, ptrdiff_t l, ptrdiff_t n_slots)
{
    if (D->kernel.kind == SVM_PRECOMPUTED || n_slots < 2 * SVM_MAX_ROWS + 2) return 1;
    const double bytes = (double)l * D->row_bytes;
    if (bytes <= (1 << 20)) return 1;
    if (bytes <= (16 << 20)) return 4;
    return SVM_MAX_ROWS;
}

/*
 * Train the n_classes (n_classes - 1) / 2 binary problems (ci, cj), ci < cj,
 * in that order; class c's samples are order[start[c] .. start[c+1]).
 * In pair p, class ci is +1 and cj is -1, as libsvm.
 * IN  D (data, kernel), order, start, Cs (C per sample, > 0), eps,
 *     max_iter (-1: none), shrinking, cache_bytes
 * OUT coef: for pair p, y_s a_s of class ci's samples then class cj's, in
 *     the order of `order`, pairs one after the other ((n_classes - 1) n
 *     values in all, n = start[n_classes]); rho[p], obj[p], n_iter[p];
 *     QD[s] = K(x_s, x_s) for the samples s in `order`.
 * interrupted: NULL, or a hook asked every few milliseconds; 1 stops.
 * Returns 0, 1 if max_iter stopped a pair early, -1 if out of memory, -2 if
 * a kernel value is not finite as a float (outputs meaningless), -3 if
 * interrupted: the pairs solved so far are complete, the interrupted one
 * holds its feasible point at the stop (offset from its active set) and
 * the remaining ones coefficients 0 (coef must come in zeroed) and offset 0.
 */
static int svm_fit_ovo(const svm_data *D, ptrdiff_t n_classes, const ptrdiff_t *order,
                       const ptrdiff_t *start, const double *Cs, double eps,
                       long long max_iter, int shrinking, double cache_bytes,
                       int (*interrupted)(void), double *coef, double *rho,
                       double *obj, long long *n_iter, double *QD)
{
    const ptrdiff_t n = start[n_classes];
    ptrdiff_t l_max = 0;
    for (ptrdiff_t a = 0; a < n_classes; a++)
        for (ptrdiff_t b = a + 1; b < n_classes; b++) {
            const ptrdiff_t l = start[a + 1] - start[a] + start[b + 1] - start[b];
            if (l > l_max) l_max = l;
        }
    double cache_floats = cache_bytes / sizeof(float);
    if (cache_floats > (double)l_max * (double)l_max) cache_floats = (double)l_max * l_max;
    if (cache_floats < 2.0 * l_max) cache_floats = 2.0 * l_max;
    const ptrdiff_t pool = (ptrdiff_t)cache_floats;

    smo_state S;
    memset(&S, 0, sizeof S);
    S.data = D;
    S.eps = eps;
    S.shrinking = shrinking;
    S.interrupted = interrupted;
    const size_t L = (size_t)l_max;
    char *mem = malloc(L * (2 * sizeof(ptrdiff_t) + 2 + (7 + SVM_MAX_ROWS) * sizeof(double))
                       + (L + 1) * 5 * sizeof(ptrdiff_t));
    S.rows = malloc((size_t)pool * sizeof(float));
    if (mem == NULL || S.rows == NULL) {
        free(mem);
        free(S.rows);
        return -1;
    }
    char *at = mem;
#define SMO_CARVE(field, T, count) \
    do { S.field = (T *)at; at += (count) * sizeof(T); } while (0)
    SMO_CARVE(C, double, L);
    SMO_CARVE(alpha, double, L);
    SMO_CARVE(g, double, L);
    SMO_CARVE(gbar, double, L);
    SMO_CARVE(QD, double, L);
    SMO_CARVE(up_pen, double, L);
    SMO_CARVE(low_pen, double, L);
    SMO_CARVE(scratch, double, SVM_MAX_ROWS * L);
    SMO_CARVE(sample, ptrdiff_t, L);
    SMO_CARVE(origin, ptrdiff_t, L);
    SMO_CARVE(slot_len, ptrdiff_t, L + 1);
    SMO_CARVE(slot_owner, ptrdiff_t, L + 1);
    SMO_CARVE(slot_of, ptrdiff_t, L + 1);
    SMO_CARVE(prev, ptrdiff_t, L + 1);
    SMO_CARVE(next, ptrdiff_t, L + 1);
    SMO_CARVE(y, signed char, L);
    SMO_CARVE(flags, unsigned char, L);
#undef SMO_CARVE

    /* The diagonal, once for all pairs. */
    for (ptrdiff_t k = 0; k < n; k++) {
        const ptrdiff_t s = order[k];
        float k_ss, *out = &k_ss;
        S.overflow |= svm_data_rows(D, &s, 1, &s, 1, &out, S.scratch);
        QD[s] = k_ss;
    }

    int status = S.overflow ? -2 : 0;
    ptrdiff_t p = 0, offset = 0;
    for (ptrdiff_t a = 0; a < n_classes; a++)
        for (ptrdiff_t b = a + 1; b < n_classes; b++, p++) {
            const ptrdiff_t na = start[a + 1] - start[a];
            const ptrdiff_t l = na + start[b + 1] - start[b];
            if (status < 0) {
                /* After an interrupt (or an overflow) the remaining pairs
                 * keep coefficients 0 (the caller's zeros) and offset 0. */
                rho[p] = obj[p] = 0.0;
                n_iter[p] = 0;
                offset += l;
                continue;
            }
            S.l = l;
            for (ptrdiff_t k = 0; k < l; k++) {
                const ptrdiff_t s = k < na ? order[start[a] + k]
                                           : order[start[b] + k - na];
                S.sample[k] = s;
                S.origin[k] = k;
                S.y[k] = k < na ? 1 : -1;
                S.C[k] = Cs[s];
                S.QD[k] = QD[s];
            }
            ptrdiff_t n_slots = pool / l;
            if (n_slots > l) n_slots = l;
            cache_reset(&S, n_slots);
            S.speculate = smo_rows_per_pass(D, l, n_slots);
            status |= smo_solve(&S, max_iter, &n_iter[p]);
            if (S.overflow) status = -2;
            if (S.stopped) status = -3;
            rho[p] = smo_rho(&S);
            S.active = l;
            obj[p] = smo_objective(&S);
            for (ptrdiff_t k = 0; k < l; k++)
                coef[offset + S.origin[k]] = S.y[k] * S.alpha[k];
            offset += l;
        }
    free(S.rows);
    free(mem);
    return status;
}

#endif /* FNN_SMO_SOLVER_H */
