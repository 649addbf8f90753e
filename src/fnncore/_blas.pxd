# Row-major matrix product through scipy's BLAS, for either dtype.
#
# BLAS is column-major.  A row-major matrix is the column-major storage of its
# transpose, so C = op(A) op(B) in row-major is computed as
# C^T = op(B)^T op(A)^T in column-major: swap the operands and the sizes.
from cython cimport floating
from scipy.linalg.cython_blas cimport sgemm, dgemm


cdef inline void gemm(
    bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
    const floating *A, int lda, const floating *B, int ldb, floating beta,
    floating *C, int ldc,
) noexcept nogil:
    """C (m x n) = alpha op(A) op(B) + beta C, all row-major; op(A) is m x k."""
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float *> B, &ldb, <float *> A, &lda,
              &beta, C, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double *> B, &ldb, <double *> A, &lda,
              &beta, C, &ldc)
