"""What the explorers share: quick figures, an image widget that redraws them fast, controls.

An explorer redraws its figure every time a slider moves, so its figures skip what costs time
without helping: pyplot (which would keep every figure alive and may start a GUI backend),
constrained layout (its solver takes about a third of a small figure's drawing time; fixed
margins do as well for a figure whose shape never changes), mathtext tick labels on log axes
(typeset from TeX-like source at every draw) and strong PNG compression. Most of what is left is
text, which `FigureImage` draws only when it changes, into a figure that is drawn into again
rather than built anew.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Hashable, Iterable, Iterator

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogFormatter
from PIL import Image

from coursekit.plots import course_style

DPI = 96  # one figure inch is one CSS inch, so a 10-point label reads like the text around it
MARGINS = {"left": 0.08, "right": 0.97, "top": 0.82, "bottom": 0.15, "wspace": 0.3}
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
PICTURE_COLOURS = 64  # a figure's few colours and their anti-aliasing fit in a small palette


def new_figure(
    columns: int, size: tuple[float, float], margins: dict[str, float] | None = None
) -> tuple[Figure, list[Axes]]:
    """A white figure with `columns` axes side by side, owned by no one but the caller.

    It has fixed margins, `MARGINS` overridden by `margins` (fractions, as for
    `Figure.subplots_adjust`), and no layout engine, so savefig makes no extra layout pass.
    Call it inside `plots.course_style` so the axes get the course's black-on-white look.
    """
    figure = Figure(figsize=size, facecolor="white")
    axes = list(figure.subplots(1, columns, squeeze=False)[0])
    figure.subplots_adjust(**{**MARGINS, **(margins or {})})
    return figure, axes


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


def moving(*artists: Artist | Iterable[Artist]) -> None:
    """Mark what changes from one setting of an explorer to the next (lines, titles, a whole
    axis with its ticks): `FigureImage` draws these afresh and keeps the rest as pixels.

    savefig, and so a notebook showing the figure, draws them like any other artist.
    """
    for artist in artists:
        for one in [artist] if isinstance(artist, Artist) else artist:
            one.set_animated(True)


def figure_title(figure: Figure, text: str) -> Text:
    """A moving title over the whole figure, where `Figure.suptitle` puts one.

    It belongs to the first axes, because savefig leaves out a figure's own moving artists
    (an axes draws its moving artists when saved).
    """
    return figure.axes[0].text(0.5, 0.98, text, transform=figure.transFigure, ha="center",
                               va="top", fontsize=matplotlib.rcParams["figure.titlesize"],
                               clip_on=False, animated=True)


def clear_moving(figure: Figure) -> Figure:
    """Take the moving lines, patches, collections, texts and legends out of a figure drawn
    before, so that its figure function can draw the new ones into it; returns the figure.

    Titles and axes stay, to be set again: their objects (and an axis's ticks) are reused.
    """
    for axes in figure.axes:
        for artist in (*axes.lines, *axes.patches, *axes.collections, *axes.texts,
                       axes.get_legend()):
            if artist is not None and artist.get_animated():
                artist.remove()
    return figure


class FigureImage(widgets.Image):
    """An Image widget showing an explorer's figure, redrawn in a fraction of savefig's time.

    Most of a figure's drawing time goes to text (tick labels, titles), and most of a figure looks
    the same from one slider position to the next. So the still part, everything not marked
    `moving`, is drawn once and kept as pixels, and each figure whose still part looks the same
    (the same `still` key) starts from those pixels and draws only its moving artists.
    """

    def __init__(self, figure: Figure, still: Hashable = None) -> None:
        super().__init__(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        self._backgrounds = {}  # still key → pixels; the explorers use a few keys each
        self.show(figure, still)

    def show(self, figure: Figure, still: Hashable = None) -> None:
        """Show `figure`, whose still part is the one drawn before under the same key, if any."""
        self.value = self._png(figure, still)

    @course_style  # ticks made while drawing take their look from the style
    def _png(self, figure: Figure, still: Hashable) -> bytes:
        if figure.dpi != DPI:
            figure.set_dpi(DPI)
        canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else \
            FigureCanvasAgg(figure)
        background = self._backgrounds.get(still)
        if background is None:
            canvas.draw()  # everything but the moving artists
            self._backgrounds[still] = background = canvas.copy_from_bbox(figure.bbox)
        canvas.restore_region(background)
        renderer = canvas.get_renderer()
        for artist in _moving_artists(figure):
            artist.draw(renderer)
        buffer = io.BytesIO()
        opaque = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
        opaque.save(buffer, format="png", compress_level=1)  # larger, but quick to write
        return buffer.getvalue()


def _moving_artists(figure: Figure) -> Iterator[Artist]:
    """The figure's moving artists in drawing order: axes by axes, lowest zorder first."""
    for axes in figure.axes:
        axes.viewLim  # noqa: B018 (reading it brings autoscaled limits up to date)
        yield from sorted((artist for artist in axes.get_children() if artist.get_animated()),
                          key=Artist.get_zorder)


class Explorer(widgets.VBox):
    """An explorer's rows of controls and figures, saved in a notebook with a still picture.

    A saved widget appears only once a kernel is up and JupyterLab's widget manager has loaded;
    a notebook opened before that, or not yet trusted (as every downloaded notebook is), shows
    the output's other formats instead. So beside the widget the output carries a picture of
    what the explorer shows when its cell runs (`picture` returns it as {mime type: data}: a PNG
    or an HTML image) and one line of text that says what it is. A live kernel shows the widget.
    """

    def __init__(self, rows: list[widgets.Widget], name: str,
                 picture: Callable[[], dict[str, str]]) -> None:
        super().__init__(rows)
        self._name, self._picture = name, picture

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle.update(self._picture())
        bundle["text/plain"] = f"the {self._name} (a picture until its cell runs: then it moves)"
        return bundle


def png_picture(image: widgets.Image) -> dict[str, str]:
    """An image widget's PNG, made small for saving in a notebook: {"image/png": base64 text}."""
    opaque = Image.open(io.BytesIO(image.value)).convert("RGB")
    buffer = io.BytesIO()
    opaque.quantize(colors=PICTURE_COLOURS).save(buffer, format="png", optimize=True)
    return {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii")}


def widgets_in(explorer: widgets.Widget) -> Iterator[widgets.Widget]:
    """The explorer and every widget inside it, in display order (row by row)."""
    waiting = [explorer]
    while waiting:
        widget = waiting.pop(0)
        waiting.extend(getattr(widget, "children", ()))
        yield widget


def controls_of(explorer: widgets.Widget) -> dict[str, widgets.Widget]:
    """Every control inside an explorer, by its description, to drive it from code.

    >>> controls_of(momentum_explorer())["β"].value = 0.5   # redraws, as dragging would
    """
    return {widget.description: widget for widget in widgets_in(explorer)
            if getattr(widget, "description", "")}
