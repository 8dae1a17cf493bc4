"""Make the student notebooks from the instructor masters.

One source, two versions: in a student version every solution (the lines between the markers
`### BEGIN SOLUTION` and `### END SOLUTION` of an answer cell) becomes a stub that raises
NotImplementedError, instructor-only cells are removed, and the outputs of answer and check cells
are cleared. Every other cell keeps the master's outputs, so the figures show before anything runs.

Nothing a student wrote is ever overwritten: each released notebook records a hash of its own
cells, and a notebook whose cells no longer match that hash has been edited, so release leaves
it alone unless told to overwrite, and even then keeps a backup copy first.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .course import SOLUTION_BEGIN, SOLUTION_END, cell_role, masters, source_text, without_markers

__all__ = ["student_version", "release", "outdated", "ReleaseReport", "notebook_text"]


@dataclass
class ReleaseReport:
    """What a release wrote, left as it was, and refused to touch."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    refused: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)


def student_version(master: dict, name: str = "notebook", solutions: bool = False) -> dict:
    """The student version of a master notebook (a notebook as parsed JSON); with `solutions`,
    the self-study edition, whose answer cells keep their worked solutions."""
    notebook = copy.deepcopy(master)
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        exercise_id, role = cell_role(cell)
        if role == "instructor":
            continue
        if role == "answer" and not solutions:
            where = f"{name}, cell {index} (exercise {exercise_id})"
            stub = _stub(exercise_id)
            cell["source"] = _lines(_replace_solutions(source_text(cell["source"]), stub, where))
        if role == "answer" and solutions:
            cell["source"] = _lines(without_markers(source_text(cell["source"])))
        if role in ("answer", "check"):
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    notebook["cells"] = cells
    notebook["metadata"].setdefault("coursekit", {})["release_hash"] = _cells_hash(cells)
    return notebook


def release(
    out_dir: Path | str,
    sources: list[Path] | None = None,
    overwrite: bool = False,
    solutions: bool = False,
) -> ReleaseReport:
    """Write the student version of every master into out_dir, never losing a student's edits."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = ReleaseReport()
    for master_path in sources or masters():
        target = out_dir / master_path.name
        text = _released_text(master_path, solutions)
        if target.exists():
            current = target.read_text(encoding="utf-8")
            if current == text:
                report.unchanged.append(target)
                continue
            if not _pristine(current):
                if not overwrite:
                    report.refused.append(target)
                    continue
                report.backups.append(_back_up(target))
        target.write_text(text, encoding="utf-8")
        report.written.append(target)
    return report


def outdated(
    out_dir: Path | str, sources: list[Path] | None = None, solutions: bool = False
) -> list[Path]:
    """The student notebooks in out_dir that are missing or differ from a fresh release."""
    out_dir = Path(out_dir)
    stale = []
    for master_path in sources or masters():
        target = out_dir / master_path.name
        if not target.exists() or target.read_text(encoding="utf-8") != _released_text(
            master_path, solutions
        ):
            stale.append(target)
    return stale


def notebook_text(notebook: dict) -> str:
    """A notebook as Jupyter writes it (one-space indent, sorted keys), so diffs stay small."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _released_text(master_path: Path, solutions: bool = False) -> str:
    master = json.loads(master_path.read_text(encoding="utf-8"))
    return notebook_text(student_version(master, master_path.name, solutions))


def _stub(exercise_id: str) -> str:
    message = f"Exercise {exercise_id}: replace this line with your answer"
    return f'raise NotImplementedError("{message}")'


def _replace_solutions(source: str, stub: str, where: str) -> str:
    """Each BEGIN…END region becomes a stub, indented like its BEGIN marker: inside a function,
    a line that raises NotImplementedError; at the top of the cell, the same assignments with
    `...` for each value, so that running the cell never stops a notebook run top to bottom."""
    lines, region, inside, regions, indent = [], [], False, 0, ""
    for line in source.splitlines():
        marker = line.strip()
        if marker == SOLUTION_BEGIN:
            if inside:
                raise ValueError(f"{where}: {SOLUTION_BEGIN} inside another solution")
            inside, regions, region = True, regions + 1, []
            indent = line[: len(line) - len(line.lstrip())]
        elif marker == SOLUTION_END:
            if not inside:
                raise ValueError(f"{where}: {SOLUTION_END} without a {SOLUTION_BEGIN} before it")
            inside = False
            lines += _blanks(region, indent, stub)
        elif inside:
            region.append(line)
        else:
            lines.append(line)
    if inside:
        raise ValueError(f"{where}: {SOLUTION_BEGIN} is never closed by {SOLUTION_END}")
    if not regions:
        raise ValueError(f"{where}: an answer cell needs a {SOLUTION_BEGIN} … {SOLUTION_END} part")
    return "\n".join(lines)


def _blanks(region: list[str], indent: str, stub: str) -> list[str]:
    """The stub of one solution region (see `_replace_solutions`)."""
    if indent:
        return [indent + stub]
    try:
        statements = ast.parse("\n".join(region)).body
    except SyntaxError:
        statements = []
    if not statements or not all(isinstance(node, ast.Assign) for node in statements):
        return [stub]
    targets = [" = ".join(ast.unparse(target) for target in node.targets) for node in statements]
    return [f"{target} = ...  # your answer in place of ..." for target in targets]


def _cells_hash(cells: list[dict]) -> str:
    canonical = json.dumps(cells, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _pristine(text: str) -> bool:
    """Whether a student notebook is exactly as released (its cells match its recorded hash)."""
    try:
        notebook = json.loads(text)
        recorded = notebook["metadata"]["coursekit"]["release_hash"]
        return recorded == _cells_hash(notebook["cells"])
    except (ValueError, KeyError, TypeError):
        return False


def _back_up(path: Path) -> Path:
    number = 1
    while (backup := path.with_name(f"{path.name}.backup-{number}")).exists():
        number += 1
    backup.write_bytes(path.read_bytes())
    return backup


def _lines(text: str) -> list[str]:
    """Source text as the list of lines Jupyter stores."""
    return text.splitlines(keepends=True) if text else []
