"""Notebook 08's exercises: right answers pass, typical wrong answers fail with a hint."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from exercise_cases import assert_passes, exercise_tests

from coursekit.data import two_moons
from coursekit.exercises import check
from coursekit.exercises import ex08_build_your_own_autograd as ex08
from coursekit.gradcheck import numerical_gradient


def student_engine(mistake=None):
    """The notebook's answers, written as a student would, with at most one slip.

    Returns the functions the check cells pass to `check`, built on this engine's own classes.
    """

    class Value:
        def __init__(self, data, inputs=(), local_grads=()):
            self.data, self.grad = float(data), 0.0
            self.inputs, self.local_grads = inputs, local_grads

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            inputs = () if mistake == "inputs forgotten" else (self, other)
            return Value(self.data + other.data, inputs, (1.0, 1.0))

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            local = (self.data, other.data) if mistake == "not swapped" else (other.data, self.data)
            return Value(self.data * other.data, (self, other), local)

        __radd__, __rmul__ = __add__, __mul__

        def __neg__(self):
            return self * -1.0

        def __sub__(self, other):
            return self + (-other)

        def tanh(self):
            t = math.tanh(self.data)
            return Value(t, (self,), (1.0 - t if mistake == "tanh 1 - t" else 1.0 - t * t,))

        def relu(self):
            positive = self.data >= 0 if mistake == "relu 1 at 0" else self.data > 0
            return Value(max(self.data, 0.0), (self,), (1.0 if positive else 0.0,))

        def __pow__(self, n):
            local = n * self.data**n if mistake == "power n·xⁿ" else n * self.data ** (n - 1)
            return Value(self.data**n, (self,), (local,))

        def backward(self):
            order = _recursive_order(self) if mistake == "recursive" else _order(self)
            if mistake == "not reversed":
                order = order[::-1]
            self.grad = 1.0
            for node in reversed(order):
                for parent, local in zip(node.inputs, node.local_grads):
                    if mistake == "= instead of +=":
                        parent.grad = node.grad * local
                    else:
                        parent.grad += node.grad * local

    def _order(output):
        order, seen, stack = [], set(), [(output, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
            elif mistake == "no seen set" or node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.inputs)
        return order

    def _recursive_order(output):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node.inputs:
                    visit(parent)
                order.append(node)

        visit(output)
        return order

    class Neuron:
        def __init__(self, n_inputs, rng, nonlinear=True):
            self.w = [Value(rng.uniform(-1.0, 1.0)) for _ in range(n_inputs)]
            self.b = Value(0.0)
            self.nonlinear = nonlinear and mistake != "linear everywhere"
            if mistake == "tanh everywhere":
                self.nonlinear = True

        def __call__(self, x):
            activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return activation.tanh() if self.nonlinear else activation

        def parameters(self):
            if mistake == "bias first":
                return [self.b] + self.w
            return self.w if mistake == "no bias" else self.w + [self.b]

    class Layer:
        def __init__(self, n_inputs, n_outputs, rng, nonlinear=True):
            self.neurons = [Neuron(n_inputs, rng, nonlinear) for _ in range(n_outputs)]

        def __call__(self, x):
            outputs = [neuron(x) for neuron in self.neurons]
            return outputs[0] if len(outputs) == 1 else outputs

        def parameters(self):
            return [p for neuron in self.neurons for p in neuron.parameters()]

    class MLP:
        def __init__(self, n_inputs, layer_sizes, seed=0):
            rng = np.random.default_rng(seed)
            sizes, last = [n_inputs, *layer_sizes], len(layer_sizes) - 1
            self.layers = [Layer(sizes[i], sizes[i + 1], rng, nonlinear=i < last)
                           for i in range(len(layer_sizes))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    def train(model, X, targets, steps, learning_rate):
        parameters, losses = model.parameters(), []
        for _ in range(steps if mistake != "one step" else 1):
            scores = [model(x) for x in X]
            loss = sum((s - t) ** 2 for s, t in zip(scores, targets)) * (1.0 / len(X))
            if mistake != "no zero grad":
                for parameter in parameters:
                    parameter.grad = 0.0
            loss.backward()
            sign = -1.0 if mistake == "uphill" else 1.0
            for parameter in parameters:
                parameter.data -= sign * learning_rate * parameter.grad
            losses.append(loss.data)
        return losses

    # ----- the functions the check cells pass, as given in the notebook

    def local_gradients(x, y):
        a, b = Value(x), Value(y)
        total, product = a + b, a * b
        remembers = total.inputs == (a, b) and product.inputs == (a, b)
        return (total.data, total.local_grads, product.data, product.local_grads, remembers)

    def one_input_gradients(x, exponent):
        t, r, p = Value(x).tanh(), Value(x).relu(), Value(x) ** exponent
        return (t.data, t.local_grads, r.data, r.local_grads, p.data, p.local_grads)

    def gradients(x, y, z):
        x, y, z = Value(x), Value(y), Value(z)
        q = x * y + x
        f = q.tanh() * z + (q - z) ** 2
        f.backward()
        return (f.data, x.grad, y.grad, z.grad)

    def long_chain_gradient(x, length):
        start = Value(x)
        out = start
        for _ in range(length):
            out = out + out * 0.001
        out.backward()
        return start.grad

    def parameter_count(n_inputs, layer_sizes):
        return len(MLP(n_inputs, layer_sizes).parameters())

    def with_parameters(n_inputs, layer_sizes, parameters):
        model = MLP(n_inputs, layer_sizes)
        for parameter, number in zip(model.parameters(), parameters):
            parameter.data = number
        return model

    def mlp_gradients(n_inputs, layer_sizes, parameters, x, target):
        model = with_parameters(n_inputs, layer_sizes, parameters)
        loss = (model(x) - target) ** 2
        loss.backward()
        return (loss.data, tuple(parameter.grad for parameter in model.parameters()))

    def training_losses(n_inputs, layer_sizes, parameters, X, targets, steps, learning_rate):
        model = with_parameters(n_inputs, layer_sizes, parameters)
        return train(model, X, targets, steps, learning_rate)

    def moons_accuracy(seed, steps, learning_rate):
        X, y = two_moons(100, noise=0.1, seed=seed)
        model = MLP(2, [8, 8, 1])
        train(model, X.tolist(), (2.0 * y - 1.0).tolist(), steps, learning_rate)
        right = [(model(x).data > 0) == (label == 1) for x, label in zip(X.tolist(), y)]
        return sum(right) / len(right)

    return SimpleNamespace(
        local_gradients=local_gradients,
        one_input_gradients=one_input_gradients,
        backward={"gradients": gradients, "long_chain_gradient": long_chain_gradient},
        mlp={"parameter_count": parameter_count, "mlp_gradients": mlp_gradients},
        training={"training_losses": training_losses, "moons_accuracy": moons_accuracy},
    )


def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def relative_error(a, b):
    return abs(a - b) / max(abs(a) + abs(b), 1e-8)


RIGHT = student_engine()


def wrong(mistake):
    return student_engine(mistake)


RIGHT_AND_WRONG = {
    "8.1": (
        RIGHT.local_gradients,
        [
            (wrong("not swapped").local_gradients, "(b.data, a.data)"),
            (wrong("inputs forgotten").local_gradients, "remember (a, b)"),
            (lambda x, y: x + y, "expected a tuple of 5 values"),
        ],
    ),
    "8.2": (
        RIGHT.one_input_gradients,
        [
            (wrong("tanh 1 - t").one_input_gradients, "1 − tanh(x)²"),
            (wrong("relu 1 at 0").one_input_gradients, "also at x = 0"),
            (wrong("power n·xⁿ").one_input_gradients, "n·xⁿ⁻¹"),
        ],
    ),
    "8.3": (
        RIGHT.backward,
        [
            (wrong("= instead of +=").backward, "each input gets += upstream × local"),
            (wrong("not reversed").backward, "topological order"),
            (wrong("no seen set").backward, "visited once"),
            (wrong("recursive").backward, "list as a stack"),
        ],
    ),
    "8.4": (
        RIGHT.mlp,
        [
            (wrong("no bias").mlp, "m·(n + 1)"),
            (wrong("bias first").mlp, "weights, then bias"),
            (wrong("tanh everywhere").mlp, "the last layer is linear"),
            (wrong("linear everywhere").mlp, "tanh of it"),
        ],
    ),
    "8.5": (
        RIGHT.training,
        [
            (wrong("no zero grad").training, "set every parameter's .grad to 0"),
            (wrong("uphill").training, "p.data -= learning_rate * p.grad"),
            ({**RIGHT.training, "moons_accuracy": wrong("one step").training["moons_accuracy"]},
             "moons stay mixed"),
        ],
    ),
    "8.6": (
        central_difference,
        [
            (lambda f, x, h: (f(x + h) - f(x)) / h, "(f(x + h) − f(x − h)) / (2h)"),
            (lambda f, x, h: (f(x + h) - f(x - h)) / h, "divided by 2h"),
        ],
    ),
    "8.7": (
        relative_error,
        [
            (lambda a, b: abs(a - b), "|a − b| / max(|a| + |b|, 1e-8)"),
            (lambda a, b: abs(a - b) / (abs(a) + abs(b)), "raised ZeroDivisionError"),
            (lambda a, b: abs(a - b) / max(abs(a), abs(b), 1e-8), "relative to the gradients"),
        ],
    ),
}


test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=8
)


def test_the_reference_mlp_gradients_agree_with_central_differences():
    problem = ex08._mlp_problem(2, 3, [4, 4, 1])
    _, gradients = ex08._mlp_gradients_reference(**problem)

    def loss(parameters):
        return ex08._mlp_gradients_reference(**{**problem, "parameters": list(parameters)})[0]

    numerical = numerical_gradient(loss, np.array(problem["parameters"]))
    np.testing.assert_allclose(gradients, numerical, rtol=1e-6, atol=1e-8)


def test_the_reference_training_starts_from_the_mean_squared_error_of_a_numpy_forward_pass():
    problem = ex08._training_problem(3, 2, 0.1)
    parameters = np.array(problem["parameters"])
    W1, b1 = parameters[:12].reshape(4, 3)[:, :2].T, parameters[:12].reshape(4, 3)[:, 2]
    W2, b2 = parameters[12:16], parameters[16]
    X, targets = np.array(problem["X"]), np.array(problem["targets"])
    scores = np.tanh(X @ W1 + b1) @ W2 + b2
    first_loss = ex08._training_losses_reference(**problem)[0]
    assert math.isclose(first_loss, np.mean((scores - targets) ** 2), rel_tol=1e-12)


def test_the_training_check_sees_gradients_that_pile_up_from_the_second_step():
    """Without zeroing, the first step is right (every grad starts at 0) and the second is not,
    so the losses agree twice and then drift."""
    problem = ex08._training_problem(3, 6, 0.1)
    piled = wrong("no zero grad").training["training_losses"](*problem.values())
    expected = ex08._training_losses_reference(**problem)
    assert [math.isclose(a, b) for a, b in zip(piled[:3], expected)] == [True, True, False]


def test_the_functions_the_checks_differentiate_travel_by_name():
    for function in (ex08.wiggle, ex08.cube, ex08.relu):
        assert function.__module__ == ex08.__name__ and "<" not in function.__qualname__


def test_the_relu_case_of_the_central_difference_straddles_the_kink():
    """One case of 8.6 has 0 between x − h and x + h, so the answer must not special-case it."""
    assert_passes("8.6", central_difference)
    assert central_difference(ex08.relu, 0.05, 0.1) != 1.0


def plain(value):
    """Whether the grader can send `value` to a kernel: data, or a coursekit function by name."""
    if isinstance(value, (list, tuple)):
        return all(plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and plain(item) for key, item in value.items())
    if callable(value):
        return value.__module__.startswith("coursekit.") and "<" not in value.__qualname__
    return value is None or isinstance(value, (bool, int, float, str, np.generic, np.ndarray))


def recording(function, calls):
    def recorded(*args, **kwargs):
        calls.append((args, kwargs))
        return function(*args, **kwargs)

    return recorded


@pytest.mark.parametrize("id", sorted(RIGHT_AND_WRONG))
def test_answers_are_called_positionally_with_plain_data_only(id):
    """The grader calls answers in the student's kernel from another process."""
    answer, calls = RIGHT_AND_WRONG[id][0], []
    if isinstance(answer, dict):
        answer = {name: recording(function, calls) for name, function in answer.items()}
    else:
        answer = recording(answer, calls)
    assert_passes(id, answer)
    assert calls and all(not kwargs and plain(args) for args, kwargs in calls), calls


@pytest.mark.parametrize(
    "answer, words",
    [
        (RIGHT.backward["gradients"], "should be a dict with the keys 'gradients'"),
        ({"gradients": RIGHT.backward["gradients"]}, "no entry 'long_chain_gradient'"),
    ],
)
def test_an_answer_that_is_not_the_dict_of_functions_says_what_the_dict_holds(answer, words):
    result = check("8.3", answer)
    assert result.status == "failed" and words in result.message
