"""Release: one master, two versions, and a student's edits are never lost."""

import json
import shutil
from pathlib import Path

import pytest

from coursekit.cli import main
from coursekit.course import cell_role, master_path, masters, solution_of
from coursekit.exercises import exercises
from coursekit.release import notebook_text, outdated, release, student_version

REPO = Path(__file__).resolve().parent.parent


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def tiny_master(answer_source, role="answer"):
    return {
        "cells": [
            {"cell_type": "markdown", "id": "md-01", "metadata": {}, "source": ["# Title\n"]},
            {
                "cell_type": "code", "id": "ex1-2-answer", "execution_count": 3,
                "metadata": {"coursekit": {"exercise": "1.2", "role": role, "points": 1}},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["done\n"]}],
                "source": answer_source,
            },
            {
                "cell_type": "code", "id": "ex1-2-check", "execution_count": 4,
                "metadata": {"coursekit": {"exercise": "1.2", "role": "check"}},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["passed\n"]}],
                "source": 'check("1.2", add_backward)',
            },
            {
                "cell_type": "code", "id": "ex1-2-instructor", "execution_count": 5,
                "metadata": {"coursekit": {"exercise": "1.2", "role": "instructor"}},
                "outputs": [], "source": "secret_checks()",
            },
            {
                "cell_type": "code", "id": "code-05", "execution_count": 6, "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["figure\n"]}],
                "source": "print('figure')",
            },
        ],
        "metadata": {"coursekit": {"notebook": "tiny"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


ANSWER = (
    "def add_backward(x, y, upstream):\n"
    "    ### BEGIN SOLUTION\n"
    "    return (upstream, upstream)\n"
    "    ### END SOLUTION\n"
)


def test_student_version_replaces_the_solution_with_an_indented_stub():
    student = student_version(tiny_master(ANSWER))
    assert source(student["cells"][1]) == (
        "def add_backward(x, y, upstream):\n"
        '    raise NotImplementedError("Exercise 1.2: replace this line with your answer")'
    )


def test_student_version_clears_answer_and_check_outputs_and_keeps_the_rest():
    student = student_version(tiny_master(ANSWER))
    answer, check_cell, other = student["cells"][1], student["cells"][2], student["cells"][3]
    assert answer["outputs"] == [] and answer["execution_count"] is None
    assert check_cell["outputs"] == [] and check_cell["execution_count"] is None
    assert source(check_cell) == 'check("1.2", add_backward)'
    assert other["outputs"][0]["text"] == ["figure\n"]


def test_student_version_removes_instructor_cells_and_keeps_ids():
    student = student_version(tiny_master(ANSWER))
    assert [cell["id"] for cell in student["cells"]] == ["md-01", "ex1-2-answer", "ex1-2-check",
                                                         "code-05"]


def test_student_version_leaves_the_master_untouched():
    master = tiny_master(ANSWER)
    before = json.dumps(master, sort_keys=True)
    student_version(master)
    assert json.dumps(master, sort_keys=True) == before


@pytest.mark.parametrize(
    "broken, complaint",
    [
        ("x = 1\n", "needs a ### BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("x = 1\n### END SOLUTION\n", "without a ### BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
    ],
)
def test_broken_solution_markers_are_reported_with_the_cell(broken, complaint):
    with pytest.raises(ValueError, match=complaint) as failure:
        student_version(tiny_master(broken), "tiny.ipynb")
    assert "tiny.ipynb, cell 1 (exercise 1.2)" in str(failure.value)


def test_the_committed_student_notebooks_are_what_release_makes():
    assert outdated(REPO / "notebooks") == []


def test_release_check_command_reports_missing_and_stale_notebooks(tmp_path, capsys):
    assert main(["release", "--out", str(tmp_path), "--check"]) == 1
    assert "missing: " in capsys.readouterr().out
    assert main(["release", "--out", str(tmp_path)]) == 0
    assert main(["release", "--out", str(tmp_path), "--check"]) == 0
    edited = tmp_path / "00_welcome.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace("slope", "slop"), "utf-8")
    capsys.readouterr()
    assert main(["release", "--out", str(tmp_path), "--check"]) == 1
    assert capsys.readouterr().out.startswith(f"out of date: {edited}")


def test_the_self_study_edition_keeps_the_solutions_without_markers(tmp_path):
    assert main(["release", "--solutions", "--out", str(tmp_path), "01_chain_rule"]) == 0
    text = (tmp_path / "01_chain_rule.ipynb").read_text(encoding="utf-8")
    assert "def add_backward" in text and "BEGIN SOLUTION" not in text
    assert "NotImplementedError(\"Exercise" not in text


def test_the_commands_say_where_the_masters_are_when_none_are_found(tmp_path, capsys):
    assert main(["release", "--masters", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no instructor masters in" in capsys.readouterr().err


def test_release_never_overwrites_a_notebook_a_student_edited(tmp_path):
    master_copy = tmp_path / "masters" / "01_demo.ipynb"
    master_copy.parent.mkdir()
    master_copy.write_text(notebook_text(tiny_master(ANSWER)), encoding="utf-8")
    out = tmp_path / "student"
    assert release(out, [master_copy]).written == [out / "01_demo.ipynb"]

    edited = load(out / "01_demo.ipynb")
    edited["cells"][1]["source"] = ["def add_backward(x, y, upstream):\n    return (1, 1)\n"]
    edited_text = notebook_text(edited)
    (out / "01_demo.ipynb").write_text(edited_text, encoding="utf-8")

    changed_master = tiny_master(ANSWER)
    changed_master["cells"][0]["source"] = ["# A better title\n"]
    master_copy.write_text(notebook_text(changed_master), encoding="utf-8")

    report = release(out, [master_copy])
    assert report.refused == [out / "01_demo.ipynb"]
    assert (out / "01_demo.ipynb").read_text(encoding="utf-8") == edited_text

    report = release(out, [master_copy], overwrite=True)
    assert report.backups[0].read_text(encoding="utf-8") == edited_text
    assert source(load(out / "01_demo.ipynb")["cells"][0]) == "# A better title\n"


def test_release_updates_a_notebook_nobody_edited(tmp_path):
    master_copy = tmp_path / "01_demo.ipynb"
    master_copy.write_text(notebook_text(tiny_master(ANSWER)), encoding="utf-8")
    out = tmp_path / "student"
    release(out, [master_copy])
    changed = tiny_master(ANSWER)
    changed["cells"][0]["source"] = ["# New\n"]
    master_copy.write_text(notebook_text(changed), encoding="utf-8")
    report = release(out, [master_copy])
    assert report.written == [out / "01_demo.ipynb"] and not report.backups
    assert release(out, [master_copy]).unchanged == [out / "01_demo.ipynb"]


def test_release_command_refuses_edited_notebooks_with_a_clear_message(tmp_path, capsys):
    out = tmp_path / "student"
    main(["release", "--out", str(out)])
    first = sorted(out.glob("*.ipynb"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("Welcome", "My notes"))
    shutil.copy(first, tmp_path / "saved.ipynb")
    assert main(["release", "--out", str(out)]) == 1
    assert "has been edited since it was released" in capsys.readouterr().err
    assert first.read_bytes() == (tmp_path / "saved.ipynb").read_bytes()


# ----- the masters themselves


def test_every_master_exercise_is_registered_with_answer_and_check_cells():
    found = {}
    for path in masters():
        for cell in load(path)["cells"]:
            exercise_id, role = cell_role(cell)
            if exercise_id:
                found.setdefault(exercise_id, set()).add(role)
    assert set(found) == set(exercises())
    for exercise_id, roles in found.items():
        assert {"answer", "check"} <= roles, exercise_id


def test_answer_cells_carry_points_and_check_cells_are_one_line():
    for path in masters():
        for cell in load(path)["cells"]:
            exercise_id, role = cell_role(cell)
            if role == "answer":
                assert cell["metadata"]["coursekit"]["points"] > 0
            if role == "check":
                assert source(cell).strip().count("\n") == 0, (path.name, cell["id"])


def test_cell_ids_are_unique_and_stable_within_each_master():
    for path in masters():
        ids = [cell["id"] for cell in load(path)["cells"]]
        assert len(ids) == len(set(ids)), path.name
        assert all(not cell_id[0].isdigit() and len(cell_id) < 40 for cell_id in ids)


def test_master_lookup_by_name_and_unknown_name():
    assert master_path("01_chain_rule").name == "01_chain_rule.ipynb"
    with pytest.raises(KeyError, match="the notebooks are 00_welcome"):
        master_path("99_nothing")


def test_solution_of_an_exercise_without_answer_cell_is_an_error():
    with pytest.raises(KeyError, match="no master notebook has an answer cell"):
        solution_of("9.9")


def test_release_of_named_notebooks_writes_only_those(tmp_path):
    assert main(["release", "01_chain_rule", "--out", str(tmp_path)]) == 0
    assert [path.name for path in tmp_path.iterdir()] == ["01_chain_rule.ipynb"]


def test_release_of_an_unknown_notebook_names_the_known_ones(tmp_path, capsys):
    assert main(["release", "99_nothing", "--out", str(tmp_path)]) == 2
    assert "the notebooks are 00_welcome" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_every_stub_in_the_student_notebooks_has_one_of_two_wordings():
    """A function's body raises with one sentence; a value is `...` with one comment. Neither
    stops a notebook run top to bottom (the checks then say "not answered yet")."""
    import re

    raising = re.compile(r'raise NotImplementedError\("Exercise [\d.]+: replace this line with '
                         r'your answer"\)$')
    blank = re.compile(r"= \.\.\.  # your answer in place of \.\.\.$")
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            exercise_id, role = cell_role(cell)
            if role != "answer":
                continue
            lines = "".join(cell["source"]).splitlines()
            stubs = [line for line in lines if raising.search(line) or blank.search(line)]
            assert stubs, f"{path.name}, exercise {exercise_id}: no stub line"
            assert not any("NotImplementedError" in line and not raising.search(line)
                           for line in lines), f"{path.name}, exercise {exercise_id}"
            top_level_raise = [line for line in lines if line.startswith("raise ")]
            assert not top_level_raise, f"{path.name}, exercise {exercise_id}: {top_level_raise}"
