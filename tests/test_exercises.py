"""Exercises: right answers pass with one line; typical wrong answers fail with help."""


import numpy as np
import pytest

from coursekit.exercises import check, exercises, hint, progress
from coursekit.exercises.framework import difference

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


def test_a_passing_check_shows_one_line_as_text_and_a_box_as_html():
    result = check("0.1", lambda a, b, x: a)
    assert repr(result) == "✓ Exercise 0.1 (warm-up: the slope of a line): all 4 checks passed"
    shown = result._repr_html_()
    assert 'class="coursekit-check coursekit-passed"' in shown and "✓ Passed" in shown


def test_a_check_never_raises_for_the_answer_and_says_what_to_do():
    def slope(a, b, x):
        raise NotImplementedError("Exercise 0.1: replace this line with your answer")

    result = check("0.1", slope)
    assert result.status == "not answered"
    assert "`slope` still raises NotImplementedError" in result.message
    assert "run that cell, then run this check again" in result.message
    assert "✎ Not answered yet" in result._repr_html_()


def test_a_value_answer_left_as_dots_is_not_answered():
    assert check("4.1", ...).status == "not answered"
    assert check("6.4", (..., 0.9)).status == "not answered"


def test_check_reports_an_exception_with_the_case_that_caused_it():
    result = check("0.1", lambda a, b, x: a / 0)
    assert result.status == "failed"
    assert "check 1 of 4: slope(a=2, b=1, x=5) raised ZeroDivisionError" in result.message
    assert "✗ Not yet" in result._repr_html_()


def test_a_message_is_escaped_in_the_box():
    result = check("0.1", lambda a, b, x: "<script>")
    assert "<script>" not in result._repr_html_() and "&lt;script&gt;" in result._repr_html_()


def test_progress_lists_the_notebooks_exercises_with_points_as_checked_so_far():
    import coursekit.exercises.framework as framework

    framework._CHECKED.clear()
    solutions = {"1.2": lambda x, y, upstream: (upstream, upstream),
                 "1.3": lambda x, y, upstream: (0.0, 0.0)}
    for id, answer in solutions.items():
        check(id, answer)
    shown = progress(1)
    assert [(row[0], row[3]) for row in shown.rows] == [
        ("1.1", "not checked"), ("1.2", "passed"), ("1.3", "failed"), ("1.4", "not checked"),
        ("1.5", "not checked"), ("1.6", "not checked")]
    assert shown.headline == "Notebook 01: 1 of 6 exercises passed, 1 of 8 points"
    assert "✓ 1.2 add gate: passed, 1 of 1" in repr(shown)
    with pytest.raises(KeyError, match="those with exercises are 0, 1"):
        progress(42)


def test_every_exercise_has_the_points_its_master_gives_it():
    from coursekit.course import masters
    from coursekit.grading.rebuild import load_master

    given = {id: ex.points for path in masters()
             for id, ex in load_master(path.stem).exercises.items()}
    assert given == {id: ex.points for id, ex in exercises().items()}


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


def test_an_install_without_the_masters_gives_hints_and_never_a_solution(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("COURSEKIT_MASTERS", str(tmp_path))  # a student's install has none
    for _ in range(len(exercises()["1.2"].hints) + 2):
        hint("1.2")
    shown = capsys.readouterr().out
    assert "this install has no solutions" in shown
    assert "def add_backward" not in shown and "will not count" not in shown


def test_every_exercise_has_hints_and_an_answer_cell_in_a_master():
    from coursekit.course import solution_of

    for id, ex in exercises().items():
        assert ex.hints, id
        assert solution_of(id), id


def test_an_unanswered_function_among_several_is_named():
    import math

    def times_minus_one(v):
        return -1.0

    def exp_gradient(v):
        return math.exp(v)

    def plus_one(v):
        return 1.0

    def reciprocal(v):
        raise NotImplementedError("Exercise 2.1: replace this line with your answer")

    answer = {"*-1": times_minus_one, "exp": exp_gradient, "+1": plus_one, "1/x": reciprocal}
    result = check("2.1", answer)
    assert result.status == "not answered"
    assert "`reciprocal` still raises NotImplementedError" in result.message
