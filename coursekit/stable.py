"""Overflow-free formulas on numpy arrays, shared by the `Tensor` engine and the layers.

Both floors of the core compute the sigmoid and the softmax; written once here, the autograd
engine and the hand-written layers give the same numbers bit for bit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["log_softmax", "sigmoid"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−z) without overflow for large |z|: exp(−log(1 + e^−z))."""
    return np.exp(-np.logaddexp(0.0, -z))


def log_softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(e^s / Σ e^s) along `axis`, from s − max(s) so that no exponential overflows."""
    shifted = scores - scores.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
