"""The scalar engine: every gradient against central differences, plus the lectures' numbers."""

import gc
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lectures import logistic

from coursekit import Tensor, Value, maximum, numerical_gradient


def gradient_of(build, *points):
    """Analytic gradients of build(*Values) at the points, from the engine."""
    values = [Value(p) for p in points]
    build(*values).backward()
    return [v.grad for v in values]


def numeric_gradient_of(build, *points):
    """Central differences of build at the points, evaluating the engine's forward pass only."""
    grads = []
    for i in range(len(points)):

        def along_i(t, i=i):
            moved = [Value(t if j == i else p) for j, p in enumerate(points)]
            return build(*moved).data

        grads.append(numerical_gradient(along_i, points[i]))
    return grads


def assert_gradients_match(build, *points):
    analytic = gradient_of(build, *points)
    numeric = numeric_gradient_of(build, *points)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# ----- the lectures' worked examples


def test_add_then_multiply_at_minus2_5_minus4_gives_lecture_numbers():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)


def test_add_then_multiply_at_2_5_4_gives_lecture_numbers():
    x, y, z = Value(2.0), Value(5.0), Value(4.0)
    f = (x + y) * z
    f.backward()
    assert f.data == 28.0
    assert (x.grad, y.grad, z.grad) == (4.0, 4.0, 7.0)


def test_logistic_gate_by_gate_gives_lecture_numbers():
    inputs = [Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
    f = logistic(*inputs)
    f.backward()
    assert round(f.data, 3) == 0.731
    assert [round(v.grad, 3) for v in inputs] == [-0.197, 0.393, -0.393, -0.590, 0.197]


def test_sigmoid_gate_matches_the_gate_by_gate_graph():
    gates = [Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
    logistic(*gates).backward()
    w0, x0, w1, x1, b = single = [Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
    (w0 * x0 + w1 * x1 + b).sigmoid().backward()
    assert [v.grad for v in single] == pytest.approx([v.grad for v in gates], rel=1e-12)


# ----- every operation against central differences

UNARY = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "negate": lambda v: -v,
    "square": lambda v: v**2,
    "cube root": lambda v: v ** (1 / 3),
    "reciprocal": lambda v: 1 / v,
    "2 to the x": lambda v: 2**v,
    "subtract from 3": lambda v: 3 - v,
    "divide by 4": lambda v: v / 4,
    "add 1": lambda v: v + 1,
    "subtract 1": lambda v: v - 1,
    "times 2.5": lambda v: 2.5 * v,
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("point", [0.7, 1.9])
def test_unary_operation_gradient_matches_central_differences(name, point):
    assert_gradients_match(UNARY[name], point)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "leaky_relu", "negate", "exp"])
def test_unary_operation_gradient_matches_at_negative_input(name):
    assert_gradients_match(UNARY[name], -1.3)


BINARY = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "power with a Value exponent": lambda a, b: a**b,
    "max": maximum,
    "max method": lambda a, b: a.max(b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("points", [(1.5, 0.4), (0.3, 2.2)])
def test_binary_operation_gradient_matches_central_differences(name, points):
    assert_gradients_match(BINARY[name], *points)


def test_max_gate_routes_the_whole_gradient_to_the_larger_input():
    a, b = Value(2.0), Value(-1.0)
    out = maximum(a, b) * 3
    out.backward()
    assert (out.data, a.grad, b.grad) == (6.0, 3.0, 0.0)


def test_max_gate_splits_a_tie_evenly_as_central_differences_measure_it():
    assert gradient_of(lambda a, b: maximum(a, b) * 3, 2.0, 2.0) == [1.5, 1.5]
    assert_gradients_match(maximum, 2.0, 2.0)
    assert_gradients_match(lambda a, b: a.max(b), -0.5, -0.5)


def test_max_gate_and_tensor_max_agree_on_a_tie():
    a, b = Value(4.0), Value(4.0)
    maximum(a, b).backward()
    pair = Tensor([4.0, 4.0], requires_grad=True)
    pair.max().backward()
    assert [a.grad, b.grad] == pair.grad.tolist() == [0.5, 0.5]


def test_max_with_a_plain_number_works_on_either_side():
    assert maximum(Value(-2.0), 0).data == 0.0
    assert maximum(1.5, Value(-2.0)).data == 1.5


def test_max_with_a_nan_is_nan_on_either_side():
    assert math.isnan(maximum(Value(math.nan), 1.0).data)
    assert math.isnan(maximum(1.0, Value(math.nan)).data)
    assert math.isnan(Value(1.0).max(Value(math.nan)).data)


def test_relu_of_nan_is_nan_like_tensor_relu():
    assert math.isnan(Value(math.nan).relu().data)
    assert np.isnan(Tensor([math.nan]).relu().data).all()


def test_relu_and_leaky_relu_at_exactly_zero_use_the_stated_convention():
    assert gradient_of(Value.relu, 0.0) == [0.0]
    assert gradient_of(lambda v: v.leaky_relu(0.2), 0.0) == [0.2]


def test_power_of_zero_base_has_zero_gradient_in_the_exponent():
    base, exponent = Value(0.0), Value(2.0)
    (base**exponent).backward()
    assert exponent.grad == 0.0


# ----- random expressions (property-based)

LEAVES = st.sampled_from(["a", "b", "c"])
SAFE_UNARY = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "square": lambda v: v**2,
    "exp of tanh": lambda v: v.tanh().exp(),
    "softplus": lambda v: (1 + v.tanh().exp()).log(),
    "affine": lambda v: 0.5 * v - 1.5,
    "reciprocal of 1 + square": lambda v: 1 / (1 + v * v),
}
SAFE_BINARY = {
    "+": lambda p, q: p + q,
    "-": lambda p, q: p - q,
    "*": lambda p, q: p * q,
    "safe /": lambda p, q: p / (1 + q * q),
    "safe power": lambda p, q: (1 + p * p) ** q.tanh(),
}


def expressions():
    return st.recursive(
        LEAVES,
        lambda children: st.one_of(
            st.tuples(st.sampled_from(sorted(SAFE_UNARY)), children),
            st.tuples(st.sampled_from(sorted(SAFE_BINARY)), children, children),
        ),
        max_leaves=8,
    )


def evaluate(tree, env):
    if isinstance(tree, str):
        return env[tree]
    if len(tree) == 2:
        return SAFE_UNARY[tree[0]](evaluate(tree[1], env))
    return SAFE_BINARY[tree[0]](evaluate(tree[1], env), evaluate(tree[2], env))


@settings(max_examples=150, deadline=None)
@given(
    tree=expressions(),
    point=st.tuples(*[st.floats(-2, 2, allow_nan=False)] * 3),
)
def test_random_expressions_have_the_gradients_of_central_differences(tree, point):
    def build(a, b, c):
        return evaluate(tree, {"a": a, "b": b, "c": c}) * 1.0  # a Value even for a lone leaf

    assert_gradients_match(build, *point)


# ----- the backward pass itself


def test_value_used_twice_receives_the_sum_of_both_gradients():
    x = Value(3.0)
    (x * x + x).backward()
    assert x.grad == 2 * 3.0 + 1


def test_second_backward_gives_the_same_gradients_not_double():
    x, y = Value(2.0), Value(-3.0)
    f = x * y + x
    f.backward()
    first = (x.grad, y.grad)
    f.backward()
    assert (x.grad, y.grad) == first == (-2.0, 2.0)


def test_backward_from_an_intermediate_value_resets_the_earlier_gradients():
    x = Value(2.0)
    q = x * 3
    f = q * q
    f.backward()
    assert x.grad == 2 * 6.0 * 3
    q.backward()
    assert x.grad == 3.0


def test_accumulating_backward_adds_the_second_loss_to_the_first():
    x, y = Value(2.0), Value(-3.0)
    first = x * y  # d/dx = y = -3, d/dy = x = 2
    second = x * x + y  # d/dx = 2x = 4, d/dy = 1
    first.backward()
    second.backward(accumulate=True)
    assert (x.grad, y.grad) == (1.0, 3.0)
    assert [x.grad, y.grad] == gradient_of(lambda x, y: x * y + (x * x + y), 2.0, -3.0)


def test_accumulating_backward_twice_doubles_and_plain_backward_starts_over():
    x = Value(3.0)
    f = x * x
    f.backward(accumulate=True)  # from a fresh grad of 0
    f.backward(accumulate=True)
    assert x.grad == 2 * 6.0
    f.backward()
    assert x.grad == 6.0


def test_a_million_operation_chain_back_propagates_without_recursion_error():
    x = Value(1.0)
    out = x
    for _ in range(1_000_000):
        out = out + 1e-6
    out.backward()
    assert x.grad == 1.0
    assert out.data == pytest.approx(2.0)


def test_a_graph_is_freed_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        x = Value(1.5)
        out = (x * x).tanh() + x.exp()
        out.backward()
        del x, out
        assert gc.collect() == 0, "the graph had reference cycles, left for the collector"
    finally:
        gc.enable()


def test_values_use_slots_and_have_no_instance_dict():
    assert not hasattr(Value(1.0), "__dict__")


def test_topological_order_puts_inputs_before_their_users():
    x, y = Value(1.0), Value(2.0)
    q = x + y
    f = q * x
    order = f.topological_order()
    assert order[-1] is f
    assert order.index(q) > max(order.index(x), order.index(y))


def test_operations_fold_plain_numbers_into_their_label():
    x = Value(2.0)
    assert [(-x).op, (x + 1).op, (1 / x).op, (x * -1).op, (x - 3).op, (x**2).op] == [
        "*-1",
        "+1",
        "1/x",
        "*-1",
        "-3",
        "^2",
    ]


def test_named_labels_a_value_and_returns_it():
    q = (Value(1.0) + Value(2.0)).named("q")
    assert q.label == "q"
    assert "q" in repr(q)


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert math.isfinite(Value(-800.0).sigmoid().local_grads[0])


# ----- errors written for learners


def test_value_of_a_string_says_it_needs_a_number():
    with pytest.raises(TypeError, match="Value needs a real number, got str"):
        Value("three")


def test_value_of_a_value_says_to_use_it_directly():
    with pytest.raises(TypeError, match="already a Value"):
        Value(Value(1.0))


def test_value_plus_an_array_points_to_tensor():
    with pytest.raises(TypeError, match="use coursekit.Tensor for arrays"):
        Value(1.0) + np.ones(3)


def test_value_times_a_string_names_the_type():
    with pytest.raises(TypeError, match=r"cannot use \* with a Value and a str"):
        Value(1.0) * "2"


def test_log_of_a_non_positive_number_says_so():
    with pytest.raises(ValueError, match="log needs a positive number, got -1"):
        Value(-1.0).log()


def test_division_by_zero_says_which_side_is_zero():
    with pytest.raises(ZeroDivisionError, match="division by a Value that is 0"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="1 / x with x = 0"):
        1 / Value(0.0)


def test_exp_overflow_says_the_number_is_too_large():
    with pytest.raises(OverflowError, match="exp\\(1000\\) is too large"):
        Value(1000.0).exp()


def test_negative_base_to_a_fractional_power_is_not_real():
    with pytest.raises(ValueError, match="is not a real number"):
        Value(-8.0) ** (1 / 3)


def test_number_to_the_power_x_needs_a_positive_base():
    with pytest.raises(ValueError, match="needs a positive base"):
        (-2) ** Value(1.0)


def test_a_value_in_an_if_says_it_has_no_truth_value_and_what_to_do():
    with pytest.raises(TypeError, match=r"no truth value.*x\.data > 0"):
        bool(Value(0.0))
    with pytest.raises(TypeError, match="no truth value"):
        if Value(1.0):
            pass


def test_division_by_a_tiny_value_gives_the_finite_quotient_and_its_gradients():
    a, b = Value(1.0), Value(1e-200)
    out = a / b
    out.backward()
    assert out.data == 1e200
    assert a.grad == pytest.approx(1e200)
    assert b.grad == -math.inf  # -a/b² = -1e400 is beyond the floats
    tiny = 1 / Value(1e-200)
    tiny.backward()
    assert tiny.data == pytest.approx(1e200)


def test_square_root_and_zeroth_power_of_zero_have_their_values_and_slopes():
    root = Value(0.0)
    (root**0.5).backward()
    assert ((root**0.5).data, root.grad) == (0.0, math.inf)  # √x starts out vertical
    constant = Value(0.0)
    (constant**0).backward()
    assert ((constant**0).data, constant.grad) == (1.0, 0.0)
    assert_gradients_match(lambda v: v**0, 0.0)
    assert_gradients_match(lambda v: v**2, 0.0)


def test_zero_to_a_negative_power_says_it_divides_by_zero():
    with pytest.raises(ZeroDivisionError, match=r"0 \*\* -1 is 1 / 0 \*\* 1.*exponent of 0 or"):
        Value(0.0) ** -1


def test_power_overflow_says_what_was_too_large():
    with pytest.raises(OverflowError, match=r"10 \*\* 400 is too large for a float"):
        Value(10.0) ** 400
    with pytest.raises(OverflowError, match=r"2 \*\* 2000 is too large"):
        2 ** Value(2000.0)
