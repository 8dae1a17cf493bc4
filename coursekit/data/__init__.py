"""Data for the course: seeded toy problems, minibatches, and the 8×8 handwritten digits.

Numpy and the standard library only, like the rest of the numeric core.
"""

from .digits import DigitsSplit, digits_split, load_digits
from .generators import circles, minibatches, regression_curve, spiral, two_moons
from .labels import class_labels, confusion_counts

__all__ = [
    "spiral",
    "two_moons",
    "circles",
    "regression_curve",
    "minibatches",
    "load_digits",
    "digits_split",
    "DigitsSplit",
    "class_labels",
    "confusion_counts",
]
