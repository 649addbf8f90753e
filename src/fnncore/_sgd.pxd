# Per-example SGD (_sgd.pyx): the epoch kernel _epoch.pyx's train_epoch runs
# for batches of one example.
from fnncore._training cimport Training

cdef enum:
    # Examples each thread trains between two merges when several threads
    # run local SGD (see _sgd.pyx's Design notes).  A merge reads and writes
    # T + 1 parameter copies, a few examples' worth of memory traffic, plus
    # two barriers; long rounds lose accuracy.  Measured on 2 cores,
    # 784-128-10 per-example SGD: 2 threads ran 1.59x one thread's
    # examples/s with 16, 1.69x with 32, 1.78x with 64 and 128; but 64
    # already made a small two-output regression with Nesterov momentum
    # unstable (R^2 0.92 against one thread's 0.996), where 32 and less
    # matched.
    EXAMPLES_PER_MERGE = 32

cdef tuple per_example_epoch(const Training *given, int n_threads,
                             Py_ssize_t examples_per_merge)
