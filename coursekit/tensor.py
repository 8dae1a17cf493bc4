"""Array reverse-mode autodiff: the `Tensor` engine, the vectorized sibling of `Value`.

Every operation computes its output array and keeps a small `backward_fn` that turns the upstream
gradient (shaped like the output) into one downstream gradient per input (shaped like that input):

    downstream gradient = upstream gradient · local gradient

When numpy broadcasting stretched an input (a bias of shape (1, 100) added to a (300, 100) batch),
its gradient is summed back over the stretched axes, because one number fed every copy.

Gradient rule: `backward()` recomputes every gradient in the graph from scratch, so the gradients
always describe the latest backward pass; calling it twice gives the same numbers, never double.
`backward(accumulate=True)` adds this pass's gradients to the ones already there, as in PyTorch.
Tensors created with `requires_grad=False` are constants: no graph edges lead to them and their
`.grad` stays None. A leaf's `.grad` is an array of its own, safe to change in place; the gradients
of intermediate results may share memory with each other.

The closures keep arrays, never the output tensor, so a graph holds no reference cycles and Python
frees it as soon as it is no longer used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from numbers import Real

import numpy as np

from .engine import Value, _number, backward_order, forward_order
from .stable import bce_with_logits as _bce_with_logits
from .stable import log_softmax as _log_softmax
from .stable import sigmoid as _sigmoid
from .stable import softmax_minus_one_hot as _softmax_minus_one_hot

__all__ = [
    "Tensor",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "detect_nonfinite",
    "no_grad",
]

Axis = int | tuple[int, ...] | None

_grad_enabled = True
_check_nonfinite = False


class Tensor:
    """An array that remembers how it was computed, so gradients can flow back into it.

    >>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> loss = (W * W).sum()
    >>> loss.backward()
    >>> W.grad.tolist()
    [[2.0, 4.0], [6.0, 8.0]]
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "op", "inputs", "backward_fn",
                 "__weakref__")
    # Make numpy hand `array + tensor` to Tensor.__radd__ instead of looping over the tensor.
    __array_ufunc__ = None

    def __init__(self, data: object, requires_grad: bool = False, label: str = "") -> None:
        if isinstance(data, Tensor):
            raise TypeError("Tensor(...) got a Tensor; use it directly, or Tensor(t.data) for a "
                            "copy outside the graph")
        try:
            array = np.asarray(data)
        except (TypeError, ValueError) as error:
            raise TypeError(
                "Tensor needs numbers: a number, a nested list with rows of equal length, or a "
                f"numpy array; got {type(data).__name__} ({error})"
            ) from None
        if array.dtype.kind not in "biuf":  # float(None) would silently become nan
            raise TypeError(
                "Tensor needs numbers: a number, a nested list with rows of equal length, or a "
                f"numpy array; got {type(data).__name__} {_brief(data)}, {_not_numbers(array)}"
            )
        # A copy, so changing the caller's array later does not change the tensor.
        self.data = np.array(array, dtype=np.float32 if array.dtype == np.float32 else np.float64)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self.op = ""
        self.inputs: tuple[Tensor, ...] = ()
        self.backward_fn: Callable[[np.ndarray], tuple[np.ndarray, ...]] | None = None

    def named(self, label: str) -> Tensor:
        """Give this tensor a name (like `W1`) for drawings and error messages; returns self."""
        self.label = label
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def item(self) -> float:
        """The single number this tensor holds (a loss, say) as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor holding one number, this one has shape "
                             f"{self.shape}; reduce it first, e.g. with .sum() or .mean()")
        return self.data.item()

    # ----- arithmetic: Tensor with Tensor or array (broadcasting), or with a plain number

    def __add__(self, other: Tensor | np.ndarray | float) -> Tensor:
        if isinstance(other, Tensor) or not isinstance(other, Real):
            other = _as_tensor(other, "+")
            data = _broadcast(np.add, self, other, "+")
            return _pair(data, "+", self, other, _same, _same)
        c = float(other)
        op = f"+{_number(c)}" if c >= 0 else f"-{_number(-c)}"
        return _unary(self, self.data + c, op, _same)

    def __sub__(self, other: Tensor | np.ndarray | float) -> Tensor:
        if isinstance(other, Tensor) or not isinstance(other, Real):
            other = _as_tensor(other, "-")
            data = _broadcast(np.subtract, self, other, "-")
            return _pair(data, "-", self, other, _same, np.negative)
        return self + (-float(other))

    def __rsub__(self, other: Tensor | np.ndarray | float) -> Tensor:
        if not isinstance(other, Real):
            return _as_tensor(other, "-") - self
        c = float(other)
        return _unary(self, c - self.data, f"{_number(c)}-x", np.negative)

    def __mul__(self, other: Tensor | np.ndarray | float) -> Tensor:
        if isinstance(other, Tensor) or not isinstance(other, Real):
            other = _as_tensor(other, "*")
            a, b = self.data, other.data
            data = _broadcast(np.multiply, self, other, "×")
            return _pair(data, "×", self, other, lambda up: up * b, lambda up: up * a)
        c = float(other)
        return _unary(self, self.data * c, f"*{_number(c)}", lambda up: up * c)

    def __neg__(self) -> Tensor:
        return _unary(self, -self.data, "*-1", np.negative)

    def __truediv__(self, other: Tensor | np.ndarray | float) -> Tensor:
        if isinstance(other, Tensor) or not isinstance(other, Real):
            other = _as_tensor(other, "/")
            a, b = self.data, other.data
            data = _broadcast(np.divide, self, other, "/")
            return _pair(data, "/", self, other, lambda up: up / b, lambda up: -up * a / (b * b))
        c = float(other)
        if c == 0:
            raise ZeroDivisionError("division of a Tensor by the number 0")
        return _unary(self, self.data / c, f"/{_number(c)}", lambda up: up / c)

    def __rtruediv__(self, other: Tensor | np.ndarray | float) -> Tensor:
        if not isinstance(other, Real):
            return _as_tensor(other, "/") / self
        c, x = float(other), self.data
        return _unary(self, c / x, f"{_number(c)}/x", lambda up: up * (-c) / (x * x))

    def __pow__(self, other: Tensor | np.ndarray | float) -> Tensor:
        a = self.data
        if isinstance(other, Tensor) or not isinstance(other, Real):
            other = _as_tensor(other, "**")
            b = other.data
            value = _broadcast(np.power, self, other, "^")

            def by_exponent(up: np.ndarray) -> np.ndarray:
                # d(a^b)/db = a^b · ln a: defined for a > 0, 0 at a = 0, not a real number below.
                log_a = np.log(np.where(a > 0, a, 1.0))
                return np.where(a < 0, np.nan, up * value * log_a)

            return _pair(value, "^", self, other, lambda up: up * b * a ** (b - 1), by_exponent)
        c = float(other)
        return _unary(self, a**c, f"^{_number(c)}", lambda up: up * c * a ** (c - 1))

    def __rpow__(self, other: Tensor | np.ndarray | float) -> Tensor:
        if not isinstance(other, Real):
            return _as_tensor(other, "**") ** self
        c = float(other)
        if c <= 0:
            raise ValueError(f"{_number(c)} ** x needs a positive base to have a gradient in x")
        value = c**self.data
        return _unary(self, value, f"{_number(c)}^x", lambda up: up * value * np.log(c))

    def __radd__(self, other: Tensor | np.ndarray | float) -> Tensor:
        return self + other if isinstance(other, Real) else _as_tensor(other, "+") + self

    def __rmul__(self, other: Tensor | np.ndarray | float) -> Tensor:
        return self * other if isinstance(other, Real) else _as_tensor(other, "*") * self

    def __matmul__(self, other: Tensor | np.ndarray) -> Tensor:
        other = _matrix_operand(other)
        a, b = self.data, other.data
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"@ needs vectors or matrices, got shapes {a.shape} and {b.shape}; "
                             "to scale by a single number use * instead")
        try:
            data = a @ b
        except ValueError:
            raise ValueError(_matmul_mismatch(self, other)) from None
        if a.ndim == 2 and b.ndim == 2:  # the common case, kept short and fast
            return _pair(data, "@", self, other, lambda up: up @ b.T, lambda up: a.T @ up)
        # np.matmul treats a vector on the left as one row, a vector on the right as one column.
        rows = a if a.ndim > 1 else a[None, :]
        columns = b if b.ndim > 1 else b[:, None]

        def restore(up: np.ndarray) -> np.ndarray:
            """The upstream gradient with the axes matmul dropped for vectors put back."""
            if b.ndim == 1:
                up = up[..., None]
            return up[..., None, :] if a.ndim == 1 else up

        def to_a(up: np.ndarray) -> np.ndarray:
            grad = restore(up) @ np.swapaxes(columns, -1, -2)
            return grad[..., 0, :] if a.ndim == 1 else grad

        def to_b(up: np.ndarray) -> np.ndarray:
            grad = np.swapaxes(rows, -1, -2) @ restore(up)
            return grad[..., 0] if b.ndim == 1 else grad

        return _pair(data, "@", self, other, to_a, to_b)

    def __rmatmul__(self, other: Tensor | np.ndarray) -> Tensor:
        return _matrix_operand(other) @ self

    # ----- shapes

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed), so `(3, 4)` becomes `(4, 3)`."""
        return _unary(self, self.data.T, "T", lambda up: up.T)

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same numbers in a new shape: `x.reshape(3, 2)`, `x.reshape((3, 2))`, -1 inferred."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        original = self.data.shape
        try:
            data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot arrange the {self.data.size} numbers of shape "
                             f"{original} as shape {shape}; the sizes must multiply to "
                             f"{self.data.size}") from None
        return _unary(self, data, "reshape", lambda up: up.reshape(original))

    def __getitem__(self, index: object) -> Tensor:
        """`x[1:]`, `x[:, 0]`, or fancy indexing like `scores[range(n), labels]`.

        The gradient of every picked entry flows back to where it came from; an entry picked
        twice receives both gradients (np.add.at adds at repeated indices instead of overwriting).
        """
        data = self.data[index]
        shape, dtype = self.data.shape, self.data.dtype
        basic = _is_basic(index)

        def local(up: np.ndarray) -> np.ndarray:
            grad = np.zeros(shape, dtype)
            if basic:  # slices and single integers never pick an entry twice
                grad[index] = up
            else:
                np.add.at(grad, index, up)
            return grad

        return _unary(self, data, "[]", local)

    # ----- reductions

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (all axes by default); every summed entry gets the upstream gradient."""
        shape = self.data.shape
        return _unary(self, self.data.sum(axis=axis, keepdims=keepdims), "sum",
                      lambda up: _spread(_kept(up, axis, keepdims), shape))

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis` (all axes by default); each entry gets upstream / count."""
        shape = self.data.shape
        data = self.data.mean(axis=axis, keepdims=keepdims)
        count = self.data.size // max(data.size, 1)
        return _unary(self, data, "mean",
                      lambda up: _spread(_kept(up, axis, keepdims) / count, shape))

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Largest entry over `axis`; only the largest entries receive the upstream gradient.

        Tie rule: entries that share the maximum split the gradient evenly, as the scalar
        `maximum` and PyTorch do, so what flows back still adds up to the upstream gradient.
        """
        x = self.data
        kept = x.max(axis=axis, keepdims=True)
        data = kept if keepdims else (kept.reshape(()) if axis is None else kept.squeeze(axis))

        def local(up: np.ndarray) -> np.ndarray:
            winners = x == kept
            return winners * (_kept(up, axis, keepdims) / winners.sum(axis, keepdims=True))

        return _unary(self, data, "max", local)

    # ----- elementwise functions

    def exp(self) -> Tensor:
        value = np.exp(self.data)
        return _unary(self, value, "exp", lambda up: up * value)

    def log(self) -> Tensor:
        """Natural logarithm; its local gradient is 1/x."""
        x = self.data
        return _unary(self, np.log(x), "log", lambda up: up / x)

    def tanh(self) -> Tensor:
        value = np.tanh(self.data)
        return _unary(self, value, "tanh", lambda up: up * (1.0 - value * value))

    def sigmoid(self) -> Tensor:
        """σ(x) = 1 / (1 + e^-x) as one gate, with local gradient σ(1 − σ); no overflow at any x."""
        value = _sigmoid(self.data)
        return _unary(self, value, "σ", lambda up: up * value * (1.0 - value))

    def relu(self) -> Tensor:
        """max(0, x). At exactly x = 0 the local gradient is taken to be 0."""
        x = self.data
        return _unary(self, np.maximum(x, 0), "relu", lambda up: up * (x > 0))

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        """max(αx, x) for 0 ≤ α < 1. At exactly x = 0 the local gradient is taken to be α."""
        x = self.data
        positive = x > 0
        return _unary(self, np.where(positive, x, alpha * x), "leaky_relu",
                      lambda up: up * np.where(positive, 1.0, alpha))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """log(softmax(x)) along `axis`, computed from x − max(x) so large scores never overflow."""
        value = _log_softmax(self.data, axis)
        return _unary(self, value, "log_softmax",
                      lambda up: up - np.exp(value) * up.sum(axis=axis, keepdims=True))

    def softmax(self, axis: int = -1) -> Tensor:
        """e^x / Σ e^x along `axis`, computed from x − max(x) so large scores never overflow."""
        value = np.exp(_log_softmax(self.data, axis))
        return _unary(self, value, "softmax",
                      lambda up: value * (up - (up * value).sum(axis=axis, keepdims=True)))

    # ----- the backward pass

    def topological_order(self) -> list[Tensor]:
        """Every tensor this one depends on, inputs before the operations that use them."""
        return forward_order(self)

    def backward(self, grad: np.ndarray | float | None = None, accumulate: bool = False) -> None:
        """Fill `.grad` of every tensor in the graph with d(self)/d(tensor), from scratch.

        A single number (a loss) starts from gradient 1; any other shape needs `grad=`, the
        gradient of some final number with respect to this tensor. With accumulate=True each
        `.grad` gets this pass's gradient added to what an earlier pass left there.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not depend on any tensor with requires_grad=True, "
                "so there is nothing to differentiate; create the parameters with "
                "Tensor(..., requires_grad=True) and compute outside no_grad()"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() on a tensor of shape {self.shape} needs a starting gradient: "
                    "only a single number starts from 1. Reduce it to one number first "
                    f"(out.sum() or out.mean()), or pass grad= an array of shape {self.shape}"
                )
            seed = np.ones_like(self.data)
        else:
            seed = np.asarray(grad, dtype=self.data.dtype)
            if seed.shape != self.shape:
                raise ValueError(f"backward(grad=...): grad has shape {seed.shape} but the tensor "
                                 f"has shape {self.shape}; they must be the same")
        order = backward_order(self)  # from this tensor back to the inputs, no recursion
        earlier = [node.grad for node in order] if accumulate else None
        for node in order:
            node.grad = None
        self.grad = seed
        for node in order:
            if node.backward_fn is None:  # a leaf: give it an array of its own
                node.grad = np.array(node.grad, dtype=node.data.dtype)
                continue
            if type(node.grad) is not np.ndarray:
                node.grad = np.asarray(node.grad)
            downstream = node.backward_fn(node.grad)
            if _check_nonfinite:
                _raise_if_nonfinite(downstream, node.op, node.inputs, backward=True)
            for parent, gradient in zip(node.inputs, downstream, strict=True):
                parent.grad = gradient if parent.grad is None else parent.grad + gradient
        if accumulate:
            for node, grad in zip(order, earlier):
                if grad is not None:
                    node.grad = node.grad + grad

    def __bool__(self) -> bool:
        raise TypeError(
            "a Tensor has no truth value: `if t:` would pick a branch from the numbers once, and "
            "the graph would not record the choice. Decide on the numbers themselves "
            "(`if t.item() > 0:`, `(t.data > 0).all()`), or use an operation that has a "
            "gradient (t.relu(), t.max())"
        )

    def __repr__(self) -> str:
        parts = [f"{self.label}: " if self.label else "", f"shape {self.shape}"]
        if self.data.size <= 16:
            parts.append(f", {_show(self.data)}")
        if self.op:
            parts.append(f", op {self.op!r}")
        if self.grad is not None and self.grad.size <= 16:
            parts.append(f", grad {_show(self.grad)}")
        elif self.requires_grad:
            parts.append(", requires_grad")
        return f"Tensor({''.join(parts)})"


# ----- building results


def _result(data: np.ndarray, op: str, operands: tuple[Tensor, ...], inputs: tuple[Tensor, ...],
            backward: Callable) -> Tensor:
    """The output of an operation; it joins the graph only if some input needs a gradient."""
    if type(data) is not np.ndarray:  # numpy hands back a scalar for a full reduction
        data = np.asarray(data)
    if _check_nonfinite:
        _raise_if_nonfinite((data,), op, operands, backward=False)
    out = _constant(data)
    if inputs and _grad_enabled:
        out.requires_grad, out.op, out.inputs, out.backward_fn = True, op, inputs, backward
    return out


def _constant(data: np.ndarray) -> Tensor:
    """A tensor outside any graph, made without the checks and the copy of Tensor(...)."""
    out = Tensor.__new__(Tensor)
    out.data, out.grad, out.label = data, None, ""
    out.requires_grad, out.op, out.inputs, out.backward_fn = False, "", (), None
    return out


def _unary(x: Tensor, data: np.ndarray, op: str, local: Callable) -> Tensor:
    """An operation with one tensor input; `local` maps the upstream gradient to x's gradient."""
    return _result(data, op, (x,), (x,) if x.requires_grad else (), lambda up: (local(up),))


def _pair(data: np.ndarray, op: str, a: Tensor, b: Tensor, to_a: Callable,
          to_b: Callable) -> Tensor:
    """An operation with two tensor inputs; gradients are summed back to each input's shape."""
    a_shape, b_shape = a.data.shape, b.data.shape
    if a.requires_grad and b.requires_grad:
        inputs = (a, b)

        def backward(up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _unbroadcast(to_a(up), a_shape), _unbroadcast(to_b(up), b_shape)
    elif a.requires_grad:
        inputs = (a,)

        def backward(up: np.ndarray) -> tuple[np.ndarray]:
            return (_unbroadcast(to_a(up), a_shape),)
    else:
        inputs = (b,) if b.requires_grad else ()

        def backward(up: np.ndarray) -> tuple[np.ndarray]:
            return (_unbroadcast(to_b(up), b_shape),)
    return _result(data, op, (a, b), inputs, backward)


def _same(up: np.ndarray) -> np.ndarray:
    """The local gradient 1: the upstream gradient passes through unchanged."""
    return up


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient back to `shape` over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    added = grad.ndim - len(shape)
    if added:
        grad = grad.sum(axis=tuple(range(added)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _kept(up: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
    """The upstream gradient of a reduction with the reduced axes back as size 1."""
    return up if keepdims or axis is None else np.expand_dims(up, axis)


def _spread(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A reduction's gradient copied out to every entry that was reduced."""
    # Filling a new array is several times faster than np.broadcast_to for small arrays.
    spread = np.empty(shape, grad.dtype)
    spread[...] = grad
    return spread


def _is_basic(index: object) -> bool:
    """True for indices made of slices, single integers, `None` and `...` (no fancy indexing)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer))
               for part in parts)


def _as_tensor(other: object, symbol: str) -> Tensor:
    """A Tensor to combine with; arrays and numbers become constants (no gradient)."""
    if isinstance(other, Tensor):
        return other
    if isinstance(other, Value):
        raise TypeError(f"{symbol}: cannot combine a Tensor with a Value; use Tensor for arrays "
                        "and Value for single numbers (Tensor(v.data) makes a constant)")
    array = np.asarray(other)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{symbol}: expected a Tensor, a numpy array or a number, "
                        f"got {type(other).__name__}")
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float64)
    return _constant(array)


def _matrix_operand(other: object) -> Tensor:
    """The other side of `@`: a Tensor or an array, not a plain number."""
    if isinstance(other, Real):
        raise TypeError("@ is the matrix product and needs an array on both sides; "
                        "to scale by a number use * instead")
    return _as_tensor(other, "@")


def _broadcast(ufunc: np.ufunc, a: Tensor, b: Tensor, symbol: str) -> np.ndarray:
    """ufunc(a, b) with numpy broadcasting, or an error that names the op and both shapes."""
    try:
        return ufunc(a.data, b.data)
    except ValueError:
        raise ValueError(
            f"{symbol}: shapes {a.shape} and {b.shape} cannot be broadcast together. Numpy lines "
            "shapes up from the right and each pair of sizes must be equal or 1; reshape one of "
            "them (e.g. x.reshape(-1, 1) makes a column) or check the axis you meant"
        ) from None


def _matmul_mismatch(a: Tensor, b: Tensor) -> str:
    """Why `a @ b` failed, and the rearrangement that would work, if any."""
    name_a, name_b = a.label or "A", b.label or "B"
    sa, sb = a.shape, b.shape
    columns, rows = sa[-1], sb[-2] if len(sb) > 1 else sb[0]
    if columns != rows:
        message = (f"matmul: shapes {sa} and {sb} do not line up: {name_a} has {columns} columns "
                   f"but {name_b} has {rows} rows, and these must be equal")
    else:
        message = (f"matmul: shapes {sa} and {sb} line up ({columns} = {rows}) but their leading "
                   f"(batch) axes {sa[:-2]} and {sb[:-2]} cannot be broadcast together")
    if len(sa) == 2 and len(sb) == 2:
        fixes = [(f"{name_a}.T @ {name_b}", sa[0] == sb[0], (sa[1], sb[1])),
                 (f"{name_a} @ {name_b}.T", sa[1] == sb[1], (sa[0], sb[0])),
                 (f"{name_b} @ {name_a}", sb[1] == sa[0], (sb[0], sa[1]))]
        for fix, fits, shape in fixes:
            if fits:
                return f"{message}; did you mean {fix} (which has shape {shape})?"
    return message


# ----- modes: no graph, and stopping at the first nan or inf


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside `with no_grad():` results keep no graph; for evaluation and parameter updates."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextlib.contextmanager
def detect_nonfinite() -> Iterator[None]:
    """Inside `with detect_nonfinite():` the first operation that makes a nan or inf raises.

    Both passes are watched: a FloatingPointError names the operation and its inputs' shapes.
    """
    global _check_nonfinite
    previous, _check_nonfinite = _check_nonfinite, True
    try:
        yield
    finally:
        _check_nonfinite = previous


_NONFINITE_HINTS = {
    "log": "log of zero or a negative number?",
    "exp": "exp of a number above about 709 overflows; subtract the max first, or use "
           "log_softmax / cross_entropy",
    "/": "division by zero?",
    "^": "zero to a negative power, or a negative number to a fractional power?",
}


def _raise_if_nonfinite(arrays: tuple[np.ndarray, ...], op: str, operands: tuple[Tensor, ...],
                        backward: bool) -> None:
    if all(np.isfinite(array).all() for array in arrays):
        return
    shapes = " and ".join(str(t.shape) for t in operands)
    where = f"input shape{'s' if len(operands) > 1 else ''} {shapes}"
    # Ops with a number folded in ("/2", "1/x", "^2") share the hint of their symbol.
    hint = _NONFINITE_HINTS.get(op) or next(
        (text for symbol, text in _NONFINITE_HINTS.items() if len(symbol) == 1 and symbol in op),
        "did an input already hold nan or inf, or did the numbers grow too large?",
    )
    stage = f"the backward pass of {op}" if backward else op
    raise FloatingPointError(f"{stage} produced nan/inf ({where}); {hint}")


# ----- losses: one operation each, stable for any size of logits


def cross_entropy(logits: Tensor, labels: np.ndarray) -> Tensor:
    """Softmax cross-entropy averaged over the batch: mean of −log softmax(logits)[i, labels[i]].

    logits: (N, C) scores, one row per example. labels: (N,) integer classes in 0..C−1.
    The gradient with respect to the logits is (softmax − one_hot(labels)) / N.
    """
    logits = _as_tensor(logits, "cross_entropy")
    labels = _checked_labels(logits.shape, labels)
    n = labels.shape[0]
    log_probs = _log_softmax(logits.data, axis=1)
    loss = -log_probs[np.arange(n), labels].sum() / n

    def local(up: np.ndarray) -> np.ndarray:
        grad = _softmax_minus_one_hot(log_probs, labels)
        grad *= up / n
        return grad

    return _unary(logits, loss, "cross_entropy", local)


def _checked_labels(shape: tuple[int, ...], labels: object) -> np.ndarray:
    """Labels as an integer array after checking they fit logits of shape (N, C)."""
    if len(shape) != 2:
        raise ValueError(f"cross_entropy: logits should have shape (batch, classes), got {shape}; "
                         "for a single example use logits.reshape(1, -1)")
    n, classes = shape
    if isinstance(labels, Tensor):
        raise TypeError("cross_entropy: labels should be a numpy array of class indices, not a "
                        "Tensor; pass the integer array itself")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels should be integer class indices such as "
                        f"np.array([0, 2, 1]), got dtype {labels.dtype}; convert with "
                        "labels.astype(int)")
    if labels.shape != (n,):
        raise ValueError(f"cross_entropy: expected one label per row of logits, shape ({n},), "
                         f"got shape {labels.shape}")
    if n == 0:
        raise ValueError("cross_entropy: the batch is empty; it needs at least one example")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= classes:
        raise ValueError(f"cross_entropy: labels must lie in 0..{classes - 1} for {classes} "
                         f"classes, got values from {low} to {high}"
                         + ("; are they numbered from 1? subtract 1" if high == classes else ""))
    return labels


def binary_cross_entropy_with_logits(logits: Tensor, targets: np.ndarray) -> Tensor:
    """Mean binary cross-entropy of σ(logits) against targets in [0, 1], stable for any logit.

    Written as max(z, 0) − z·t + log(1 + e^−|z|), which never takes the log of 0 or overflows.
    The gradient with respect to each logit is (σ(z) − t) / N.
    """
    logits = _as_tensor(logits, "binary_cross_entropy_with_logits")
    if isinstance(targets, Tensor):
        raise TypeError("binary_cross_entropy_with_logits: targets should be a numpy array, not "
                        "a Tensor; pass the array itself")
    targets = np.asarray(targets, dtype=logits.data.dtype)
    if targets.shape != logits.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: targets should have the shape of "
                         f"the logits, {logits.shape}, got {targets.shape} (broadcasting (N,) "
                         "against (N, 1) would silently compare every pair)")
    if targets.size and (targets.min() < 0 or targets.max() > 1):
        raise ValueError("binary_cross_entropy_with_logits: targets should lie between 0 and 1, "
                         f"got values from {targets.min():g} to {targets.max():g}; for labels "
                         "±1 use (y + 1) / 2")
    z = logits.data
    loss = _bce_with_logits(z, targets).mean()

    return _unary(logits, loss, "bce_with_logits",
                  lambda up: (_sigmoid(z) - targets) * (up / z.size))


def _brief(data: object) -> str:
    """The start of what someone passed, for an error message."""
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


def _not_numbers(array: np.ndarray) -> str:
    """What in `array` is not a real number, and how to fix it."""
    if array.dtype == object and any(item is None for item in array.ravel()):
        return "which holds None; fill in each missing entry with a number (or np.nan on purpose)"
    if array.dtype == object:
        return "which holds objects that are not numbers; pass their numbers instead"
    return f"whose entries have dtype {array.dtype}, not real numbers"


def _show(array: np.ndarray) -> str:
    """A small array on one line, like [[1., 2.], [3., 4.]]."""
    text = np.array2string(array, precision=4, separator=", ", suppress_small=True)
    return text.replace("\n", "")
