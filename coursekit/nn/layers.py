"""Layers with a forward and a backward pass, on numpy arrays (the CS231n / Caffe layer style).

Every layer has the same two methods:

- `forward(x)` computes the output and keeps what the backward pass will need;
- `backward(upstream)` takes the upstream gradient d(loss)/d(output), stores the gradients of the
  layer's parameters in `grads` (same names as `params`), and returns the downstream gradient
  d(loss)/d(input), which becomes the upstream gradient of the layer before.

Rows are examples: a batch has shape (N, D). As in the scalar engine, every backward pass computes
the gradients from scratch, so running it twice gives the same numbers, never double.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from coursekit.nn import init as initializers
from coursekit.stable import sigmoid

__all__ = [
    "Identity", "Layer", "LeakyReLU", "Linear", "ReLU", "Sequential", "Sigmoid", "Tanh",
    "dead_fraction", "sigmoid",
]


class Layer:
    """What every layer has: `params`, their `grads`, a `name` for messages, forward, backward."""

    def __init__(self) -> None:
        self.name = type(self).__name__
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, upstream: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward_parameters(self, upstream: np.ndarray) -> None:
        """Only the parameters' half of the backward pass: store `grads`, skip the downstream.

        Training never uses d(loss)/d(x) for the data x, so the first layer can save that work.
        """
        self.backward(upstream)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    @property
    def out_shape(self) -> tuple[int, ...] | None:
        """The shape of the last forward output, from what forward kept; None before forward."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _check_upstream(self, kept: np.ndarray | None, upstream: np.ndarray) -> np.ndarray:
        """The array forward kept, once we know backward may run with this upstream gradient."""
        if kept is None:
            raise RuntimeError(
                f"{self.name}.backward() ran before forward(): run the forward pass first, "
                "it keeps the values the backward pass needs"
            )
        if np.shape(upstream) != self.out_shape:
            raise ValueError(
                f"{self.name}.backward() got an upstream gradient of shape {np.shape(upstream)}, "
                f"but its forward output had shape {self.out_shape}: the upstream gradient "
                "always has the shape of the layer's output"
            )
        return kept


class Linear(Layer):
    """A fully connected layer: z = x W + b.

    Shapes: x (N, D_in), W (D_in, D_out), b (D_out,), z (N, D_out).
    `init` is "he", "xavier", "gaussian" (give `std`) or a function (fan_in, fan_out, *, rng) that
    returns W; `bias` is the constant every bias starts at. Give every layer of a network the same
    Generator (rng=np.random.default_rng(0)) so that they start different but reproducible.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        init: str | Callable[..., np.ndarray] = "he",
        std: float | None = None,
        bias: float = 0.0,
        rng: initializers.Seed | None = None,
    ) -> None:
        super().__init__()
        weight_init, self.init = _weight_init(init, std)
        W = np.array(weight_init(in_features, out_features, rng=initializers.as_generator(rng)),
                     dtype=float)
        if W.shape != (in_features, out_features):
            raise ValueError(
                f"init returned weights of shape {W.shape}, expected (fan_in, fan_out) = "
                f"{(in_features, out_features)}"
            )
        self.params = {"W": W, "b": initializers.constant(out_features, bias)}
        self.x: np.ndarray | None = None

    @property
    def W(self) -> np.ndarray:
        return self.params["W"]

    @property
    def b(self) -> np.ndarray:
        return self.params["b"]

    @property
    def out_shape(self) -> tuple[int, ...] | None:
        """(N, D_out): the batch size of the kept x by the width of W."""
        return None if self.x is None else (self.x.shape[0], self.params["W"].shape[1])

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, D_in) → z = x W + b, shape (N, D_out). Keeps x: it is dz/dW."""
        x = np.asarray(x)
        W = self.params["W"]
        if x.ndim != 2 or x.shape[1] != W.shape[0]:
            got = f"{x.shape[1]} features" if x.ndim == 2 else f"an array of shape {x.shape}"
            raise ValueError(
                f"{self.name} expects inputs of shape (N, {W.shape[0]}), with {W.shape[0]} "
                f"features, got {got}: check the previous layer's out_features (or, for the "
                "first layer, the number of columns of the data)"
            )
        self.x = x
        z = x @ W
        z += self.params["b"]  # in place: one array fewer per step
        return z

    def backward(self, upstream: np.ndarray) -> np.ndarray:
        """upstream (N, D_out) → downstream (N, D_in); stores grads W (D_in, D_out), b (D_out,)."""
        self.backward_parameters(upstream)
        return upstream @ self.params["W"].T

    def backward_parameters(self, upstream: np.ndarray) -> None:
        """upstream (N, D_out) → grads W = xᵀ · upstream (D_in, D_out), b = Σ rows (D_out,)."""
        x = self._check_upstream(self.x, upstream)
        self.grads = {"W": x.T @ upstream, "b": upstream.sum(axis=0)}

    def __repr__(self) -> str:
        W = self.params["W"]
        return f"Linear({W.shape[0]} → {W.shape[1]}, init={self.init})"


def _weight_init(
    init: str | Callable[..., np.ndarray], std: float | None
) -> tuple[Callable[..., np.ndarray], str]:
    """The weight initializer `init` names, and how to describe it."""
    if init == "gaussian":
        if std is None:
            raise ValueError(
                'init="gaussian" needs std=...: the lectures use std=1.0 (N(0, 1)) and std=0.01'
            )
        return partial(initializers.gaussian, std=std), f"gaussian(std={std:g})"
    if std is not None:
        raise ValueError(f'std={std!r} only applies to init="gaussian", not to init={init!r}')
    if callable(init):
        return init, getattr(init, "__name__", "custom")
    named = {"he": initializers.he, "xavier": initializers.xavier}
    if init not in named:
        raise ValueError(f'init must be "he", "xavier", "gaussian" or a function, got {init!r}')
    return named[init], init


class Activation(Layer):
    """An elementwise function a = g(z): downstream = upstream × g'(z), entry by entry.

    Each activation writes its local gradient g'(z) in terms of its output a, as the lectures do
    for the sigmoid (σ' = σ(1 − σ)), so the forward pass only keeps `output`. `output` also stays
    available after training for statistics such as the fraction of dead ReLU units.
    """

    def __init__(self) -> None:
        super().__init__()
        self.output: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """z of any shape, usually (N, D) → a = g(z), same shape."""
        self.output = self.function(np.asarray(x))
        return self.output

    @property
    def out_shape(self) -> tuple[int, ...] | None:
        """The shape of the kept output."""
        return None if self.output is None else self.output.shape

    def backward(self, upstream: np.ndarray) -> np.ndarray:
        """upstream, shape of the output → downstream = upstream × local gradient, same shape."""
        output = self._check_upstream(self.output, upstream)
        return upstream * self.local_grad(output)

    def function(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def local_grad(self, output: np.ndarray) -> np.ndarray | float:
        raise NotImplementedError


class ReLU(Activation):
    """max(0, z). At exactly z = 0 the local gradient is 0 (as in the scalar engine)."""

    def function(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0)

    def local_grad(self, output: np.ndarray) -> np.ndarray:
        return output > 0


class LeakyReLU(Activation):
    """max(αz, z) with 0 ≤ α < 1: a small slope α for z < 0, so the unit never stops learning.

    At exactly z = 0 the local gradient is α (as in the scalar engine).
    """

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        if not 0 <= alpha < 1:
            raise ValueError(f"LeakyReLU needs 0 ≤ alpha < 1, got alpha={alpha!r}; 0.01 is usual")
        self.alpha = float(alpha)

    def function(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, self.alpha * z)

    def local_grad(self, output: np.ndarray) -> np.ndarray:
        # With α ≥ 0 the output is positive exactly where z is.
        return np.where(output > 0, 1.0, self.alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha:g})"


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^−z), local gradient σ(z)(1 − σ(z)): at most 1/4, so it saturates."""

    def function(self, z: np.ndarray) -> np.ndarray:
        return sigmoid(z)

    def local_grad(self, output: np.ndarray) -> np.ndarray:
        return output * (1.0 - output)


class Tanh(Activation):
    """tanh(z), local gradient 1 − tanh(z)²."""

    def function(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def local_grad(self, output: np.ndarray) -> np.ndarray:
        return 1.0 - output * output


class Identity(Activation):
    """g(z) = z, local gradient 1: the linear output unit used for regression."""

    def function(self, z: np.ndarray) -> np.ndarray:
        return z

    def local_grad(self, output: np.ndarray) -> float:
        return 1.0


def dead_fraction(output: np.ndarray) -> float:
    """The fraction of units (columns of an (N, D) output) that are 0 for every example."""
    return float(np.mean(np.all(output == 0, axis=0)))


class Sequential:
    """Layers applied one after the other; backward runs them in reverse order.

    Parameters are named by position and name: "0.W", "0.b", "2.W", ... Each layer is renamed
    after its position ("Linear 0", "ReLU 1") so error messages say which layer went wrong.

    >>> rng = np.random.default_rng(0)
    >>> model = Sequential(Linear(2, 100, rng=rng), ReLU(), Linear(100, 3, rng=rng))
    >>> model.forward(np.ones((5, 2))).shape
    (5, 3)
    >>> sorted(model.parameters())
    ['0.W', '0.b', '2.W', '2.b']
    """

    def __init__(self, *layers: Layer) -> None:
        if not layers:
            raise TypeError("Sequential needs at least one layer, e.g. Sequential(Linear(2, 3))")
        for position, layer in enumerate(layers):
            if isinstance(layer, type):
                raise TypeError(
                    f"Sequential got the class {layer.__name__} at position {position}: "
                    f"did you mean {layer.__name__}() ?"
                )
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential takes layers, got {type(layer).__name__} at position {position}"
                )
            layer.name = f"{type(layer).__name__} {position}"
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, D_in) → the last layer's output, e.g. scores (N, C)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, upstream: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """d(loss)/d(output) (N, C) → d(loss)/d(x) (N, D_in); every layer stores its grads.

        With input_grad=False the first layer skips d(loss)/d(x), which training does not need
        (in a small network that saves a sixth of the work), and the result is None.
        """
        for layer in reversed(self.layers[1:]):
            upstream = layer.backward(upstream)
        first = self.layers[0]
        return first.backward(upstream) if input_grad else first.backward_parameters(upstream)

    __call__ = forward

    def parameters(self) -> dict[str, np.ndarray]:
        """Every parameter by name ("0.W"): the arrays themselves, which optimizers update."""
        return {
            f"{position}.{name}": value
            for position, layer in enumerate(self.layers)
            for name, value in layer.params.items()
        }

    def gradients(self) -> dict[str, np.ndarray]:
        """d(loss)/d(parameter) from the last backward pass, with the names of `parameters()`."""
        grads = {}
        for position, layer in enumerate(self.layers):
            if layer.params and not layer.grads:
                raise RuntimeError(
                    f"{layer.name} has no gradients yet: run forward, then backward, first"
                )
            grads.update((f"{position}.{name}", grad) for name, grad in layer.grads.items())
        return grads

    def gradient_norms(self) -> dict[str, float]:
        """The size (Frobenius norm) of each parameter's gradient: small early ones vanish."""
        return {name: float(np.linalg.norm(grad)) for name, grad in self.gradients().items()}

    def activations(self) -> dict[str, np.ndarray]:
        """Each activation layer's last output (N, D), keyed by its name ("ReLU 1")."""
        return {
            layer.name: layer.output
            for layer in self.layers
            if isinstance(layer, Activation) and layer.output is not None
        }

    def dead_fractions(self) -> dict[str, float]:
        """For each ReLU or leaky ReLU layer, the fraction of its units that output 0 for the
        whole last batch (a leaky unit does so only if its input is exactly 0 every time)."""
        return {
            layer.name: dead_fraction(layer.output)
            for layer in self.layers
            if isinstance(layer, (ReLU, LeakyReLU)) and layer.output is not None
        }

    def __getitem__(self, position: int) -> Layer:
        return self.layers[position]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({position}) {layer!r}" for position, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"
