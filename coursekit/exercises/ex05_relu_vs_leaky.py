"""Notebook 05: counting dead ReLU units, the leaky ReLU gate, and reviving a dying network.

The expected answers come from the library: 5.1 from `dead_fraction` of a `ReLU` layer's output,
5.2 from the `LeakyReLU` layer's forward and backward pass, 5.3 from training the notebook's
network (`spiral_network`, `train_on_spiral`) with the chosen α and initial bias.
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

__all__ = ["spiral_network", "train_on_spiral", "hidden_layers", "EPOCHS"]

HIDDEN = 50  # units in each of the two hidden layers
EPOCHS = 200  # full-batch steps of SGD with momentum
LEARNING_RATE = 0.1
MOMENTUM = 0.9
REVIVAL_SEEDS = (0, 1, 2)
REVIVAL_ACCURACY = 0.9
REVIVED = f"no dead unit, accuracy at least {REVIVAL_ACCURACY:g}"


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
            lambda layer=layer: count_dead(**layer),
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


def _revival(alpha: float, bias: float, seed: int) -> str:
    """REVIVED, or what went wrong when the notebook's network trains with this α and bias."""
    model = spiral_network(lambda: LeakyReLU(alpha), bias=bias, seed=seed)
    history = train_on_spiral(model)
    reached = history["accuracy"][-1]
    dead = sum(round(dead_fraction(layer.output) * HIDDEN) for layer in hidden_layers(model))
    if dead == 0 and reached >= REVIVAL_ACCURACY:
        return REVIVED
    return f"{dead} of {2 * HIDDEN} units dead, accuracy {reached:.2f}"


def _choice(answer: object) -> tuple[float, float]:
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise TypeError(f"the answer should be the pair (alpha, bias), got {answer!r}")
    for name, value in zip(("alpha", "bias"), answer):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"{name} should be a number, got {type(value).__name__} {value!r}")
    return float(answer[0]), float(answer[1])


@exercise(
    "5.3",
    "reviving a dying network",
    hints=(
        "Two fixes from the lectures: biases that start small and positive, so units start "
        "active, and a leaky ReLU, so that no unit ever stops receiving a gradient.",
        "With α = 0 this is a plain ReLU, and some of its units die whatever the bias; a small α "
        "alone does not bring back units that start below zero quickly enough.",
        "alpha = 0.01 and bias = 0.01: the lectures' values.",
    ),
)
def _revive(choice):
    hint = (
        "with α = 0 (a plain ReLU) some units always die; a negative starting bias leaves most "
        "units below zero and a small α revives them only slowly: start the biases at 0 or a "
        "little above, and use α > 0"
    )
    return [
        Case(
            f"the notebook's network trained with (alpha, bias) = {choice!r}, weights from "
            f"seed {seed}",
            lambda seed=seed: _revival(*_choice(choice), seed),
            REVIVED,
            hint,
        )
        for seed in REVIVAL_SEEDS
    ]
