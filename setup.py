"""Build the compiled core `fnncore`.  Metadata lives in pyproject.toml.

Flags:
- -O3: GCC vectorises the inner loops only at -O3 (or with -ftree-vectorize).
- -fopenmp-simd: honour `#pragma omp simd` (reductions may be reassociated in
  those loops only) without linking an OpenMP runtime.
- -fno-math-errno: lets sqrt compile to one instruction (Adam's update);
  it changes no result, only that errno is not set.
- -pthread: the per-example loop runs its threads with pthreads.
- -g0: no debug information (Python's own flags ask for -g): a fifth less
  compile time, smaller modules, and the same module whatever directory it
  is built in, so the wheel built from the sdist equals the one built from
  the checkout.
- GCC only, -fno-gcse -fno-gcse-after-reload: GCC's two RTL global CSE
  passes took two thirds of the time of _sgd's kernels (every dense kernel
  is compiled for 4 optimiser rules, with and without L2, 2 dtypes and 3
  instruction sets), for no speed measured by the benchmarks.  They only
  remove repeated computations, so no result changes.
Never -ffast-math, never -march=native by default: _simd.h dispatches to
AVX-512 / AVX2 at run time.  FNN_NATIVE=1 opts into -march=native for a
local build (one copy of the kernels: for development); FNN_BUILD_JOBS=N
sets the parallel build jobs (default: the CPUs this process may use);
FNN_DEBUG=1 builds with Cython's bounds checks and -O0 -g.
FNN_SANITIZE=1 builds with AddressSanitizer and UBSan (-O1 -g, frame
pointers kept) for .ci/sanitize; load it with the ASan runtime preloaded.
"""
import glob
import hashlib
import os
import subprocess
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Every .pyx in src/fnncore is one extension module fnncore.<name>.  The
# build runs them longest first (the slowest last would leave the other
# cores idle at the end): _sgd compiles the dense kernels of _simd.h for
# three instruction sets.
SLOWEST_FIRST = ["_sgd", "_smo", "_minibatch"]
MODULES = sorted(os.path.basename(p)[:-4] for p in glob.glob("src/fnncore/*.pyx"))
MODULES = ([name for name in SLOWEST_FIRST if name in MODULES]
           + [name for name in MODULES if name not in SLOWEST_FIRST])
# Cython's utility code (memoryviews, fused-type dispatch...) goes once into
# this module instead of into every module: it was about half of each
# generated C file and of its compile time.
SHARED_UTILITY = "fnncore._cyutility"
# A change to a header or .pxd rebuilds every module (distutils otherwise
# only compares the .c file with the .so).
HEADERS = sorted(glob.glob("src/fnncore/*.h") + glob.glob("src/fnncore/*.pxd"))


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
    args = ["-O3", "-g0", "-fno-math-errno", *common]
    if os.environ.get("FNN_NATIVE"):
        # A build for this CPU only needs no run-time dispatch: one copy of
        # each kernel instead of three (for development).
        args += ["-march=native", "-DFNN_NO_TARGET_CLONES"]
    return args


def gcc_args(compiler):
    """The release flags only GCC knows (clang warns about each), if the C
    compiler is GCC: its `--version` names the Free Software Foundation
    (clang's does not, even when called `gcc`, as on macOS)."""
    if sys.platform == "win32" or os.environ.get("FNN_SANITIZE") or os.environ.get("FNN_DEBUG"):
        return []
    try:
        version = subprocess.run([*compiler.compiler_so[:1], "--version"],
                                 capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    if "Free Software Foundation" not in version:
        return []
    return ["-fno-gcse", "-fno-gcse-after-reload"]


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


def build_jobs():
    """Parallel jobs for Cython's translation and the C compilation: one per
    core this process may run on (FNN_BUILD_JOBS overrides)."""
    if os.environ.get("FNN_BUILD_JOBS"):
        return max(1, int(os.environ["FNN_BUILD_JOBS"]))
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class ParallelBuildExt(build_ext):
    """Compile the extension modules in parallel (setuptools runs them one
    after another unless `parallel` is set; pip gives no way to pass -j)."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = build_jobs()

    def build_extensions(self):
        extra = gcc_args(self.compiler)
        for ext in self.extensions:
            ext.extra_compile_args = [*ext.extra_compile_args, *extra]
            if extra and ext.name == "fnncore._perceptron":  # extra: GCC, release
                # The perceptron rounds as scikit-learn's loop does: no fused
                # multiply-add in the module's own code either (its header's
                # pragma covers its kernels; clang gets the standard pragma).
                ext.extra_compile_args.append("-ffp-contract=off")
        super().build_extensions()


def extension(name, source, depends=()):
    return Extension(
        name,
        [source],
        include_dirs=["src/fnncore"],
        depends=list(depends),
        extra_compile_args=compile_args(),
        extra_link_args=link_args(),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
    )


def cythonize_keeping_unchanged(extensions, **options):
    """cythonize, then give each generated C file that came out the same as
    before its old modification time back, so that the C compiler does not
    run again for it.  pip builds in a fresh environment each time, whose
    cimported .pxd files (SciPy's BLAS) are newer than any C file, so Cython
    translates every module again; `pip install ".[test]"` after
    `pip install .` then compiled everything twice.  A C file records the
    compile flags in its header, so a build with other flags still
    recompiles."""
    def digest(path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).digest()

    before = {path: (digest(path), os.stat(path).st_mtime_ns)
              for path in glob.glob("src/fnncore/*.c")}
    modules = cythonize(extensions, **options)
    for path, (old, mtime) in before.items():
        if os.path.exists(path) and digest(path) == old:
            os.utime(path, ns=(mtime, mtime))
    return modules


extensions = [extension(f"fnncore.{name}", f"src/fnncore/{name}.pyx", HEADERS)
              for name in MODULES]
extensions.insert(1, extension(SHARED_UTILITY, "src/fnncore/_cyutility.c"))

setup(
    ext_modules=cythonize_keeping_unchanged(
        extensions,
        compiler_directives={"language_level": 3, **directives()},
        nthreads=build_jobs(),
        shared_utility_qualified_name=SHARED_UTILITY,
    ),
    cmdclass={"build_ext": ParallelBuildExt},
)
