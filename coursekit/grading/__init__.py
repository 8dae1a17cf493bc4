"""Grading: `coursekit grade` marks students' notebooks against the instructor masters.

Quick start
-----------
    coursekit grade submissions/ --out grades

writes `grades/gradebook.csv` (one row per exercise of each submission: student, notebook,
exercise, points, max_points, status, message, submission), `grades/feedback/<student>.md` (each
exercise's result and, for a failed one, the check's own message), and prints a summary: how many
were graded, the mean score of each exercise, every anomaly and error.

Naming submissions
------------------
Give files, or folders (searched recursively for `.ipynb`). The student is the part of the file
name before a double underscore, `alice__01_chain_rule.ipynb`, otherwise the folder holding the
file, `submissions/alice/01_chain_rule.ipynb`. The notebook a file answers is read from its
metadata (`metadata.coursekit.notebook`), so a renamed copy is still recognised; without that
metadata, the file name (after any `student__`) must be the notebook's name.

Why submissions are rebuilt
---------------------------
nbval alone compares a notebook with the outputs stored in that same notebook and reads its
markers from it: a student who edits a check cell, deletes its output, adds an `nbval-skip` tag
or submits the outputs of their own run would pass. So a submission is never run as it is. The
grader takes a fresh copy of the master and injects only the sources of the student's answer
cells, found by the cell id they were released with, or by their exercise metadata. Everything
else the student saved (outputs, check cells, tags, metadata, kernelspec) is discarded, and the
master's instructor-only cells run too. A missing, duplicated, or re-typed (turned to markdown)
answer cell is an anomaly: that exercise scores zero, and the others are graded.

How a notebook runs
-------------------
Each rebuilt notebook runs under nbval (pytest), in a child process, in a fresh temporary
folder, with the grader's own Python kernel (`--nbval-current-env`, never the kernelspec of the
submission) and these limits: `--timeout` seconds per cell (default 30), `--time-limit` seconds
for the whole run (default 300), and `--memory` MB of address space (default 2048; set with
RLIMIT_AS in the child, which the kernel inherits; RLIMIT_CPU backs up the time limit). A kernel
that dies (os._exit, exit(), a crash) is noticed at once. Only check (and instructor) cells count,
and of their outputs only the pass line `check` prints is compared; stderr and warnings never are.

An exercise earns its points only if all its check cells pass, as read from pytest's junit XML.
Statuses: passed, failed, not answered (still the stub), timed out, crashed, anomaly, and error
(the file could not be read, or the notebook broke before the check could run). If a cell times
out, kills the kernel, or leaves the kernel's memory (over 90% of the limit) full, the exercise it
belongs to (or, for an ordinary cell, the nearest earlier exercise that did not pass) scores
zero, gets the student-version stub, and the notebook runs again: one endless loop costs one
exercise, not the notebook. A kernel starts with about 0.8 GB of address space already mapped,
so keep `--memory` well above that.

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
Answers run in the same Python process as the checks. An answer that rebinds `check` or patches
the exercise module could fake a pass; the gradebook cannot tell. Read the answers of surprising
results.
"""

from .grade import ExerciseResult, Graded, grade_all, grade_submission
from .run import CellResult, Limits, Run, run_nbval, run_notebook
from .submissions import Submission, find_submissions, in_shard

__all__ = [
    "CellResult", "ExerciseResult", "Graded", "Limits", "Run", "Submission",
    "find_submissions", "grade_all", "grade_submission", "in_shard", "run_nbval", "run_notebook",
]
