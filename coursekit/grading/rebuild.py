"""Rebuild a submission from its instructor master: the master, with only the answers injected.

A submission is never run as it is: its outputs, check cells, tags, nbval markers, metadata and
kernelspec could all have been edited. The grader takes from it only the source of each answer
cell, found by the cell id it was released with or, failing that, by its exercise metadata, and
puts it into a fresh copy of the master (instructor-only cells included). A missing, duplicated
or re-typed answer cell is an anomaly: that exercise gets the student-version stub and no points.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from ..course import cell_role, master_path, source_text
from ..release import student_version
from .submissions import writable_text

__all__ = ["ExerciseCells", "Master", "Answers", "load_master", "answers_of", "rebuild"]

IGNORE_OUTPUT = "nbval-ignore-output"


@dataclass(frozen=True)
class ExerciseCells:
    """Where an exercise lives in its master: answer cell ids, and code-cell indexes (nbval's
    "Cell N") of its answer cells and of the cells that check it (check and instructor cells)."""

    id: str
    title: str
    points: float
    answer_ids: tuple[str, ...]
    answer_cells: tuple[int, ...]
    check_cells: tuple[int, ...]


@dataclass(frozen=True)
class Master:
    """A master notebook and what grading needs to know about it."""

    name: str
    notebook: dict
    exercises: dict[str, ExerciseCells]  # in the order they appear
    stubs: dict[str, str]  # answer cell id → its source in the student version

    def blame(self, index: int, passed: set[str]) -> str | None:
        """The exercise to hold responsible when the run went wrong in code cell `index`.

        An answer or check cell belongs to its exercise. Any other cell could have been broken by
        an earlier answer: blame the nearest exercise before it that did not pass.
        """
        exercise_id, role = cell_role(self.code_cells[index])
        if exercise_id in self.exercises and role in ("answer", "check", "instructor"):
            return exercise_id
        earlier = [ex.id for ex in self.exercises.values()
                   if min(ex.answer_cells, default=index) < index and ex.id not in passed]
        return earlier[-1] if earlier else None

    @cached_property
    def code_cells(self) -> list[dict]:
        """The master's code cells, in order: nbval's "Cell N" is code_cells[N]."""
        return _code_cells(self.notebook)


@dataclass
class Answers:
    """What a submission contributes: answer sources by cell id, and anomalies by exercise."""

    sources: dict[str, str] = field(default_factory=dict)
    anomalies: dict[str, str] = field(default_factory=dict)


def load_master(name: str) -> Master:
    """The master notebook `name` ("01_chain_rule"), parsed once."""
    return _load(master_path(name))


@cache
def _load(path: Path) -> Master:
    from ..exercises import exercises

    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = _code_cells(notebook)
    roles = [cell_role(cell) for cell in code]
    titles = {id: ex.title for id, ex in exercises().items()}

    def cells(exercise_id: str, *wanted: str) -> tuple[int, ...]:
        return tuple(index for index, (id, role) in enumerate(roles)
                     if id == exercise_id and role in wanted)

    found = {}
    for exercise_id in dict.fromkeys(id for id, role in roles if id is not None):
        answers, checks = cells(exercise_id, "answer"), cells(exercise_id, "check", "instructor")
        points = next((code[index]["metadata"]["coursekit"]["points"] for index in answers + checks
                       if "points" in code[index]["metadata"]["coursekit"]), 1)
        found[exercise_id] = ExerciseCells(
            exercise_id, titles.get(exercise_id, ""), float(points),
            tuple(code[index]["id"] for index in answers), answers, checks,
        )
    stubs = {cell["id"]: source_text(cell["source"])
             for cell in student_version(notebook, path.name)["cells"]
             if cell_role(cell)[1] == "answer"}
    return Master(path.stem, notebook, found, stubs)


def answers_of(master: Master, submission: dict) -> Answers:
    """The answer sources of a submission (a parsed notebook), matched to the master's cells."""
    cells = [cell for cell in submission.get("cells", []) if isinstance(cell, dict)]
    answers = Answers()
    for ex in master.exercises.values():
        single = len(ex.answer_ids) == 1
        for answer_id in ex.answer_ids:
            candidates = [
                cell for cell in cells
                if cell.get("id") == answer_id
                or (single and cell_role(cell) == (ex.id, "answer"))
            ]
            problem = _problem(ex.id, candidates)
            if problem:
                answers.anomalies.setdefault(ex.id, problem)
            else:
                # A lone surrogate cannot be written as UTF-8; the rest of the answer still can.
                source = source_text(candidates[0].get("source", ""))
                answers.sources[answer_id] = writable_text(source)
    return answers


def rebuild(master: Master, answers: Answers, stubbed: set[str] = frozenset()) -> dict:
    """A fresh copy of the master with the answers injected; the exercises in `stubbed`, and
    those with anomalies, get the student-version stub.

    No output is compared: every cell runs, and may fail, but marks come from the judge's
    verdicts alone (see judge.py), which no output of the kernel can fake.
    """
    notebook = copy.deepcopy(master.notebook)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        exercise_id, role = cell_role(cell)
        if role == "answer":
            keep = exercise_id not in stubbed and exercise_id not in answers.anomalies
            cell["source"] = answers.sources[cell["id"]] if keep else master.stubs[cell["id"]]
        tags = cell["metadata"].setdefault("tags", [])
        if IGNORE_OUTPUT not in tags:
            tags.append(IGNORE_OUTPUT)
    return notebook


def _code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _problem(exercise_id: str, candidates: list[dict]) -> str:
    """Why the answer cells found for an exercise cannot be graded, or "" if they can."""
    if not candidates:
        return (f"the answer cell of exercise {exercise_id} is missing (deleted, or made anew "
                "without its metadata); the grader only reads the answer cells it released")
    if len(candidates) > 1:
        return (f"exercise {exercise_id} has {len(candidates)} answer cells (a copied cell?); "
                "keep exactly one, so it is clear which one is the answer")
    kind = candidates[0].get("cell_type")
    if kind != "code":
        return (f"the answer cell of exercise {exercise_id} was turned into a {kind} cell; "
                "change it back to a Code cell")
    return ""
