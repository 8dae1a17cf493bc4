"""Run one notebook under nbval (pytest) in a subprocess and read its results per code cell.

Results come from pytest's junit XML, never from console text. nbval names its test items
"Cell N", N counting the notebook's code cells from 0, which maps each result back to a cell.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CellResult", "run_nbval"]


@dataclass(frozen=True)
class CellResult:
    """The outcome of one code cell: its index among the code cells, passed or not, and why."""

    index: int
    passed: bool
    message: str = ""


def run_nbval(notebook: Path | str, cell_timeout: int = 120) -> list[CellResult]:
    """Run `notebook` with nbval in a fresh kernel of this Python; one result per code cell."""
    notebook = Path(notebook).resolve()
    with tempfile.TemporaryDirectory(prefix="coursekit-nbval-") as scratch:
        junit = Path(scratch) / "results.xml"
        config = Path(scratch) / "pytest.ini"
        config.write_text("[pytest]\n", encoding="utf-8")  # ignore the project's own settings
        command = [
            sys.executable, "-m", "pytest", str(notebook), "--nbval", "--nbval-current-env",
            f"--nbval-cell-timeout={cell_timeout}", f"--junitxml={junit}",
            "-c", str(config), "--rootdir", str(notebook.parent), "-p", "no:cacheprovider", "-q",
        ]
        subprocess.run(command, capture_output=True, text=True, check=False)
        if not junit.exists():
            raise RuntimeError(f"nbval produced no results for {notebook}")
        return _results(ElementTree.parse(junit))


def _results(tree: ElementTree.ElementTree) -> list[CellResult]:
    results = []
    for case in tree.iter("testcase"):
        name = case.get("name", "")
        if not name.startswith("Cell "):
            continue
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        message = "" if problem is None else "\n".join(
            part for part in (problem.get("message"), problem.text) if part
        )
        results.append(CellResult(int(name.removeprefix("Cell ")), problem is None, message))
    return sorted(results, key=lambda result: result.index)
