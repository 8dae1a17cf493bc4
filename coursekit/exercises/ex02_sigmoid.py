"""Notebook 02: the logistic-regression graph, its gates, the sigmoid gate and staged backward code.

The expected answers come from the scalar engine: each gate traced on its own, the sigmoid as one
`Value.sigmoid` gate, and the staged function traced gate by gate. 2.2 runs s = ±1000 with numpy's
overflow raised as an error (`overflow_raises`, which 7.1 uses too). 2.4 asks for a number before
the sigmoid playground shows it, and measures it with the playground's own `sigmoid_view`.
"""

from collections.abc import Callable

import numpy as np

from ..engine import Value
from ..trace import trace
from .framework import Case, calls, entry, exercise
from .prediction import prediction

GATES = {
    "*-1": lambda v: -v,
    "exp": lambda v: v.exp(),
    "+1": lambda v: v + 1,
    "1/x": lambda v: 1 / v,
}
GATE_HINTS = {
    "*-1": "multiplying by a constant c has local gradient c",
    "exp": "the exponential is its own derivative: the local gradient of exp at v is exp(v)",
    "+1": "adding a constant does not change the slope",
    "1/x": "d(1/v)/dv = -1/v²",
}


@exercise(
    "2.1",
    "local gradients of the four gates",
    points=2,
    hints=(
        "Each entry is a function of the gate's input v that returns d(output)/d(input) at v.",
        "*-1 → -1, exp → e^v, +1 → 1, 1/x → -1/v².",
    ),
)
def _gate_locals(local_gradient):
    cases = []
    for gate, build in GATES.items():
        entry(local_gradient, gate, "local_gradient", "from gate name to function")
        for v in (1.37, -2.0, 3.5):
            cases.append(
                Case(
                    f'local_gradient["{gate}"]({v:g})',
                    lambda gate=gate, v=v: local_gradient[gate](v),
                    trace(build, v=v).backward().grads["v"],
                    GATE_HINTS[gate],
                )
            )
    return cases


def overflow_raises(answer: Callable) -> Callable:
    """The answer, called with numpy's overflow as an error rather than a warning.

    np.exp(1000) is inf with only a warning, and 1 / (1 + inf) rounds to the right 0: a sigmoid
    that overflows can give the right numbers, so the overflow itself is what the check catches.
    """
    if not callable(answer):
        return answer  # `calls` explains what it should be

    def strict(*args):
        with np.errstate(over="raise", invalid="raise"):
            return answer(*args)

    return strict


def _sigmoid_reference(s, upstream):
    value = Value(s)
    out = value.sigmoid()
    out.backward()
    return (out.data, upstream * value.grad)


@exercise(
    "2.2",
    "the sigmoid as one gate",
    points=2,
    hints=(
        "Forward: σ(s) = 1 / (1 + e^(-s)). Backward: the local gradient is σ(s)·(1 − σ(s)).",
        "For very negative s, e^(-s) overflows: compute e^s / (1 + e^s) there instead.",
    ),
)
def _sigmoid_gate(sigmoid_gate):
    ordinary = [
        dict(s=1.0, upstream=1.0),
        dict(s=-0.5, upstream=2.0),
        dict(s=0.0, upstream=-1.0),
        dict(s=4.0, upstream=0.5),
    ]
    extreme = [
        dict(s=-750.0, upstream=1.0),
        dict(s=-1000.0, upstream=2.0),
        dict(s=1000.0, upstream=1.0),
    ]
    return calls(
        sigmoid_gate,
        "sigmoid_gate",
        ordinary,
        _sigmoid_reference,
        "return (σ(s), upstream · σ(s)·(1 − σ(s)))",
    ) + calls(
        overflow_raises(sigmoid_gate),
        "sigmoid_gate",
        extreme,
        _sigmoid_reference,
        "for s = −750 or −1000, e^(−s) overflows (math.exp raises OverflowError, np.exp gives "
        "inf and a warning, which this check counts as an error): for s < 0 compute "
        "σ(s) = e^s / (1 + e^s), which needs only e^s",
    )


def _staged_reference(x, y):
    def f(x, y):
        return (x * y).sigmoid() * (x + y)

    grads = trace(f, x=x, y=y).backward().grads
    return (grads["x"], grads["y"])


@exercise(
    "2.3",
    "staged backward code for f = σ(x·y)·(x + y)",
    points=3,
    hints=(
        "Forward stages: a = x·y, s = σ(a), b = x + y, f = s·b. Keep every stage.",
        "Backward, in reverse: grad_s = b, grad_b = s, grad_a = grad_s·s·(1 − s), then x and y "
        "each get a share from a and from b.",
        "x receives grad_a·y + grad_b, and y receives grad_a·x + grad_b.",
    ),
)
def _staged(staged_gradients):
    return calls(
        staged_gradients,
        "staged_gradients",
        [dict(x=1.0, y=2.0), dict(x=-0.5, y=1.5), dict(x=0.0, y=0.0), dict(x=3.0, y=-2.0)],
        _staged_reference,
        "x and y are each used twice (in x·y and in x + y): add both contributions",
    )


# 2.4: the sigmoid playground's setting to predict (the lectures' point with b raised from −3
# to 2, so s = 6) and how far the prediction of ∂f/∂w0 may be off: the lectures' −0.20 is not
# close, and neither is a tenth of it.
PLAYGROUND_POINT = dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, b=2.0)
PLAYGROUND_WITHIN = 0.01


def playground_gradient(point: dict, name: str) -> float:
    """The gradient the sigmoid playground shows reaching input `name` at this point."""
    from ..explorers.sigmoid import sigmoid_view  # the explorers need ipywidgets: load them late

    return sigmoid_view(**point).single_grads[name]


@exercise(
    "2.4",
    "predict: a saturated neuron's weight gradient",
    points=1,
    hints=(
        "∂f/∂w0 = ∂f/∂s · x0, and ∂f/∂s is the sigmoid's local gradient σ(s)(1 − σ(s)). "
        "What is it at s = 6 instead of s = 1?",
        "σ(6) = 1 / (1 + e^(−6)) ≈ 0.9975, so σ(6)(1 − σ(6)) ≈ 0.0025; multiply by x0 = −1.",
    ),
)
def _playground_prediction(gradient_to_w0):
    return prediction(
        gradient_to_w0,
        "gradient_to_w0",
        lambda: playground_gradient(PLAYGROUND_POINT, "w0"),
        "the playground's ∂f/∂w0 with b = 2 (s = 6)",
        within=PLAYGROUND_WITHIN,
        hint="the rule ∂f/∂w0 = ∂f/∂s · x0 still holds, but ∂f/∂s = σ(s)(1 − σ(s)) is much "
             "smaller at s = 6 than at s = 1",
    )
