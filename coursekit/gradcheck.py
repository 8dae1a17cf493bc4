"""Gradient checking: compare an analytic gradient with central differences.

The numerical gradient of f at x is (f(x + h) − f(x − h)) / 2h, one coordinate at a time. It is slow
and only approximate, but it needs nothing except f itself, so it is the referee for every backward
pass in the course. How close is close enough, as a relative error (see `rel_error`):

    above 1e-2       the analytic gradient is almost certainly wrong
    1e-4 to 1e-2     suspicious, unless f has kinks (relu, max) near the point
    1e-7 to 1e-4     fine for functions with kinks, still a little high for smooth ones
    below 1e-7       what a correct gradient gives in float64 for smooth functions

A nan or inf on either side is a failure: no size of error makes such a gradient right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .engine import Value
from .tensor import Tensor, no_grad

__all__ = ["numerical_gradient", "rel_error", "gradcheck", "GradcheckError", "GradcheckResult"]


def numerical_gradient(f: Callable, x: float | np.ndarray, h: float = 1e-6) -> float | np.ndarray:
    """Central-difference gradient of a scalar function f at x.

    x is a float (returns a float) or an ndarray (returns an array of x's shape). An array is
    nudged one entry at a time, in place, and always restored, so f may close over it.
    """
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(
                f"numerical_gradient needs a float array to nudge, got dtype {x.dtype}; "
                "convert it first with x.astype(float)"
            )
        grad = np.zeros_like(x, dtype=float)
        for index in np.ndindex(x.shape):
            original = x[index]
            try:
                x[index] = original + h
                above = _scalar(f(x))
                x[index] = original - h
                below = _scalar(f(x))
            finally:
                x[index] = original
            grad[index] = (above - below) / (2 * h)
        return grad
    x = float(x)
    return (_scalar(f(x + h)) - _scalar(f(x - h))) / (2 * h)


def rel_error(a: float | np.ndarray, b: float | np.ndarray) -> float:
    """Largest elementwise |a − b| / (|a| + |b|), guarded against 0/0 (CS231n's measure)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes {a.shape} and {b.shape} differ")
    if a.size == 0:
        return 0.0
    return float(np.max(_relative_errors(a, b)))


def _relative_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise |a − b| / (|a| + |b|), the floor 1e-8 keeping 0/0 (both exactly 0) at 0.

    An inf or nan on either side gives nan, which no tolerance accepts.
    """
    with np.errstate(invalid="ignore"):  # inf − inf and inf / inf: nan, as intended
        return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


class GradcheckError(AssertionError):
    """An analytic gradient that disagrees with the numerical one."""


@dataclass(frozen=True)
class GradcheckResult:
    """Largest relative error per input, from a passed check."""

    errors: dict[str, float]
    tolerance: float

    def __str__(self) -> str:
        worst = ", ".join(f"{name}: {error:.1e}" for name, error in self.errors.items())
        return f"gradcheck passed (largest relative errors {worst}; tolerance {self.tolerance:.0e})"


def gradcheck(
    f: Callable[..., object],
    inputs: Mapping[str, float | np.ndarray],
    analytic: Mapping[str, float | np.ndarray] | None = None,
    *,
    h: float = 1e-6,
    tolerance: float = 1e-6,
) -> GradcheckResult:
    """Check the gradient of a scalar function of named inputs against central differences.

    f is called with the inputs as keyword arguments and returns a scalar. Without `analytic`,
    the gradient comes from the autograd engines: numbers are passed to f as `Value`s and arrays as
    `Tensor`s, and f's result is back-propagated. With `analytic` (name → gradient), f is called
    with plain numbers and arrays, and the given gradients are checked, e.g. a layer's backward.

    Raises GradcheckError naming the input, the index, both values and the relative error.
    """
    inputs = {name: _as_float(name, value) for name, value in inputs.items()}
    use_engine = analytic is None
    if use_engine:
        analytic = _autograd(f, inputs)
    missing = set(inputs) - set(analytic)
    if missing:
        raise ValueError(f"gradcheck: no analytic gradient given for {sorted(missing)}")

    errors = {}
    for name, value in inputs.items():

        def f_of_one(x, name=name):
            return _evaluate(f, {**inputs, name: x}, use_engine)

        numeric = numerical_gradient(f_of_one, value.copy() if _is_array(value) else value, h)
        expected = np.asarray(analytic[name], dtype=float)
        if expected.shape != np.shape(numeric):
            raise ValueError(
                f"gradcheck: the analytic gradient of '{name}' has shape {expected.shape}, "
                f"but '{name}' has shape {np.shape(numeric)}"
            )
        errors[name] = rel_error(expected, numeric)
        if not errors[name] <= tolerance:  # written so that a nan error fails as well
            raise GradcheckError(_disagreement(name, expected, np.asarray(numeric), tolerance))
    return GradcheckResult(errors, tolerance)


def _disagreement(name: str, analytic: np.ndarray, numeric: np.ndarray, tolerance: float) -> str:
    """The message for the first entry that is not finite, else where the gradients differ most."""
    nonfinite = ~(np.isfinite(analytic) & np.isfinite(numeric))
    errors = _relative_errors(analytic, numeric)
    worst = np.argmax(nonfinite) if nonfinite.any() else np.argmax(errors)
    index = np.unravel_index(worst, errors.shape) if errors.ndim else ()
    where = f" at index {tuple(int(i) for i in index)}" if index else ""
    both = (f"gradient of '{name}'{where}: analytic {analytic[index]:.6g}, "
            f"numerical {numeric[index]:.6g}")
    if not np.isfinite(analytic[index]):
        return (f"{both}; the analytic gradient is not a finite number, so check the backward "
                f"pass for '{name}' (a division by 0, a log of 0, an overflow?)")
    if not np.isfinite(numeric[index]):
        return (f"{both}; f is not finite (nan or inf) next to this point, so its gradient "
                "cannot be checked here: try another point")
    return (f"{both}, relative error {errors[index]:.1e} (tolerance {tolerance:.0e}); "
            f"check the backward pass for '{name}'")


def _autograd(f: Callable, inputs: dict) -> dict:
    wrapped = {
        name: Tensor(value, requires_grad=True) if _is_array(value) else Value(value)
        for name, value in inputs.items()
    }
    out = f(**wrapped)
    if not isinstance(out, (Value, Tensor)):
        raise TypeError(
            f"gradcheck: f returned {type(out).__name__}, not a Value or Tensor; "
            "build it from its inputs' operations (x.exp(), not math.exp(x))"
        )
    if isinstance(out, Tensor) and out.size != 1:
        raise ValueError(f"gradcheck: f must return a scalar, got shape {out.shape}; add .sum()")
    out.backward()
    return {
        name: (w.grad if w.grad is not None else np.zeros_like(w.data))
        if isinstance(w, Tensor)
        else w.grad
        for name, w in wrapped.items()
    }


def _evaluate(f: Callable, inputs: dict, use_engine: bool) -> float:
    if not use_engine:
        return _scalar(f(**inputs))
    with no_grad():
        wrapped = {
            name: Tensor(value) if _is_array(value) else Value(value)
            for name, value in inputs.items()
        }
        return _scalar(f(**wrapped))


def _scalar(result: object) -> float:
    """A function's result as a float: from a number, a Value, a one-element array or Tensor."""
    if not isinstance(result, np.ndarray):
        result = getattr(result, "data", result)  # a Value's or Tensor's number
    array = np.asarray(result, dtype=float)
    if array.size != 1:
        raise ValueError(f"the function must return a scalar, got shape {array.shape}")
    return float(array.reshape(()))


def _is_array(value: object) -> bool:
    return isinstance(value, np.ndarray)


def _as_float(name: str, value: object) -> float | np.ndarray:
    if isinstance(value, Value):
        raise TypeError(f"gradcheck: pass '{name}' as a number, not a Value; gradcheck wraps it")
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.array(value, dtype=float)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"gradcheck: input '{name}' must be a number or an array, got {type(value).__name__}"
        ) from None
