"""Run one notebook under nbval (pytest) in a limited child process and read its results per cell.

Results come from pytest's junit XML, never from console text. nbval names its test items
"Cell N", N counting the notebook's code cells from 0, which maps each result back to a cell. The
child (`child.py`) adds junit properties: the exception a cell raised, and whether the run stopped
there (a timeout or a dead kernel). A run killed at its wall-clock limit writes no junit; the cell
it was running comes from the child's state file instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..course import MASTERS_ENV, MastersMissing, masters_folder
from .judge import Verdict
from .sandbox import ControlGroup, why_unavailable

__all__ = ["CellResult", "Limits", "DEFAULT_LIMITS", "Run", "run_nbval", "run_notebook",
           "useful_part"]


@dataclass(frozen=True)
class Limits:
    """What one run of a notebook may take: seconds per cell, seconds in all, and megabytes of
    address space for the kernel (0: no limit); and whether a graded kernel is sandboxed where
    the machine allows it (turned off only to measure what the sandbox costs)."""

    cell_timeout: float = 30.0
    time_limit: float = 300.0
    memory_mb: int = 2048
    sandboxed: bool = True


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class CellResult:
    """The outcome of one code cell: its index among the code cells, passed or not, and why.

    `exception` names what the cell raised ("AssertionError"); `stopped` says the run went wrong
    at this cell: "timeout", "kernel died", "memory" (it left the memory full), "time limit", or
    "crashed" (the test process itself failed); `verdict`, on a check cell of a graded run, is the
    judge's verdict on its exercise.
    """

    index: int
    passed: bool
    message: str = ""
    exception: str = ""
    stopped: str = ""
    verdict: Verdict | None = None


@dataclass(frozen=True)
class Run:
    """The cells of one run, in order; a run killed early lists only the cell it stopped in."""

    cells: tuple[CellResult, ...]

    def cell(self, index: int) -> CellResult | None:
        return next((cell for cell in self.cells if cell.index == index), None)


def run_notebook(
    notebook: Path | str,
    limits: Limits = DEFAULT_LIMITS,
    sandboxed: bool = False,
    hidden: Sequence[Path] = (),
    judged: bool = False,
) -> Run:
    """Run `notebook` with nbval in a fresh kernel of this Python, within `limits`.

    The kernel's working directory is the notebook's folder. `sandboxed` runs the kernel in the
    sandbox (sandbox.py), with the notebook's folder as its only writable one and the folders in
    `hidden` out of its sight. `judged` runs the judge after each check cell (judge.py), as
    grading does.
    """
    notebook = Path(notebook).resolve()
    with tempfile.TemporaryDirectory(prefix="coursekit-run-") as scratch:
        scratch = Path(scratch)
        junit, state = scratch / "results.xml", scratch / "state.json"
        config = scratch / "pytest.ini"
        # junit_family xunit1 keeps the per-cell properties the child adds.
        config.write_text("[pytest]\njunit_family = xunit1\n", encoding="utf-8")
        command = [
            sys.executable, "-m", "coursekit.grading.child",
            "--memory", str(limits.memory_mb), "--cpu", str(int(limits.time_limit) + 1),
            "--state", str(state), "--",
            str(notebook), "-p", "nbval.plugin", "--nbval", "--nbval-current-env",
            f"--nbval-cell-timeout={limits.cell_timeout:g}", f"--junitxml={junit}",
            "-c", str(config), "--rootdir", str(scratch), "--confcutdir", str(scratch),
            "-p", "no:cacheprovider", "-q", "--color=no",
        ]
        group = None
        if judged:
            command.insert(3, "--judge")
        if sandboxed and not why_unavailable():
            group = ControlGroup.create(f"coursekit-{scratch.name}", limits.memory_mb)
            options = ["--sandbox", str(notebook.parent)]
            options += [f"--hide={folder}" for folder in _hidden(hidden)]
            options += ["--cgroup", group.name] if group else []
            command[3:3] = options
        try:
            with open(scratch / "console.txt", "wb") as console:
                child = subprocess.Popen(
                    command, stdout=console, stderr=subprocess.STDOUT, cwd=scratch,
                    env=_child_environment(scratch), start_new_session=True,
                )
                try:
                    child.wait(timeout=limits.time_limit)
                except subprocess.TimeoutExpired:
                    _kill(child, state)
                    return Run((_stopped_cell(state, "time limit"),))
        finally:
            if group:
                group.end()
        if not junit.exists():
            output = (scratch / "console.txt").read_text("utf-8", errors="replace")
            reason = f"the test process failed: {_failure(output)}"
            return Run((_stopped_cell(state, "crashed", reason),))
        return Run(tuple(_results(ElementTree.parse(junit))))


def run_nbval(notebook: Path | str, cell_timeout: float = 120) -> list[CellResult]:
    """Run `notebook` with nbval in a fresh kernel of this Python; one result per code cell."""
    limits = Limits(cell_timeout=cell_timeout, time_limit=30 * cell_timeout, memory_mb=0)
    run = run_notebook(notebook, limits)
    stopped = [cell for cell in run.cells if cell.stopped in ("time limit", "crashed")]
    if stopped:
        raise RuntimeError(f"nbval could not finish {notebook}: {stopped[0].message}")
    return list(run.cells)


def _hidden(hidden: Sequence[Path]) -> list[Path]:
    """What a sandboxed kernel must not see: the masters (solutions, hidden cases) and `hidden`."""
    folders = [Path(folder).resolve() for folder in hidden]
    with contextlib.suppress(MastersMissing):
        folders.append(masters_folder().resolve())
    return folders


def _child_environment(scratch: Path) -> dict[str, str]:
    environment = dict(os.environ)
    with contextlib.suppress(MastersMissing):  # the judge reads the hidden cases beside them
        environment[MASTERS_ENV] = str(masters_folder())
    environment.update(
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",  # nbval is loaded by name; nothing else is needed
        IPYTHONDIR=str(scratch / "ipython"),  # no shared history database between parallel runs
        PYTHONHASHSEED="0",  # the same set order, so the same messages, on every run
        # Submissions run side by side on all cores; one thread each keeps them from fighting.
        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
    )
    return environment


def _kill(child: subprocess.Popen, state: Path) -> None:
    """Kill pytest and the kernel (which runs in a session of its own)."""
    kernel = _read_state(state).get("kernel")
    for group in (kernel, child.pid):
        if group:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    child.wait()


def _read_state(state: Path) -> dict:
    try:
        return json.loads(state.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _stopped_cell(state: Path, reason: str, message: str = "") -> CellResult:
    cell = _read_state(state).get("cell", 0)
    return CellResult(cell, False, message or reason, stopped=reason)


def _failure(output: str) -> str:
    """The line of a crashed process's output that says what went wrong."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for pattern in (r"Fatal Python error", r"[\w.]*(Error|Exception)\b"):
        found = [line for line in lines if re.match(pattern, line)]
        if found:
            return found[-1]
    return lines[-1] if lines else "it printed nothing"


def _results(tree: ElementTree.ElementTree) -> list[CellResult]:
    results = []
    for case in tree.iter("testcase"):
        name = case.get("name", "")
        if not name.startswith("Cell "):
            continue
        properties = {
            prop.get("name"): prop.get("value", "") for prop in case.iter("property")
        }
        problems = [case.find(tag) for tag in ("failure", "error", "skipped")]
        problem = next((found for found in problems if found is not None), None)
        message = "" if problem is None else useful_part(problem.text or problem.get("message", ""))
        verdict = properties.get("judge")
        results.append(CellResult(
            int(name.removeprefix("Cell ")), problem is None, message,
            properties.get("exception", ""), properties.get("stopped", ""),
            Verdict.from_json(verdict) if verdict else None,
        ))
    return sorted(results, key=lambda result: result.index)


_ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*[A-Za-z]")  # junit escapes ESC as "#x1B"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_COMPARISON_LINES = 20


def useful_part(report: str) -> str:
    """The part of nbval's failure report a person needs: the exception line and its message.

    nbval reports "Cell N: <reason>", the cell's source, then "Traceback:" and either the kernel's
    traceback (whose last paragraph is the exception and its message) or the output comparison.
    """
    report = _ANSI.sub("", report).strip()
    head, found, traceback = report.rpartition("\nTraceback:\n")
    reason = re.search(r"^Cell \d+: (.*)$", head, re.MULTILINE) if found else None
    if reason is None:
        return report
    if reason.group(1) == "Cell execution caused an exception":
        paragraphs = [part.strip() for part in _BLANK_LINE.split(traceback) if part.strip()]
        return paragraphs[-1] if paragraphs else reason.group(1)
    lines = [line.rstrip() for line in traceback.strip().splitlines() if line.strip()]
    return "\n".join([reason.group(1), *lines[:_COMPARISON_LINES]])
