"""Notebook 05: counting dead ReLU units, the leaky ReLU gate, a prediction on the dead-ReLU
explorer, and reviving a dying network.

The expected answers come from the library: 5.1 from `dead_fraction` of a `ReLU` layer's output,
5.2 from the `LeakyReLU` layer's forward and backward pass, 5.3 from the explorer's own
training run (`dead_relu_run`, imported only when 5.3 is checked, as it loads ipywidgets), 5.4
from training the notebook's network (`spiral_network`, `train_on_spiral`) from the bad start,
every hidden bias at −1, with the chosen α. A ReLU (α = 0, or a tiny α such as 1e-12) learns
nothing from there, and the lectures' α = 0.01 revives its units too slowly: only an α that
brings the network back passes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from numbers import Real

import numpy as np

from ..data import spiral
from ..nn import Layer, LeakyReLU, Linear, ReLU, Sequential, SoftmaxCrossEntropyLoss, dead_fraction
from ..optim import SGD
from ..train import fit
from .framework import Case, calls, exercise
from .prediction import prediction

__all__ = ["spiral_network", "train_on_spiral", "hidden_layers", "EPOCHS"]

HIDDEN = 50  # units in each of the two hidden layers
EPOCHS = 200  # full-batch steps of SGD with momentum
LEARNING_RATE = 0.1
MOMENTUM = 0.9
BAD_BIAS = -1.0  # the bad start of the notebook: most units inactive on every point
REVIVAL_SEEDS = (0, 1, 2)
REVIVAL_ACCURACY = 0.9
REVIVED = f"training accuracy at least {REVIVAL_ACCURACY:g}"
# 5.3: the explorer's setting to predict (learning rate, initial bias, α), and how many percentage
# points a prediction of the dead units may be off by.
LEAKY_SETTING = (5.0, 0.0, 0.05)
LEAKY_WITHIN = 2.0


def spiral_network(activation: Callable[[], Layer], bias: float = 0.0, seed: int = 0) -> Sequential:
    """2 → 50 → 50 → 3 with He weights from the seed and every hidden bias starting at `bias`.

    `activation` makes each hidden layer's activation: ReLU, Sigmoid, lambda: LeakyReLU(0.1).
    """
    rng = np.random.default_rng(seed)
    return Sequential(
        Linear(2, HIDDEN, bias=bias, rng=rng), activation(),
        Linear(HIDDEN, HIDDEN, bias=bias, rng=rng), activation(),
        Linear(HIDDEN, 3, rng=rng),
    )


def train_on_spiral(model: Sequential) -> dict:
    """Train on the lectures' 300-point spiral: EPOCHS full-batch steps, lr 0.1, momentum 0.9.

    Returns fit's history (loss and accuracy per step); afterwards every activation layer keeps
    its output on the whole spiral, as measured before the last step.
    """
    X, y = spiral()
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    return fit(model, SoftmaxCrossEntropyLoss(), X, y, optimizer, epochs=EPOCHS)


def hidden_layers(model: Sequential) -> list[Layer]:
    """The activation layers of a spiral_network, first hidden layer first."""
    return [model[1], model[3]]


def _dead_count_reference(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> int:
    output = ReLU().forward(X @ W + b)
    return round(dead_fraction(output) * W.shape[1])


def _layer_problem(seed: int, examples: int, features: int, units: int, bias: float) -> dict:
    rng = np.random.default_rng(seed)
    return dict(
        X=rng.standard_normal((examples, features)),
        W=rng.standard_normal((features, units)),
        b=bias + rng.standard_normal(units),
    )


def _trained_layers() -> list[dict]:
    """Inputs X, weights W and biases b of both hidden layers of the notebook's network,
    trained from biases of −1: fresh copies, so an answer that changes them spoils nothing."""
    return [{name: array.copy() for name, array in layer.items()} for layer in _trained_arrays()]


@cache
def _trained_arrays() -> tuple[dict, dict]:
    model = spiral_network(ReLU, bias=-1.0)
    train_on_spiral(model)
    X, _ = spiral()
    first, second = model[0], model[2]
    hidden = model[1].forward(X @ first.W + first.b)
    return dict(X=X, W=first.W, b=first.b), dict(X=hidden, W=second.W, b=second.b)


def _edge_layer() -> dict:
    """Unit 0 is exactly 0 for every example, unit 1 is active for one example only, unit 2 is
    negative everywhere, unit 3 positive everywhere."""
    X = np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, 0.5], [0.0, 1.0]])
    W = np.array([[0.0, 1.0, -1.0, 0.5], [0.0, 0.0, -1.0, 0.5]])
    b = np.array([0.0, -1.5, -3.0, 2.0])
    return dict(X=X, W=W, b=b)


@exercise(
    "5.1",
    "counting dead units",
    points=2,
    hints=(
        "Compute z = X @ W + b: one row per example, one column per unit.",
        "A unit is dead when its whole column is ≤ 0: ReLU then outputs 0 for every example. "
        "np.all(..., axis=0) asks a question of every column.",
        "int(np.sum(np.all(X @ W + b <= 0, axis=0)))",
    ),
)
def _count_dead(count_dead):
    if not callable(count_dead):
        raise TypeError("count_dead should be a function of (X, W, b)")
    hint = (
        "a unit is a column of z = X @ W + b; it is dead when z ≤ 0 for every example (every "
        "row), so that ReLU outputs 0 for all of them; count those columns"
    )
    at_zero = (
        "z exactly 0 counts as dead too: ReLU outputs 0 there and passes back no gradient "
        "(its local gradient at 0 is 0), so test z <= 0, not z < 0"
    )
    first, second = _trained_layers()
    layers = [
        ("30 random examples, 20 units, biases around −1.5", _layer_problem(0, 30, 3, 20, -1.5),
         hint),
        ("12 random examples, 8 units, biases around 2.5", _layer_problem(1, 12, 5, 8, 2.5), hint),
        ("200 random examples, 40 units, biases around −2", _layer_problem(2, 200, 4, 40, -2.0),
         hint),
        ("hidden layer 1 of the notebook's network trained from biases of −1", first, hint),
        ("hidden layer 2 of the notebook's network trained from biases of −1", second, hint),
        ("4 examples, 4 units, one of them exactly 0 on every example", _edge_layer(), at_zero),
    ]
    return [
        Case(
            f"count_dead(X, W, b) for {description}",
            lambda layer=layer: count_dead(*layer.values()),
            _dead_count_reference(**layer),
            layer_hint,
        )
        for description, layer, layer_hint in layers
    ]


def _leaky_reference(z: np.ndarray, upstream: np.ndarray, alpha: float):
    layer = LeakyReLU(alpha)
    return (layer.forward(z), layer.backward(upstream))


@exercise(
    "5.2",
    "the leaky ReLU gate",
    points=2,
    hints=(
        "Forward: z where z > 0, αz elsewhere (np.where, or np.maximum(alpha * z, z) for α < 1).",
        "Backward: downstream = upstream × local gradient, the local gradient being 1 where "
        "z > 0 and α elsewhere, including at z = 0.",
        "output = np.where(z > 0, z, alpha * z); downstream = upstream * np.where(z > 0, 1.0, "
        "alpha).",
    ),
)
def _leaky_gate(leaky_relu_gate):
    rng = np.random.default_rng(5)
    ordinary = [
        dict(z=np.array([-2.0, -0.5, 0.5, 3.0]), upstream=np.ones(4), alpha=0.01),
        dict(z=rng.standard_normal((2, 3)), upstream=rng.standard_normal((2, 3)), alpha=0.1),
        dict(z=np.array([-4.0, 1.0, -0.25]), upstream=np.array([-2.0, 0.5, 3.0]), alpha=0.3),
        dict(z=rng.standard_normal((3, 2)), upstream=rng.standard_normal((3, 2)), alpha=0.0),
    ]
    at_zero = [dict(z=np.array([0.0, -1.0, 0.0, 2.0]), upstream=np.array([2.0, 1.0, -3.0, 1.0]),
                    alpha=0.2)]
    return calls(
        leaky_relu_gate,
        "leaky_relu_gate",
        ordinary,
        _leaky_reference,
        "return (output, downstream): output = z where z > 0 and αz elsewhere; downstream = "
        "upstream × local gradient, which is 1 where z > 0 and α (not 0) elsewhere",
    ) + calls(
        leaky_relu_gate,
        "leaky_relu_gate",
        at_zero,
        _leaky_reference,
        "at exactly z = 0 the local gradient is α (coursekit's convention), so test z > 0, "
        "not z >= 0",
    )


def _revival(alpha: float, seed: int) -> str:
    """REVIVED, or what went wrong when the notebook's network trains from the bad start."""
    model = spiral_network(lambda: LeakyReLU(alpha), bias=BAD_BIAS, seed=seed)
    reached = train_on_spiral(model)["accuracy"][-1]
    if reached >= REVIVAL_ACCURACY:
        return REVIVED
    inactive = sum(int(np.all(layer.output <= 0, axis=0).sum()) for layer in hidden_layers(model))
    return (
        f"training accuracy {reached:.2f}, with {inactive} of {2 * HIDDEN} units still "
        "inactive on every point"
    )


def _dead_percent(lr: float, bias: float, alpha: float) -> float:
    """The explorer's "% of the units end dead" for these settings."""
    from ..explorers.dead_relu import dead_relu_run

    return 100 * float(dead_relu_run(lr, bias, alpha).dead[-1])


@exercise(
    "5.3",
    "predict: dead leaky units",
    points=1,
    hints=(
        "The explorer counts a unit as dead when it outputs exactly 0 for every one of the 300 "
        "points. What does a leaky unit output where z < 0?",
        "A leaky unit outputs αz, which is 0 only at z = 0 exactly: however far a step throws it, "
        "it is not dead by this count.",
    ),
)
def _leaky_prediction(leaky_dead_percent):
    lr, bias, alpha = LEAKY_SETTING
    return prediction(
        leaky_dead_percent,
        "leaky_dead_percent",
        lambda: _dead_percent(lr, bias, alpha),
        f"the explorer's percentage of dead units after training at learning rate {lr:g} with "
        f"α = {alpha:g}",
        within=LEAKY_WITHIN,
        hint="a dead unit outputs 0 for every point; a leaky unit outputs αz, not 0, where z < 0. "
             "The percentage is of the 50 hidden units, from 0 to 100",
    )


def _slope(alpha: object) -> float:
    """The answer as the leaky ReLU's slope α, or an error that says what it should be."""
    if isinstance(alpha, bool) or not isinstance(alpha, Real):
        raise TypeError(f"alpha should be a number, got {type(alpha).__name__} {alpha!r}")
    if not 0 <= alpha < 1:
        raise ValueError(
            f"alpha is the slope for z < 0 and must be in [0, 1), got {float(alpha):g}: "
            "0 is the plain ReLU, 1 would make the unit linear"
        )
    return float(alpha)


@exercise(
    "5.4",
    "reviving a dying network",
    points=2,
    hints=(
        "The start stays bad: every hidden bias at −1, so most units are inactive on every "
        "point. Only the slope α of the leaky ReLU for z < 0 is yours to choose.",
        "An inactive leaky unit receives α times the gradient it would get if active. With "
        "α = 0.01 it learns a hundred times more slowly: section 6 shows how far that gets in "
        "200 steps. Look at the larger slopes there, and remember that the check tries three "
        "random starts, not one.",
        "Section 6 trained α = 0.1 and α = 0.3 from one start; the check needs all three starts "
        "to pass, which α = 0.3 does.",
    ),
)
def _revive(alpha):
    hint = (
        "from biases of −1 most units are inactive everywhere, and an inactive leaky unit learns "
        "α times as fast as an active one: with α = 0 (a ReLU) or a tiny α nothing moves, and "
        "α = 0.01 or 0.1 is too slow for some starts. Try a larger α (below 1, where the unit "
        "would become linear)"
    )
    return [
        Case(
            f"the notebook's network with leaky ReLU α = {_shown(alpha)}, trained from hidden "
            f"biases of {BAD_BIAS:g} with weights from seed {seed} ({REVIVAL_ACCURACY:g} or "
            "more passes)",
            lambda seed=seed: _revival(_slope(alpha), seed),
            REVIVED,
            hint,
        )
        for seed in REVIVAL_SEEDS
    ]


def _shown(alpha: object) -> str:
    return f"{alpha:g}" if isinstance(alpha, Real) and not isinstance(alpha, bool) else repr(alpha)
