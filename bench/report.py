"""Run the benchmarks once and print one table of throughputs and ratios.

    python bench/report.py [pytest args...]

Every row of a table comes from the same pytest-benchmark run on the same
machine; ratios are fnn's examples/s over each other library's (median of
the rounds).  The machine is printed with the table.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def machine():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        cmd = [sys.executable, "-m", "pytest", HERE, "-q", "-p", "no:cacheprovider",
               f"--benchmark-json={out}", *argv]
        code = subprocess.call(cmd)
        if not os.path.exists(out):
            return code or 1
        with open(out) as f:
            results = json.load(f)["benchmarks"]

    groups = defaultdict(dict)
    for bench in results:
        module = bench["fullname"].split("::")[0].rsplit("/", 1)[-1][:-3]
        groups[module][bench["name"].removeprefix("test_")] = bench["extra_info"]
    print(f"\nMachine: {machine()}\n")
    for module, rows in groups.items():
        print(f"## {module}")
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
