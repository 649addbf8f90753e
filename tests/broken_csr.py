"""CSR matrices whose arrays were reassigned after they were made, so that
they no longer describe a matrix: what sparse input checks must refuse
before a compiled loop reads them."""
import numpy as np


def broken_copies(X):
    """Copies of CSR X with row pointers past the values, and with fewer
    column indices than values."""
    copies = []
    for name, value in (("indptr", np.r_[0, 10**6, X.indptr[2:]].astype(np.int32)),
                        ("indices", X.indices[:-3])):
        bad = X.copy()
        setattr(bad, name, value)
        copies.append(bad)
    return copies
