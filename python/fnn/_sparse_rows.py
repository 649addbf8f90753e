"""Sparse rows the compiled loops of SVC and Perceptron can trust.

check_array(accept_sparse=True) gives a CSR matrix of float values whose
column indices lie inside the matrix.  The loops also read row i's entries
at positions indptr[i] .. indptr[i + 1] of the data and index arrays, so
those must not decrease and the two arrays must be equally long (a matrix
whose arrays were reassigned after it was made can break both); SVC's
kernels also want sorted, duplicate-free rows; both want int32 indices.
"""
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from ._validation import check_array, is_sparse


def csr_rows(X: Any, *, name: str = "X", dtype: DTypeLike | None = None,
             canonical: bool = False, allow_empty: bool = False) -> Any:
    """X, dense or sparse, as check_array returns it; a sparse X also as
    the compiled loops read it (see the module docstring), converted on a
    copy when it is the caller's matrix and not canonical but must be.

    Raises ValueError for a sparse matrix whose index arrays are
    inconsistent, or whose indices do not fit in int32 (more than 2**31 - 1
    nonzeros or columns; scikit-learn's SVC and SGD refuse those too).
    """
    original = X
    X = check_array(X, name=name, dtype=dtype, accept_sparse=True,
                    allow_empty=allow_empty)
    if not is_sparse(X):
        return X
    if X.indices.dtype != np.int32:
        raise ValueError(f"{name} has {X.nnz} nonzeros and {X.shape[1]} columns: only "
                         "sparse matrices with 32-bit integer indices are accepted.")
    if (X.indices.shape != X.data.shape or X.indptr.shape != (X.shape[0] + 1,)
            or (np.diff(X.indptr) < 0).any()):
        raise ValueError(f"{name} is not a valid CSR matrix: its row pointers decrease "
                         "or its index and value arrays differ in length.")
    if canonical and not X.has_canonical_format:
        if X is original:
            X = X.copy()
        X.sum_duplicates()
    return X
