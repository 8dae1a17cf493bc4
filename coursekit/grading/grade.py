"""Grade submissions: rebuild each from its master, run it under nbval, isolate failures, score.

An exercise earns its points only if the judge, in the grader's own process, finds its answer
right (judge.py). A run can go wrong in a
way that costs more than one exercise: a cell that times out, a kernel that dies (os._exit, a
crash, exit()), a cell that leaves the kernel's memory full, or the run's wall-clock limit.
Then the exercise to blame gets the student-version stub instead of its answer and the notebook
runs again, until a run goes through: every exercise that does not depend on the broken one is
graded on its own merits.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..release import notebook_text
from .rebuild import Answers, ExerciseCells, Master, answers_of, load_master, rebuild
from .run import DEFAULT_LIMITS, CellResult, Limits, Run, run_notebook
from .submissions import MAX_BYTES, Submission, SubmissionError, read_submission

__all__ = ["ExerciseResult", "Graded", "grade_submission", "grade_all", "progress_bar"]

@dataclass(frozen=True)
class ExerciseResult:
    """One exercise of one submission: points earned of points possible, status, and why."""

    exercise: str
    title: str
    points: float
    max_points: float
    status: str
    message: str = ""


@dataclass(frozen=True)
class Graded:
    """A graded submission. `error` says why it could not be graded at all (then every exercise
    of its notebook, if known, scores zero with status "error")."""

    submission: Submission
    notebook: str
    results: tuple[ExerciseResult, ...]
    error: str = ""
    runs: int = 0


def grade_submission(
    submission: Submission,
    limits: Limits = DEFAULT_LIMITS,
    max_bytes: int = MAX_BYTES,
    hidden: tuple[Path, ...] = (),
) -> Graded:
    """Grade one submitted file; a file that cannot be graded gives an error, never a crash.

    The kernel runs sandboxed where the machine allows it (sandbox.py), blind to the folders
    in `hidden` and to the submission's own folder.
    """
    try:
        return _grade(submission, limits, max_bytes, (*hidden, submission.path.parent))
    except Exception as error:  # noqa: BLE001 - one submission must never stop the others
        return _unreadable(submission, f"the grader could not grade this file "
                                       f"({type(error).__name__}: {error})")


def _grade(
    submission: Submission, limits: Limits, max_bytes: int, hidden: tuple[Path, ...]
) -> Graded:
    try:
        notebook, name = read_submission(submission, max_bytes)
        master = load_master(name)
        answers = answers_of(master, notebook)
    except SubmissionError as error:
        return _unreadable(submission, str(error))
    except (OSError, TypeError, AttributeError, KeyError) as error:
        return _unreadable(submission, f"the notebook is damaged and cannot be read ({error})")
    left_out = {id: _result(master.exercises[id], "anomaly", message)
                for id, message in answers.anomalies.items()}
    runs = 0
    while True:  # each pass leaves out one more exercise, so this ends
        runs += 1
        run = _run(master, rebuild(master, answers, set(left_out)), limits, hidden)
        stop = _first_stop(run)
        scored = {id: left_out[id] if id in left_out else _score(ex, run, stop, limits, answers,
                                                                  master.stubs)
                  for id, ex in master.exercises.items()}
        passed = {id for id, result in scored.items() if result.status == "passed"}
        culprit = master.blame(stop.index, passed) if stop else None
        if culprit is None or culprit in left_out:
            break
        left_out[culprit] = _stopped(master.exercises[culprit], stop, limits)
    return Graded(submission, name, tuple(scored[id] for id in master.exercises), runs=runs)


def grade_all(
    submissions: list[Submission],
    limits: Limits = DEFAULT_LIMITS,
    jobs: int = 1,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
    hidden: tuple[Path, ...] = (),
) -> list[Graded]:
    """Grade submissions `jobs` at a time (each in its own processes); results in input order.

    Every kernel is blind to the folders of all the submissions and to those in `hidden`
    (the grader's output folder, say)."""
    folders = tuple(sorted({submission.path.parent for submission in submissions}))
    results: list[Graded | None] = [None] * len(submissions)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_submission, submission, limits, max_bytes,
                               (*hidden, *folders)): position
                   for position, submission in enumerate(submissions)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(submissions))
    return results


def progress_bar(done: int, total: int, width: int = 30) -> None:
    """A one-line progress bar on stderr, redrawn in place."""
    filled = width * done // max(total, 1)
    end = "\n" if done == total else ""
    print(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
          end=end, file=sys.stderr, flush=True)


def _run(master: Master, notebook: dict, limits: Limits, hidden: tuple[Path, ...]) -> Run:
    """Run a rebuilt notebook, sandboxed, in a fresh temporary folder (its kernel's working
    directory and only writable folder)."""
    with tempfile.TemporaryDirectory(prefix="coursekit-grade-") as folder:
        path = Path(folder) / f"{master.name}.ipynb"
        path.write_text(notebook_text(notebook), encoding="utf-8")
        return run_notebook(path, limits, sandboxed=limits.sandboxed, hidden=hidden,
                            judged=True)


def _first_stop(run: Run) -> CellResult | None:
    """The first cell where the run went wrong in a way that can spoil the cells after it."""
    return next((cell for cell in run.cells if cell.stopped), None)


def _score(
    ex: ExerciseCells,
    run: Run,
    stop: CellResult | None,
    limits: Limits,
    answers: Answers,
    stubs: dict[str, str],
) -> ExerciseResult:
    """How one exercise fared in a run, by the judge's verdict; `stop` is the run's first stop."""
    if not ex.check_cells:
        return _result(ex, "error", "the master has no check for this exercise")
    check = run.cell(ex.check_cells[-1])
    if check is None or check.verdict is None:
        where = f", in cell {stop.index}: {_describe(stop, limits)}" if stop else ""
        return _result(ex, "error", f"this exercise could not be judged fairly: the notebook went "
                                    f"wrong before its check{where}")
    if all(answers.sources.get(id) == stubs.get(id) for id in ex.answer_ids):
        return _result(ex, "not answered", f"Exercise {ex.id} is not answered yet: its answer "
                                           "cell still holds the `raise NotImplementedError` stub")
    verdict = check.verdict
    if verdict.status == "passed":
        return _result(ex, "passed")
    if verdict.status == "not answered":
        return _result(ex, "not answered", verdict.message)
    for index in ex.answer_cells:
        answer = run.cell(index)
        if answer is not None and not answer.passed:
            return _result(ex, "failed", f"the answer cell raised {_error_line(answer)}")
    return _result(ex, "failed", verdict.message)


def _error_line(cell: CellResult) -> str:
    """"SyntaxError: invalid syntax", from the last line of the kernel's traceback."""
    lines = [line.strip() for line in cell.message.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if cell.exception and not last.startswith(cell.exception):
        return f"{cell.exception}: {last}"
    return last or cell.exception or "an error"


def _stopped(ex: ExerciseCells, cell: CellResult, limits: Limits) -> ExerciseResult:
    status = "timed out" if cell.stopped in ("timeout", "time limit") else "crashed"
    return _result(ex, status, f"{_describe(cell, limits)}; the other exercises were graded "
                               "without this answer")


def _describe(cell: CellResult, limits: Limits) -> str:
    if cell.stopped == "timeout":
        return f"a cell ran longer than the {limits.cell_timeout:g} s allowed (an endless loop?)"
    if cell.stopped == "time limit":
        return f"the notebook ran longer than the {limits.time_limit:g} s allowed"
    if cell.stopped == "kernel died":
        return ("the Python process stopped (os._exit, exit(), a crash, or more memory than "
                f"the {limits.memory_mb} MB allowed)")
    if cell.stopped == "memory":
        return f"it filled the {limits.memory_mb} MB of memory allowed"
    return cell.message or cell.stopped


def _result(ex: ExerciseCells, status: str, message: str = "") -> ExerciseResult:
    points = ex.points if status == "passed" else 0.0
    return ExerciseResult(ex.id, ex.title, points, ex.points, status, _stable(message))


def _stable(message: str) -> str:
    """The same message on every run: object addresses (`at 0x7f…`) vary between processes."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", message)


def _unreadable(submission: Submission, message: str) -> Graded:
    try:
        master = load_master(submission.guessed_notebook)
    except Exception:  # noqa: BLE001 - an unknown or unreadable name still gets its row
        return Graded(submission, submission.path.stem, (), error=message)
    results = tuple(_result(ex, "error", message) for ex in master.exercises.values())
    return Graded(submission, master.name, results, error=message)
