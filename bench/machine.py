"""What a benchmark table was measured on: the CPU, the instruction-set copy
of fnn's vector kernels, and the BLAS libraries NumPy and SciPy loaded (fnn
calls SciPy's), printed atop every table by bench/report.py."""
import os
import platform


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def simd_path():
    """The copy of fnncore's vector kernels that runs (its run-time dispatch,
    or the only copy of a build without it)."""
    from fnncore import _minibatch

    return _minibatch.simd_path()


def blas_libraries():
    """One line per BLAS library loaded by NumPy and SciPy: name, version,
    kernel (threadpoolctl's `architecture`), threads."""
    import numpy  # noqa: F401  (loads NumPy's BLAS)
    import scipy.linalg  # noqa: F401  (loads SciPy's, the one fnn calls)
    from threadpoolctl import threadpool_info

    lines = []
    for lib in threadpool_info():
        if lib.get("user_api") != "blas":
            continue
        owner = ("SciPy (fnn)" if "scipy.libs" in lib["filepath"]
                 else "NumPy" if "numpy" in lib["filepath"] else lib["filepath"])
        lines.append(f"{owner}: {lib['internal_api']} {lib.get('version')}, "
                     f"kernel {lib.get('architecture')}, {lib['num_threads']} threads")
    return lines


def describe():
    """The lines that head every table."""
    return [f"CPU: {cpu_model()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}",
            f"fnn kernels: {simd_path()}",
            *(f"BLAS {line}" for line in blas_libraries()),
            f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"]
