"""Notebook 01: the chain rule on a graph, the three gates, branching, and a prediction.

The expected answers come from the scalar engine: the same graph, traced and back-propagated.
1.6 asks for a number before the backward-pass stepper shows it, and measures it from the steps
of the same traced graph that the stepper draws.
"""

from ..engine import Value, maximum
from ..trace import trace
from .framework import calls, exercise
from .prediction import prediction

POINTS = [
    dict(x=-2.0, y=5.0, z=-4.0),
    dict(x=1.0, y=3.0, z=-2.0),
    dict(x=0.0, y=0.0, z=7.0),
    dict(x=-1.5, y=0.5, z=0.0),
    dict(x=10.0, y=-3.0, z=0.25),
]
GATE_INPUTS = [
    dict(x=3.0, y=-4.0, upstream=2.0),
    dict(x=-2.0, y=5.0, upstream=1.0),
    dict(x=0.5, y=0.5, upstream=-3.0),
    dict(x=7.0, y=0.0, upstream=0.0),
    dict(x=-1.0, y=-6.0, upstream=-0.5),
]


def _gate_gradients(gate):
    """The engine's (dx, dy) for `gate` scaled by an upstream gradient."""

    def reference(x, y, upstream):
        g = trace(gate, x=x, y=y).backward()
        return (upstream * g.grads["x"], upstream * g.grads["y"])

    return reference


@exercise(
    "1.1",
    "gradients of f = (x + y)·z",
    points=2,
    hints=(
        "Give the sum a name, q = x + y, so that f = q·z. Then ∂f/∂z and ∂f/∂q are one step each.",
        "∂f/∂z = q and ∂f/∂q = z. The add gate passes ∂f/∂q on unchanged to both x and y.",
    ),
)
def _add_multiply(add_multiply_gradients):
    def reference(x, y, z):
        return tuple(trace(lambda x, y, z: (x + y) * z, x=x, y=y, z=z).backward().grads.values())

    return calls(
        add_multiply_gradients,
        "add_multiply_gradients",
        POINTS,
        reference,
        "return (∂f/∂x, ∂f/∂y, ∂f/∂z) in that order; ∂f/∂x = ∂f/∂q · ∂q/∂x = z · 1",
    )


@exercise(
    "1.2",
    "add gate",
    points=1,
    hints=(
        "The local gradient of x + y is 1 with respect to x and 1 with respect to y.",
        "downstream = upstream × local, so both inputs receive the upstream gradient unchanged.",
    ),
)
def _add_gate(add_backward):
    return calls(
        add_backward,
        "add_backward",
        GATE_INPUTS,
        _gate_gradients(lambda x, y: x + y),
        "the add gate distributes: each input gets the upstream gradient as it is",
    )


@exercise(
    "1.3",
    "multiply gate",
    points=1,
    hints=(
        "The local gradient of x·y with respect to x is y, and with respect to y it is x.",
        "Multiply each local gradient by the upstream gradient: the gate swaps its inputs.",
    ),
)
def _multiply_gate(multiply_backward):
    return calls(
        multiply_backward,
        "multiply_backward",
        GATE_INPUTS,
        _gate_gradients(lambda x, y: x * y),
        "the gradient flowing into x is the upstream gradient times y (and into y, times x)",
    )


@exercise(
    "1.4",
    "max gate",
    points=1,
    hints=(
        "Only the larger input affects the output, so only it receives a gradient. On a tie, "
        "neither input alone decides the output, so they share the gradient.",
        "Return (upstream, 0.0) when x > y, (0.0, upstream) when y > x, and half of the "
        "upstream gradient to each on a tie.",
    ),
)
def _max_gate(max_backward):
    ties_and_more = GATE_INPUTS + [dict(x=2.0, y=2.0, upstream=5.0)]
    return calls(
        max_backward,
        "max_backward",
        ties_and_more,
        _gate_gradients(lambda x, y: maximum(x, y)),
        "the max gate routes: the larger input gets all of the upstream gradient, the other 0 "
        "(on a tie, each gets half)",
    )


@exercise(
    "1.5",
    "branching: f = x·y + x",
    points=2,
    hints=(
        "x is used twice: once in the product and once in the sum.",
        "Add the two paths: through the product x gets y, through the sum it gets 1.",
    ),
)
def _branching(branch_gradients):
    def reference(x, y):
        a, b = Value(x), Value(y)
        (a * b + a).backward()
        return (a.grad, b.grad)

    return calls(
        branch_gradients,
        "branch_gradients",
        [dict(x=3.0, y=-2.0), dict(x=-1.0, y=4.0), dict(x=0.0, y=0.0), dict(x=2.5, y=-1.0)],
        reference,
        "where a value is used twice, the gradients from both uses add up",
    )


# 1.6: the graph the backward-pass stepper walks through, the point it is traced at, and how far
# a prediction of x's total gradient may be off (the truth is a whole number; slips are ±1 or more).
def product_and_max(x, y):
    return x * y + maximum(x, y)


STEPPER_POINT = dict(x=2.0, y=4.0)
STEPPER_WITHIN = 0.5


def stepper_total(function, point: dict, name: str) -> float:
    """The gradient the stepper shows reaching input `name` after its last step: the sum of what
    the steps of the backward pass send along each of its wires."""
    g = trace(function, **point).backward()
    source = g.inputs[name]
    return sum(c.downstream for step in g.steps() for c in step.contributions
               if c.input is source)


@exercise(
    "1.6",
    "predict: the stepper's total for x",
    points=1,
    hints=(
        "x feeds two gates, so it receives two gradients and their sum. Work out each one: the "
        "add gate at the end hands 1 to both the product and the max.",
        "Through x·y, x receives 1 × y. Through max(x, y), the larger input gets everything: "
        "which one is larger at x = 2, y = 4?",
    ),
)
def _stepper_prediction(gradient_to_x):
    return prediction(
        gradient_to_x,
        "gradient_to_x",
        lambda: stepper_total(product_and_max, STEPPER_POINT, "x"),
        "the stepper's total gradient of x for f = x·y + max(x, y) at x = 2, y = 4",
        within=STEPPER_WITHIN,
        hint="the max gate sends its gradient only to the larger input, and here that is y",
    )
