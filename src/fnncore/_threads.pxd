# Declarations of _threads.h: worker threads and a barrier.
cdef extern from "_threads.h" nogil:
    ctypedef struct fnn_barrier:
        pass
    ctypedef void (*fnn_worker)(void *ctx, int tid, int n_threads) noexcept nogil
    void fnn_barrier_wait(fnn_barrier *b)
    long fnn_next_task(long *counter)
    int fnn_run_parallel(int n_wanted, fnn_worker fn, void *ctx, fnn_barrier *barrier)
