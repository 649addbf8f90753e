"""
Speed against scikit-learn and PyTorch
======================================

How much faster fnn trains and predicts than scikit-learn, PyTorch and a
plain NumPy loop doing the same arithmetic, from one saved run of fnn's
benchmarks (``bench/``, pytest-benchmark). Every number in a bar is a ratio
of two throughputs (examples per second, median of the rounds) measured in
the same run on the same machine, so the machine's speed cancels out; only
the ratios are comparable from one machine to another.

The run is not repeated when this page is built: it takes minutes, and a
documentation build is no place for timings. It was made with::

    pip install ".[bench]"
    python -m pytest bench/test_per_example_sgd.py bench/test_minibatch.py \\
        bench/test_predict.py bench/test_perceptron.py \\
        -p no:cacheprovider --benchmark-json=examples/data/bench_run.json

on Fashion-MNIST (Debian's ``dataset-fashion-mnist``), and that file is read
here. Rerun the command to measure your own machine.

.. note::

   The saved run was measured on a virtual machine with two cores of an AMD
   EPYC (AVX-512) while it was otherwise idle: the 1-minute load average,
   sampled every 5 seconds beside the run, was 1.1 on average (1.4 at most),
   about what the benchmarks' own two threads make.  On a busy machine the
   multi-threaded contenders (PyTorch above all) lose most, and the ratios
   against them grow.
"""

import json
import pathlib

import matplotlib.pyplot as plt

# %%
# The saved run
# -------------
# pytest-benchmark's JSON has the machine, the date, and one entry per
# benchmark; fnn's benchmarks store their examples per second in
# ``extra_info``. The file is in the ``data`` folder beside this script; the
# gallery runs each script in its own folder, and so should you.
run = json.loads(pathlib.Path("data", "bench_run.json").read_text())
throughput = {bench["fullname"].removeprefix("bench/"): bench["extra_info"]["examples_per_s"]
              for bench in run["benchmarks"] if "examples_per_s" in bench["extra_info"]}
cpu = run["machine_info"]["cpu"]
print(f"measured {run['datetime'][:16].replace('T', ' ')} UTC on {cpu['brand_raw']}, "
      f"{cpu['count']} cores, Python {run['machine_info']['python_version']}")
for name, rate in throughput.items():
    print(f"{name:45s} {rate:>12,.0f} examples/s")

# %%
# What is compared with what
# --------------------------
# Each workload pairs one fnn benchmark with the other libraries' versions of
# the same work (the docstrings in ``bench/`` say exactly what each does):
#
# - *per example*: SGD with one example per step, 784-128-10 logistic
#   network, float32, one thread: the course's stochastic gradient descent.
# - *batch 32 / 64*: mini-batch SGD, 784-100-10 ReLU network, all cores.
# - *prediction*: class probabilities of the 10,000 test images.
# - *perceptron*: three epochs of the perceptron rule, ten one-vs-rest units.
WORKLOADS = {
    "per example\n(batch 1)": ("test_per_example_sgd.py::test_fnn", {
        "PyTorch": "test_per_example_sgd.py::test_pytorch",
        "scikit-learn": "test_per_example_sgd.py::test_sklearn",
        "NumPy loop": "test_per_example_sgd.py::test_numpy"}),
    "batch 32": ("test_minibatch.py::test_fnn[32]", {
        "PyTorch": "test_minibatch.py::test_pytorch[32]"}),
    "batch 64": ("test_minibatch.py::test_fnn[64]", {
        "PyTorch": "test_minibatch.py::test_pytorch[64]",
        "NumPy loop": "test_minibatch.py::test_numpy[64]"}),
    "prediction": ("test_predict.py::test_fnn", {
        "PyTorch": "test_predict.py::test_pytorch",
        "NumPy loop": "test_predict.py::test_numpy"}),
    "perceptron\n(float32)": ("test_perceptron.py::test_fnn[float32]", {
        "scikit-learn": "test_perceptron.py::test_sklearn",
        "NumPy loop": "test_perceptron.py::test_numpy"}),
}
COLOURS = {"PyTorch": "tab:red", "scikit-learn": "tab:orange", "NumPy loop": "tab:gray"}

# %%
# The ratios
# ----------
# A bar of length r means fnn processed r times as many examples per second
# as that contender; 1 (the dashed line) is a tie. The axis is logarithmic
# because the ratios span two orders of magnitude.
fig, ax = plt.subplots(figsize=(9, 6), layout="constrained")
labels, position = [], 0
for workload, (fnn_name, contenders) in WORKLOADS.items():
    for contender, name in contenders.items():
        if fnn_name not in throughput or name not in throughput:
            continue                      # a benchmark skipped in this run
        ratio = throughput[fnn_name] / throughput[name]
        ax.barh(position, ratio, color=COLOURS[contender])
        ax.text(ratio * 1.05, position, f"{ratio:.1f}x", va="center")
        labels.append((position, f"{workload.replace(chr(10), ' ')} vs {contender}"))
        print(f"{workload.replace(chr(10), ' '):32s} fnn / {contender:12s} = {ratio:6.1f}")
        position += 1
    position += 0.6                       # a gap between workloads
ax.set_yticks([p for p, _ in labels], [text for _, text in labels])
ax.invert_yaxis()
ax.set_xscale("log")
ax.axvline(1, color="k", ls="--", lw=1)
ax.set_xlim(0.3, 4 * max(ax.get_xlim()[1], 10))
ax.set_xlabel("fnn's examples/s divided by the contender's (log scale)")
# The load is not in pytest-benchmark's file: it was sampled beside the run
# (see the warning above); update it with the file.
ax.set_title(f"fnn's speed relative to others, {cpu['brand_raw']}, {cpu['count']} cores\n"
             f"one pytest-benchmark run, {run['datetime'][:10]}, "
             f"on an otherwise idle machine (load average about 1)", fontsize=10)
handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLOURS.values()]
ax.legend(handles, COLOURS, loc="lower right")
plt.show()
