"""The parameter-constraint table and its checker (python/fnn/_param_validation.py)."""
import os
from numbers import Integral, Real

import numpy as np
import pytest

from fnn._param_validation import (InvalidParameterError, Interval, Options,
                                   check_param, describe_constraints, validate_params)


@pytest.mark.parametrize("interval, inside, outside", [
    (Interval(Real, 0, None, closed="left"), [0, 0.0, 1e300, 3], [-1e-300, float("nan"), True]),
    (Interval(Real, 0, 1, closed="neither"), [0.5, 1e-9], [0, 1, 2]),
    (Interval(Real, 0, 1, closed="right"), [1, 0.1], [0]),
    (Interval(Integral, 1, None, closed="left"), [1, 10 ** 12, np.int64(3)], [0, 1.0, 2.5, False]),
    (Interval(Real, 0, None, closed="neither"), [float("inf"), 1e-300], [0]),
    (Interval(Real, None, None, closed="neither"), [-5.0, 7], ["7", None]),
])
def test_interval_accepts_exactly_its_values(interval, inside, outside):
    assert all(interval.accepts(v) for v in inside)
    assert not any(interval.accepts(v) for v in outside)


def test_messages_follow_scikit_learn_wording():
    with pytest.raises(InvalidParameterError) as info:
        check_param("MLPClassifier", "alpha", -1, [Interval(Real, 0, None, closed="left")])
    assert str(info.value) == ("The 'alpha' parameter of MLPClassifier must be a float "
                               "in the range [0.0, inf). Got -1 instead.")
    text = describe_constraints([Options(["auto"]), Interval(Integral, 1, None,
                                                                closed="left")])
    assert text == "a str among {'auto'} or an int in the range [1, inf)"
    assert describe_constraints([Interval(Real, 0, 1, closed="neither"), None]) == (
        "a float in the range (0.0, 1.0) or None")
    # scikit-learn 1.9's names for booleans and for a set of floats.
    assert describe_constraints(["boolean"]) == (
        "an instance of 'bool' or an instance of 'numpy.bool'")
    assert describe_constraints([Interval(Integral, 0, None, closed="left"), "boolean"]) == (
        "an int in the range [0, inf), an instance of 'bool' or an instance of "
        "'numpy.bool'")
    assert describe_constraints([Interval(Integral, 1, None, closed="left"),
                                 Options([np.inf])]) == (
        "an int in the range [1, inf) or a float among {inf}")
    assert describe_constraints([None, Options(["balanced"]), "dict"]) == (
        "a str among {'balanced'}, an instance of 'dict' or None")


def test_error_is_both_value_and_type_error():
    # scikit-learn's InvalidParameterError is both, so either except clause
    # written for scikit-learn catches ours.
    for kind in (ValueError, TypeError):
        with pytest.raises(kind):
            check_param("X", "shuffle", "yes", ["boolean"])


@pytest.mark.parametrize("kind, good, bad", [
    ("boolean", [True, np.bool_(False)], [1, "True", None]),
    ("random_state", [None, 0, 2 ** 32 - 1, np.random.RandomState(0)], [-1, 2 ** 32, 1.5, "0"]),
    ("path", ["a.fnn", os.path.join("x", "y")], [3, None]),
    ("dict", [{}], [[]]),
])
def test_named_kinds(kind, good, bad):
    for value in good:
        check_param("E", "p", value, [kind])
    for value in bad:
        with pytest.raises(InvalidParameterError):
            check_param("E", "p", value, [kind])


def test_options_compare_strings_only_with_strings():
    options = Options(["relu", "tanh"])
    assert options.accepts("relu")
    assert not options.accepts(np.array(["relu"]))
    assert not options.accepts(["relu"])


def test_float_options_accept_only_their_floats():
    options = Options([np.inf])
    assert options.accepts(np.inf) and options.accepts(np.float64(np.inf))
    assert not any(options.accepts(v) for v in (-np.inf, 1e308, "inf", [np.inf], True))


def test_options_are_of_one_type():
    with pytest.raises(ValueError, match="one type"):
        Options(["auto", 1])


def test_validate_params_reads_the_class_table():
    class Estimator:
        _parameter_constraints = {"alpha": [Interval(Real, 0, None, closed="left")],
                                  "solver": [Options(["sgd", "adam"])]}

        def __init__(self, alpha=0.1, solver="adam"):
            self.alpha, self.solver = alpha, solver

    validate_params(Estimator())
    with pytest.raises(InvalidParameterError, match="'solver' parameter of Estimator"):
        validate_params(Estimator(solver="lbfgs"))
