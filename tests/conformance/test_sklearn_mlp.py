"""scikit-learn's own sklearn/neural_network/tests/test_mlp.py, collected with fnn's estimators in
place of scikit-learn's (see substitution.py and conftest.py)."""
from substitution import sklearn_tests

globals().update(sklearn_tests("sklearn.neural_network.tests.test_mlp"))
