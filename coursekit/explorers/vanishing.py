"""The vanishing-gradient explorer: how big each layer's gradient is in a deep network.

    vanishing_gradient_explorer()   # depth, activation and initialization selectors

On its way back to layer ℓ the gradient is multiplied, once per layer above, by that layer's
weights and by the activation's local gradient g′(z). A sigmoid's g′ is at most 1/4, so through
ten sigmoid layers the first one receives a tiny fraction of what the last one gets: it vanishes.
ReLU passes back 1 where it is active, and He initialization keeps the signal's size from layer
to layer, so every layer learns. Too large weights make gradients explode instead.
"""

from __future__ import annotations

import math
from functools import partial

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from coursekit.data import spiral
from coursekit.nn import Linear, Sequential, SoftmaxCrossEntropyLoss
from coursekit.optim import SGD
from coursekit.plots import course_style, gradient_norms
from coursekit.train import TrainingDiverged, fit

from ._render import (
    Explorer,
    FigureImage,
    clear_moving,
    moving,
    new_figure,
    png_picture,
    powers_of_ten,
)
from .activations import LABELS, activation_layer

__all__ = [
    "INITS", "deep_network", "layer_gradient_norms", "vanishing_figure",
    "vanishing_gradient_explorer",
]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")  # the explorer's choices
INITS = {  # name → (how the lectures write it, the Linear layer's arguments)
    "small": ("0.01·N(0, 1)", {"init": "gaussian", "std": 0.01}),
    "gaussian": ("N(0, 1)", {"init": "gaussian", "std": 1.0}),
    "xavier": ("Xavier", {"init": "xavier"}),
    "he": ("He", {"init": "he"}),
}
WIDTH = 32  # units per hidden layer
DEEPEST = 20  # the explorer's deepest network, in weight layers
TRAIN_STEPS = 20  # full-batch SGD steps for the "after training" curve
LEARNING_RATE = 0.1


def deep_network(depth: int, activation: str, init: str, width: int = WIDTH,
                 seed: int = 0) -> Sequential:
    """`depth` Linear layers (2 → width → … → width → 3), each but the last followed by the
    activation, with weights drawn by `init` from the seed."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 2:
        raise ValueError(f"depth counts the weight layers and must be a whole number ≥ 2, "
                         f"got {depth!r}")
    if init not in INITS:
        raise ValueError(f"unknown initialization {init!r}; choose one of {list(INITS)}")
    rng = np.random.default_rng(seed)
    layers, features = [], 2
    for _ in range(depth - 1):
        layers += [Linear(features, width, rng=rng, **INITS[init][1]), activation_layer(activation)]
        features = width
    layers.append(Linear(features, 3, rng=rng, **INITS[init][1]))
    return Sequential(*layers)


def layer_gradient_norms(depth: int, activation: str, init: str, width: int = WIDTH,
                         seed: int = 0, train_steps: int = 0) -> np.ndarray:
    """The norm of d(loss)/dW for each weight matrix, shape (depth,), layer 1 nearest the input.

    The loss is softmax cross-entropy on a fixed batch of 90 spiral points. With train_steps > 0
    the network first takes that many full-batch SGD steps (lr 0.1); if they blow up, fit
    raises TrainingDiverged.
    """
    model = deep_network(depth, activation, init, width, seed)
    X, y = spiral(points_per_class=30, seed=0)
    loss = SoftmaxCrossEntropyLoss()
    if train_steps > 0:
        optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
        fit(model, loss, X, y, optimizer, epochs=train_steps, record=("loss",))
    with np.errstate(over="ignore"):  # weights that exploded in training may overflow: the
        loss.forward(model.forward(X), y)  # units they reach die, and the norms show it
        model.backward(loss.backward())
    norms = model.gradient_norms()
    return np.array([norms[f"{2 * layer}.W"] for layer in range(depth)])


def _ratio(norms: np.ndarray) -> str:
    """How much of the last layer's gradient reaches the first: a ratio, or the silent layers."""
    silent = int(np.sum(norms == 0))
    if silent:
        return f"{silent} of {len(norms)} layers get none"
    return f"{norms[0] / norms[-1]:.2g}"


@course_style
def vanishing_figure(depth: int, activation: str, init: str, width: int = WIDTH,
                     seed: int = 0, train_steps: int = TRAIN_STEPS,
                     figure: Figure | None = None) -> Figure:
    """Gradient norm per layer (log scale) at initialization and after train_steps SGD steps.

    The layer axis fits the depth, so a shallow network's curves fill the figure. figure: one
    this function returned before, to draw into again; an explorer then redraws only the
    curves, the gradient axis, the legend and the title, and keeps the layer axis drawn for
    each depth as pixels (its still part, keyed by the depth).
    """
    start = layer_gradient_norms(depth, activation, init, width, seed)
    curves = {"at initialization": start}
    title = (f"Gradient norm per layer: {depth} {LABELS[activation]} layers, {INITS[init][0]} "
             f"init\nlayer 1 ÷ layer {depth}: {_ratio(start)} at initialization; ")
    try:
        trained = layer_gradient_norms(depth, activation, init, width, seed, train_steps)
    except TrainingDiverged:
        title += f"training diverged within {train_steps} steps"
    else:
        curves[f"after {train_steps} training steps"] = trained
        title += f"{_ratio(trained)} after training"
    if figure is None:
        figure = new_figure(1, (7.2, 4.4), {"left": 0.1, "top": 0.87})[0]
        axis = figure.axes[0].yaxis
        figure.axes[0].set_yscale("log")
        powers_of_ten(axis)
        axis.set_minor_locator(NullLocator())  # eight unlabelled ticks a decade: slow to draw
    ax = clear_moving(figure).axes[0]
    gradient_norms(curves, title=title, ax=ax)
    ax.set(xlim=(0.5, depth + 0.5), xticks=range(1, depth + 1))
    ax.relim()  # forget the curves drawn before into this figure, if any
    ax.autoscale(axis="y")
    low, high = ax.get_ylim()
    if high < 100 * low:  # at least two decades, so that a flat curve looks flat
        middle = math.sqrt(low * high)
        ax.set_ylim(middle / 10, middle * 10)
    moving(ax.lines, ax.title, ax.yaxis, ax.legend(loc="lower right"))
    return figure


def vanishing_gradient_explorer(depth: int = 10, activation: str = "sigmoid",
                                init: str = "xavier") -> Explorer:
    """Choose depth, activation and initialization: the gradient each layer receives."""
    layers = widgets.IntSlider(value=depth, min=2, max=DEEPEST, description="depth",
                               continuous_update=False)
    function = widgets.Dropdown(options=[(LABELS[name], name) for name in ACTIVATIONS],
                                value=activation,
                                description="activation")
    start = widgets.Dropdown(options=[(label, key) for key, (label, _) in INITS.items()],
                             value=init, description="init")
    figure = vanishing_figure(depth, activation, init)
    image = FigureImage(figure, still=depth)

    def show(_: object) -> None:
        image.show(vanishing_figure(layers.value, function.value, start.value, figure=figure),
                   still=layers.value)

    for control in (layers, function, start):
        control.observe(show, names="value")
    return Explorer([widgets.HBox([layers, function, start]), image],
                    "vanishing-gradient explorer", partial(png_picture, image))
