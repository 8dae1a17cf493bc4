"""Neural-network building blocks on numpy arrays: layers, losses and initial weights."""

from coursekit.nn import init
from coursekit.nn.layers import (
    Identity,
    Layer,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    dead_fraction,
    sigmoid,
)
from coursekit.nn.losses import (
    BCEWithLogitsLoss,
    Loss,
    MSELoss,
    MulticlassHingeLoss,
    SoftmaxCrossEntropyLoss,
    l2_penalty,
)

__all__ = [
    "BCEWithLogitsLoss", "Identity", "Layer", "LeakyReLU", "Linear", "Loss", "MSELoss",
    "MulticlassHingeLoss", "ReLU", "Sequential", "Sigmoid", "SoftmaxCrossEntropyLoss", "Tanh",
    "dead_fraction", "init", "l2_penalty", "sigmoid",
]
