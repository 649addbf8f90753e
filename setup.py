"""Build the compiled core `fnncore`.  Metadata lives in pyproject.toml.

Flags:
- -O3: GCC vectorises the inner loops only at -O3 (or with -ftree-vectorize).
- -fopenmp-simd: honour `#pragma omp simd` (reductions may be reassociated in
  those loops only) without linking an OpenMP runtime.
- -fno-math-errno: lets sqrt compile to one instruction (Adam's update);
  it changes no result, only that errno is not set.
- -pthread: the per-example loop runs its threads with pthreads.
Never -ffast-math, never -march=native by default: _simd.h dispatches to
AVX-512 / AVX2 at run time.  FNN_NATIVE=1 opts into -march=native for a
local build; FNN_DEBUG=1 builds with Cython's bounds checks and -O0 -g.
FNN_SANITIZE=1 builds with AddressSanitizer and UBSan (-O1 -g, frame
pointers kept) for .ci/sanitize; load it with the ASan runtime preloaded.
"""
import glob
import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

# Every .pyx in src/fnncore is one extension module fnncore.<name>.
MODULES = sorted(os.path.basename(p)[:-4] for p in glob.glob("src/fnncore/*.pyx"))


SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]


def compile_args():
    if sys.platform == "win32":
        return ["/O2", "/openmp:experimental"]
    # -Wno-psabi: GCC notes that 64-byte vector arguments changed ABI; ours
    # never cross a function boundary (always inlined).
    common = ["-fopenmp-simd", "-pthread", "-Wno-psabi"]
    if os.environ.get("FNN_SANITIZE"):
        return ["-O1", "-g", *SANITIZE_FLAGS, *common]
    if os.environ.get("FNN_DEBUG"):
        return ["-O0", "-g", *common]
    args = ["-O3", "-fno-math-errno", *common]
    if os.environ.get("FNN_NATIVE"):
        args.append("-march=native")
    return args


def link_args():
    if sys.platform == "win32":
        return []
    if os.environ.get("FNN_SANITIZE"):
        return ["-pthread", *SANITIZE_FLAGS]
    return ["-pthread"]


def directives():
    if os.environ.get("FNN_DEBUG"):
        return {"boundscheck": True, "wraparound": True, "initializedcheck": True}
    return {}


extensions = [
    Extension(
        f"fnncore.{name}",
        [f"src/fnncore/{name}.pyx"],
        include_dirs=["src/fnncore"],
        extra_compile_args=compile_args(),
        extra_link_args=link_args(),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
    )
    for name in MODULES
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={"language_level": 3, **directives()},
    ),
)
