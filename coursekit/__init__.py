"""coursekit: the small library behind an interactive course on backpropagation.

The numeric core is importable on its own (numpy only): the scalar engine `Value`, the array
engine `Tensor`, the graph tracer `trace` and the gradient checks. Drawing, plots and widgets
live in modules of their own and load matplotlib or ipywidgets only when used.
"""

from .engine import Value, maximum
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .tensor import Tensor, no_grad
from .trace import Graph, trace

__all__ = [
    "Value",
    "maximum",
    "Tensor",
    "no_grad",
    "trace",
    "Graph",
    "gradcheck",
    "numerical_gradient",
    "rel_error",
]
