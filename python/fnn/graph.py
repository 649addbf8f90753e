"""Reverse-mode differentiation on a computation graph (course notes, sections 2-3).

A function is written as a composition of small *modules* (``-x``, ``exp``,
``sin``, ``2 / c``, ...).  Each module knows how to compute its output and its
*local* derivative.  Evaluating the function builds a graph of
:class:`Variable` nodes that keeps every intermediate value (the forward
pass).  :meth:`Variable.backward` then walks that graph from the output down:
each node multiplies the already-computed derivative of the output with
respect to itself by its local derivative, and adds the product to the
gradient of each input.  A value that feeds several modules receives one
contribution from each, summed.

Design:
    micrograd (Karpathy) is the model.  Every primitive defines its forward
    value and its backward rule side by side in one function; gradients are
    accumulated with ``+=``; ``backward`` is an iterative topological sort
    (deep graphs do not hit Python's recursion limit) followed by a reversed
    walk.  Values are float64 NumPy arrays (0-d for scalars) and follow
    NumPy's broadcasting; the backward pass sums each gradient back to its
    operand's shape.  A few operations (``mean``, ``softmax``, the losses, a
    power with a Variable exponent) are built from the primitives, so their
    gradients come for free.  Meant for teaching and for checking the
    compiled core's gradients, not for speed.

Example
-------
>>> from fnn.graph import Variable, exp, sin
>>> x = Variable(1.0, name="x")
>>> f = 2 / sin(exp(-x))
>>> f.backward()
>>> round(float(x.grad), 6)
5.307988
"""
from __future__ import annotations

import inspect
import os
import pathlib
import shutil
from collections.abc import Callable
from typing import Any, TypeVar, Union, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

__all__ = ["Variable", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu",
           "leaky_relu", "elu", "gelu", "silu", "softplus", "softmax", "matmul", "sum",
           "mean", "squared_error", "cross_entropy", "poisson_deviance"]

_RENDER_FORMATS = ("png", "svg", "pdf")

#: A float64 array: every value and gradient in a graph.
Array = NDArray[np.float64]
#: What the operations accept: a Variable, or a number or array taken as a
#: constant.
Operand = Union["Variable", ArrayLike]


# The Parameters and Returns sections every one-operand function shares,
# written once and added to each docstring by @_one_operand.
_OPERAND_SECTIONS = """

Parameters
----------
x : Variable, number or array
    The operand; a number or an array becomes a constant node.{more}

Returns
-------
Variable
    A new node of x's shape (float64 values), with x as its input.
"""
_Function = TypeVar("_Function", bound=Callable[..., "Variable"])


@overload
def _one_operand(function: _Function) -> _Function: ...
@overload
def _one_operand(*, more: str) -> Callable[[_Function], _Function]: ...
def _one_operand(function: Any = None, *, more: str = "") -> Any:
    """Give a one-operand function's docstring the shared Parameters and
    Returns sections (`more`: numpydoc entries of further parameters)."""
    def decorate(function: _Function) -> _Function:
        if function.__doc__ is not None:  # None under python -OO
            function.__doc__ = inspect.cleandoc(function.__doc__) + _OPERAND_SECTIONS.format(
                more="\n" + more if more else "")
        return function
    return decorate(function) if function is not None else decorate


#: An axis argument of sum and mean.
Axis = Union[int, tuple[int, ...], None]


def _as_float_array(value: ArrayLike, what: str) -> Array:
    """``value`` as a new float64 array, or a TypeError naming ``what``."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be a real number or an array of real numbers; "
                        f"got {value!r}")
    return np.array(arr, dtype=np.float64)


def _lift(x: Operand) -> Variable:
    """A Variable as it is; a plain number or array as a constant leaf."""
    if isinstance(x, Variable):
        return x
    return Variable(x, _op="constant")


def _where(mask: NDArray[np.bool_]) -> str:
    """' at index (i, j)' for the first True entry of ``mask``; '' for 0-d."""
    if mask.ndim == 0:
        return ""
    return f" at index {tuple(int(i) for i in np.argwhere(mask)[0])}"


def _first(values: Array, mask: NDArray[np.bool_]) -> float:
    """The first entry of ``values`` (broadcast to ``mask``) where ``mask`` holds."""
    return float(np.broadcast_to(values, mask.shape)[mask][0])


def _sum_to_shape(grad: Array, shape: tuple[int, ...]) -> Array:
    """Undo broadcasting: add ``grad`` up over the axes that were stretched."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _accumulate(node: Variable, grad: ArrayLike) -> None:
    """``node.grad += grad``, summed back to the node's shape."""
    node.grad += _sum_to_shape(np.asarray(grad), node.value.shape)


def _check_broadcast(op: str, a: Variable, b: Variable) -> None:
    try:
        np.broadcast_shapes(a.value.shape, b.value.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.value.shape} and {b.value.shape} do not "
                         f"broadcast together") from None


class Variable:
    """A value in a computation graph, and the derivative of an output by it.

    Parameters
    ----------
    value : float or array-like of real numbers
        Stored as a float64 NumPy array (0-d for a scalar); the array is
        copied.
    name : str, default=""
        Shown by :meth:`to_dot`.

    Attributes
    ----------
    value : ndarray
        The value computed in the forward pass.
    grad : ndarray
        Same shape as ``value``.  After ``out.backward()``, the derivative of
        ``out`` with respect to this node; zeros before.
    name : str
        Label for drawings.
    op : str
        The operation that produced this node: ``""`` for an input,
        ``"constant"`` for a plain number or array used in an expression.
    parents : tuple of Variable
        The nodes this one was computed from (one entry per use, so ``x * x``
        lists ``x`` twice).

    Notes
    -----
    Supports ``+ - * / ** @`` and unary minus, with Variables, numbers and
    arrays on either side.  A Variable exponent needs a positive base
    (``a ** b`` is computed as ``exp(b * log(a))``).
    """

    # Make NumPy hand ``array + Variable`` to Variable.__radd__ instead of
    # broadcasting over the Variable as an object.
    __array_ufunc__ = None

    def __init__(self, value: ArrayLike, name: str = "", *, _op: str = "",
                 _parents: tuple[Variable, ...] = ()) -> None:
        if isinstance(value, Variable):
            raise TypeError("value is already a Variable; use it directly")
        if not isinstance(name, str):
            raise TypeError(f"name must be a string; got {name!r}")
        self.value = _as_float_array(value, "value")
        self.grad = np.zeros_like(self.value)
        self.name = name
        self.op = _op
        self.parents = tuple(_parents)
        # Leaves pass nothing on; operations replace this with their rule.
        self._backward: Callable[[], None] = lambda: None

    @property
    def shape(self) -> tuple[int, ...]:
        """tuple of int: the shape of ``value`` (``()`` for a scalar)."""
        return self.value.shape

    def __repr__(self) -> str:
        op = f", op={self.op!r}" if self.op else ""
        name = f", name={self.name!r}" if self.name else ""
        return f"Variable({_format(self.value)}, grad={_format(self.grad)}{op}{name})"

    # -- primitives: forward value and local derivative together ----------

    def __add__(self, other: Operand) -> Variable:
        other = _lift(other)
        _check_broadcast("+", self, other)
        out = Variable(self.value + other.value, _op="+", _parents=(self, other))

        def backward() -> None:
            _accumulate(self, out.grad)
            _accumulate(other, out.grad)
        out._backward = backward
        return out

    def __sub__(self, other: Operand) -> Variable:
        other = _lift(other)
        _check_broadcast("-", self, other)
        out = Variable(self.value - other.value, _op="-", _parents=(self, other))

        def backward() -> None:
            _accumulate(self, out.grad)
            _accumulate(other, -out.grad)
        out._backward = backward
        return out

    def __mul__(self, other: Operand) -> Variable:
        other = _lift(other)
        _check_broadcast("*", self, other)
        out = Variable(self.value * other.value, _op="*", _parents=(self, other))

        def backward() -> None:
            _accumulate(self, out.grad * other.value)
            _accumulate(other, out.grad * self.value)
        out._backward = backward
        return out

    def __truediv__(self, other: Operand) -> Variable:
        other = _lift(other)
        _check_broadcast("/", self, other)
        zero = other.value == 0
        if zero.any():
            raise ValueError(f"division by zero: the denominator is 0{_where(zero)}")
        out = Variable(self.value / other.value, _op="/", _parents=(self, other))

        def backward() -> None:
            _accumulate(self, out.grad / other.value)
            # d(a/b)/db = -a / b**2 = -(a/b) / b
            _accumulate(other, -out.grad * out.value / other.value)
        out._backward = backward
        return out

    def __neg__(self) -> Variable:
        out = Variable(-self.value, _op="neg", _parents=(self,))

        def backward() -> None:
            _accumulate(self, -out.grad)
        out._backward = backward
        return out

    def __pow__(self, exponent: Operand) -> Variable:
        if isinstance(exponent, Variable):
            return exp(exponent * log(self))
        p = _as_float_array(exponent, "the exponent")
        base = self.value
        try:
            np.broadcast_shapes(base.shape, p.shape)
        except ValueError:
            raise ValueError(f"**: shapes {base.shape} and {p.shape} do not broadcast "
                             f"together") from None
        bad = (base < 0) & (p != np.round(p))
        if bad.any():
            raise ValueError(f"** with a non-integer exponent needs a non-negative base; "
                             f"got {_first(base, bad):g}{_where(bad)}")
        bad = (base == 0) & (p < 0)
        if bad.any():
            raise ValueError(f"** with a negative exponent of 0{_where(bad)}: division by zero")
        op = f"** {float(p):g}" if p.ndim == 0 else "** array"
        out = Variable(base ** p, _op=op, _parents=(self,))

        def backward() -> None:
            # x**0 is constant; p * x**(p-1) would give 0 * inf at x = 0.
            local = np.where(p == 0, 0.0, p * base ** np.where(p == 0, 1.0, p - 1))
            _accumulate(self, out.grad * local)
        out._backward = backward
        return out

    def __matmul__(self, other: Operand) -> Variable:
        return matmul(self, other)

    # -- reflected operators: a plain number or array on the left ---------

    def __radd__(self, other: Operand) -> Variable:
        return _lift(other) + self

    def __rsub__(self, other: Operand) -> Variable:
        return _lift(other) - self

    def __rmul__(self, other: Operand) -> Variable:
        return _lift(other) * self

    def __rtruediv__(self, other: Operand) -> Variable:
        return _lift(other) / self

    def __rpow__(self, other: Operand) -> Variable:
        return _lift(other) ** self

    def __rmatmul__(self, other: Operand) -> Variable:
        return matmul(other, self)

    # -- the backward pass -------------------------------------------------

    def _topological_order(self) -> list[Variable]:
        """Every node this one depends on, each after all of its parents.

        Depth-first with an explicit stack instead of recursion, so a chain
        of thousands of operations is fine.
        """
        order: list[Variable] = []
        seen: set[Variable] = set()
        stack = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if p not in seen)
        return order

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Fill ``.grad`` of every node this one depends on.

        After the call, ``node.grad`` holds d(self)/d(node).  Gradients from
        an earlier ``backward`` are reset first, so calling it twice gives the
        same result.

        Parameters
        ----------
        grad : array-like or None
            The seed d(loss)/d(self).  Optional when ``self`` holds a single
            number (the seed is then 1); required otherwise, with the shape
            of ``self.value``.
        """
        if grad is None:
            if self.value.size != 1:
                raise ValueError(
                    f"backward() on a non-scalar of shape {self.value.shape} needs a "
                    f"seed: pass grad= an array of that shape, or reduce the value "
                    f"with sum() or mean() first")
            seed = np.ones_like(self.value)
        else:
            seed = _as_float_array(grad, "grad")
            if seed.shape != self.value.shape:
                raise ValueError(f"grad has shape {seed.shape}; backward() needs the "
                                 f"shape of the value, {self.value.shape}")
        order = self._topological_order()
        for node in order:
            node.grad = np.zeros_like(node.value)
        self.grad = seed
        for node in reversed(order):
            node._backward()

    # -- drawing -----------------------------------------------------------

    def to_dot(self) -> str:
        """The graph as Graphviz DOT text.

        One box per node, showing its name and operation, its value and its
        gradient; arrows follow the data from inputs to this node.

        Returns
        -------
        str
            A ``digraph`` that Graphviz's ``dot`` draws (see :meth:`render`).
        """
        order = self._topological_order()
        number = {node: i for i, node in enumerate(order)}
        lines = ["digraph computation {", "  rankdir=LR;",
                 '  node [shape=box, fontname="monospace"];']
        for node, i in number.items():
            label = "\\n".join([_title(node), f"value = {_format(node.value)}",
                                f"grad = {_format(node.grad)}"])
            lines.append(f'  n{i} [label="{label}"];')
        for node, i in number.items():
            lines.extend(f"  n{number[p]} -> n{i};" for p in node.parents)
        lines.append("}")
        return "\n".join(lines) + "\n"

    def render(self, path: str | os.PathLike[str], format: str = "png") -> pathlib.Path:
        """Draw the graph (see :meth:`to_dot`) to an image file.

        Needs the ``graphviz`` Python package and Graphviz's ``dot`` program.

        Parameters
        ----------
        path : str or path-like
            File to write.
        format : {"png", "svg", "pdf"}, default="png"

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        ImportError
            If the ``graphviz`` Python package is missing.
        RuntimeError
            If the ``dot`` program is not on PATH.
        """
        if format not in _RENDER_FORMATS:
            raise ValueError(f"format must be one of {list(_RENDER_FORMATS)}; got {format!r}")
        no_dot = ("Graphviz's dot program is not on PATH: install Graphviz "
                  "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
                  "conda: conda install graphviz)")
        try:
            import graphviz
        except ImportError:
            missing = "the graphviz Python package is not installed (pip install graphviz)"
            if shutil.which("dot") is None:
                missing += ", and " + no_dot
            raise ImportError(f"render() needs Graphviz: {missing}") from None
        if shutil.which("dot") is None:
            raise RuntimeError(f"render() needs Graphviz: {no_dot}")
        try:
            image = graphviz.Source(self.to_dot()).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(f"render() needs Graphviz: {no_dot}") from None
        out = pathlib.Path(path)
        out.write_bytes(image)
        return out


def _format(arr: Array) -> str:
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    text = np.array2string(arr, threshold=8, edgeitems=1, separator=", ",
                           max_line_width=10**6,
                           formatter={"float_kind": lambda v: f"{v:.4g}"})
    text = " ".join(text.split())
    # A summarised array ("...") does not show its shape; say it.
    return f"{arr.shape} {text}" if arr.size > 8 else text


def _title(node: Variable) -> str:
    if node.op in ("", "constant"):
        return node.name or node.op or "input"
    return f"{node.name} = {node.op}" if node.name else node.op


# -- elementwise primitives --------------------------------------------------
# Each takes a Variable, a number or an array and returns a Variable.

def _elementwise(x: Operand, op: str, value: Callable[[Array], Array],
                 local_derivative: Callable[[Array, Array], Any]) -> Variable:
    """A node computing ``value(x)`` entry by entry.

    ``local_derivative(x, out)`` gives d out / d x from the input and output
    values; the backward rule multiplies it by the gradient arriving from
    above.
    """
    x = _lift(x)
    out = Variable(value(x.value), _op=op, _parents=(x,))

    def backward() -> None:
        _accumulate(x, out.grad * local_derivative(x.value, out.value))
    out._backward = backward
    return out


@_one_operand
def exp(x: Operand) -> Variable:
    """Elementwise e**x; its derivative is itself."""
    return _elementwise(x, "exp", np.exp, lambda x, e: e)


def log(x: Operand) -> Variable:
    """Elementwise natural logarithm, d/dx = 1/x.

    Parameters
    ----------
    x : Variable, number or array
        The operand; a number or an array becomes a constant node.
        Every value must be positive.

    Returns
    -------
    Variable
        A new node of x's shape (float64 values), with x as its input.

    Raises
    ------
    ValueError
        If a value of x is not positive (0, negative or NaN).
    """
    x = _lift(x)
    bad = ~(x.value > 0)
    if bad.any():
        raise ValueError(f"log of a non-positive value {_first(x.value, bad):g}{_where(bad)}; "
                         f"log needs x > 0")
    return _elementwise(x, "log", np.log, lambda x, _: 1 / x)


@_one_operand
def sin(x: Operand) -> Variable:
    """Elementwise sine (radians), d/dx = cos x."""
    return _elementwise(x, "sin", np.sin, lambda x, _: np.cos(x))


@_one_operand
def cos(x: Operand) -> Variable:
    """Elementwise cosine (radians), d/dx = -sin x."""
    return _elementwise(x, "cos", np.cos, lambda x, _: -np.sin(x))


@_one_operand
def tanh(x: Operand) -> Variable:
    """Elementwise hyperbolic tangent, d/dx = 1 - tanh(x)**2."""
    return _elementwise(x, "tanh", np.tanh, lambda _, t: 1 - t ** 2)


def _logistic(x: Array) -> Array:
    # e**-|x| never overflows; the two branches are the same function.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_one_operand
def sigmoid(x: Operand) -> Variable:
    """Elementwise logistic sigmoid s = 1 / (1 + e**-x), d/dx = s (1 - s)."""
    return _elementwise(x, "sigmoid", _logistic, lambda _, s: s * (1 - s))


@_one_operand
def relu(x: Operand) -> Variable:
    """Elementwise max(x, 0), d/dx = 1 where x > 0, else 0 (also at 0)."""
    return _elementwise(x, "relu", lambda x: np.maximum(x, 0),
                        lambda x, _: (x > 0).astype(np.float64))


# -- primitives that change shape --------------------------------------------

def matmul(a: Operand, b: Operand) -> Variable:
    """Matrix product ``a @ b`` of 1-D or 2-D operands, as ``numpy.matmul``.

    Parameters
    ----------
    a, b : Variable, number or array
        1-D (a vector) or 2-D; ``a``'s last axis must match ``b``'s first.

    Returns
    -------
    Variable
    """
    a, b = _lift(a), _lift(b)
    for side, x in (("first", a), ("second", b)):
        if x.value.ndim not in (1, 2):
            raise ValueError(f"matmul: the {side} operand must be 1-D or 2-D; "
                             f"got shape {x.value.shape}")
    if a.value.shape[-1] != b.value.shape[0]:
        raise ValueError(f"matmul: shapes {a.value.shape} and {b.value.shape} do not "
                         f"match ({a.value.shape[-1]} != {b.value.shape[0]})")
    out = Variable(a.value @ b.value, _op="@", _parents=(a, b))

    def backward() -> None:
        # Treat vectors as a row (a) or a column (b) so the 2-D rules
        # dA = G B^T and dB = A^T G cover every case, then drop the axis again.
        A = a.value.reshape(-1, a.value.shape[-1])
        B = b.value.reshape(b.value.shape[0], -1)
        G = out.grad.reshape(A.shape[0], B.shape[1])
        _accumulate(a, (G @ B.T).reshape(a.value.shape))
        _accumulate(b, (A.T @ G).reshape(b.value.shape))
    out._backward = backward
    return out


def sum(x: Operand, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Sum of the entries, over all axes or the given ones.

    Parameters
    ----------
    x : Variable, number or array
    axis : int, tuple of int or None, default=None
    keepdims : bool, default=False

    Returns
    -------
    Variable
    """
    x = _lift(x)
    out = Variable(np.sum(x.value, axis=axis, keepdims=keepdims), _op="sum",
                   _parents=(x,))

    def backward() -> None:
        grad = out.grad
        if axis is not None and not keepdims:
            grad = np.expand_dims(grad, axis)
        # Every summed entry moves the total one for one.
        _accumulate(x, np.broadcast_to(grad, x.value.shape))
    out._backward = backward
    return out


# -- operations built from the primitives ------------------------------------

def mean(x: Operand, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Mean of the entries, over all axes or the given ones: :func:`sum`
    (same arguments) divided by the number of entries summed.

    Parameters
    ----------
    x : Variable, number or array
        The operand; a number or an array becomes a constant node.
    axis : int, tuple of int or None, default=None
        The axes to average over; None averages every entry.
    keepdims : bool, default=False
        Keep the averaged axes with size 1, as ``numpy.mean`` does.

    Returns
    -------
    Variable
        The mean, a node built from :func:`sum` and a division.
    """
    x = _lift(x)
    total = sum(x, axis=axis, keepdims=keepdims)
    return total / (x.value.size // max(total.value.size, 1))


def softmax(x: Operand, axis: int = -1) -> Variable:
    """exp(x) / sum(exp(x)) along ``axis``.

    Parameters
    ----------
    x : Variable, number or array
    axis : int, default=-1

    Returns
    -------
    Variable
    """
    x = _lift(x)
    # softmax(x - s) == softmax(x) for any s, so subtracting the maximum
    # (a constant: no gradient flows through it) only prevents overflow.
    e = exp(x - x.value.max(axis=axis, keepdims=True))
    return e / sum(e, axis=axis, keepdims=True)


def squared_error(prediction: Operand, target: Operand) -> Variable:
    """Sum of squared differences, ``sum((prediction - target) ** 2)``.

    For one output this is the notes' loss l = (y - t)**2; divide by the
    number of examples for a mean.

    Parameters
    ----------
    prediction, target : Variable, number or array

    Returns
    -------
    Variable
        A scalar.
    """
    return sum((_lift(prediction) - target) ** 2)


def cross_entropy(probabilities: Operand, target: Operand) -> Variable:
    """Cross-entropy ``-sum(target * log(probabilities))``.

    Parameters
    ----------
    probabilities : Variable or array
        Positive, e.g. the output of :func:`softmax`.
    target : Variable, number or array
        Usually one-hot rows.

    Returns
    -------
    Variable
        A scalar: the sum over all entries (over examples too; divide by
        their number for a mean).
    """
    return -sum(_lift(target) * log(probabilities))


def poisson_deviance(prediction: Operand, target: Operand) -> Variable:
    """Half the Poisson deviance, ``sum(xlogy(t, t / p) - t + p)``.

    scikit-learn's ``MLPRegressor(loss="poisson")`` loss (summed here over
    all entries: divide by the number of examples for its mean), whose
    prediction is ``exp`` of the last layer: with ``p = exp(z)`` the
    gradient by ``z`` is ``p - t``.  Built from the primitives as
    ``t log t - t log p - t + p``, where ``t log t`` is 0 at ``t = 0``.

    Parameters
    ----------
    prediction : Variable, number or array
        Positive, e.g. ``exp(z)``.
    target : Variable, number or array
        Non-negative, e.g. counts.

    Returns
    -------
    Variable
        A scalar.
    """
    prediction, target = _lift(prediction), _lift(target)
    _check_broadcast("poisson_deviance", prediction, target)
    bad = ~(prediction.value > 0)
    if bad.any():
        raise ValueError(f"poisson_deviance needs a positive prediction; got "
                         f"{_first(prediction.value, bad):g}{_where(bad)}")
    bad = ~(target.value >= 0)
    if bad.any():
        raise ValueError(f"poisson_deviance needs a non-negative target; got "
                         f"{_first(target.value, bad):g}{_where(bad)}")
    # Where t = 0, log's argument becomes 1 (a constant added there), so the
    # product t log t is 0 and so is its gradient.
    t_log_t = target * log(target + (target.value == 0))
    return sum(t_log_t - target * log(prediction) - target + prediction)


# -- hidden activations beyond scikit-learn's ---------------------------------
# PyTorch's definitions and defaults, as the compiled core's.  silu is built
# from the primitives; the others are primitives of their own, so that none
# overflows (softplus and elu at large |x|) or cancels (gelu's left tail).

@_one_operand(more="""negative_slope : float, default=0.01
    The slope for x <= 0 (PyTorch's default, and the compiled core's).""")
def leaky_relu(x: Operand, negative_slope: float = 0.01) -> Variable:
    """Elementwise x where x > 0, else ``negative_slope * x``; d/dx = 1
    where x > 0, else ``negative_slope`` (also at 0, as PyTorch)."""
    return _elementwise(x, "leaky_relu",
                        lambda x: np.where(x > 0, x, negative_slope * x),
                        lambda x, _: np.where(x > 0, 1.0, negative_slope))


@_one_operand
def elu(x: Operand) -> Variable:
    """Elementwise x where x > 0, else e**x - 1 (alpha 1); d/dx = 1 where
    x > 0, else e**x."""
    return _elementwise(x, "elu", lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
                        lambda x, _: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))))


@_one_operand
def gelu(x: Operand) -> Variable:
    """Elementwise x Phi(x), Phi the standard normal CDF (the exact form,
    not the tanh approximation); d/dx = Phi(x) + x phi(x)."""
    def derivative(x: np.ndarray, _: np.ndarray) -> np.ndarray:
        return ndtr(x) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    return _elementwise(x, "gelu", lambda x: x * ndtr(x), derivative)


@_one_operand
def silu(x: Operand) -> Variable:
    """Elementwise x sigmoid(x) (also called swish), built from
    :func:`sigmoid` and ``*``, so its graph shows both nodes."""
    x = _lift(x)
    return x * sigmoid(x)


@_one_operand
def softplus(x: Operand) -> Variable:
    """Elementwise log(1 + e**x), computed as max(x, 0) + log1p(e**-|x|) so
    that nothing overflows; d/dx = sigmoid(x)."""
    return _elementwise(x, "softplus", lambda x: np.logaddexp(0.0, x),
                        lambda x, _: _logistic(x))
