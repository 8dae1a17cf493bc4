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

__all__ = ["masters", "master_path", "solution_of", "cell_role", "SOLUTION_BEGIN", "SOLUTION_END"]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"


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
    """(exercise id, role) of a cell, or (None, None) for ordinary cells."""
    meta = cell.get("metadata", {}).get("coursekit", {})
    return meta.get("exercise"), meta.get("role")


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
                found.setdefault(exercise_id, []).append(_without_markers(_source(cell)))
    return {exercise_id: "\n\n".join(parts) for exercise_id, parts in found.items()}


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _without_markers(source: str) -> str:
    markers = (SOLUTION_BEGIN, SOLUTION_END)
    return "\n".join(line for line in source.splitlines() if line.strip() not in markers)
