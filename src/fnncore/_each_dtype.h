/*
 * Instantiates a dtype-generic body for both dtypes: includes the file
 * named by FNN_EACH_DTYPE (a string) once with FNN_T = float and
 * FNN_S(name) = name##_s, then once with FNN_T = double and
 * FNN_S(name) = name##_d; FNN_T_FLOAT is 1 or 0 beside them, for the
 * preprocessor.  Every header of fnncore with a body written once for both
 * dtypes (_simd_impl.h, _svm_kernels_impl.h, _svm_sparse_impl.h,
 * _perceptron.h) is instantiated through this file, so the per-dtype block
 * is written once.  No include guard: it is meant to be included many
 * times; the includer defines and undefines FNN_EACH_DTYPE.
 */
#define FNN_T float
#define FNN_S(name) name##_s
#define FNN_T_FLOAT 1
#include FNN_EACH_DTYPE
#undef FNN_T
#undef FNN_S
#undef FNN_T_FLOAT

#define FNN_T double
#define FNN_S(name) name##_d
#define FNN_T_FLOAT 0
#include FNN_EACH_DTYPE
#undef FNN_T
#undef FNN_S
#undef FNN_T_FLOAT
