"""How much the layers API costs: one digits MLP trained three ways, timed per epoch.

The network is 64 → 100 → 10 with a ReLU, softmax cross-entropy, minibatches of 64 and SGD with
momentum 0.9. Every version starts from the same weights and sees the same minibatches, and the
script checks that their first losses agree. It prints the median time per epoch and the ratio
to hand-written numpy (PyTorch on the CPU joins in when it is installed).
Run it with `python benchmarks/layers.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from coursekit.data import digits_split, minibatches
from coursekit.nn import Linear, ReLU, Sequential, SoftmaxCrossEntropyLoss
from coursekit.optim import SGD
from coursekit.tensor import Tensor, cross_entropy

HIDDEN, CLASSES, BATCH, LR, MOMENTUM = 100, 10, 64, 0.1, 0.9
ROUNDS = 30  # timed epochs per version, after one warm-up epoch
NAMES = ("0.W", "0.b", "2.W", "2.b")

# Each version is built from the data and the initial weights and returns `epoch()`, which trains
# one epoch and returns the loss of every minibatch.
Epoch = Callable[[], list[float]]


def initial_weights(features: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    W1, W2 = Linear(features, HIDDEN, rng=rng).W, Linear(HIDDEN, CLASSES, rng=rng).W
    return dict(zip(NAMES, (W1, np.zeros(HIDDEN), W2, np.zeros(CLASSES))))


def with_numpy(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]) -> Epoch:
    W1, b1, W2, b2 = (weights[name].copy() for name in NAMES)
    velocities = [np.zeros_like(p) for p in (W1, b1, W2, b2)]
    order = np.random.default_rng(0)

    def epoch() -> list[float]:
        losses = []
        for X_batch, y_batch in minibatches(X, y, BATCH, order):
            rows = np.arange(len(y_batch))
            hidden = X_batch @ W1 + b1
            np.maximum(hidden, 0, out=hidden)
            scores = hidden @ W2 + b2
            scores -= scores.max(axis=1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=1, keepdims=True)
            losses.append(float(-np.mean(np.log(probs[rows, y_batch]))))
            d_scores = probs
            d_scores[rows, y_batch] -= 1
            d_scores /= len(y_batch)
            d_hidden = d_scores @ W2.T
            d_hidden[hidden <= 0] = 0
            grads = (X_batch.T @ d_hidden, d_hidden.sum(axis=0), hidden.T @ d_scores,
                     d_scores.sum(axis=0))
            for param, velocity, grad in zip((W1, b1, W2, b2), velocities, grads):
                velocity *= MOMENTUM
                velocity += grad
                param -= LR * velocity
        return losses

    return epoch


def with_layers(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]) -> Epoch:
    model = Sequential(Linear(X.shape[1], HIDDEN, rng=0), ReLU(), Linear(HIDDEN, CLASSES, rng=0))
    for name, value in model.parameters().items():
        value[...] = weights[name]
    loss, optimizer = SoftmaxCrossEntropyLoss(), SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    order = np.random.default_rng(0)

    def epoch() -> list[float]:
        losses = []
        for X_batch, y_batch in minibatches(X, y, BATCH, order):
            losses.append(loss.forward(model.forward(X_batch), y_batch))
            model.backward(loss.backward(), input_grad=False)
            optimizer.step(model.gradients())
        return losses

    return epoch


def with_tensors(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]) -> Epoch:
    params = {name: Tensor(value, requires_grad=True) for name, value in weights.items()}
    optimizer = SGD({name: p.data for name, p in params.items()}, lr=LR, momentum=MOMENTUM)
    order = np.random.default_rng(0)

    def epoch() -> list[float]:
        losses = []
        for X_batch, y_batch in minibatches(X, y, BATCH, order):
            hidden = (Tensor(X_batch) @ params["0.W"] + params["0.b"]).relu()
            loss = cross_entropy(hidden @ params["2.W"] + params["2.b"], y_batch)
            losses.append(loss.item())
            loss.backward()
            optimizer.step({name: p.grad for name, p in params.items()})
        return losses

    return epoch


def with_torch(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray]) -> Epoch:
    import torch

    torch.set_default_dtype(torch.float64)
    params = {name: torch.tensor(value, requires_grad=True) for name, value in weights.items()}
    optimizer = torch.optim.SGD(params.values(), lr=LR, momentum=MOMENTUM)
    order = np.random.default_rng(0)

    def epoch() -> list[float]:
        losses = []
        for X_batch, y_batch in minibatches(X, y, BATCH, order):
            hidden = torch.relu(torch.from_numpy(X_batch) @ params["0.W"] + params["0.b"])
            scores = hidden @ params["2.W"] + params["2.b"]
            loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(y_batch))
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return losses

    return epoch


def main() -> None:
    X, y, _, _ = digits_split()
    weights = initial_weights(X.shape[1])
    versions = {"hand-written numpy": with_numpy, "layers API": with_layers,
                "Tensor engine": with_tensors}
    try:
        import torch  # noqa: F401

        versions["PyTorch (CPU)"] = with_torch
    except ImportError:
        print("PyTorch is not installed: it is left out")

    # Versions take turns, one epoch each, so that a busy moment on the machine slows them all.
    epochs = {name: build(X, y, weights) for name, build in versions.items()}
    losses = {name: epoch() for name, epoch in epochs.items()}  # the warm-up epoch
    times: dict[str, list[float]] = {name: [] for name in versions}
    for _ in range(ROUNDS):
        for name, epoch in epochs.items():
            start = time.perf_counter()
            epoch()
            times[name].append(time.perf_counter() - start)
    first_losses = {name: values[0] for name, values in losses.items()}
    medians = {name: statistics.median(values) for name, values in times.items()}

    reference = first_losses["hand-written numpy"]
    for name, value in first_losses.items():
        assert abs(value - reference) <= 1e-12 * reference, f"{name}: first loss {value!r}"
    print(f"first-step loss {reference:.12f} in every version")
    print(f"median time per epoch ({len(X)} digits, minibatches of {BATCH}, "
          f"{ROUNDS} epochs timed):")
    baseline = medians["hand-written numpy"]
    for name, seconds in medians.items():
        print(f"  {name:20s} {seconds * 1e3:7.2f} ms   {seconds / baseline:5.2f}× numpy")


if __name__ == "__main__":
    main()
