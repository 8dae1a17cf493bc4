"""Grading's files, against a student who knows the code: which file is whose, what is read,
and what the gradebook, totals, summary and feedback say. No notebook runs here."""

import csv
import json
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.grading import ExerciseResult, Graded, Submission, find_submissions
from coursekit.grading.report import (
    COLUMNS,
    Row,
    feedback_name,
    merge_gradebooks,
    read_gradebook,
    rows_of,
    summary,
    write_feedback,
    write_gradebook,
    write_summary,
    write_totals,
)
from coursekit.grading.submissions import SubmissionError, read_submission

CHAIN, WELCOME = "01_chain_rule", "00_welcome"
NOTEBOOK = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})
HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-3", "@SUM(A1)", "\tx", "\rx", "'quoted",
           "  =1+1", "\ud800 lone", "nul\x00byte", "esc\x1b[31m", "line\u2028break", "```\n# x",
           "../../etc/passwd", "/abs/path", "..", "", "a" * 300]


def write(path: Path, text: str = NOTEBOOK) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def graded(student, path, notebook=CHAIN, results=(("1.1", "passed", 1.0, 1.0, ""),),
           error="", problem="", title="add gate"):
    results = tuple(ExerciseResult(exercise, title, points, possible, status, message)
                    for exercise, status, points, possible, message in results)
    return Graded(Submission(student, Path(path), problem), notebook, results, error=error)


def by_path(found):
    return {item.path.name: item for item in found}


# ----- which file is whose, and what is read


def test_a_linked_submission_is_an_error_row_and_never_read(tmp_path):
    alice = write(tmp_path / "alice" / f"{CHAIN}.ipynb")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / f"{CHAIN}.ipynb").symlink_to(alice)
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / f"{CHAIN}.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    (tmp_path / "dave").symlink_to(tmp_path / "alice", target_is_directory=True)
    found = {item.student: item for item in find_submissions([tmp_path])}
    assert sorted(found) == ["alice", "bob", "carol", "dave"]
    assert found["alice"].problem == ""
    for student in ("bob", "carol", "dave"):  # carol's link is broken: still a row, not silence
        assert "symbolic link" in found[student].problem
        assert "submit the notebook file itself" in found[student].problem
        with pytest.raises(SubmissionError, match="symbolic link"):
            read_submission(found[student].path)
    [row] = rows_of([graded("bob", found["bob"].path, problem=found["bob"].problem)])
    assert (row.status, row.points) == ("error", 0) and "symbolic link" in row.message


def test_a_link_swapped_in_after_discovery_is_refused(tmp_path):
    other = write(tmp_path / "bob" / f"{CHAIN}.ipynb")
    path = write(tmp_path / "alice" / f"{CHAIN}.ipynb")
    [mine] = [item for item in find_submissions([tmp_path]) if item.student == "alice"]
    path.unlink()
    path.symlink_to(other)
    with pytest.raises(SubmissionError, match="symbolic link"):
        read_submission(mine.path)


def test_a_file_replaced_after_discovery_is_refused_even_through_a_swapped_folder(tmp_path):
    write(tmp_path / "subs" / "bob" / f"{CHAIN}.ipynb")
    write(tmp_path / "subs" / "alice" / f"{CHAIN}.ipynb")
    found = {item.student: item for item in find_submissions([tmp_path / "subs"])}
    (tmp_path / "subs" / "alice").rename(tmp_path / "elsewhere")
    (tmp_path / "subs" / "alice").symlink_to(tmp_path / "subs" / "bob")
    with pytest.raises(SubmissionError, match="no longer the file that was found"):
        read_submission(found["alice"])


def test_reading_a_submission_with_a_problem_gives_the_problem(tmp_path):
    write(tmp_path / "alice" / f"bob__{CHAIN}.ipynb")
    [found] = find_submissions([tmp_path])
    with pytest.raises(SubmissionError, match="names the student 'bob'"):
        read_submission(found)


def test_a_pipe_is_an_error_row_and_reading_it_never_hangs(tmp_path):
    (tmp_path / "alice").mkdir()
    pipe = tmp_path / "alice" / f"{CHAIN}.ipynb"
    os.mkfifo(pipe)
    [found] = find_submissions([tmp_path])
    assert found.student == "alice" and "not an ordinary file" in found.problem
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(_error_of(pipe)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    assert outcome and "not an ordinary file" in outcome[0]


def _error_of(path):
    try:
        read_submission(path)
    except SubmissionError as error:
        return str(error)
    return ""


def test_a_file_in_a_students_folder_is_that_students_whatever_its_name_says(tmp_path):
    write(tmp_path / "alice" / f"bob__{CHAIN}.ipynb")
    write(tmp_path / "alice" / "week1" / f"alice__{WELCOME}.ipynb")
    write(tmp_path / f"dan__{CHAIN}.ipynb")
    write(tmp_path / f"{WELCOME}.ipynb")
    found = by_path(find_submissions([tmp_path]))
    disputed = found[f"bob__{CHAIN}.ipynb"]
    assert disputed.student == "alice"
    assert "'bob'" in disputed.problem and "'alice'" in disputed.problem
    assert (found[f"alice__{WELCOME}.ipynb"].student, found[f"alice__{WELCOME}.ipynb"].problem) \
        == ("alice", "")
    assert (found[f"dan__{CHAIN}.ipynb"].student, found[f"dan__{CHAIN}.ipynb"].problem) \
        == ("dan", "")
    assert "cannot be told" in found[f"{WELCOME}.ipynb"].problem


def test_a_file_found_twice_is_listed_once_as_it_was_found_first(tmp_path):
    disputed = write(tmp_path / "alice" / f"bob__{CHAIN}.ipynb")
    [found] = find_submissions([tmp_path, disputed])
    assert (found.student, found.path) == ("alice", disputed) and "'bob'" in found.problem


def test_a_file_given_by_itself_is_named_by_its_prefix_or_its_folder(tmp_path):
    prefixed = write(tmp_path / "inbox" / f"erin__{CHAIN}.ipynb")
    plain = write(tmp_path / "frank" / f"{CHAIN}.ipynb")
    assert [(item.student, item.problem) for item in find_submissions([prefixed, plain])] == [
        ("erin", ""), ("frank", "")]


def test_a_name_that_is_not_utf8_is_flagged_and_written_everywhere(tmp_path):
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    with open(folder + f"/{CHAIN}.ipynb".encode(), "w") as file:
        file.write(NOTEBOOK)
    [found] = find_submissions([tmp_path])
    assert found.student == "caf\ufffd" and "not plain text" in found.problem
    assert "caf\ufffd" in found.shown_path
    items = [Graded(found, CHAIN, (ExerciseResult("1.1", "", 1.0, 1.0, "passed"),))]
    rows = rows_of(items)
    assert [(row.status, row.points) for row in rows] == [("error", 0)]
    write_gradebook(rows, tmp_path / "out" / "gradebook.csv")
    assert read_gradebook(tmp_path / "out" / "gradebook.csv") == rows
    write_totals(rows, tmp_path / "out" / "totals.csv")
    [written] = write_feedback(items, tmp_path / "out" / "feedback")
    assert written.parent == tmp_path / "out" / "feedback" and "caf" in written.name
    assert "caf\ufffd" in summary(rows)


@pytest.mark.parametrize("name", ["eve\x1b[2J", "ann\u202egnp.exe", "tab\tbed", "new\nline"])
def test_a_name_with_control_characters_is_flagged_and_shown_escaped(tmp_path, name):
    write(tmp_path / name / f"{CHAIN}.ipynb")
    [found] = find_submissions([tmp_path])
    assert found.student == name and "not plain text" in found.problem
    text = summary(rows_of([Graded(found, CHAIN, (), error=found.problem)]))
    assert ascii(name)[1:-1] in text and name not in text


def test_deeply_nested_json_is_an_error_not_a_crash(tmp_path):
    path = write(tmp_path / "alice" / f"{CHAIN}.ipynb", "[" * 100_000)
    with pytest.raises(SubmissionError, match="nested"):
        read_submission(path)


# ----- duplicates


def test_two_files_for_one_notebook_are_flagged_not_added_up(tmp_path):
    items = [graded("alice", "s/alice/01_chain_rule.ipynb"),
             graded("alice", "s/alice/copy of 01_chain_rule.ipynb",
                    results=(("1.1", "failed", 0.0, 1.0, "wrong"),)),
             graded("bob", "s/bob/01_chain_rule.ipynb")]
    rows = rows_of(items)
    alices = [row for row in rows if row.student == "alice"]
    assert [(row.status, row.points) for row in alices] == [("duplicate", 0)] * 2
    assert "this file: passed, 1 of 1" in alices[0].message
    assert "this file: failed, 0 of 1" in alices[1].message
    assert "2 files" in alices[0].message and "keep one" in alices[0].message
    assert [row.status for row in rows if row.student == "bob"] == ["passed"]
    text = summary(rows)
    duplicates = text.split("duplicates")[1]
    assert "s/alice/01_chain_rule.ipynb" in duplicates
    assert "s/alice/copy of 01_chain_rule.ipynb" in duplicates
    [feedback] = [path for path in write_feedback(items, tmp_path) if path.stem == "alice"]
    assert "You handed in 2 files for this notebook" in feedback.read_text(encoding="utf-8")


def test_a_file_that_could_not_be_read_is_no_duplicate_of_the_one_that_could():
    items = [graded("alice", "s/alice/01_chain_rule.ipynb"),
             graded("alice", "s/alice/broken.ipynb", error="not valid JSON",
                    results=(("1.1", "error", 0.0, 1.0, "not valid JSON"),))]
    assert [row.status for row in rows_of(items)] == ["passed", "error"]


# ----- the gradebook CSV


def hostile_rows():
    return [Row(text, CHAIN, "1.1", 1 / 3, 1.0, "failed", text, f"s/{index}.ipynb")
            for index, text in enumerate(HOSTILE)]


def test_no_gradebook_cell_reads_as_a_formula_and_points_stay_numbers(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_gradebook(hostile_rows(), path)
    with open(path, newline="", encoding="utf-8") as file:
        cells = list(csv.reader(file))[1:]
    for row in cells:
        texts = row[:3] + row[5:]
        assert not any(text[:1] in ("=", "+", "-", "@", "\t", "\r") for text in texts), row
        assert not any(text.lstrip(" ")[:1] in ("=", "+", "-", "@") for text in texts if text)
        assert float(row[3]) == 1 / 3 and float(row[4]) == 1.0
    assert {row[0] for row in cells} >= {"'=HYPERLINK(\"http://evil\",\"x\")", "'-3", "''quoted"}


def test_the_gradebook_reads_back_exactly_and_merging_a_merge_changes_nothing(tmp_path):
    rows = sorted(hostile_rows(), key=lambda row: row.key)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    write_gradebook(rows, first)
    expected = [row if "\ud800" not in row.student else
                Row(*(getattr(row, name).replace("\ud800", "\ufffd")
                      if isinstance(getattr(row, name), str) else getattr(row, name)
                      for name in COLUMNS))
                for row in rows]
    assert read_gradebook(first) == expected
    write_gradebook(merge_gradebooks([first]), second)
    assert second.read_bytes() == first.read_bytes()


def test_a_damaged_gradebook_is_explained(tmp_path):
    path = tmp_path / "gradebook.csv"
    path.write_text(",".join(COLUMNS) + "\nann,01_chain_rule,1.1,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: 4 cells"):
        read_gradebook(path)


# ----- feedback


def test_a_message_cannot_leave_its_code_block_and_a_name_cannot_make_a_heading(tmp_path):
    mistune = pytest.importorskip("mistune")
    message = ("wrong\n```\n# Full marks\n\n   indented\n````\n"
               "## Exercise 1.1: passed, 1 of 1\n`````")
    items = [graded("eve\n# Feedback for alice", "s/eve.ipynb",
                    results=(("1.1", "failed", 0.0, 1.0, message),), title="x\n## forged")]
    [path] = write_feedback(items, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert [line[:4] for line in text.splitlines() if line.startswith("#")] == [
        "# Fe", "## 0", "### "]  # even read as plain text
    blocks = mistune.create_markdown(renderer="ast")(text)
    headings = [block for block in blocks if block["type"] == "heading"]
    assert [block["attrs"]["level"] for block in headings] == [1, 2, 3]
    [code] = [block for block in blocks if block["type"] == "block_code"]
    assert code["raw"] == message + "\n"


def test_names_are_escaped_so_they_make_no_links_or_html(tmp_path):
    items = [graded("[click](http://evil) <img src=x> *bold* _em_", "s/x.ipynb", notebook="a|b")]
    [path] = write_feedback(items, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "\\[click\\](http://evil) \\<img src=x\\> \\*bold\\* \\_em\\_" in text
    assert "## a\\|b" in text


def test_feedback_files_of_different_students_never_collide(tmp_path):
    students = ["mary ann", "mary_ann", "Mary_Ann", "MARY ANN", "marý_ann", "con", "..", ".",
                "/etc/passwd", "../up", "a\x00b", "", "\ud800", "x" * 300]
    items = [graded(student, f"s/{index}.ipynb") for index, student in enumerate(students)]
    written = write_feedback(items, tmp_path / "feedback")
    assert len({path.name.lower() for path in written}) == len(students)
    assert all(path.parent == tmp_path / "feedback" for path in written)
    assert sorted(os.listdir(tmp_path)) == ["feedback"]
    assert sorted(os.listdir(tmp_path / "feedback")) == sorted(path.name for path in written)
    assert feedback_name("mary_ann") == "mary_ann.md"
    assert feedback_name("mary ann").startswith("mary_ann~")
    assert written == write_feedback(items, tmp_path / "feedback")  # the same names again


def test_a_huge_message_is_cut_in_the_feedback(tmp_path):
    items = [graded("ann", "s/ann.ipynb",
                    results=(("1.1", "failed", 0.0, 1.0, "`" * 5000 + "x" * 10**7),))]
    [path] = write_feedback(items, tmp_path)
    assert path.stat().st_size < 100_000
    assert "more characters" in path.read_text(encoding="utf-8")


# ----- totals and the written summary


def test_totals_give_each_notebook_and_all_of_a_students_points(tmp_path):
    rows = rows_of([
        graded("-ann", "s/-ann/a.ipynb", results=(("1.1", "passed", 1.0, 1.0, ""),
                                                  ("1.2", "failed", 0.0, 2.0, "no"))),
        graded("-ann", "s/-ann/b.ipynb", notebook=WELCOME,
               results=(("0.1", "passed", 1.0, 1.0, ""),)),
        graded("ben", "s/ben/x.ipynb", notebook="x", results=(), error="not JSON"),
        graded("cid", "s/cid/a.ipynb"),
        graded("cid", "s/cid/b.ipynb"),
    ])
    path = tmp_path / "totals.csv"
    write_totals(rows, path)
    with open(path, newline="", encoding="utf-8") as file:
        table = list(csv.reader(file))
    assert table == [
        ["student", "notebook", "points", "max_points", "note"],
        ["'-ann", WELCOME, "1", "1", ""],
        ["'-ann", CHAIN, "1", "3", ""],
        ["'-ann", "all", "2", "4", ""],
        ["ben", "all", "0", "0", "error: 1"],
        ["cid", CHAIN, "0", "1", "duplicate: 2"],
        ["cid", "all", "0", "1", "duplicate: 2"],
    ]


def test_the_written_summary_is_the_printed_one(tmp_path):
    rows = rows_of([graded("ann", "s/ann.ipynb")])
    write_summary(rows, tmp_path / "grades" / "summary.txt")
    assert (tmp_path / "grades" / "summary.txt").read_text(encoding="utf-8") == summary(rows) + "\n"


def test_the_summary_shows_control_characters_escaped():
    rows = rows_of([graded("eve", "s/eve\x1b[2J.ipynb", results=(), error="bad\x07"),
                    graded("eve\x1b[2J", "s/eve.ipynb", results=(("1.1", "anomaly", 0, 1, "x"),))])
    text = summary(rows)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b[2J" in text


# ----- nothing raises on hostile content

hostile_text = st.one_of(st.sampled_from(HOSTILE),
                         st.text(st.characters(codec=None, categories=None), max_size=40))


@settings(max_examples=60, deadline=None)
@given(student=hostile_text, notebook=hostile_text, message=hostile_text, title=hostile_text)
def test_no_writer_raises_on_any_text(tmp_path_factory, student, notebook, message, title):
    folder = tmp_path_factory.mktemp("out")
    items = [graded(student, f"s/{student[:20]}.ipynb", notebook=notebook, title=title,
                    results=(("1.1", "failed", 0.0, 1.0, message),)),
             graded(student, "s/other.ipynb", notebook=notebook, title=title,
                    results=(("1.1", "passed", 1.0, 1.0, message),)),
             graded(message, "s/x.ipynb", notebook=notebook, results=(), error=message)]
    rows = rows_of(items)
    write_gradebook(rows, folder / "gradebook.csv")
    assert read_gradebook(folder / "gradebook.csv") == rows
    write_totals(rows, folder / "totals.csv")
    write_summary(rows, folder / "summary.txt")
    written = write_feedback(items, folder / "feedback")
    assert all(path.parent == folder / "feedback" for path in written)
    assert sorted(os.listdir(folder)) == ["feedback", "gradebook.csv", "summary.txt", "totals.csv"]
