"""Losses: one number that says how wrong the scores are, and its gradient.

A loss is the last layer of the network, so it has the layers' two methods:
`forward(scores, targets)` returns the loss (a float) and keeps what the backward pass needs;
`backward()` returns d(loss)/d(scores), the same shape as the scores. It takes no upstream
gradient because d(loss)/d(loss) = 1. One training step then reads

    loss = criterion.forward(model.forward(X), y)
    model.backward(criterion.backward())

Every loss is a mean over the batch, so the size of its gradient does not grow with N.
`l2_penalty` is a function instead: it depends on the parameters, not on the scores.
"""

from __future__ import annotations

import numpy as np

from coursekit.stable import bce_with_logits, log_softmax, sigmoid, softmax_minus_one_hot

__all__ = [
    "BCEWithLogitsLoss", "Loss", "MSELoss", "MulticlassHingeLoss", "SoftmaxCrossEntropyLoss",
    "l2_penalty",
]


class Loss:
    """forward(scores, targets) → float; backward() → d(loss)/d(scores), shape of scores."""

    def __init__(self) -> None:
        self.kept: tuple[np.ndarray, ...] | None = None

    def forward(self, scores: np.ndarray, targets: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, scores: np.ndarray, targets: np.ndarray) -> float:
        return self.forward(scores, targets)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _kept(self) -> tuple[np.ndarray, ...]:
        if self.kept is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() ran before forward(): compute the loss first"
            )
        return self.kept


class MSELoss(Loss):
    """Mean squared error, the mean over *all* entries: L = mean((scores − targets)²).

    Shapes: scores and targets the same, e.g. (N, 1) for one output unit. Gradient
    2 (scores − targets) / (number of entries).
    """

    def forward(self, scores: np.ndarray, targets: np.ndarray) -> float:
        scores, targets = np.asarray(scores), np.asarray(targets)
        _same_shape(self, scores, targets)
        error = scores - targets
        self.kept = (error,)
        return float(np.mean(error * error))

    def backward(self) -> np.ndarray:
        (error,) = self._kept()
        return 2.0 * error / error.size


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits z: the sigmoid and the cross-entropy as one stable step.

    Shapes: scores z and targets t the same, e.g. (N, 1) or (N,), with t in [0, 1]. The loss is
    the mean over all entries of −t log σ(z) − (1 − t) log(1 − σ(z)), written as
    max(z, 0) − z t + log(1 + e^−|z|), which never overflows (logits of ±1000 are fine).
    Gradient (σ(z) − t) / N: the cross-entropy undoes the sigmoid's exponential, so it does not
    saturate.
    """

    def forward(self, scores: np.ndarray, targets: np.ndarray) -> float:
        scores, targets = np.asarray(scores), np.asarray(targets)
        _same_shape(self, scores, targets)
        if targets.size and (targets.min() < 0 or targets.max() > 1):
            raise ValueError(
                f"BCEWithLogitsLoss targets must lie in [0, 1] (class 0 or 1), got values from "
                f"{targets.min():g} to {targets.max():g}"
            )
        self.kept = (scores, targets)
        return float(np.mean(bce_with_logits(scores, targets)))

    def backward(self) -> np.ndarray:
        scores, targets = self._kept()
        return (sigmoid(scores) - targets) / scores.size


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax cross-entropy: L = mean over examples of −log p[y], p = softmax(scores).

    Shapes: scores (N, C), labels (N,) integers in 0..C−1. Stable through log-sum-exp (the
    largest score is subtracted first). Gradient (p − one_hot(y)) / N. With C equal scores the
    loss is −log(1/C), e.g. 1.10 for three classes.
    """

    def forward(self, scores: np.ndarray, targets: np.ndarray) -> float:
        scores = np.asarray(scores)
        labels = _class_labels(self, scores, targets)
        log_probs = log_softmax(scores, axis=1)
        rows = np.arange(len(labels))
        self.kept = (log_probs, labels)
        return float(-np.mean(log_probs[rows, labels]))

    def backward(self) -> np.ndarray:
        log_probs, labels = self._kept()
        return softmax_minus_one_hot(log_probs, labels) / len(labels)


class MulticlassHingeLoss(Loss):
    """Multiclass SVM (hinge) loss: mean over examples of Σ_{j ≠ y} max(0, s_j − s_y + margin).

    Shapes: scores (N, C), labels (N,) integers in 0..C−1. The CS231n convention: margin 1, a sum
    over the wrong classes, a mean over examples. Gradient, per example and over N: +1 for each
    wrong class with a positive margin, −(their count) for the correct class; a margin of exactly
    0 counts as not positive (local gradient 0, as for ReLU).
    """

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        self.margin = float(margin)

    def forward(self, scores: np.ndarray, targets: np.ndarray) -> float:
        scores = np.asarray(scores)
        labels = _class_labels(self, scores, targets)
        rows = np.arange(len(labels))
        margins = scores - scores[rows, labels][:, None] + self.margin
        margins[rows, labels] = 0.0
        self.kept = (margins, labels)
        return float(np.maximum(margins, 0).sum() / len(labels))

    def backward(self) -> np.ndarray:
        margins, labels = self._kept()
        downstream = (margins > 0).astype(float)
        rows = np.arange(len(labels))
        downstream[rows, labels] = -downstream.sum(axis=1)
        return downstream / len(labels)

    def __repr__(self) -> str:
        return f"MulticlassHingeLoss(margin={self.margin:g})"


def l2_penalty(
    params: dict[str, np.ndarray], strength: float
) -> tuple[float, dict[str, np.ndarray]]:
    """The L2 penalty ½ λ Σ W² over the given arrays, and its gradients λ W (same names).

    The ½ (the lectures' 0.5 * reg * np.sum(W * W)) makes the gradient plain λW, so a gradient
    step subtracts η λ W: this is weight decay. Pass only the weights to leave biases free:
    {name: W for name, W in model.parameters().items() if name.endswith("W")}.
    """
    if strength < 0:
        raise ValueError(f"the L2 strength must be 0 or more, got {strength!r}; 1e-3 is typical")
    penalty = 0.5 * strength * sum(float(np.sum(value * value)) for value in params.values())
    return penalty, {name: strength * value for name, value in params.items()}


def _same_shape(loss: Loss, scores: np.ndarray, targets: np.ndarray) -> None:
    if scores.shape != targets.shape:
        hint = ""
        if scores.size == targets.size:
            hint = f": reshape the targets, e.g. targets.reshape{scores.shape}"
        raise ValueError(
            f"{type(loss).__name__} needs targets of the scores' shape {scores.shape}, "
            f"got {targets.shape}{hint}"
        )


def _class_labels(loss: Loss, scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The labels as an (N,) integer array, or an error that says what to change."""
    who = type(loss).__name__
    labels = np.asarray(labels)
    if scores.ndim != 2:
        raise ValueError(
            f"{who} expects scores of shape (N, C), one row per example, got {scores.shape}"
        )
    n, classes = scores.shape
    if labels.shape == scores.shape and classes > 1:
        raise ValueError(
            f"{who} expects class indices of shape ({n},), got shape {labels.shape}, which looks "
            "one-hot: pass labels.argmax(axis=1)"
        )
    if labels.shape != (n,):
        raise ValueError(
            f"{who} expects one label per row of scores, shape ({n},), got shape {labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"{who} expects integer class indices, got dtype {labels.dtype}: "
            "convert them with labels.astype(int)"
        )
    if n and (labels.min() < 0 or labels.max() >= classes):
        likely = (
            "are they numbered from 1? subtract 1"
            if labels.min() == 1 and labels.max() == classes
            else "does the last layer have one output per class?"
        )
        raise ValueError(
            f"{who}: labels must lie in 0..{classes - 1} for {classes} columns of scores, "
            f"got values from {labels.min()} to {labels.max()}: {likely}"
        )
    return labels
