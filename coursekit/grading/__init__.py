"""Grading: run notebooks under nbval in a separate process and read the results per cell."""

from .nbval import CellResult, run_nbval

__all__ = ["CellResult", "run_nbval"]
