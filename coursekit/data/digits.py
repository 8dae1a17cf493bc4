"""The 8×8 handwritten digits: a real dataset small enough to train on in a notebook.

1,797 images of the digits 0–9, each pixel a count 0..16 of inked dots in a 4×4 block of the
original 32×32 scan. The file ships inside the package, so nothing downloads at run time; where it
comes from and its licence (CC BY 4.0) are in DIGITS_NOTICE.md next to it.
"""

from __future__ import annotations

import csv
import functools
import gzip
from importlib import resources
from numbers import Real
from typing import NamedTuple

import numpy as np

from .generators import Seed

__all__ = ["DigitsSplit", "load_digits", "digits_split"]

DATA_FILE = "digits.csv.gz"
PIXEL_MAX = 16


class DigitsSplit(NamedTuple):
    """Training and test digits: X_* of shape (n, 64) scaled to [0, 1], y_* of shape (n,)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits(flat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as (images, labels), pixels 0..16 as in the original data.

    images has shape (1797, 8, 8), or (1797, 64) with `flat=True`, float64; labels has shape
    (1797,), int64 digits 0–9. The arrays are fresh copies: changing them changes nothing else.
    """
    pixels, labels = _stored_digits()
    images = pixels if flat else pixels.reshape(-1, 8, 8)
    return images.copy(), labels.copy()


def digits_split(test_fraction: float = 0.2, seed: Seed = 0) -> DigitsSplit:
    """A stratified train/test split, features scaled to [0, 1], ready for a network.

    Stratified: each digit keeps `test_fraction` of its images (rounded, at least one) for the test
    set, so both parts have the same mix of digits. Each part is then shuffled, so classes are
    mixed. The same seed always gives the same split.

    >>> X_train, y_train, X_test, y_test = digits_split()
    >>> X_train.shape, X_test.shape
    ((1438, 64), (359, 64))
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, Real):
        raise TypeError(f"digits_split: test_fraction must be a number, got {test_fraction!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(
            f"digits_split: test_fraction is the share of digits kept for testing and must be "
            f"between 0 and 1 (exclusive), got {test_fraction}; 0.2 keeps a fifth"
        )
    pixels, labels = _stored_digits()
    rng = np.random.default_rng(seed)
    train_rows, test_rows = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        n_test = min(max(round(test_fraction * len(rows)), 1), len(rows) - 1)
        test_rows.append(rows[:n_test])
        train_rows.append(rows[n_test:])
    train = rng.permutation(np.concatenate(train_rows))
    test = rng.permutation(np.concatenate(test_rows))
    features = pixels / PIXEL_MAX
    return DigitsSplit(features[train], labels[train], features[test], labels[test])


@functools.cache
def _stored_digits() -> tuple[np.ndarray, np.ndarray]:
    """Parse the data file once: pixels (1797, 64) float64 and labels (1797,) int64, read-only.

    Each line of the file is one image: 64 pixel counts row by row, then the digit.
    """
    source = resources.files(__package__).joinpath(DATA_FILE)
    with source.open("rb") as compressed, gzip.open(compressed, "rt", newline="") as text:
        table = np.array(list(csv.reader(text)), dtype=np.float64)
    pixels, labels = np.ascontiguousarray(table[:, :-1]), table[:, -1].astype(np.int64)
    pixels.flags.writeable = False
    labels.flags.writeable = False
    return pixels, labels
