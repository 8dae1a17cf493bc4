"""Matplotlib figures for the course: decision boundaries, training curves, gradients, digits.

Every function returns its matplotlib Figure, so a notebook shows it when it is the cell's last
expression and a test can inspect it. The figures draw black on white in a colour-blind friendly
palette (Okabe–Ito) whatever the notebook's theme or matplotlib settings, so they read the same in
JupyterLab's light and dark themes. pyplot is imported only when a figure is made, so importing
coursekit never starts a GUI backend.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import ParamSpec, TypeVar

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter, MaxNLocator
from numpy.typing import ArrayLike

from .data import class_labels, confusion_counts

__all__ = [
    "course_style",
    "decision_boundary",
    "training_curves",
    "gradient_norms",
    "activation_histograms",
    "digits_grid",
    "plot_confusion",
    "plain_log_ticks",
]

# Okabe & Ito's palette, told apart with every common colour-vision deficiency; markers and line
# styles repeat the distinction for readers who cannot rely on colour at all.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

_STYLE = {
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "black",
    "axes.labelcolor": "black",
    "axes.titlecolor": "black",
    "text.color": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "legend.facecolor": "white",
    "legend.labelcolor": "black",
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
}

# How a training history's series are told apart: by the data they were measured on.
_SPLITS = (
    ("val", OKABE_ITO[1], "--"),
    ("test", OKABE_ITO[2], ":"),
    ("", OKABE_ITO[0], "-"),
)

P = ParamSpec("P")
R = TypeVar("R")


def course_style(draw: Callable[P, R]) -> Callable[P, R]:
    """Run a plotting function with the course's black-on-white style, whatever the rcParams."""

    @functools.wraps(draw)
    def in_style(*args: P.args, **kwargs: P.kwargs) -> R:
        # Restore only the settings the style changes. matplotlib.rc_context would restore all
        # of them, undoing the backend that pyplot may pick while drawing (and with it the
        # notebook's interactive mode, so a later plt.plot(...) would show nothing).
        before = {key: matplotlib.rcParams[key] for key in _STYLE}
        matplotlib.rcParams.update(_STYLE)
        try:
            return draw(*args, **kwargs)
        finally:
            matplotlib.rcParams.update(before)

    return in_style


def _new_figure(rows: int, columns: int, size: tuple[float, float], **options) -> tuple:
    """A figure with a (rows, columns) array of axes, not kept by pyplot.

    Letting go of it at once means a notebook shows the returned figure exactly once, and a loop
    that draws many figures does not keep them all in memory.
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        rows, columns, figsize=size, squeeze=False, layout="constrained", **options
    )
    plt.close(figure)
    return figure, axes


@course_style
def decision_boundary(
    predict: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    title: str = "Decision boundary",
    resolution: int = 200,
    ax: Axes | None = None,
) -> Figure:
    """The class a model predicts at every point of the plane, with the data on top.

    predict maps points of shape (m, 2) to class labels of shape (m,); X has shape (n, 2) and y
    shape (n,). It is called once on a resolution × resolution grid, so for a slow model (the
    scalar Value engine) try resolution=50. Pass `ax` to draw into an existing figure.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(
            f"decision_boundary draws two features, so X should have shape (n, 2), got {X.shape}"
        )
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution counts grid points per side, at least 2; got {resolution!r}")
    labels = class_labels(y, "y")
    if len(labels) != len(X):
        raise ValueError(f"decision_boundary: X has {len(X)} points but y has {len(labels)} labels")
    low, high = X.min(axis=0), X.max(axis=0)
    margin = np.where(high > low, 0.1 * (high - low), 0.5)
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], resolution),
        np.linspace(low[1] - margin[1], high[1] + margin[1], resolution),
    )
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    predicted = class_labels(predict(points), "predict(points)")
    if len(predicted) != len(points):
        raise ValueError(
            f"predict got {len(points)} points but returned {len(predicted)} labels; "
            "it should return one label per row"
        )
    classes = int(max(labels.max(), predicted.max())) + 1
    colours = [OKABE_ITO[k % len(OKABE_ITO)] for k in range(classes)]

    figure, ax = (ax.figure, ax) if ax is not None else _one_axes((6.4, 4.8))
    ax.contourf(
        grid_x,
        grid_y,
        predicted.reshape(grid_x.shape),
        levels=np.arange(classes + 1) - 0.5,
        colors=colours,
        alpha=0.3,
    )
    present = np.unique(labels)
    for k in present:
        ax.scatter(
            *X[labels == k].T,
            color=colours[k],
            marker=MARKERS[k % len(MARKERS)],
            edgecolors="black",
            linewidths=0.5,
            s=28,
            label=f"class {k}",
        )
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$")
    if len(present) > 1:
        ax.legend(title="data", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return figure


@course_style
def training_curves(
    history: Mapping[str, object], title: str = "Training curves"
) -> Figure:
    """Loss per epoch, and accuracy per epoch beside it when the history has any.

    history maps names to one number per epoch, such as {"loss": [...], "accuracy": [...]}; names
    containing "val" or "test" (like "val_loss", "test_accuracy") are drawn dashed or dotted.
    Other entries, such as the "grad_norms" that `fit` can record, are left for their own plots.
    """
    losses = {name: values for name, values in history.items() if "loss" in name}
    accuracies = {name: values for name, values in history.items() if "acc" in name}
    if not losses and not accuracies:
        raise ValueError(
            f"training_curves draws losses and accuracies, keyed like 'loss', 'val_loss', "
            f"'accuracy', 'test_accuracy'; got keys {sorted(history)}"
        )
    candidates = (("loss", losses), ("accuracy", accuracies))
    panels = [(what, series) for what, series in candidates if series]
    figure, axes = _new_figure(1, len(panels), (5.0 * len(panels), 3.8))
    for ax, (what, series) in zip(axes[0], panels, strict=True):
        for name, values in series.items():
            values = _finite_series(values, f"history[{name!r}]")
            split, colour, line = next(style for style in _SPLITS if style[0] in name)
            label = name.replace("_", " ")
            if not split and "train" not in name:
                label = f"training {label}"  # a bare "loss" was measured on the training data
            ax.plot(
                np.arange(1, len(values) + 1),
                values,
                color=colour,
                linestyle=line,
                marker="o" if len(values) <= 30 else None,
                markersize=4,
                label=label,
            )
        ax.set(title=f"{what} per epoch" if len(panels) > 1 else title, xlabel="epoch", ylabel=what)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(series) > 1:
            ax.legend()
    if len(panels) > 1:
        figure.suptitle(title)
    return figure


@course_style
def gradient_norms(
    norms_by_layer: Mapping[str, Sequence[float]],
    title: str = "Gradient norm per layer",
    ax: Axes | None = None,
) -> Figure:
    """One curve per network of its gradient norm at each layer, on a log scale.

    norms_by_layer maps a label (like "sigmoid" or "relu") to L norms, layer 1 nearest the input.
    Vanishing gradients show as a curve falling towards layer 1. A norm of exactly 0 (a dead
    layer) has no place on a log scale and is left out of its curve. Pass `ax` to draw into an
    existing figure.
    """
    if not norms_by_layer:
        raise ValueError(
            'gradient_norms needs at least one curve, like {"sigmoid": [norm of layer 1, ...]}'
        )
    figure, ax = (ax.figure, ax) if ax is not None else _one_axes((6.4, 4.2))
    deepest = 1
    for index, (label, norms) in enumerate(norms_by_layer.items()):
        norms = _finite_series(norms, f"norms_by_layer[{label!r}]")
        if np.any(norms < 0):
            raise ValueError(f"{label!r}: a norm cannot be negative, got {norms.min():g}")
        layers = np.arange(1, len(norms) + 1)
        ax.plot(
            layers,
            np.where(norms > 0, norms, np.nan),
            color=OKABE_ITO[index % len(OKABE_ITO)],
            marker=MARKERS[index % len(MARKERS)],
            label=label,
        )
        deepest = max(deepest, len(norms))
    if ax.get_yscale() != "log":  # setting it again would reset an axis's own tick labels
        ax.set_yscale("log")
    ax.set_xticks(np.arange(1, deepest + 1))
    ax.set(title=title, xlabel="layer (1 = nearest the input)", ylabel="gradient norm (log scale)")
    if len(norms_by_layer) > 1:
        ax.legend()
    return figure


@course_style
def activation_histograms(
    activations_by_layer: Sequence[ArrayLike], title: str = "Activations per layer", bins: int = 30
) -> Figure:
    """A histogram of each layer's activations, side by side, with their mean and spread.

    activations_by_layer holds one array per layer (any shape, e.g. (batch, width)), layer 1
    first. Every panel uses the same bins, so activations shrinking towards 0 from layer to layer,
    or piling up where the activation function saturates, show at a glance.
    """
    layers = [np.asarray(values, dtype=np.float64).ravel() for values in activations_by_layer]
    if not layers or any(values.size == 0 for values in layers):
        raise ValueError(
            "activation_histograms needs a list with one non-empty array per layer, "
            f"got {len(layers)} arrays of sizes {[values.size for values in layers]}"
        )
    for index, values in enumerate(layers, start=1):
        _finite_series(values, f"the activations of layer {index}")
    rows = math.ceil(len(layers) / 5)
    columns = math.ceil(len(layers) / rows)
    figure, axes = _new_figure(rows, columns, (2.6 * columns, 2.4 * rows + 0.5))
    low = min(values.min() for values in layers)
    high = max(values.max() for values in layers)
    if low == high:  # every activation the same (all 0: dead units): give the bar some width
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    for index, ax in enumerate(axes.flat):
        if index >= len(layers):
            ax.set_visible(False)
            continue
        values = layers[index]
        ax.hist(values, bins=edges, color=OKABE_ITO[0])
        # Adding 0.0 turns a rounded -0.00 into 0.00.
        mean, spread = np.round([values.mean(), values.std()], 2) + 0.0
        ax.set_title(f"layer {index + 1}\nmean {mean:.2f}, std {spread:.2f}")
        ax.set_xlabel("activation")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
        if index % columns == 0:
            ax.set_ylabel("count")
    figure.suptitle(title)
    return figure


@course_style
def digits_grid(
    images: ArrayLike,
    labels: ArrayLike,
    predicted: ArrayLike | None = None,
    n: int = 20,
    columns: int = 10,
    title: str | None = None,
) -> Figure:
    """The first `n` images with their labels, and predictions when given (wrong ones stand out).

    images has shape (m, 8, 8) or flat (m, 64); labels and predicted have shape (m,). To see the
    mistakes: `wrong = predicted != y`, then `digits_grid(X[wrong], y[wrong], predicted[wrong])`.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2 and math.isqrt(images.shape[1]) ** 2 == images.shape[1]:
        side = math.isqrt(images.shape[1])
        images = images.reshape(len(images), side, side)
    if images.ndim != 3:
        raise ValueError(
            f"digits_grid needs images of shape (m, 8, 8) or flat (m, 64), got {images.shape}"
        )
    truth = class_labels(labels, "labels")
    guesses = None if predicted is None else class_labels(predicted, "predicted")
    if len(truth) != len(images) or (guesses is not None and len(guesses) != len(images)):
        lengths = f"{len(images)} images, {len(truth)} labels"
        if guesses is not None:
            lengths += f", {len(guesses)} predictions"
        raise ValueError(f"digits_grid needs one label per image, got {lengths}")
    shown = min(n, len(images))
    if shown < 1:
        raise ValueError(f"digits_grid has nothing to show: {len(images)} images, n={n}")
    columns = min(columns, shown)
    rows = math.ceil(shown / columns)
    figure, axes = _new_figure(rows, columns, (1.15 * columns, 1.45 * rows + 0.5))
    brightest = max(float(images[:shown].max()), 1.0)
    for index, ax in enumerate(axes.flat):
        if index >= shown:
            ax.set_axis_off()
            continue
        # A faint frame shows where an image ends, since its blank pixels are as white as the page.
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("0.8")
        ax.imshow(images[index], cmap="gray_r", vmin=0.0, vmax=brightest)
        if guesses is None:
            ax.set_title(f"label {truth[index]}", fontsize=9)
        else:
            wrong = guesses[index] != truth[index]
            ax.set_title(
                f"label {truth[index]}\npredicted {guesses[index]}",
                fontsize=8,
                color=OKABE_ITO[3] if wrong else "black",
                fontweight="bold" if wrong else "normal",
            )
    default = "Digits with their labels" if guesses is None else "Digits: label and prediction"
    figure.suptitle(title or default)
    return figure


@course_style
def plot_confusion(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    classes: int | None = None,
    title: str = "Confusion matrix",
) -> Figure:
    """Counts of each true class (row) predicted as each class (column), accuracy in the title.

    y_true and y_pred have shape (n,); the counts come from `coursekit.data.confusion_counts`.
    Bright cells off the diagonal are the classes the model confuses.
    """
    counts = confusion_counts(y_true, y_pred, classes)
    size = len(counts)
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    figure, ax = _one_axes((0.4 * size + 2.2, 0.4 * size + 2.0))
    ax.imshow(counts, cmap="Blues", vmin=0)
    for (row, column), count in np.ndenumerate(counts):
        dark_cell = count > counts.max() / 2
        colour = "white" if dark_cell else "black"
        ax.text(column, row, str(count), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(size))
    ax.set_yticks(range(size))
    ax.set(title=f"{title} (accuracy {accuracy:.1%})")
    ax.set(xlabel="predicted class", ylabel="true class")
    return figure


def plain_log_ticks(ax: Axes) -> None:
    """Write the tick labels of an axes' log scales as plain numbers: 0.3, 1, 20, not 3×10⁻¹.

    Where a log axis spans only a decade or two, matplotlib labels ticks between the powers of
    ten too, in scientific notation; plain numbers read faster there. (For axes spanning many
    decades keep matplotlib's 10⁻⁶ … 10⁶: plain numbers would grow long.)
    """
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_formatter(_PlainNumbers())
            axis.set_minor_formatter(_PlainNumbers(labelOnlyBase=False, minor_thresholds=(2, 0.4)))


class _PlainNumbers(LogFormatter):
    """matplotlib's choice of which log ticks to label, each written like 0.3 or 20."""

    def __call__(self, value: float, position: int | None = None) -> str:
        return f"{value:g}" if super().__call__(value, position) else ""


def _one_axes(size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure with a single axes."""
    figure, axes = _new_figure(1, 1, size)
    return figure, axes[0, 0]


def _finite_series(values: ArrayLike, name: str) -> np.ndarray:
    """A 1-D float array of finite numbers, or an error naming the series."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} should be a non-empty list of numbers, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} contains inf or nan (at position {int(np.argmin(np.isfinite(array)))}); "
            "the training probably diverged: try a smaller learning rate"
        )
    return array
