"""Run scikit-learn's own test modules with fnn's estimators in place of its.

scikit-learn's test modules are not copied here: each is loaded from the
installed scikit-learn, as a fresh module object under a name of its own (the
real ``sklearn.*.tests.*`` modules are never touched), while the four classes
of `SUBSTITUTES` are replaced by fnn's in the scikit-learn packages they are
imported from.  Everything the module binds at import time -- its
``from sklearn.neural_network import MLPClassifier``, the classes and the
instances in its ``pytest.mark.parametrize`` lists -- is therefore fnn's.
Names a test looks up while it runs (``svm.SVC`` through the ``sklearn.svm``
module, an import inside a function) are replaced by `substituted`, which the
conformance conftest holds around each conformance test only, so no other
test of the suite ever sees the substitution.

Only the package attributes are replaced (``sklearn.svm.SVC``, not
``sklearn.svm._classes.SVC``): that is where user code and the tests import
from, and scikit-learn's own modules keep their own classes.
"""
import contextlib
import importlib
import importlib.util
import os
import types

import pytest

import fnn
from expected_failures import version_mismatch

# (scikit-learn package, class name) -> the class that replaces it.
SUBSTITUTES = {
    ("sklearn.neural_network", "MLPClassifier"): fnn.MLPClassifier,
    ("sklearn.neural_network", "MLPRegressor"): fnn.MLPRegressor,
    ("sklearn.linear_model", "Perceptron"): fnn.Perceptron,
    ("sklearn.svm", "SVC"): fnn.SVC,
}

SUBSTITUTED_NAMES = frozenset(name for _, name in SUBSTITUTES)

# FNN_CONFORMANCE_REFERENCE=1 runs the same tests with scikit-learn's own
# classes (nothing substituted, no expected failures), and checks the
# selection of the tests that use the four estimators (see conftest.py).
REFERENCE_RUN = os.environ.get("FNN_CONFORMANCE_REFERENCE", "0") not in ("", "0")

# Prefix of the module names the loaded copies get: distinct from the real
# modules', so that sys.modules["sklearn.svm.tests.test_svm"] (which
# test_sparse imports) stays scikit-learn's own.
LOADED_PREFIX = "fnn_conformance."


def sklearn_classes():
    """The scikit-learn classes `SUBSTITUTES` replaces, by class name."""
    return {name: getattr(importlib.import_module(package), name)
            for package, name in SUBSTITUTES}


def replacements():
    """(package, name) -> class to put in place for this run: `SUBSTITUTES`,
    or nothing in the reference run."""
    return {} if REFERENCE_RUN else SUBSTITUTES


def standing_in():
    """The classes that play scikit-learn's four estimators in this run."""
    if REFERENCE_RUN:
        return tuple(sklearn_classes().values())
    return tuple(SUBSTITUTES.values())


@contextlib.contextmanager
def substituted(mapping):
    """Within the block, ``sklearn.<package>.<Name>`` is ``mapping[package,
    Name]`` (fnn's class); restored afterwards.

    Parameters
    ----------
    mapping : dict
        (package, name) -> class, as `SUBSTITUTES`.
    """
    saved = []
    try:
        for (package, name), cls in mapping.items():
            module = importlib.import_module(package)
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, cls)
        yield
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)


def load_sklearn_test_module(name, mapping):
    """A fresh copy of scikit-learn's installed test module `name`, executed
    with the classes substituted (see the module docstring).

    Parameters
    ----------
    name : str
        Dotted name of the installed module, e.g.
        ``"sklearn.svm.tests.test_svm"``.
    mapping : dict
        As for `substituted`.

    Returns
    -------
    module : types.ModuleType
    """
    installed = importlib.util.find_spec(name)
    if installed is None or installed.origin is None:
        raise ImportError(f"scikit-learn's test module {name} is not installed "
                          "(its tests are part of the scikit-learn wheel)")
    spec = importlib.util.spec_from_file_location(LOADED_PREFIX + name,
                                                  installed.origin)
    module = importlib.util.module_from_spec(spec)
    # Relative imports in the file resolve against scikit-learn's package.
    module.__package__ = installed.parent
    with substituted(mapping):
        spec.loader.exec_module(module)
    return module


def sklearn_tests(name):
    """The test functions of scikit-learn's test module `name` (not those it
    imports), loaded with this run's `replacements`, by function name: a
    conformance test file puts them in its namespace for pytest to collect,
    parametrisations and marks included.

    The calling test file is skipped, without loading the module, when the
    expected failures are not listed for the installed scikit-learn (its
    test modules, perhaps even their imports, differ).
    """
    mismatch = None if REFERENCE_RUN else version_mismatch()
    if mismatch:
        pytest.skip(mismatch, allow_module_level=True)
    module = load_sklearn_test_module(name, replacements())
    return {key: obj for key, obj in vars(module).items()
            if key.startswith("test") and isinstance(obj, types.FunctionType)
            and obj.__module__ == module.__name__}


def names_used(function):
    """Every global and attribute name `function` refers to, following its
    nested functions and lambdas, and the functions of its own module it
    calls by name (the test modules' ``check_*`` functions), transitively."""
    module_name = function.__module__
    seen_functions = set()
    names = set()
    pending = [function]
    while pending:
        func = pending.pop()
        if func in seen_functions:
            continue
        seen_functions.add(func)
        codes = [func.__code__]
        while codes:
            code = codes.pop()
            names.update(code.co_names)
            codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
            for name in code.co_names:
                target = func.__globals__.get(name)
                if (isinstance(target, types.FunctionType)
                        and target.__module__ == module_name):
                    pending.append(target)
    return names


def uses_substituted_class(function, params, classes):
    """Whether a test (`function` called with the parametrisation `params`)
    uses one of the substituted estimators.

    It does when one of its parameters is one of `classes` or an instance of
    one, or when its code (with the functions it calls, see `names_used`)
    names one of them: ``SVC(...)``, ``svm.SVC(...)``, ``MLPClassifier``...

    Parameters
    ----------
    function : function
        The test function, as defined in the loaded module.
    params : dict
        The test item's parameters (``item.callspec.params``), or {}.
    classes : collection of type
        The classes standing in for scikit-learn's in this run.
    """
    return (receives_substituted_class(params, classes)
            or not SUBSTITUTED_NAMES.isdisjoint(names_used(function)))


def receives_substituted_class(params, classes):
    """Whether one of the parameters `params` is one of `classes` or an
    instance of one."""
    classes = tuple(classes)
    return any(isinstance(value, classes)
               or (isinstance(value, type) and issubclass(value, classes))
               for value in params.values())
