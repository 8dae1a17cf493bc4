"""Overflow-free formulas on numpy arrays, shared by the `Tensor` engine and the layers.

Both floors of the core compute the sigmoid, the softmax and the two classification losses;
written once here, the autograd engine and the hand-written layers give the same numbers bit for
bit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bce_with_logits", "log_softmax", "sigmoid", "softmax_minus_one_hot"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−z) without overflow for large |z|: exp(−log(1 + e^−z))."""
    return np.exp(-np.logaddexp(0.0, -z))


def log_softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(e^s / Σ e^s) along `axis`, from s − max(s) so that no exponential overflows."""
    shifted = scores - scores.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def bce_with_logits(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per-entry −t log σ(z) − (1 − t) log(1 − σ(z)) as max(z, 0) − z·t + log(1 + e^−|z|).

    Never takes the log of 0 nor overflows, even for logits of ±1000. The caller reduces.
    """
    return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))


def softmax_minus_one_hot(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """softmax − one_hot(labels) as a new array: the cross-entropy's gradient before scaling.

    From the log-probabilities already kept by the forward pass, so no softmax is recomputed.
    """
    grad = np.exp(log_probs)
    grad[np.arange(len(labels)), labels] -= 1.0
    return grad
