"""Small seeded datasets to train on, and the minibatches that feed them to a network.

Every generator returns `(X, y)`: X a float64 array of shape (n, d), one example per row, and y its
targets (int64 class labels, or float64 numbers for regression). Rows come grouped by class; the
same seed always gives the same arrays, so a notebook cell shows the same picture every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

from ._checks import non_negative, whole_number

__all__ = ["spiral", "two_moons", "circles", "regression_curve", "minibatches"]

Seed = int | np.random.Generator | None


def spiral(
    points_per_class: int = 100, classes: int = 3, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The lectures' spiral: arms that no straight line can separate, so a linear model fails.

    Arm j has radius growing evenly from 0 to 1 while its angle sweeps from 4j to 4(j + 1) radians,
    plus Gaussian noise of standard deviation 0.2 on the angle.

    Returns X of shape (points_per_class · classes, 2) and y of shape (points_per_class · classes,)
    with labels 0 .. classes − 1; the defaults give the lectures' 300 × 2 toy data.
    """
    whole_number("spiral", "points_per_class", points_per_class, minimum=1)
    whole_number("spiral", "classes", classes, minimum=2)
    rng = np.random.default_rng(seed)
    radius = np.linspace(0.0, 1.0, points_per_class)
    arms = []
    for arm in range(classes):
        angle = np.linspace(4.0 * arm, 4.0 * (arm + 1), points_per_class)
        angle += 0.2 * rng.standard_normal(points_per_class)
        arms.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
    return np.concatenate(arms), _labels_in_blocks(*[points_per_class] * classes)


def two_moons(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: the upper one is class 0, the lower one class 1.

    Returns X of shape (n, 2) and y of shape (n,); class 0 gets the extra point when n is odd.
    `noise` is the standard deviation of Gaussian noise added to every coordinate.
    """
    whole_number("two_moons", "n", n, minimum=2)
    non_negative("two_moons", "noise", noise)
    rng = np.random.default_rng(seed)
    upper, lower = n - n // 2, n // 2
    angle_upper = np.linspace(0.0, np.pi, upper)
    angle_lower = np.linspace(0.0, np.pi, lower)
    X = np.concatenate(
        [
            np.column_stack([np.cos(angle_upper), np.sin(angle_upper)]),
            np.column_stack([1.0 - np.cos(angle_lower), 0.5 - np.sin(angle_lower)]),
        ]
    )
    X += noise * rng.standard_normal(X.shape)
    return X, _labels_in_blocks(upper, lower)


def circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around a smaller one of radius `factor` (class 1).

    Returns X of shape (n, 2) and y of shape (n,); class 0 gets the extra point when n is odd.
    `noise` is the standard deviation of Gaussian noise added to every coordinate.
    """
    whole_number("circles", "n", n, minimum=2)
    non_negative("circles", "noise", noise)
    if not isinstance(factor, Real) or not 0 < factor < 1:
        raise ValueError(
            f"circles: factor is the inner circle's radius relative to the outer one and must be "
            f"between 0 and 1 (exclusive), got {factor!r}; try 0.5"
        )
    rng = np.random.default_rng(seed)
    outer, inner = n - n // 2, n // 2
    rings = []
    for count, radius in ((outer, 1.0), (inner, float(factor))):
        angle = np.linspace(0.0, 2.0 * np.pi, count, endpoint=False)
        rings.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    X = np.concatenate(rings)
    X += noise * rng.standard_normal(X.shape)
    return X, _labels_in_blocks(outer, inner)


def regression_curve(
    n: int = 100, noise: float = 0.1, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of y = sin(x) for x in [−π, π]: a curve for a network to fit with MSE.

    Returns X of shape (n, 1), sorted by x so predictions can be drawn as a line, and y of shape
    (n,) float64. `noise` is the standard deviation of Gaussian noise added to y.
    """
    whole_number("regression_curve", "n", n, minimum=1)
    non_negative("regression_curve", "noise", noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-np.pi, np.pi, n))
    return x[:, None], np.sin(x) + noise * rng.standard_normal(n)


def minibatches(
    X: ArrayLike, y: ArrayLike, batch_size: int, seed: Seed = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of (X_batch, y_batch) pairs in shuffled order; every example appears once.

    X has shape (n, ...) and y shape (n, ...); each batch holds `batch_size` rows, the last one
    whatever remains. `seed` picks the order: an int repeats it exactly, a numpy Generator gives a
    new but reproducible order each epoch, None a fresh random one.

    >>> X, y = spiral()
    >>> [len(batch_y) for _, batch_y in minibatches(X, y, batch_size=128, seed=0)]
    [128, 128, 44]
    """
    X, y = np.asarray(X), np.asarray(y)
    whole_number("minibatches", "batch_size", batch_size, minimum=1)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            "minibatches: X and y must be arrays with one example per row, got a single number"
        )
    if len(X) != len(y):
        raise ValueError(
            f"minibatches: X has {len(X)} examples but y has {len(y)}; "
            "each row of X needs its own target in y (are they from the same dataset?)"
        )
    order = np.random.default_rng(seed).permutation(len(X))
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    return ((X[rows], y[rows]) for rows in batches)


def _labels_in_blocks(*sizes: int) -> np.ndarray:
    """Labels 0, 1, … repeated in blocks of the given sizes: (3, 2) → [0, 0, 0, 1, 1]."""
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
