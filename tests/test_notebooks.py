"""The course under nbval: masters reproduce their outputs; student versions fail only at exercises.

Each notebook runs in a fresh kernel in a subprocess, with results read from junit XML.
"""

import json
import re
from pathlib import Path

import pytest

from coursekit.course import cell_role, masters
from coursekit.exercises import exercises
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


def level_two_sections(path):
    """(heading, text up to the next "## ") for every second-level section of a notebook."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    parts = re.split(r"^(## .+)$", text, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2]))


@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_every_notebook_ends_with_a_cheat_sheet_further_reading_and_progress(master):
    sections = level_two_sections(master)
    assert [heading for heading, _ in sections[-3:]] == [
        "## Cheat sheet", "## Further reading", "## Your progress"]
    links = re.findall(r"\]\((https://[^)\s]+)\)", sections[-2][1])
    assert len(links) >= 2, f"further reading should link at least two sources, has {links}"


EXPLORER_CALL = re.compile(r"\b(\w+_explorer|\w*stepper|sigmoid_playground)\(")


@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_a_notebook_with_an_explorer_asks_for_a_prediction_before_it_shows_one(master):
    cells = json.loads(master.read_text(encoding="utf-8"))["cells"]
    opens = [index for index, cell in enumerate(cells) if cell["cell_type"] == "code"
             and EXPLORER_CALL.search("".join(cell["source"]))]
    if not opens:
        pytest.skip(f"{master.stem} has no explorer")
    predictions = [index for index, cell in enumerate(cells)
                   if cell_role(cell)[1] == "answer"
                   and exercises()[cell_role(cell)[0]].title.startswith("predict:")]
    assert predictions, f"{master.stem} opens an explorer but asks for no prediction"
    assert any(index < opened for index in predictions for opened in opens), \
        "the prediction's answer cell should come before the explorer that reveals it"
