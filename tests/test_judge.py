"""The judge and its wire: answers travel as data, checks run in the grader's process."""

import ast
import contextlib
import io
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from coursekit.course import masters, solution_of
from coursekit.exercises import check
from coursekit.exercises.framework import hidden_arguments
from coursekit.exercises.wire import REPLY_MARK, Opaque, decode, encode, reply
from coursekit.grading.judge import (
    KernelStopped,
    Verdict,
    answer_expression,
    judge,
    load_hidden_cases,
)
from coursekit.grading.rebuild import load_master

HIDDEN = load_hidden_cases(masters()[0].parent)

plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (np.isnan(a) and np.isnan(b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, True)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@given(plain)
def test_plain_data_survives_the_wire_as_json(value):
    assert same(decode(json.loads(json.dumps(encode(value)))), value)


@given(hnp.arrays(st.sampled_from([np.float64, np.int64, np.bool_, np.float32]),
                  hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))
def test_arrays_survive_the_wire_with_their_dtype_and_shape(array):
    assert same(decode(json.loads(json.dumps(encode(array)))), array)


def test_objects_arrive_as_opaque_values_that_name_their_type():
    class Value:
        def __repr__(self):
            return "Value(data=2.0)"

    got = decode(encode(Value()))
    assert isinstance(got, Opaque) and (got.kind, repr(got)) == ("Value", "Value(data=2.0)")


def test_named_functions_travel_to_the_kernel_but_never_back():
    from coursekit.stable import sigmoid

    assert decode(encode(sigmoid)) is sigmoid
    assert not callable(decode(encode(sigmoid), trusted=False)) or \
        type(decode(encode(sigmoid), trusted=False)).__name__ == "Callee"
    with pytest.raises(ValueError, match="only coursekit's own functions"):
        decode({"function": "os:system"})


def kernel(namespace):
    """A stand-in kernel: runs the judge's requests in `namespace`, returns the parsed reply."""
    def ask(code):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        line = [text for text in printed.getvalue().splitlines() if text.startswith(REPLY_MARK)]
        return json.loads(line[-1].removeprefix(REPLY_MARK))
    return ask


def test_a_right_answer_passes_and_a_wrong_one_fails_with_the_checks_message():
    right = judge("0.1", "slope", kernel({"slope": lambda a, b, x: a}))
    wrong = judge("0.1", "slope", kernel({"slope": lambda a, b, x: 2.0}))
    assert right == Verdict("passed")
    assert wrong.status == "failed" and "check 2 of 4: slope(a=-3" in wrong.message


def test_hidden_cases_catch_an_answer_that_memorised_the_public_ones():
    table = {(2.0, 1.0, 5.0): 2.0, (-3.0, 0.5, 0.0): -3.0, (0.0, 4.0, -1.0): 0.0,
             (1.5, -2.0, 10.0): 1.5}
    namespace = {"slope": lambda a, b, x: table[(a, b, x)]}
    assert judge("0.1", "slope", kernel(namespace)) == Verdict("passed")
    verdict = judge("0.1", "slope", kernel(namespace), HIDDEN)
    assert verdict.status == "failed" and "check 5 of 8" in verdict.message


def test_an_answer_changing_its_arguments_in_place_is_seen_by_the_judge():
    def update(w, v, grad, lr, beta):
        v *= beta
        v += grad
        w -= lr * v
        return w, v

    verdict = judge("6.1", "momentum_update", kernel({"momentum_update": update}))
    assert verdict.status == "failed" and "unchanged" in verdict.message


def test_an_unanswered_exercise_and_a_missing_name_are_told_apart():
    def stub(a, b, x):
        raise NotImplementedError

    assert judge("0.1", "slope", kernel({"slope": stub})).status == "not answered"
    missing = judge("0.1", "slope", kernel({}))
    assert missing.status == "failed" and "NameError" in missing.message


def test_a_kernel_that_stops_answering_stops_the_judge():
    def ask(code):
        raise KernelStopped("timeout")

    with pytest.raises(KernelStopped):
        judge("0.1", "slope", ask)


def test_a_malformed_reply_is_a_failure_not_a_crash():
    replies = iter([{"value": {"callable": True}}, {"value": {"array": "!!", "dtype": "|O",
                                                             "shape": [-1]}}])
    verdict = judge("0.1", "slope", lambda code: next(replies, {"value": 1.0}))
    assert verdict.status == "failed" and "unreadable" in verdict.message


def test_reply_reports_what_the_answer_raised():
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        reply(lambda: (lambda: 1 / 0), json.dumps({"select": None, "args": []}))
    answer = json.loads(printed.getvalue().removeprefix(REPLY_MARK))
    assert answer == {"raised": "ZeroDivisionError", "message": "division by zero"}


def test_the_answer_is_read_from_the_masters_check_cell():
    assert answer_expression('check("1.2", add_backward)', "1.2") == "add_backward"
    assert answer_expression('check("2.1", {"add": f, "mul": g})', "2.1") == \
        "{'add': f, 'mul': g}"
    assert answer_expression('check("1.3", x)', "1.2") is None
    assert answer_expression("check(", "1.2") is None


@pytest.mark.parametrize("exercise_id", sorted(HIDDEN))
def test_every_hidden_case_passes_with_the_masters_solution(exercise_id):
    name = next(iter(HIDDEN[exercise_id]))
    master = next(load_master(path.stem) for path in masters()
                  if exercise_id in load_master(path.stem).exercises)
    namespace = {"np": np}
    for cell in master.notebook["cells"]:  # the notebook's imports, which the answers use
        if cell["cell_type"] != "code":
            continue
        with contextlib.suppress(SyntaxError):  # a cell with IPython magics is no import
            tree = ast.parse("".join(cell["source"]))
            imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
            exec(compile(ast.Module(imports, []), "imports", "exec"), namespace)
    exec(solution_of(exercise_id), namespace)
    with hidden_arguments(HIDDEN[exercise_id]):
        result = check(exercise_id, namespace[name])
    assert result.passed, result.message


def test_a_naive_sigmoid_that_overflows_fails_in_the_kernel_too():
    """2.2's check makes overflow an error; the judge passes that setting to the kernel."""
    import numpy

    def sigmoid_gate(s, upstream):  # right numbers, but e^750 overflows on the way
        sigma = 1 / (1 + numpy.exp(-s))
        return sigma, upstream * sigma * (1 - sigma)

    verdict = judge("2.2", "sigmoid_gate", kernel({"sigmoid_gate": sigmoid_gate}))
    assert verdict.status == "failed" and "FloatingPointError" in verdict.message


def test_library_objects_reach_the_kernel_and_only_data_comes_back():
    from coursekit.exercises.ex04_vanishing_gradients import NETWORKS, _network_problem

    problem = _network_problem(*NETWORKS[0])
    sent = decode(json.loads(json.dumps(encode(list(problem.values())))))
    assert [type(item).__name__ for item in sent[:2]] == ["Sequential", "SoftmaxCrossEntropyLoss"]
    back = decode(json.loads(json.dumps(encode(problem["model"]))), trusted=False)
    assert isinstance(back, Opaque) and back.kind == "Sequential"


def test_gradient_norms_of_library_networks_are_judged_through_the_wire():
    def weight_gradient_norms(model, loss, X, y):
        loss.forward(model.forward(X), y)
        model.backward(loss.backward())
        return np.array([norm for name, norm in model.gradient_norms().items()
                         if name.endswith(".W")])

    namespace = {"weight_gradient_norms": weight_gradient_norms}
    assert judge("4.2", "weight_gradient_norms", kernel(namespace)) == Verdict("passed")
