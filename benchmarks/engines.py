"""How fast coursekit's two engines train, against their yardsticks, measured in one run.

1. The scalar engine `Value` against the micrograd package, on micrograd's own demo: an MLP
   2 → 16 → 16 → 1 (ReLU hidden layers, linear output) on 100 two-moons points, with the SVM
   max-margin loss mean(relu(1 − y·score)) + 1e-4·Σp².
2. The array engine `Tensor` against hand-written numpy, on the lectures' spiral (300 × 2, three
   classes): 100 hidden ReLU units, softmax cross-entropy + L2 (reg 1e-3).

A step is a forward pass over all the data, a backward pass and an SGD update. The two sides of a
comparison start from the same parameters, take their steps in turn (so a busy machine slows both
alike), and must agree on the loss of the first step and of the last, so they do the same work.

Run: .venv/bin/python benchmarks/engines.py
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable

import micrograd.engine
import numpy as np

from coursekit import Tensor, Value
from coursekit.data import spiral, two_moons
from coursekit.tensor import cross_entropy

# ----- 1. scalar engines: one MLP written once, run on either Value class


class MLP:
    """A multilayer perceptron of scalar values: ReLU on every layer but the last.

    `weights` holds one (inputs, outputs) array per layer; biases start at 0, as in micrograd.
    """

    def __init__(self, value: type, weights: list[np.ndarray]) -> None:
        self.value = value
        self.layers = [
            ([[value(float(w)) for w in column] for column in layer.T],
             [value(0.0) for _ in range(layer.shape[1])])
            for layer in weights
        ]

    def __call__(self, inputs: list) -> object:
        for depth, (neurons, biases) in enumerate(self.layers):
            inputs = [sum((w * x for w, x in zip(ws, inputs, strict=True)), b)
                      for ws, b in zip(neurons, biases, strict=True)]
            if depth < len(self.layers) - 1:
                inputs = [v.relu() for v in inputs]
        return inputs[0]

    def parameters(self) -> list:
        return [p for neurons, biases in self.layers for ws, b in zip(neurons, biases, strict=True)
                for p in [*ws, b]]

    def svm_loss(self, X: np.ndarray, y: np.ndarray) -> object:
        """micrograd's demo loss: mean max-margin hinge over the batch plus 1e-4·Σp²."""
        scores = [self([self.value(float(a)), self.value(float(b))]) for a, b in X]
        margins = [(1 + -float(label) * score).relu()
                   for label, score in zip(y, scores, strict=True)]
        return sum(margins) * (1.0 / len(margins)) + 1e-4 * sum(p * p for p in self.parameters())


def scalar_step(model: MLP, X: np.ndarray, y: np.ndarray, rate: float) -> float:
    loss = model.svm_loss(X, y)
    for p in model.parameters():
        p.grad = 0.0  # micrograd adds to old gradients; coursekit.Value would not need this
    loss.backward()
    for p in model.parameters():
        p.data -= rate * p.grad
    return loss.data


def compare_scalar_engines(steps: int = 6) -> tuple[float, float]:
    X, labels = two_moons(100, noise=0.1, seed=1)
    y = 2.0 * labels - 1.0  # the hinge loss wants labels −1 and +1
    rng = np.random.default_rng(1)
    weights = [rng.uniform(-1, 1, shape) for shape in [(2, 16), (16, 16), (16, 1)]]
    theirs, ours = MLP(micrograd.engine.Value, weights), MLP(Value, weights)
    rate = [1.0 - 0.9 * k / 100 for k in range(steps)]  # the demo's learning-rate schedule
    return race(lambda k: scalar_step(theirs, X, y, rate[k]),
                lambda k: scalar_step(ours, X, y, rate[k]), steps, rounds=2)


# ----- 2. array engines: Tensor against the same network written out in numpy


def numpy_step(params: list[np.ndarray], X: np.ndarray, y: np.ndarray, reg: float,
               rate: float) -> float:
    """The backward pass written by hand, as in the lectures."""
    W1, b1, W2, b2 = params
    n = len(X)
    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    powers = np.exp(shifted)
    totals = powers.sum(axis=1, keepdims=True)
    loss = (np.log(totals).sum() - shifted[range(n), y].sum()) / n
    loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    upstream = powers / totals
    upstream[range(n), y] -= 1
    upstream /= n
    dW2 = hidden.T @ upstream + reg * W2
    db2 = upstream.sum(axis=0, keepdims=True)
    dhidden = upstream @ W2.T
    dhidden[hidden <= 0] = 0
    dW1 = X.T @ dhidden + reg * W1
    db1 = dhidden.sum(axis=0, keepdims=True)
    for p, grad in zip(params, (dW1, db1, dW2, db2), strict=True):
        p -= rate * grad
    return float(loss)


def tensor_step(params: list[Tensor], X: Tensor, y: np.ndarray, reg: float, rate: float) -> float:
    W1, b1, W2, b2 = params
    scores = (X @ W1 + b1).relu() @ W2 + b2
    loss = cross_entropy(scores, y) + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
    loss.backward()
    for p in params:
        p.data -= rate * p.grad
    return loss.item()


def compare_array_engines(steps: int = 200) -> tuple[float, float]:
    X, y = spiral(100, classes=3, seed=0)
    rng = np.random.default_rng(0)
    start = [0.01 * rng.standard_normal((2, 100)), np.zeros((1, 100)),
             0.01 * rng.standard_normal((100, 3)), np.zeros((1, 3))]
    arrays, tensors = [p.copy() for p in start], [Tensor(p, requires_grad=True) for p in start]
    # In a fresh process glibc's allocator gives freed memory back to the system as soon as
    # more than about 0.5 MB lies free at the top of the heap, then takes page faults to get it
    # back. A Tensor step frees its whole graph (about 1.2 MB here) at once, so a fresh process
    # would time those page faults (about 300 per step, making the Tensor side 1.6-1.8× numpy
    # on our machine) rather than the engine. Once a process has freed one array of a few
    # megabytes, as any notebook that plots has, glibc raises that limit for good: free one
    # here, before either side runs.
    np.empty(1 << 20)
    X_tensor = Tensor(X)
    return race(lambda k: numpy_step(arrays, X, y, reg=1e-3, rate=1.0),
                lambda k: tensor_step(tensors, X_tensor, y, reg=1e-3, rate=1.0), steps, rounds=10)


# ----- timing


def race(theirs: Callable[[int], float], ours: Callable[[int], float], steps: int,
         rounds: int) -> tuple[float, float]:
    """Median seconds per step (k = 0, 1, ...) of both sides.

    The sides take turns in `rounds` blocks of steps, so a machine that gets busier slows both
    alike. Before each block the garbage collector clears what the other side left behind
    (micrograd leaves reference cycles), so each side pays only for its own garbage.
    Each step function returns its loss; the two must agree at the first step and the last.
    """
    seconds: tuple[list[float], list[float]] = ([], [])
    losses: tuple[list[float], list[float]] = ([], [])
    block = -(-steps // rounds)
    for first in range(0, steps, block):
        for side, step in enumerate((theirs, ours)):
            gc.collect()
            for k in range(first, min(first + block, steps)):
                start = time.perf_counter()
                losses[side].append(step(k))
                seconds[side].append(time.perf_counter() - start)
    for when, i in (("first", 0), ("last", -1)):
        pair = losses[0][i], losses[1][i]
        assert math.isclose(*pair, rel_tol=1e-9), f"the {when} losses differ: {pair}"
    return statistics.median(seconds[0]), statistics.median(seconds[1])


def main() -> None:
    micrograd_time, value_time = compare_scalar_engines()
    numpy_time, tensor_time = compare_array_engines()
    rows = [
        ("micrograd 0.1.0 (MLP 2-16-16-1, 100 moons)", micrograd_time, ""),
        ("coursekit.Value", value_time,
         f"{micrograd_time / value_time:.1f}× faster than micrograd (target ≥ 4×)"),
        ("hand-written numpy (2-100-3 net, spiral 300×2)", numpy_time, ""),
        ("coursekit.Tensor", tensor_time,
         f"{tensor_time / numpy_time:.2f}× the numpy time (target ≤ 1.3×)"),
    ]
    print(f"{'median time per training step':50} {'ms':>9}")
    for name, seconds, note in rows:
        print(f"{name:50} {seconds * 1e3:9.3f}  {note}")


if __name__ == "__main__":
    main()
