"""ONNX export of fitted fnn estimators: :func:`to_onnx`.

Layer: user-facing Python, optional.  It needs the ``fnn[onnx]`` extra
(skl2onnx, which brings onnx; onnxruntime to run the result) and imports
skl2onnx only when called, so that ``import fnn`` never needs it.

Design
------
skl2onnx already converts scikit-learn's MLPClassifier, MLPRegressor,
Perceptron and SVC, and fnn's estimators carry the same fitted attributes.
So we do not write graphs: each fnn model is shown to skl2onnx as a *view*,
a small object holding, under scikit-learn's names, what skl2onnx's
converter reads, taken from the public fitted attributes fnn shares with
scikit-learn (``n_features_in_``; ``coefs_``, ``intercepts_``,
``activation``, ``out_activation_``, ``classes_`` of the MLPs; ``coef_``,
``intercept_``, ``classes_`` of Perceptron; ``support_vectors_``,
``dual_coef_``, ``intercept_``, ``n_support_``, ``classes_``, ``kernel``,
``degree``, ``coef0``, ``gamma``, ``decision_function_shape``,
``break_ties`` of SVC), plus SVC's ``_gamma``, the
value gamma='scale' took from the training data, which scikit-learn's SVC
keeps under the same name.  The view classes are registered in skl2onnx's
converter registry; their converters declare skl2onnx's own operators
(``SklearnMLPClassifier``, ``SklearnMLPRegressor``, ``SklearnSGDClassifier``,
``SklearnSVC``) on the views and add nodes of their own only where skl2onnx
falls short:

- activations skl2onnx's MLP converter does not map: the layers up to the
  last one that uses such an activation are emitted here, from the table
  ``_ACTIVATIONS``, and skl2onnx converts the layers after them;
- the labels of a multilabel MLPClassifier: skl2onnx takes them from the
  ai.onnx.ml ``Binarizer``, which onnxruntime does not run on doubles; here
  they are ``probabilities > 0.5``;
- MLPRegressor: skl2onnx's converter reshapes the outputs to one column,
  which is right for one output only; its result is reshaped back to
  (n_samples, n_outputs);
- SVC with ``break_ties=True``: the label is the argmax of the one-vs-rest
  values, where skl2onnx's SVMClassifier node votes.
"""
from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, Union

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._perceptron import Perceptron
from ._svc import SVC
from .exceptions import NotFittedError

if TYPE_CHECKING:
    from types import ModuleType

    import onnx

#: skl2onnx's Scope, Operator, Variable and ModelComponentContainer
#: (skl2onnx ships no type information).
Scope: TypeAlias = Any
Operator: TypeAlias = Any
Variable: TypeAlias = Any
Container: TypeAlias = Any
#: A fitted fnn estimator as the views read it: its fitted attributes
#: (``coefs_``, ``classes_``, ...) are set by fit and not declared on the
#: classes, so they are read untyped.
Fitted: TypeAlias = Any
#: An activation we emit: (nodes, name of z) -> name of the result.
Activation = Callable[["_Nodes", str], str]
#: What to_onnx exports.
Exportable = Union[MLPClassifier, MLPRegressor, Perceptron, SVC]

#: Activations skl2onnx's MLP converter maps to ONNX operators.
_SKL2ONNX_ACTIVATIONS = frozenset({"identity", "logistic", "tanh", "relu", "softmax"})


# ----------------------------------------------------------------------
# Activations we emit ourselves: name -> f(nodes, z) returning the name of
# the result, where nodes(op_type, inputs, **attributes) adds one node (see
# _Nodes).  The definitions and defaults are PyTorch's.  onnxruntime's CPU
# kernels for Elu, LeakyRelu, Softplus and Erf take float32 only, so these
# are built from operators it runs in float64 too.
# ----------------------------------------------------------------------
def _elu(nodes: _Nodes, z: str) -> str:
    # alpha (exp(z) - 1) for z <= 0, alpha = 1; exp of min(z, 0) cannot
    # overflow.
    negative = nodes("Sub", [nodes("Exp", [nodes("Min", [z, nodes.constant(0.0)])]),
                             nodes.constant(1.0)])
    return nodes("Where", [nodes("Greater", [z, nodes.constant(0.0)]), z, negative])


def _gelu(nodes: _Nodes, z: str) -> str:
    # The exact form z Phi(z) = z (1 + erf(z / sqrt(2))) / 2, not the tanh
    # approximation.  onnxruntime computes Erf in float32 only.
    from onnx import TensorProto
    scaled = nodes("Mul", [z, nodes.constant(1 / math.sqrt(2))])
    if nodes.float_type == TensorProto.FLOAT:
        erf = nodes("Erf", [scaled])
    else:
        erf = nodes("Cast", [nodes("Erf", [nodes("Cast", [scaled], to=TensorProto.FLOAT)])],
                    to=nodes.float_type)
    return nodes("Mul", [nodes("Mul", [z, nodes("Add", [erf, nodes.constant(1.0)])]),
                         nodes.constant(0.5)])


def _softplus(nodes: _Nodes, z: str) -> str:
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no overflow for large |z|.
    tail = nodes("Log", [nodes("Add", [nodes("Exp", [nodes("Neg", [nodes("Abs", [z])])]),
                                       nodes.constant(1.0)])])
    return nodes("Add", [nodes("Relu", [z]), tail])


_ACTIVATIONS: dict[str, Activation] = {
    "identity": lambda nodes, z: z,
    "logistic": lambda nodes, z: nodes("Sigmoid", [z]),
    "tanh": lambda nodes, z: nodes("Tanh", [z]),
    "relu": lambda nodes, z: nodes("Relu", [z]),
    "softmax": lambda nodes, z: nodes("Softmax", [z], axis=-1),
    "exp": lambda nodes, z: nodes("Exp", [z]),
    # max(z, 0.01 z) is z for z > 0 and 0.01 z otherwise.
    "leaky_relu": lambda nodes, z: nodes("Max", [z, nodes("Mul", [z, nodes.constant(0.01)])]),
    "elu": _elu,
    "gelu": _gelu,
    # z sigmoid(z) as z / (1 + e^-z) (which is -0 where e^-z overflows):
    # onnxruntime 1.19 fuses Mul(z, Sigmoid(z)) into a node it cannot run
    # in float64.
    "silu": lambda nodes, z: nodes("Div", [z, nodes("Add", [
        nodes("Exp", [nodes("Neg", [z])]), nodes.constant(1.0)])]),
    "softplus": _softplus,
}


# ----------------------------------------------------------------------
# Views: what skl2onnx's converters read, under scikit-learn's names.
# ----------------------------------------------------------------------
def _onnx_classes(classes: ArrayLike) -> NDArray[np.str_] | NDArray[np.int64]:
    """``classes_`` as skl2onnx's converters take them: all strings, or
    integers that fit int32 (skl2onnx keeps numeric labels as int32 and
    outputs them as int64, so any other label would come out changed)."""
    values = np.asarray(classes)
    as_list = values.tolist()
    if all(isinstance(c, str) for c in as_list):
        return np.array(as_list, dtype=str)
    if values.dtype.kind in "biuf" or all(
            isinstance(c, (bool, int, float, np.number)) for c in as_list):
        numbers = values.astype(np.float64)
        info = np.iinfo(np.int32)
        if (np.all(numbers == np.round(numbers))
                and np.all((numbers >= info.min) & (numbers <= info.max))):
            return numbers.astype(np.int64)
    raise ValueError(
        "fnn.to_onnx exports class labels that are all strings or all integers in "
        f"[{np.iinfo(np.int32).min}, {np.iinfo(np.int32).max}] (booleans and "
        "integral floats come out as int64); this model's classes_ begin "
        f"{as_list[:5]}.")


class _MLPView:
    """An fnn MLP's layers as skl2onnx's MLP converters read them, and how
    many of them (``own_layers``, from the first) we emit ourselves."""

    def __init__(self, model: Fitted) -> None:
        self.activation = model.activation
        self.out_activation_ = model.out_activation_
        for name, where in ((self.activation, "hidden"),
                            (self.out_activation_, "output")):
            if name not in _ACTIVATIONS:
                raise NotImplementedError(
                    f"fnn.to_onnx cannot export the {where} activation {name!r}; "
                    f"it knows {sorted(_ACTIVATIONS)}.")
        self._set_layers([np.array(W) for W in model.coefs_],
                         [np.array(b) for b in model.intercepts_])
        self.n_outputs_ = self.coefs_[-1].shape[1]
        if self.out_activation_ not in _SKL2ONNX_ACTIVATIONS:
            self.own_layers = len(self.coefs_)
        elif self.activation not in _SKL2ONNX_ACTIVATIONS:
            self.own_layers = len(self.coefs_) - 1
        else:
            self.own_layers = 0

    def _set_layers(self, coefs: list[NDArray[Any]], intercepts: list[NDArray[Any]]) -> None:
        self.coefs_, self.intercepts_ = coefs, intercepts
        self.n_layers_ = len(coefs) + 1
        if len(coefs) == 1:
            # No hidden layer, so no hidden activation (skl2onnx would
            # still name a node after it).
            self.activation = "identity"

    def after(self, start: int) -> _MLPView:
        """The view of layers start, start + 1, ... (a network whose input
        is layer start's), all converted by skl2onnx."""
        view = copy.copy(self)
        view._set_layers(self.coefs_[start:], self.intercepts_[start:])
        view.own_layers = 0
        return view


class _MLPRegressorView(_MLPView):
    """An fnn MLPRegressor for skl2onnx."""


class _TargetType:
    """Stands for scikit-learn's private ``_label_binarizer``, of which
    skl2onnx's MLPClassifier converter reads the target type."""

    def __init__(self, y_type: str) -> None:
        self.y_type_ = y_type


class _MLPClassifierView(_MLPView):
    """An fnn MLPClassifier for skl2onnx: the layers, the labels and the
    kind of target, told apart by the output layer as in scikit-learn
    (softmax: multiclass; one sigmoid: binary; several: multilabel)."""

    def __init__(self, model: Fitted) -> None:
        super().__init__(model)
        if self.out_activation_ not in ("logistic", "softmax"):
            raise NotImplementedError(
                "fnn.to_onnx exports classifiers whose output activation is "
                f"'logistic' or 'softmax'; this one has {self.out_activation_!r}.")
        # skl2onnx maps both output activations: its converters always take
        # the output layer.
        self.own_layers = min(self.own_layers, len(self.coefs_) - 1)
        self.multilabel_ = self.out_activation_ == "logistic" and self.n_outputs_ > 1
        if self.multilabel_:
            self.classes_: NDArray[Any] = np.arange(self.n_outputs_)
            y_type = "multilabel-indicator"
        else:
            self.classes_ = _onnx_classes(model.classes_)
            y_type = "binary" if len(self.classes_) == 2 else "multiclass"
        self._label_binarizer = _TargetType(y_type)


class _PerceptronView:
    """An fnn Perceptron as skl2onnx's SGDClassifier converter reads it:
    with the 'perceptron' loss it outputs the raw scores."""

    loss = "perceptron"

    def __init__(self, model: Fitted) -> None:
        self.coef_ = np.array(model.coef_)
        self.intercept_ = np.array(model.intercept_)
        self.classes_ = _onnx_classes(model.classes_)


class _SVCView:
    """An fnn SVC as skl2onnx's SVC converter reads it.  Without Platt
    scaling (empty ``probA_``) its second output holds decision values."""

    probability = False

    def __init__(self, model: Fitted) -> None:
        if model.break_ties and model.decision_function_shape == "ovo":
            # fnn's predict refuses this too.
            raise ValueError("break_ties must be False when decision_function_shape "
                             "is 'ovo'.")
        if callable(model.kernel) or model.kernel == "precomputed":
            raise ValueError(
                f"fnn.to_onnx cannot export SVC(kernel={model.kernel!r}): the ONNX "
                "graph reads feature rows, and computes only the kernels 'linear', "
                "'poly', 'rbf' and 'sigmoid'.")
        self.kernel = model.kernel
        self.degree = int(model.degree)
        self.coef0 = float(model.coef0)
        self._gamma = _svc_gamma(model)
        self.classes_ = _onnx_classes(model.classes_)
        self.support_vectors_ = np.array(model.support_vectors_)
        self.n_support_ = np.array(model.n_support_)
        self.dual_coef_ = np.array(model.dual_coef_)
        self.intercept_ = np.array(model.intercept_)
        self.probA_ = self.probB_ = np.empty(0)
        self.decision_function_shape = model.decision_function_shape
        # As in fnn's predict: break_ties only acts on 'ovr' with 3+ classes.
        self.argmax_label = bool(model.break_ties and model.decision_function_shape == "ovr"
                                 and len(self.classes_) > 2)


def _svc_gamma(model: Fitted) -> float:
    """The gamma a fitted SVC computes with: ``_gamma`` when it has one
    (what 'scale' resolved to), else its numeric or 'auto' gamma."""
    fitted = getattr(model, "_gamma", None)
    if fitted is not None:
        return float(fitted)
    if not isinstance(model.gamma, str):
        return float(model.gamma)
    if model.gamma == "auto":
        return 1.0 / model.n_features_in_
    raise ValueError("this SVC has gamma='scale' but no fitted _gamma; the value "
                     "depends on the training data, so the model cannot be exported.")


#: fnn estimator -> its view.  Subclasses use their base's.
_VIEWS: dict[type, Callable[[Any], Any]] = {
    MLPClassifier: _MLPClassifierView,
    MLPRegressor: _MLPRegressorView,
    Perceptron: _PerceptronView,
    SVC: _SVCView,
}


# ----------------------------------------------------------------------
# Converters: skl2onnx's operators on the views, plus our own nodes.
# ----------------------------------------------------------------------
class _Nodes:
    """Adds nodes and initializers to the graph skl2onnx is building;
    float initializers take the graph's dtype."""

    def __init__(self, scope: Scope, operator: Operator, container: Container) -> None:
        from skl2onnx.common.data_types import guess_proto_type
        self.scope, self.container = scope, container
        self.float_type = guess_proto_type(operator.inputs[0].type)

    def __call__(self, op_type: str, inputs: list[str], output: str | None = None,
                 **attributes: Any) -> str:
        """One node; returns the name of its output."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(op_type, inputs, output,
                                name=self.scope.get_unique_operator_name(op_type),
                                **attributes)
        return output

    def tensor(self, values: ArrayLike, tensor_type: int | None = None) -> str:
        """An initializer holding `values` (by default of the graph's float
        type); returns its name."""
        values = np.asarray(values)
        name = self.scope.get_unique_variable_name("constant")
        self.container.add_initializer(name, tensor_type or self.float_type,
                                       list(values.shape), values.ravel())
        return name

    def constant(self, value: float) -> str:
        """A scalar of the graph's float type; returns its name."""
        return self.tensor(np.float64(value))

    def labels(self, classes: NDArray[Any]) -> str:
        """The class labels as a tensor: int64, or strings (UTF-8)."""
        from onnx import TensorProto
        if classes.dtype.kind == "U":
            return self.tensor(np.array([c.encode() for c in classes], dtype=object),
                               TensorProto.STRING)
        return self.tensor(classes, TensorProto.INT64)


def _declare(scope: Scope, alias: str, view: object, inputs: list[Variable],
             types: list[Any]) -> list[str]:
    """skl2onnx's operator `alias` on `view`, reading the variables
    `inputs`; returns the names of its outputs, one per type in `types`.
    (skl2onnx converts it once the current converter has returned.)"""
    operator = scope.declare_local_operator(alias, view)
    operator.inputs.extend(inputs)
    outputs = [scope.declare_local_variable(alias, t) for t in types]
    operator.outputs.extend(outputs)
    return [v.onnx_name for v in outputs]


def _emit_layers(nodes: _Nodes, x: str, view: _MLPView, n_layers: int) -> str:
    """The first n_layers dense layers of the MLP view on the tensor named
    x: x @ W + b, then the hidden activation (the output one after the
    last layer)."""
    for i in range(n_layers):
        z = nodes("Add", [nodes("MatMul", [x, nodes.tensor(view.coefs_[i])]),
                          nodes.tensor(view.intercepts_[i])])
        last = i == len(view.coefs_) - 1
        x = _ACTIVATIONS[view.out_activation_ if last else view.activation](nodes, z)
    return x


def _skl2onnx_input(scope: Scope, operator: Operator,
                    nodes: _Nodes) -> tuple[Variable, _MLPView]:
    """The variable skl2onnx's MLP converter reads and the view of the
    layers it converts: the model's input and all its layers, or the output
    of the layers we emit and the layers after them."""
    view, x = operator.raw_operator, operator.inputs[0]
    n = view.own_layers
    if n == 0:
        return x, view
    width = view.coefs_[n - 1].shape[1]
    hidden = scope.declare_local_variable("hidden", type(x.type)([None, width]))
    nodes("Identity", [_emit_layers(nodes, x.full_name, view, n)], hidden.onnx_name)
    return hidden, view.after(n)


def _network_outputs(scope: Scope, operator: Operator, nodes: _Nodes) -> str:
    """The name of the MLP's (n_samples, n_outputs) outputs: our layers,
    then skl2onnx's MLPRegressor converter (its one-column result
    reshaped)."""
    from onnx import TensorProto
    view, x = operator.raw_operator, operator.inputs[0]
    if view.own_layers == len(view.coefs_):
        return _emit_layers(nodes, x.full_name, view, view.own_layers)
    hidden, rest = _skl2onnx_input(scope, operator, nodes)
    (column,) = _declare(scope, "SklearnMLPRegressor", rest, [hidden], [type(x.type)()])
    return nodes("Reshape", [column, nodes.tensor([-1, view.n_outputs_],
                                                  TensorProto.INT64)])


def _convert_mlp_regressor(scope: Scope, operator: Operator, container: Container) -> None:
    nodes = _Nodes(scope, operator, container)
    nodes("Identity", [_network_outputs(scope, operator, nodes)],
          operator.outputs[0].full_name)


def _convert_mlp_classifier(scope: Scope, operator: Operator,
                            container: Container) -> None:
    from onnx import TensorProto
    nodes = _Nodes(scope, operator, container)
    label, proba = operator.outputs
    if operator.raw_operator.multilabel_:
        P = _network_outputs(scope, operator, nodes)
        nodes("Identity", [P], proba.full_name)
        nodes("Cast", [nodes("Greater", [P, nodes.constant(0.5)])], label.full_name,
              to=TensorProto.INT64)
        return
    x, view = _skl2onnx_input(scope, operator, nodes)
    results = _declare(scope, "SklearnMLPClassifier", view, [x],
                       [type(label.type)(), type(proba.type)()])
    for result, output in zip(results, operator.outputs):
        nodes("Identity", [result], output.full_name)


def _convert_svc(scope: Scope, operator: Operator, container: Container) -> None:
    nodes = _Nodes(scope, operator, container)
    view = operator.raw_operator
    label, scores = operator.outputs
    voted, values = _declare(scope, "SklearnSVC", view, [operator.inputs[0]],
                             [type(label.type)(), type(scores.type)()])
    if view.argmax_label:
        voted = nodes("Gather", [nodes.labels(view.classes_),
                                 nodes("ArgMax", [values], axis=1, keepdims=0)])
    nodes("Identity", [voted], label.full_name)
    nodes("Identity", [values], scores.full_name)


def _regressor_shapes(operator: Operator) -> None:
    """One output, (n_samples, n_outputs), of the input's float type."""
    x = operator.inputs[0]
    operator.outputs[0].type = type(x.type)([x.get_first_dimension(),
                                              operator.raw_operator.n_outputs_])


def _svc_shapes(operator: Operator) -> None:
    """label (N,); decision values (N, 2) for two classes (as skl2onnx
    lays them out), else one column per class ('ovr') or class pair
    ('ovo')."""
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType
    view, x = operator.raw_operator, operator.inputs[0]
    n_rows, n_classes = x.get_first_dimension(), len(view.classes_)
    label = StringTensorType if view.classes_.dtype.kind == "U" else Int64TensorType
    operator.outputs[0].type = label([n_rows])
    if n_classes == 2 or view.decision_function_shape == "ovr":
        width = n_classes
    else:
        width = n_classes * (n_classes - 1) // 2
    operator.outputs[1].type = type(x.type)([n_rows, width])


def _parse_classifier(scope: Scope, model: object, inputs: list[Variable],
                      custom_parsers: object = None) -> list[Variable]:
    """skl2onnx's parser for the classifier views: the outputs ``label`` and
    ``probabilities`` (the decision values for Perceptron and SVC), with no
    ZipMap (their types are set by the shape calculator)."""
    from skl2onnx import get_model_alias
    from skl2onnx.common.data_types import Int64TensorType
    operator = scope.declare_local_operator(get_model_alias(type(model)), model)
    operator.inputs = inputs
    operator.outputs.extend([
        scope.declare_local_variable("label", Int64TensorType()),
        scope.declare_local_variable("probabilities", type(inputs[0].type)())])
    return operator.outputs


@functools.cache
def _skl2onnx() -> ModuleType:
    """skl2onnx, with fnn's views registered in its converter registry
    (once: registering again would change nothing)."""
    try:
        import skl2onnx
        from skl2onnx.common.shape_calculator import (
            calculate_linear_classifier_output_shapes)
        from skl2onnx.operator_converters.sgd_classifier import (
            convert_sklearn_sgd_classifier)
    except ImportError as error:
        raise ImportError(
            "fnn.to_onnx needs skl2onnx (and onnxruntime to run the exported "
            f'model): pip install "fnn[onnx]". ({error})') from error
    for view, alias, shapes, converter, parser in (
            (_MLPClassifierView, "FnnMLPClassifier",
             calculate_linear_classifier_output_shapes, _convert_mlp_classifier,
             _parse_classifier),
            (_MLPRegressorView, "FnnMLPRegressor", _regressor_shapes,
             _convert_mlp_regressor, None),
            (_PerceptronView, "FnnPerceptron", calculate_linear_classifier_output_shapes,
             convert_sklearn_sgd_classifier, _parse_classifier),
            (_SVCView, "FnnSVC", _svc_shapes,
             _convert_svc, _parse_classifier)):
        # The options skl2onnx's converters and shape calculators look up
        # (we keep their defaults: class labels, no raw scores).
        options = {"nocl": [False, True], "raw_scores": [False, True]} if parser else None
        skl2onnx.update_registered_converter(view, alias, shapes, converter,
                                             parser=parser, options=options)
    return skl2onnx


def to_onnx(model: Exportable, X: ArrayLike, *,
            target_opset: int | dict[str, int] | None = None) -> onnx.ModelProto:
    """Export a fitted fnn estimator to ONNX.

    Parameters
    ----------
    model : MLPClassifier, MLPRegressor, Perceptron or SVC
        A fitted estimator.
    X : array-like of shape (n_samples, n_features), float32 or float64
        A sample of the input (one row is enough): its dtype is the graph's
        input type and its width the number of features.
    target_opset : int or dict, optional
        ONNX opset to target, as in :func:`skl2onnx.to_onnx` (default: the
        newest skl2onnx has been tested with).

    Returns
    -------
    onnx.ModelProto
        A graph with one input ``X`` of shape (N, n_features).  Its first
        output is the prediction: ``label`` (N,) for a classifier (int64
        for numeric or boolean labels, string for string labels; (N,
        n_labels) 0/1 for a multilabel MLPClassifier), ``variable`` (N,
        n_outputs) for a regressor.  A classifier's second output,
        ``probabilities``, holds ``predict_proba`` for MLPClassifier and
        the decision values for Perceptron and SVC: ``decision_function``,
        except for two classes, where skl2onnx's layout is kept, (N, 2)
        ``[-d, d]`` for Perceptron and ``[d, -d]`` for SVC.

        The graph computes in X's dtype, except SVC's SVMClassifier node
        and gelu's Erf, which onnxruntime computes in float32.

    Raises
    ------
    ImportError
        If skl2onnx is not installed (``pip install "fnn[onnx]"``).
    """
    _skl2onnx()
    view_of = next((_VIEWS[cls] for cls in type(model).__mro__ if cls in _VIEWS), None)
    if view_of is None:
        raise TypeError("fnn.to_onnx exports fnn's MLPClassifier, MLPRegressor, "
                        f"Perceptron and SVC; got {type(model).__name__}.")
    fitted: Fitted = model
    if "n_features_in_" not in fitted.__dict__:
        raise NotFittedError(f"This {type(model).__name__} instance is not fitted yet; "
                             "fit it before exporting it.")
    if scipy.sparse.issparse(X):
        raise TypeError("X must be a dense sample (its dtype and width define the "
                        "ONNX graph's input); got a sparse matrix.")
    sample = np.asarray(X)
    if sample.dtype not in (np.float32, np.float64):
        raise TypeError("X must be float32 or float64 (its dtype is the ONNX graph's "
                        f"input type); got {sample.dtype}.")
    if sample.ndim != 2 or sample.shape[1] != fitted.n_features_in_:
        raise ValueError(f"X must be 2-D with {fitted.n_features_in_} columns (the "
                         f"model's features); got shape {sample.shape}.")
    return _convert(view_of(model), sample.dtype, sample.shape[1], target_opset,
                    type(model).__name__)


def _convert(view: object, dtype: DTypeLike, n_features: int,
             target_opset: int | dict[str, int] | None = None,
             name: str = "fnn") -> onnx.ModelProto:
    """The ONNX model of a view, with one input ``X`` (N, n_features) of
    dtype float32 or float64."""
    skl2onnx = _skl2onnx()
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    tensor = FloatTensorType if np.dtype(dtype) == np.float32 else DoubleTensorType
    return skl2onnx.convert_sklearn(view, initial_types=[("X", tensor([None, n_features]))],
                                    target_opset=target_opset, name=name)
