"""Notebook 03's exercises: right answers pass, typical wrong answers fail with a hint."""

import numpy as np
from exercise_cases import assert_fails_helpfully, assert_passes, exercise_tests, mistaken

from coursekit.exercises.ex03_network_by_hand import (
    _network_problem,
    reference_softmax_loss,
    reference_two_layer_backward,
)
from coursekit.nn import SoftmaxCrossEntropyLoss, init

# ----- 3.1: the softmax classifier's loss and gradients, written as a student would


def softmax_loss(W, b, X, y, reg, mistake=None):
    scores = X @ W + b
    if mistake != "unstable":
        scores = scores - scores.max(axis=1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    n = len(y)
    rows = np.arange(n)
    with np.errstate(divide="ignore"):
        loss = -np.log(probs[rows, y]).mean()
    if mistake != "no penalty in the loss":
        loss += 0.5 * reg * np.sum(W * W)
    if mistake == "bias penalised":  # lecture 002's penalty: W and b
        loss += 0.5 * reg * np.sum(b * b)
    dscores = probs.copy()
    dscores[rows, y] -= 1
    if mistake == "wrong sign":
        dscores = -dscores
    if mistake != "no 1/N":
        dscores /= n
    dW = X.T @ dscores
    if mistake == "transposed":
        dW = dscores.T @ X
    if mistake != "no penalty gradient":
        dW = dW + reg * W
    db = dscores if mistake == "bias not summed" else dscores.sum(axis=0)
    if mistake == "bias penalised":
        db = db + reg * b
    if mistake == "loss only":
        return loss
    return (loss, dW, db)


# ----- 3.2: the backward pass of the two-layer network


def two_layer_backward(params, X, hidden, dscores, reg, mistake=None):
    dW2 = hidden.T @ dscores
    if mistake != "no penalty gradient":
        dW2 = dW2 + reg * params["W2"]
    db2 = dscores.mean(axis=0) if mistake == "bias averaged" else dscores.sum(axis=0)
    through_W2 = params["W2"] if mistake == "W2 not transposed" else params["W2"].T
    dhidden = dscores @ through_W2
    dz1 = dhidden if mistake == "no ReLU mask" else dhidden * (hidden > 0)
    dW1 = dz1.T @ X if mistake == "dW1 transposed" else X.T @ dz1
    grads = {"W1": dW1 + reg * params["W1"], "b1": dz1.sum(axis=0), "W2": dW2, "b2": db2}
    if mistake == "a tuple":
        return tuple(grads.values())
    return grads


# ----- 3.3: training, with the notebook's helpers


def init_two_layer(n_inputs, n_hidden, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W1": init.he(n_inputs, n_hidden, rng=rng),
        "b1": np.zeros(n_hidden),
        "W2": init.he(n_hidden, n_classes, rng=rng),
        "b2": np.zeros(n_classes),
    }


def two_layer_forward(params, X):
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"], hidden


def train_two_layer(X, y, hidden_size=100, learning_rate=1.0, reg=1e-3, steps=1000, seed=0,
                    mistake=None):
    params = init_two_layer(X.shape[1], hidden_size, int(y.max()) + 1, seed)
    criterion = SoftmaxCrossEntropyLoss()
    if mistake == "no loop":
        return params
    for _ in range(steps):
        scores, hidden = two_layer_forward(params, X)
        criterion.forward(scores, y)
        grads = two_layer_backward(params, X, hidden, criterion.backward(), reg)
        for name in params:
            if mistake == "uphill":
                params[name] += learning_rate * grads[name]
            else:
                params[name] -= learning_rate * grads[name]
    return None if mistake == "nothing returned" else params


# ----- 3.4: the gradients of f(W, x) = ‖Wx‖²


def norm_squared_gradients(W, x, mistake=None):
    grad_q = 2 * (W @ x)
    if mistake == "no factor 2":
        grad_q = W @ x
    dW = np.outer(x, grad_q) if mistake == "outer product swapped" else np.outer(grad_q, x)
    dx = W @ grad_q if mistake == "no transpose" else W.T @ grad_q
    return {"W": dW, "x": dx} if mistake == "a dict" else (dW, dx)


RIGHT_AND_WRONG = {
    "3.1": (
        softmax_loss,
        [
            (mistaken(softmax_loss, "wrong sign"), "(p − one_hot(y)) / N"),
            (mistaken(softmax_loss, "no 1/N"), "(p − one_hot(y)) / N"),
            (mistaken(softmax_loss, "no penalty in the loss"), "½·reg·ΣW²"),
            (mistaken(softmax_loss, "no penalty gradient"), "+ reg·W"),
            (mistaken(softmax_loss, "transposed"), "Xᵀ·dscores"),
            (mistaken(softmax_loss, "bias not summed"), "summed over the batch"),
            (mistaken(softmax_loss, "bias penalised"), "The penalty leaves b out"),
            (mistaken(softmax_loss, "loss only"), "expected a tuple of 3 values"),
            (mistaken(softmax_loss, "unstable"), "subtract each row's largest score"),
        ],
    ),
    "3.2": (
        two_layer_backward,
        [
            (mistaken(two_layer_backward, "no ReLU mask"), "where hidden > 0"),
            (mistaken(two_layer_backward, "no penalty gradient"), "+ reg·W2"),
            (mistaken(two_layer_backward, "bias averaged"), "summed over the batch"),
            (mistaken(two_layer_backward, "W2 not transposed"), "dscores · W2ᵀ"),
            (mistaken(two_layer_backward, "dW1 transposed"), "dW1 = Xᵀ · dz1"),
            (mistaken(two_layer_backward, "a tuple"), "should be a dict"),
        ],
    ),
    "3.3": (
        train_two_layer,
        [
            (mistaken(train_two_layer, "no loop"), "got 0.3"),
            (mistaken(train_two_layer, "uphill", steps=100), "+= instead of -="),
            (mistaken(train_two_layer, None, steps=30), "expected 0.95, got 0."),
            (mistaken(train_two_layer, "nothing returned", steps=1), "should return the params"),
        ],
    ),
    "3.4": (
        norm_squared_gradients,
        [
            (mistaken(norm_squared_gradients, "no factor 2"), "expected 0.088, got 0.044"),
            (mistaken(norm_squared_gradients, "no transpose"), "dx = Wᵀ · 2q, shaped like x"),
            (mistaken(norm_squared_gradients, "outer product swapped"), "np.outer(2q, x)"),
            (mistaken(norm_squared_gradients, "a dict"), "expected a tuple of 2 values"),
        ],
    ),
}


test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=3
)


def test_backward_checks_keep_away_from_the_relu_kink():
    """Central differences across a ReLU kink would be wrong, so no hidden unit sits near 0."""
    for sizes in ((0, 4, 3, 5, 3, 0.1), (1, 1, 2, 6, 4, 0.0), (2, 6, 4, 3, 2, 1e-3)):
        arguments, _ = _network_problem(*sizes)
        params = arguments["params"]
        before_relu = arguments["X"] @ params["W1"] + params["b1"]
        assert np.abs(before_relu).min() > 1e-3


def test_the_backward_checks_compare_with_central_differences_not_with_a_formula():
    """A gradient that is right except in one entry fails: the check sees every entry."""
    def off_by_a_little(params, X, hidden, dscores, reg):
        grads = two_layer_backward(params, X, hidden, dscores, reg)
        grads["W1"][0, 0] += 1e-4
        return grads

    assert_fails_helpfully("3.2", off_by_a_little, "1 of 15 entries differ; first at index (0, 0)")


def test_answers_are_called_positionally_so_their_parameter_names_are_free():
    assert_passes("3.1", lambda weights, bias, inputs, labels, strength: softmax_loss(
        weights, bias, inputs, labels, strength))


def test_the_library_answers_the_notebook_falls_back_on_pass_the_checks():
    assert_passes("3.1", reference_softmax_loss)
    assert_passes("3.2", reference_two_layer_backward)

