"""Notebook 00's warm-up exercise: a right answer passes, typical wrong answers fail with a hint."""

from exercise_cases import exercise_tests

RIGHT_AND_WRONG = {
    "0.1": (
        lambda a, b, x: a,
        [
            (lambda a, b, x: a * x + b, "how much does a·x + b change"),
            (lambda a, b, x: x, "expected"),
            (lambda a, b, x: str(a), "expected a number"),
        ],
    ),
}

test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=0
)
