"""The judge: an exercise's checks run in the grader's own process, the answer in the kernel.

Nothing that runs in the student's kernel decides a mark. The kernel only runs the answer: the
judge builds the exercise's cases here (public and hidden ones), and each time a case calls the
answer, a stand-in sends the arguments to the kernel and reads back the result as plain data
(`coursekit.exercises.wire`). Comparing, thresholds, accuracies, in-place checks: all of it
happens here, so patching `check`, the comparison, builtins or IPython inside the kernel changes
nothing the judge relies on. What an answer returns is its own business; it still has to be right.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exercises.framework import evaluate, hidden_arguments
from ..exercises.wire import Callee, Opaque, decode, encode

__all__ = ["Verdict", "KernelStopped", "judge", "answer_expression", "load_hidden_cases",
           "HIDDEN_CASES"]

HIDDEN_CASES = "hidden_cases.json"  # beside the masters; never in a student's install
MAX_MESSAGE = 4000

Ask = Callable[[str], dict]  # runs code in the kernel and returns its parsed reply


@dataclass(frozen=True)
class Verdict:
    """How an exercise fared: "passed", "failed" or "not answered", and the check's message."""

    status: str
    message: str = ""

    def as_json(self) -> str:
        return json.dumps({"status": self.status, "message": self.message})

    @classmethod
    def from_json(cls, text: str) -> Verdict:
        data = json.loads(text)
        return cls(str(data["status"]), str(data.get("message", "")))


class KernelStopped(BaseException):
    """The kernel ran out of time or died while answering: a stop of the run, not a verdict.

    A BaseException, so that the check's own `except Exception` does not turn it into a
    failed case.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def judge(exercise_id: str, expression: str, ask: Ask, hidden: dict | None = None) -> Verdict:
    """Check exercise `exercise_id` on the answer that `expression` names in the kernel."""
    fetched = ask(_request_code(expression, {}))
    if "value" not in fetched:
        return _not_run(fetched)
    answer = _stand_in(_data(fetched, "value"), expression, ask)
    with hidden_arguments((hidden or {}).get(exercise_id, {})):
        result = evaluate(exercise_id, answer)
    return Verdict(result.status, "" if result.passed else _short(result.message))


def answer_expression(check_source: str, exercise_id: str) -> str | None:
    """The expression a master's check cell passes as the answer: check("1.2", add_backward)
    gives "add_backward"; None when the cell has no such call."""
    try:
        tree = ast.parse(check_source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "check" and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == exercise_id):
            return ast.unparse(node.args[1])
    return None


def load_hidden_cases(folder: Path | str) -> dict[str, dict[str, list[dict]]]:
    """The hidden argument sets in folder/hidden_cases.json: {exercise: {answer name: [args]}}."""
    path = Path(folder) / HIDDEN_CASES
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {exercise: {name: [decode(args) for args in sets] for name, sets in names.items()}
            for exercise, names in raw.items()}


class _RemoteFunction:
    """Stands in for a function of the student's: each call is answered by the kernel."""

    def __init__(self, expression: str, select: str | None, ask: Ask) -> None:
        self.expression, self.select, self.ask = expression, select, ask

    def __call__(self, *args: object, **kwargs: object) -> object:
        request = {"select": self.select, "args": encode(list(args)), "kwargs": encode(kwargs),
                   "errstate": np.geterr()}  # a check may have made overflow an error
        reply = self.ask(_request_code(self.expression, request))
        if reply.get("not_answered"):
            raise NotImplementedError
        if "value" not in reply:
            raise _remote_error(reply)
        _sync(list(args), _data(reply, "args"))
        _sync(kwargs, _data(reply, "kwargs"))
        return _data(reply, "value")


def _stand_in(value: object, expression: str, ask: Ask) -> object:
    """The answer as the judge sees it: data as data, functions as remote functions."""
    if isinstance(value, Callee):
        return _RemoteFunction(expression, None, ask)
    if isinstance(value, dict):
        return {key: _RemoteFunction(expression, key, ask) if isinstance(item, Callee) else item
                for key, item in value.items()}
    return value


def _data(reply: dict, key: str) -> object:
    """reply[key] decoded as data only; a malformed part reads as an Opaque value."""
    try:
        return decode(reply.get(key), trusted=False)
    except Exception:  # noqa: BLE001 - whatever the kernel sent, it cannot stop the judge
        return Opaque("unreadable data", "a value the grader could not read")


def _request_code(expression: str, request: dict) -> str:
    return ("__import__('coursekit.exercises.wire', fromlist=['reply']).reply("
            f"lambda: ({expression}), {json.dumps(json.dumps(request))})")


def _sync(sent: object, after: object) -> None:
    """Copy changes the answer made to array arguments back onto the judge's own arrays."""
    if isinstance(sent, np.ndarray) and isinstance(after, np.ndarray):
        if sent.shape == after.shape and sent.flags.writeable:
            with contextlib.suppress(TypeError, ValueError):
                sent[...] = after
    elif isinstance(sent, dict) and isinstance(after, dict):
        for key in sent.keys() & after.keys():
            _sync(sent[key], after[key])
    elif isinstance(sent, list) and isinstance(after, (list, tuple)) and len(sent) == len(after):
        for item, changed in zip(sent, after):
            _sync(item, changed)


def _remote_error(reply: dict) -> Exception:
    """An exception named as the one the answer raised, carrying its message."""
    name = str(reply.get("raised", "Error"))
    name = name if re.fullmatch(r"[A-Za-z_]\w{0,60}", name) else "Error"
    message = str(reply.get("message", ""))
    return type(name, (Exception,), {})(message)


def _not_run(reply: dict) -> Verdict:
    if reply.get("not_answered"):
        return Verdict("not answered", "the answer still raises NotImplementedError")
    error = _remote_error(reply)
    return Verdict("failed", _short(f"the answer could not be read: {type(error).__name__}: "
                                    f"{error}"))


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."
