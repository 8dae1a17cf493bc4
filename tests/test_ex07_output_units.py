"""Notebook 07's exercises: right answers pass, typical wrong answers fail with a hint."""


import numpy as np
from exercise_cases import assert_passes, exercise_tests, failure_of, mistaken

from coursekit.exercises import check

# ----- 7.1: binary cross-entropy on logits


def bce_with_logits(z, t, mistake=None):
    if mistake == "np.exp sigmoid":  # the loss from logits, but σ(z) overflows for z = -1000
        probability = 1 / (1 + np.exp(-z))
        per_example = t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z)
        return (per_example.mean(), (probability - t) / len(z))
    if mistake == "naive":
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            probability = 1 / (1 + np.exp(-z))
            per_example = -t * np.log(probability) - (1 - t) * np.log(1 - probability)
    else:
        per_example = t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z)
    probability = np.exp(-np.logaddexp(0, -z))
    dz = (probability - t) / len(z)
    if mistake == "wrong sign":
        dz = -dz
    if mistake == "no 1/N":
        dz = probability - t
    if mistake == "sum":
        return (per_example.sum(), dz)
    if mistake == "loss only":
        return per_example.mean()
    return (per_example.mean(), dz)


# ----- 7.2: log-softmax


def log_softmax(scores, mistake=None):
    if mistake == "no shift":
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    largest = scores.max() if mistake == "one shift for all rows" else scores.max(
        axis=1, keepdims=True
    )
    shifted = scores - largest
    with np.errstate(divide="ignore"):
        result = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.exp(result) if mistake == "softmax" else result


def log_softmax_without_keepdims(scores):
    shifted = scores - scores.max(axis=1)
    return shifted - np.log(np.exp(shifted).sum(axis=1))


# ----- 7.3: choosing output units and losses

RIGHT_CHOICES = {
    "blood pressure": ("linear", "mse"),
    "poisonous mushroom": ("sigmoid", "binary cross-entropy"),
    "handwritten letter": ("softmax", "cross-entropy"),
}


def choices_with(task, pair):
    return {**RIGHT_CHOICES, task: pair}


RIGHT_AND_WRONG = {
    "7.1": (
        bce_with_logits,
        [
            (mistaken(bce_with_logits, "naive"), "np.logaddexp(0, -z)"),
            (mistaken(bce_with_logits, "np.exp sigmoid"), "np.exp(-np.logaddexp(0, -z))"),
            (mistaken(bce_with_logits, "wrong sign"), "dz = (σ(z) − t) / N"),
            (mistaken(bce_with_logits, "no 1/N"), "dz = (σ(z) − t) / N"),
            (mistaken(bce_with_logits, "sum"), "mean of"),
            (mistaken(bce_with_logits, "loss only"), "expected a tuple of 2 values"),
        ],
    ),
    "7.2": (
        log_softmax,
        [
            (mistaken(log_softmax, "no shift"), "m + log Σ e^(s − m)"),
            (mistaken(log_softmax, "one shift for all rows"), "each row's own largest score"),
            (mistaken(log_softmax, "softmax"), "log p_k = s_k − log Σ_j e^(s_j)"),
            (log_softmax_without_keepdims, "log p_k"),
        ],
    ),
    "7.3": (
        RIGHT_CHOICES,
        [
            (choices_with("blood pressure", ("sigmoid", "mse")), "should not squash it"),
            (choices_with("blood pressure", ("linear", "cross-entropy")), "squared"),
            (choices_with("poisonous mushroom", ("softmax", "binary cross-entropy")),
             "a softmax over two classes"),
            (choices_with("poisonous mushroom", ("linear", "binary cross-entropy")),
             "between 0 and 1"),
            (choices_with("poisonous mushroom", ("sigmoid", "mse")), "undoes its exponential"),
            (choices_with("handwritten letter", ("sigmoid", "cross-entropy")), "adding up to 1"),
            (choices_with("handwritten letter", ("softmax", "hinge")), "−log of the probability"),
            (choices_with("handwritten letter", ("softmax", "log loss")),
             "not one of the losses this exercise knows"),
            (choices_with("blood pressure", "linear"), "should be a pair"),
            ({"blood pressure": ("linear", "mse")}, "has no entry"),
        ],
    ),
}


test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=7
)


def test_choices_are_compared_without_regard_to_case_or_spaces():
    shouted = {task: (unit.upper(), f" {loss} ") for task, (unit, loss) in RIGHT_CHOICES.items()}
    assert_passes("7.3", shouted)


def test_a_wrong_choice_does_not_give_the_right_one_away():
    assert "'linear'" not in failure_of("7.3", choices_with("blood pressure", ("sigmoid", "mse")))


def test_the_template_with_choices_left_empty_counts_as_not_answered():
    assert check("7.3", dict.fromkeys(RIGHT_CHOICES)).status == "not answered"


def test_a_two_class_softmax_for_the_yes_or_no_task_passes():
    assert_passes("7.3", choices_with("poisonous mushroom", ("softmax", "cross-entropy")))


def test_a_two_class_softmax_still_needs_its_own_loss():
    softmax_with_mse = choices_with("poisonous mushroom", ("softmax", "mse"))
    assert "undoes its exponential" in failure_of("7.3", softmax_with_mse)


def test_bce_with_logits_is_called_positionally_so_its_parameter_names_are_free():
    assert_passes("7.1", lambda logits, targets: bce_with_logits(logits, targets))
    assert_passes("7.2", lambda s: log_softmax(s))
