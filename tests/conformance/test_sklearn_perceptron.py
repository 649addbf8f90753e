"""scikit-learn's own sklearn/linear_model/tests/perceptron/test_perceptron.py, collected with fnn's estimators in
place of scikit-learn's (see substitution.py and conftest.py)."""
from substitution import sklearn_tests

globals().update(sklearn_tests("sklearn.linear_model.tests.test_perceptron"))
