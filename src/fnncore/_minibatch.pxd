# Mini-batch gradient descent (_minibatch.pyx): the epoch kernel _epoch.pyx's
# train_epoch runs for batches of more than one example (and for batches of
# one when asked with per_example=False).
from fnncore._training cimport Training

cdef tuple minibatch_epoch(const Training *given, Py_ssize_t batch_size, int n_threads)
