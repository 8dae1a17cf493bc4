"""Argument checks shared by the data modules, with errors that tell a learner what to fix."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np


def whole_number(where: str, name: str, value: object, minimum: int) -> None:
    """A whole number of at least `minimum`, or an error that says what arrived."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"{where}: {name} must be a whole number, got {type(value).__name__} {value!r}; "
            "if it comes from a division, wrap it in int(...) or use //"
        )
    if value < minimum:
        raise ValueError(f"{where}: {name} must be at least {minimum}, got {value}")


def non_negative(where: str, name: str, value: object) -> None:
    """A finite real number ≥ 0 (a standard deviation), or an error that says what arrived."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__} {value!r}")
    if not 0 <= value < np.inf:
        raise ValueError(
            f"{where}: {name} is a standard deviation, so it must be 0 or more and finite, "
            f"got {value}; use 0 for no noise"
        )
