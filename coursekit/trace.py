"""Tracing: turn a Python function into a computational graph you can read, step through and draw.

    >>> g = trace(lambda x, y, z: (x + y).named("q") * z, x=-2.0, y=5.0, z=-4.0)
    >>> g.value
    -12.0
    >>> g.backward().grads
    {'x': -4.0, 'y': -4.0, 'z': 3.0}

`trace` calls the function once on traced inputs (`Value`s for numbers, `Tensor`s for arrays) and
keeps the graph the engine recorded. Nothing is re-run afterwards: the graph's nodes hold the
forward values, and after `backward()` the gradients, so it can be printed as a small program,
tabulated, stepped through backwards and drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .engine import Value
from .tensor import Tensor

__all__ = ["trace", "Graph", "Node", "Step", "Contribution", "format_number"]

# Operations written between their two inputs, and how the program text spells them in Python.
_INFIX = {"+": "+", "-": "-", "×": "*", "/": "/", "^": "**", "@": "@"}
_FUNCTION_NAMES = {"σ": "sigmoid"}
_SHOW_VALUES_UP_TO = 4  # arrays with more entries are shown by their shape


@dataclass(eq=False)
class Node:
    """One value in the graph: an input, a constant, or the result of an operation."""

    name: str
    kind: str  # "input", "constant" or "op"
    op: str  # the operation's label, "" for inputs and constants
    inputs: tuple[Node, ...]
    source: Value | Tensor  # the engine object that holds the numbers

    @property
    def value(self) -> float | np.ndarray:
        return self.source.data

    @property
    def grad(self) -> float | np.ndarray | None:
        return self.source.grad

    def __repr__(self) -> str:
        return f"Node({self.name}: {self.op or self.kind}, value={format_number(self.value)})"


@dataclass(frozen=True)
class Contribution:
    """What one edge carries back: downstream = upstream × local (local shown for scalars)."""

    input: Node
    local: float | None  # None for array operations, whose local gradient is a Jacobian
    downstream: float | np.ndarray


@dataclass(frozen=True)
class Step:
    """One node of the backward pass: its upstream gradient and what it sends to each input."""

    node: Node
    upstream: float | np.ndarray
    contributions: tuple[Contribution, ...]

    def sentences(self) -> list[str]:
        """"upstream × local = downstream" for each input, with the numbers."""
        lines = []
        for c in self.contributions:
            if c.local is None:
                lines.append(
                    f"{c.input.name} receives {format_number(c.downstream)} "
                    f"(upstream {format_number(self.upstream)} through {self.node.op})"
                )
            else:
                lines.append(
                    f"{c.input.name}: upstream × local = downstream: "
                    f"{format_number(self.upstream)} × {format_number(c.local)} "
                    f"= {format_number(c.downstream)}"
                )
        return lines

    def __str__(self) -> str:
        header = f"{self.node.name} = {_expression(self.node)}"
        return "\n".join([header, *("  " + line for line in self.sentences())])


class Graph:
    """A traced computation: nodes in topological order, inputs by name, one output."""

    def __init__(self, output: Value | Tensor, inputs: dict[str, Value | Tensor], name: str):
        self._backward_done = False
        # Inputs first, in the order given (even one the output ignores: its gradient is 0),
        # then every operation after the values it uses.
        input_names = {v: name for name, v in inputs.items()}
        order = [*inputs.values()]
        order += [v for v in output.topological_order() if v not in input_names]
        nodes: dict[Value | Tensor, Node] = {}
        used: set[str] = set()
        unnamed = 0
        for source in order:
            if source in input_names:
                kind, label = "input", input_names[source]
            elif not source.inputs:
                kind, label = "constant", source.label or _constant_name(source)
            elif source.label or source is output:
                kind, label = "op", source.label or "f"  # the lectures call the output f
            else:
                unnamed += 1
                kind, label = "op", f"t{unnamed}"
            label = _unique(label, used)
            node_inputs = tuple(nodes[parent] for parent in source.inputs)
            nodes[source] = Node(label, kind, source.op, node_inputs, source)
        self.nodes: list[Node] = list(nodes.values())
        self.inputs: dict[str, Node] = {name: nodes[v] for name, v in inputs.items()}
        self.output: Node = nodes[output]
        self.name = name

    @property
    def value(self) -> float | np.ndarray:
        """The output's forward value."""
        return self.output.value

    def backward(self) -> Graph:
        """Run the backward pass from the output (gradients recomputed from scratch)."""
        self.output.source.backward()
        self._backward_done = True
        return self

    @property
    def has_gradients(self) -> bool:
        """Whether backward() has run, so the nodes hold gradients to show."""
        return self._backward_done

    @property
    def grads(self) -> dict[str, float | np.ndarray]:
        """d(output)/d(input) for each input, by name."""
        self._require_backward("grads")
        return {name: _grad_or_zero(node) for name, node in self.inputs.items()}

    def node(self, name: str) -> Node:
        """The node with this name (an input, a named intermediate like `q`, or `t3`)."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node named {name!r}; the graph has {[n.name for n in self.nodes]}")

    def steps(self) -> list[Step]:
        """The backward pass, one operation at a time, from the output back to the inputs."""
        self._require_backward("steps()")
        steps = []
        for node in reversed(self.nodes):
            if node.kind != "op":
                continue
            upstream = _grad_or_zero(node)
            source = node.source
            if isinstance(source, Value):
                locals_ = source.local_grads
                downstream = [upstream * local for local in locals_]
            else:
                locals_ = [None] * len(node.inputs)
                downstream = source.backward_fn(upstream)
            contributions = tuple(
                Contribution(parent, local, down)
                for parent, local, down in zip(node.inputs, locals_, downstream)
            )
            steps.append(Step(node, upstream, contributions))
        return steps

    def text(self) -> str:
        """The graph as a small program: one equation per operation, forward values as comments."""
        arguments = ", ".join(self.inputs)
        lines = [f"def {self.name}({arguments}):"]
        equations = [
            (f"{node.name} = {_expression(node)}", format_number(node.value))
            for node in self.nodes
            if node.kind == "op"
        ]
        width = max((len(equation) for equation, _ in equations), default=0)
        lines += [f"    {equation:<{width}}  # {value}" for equation, value in equations]
        lines.append(f"    return {self.output.name}")
        return "\n".join(lines)

    def table(self) -> str:
        """Every node's operation, forward value and gradient, as an aligned text table."""
        rows = [("node", "operation", "value", "gradient")]
        for node in self.nodes:
            grad = format_number(node.grad) if self._backward_done else ""
            rows.append((node.name, node.op or node.kind, format_number(node.value), grad))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        return "\n".join(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows
        )

    def __str__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        from .draw import draw  # the drawing code loads only when a notebook shows a graph

        return draw(self)._repr_mimebundle_()

    def __repr__(self) -> str:
        operations = sum(node.kind == "op" for node in self.nodes)
        return (
            f"<Graph {self.name}({', '.join(self.inputs)}): {operations} operations, "
            f"output {format_number(self.value)}>"
        )

    def _require_backward(self, what: str) -> None:
        if not self._backward_done:
            raise RuntimeError(f"{what} needs the backward pass: call g.backward() first")


def trace(f: Callable[..., Value | Tensor], **inputs: float | np.ndarray) -> Graph:
    """Run f on traced inputs given by name, and return the graph it computed.

    Numbers become `Value`s; if any input is an array, every input becomes a `Tensor`.
    Name an intermediate result inside f with `.named("q")` to see it by name.
    """
    if not inputs:
        raise TypeError("trace needs the inputs by name, e.g. trace(f, x=-2.0, y=5.0)")
    use_tensors = any(np.ndim(value) > 0 for value in inputs.values())
    traced = {name: _traced_input(name, value, use_tensors) for name, value in inputs.items()}
    output = f(**traced)
    if not isinstance(output, (Value, Tensor)):
        raise TypeError(
            f"trace: {_function_name(f)} returned a {type(output).__name__}, not a Value or "
            "Tensor, so there is no graph to keep. Use the inputs' own operations "
            "(x.exp(), x.sigmoid()) rather than math or numpy functions."
        )
    if isinstance(output, Tensor) and output.size != 1:
        raise ValueError(
            f"trace: the output has shape {output.shape}; the backward pass starts from a single "
            "number, so reduce it first (for example .sum() or .mean())"
        )
    return Graph(output, traced, _function_name(f))


def format_number(value: float | np.ndarray | None) -> str:
    """A value as the course shows it: 3 significant digits, arrays by shape when large."""
    if value is None:
        return ""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if value.size > _SHOW_VALUES_UP_TO:
            return "array" + str(value.shape)
        return "[" + ", ".join(format_number(v) for v in value.ravel()) + "]"
    value = float(value)
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


def _traced_input(name: str, value: object, use_tensors: bool) -> Value | Tensor:
    if isinstance(value, (Value, Tensor)):
        raise TypeError(f"trace: pass {name} as a plain number or array; trace wraps it for you")
    try:
        if use_tensors:
            return Tensor(np.asarray(value, dtype=float), requires_grad=True, label=name)
        return Value(value, label=name)
    except (TypeError, ValueError):
        raise TypeError(
            f"trace: input {name} must be a number or an array of numbers, got {value!r}"
        ) from None


def _expression(node: Node) -> str:
    """The right-hand side of a node's equation, in Python spelling."""
    op, names = node.op, [parent.name for parent in node.inputs]
    if op in _INFIX and len(names) == 2:
        return f"{names[0]} {_INFIX[op]} {names[1]}"
    if op == "max":
        return f"max({', '.join(names)})"
    if len(names) == 1 and op[:1] in "+-*/^" and len(op) > 1:  # a constant on the right: t + 1
        symbol = "**" if op[0] == "^" else op[0]
        return f"{names[0]} {symbol} {op[1:]}"
    if len(names) == 1 and len(op) > 2 and op[-2:] in ("/x", "-x", "^x"):  # on the left: 1 / t
        symbol = "**" if op[-2] == "^" else op[-2]
        return f"{op[:-2]} {symbol} {names[0]}"
    if op == "T":
        return f"{names[0]}.T"
    return f"{_FUNCTION_NAMES.get(op, op)}({', '.join(names)})"


def _constant_name(source: Value | Tensor) -> str:
    return format_number(source.data) if isinstance(source, Value) else "constant"


def _unique(label: str, used: set[str]) -> str:
    candidate, suffix = label, 2
    while candidate in used:
        candidate, suffix = f"{label}_{suffix}", suffix + 1
    used.add(candidate)
    return candidate


def _grad_or_zero(node: Node) -> float | np.ndarray:
    grad = node.grad
    if grad is None:
        return np.zeros_like(node.value)
    return grad


def _function_name(f: Callable) -> str:
    name = getattr(f, "__name__", "")
    return name if name.isidentifier() else "f"
