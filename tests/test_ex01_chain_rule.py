"""Notebook 01's exercises: right answers pass, typical wrong answers fail with a hint."""

import pytest
from exercise_cases import assert_passes, exercise_tests

from coursekit import trace
from coursekit.exercises.ex01_chain_rule import STEPPER_POINT, product_and_max, stepper_total
from coursekit.explorers import stepper_view

RIGHT_AND_WRONG = {
    "1.1": (
        lambda x, y, z: (z, z, x + y),
        [
            (lambda x, y, z: (-z, -z, -(x + y)), "∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1"),
            (lambda x, y, z: (z, z, x), "expected"),
            (lambda x, y, z: (x + y) * z, "expected a tuple of 3 values"),
            (lambda x, y, z: (x + y, x + y, z), "value 1 of 3"),
        ],
    ),
    "1.2": (
        lambda x, y, upstream: (upstream, upstream),
        [
            (lambda x, y, upstream: (1.0, 1.0), "each input gets the upstream gradient"),
            (lambda x, y, upstream: (-upstream, -upstream), "expected"),
            (lambda x, y, upstream: x + y, "expected a tuple"),
        ],
    ),
    "1.3": (
        lambda x, y, upstream: (upstream * y, upstream * x),
        [
            (lambda x, y, upstream: (upstream * x, upstream * y), "gradient flowing into x"),
            (lambda x, y, upstream: (y, x), "times y"),
            (lambda x, y, upstream: x * y, "expected a tuple"),
            (lambda x, y, upstream: (-upstream * y, -upstream * x), "expected"),
        ],
    ),
    "1.4": (
        lambda x, y, upstream: (
            (upstream, 0.0) if x > y else (0.0, upstream) if y > x else (upstream / 2,) * 2
        ),
        [
            (lambda x, y, upstream: (upstream, upstream), "the other 0"),
            (lambda x, y, upstream: (0.0, upstream) if x >= y else (upstream, 0.0), "larger"),
            (lambda x, y, upstream: (upstream, 0.0) if x >= y else (0.0, upstream), "gets half"),
            (lambda x, y, upstream: (upstream, 0.0) if x > y else (0.0, upstream), "on a tie"),
            (lambda x, y, upstream: max(x, y), "expected a tuple"),
        ],
    ),
    "1.5": (
        lambda x, y: (y + 1, x),
        [
            (lambda x, y: (y, x), "gradients from both uses add up"),
            (lambda x, y: (1.0, x), "add up"),
            (lambda x, y: x * y + x, "expected a tuple"),
        ],
    ),
    "1.6": (
        4.0,
        [
            (5.0, "1 too large"),  # y + 1, as if the max gate routed to x as in exercise 1.5
            (1.0, "3 too small"),  # the max gate's share alone
            (2.0, "too small"),  # x itself: the multiply gate swaps
            ("4", "a prediction should be a number"),
        ],
    ),
}


test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=1
)


def test_the_prediction_is_measured_from_the_steps_the_stepper_draws():
    g = trace(product_and_max, **STEPPER_POINT).backward()
    last = stepper_view(g, len(g.steps()))
    assert last.step == last.steps == 3
    assert stepper_total(product_and_max, STEPPER_POINT, "x") == g.grads["x"] == 4.0


@pytest.mark.parametrize("near", [3.6, 4.0, 4.5])
def test_a_prediction_within_half_of_the_stepper_passes(near):
    assert_passes("1.6", near)
