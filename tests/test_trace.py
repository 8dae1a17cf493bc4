"""The graph tracer: the lectures' two examples, step by step, as text, and for arrays."""

import numpy as np
import pytest
from lectures import LOGISTIC_POINT, add_multiply, logistic

from coursekit import Tensor, numerical_gradient, trace


def test_trace_of_add_multiply_gives_the_lecture_values_and_gradients():
    g = trace(add_multiply, x=-2.0, y=5.0, z=-4.0)
    assert g.value == -12.0
    assert g.node("q").value == 3.0
    assert g.backward().grads == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert g.node("q").grad == -4.0


def test_trace_of_add_multiply_at_the_second_lecture_point():
    g = trace(add_multiply, x=2.0, y=5.0, z=4.0).backward()
    assert (g.value, g.grads) == (28.0, {"x": 4.0, "y": 4.0, "z": 7.0})


def test_trace_of_logistic_gives_the_lecture_gradients_to_three_decimals():
    g = trace(logistic, **LOGISTIC_POINT).backward()
    assert round(g.value, 3) == 0.731
    rounded = {name: round(grad, 3) for name, grad in g.grads.items()}
    assert rounded == {"w0": -0.197, "x0": 0.393, "w1": -0.393, "x1": -0.590, "b": 0.197}


def test_logistic_graph_has_the_lectures_chain_of_gates():
    g = trace(logistic, **LOGISTIC_POINT)
    ops = [node.op for node in g.nodes if node.kind == "op"]
    assert ops[-4:] == ["*-1", "exp", "+1", "1/x"]
    assert sorted(ops[:-4]) == ["+", "+", "×", "×"]


def test_steps_run_from_the_output_back_with_upstream_times_local():
    g = trace(add_multiply, x=-2.0, y=5.0, z=-4.0).backward()
    first, second = g.steps()
    assert first.node.name == "f" and first.upstream == 1.0
    by_input = {c.input.name: (c.local, c.downstream) for c in first.contributions}
    assert by_input == {"q": (-4.0, -4.0), "z": (3.0, 3.0)}
    assert second.node.name == "q" and second.upstream == -4.0
    assert [(c.input.name, c.local, c.downstream) for c in second.contributions] == [
        ("x", 1.0, -4.0),
        ("y", 1.0, -4.0),
    ]


def test_step_sentences_say_upstream_times_local_equals_downstream():
    g = trace(add_multiply, x=-2.0, y=5.0, z=-4.0).backward()
    text = str(g.steps()[0])
    assert text.splitlines()[0] == "f = q * z"
    assert "q: upstream × local = downstream: 1 × -4 = -4" in text
    assert "z: upstream × local = downstream: 1 × 3 = 3" in text


def test_every_step_agrees_with_the_final_gradients():
    g = trace(logistic, **LOGISTIC_POINT).backward()
    received = {node.name: 0.0 for node in g.nodes}
    for step in g.steps():
        assert step.upstream == pytest.approx(received[step.node.name] or 1.0)
        for c in step.contributions:
            assert c.downstream == pytest.approx(step.upstream * c.local)
            received[c.input.name] += c.downstream
    for name, grad in g.grads.items():
        assert received[name] == pytest.approx(grad)


def test_text_is_a_small_program_with_forward_values():
    g = trace(add_multiply, x=-2.0, y=5.0, z=-4.0)
    assert g.text().splitlines() == [
        "def add_multiply(x, y, z):",
        "    q = x + y  # 3",
        "    f = q * z  # -12",
        "    return f",
    ]


def test_text_of_logistic_spells_constant_gates_in_python():
    lines = trace(lambda w0, x0, w1, x1, b: logistic(w0, x0, w1, x1, b), **LOGISTIC_POINT).text()
    assert lines.splitlines()[0] == "def f(w0, x0, w1, x1, b):"
    body = [line.split("#")[0].strip() for line in lines.splitlines()[1:-1]]
    assert body[-4:] == ["t5 = t4 * -1", "t6 = exp(t5)", "t7 = t6 + 1", "f = 1 / t7"]


def test_table_lists_every_node_with_value_and_gradient_after_backward():
    g = trace(add_multiply, x=-2.0, y=5.0, z=-4.0)
    assert "gradient" in g.table().splitlines()[0]
    assert g.table().splitlines()[1].split() == ["x", "input", "-2"]
    g.backward()
    rows = {line.split()[0]: line.split()[1:] for line in g.table().splitlines()[1:]}
    assert rows["q"] == ["+", "3", "-4"]
    assert rows["z"] == ["input", "-4", "3"]


def test_branching_value_sums_its_gradients_in_the_graph():
    g = trace(lambda x, y: x * y + x, x=3.0, y=-2.0).backward()
    assert g.grads == {"x": -1.0, "y": 3.0}
    assert len(g.inputs["x"].source.inputs) == 0


def test_an_input_the_output_ignores_gets_zero_gradient():
    g = trace(lambda x, y: x * 2, x=1.0, y=5.0).backward()
    assert g.grads == {"x": 2.0, "y": 0.0}


def test_max_gate_and_constants_get_readable_names():
    g = trace(lambda x: x.max(0.0), x=-1.5)
    assert [node.name for node in g.nodes] == ["x", "0", "f"]
    assert g.text().splitlines()[1].startswith("    f = max(x, 0)")


def test_duplicate_labels_are_made_unique():
    def f(x):
        a = (x * 2).named("a")
        return (a + 1).named("a")

    assert [node.name for node in trace(f, x=1.0).nodes] == ["x", "a", "a_2"]


def test_tensor_graph_gradients_match_central_differences():
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(5, 3)), rng.normal(size=(3, 2))

    def loss(X, W):
        return (X @ W).relu().sum()

    g = trace(loss, X=X, W=W).backward()
    assert isinstance(g.output.source, Tensor)
    numeric = numerical_gradient(lambda w: np.maximum(X @ w, 0).sum(), W.copy())
    np.testing.assert_allclose(g.grads["W"], numeric, rtol=1e-6, atol=1e-8)


def test_tensor_graph_shows_shapes_for_large_arrays_and_steps_carry_arrays():
    X, W = np.ones((5, 3)), np.ones((3, 2))
    g = trace(lambda X, W: (X @ W).sum(), X=X, W=W).backward()
    assert "array(5, 3)" in g.table()
    assert "t1 = X @ W" in g.text()
    matmul_step = g.steps()[1]
    shapes = [np.shape(c.downstream) for c in matmul_step.contributions]
    assert shapes == [(5, 3), (3, 2)]
    assert matmul_step.contributions[0].local is None
    assert "X receives array(5, 3)" in matmul_step.sentences()[0]


def test_numbers_become_tensors_when_any_input_is_an_array():
    g = trace(lambda x, s: (x * s).sum(), x=[1.0, 2.0], s=3.0).backward()
    np.testing.assert_allclose(g.grads["s"], 3.0)
    np.testing.assert_allclose(g.grads["x"], [3.0, 3.0])


# ----- errors written for learners


def test_trace_without_inputs_says_how_to_give_them():
    with pytest.raises(TypeError, match="inputs by name"):
        trace(lambda: 1.0)


def test_function_returning_a_float_points_to_the_engine_operations():
    import math

    with pytest.raises(TypeError, match=r"returned a float.*x.exp\(\)"):
        trace(lambda x: math.exp(x.data), x=1.0)


def test_non_scalar_tensor_output_asks_for_a_reduction():
    with pytest.raises(ValueError, match=r"shape \(2,\).*\.sum\(\)"):
        trace(lambda x: x * 2, x=[1.0, 2.0])


def test_grads_before_backward_says_to_call_backward():
    g = trace(add_multiply, x=-2.0, y=5.0, z=-4.0)
    with pytest.raises(RuntimeError, match=r"call g.backward\(\) first"):
        _ = g.grads
    with pytest.raises(RuntimeError, match=r"call g.backward\(\) first"):
        g.steps()


def test_unknown_node_name_lists_the_names_there_are():
    with pytest.raises(KeyError, match="'q'"):
        trace(add_multiply, x=-2.0, y=5.0, z=-4.0).node("p")


def test_input_that_is_not_a_number_is_named():
    with pytest.raises(TypeError, match="input x must be a number"):
        trace(add_multiply, x="two", y=5.0, z=-4.0)
