"""The momentum explorer: plain gradient descent, momentum and Nesterov on the same surface.

    momentum_explorer()   # β, learning rate, condition number κ, and the surface

On the bowl f(w) = ½(w₁² + κ w₂²) the curvature is 1 along w₁ and κ along w₂ (μ = 1, L = κ).
A step small enough not to overshoot along w₂ crawls along w₁, so plain gradient descent at its
best learning rate 2/(L + μ) closes the distance to the minimum by a factor (κ − 1)/(κ + 1) per
step: 0.980 for κ = 100. Momentum, as in the lectures (v ← βv + ∇f; w ← w − lr·v), with
lr = 4/(√L + √μ)² and β = ((√κ − 1)/(√κ + 1))² does it at (√κ − 1)/(√κ + 1): 0.818 for κ = 100.
Those optimal values are usually stated for the heavy-ball form w ← w − lr·∇f + β(w − w_prev);
it is the same method, because lr·v is exactly the last step w_prev − w. The Rosenbrock surface
shows the three methods in a curved valley, where no such formula applies.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from coursekit.optim import momentum_step, nesterov_step
from coursekit.plots import OKABE_ITO, course_style

from ._render import (
    Explorer,
    FigureImage,
    clear_moving,
    figure_title,
    moving,
    new_figure,
    png_picture,
    powers_of_ten,
)

__all__ = [
    "Surface", "quadratic", "rosenbrock", "surface_named", "optimize", "convergence_rate",
    "theoretical_rates", "best_parameters", "walks_figure", "MomentumView", "momentum_view",
    "momentum_explorer",
]

METHODS = {"plain": "plain gradient descent", "momentum": "momentum", "nesterov": "Nesterov"}
WALK_STYLES = (  # (colour, line style, marker) of the first, second, … walk on a figure
    (OKABE_ITO[0], "-", "o"), (OKABE_ITO[3], "--", "s"), (OKABE_ITO[2], ":", "^"),
    (OKABE_ITO[1], "-.", "D"),
)
SURFACES = {"quadratic": "quadratic bowl", "rosenbrock": "Rosenbrock"}  # name → label
BLOWN_UP = 1e6  # a run stops once it is this far from the minimum: it has diverged
TINY = 1e-250  # distances below this have lost digits to underflow, so rates ignore them


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface over w = (w₁, w₂), with where to start and how to look at it."""

    title: str
    loss: Callable[[np.ndarray], np.ndarray]  # f for points of shape (..., 2) → (...)
    gradient: Callable[[np.ndarray], np.ndarray]  # ∇f for a point (2,) → (2,)
    minimum: np.ndarray  # (2,)
    start: np.ndarray  # (2,)
    box: tuple[float, float, float, float]  # w₁ from, w₁ to, w₂ from, w₂ to
    lr: float  # settings that show the methods well, for a first look
    beta: float
    steps: int  # how many steps a run takes
    losses: tuple[float, float]  # the loss axis: one for every setting, so slopes (rates) compare


def quadratic(kappa: float) -> Surface:
    """The bowl f(w) = ½(w₁² + κ w₂²): curvatures μ = 1 and L = κ ≥ 1, minimum at 0."""
    if not kappa >= 1:
        raise ValueError(f"the condition number κ = L/μ is at least 1, got kappa={kappa!r}")
    return Surface(
        title=f"f(w) = ½(w₁² + κw₂²), κ = {kappa:.3g}",
        loss=lambda w: 0.5 * (w[..., 0] ** 2 + kappa * w[..., 1] ** 2),
        gradient=lambda w: np.array([w[0], kappa * w[1]]),
        minimum=np.zeros(2), start=np.array([-2.0, 1.0]), box=(-2.3, 0.7, -1.3, 1.3),
        lr=0.012, beta=0.8, steps=200, losses=(1e-20, 1e8),
    )


def rosenbrock() -> Surface:
    """Rosenbrock's banana f(w) = (1 − w₁)² + 100(w₂ − w₁²)²: a curved valley, minimum (1, 1)."""

    def loss(w: np.ndarray) -> np.ndarray:
        return (1 - w[..., 0]) ** 2 + 100 * (w[..., 1] - w[..., 0] ** 2) ** 2

    def gradient(w: np.ndarray) -> np.ndarray:
        across = w[1] - w[0] ** 2  # how far above the valley's floor w₂ = w₁²
        return np.array([-2 * (1 - w[0]) - 400 * w[0] * across, 200 * across])

    return Surface(
        title="Rosenbrock: f(w) = (1 − w₁)² + 100(w₂ − w₁²)²", loss=loss, gradient=gradient,
        minimum=np.ones(2), start=np.array([-1.2, 1.0]), box=(-2.0, 2.0, -1.0, 3.0),
        lr=0.001, beta=0.9, steps=400, losses=(1e-8, 1e4),
    )


def surface_named(name: str, kappa: float = 100.0) -> Surface:
    """The surface "quadratic" (the bowl of condition number κ) or "rosenbrock"."""
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}; choose one of {list(SURFACES)}")
    return quadratic(kappa) if name == "quadratic" else rosenbrock()


def optimize(surface: Surface, method: str, lr: float, beta: float = 0.0,
             steps: int | None = None, start: ArrayLike | None = None) -> np.ndarray:
    """The points visited, shape (steps + 1, 2), from `start` (default: the surface's).

    method is "plain" (β is ignored), "momentum" or "nesterov"; the updates are
    coursekit.optim's momentum_step and nesterov_step. A run that goes further than 10⁶ from
    the minimum has diverged and stops there, so its path is shorter.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    rule = nesterov_step if method == "nesterov" else momentum_step
    beta = 0.0 if method == "plain" else beta
    w = surface.start if start is None else np.asarray(start, dtype=float)
    velocity = np.zeros(2)
    path = [w]
    for _ in range(surface.steps if steps is None else steps):
        w, velocity = rule(w, velocity, surface.gradient(w), lr, beta)
        path.append(w)
        if not np.all(np.abs(w - surface.minimum) < BLOWN_UP):  # also catches inf and nan
            break
    return np.array(path)


def convergence_rate(path: np.ndarray, minimum: ArrayLike) -> float:
    """The per-step factor by which the distance to the minimum shrinks, over the run's tail.

    It is the geometric mean of distance[k + 1] / distance[k] over the second half of the path,
    which is (last / first) ** (1 / steps) there: below 1 the run converges, above 1 it diverges.
    """
    distance = np.linalg.norm(np.asarray(path) - minimum, axis=1)
    if len(distance) < 2:
        return math.nan
    tail = distance[min(len(distance) // 2, len(distance) - 2):]
    kept = np.flatnonzero(tail > TINY)
    if len(kept) < 2:
        return 0.0  # it arrived, to the last digit: nothing is left to shrink
    first, last = kept[0], kept[-1]
    return float((tail[last] / tail[first]) ** (1 / (last - first)))


def theoretical_rates(kappa: float) -> dict[str, float]:
    """The best possible rates on the bowl: (κ − 1)/(κ + 1) plain, (√κ − 1)/(√κ + 1) momentum."""
    root = math.sqrt(kappa)
    return {"plain": (kappa - 1) / (kappa + 1), "momentum": (root - 1) / (root + 1)}


def best_parameters(kappa: float) -> dict[str, dict[str, float]]:
    """The settings that reach those rates: lr = 2/(L + μ) plain; lr = 4/(√L + √μ)² and
    β = ((√κ − 1)/(√κ + 1))² with momentum (μ = 1, L = κ)."""
    root = math.sqrt(kappa)
    return {
        "plain": {"lr": 2 / (kappa + 1), "beta": 0.0},
        "momentum": {"lr": 4 / (root + 1) ** 2, "beta": ((root - 1) / (root + 1)) ** 2},
    }


@dataclass(frozen=True, eq=False)
class MomentumView:
    """Everything the momentum explorer shows for one setting of its controls.

    The rates are filled in for the quadratic bowl only (they mean little on Rosenbrock).
    """

    figure: Figure
    paths: dict[str, np.ndarray]  # method → points visited, (steps + 1, 2)
    measured: dict[str, float]  # method → rate at these settings
    theoretical: dict[str, float]  # "plain", "momentum" → best possible rate for this κ
    best: dict[str, dict[str, float]]  # the settings that reach them
    measured_at_best: dict[str, float]  # the rate measured when run at those settings
    lines: tuple[str, ...]  # the same numbers as sentences


@functools.lru_cache(maxsize=64)
def _rates_at_best(kappa: float) -> dict[str, float]:
    """The rates measured at the best settings for κ; kept, since sliders ask again and again."""
    bowl = quadratic(kappa)
    return {method: convergence_rate(optimize(bowl, method, **settings), bowl.minimum)
            for method, settings in best_parameters(kappa).items()}


def _rate_text(rate: float) -> str:
    return "diverges" if not rate < 1 else f"{rate:.3f}"


def _outcome(surface: Surface, path: np.ndarray, rate: float | None) -> str:
    """How a run ended, in a few words: its rate on the bowl, else its final loss."""
    if rate is not None:
        return f"rate {_rate_text(rate)}"
    if len(path) < surface.steps + 1:
        return "diverges"
    return f"final loss {surface.loss(path[-1]):.2g}"


def momentum_view(beta: float, lr: float, kappa: float = 100.0, surface: str = "quadratic",
                  figure: Figure | None = None) -> MomentumView:
    """Run the three methods with these settings on the bowl of condition number κ (or on
    surface="rosenbrock", where κ is unused), measure their rates, and draw them (into
    `figure`, a view's figure from before, if given: the explorer redraws faster so)."""
    shape = surface_named(surface, kappa)
    paths = {method: optimize(shape, method, lr, beta) for method in METHODS}
    measured, theoretical, best, at_best, lines = {}, {}, {}, {}, []
    if surface == "quadratic":
        measured = {method: convergence_rate(path, shape.minimum) for method, path in paths.items()}
        theoretical, best = theoretical_rates(kappa), best_parameters(kappa)
        at_best = dict(_rates_at_best(kappa))  # a copy: the cached one stays as it is
        lines = [
            f"Best plain gradient descent for κ = {kappa:.3g}: lr = 2/(L + μ) = "
            f"{best['plain']['lr']:.3g}, rate (κ − 1)/(κ + 1) = {theoretical['plain']:.3f} in "
            f"theory, {_rate_text(at_best['plain'])} measured.",
            f"Best momentum: lr = 4/(√L + √μ)² = {best['momentum']['lr']:.3g} and "
            f"β = ((√κ − 1)/(√κ + 1))² = {best['momentum']['beta']:.3f}, rate (√κ − 1)/(√κ + 1)"
            f" = {theoretical['momentum']:.3f} in theory, {_rate_text(at_best['momentum'])} "
            "measured.",
        ]
    outcomes = {method: _outcome(shape, path, measured.get(method))
                for method, path in paths.items()}
    lines.insert(0, f"Your settings, lr = {lr:.3g} and β = {beta:.3g}: " + ", ".join(
        f"{METHODS[method]} {outcome}" for method, outcome in outcomes.items()) + ".")
    figure = walks_figure(
        shape, {f"{METHODS[method]} ({outcomes[method]})": path for method, path in paths.items()},
        f"From the black dot to the star: lr = {lr:.3g}, β = {beta:.3g}", shape.steps,
        shape.losses, figure)
    return MomentumView(figure, paths, measured, theoretical, best, at_best, tuple(lines))


@course_style
def walks_figure(surface: Surface, walks: Mapping[str, np.ndarray], title: str = "",
                 steps: int | None = None, losses_from_to: tuple[float, float] | None = None,
                 figure: Figure | None = None) -> Figure:
    """Each walk's path on the surface's contour map (left) and its loss at every step, on a log
    scale where a steady shrinking factor is a straight line (right).

    walks maps a label to the points visited, (steps + 1, 2), as `optimize` returns them; up to
    four are told apart by colour, line style and marker. steps: the length of the step axis
    (the longest walk's, unless given); losses_from_to: the loss axis's range (the curves',
    unless given). figure: one this function returned before, to draw into again; with the
    same surface, steps and loss range, an explorer then redraws only what moves.
    """
    if len(walks) > len(WALK_STYLES):
        raise ValueError(f"walks_figure tells {len(WALK_STYLES)} walks apart, got {len(walks)}")
    steps = max(len(path) for path in walks.values()) - 1 if steps is None else steps
    if figure is None:
        figure = new_figure(2, (10.0, 4.2), {"top": 0.86, "wspace": 0.25})[0]
        figure.axes[1].set(title="Loss at every step (log scale)", xlabel="step",
                           ylabel="f(w)", yscale="log")
        powers_of_ten(figure.axes[1].yaxis)
    contours, losses = clear_moving(figure).axes
    left, right, bottom, top = surface.box
    contours.set(xlim=(left, right), ylim=(bottom, top), xlabel="w₁", ylabel="w₂")
    losses.set_xlim(-0.02 * steps, 1.02 * steps)
    grid = np.stack(np.meshgrid(np.linspace(left, right, 120), np.linspace(bottom, top, 120)),
                    axis=-1)
    heights = surface.loss(grid)
    contours.contour(grid[..., 0], grid[..., 1], heights, colors="#BBBBBB", linewidths=0.8,
                     levels=np.geomspace(heights.max() * 1e-4, heights.max(), 14))
    for (label, path), (colour, style, marker) in zip(walks.items(), WALK_STYLES):
        contours.plot(*path.T, color=colour, linestyle=style, marker=marker, markersize=2,
                      linewidth=1.2)
        losses.semilogy(surface.loss(path), color=colour, linestyle=style, label=label)
    contours.plot(*surface.start, "ko", markersize=5)
    contours.plot(*surface.minimum, "k*", markersize=12)
    contours.set_title(surface.title)
    if losses_from_to is None:
        losses.relim()  # forget the curves drawn before into this figure, if any
        losses.autoscale(axis="y")
        moving(losses.yaxis)
    else:
        losses.set_ylim(*losses_from_to)
    moving(contours.collections, contours.lines, contours.title, losses.lines,
           losses.legend(fontsize=8, loc="lower left"))
    if title:
        figure_title(figure, title)
    return figure


def momentum_explorer(beta: float | None = None, lr: float | None = None, kappa: float = 100.0,
                      surface: str = "quadratic") -> Explorer:
    """Sliders for β, the learning rate and κ, a surface to choose, and buttons that set the
    best parameters: the three paths, their losses and their rates.

    lr and β start at values that show the surface well unless given.
    """
    first = surface_named(surface, kappa)
    lr = first.lr if lr is None else lr
    beta = first.beta if beta is None else beta
    surface_menu = widgets.Dropdown(options=[(label, name) for name, label in SURFACES.items()],
                                    value=surface, description="surface")
    kappa_slider = widgets.FloatLogSlider(value=kappa, base=10, min=0, max=3, step=0.05,
                                          description="κ", continuous_update=False)
    lr_slider = widgets.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.05,
                                       description="lr", readout_format=".3g",
                                       continuous_update=False)
    beta_slider = widgets.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01, description="β",
                                      continuous_update=False)
    best_plain = widgets.Button(description="best plain GD")
    best_momentum = widgets.Button(description="best momentum")
    view = momentum_view(beta, lr, kappa, surface)
    figure = view.figure
    image = FigureImage(figure, still=surface)
    text = widgets.HTML("<br>".join(view.lines))
    setting = False  # while several controls are set at once, redraw only after the last

    def enable() -> None:
        for control in (kappa_slider, best_plain, best_momentum):
            control.disabled = surface_menu.value != "quadratic"  # they belong to the bowl

    def show(_: object = None) -> None:
        if setting:
            return
        enable()
        view = momentum_view(beta_slider.value, lr_slider.value, kappa_slider.value,
                             surface_menu.value, figure)
        image.show(view.figure, still=surface_menu.value)
        text.value = "<br>".join(view.lines)

    def set_to(lr: float, beta: float | None = None) -> None:
        nonlocal setting
        setting = True
        lr_slider.value = lr
        if beta is not None:
            beta_slider.value = beta
        setting = False
        show()

    def best(method: str) -> dict[str, float]:
        return best_parameters(kappa_slider.value)[method]

    def new_surface(change: dict) -> None:
        chosen = surface_named(change["new"], kappa_slider.value)
        set_to(chosen.lr, chosen.beta)

    for control in (kappa_slider, lr_slider, beta_slider):
        control.observe(show, names="value")
    surface_menu.observe(new_surface, names="value")
    best_plain.on_click(lambda _: set_to(best("plain")["lr"]))  # β stays: plain GD has none
    best_momentum.on_click(lambda _: set_to(**best("momentum")))
    enable()
    return Explorer([
        widgets.HBox([surface_menu, kappa_slider, best_plain, best_momentum]),
        widgets.HBox([lr_slider, beta_slider]),
        image,
        text,
    ], "momentum explorer", functools.partial(png_picture, image))
