"""Initial weights: how large the random numbers in W start out.

The scale matters. Too small and every layer shrinks the signal (and the gradient) a little more;
too large and sigmoid/tanh units saturate. Each weight initializer returns an array of shape
(fan_in, fan_out), the shape of `W` in z = x W + b, and takes the random numbers from an explicit
seed or `numpy.random.Generator`, so the same call gives the same weights on every run.

- `gaussian`: std · N(0, 1), with the std you choose (the lectures use 1 and 0.01).
- `xavier` (Glorot, normal variant): std = sqrt(2 / (fan_in + fan_out)), for tanh. Through
  sigmoid layers the gradient still shrinks, by about the sigmoid's slope (at most 1/4) per layer.
- `he` (Kaiming, normal variant): std = sqrt(2 / fan_in), for ReLU, which zeroes half its inputs.
- `constant`: biases, e.g. 0 or a small positive 0.01 that keeps ReLUs active at the start.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["as_generator", "constant", "gaussian", "he", "xavier"]

Seed = int | np.random.Generator


def as_generator(rng: Seed | None) -> np.random.Generator:
    """The Generator to draw from: `rng` itself, or a new one seeded with the int `rng`."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(
        f"random initial weights need rng=<seed or Generator>, got {rng!r}: pass a seed such as "
        "rng=0, or one np.random.default_rng(0) shared by every layer, so each run starts the same"
    )


def gaussian(fan_in: int, fan_out: int, *, std: float, rng: Seed) -> np.ndarray:
    """Weights std · N(0, 1), shape (fan_in, fan_out): the lectures' N(0, 1) and 0.01 · N(0, 1)."""
    if not std > 0:
        raise ValueError(f"std must be positive, got {std!r}; the lectures use 1.0 and 0.01")
    return std * as_generator(rng).standard_normal(_shape(fan_in, fan_out))


def xavier(fan_in: int, fan_out: int, *, rng: Seed) -> np.ndarray:
    """Glorot/Xavier normal: std = sqrt(2 / (fan_in + fan_out)), shape (fan_in, fan_out).

    It keeps the variance of the signal about the same forward and backward through tanh layers,
    whose slope is 1 near 0. Not through sigmoid layers: their slope is at most 1/4, so the
    gradient still shrinks by about that factor per layer.
    """
    shape = _shape(fan_in, fan_out)
    return math.sqrt(2.0 / (fan_in + fan_out)) * as_generator(rng).standard_normal(shape)


def he(fan_in: int, fan_out: int, *, rng: Seed) -> np.ndarray:
    """He/Kaiming normal: std = sqrt(2 / fan_in), shape (fan_in, fan_out).

    The factor 2 makes up for ReLU zeroing about half of its inputs, so activations neither
    shrink nor grow from layer to layer.
    """
    shape = _shape(fan_in, fan_out)
    return math.sqrt(2.0 / fan_in) * as_generator(rng).standard_normal(shape)


def constant(shape: int | tuple[int, ...], value: float = 0.0) -> np.ndarray:
    """An array filled with `value`: biases at 0, or 0.01 so ReLU units start out active."""
    return np.full(shape, float(value))


def _shape(fan_in: int, fan_out: int) -> tuple[int, int]:
    for name, size in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"{name} must be a positive whole number of units, got {size!r}")
    return int(fan_in), int(fan_out)
