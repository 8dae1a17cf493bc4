"""The course's instructor masters: notebooks with solutions and reference outputs.

The masters are instructor material and never ship with the package that students install (pip,
Binder, JupyterLite): they live in the `instructor/` folder of the course repository, beside
`coursekit/`. `coursekit release`, `refresh` and `grade` find them there when coursekit runs from
that checkout, or in the folder named by `--masters` or the COURSEKIT_MASTERS variable. Cells are
recognised by metadata, never by position:
`{"coursekit": {"exercise": "1.2", "role": "answer" | "check" | "instructor", "points": 2}}`.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

__all__ = [
    "masters", "master_path", "masters_folder", "MastersMissing", "MASTERS_ENV", "solution_of",
    "cell_role", "notebook_of", "source_text",
    "exercise_order", "without_markers", "SOLUTION_BEGIN", "SOLUTION_END",
]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"



MASTERS_ENV = "COURSEKIT_MASTERS"
_CHECKOUT_MASTERS = Path(__file__).resolve().parents[2] / "instructor"


class MastersMissing(LookupError):
    """This install has no instructor masters (a student's install never has them)."""


def masters_folder(folder: Path | str | None = None) -> Path:
    """Where the masters are: `folder`, else $COURSEKIT_MASTERS, else the checkout's instructor/."""
    chosen = folder or os.environ.get(MASTERS_ENV) or _CHECKOUT_MASTERS
    path = Path(chosen)
    if not any(path.glob("[0-9][0-9]_*.ipynb")):
        raise MastersMissing(
            f"no instructor masters in {path}: they are not part of the student install; pass "
            f"--masters DIR (or set {MASTERS_ENV}) to the instructor/ folder of the course "
            "repository"
        )
    return path


def masters(folder: Path | str | None = None) -> list[Path]:
    """The master notebooks, in course order."""
    return sorted(masters_folder(folder).glob("[0-9][0-9]_*.ipynb"))


def master_path(name: str, folder: Path | str | None = None) -> Path:
    """The master whose file name (with or without .ipynb) or notebook id is `name`."""
    stem = name.removesuffix(".ipynb")
    for path in masters(folder):
        if path.stem == stem:
            return path
    known = ", ".join(path.stem for path in masters(folder))
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
    return tuple(int(part) for part in exercise_id.split(".") if part.isdecimal())


def solution_of(exercise_id: str) -> str:
    """The master's answer cells of an exercise, solution included, markers removed."""
    solutions = _solutions(masters_folder())
    if exercise_id not in solutions:
        raise KeyError(f"no master notebook has an answer cell for exercise {exercise_id!r}")
    return solutions[exercise_id]


@cache
def _solutions(folder: Path) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for path in masters(folder):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            exercise_id, role = cell_role(cell)
            if role == "answer":
                source = without_markers(source_text(cell["source"]))
                found.setdefault(exercise_id, []).append(source)
    return {exercise_id: "\n\n".join(parts) for exercise_id, parts in found.items()}


def _coursekit_metadata(node: dict) -> dict:
    """The `coursekit` metadata of a cell or notebook; {} when missing or not a dict."""
    metadata = node.get("metadata")
    course = metadata.get("coursekit") if isinstance(metadata, dict) else None
    return course if isinstance(course, dict) else {}


def without_markers(source: str) -> str:
    """An answer cell's source with the solution markers taken out (the worked solution)."""
    markers = (SOLUTION_BEGIN, SOLUTION_END)
    return "\n".join(line for line in source.splitlines() if line.strip() not in markers)
