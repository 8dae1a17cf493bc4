"""Exercises that check themselves: `check("1.2", answer)` prints one line or says what is wrong.

One module per notebook registers its exercises; `hint("1.2")` gives the next hint.
"""

from . import ex00_welcome, ex01_chain_rule, ex02_sigmoid  # noqa: F401  (they register exercises)
from .framework import Case, check, exercise, exercises, hint

__all__ = ["check", "hint", "exercise", "exercises", "Case"]
