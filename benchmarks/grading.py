"""How long `coursekit grade` takes per submission, one at a time and on all cores, with the
kernels sandboxed and, as the baseline measured in the same run, without the sandbox.

The submissions are copies of a fully correct 01_chain_rule notebook (five exercises), each
from its own student folder. Every copy is rebuilt, run under nbval in its own processes and
judged; the benchmark also checks that every copy earned full points, so every run did the
whole work.

Run: .venv/bin/python benchmarks/grading.py [--copies 20]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from coursekit.course import cell_role, solution_of
from coursekit.grading import Limits, find_submissions, grade_all
from coursekit.grading.sandbox import why_unavailable
from coursekit.release import release

NOTEBOOK = "01_chain_rule"


def correct_submission(folder: Path) -> dict:
    """The student version of the notebook with every answer filled in."""
    release(folder)
    notebook = json.loads((folder / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        exercise_id, role = cell_role(cell)
        if role == "answer":
            cell["source"] = solution_of(exercise_id)
    return notebook


def seconds_per_submission(folder: Path, jobs: int, sandboxed: bool) -> float:
    submissions = find_submissions([folder])
    started = time.perf_counter()
    graded = grade_all(submissions, Limits(sandboxed=sandboxed), jobs=jobs)
    elapsed = time.perf_counter() - started
    short = [item for item in graded if any(r.points < r.max_points for r in item.results)]
    if short:
        raise SystemExit(f"{len(short)} correct copies lost points, e.g. {short[0].results}")
    return elapsed / len(submissions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    copies = parser.parse_args().copies
    cores = os.cpu_count() or 1
    print(f"== grading: {copies} copies of a correct {NOTEBOOK} submission ==")
    unsandboxed = why_unavailable()
    if unsandboxed:
        print(f"note: {unsandboxed}; both columns below ran unsandboxed")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        text = json.dumps(correct_submission(scratch / "released"))
        for number in range(copies):
            student = scratch / "submissions" / f"student{number:03d}"
            student.mkdir(parents=True)
            (student / f"{NOTEBOOK}.ipynb").write_text(text, encoding="utf-8")
        print(f"{'jobs':>6}{'unsandboxed':>14}{'sandboxed':>12}{'sandbox cost':>14}")
        for jobs in sorted({1, cores}):
            bare = seconds_per_submission(scratch / "submissions", jobs, sandboxed=False)
            boxed = seconds_per_submission(scratch / "submissions", jobs, sandboxed=True)
            print(f"{jobs:>6}{bare:>12.2f} s{boxed:>10.2f} s{boxed / bare - 1:>+13.0%}")


if __name__ == "__main__":
    main()
