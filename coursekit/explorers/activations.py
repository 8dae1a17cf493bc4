"""The activation explorer: each activation function next to its derivative.

    activation_explorer()   # a dropdown (linear, sigmoid, tanh, ReLU, leaky ReLU) and α

The derivative g′(z) is the local gradient every upstream gradient is multiplied by on its way
back through the unit. Where it is nearly 0 the unit passes back almost nothing: the shaded
stretches are where sigmoid and tanh saturate (g′ below 5% of its peak) and where a ReLU is dead
(g′ = 0 for z < 0). Leaky ReLU keeps a slope α there, so its units always learn a little.
The formulas are the ones the network layers use (coursekit.nn), so the plots show what training
does.
"""

from __future__ import annotations

from functools import partial

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from coursekit.nn import Identity, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from coursekit.plots import OKABE_ITO, course_style

from ._render import Explorer, FigureImage, clear_moving, moving, new_figure, png_picture

__all__ = [
    "LABELS", "activation_layer", "activation_and_derivative", "shaded_regions",
    "activation_figure", "activation_explorer",
]

LABELS = {"linear": "linear", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
          "leaky_relu": "leaky ReLU"}  # the name the functions take → how the figures write it
FORMULAS = {  # name → (g, g′) as the lectures write them
    "linear": ("g(z) = z", "g′(z) = 1"),
    "sigmoid": ("g(z) = 1 / (1 + e⁻ᶻ)", "g′(z) = g(z)(1 − g(z))"),
    "tanh": ("g(z) = tanh(z)", "g′(z) = 1 − g(z)²"),
    "relu": ("g(z) = max(0, z)", "g′(z) = 1 if z > 0 else 0"),
    "leaky_relu": ("g(z) = max(αz, z)", "g′(z) = 1 if z > 0 else α"),
}
SATURATION = 0.05  # a derivative below this fraction of its peak counts as saturated
REGIONS = {  # kind of shaded stretch → (label, colour)
    "saturated": ("saturated\ng′ ≈ 0", OKABE_ITO[1]),
    "dead": ("dead\ng′ = 0", "#888888"),
    "leaky": ("leaky\ng′ = α", OKABE_ITO[2]),
}
Z_RANGE = 8.0  # the plots show z from −8 to 8
Z = np.linspace(-Z_RANGE, Z_RANGE, 801)  # where the figures evaluate g and g′
LEAKIEST = 0.3  # the largest α the explorer offers; the g(z) axis has room for its leak


def activation_layer(name: str, alpha: float = 0.01) -> Layer:
    """The coursekit.nn layer for an activation name; α is leaky ReLU's slope for z < 0."""
    makers = {"linear": Identity, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU,
              "leaky_relu": lambda: LeakyReLU(alpha)}
    if name not in makers:
        raise ValueError(f"unknown activation {name!r}; choose one of {list(makers)}")
    return makers[name]()


def activation_and_derivative(
    name: str, z: ArrayLike, alpha: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """g(z) and g′(z) for an array z of any shape, both of z's shape.

    At the kink z = 0 ReLU's derivative is taken to be 0 and leaky ReLU's α, as in the engine.
    """
    z = np.asarray(z, dtype=float)
    layer = activation_layer(name, alpha)
    value = np.array(layer.forward(z))
    slope = np.broadcast_to(np.asarray(layer.local_grad(value), dtype=float), z.shape)
    return value, slope.copy()


def shaded_regions(
    name: str, z: np.ndarray, slope: np.ndarray
) -> list[tuple[float, float, str]]:
    """Stretches (from, to, kind) of the sorted grid z where the unit passes back little.

    kind is "saturated" (sigmoid, tanh: g′ < 5% of its peak), "dead" (ReLU: g′ = 0 for z < 0)
    or "leaky" (leaky ReLU with α > 0: g′ = α for z < 0).
    """
    if name in ("sigmoid", "tanh"):
        flat, kind = slope < SATURATION * slope.max(), "saturated"
    elif name in ("relu", "leaky_relu"):
        flat = z < 0
        kind = "leaky" if np.any(slope[flat]) else "dead"
    else:
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flat.astype(int), [0]])))
    return [(float(z[start]), float(z[stop - 1]), kind) for start, stop in edges.reshape(-1, 2)]


@course_style
def activation_figure(name: str, alpha: float = 0.01, figure: Figure | None = None) -> Figure:
    """g(z) on the left, g′(z) on the right, with the saturated or dead stretches shaded.

    figure: one this function returned before, to draw into again. The axes stay as they are for
    every α, so an explorer redraws only the curves, the shading and the titles.
    """
    value, slope = activation_and_derivative(name, Z, alpha)
    label = LABELS[name] + (f" (α = {alpha:g})" if name == "leaky_relu" else "")
    function, derivative = FORMULAS[name]
    figure, (left, right) = _two_panels() if figure is None else (clear_moving(figure),
                                                                  figure.axes)
    moving(left.title, right.title, left.yaxis, right.yaxis,
           left.plot(Z, value, color=OKABE_ITO[0], linewidth=2),
           right.plot(Z, slope, color=OKABE_ITO[3], linewidth=2))
    left.set_title(f"{label}: {function}")
    right.set_title(f"derivative: {derivative}")
    for ax in (left, right):
        moving(ax.axhline(0, color="#BBBBBB", linewidth=0.8, zorder=0))  # moves with the y axis
        for start, stop, kind in shaded_regions(name, Z, slope):
            text, colour = REGIONS[kind]
            moving(ax.axvspan(start, stop, color=colour, alpha=0.25, linewidth=0),
                   ax.text((start + stop) / 2, 0.5, text, transform=ax.get_xaxis_transform(),
                           ha="center", va="center", fontsize=9))
    # A leaky ReLU's g(z) axis holds the slider's leakiest curve, so it stays still as α moves.
    leakier = name == "leaky_relu" and alpha < LEAKIEST
    left.set_ylim(*_padded(activation_and_derivative(name, Z, LEAKIEST)[0] if leakier else value))
    right.set_ylim(*_padded(slope))
    return figure


def _two_panels() -> tuple[Figure, list]:
    """The still part: z from −8 to 8 on both panels, with a line at z = 0."""
    figure, axes = new_figure(2, (9.0, 3.4), {"top": 0.86})
    for ax, ylabel in zip(axes, ("g(z)", "g′(z), the local gradient")):
        ax.axvline(0, color="#BBBBBB", linewidth=0.8, zorder=0)
        ax.set(xlim=(-Z_RANGE, Z_RANGE), xlabel="z", ylabel=ylabel)
    return figure, axes


def _padded(values: np.ndarray) -> tuple[float, float]:
    """A y range that holds the values with a little room above and below."""
    low, high = min(values.min(), 0.0), values.max()
    room = 0.08 * (high - low) + 0.02
    return low - room, high + room


def activation_explorer(name: str = "sigmoid", alpha: float = 0.01) -> Explorer:
    """Pick an activation (and leaky ReLU's α): its function and derivative, side by side."""
    choice = widgets.Dropdown(options=[(label, key) for key, label in LABELS.items()],
                              value=name, description="activation")
    slope = widgets.FloatSlider(value=alpha, min=0.0, max=LEAKIEST, step=0.01, description="α",
                                disabled=name != "leaky_relu", continuous_update=False)
    figure = activation_figure(name, alpha)
    image = FigureImage(figure)

    def show(_: object) -> None:
        slope.disabled = choice.value != "leaky_relu"
        image.show(activation_figure(choice.value, slope.value, figure))

    choice.observe(show, names="value")
    slope.observe(show, names="value")
    return Explorer([widgets.HBox([choice, slope]), image], "activation explorer",
                    partial(png_picture, image))
