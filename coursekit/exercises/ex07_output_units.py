"""Notebook 07: output units and their losses.

The expected numbers come from the library: 7.1 from `BCEWithLogitsLoss`, 7.2 from the tensor
engine's `log_softmax`. 7.3 asks which output unit and loss fit three tasks; a wrong choice is
reported without giving the right one away. 7.1 runs its extreme logits with numpy's overflow
raised as an error, so a sigmoid computed as 1 / (1 + np.exp(-z)) is caught even where it rounds
to the right number.
"""

from __future__ import annotations

import numpy as np

from ..nn import BCEWithLogitsLoss
from ..tensor import Tensor
from .ex02_sigmoid import overflow_raises
from .framework import Case, calls, entry, exercise


def _bce_reference(z, t):
    criterion = BCEWithLogitsLoss()
    loss = criterion.forward(z, t)
    return (loss, criterion.backward())


def _logits(*values):
    return np.array(values, dtype=float)


@exercise(
    "7.1",
    "binary cross-entropy on logits",
    points=3,
    hints=(
        "Per example the loss is −t·log σ(z) − (1 − t)·log(1 − σ(z)); the loss is their mean. "
        "Its gradient with respect to z is (σ(z) − t) / N.",
        "Compute the logs without σ: −log σ(z) = log(1 + e^(−z)) and −log(1 − σ(z)) = "
        "log(1 + e^z). np.logaddexp(0, a) computes log(1 + e^a) without overflow.",
        "σ(z) itself, without overflow: np.exp(-np.logaddexp(0, -z)).",
    ),
)
def _bce_with_logits(bce_with_logits):
    ordinary = [
        dict(z=_logits(2.0, -1.0, 0.5), t=_logits(1, 0, 1)),
        dict(z=_logits(0.0), t=_logits(1)),
        dict(z=_logits(-3.0, 4.0, 1.5, -0.2, 0.0), t=_logits(0, 0, 1, 1, 0)),
    ]
    extreme = [
        dict(z=_logits(40.0, -40.0), t=_logits(0, 1)),
        dict(z=_logits(1000.0, -1000.0, 800.0, -750.0), t=_logits(1, 0, 0, 1)),
    ]
    return calls(
        bce_with_logits,
        "bce_with_logits",
        ordinary,
        _bce_reference,
        "return (loss, dz): loss = mean of −t·log σ(z) − (1 − t)·log(1 − σ(z)), "
        "dz = (σ(z) − t) / N, an array shaped like z",
    ) + calls(
        overflow_raises(bce_with_logits),
        "bce_with_logits",
        extreme,
        _bce_reference,
        "at large |z|, 1 − σ(z) rounds to 0 (log gives −inf) and e^(−z) overflows (this check "
        "counts numpy's overflow warning as an error): write −log σ(z) as log(1 + e^(−z)), "
        "computed by np.logaddexp(0, -z), and σ(z) for the gradient as "
        "np.exp(-np.logaddexp(0, -z))",
    )


def _log_softmax_reference(scores):
    return Tensor(scores).log_softmax(axis=1).data


@exercise(
    "7.2",
    "log-softmax that survives large scores",
    points=2,
    hints=(
        "log p_k = s_k − log Σ_j e^(s_j), separately for each row.",
        "Subtracting the same number m from a row's scores changes nothing, and with m the row's "
        "largest score no exponential overflows: log Σ e^s = m + log Σ e^(s − m).",
        "m = scores.max(axis=1, keepdims=True); keepdims keeps it a column, so it lines up "
        "with the rows.",
    ),
)
def _log_softmax(log_softmax):
    ordinary = [
        dict(scores=np.array([[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]])),
        dict(scores=np.array([[2.0, -1.0, 0.0, 4.0]])),
    ]
    extreme = [
        dict(scores=np.array([[1000.0, 999.0, 998.0]])),
        dict(scores=np.array([[-1000.0, -1001.0, -1002.0]])),
        dict(scores=np.array([[0.0, 1000.0, -1000.0]])),
        dict(scores=np.array([[1000.0, 999.0], [-1000.0, -999.0], [1.0, 2.0]])),
    ]
    return calls(
        log_softmax,
        "log_softmax",
        ordinary,
        _log_softmax_reference,
        "each row: log p_k = s_k − log Σ_j e^(s_j); the result has the shape of the scores",
    ) + calls(
        log_softmax,
        "log_softmax",
        extreme,
        _log_softmax_reference,
        "compute log Σ e^s as m + log Σ e^(s − m) with m each row's own largest score "
        "(scores.max(axis=1, keepdims=True)): then no exponential overflows or underflows to 0",
    )


UNITS = ("linear", "sigmoid", "softmax")
LOSSES = ("mse", "binary cross-entropy", "cross-entropy", "hinge")
# What the network has to output decides the output unit and its loss. A yes-or-no answer may
# also be a softmax over two classes: that is the sigmoid of the two scores' difference.
FITS = {
    "a number": (("linear", "mse"),),
    "yes or no": (("sigmoid", "binary cross-entropy"), ("softmax", "cross-entropy")),
    "one of many classes": (("softmax", "cross-entropy"),),
}
TASKS = {
    "blood pressure": "a number",
    "poisonous mushroom": "yes or no",
    "handwritten letter": "one of many classes",
}
CHOICE_HINTS = {
    ("a number", 0): "a blood pressure can be any number on a continuous scale: the output unit "
                     "should not squash it into a range",
    ("a number", 1): "for a number, measure how far the prediction is from the truth, squared",
    ("yes or no", 0): "one output, read as the probability of 'yes': a number between 0 and 1",
    ("yes or no", 1): "the loss that pairs with that unit undoes its exponential and is −log of "
                      "the probability given to the right answer: the binary form for one "
                      "sigmoid output, the many-class form for a softmax over two classes",
    ("one of many classes", 0): "one probability per letter, positive and adding up to 1",
    ("one of many classes", 1): "−log of the probability the network gives the right letter",
}
PARTS = ("output unit", "loss")
VOCABULARIES = ((UNITS, "output units"), (LOSSES, "losses"))


def _choice(choices: object, task: str, part: int) -> str:
    """The answer's output unit (part 0) or loss (part 1) for a task, in lower case."""
    pair = entry(choices, task, "choices", "from task to (output unit, loss)")
    if pair is None:
        raise NotImplementedError(f"choices[{task!r}] is still None")
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(
            f"choices[{task!r}] should be a pair (output unit, loss) such as "
            f'("linear", "mse"), got {pair!r}'
        )
    word, (vocabulary, kind) = pair[part], VOCABULARIES[part]
    if not isinstance(word, str) or word.strip().lower() not in vocabulary:
        raise ValueError(
            f"{word!r} is not one of the {kind} this exercise knows: {', '.join(vocabulary)}"
        )
    return word.strip().lower()


def _fits(choices: object, task: str, kind: str, part: int) -> bool:
    """Whether the answer's unit (part 0) fits the task, or its loss (part 1) fits the task and
    the unit chosen with it."""
    word = _choice(choices, task, part)
    pairs = FITS[kind]
    if part == 1:
        unit = _choice(choices, task, 0)
        pairs = [pair for pair in pairs if pair[0] == unit] or pairs
    return word in {pair[part] for pair in pairs}


def _shown(choices: object, task: str, part: int) -> str:
    """The answer's word for a task, for the description of its check, or a stand-in."""
    pair = choices.get(task) if isinstance(choices, dict) else None
    if isinstance(pair, (tuple, list)) and len(pair) == 2:
        return repr(pair[part])
    return "your choice"


@exercise(
    "7.3",
    "choosing output units and losses",
    points=1,
    hints=(
        "First ask what the network must output: any number, a probability of 'yes', or one "
        "probability per class.",
        "A number: linear unit and mean squared error. A probability of 'yes': sigmoid and "
        "binary cross-entropy. One probability per class: softmax and cross-entropy.",
    ),
)
def _choosing(choices):
    return [
        Case(
            f'is {_shown(choices, task, part)} the right {PARTS[part]} for "{task}"',
            lambda task=task, part=part, kind=kind: _fits(choices, task, kind, part),
            True,
            CHOICE_HINTS[kind, part],
        )
        for task, kind in TASKS.items()
        for part in (0, 1)
    ]
