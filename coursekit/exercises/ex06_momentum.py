"""Notebook 06: the momentum and Nesterov updates, measuring a rate, fast settings, a prediction.

The expected answers come from the library: 6.1 from `optim.momentum_step`, 6.2 from
`optim.nesterov_step` (which keeps the look-ahead point as the parameters, so the look-ahead
form is recovered by moving back), 6.3 from the momentum explorer's `convergence_rate` on paths
its `optimize` walked, 6.4 runs the student's settings with `optimize` on the bowl, and 6.5
compares a predicted rate with what the explorer measures (`optimize`, then `convergence_rate`).
The explorer module loads ipywidgets, so it is imported only when 6.3, 6.4 or 6.5 is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real

import numpy as np

from ..optim import momentum_step, nesterov_step
from .framework import Case, calls, exercise


@exercise(
    "6.1",
    "the momentum update",
    points=2,
    hints=(
        "First the velocity: v_new = β·v + grad, the old velocity slowed by β plus the new "
        "gradient. Then move the weights with the new velocity.",
        "w_new = w − lr·v_new; return (w_new, v_new). Build new arrays (w - lr * v_new) "
        "rather than changing w or v in place (w -= ...).",
    ),
)
def _momentum_update(momentum_update):
    rng = np.random.default_rng(6)
    arguments = [
        dict(w=np.array([1.0, -2.0]), v=np.zeros(2), grad=np.array([0.5, 1.0]), lr=0.1, beta=0.9),
        dict(w=np.array([1.0, -2.0]), v=np.array([0.3, -0.4]), grad=np.array([0.5, 1.0]),
             lr=0.1, beta=0.9),
        dict(w=np.array([0.2, 0.7]), v=np.array([2.0, -1.0]), grad=np.array([-1.0, 0.5]),
             lr=0.5, beta=0.0),
        dict(w=rng.normal(size=(3, 2)), v=rng.normal(size=(3, 2)), grad=rng.normal(size=(3, 2)),
             lr=0.03, beta=0.99),
    ]
    cases = calls(
        momentum_update,
        "momentum_update",
        arguments,
        lambda w, v, grad, lr, beta: momentum_step(w, v, grad, lr, beta),
        "v_new = beta * v + grad (the velocity adds up gradients, without the learning rate), "
        "then w_new = w - lr * v_new with the NEW velocity; return (w_new, v_new) in that order",
    )
    return cases + [
        Case(
            "momentum_update(w, v, grad, lr=0.1, beta=0.9) leaves the arrays w and v it was "
            "given unchanged",
            lambda: _leaves_inputs_alone(momentum_update),
            True,
            "return new arrays (w - lr * v_new) instead of changing w or v in place (w -= ...): "
            "code that keeps the old w, such as a list of the points visited, would see it move",
        )
    ]


def _leaves_inputs_alone(update: Callable) -> bool:
    w, v = np.array([1.0, -2.0]), np.array([0.3, -0.4])
    w_before, v_before = w.copy(), v.copy()
    update(w, v, np.array([0.5, 1.0]), 0.1, 0.9)
    return bool(np.array_equal(w, w_before) and np.array_equal(v, v_before))


def bowl_gradient(w: np.ndarray) -> np.ndarray:
    """∇ of the bowl ½(w₁² + 10w₂²), for w of shape (2,)."""
    return np.array([w[0], 10.0 * w[1]])


def valley_gradient(w: np.ndarray) -> np.ndarray:
    """∇ of Rosenbrock's valley (1 − w₁)² + 100(w₂ − w₁²)², for w of shape (2,)."""
    return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2), 200 * (w[1] - w[0] ** 2)])


def double_well_gradient(w: np.ndarray) -> np.ndarray:
    """∇ of Σ(w⁴/4 − w²/2), that is w³ − w, for w of any shape."""
    return w**3 - w


# Slopes for 6.2, named for the check's messages: a bowl, a curved valley, and a cubic. They are
# module-level functions, so a grader in another process can hand them to an answer.
GRADIENTS = {
    "∇ of the bowl ½(w₁² + 10w₂²)": bowl_gradient,
    "∇ of Rosenbrock's valley (1 − w₁)² + 100(w₂ − w₁²)²": valley_gradient,
    "∇ of Σ(w⁴/4 − w²/2), that is w³ − w": double_well_gradient,
}


def _nesterov_reference(w, v, gradient, lr, beta):
    """The look-ahead form, through the library's form that keeps u = w − lr·β·v."""
    look_ahead = w - lr * beta * v
    new_look_ahead, new_velocity = nesterov_step(look_ahead, v, gradient(look_ahead), lr, beta)
    return new_look_ahead + lr * beta * new_velocity, new_velocity


@exercise(
    "6.2",
    "Nesterov's look-ahead update",
    points=2,
    hints=(
        "Momentum is about to move the weights by −lr·β·v anyway. Nesterov asks for the slope "
        "where that move lands: look_ahead = w − lr·β·v.",
        "v_new = β·v + gradient(look_ahead), then w_new = w − lr·v_new (from w, not from the "
        "look-ahead point); return (w_new, v_new).",
    ),
)
def _nesterov_update(nesterov_update):
    if not callable(nesterov_update):
        raise TypeError(
            f"nesterov_update should be a function, got {type(nesterov_update).__name__}"
        )
    names = list(GRADIENTS)
    arguments = [
        (names[0], np.array([-2.0, 1.0]), np.zeros(2), 0.05, 0.9),
        (names[0], np.array([-2.0, 1.0]), np.array([1.5, -3.0]), 0.05, 0.9),
        (names[1], np.array([-1.2, 1.0]), np.array([-20.0, 5.0]), 0.001, 0.9),
        (names[2], np.array([0.5, -1.5, 2.0]), np.array([0.4, 0.1, -0.3]), 0.2, 0.5),
        (names[2], np.array([0.5, -1.5, 2.0]), np.array([0.4, 0.1, -0.3]), 0.2, 0.0),
    ]
    hint = (
        "evaluate the gradient at the look-ahead point w - lr * beta * v, not at w; then "
        "v_new = beta * v + that gradient and w_new = w - lr * v_new; return (w_new, v_new)"
    )
    cases = []
    for name, w, v, lr, beta in arguments:
        gradient = GRADIENTS[name]
        shown = f"w={_vector(w)}, v={_vector(v)}, gradient={name}, lr={lr:g}, beta={beta:g}"
        cases.append(
            Case(
                f"nesterov_update({shown})",
                lambda w=w, v=v, gradient=gradient, lr=lr, beta=beta: nesterov_update(
                    w.copy(), v.copy(), gradient, lr, beta
                ),
                _nesterov_reference(w, v, gradient, lr, beta),
                hint,
            )
        )
    return cases


def _vector(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{value:g}" for value in values) + "]"


def _geometric_path(rate: float, steps: int, minimum: np.ndarray) -> np.ndarray:
    """Points that close in on `minimum` by exactly `rate` per step, shape (steps + 1, 3)."""
    return minimum + np.outer(rate ** np.arange(steps + 1), [1.0, -2.0, 0.5])


@exercise(
    "6.3",
    "measuring a convergence rate",
    points=2,
    hints=(
        "First the distances: d = np.linalg.norm(path - minimum, axis=1), one per point.",
        "With m = len(d) // 2, the distance shrinks by the factor d[-1] / d[m] over the "
        "len(d) - 1 - m steps of the second half; the rate is that factor's root: "
        "(d[-1] / d[m]) ** (1 / (len(d) - 1 - m)).",
    ),
)
def _measured_rate(measured_rate):
    from ..explorers.momentum import convergence_rate, optimize, quadratic, rosenbrock

    bowl = quadratic(100.0)
    valley = rosenbrock()
    shifted = np.array([3.0, -1.0, 2.0])
    runs = [
        ("a geometric path closing in on [3, -1, 2] by a factor 0.5 per step (10 steps)",
         _geometric_path(0.5, 10, shifted), shifted),
        ("plain gradient descent on the bowl κ = 100, lr = 0.015, 200 steps",
         optimize(bowl, "plain", 0.015, steps=200), bowl.minimum),
        ("momentum on the bowl κ = 100, lr = 0.033, β = 0.67, 201 steps",
         optimize(bowl, "momentum", 0.033, 0.67, steps=201), bowl.minimum),
        ("momentum on the bowl κ = 100, lr = 0.01, β = 0.9, 150 steps",
         optimize(bowl, "momentum", 0.01, 0.9, steps=150), bowl.minimum),
        ("momentum on Rosenbrock's valley (minimum [1, 1]), lr = 0.001, β = 0.9, 400 steps",
         optimize(valley, "momentum", 0.001, 0.9, steps=400), valley.minimum),
        ("plain gradient descent on the bowl κ = 100 with lr = 0.021, which diverges",
         optimize(bowl, "plain", 0.021, steps=60), bowl.minimum),
    ]
    hint = (
        "d = distances from each point to the minimum (subtract the minimum, then "
        "np.linalg.norm(..., axis=1)); m = len(d) // 2; return (d[-1] / d[m]) ** "
        "(1 / (len(d) - 1 - m)), the geometric mean of the per-step ratios over the second half"
    )
    return [
        Case(
            f"measured_rate(path, minimum) for {description}",
            lambda path=path, minimum=minimum: measured_rate(path.copy(), minimum.copy()),
            convergence_rate(path, minimum),
            hint,
        )
        for description, path, minimum in runs
    ]


# 6.4: the bowl, the loss to reach, the steps allowed, and the starting points tried.
KAPPA = 100.0
TARGET = 1e-6
BUDGET = 80
STARTS = ((-2.0, 1.0), (1.5, -0.8), (-0.5, 1.2))
LONGEST = 1000  # runs that have not arrived after this many steps are reported as too slow


def _steps_to_target(lr: float, beta: float, start: tuple[float, float]) -> int:
    """Momentum steps from `start` until the bowl's loss is at most TARGET and stays there.

    Raises RuntimeError, with advice, when the run diverges or has not settled after LONGEST.
    """
    from ..explorers.momentum import optimize, quadratic

    bowl = quadratic(KAPPA)
    path = optimize(bowl, "momentum", lr, beta, steps=LONGEST, start=start)
    losses = bowl.loss(path)
    if len(path) <= LONGEST:
        raise RuntimeError(
            f"with lr = {lr:g} and β = {beta:g} the run diverged: after {len(path) - 1} steps "
            "it was more than 10⁶ from the minimum. Lower lr (momentum makes the step about "
            "lr/(1 − β), so a large β needs a small lr)"
        )
    if losses[-1] > TARGET:
        raise RuntimeError(
            f"with lr = {lr:g} and β = {beta:g} the loss was still {losses[-1]:.2g} after "
            f"{LONGEST} steps: the run is far too slow. Raise lr, or β"
        )
    # A walk that swings past the minimum can dip below the target and climb out again:
    # it has arrived after the last step that was above the target.
    return int(np.flatnonzero(losses > TARGET)[-1]) + 1


def _settings(fast: object) -> tuple[float, float]:
    """The answer as (lr, beta), or an error that says what shape it should have."""
    if not isinstance(fast, (tuple, list)) or len(fast) != 2:
        raise TypeError(f"fast should be a pair (lr, beta) such as (0.01, 0.9), got {fast!r}")
    lr, beta = fast
    if not all(isinstance(x, Real) and not isinstance(x, bool) for x in (lr, beta)):
        raise TypeError(f"lr and beta should be numbers, got lr={lr!r} and beta={beta!r}")
    if not lr > 0:
        raise ValueError(f"the learning rate must be positive, got lr = {lr!r}")
    if not 0 <= beta < 1:
        raise ValueError(f"β must be in [0, 1), got beta = {beta!r}: 0 is plain GD, 0.9 is usual")
    return float(lr), float(beta)


def _within_budget(fast: object, start: tuple[float, float]) -> int:
    """The steps the answer needs, or BUDGET itself when it needs no more than BUDGET."""
    return max(_steps_to_target(*_settings(fast), start), BUDGET)


@exercise(
    "6.4",
    "settings that arrive fast",
    points=2,
    hints=(
        "Plain gradient descent needs about 440 steps here whatever its learning rate, so you "
        "need momentum. In the explorer, press 'best momentum' and read the settings.",
        "The theory's best settings for κ = 100 are lr = 4/(√κ + 1)² ≈ 0.033 and "
        "β = ((√κ − 1)/(√κ + 1))² ≈ 0.67; they arrive in about 70 steps.",
    ),
)
def _fast_settings(fast):
    hint = (
        f"momentum on the bowl κ = {KAPPA:g} must bring the loss down to {TARGET:g} in at "
        f"most {BUDGET} steps; plain gradient descent needs about 440. "
        "If the path oscillates for long, lower β; if it crawls, raise lr"
    )
    return [
        Case(
            f"steps for momentum with (lr, beta) = {_shown(fast)} to bring the loss on the bowl "
            f"κ = {KAPPA:g} below {TARGET:g} for good, from w = {start} ({BUDGET} or fewer "
            "passes)",
            lambda start=start: _within_budget(fast, start),
            BUDGET,
            hint,
        )
        for start in STARTS
    ]


def _shown(fast: object) -> str:
    if isinstance(fast, (tuple, list)) and len(fast) == 2:
        return "(" + ", ".join(f"{x:g}" if isinstance(x, Real) else repr(x) for x in fast) + ")"
    return "your settings"


# 6.5: the momentum explorer at a common default; a prediction passes within RATE_TOLERANCE of
# the rate the explorer measures there (its run: the bowl's 200 steps from its start).
PREDICT_KAPPA, PREDICT_LR, PREDICT_BETA = 100.0, 0.01, 0.9
RATE_TOLERANCE = 0.01
CLOSE = f"within {RATE_TOLERANCE:g} of the measured rate"


def explorer_rate(kappa: float = PREDICT_KAPPA, lr: float = PREDICT_LR,
                  beta: float = PREDICT_BETA) -> float:
    """Momentum's rate on the bowl of condition number κ, measured as the explorer measures it."""
    from ..explorers.momentum import convergence_rate, optimize, quadratic

    bowl = quadratic(kappa)
    return convergence_rate(optimize(bowl, "momentum", lr, beta), bowl.minimum)


def _rate_verdict(predicted: object, measured: float) -> str:
    """CLOSE, or how far the predicted rate is from the measured one and in which direction."""
    if isinstance(predicted, bool) or not isinstance(predicted, Real):
        raise TypeError(
            f"predicted_rate should be a number, a factor per step such as 0.9, got "
            f"{type(predicted).__name__} {predicted!r}"
        )
    gap = float(predicted) - measured
    if abs(gap) <= RATE_TOLERANCE:
        return CLOSE
    direction = "too high" if gap > 0 else "too low"
    return f"{float(predicted):.3f}, {abs(gap):.3f} {direction} (measured: {measured:.3f})"


@exercise(
    "6.5",
    "predict: momentum's rate at lr = 0.01, β = 0.9",
    points=1,
    hints=(
        "One direction at a time (section 5): the matrix M of each direction has determinant β, "
        "whatever its curvature. When a direction bounces, M's two eigenvalues are complex "
        "conjugates, of equal size, so each has size √(det M).",
        "At lr = 0.01 and β = 0.9, (1 + β − αλ)² < 4β for λ = 1 and for λ = 100: both directions "
        "bounce, so both shrink by √0.9 ≈ 0.949 per step (spectral_radius says the same).",
    ),
)
def _predicted_rate(predicted_rate):
    hint = (
        "it is neither β itself nor the best rate 0.818: compute the spectral radius of each "
        "direction's 2×2 matrix at these settings (both bounce, so both are √β) and take the "
        "larger"
    )
    return [
        Case(
            f"predicted_rate against momentum's rate in the explorer at κ = {PREDICT_KAPPA:g}, "
            f"lr = {PREDICT_LR:g}, β = {PREDICT_BETA:g} (within {RATE_TOLERANCE:g})",
            lambda: _rate_verdict(predicted_rate, explorer_rate()),
            CLOSE,
            hint,
        )
    ]
