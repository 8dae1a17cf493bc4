"""Scalar reverse-mode autodiff: the `Value` engine.

Every operation has the same shape. It computes the output's number and records, for each of its
inputs, the *local gradient* d(output)/d(input). The backward pass then visits the graph from the
output back to the inputs and applies the chain rule at every node:

    downstream gradient = upstream gradient × local gradient

and where a value feeds several operations, the gradients arriving from each of them add up.

Gradient rule: `backward()` recomputes every gradient in the graph from scratch, so the gradients
always describe the latest backward pass; calling it twice gives the same numbers, never double.
`backward(accumulate=True)` instead adds this pass's gradients to the ones already there, as
micrograd and PyTorch do: `l1.backward(); l2.backward(accumulate=True)` leaves d(l1 + l2).

Numbers that leave the floats: `exp` and `**` raise an OverflowError that says what overflowed,
while `*` and `/` give ±inf as float arithmetic does. A nan input gives a nan output, through
relu and max too. A Value has no truth value, so `if x:` raises instead of silently branching.

Storing local gradients as numbers (instead of a closure per node, as micrograd does) keeps the
engine free of reference cycles, so Python frees a graph as soon as it is no longer used.
"""

from __future__ import annotations

import math
from functools import lru_cache
from numbers import Real

__all__ = ["Value", "maximum", "backward_order", "forward_order"]


@lru_cache(maxsize=4096)  # formatting a float costs more than the arithmetic; constants repeat
def _number(c: float) -> str:
    """How a constant folded into an operation is written: `+1`, `*-1`, `1/x`."""
    return f"{c:g}"


class Value:
    """A scalar that remembers how it was computed, so its gradient can flow back.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)
    """

    __slots__ = ("data", "grad", "label", "op", "inputs", "local_grads")

    def __init__(self, data: float, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(...) got a Value; use it directly, it is already a Value")
        try:
            self.data = float(data)
        except (TypeError, ValueError):
            raise TypeError(
                f"Value needs a real number, got {type(data).__name__} {data!r}"
            ) from None
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.inputs: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()

    @staticmethod
    def _result(data: float, op: str, inputs: tuple, local_grads: tuple) -> Value:
        """The output of an operation: its number, its inputs and their local gradients."""
        out = Value.__new__(Value)
        out.data, out.grad, out.label = data, 0.0, ""
        out.op, out.inputs, out.local_grads = op, inputs, local_grads
        return out

    def named(self, label: str) -> Value:
        """Give this value a name (like `q`) that tables and drawings show; returns self."""
        self.label = label
        return self

    # ----- arithmetic: a Value with a Value, or with a plain number folded into the operation

    def __add__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return Value._result(self.data + other.data, "+", (self, other), (1.0, 1.0))
        c = _checked(other, "+")
        op = f"+{_number(c)}" if c >= 0 else f"-{_number(-c)}"
        return Value._result(self.data + c, op, (self,), (1.0,))

    def __mul__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            a, b = self.data, other.data
            return Value._result(a * b, "×", (self, other), (b, a))
        c = _checked(other, "*")
        return Value._result(self.data * c, f"*{_number(c)}", (self,), (c,))

    def __neg__(self) -> Value:
        return Value._result(-self.data, "*-1", (self,), (-1.0,))

    def __sub__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return Value._result(self.data - other.data, "-", (self, other), (1.0, -1.0))
        return self + (-_checked(other, "-"))

    def __rsub__(self, other: float) -> Value:
        c = _checked(other, "-")
        return Value._result(c - self.data, f"{_number(c)}-x", (self,), (-1.0,))

    def __truediv__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            if other.data == 0:
                raise ZeroDivisionError(f"division by a Value that is 0 ({other!r})")
            a, b = self.data, other.data
            # -a/b² as (a/b)/b: b*b alone underflows to 0 for |b| below about 1e-154.
            out = a / b
            return Value._result(out, "/", (self, other), (1.0 / b, -out / b))
        c = _checked(other, "/")
        if c == 0:
            raise ZeroDivisionError("division of a Value by 0")
        return Value._result(self.data / c, f"/{_number(c)}", (self,), (1.0 / c,))

    def __rtruediv__(self, other: float) -> Value:
        c = _checked(other, "/")
        a = self.data
        if a == 0:
            raise ZeroDivisionError(f"{_number(c)} / x with x = 0 ({self!r})")
        out = c / a
        return Value._result(out, f"{_number(c)}/x", (self,), (-out / a,))

    def __pow__(self, other: Value | float) -> Value:
        a = self.data
        if isinstance(other, Value):
            b = other.data
            out = _power(a, b)
            # d(a^b)/db = a^b · ln a, defined for a > 0 (and 0 when a = 0 with b > 0).
            by_exponent = out * math.log(a) if a > 0 else (0.0 if a == 0 else math.nan)
            return Value._result(out, "^", (self, other), (_power_slope(a, b), by_exponent))
        c = _checked(other, "**")
        out = _power(a, c)
        return Value._result(out, f"^{_number(c)}", (self,), (_power_slope(a, c),))

    def __rpow__(self, other: float) -> Value:
        c = _checked(other, "**")
        if c <= 0:
            raise ValueError(f"{_number(c)} ** x needs a positive base to have a gradient in x")
        out = _power(c, self.data)
        return Value._result(out, f"{_number(c)}^x", (self,), (out * math.log(c),))

    __radd__ = __add__
    __rmul__ = __mul__

    # ----- functions of one value

    def exp(self) -> Value:
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data:g}) is too large for a float") from None
        return Value._result(out, "exp", (self,), (out,))

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log needs a positive number, got {self.data:g}")
        return Value._result(math.log(self.data), "log", (self,), (1.0 / self.data,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value._result(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^-x) as one gate, with its local gradient σ(x)(1 − σ(x))."""
        s = _sigmoid(self.data)
        return Value._result(s, "σ", (self,), (s * (1.0 - s),))

    def relu(self) -> Value:
        """max(0, x). At exactly x = 0 the local gradient is taken to be 0; nan stays nan."""
        a = self.data
        if a > 0:
            return Value._result(a, "relu", (self,), (1.0,))
        return Value._result(a if a != a else 0.0, "relu", (self,), (0.0,))  # a != a: nan

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """max(αx, x) for 0 ≤ α < 1. At exactly x = 0 the local gradient is taken to be α."""
        a = self.data
        if a > 0:
            return Value._result(a, "leaky_relu", (self,), (1.0,))
        return Value._result(alpha * a, "leaky_relu", (self,), (float(alpha),))

    def max(self, other: Value | float) -> Value:
        """The max gate: the larger input gets the gradient; a tie splits it (see `maximum`)."""
        return maximum(self, other)

    def __bool__(self) -> bool:
        raise TypeError(
            "a Value has no truth value: `if x:` or `x and y` would pick a branch from the number "
            "once, and the graph would not record the choice. Decide on the number itself "
            "(`if x.data > 0:`), or use a gate that has a gradient (x.relu(), x.max(y))"
        )

    # ----- the backward pass

    def topological_order(self) -> list[Value]:
        """Every value this one depends on, inputs before the operations that use them."""
        return forward_order(self)

    def backward(self, accumulate: bool = False) -> None:
        """Fill `.grad` of every value in the graph with d(self)/d(value), from scratch.

        With accumulate=True each `.grad` gets d(self)/d(value) added to what it already held
        (from an earlier backward pass), the way micrograd and PyTorch always work.
        """
        order = backward_order(self)
        earlier = [node.grad for node in order] if accumulate else None
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in order:
            upstream = node.grad
            for parent, local in zip(node.inputs, node.local_grads):
                parent.grad += upstream * local
        if accumulate:
            for node, grad in zip(order, earlier):
                node.grad += grad

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"


def backward_order(output):
    """The graph behind `output`, from it back to its inputs, each node after all of its users.

    A node's gradient is complete once every operation that uses it has sent its share back, so
    a node becomes ready when its count of unvisited users reaches zero. No recursion: a chain of
    a million operations is fine. Works for any node with an `.inputs` tuple (Value or Tensor).
    """
    users = {output: 0}
    stack = [output]
    while stack:
        for parent in stack.pop().inputs:
            if parent in users:
                users[parent] += 1
            else:
                users[parent] = 1
                stack.append(parent)
    order, ready = [], [output]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.inputs:
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return order


def forward_order(output):
    """`backward_order` reversed: inputs before the operations that use them, `output` last."""
    order = backward_order(output)
    order.reverse()
    return order


def maximum(a: Value | float, b: Value | float) -> Value:
    """The max gate: routes the whole upstream gradient to the larger input.

    Tie rule: equal inputs split the gradient evenly (half each), as `Tensor.max` and PyTorch's
    maximum do, so what flows back still adds up to the upstream gradient. A nan in either
    input gives nan, whichever side it is on.
    """
    if not isinstance(a, Value):
        a = Value(_checked(a, "max"))
    if not isinstance(b, Value):
        b = Value(_checked(b, "max"))
    x, y = a.data, b.data
    if x > y:
        return Value._result(x, "max", (a, b), (1.0, 0.0))
    if y > x:
        return Value._result(y, "max", (a, b), (0.0, 1.0))
    # A tie, or a nan that no comparison can order (nan == nan is False).
    return Value._result(x if x == y else math.nan, "max", (a, b), (0.5, 0.5))


def _checked(other: object, symbol: str) -> float:
    """A plain number to combine with a Value, or a helpful TypeError."""
    if type(other) is float:  # the common case, checked first because it is fast
        return other
    if isinstance(other, Real):
        return float(other)
    if hasattr(other, "shape"):
        raise TypeError(
            f"cannot combine a Value with an array using {symbol}; "
            "use coursekit.Tensor for arrays, Value for single numbers"
        )
    raise TypeError(f"cannot use {symbol} with a Value and a {type(other).__name__}")


def _power(a: float, b: float) -> float:
    """a ** b as a float, or an error that says why it has none."""
    try:
        out = a**b
    except ZeroDivisionError:
        raise ZeroDivisionError(
            f"0 ** {b:g} is 1 / 0 ** {-b:g}, a division by zero: a zero base needs an exponent "
            "of 0 or more"
        ) from None
    except OverflowError:
        raise OverflowError(
            f"{a:g} ** {b:g} is too large for a float (the largest is about 1.8e308); scale the "
            "base or the exponent down, or work with logarithms"
        ) from None
    if isinstance(out, complex):
        raise ValueError(f"{a:g} ** {b:g} is not a real number")
    return out


def _power_slope(a: float, b: float) -> float:
    """d(a^b)/da = b·a^(b−1): 0 when b = 0 (a^0 is the constant 1), and +inf at a = 0 for
    0 < b < 1, where the curve (like √a) starts out vertical."""
    if b == 0:
        return 0.0
    if a == 0 and b < 1:
        return math.inf
    return b * _power(a, b - 1)


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), written so that neither branch overflows."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
