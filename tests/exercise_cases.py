"""Shared by the per-notebook exercise tests: a right answer passes, a wrong one fails helpfully."""

import pytest

from coursekit.exercises import check, exercises


def assert_passes(id, answer):
    result = check(id, answer)
    passed = result.message.endswith(("checks passed", "check passed"))
    assert result.passed and passed, result.message


def failure_of(id, answer):
    """The message of a check that must fail (not pass, and not call the answer unanswered)."""
    result = check(id, answer)
    assert result.status == "failed", result.message
    return result.message


def assert_fails_helpfully(id, answer, words):
    message = failure_of(id, answer)
    assert message.startswith(f"Exercise {id} ("), message
    assert "expected" in message or "raised" in message, message
    assert words in message, message


def mistaken(function, mistake, **settings):
    """A student's answer with one slip: `function` called with mistake=mistake (and settings)."""
    return lambda *args, **kwargs: function(*args, **kwargs, **settings, mistake=mistake)


def exercises_of_notebook(number):
    return {id for id in exercises() if id.split(".")[0] == str(number)}


def wrong_answer_cases(table):
    """(id, wrong answer, words the message must contain) for each wrong answer of a table.

    The table maps an exercise id to (right answer, [(wrong answer, words), ...]).
    """
    return [
        (id, wrong, words) for id, (_, wrongs) in sorted(table.items()) for wrong, words in wrongs
    ]


def exercise_tests(table, notebook):
    """The three tests every notebook's exercise table gets, ready to assign to test_ names.

    Usage in tests/test_exNN_*.py:
        test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = (
            exercise_tests(RIGHT_AND_WRONG, notebook=NN))
    """

    def test_table_covers_the_notebook():
        assert set(table) == exercises_of_notebook(notebook)

    @pytest.mark.parametrize("id", sorted(table))
    def test_right_answer_passes(id):
        assert_passes(id, table[id][0])

    @pytest.mark.parametrize("id, wrong, words", wrong_answer_cases(table))
    def test_wrong_answer_fails(id, wrong, words):
        assert_fails_helpfully(id, wrong, words)

    return test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails
