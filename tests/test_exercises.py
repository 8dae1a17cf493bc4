"""Exercises: right answers pass with one line; typical wrong answers fail with help."""

import math

import numpy as np
import pytest

from coursekit.exercises import check, exercises, hint
from coursekit.exercises.framework import NotAnswered, difference

# ----- the comparison itself


def test_difference_accepts_equal_values_of_the_right_type():
    assert difference(1.0, 1.0 + 1e-9) == ""
    assert difference((1.0, 2), (1.0, 2)) == ""
    assert difference([1.0, 2.0], (1.0, 2.0)) == ""
    assert difference(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == ""
    assert difference(np.float64(3.0), 3.0) == ""
    assert difference(True, True) == ""
    assert difference(" MSE ", "mse") == ""


def test_difference_rejects_an_object_that_claims_to_equal_everything():
    class EqualsAnything:
        def __eq__(self, other):
            return True

    assert "expected a number" in difference(EqualsAnything(), 1.0)
    assert "expected a tuple" in difference(EqualsAnything(), (1.0, 2.0))
    assert "numpy array" in difference(EqualsAnything(), np.zeros(2))


def test_difference_rejects_a_float_subclass_that_lies_about_equality():
    class LyingFloat(float):
        def __eq__(self, other):
            return True

    assert difference(LyingFloat(5.0), 1.0) == "expected 1, got 5"


def test_difference_explains_type_shape_and_value_mistakes():
    assert difference("1.0", 1.0).startswith("expected a number (about 1), got str")
    assert difference(True, 1.0).startswith("expected a number")
    assert difference((1.0,), (1.0, 2.0)) == "expected 2 values, got 1: (1)"
    assert difference((1.0, 3.0), (1.0, 2.0)) == "value 2 of 2: expected 2, got 3"
    assert difference(np.zeros(3), np.zeros(2)) == "expected shape (2,), got shape (3,)"
    assert "first at index (1,)" in difference(np.array([0.0, 1.0]), np.zeros(2))
    assert difference(2.5, 3) == "expected a whole number (3), got float 2.5"


def test_difference_points_a_value_answer_to_data():
    from coursekit import Value

    assert ".data" in difference(Value(2.0), 2.0)


# ----- check and hint


def test_check_prints_one_line_when_every_case_passes(capsys):
    check("0.1", lambda a, b, x: a)
    line = "Exercise 0.1 (warm-up: the slope of a line): all 4 checks passed\n"
    assert capsys.readouterr().out == line


def test_check_of_an_unanswered_exercise_says_what_to_do():
    def slope(a, b, x):
        raise NotImplementedError("Exercise 0.1: replace this line with your answer")

    with pytest.raises(NotAnswered, match="not answered yet: replace the `raise"):
        check("0.1", slope)


def test_check_reports_an_exception_with_the_case_that_caused_it():
    with pytest.raises(AssertionError, match=r"check 1 of 4: slope\(a=2, b=1, x=5\) raised Zero"):
        check("0.1", lambda a, b, x: a / 0)


def test_check_of_an_unknown_exercise_lists_the_known_ones():
    with pytest.raises(KeyError, match="there is no exercise '9.9'; the exercises are 0.1, 1.1"):
        check("9.9", None)


def test_check_with_a_number_as_id_says_ids_are_text():
    with pytest.raises(TypeError, match="exercise ids are text"):
        check(1.2, None)


def test_hints_come_one_at_a_time_then_the_solution_with_a_warning(capsys):
    count = len(exercises()["1.3"].hints)
    for number in range(1, count + 1):
        hint("1.3")
        assert f"Hint {number} of {count}" in capsys.readouterr().out
    hint("1.3")
    shown = capsys.readouterr().out
    assert "will not count as your own work" in shown
    assert "def multiply_backward" in shown and "### BEGIN" not in shown


def test_every_exercise_has_hints_and_an_answer_cell_in_a_master():
    from coursekit.course import solution_of

    for id, ex in exercises().items():
        assert ex.hints, id
        assert solution_of(id), id


# ----- each exercise: a right answer passes, typical wrong answers fail helpfully

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
        lambda x, y, upstream: (upstream, 0.0) if x >= y else (0.0, upstream),
        [
            (lambda x, y, upstream: (upstream, upstream), "the other 0"),
            (lambda x, y, upstream: (0.0, upstream) if x >= y else (upstream, 0.0), "larger"),
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


def test_every_exercise_has_right_and_wrong_answers_tested():
    assert set(RIGHT_AND_WRONG) | {"0.1"} == set(exercises())


@pytest.mark.parametrize("id", sorted(RIGHT_AND_WRONG))
def test_right_answer_passes(id, capsys):
    right, _ = RIGHT_AND_WRONG[id]
    check(id, right)
    assert capsys.readouterr().out.endswith("checks passed\n")


@pytest.mark.parametrize(
    "id, number",
    [(id, n) for id, (_, wrongs) in sorted(RIGHT_AND_WRONG.items()) for n in range(len(wrongs))],
)
def test_typical_wrong_answer_fails_with_a_helpful_message(id, number):
    wrong, words = RIGHT_AND_WRONG[id][1][number]
    with pytest.raises(AssertionError) as failure:
        check(id, wrong)
    message = str(failure.value)
    assert message.startswith(f"Exercise {id} (")
    assert "check " in message and "expected" in message or "raised" in message
    assert words in message


def test_sigmoid_gate_that_overflows_is_caught_at_large_negative_inputs():
    def naive(s, upstream):
        sig = 1 / (1 + math.exp(-s))
        return (sig, upstream * sig * (1 - sig))

    with pytest.raises(AssertionError, match=r"sigmoid_gate\(s=-750.*raised OverflowError"):
        check("2.2", naive)
