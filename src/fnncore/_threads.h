/*
 * Worker threads and a barrier for the training loops.
 *
 * Design:
 * - fnn_run_parallel(n, fn, ctx) runs fn(ctx, tid) on n threads (the caller's
 *   thread is tid 0) and returns when all have finished.  Plain pthreads: no
 *   OpenMP runtime to clash with the ones NumPy's BLAS, PyTorch or
 *   scikit-learn load.  Threads are created once per epoch, not per example.
 * - fnn_barrier_wait spins briefly (an example takes microseconds, so the
 *   other thread is usually about to arrive) and then sleeps on a condition
 *   variable, so a thread whose partner was descheduled gives its core back.
 * - Without pthreads (e.g. Windows) everything runs on one thread.
 */
#ifndef FNN_THREADS_H
#define FNN_THREADS_H

#include <stdlib.h>

#if defined(__unix__) || defined(__APPLE__)
#define FNN_HAVE_PTHREADS 1
#include <pthread.h>
#include <sched.h>
#else
#define FNN_HAVE_PTHREADS 0
#endif

typedef struct {
    int n;        /* parties */
    int count;    /* arrived in this phase */
    int phase;    /* incremented when all have arrived */
#if FNN_HAVE_PTHREADS
    int sleepers; /* threads blocked on `wake` (under `lock`) */
    pthread_mutex_t lock;
    pthread_cond_t wake;
#endif
} fnn_barrier;

static inline void fnn_barrier_init(fnn_barrier *b, int n)
{
    b->n = n;
    b->count = 0;
    b->phase = 0;
#if FNN_HAVE_PTHREADS
    b->sleepers = 0;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->wake, NULL);
#endif
}

static inline void fnn_barrier_destroy(fnn_barrier *b)
{
#if FNN_HAVE_PTHREADS
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->wake);
#else
    (void)b;
#endif
}

static inline void fnn_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spin this many times (a few microseconds, about one example's work) before
 * sleeping.  Sleeping matters on a busy machine: a thread whose partner was
 * descheduled must give the core back rather than spin through its time
 * slice, which made two threads several times slower than one. */
#define FNN_SPINS 2000

/* Wait until all b->n threads have called this.  Memory written before the
 * barrier by any thread is visible after it to all (acquire/release). */
static inline void fnn_barrier_wait(fnn_barrier *b)
{
    if (b->n <= 1) return;
    const int phase = __atomic_load_n(&b->phase, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == b->n) {
        __atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
#if FNN_HAVE_PTHREADS
        pthread_mutex_lock(&b->lock);
        __atomic_store_n(&b->phase, phase + 1, __ATOMIC_RELEASE);
        if (b->sleepers > 0) pthread_cond_broadcast(&b->wake);
        pthread_mutex_unlock(&b->lock);
#else
        __atomic_store_n(&b->phase, phase + 1, __ATOMIC_RELEASE);
#endif
        return;
    }
    for (int spin = 0; spin < FNN_SPINS; spin++) {
        if (__atomic_load_n(&b->phase, __ATOMIC_ACQUIRE) != phase) return;
        fnn_cpu_relax();
    }
#if FNN_HAVE_PTHREADS
    pthread_mutex_lock(&b->lock);
    b->sleepers++;
    while (__atomic_load_n(&b->phase, __ATOMIC_ACQUIRE) == phase)
        pthread_cond_wait(&b->wake, &b->lock);
    b->sleepers--;
    pthread_mutex_unlock(&b->lock);
#else
    while (__atomic_load_n(&b->phase, __ATOMIC_ACQUIRE) == phase) fnn_cpu_relax();
#endif
}

typedef void (*fnn_worker)(void *ctx, int tid, int n_threads);

/* The next task of a shared queue (0, 1, 2, ...: *counter's value before
 * the increment).  Threads that take fixed tasks from it, instead of a fixed
 * share of them each, finish together when one of them is slowed down (a
 * busy machine deschedules threads for milliseconds); results do not depend
 * on which thread ran a task. */
static inline long fnn_next_task(long *counter)
{
    return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

#if FNN_HAVE_PTHREADS
typedef struct {
    fnn_worker fn;
    void *ctx;
    int tid;
    int *gate;  /* -1 until the number of threads is known */
} fnn_thread_arg;

static void *fnn_thread_main(void *p)
{
    fnn_thread_arg *arg = (fnn_thread_arg *)p;
    int n;
    while ((n = __atomic_load_n(arg->gate, __ATOMIC_ACQUIRE)) < 0) sched_yield();
    if (arg->tid < n) arg->fn(arg->ctx, arg->tid, n);
    return NULL;
}
#endif

/* Run fn(ctx, tid, n) for tid = 0..n-1 on n threads and wait for all;
 * `barrier` is initialised for the n threads before any starts.  Returns
 * n, which is smaller than asked (down to 1) if threads could not be
 * created: all threads are created first, behind a gate, so every worker
 * learns the final count. */
static inline int fnn_run_parallel(int n_wanted, fnn_worker fn, void *ctx,
                                   fnn_barrier *barrier)
{
    int n = 1;
#if FNN_HAVE_PTHREADS
    pthread_t *threads = NULL;
    fnn_thread_arg *args = NULL;
    int gate = -1;
    if (n_wanted > 1) {
        threads = (pthread_t *)malloc((size_t)n_wanted * sizeof(pthread_t));
        args = (fnn_thread_arg *)malloc((size_t)n_wanted * sizeof(fnn_thread_arg));
    }
    if (threads != NULL && args != NULL) {
        for (int t = 1; t < n_wanted; t++) {
            args[t].fn = fn;
            args[t].ctx = ctx;
            args[t].tid = t;
            args[t].gate = &gate;
            if (pthread_create(&threads[t], NULL, fnn_thread_main, &args[t]) != 0) break;
            n++;
        }
    }
    fnn_barrier_init(barrier, n);
    __atomic_store_n(&gate, n, __ATOMIC_RELEASE);
    fn(ctx, 0, n);
    for (int t = 1; t < n; t++) pthread_join(threads[t], NULL);
    fnn_barrier_destroy(barrier);
    free(threads);
    free(args);
#else
    (void)n_wanted;
    fnn_barrier_init(barrier, 1);
    fn(ctx, 0, 1);
#endif
    return n;
}

#endif /* FNN_THREADS_H */
