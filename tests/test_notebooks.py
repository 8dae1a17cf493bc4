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
def test_student_version_fails_exactly_at_its_unsolved_exercises(master, tmp_path):
    """Run as it is released, against the master's outputs for its checks: only the checks of
    its unanswered exercises differ, each saying which exercise is not answered; every other
    cell, answer cells included, runs without an error."""
    student = json.loads((STUDENT / master.name).read_text(encoding="utf-8"))
    checked = {cell["id"]: cell for cell in json.loads(master.read_text("utf-8"))["cells"]}
    for cell in student["cells"]:
        if cell_role(cell)[1] == "check":
            cell["outputs"] = checked[cell["id"]]["outputs"]
            cell["execution_count"] = checked[cell["id"]]["execution_count"]
    path = tmp_path / master.name
    path.write_text(json.dumps(student), encoding="utf-8")
    cells = code_cells(path)
    results = run_nbval(path)
    assert len(results) == len(cells)
    for result, cell in zip(results, cells):
        exercise_id, role = cell_role(cell)
        if role == "check":
            assert not result.passed, f"check cell {result.index} of {exercise_id} passed unsolved"
            assert f"Exercise {exercise_id}" in result.message
            assert "not answered yet" in result.message
        else:
            assert result.passed, f"cell {result.index} failed: {result.message[:500]}"
