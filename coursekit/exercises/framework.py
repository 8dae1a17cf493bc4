"""How exercises are checked: cases run against the course's own reference, and a result shown.

An exercise is a function, registered with `@exercise`, that takes the student's answer and returns
a list of `Case`s. A case calls the answer lazily (so an exception in the student's code is reported
with the case that caused it) and says what it should give. `evaluate` runs every case and returns
a `Result`: passed, failed (which case, expected versus got, and a hint, written for the student)
or not answered (the stub is still there). `check` shows that result and never raises, so a
notebook run top to bottom goes on past an exercise not done yet; the grader calls `evaluate`.

Answers are compared by type as well as value: a number must be a real number, an array an ndarray,
a tuple a tuple; values are converted to plain floats before comparing, so an object that claims
to equal everything does not pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ..course import MastersMissing, exercise_order, solution_of
from .result import Progress, Result
from .wire import Opaque

__all__ = [
    "Case", "Exercise", "exercise", "calls", "entry", "check", "evaluate", "progress", "hint",
    "exercises", "NotAnswered", "Result", "hidden_arguments",
]


@dataclass(frozen=True)
class Case:
    """One check: a description of the call, the call itself, and what it should give."""

    description: str
    call: Callable[[], object]
    expected: object
    hint: str = ""
    tolerance: float = 1e-6


@dataclass(frozen=True)
class Exercise:
    """An exercise: its id ("1.2"), a short title, its cases, its hints (gentlest first) and
    its points (the masters' cell metadata says the same; a test keeps the two in step)."""

    id: str
    title: str
    cases: Callable[[object], list[Case]]
    hints: tuple[str, ...]
    points: float = 1

    @property
    def name(self) -> str:
        return f"Exercise {self.id} ({self.title})"


class NotAnswered(AssertionError):
    """The answer still raises the NotImplementedError of the student version."""


_EXERCISES: dict[str, Exercise] = {}
_HINTS_SHOWN: dict[str, int] = {}
_CHECKED: dict[str, Result] = {}  # the latest result of each exercise, for progress()
# Hidden cases: argument sets the grader adds to `calls` (by the answer's name), never shipped.
_HIDDEN_ARGUMENTS: ContextVar[dict[str, list[dict]] | None] = ContextVar(
    "hidden_arguments", default=None
)


@contextmanager
def hidden_arguments(by_name: dict[str, list[dict]]) -> Iterator[None]:
    """Within this block, `calls(answer, name, ...)` also tries the argument sets by_name[name]."""
    token = _HIDDEN_ARGUMENTS.set(by_name)
    try:
        yield
    finally:
        _HIDDEN_ARGUMENTS.reset(token)


def exercise(id: str, title: str, hints: tuple[str, ...] = (), points: float = 1) -> Callable:
    """Register the decorated function as the check logic of exercise `id`."""

    def register(cases: Callable[[object], list[Case]]) -> Callable[[object], list[Case]]:
        if id in _EXERCISES:
            raise ValueError(f"exercise {id} is registered twice")
        _EXERCISES[id] = Exercise(id, title, cases, tuple(hints), points)
        return cases

    return register


def exercises() -> dict[str, Exercise]:
    """Every registered exercise, by id."""
    return dict(_EXERCISES)


def calls(
    answer: Callable,
    name: str,
    arguments: list[dict],
    reference: Callable,
    hint: str = "",
    tolerance: float = 1e-6,
) -> list[Case]:
    """One case per argument set: answer(*args) should give reference(**args).

    The answer is called positionally, in the order of each dict, so a student who names a
    parameter differently still passes; the names only label the case in messages.
    """
    if not callable(answer):
        raise TypeError(f"{name} should be a function, got {_describe(answer)}")
    every = list(arguments) + list((_HIDDEN_ARGUMENTS.get() or {}).get(name, ()))
    return [
        Case(
            f"{name}({', '.join(f'{key}={_show(value)}' for key, value in args.items())})",
            lambda args=args: answer(*args.values()),
            reference(**args),
            hint,
            tolerance,
        )
        for args in every
    ]


def entry(answer: object, key: str, name: str, holds: str) -> object:
    """answer[key] from a dict answer, or an error that says what the dict should hold."""
    if not isinstance(answer, dict):
        raise TypeError(f"{name} should be a dict {holds}, got {type(answer).__name__}")
    if key not in answer:
        raise KeyError(f"{name} has no entry {key!r}; it has {sorted(answer, key=str)}")
    return answer[key]


def evaluate(id: str, answer: object) -> Result:
    """Run every case of exercise `id` on `answer`; what was found, never an exception from
    the answer (an unknown `id` is still an error: it is the check cell's, not the answer's)."""
    ex = _lookup(id)
    if _has_blanks(answer):
        return _not_answered(ex, "replace each `...` in its answer cell with your answer")
    cases, stop = _attempt(ex, lambda: ex.cases(answer), "the answer cannot be checked:")
    if stop:
        return stop
    for number, case in enumerate(cases, start=1):
        where = f"check {number} of {len(cases)}: {case.description}"
        got, stop = _attempt(ex, case.call, f"{where} raised", case.hint)
        if stop:
            return stop
        problem = difference(got, case.expected, case.tolerance)
        if problem:
            return _failed(ex, f"{where}: {problem}", case.hint)
    passed = "its one check passed" if len(cases) == 1 else f"all {len(cases)} checks passed"
    return Result(ex.id, ex.name, "passed", f"{ex.name}: {passed}")


def _attempt(
    ex: Exercise, call: Callable[[], object], failure: str, hint: str = ""
) -> tuple[object, Result | None]:
    """(what `call` returns, None), or (None, the result its exception means): a stub still in
    place is "not answered", any other error of the answer's a failure headed by `failure`."""
    try:
        return call(), None
    except NotAnswered as missing:
        return None, _not_answered(ex, str(missing))
    except NotImplementedError as stub:
        return None, _not_answered(ex, _still_a_stub(stub))
    except Exception as error:  # noqa: BLE001 - the student's error is the result
        return None, _failed(ex, f"{failure} {type(error).__name__}: {error}", hint)


def check(id: str, answer: object) -> Result:
    """Check a student's answer to exercise `id` and show what was found. It never stops the
    notebook: a wrong or missing answer is a result to read, not an error."""
    result = evaluate(id, answer)
    _CHECKED[id] = result
    return result


def progress(notebook: int | str) -> Progress:
    """Every exercise of a notebook (`progress(1)` for 01) with its points, as checked so far."""
    number = str(int(notebook))
    found = sorted((ex for ex in _EXERCISES.values() if ex.id.split(".")[0] == number),
                   key=lambda ex: exercise_order(ex.id))
    if not found:
        known = sorted({ex.id.split(".")[0] for ex in _EXERCISES.values()}, key=int)
        raise KeyError(f"notebook {notebook!r} has no exercises; those with exercises are "
                       f"{', '.join(known)}")
    rows = tuple((ex.id, ex.title, ex.points,
                  _CHECKED[ex.id].status if ex.id in _CHECKED else "not checked")
                 for ex in found)
    return Progress(f"{int(number):02d}", rows)


def _failed(ex: Exercise, what: str, hint: str = "") -> Result:
    """A failed result: its headline says where and what (the gradebook keeps that line)."""
    return Result(ex.id, ex.name, "failed", f"{ex.name}, {what}", f"Hint: {hint}" if hint else "")


def _not_answered(ex: Exercise, what: str) -> Result:
    return Result(ex.id, ex.name, "not answered", f"{ex.name} is not answered yet",
                  f"{what}; run that cell, then run this check again.")


def _still_a_stub(stub: NotImplementedError) -> str:
    """Which function still holds its stub: the last frame of the traceback names it."""
    traceback = stub.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    name = traceback.tb_frame.f_code.co_name if traceback is not None else "<module>"
    if name.startswith("<"):
        return "replace the `raise NotImplementedError(...)` line in its answer cell"
    return (f"`{name}` still raises NotImplementedError: replace that line in the answer cell "
            "with your code")


def _has_blanks(answer: object) -> bool:
    """Whether the answer still holds the `...` of a stub (in a tuple, list or dict too)."""
    if answer is Ellipsis:
        return True
    if isinstance(answer, (tuple, list)):
        return any(_has_blanks(item) for item in answer)
    if isinstance(answer, dict):
        return any(_has_blanks(item) for item in answer.values())
    return False


def hint(id: str) -> None:
    """Print the next hint for exercise `id`. After the last one, the solution, but only where
    the instructor masters are installed (self-study); a class's install has no solutions."""
    ex = _lookup(id)
    shown = _HINTS_SHOWN.get(id, 0)
    if shown < len(ex.hints):
        _HINTS_SHOWN[id] = shown + 1
        print(f"Hint {shown + 1} of {len(ex.hints)} for {ex.name}: {ex.hints[shown]}")
        if shown + 1 == len(ex.hints):
            print(f"That was the last hint for {ex.name}.")
        return
    try:
        solution = solution_of(id)
    except MastersMissing:
        print(f"There are no more hints for {ex.name}, and this install has no solutions: "
              "reread the hints above, or ask your instructor.")
        return
    print(
        f"Solution of {ex.name}. It will not count as your own work: read it, close it, and\n"
        "write the answer again yourself a little later.\n"
    )
    print(solution)


def difference(got: object, expected: object, tolerance: float = 1e-6) -> str:
    """Why `got` is not `expected` (by type, shape or value), or "" when it is."""
    if isinstance(expected, bool):
        if not isinstance(got, (bool, np.bool_)):
            return f"expected True or False, got {_describe(got)}"
        return "" if bool(got) == expected else f"expected {expected}, got {bool(got)}"
    if isinstance(expected, Integral):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, Integral):
            return f"expected a whole number ({expected}), got {_describe(got)}"
        return "" if int(got) == int(expected) else f"expected {expected}, got {int(got)}"
    if isinstance(expected, Real):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, Real):
            return f"expected a number (about {_show(expected)}), got {_describe(got)}"
        value = float(got)
        if math.isclose(value, float(expected), rel_tol=tolerance, abs_tol=tolerance):
            return ""
        return f"expected {_show(expected)}, got {_show(value)}"
    if isinstance(expected, str):
        if not isinstance(got, str):
            return f"expected text such as {expected!r}, got {_describe(got)}"
        normal = got.strip().lower()
        return "" if normal == expected.lower() else f"expected {expected!r}, got {got!r}"
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)):
            return f"expected a tuple of {len(expected)} values, got {_describe(got)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} values, got {len(got)}: {_show(got)}"
        for position, (item, wanted) in enumerate(zip(got, expected), start=1):
            problem = difference(item, wanted, tolerance)
            if problem:
                return f"value {position} of {len(expected)}: {problem}"
        return ""
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            return f"expected a numpy array of shape {expected.shape}, got {_describe(got)}"
        if got.shape != expected.shape:
            return f"expected shape {expected.shape}, got shape {got.shape}"
        values = np.asarray(got, dtype=float)
        close = np.isclose(values, expected, rtol=tolerance, atol=tolerance)
        if close.all():
            return ""
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        return (
            f"{int((~close).sum())} of {close.size} entries differ; first at index {index}: "
            f"expected {_show(expected[index])}, got {_show(values[index])}"
        )
    raise TypeError(f"the check expects a {type(expected).__name__}, which it cannot compare")


def _lookup(id: str) -> Exercise:
    if not isinstance(id, str):
        raise TypeError(f'exercise ids are text, like check("1.2", answer); got {id!r}')
    if id not in _EXERCISES:
        known = ", ".join(sorted(_EXERCISES, key=exercise_order))
        raise KeyError(f"there is no exercise {id!r}; the exercises are {known}")
    return _EXERCISES[id]



def _describe(got: object) -> str:
    kind = got.kind if isinstance(got, Opaque) else type(got).__name__
    if kind in ("Value", "Tensor"):
        return f"a {kind} ({got!r}); return its number with .data"
    return f"{kind} {_show(got)}"


def _show(value: object) -> str:
    """A short, stable rendering of a value for messages."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, Real):
        return f"{float(value):.6g}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_show(item) for item in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ", threshold=12)
    if callable(value) and hasattr(value, "__name__"):  # no address: the same on every run
        return value.__name__
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
