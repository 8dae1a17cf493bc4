"""Notebook 09: the digits network from the student's own parts, CS231n style.

The student writes classes (a `Linear` layer, a `ReLU`, an SGD-with-momentum optimiser), but the
grader can only pass plain data to an answer, so each class is checked through a function of its
answer cell that builds it from arrays, runs it, and returns arrays (as in notebook 08). The
expected values come from the course: 9.1 from coursekit's `Linear` forward pass and central
differences of Σ upstream ⊙ output (`numerical_gradient`), 9.2 from `ReLU`, 9.3 from
`SoftmaxCrossEntropyLoss` (its large scores run with numpy's overflow raised as an error), 9.4 from
`optim.SGD` with momentum, and 9.5 from `train.fit` with those parts.

`library_parts()` is the course's answer to the whole notebook: its later cells use it until the
student's own parts pass their checks.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..gradcheck import numerical_gradient
from ..nn import Linear, ReLU, Sequential, SoftmaxCrossEntropyLoss
from ..optim import SGD
from ..train import fit
from .ex02_sigmoid import overflow_raises
from .framework import Case, calls, entry, exercise

__all__ = ["DIGITS_ACCURACY", "HISTORY", "library_parts"]

DIGITS_ACCURACY = 0.95
HISTORY = ("loss", "accuracy", "val_loss", "val_accuracy")  # what the training loop records


# ----- the course's parts, with the notebook's interfaces


def library_network(n_inputs: int, hidden: int, n_classes: int, seed: int = 0) -> list:
    """n_inputs → hidden → n_classes as coursekit layers, started as the notebook's network."""
    rng = np.random.default_rng(seed)
    return [Linear(n_inputs, hidden, rng=rng), ReLU(), Linear(hidden, n_classes, rng=rng)]


def library_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """(mean softmax cross-entropy, its gradient (N, C) with respect to the scores (N, C))."""
    criterion = SoftmaxCrossEntropyLoss()
    return criterion.forward(scores, y), criterion.backward()


def library_backward(layers: list, upstream: np.ndarray) -> np.ndarray:
    """d(loss)/d(scores) back through coursekit layers; each stores its grads."""
    return Sequential(*layers).backward(upstream)


def library_train(layers: list, X: np.ndarray, y: np.ndarray, X_val: np.ndarray,
                  y_val: np.ndarray, epochs: int, batch_size: int, learning_rate: float,
                  momentum: float, seed: int = 0) -> dict:
    """coursekit's `fit` with the notebook's loop's arguments; the history, one entry per epoch."""
    model = Sequential(*layers)
    return fit(model, SoftmaxCrossEntropyLoss(), X, y,
               SGD(model.parameters(), lr=learning_rate, momentum=momentum), epochs=epochs,
               batch_size=batch_size, seed=seed, X_val=X_val, y_val=y_val)


def library_parts() -> SimpleNamespace:
    """The notebook's parts (network, loss, backward, train) built from coursekit's own."""
    return SimpleNamespace(network=library_network, loss=library_loss, backward=library_backward,
                           train=library_train)


# ----- 9.1 and 9.2: the layers


def _linear_reference(W, b, x, upstream):
    """coursekit's Linear on (W, b, x), and the gradients of Σ upstream ⊙ output, numerically."""
    layer = Linear(*np.shape(W), rng=0)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    x = np.array(x, dtype=float)
    output = layer.forward(x).copy()

    def summed(_):
        return float(np.sum(upstream * layer.forward(x)))

    return (output, numerical_gradient(summed, x), numerical_gradient(summed, layer.params["W"]),
            numerical_gradient(summed, layer.params["b"]))


@exercise(
    "9.1",
    "a Linear layer",
    points=3,
    hints=(
        "forward keeps its input (self.x = x) and returns x @ W + b. backward has three jobs: "
        "the weights' gradient, the bias's, and the gradient for the layer below.",
        "A gradient has the shape of what it is the gradient of: W is (D_in, D_out), so "
        "dW = self.x.T @ upstream; db = upstream.sum(axis=0), since b was added to every row; "
        "the downstream gradient, shaped like x, is upstream @ W.T.",
        "Set the gradients with =, not +=: each backward pass computes them afresh.",
    ),
)
def _linear(linear_pass):
    def arrays(*rows):
        return np.array(rows, dtype=float)

    arguments = [
        dict(W=arrays([1.0, -2.0], [0.5, 3.0]), b=arrays(0.5, -1.0),
             x=arrays([1.0, 2.0], [-1.0, 0.5], [0.0, 3.0]),
             upstream=arrays([1.0, 0.0], [-2.0, 1.0], [0.5, 0.5])),
        dict(W=arrays([0.2, -0.1], [1.0, 0.4], [-0.6, 0.3]), b=arrays(0.0, 2.0),
             x=arrays([1.0, -1.0, 2.0], [0.5, 0.0, -3.0]),
             upstream=arrays([1.0, -1.0], [2.0, 0.5])),
        dict(W=arrays([1.5, -0.5, 0.25, 2.0]), b=arrays(0.1, 0.2, 0.3, 0.4),
             x=arrays([2.0]), upstream=arrays([1.0, -2.0, 0.5, 3.0])),
    ]
    return calls(
        linear_pass,
        "linear_pass",
        arguments,
        _linear_reference,
        "linear_pass returns (output, downstream, grads W, grads b) after two forward and backward "
        "passes on the same batch: output = x W + b, downstream = upstream Wᵀ (shaped like x), "
        "dW = xᵀ upstream (shaped like W), db = the sum of upstream over the batch; set the grads "
        "with =, because += would add the second pass to the first",
    )


def _relu_reference(x, upstream):
    layer = ReLU()
    output = layer.forward(np.asarray(x, dtype=float)).copy()
    return (output, layer.backward(np.asarray(upstream, dtype=float)))


@exercise(
    "9.2",
    "a ReLU layer",
    points=2,
    hints=(
        "forward returns max(0, x) entry by entry (np.maximum(x, 0.0)) and keeps what backward "
        "needs: where x was positive.",
        "backward lets the upstream gradient through where x > 0 and blocks it elsewhere, also "
        "at exactly x = 0: upstream * (self.x > 0).",
    ),
)
def _relu(relu_pass):
    arguments = [
        dict(x=np.array([[1.0, -2.0, 0.5], [-0.5, 3.0, -1.0]]),
             upstream=np.array([[2.0, 1.0, -1.0], [1.0, -3.0, 0.5]])),
        dict(x=np.array([[0.0, 2.0], [-0.0, -1.0]]), upstream=np.array([[1.0, 1.0], [1.0, 1.0]])),
        dict(x=np.array([[-1.0, 4.0, 2.0, -3.0]]), upstream=np.array([[-1.0, -2.0, 3.0, 5.0]])),
    ]
    return calls(
        relu_pass,
        "relu_pass",
        arguments,
        _relu_reference,
        "relu_pass returns (output, downstream): output = max(0, x); downstream = upstream where "
        "the input x was > 0 and 0 elsewhere (at x = 0 too), an entrywise product, not a mask of "
        "the upstream gradient's own sign",
    )


# ----- 9.3: the loss


@exercise(
    "9.3",
    "softmax cross-entropy that survives large scores",
    points=3,
    hints=(
        "Per row, log p_k = s_k − log Σ_j e^(s_j); the loss is the mean over rows of −log p_y. "
        "Its gradient with respect to the scores is (p − one_hot(y)) / N.",
        "Subtract each row's largest score first (scores.max(axis=1, keepdims=True)): nothing "
        "changes, and no exponential overflows. Keep the log-probabilities rather than taking the "
        "log of probabilities that may have rounded to 0.",
        "rows = np.arange(len(y)) picks each row's true class: log_probs[rows, y]. For the "
        "gradient, start from np.exp(log_probs), subtract 1 at [rows, y], divide by len(y).",
    ),
)
def _softmax_cross_entropy(softmax_cross_entropy):
    ordinary = [
        dict(scores=np.array([[1.0, 2.0, 0.5, -1.0], [0.0, -0.5, 1.5, 2.0],
                              [3.0, 1.0, 1.0, 0.0]]), y=np.array([1, 3, 0])),
        dict(scores=np.array([[0.2, -0.4, 1.1]]), y=np.array([2])),
        dict(scores=np.arange(20, dtype=float).reshape(2, 10) / 4.0, y=np.array([9, 0])),
    ]
    extreme = [
        dict(scores=np.array([[1000.0, 998.0, 990.0], [-1000.0, -1003.0, -1001.0]]),
             y=np.array([0, 1])),
        dict(scores=np.array([[800.0, 0.0, -800.0], [2.0, 1.0, 0.0]]), y=np.array([2, 0])),
    ]
    return calls(
        softmax_cross_entropy,
        "softmax_cross_entropy",
        ordinary,
        library_loss,
        "softmax_cross_entropy returns (loss, dscores): loss = the mean over the rows of "
        "−log p_y, one number, and dscores = (p − one_hot(y)) / N, shaped like the scores. "
        "Dividing by N (len(y)) belongs to both: the loss is a mean",
    ) + calls(
        overflow_raises(softmax_cross_entropy),
        "softmax_cross_entropy",
        extreme,
        library_loss,
        "with scores like ±1000, e^s overflows (with numpy's overflow made an error, as here: "
        "FloatingPointError): subtract each row's largest score first. A true class 1600 below "
        "the best has p = e^(−1600): it rounds to 0 and its log is −inf, so compute the "
        "log-probabilities as shifted − log Σ e^shifted instead of the log of p",
    )


# ----- 9.4: the optimiser


def _momentum_reference(params, gradients, learning_rate, momentum):
    """The parameters (sorted by name) after each step of coursekit's SGD with momentum."""
    arrays = {name: np.array(value, dtype=float) for name, value in params.items()}
    optimizer = SGD(arrays, lr=learning_rate, momentum=momentum)
    path = []
    for grads in gradients:
        optimizer.step(grads)
        path.append(tuple(arrays[name].copy() for name in sorted(arrays)))
    return tuple(path)


def _momentum_problem(seed, shapes, steps, learning_rate, momentum):
    rng = np.random.default_rng(seed)
    params = {name: rng.standard_normal(shape).round(2) for name, shape in shapes.items()}
    gradients = [{name: rng.standard_normal(shape).round(2) for name, shape in shapes.items()}
                 for _ in range(steps)]
    return dict(params=params, gradients=gradients, learning_rate=learning_rate,
                momentum=momentum)


@exercise(
    "9.4",
    "SGD with momentum, in place",
    points=2,
    hints=(
        "__init__ gives every parameter a velocity of its own, zeros of its shape: "
        "{name: np.zeros_like(value) for name, value in params.items()}.",
        "step: for each name, v ← momentum · v + grad, stored back in self.velocity[name] for the "
        "next step; then w ← w − learning_rate · v, in place: self.params[name] -= ...",
    ),
)
def _sgd_momentum(momentum_path):
    problems = [
        (_momentum_problem(4, {"w": (2,)}, 3, 0.1, 0.9), "one parameter w of shape (2,)"),
        (_momentum_problem(5, {"W": (2, 3), "b": (3,)}, 4, 0.05, 0.5),
         "parameters W (2, 3) and b (3,)"),
        (_momentum_problem(6, {"W": (3, 1), "b": (1,)}, 2, 0.5, 0.0),
         "parameters W (3, 1) and b (1,), momentum 0 (plain SGD)"),
    ]
    hint = (
        "momentum_path returns the parameters after each step, sorted by name. If step 1 "
        "already differs and shows the starting values, the parameters were not updated in "
        "place: write self.params[name] -= ..., so the layers, which hold the same arrays, see "
        "the change. If step 1 agrees and later steps differ, the velocity is not kept: store "
        "v = momentum · v + grad in self.velocity[name], one velocity per parameter"
    )
    return [
        Case(
            f"momentum_path: {what}, {len(problem['gradients'])} steps, learning rate "
            f"{problem['learning_rate']:g}, momentum {problem['momentum']:g}",
            lambda problem=problem: momentum_path(*problem.values()),
            _momentum_reference(**problem),
            hint,
        )
        for problem, what in problems
    ]


# ----- 9.5: the training loop


def _training_reference(X, y, X_val, y_val, hidden, epochs, batch_size, learning_rate, momentum,
                        seed):
    layers = library_network(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = library_train(layers, X, y, X_val, y_val, epochs, batch_size, learning_rate,
                            momentum, seed)
    return tuple(np.array(history[name]) for name in HISTORY)


def _training_problem(seed, n, features, classes, hidden, epochs, batch_size, learning_rate,
                      momentum):
    rng = np.random.default_rng(seed)
    X, X_val = rng.standard_normal((n, features)), rng.standard_normal((n // 3, features))
    y = np.arange(n) % classes
    return dict(X=X, y=y, X_val=X_val, y_val=rng.integers(0, classes, n // 3), hidden=hidden,
                epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                momentum=momentum, seed=seed)


@exercise(
    "9.5",
    "the training loop",
    points=4,
    hints=(
        "network_backward visits the layers in reverse order, from the scores back to the "
        "input, each time passing what one layer's backward returns to the layer before.",
        "For each minibatch: scores = network_forward(layers, X_batch); the loss and its "
        "gradient from softmax_cross_entropy; network_backward with that gradient; then "
        "optimizer.step(gradients(layers)).",
        "Call them with the minibatch (X_batch, y_batch), not the whole X and y, and step after "
        "the backward pass, so the step uses this batch's gradients.",
    ),
)
def _training(answer):
    holds = "with the keys 'training_history' and 'digits_accuracy'"
    training_history = entry(answer, "training_history", "the answer", holds)
    digits_accuracy = entry(answer, "digits_accuracy", "the answer", holds)
    path = (
        "the history (loss, accuracy, val_loss, val_accuracy per epoch) should match coursekit's "
        "fit with the same network, loss, momentum and seed. For each minibatch: forward through "
        "the layers, the loss and dscores, backward through the layers in reverse order, then "
        "optimizer.step(gradients(layers)); if 9.1–9.4 pass, look at the order of these steps "
        "and at which data each one uses"
    )
    problems = [
        _training_problem(2, 30, 5, 3, 8, 3, 8, 0.1, 0.9),
        _training_problem(3, 24, 4, 4, 5, 2, 24, 0.5, 0.0),
    ]
    cases = [
        Case(
            f"training_history: {len(p['X'])} random examples, {p['X'].shape[1]} features, "
            f"{int(p['y'].max()) + 1} classes, {p['hidden']} hidden units, {p['epochs']} epochs "
            f"in batches of {p['batch_size']}, learning rate {p['learning_rate']:g}, momentum "
            f"{p['momentum']:g}",
            lambda p=p: training_history(*p.values()),
            _training_reference(**p),
            path,
        )
        for p in problems
    ]
    seed, epochs = 1, 15
    cases.append(
        Case(
            f"digits_accuracy(seed={seed}, epochs={epochs}): the validation accuracy of 64 → 100 "
            f"→ 10 on the digits ({DIGITS_ACCURACY} or more passes)",
            lambda: min(float(digits_accuracy(seed, epochs)), DIGITS_ACCURACY),
            DIGITS_ACCURACY,
            "training_history passes but the digits are not learned: does digits_accuracy "
            "return the last epoch's val_accuracy of train?",
        )
    )
    return cases
