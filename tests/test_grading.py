"""Grading: honest scores from rebuilt notebooks, whatever a submission contains.

The submissions are made from the real student notebooks (a fresh release) by injecting answers
and by tampering the way students do. One `coursekit grade` call grades most of them together.
"""

import copy
import csv
import json
import time
from pathlib import Path

import pytest
from grading_cases import (
    CHAIN,
    CHAIN_EXERCISES,
    CHAIN_POINTS,
    PASS_LINE,
    WELCOME,
    WRONG_SLOPE,
    answer_cell,
    check_cell,
    digests,
    fully_correct,
    load,
    points_of,
    row_of,
    save,
    solved,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.cli import main
from coursekit.course import cell_role, master_path, masters, solution_of
from coursekit.grading import Limits, Submission, find_submissions, grade_all, in_shard
from coursekit.grading.judge import Verdict
from coursekit.grading.rebuild import answers_of, load_master, rebuild
from coursekit.grading.report import merge_gradebooks, read_gradebook
from coursekit.grading.run import CellResult, Run, useful_part
from coursekit.release import release


@pytest.fixture(scope="module")
def student_notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("student")
    release(folder)
    return folder














# ----- the batch: many kinds of submission, graded in one call


def tampered_welcome_submissions(students):
    """Submissions of 00_welcome (one exercise, 1 point), by student, with expected points."""
    blank = load(students / f"{WELCOME}.ipynb")

    edited_check = copy.deepcopy(blank)
    check_cell(edited_check, "0.1")["source"] = f"print({PASS_LINE.strip()!r})"

    skip_tag = solved(copy.deepcopy(blank), (), {"0.1": WRONG_SLOPE})
    check = check_cell(skip_tag, "0.1")
    check["metadata"]["tags"] = ["nbval-skip"]
    check["source"] = "# NBVAL_SKIP\n" + "".join(check["source"])

    own_outputs = solved(copy.deepcopy(blank), (), {"0.1": WRONG_SLOPE})
    check = check_cell(own_outputs, "0.1")
    check["execution_count"] = 4
    check["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [PASS_LINE]}]

    equals_anything = solved(copy.deepcopy(blank), (), {"0.1": (
        "class Anything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n\n"
        "def slope(a, b, x):\n"
        "    return Anything()\n"
    )})

    retyped = solved(copy.deepcopy(blank), ("0.1",))
    answer_cell(retyped, "0.1")["cell_type"] = "markdown"

    big_outputs = fully_correct(students, WELCOME)
    answer_cell(big_outputs, "0.1")["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": ["x" * 1000 + "\n"] * 3000}
    ]

    other_kernel = fully_correct(students, WELCOME)
    other_kernel["metadata"]["kernelspec"] = {"name": "no-such-kernel", "display_name": "?",
                                              "language": "python"}
    return {
        "w-correct": (f"w-correct/{WELCOME}.ipynb", fully_correct(students, WELCOME), 1),
        "w-blank": (f"w-blank/{WELCOME}.ipynb", blank, 0),
        "w-edited-check": (f"w-edited-check/{WELCOME}.ipynb", edited_check, 0),
        "w-skip-tag": (f"w-skip-tag/{WELCOME}.ipynb", skip_tag, 0),
        "w-own-outputs": (f"w-own-outputs/{WELCOME}.ipynb", own_outputs, 0),
        "w-equals-anything": (f"w-equals-anything/{WELCOME}.ipynb", equals_anything, 0),
        "w-retyped": (f"w-retyped/{WELCOME}.ipynb", retyped, 0),
        "w-renamed": ("w-renamed/homework final (1).ipynb", fully_correct(students, WELCOME), 1),
        "w-big-outputs": (f"w-big-outputs__{WELCOME}.ipynb", big_outputs, 1),
        "w-other-kernel": (f"w-other-kernel/{WELCOME}.ipynb", other_kernel, 1),
    }


def broken_chain_submissions(students):
    """Submissions of 01_chain_rule (six exercises, 8 points), with the points expected of
    each exercise: one broken exercise must not cost the others."""
    def chain(replaced=None):
        return solved(load(students / f"{CHAIN}.ipynb"), CHAIN_EXERCISES, replaced)

    deleted = chain()
    deleted["cells"].remove(answer_cell(deleted, "1.2"))
    duplicated = chain()
    position = duplicated["cells"].index(answer_cell(duplicated, "1.4"))
    copied = dict(answer_cell(duplicated, "1.4"), id="pasted-copy")
    duplicated["cells"].insert(position, copied)

    partly = chain({
        "1.1": "def add_multiply_gradients(x, y, z):\n    return (z, z, x)\n",
        "1.3": "def multiply_backward(x, y, upstream):\n    return (upstream * x, upstream * y)\n",
    })
    return {
        "c-correct": (chain(), CHAIN_POINTS),
        "c-partly": (partly, {**CHAIN_POINTS, "1.1": 0, "1.3": 0}),
        "c-blank": (load(students / f"{CHAIN}.ipynb"), dict.fromkeys(CHAIN_EXERCISES, 0)),
        "c-endless-loop": (chain({"1.3": (
            "def multiply_backward(x, y, upstream):\n"
            "    while True:\n"
            "        pass\n"
        )}), {**CHAIN_POINTS, "1.3": 0}),
        "c-os-exit": (chain({"1.2": (
            "import os\n\n"
            "def add_backward(x, y, upstream):\n"
            "    os._exit(1)\n"
        )}), {**CHAIN_POINTS, "1.2": 0}),
        "c-sys-exit": (chain({"1.4": "import sys\nsys.exit('done for today')\n"}),
                       {**CHAIN_POINTS, "1.4": 0}),
        "c-memory-hog": (chain({"1.1": (  # takes all the memory there is, and keeps it
            "hoard, size = [], 2**30\n"
            "while size:\n"
            "    try:\n"
            "        hoard.append(bytearray(size))\n"
            "    except MemoryError:\n"
            "        size //= 2\n"
        )}), {**CHAIN_POINTS, "1.1": 0}),
        "c-syntax-error": (chain({"1.2": "def add_backward(x, y, upstream)\n    return 0\n"}),
                           {**CHAIN_POINTS, "1.2": 0}),
        "c-deleted": (deleted, {**CHAIN_POINTS, "1.2": 0}),
        "c-duplicated": (duplicated, {**CHAIN_POINTS, "1.4": 0}),
    }


BAD_FILES = {
    "x-not-json": (f"x-not-json__{WELCOME}.ipynb", '{"cells": [', "not valid JSON"),
    "x-empty": (f"x-empty/{WELCOME}.ipynb", "", "empty"),
    "x-version-3": (f"x-version-3/{WELCOME}.ipynb",
                    json.dumps({"nbformat": 3, "worksheets": [], "cells": []}), "version 3"),
    "x-other-course": ("x-other-course/lab1.ipynb", json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}),
        "cannot tell which notebook"),
    "x-other-course-metadata": ("x-other-course-metadata/lab1.ipynb", json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "cells": [],
         "metadata": {"coursekit": {"notebook": "99_quantum"}}}), "not a notebook of this course"),
}




@pytest.fixture(scope="module")
def batch(student_notebooks, tmp_path_factory):
    """Every kind of submission, graded by one `coursekit grade --jobs 2` call."""
    folder = tmp_path_factory.mktemp("submissions")
    for path, notebook, _ in tampered_welcome_submissions(student_notebooks).values():
        save(folder, path, notebook)
    for name, (notebook, _) in broken_chain_submissions(student_notebooks).items():
        save(folder, f"{name}/{CHAIN}.ipynb", notebook)
    for path, text, _ in BAD_FILES.values():
        save(folder, path, text)
    before = digests(folder)
    out = tmp_path_factory.mktemp("grades")
    started = time.monotonic()
    status = main(["grade", str(folder), "--out", str(out), "--jobs", "2", "--timeout", "10",
                   "--memory", "1536"])
    return {
        "status": status, "folder": folder, "out": out, "before": before,
        "seconds": time.monotonic() - started,
        "rows": read_gradebook(out / "gradebook.csv"),
    }






def test_grading_finishes_and_leaves_every_submission_untouched(batch):
    assert batch["status"] == 0
    assert digests(batch["folder"]) == batch["before"]
    print(f"graded the batch in {batch['seconds']:.1f} s")


@pytest.mark.parametrize("student", [
    "w-correct", "w-blank", "w-edited-check", "w-skip-tag", "w-own-outputs",
    "w-equals-anything", "w-retyped", "w-renamed", "w-big-outputs", "w-other-kernel",
])
def test_a_welcome_submission_earns_what_its_answer_deserves(batch, student, student_notebooks):
    expected = tampered_welcome_submissions(student_notebooks)[student][2]
    assert points_of(batch["rows"], student) == {"0.1": expected}


@pytest.mark.parametrize("student", [
    "c-correct", "c-partly", "c-blank", "c-endless-loop", "c-os-exit", "c-sys-exit",
    "c-syntax-error", "c-memory-hog", "c-deleted", "c-duplicated",
])
def test_a_broken_exercise_costs_only_itself(batch, student, student_notebooks):
    expected = broken_chain_submissions(student_notebooks)[student][1]
    assert points_of(batch["rows"], student) == expected


@pytest.mark.parametrize("student, exercise, status, words", [
    ("w-blank", "0.1", "not answered", "is not answered yet"),
    ("w-edited-check", "0.1", "not answered", "is not answered yet"),
    ("w-skip-tag", "0.1", "failed", "check 2 of 8: slope(a=-3"),
    ("w-equals-anything", "0.1", "failed", "expected a number"),
    ("w-retyped", "0.1", "anomaly", "markdown"),
    ("c-partly", "1.1", "failed", "Exercise 1.1"),
    ("c-endless-loop", "1.3", "timed out", "10 s"),
    ("c-os-exit", "1.2", "crashed", "stopped"),
    ("c-sys-exit", "1.4", "failed", "SystemExit"),
    ("c-syntax-error", "1.2", "failed", "the answer cell raised SyntaxError"),
    ("c-deleted", "1.2", "anomaly", "missing"),
    ("c-duplicated", "1.4", "anomaly", "2 answer cells"),
])
def test_the_gradebook_says_what_went_wrong(batch, student, exercise, status, words):
    row = row_of(batch["rows"], student, exercise)
    assert (row.status, row.points) == (status, 0)
    assert words in row.message


def test_a_memory_hog_is_stopped_and_left_out(batch):
    row = row_of(batch["rows"], "c-memory-hog", "1.1")
    assert row.points == 0
    # Filling the memory takes a moment when the machine is idle, longer than the timeout on a
    # busy one: either way the hog is stopped and the other exercises are graded without it.
    assert (row.status == "crashed" and "memory" in row.message) or row.status == "timed out"


@pytest.mark.parametrize("student, words", [(name, words) for name, (_, _, words)
                                            in BAD_FILES.items()])
def test_a_file_that_cannot_be_graded_gets_an_error_row(batch, student, words):
    rows = [row for row in batch["rows"] if row.student == student]
    assert rows and all(row.status == "error" and row.points == 0 for row in rows)
    assert words in rows[0].message


def test_an_unreadable_file_of_a_known_notebook_still_lists_its_exercises(batch):
    row = row_of(batch["rows"], "x-not-json", "0.1")
    assert (row.notebook, row.max_points) == (WELCOME, 1)


def test_the_gradebook_has_one_row_per_exercise_in_a_fixed_order(batch):
    rows = batch["rows"]
    assert rows == sorted(rows, key=lambda row: row.key)
    chain_rows = [row for row in rows if row.student == "c-correct"]
    assert [row.exercise for row in chain_rows] == list(CHAIN_EXERCISES)
    assert all(row.max_points == CHAIN_POINTS[row.exercise] for row in chain_rows)
    with open(batch["out"] / "gradebook.csv", encoding="utf-8") as file:
        header = next(csv.reader(file))
    assert header[:7] == ["student", "notebook", "exercise", "points", "max_points", "status",
                          "message"]


def test_feedback_gives_the_checks_own_message_without_colour_codes(batch):
    feedback = (batch["out"] / "feedback" / "c-partly.md").read_text(encoding="utf-8")
    assert "# Feedback for c-partly" in feedback
    assert "## 01_chain_rule: 5 of 8 points" in feedback
    assert "Exercise 1.3 (multiply gate), check 1 of" in feedback
    assert "Hint:" in feedback
    assert "\x1b[" not in feedback and "#x1B" not in feedback
    assert "Traceback" not in feedback


def test_each_student_gets_one_feedback_file(batch):
    names = {path.stem for path in (batch["out"] / "feedback").iterdir()}
    assert names == {row.student for row in batch["rows"]}


# ----- one at a time: timing, the wall-clock limit, determinism


def grade_one(folder, notebook, limits, name=WELCOME):
    path = save(folder, f"student/{name}.ipynb", notebook)
    [graded] = grade_all([Submission("student", path)], limits)
    return graded


def test_a_dead_kernel_is_noticed_at_once_not_after_the_timeout(student_notebooks, tmp_path):
    notebook = solved(load(student_notebooks / f"{WELCOME}.ipynb"), (), {"0.1": (
        "import os\n\ndef slope(a, b, x):\n    os._exit(3)\n"
    )})
    started = time.monotonic()
    graded = grade_one(tmp_path, notebook, Limits(cell_timeout=120))
    assert graded.results[0].status == "crashed"
    assert time.monotonic() - started < 40


def running_kernels_of_grading_runs():
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environment = (entry / "environ").read_bytes()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"coursekit-run-" in environment and b"ipykernel" in command:
                found.add(int(entry.name))
    return found


def test_a_run_past_its_wall_clock_limit_is_killed_with_its_kernel(student_notebooks, tmp_path):
    """A loop that ignores interrupts and keeps printing outlasts nbval's own timeouts."""
    notebook = solved(load(student_notebooks / f"{WELCOME}.ipynb"), (), {"0.1": (
        "import signal, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "while True:\n"
        "    print('still here', flush=True)\n"
        "    time.sleep(0.05)\n"
    )})
    before = running_kernels_of_grading_runs()
    graded = grade_one(tmp_path, notebook, Limits(cell_timeout=2, time_limit=15))
    assert (graded.results[0].status, graded.runs) == ("timed out", 2)
    assert "15 s" in graded.results[0].message
    deadline = time.monotonic() + 5
    while running_kernels_of_grading_runs() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running_kernels_of_grading_runs() - before


def test_a_run_that_cannot_even_start_gives_errors_not_a_crash(student_notebooks, tmp_path):
    """60 MB is far below what pytest and nbval need to load (150 MB is sometimes just enough)."""
    graded = grade_one(tmp_path, fully_correct(student_notebooks, WELCOME), Limits(memory_mb=60))
    assert graded.results[0].status == "error"
    assert "the test process failed" in graded.results[0].message


def test_grading_again_writes_the_same_gradebook_and_feedback(student_notebooks, tmp_path):
    folder = tmp_path / "submissions"
    save(folder, f"ann/{WELCOME}.ipynb", fully_correct(student_notebooks, WELCOME))
    save(folder, f"ben/{WELCOME}.ipynb", solved(
        load(student_notebooks / f"{WELCOME}.ipynb"), (), {"0.1": WRONG_SLOPE}))
    save(folder, f"cid__{WELCOME}.ipynb", "not a notebook")
    written = []
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        assert main(["grade", str(folder), "--out", str(out), "--jobs", "2"]) == 0
        written.append({path.relative_to(out): path.read_bytes()
                        for path in out.rglob("*") if path.is_file()})
    assert written[0] == written[1]
    assert len(written[0]) == 6  # gradebook, totals, summary and three feedback files


def test_prints_in_an_answer_cost_nothing_and_a_printed_pass_line_earns_nothing(
    student_notebooks, tmp_path
):
    """Marks come from the judge alone: prints, stderr and warnings left in an answer cost
    nothing, and an answer that prints the pass line itself gains nothing by it."""
    chatty = (
        "import sys, warnings\n\n"
        "def slope(a, b, x):\n"
        "    print('working on', a, b, x)\n"
        "    print('debug', file=sys.stderr)\n"
        "    warnings.warn('a warning')\n"
        "    return a\n"
    )
    boastful = f"def slope(a, b, x):\n    print({PASS_LINE.strip()!r})\n    return 2.0\n"
    blank = load(student_notebooks / f"{WELCOME}.ipynb")
    paths = [save(tmp_path, f"{student}/{WELCOME}.ipynb", solved(copy.deepcopy(blank), (),
                                                                 {"0.1": answer}))
             for student, answer in (("chatty", chatty), ("boastful", boastful))]
    graded = grade_all([Submission(path.parent.name, path) for path in paths], jobs=2)
    assert [item.results[0].status for item in graded] == ["passed", "failed"]
    assert "expected -3, got 2" in graded[1].results[0].message


# ----- isolating failures, with a stand-in for nbval


def fake_runs(monkeypatch, *runs):
    """Make grading see these runs, in turn, instead of running nbval; record the notebooks."""
    notebooks = []

    def run_notebook(path, limits, **options):
        notebooks.append(load(path))
        return runs[len(notebooks) - 1]

    monkeypatch.setattr("coursekit.grading.grade.run_notebook", run_notebook)
    return notebooks


def code_cells_of_chain():
    """The 01 master's code cells: nbval numbers its results by position among them."""
    return [cell for cell in load_master(CHAIN).notebook["cells"] if cell["cell_type"] == "code"]


def code_index(exercise_id, role):
    cells = code_cells_of_chain()
    return next(i for i, cell in enumerate(cells) if cell_role(cell) == (exercise_id, role))


def judged(index, passed=True, **details):
    """A cell's result as a run reports it: check cells carry the judge's verdict."""
    is_check = cell_role(code_cells_of_chain()[index])[1] == "check"
    verdict = Verdict("passed" if passed else "failed", "" if passed else "wrong") if is_check \
        else None
    return CellResult(index, passed, verdict=verdict, **details)


def every_cell_passes(but=()):
    count = len(code_cells_of_chain())
    return Run(tuple(judged(index, index not in but) for index in range(count)))


def test_a_run_killed_in_an_exercise_is_run_again_without_it(student_notebooks, tmp_path,
                                                             monkeypatch):
    check_1_3 = code_index("1.3", "check")
    killed_in_check_of_1_3 = Run((CellResult(check_1_3, False, stopped="time limit"),))
    notebooks = fake_runs(monkeypatch, killed_in_check_of_1_3, every_cell_passes(but={check_1_3}))
    path = save(tmp_path, f"ann/{CHAIN}.ipynb", fully_correct(student_notebooks, CHAIN))
    [graded] = grade_all([Submission("ann", path)], Limits(time_limit=60))
    assert graded.runs == 2
    assert {r.exercise: r.status for r in graded.results} == {
        "1.1": "passed", "1.2": "passed", "1.3": "timed out", "1.4": "passed", "1.5": "passed",
        "1.6": "passed"}
    assert "60 s" in graded.results[2].message
    assert "NotImplementedError" in "".join(answer_cell(notebooks[1], "1.3")["source"])
    assert "NotImplementedError" not in "".join(answer_cell(notebooks[1], "1.2")["source"])


def test_checks_that_never_ran_earn_nothing(student_notebooks, tmp_path, monkeypatch):
    """A run killed before any exercise cannot be blamed on one: nothing is graded as passed."""
    fake_runs(monkeypatch, Run((CellResult(2, False, stopped="time limit"),)))
    path = save(tmp_path, f"ann/{CHAIN}.ipynb", fully_correct(student_notebooks, CHAIN))
    [graded] = grade_all([Submission("ann", path)])
    assert graded.runs == 1
    assert {r.status for r in graded.results} == {"error"}
    assert "in cell 2" in graded.results[0].message


def test_a_cell_that_breaks_after_an_exercise_is_blamed_on_the_last_one_that_failed(
    student_notebooks, tmp_path, monkeypatch
):
    check_1_3, after_check_1_4 = code_index("1.3", "check"), code_index("1.4", "check") + 1
    ran = tuple(
        judged(i, i != check_1_3, exception="AssertionError" if i == check_1_3 else "")
        for i in range(after_check_1_4)
    )
    dead_after_1_4 = Run(ran + (CellResult(after_check_1_4, False, stopped="kernel died"),))
    fake_runs(monkeypatch, dead_after_1_4, every_cell_passes(but={check_1_3}))
    path = save(tmp_path, f"ann/{CHAIN}.ipynb", fully_correct(student_notebooks, CHAIN))
    [graded] = grade_all([Submission("ann", path)])
    assert [r.status for r in graded.results] == ["passed", "passed", "crashed", "passed",
                                                  "passed", "passed"]


# ----- rebuilding, without running anything


def test_a_rebuilt_notebook_is_the_master_with_only_the_answers_injected(student_notebooks):
    master = load_master(CHAIN)
    submission = solved(load(student_notebooks / f"{CHAIN}.ipynb"), CHAIN_EXERCISES)
    submission["metadata"]["kernelspec"]["name"] = "their-own-kernel"
    check_cell(submission, "1.1")["source"] = "print('passed')"
    check_cell(submission, "1.1")["metadata"]["tags"] = ["nbval-skip"]
    rebuilt = rebuild(master, answers_of(master, submission))
    assert rebuilt["metadata"] == master.notebook["metadata"]
    assert len(rebuilt["cells"]) == len(master.notebook["cells"])
    for ours, theirs in zip(rebuilt["cells"], master.notebook["cells"]):
        exercise_id, role = cell_role(theirs)
        if role == "answer":
            assert ours["source"] == solution_of(exercise_id)
        else:
            assert ours["source"] == theirs["source"]
        assert ours["metadata"].get("coursekit") == theirs["metadata"].get("coursekit")
        if ours["cell_type"] == "code":
            assert "nbval-ignore-output" in ours["metadata"]["tags"]


def test_answers_are_found_by_metadata_when_their_cell_ids_changed(student_notebooks):
    master = load_master(CHAIN)
    submission = solved(load(student_notebooks / f"{CHAIN}.ipynb"), CHAIN_EXERCISES)
    for cell in submission["cells"]:
        cell["id"] = f"renumbered-{id(cell)}"
    answers = answers_of(master, submission)
    assert not answers.anomalies
    assert sorted(answers.sources.values()) == sorted(map(solution_of, CHAIN_EXERCISES))


def test_exercise_cells_are_counted_among_code_cells_from_zero_as_nbval_does():
    code_ids = [cell["id"] for cell in load(master_path(CHAIN))["cells"]
                if cell["cell_type"] == "code"]
    exercises = load_master(CHAIN).exercises
    for exercise_id in ("1.1", "1.5"):
        slug = exercise_id.replace(".", "-")
        assert exercises[exercise_id].answer_cells == (code_ids.index(f"ex{slug}-answer"),)
        assert exercises[exercise_id].check_cells == (code_ids.index(f"ex{slug}-check"),)
    assert [ex.points for ex in exercises.values()] == list(CHAIN_POINTS.values())


def test_left_out_exercises_get_the_student_version_stub(student_notebooks):
    master = load_master(CHAIN)
    submission = solved(load(student_notebooks / f"{CHAIN}.ipynb"), CHAIN_EXERCISES)
    rebuilt = rebuild(master, answers_of(master, submission), stubbed={"1.3"})
    assert "NotImplementedError" in "".join(answer_cell(rebuilt, "1.3")["source"])
    assert "".join(answer_cell(rebuilt, "1.2")["source"]) == solution_of("1.2")


# ----- reading nbval's reports, naming students, sharding, merging


def test_the_useful_part_of_a_report_is_the_exception_and_its_message():
    report = (
        "Notebook cell execution failed\nCell 3: Cell execution caused an exception\n\n"
        "Input:\ncheck(\"1.2\", add_backward)\n\nTraceback:\n\n"
        "#x1B[31m----------#x1B[39m\n#x1B[31mAssertionError#x1B[39m   Traceback (most recent)\n"
        "Cell In[4], line 1\n----> 1 check(\"1.2\", add_backward)\n\n"
        "\x1b[31mAssertionError\x1b[39m: Exercise 1.2 (add gate), check 1 of 5: expected 1, got 2\n"
        "Hint: the add gate distributes\n"
    )
    assert useful_part(report) == (
        "AssertionError: Exercise 1.2 (add gate), check 1 of 5: expected 1, got 2\n"
        "Hint: the add gate distributes"
    )


def test_a_file_over_the_size_limit_is_refused_unread(student_notebooks, tmp_path):
    path = save(tmp_path, f"ann/{WELCOME}.ipynb", fully_correct(student_notebooks, WELCOME))
    [graded] = grade_all([Submission("ann", path)], max_bytes=1000)
    assert (graded.runs, graded.results[0].status) == (0, "error")
    assert "more than the" in graded.error


def test_students_are_named_by_prefix_or_by_folder(tmp_path):
    save(tmp_path, f"alice/{CHAIN}.ipynb", "{}")
    save(tmp_path, f"bob__{WELCOME}.ipynb", "{}")
    save(tmp_path, f"alice/.ipynb_checkpoints/{CHAIN}-checkpoint.ipynb", "{}")
    found = find_submissions([tmp_path])
    assert [(item.student, item.path.name) for item in found] == [
        ("alice", f"{CHAIN}.ipynb"), ("bob", f"bob__{WELCOME}.ipynb")]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20),
       st.integers(min_value=1, max_value=7))
def test_shards_split_the_students_between_them_exactly_once(students, count):
    for student in students:
        submission = Submission(student, Path(f"{student}.ipynb"))
        assert sum(in_shard(submission, index, count) for index in range(count)) == 1


def test_shards_merge_into_the_gradebook_of_one_whole_run(tmp_path, capsys):
    folder = tmp_path / "submissions"
    for student in ("ann", "ben", "cid", "dee", "eve", "fay"):
        save(folder, f"{student}__{WELCOME}.ipynb", "{ not a notebook")  # no kernel needed
    assert main(["grade", str(folder), "--out", str(tmp_path / "whole")]) == 0
    for index in range(3):
        assert main(["grade", str(folder), "--shard", f"{index}/3",
                     "--out", str(tmp_path / f"shard-{index}")]) == 0
    shards = [tmp_path / f"shard-{index}" / "gradebook.csv" for index in range(3)]
    assert main(["merge", *map(str, shards), "--out", str(tmp_path / "merged.csv")]) == 0
    merged = (tmp_path / "merged.csv").read_bytes()
    assert merged == (tmp_path / "whole" / "gradebook.csv").read_bytes()
    assert "graded 6 submissions from 6 students" in capsys.readouterr().out


def test_merging_a_shard_twice_is_refused(tmp_path):
    folder = tmp_path / "submissions"
    save(folder, f"ann__{WELCOME}.ipynb", "")
    main(["grade", str(folder), "--out", str(tmp_path / "a")])
    main(["grade", str(folder), "--out", str(tmp_path / "b")])
    with pytest.raises(ValueError, match="graded in both"):
        merge_gradebooks([tmp_path / "a" / "gradebook.csv", tmp_path / "b" / "gradebook.csv"])


def test_a_bad_shard_argument_is_explained(capsys):
    with pytest.raises(SystemExit):
        main(["grade", ".", "--shard", "4/4"])
    assert "0 <= I < N" in capsys.readouterr().err


def test_the_progress_bar_goes_to_stderr(tmp_path, capsys):
    save(tmp_path, f"ann__{WELCOME}.ipynb", "")
    main(["grade", str(tmp_path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert "grading [" in captured.err and "1/1" in captured.err
    assert "grading [" not in captured.out



@pytest.mark.slow
def test_every_notebook_solved_earns_full_marks_and_blank_earns_nothing(
    student_notebooks, tmp_path
):
    """Every exercise of the course goes through the judge and the sandbox: the masters'
    solutions earn every point, the released stubs none."""
    folder = tmp_path / "submissions"
    for master in masters():
        blank = load(student_notebooks / master.name)
        ids = [cell_role(cell)[0] for cell in blank["cells"] if cell_role(cell)[1] == "answer"]
        save(folder, f"solved/{master.name}", solved(copy.deepcopy(blank), ids))
        save(folder, f"blank/{master.name}", blank)
    rows = []
    for item in grade_all(find_submissions([folder]), Limits(cell_timeout=60), jobs=2):
        rows += [(item.submission.student, item.notebook, result) for result in item.results]
    wrong = [(student, notebook, result.exercise, result.status, result.message[:300])
             for student, notebook, result in rows
             if result.status != {"solved": "passed", "blank": "not answered"}[student]]
    assert not wrong
    assert len(rows) == 2 * sum(len(load_master(path.stem).exercises) for path in masters())
