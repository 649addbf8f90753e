"""
Backpropagation on a computation graph
======================================

The course notes' example function, ``f(x) = 2 / sin(exp(-x))``, written as
four modules, ``a = -x``, ``b = exp(a)``, ``c = sin(b)`` and ``d = 2 / c``.
Evaluating it with :mod:`fnn.graph` records the graph of modules and keeps
every intermediate value (the forward pass); ``backward()`` then walks the
graph from ``d`` down, multiplying each module's local derivative by the
derivative already computed above it (the backward pass).

Each box below shows a node's value and, after ``backward()``, its
``grad``: the derivative of the output with respect to that node. The
pictures are drawn by :meth:`fnn.graph.Variable.render`, which needs
Graphviz's ``dot`` program. The page :doc:`/backprop` works through the
same examples step by step.
"""

import pathlib
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from fnn.graph import Variable, exp, matmul, sigmoid, sin, squared_error

# %%
# The forward pass
# ----------------
# The notes evaluate f at x = -4.499, where e^4.499 is about 90 and
# "sin 90 = 1": that is sin of 90 degrees. NumPy works in radians, so the
# same point is x = -ln(pi/2), where b = pi/2 and c = sin b = 1.
x = Variable(-np.log(np.pi / 2), name="x")
a = -x
b = exp(a)
c = sin(b)
d = 2 / c
for node, name in [(a, "a"), (b, "b"), (c, "c"), (d, "d")]:
    node.name = name
print(f"a = {a.value:.4f}, b = {b.value:.4f}, c = {c.value:.4f}, d = f(x) = {d.value:.4f}")

# %%
# The backward pass
# -----------------
# The chain rule written out by hand, df/dx = (-2 / c**2) cos(b) e**a (-1),
# is zero here because cos(pi/2) = 0, and the graph agrees.
d.backward()
by_hand = -2 / c.value ** 2 * np.cos(b.value) * np.exp(a.value) * -1
print(f"df/dx: graph {float(x.grad):.3g}, by hand {float(by_hand):.3g}")


def show(image, title):
    """Show a PNG image in a matplotlib figure at one image pixel per figure
    pixel (the gallery saves figures at 100 dots per inch)."""
    height, width = image.shape[:2]
    fig = plt.figure(figsize=(width / 100, height / 100 + 0.4))
    ax = fig.add_axes((0, 0, 1, height / (height + 40)))
    ax.imshow(image)
    ax.set_axis_off()
    fig.suptitle(title)


def render(variable):
    """The graph as Graphviz draws it (Variable.render), read back as an image."""
    with tempfile.TemporaryDirectory() as folder:
        return plt.imread(variable.render(pathlib.Path(folder) / "graph.png"))


show(render(d), "f(x) = 2 / sin(exp(-x)) at x = -ln(pi/2): every grad after backward()")

# %%
# A point with a slope
# --------------------
# A zero derivative is a weak check, so take x = 1 as well. Each ``grad`` is
# the one above it times one local derivative: dd/dc = -2 / c**2, then
# dd/db = dd/dc * cos(b), and so on down to dd/dx.
x = Variable(1.0, name="x")
d = 2 / sin(exp(-x))
d.backward()
h = 1e-6
finite_difference = ((2 / np.sin(np.exp(-(1 + h)))) - (2 / np.sin(np.exp(-(1 - h))))) / (2 * h)
print(f"df/dx at x = 1: graph {float(x.grad):.6f}, finite difference {finite_difference:.6f}")
show(render(d), "the same graph at x = 1")

# %%
# The small network of the notes
# ------------------------------
# Two inputs, three logistic hidden units, one linear output and the squared
# error against a target: k = x W + b, h = sigmoid(k), y = h v + c,
# l = (y - t)**2. With matrices each layer is one node, and ``backward()``
# fills in the gradient of every weight at once: dl/dv = 2 (y - t) h, the
# update rule of the notes' section 2.3.
inputs = Variable([[1.0, -2.0]], name="x")
W = Variable([[0.2, -0.4, 0.7], [0.5, 0.1, -0.3]], name="W")
hidden_bias = Variable([0.1, -0.2, 0.05], name="b")
v = Variable([[0.6], [-0.8], [0.3]], name="v")
output_bias = Variable([0.1], name="c")

k = matmul(inputs, W) + hidden_bias
k.name = "k"
hidden = sigmoid(k)
hidden.name = "h"
output = matmul(hidden, v) + output_bias
output.name = "y"
loss = squared_error(output, np.array([[0.5]]))
loss.name = "l"
loss.backward()

np.testing.assert_allclose(v.grad, 2 * (output.value - 0.5) * hidden.value.T)
print("dl/dv =", v.grad.ravel(), "= 2 (y - t) h")

# %%
# ``render`` lays a graph out from left to right, which suits a chain. This
# graph is long and its boxes wide, so here the DOT text of ``to_dot()`` is
# turned to run from top to bottom and drawn with the ``graphviz`` package
# directly.
import io

import graphviz

dot = loss.to_dot().replace("rankdir=LR", "rankdir=TB")
png = graphviz.Source(dot).pipe(format="png")
show(plt.imread(io.BytesIO(png)),
     "the network's loss: the grads of W, b, v and c after one backward()")
plt.show()
