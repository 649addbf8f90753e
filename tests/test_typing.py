"""The public API's type annotations: complete, in step with the numpydoc
docstrings, and what a type checker sees when it checks user code.

mypy itself checks the package's own code (CI runs ``python -m mypy``, with
``disallow_untyped_defs`` for the annotated modules); these tests check the
annotations from the user's side.
"""
import inspect
import os
import re
import sys
import textwrap

import pytest

import fnn
from fnn import cli, data, graph

#: Modules whose public API is annotated: all of them.
ANNOTATED = [graph, data, cli, fnn, fnn.datasets]


def _exported(obj, module):
    """Whether `module` offers `obj` as its own: defined there, or, for a
    module with ``__all__``, re-exported from one of fnn's private modules
    (fnn.MLPClassifier lives in fnn._multilayer_perceptron)."""
    home = getattr(obj, "__module__", "") or ""
    if home == module.__name__:
        return True
    return hasattr(module, "__all__") and home.startswith("fnn.") and \
        home.rsplit(".", 1)[-1].startswith("_")


def _public_functions():
    modules = list(ANNOTATED)
    try:
        from fnn import distributed
    except ImportError:  # Dask missing: fnn.distributed cannot be imported
        pass
    else:
        modules.append(distributed)
    for module in modules:
        names = getattr(module, "__all__", None) or [
            n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            if not _exported(obj, module):
                continue
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj) and not issubclass(obj, BaseException):
                # Public methods and properties, inherited ones included
                # (get_params, save ... of the shared base classes).
                seen = set()
                for owner in obj.__mro__:
                    if not owner.__module__.startswith("fnn"):
                        continue
                    for attr, member in vars(owner).items():
                        if attr in seen or (attr.startswith("_") and attr != "__init__"):
                            continue
                        seen.add(attr)
                        if isinstance(member, property):
                            member = member.fget
                        # A method that exists only in some states (available_if).
                        member = getattr(member, "__wrapped__", member)
                        if inspect.isfunction(member):
                            yield f"{module.__name__}.{name}.{attr}", member


PUBLIC = dict(_public_functions())


def test_the_public_functions_are_found():
    # A guard for the tests below: an empty list would pass them all.
    assert {"fnn.graph.exp", "fnn.graph.Variable.backward", "fnn.data.read_csv",
            "fnn.data.NpyFile.__init__", "fnn.to_onnx", "fnn.load",
            "fnn.plot_learning_curve", "fnn.datasets.load_digits", "fnn.cli.main",
            "fnn.MLPClassifier.__init__", "fnn.MLPClassifier.predict_log_proba",
            "fnn.MLPClassifier.coefs_", "fnn.MLPClassifier.get_params",
            "fnn.MLPClassifier.save", "fnn.MLPRegressor.partial_fit",
            "fnn.Perceptron.sparsify", "fnn.SVC.probA_", "fnn.SVC.coef_",
            "fnn.SVC.predict_proba"} <= PUBLIC.keys()


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_signature_is_annotated(name):
    signature = inspect.signature(PUBLIC[name])
    missing = [p.name for p in signature.parameters.values()
               if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")]
    assert not missing, f"{name}: parameters without annotation: {missing}"
    assert signature.return_annotation is not inspect.Signature.empty, \
        f"{name}: no return annotation"


def _documented_parameters(doc):
    """Names in the numpydoc Parameters section of `doc`, or None when it has
    none."""
    doc = inspect.cleandoc(doc or "")
    match = re.search(r"^Parameters\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", doc,
                      re.S | re.M)
    if match is None:
        return None
    names = set()
    for line in match.group(1).splitlines():
        if line and not line[0].isspace():
            head = line.split(" : ")[0]
            names.update(n.strip().lstrip("*") for n in head.split(","))
    return names


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_docstring_parameters_match_signature(name):
    function = PUBLIC[name]
    doc = function.__doc__
    if name.endswith(".__init__"):  # classes document __init__'s parameters
        owner = getattr(sys.modules[function.__module__], name.split(".")[-2])
        doc = owner.__doc__
    documented = _documented_parameters(doc)
    if documented is None:
        pytest.skip("no Parameters section (a one-line docstring)")
    # Private keyword arguments (graph's _op, _parents) are not documented.
    signature = {p.name for p in inspect.signature(function).parameters.values()
                 if p.name not in ("self", "cls") and not p.name.startswith("_")}
    assert documented == signature, (
        f"{name}: documented {sorted(documented)}, signature {sorted(signature)}")


def test_mypy_sees_the_annotations(tmp_path):
    """User code type-checked against the installed (or source) package:
    correct calls pass, wrong ones are errors, results have the declared
    types (the package is marked typed with py.typed)."""
    api = pytest.importorskip("mypy.api")
    user = tmp_path / "user.py"
    user.write_text(textwrap.dedent("""\
        import numpy as np
        from fnn import cli, data, graph

        x = graph.Variable(np.ones(3), name="x")
        loss = graph.sum(graph.tanh(x @ np.ones((3, 2))) ** 2, axis=0)
        loss.backward(np.ones(2))
        reveal_type(loss)
        reveal_type(data.read_npz("f.npz"))
        for X_batch, y_batch in data.iter_batches(np.zeros((4, 2)), batch_size=2):
            reveal_type(y_batch)
        graph.sum(x, axis="rows")
        data.read_csv("f.csv", header="yes")
        x.render(3)
        """))
    root = os.path.dirname(os.path.dirname(fnn.__file__))
    config = tmp_path / "mypy.ini"
    lines = ["[mypy]", f"cache_dir = {tmp_path / 'cache'}", "follow_imports = silent",
             "ignore_missing_imports = True"]
    if "site-packages" not in root:  # the source tree: tell mypy where fnn is
        lines.append(f"mypy_path = {root}")
    config.write_text("\n".join(lines) + "\n")
    out, err, status = api.run(["--config-file", str(config), "--no-incremental",
                                str(user)])
    assert status == 1, out + err
    found = {int(m.group(1)): m.group(2) for m in re.finditer(
        r"^.*user\.py:(\d+): (?:error|note): (.*)$", out, re.M)}
    assert 'Revealed type is "fnn.graph.Variable"' in found[7]
    assert "tuple[numpy.ndarray" in found[8] and "None" in found[8]
    assert "numpy.ndarray" in found[10] and "None" in found[10]
    assert "axis" in found[11] and "incompatible type" in found[11]
    assert "header" in found[12]
    assert "render" in found[13]
    # No other line is an error: the correct calls type-check.
    assert set(found) == {7, 8, 10, 11, 12, 13}, out
