"""Tests for coursekit.tensor: every gradient is checked against central differences."""

import gc
import weakref

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coursekit.engine import Value
from coursekit.gradcheck import numerical_gradient, rel_error
from coursekit.tensor import (
    Tensor,
    binary_cross_entropy_with_logits,
    cross_entropy,
    detect_nonfinite,
    no_grad,
)


def random(*shape, low=-2.0, high=2.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape)


def positive(*shape, seed=0):
    return random(*shape, low=0.5, high=2.0, seed=seed)


def assert_gradients_match(f, *arrays, scale=None):
    """Back-propagate a random weighting of f(*inputs); compare each input's gradient with
    central differences.

    Weighting the output with random numbers (instead of summing it) checks every entry of the
    Jacobian: the sum of a softmax is always 1, so a plain sum would have gradient 0.
    Central differences (h = 1e-6) are exact only to about 1e-10 times the size of f's terms
    (`scale`, by default the sum of the weighted output's magnitudes), so entries are held to a
    relative error of 1e-6 plus that absolute roundoff allowance.
    """
    arrays = [np.array(a, dtype=float) for a in arrays]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*inputs)
    weights = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(grad=weights)
    roundoff = 1e-9 * max(1.0, np.abs(weights * out.data).sum() if scale is None else scale)
    for i, tensor in enumerate(inputs):

        def weighted(x, i=i):
            args = [Tensor(x if j == i else a) for j, a in enumerate(arrays)]
            return float(np.sum(f(*args).data * weights))

        numeric = numerical_gradient(weighted, arrays[i].copy())
        analytic = np.zeros_like(numeric) if tensor.grad is None else tensor.grad
        assert analytic.shape == arrays[i].shape, "a gradient must have its input's shape"
        close = np.abs(analytic - numeric) <= 1e-6 * (np.abs(analytic) + np.abs(numeric)) + roundoff
        assert close.all(), (
            f"input {i}: relative error {rel_error(analytic, numeric):.1e}\n"
            f"analytic:\n{analytic}\nnumerical:\n{numeric}"
        )


# ----- the lectures' worked examples


def test_the_lecture_graph_f_equals_x_plus_y_times_z_gives_its_numbers():
    x, y, z = (Tensor([v], requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad, y.grad, z.grad) == ([-4.0], [-4.0], [3.0])


def test_the_lecture_sigmoid_neuron_gives_its_numbers():
    w, x, b = Tensor([2.0, -3.0], True), Tensor([-1.0, -2.0], True), Tensor(-3.0, True)
    out = ((w * x).sum() + b).sigmoid()
    out.backward()
    assert round(out.item(), 2) == 0.73
    assert np.round(w.grad, 2).tolist() == [-0.20, -0.39]
    assert np.round(x.grad, 2).tolist() == [0.39, -0.59]
    assert round(float(b.grad), 2) == 0.20


# ----- every operation's gradient against central differences

BINARY = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "power": lambda a, b: a**b,
}
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((4,), (3, 4)), ((3, 4), (4,)),
               ((), (3, 4)), ((3, 4), ()), ((2, 3, 4), (3, 1))]


@pytest.mark.parametrize("op", BINARY, ids=str)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_operations_back_propagate_through_broadcasting(op, shapes):
    a, b = positive(*shapes[0], seed=2), positive(*shapes[1], seed=3)
    assert_gradients_match(BINARY[op], a, b)


FOLDED = {
    "x + 2": lambda x: x + 2,
    "2 + x": lambda x: 2 + x,
    "x - 2": lambda x: x - 2,
    "2 - x": lambda x: 2 - x,
    "x * 3": lambda x: x * 3,
    "3 * x": lambda x: 3 * x,
    "x / 4": lambda x: x / 4,
    "4 / x": lambda x: 4 / x,
    "x ** 3": lambda x: x**3,
    "x ** 0.5": lambda x: x**0.5,
    "2 ** x": lambda x: 2**x,
    "-x": lambda x: -x,
    "x + array": lambda x: x + np.arange(4.0),
    "array - x": lambda x: np.arange(4.0) - x,
    "array * x": lambda x: np.arange(4.0) * x,
    "array / x": lambda x: np.arange(4.0) / x,
    "x ** array": lambda x: x ** np.arange(4.0),
    "array ** x": lambda x: np.full(4, 3.0) ** x,
    "array @ x.T": lambda x: np.ones((2, 4)) @ x.T,
}


@pytest.mark.parametrize("expression", FOLDED, ids=str)
def test_numbers_and_arrays_fold_into_operations_with_correct_gradients(expression):
    assert_gradients_match(FOLDED[expression], positive(3, 4))


UNARY = {
    "exp": lambda x: x.exp(),
    "log": lambda x: (x * x).log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.1),
    "softmax": lambda x: x.softmax(),
    "softmax over axis 0": lambda x: x.softmax(axis=0),
    "log_softmax": lambda x: x.log_softmax(),
    "log_softmax over axis 0": lambda x: x.log_softmax(axis=0),
    "T": lambda x: x.T,
    "reshape": lambda x: x.reshape(4, 3),
    "reshape with a tuple and -1": lambda x: x.reshape((2, -1)),
    "sum": lambda x: x.sum(),
    "sum over axis 0": lambda x: x.sum(axis=0),
    "sum over axis -1 keepdims": lambda x: x.sum(axis=-1, keepdims=True),
    "sum over both axes": lambda x: x.sum(axis=(0, 1)),
    "mean": lambda x: x.mean(),
    "mean over axis 1": lambda x: x.mean(axis=1),
    "mean over axis 0 keepdims": lambda x: x.mean(axis=0, keepdims=True),
    "max": lambda x: x.max(),
    "max over axis 1": lambda x: x.max(axis=1),
    "max over axis 0 keepdims": lambda x: x.max(axis=0, keepdims=True),
    "slice": lambda x: x[1:, ::2],
    "single entry": lambda x: x[2, 1],
    "fancy indexing": lambda x: x[range(3), [3, 0, 1]],
    "repeated indices": lambda x: x[[0, 2, 0, 0]],
    "boolean mask": lambda x: x[x.data > 0],
}


@pytest.mark.parametrize("function", UNARY, ids=str)
def test_functions_of_one_tensor_have_correct_gradients(function):
    # Entries at least 0.1 away from 0 keep relu's kink out of the central differences' reach.
    x = random(3, 4, seed=4)
    x[np.abs(x) < 0.1] = 0.5
    assert_gradients_match(UNARY[function], x)


MATMUL_SHAPES = [((3, 4), (4, 2)), ((3, 4), (4,)), ((4,), (4, 2)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (2, 4, 5))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_back_propagates_for_matrices_vectors_and_batches(shapes):
    assert_gradients_match(lambda a, b: a @ b, random(*shapes[0], seed=5), random(*shapes[1]))


def test_a_two_layer_network_back_propagates_to_every_parameter():
    x, labels = random(6, 2, seed=6), np.array([0, 2, 1, 1, 0, 2])

    def loss(w1, b1, w2, b2):
        return cross_entropy((x @ w1 + b1).relu() @ w2 + b2, labels) + 1e-3 * (w1 * w1).sum()

    assert_gradients_match(loss, random(2, 5, seed=7), random(5), random(5, 3, seed=8), random(3))


def test_cross_entropy_and_bce_have_correct_gradients():
    labels, targets = np.array([2, 0, 1, 1]), np.array([0.0, 1.0, 1.0, 0.3])
    assert_gradients_match(lambda z: cross_entropy(z, labels), random(4, 3))
    assert_gradients_match(lambda z: binary_cross_entropy_with_logits(z, targets), random(4))


def test_a_bias_gradient_is_summed_over_the_broadcast_batch():
    x, b = Tensor(random(3, 4)), Tensor(np.zeros((1, 4)), requires_grad=True)
    upstream = random(3, 4, seed=9)
    (x + b).backward(grad=upstream)
    assert b.grad.shape == (1, 4)
    assert np.allclose(b.grad, upstream.sum(axis=0, keepdims=True))


# ----- property-based: random broadcasting expressions


@st.composite
def broadcastable_shapes(draw):
    """Three shapes that broadcast together: each drops leading axes or shrinks axes to 1."""
    full = draw(st.lists(st.integers(1, 4), max_size=3))
    shapes = []
    for _ in range(3):
        dropped = draw(st.integers(0, len(full)))
        shapes.append(tuple(1 if draw(st.booleans()) else n for n in full[dropped:]))
    return shapes


# Each step keeps values moderate and inside every function's domain (no log of a negative).
STEPS = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b.tanh(),
    "divide": lambda a, b: a / (b * b + 1),
    "power": lambda a, b: (a * a + 1) ** b.sigmoid(),
    "exp": lambda a, b: (-a * a).exp(),
    "log": lambda a, b: (a * a + 0.5).log(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "softmax": lambda a, b: a.softmax(axis=-1) if a.ndim else a,
    "log_softmax": lambda a, b: a.log_softmax(axis=0) if a.ndim else a,
    "sum": lambda a, b: a.sum(axis=-1, keepdims=True) if a.ndim else a,
    "mean": lambda a, b: a.mean(axis=0, keepdims=True) if a.ndim else a,
    "reciprocal": lambda a, b: 1 / (a * a + 1),
    "scale": lambda a, b: 0.5 * a - 1,
}


@settings(max_examples=60, deadline=None)
@given(
    shapes=broadcastable_shapes(),
    steps=st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 10),
                             st.integers(0, 10)), min_size=1, max_size=5),
    seed=st.integers(0, 2**16),
)
def test_random_broadcasting_expressions_match_central_differences(shapes, steps, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, shape) for shape in shapes]

    def expression(*inputs, terms=False):
        values = list(inputs)
        for name, i, j in steps:
            values.append(STEPS[name](values[i % len(values)], values[j % len(values)]))
        if terms:
            return [value.data for value in values]
        # Every value, inputs included, reaches the output, so every input has a gradient.
        return sum((value.sum() for value in values), Tensor(0.0))

    with no_grad():
        magnitude = sum(np.abs(term).sum() for term in expression(*map(Tensor, arrays), terms=True))
    assume(magnitude < 1e3)
    assert_gradients_match(expression, *arrays, scale=magnitude)


# ----- rules: ties, kinks, repeated indices, the gradient rule, constants


def test_max_splits_the_gradient_equally_between_tied_entries():
    x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]


def test_relu_and_leaky_relu_take_the_left_slope_at_zero():
    x = Tensor([0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]
    x.leaky_relu(0.1).sum().backward()
    assert x.grad.tolist() == [0.1, 1.0]


def test_an_entry_picked_twice_receives_both_gradients():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[[0, 0, 2, 0]].backward(grad=np.array([1.0, 2.0, 3.0, 4.0]))
    assert x.grad.tolist() == [7.0, 0.0, 3.0]
    scores = Tensor(np.zeros((2, 3)), requires_grad=True)
    scores[[1, 1], [2, 2]].sum().backward()
    assert scores.grad.tolist() == [[0, 0, 0], [0, 0, 2]]


def test_a_second_backward_gives_the_same_gradients_not_double():
    w = Tensor(random(3), requires_grad=True)
    loss = (w * w).sum() + w.sum()
    loss.backward()
    first = w.grad.copy()
    loss.backward()
    assert np.array_equal(w.grad, first)
    assert np.allclose(first, 2 * w.data + 1)


def test_backward_from_another_output_replaces_the_gradients():
    w = Tensor(random(3), requires_grad=True)
    (w * 2).sum().backward()
    (w * 5).sum().backward()
    assert w.grad.tolist() == [5.0, 5.0, 5.0]


def test_accumulating_backward_adds_the_second_loss_to_the_first():
    w = Tensor([1.0, -2.0], requires_grad=True)
    first, second = (w * w).sum(), (w * 3).sum()  # gradients 2w = [2, -4] and [3, 3]
    first.backward()
    second.backward(accumulate=True)
    assert w.grad.tolist() == [5.0, -1.0]
    second.backward(accumulate=True)
    assert w.grad.tolist() == [8.0, 2.0]
    first.backward()  # without accumulate: from scratch again
    assert w.grad.tolist() == [2.0, -4.0]


def test_accumulating_backward_matches_central_differences_of_the_summed_losses():
    x = random(4)
    w = Tensor(x, requires_grad=True)
    w.tanh().sum().backward()
    (w * w * w).mean().backward(accumulate=True)
    expected = numerical_gradient(lambda v: np.tanh(v).sum() + (v**3).mean(), x.copy())
    assert rel_error(w.grad, expected) < 1e-7


def test_a_tensor_used_twice_adds_up_both_gradients():
    x = Tensor([3.0], requires_grad=True)
    (x * x + x).backward()
    assert x.grad.tolist() == [7.0]


def test_constants_get_no_gradient_and_no_graph():
    x, w = Tensor(random(3)), Tensor(random(3), requires_grad=True)
    y = x * w
    assert y.inputs == (w,)
    y.sum().backward()
    assert x.grad is None
    assert np.allclose(w.grad, x.data)
    plain = x * 2
    assert (plain.requires_grad, plain.op, plain.inputs, plain.backward_fn) == (False, "", (), None)


def test_leaf_gradients_are_arrays_of_their_own():
    a, b = Tensor(random(3), requires_grad=True), Tensor(random(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1  # safe: neither b's gradient nor the graph shares this array
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    assert isinstance(a.grad, np.ndarray) and a.grad.flags.writeable


def test_scalar_outputs_still_hold_arrays():
    x = Tensor(random(3), requires_grad=True)
    loss = (x.sum() * 2).exp()
    loss.backward()
    assert isinstance(loss.data, np.ndarray) and loss.data.shape == ()
    assert all(isinstance(node.grad, np.ndarray) for node in loss.topological_order())


# ----- the graph the tracer reads


def test_results_record_op_inputs_and_a_backward_function():
    a, b = Tensor(random(3, 1), requires_grad=True), Tensor(random(4), requires_grad=True)
    out = a * b
    assert (out.op, out.inputs) == ("×", (a, b))
    downstream = out.backward_fn(np.ones((3, 4)))
    assert [g.shape for g in downstream] == [(3, 1), (4,)]
    assert (a.op, a.inputs, a.backward_fn) == ("", (), None)


@pytest.mark.parametrize("expression, label", [
    (lambda x: x + 1, "+1"), (lambda x: x - 1, "-1"), (lambda x: -x, "*-1"),
    (lambda x: x * 3, "*3"), (lambda x: x / 2, "/2"), (lambda x: 1 / x, "1/x"),
    (lambda x: x**2, "^2"), (lambda x: 2 - x, "2-x"), (lambda x: 2**x, "2^x"),
    (lambda x: x + np.ones(3), "+"), (lambda x: x @ np.ones(3), "@"), (lambda x: x.T, "T"),
    (lambda x: x.sigmoid(), "σ"), (lambda x: x[0], "[]"), (lambda x: x.max(), "max"),
    (lambda x: cross_entropy(x, [0]), "cross_entropy"),
    (lambda x: binary_cross_entropy_with_logits(x, [[0, 1, 0]]), "bce_with_logits"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_operations_are_labelled_like_the_value_engine(expression, label):
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    out = expression(x)
    assert out.op == label
    assert out.inputs == (x,)


def test_tensors_and_values_label_folded_numbers_alike():
    for build in (lambda v: v + 1, lambda v: v * -1, lambda v: v / 2, lambda v: 1 / v,
                  lambda v: v**2, lambda v: 3 - v):
        assert build(Tensor(2.0, requires_grad=True)).op == build(Value(2.0)).op


# ----- stability


def test_cross_entropy_is_finite_for_logits_of_a_thousand():
    logits = Tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        loss = cross_entropy(logits, [0, 0])
        loss.backward()
    assert loss.item() == pytest.approx(1000.0)  # (0 + 2000) / 2
    assert np.allclose(logits.grad, [[0, 0, 0], [-0.5, 0.5, 0]])


def test_bce_with_logits_is_finite_for_logits_of_a_thousand():
    logits = Tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        loss = binary_cross_entropy_with_logits(logits, [1.0, 0.0, 0.0, 1.0])
        loss.backward()
    assert loss.item() == pytest.approx(500.0)  # (0 + 0 + 1000 + 1000) / 4
    assert np.allclose(logits.grad, [0, 0, 0.25, -0.25])


def test_sigmoid_softmax_and_log_softmax_never_overflow():
    x = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        assert x.sigmoid().data.tolist() == [0.0, 0.5, 1.0]
        assert x.softmax().data.tolist() == [0.0, 0.0, 1.0]
        assert x.log_softmax().data.tolist() == [-2000.0, -1000.0, 0.0]


def test_losses_match_their_formulas_on_small_logits():
    z, labels = random(4, 3), np.array([2, 0, 1, 1])
    probabilities = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.log(probabilities[range(4), labels]).mean()
    assert cross_entropy(Tensor(z), labels).item() == pytest.approx(expected)
    assert cross_entropy(Tensor(np.zeros((5, 3))), [0, 1, 2, 0, 1]).item() == pytest.approx(
        np.log(3))  # uniform scores: the lectures' −log(1/3) ≈ 1.10
    t, s = np.array([0.0, 1.0, 1.0, 0.3]), 1 / (1 + np.exp(-z[:, 0]))
    expected = -(t * np.log(s) + (1 - t) * np.log(1 - s)).mean()
    assert binary_cross_entropy_with_logits(Tensor(z[:, 0]), t).item() == pytest.approx(expected)


# ----- modes


def test_no_grad_keeps_no_graph_and_restores_itself():
    w = Tensor(random(3), requires_grad=True)
    with no_grad():
        out = (w * 2).exp().sum()
    assert (out.requires_grad, out.inputs, out.backward_fn) == (False, (), None)
    with pytest.raises(KeyError), no_grad():
        raise KeyError("leaves the block early")
    assert (w * 2).inputs == (w,)


def test_detect_nonfinite_names_the_operation_and_the_input_shapes():
    def message(compute):
        with detect_nonfinite(), np.errstate(all="ignore"):
            with pytest.raises(FloatingPointError) as error:
                compute()
        return str(error.value)

    assert message(lambda: Tensor(np.zeros((3, 2))).log()) == (
        "log produced nan/inf (input shape (3, 2)); log of zero or a negative number?")
    assert message(lambda: Tensor([1.0, 2.0]) / Tensor([1.0, 0.0])) == (
        "/ produced nan/inf (input shapes (2,) and (2,)); division by zero?")
    assert "overflows" in message(lambda: Tensor([1000.0]).exp())
    x = Tensor([0.0, 4.0], requires_grad=True)
    assert message(lambda: (x**0.5).sum().backward()).startswith(
        "the backward pass of ^0.5 produced nan/inf (input shape (2,)); zero to a negative power")
    with np.errstate(all="ignore"):
        assert np.isinf(Tensor([0.0]).log().data).all()  # outside the block: no checks


# ----- errors a learner can act on


def test_a_matmul_mismatch_names_both_shapes_and_suggests_a_transpose():
    with pytest.raises(ValueError) as error:
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((3, 2)))
    message = str(error.value)
    assert "(3, 4) and (3, 2)" in message and "4 columns" in message and "3 rows" in message
    assert "did you mean A.T @ B" in message
    with pytest.raises(ValueError, match=r"did you mean x @ W\.T"):
        Tensor(np.ones((5, 3)), label="x") @ Tensor(np.ones((4, 3)), label="W")
    with pytest.raises(ValueError, match="use \\* instead"):
        Tensor(np.ones(3)) @ Tensor(2.0)
    with pytest.raises(TypeError, match="use \\* instead"):
        Tensor(np.ones(3)) @ 2


@pytest.mark.parametrize("op, symbol", [(lambda a, b: a + b, "+"), (lambda a, b: a * b, "×"),
                                        (lambda a, b: a - b, "-"), (lambda a, b: a / b, "/")])
def test_a_broadcasting_mismatch_names_the_operation_and_both_shapes(op, symbol):
    with pytest.raises(ValueError) as error:
        op(Tensor(np.ones((3, 2))), Tensor(np.ones(3)))
    assert str(error.value).startswith(f"{symbol}: shapes (3, 2) and (3,) cannot be broadcast")
    assert "reshape" in str(error.value)


@pytest.mark.parametrize("labels, expected", [
    ([0, 1], r"one label per row of logits, shape \(3,\), got shape \(2,\)"),
    ([0.0, 1.0, 2.0], r"integer class indices.*got dtype float64.*astype\(int\)"),
    ([0, 1, 3], r"0\.\.2 for 3 classes, got values from 0 to 3; are they numbered from 1"),
    ([-1, 0, 1], r"0\.\.2 for 3 classes, got values from -1 to 1"),
])
def test_cross_entropy_says_what_labels_it_expected(labels, expected):
    with pytest.raises((ValueError, TypeError), match=expected):
        cross_entropy(Tensor(np.zeros((3, 3))), np.array(labels))


def test_losses_reject_inputs_of_the_wrong_kind():
    with pytest.raises(ValueError, match=r"shape \(batch, classes\), got \(3,\)"):
        cross_entropy(Tensor(np.zeros(3)), [0])
    with pytest.raises(TypeError, match="not a Tensor"):
        cross_entropy(Tensor(np.zeros((1, 3))), Tensor([0]))
    with pytest.raises(ValueError, match=r"shape of the logits, \(4,\), got \(4, 1\)"):
        binary_cross_entropy_with_logits(Tensor(np.zeros(4)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"between 0 and 1.*\(y \+ 1\) / 2"):
        binary_cross_entropy_with_logits(Tensor(np.zeros(2)), [-1.0, 1.0])


def test_backward_on_many_numbers_asks_for_a_grad_or_a_reduction():
    out = Tensor(np.ones((3, 2)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*out\.sum\(\) or out\.mean\(\).*grad="):
        out.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(2,\) but the tensor has shape"):
        out.backward(grad=np.ones(2))
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        Tensor([1.0]).exp().backward()


def test_other_mistakes_get_helpful_errors():
    with pytest.raises(ValueError, match=r"item\(\) needs a tensor holding one number.*\.sum\(\)"):
        Tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match=r"cannot arrange the 6 numbers of shape \(2, 3\) as"):
        Tensor(np.ones((2, 3))).reshape(4, 2)
    with pytest.raises(TypeError, match="equal length"):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="needs numbers"):
        Tensor("abc")
    with pytest.raises(TypeError, match="use it directly"):
        Tensor(Tensor(1.0))
    with pytest.raises(TypeError, match="Value for single numbers"):
        Tensor([1.0]) + Value(1.0)
    with pytest.raises(ZeroDivisionError):
        Tensor([1.0]) / 0


# ----- the data itself


def test_data_is_a_float64_copy_unless_given_float32():
    source = np.array([1, 2, 3])
    x = Tensor(source)
    source[0] = 100
    assert x.data.dtype == np.float64 and x.data.tolist() == [1.0, 2.0, 3.0]
    small = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (small * 2).sum().backward()
    assert small.data.dtype == np.float32 and small.grad.dtype == np.float32
    assert (x.shape, x.ndim, x.size, Tensor(2.5).item()) == ((3,), 1, 3, 2.5)


def test_repr_shows_the_name_shape_and_small_values():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], label="W")
    assert repr(x) == "Tensor(W: shape (2, 2), [[1., 2.], [3., 4.]])"
    big = repr(Tensor(np.zeros((30, 10)), requires_grad=True).relu())
    assert big == "Tensor(shape (30, 10), op 'relu', requires_grad)"
    assert x.named("V") is x and x.label == "V"


def test_numpy_arrays_on_the_left_hand_over_to_the_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    out = np.array([3.0, 4.0]) * x
    assert isinstance(out, Tensor) and out.inputs == (x,)


# ----- size and memory


def test_a_chain_of_100000_operations_back_propagates():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000)


def test_a_result_is_freed_without_the_garbage_collector():
    gc.disable()
    try:
        w = Tensor(random(3), requires_grad=True)
        loss = (w.exp() * w).sum()
        watch = weakref.ref(loss)
        del loss
        assert watch() is None, "the graph held a reference cycle"
        loss = (w.tanh() @ w).sigmoid()
        loss.backward()
        watch = weakref.ref(loss)
        del loss
        assert watch() is None, "the graph held a reference cycle after backward()"
    finally:
        gc.enable()


@pytest.mark.parametrize("data", [None, [1.0, None], [[1.0], [None]]], ids=str)
def test_a_missing_entry_is_an_error_not_a_silent_nan(data):
    with pytest.raises(TypeError, match="holds None; fill in each missing entry"):
        Tensor(data)


def test_text_and_complex_numbers_are_not_numbers_to_a_tensor():
    with pytest.raises(TypeError, match="dtype <U3, not real numbers"):
        Tensor(["1.5"])
    with pytest.raises(TypeError, match="dtype complex128"):
        Tensor([1j])


def test_a_tensor_in_an_if_says_it_has_no_truth_value_and_what_to_do():
    with pytest.raises(TypeError, match=r"no truth value.*t\.item\(\) > 0"):
        bool(Tensor(0.0))
    with pytest.raises(TypeError, match="no truth value"):
        if Tensor([1.0]).sum():
            pass
