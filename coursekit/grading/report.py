"""What grading writes: the gradebook (CSV), a feedback file per student, totals, and a summary.

One gradebook row per exercise of each submission: student, notebook, exercise, points,
max_points, status, a one-line message, and the submission's path. Rows are sorted, so grading
the same files again writes the same gradebook; shards' gradebooks merge into one the same way.
The totals CSV has a row per student and notebook and an "all" row per student (`write_totals`);
both CSVs are UTF-8, RFC 4180 (CRLF line ends, so a carriage return inside a cell is quoted).

What a student's file names and contents cannot do to these files:
- Nothing here raises on what a student wrote or named: names and messages that are not text
  (lone surrogates) are written with U+FFFD, control characters are shown escaped where a person
  reads them (summary, feedback), and very long messages are cut.
- A CSV cell that a spreadsheet would take for a formula (starting with =, +, -, @, a tab, a
  line break, or spaces before one of those) is written with a leading apostrophe, and so is a
  cell that starts with an apostrophe; `read_gradebook` takes exactly one away again, so reading
  and writing round-trip exactly and merging a merged gradebook changes nothing. Points stay
  numbers, written exactly (`repr`, without a trailing `.0`).
- Feedback: a message sits in an indented code fence longer than any run of backticks in it
  (so none of its lines can close the block, or look like a heading in the raw text); names and
  titles are escaped so they cannot start headings, links or HTML; each student's file name is
  their name when that is already a plain lowercase file name (`alice.md`), else a cleaned name
  with a hash of the real one (`mary_ann~3f….md`); nothing is written outside the folder.

Two files of one student for one notebook are duplicates: both get rows with status "duplicate",
no points and a message that says what that file earned; the summary lists them. The instructor
should keep the file that counts, delete (or move away) the others, and grade again.
A submission with a `problem` (a link, a name that says another student, …) is an error row,
whatever grading made of it.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..course import exercise_order
from .grade import ExerciseResult, Graded
from .submissions import writable_text

__all__ = ["Row", "COLUMNS", "TOTALS_COLUMNS", "rows_of", "write_gradebook", "read_gradebook",
           "merge_gradebooks", "write_feedback", "feedback_name", "write_totals", "write_summary",
           "summary"]

SHORT_MESSAGE = 160  # characters of a message in the gradebook; the feedback has all of it
LONG_MESSAGE = 20_000  # characters of a message in the feedback: no check says more
DUPLICATE = "duplicate"
ALL = "all"  # the totals row of a student's notebooks; no notebook of the course is named so

_FORMULA = re.compile(r"[=+\-@\t\r\n']| +[=+\-@]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MARKDOWN = re.compile(r"[\\`*\[\]<>#|~&!]|(?<![^\W_])_|_(?![^\W_])")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
                     *(f"lpt{n}" for n in range(10))}


@dataclass(frozen=True)
class Row:
    """One line of the gradebook."""

    student: str
    notebook: str
    exercise: str
    points: float
    max_points: float
    status: str
    message: str
    submission: str

    @property
    def key(self) -> tuple:
        """The gradebook's order: by student, notebook, exercise (1.2 before 1.10), file."""
        return (self.student, self.notebook, exercise_order(self.exercise), self.exercise,
                self.submission)


COLUMNS = tuple(column.name for column in fields(Row))
TOTALS_COLUMNS = ("student", "notebook", "points", "max_points", "note")


def rows_of(graded: Iterable[Graded]) -> list[Row]:
    """The gradebook rows of graded submissions, sorted; an unreadable file of an unknown
    notebook still gets one row, with no exercise. Duplicates and problems: see the module."""
    graded = [_as_filed(item) for item in graded]
    twins = _duplicates(graded)
    rows = []
    for item in graded:
        student, path = writable_text(item.submission.student), item.submission.shown_path
        notebook = writable_text(item.notebook)
        for result in item.results:
            status, points, message = result.status, result.points, writable_text(result.message)
            if (student, notebook) in twins:
                message = (f"{DUPLICATE} (this file: {status}, {points:g} of "
                           f"{result.max_points:g}): this student handed in "
                           f"{len(twins[student, notebook])} files for this notebook; keep one, "
                           "delete the others, grade again")
                status, points = DUPLICATE, 0.0
            rows.append(Row(student, notebook, writable_text(result.exercise), points,
                            result.max_points, status, _short(message), path))
        if not item.results:
            error = _short(writable_text(item.error))
            rows.append(Row(student, notebook, "", 0.0, 0.0, "error", error, path))
    return sorted(rows, key=lambda row: row.key)


def write_gradebook(rows: list[Row], path: Path) -> None:
    """The gradebook CSV (RFC 4180: CRLF line ends, quotes where needed)."""
    _write_csv(path, COLUMNS, ([*map(_cell, (row.student, row.notebook, row.exercise)),
                                _number(row.points), _number(row.max_points),
                                *map(_cell, (row.status, row.message, row.submission))]
                               for row in rows))


def read_gradebook(path: Path) -> list[Row]:
    """The rows of a gradebook `write_gradebook` wrote, exactly as they were."""
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = tuple(next(reader, ()))
        if header != COLUMNS:
            raise ValueError(f"{path} is not a gradebook: its columns are {', '.join(header)}; "
                             f"a gradebook has {', '.join(COLUMNS)}")
        rows = []
        for cells in reader:
            if len(cells) != len(COLUMNS):
                raise ValueError(f"{path}, line {reader.line_num}: {len(cells)} cells where a "
                                 f"gradebook has {len(COLUMNS)}; was the file edited by hand?")
            student, notebook, exercise, points, max_points, status, message, submission = cells
            try:
                numbers = float(points), float(max_points)
            except ValueError:
                raise ValueError(f"{path}, line {reader.line_num}: points {points!r} and "
                                 f"{max_points!r} should be numbers") from None
            rows.append(Row(*map(_uncell, (student, notebook, exercise)), *numbers,
                            *map(_uncell, (status, message, submission))))
        return rows


def merge_gradebooks(paths: Iterable[Path]) -> list[Row]:
    """The rows of several gradebooks (one per shard), sorted; a file graded twice is an error."""
    seen: dict[tuple, Path] = {}
    rows = []
    for path in map(Path, paths):
        for row in read_gradebook(path):
            if row.key in seen and seen[row.key] != path:
                raise ValueError(
                    f"{row.submission} (exercise {row.exercise or '-'}) is graded in both "
                    f"{seen[row.key]} and {path}; were the shards given the same --shard?"
                )
            seen[row.key] = path
            rows.append(row)
    return sorted(rows, key=lambda row: row.key)


def write_totals(rows: list[Row], path: Path) -> None:
    """Each student's points per notebook, then an "all" row with their sum (CSV, like the
    gradebook). An exercise counts once even if several files answer it; the note counts the
    gradebook rows that neither passed nor failed, by status ("error: 7, duplicate: 2")."""
    earned: dict[tuple[str, str], dict[str, tuple[float, float]]] = defaultdict(dict)
    notes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for row in rows:
        unusual = row.status not in ("passed", "failed")
        notes[row.student, ALL][row.status] += unusual
        if row.exercise:
            notes[row.student, row.notebook][row.status] += unusual
            points, possible = earned[row.student, row.notebook].get(row.exercise, (0.0, 0.0))
            earned[row.student, row.notebook][row.exercise] = (max(points, row.points),
                                                               max(possible, row.max_points))
    totals = {(student, ALL): [0.0, 0.0] for student, _ in notes}
    for (student, notebook), exercises in earned.items():
        totals[student, notebook] = [sum(points for points, _ in exercises.values()),
                                     sum(possible for _, possible in exercises.values())]
        totals[student, ALL][0] += totals[student, notebook][0]
        totals[student, ALL][1] += totals[student, notebook][1]
    ordered = sorted(totals, key=lambda key: (key[0], key[1] == ALL, key[1]))
    _write_csv(path, TOTALS_COLUMNS, (
        [_cell(student), _cell(notebook), *map(_number, totals[student, notebook]),
         _cell(", ".join(f"{status}: {count}" for status, count
                         in sorted(notes[student, notebook].items()) if count))]
        for student, notebook in ordered))


def write_summary(rows: list[Row], path: Path) -> None:
    """The summary (see `summary`) as a text file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(summary(rows) + "\n", encoding="utf-8")


def write_feedback(graded: Iterable[Graded], folder: Path) -> list[Path]:
    """One markdown file per student in `folder` (named by `feedback_name`): each notebook's
    points, and what to fix, in full."""
    graded = [_as_filed(item) for item in graded]
    twins = _duplicates(graded)
    by_student: dict[str, list[Graded]] = defaultdict(list)
    for item in graded:
        by_student[writable_text(item.submission.student)].append(item)
    folder.mkdir(parents=True, exist_ok=True)
    written, taken = [], set()
    for student, items in sorted(by_student.items()):
        name = feedback_name(student)
        if name in taken:  # two names with one hash prefix: take the whole hash
            name = f"{_readable(student)}~{_hash(student)}.md"
        taken.add(name)
        parts = [f"# Feedback for {_inline(student)}\n"]
        for item in sorted(items, key=lambda item: (writable_text(item.notebook), item.submission)):
            copies = len(twins.get((student, writable_text(item.notebook)), ()))
            parts.append(_notebook_feedback(item, copies))
        path = folder / name
        _write_new(path, "\n".join(parts))
        written.append(path)
    return written


def feedback_name(student: str) -> str:
    """The feedback file's name: `alice.md` for a name that is already a plain lowercase file
    name, else a cleaned name and a hash of the real one (`mary_ann~5d41402abc4b2a76.md`), so
    two students never share a file, even on a case-insensitive disk."""
    readable = _readable(student)
    if readable == student and readable.split(".")[0] not in _WINDOWS_RESERVED:
        return f"{student}.md"
    return f"{readable}~{_hash(student)[:16]}.md"


def summary(rows: list[Row]) -> str:
    """How many were graded, the mean score of each exercise (duplicates left out until they
    are resolved), and every anomaly, duplicate and error; control characters in names and
    messages are shown escaped."""
    submissions = {row.submission for row in rows}
    students = {row.student for row in rows}
    unreadable = {row.submission: row for row in rows if row.status == "error"}
    anomalies = [row for row in rows if row.status == "anomaly"]
    twins: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        if row.status == DUPLICATE:
            twins[row.student, row.notebook].add(row.submission)
    lines = [f"graded {len(submissions)} submissions from {len(students)} students: "
             f"{len(unreadable)} with errors, {len(anomalies)} anomalies, "
             f"{len(twins)} duplicated notebooks"]
    per_exercise: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        if row.exercise and row.status != DUPLICATE:
            per_exercise[row.notebook, row.key[2], row.exercise].append(row)
    if per_exercise:
        lines.append(f"  {'notebook':<16}{'exercise':<10}{'mean':>14}{'passed':>12}")
    for (notebook, _, exercise), group in sorted(per_exercise.items()):
        mean = sum(row.points for row in group) / len(group)
        passed = sum(row.status == "passed" for row in group)
        lines.append(f"  {_shown(notebook):<16}{_shown(exercise):<10}"
                     f"{f'{mean:.2f} of {group[0].max_points:g}':>14}"
                     f"{f'{passed} of {len(group)}':>12}")
    if anomalies:
        lines.append("anomalies:")
        lines += [f"  {_shown(row.student)} {_shown(row.notebook)} {_shown(row.exercise)}: "
                  f"{_shown(row.message)}" for row in anomalies]
    if twins:
        lines.append("duplicates (keep the file that counts, delete the others, grade again):")
        lines += [f"  {_shown(student)} {_shown(notebook)}: "
                  f"{', '.join(map(_shown, sorted(files)))}"
                  for (student, notebook), files in sorted(twins.items())]
    if unreadable:
        lines.append("errors:")
        lines += [f"  {_shown(path)}: {_shown(row.message)}"
                  for path, row in sorted(unreadable.items())]
    return "\n".join(lines)


def _as_filed(item: Graded) -> Graded:
    """A graded submission as the gradebook files it: one with a problem is an error."""
    problem = item.submission.problem
    if not problem:
        return item
    results = tuple(ExerciseResult(result.exercise, result.title, 0.0, result.max_points,
                                   "error", problem) for result in item.results)
    return replace(item, results=results, error=problem)


def _duplicates(graded: list[Graded]) -> dict[tuple[str, str], list[Graded]]:
    """(student, notebook) → the files of that student that answer that notebook, where there
    are several that could be graded."""
    files: dict[tuple[str, str], list[Graded]] = defaultdict(list)
    for item in graded:
        if not item.error:
            files[writable_text(item.submission.student), writable_text(item.notebook)].append(item)
    return {key: items for key, items in files.items() if len(items) > 1}


def _notebook_feedback(item: Graded, copies: int) -> str:
    earned = sum(result.points for result in item.results)
    possible = sum(result.max_points for result in item.results)
    lines = [f"## {_inline(item.notebook)}: {earned:g} of {possible:g} points\n",
             f"Graded file: {_inline(item.submission.path.name)}\n"]
    if copies > 1:
        lines.append(f"You handed in {copies} files for this notebook, so none of them counts "
                     "yet: your instructor will ask which one to grade.\n")
    if item.error:
        lines.append(f"This file could not be graded:\n\n{_fenced(item.error)}")
    for result in item.results:
        title = f" ({_inline(result.title)})" if result.title else ""
        lines.append(f"### Exercise {_inline(result.exercise)}{title}: {_inline(result.status)}, "
                     f"{result.points:g} of {result.max_points:g}\n")
        if result.message and result.message != item.error:
            lines.append(_fenced(result.message))
    return "\n".join(lines)


def _fenced(message: str) -> str:
    """A message as a code block it cannot break out of: the fence is longer than any run of
    backticks in it. Fence and lines are indented two spaces (which markdown takes away again),
    so even read as plain text no line of the message looks like the feedback's own."""
    text = writable_text(message)
    if len(text) > LONG_MESSAGE:
        text = f"{text[:LONG_MESSAGE]}\n… ({len(text) - LONG_MESSAGE} more characters)"
    text = _CONTROL.sub(_escape, text.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "  " + "`" * max(3, longest + 1)
    lines = "".join(f"  {line}\n" for line in text.split("\n"))
    return f"{fence}text\n{lines}{fence}\n"


def _inline(text: str) -> str:
    """Text for one line of markdown: control characters and line breaks shown escaped, and
    what markdown would read as markup (headings, emphasis, links, HTML) escaped."""
    return _MARKDOWN.sub(lambda match: "\\" + match[0], _shown(text))


def _shown(text: str) -> str:
    """Text for a person to read on one line: no lone surrogates, control characters escaped."""
    return _CONTROL_OR_LINE.sub(_escape, writable_text(text))


def _escape(match: re.Match) -> str:
    return ascii(match[0])[1:-1]  # "\x1b", "\n", "\u2028"


def _readable(student: str) -> str:
    """A student's name as a plain file name: lowercase ASCII letters, digits, `_ . -`."""
    ascii_name = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9_.-]+", "_", ascii_name.lower()).lstrip(".-")[:60]
    return cleaned or "student"


def _hash(student: str) -> str:
    return hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()


def _cell(text: str) -> str:
    """A text cell no spreadsheet reads as a formula (`_uncell` undoes it)."""
    text = writable_text(text)
    return "'" + text if _FORMULA.match(text) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _write_csv(path: Path, header: tuple[str, ...], rows: Iterable[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")  # so a lone \r in a cell is quoted
        writer.writerow(header)
        writer.writerows(rows)


def _write_new(path: Path, text: str) -> None:
    """Write a file without following a link that might stand in its place."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    with open(os.open(path, flags, 0o644), "w", encoding="utf-8") as file:
        file.write(text)


def _short(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= SHORT_MESSAGE else line[: SHORT_MESSAGE - 3] + "..."


def _number(value: float) -> str:
    """A number as the CSV holds it: exact (`repr`), `1` rather than `1.0`."""
    return repr(float(value)).removesuffix(".0")
