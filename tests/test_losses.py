"""Losses: values from the lectures, gradients against central differences and the Tensor engine."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_layers import STEP, TOLERANCE, fast, seeds, signed

from coursekit.gradcheck import numerical_gradient, rel_error
from coursekit.nn import (
    BCEWithLogitsLoss,
    MSELoss,
    MulticlassHingeLoss,
    SoftmaxCrossEntropyLoss,
    l2_penalty,
)
from coursekit.tensor import Tensor, binary_cross_entropy_with_logits, cross_entropy

sizes = st.integers(1, 5)


def example(loss_name, rng, n, c):
    """Scores and targets for a loss, drawn so that every gradient entry is well above 1e-3."""
    if loss_name == "mse":
        targets = rng.standard_normal((n, c))
        return targets + signed(rng, (n, c)), targets
    if loss_name == "bce":
        return 3 * signed(rng, (n, 1)), rng.integers(0, 2, (n, 1)).astype(float)
    labels = rng.integers(0, c, n)
    if loss_name == "hinge":
        # Whole numbers, jittered by at most 0.2, and 0.5 more for the correct class: every
        # margin s_j − s_y + 1 is then 0.1 or more from a whole number, so from the kink at 0.
        scores = rng.integers(-2, 3, (n, c)) + rng.uniform(-0.2, 0.2, (n, c))
        scores[np.arange(n), labels] += 0.5
        return scores, labels
    return 2 * signed(rng, (n, c)), labels


LOSSES = {
    "mse": MSELoss,
    "bce": BCEWithLogitsLoss,
    "softmax": SoftmaxCrossEntropyLoss,
    "hinge": MulticlassHingeLoss,
}


@pytest.mark.parametrize("name", LOSSES)
@fast
@given(n=sizes, c=st.integers(2, 4), seed=seeds)
def test_loss_gradient_matches_central_differences(name, n, c, seed):
    scores, targets = example(name, np.random.default_rng(seed), n, c)
    loss = LOSSES[name]()
    loss.forward(scores, targets)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda s: loss.forward(s, targets), scores, h=STEP)
    error = rel_error(analytic, numeric)
    assert error < TOLERANCE, f"{name}: relative error {error:.1e}"


def hinge_with_tensors(scores, labels):
    rows = np.arange(len(labels))
    correct = scores[rows, labels].reshape(-1, 1)
    wrong_classes = np.ones(scores.shape)
    wrong_classes[rows, labels] = 0.0
    return ((scores - correct + 1.0).relu() * wrong_classes).sum() / len(labels)


TENSOR_LOSSES = {
    "mse": lambda s, t: ((s - t) * (s - t)).mean(),
    "bce": binary_cross_entropy_with_logits,
    "softmax": cross_entropy,
    "hinge": hinge_with_tensors,
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_agrees_with_the_tensor_engine(name):
    scores, targets = example(name, np.random.default_rng(4), 6, 3)
    loss = LOSSES[name]()
    value = loss.forward(scores, targets)
    scores_tensor = Tensor(scores, requires_grad=True)
    value_tensor = TENSOR_LOSSES[name](scores_tensor, targets)
    value_tensor.backward()
    assert value == pytest.approx(value_tensor.item(), rel=1e-12)
    assert np.allclose(loss.backward(), scores_tensor.grad, rtol=1e-12, atol=1e-15)


def test_equal_scores_give_minus_log_one_over_c():
    loss = SoftmaxCrossEntropyLoss()
    three_classes = loss.forward(np.zeros((300, 3)), np.zeros(300, dtype=int))
    assert three_classes == pytest.approx(1.0986, abs=1e-4)  # the lectures' −log(1/3) ≈ 1.10
    assert loss.forward(np.zeros((4, 10)), np.arange(4)) == pytest.approx(math.log(10))


def test_softmax_loss_of_a_confident_right_answer_is_small():
    # The lectures' digit example: softmax output 0.9 for the right digit gives −log 0.9.
    probabilities = np.array([[0.01, 0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.01, 0.01]])
    value = SoftmaxCrossEntropyLoss().forward(np.log(probabilities), np.array([1]))
    assert value == pytest.approx(-math.log(0.9))


def test_hinge_loss_of_the_cs231n_example():
    scores = np.array([[3.2, 5.1, -1.7]])  # correct class 0: max(0, 5.1 − 3.2 + 1) = 2.9
    loss = MulticlassHingeLoss()
    assert loss.forward(scores, np.array([0])) == pytest.approx(2.9)
    assert loss.backward().tolist() == [[-1.0, 1.0, 0.0]]


def test_losses_stay_finite_for_huge_scores():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        bce = BCEWithLogitsLoss()
        logits = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
        assert bce.forward(logits, np.array([[0.0], [1.0], [1.0], [0.0]])) == 500.0
        assert bce.backward().ravel().tolist() == [0.25, -0.25, 0.0, 0.0]
        softmax = SoftmaxCrossEntropyLoss()
        assert softmax.forward(np.array([[1000.0, -1000.0]]), np.array([1])) == 2000.0
        assert np.all(np.isfinite(softmax.backward()))


def test_mse_is_a_mean_over_all_entries():
    loss = MSELoss()
    assert loss.forward(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))) == 7.5
    assert loss.backward().tolist() == [[0.5, 1.0], [1.5, 2.0]]


def test_l2_penalty_is_half_lambda_sum_of_squares_with_gradient_lambda_w():
    params = {"0.W": np.array([[1.0, -2.0]]), "2.W": np.array([3.0])}
    penalty, grads = l2_penalty(params, strength=0.1)
    assert penalty == pytest.approx(0.5 * 0.1 * 14)
    for name, value in params.items():
        total = lambda w, name=name: l2_penalty({**params, name: w}, 0.1)[0]  # noqa: E731
        assert rel_error(grads[name], numerical_gradient(total, value.copy(), h=STEP)) < 1e-7
    with pytest.raises(ValueError, match="0 or more"):
        l2_penalty(params, -1.0)


def test_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match=r"before forward\(\)"):
        SoftmaxCrossEntropyLoss().backward()


@pytest.mark.parametrize(
    "labels, error, message",
    [
        (np.array([0.0, 1.0]), TypeError, r"integer class indices.*astype\(int\)"),
        (np.eye(2, 3, dtype=int), ValueError, r"one-hot: pass labels.argmax\(axis=1\)"),
        (np.array([0, 3]), ValueError, r"0\.\.2 .*does the last layer have one output per class"),
        (np.array([1, 3]), ValueError, "numbered from 1"),
        (np.array([0, 1, 2]), ValueError, r"one label per row of scores, shape \(2,\)"),
    ],
    ids=["floats", "one-hot", "out of range", "from one", "wrong count"],
)
@pytest.mark.parametrize("loss", [SoftmaxCrossEntropyLoss(), MulticlassHingeLoss()])
def test_bad_labels_are_explained(loss, labels, error, message):
    with pytest.raises(error, match=message):
        loss.forward(np.zeros((2, 3)), labels)


def test_bad_targets_are_explained():
    with pytest.raises(ValueError, match=r"reshape\(4, 1\)"):
        MSELoss().forward(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BCEWithLogitsLoss().forward(np.zeros(3), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        SoftmaxCrossEntropyLoss().forward(np.zeros(3), np.zeros(3, dtype=int))
