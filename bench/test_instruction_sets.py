"""What each instruction-set copy of the dense kernels pays.

fnncore compiles the kernels of _simd.h once per x86-64 level -- x86-64-v4
(AVX-512), x86-64-v3 (AVX2 and FMA) and the baseline (SSE2) -- and runs the
best the CPU has; FNN_SIMD caps the level when the module loads.  Each
benchmark times a training run in a child process started with FNN_SIMD
set, so every level is timed in the same pytest run, and records in
`x_of_baseline` its throughput over the baseline copy's on the same work
(bench/report.py's "x of first row" compares with the module's first row
only).

Workloads, each dominated by different kernels:
- per_example_sgd: 784-128-10 float32, plain SGD, one example at a time
  (dense_step_forward_one's register path, dense_backward_step_one);
- per_example_adam: 784-100-10 float64, Adam with L2 (the sums of squares);
- minibatch_adam: 784-100-10 float32, batches of 200 (step_slice and
  sumsq beside the BLAS products);
- two_threads: per_example_sgd on two threads (merge_changes).
"""
import os
import subprocess
import sys

import pytest

from conftest import record_throughput

LEVELS = ["x86-64", "x86-64-v3", "x86-64-v4"]
# Linux's names of the CPU features each level needs beyond the previous.
FEATURES = {
    "x86-64": set(),
    "x86-64-v3": {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe"},
    "x86-64-v4": {"avx2", "fma", "avx512f", "avx512bw", "avx512cd", "avx512dq",
                  "avx512vl"},
}
WORKLOADS = {
    # name: (examples per round, MLPClassifier arguments, dtype)
    "per_example_sgd": (10000, dict(hidden_layer_sizes=(128,), activation="logistic",
                                    solver="sgd", momentum=0.0, alpha=0.0, batch_size=1,
                                    learning_rate_init=0.01), "float32"),
    "per_example_adam": (3000, dict(hidden_layer_sizes=(100,), solver="adam",
                                    alpha=1e-4, batch_size=1), "float64"),
    "minibatch_adam": (60000, dict(hidden_layer_sizes=(100,), solver="adam",
                                   alpha=1e-4, batch_size=200), "float32"),
    "two_threads": (10000, dict(hidden_layer_sizes=(128,), activation="logistic",
                                solver="sgd", momentum=0.0, alpha=1e-4, batch_size=1,
                                learning_rate_init=0.01, n_jobs=2), "float32"),
}

# The child: loads the data, then fits the workload named on each line of
# its standard input, answering "done" on its standard output.
CHILD = r"""
import sys, warnings
import numpy as np
import fnn
from fnn.data import load_fashion_mnist

warnings.simplefilter("ignore")
workloads = eval(sys.argv[1])
X, y = load_fashion_mnist()[:2]
models = {}
for name, (n, kwargs, dtype) in workloads.items():
    model = fnn.MLPClassifier(max_iter=1, shuffle=False, random_state=0, **kwargs)
    models[name] = (model, X[:n].astype(dtype), y[:n])
print("ready", flush=True)
for line in sys.stdin:
    model, Xw, yw = models[line.strip()]
    model.fit(Xw, yw)
    print("done", flush=True)
"""


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


class Child:
    def __init__(self, level):
        env = dict(os.environ, FNN_SIMD=level)
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, repr(WORKLOADS)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the benchmark's child did not start")

    def fit(self, workload):
        self.proc.stdin.write(workload + "\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != "done":
            raise RuntimeError("the benchmark's child stopped")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def children(fashion_mnist):
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        pytest.skip("the instruction-set copies exist on x86-64 only")
    started = {}
    yield started
    for child in started.values():
        child.close()


BASELINE = {}  # workload -> examples/s of the baseline copy in this run


@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("level", LEVELS)
def test_fnn(benchmark, children, workload, level):
    flags = cpu_flags()
    if flags is not None and not FEATURES[level] <= flags:
        pytest.skip(f"this CPU cannot run {level}")
    if level not in children:
        children[level] = Child(level)
    child = children[level]
    benchmark.pedantic(child.fit, args=(workload,), rounds=5, warmup_rounds=1)
    record_throughput(benchmark, WORKLOADS[workload][0])
    rate = benchmark.extra_info["examples_per_s"]
    benchmark.extra_info["level"] = level
    if level == "x86-64":
        BASELINE[workload] = rate
    elif workload in BASELINE:
        benchmark.extra_info["x_of_baseline"] = rate / BASELINE[workload]
