"""Notebook 02's exercises: right answers pass, typical wrong answers fail with a hint."""

import math
import re

import numpy as np
import pytest
from exercise_cases import assert_fails_helpfully, assert_passes, exercise_tests, failure_of

from coursekit.exercises.ex02_sigmoid import PLAYGROUND_POINT, playground_gradient

RIGHT_AND_WRONG = {
    "2.1": (
        {"*-1": lambda v: -1.0, "exp": math.exp, "+1": lambda v: 1.0, "1/x": lambda v: -1 / v**2},
        [
            ({"*-1": lambda v: 1.0, "exp": math.exp, "+1": lambda v: 1.0,
              "1/x": lambda v: -1 / v**2}, "local gradient c"),
            ({"*-1": lambda v: -1.0, "exp": math.exp, "+1": lambda v: 1.0,
              "1/x": lambda v: 1 / v**2}, "-1/v²"),
            ({"*-1": lambda v: -1.0, "exp": lambda v: v, "+1": lambda v: 1.0,
              "1/x": lambda v: -1 / v**2}, "its own derivative"),
            ({"*-1": lambda v: -1.0, "exp": math.exp, "+1": lambda v: v + 1,
              "1/x": lambda v: -1 / v**2}, "does not change the slope"),
        ],
    ),
    "2.2": (
        lambda s, upstream: _sigmoid_gate_right(s, upstream),
        [
            (lambda s, upstream: (1 / (1 + math.exp(-s)), 1.0), "upstream · σ(s)·(1 − σ(s))"),
            (lambda s, upstream: (1 / (1 + math.exp(-s)), upstream * (1 / (1 + math.exp(-s)))),
             "σ(s)·(1 − σ(s))"),
            (lambda s, upstream: (1 / (1 + math.exp(-s)), 0.0), "expected"),
            (lambda s, upstream: (s, upstream), "expected"),
        ],
    ),
    "2.3": (
        lambda x, y: _staged_right(x, y),
        [
            (lambda x, y: _staged_right(x, y, forget_branch=True), "add both contributions"),
            (lambda x, y: _staged_right(x, y)[::-1], "expected"),
            (lambda x, y: _staged_right(x, y, forward_only=True), "expected a tuple"),
        ],
    ),
    "2.4": (
        -0.0025,
        [
            (-0.20, "too small"),  # the lectures' gradient, as if b changed nothing
            (-0.02, "too small"),  # a tenth of it
            (0.25, "too large"),  # the sigmoid's largest slope
            ((-0.0025,), "a prediction should be a number"),
        ],
    ),
}

def _sigmoid_gate_right(s, upstream):
    sig = 1 / (1 + math.exp(-s)) if s >= 0 else math.exp(s) / (1 + math.exp(s))
    return (sig, upstream * sig * (1 - sig))


def _staged_right(x, y, forget_branch=False, forward_only=False):
    a = x * y
    s = 1 / (1 + math.exp(-a))
    b = x + y
    if forward_only:
        return s * b
    grad_s, grad_b = b, s
    grad_a = grad_s * s * (1 - s)
    if forget_branch:
        return (grad_a * y, grad_a * x)
    return (grad_a * y + grad_b, grad_a * x + grad_b)


test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=2
)


def test_sigmoid_gate_that_overflows_is_caught_at_large_negative_inputs():
    def naive(s, upstream):
        sig = 1 / (1 + math.exp(-s))
        return (sig, upstream * sig * (1 - sig))

    assert re.search(r"sigmoid_gate\(s=-750.*raised OverflowError", failure_of("2.2", naive))


def test_sigmoid_gate_built_on_np_exp_is_caught_by_its_overflow():
    def naive(s, upstream):  # right to the last digit even at ±1000, through inf
        sig = 1 / (1 + np.exp(-s))
        return (float(sig), upstream * float(sig) * (1 - float(sig)))

    assert_fails_helpfully("2.2", naive, "σ(s) = e^s / (1 + e^s)")
    assert re.search(r"sigmoid_gate\(s=-750.*raised FloatingPointError", failure_of("2.2", naive))


def test_sigmoid_gate_is_called_positionally_so_its_parameter_names_are_free():
    assert_passes("2.2", lambda x, grad_out: _sigmoid_gate_right(x, grad_out))
    assert_passes("2.3", lambda a, b: _staged_right(a, b))


def test_the_prediction_is_the_playgrounds_gradient_at_s_6():
    sigma = 1 / (1 + math.exp(-6))
    assert playground_gradient(PLAYGROUND_POINT, "w0") == pytest.approx(sigma * (1 - sigma) * -1)


@pytest.mark.parametrize("near", [0.0, -0.002, -0.005])
def test_a_prediction_of_nearly_no_gradient_passes(near):
    assert_passes("2.4", near)
