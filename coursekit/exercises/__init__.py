"""Exercises that check themselves: `check("1.2", answer)` prints one line or says what is wrong.

One module per notebook (`ex01_chain_rule.py`, ...) registers its exercises when imported; all of
them are imported here, so `check` knows every exercise. `hint("1.2")` gives the next hint.
"""

from importlib import import_module
from pkgutil import iter_modules

from .framework import Case, calls, check, evaluate, exercise, exercises, hint, progress

for _module in sorted(info.name for info in iter_modules(__path__) if info.name.startswith("ex")):
    import_module(f"{__name__}.{_module}")

__all__ = ["check", "evaluate", "progress", "hint", "exercise", "exercises", "calls", "Case"]
