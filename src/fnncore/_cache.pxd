# Declarations of _cache.h: the CPU's cache sizes, read at run time.
cdef extern from "_cache.h" nogil:
    long fnn_l2_cache_bytes()
