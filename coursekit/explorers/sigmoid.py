"""The sigmoid playground: one neuron, drawn gate by gate and with a single σ gate.

    sigmoid_playground()   # five sliders: w0, x0, w1, x1, b

The neuron is the lectures' logistic example f = 1 / (1 + exp(−(w0·x0 + w1·x1 + b))). Drawn gate
by gate, its backward pass goes through ×−1, exp, +1 and 1/x; drawn with one σ gate, it takes a
single step with the local gradient σ(s)(1 − σ(s)). Both give the same gradients, which is why
the shortcut is allowed. `sigmoid_view(...)` computes both drawings without any widget.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets

from coursekit.draw import draw
from coursekit.engine import Value
from coursekit.trace import format_number, trace

__all__ = ["SigmoidView", "sigmoid_view", "sigmoid_playground"]


def _weighted_sum(w0: Value, x0: Value, w1: Value, x1: Value, b: Value) -> Value:
    return (w0 * x0 + w1 * x1 + b).named("s")


def neuron_in_gates(w0: Value, x0: Value, w1: Value, x1: Value, b: Value) -> Value:
    """σ(s) built from the smallest gates: 1 / (1 + exp(−s))."""
    return 1 / (1 + (-_weighted_sum(w0, x0, w1, x1, b)).exp())


def neuron_with_sigmoid(w0: Value, x0: Value, w1: Value, x1: Value, b: Value) -> Value:
    """σ(s) as one gate whose local gradient is σ(s)(1 − σ(s))."""
    return _weighted_sum(w0, x0, w1, x1, b).sigmoid()


@dataclass(frozen=True)
class SigmoidView:
    """Both drawings of the neuron at one point, with their outputs and gradients."""

    gates_svg: str
    single_svg: str
    output: float
    gates_grads: dict[str, float]
    single_grads: dict[str, float]
    local_grad: float  # σ(s)(1 − σ(s)), what the σ gate multiplies the upstream gradient by
    comparison: str  # one sentence: do the two sets of gradients agree?


def sigmoid_view(w0: float, x0: float, w1: float, x1: float, b: float) -> SigmoidView:
    """Trace the neuron both ways at this point, run both backward passes, and compare them."""
    point = {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "b": b}
    gates = trace(neuron_in_gates, **point).backward()
    single = trace(neuron_with_sigmoid, **point).backward()
    output = single.value
    local = output * (1 - output)
    difference = max(abs(gates.grads[name] - single.grads[name]) for name in point)
    listed = ", ".join(f"{name} {format_number(grad)}" for name, grad in single.grads.items())
    verdict = "the same gradients" if difference < 1e-9 else "DIFFERENT gradients"
    comparison = (
        f"Both graphs give f = {format_number(output)} and {verdict} ({listed}; largest "
        f"difference {difference:.1g}). The σ gate's local gradient σ(s)(1 − σ(s)) = "
        f"{format_number(output)} × {format_number(1 - output)} = {format_number(local)}."
    )
    return SigmoidView(draw(gates).svg, draw(single).svg, output, gates.grads, single.grads,
                       local, comparison)


def sigmoid_playground(
    w0: float = 2.0, x0: float = -1.0, w1: float = -3.0, x1: float = -2.0, b: float = -3.0
) -> widgets.VBox:
    """Five sliders for the neuron's inputs, both drawings side by side, and their comparison.

    The defaults are the lectures' point, where f = 0.73.
    """
    start = {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "b": b}
    sliders = {
        name: widgets.FloatSlider(
            value=value, min=min(-5.0, value), max=max(5.0, value), step=0.1, description=name
        )
        for name, value in start.items()
    }
    gates, single, comparison = widgets.HTML(), widgets.HTML(), widgets.HTML()

    def show(_: object = None) -> None:
        view = sigmoid_view(**{name: slider.value for name, slider in sliders.items()})
        gates.value = "<b>gate by gate: 1 / (1 + exp(−s))</b><br>" + view.gates_svg
        single.value = "<b>one σ gate: local gradient σ(s)(1 − σ(s))</b><br>" + view.single_svg
        comparison.value = view.comparison

    show()
    for slider in sliders.values():
        slider.observe(show, names="value")
    side_by_side = widgets.Layout(display="flex", flex_flow="row wrap")
    return widgets.VBox([
        widgets.HBox(list(sliders.values()), layout=widgets.Layout(flex_flow="row wrap")),
        widgets.Box([gates, single], layout=side_by_side),
        comparison,
    ])
