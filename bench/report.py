"""Run the benchmarks once and print one table of throughputs and ratios.

    python bench/report.py [benchmark files] [pytest args...]

Every row of a table comes from the same pytest-benchmark run on the same
machine; ratios are fnn's examples/s over each other library's (median of
the rounds).  Every table starts with the machine (bench/machine.py: CPU,
the copy of fnn's vector kernels that ran, the BLAS libraries and their
kernels) and, where the module has one, its "bound" row: the same matrix
products alone through NumPy's BLAS (on one thread or all, the faster) in
the same run, with each fnn row's share of that rate (fnn's examples/s
over the bound's).
"""
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from machine import describe  # noqa: E402


def same_parameters(name, other):
    """Whether two benchmark names have the same parametrisation ("[64]"),
    or either has none."""
    def params(n):
        return n[n.index("["):] if "[" in n else None
    return params(name) is None or params(other) is None or params(name) == params(other)


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        # Benchmark files named in argv run alone; otherwise all of bench/.
        named = [arg for arg in argv if arg.endswith(".py") or "::" in arg]
        cmd = [sys.executable, "-m", "pytest", *([] if named else [HERE]), "-q",
               "-p", "no:cacheprovider", f"--benchmark-json={out}", *argv]
        code = subprocess.call(cmd)
        if not os.path.exists(out):
            return code or 1
        with open(out) as f:
            results = json.load(f)["benchmarks"]

    groups = defaultdict(dict)
    for bench in results:
        module = bench["fullname"].split("::")[0].rsplit("/", 1)[-1][:-3]
        groups[module][bench["name"].removeprefix("test_")] = bench["extra_info"]
    machine_lines = describe()
    for module, rows in groups.items():
        print(f"\n## {module}")
        print("\n".join(machine_lines))
        bounds = {k: v for k, v in rows.items() if v.get("bound")}
        for name, info in bounds.items():
            label = f"{name} (NumPy BLAS, {info['blas_threads']} thread(s))"
            print(f"{label:<44}{info['examples_per_s']:>14,.0f} examples/s; fnn's share: "
                  + ", ".join(
                      f"{fnn_name} {fnn_info['examples_per_s'] / info['examples_per_s']:.0%}"
                      for fnn_name, fnn_info in rows.items()
                      if fnn_name.startswith("fnn") and "examples_per_s" in fnn_info
                      and same_parameters(fnn_name, name)))
        rows = {k: v for k, v in rows.items() if k not in bounds}
        rated = {k: v for k, v in rows.items() if "examples_per_s" in v}
        fnn_rows = {k: v for k, v in rated.items() if k.startswith("fnn")}
        # A module without other contenders (thread counts, Dask workers)
        # compares its rows with its first.
        has_contenders = 0 < len(fnn_rows) < len(rated)
        if rated:
            first = next(iter(rated.values()))
            header = "fnn is x faster" if has_contenders else "x of first row"
            print(f"{'contender':<28}{'examples/s':>14}{header:>18}{'accuracy':>10}")
        for name, info in rated.items():
            rate = info["examples_per_s"]
            if not has_contenders:
                ratios = f"{rate / first['examples_per_s']:.2f}"
            elif name in fnn_rows:
                ratios = ""
            else:
                ratios = ", ".join(f"{fnn_info['examples_per_s'] / rate:.1f}"
                                   for fnn_info in fnn_rows.values())
            accuracy = f"{info['accuracy']:.4f}" if "accuracy" in info else ""
            print(f"{name:<28}{rate:>14,.0f}{ratios:>18}{accuracy:>10}")
        # Benchmarks that measure something other than a throughput (the
        # speedup of alternating Dask fits, accuracies): their numbers.
        for name, info in rows.items():
            if name in rated:
                continue
            numbers = ", ".join(f"{key} {value:.4g}" for key, value in info.items()
                                if isinstance(value, (int, float))
                                and not isinstance(value, bool))
            print(f"{name}: {numbers}")
        print()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
