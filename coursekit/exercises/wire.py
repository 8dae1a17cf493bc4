"""Answers as plain data: how the grader asks a student's kernel for an answer and reads it back.

When a notebook is graded, the checks do not run in the student's kernel, where an answer could
patch them: they run in the grader's own process against a stand-in for the answer. Each time a
check calls the stand-in, the grader sends the call's arguments to the kernel as JSON, the kernel
calls the real answer with them (`reply`), and what comes back is data only: numbers, text,
numpy arrays, tuples, lists and dicts. Nothing the kernel sends is ever run or unpickled; an
object of any other type arrives as an `Opaque` stand-in that names its type.

Arguments travel the other way, from the grader to the kernel, where they can do no harm: a
function passed as an argument goes by name (only module-level functions of coursekit can), and
an object of coursekit's (a network, a loss) is pickled. What comes back from the kernel is read
as data only, never unpickled and never imported.
"""

from __future__ import annotations

import base64
import importlib
import json
import pickle
import sys
from collections.abc import Callable
from types import FunctionType

import numpy as np

__all__ = ["Opaque", "encode", "decode", "reply", "REPLY_MARK"]

REPLY_MARK = "coursekit-reply:"  # starts the one line of the kernel's reply to a request
_MAX_REPR = 200
_ARRAY_KINDS = "biuf"  # bool, signed and unsigned integer, float


class Opaque:
    """A value the kernel could not send as data; `kind` names its type (e.g. "Value")."""

    def __init__(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text

    def __repr__(self) -> str:
        return self.text


class Callee:
    """An answer that is a function: the grader's stand-in calls it through the kernel."""


def encode(value: object, depth: int = 0) -> object:
    """`value` as JSON-ready data (see the module docstring for what survives)."""
    if depth > 20:
        return {"object": "nested too deeply", "repr": "..."}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if np.isfinite(number) else {"float": repr(number)}
    if isinstance(value, np.ndarray) and value.dtype.kind in _ARRAY_KINDS:
        data = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
        return {"array": base64.b64encode(data.tobytes()).decode("ascii"),
                "dtype": data.dtype.str, "shape": list(value.shape)}
    if isinstance(value, (tuple, list)):
        items = [encode(item, depth + 1) for item in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"dict": {key: encode(item, depth + 1) for key, item in value.items()}}
    if isinstance(value, FunctionType) and _importable(value):
        return {"function": f"{value.__module__}:{value.__qualname__}"}
    if _ours(value) and not isinstance(value, (FunctionType, type)):
        return {"pickled": base64.b64encode(pickle.dumps(value)).decode("ascii"),
                "object": type(value).__name__, "repr": _short_repr(value)}
    if callable(value):
        return {"callable": True}
    return {"object": type(value).__name__, "repr": _short_repr(value)}


def decode(data: object, trusted: bool = True) -> object:
    """The value `encode` described; callables become `Callee` markers. Named functions and
    pickled objects of coursekit's are rebuilt only from `trusted` data, as the kernel does with
    the grader's arguments: what a kernel sends the grader is read as data only."""
    if isinstance(data, list):
        return [decode(item, trusted) for item in data]
    if not isinstance(data, dict):
        return data
    if "tuple" in data:
        return tuple(decode(item, trusted) for item in data["tuple"])
    if "dict" in data:
        return {str(key): decode(item, trusted) for key, item in data["dict"].items()}
    if "float" in data:
        return float(data["float"])
    if "array" in data:
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in _ARRAY_KINDS:
            raise ValueError(f"arrays of {dtype} are not sent")
        raw = base64.b64decode(data["array"])
        array = np.frombuffer(raw, dtype=dtype).reshape(data["shape"])
        return array.astype(dtype.newbyteorder("="))
    if "function" in data and trusted:
        return _named_function(data["function"])
    if "pickled" in data and trusted:
        return pickle.loads(base64.b64decode(data["pickled"]))
    if "callable" in data or "function" in data:
        return Callee()
    return Opaque(str(data.get("object", "object")), str(data.get("repr", ""))[:_MAX_REPR])


def reply(get_answer: Callable[[], object], request: str) -> None:
    """Run one request of the grader in the kernel and print the one-line reply.

    The request is {"select": key or null, "args": [...], "kwargs": {...}, "errstate": {...}}
    to call the answer (or answer[key]) with those arguments, under numpy's error settings as
    the check had them (a check may make overflow an error), or {} to send the answer itself.
    The reply holds the result and the arguments as they are after the call (so a check can see
    an array changed in place), or the exception the answer raised.
    """
    try:
        wanted = json.loads(request)
        answer = get_answer()
        if "args" not in wanted:
            result = {"value": encode(answer)}
        else:
            target = answer if wanted.get("select") is None else answer[wanted["select"]]
            args, kwargs = decode(wanted["args"]), decode(wanted.get("kwargs", {"dict": {}}))
            with np.errstate(**wanted.get("errstate", {})):
                value = target(*args, **kwargs)
            result = {"value": encode(value), "args": encode(args), "kwargs": encode(kwargs)}
    except NotImplementedError:
        result = {"not_answered": True}
    except BaseException as error:  # noqa: BLE001 - whatever the answer raised is its result
        result = {"raised": type(error).__name__, "message": _short_text(str(error), 2000)}
    sys.stdout.write(REPLY_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


def _ours(value: object) -> bool:
    """An object of one of coursekit's own classes (a layer, a loss, a network)."""
    return type(value).__module__.split(".")[0] == "coursekit"


def _importable(function: object) -> bool:
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__qualname__", "")
    return module.split(".")[0] == "coursekit" and "<" not in name


def _named_function(name: str) -> Callable:
    module, _, qualname = name.partition(":")
    if module.split(".")[0] != "coursekit" or "<" in qualname:
        raise ValueError(f"only coursekit's own functions travel by name, not {name!r}")
    found: object = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found  # type: ignore[return-value]


def _short_repr(value: object) -> str:
    try:
        return _short_text(repr(value), _MAX_REPR)
    except Exception:  # noqa: BLE001 - a repr that raises still names its type
        return f"<{type(value).__name__}>"


def _short_text(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
