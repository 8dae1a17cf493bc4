"""The backward-pass stepper: walk through backpropagation one operation at a time.

    backward_stepper(g)   # in a notebook: the graph, with previous/next buttons and a slider

Step 0 shows the graph with only the output's gradient known (df/df = 1); step k adds what the
k-th operation from the output sends back to its inputs, and writes its "upstream × local =
downstream" under the graph. `stepper_view(g, k)` computes that picture without any widget.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets

from coursekit.draw import draw, svg_picture
from coursekit.trace import Graph

from ._render import Explorer

__all__ = ["StepperView", "stepper_view", "backward_stepper"]


@dataclass(frozen=True)
class StepperView:
    """What the stepper shows at one step: the drawing and the chain-rule sentences under it."""

    step: int
    steps: int  # how many operations the backward pass visits
    svg: str  # the graph drawn part-way; its caption already holds the sentences
    sentences: tuple[str, ...]


def stepper_view(g: Graph, step: int) -> StepperView:
    """The backward pass of g after `step` operations (0 = only the output's gradient, 1).

    Runs g.backward() first if g has no gradients yet.
    """
    if not g.has_gradients:
        g.backward()
    steps = g.steps()
    svg = draw(g, upto=step).svg  # checks 0 ≤ step ≤ len(steps), with a message that says so
    if step == 0:
        name = g.output.name
        sentences = (f"the backward pass starts at the output: d{name}/d{name} = 1",)
    else:
        sentences = tuple(steps[step - 1].sentences())
    return StepperView(step, len(steps), svg, sentences)


def backward_stepper(g: Graph) -> Explorer:
    """A widget that steps through g's backward pass: ◀ previous, next ▶, or drag the slider.

    Runs g.backward() first if g has no gradients yet.
    """
    first = stepper_view(g, 0)
    slider = widgets.IntSlider(value=0, min=0, max=first.steps, description="step")
    back = widgets.Button(description="◀ previous", disabled=True)
    forward = widgets.Button(description="next ▶", disabled=first.steps == 0)
    picture = widgets.HTML(first.svg)

    def show(change: dict) -> None:
        view = stepper_view(g, change["new"])
        picture.value = view.svg
        back.disabled = view.step == 0
        forward.disabled = view.step == view.steps

    def move(by: int) -> None:
        slider.value = min(max(slider.value + by, 0), slider.max)

    slider.observe(show, names="value")
    back.on_click(lambda _: move(-1))
    forward.on_click(lambda _: move(+1))
    return Explorer([widgets.HBox([back, forward, slider]), picture], "backward-pass stepper",
                    lambda: svg_picture(picture.value, "the graph at the first step"))
