"""What grading writes: the gradebook (CSV), a feedback file per student, and a summary.

One gradebook row per exercise of each submission: student, notebook, exercise, points,
max_points, status, a one-line message, and the submission's path. Rows are sorted, so grading
the same files again writes the same gradebook; shards' gradebooks merge into one the same way.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from ..course import exercise_order
from .grade import Graded

__all__ = ["Row", "COLUMNS", "rows_of", "write_gradebook", "read_gradebook", "merge_gradebooks",
           "write_feedback", "summary"]

SHORT_MESSAGE = 160  # characters of a message in the gradebook; the feedback has all of it


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


def rows_of(graded: Iterable[Graded]) -> list[Row]:
    """The gradebook rows of graded submissions, sorted; an unreadable file of an unknown
    notebook still gets one row, with no exercise."""
    rows = []
    for item in graded:
        student, path = item.submission.student, str(item.submission.path)
        rows += [Row(student, item.notebook, result.exercise, result.points, result.max_points,
                     result.status, _short(result.message), path) for result in item.results]
        if not item.results:
            rows.append(Row(student, item.notebook, "", 0.0, 0.0, "error", _short(item.error),
                            path))
    return sorted(rows, key=lambda row: row.key)


def write_gradebook(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            values = list(astuple(row))
            values[3:5] = [_number(row.points), _number(row.max_points)]
            writer.writerow(values)


def read_gradebook(path: Path) -> list[Row]:
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = tuple(next(reader, ()))
        if header != COLUMNS:
            raise ValueError(f"{path} is not a gradebook: its columns are {', '.join(header)}; "
                             f"a gradebook has {', '.join(COLUMNS)}")
        return [Row(student, notebook, exercise, float(points), float(max_points), status,
                    message, submission)
                for student, notebook, exercise, points, max_points, status, message, submission
                in reader]


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


def write_feedback(graded: Iterable[Graded], folder: Path) -> list[Path]:
    """One markdown file per student: each notebook's points, and what to fix, in full."""
    by_student: dict[str, list[Graded]] = defaultdict(list)
    for item in graded:
        by_student[item.submission.student].append(item)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student, items in sorted(by_student.items()):
        parts = [f"# Feedback for {student}\n"]
        for item in sorted(items, key=lambda item: (item.notebook, str(item.submission.path))):
            parts.append(_notebook_feedback(item))
        path = folder / (re.sub(r"[^\w.-]", "_", student) + ".md")
        path.write_text("\n".join(parts), encoding="utf-8")
        written.append(path)
    return written


def summary(rows: list[Row]) -> str:
    """How many were graded, the mean score of each exercise, and every anomaly and error."""
    submissions = {row.submission for row in rows}
    students = {row.student for row in rows}
    unreadable = {row.submission: row for row in rows if row.status == "error"}
    anomalies = [row for row in rows if row.status == "anomaly"]
    lines = [f"graded {len(submissions)} submissions from {len(students)} students: "
             f"{len(unreadable)} with errors, {len(anomalies)} anomalies"]
    per_exercise: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        if row.exercise:
            per_exercise[row.notebook, row.key[2], row.exercise].append(row)
    if per_exercise:
        lines.append(f"  {'notebook':<16}{'exercise':<10}{'mean':>14}{'passed':>12}")
    for (notebook, _, exercise), group in sorted(per_exercise.items()):
        mean = sum(row.points for row in group) / len(group)
        passed = sum(row.status == "passed" for row in group)
        lines.append(f"  {notebook:<16}{exercise:<10}"
                     f"{f'{mean:.2f} of {_number(group[0].max_points)}':>14}"
                     f"{f'{passed} of {len(group)}':>12}")
    if anomalies:
        lines.append("anomalies:")
        lines += [f"  {row.student} {row.notebook} {row.exercise}: {row.message}"
                  for row in anomalies]
    if unreadable:
        lines.append("errors:")
        lines += [f"  {path}: {row.message}" for path, row in sorted(unreadable.items())]
    return "\n".join(lines)


def _notebook_feedback(item: Graded) -> str:
    earned = sum(result.points for result in item.results)
    possible = sum(result.max_points for result in item.results)
    lines = [f"## {item.notebook}: {_number(earned)} of {_number(possible)} points\n",
             f"Graded file: `{item.submission.path.name}`\n"]
    if item.error:
        lines.append(f"This file could not be graded: {item.error}\n")
    for result in item.results:
        title = f" ({result.title})" if result.title else ""
        lines.append(f"### Exercise {result.exercise}{title}: {result.status}, "
                     f"{_number(result.points)} of {_number(result.max_points)}\n")
        if result.message and result.message != item.error:
            lines.append(f"```text\n{result.message}\n```\n")
    return "\n".join(lines)


def _short(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= SHORT_MESSAGE else line[: SHORT_MESSAGE - 3] + "..."


def _number(value: float) -> str:
    return f"{value:g}"
