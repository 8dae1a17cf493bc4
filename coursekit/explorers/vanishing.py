"""The vanishing-gradient explorer: how big each layer's gradient is in a deep network.

    vanishing_gradient_explorer()   # depth, activation and initialization selectors

On its way back to layer ℓ the gradient is multiplied, once per layer above, by that layer's
weights and by the activation's local gradient g′(z). A sigmoid's g′ is at most 1/4, so through
ten sigmoid layers the first one receives a tiny fraction of what the last one gets: it vanishes.
ReLU passes back 1 where it is active, and He initialization keeps the signal's size from layer
to layer, so every layer learns. Too large weights make gradients explode instead.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from coursekit.data import spiral
from coursekit.nn import Linear, Sequential, SoftmaxCrossEntropyLoss
from coursekit.optim import SGD
from coursekit.plots import gradient_norms
from coursekit.train import TrainingDiverged, fit

from ._render import fixed_layout, image_of, png, powers_of_ten
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


def _describe(norms: np.ndarray) -> str:
    """How much of the last layer's gradient reaches the first, in a few words."""
    silent = int(np.sum(norms == 0))
    if silent:
        return f"{silent} of {len(norms)} layers get no gradient"
    return f"layer 1 ÷ layer {len(norms)} = {norms[0] / norms[-1]:.2g}"


def vanishing_figure(depth: int, activation: str, init: str, width: int = WIDTH,
                     seed: int = 0, train_steps: int = TRAIN_STEPS) -> Figure:
    """Gradient norm per layer (log scale) at initialization and after train_steps SGD steps."""
    start = layer_gradient_norms(depth, activation, init, width, seed)
    curves = {f"at initialization: {_describe(start)}": start}
    title = f"Gradient norm per layer: {depth} {LABELS[activation]} layers, {INITS[init][0]} init"
    try:
        trained = layer_gradient_norms(depth, activation, init, width, seed, train_steps)
    except TrainingDiverged:
        title += (f"\nat initialization: {_describe(start)}\n"
                  f"training diverged within {train_steps} steps: the gradients exploded")
    else:
        curves[f"after {train_steps} training steps: {_describe(trained)}"] = trained
    room = {"left": 0.12, "top": 0.9 - 0.055 * title.count("\n")}  # for one to three lines
    figure = fixed_layout(gradient_norms(curves, title=title), room)
    powers_of_ten(figure.axes[0].yaxis)
    return figure


def vanishing_gradient_explorer(depth: int = 10, activation: str = "sigmoid",
                                init: str = "xavier") -> widgets.VBox:
    """Choose depth, activation and initialization: the gradient each layer receives."""
    layers = widgets.IntSlider(value=depth, min=2, max=20, description="depth",
                               continuous_update=False)
    function = widgets.Dropdown(options=[(LABELS[name], name) for name in ACTIVATIONS],
                                value=activation,
                                description="activation")
    start = widgets.Dropdown(options=[(label, key) for key, (label, _) in INITS.items()],
                             value=init, description="init")
    image = image_of(vanishing_figure(depth, activation, init))

    def show(_: object) -> None:
        image.value = png(vanishing_figure(layers.value, function.value, start.value))

    for control in (layers, function, start):
        control.observe(show, names="value")
    return widgets.VBox([widgets.HBox([layers, function, start]), image])
