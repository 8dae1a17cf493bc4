"""Notebook 04: the sigmoid's steepest point, per-layer gradient norms, and how the first layer's
share of the gradient falls with depth.

The expected answers come from the library: 4.1 from the `Sigmoid` layer's local gradient on a
fine grid; 4.2 from `Sequential.gradient_norms` after the library's own forward and backward pass;
4.3 from the gradient norms measured in deep sigmoid networks (`coursekit.explorers.vanishing`,
which loads ipywidgets, so it is imported only when 4.3 is checked).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ..nn import (
    Linear,
    Loss,
    MSELoss,
    MulticlassHingeLoss,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropyLoss,
    Tanh,
)
from .framework import Case, exercise
from .prediction import CLOSE, close_enough, prediction

GRID = np.linspace(-10.0, 10.0, 200_001)  # z in steps of 0.0001
RATIO_DEPTHS = (3, 6, 10, 15, 20)
RATIO_SEEDS = (0, 1, 2)  # one network's ratio is noisy: compare with the geometric mean of three
RATIO_FACTOR = 30  # a prediction passes within a factor of 30 of the measured ratio
# The sigmoid's slope alone bounds the ratio by (1/4)^(depth − 1), the case of every unit at z = 0.
# The measurement lies about eleven times below that bound at depth 20, so a prediction must be
# below half of it there: the bare bound is not a prediction from the measurement.
BOUND_DEPTH = 20
# 4.4: the explorer's ratio to predict before looking (depth, activation, initialization), and
# the factor a prediction may be off by: reasoning about tanh's slope lands well within it.
TANH_SETTING = (10, "tanh", "xavier")
TANH_FACTOR = 10
BELOW_BOUND = "below half the slope's bound"


def _sigmoid_steepest() -> tuple[float, float]:
    """(z, σ′(z)) where the Sigmoid layer's local gradient is largest on GRID."""
    layer = Sigmoid()
    slopes = layer.local_grad(layer.forward(GRID))
    best = int(np.argmax(slopes))
    return float(GRID[best]), float(slopes[best])


def _part(steepest: object, index: int) -> object:
    if not isinstance(steepest, (tuple, list)) or len(steepest) != 2:
        raise TypeError(f"steepest should be a pair (z, slope), like (1.5, 0.15); got {steepest!r}")
    return steepest[index]


@exercise(
    "4.1",
    "the sigmoid's steepest point",
    points=1,
    hints=(
        "Write s = σ(z). Then σ′(z) = s(1 − s), a parabola in s: which s between 0 and 1 makes "
        "it largest?",
        "s(1 − s) is largest at s = 1/2. σ(z) = 1/2 where e^(−z) = 1, that is at z = 0; the slope "
        "there is 1/2 · 1/2.",
    ),
)
def _steepest(steepest):
    where, largest = _sigmoid_steepest()
    return [
        Case(
            "steepest[0], the z where σ′(z) is largest",
            lambda: _part(steepest, 0),
            where,
            "σ′(z) = σ(z)(1 − σ(z)) is largest where σ(z) = 1/2: which z gives σ(z) = 1/2? "
            "(the first number is z itself, not σ(z))",
            tolerance=1e-3,
        ),
        Case(
            "steepest[1], the largest value of σ′(z)",
            lambda: _part(steepest, 1),
            largest,
            "put σ(z) = 1/2 into σ(1 − σ): the slope σ′, not the value σ(0) = 1/2 itself "
            "(and not tanh's steepest slope, 1)",
            tolerance=1e-3,
        ),
    ]


# Networks for 4.2: (seed, layer sizes, activation, weight init, loss, examples, biases).
# In the last one every first-layer ReLU starts dead: layers 1 and 2 get exactly no gradient.
NETWORKS = [
    (0, (2, 16, 16, 16, 16, 3), Sigmoid, "xavier", SoftmaxCrossEntropyLoss, 20, (0.0,) * 5),
    (1, (4, 8, 8, 5), ReLU, "he", MulticlassHingeLoss, 10, (0.0,) * 3),
    (2, (3, 6, 2), Tanh, "xavier", MSELoss, 7, (0.0,) * 2),
    (3, (5, 4), ReLU, "he", SoftmaxCrossEntropyLoss, 6, (0.0,)),
    (4, (2, 6, 6, 3), ReLU, "he", SoftmaxCrossEntropyLoss, 8, (-50.0, 0.1, 0.0)),
]


def _network_problem(seed, sizes, activation, init, loss, examples, biases) -> dict:
    """A fresh network, loss and batch, the same for the same arguments."""
    rng = np.random.default_rng(seed)
    layers = []
    for position, (fan_in, fan_out, bias) in enumerate(zip(sizes, sizes[1:], biases)):
        layers.append(Linear(fan_in, fan_out, init=init, bias=bias, rng=rng))
        if position < len(biases) - 1:
            layers.append(activation())
    X = rng.standard_normal((examples, sizes[0]))
    if loss is MSELoss:
        y = rng.standard_normal((examples, sizes[-1]))
    else:
        y = rng.integers(0, sizes[-1], examples)
    return dict(model=Sequential(*layers), loss=loss(), X=X, y=y)


def _weight_norms_reference(model: Sequential, loss: Loss, X: np.ndarray, y: np.ndarray):
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    norms = model.gradient_norms()
    linear = [position for position, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    return np.array([norms[f"{position}.W"] for position in linear])


def _describe_network(seed, sizes, activation, init, loss, examples, biases) -> str:
    arrows = " → ".join(map(str, sizes))
    dead = ", its first layer dead" if min(biases) < 0 else ""
    return (
        f"weight_gradient_norms(model, loss, X, y) for a {arrows} {activation.__name__} network "
        f"({init}{dead}), {loss.__name__}, {examples} examples"
    )


@exercise(
    "4.2",
    "gradient norms layer by layer",
    points=2,
    hints=(
        "One forward pass, the loss, one backward pass: scores = model.forward(X), "
        "loss.forward(scores, y), then model.backward(loss.backward()).",
        "After the backward pass, model.gradient_norms() maps every parameter name ('0.W', "
        "'0.b', '2.W', ...) to the norm of its gradient. Keep the weights, in order.",
        "np.array([norm for name, norm in model.gradient_norms().items() if name.endswith('.W')])",
    ),
)
def _weight_norms(weight_gradient_norms):
    if not callable(weight_gradient_norms):
        raise TypeError("weight_gradient_norms should be a function of (model, loss, X, y)")
    hint = (
        "run forward, loss.forward(scores, y) and model.backward(loss.backward()) first; then "
        "return the norm (np.linalg.norm) of each weight matrix's gradient, the W only (not the "
        "biases b), layer 1 nearest the input first, as a numpy array"
    )
    # The answer and the reference each get their own fresh network: an answer that forgets the
    # backward pass must not find gradients the reference left behind.
    return [
        Case(
            _describe_network(*spec),
            lambda spec=spec: weight_gradient_norms(*_network_problem(*spec).values()),
            _weight_norms_reference(**_network_problem(*spec)),
            hint,
        )
        for spec in NETWORKS
    ]


def _measured_ratio(depth: int) -> float:
    """Layer 1's gradient norm ÷ the last layer's, for `depth` sigmoid layers with Xavier weights:
    the geometric mean over RATIO_SEEDS of the networks the notebook measures."""
    from ..explorers.vanishing import layer_gradient_norms

    logs = []
    for seed in RATIO_SEEDS:
        norms = layer_gradient_norms(depth, "sigmoid", "xavier", seed=seed)
        logs.append(math.log(norms[0] / norms[-1]))
    return math.exp(sum(logs) / len(logs))


def _ratio(predicted: object) -> float:
    """The prediction as a positive number, or an error that says what it should be."""
    if isinstance(predicted, bool) or not isinstance(predicted, Real):
        raise TypeError(
            f"predicted_ratio should return a number (a ratio of two norms), got "
            f"{type(predicted).__name__} {predicted!r}"
        )
    if not predicted > 0:
        raise ValueError(f"a ratio of two norms is positive, got {float(predicted):g}")
    return float(predicted)


def _below_bound(predicted: object, depth: int) -> str:
    """BELOW_BOUND, or how the prediction compares with the slope's bound (1/4)^(depth − 1)."""
    bound = 0.25 ** (depth - 1)
    ratio = _ratio(predicted)
    if ratio <= bound / 2:
        return BELOW_BOUND
    return (
        f"{ratio:.2g}, {ratio / bound:.2g} times the bound (1/4)^{depth - 1} = {bound:.2g} "
        f"(measured: {_measured_ratio(depth) / bound:.2g} times it)"
    )


@exercise(
    "4.3",
    "predicting the ratio at any depth",
    points=2,
    hints=(
        "Each layer multiplies the gradient by roughly the same factor r on its way down. From "
        "the last layer to the first there are depth − 1 such steps.",
        "Read r off the 10-layer sigmoid network measured above: by how much does the norm shrink "
        "from one layer to the one before it? The sigmoid's slope, at most 1/4, is part of it.",
        "predicted_ratio(depth) = r ** (depth - 1), with r a little below 1/4.",
    ),
)
def _predicted_ratio(predicted_ratio):
    if not callable(predicted_ratio):
        raise TypeError("predicted_ratio should be a function of the depth")
    hint = (
        "the ratio falls by about the same factor r with every layer the gradient crosses, so "
        "depth − 1 layers give r ** (depth - 1); measure r on the 10-layer network above"
    )
    bound_hint = (
        "(1/4) ** (depth - 1) is the bound the sigmoid's slope sets, the best case, every unit "
        "at the sigmoid's steepest point; the measured factor per layer "
        "is smaller: read r off the 10-layer network above and predict r ** (depth - 1)"
    )
    return [
        Case(
            f"predicted_ratio({depth}) against the {depth}-layer sigmoid networks (Xavier)",
            lambda depth=depth: close_enough(_ratio(predicted_ratio(depth)),
                                             _measured_ratio(depth), factor=RATIO_FACTOR),
            CLOSE,
            hint,
        )
        for depth in RATIO_DEPTHS
    ] + [
        Case(
            f"predicted_ratio({BOUND_DEPTH}) is below half the slope's bound (1/4)^"
            f"{BOUND_DEPTH - 1}, as the measurement is",
            lambda: _below_bound(predicted_ratio(BOUND_DEPTH), BOUND_DEPTH),
            BELOW_BOUND,
            bound_hint,
        )
    ]


def _explorer_ratio(depth: int, activation: str, init: str) -> float:
    """The ratio the vanishing-gradient explorer shows in its title at initialization (seed 0)."""
    from ..explorers.vanishing import layer_gradient_norms

    norms = layer_gradient_norms(depth, activation, init)
    return float(norms[0] / norms[-1])


@exercise(
    "4.4",
    "predict: ten tanh layers",
    points=1,
    hints=(
        "Through each sigmoid layer the gradient lost a factor of about 0.2: the slope, at most "
        "1/4, times the weights' effect. What is tanh's slope at z = 0, where Xavier weights "
        "keep the units?",
        "tanh′(0) = 1, four times the sigmoid's best, and Xavier weights are scaled to keep the "
        "signal's size: the factor per layer is close to 1, so the ratio is close to 1 too.",
    ),
)
def _tanh_prediction(tanh_ratio):
    depth, activation, init = TANH_SETTING
    return prediction(
        tanh_ratio,
        "tanh_ratio",
        lambda: _explorer_ratio(depth, activation, init),
        f"the explorer's layer 1 ÷ layer {depth} for {depth} tanh layers with Xavier weights",
        factor=TANH_FACTOR,
        hint="the sigmoid's factor per layer came from its slope of at most 1/4; tanh's slope "
             "at 0 is 1: redo the reasoning with that",
    )
