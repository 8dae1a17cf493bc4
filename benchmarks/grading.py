"""How long `coursekit grade` takes per submission, one at a time and on all cores.

The submissions are 50 copies of a fully correct 01_chain_rule notebook (five exercises, 21 code
cells), each from its own student folder. Every copy is rebuilt, run under nbval in its own
processes and scored; the benchmark also checks that every copy earned full points, so both runs
did the whole work.

Run: .venv/bin/python benchmarks/grading.py [--copies 50]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from coursekit.course import cell_role, solution_of
from coursekit.grading import find_submissions, grade_all
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


def seconds_per_submission(folder: Path, jobs: int) -> float:
    submissions = find_submissions([folder])
    started = time.perf_counter()
    graded = grade_all(submissions, jobs=jobs)
    elapsed = time.perf_counter() - started
    short = [item for item in graded if any(r.points < r.max_points for r in item.results)]
    if short:
        raise SystemExit(f"{len(short)} correct copies lost points, e.g. {short[0].results}")
    return elapsed / len(submissions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    copies = parser.parse_args().copies
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        text = json.dumps(correct_submission(scratch / "released"))
        for number in range(copies):
            student = scratch / "submissions" / f"student{number:03d}"
            student.mkdir(parents=True)
            (student / f"{NOTEBOOK}.ipynb").write_text(text, encoding="utf-8")
        sequential = seconds_per_submission(scratch / "submissions", jobs=1)
        parallel = seconds_per_submission(scratch / "submissions", jobs=cores)
    print(f"{copies} copies of a correct {NOTEBOOK} submission")
    print(f"sequential      : {sequential:.2f} s per submission")
    print(f"{cores} jobs ({cores} cores): {parallel:.2f} s per submission")
    print(f"speed-up        : {sequential / parallel:.2f}x")


if __name__ == "__main__":
    main()
