"""Shared by the grading tests: submissions made from real student notebooks, and their rows."""

import hashlib
import json
from pathlib import Path

from coursekit.course import cell_role, solution_of

WELCOME, CHAIN = "00_welcome", "01_chain_rule"
CHAIN_EXERCISES = ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6")
CHAIN_POINTS = {"1.1": 2, "1.2": 1, "1.3": 1, "1.4": 1, "1.5": 2, "1.6": 1}
PASS_LINE = "Exercise 0.1 (warm-up: the slope of a line): all 4 checks passed\n"
WRONG_SLOPE = "def slope(a, b, x):\n    return 2.0\n"


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def answer_cell(notebook, exercise_id):
    return next(cell for cell in notebook["cells"] if cell_role(cell) == (exercise_id, "answer"))


def check_cell(notebook, exercise_id):
    return next(cell for cell in notebook["cells"] if cell_role(cell) == (exercise_id, "check"))


def solved(notebook, exercise_ids, replaced=None):
    """The notebook with the master's solutions injected, then some answers replaced."""
    for exercise_id in exercise_ids:
        answer_cell(notebook, exercise_id)["source"] = solution_of(exercise_id)
    for exercise_id, source in (replaced or {}).items():
        answer_cell(notebook, exercise_id)["source"] = source
    return notebook


def save(folder, name, notebook):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook) if isinstance(notebook, dict) else notebook, "utf-8")
    return path


def fully_correct(students, name):
    exercises = ("0.1",) if name == WELCOME else CHAIN_EXERCISES
    return solved(load(students / f"{name}.ipynb"), exercises)


def digests(folder):
    return {path: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def points_of(rows, student):
    return {row.exercise: row.points for row in rows if row.student == student}


def row_of(rows, student, exercise):
    return next(row for row in rows if row.student == student and row.exercise == exercise)
