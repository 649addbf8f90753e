"""The conformance machinery: the substitution stays inside the conformance
tests, the selection rule, and expected-failure lists that name real tests,
once."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sklearn.linear_model
import sklearn.neural_network
import sklearn.svm

import fnn
from expected_failures import CAUSES, KNOWN_FAILURES, PRIVATE_API, version_mismatch
from substitution import (SUBSTITUTES, load_sklearn_test_module, names_used,
                          substituted, uses_substituted_class)

HERE = Path(__file__).parent

# scikit-learn's test modules as this folder knows them.
listed_version = pytest.mark.skipif(version_mismatch() is not None,
                                    reason=str(version_mismatch()))


@pytest.fixture(scope="module")
def selected_ids():
    """Ids (``file::name[params]``) of the conformance tests pytest selects,
    from a collection run of scikit-learn's modules in a child process."""
    env = {k: v for k, v in os.environ.items() if k != "FNN_CONFORMANCE_REFERENCE"}
    files = sorted(str(p) for p in HERE.glob("test_sklearn_*.py"))
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", *files],
                         cwd=HERE, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    # One "path::name[params]" line per selected test (and warnings, which
    # are indented).
    return {Path(path).name + "::" + name for path, _, name in
            (line.partition("::") for line in run.stdout.splitlines()
             if re.match(r"\S+\.py::\S+$", line))}


@listed_version
def test_two_hundred_tests_use_fnn_estimators(selected_ids):
    # The count for scikit-learn 1.9.1: a change in the selection rule
    # that adds or drops tests shows here.
    assert len(selected_ids) == 200


@listed_version
def test_every_listed_test_is_selected(selected_ids):
    known = [test_id for ids in KNOWN_FAILURES.values() for test_id in ids]
    assert sorted(set(known) - selected_ids) == []
    assert sorted(set(PRIVATE_API) - selected_ids) == []


def test_a_test_is_listed_once_with_a_described_cause():
    known = [test_id for ids in KNOWN_FAILURES.values() for test_id in ids]
    assert len(known) == len(set(known))
    assert set(known).isdisjoint(PRIVATE_API)
    assert set(KNOWN_FAILURES) == set(CAUSES)
    assert all(KNOWN_FAILURES.values())


def _sklearn_own_classes():
    return (sklearn.neural_network.MLPClassifier, sklearn.neural_network.MLPRegressor,
            sklearn.linear_model.Perceptron, sklearn.svm.SVC)


def test_this_test_sees_scikit_learn_own_classes():
    # Not one of scikit-learn's tests: no substitution, although the
    # conformance modules have been loaded (with it) for collection.
    assert all(cls.__module__.startswith("sklearn.") for cls in _sklearn_own_classes())


def test_substitution_is_undone_when_the_block_raises():
    before = _sklearn_own_classes()
    with pytest.raises(RuntimeError), substituted(SUBSTITUTES):
        assert sklearn.svm.SVC is fnn.SVC
        from sklearn.neural_network import MLPRegressor
        assert MLPRegressor is fnn.MLPRegressor
        raise RuntimeError
    assert _sklearn_own_classes() == before


@listed_version
def test_a_loaded_copy_binds_fnn_and_leaves_scikit_learn_alone():
    import sklearn.svm.tests.test_svm as installed

    copy = load_sklearn_test_module("sklearn.svm.tests.test_svm", SUBSTITUTES)
    assert copy is not installed
    assert copy.svm is sklearn.svm  # the package itself, patched only while a test runs
    assert sklearn.svm.SVC is not fnn.SVC
    mlp = load_sklearn_test_module("sklearn.neural_network.tests.test_mlp", SUBSTITUTES)
    assert mlp.MLPClassifier is fnn.MLPClassifier
    assert sklearn.neural_network.MLPClassifier is not fnn.MLPClassifier


@listed_version
def test_selection_follows_called_functions_and_parameters():
    sparse = load_sklearn_test_module("sklearn.svm.tests.test_sparse", {})
    # test_svc builds svm.SVC and hands it to check_svm_model_equal, which
    # names svm.OneClassSVM only: the called function's names are followed.
    assert {"SVC", "check_svm_model_equal", "OneClassSVM"} <= names_used(sparse.test_svc)
    classes = _sklearn_own_classes()
    assert uses_substituted_class(sparse.test_svc, {}, classes)
    assert not uses_substituted_class(sparse.test_sparse_oneclasssvm, {}, classes)
    assert not uses_substituted_class(sparse.test_linearsvc, {}, classes)
    # A parameter that is one of the classes, or an instance of one.
    assert uses_substituted_class(lambda Estimator: None,
                                  {"Estimator": sklearn.svm.SVC}, classes)
    assert uses_substituted_class(lambda estimator: None,
                                  {"estimator": sklearn.svm.SVC(C=0.01)}, classes)
    assert not uses_substituted_class(lambda estimator: None,
                                      {"estimator": sklearn.svm.NuSVC()}, classes)
