"""Predict, then observe: a student's number against what an explorer will show.

A prediction is judged by closeness, not equality: within a distance (`within`) or within a factor
(`factor`) of the measurement, a tolerance the question states, so that a prediction made by
reasoning passes and a guess of the wrong kind (a sign, a power of ten) does not. The measurement
is taken with the same plain function the explorer draws from, never with the widget.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real

from .framework import Case

__all__ = ["CLOSE", "close_enough", "prediction"]

CLOSE = "close enough"


def close_enough(predicted: object, measured: float, *, within: float | None = None,
                 factor: float | None = None) -> str:
    """CLOSE, or how far the prediction is from the measurement and which way."""
    if isinstance(predicted, bool) or not isinstance(predicted, Real):
        raise TypeError(f"a prediction should be a number, got {type(predicted).__name__} "
                        f"{predicted!r}")
    guess = float(predicted)
    if factor is not None:
        if guess <= 0:
            return f"{guess:.3g} is not positive, and what is measured here is"
        ratio = guess / measured
        if 1 / factor <= ratio <= factor:
            return CLOSE
        size, way = (ratio, "too large") if ratio > 1 else (1 / ratio, "too small")
        return f"{guess:.3g} is {size:.3g} times {way} (measured: {measured:.3g})"
    if abs(guess - measured) <= within:
        return CLOSE
    way = "too large" if guess > measured else "too small"
    return f"{guess:.3g} is {abs(guess - measured):.3g} {way} (measured: {measured:.3g})"



def prediction(predicted: object, name: str, measure: Callable[[], float], what: str, *,
               within: float | None = None, factor: float | None = None,
               hint: str = "") -> list[Case]:
    """The one case of a prediction exercise: `predicted` close to `measure()` (what: in words).

    Give exactly one of `within` (largest distance) and `factor` (largest ratio either way).
    """
    if (within is None) == (factor is None):
        raise ValueError("a prediction is judged within a distance or within a factor: give one")
    tolerance = f"within {within:g}" if factor is None else f"within a factor of {factor:g}"
    return [Case(
        f"{name} = {predicted!r} against {what} ({tolerance} passes)",
        lambda: close_enough(predicted, measure(), within=within, factor=factor),
        CLOSE,
        hint,
    )]
