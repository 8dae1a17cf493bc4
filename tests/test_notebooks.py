"""The course under nbval: masters reproduce their outputs; student versions fail only at exercises.

Each notebook runs in a fresh kernel in a subprocess, with results read from junit XML.
"""

import json
from pathlib import Path

import pytest

from coursekit.course import cell_role, masters
from coursekit.grading import run_nbval

REPO = Path(__file__).resolve().parent.parent
STUDENT = REPO / "notebooks"


def code_cells(path):
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return [cell for cell in cells if cell["cell_type"] == "code"]


def describe(results):
    return "\n".join(f"cell {r.index}: {r.message[:300]}" for r in results if not r.passed)


@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_master_reproduces_its_outputs_under_nbval(master):
    results = run_nbval(master)
    assert len(results) == len(code_cells(master))
    assert all(result.passed for result in results), describe(results)


@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_student_version_fails_exactly_at_its_unsolved_exercises(master):
    student = STUDENT / master.name
    cells = code_cells(student)
    results = run_nbval(student)
    assert len(results) == len(cells)
    for result, cell in zip(results, cells):
        exercise_id, role = cell_role(cell)
        if role == "check":
            assert not result.passed, f"check cell {result.index} of {exercise_id} passed unsolved"
            assert f"Exercise {exercise_id}" in result.message or "NameError" in result.message
        elif role != "answer":
            assert result.passed, f"cell {result.index} failed: {result.message[:500]}"
