"""What the explorers share: quick figures drawn to PNG bytes for a widget, and their controls.

An explorer redraws its figure every time a slider moves, so its figures skip what costs time
without helping: pyplot (which would keep every figure alive and may start a GUI backend),
constrained layout (its solver takes about a third of a small figure's drawing time; fixed
margins do as well for a figure whose shape never changes), mathtext tick labels on log axes
(typeset from TeX-like source at every draw) and strong PNG compression.
"""

from __future__ import annotations

import io
import math

import ipywidgets as widgets
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogFormatter

DPI = 96  # one figure inch is one CSS inch, so a 10-point label reads like the text around it
MARGINS = {"left": 0.08, "right": 0.97, "top": 0.82, "bottom": 0.15, "wspace": 0.3}
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def new_figure(
    columns: int, size: tuple[float, float], margins: dict[str, float] | None = None
) -> tuple[Figure, list[Axes]]:
    """A white figure with `columns` axes side by side, owned by no one but the caller.

    margins override `MARGINS` (fractions, as for `Figure.subplots_adjust`). Call it inside
    `plots.course_style` so the axes get the course's black-on-white look.
    """
    figure = Figure(figsize=size, facecolor="white")
    axes = list(figure.subplots(1, columns, squeeze=False)[0])
    fixed_layout(figure, margins)
    return figure, axes


def fixed_layout(figure: Figure, margins: dict[str, float] | None = None) -> Figure:
    """Replace the figure's layout engine by fixed margins (see `MARGINS`); returns it.

    With no engine at all (None, rather than "none", which leaves a placeholder behind),
    savefig also skips the extra layout pass it makes before drawing.
    """
    figure.set_layout_engine(None)
    figure.subplots_adjust(**{**MARGINS, **(margins or {})})
    return figure


def powers_of_ten(axis: Axis) -> None:
    """Label a log axis in plain text, which draws faster than mathtext: 10⁻⁶, 10⁻⁵, … at the
    powers of ten, and short numbers like 30 in between when it spans less than a decade."""

    def label(value: float, _: int) -> str:
        power = round(math.log10(value)) if value > 0 else None
        if power is None or not math.isclose(value, 10.0**power):
            return ""
        return "10" + str(power).translate(_SUPERSCRIPTS)

    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(LogFormatter(labelOnlyBase=False))


def png(figure: Figure) -> bytes:
    """The figure drawn by Agg into PNG bytes (white background, whatever the theme)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white",
                   pil_kwargs={"compress_level": 1})  # a little larger, much quicker to write
    return buffer.getvalue()


def image_of(figure: Figure) -> widgets.Image:
    """An Image widget showing the figure, shrunk to fit a narrow notebook column."""
    return widgets.Image(value=png(figure), format="png",
                         layout=widgets.Layout(max_width="100%", height="auto"))


def controls_of(explorer: widgets.Widget) -> dict[str, widgets.Widget]:
    """Every control inside an explorer, by its description, to drive it from code.

    >>> controls_of(momentum_explorer())["β"].value = 0.5   # redraws, as dragging would
    """
    found, waiting = {}, [explorer]
    while waiting:
        widget = waiting.pop()
        waiting.extend(getattr(widget, "children", ()))
        if getattr(widget, "description", ""):
            found[widget.description] = widget
    return found
