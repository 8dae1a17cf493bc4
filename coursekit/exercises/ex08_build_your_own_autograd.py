"""Notebook 08: a micrograd-style engine written by the student, and a gradient check.

The student's engine is a class, but the grader can only pass plain data to an answer, so every
engine exercise is checked through a function of the answer cell that builds a graph with the
student's `Value` from numbers and returns numbers. The expected numbers come from the course's
own engine, `coursekit.Value`, on the same graph; 8.6 and 8.7 from `coursekit.gradcheck`.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import two_moons
from ..engine import Value
from ..gradcheck import numerical_gradient, rel_error
from .framework import Case, calls, entry, exercise

__all__ = ["wiggle", "cube", "relu", "MOONS_ACCURACY"]

MOONS_ACCURACY = 0.95


# ----- functions the gradient-check exercises differentiate (module level, so they travel by name)


def wiggle(x: float) -> float:
    """sin(3x) + x²: smooth, with a derivative that changes quickly."""
    return math.sin(3.0 * x) + x * x


def cube(x: float) -> float:
    """x³ − 2x."""
    return x**3 - 2.0 * x


def relu(x: float) -> float:
    """max(0, x) on a plain number: a kink at 0."""
    return max(0.0, x)


def _case(description: str, answer, arguments: dict, reference, hint: str,
          tolerance: float = 1e-6) -> Case:
    """A case whose description is written out: `calls` would print every argument in full.

    The answer is called positionally, in the order of `arguments`, as the grader calls it."""
    return Case(description, lambda: answer(*arguments.values()), reference(**arguments), hint,
                tolerance)


def _functions(answer: object, *names: str) -> list:
    """The named functions of a dict answer such as {"gradients": gradients, ...}."""
    holds = "with the keys " + ", ".join(repr(name) for name in names)
    return [entry(answer, name, "the answer", holds) for name in names]


# ----- 8.1 and 8.2: the operations and their local gradients


@exercise(
    "8.1",
    "a Value that adds and multiplies",
    points=2,
    hints=(
        "Each operation returns a new Value(data, inputs, local_grads): the number, the Values "
        "it was computed from, and d(output)/d(input) for each of them.",
        "For a + b the local gradients are (1.0, 1.0); for a · b they are (b.data, a.data): "
        "the multiply gate swaps its inputs.",
    ),
)
def _add_multiply(local_gradients):
    def reference(x, y):
        a, b = Value(x), Value(y)
        total, product = a + b, a * b
        return (total.data, total.local_grads, product.data, product.local_grads, True)

    return calls(
        local_gradients,
        "local_gradients",
        [dict(x=3.0, y=-4.0), dict(x=-2.0, y=5.0), dict(x=0.5, y=0.0), dict(x=-1.5, y=-2.5)],
        reference,
        "local_gradients returns (a + b, its local gradients, a · b, its local gradients, "
        "whether both remember (a, b) as their inputs); the sum's local gradients are "
        "(1.0, 1.0) and the product's (b.data, a.data)",
    )


@exercise(
    "8.2",
    "tanh, relu and powers",
    points=2,
    hints=(
        "Each of these has one input, so inputs is (self,) and local_grads holds one number.",
        "With t = tanh(x), d t/dx = 1 − t². relu's local gradient is 1 where x > 0 and 0 "
        "elsewhere (at exactly 0 too). d(xⁿ)/dx = n·xⁿ⁻¹.",
    ),
)
def _one_input(one_input_gradients):
    def reference(x, exponent):
        t, r, p = Value(x).tanh(), Value(x).relu(), Value(x) ** exponent
        return (t.data, t.local_grads, r.data, r.local_grads, p.data, p.local_grads)

    return calls(
        one_input_gradients,
        "one_input_gradients",
        [
            dict(x=0.5, exponent=2), dict(x=-2.0, exponent=3), dict(x=0.0, exponent=2),
            dict(x=4.0, exponent=3), dict(x=-0.3, exponent=2),
        ],
        reference,
        "one_input_gradients returns (tanh, its local gradients, relu, its local gradients, "
        "the power, its local gradients): tanh's local gradient is 1 − tanh(x)², relu's is 1 "
        "for x > 0 and 0 otherwise (also at x = 0), and that of xⁿ is n·xⁿ⁻¹",
    )


# ----- 8.3: the backward pass


def _expression(x, y, z):
    """The graph that 8.3's `gradients` builds: q = x·y + x is used twice."""
    q = x * y + x
    return q.tanh() * z + (q - z) ** 2


def _chain(x, length):
    """The graph that 8.3's `long_chain_gradient` builds: each step uses the last value twice."""
    out = x
    for _ in range(length):
        out = out + out * 0.001
    return out


@exercise(
    "8.3",
    "backward() in topological order",
    points=3,
    hints=(
        "First list every node so that each one comes after all of its inputs (a topological "
        "order); then set the output's grad to 1 and visit the list backwards.",
        "At each node, for every (input, local) pair: input.grad += node.grad * local. Use += : "
        "a value used twice receives gradient from both uses.",
        "Without recursion: keep a stack of (node, inputs_done) pairs and a set of visited "
        "nodes. A node whose inputs are done goes into the order; otherwise push it back as "
        "done, then push its inputs.",
    ),
)
def _backward(answer):
    gradients, long_chain_gradient = _functions(answer, "gradients", "long_chain_gradient")

    def reference(x, y, z):
        inputs = Value(x), Value(y), Value(z)
        f = _expression(*inputs)
        f.backward()
        return (f.data, *(value.grad for value in inputs))

    def chain_reference(x, length):
        start = Value(x)
        _chain(start, length).backward()
        return start.grad

    return calls(
        gradients,
        "gradients",
        [dict(x=0.5, y=-1.0, z=2.0), dict(x=-1.0, y=0.3, z=0.5), dict(x=2.0, y=-0.5, z=-1.0)],
        reference,
        "f = tanh(q)·z + (q − z)² with q = x·y + x: q is used twice, so it must be visited once, "
        "after both of its users have added their share to q.grad (a topological order), and "
        "each input gets += upstream × local",
    ) + calls(
        long_chain_gradient,
        "long_chain_gradient",
        [dict(x=1.0, length=5000)],
        chain_reference,
        "a RecursionError means backward() calls itself once per node; walk the graph with a "
        "list as a stack instead. Keep a set of visited nodes, or a graph that reuses values "
        "is walked again and again",
    )


# ----- 8.4 and 8.5: a multilayer perceptron, and training it


def _mlp(n_inputs, layer_sizes, parameters, x):
    """The course engine's output of the notebook's MLP: tanh hidden layers, a linear output.

    `parameters` are Values in the notebook's order: layer by layer, neuron by neuron, each
    neuron's weights and then its bias.
    """
    remaining = iter(parameters)
    values = list(x)
    for number, size in enumerate(layer_sizes, start=1):
        outputs = []
        for _ in range(size):
            weights = [next(remaining) for _ in values]
            activation = sum((w * v for w, v in zip(weights, values)), next(remaining))
            outputs.append(activation if number == len(layer_sizes) else activation.tanh())
        values = outputs
    return values[0] if len(values) == 1 else values


def _parameter_count(n_inputs, layer_sizes):
    sizes = [n_inputs, *layer_sizes]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))


def _mlp_problem(seed, n_inputs, layer_sizes):
    rng = np.random.default_rng(seed)
    count = _parameter_count(n_inputs, layer_sizes)
    return dict(
        n_inputs=n_inputs,
        layer_sizes=list(layer_sizes),
        parameters=rng.uniform(-1.0, 1.0, count).tolist(),
        x=rng.standard_normal(n_inputs).tolist(),
        target=float(rng.choice([-1.0, 1.0])),
    )


def _mlp_gradients_reference(n_inputs, layer_sizes, parameters, x, target):
    values = [Value(number) for number in parameters]
    loss = (_mlp(n_inputs, layer_sizes, values, x) - target) ** 2
    loss.backward()
    return (loss.data, tuple(value.grad for value in values))


@exercise(
    "8.4",
    "Neuron, Layer and MLP",
    points=3,
    hints=(
        "A neuron computes tanh(w·x + b), or just w·x + b when it is not nonlinear. "
        "sum(w_i * x_i ...) works with Values if you start the sum from self.b.",
        "A layer calls each of its neurons on the same x; the MLP feeds each layer's outputs to "
        "the next layer. parameters() lists weights then bias, neuron by neuron, layer by layer.",
    ),
)
def _mlp_exercise(answer):
    parameter_count, mlp_gradients = _functions(answer, "parameter_count", "mlp_gradients")
    shapes = [(2, [3, 1]), (1, [2, 1]), (3, [4, 4, 1]), (2, [8, 8, 1])]
    order = (
        "parameters() lists, layer by layer and neuron by neuron, each neuron's weights and then "
        "its bias: a layer of m neurons with n inputs has m·(n + 1) of them"
    )
    forward = (
        "each neuron computes w·x + b and, except in the last layer, tanh of it; the last layer "
        "is linear. The loss is (output − target)²; check the order of parameters(): weights, "
        "then bias, neuron by neuron"
    )
    return calls(
        parameter_count,
        "parameter_count",
        [dict(n_inputs=n, layer_sizes=sizes) for n, sizes in shapes],
        _parameter_count,
        order,
    ) + [
        _case(
            f"mlp_gradients: MLP({n}, {sizes}), random parameters, target {problem['target']:g}",
            mlp_gradients, problem, _mlp_gradients_reference, forward,
        )
        for seed, (n, sizes) in enumerate(shapes)
        for problem in [_mlp_problem(seed, n, sizes)]
    ]


def _training_losses_reference(n_inputs, layer_sizes, parameters, X, targets, steps,
                               learning_rate):
    values = [Value(number) for number in parameters]
    losses = []
    for _ in range(steps):
        scores = [_mlp(n_inputs, layer_sizes, values, x) for x in X]
        loss = sum((s - t) ** 2 for s, t in zip(scores, targets)) * (1.0 / len(X))
        loss.backward()  # the course's engine starts every backward pass from zero
        for value in values:
            value.data -= learning_rate * value.grad
        losses.append(loss.data)
    return tuple(losses)


def _training_problem(seed, steps, learning_rate):
    X, y = two_moons(12, noise=0.1, seed=seed)
    problem = _mlp_problem(seed, 2, [4, 1])
    return dict(
        n_inputs=2, layer_sizes=[4, 1], parameters=problem["parameters"], X=X.tolist(),
        targets=(2.0 * y - 1.0).tolist(), steps=steps, learning_rate=learning_rate,
    )


def _at_least(value: float, threshold: float) -> float:
    """A threshold as an expected value: anything ≥ threshold reads as the threshold itself."""
    return min(float(value), threshold)


@exercise(
    "8.5",
    "training on the moons",
    points=3,
    hints=(
        "Each step: the scores of every example, the mean of (score − target)², "
        "zero every parameter's grad, loss.backward(), then p.data -= learning_rate * p.grad.",
        "Your backward() adds into .grad and never clears it: set p.grad = 0.0 for every "
        "parameter before each backward pass.",
    ),
)
def _training(answer):
    training_losses, moons_accuracy = _functions(answer, "training_losses", "moons_accuracy")
    path = (
        "the losses should match gradient descent on the mean squared error. If the first two "
        "agree and later ones drift, the gradients are piling up: set every parameter's "
        ".grad to 0 before loss.backward(). If the loss grows, step downhill: "
        "p.data -= learning_rate * p.grad"
    )
    cases = [
        _case(
            f"training_losses: MLP(2, [4, 1]), 12 moons points, {steps} steps of size "
            f"{learning_rate}",
            training_losses, _training_problem(seed, steps, learning_rate),
            _training_losses_reference, path,
        )
        for seed, steps, learning_rate in ((3, 6, 0.1), (4, 4, 0.3))
    ]
    seed, steps, learning_rate = 1, 100, 0.2
    cases.append(
        Case(
            f"moons_accuracy(seed={seed}, steps={steps}, learning_rate={learning_rate}), "
            f"on moons not seen in the notebook ({MOONS_ACCURACY} or more passes)",
            lambda: _at_least(moons_accuracy(seed, steps, learning_rate), MOONS_ACCURACY),
            MOONS_ACCURACY,
            "training_losses passes but the moons stay mixed: does train return after all "
            "the steps, and does moons_accuracy count a score above 0 as class 1?",
        )
    )
    return cases


# ----- 8.6 and 8.7: gradient checking


@exercise(
    "8.6",
    "central differences",
    points=1,
    hints=(
        "Nudge x both ways: evaluate f at x + h and at x − h.",
        "Divide the difference of the two by the distance between the two points, 2h.",
    ),
)
def _central_difference(central_difference):
    hint = (
        "(f(x + h) − f(x − h)) / (2h): both sides of x, divided by 2h; the one-sided "
        "(f(x + h) − f(x)) / h is less accurate"
    )
    return [
        _case(
            f"central_difference({f.__name__}, x={x:g}, h={h:g}) with {f.__name__}(x) = "
            f"{f.__doc__.split(':')[0].rstrip('.')}",
            central_difference, dict(f=f, x=x, h=h), numerical_gradient, hint,
            tolerance=1e-9,
        )
        for f, x, h in ((wiggle, 0.4, 1e-3), (cube, -1.5, 1e-2), (wiggle, -2.0, 0.1),
                        (relu, 0.05, 0.1))
    ]


@exercise(
    "8.7",
    "relative error",
    points=1,
    hints=(
        "The difference |a − b| on its own depends on how large the gradients are; divide it by "
        "their size, |a| + |b|.",
        "When a and b are both 0 the quotient is 0/0: divide by max(|a| + |b|, 1e-8) instead.",
    ),
)
def _relative_error(relative_error):
    return calls(
        relative_error,
        "relative_error",
        [
            dict(a=1.0, b=1.002), dict(a=-250.0, b=-249.0), dict(a=3.0, b=-3.0),
            dict(a=0.0, b=0.0), dict(a=2e-3, b=1e-3), dict(a=1e-9, b=0.0),
        ],
        rel_error,
        "|a − b| / max(|a| + |b|, 1e-8): the difference relative to the gradients' size, "
        "0 when both are 0",
        tolerance=1e-9,
    )
