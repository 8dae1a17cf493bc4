"""The training loop: forward, loss, backward, step, over shuffled minibatches, epoch after epoch.

`fit` returns a history of lists, one entry per epoch, ready to plot. Besides the loss and the
accuracy it can record what the notebooks on vanishing gradients and dead ReLUs look at: the size
of each parameter's gradient, the spread of each activation layer's output, and the fraction of
ReLU units that output 0 for every example. These describe the epoch's last step (with full
batches, the whole training set).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from coursekit.data import minibatches
from coursekit.nn.layers import Sequential, Sigmoid
from coursekit.nn.losses import Loss
from coursekit.optim import SGD

__all__ = ["TrainingDiverged", "accuracy", "fit", "predict"]

RECORDS = ("loss", "accuracy", "grad_norms", "activations", "dead_relus")


class TrainingDiverged(FloatingPointError):
    """The loss became nan or infinite: the weights blew up, usually from too large a step."""


def predict(model: Sequential, X: np.ndarray) -> np.ndarray:
    """Class labels (N,) for inputs X (N, D): the highest score; with one output, class 1 where
    it is above 0 (a logit) or, for a model that ends in a Sigmoid, above 1/2 (a probability)."""
    return _labels(model.forward(X), _threshold(model))


def accuracy(scores: np.ndarray, y: np.ndarray, threshold: float = 0.0) -> float:
    """The fraction of rows whose predicted class equals the label.

    Shapes: scores (N, C) (the class is the highest score) or (N,) / (N, 1) single scores of a
    binary classifier (class 1 above `threshold`: 0 for logits, 0.5 for probabilities);
    y (N,) or (N, 1) class labels.
    """
    predicted, y = _labels(scores, threshold), np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != predicted.shape:
        raise ValueError(
            f"accuracy needs one class label per row of scores, shape {predicted.shape}, "
            f"got labels of shape {y.shape}"
        )
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ValueError(
            "accuracy needs class labels, got fractional targets: for regression, "
            'record only the loss, e.g. fit(..., record=("loss",))'
        )
    return float(np.mean(predicted == y))


def fit(
    model: Sequential,
    loss: Loss,
    X: np.ndarray,
    y: np.ndarray,
    optimizer: SGD,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    record: Sequence[str] = ("loss", "accuracy"),
    progress: bool = False,
) -> dict:
    """Train `model` in place and return its history, one entry per epoch.

    X (N, D) and y (N,) (or the targets the loss expects) are the training set; `batch_size=None`
    uses it whole at every step, otherwise each epoch visits every example once in a new order
    drawn from `seed`. `optimizer` has `step(grads)` and was built from `model.parameters()`.

    The history holds lists for each entry of `record`:
      "loss", "accuracy": the mean over the epoch's batches, measured before each step;
      "val_loss", "val_accuracy" too, after the epoch, when X_val and y_val are given;
      "grad_norms": {"0.W": [...], ...} the norm of each gradient at the epoch's last step;
      "activations": {"ReLU 1": {"mean": [...], "std": [...]}, ...} of each activation's output;
      "dead_relus": {"ReLU 1": [...]} the fraction of units that output 0 for the whole batch.

    Raises TrainingDiverged (a FloatingPointError) as soon as the loss is nan or infinite.
    """
    if isinstance(record, str):
        record = (record,)
    unknown = set(record) - set(RECORDS)
    if unknown:
        raise ValueError(f"fit cannot record {sorted(unknown)}; it can record {list(RECORDS)}")
    if isinstance(loss, type):
        raise TypeError(f"fit needs a loss object: did you mean {loss.__name__}() ?")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number of at least 1, got {epochs!r}")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val to measure validation, or neither")
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}: one target per row of X")

    history = _empty_history(record, validating=X_val is not None)
    order = np.random.default_rng(seed)
    step = 0
    threshold = _threshold(model)
    for epoch in range(1, epochs + 1):
        batches = [(X, y)] if batch_size is None else minibatches(X, y, batch_size, order)
        total_loss = total_correct = seen = 0.0
        for X_batch, y_batch in batches:
            step += 1
            # The step that overflows is reported by the check below, so numpy need not warn.
            with np.errstate(over="ignore", invalid="ignore"):
                scores = model.forward(X_batch)
                value = loss.forward(scores, y_batch)
                _check_finite(value, step, epoch, optimizer)
                model.backward(loss.backward(), input_grad=False)
                optimizer.step(model.gradients())
            total_loss += value * len(X_batch)
            if "accuracy" in record:
                total_correct += accuracy(scores, y_batch, threshold) * len(X_batch)
            seen += len(X_batch)
        _record_epoch(history, record, model, total_loss / seen, total_correct / seen)
        if X_val is not None:
            val_scores = model.forward(X_val)
            if "loss" in record:
                history["val_loss"].append(loss.forward(val_scores, y_val))
            if "accuracy" in record:
                history["val_accuracy"].append(accuracy(val_scores, y_val, threshold))
        if progress:
            _print_progress(history, epoch, epochs)
    return history


def _empty_history(record: Sequence[str], validating: bool) -> dict:
    history: dict = {name: [] for name in ("loss", "accuracy") if name in record}
    if validating:
        history.update({f"val_{name}": [] for name in ("loss", "accuracy") if name in record})
    history.update({name: {} for name in ("grad_norms", "activations", "dead_relus")
                    if name in record})
    return history


def _record_epoch(history: dict, record: Sequence[str], model: Sequential,
                  mean_loss: float, mean_accuracy: float) -> None:
    if "loss" in record:
        history["loss"].append(mean_loss)
    if "accuracy" in record:
        history["accuracy"].append(mean_accuracy)
    if "grad_norms" in record:
        for name, norm in model.gradient_norms().items():
            history["grad_norms"].setdefault(name, []).append(norm)
    if "activations" in record:
        for name, output in model.activations().items():
            stats = history["activations"].setdefault(name, {"mean": [], "std": []})
            stats["mean"].append(float(output.mean()))
            stats["std"].append(float(output.std()))
    if "dead_relus" in record:
        for name, fraction in model.dead_fractions().items():
            history["dead_relus"].setdefault(name, []).append(fraction)


def _check_finite(value: float, step: int, epoch: int, optimizer: SGD) -> None:
    if math.isfinite(value):
        return
    lr = getattr(optimizer, "lr", None)
    cause = (
        f"learning rate {lr:g} is probably too high; try {lr / 10:g}"
        if lr is not None
        else "the learning rate is probably too high"
    )
    raise TrainingDiverged(f"loss became {value} at step {step} (epoch {epoch}): {cause}")


def _print_progress(history: dict, epoch: int, epochs: int) -> None:
    parts = [f"epoch {epoch}/{epochs}"]
    parts += [f"{name} {values[-1]:.4f}" for name, values in history.items()
              if isinstance(values, list) and values]
    print("\r" + "  ".join(parts), end="\n" if epoch == epochs else "", flush=True)


def _threshold(model: Sequential) -> float:
    """Where a single output turns to class 1: 1/2 after a final Sigmoid, else 0 (a logit)."""
    return 0.5 if model.layers and isinstance(model.layers[-1], Sigmoid) else 0.0


def _labels(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Predicted classes (N,): the argmax of (N, C) scores, or score > threshold for (N,) or
    (N, 1)."""
    scores = np.asarray(scores)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores.argmax(axis=1)
    if scores.ndim == 1 or scores.ndim == 2:
        return (scores.reshape(-1) > threshold).astype(np.int64)
    raise ValueError(f"scores must have shape (N, C) or (N,), got {scores.shape}")
