"""Fixtures and import paths of the whole suite.

Tests are grouped in one folder per unit under test (mlp, numerics,
threads, perceptron, svc, graph, data, files, cli, dask_training,
robustness; conformance runs scikit-learn's own tests).  The modules every
unit shares (reference.py, concurrency.py, interrupting.py, broken_csr.py)
sit in this folder, and a few test modules reuse another unit's problems
(test_graph checks the graph's gradients on test_gradients' networks):
this folder and every unit folder are importable by module name.
"""
import pathlib
import sys

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.RandomState(0)


_HERE = pathlib.Path(__file__).resolve().parent
for _folder in [_HERE, *sorted(p for p in _HERE.iterdir()
                               if p.is_dir() and not p.name.startswith(("_", "."))
                               and p.name != "conformance")]:
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))
