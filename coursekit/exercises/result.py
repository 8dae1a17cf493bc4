"""What a check found, shown so that a notebook run top to bottom never stops at an exercise.

`check` returns a `Result` instead of raising: in JupyterLab it shows as a small box (a symbol
and a word as well as a colour, so it reads without colour vision and in dark themes), and as
plain text in a terminal, under nbval and in the grader. `progress(1)` shows every exercise of
notebook 01 with its points, from the results checked so far in this session.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["Result", "Progress", "STATUSES"]

# status: (symbol, word, colour); the colours are ColorBrewer's, readable on light and dark.
STATUSES = {
    "passed": ("✓", "Passed", "#1b7837"),
    "failed": ("✗", "Not yet", "#b2182b"),
    "not answered": ("✎", "Not answered yet", "#2166ac"),
    "not checked": ("·", "Not checked yet", "#878787"),
}


@dataclass(frozen=True)
class Result:
    """The outcome of checking one exercise: "passed", "failed" or "not answered", a headline,
    and the details a student needs (which case, expected versus got, the hint)."""

    exercise: str
    name: str
    status: str
    headline: str
    details: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def message(self) -> str:
        """The whole message as one text: headline, then details."""
        return f"{self.headline}\n{self.details}".strip()

    def __repr__(self) -> str:
        symbol = STATUSES[self.status][0]
        return f"{symbol} {self.message}"

    def _repr_html_(self) -> str:
        return _box(self.status, html.escape(self.headline), html.escape(self.details))


@dataclass(frozen=True)
class Progress:
    """A notebook's exercises with their points, as checked so far: (id, title, points,
    status) rows, in course order."""

    notebook: str
    rows: tuple[tuple[str, str, float, str], ...]

    @property
    def earned(self) -> float:
        return sum(points for _, _, points, status in self.rows if status == "passed")

    @property
    def possible(self) -> float:
        return sum(points for _, _, points, _ in self.rows)

    @property
    def headline(self) -> str:
        passed = sum(status == "passed" for *_, status in self.rows)
        return (f"Notebook {self.notebook}: {passed} of {len(self.rows)} exercises passed, "
                f"{_number(self.earned)} of {_number(self.possible)} points")

    def __repr__(self) -> str:
        lines = [self.headline]
        for exercise, title, points, status in self.rows:
            symbol, word, _ = STATUSES[status]
            earned = points if status == "passed" else 0
            lines.append(f"  {symbol} {exercise} {title}: {word.lower()}, "
                         f"{_number(earned)} of {_number(points)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = []
        for exercise, title, points, status in self.rows:
            symbol, word, colour = STATUSES[status]
            earned = points if status == "passed" else 0
            items.append(
                f'<tr><td style="color:{colour};font-weight:bold">{symbol} {word}</td>'
                f"<td>{html.escape(exercise)}</td><td>{html.escape(title)}</td>"
                f"<td>{_number(earned)} of {_number(points)}</td></tr>"
            )
        table = ('<table style="border-collapse:collapse">'
                 + "".join(items) + "</table>")
        status = "passed" if self.earned == self.possible else "not checked"
        return _box(status, html.escape(self.headline), table, kind="progress")


def _box(status: str, headline: str, details: str, kind: str = "check") -> str:
    """A box with a coloured edge, a symbol and a word; `kind` is "check" (details as text,
    line breaks kept) or "progress" (details as HTML)."""
    symbol, word, colour = STATUSES[status]
    body = ""
    if details:
        style = "white-space:pre-wrap;margin-top:0.3em" if kind == "check" else "margin-top:0.3em"
        body = f'<div style="{style}">{details}</div>'
    slug = status.replace(" ", "-")
    return (
        f'<div class="coursekit-{kind} coursekit-{slug}" role="status" style="'
        f"border-left:0.4em solid {colour};padding:0.4em 0.8em;margin:0.2em 0;"
        f'background:{colour}1f;color:inherit">'
        f'<strong><span style="color:{colour}">{symbol} {word}</span> · {headline}</strong>'
        f"{body}</div>"
    )


def _number(value: float) -> str:
    return f"{value:g}"
