"""Notebook 00: one warm-up exercise, to show how answering and checking work."""

from .framework import calls, exercise


@exercise(
    "0.1",
    "warm-up: the slope of a line",
    points=1,
    hints=(
        "The slope of f(x) = a·x + b does not depend on x or on b.",
        "Return a itself.",
    ),
)
def _slope(slope):
    points = [
        dict(a=2.0, b=1.0, x=5.0),
        dict(a=-3.0, b=0.5, x=0.0),
        dict(a=0.0, b=4.0, x=-1.0),
        dict(a=1.5, b=-2.0, x=10.0),
    ]
    return calls(
        slope, "slope", points, lambda a, b, x: a, "how much does a·x + b change when x grows by 1?"
    )
