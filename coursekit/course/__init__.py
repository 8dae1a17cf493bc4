"""The course's instructor masters: notebooks with solutions and reference outputs.

They ship inside the package, so `coursekit release` and `coursekit grade` find them wherever
coursekit is installed. Cells are recognised by metadata, never by position:
`{"coursekit": {"exercise": "1.2", "role": "answer" | "check" | "instructor", "points": 2}}`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path

__all__ = [
    "masters", "master_path", "solution_of", "cell_role", "notebook_of", "source_text",
    "exercise_order", "SOLUTION_BEGIN", "SOLUTION_END", "PASS_LINE",
]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"

# The line `coursekit.exercises.check` prints when every check of an exercise passes (a regex
# over one line). It lives here, not next to `check`, because importing coursekit.exercises
# imports every exercise module (and the numeric library behind them); grading only needs this.
PASS_LINE = r"Exercise \S+ \(.*\): all \d+ checks? passed"


def masters() -> list[Path]:
    """The master notebooks, in course order."""
    return sorted(Path(str(files(__name__))).glob("[0-9][0-9]_*.ipynb"))


def master_path(name: str) -> Path:
    """The master whose file name (with or without .ipynb) or notebook id is `name`."""
    stem = name.removesuffix(".ipynb")
    for path in masters():
        if path.stem == stem:
            return path
    known = ", ".join(path.stem for path in masters())
    raise KeyError(f"there is no course notebook {name!r}; the notebooks are {known}")


def cell_role(cell: dict) -> tuple[str | None, str | None]:
    """(exercise id, role) of a cell, or (None, None) for ordinary cells (and for cells whose
    metadata is damaged)."""
    meta = _coursekit_metadata(cell)
    return meta.get("exercise"), meta.get("role")


def notebook_of(notebook: dict) -> str | None:
    """The course notebook a notebook says it is (`metadata.coursekit.notebook`), if it says."""
    return _coursekit_metadata(notebook).get("notebook")


def source_text(source: str | list[str]) -> str:
    """A cell's source as one string (Jupyter stores it as a string or a list of lines)."""
    return source if isinstance(source, str) else "".join(source)


def exercise_order(exercise_id: str) -> tuple[int, ...]:
    """A sort key for exercise ids that puts "1.2" before "1.10"."""
    return tuple(int(part) for part in exercise_id.split(".") if part.isdigit())


def solution_of(exercise_id: str) -> str:
    """The master's answer cells of an exercise, solution included, markers removed."""
    solutions = _solutions()
    if exercise_id not in solutions:
        raise KeyError(f"no master notebook has an answer cell for exercise {exercise_id!r}")
    return solutions[exercise_id]


@cache
def _solutions() -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for path in masters():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            exercise_id, role = cell_role(cell)
            if role == "answer":
                source = _without_markers(source_text(cell["source"]))
                found.setdefault(exercise_id, []).append(source)
    return {exercise_id: "\n\n".join(parts) for exercise_id, parts in found.items()}


def _coursekit_metadata(node: dict) -> dict:
    """The `coursekit` metadata of a cell or notebook; {} when missing or not a dict."""
    metadata = node.get("metadata")
    course = metadata.get("coursekit") if isinstance(metadata, dict) else None
    return course if isinstance(course, dict) else {}


def _without_markers(source: str) -> str:
    markers = (SOLUTION_BEGIN, SOLUTION_END)
    return "\n".join(line for line in source.splitlines() if line.strip() not in markers)
