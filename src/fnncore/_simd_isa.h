/*
 * One copy of _simd.h's kernels, for both dtypes, for one instruction set:
 * FNN_ISA is the suffix of its names (v4, v3, base), FNN_ISA_TARGET, if
 * defined, the `#pragma GCC target` string it is compiled for (else the
 * build's own target).  Only _simd.h includes this file, once per
 * instruction set, and it undefines both macros for the next copy.
 */
#ifdef FNN_ISA_TARGET
#pragma GCC push_options
FNN_PRAGMA_TARGET(FNN_ISA_TARGET)
#endif

#define FNN_EACH_DTYPE "_simd_impl.h"
#include "_each_dtype.h"
#undef FNN_EACH_DTYPE

#ifdef FNN_ISA_TARGET
#pragma GCC pop_options
#undef FNN_ISA_TARGET
#endif
#undef FNN_ISA
