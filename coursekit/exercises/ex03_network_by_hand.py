"""Notebook 03: the softmax classifier's loss and gradients, a two-layer network's backward pass,
the training loop that makes it separate the spiral, and the gradients of f(W, x) = ‖Wx‖².

The expected answers come from the library: 3.1 from `Linear`'s backward pass with
`SoftmaxCrossEntropyLoss` and `l2_penalty`; 3.2 from central differences of the whole network's
loss (a gradient check, so only true gradients pass); 3.3 from the accuracy the trained network
reaches on spirals, one of them not seen in the notebook; 3.4 from `Tensor`'s backward pass.

`reference_softmax_loss` and `reference_two_layer_backward` are the library's answers to 3.1 and
3.2: the notebook's later cells use them until the student's own functions pass their checks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..data import spiral
from ..gradcheck import numerical_gradient
from ..nn import Linear, ReLU, Sequential, SoftmaxCrossEntropyLoss, l2_penalty
from ..tensor import Tensor
from ..train import accuracy
from .framework import Case, calls, entry, exercise

# Our names for the two-layer network's parameters, and the names Sequential gives them.
LIBRARY_NAMES = {"W1": "0.W", "b1": "0.b", "W2": "2.W", "b2": "2.b"}
SPIRAL_ACCURACY = 0.95


def _linear(W: np.ndarray, b: np.ndarray) -> Linear:
    """A Linear layer holding copies of W (D, C) and b (C,)."""
    layer = Linear(*W.shape, rng=0)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    return layer


def reference_softmax_loss(
    W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """The library's answer to 3.1: (loss, dW (D, C), db (C,)) for W (D, C), b (C,), X (N, D),
    y (N,), with the L2 penalty ½·reg·ΣW² on W only."""
    layer, criterion = _linear(W, b), SoftmaxCrossEntropyLoss()
    data_loss = criterion.forward(layer.forward(X), y)
    layer.backward(criterion.backward())
    penalty, penalty_grads = l2_penalty({"W": W}, reg)
    return (data_loss + penalty, layer.grads["W"] + penalty_grads["W"], layer.grads["b"])


def _classifier_problem(seed, examples, features, classes, reg, scale=1.0):
    rng = np.random.default_rng(seed)
    return dict(
        W=scale * rng.standard_normal((features, classes)),
        b=rng.standard_normal(classes),
        X=rng.standard_normal((examples, features)),
        y=rng.integers(0, classes, examples),
        reg=reg,
    )


def _copies(args: dict) -> dict:
    """Fresh copies of the arrays (in nested dicts too): an answer that changes its inputs in
    place then spoils no other case."""
    return {
        name: _copies(value) if isinstance(value, dict)
        else value.copy() if isinstance(value, np.ndarray) else value
        for name, value in args.items()
    }


@exercise(
    "3.1",
    "softmax classifier: loss and gradients",
    points=3,
    hints=(
        "Scores first: S = X·W + b, shape (N, C). Subtract each row's largest score, exponentiate "
        "and divide by the row sums to get the probabilities p.",
        "The data loss is the mean over the N examples of −log p[i, y[i]]; add ½·reg·ΣW². "
        "d(loss)/d(scores) = (p − one_hot(y)) / N.",
        "dW = Xᵀ · dscores + reg·W and db = dscores.sum(axis=0).",
    ),
)
def _softmax_loss(softmax_loss):
    recipe = (
        "return (loss, dW, db): loss = mean of −log p[y] + ½·reg·ΣW² (one number); "
        "dW = Xᵀ·dscores + reg·W with dscores = (p − one_hot(y)) / N; "
        "db = dscores summed over the batch (axis 0). The penalty leaves b out (lecture 002 "
        "penalises b too; this notebook does not): no reg·b in db, no b² in the loss"
    )
    stable = (
        "with scores in the hundreds e^score overflows to inf: subtract each row's largest "
        "score before exponentiating (softmax does not change)"
    )
    problems = [
        ("5 examples, 3 features, 4 classes, reg=0.1", (0, 5, 3, 4, 0.1), recipe),
        ("1 example, 2 features, 3 classes, reg=0", (1, 1, 2, 3, 0.0), recipe),
        ("8 examples, 4 features, 2 classes, reg=0.001", (2, 8, 4, 2, 1e-3), recipe),
        ("4 examples whose scores reach the hundreds, reg=0", (3, 4, 2, 3, 0.0, 400.0), stable),
    ]
    cases = []
    for what, sizes, hint in problems:
        args = _classifier_problem(*sizes)
        cases.append(
            Case(
                f"softmax_loss on {what}",
                lambda args=args: softmax_loss(*_copies(args).values()),
                reference_softmax_loss(**args),
                hint,
            )
        )
    return cases


def _network(params: dict) -> Sequential:
    """The two-layer ReLU network with copies of params (W1 (D, H), b1, W2 (H, C), b2)."""
    return Sequential(
        _linear(params["W1"], params["b1"]), ReLU(), _linear(params["W2"], params["b2"])
    )


def reference_two_layer_backward(
    params: dict, X: np.ndarray, hidden: np.ndarray, dscores: np.ndarray, reg: float
) -> dict:
    """The library's answer to 3.2: the gradients of the two-layer network, by the names of
    params (W1 (D, H), b1, W2 (H, C), b2), from its layers' own backward passes.

    The layers run their forward pass again on X (N, D), so `hidden` is not needed; dscores
    (N, C) is d(loss)/d(scores); the penalty ½·reg·(ΣW1² + ΣW2²) adds reg·W to each weight.
    """
    model = _network(params)
    model.forward(X)
    model.backward(dscores, input_grad=False)
    grads = model.gradients()
    return {ours: grads[theirs] + (reg * params[ours] if ours.startswith("W") else 0.0)
            for ours, theirs in LIBRARY_NAMES.items()}


def _network_problem(seed, examples, features, hidden, classes, reg):
    """A network, a batch, and what its forward pass and loss hand to the backward pass."""
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((features, hidden)),
        "b1": rng.standard_normal(hidden),
        "W2": rng.standard_normal((hidden, classes)),
        "b2": rng.standard_normal(classes),
    }
    X = rng.standard_normal((examples, features))
    y = rng.integers(0, classes, examples)
    model, criterion = _network(params), SoftmaxCrossEntropyLoss()
    criterion.forward(model.forward(X), y)
    hidden_output = model.activations()["ReLU 1"].copy()
    arguments = dict(params=params, X=X, hidden=hidden_output, dscores=criterion.backward(),
                     reg=reg)
    return arguments, _numerical_gradients(model, X, y, reg)


def _numerical_gradients(model: Sequential, X: np.ndarray, y: np.ndarray, reg: float) -> dict:
    """Central differences of data loss + ½·reg·(ΣW1² + ΣW2²) for every parameter."""
    criterion, parameters = SoftmaxCrossEntropyLoss(), model.parameters()
    weights = {name: parameters[name] for name in ("0.W", "2.W")}

    def loss(_):
        return criterion.forward(model.forward(X), y) + l2_penalty(weights, reg)[0]

    return {ours: numerical_gradient(loss, parameters[theirs])
            for ours, theirs in LIBRARY_NAMES.items()}


def _shapes(grads: object) -> str:
    """The shape of each gradient, as text: "W1 (3, 5), b1 (5,), W2 (5, 3), b2 (3,)"."""
    return ", ".join(f"{name} {np.shape(_gradient(grads, name))}" for name in LIBRARY_NAMES)


def _gradient(grads: object, name: str) -> object:
    return entry(grads, name, "what two_layer_backward returns", "with the keys W1, b1, W2, b2")


SHAPES_HINT = (
    "every gradient has its parameter's shape: dW2 = hiddenᵀ · dscores is (H, C); the hidden "
    "layer receives dscores · W2ᵀ, (N, H); dW1 = Xᵀ · dz1 is (D, H); the biases' gradients are "
    "sums over the batch (axis 0)"
)
BACKWARD_HINTS = {
    "W2": "dW2 = hiddenᵀ · dscores + reg·W2: the second layer's input is the hidden layer",
    "b2": "db2 is dscores summed over the batch (axis 0): b2 is added to every row",
    "W1": "the gradient reaches the hidden layer as dscores · W2ᵀ; the ReLU lets it through only "
          "where hidden > 0 (set it to 0 elsewhere); then dW1 = Xᵀ · (that masked gradient) "
          "+ reg·W1",
    "b1": "db1 is the masked gradient of the hidden layer (after the ReLU mask) summed over the "
          "batch (axis 0)",
}


@exercise(
    "3.2",
    "backward pass of the two-layer network",
    points=4,
    hints=(
        "Go from the scores back to X. The second layer is the softmax classifier of 3.1 with "
        "the hidden layer as its input.",
        "Pass the gradient through W2 with dscores · W2ᵀ, then through the ReLU: multiply by "
        "(hidden > 0).",
        "The first layer is again a linear layer: with dz1 the masked gradient, "
        "dW1 = Xᵀ · dz1 + reg·W1 and db1 = dz1.sum(axis=0).",
    ),
)
def _two_layer_backward(two_layer_backward):
    problems = [
        ("4 examples, 3 inputs, 5 hidden units, 3 classes, reg=0.1", (0, 4, 3, 5, 3, 0.1)),
        ("1 example, 2 inputs, 6 hidden units, 4 classes, reg=0", (1, 1, 2, 6, 4, 0.0)),
        ("6 examples, 4 inputs, 3 hidden units, 2 classes, reg=0.001", (2, 6, 4, 3, 2, 1e-3)),
    ]
    cases = []
    for what, sizes in problems:
        arguments, numerical = _network_problem(*sizes)
        if not cases:
            cases.append(
                Case(
                    f"the shapes of the gradients two_layer_backward returns, on {what}",
                    lambda arguments=arguments: _shapes(
                        two_layer_backward(*_copies(arguments).values())
                    ),
                    _shapes(numerical),
                    SHAPES_HINT,
                )
            )
        for name in ("W2", "b2", "W1", "b1"):
            cases.append(
                Case(
                    f"the gradient {name} on {what}, against central differences of the loss",
                    lambda arguments=arguments, name=name: _gradient(
                        two_layer_backward(*_copies(arguments).values()), name
                    ),
                    numerical[name],
                    BACKWARD_HINTS[name],
                )
            )
    return cases


def _at_least(value: float, threshold: float) -> float:
    """A threshold as an expected value: anything ≥ threshold reads as the threshold itself.

    A check then passes from the threshold up, and when it fails it shows the value reached.
    """
    return min(float(value), threshold)


def _trained_accuracy(train: Callable, X: np.ndarray, y: np.ndarray) -> float:
    params = train(X.copy(), y.copy())
    if not isinstance(params, dict) or set(LIBRARY_NAMES) - set(params):
        raise TypeError(
            f"train_two_layer should return the params dict with the keys W1, b1, W2, b2, got "
            f"{sorted(params) if isinstance(params, dict) else type(params).__name__}"
        )
    return accuracy(_network(params).forward(X), y)


@exercise(
    "3.3",
    "training the network on the spiral",
    points=3,
    hints=(
        "Every step: forward pass, loss, backward pass, update. Use two_layer_forward, "
        "criterion.forward and criterion.backward, and your two_layer_backward.",
        "The update changes the arrays inside params: params[name] -= learning_rate * grads[name] "
        "for every name.",
    ),
)
def _train_spiral(train_two_layer):
    hint = (
        "each step: scores, hidden = two_layer_forward(params, X); criterion.forward(scores, y); "
        "grads = two_layer_backward(params, X, hidden, criterion.backward(), reg); then "
        "params[name] -= learning_rate * grads[name] for every name. An accuracy near 1/3 means "
        "the parameters never moved, or moved uphill (+= instead of -=); one that rises but "
        "stops short needs more steps"
    )
    cases = []
    for seed in (0, 1):  # the notebook's spiral, and one with other noise
        X, y = spiral(seed=seed)
        cases.append(
            Case(
                f"training accuracy of train_two_layer(X, y) on the spiral made with seed={seed} "
                f"({SPIRAL_ACCURACY} or more passes)",
                lambda X=X, y=y: _at_least(
                    _trained_accuracy(train_two_layer, X, y), SPIRAL_ACCURACY
                ),
                SPIRAL_ACCURACY,
                hint,
            )
        )
    return cases


def _norm_squared_reference(W, x):
    W, x = Tensor(W, requires_grad=True), Tensor(x, requires_grad=True)
    ((W @ x) ** 2).sum().backward()
    return (W.grad, x.grad)


@exercise(
    "3.4",
    "gradients of f(W, x) = ‖Wx‖²",
    points=2,
    hints=(
        "Forward first: q = W @ x and f = Σ q². The upstream gradient of q is ∂f/∂q = 2q, "
        "shaped like q.",
        "∂f/∂W has the shape of W, (m, n). From 2q (m,) and x (n,) only the outer product "
        "makes an (m, n) matrix: np.outer(2 * q, x).",
        "∂f/∂x has the shape of x, (n,). From W (m, n) and 2q (m,) only Wᵀ · 2q makes (n,): "
        "W.T @ (2 * q).",
    ),
)
def _norm_squared_gradients(norm_squared_gradients):
    rng = np.random.default_rng(3)
    arguments = [
        dict(W=np.array([[0.1, 0.5], [-0.3, 0.8]]), x=np.array([0.2, 0.4])),  # the worked one
        dict(W=rng.standard_normal((3, 2)).round(2), x=rng.standard_normal(2).round(2)),
        dict(W=rng.standard_normal((2, 4)).round(2), x=rng.standard_normal(4).round(2)),
        dict(W=rng.standard_normal((1, 3)).round(2), x=rng.standard_normal(3).round(2)),
    ]
    return calls(
        norm_squared_gradients,
        "norm_squared_gradients",
        arguments,
        _norm_squared_reference,
        "return (dW, dx) with q = W @ x: dW = np.outer(2q, x), shaped like W; "
        "dx = Wᵀ · 2q, shaped like x. A gradient has the shape of what it is the gradient of",
    )
