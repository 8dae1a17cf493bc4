"""Shared by the per-notebook exercise tests: a right answer passes, a wrong one fails helpfully."""

import contextlib
import io

import pytest

from coursekit.exercises import check, exercises


def assert_passes(id, answer):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        check(id, answer)
    assert printed.getvalue().endswith("checks passed\n"), printed.getvalue()


def assert_fails_helpfully(id, answer, words):
    with pytest.raises(AssertionError) as failure:
        check(id, answer)
    message = str(failure.value)
    assert message.startswith(f"Exercise {id} ("), message
    assert "expected" in message or "raised" in message, message
    assert words in message, message


def exercises_of_notebook(number):
    return {id for id in exercises() if id.split(".")[0] == str(number)}


def wrong_answer_cases(table):
    """(id, wrong answer, words the message must contain) for each wrong answer of a table.

    The table maps an exercise id to (right answer, [(wrong answer, words), ...]).
    """
    return [
        (id, wrong, words) for id, (_, wrongs) in sorted(table.items()) for wrong, words in wrongs
    ]
