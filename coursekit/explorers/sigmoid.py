"""The sigmoid playground: one neuron, drawn gate by gate and with a single σ gate.

    sigmoid_playground()   # five sliders: w0, x0, w1, x1, b

The neuron is the lectures' logistic example f = 1 / (1 + exp(−(w0·x0 + w1·x1 + b))). Drawn gate
by gate, its backward pass goes through ×−1, exp, +1 and 1/x; drawn with one σ gate, it takes a
single step with the local gradient σ(s)(1 − σ(s)). Both give the same gradients, which is why
the shortcut is allowed. `sigmoid_view(...)` computes both drawings without any widget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import ipywidgets as widgets

from coursekit.draw import SCALE, draw, svg_picture, with_minus_signs
from coursekit.engine import Value
from coursekit.trace import format_number, trace

from ._render import Explorer

__all__ = ["SigmoidView", "sigmoid_view", "sigmoid_playground"]

# Both drawings' size in drawing units: they keep it as the numbers change, so nothing below
# them moves while a slider is dragged (the widest labels, near the sliders' ends, need up to
# 1140 units: such a drawing is shrunk a little into it), and one width draws both at one scale.
CANVAS = (1000.0, 250.0)
GATES_TITLE = "gate by gate: 1 / (1 + exp(−s))"
SINGLE_TITLE = "one σ gate: local gradient σ(s)(1 − σ(s))"


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
    return SigmoidView(draw(gates, canvas=CANVAS).svg, draw(single, canvas=CANVAS).svg, output,
                       gates.grads, single.grads, local, with_minus_signs(comparison))


def sigmoid_playground(
    w0: float = 2.0, x0: float = -1.0, w1: float = -3.0, x1: float = -2.0, b: float = -3.0
) -> Explorer:
    """Five sliders for the neuron's inputs, both drawings one above the other, their comparison.

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
        gates.value = f"<b>{GATES_TITLE}</b><br>{view.gates_svg}"
        single.value = f"<b>{SINGLE_TITLE}</b><br>{view.single_svg}"
        comparison.value = view.comparison
        shown[:] = [view.gates_svg, view.single_svg]

    shown: list[str] = []
    show()
    for slider in sliders.values():
        slider.observe(show, names="value")
    return Explorer([
        widgets.HBox(list(sliders.values()), layout=widgets.Layout(flex_flow="row wrap")),
        gates,
        single,
        comparison,
    ], "sigmoid playground",
       lambda: svg_picture(one_above_the_other(*shown), "the neuron drawn gate by gate and with "
                           "one σ gate, with its values and gradients"))


def one_above_the_other(gates_svg: str, single_svg: str) -> str:
    """Both drawings, titled, in one SVG picture: what the playground shows before it runs."""
    rows, top = [], 0.0
    for title, svg in ((GATES_TITLE, gates_svg), (SINGLE_TITLE, single_svg)):
        width, height = (float(size) for size in re.findall(r'(?:width|height)="([\d.]+)"',
                                                              svg.split(">", 1)[0])[:2])
        rows.append(f'<text x="0" y="{top + 22:g}" font-weight="bold">{escape(title)}</text>')
        rows.append(svg.replace("<svg ", f'<svg x="0" y="{top + 32:g}" ', 1))
        top += 32 + height + 16
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SCALE * CANVAS[0]:g}" height="{top:g}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="20">', *rows, "</svg>"])
