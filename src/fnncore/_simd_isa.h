/*
 * Compiles a kernel body once per instruction set and dtype: includes the
 * file named by FNN_EACH_DTYPE (a string) through _each_dtype.h, with
 * FNN_KERNELS defined, once for each instruction set _simd.h dispatches
 * between.  When dispatching (FNN_DISPATCH) that is x86-64-v4, then
 * x86-64-v3, each in a `#pragma GCC target` region, with FNN_ISA the suffix
 * of the names (v4, v3), then the build's baseline (base); otherwise only
 * the build's own target.  The body names its kernels FNN_KNAME(name) and
 * marks them FNN_KERNEL, and the inline functions they call FNN_INLINE, so that each copy
 * compiles its own.  _simd.h instantiates its kernels (_simd_impl.h) and
 * _sparse.h its CSR kernels through this file; each then maps the public
 * names to the copies with FNN_DISPATCHED.  No include guard: it is meant
 * to be included once per body; the includer defines and undefines
 * FNN_EACH_DTYPE.
 */
#define FNN_KERNELS

#if FNN_DISPATCH
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")
#define FNN_ISA v4
#include "_each_dtype.h"
#undef FNN_ISA
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")
#define FNN_ISA v3
#include "_each_dtype.h"
#undef FNN_ISA
#pragma GCC pop_options
#endif /* FNN_DISPATCH */

/* The build's own target: the baseline copy when dispatching, the only one
 * otherwise. */
#define FNN_ISA base
#include "_each_dtype.h"
#undef FNN_ISA

#undef FNN_KERNELS
