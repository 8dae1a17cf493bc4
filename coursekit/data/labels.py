"""Class labels: checking that an array really holds them, and counting right and wrong answers."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import whole_number

__all__ = ["class_labels", "confusion_counts"]


def class_labels(values: ArrayLike, name: str = "labels") -> np.ndarray:
    """`values` as a 1-D int64 array of class labels 0, 1, 2, …, or an error saying what is wrong.

    Accepts shape (n,) or (n, 1) holding whole numbers ≥ 0, stored as ints, floats or booleans.
    """
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 2:
        raise ValueError(
            f"{name} should hold one class label per example, shape (n,), got shape "
            f"{array.shape}; if these are scores per class, take argmax(axis=1) to get labels"
        )
    if array.ndim != 1:
        raise ValueError(f"{name} should have shape (n,), one label per example, got {array.shape}")
    if array.dtype.kind not in "biuf" or (array.dtype.kind == "f" and not np.all(array % 1 == 0)):
        raise ValueError(
            f"{name} should be whole-number class labels like 0, 1, 2, got dtype {array.dtype} "
            f"starting {array[:3].tolist()}"
        )
    if array.size and array.min() < 0:
        raise ValueError(f"{name} should be class labels 0, 1, 2, …, but contain {array.min()}")
    return array.astype(np.int64)


def confusion_counts(
    y_true: ArrayLike, y_pred: ArrayLike, classes: int | None = None
) -> np.ndarray:
    """How often each true class (row) was predicted as each class (column).

    y_true and y_pred have shape (n,). Returns int64 counts of shape (classes, classes): entry
    [i, j] counts examples of class i predicted as j, so the diagonal holds the correct answers.
    `classes` defaults to the largest label seen plus one.

    >>> confusion_counts([0, 1, 1], [0, 1, 0]).tolist()
    [[1, 0], [1, 1]]
    """
    true, predicted = class_labels(y_true, "y_true"), class_labels(y_pred, "y_pred")
    if len(true) != len(predicted):
        raise ValueError(
            f"confusion_counts: y_true has {len(true)} labels but y_pred has {len(predicted)}; "
            "predict on the same examples the true labels belong to"
        )
    seen = int(max(true.max(initial=-1), predicted.max(initial=-1))) + 1
    if classes is None:
        classes = seen
    whole_number("confusion_counts", "classes", classes, minimum=1)
    if seen > classes:
        raise ValueError(
            f"confusion_counts: classes={classes} means labels 0 .. {classes - 1}, "
            f"but label {seen - 1} appears; pass classes={seen} or more"
        )
    cells = np.bincount(true * classes + predicted, minlength=classes * classes)
    return cells.reshape(classes, classes).astype(np.int64)
