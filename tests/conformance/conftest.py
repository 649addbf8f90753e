"""What scikit-learn's test modules need to run here on fnn's estimators.

- The fixtures of scikit-learn's conftest these modules use
  (``global_random_seed``) and the markers they apply (``thread_unsafe``).
  scikit-learn's conftest itself is not loaded: its hooks would change the
  whole session (e.g. it limits the BLAS threads of every test).
- Selection: only the tests that use one of the substituted estimators are
  kept; the others (LinearSVC, NuSVC, SVR... alone) are deselected, as ``-k``
  would.  See `substitution.uses_substituted_class` and `CLASS_MENTIONS_ONLY`.
- The substitution itself around each conformance test, and the expected
  failures of expected_failures.py as strict xfails.

``FNN_CONFORMANCE_REFERENCE=1`` runs every collected test (selected or not)
with scikit-learn's own classes and no expected failures, and fails a test
whose selection disagrees with what it actually built: a selected test must
construct one of the four scikit-learn classes (or receive one as a
parameter), a deselected one must not.
"""
import contextlib
import functools
import os
from pathlib import Path

import pytest

from expected_failures import CAUSES, KNOWN_FAILURES, PRIVATE_API
from substitution import (LOADED_PREFIX, REFERENCE_RUN, receives_substituted_class,
                          replacements, sklearn_classes, standing_in, substituted,
                          uses_substituted_class)

HERE = Path(__file__).parent

# Test functions whose code names one of the four classes only to compare
# a parameter with it: their parameters alone say whether they use it.
# Function id -> why.  The reference run checks this table along with the
# rest of the selection.
CLASS_MENTIONS_ONLY = {
    "test_sklearn_svm.py::test_n_iter_libsvm":
        "`estimator in [svm.SVC, svm.NuSVC]` picks the check of n_iter_'s shape; "
        "only the estimator=SVC cases build an SVC",
}

_KNOWN_FAILURE_CAUSE = {test_id: cause for cause, test_ids in KNOWN_FAILURES.items()
                        for test_id in test_ids}

# Reference run: whether the selection keeps the test.
_SELECTED = pytest.StashKey[bool]()


def _test_id(item):
    return f"{item.path.name}::{item.name}"


def _is_conformance(item):
    """Whether `item` is one of scikit-learn's tests (not a test of this
    folder's own)."""
    function = getattr(item, "function", None)
    return (HERE in Path(item.path).parents and function is not None
            and function.__module__.startswith(LOADED_PREFIX))


def _random_seeds():
    """scikit-learn's seeds for ``global_random_seed``: 42, or those named
    by SKLEARN_TESTS_GLOBAL_RANDOM_SEED ("all", "N" or "N-M" in [0, 99]), as
    in scikit-learn's conftest."""
    value = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if value is None:
        return [42]
    if value == "all":
        return list(range(100))
    first, _, last = value.partition("-")
    seeds = list(range(int(first), int(last or first) + 1))
    if not seeds or seeds[0] < 0 or seeds[-1] > 99:
        raise ValueError("SKLEARN_TESTS_GLOBAL_RANDOM_SEED must name seeds in "
                         f"[0, 99] (or 'all'), got {value!r}")
    return seeds


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "thread_unsafe: scikit-learn's mark for a test that must not "
        "run in parallel threads (pytest-run-parallel)")


def pytest_generate_tests(metafunc):
    if "global_random_seed" in metafunc.fixturenames:
        metafunc.parametrize("global_random_seed", _random_seeds())


def _params(item):
    return item.callspec.params if hasattr(item, "callspec") else {}


def _uses_substituted_class(item):
    if f"{item.path.name}::{item.originalname}" in CLASS_MENTIONS_ONLY:
        return receives_substituted_class(_params(item), standing_in())
    return uses_substituted_class(item.function, _params(item), standing_in())


def pytest_collection_modifyitems(config, items):
    # A session-wide hook: leave the other folders' items alone.
    kept, deselected = [], []
    for item in items:
        if not _is_conformance(item):
            kept.append(item)
            continue
        uses = _uses_substituted_class(item)
        if REFERENCE_RUN:
            item.stash[_SELECTED] = uses
            kept.append(item)
            continue
        if not uses:
            deselected.append(item)
            continue
        kept.append(item)
        test_id = _test_id(item)
        if test_id in PRIVATE_API:
            item.add_marker(pytest.mark.xfail(
                strict=True,
                reason=f"uses scikit-learn's private API: {PRIVATE_API[test_id]}"))
        elif test_id in _KNOWN_FAILURE_CAUSE:
            cause = _KNOWN_FAILURE_CAUSE[test_id]
            item.add_marker(pytest.mark.xfail(
                strict=True, reason=f"known failure, {cause}: {CAUSES[cause]}"))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@contextlib.contextmanager
def _recording_constructions(built):
    """Within the block, every construction of one of scikit-learn's four
    classes appends the class to `built`."""
    def recording(cls, init):
        @functools.wraps(init)  # scikit-learn reads the parameters from its signature
        def __init__(self, *args, **kwargs):
            if type(self) is cls:
                built.append(cls)
            init(self, *args, **kwargs)
        return __init__

    originals = {cls: cls.__dict__["__init__"] for cls in sklearn_classes().values()}
    try:
        for cls, init in originals.items():
            cls.__init__ = recording(cls, init)
        yield
    finally:
        for cls, init in originals.items():
            cls.__init__ = init


@pytest.fixture(autouse=True)
def _fnn_estimators_in_sklearn(request):
    """fnn's estimators in scikit-learn's packages for the duration of the
    test (in the reference run: check the selection of the test)."""
    if not _is_conformance(request.node):
        yield
        return
    if not REFERENCE_RUN:
        with substituted(replacements()):
            yield
        return
    built = []
    with _recording_constructions(built):
        yield
    item = request.node
    received = receives_substituted_class(_params(item), standing_in())
    if item.stash[_SELECTED] != bool(built or received):
        selected = "selected" if item.stash[_SELECTED] else "deselected"
        pytest.fail(f"{_test_id(item)} is {selected}, but it built "
                    f"{sorted({cls.__name__ for cls in built})} and received "
                    f"{'one' if received else 'none'} of the four estimators")
