# Declarations of _threads.h (worker threads and a barrier), and the one way
# the kernels start their workers.
#
# A kernel writes its worker once, fused over the dtype,
#     cdef void worker(void *ctx, int t, int n_threads, floating dtype_tag)
# and runs it with run_parallel(n, worker[float], worker[double], ctx,
# barrier, <floating> 0): run_parallel hands fnn_run_parallel (which takes
# one C signature for every kernel) the trampoline of the caller's dtype.
from cython cimport floating

cdef extern from "_threads.h" nogil:
    ctypedef struct fnn_barrier:
        pass
    ctypedef void (*fnn_worker)(void *ctx, int tid, int n_threads) noexcept nogil
    void fnn_barrier_wait(fnn_barrier *b)
    long fnn_next_task(long *counter)
    int fnn_run_parallel(int n_wanted, fnn_worker fn, void *ctx, fnn_barrier *barrier)


ctypedef void (*worker_float)(void *ctx, int t, int n_threads, float dtype_tag) noexcept nogil
ctypedef void (*worker_double)(void *ctx, int t, int n_threads, double dtype_tag) noexcept nogil


ctypedef struct TypedJob:
    void *ctx
    worker_float run_float
    worker_double run_double


cdef inline void job_float(void *job, int t, int n_threads) noexcept nogil:
    (<TypedJob *> job).run_float((<TypedJob *> job).ctx, t, n_threads, 0)


cdef inline void job_double(void *job, int t, int n_threads) noexcept nogil:
    (<TypedJob *> job).run_double((<TypedJob *> job).ctx, t, n_threads, 0)


cdef inline int run_parallel(int n_wanted, worker_float run_float, worker_double run_double,
                             void *ctx, fnn_barrier *barrier,
                             floating dtype_tag) noexcept nogil:
    """fnn_run_parallel of the worker of dtype_tag's type (run_float or
    run_double) on ctx; returns the number of threads that ran."""
    cdef TypedJob job
    job.ctx = ctx
    job.run_float = run_float
    job.run_double = run_double
    if floating is float:
        return fnn_run_parallel(n_wanted, job_float, &job, barrier)
    else:
        return fnn_run_parallel(n_wanted, job_double, &job, barrier)
