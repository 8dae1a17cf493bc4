"""Grading: `coursekit grade` marks students' notebooks against the instructor masters.

Quick start
-----------
    coursekit grade submissions/ --out grades

writes `grades/gradebook.csv` (one row per exercise of each submission: student, notebook,
exercise, points, max_points, status, message, submission), `grades/totals.csv` (each student's
points per notebook and in all), `grades/summary.txt` (how many were graded, the mean score of
each exercise, every anomaly, duplicate and error; also printed) and `grades/feedback/` (one
file per student: each exercise's result and, for a failed one, the check's own message). The
masters come from the checkout's `instructor/` folder, or `--masters DIR`.

What the grader guarantees
--------------------------
Every answer is treated as written by someone who knows this code and wants marks they did not
earn, or to spoil other students' marks:

- **Marks come from a judge outside the kernel.** The kernel only runs the answer. After each
  check cell, the exercise's checks run in the grader's own process against a stand-in for the
  answer: each call sends its arguments to the kernel and reads the result back as plain data
  (numbers, text, arrays, tuples, dicts; see `coursekit.exercises.wire`), which is compared
  there. Patching `check`, the comparison, builtins or IPython, walking frames, printing the pass
  line: none of it reaches the judge. The checks include hidden cases, argument sets kept in the
  masters folder (`hidden_cases.json`, {exercise: {answer name: [arguments]}}) that a student
  never sees, so an answer that memorises the public cases fails.
- **The solutions are not there to be read.** Students install coursekit without the masters;
  during grading the kernel cannot see the masters folder either.
- **Each kernel runs in a sandbox** (`sandbox.py`, with Debian's bubblewrap): no network, no view
  of the grader's processes or files, the submissions and the output folder covered, one
  throwaway writable folder, an unprivileged user, limits on file size and open files, memory
  per process and, as root, memory and process count for the whole run. Everything it started
  ends with the run. Where bubblewrap is missing or cannot make namespaces, grading still works
  but warns, in its output and summary, that these guarantees do not hold.
- **One submission never stops the others.** Anything that goes wrong while grading a file gives
  that file error rows with a short reason. A symbolic link, a pipe, a file whose folder and name
  name different students, a name that is not text: each is a row that says so. Gradebook cells
  are safe to open in a spreadsheet (no formulas), and a message cannot forge feedback.

Why submissions are rebuilt
---------------------------
A submission is never run as it is. The grader takes a fresh copy of the master and injects only
the sources of the student's answer cells, found by the cell id they were released with, or by
their exercise metadata. Everything else the student saved (outputs, check cells, tags,
metadata, kernelspec) is discarded. A missing, duplicated, or re-typed (turned to markdown)
answer cell is an anomaly: that exercise scores zero, and the others are graded.

How a notebook runs
-------------------
Each rebuilt notebook runs under nbval (pytest), in a child process, with the grader's own
Python kernel (never the kernelspec of the submission) and these limits: `--timeout` seconds per
cell and for the judging of one exercise (default 30), `--time-limit` seconds for the whole run
(default 300), and `--memory` MB of address space (default 2048). A kernel that dies (os._exit,
exit(), a crash) is noticed at once. No output is compared: marks are the judge's verdicts.

An exercise earns its points only if the judge passes it. Statuses: passed, failed, not answered
(still the stub), timed out, crashed, anomaly, and error (the file could not be read, or the
notebook broke before the exercise could be judged). If a cell or a judging times out, kills the
kernel, or leaves the kernel's memory (over 90% of the limit) full, the exercise it belongs to
(or, for an ordinary cell, the nearest earlier exercise that did not pass) scores zero, gets the
student-version stub, and the notebook runs again: one endless loop costs one exercise, not the
notebook. A kernel starts with about 0.8 GB of address space already mapped, so keep `--memory`
well above that.

Submissions are only read, never written. A file that is empty, not JSON, not a version-4
notebook, larger than 50 MB, or a notebook of another course gets an error row; the rest are
graded. Grading the same files again writes the same gradebook.

Grading in parallel, and beyond one machine
-------------------------------------------
`--jobs N` grades N submissions at once (default: every core). To spread the work over many
machines, run the same command as shards: `--shard I/N` grades part I (0 <= I < N) of the
submissions, chosen by a hash of the student's name that is the same on every machine, so each
student's feedback comes from one shard. Then combine the gradebooks:

    coursekit merge shard-*/gradebook.csv --out grades/gradebook.csv

On Kubernetes, an indexed Job gives each pod its index:

    completionMode: Indexed
    completions: 8
    parallelism: 8
    ... command: ["sh", "-c", "coursekit grade /submissions --shard $JOB_COMPLETION_INDEX/8
                               --out /results/shard-$JOB_COMPLETION_INDEX"]

In CI, a matrix does the same: `matrix: {shard: [0, 1, 2, 3]}` and
`coursekit grade submissions --shard ${{ matrix.shard }}/4 --out shard-${{ matrix.shard }}`,
then a last job downloads the shards' folders and runs `coursekit merge`. Each shard's
`feedback/` folder holds whole files for its own students: copy them all into one folder.

What the grader cannot see
--------------------------
An answer that computes its results with the library's own engine (`Value`, `Tensor`) rather than
the way the notebook asks is right by the judge's measure; so is work copied from a classmate
before submission. Read the answers of surprising results.
"""

from .grade import ExerciseResult, Graded, grade_all, grade_submission
from .run import CellResult, Limits, Run, run_nbval, run_notebook
from .submissions import Submission, find_submissions, in_shard

__all__ = [
    "CellResult", "ExerciseResult", "Graded", "Limits", "Run", "Submission",
    "find_submissions", "grade_all", "grade_submission", "in_shard", "run_nbval", "run_notebook",
]
