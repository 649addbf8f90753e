"""fnn: fast feedforward neural networks on the CPU, with scikit-learn's API.

Estimators: :class:`MLPClassifier`, :class:`MLPRegressor`.
"""
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._perceptron import Perceptron
from ._svc import SVC
from .exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from ._persistence import load
from . import data, datasets, graph
from ._plotting import plot_learning_curve
from ._onnx import to_onnx
from ._version import __version__

__all__ = ["MLPClassifier", "MLPRegressor", "Perceptron", "SVC", "ConvergenceWarning",
           "DataConversionWarning", "NotFittedError", "load", "plot_learning_curve", "to_onnx",
           "__version__"]
