"""The dead-ReLU explorer: watch hidden units die during training, and what prevents it.

    dead_relu_explorer()   # learning rate, initial bias and leaky ReLU's α

A ReLU unit whose input z is negative for every example outputs 0 and passes back no gradient,
so its weights never change again: it is dead. Two things kill units: a learning rate so large
that one step throws their weights far into the negative region, and a negative initial bias
that starts them there. The lectures' fixes: a small positive bias, or a leaky ReLU, whose slope α
for z < 0 keeps the gradient from ever being exactly 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from coursekit.data import spiral
from coursekit.nn import Linear, Sequential, SoftmaxCrossEntropyLoss, dead_fraction
from coursekit.optim import SGD
from coursekit.plots import OKABE_ITO, course_style, decision_boundary
from coursekit.train import accuracy, fit, predict

from ._render import (
    Explorer,
    FigureImage,
    clear_moving,
    figure_title,
    moving,
    new_figure,
    png_picture,
)
from .activations import activation_layer

__all__ = ["DeadReluRun", "dead_relu_run", "dead_relu_figure", "dead_relu_explorer"]

HIDDEN = 50  # hidden units
STEPS = 100  # full-batch SGD steps on the 300 spiral points


@dataclass(frozen=True, eq=False)
class DeadReluRun:
    """One training run of a 2 → 50 → 3 network on the lectures' spiral, and how it went."""

    lr: float
    bias: float
    alpha: float
    dead: np.ndarray  # (steps + 1,): fraction of hidden units dead after 0, 1, …, steps steps
    loss: np.ndarray  # (steps,): the loss measured at each step, before its update
    accuracy: float  # on the training points, after the last step
    model: Sequential
    X: np.ndarray  # (300, 2) the spiral
    y: np.ndarray  # (300,) its classes

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The trained network's class (m,) for each point of shape (m, 2)."""
        return predict(self.model, points)


def dead_relu_run(lr: float, bias: float = 0.0, alpha: float = 0.0, steps: int = STEPS,
                  seed: int = 0) -> DeadReluRun:
    """Train a fresh network (weights from the seed, every hidden bias starting at `bias`).

    The hidden layer is a ReLU for alpha = 0 and a leaky ReLU of slope alpha otherwise.
    A unit counts as dead when it outputs 0 for every one of the 300 points.
    """
    X, y = spiral()
    rng = np.random.default_rng(seed)
    hidden = activation_layer("leaky_relu", alpha) if alpha > 0 else activation_layer("relu")
    model = Sequential(Linear(2, HIDDEN, rng=rng, bias=bias), hidden, Linear(HIDDEN, 3, rng=rng))
    loss, optimizer = SoftmaxCrossEntropyLoss(), SGD(model.parameters(), lr=lr)
    # Full batch: each epoch is one step, its dead units those of the step's forward pass.
    history = fit(model, loss, X, y, optimizer, epochs=steps, record=("loss", "dead_relus"))
    scores = model.forward(X)
    dead = [*history["dead_relus"][hidden.name], dead_fraction(hidden.output)]
    return DeadReluRun(lr, bias, alpha, np.array(dead), np.array(history["loss"]),
                       accuracy(scores, y), model, X, y)


@course_style
def dead_relu_figure(run: DeadReluRun, figure: Figure | None = None) -> Figure:
    """The fraction of dead units step by step (left), the decision boundary at the end (right).

    figure: one this function returned before, to draw into again. Its axes and the legend stay;
    an explorer redraws only the curve, the regions, the points and the titles.
    """
    figure, (left, right) = _two_panels() if figure is None else (clear_moving(figure),
                                                                  figure.axes)
    moving(left.plot(100 * run.dead, color=OKABE_ITO[3], linewidth=2))
    decision_boundary(run.predict, run.X, run.y, resolution=60, ax=right,
                      title="Decision boundary after training")
    unit = f"leaky ReLU (α = {run.alpha:g})" if run.alpha > 0 else "ReLU"
    moving(right.collections)
    figure_title(figure, f"{unit}, learning rate {run.lr:.3g}, initial bias {run.bias:g}: "
                         f"{run.dead[-1]:.0%} of the units end dead, accuracy {run.accuracy:.0%}")
    return figure


def _two_panels() -> tuple[Figure, list]:
    """The still part: the dead units' axes, and room on the right for the decision boundary."""
    figure, (left, right) = new_figure(2, (10.0, 4.0), {"right": 0.86, "top": 0.84})
    left.set(title="Dead hidden units during training", xlabel="training step",
             ylabel="dead units (% of 50)", ylim=(-4, 104))
    return figure, [left, right]


def dead_relu_explorer(lr: float = 1.0, bias: float = 0.0, alpha: float = 0.0) -> Explorer:
    """Sliders for the learning rate, the initial bias and α (0 = ReLU): dead units and result."""
    rate = widgets.FloatLogSlider(value=lr, base=10, min=-1, max=1.3, step=0.05,
                                  description="learning rate", continuous_update=False)
    start = widgets.FloatSlider(value=bias, min=-2.0, max=1.0, step=0.1,
                                description="initial bias", continuous_update=False)
    slope = widgets.FloatSlider(value=alpha, min=0.0, max=0.3, step=0.01,
                                description="α (0 = ReLU)", continuous_update=False)
    controls = (rate, start, slope)
    for control in controls:
        control.style.description_width = "initial"
    figure = dead_relu_figure(dead_relu_run(lr, bias, alpha))
    image = FigureImage(figure)

    def show(_: object) -> None:
        run = dead_relu_run(rate.value, start.value, slope.value)
        image.show(dead_relu_figure(run, figure))

    for control in controls:
        control.observe(show, names="value")
    return Explorer([widgets.HBox(list(controls)), image], "dead-ReLU explorer",
                    partial(png_picture, image))
