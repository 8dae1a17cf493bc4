"""Notebook 09's exercises: the master's parts pass, the same parts with one typical slip fail.

The answers are the master notebook's own cells, run here as a kernel would run them; a slip is one
line of them changed, so these tests follow the notebook's code as it is written.
"""

import json

import numpy as np
import pytest
from exercise_cases import assert_passes, exercise_tests
from test_judge import kernel  # a stand-in for the student's kernel

from coursekit.course import cell_role, master_path
from coursekit.exercises import check
from coursekit.exercises import ex09_capstone as ex09
from coursekit.gradcheck import numerical_gradient
from coursekit.grading.judge import Verdict, answer_expression, judge
from coursekit.nn import Linear, SoftmaxCrossEntropyLoss

CELLS = json.loads(master_path("09_capstone").read_text(encoding="utf-8"))["cells"]
PARTS = ("ex9-1-answer", "ex9-2-answer", "ex9-3-answer", "ex9-4-answer", "code-16",
         "ex9-5-answer")  # the answer cells, and the given cell that assembles the network
IMPORTS = ("import numpy as np\nfrom types import SimpleNamespace\n"
           "from coursekit.data import digits_split, minibatches\nfrom coursekit.nn import init\n")


def source(cell_id):
    return "".join(next(cell for cell in CELLS if cell.get("id") == cell_id)["source"])


def check_expressions():
    return {cell_role(cell)[0]: answer_expression("".join(cell["source"]), cell_role(cell)[0])
            for cell in CELLS if cell_role(cell)[1] == "check"}


EXPRESSIONS = check_expressions()

# The log of a probability that rounded to 0 is one of the slips: its warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore:divide by zero encountered in log")

# A slip: which cell, the line as the master writes it, and the line as a student might.
SLIPS = {
    "downstream without transpose": (
        "ex9-1-answer", 'return upstream @ self.params["W"].T',
        'return upstream @ self.params["W"]'),
    "weights' gradient the wrong way round": (
        "ex9-1-answer", 'self.grads["W"] = self.x.T @ upstream',
        'self.grads["W"] = upstream.T @ self.x'),
    "bias gradient a mean": (
        "ex9-1-answer", 'self.grads["b"] = upstream.sum(axis=0)',
        'self.grads["b"] = upstream.mean(axis=0)'),
    "gradients accumulated": (
        "ex9-1-answer", 'self.grads["W"] = self.x.T @ upstream',
        'self.grads["W"] += self.x.T @ upstream'),
    "relu passes at 0": ("ex9-2-answer", "upstream * (self.x > 0)", "upstream * (self.x >= 0)"),
    "relu masks the upstream gradient": (
        "ex9-2-answer", "upstream * (self.x > 0)", "upstream * (upstream > 0)"),
    "loss not divided by the batch": (
        "ex9-3-answer", "return loss, dscores / len(y)", "return loss, dscores"),
    "loss a sum": (
        "ex9-3-answer", "loss = -log_probs[rows, y].mean()", "loss = -log_probs[rows, y].sum()"),
    "softmax without the shift": (
        "ex9-3-answer", "shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores"),
    "log of probabilities": (
        "ex9-3-answer", "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
        "log_probs = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True))"),
    "velocity not kept": (
        "ex9-4-answer",
        "self.velocity[name] = self.momentum * self.velocity[name] + grad\n"
        "            self.params[name] -= self.learning_rate * self.velocity[name]",
        "velocity = self.momentum * self.velocity[name] + grad\n"
        "            self.params[name] -= self.learning_rate * velocity"),
    "not in place": (
        "ex9-4-answer", "self.params[name] -= self.learning_rate * self.velocity[name]",
        "self.params[name] = self.params[name] - self.learning_rate * self.velocity[name]"),
    "one velocity for all": (
        "ex9-4-answer",
        "self.velocity[name] = self.momentum * self.velocity[name] + grad\n"
        "            self.params[name] -= self.learning_rate * self.velocity[name]",
        "self.shared = self.momentum * getattr(self, 'shared', 0.0) + grad\n"
        "            self.params[name] -= self.learning_rate * self.shared"),
    "backward in forward order": (
        "ex9-5-answer", "for layer in reversed(layers):", "for layer in layers:"),
    "step before backward": (
        "ex9-5-answer",
        "network_backward(layers, dscores)\n            optimizer.step(gradients(layers))",
        "optimizer.step(gradients(layers))\n            network_backward(layers, dscores)"),
    "no backward pass": ("ex9-5-answer", "network_backward(layers, dscores)\n", "\n"),
}

# The same update written the other common way, v ← βv − lr·g, w ← w + v: the same steps.
OTHER_FORM = (
    "ex9-4-answer",
    "self.velocity[name] = self.momentum * self.velocity[name] + grad\n"
    "            self.params[name] -= self.learning_rate * self.velocity[name]",
    "self.velocity[name] = self.momentum * self.velocity[name] - self.learning_rate * grad\n"
    "            self.params[name] += self.velocity[name]",
)


def notebook(slip=None):
    """The master's parts run in a fresh namespace, with at most one line changed."""
    namespace = {}
    exec(IMPORTS, namespace)
    for cell_id in PARTS:
        text = source(cell_id)
        if slip is not None and slip[0] == cell_id:
            assert slip[1] in text, f"{cell_id} no longer says {slip[1]!r}"
            text = text.replace(slip[1], slip[2])
        exec(text, namespace)
    return namespace


def answer(id, namespace):
    """What the master's check cell of exercise `id` passes to check()."""
    return eval(EXPRESSIONS[id], namespace)


def with_slip(id, name):
    return answer(id, notebook(SLIPS[name]))


RIGHT = notebook()

RIGHT_AND_WRONG = {
    "9.1": (
        answer("9.1", RIGHT),
        [
            (with_slip("9.1", "downstream without transpose"), "downstream = upstream Wᵀ"),
            (with_slip("9.1", "weights' gradient the wrong way round"), "dW = xᵀ upstream"),
            (with_slip("9.1", "bias gradient a mean"), "the sum of upstream over the batch"),
            (with_slip("9.1", "gradients accumulated"), "+= would add the second pass"),
        ],
    ),
    "9.2": (
        answer("9.2", RIGHT),
        [
            (with_slip("9.2", "relu passes at 0"), "(at x = 0 too)"),
            (with_slip("9.2", "relu masks the upstream gradient"), "upstream gradient's own sign"),
        ],
    ),
    "9.3": (
        answer("9.3", RIGHT),
        [
            (with_slip("9.3", "loss not divided by the batch"), "Dividing by N"),
            (with_slip("9.3", "loss a sum"), "the loss is a mean"),
            (with_slip("9.3", "softmax without the shift"), "FloatingPointError"),
            (with_slip("9.3", "log of probabilities"), "log-probabilities"),
        ],
    ),
    "9.4": (
        answer("9.4", RIGHT),
        [
            (with_slip("9.4", "velocity not kept"), "the velocity is not kept"),
            (with_slip("9.4", "not in place"), "not updated in place"),
            (with_slip("9.4", "one velocity for all"), "one velocity per parameter"),
        ],
    ),
    "9.5": (
        answer("9.5", RIGHT),
        [
            (with_slip("9.5", "backward in forward order"), "raised ValueError"),
            (with_slip("9.5", "step before backward"), "the order of these steps"),
            (with_slip("9.5", "no backward pass"), "backward through the layers"),
            ({**answer("9.5", RIGHT), "digits_accuracy": lambda seed, epochs: 0.5},
             "the digits are not learned"),
        ],
    ),
}

test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=9
)


def test_every_slip_changes_what_the_master_says_once():
    for cell_id, old, _ in (*SLIPS.values(), OTHER_FORM):
        assert source(cell_id).count(old) == 1, (cell_id, old)


def test_the_other_way_of_writing_momentum_passes():
    assert_passes("9.4", answer("9.4", notebook(OTHER_FORM)))


@pytest.mark.parametrize("slip, step", [("velocity not kept", 2), ("not in place", 1)])
def test_the_momentum_check_names_the_first_wrong_step(slip, step):
    """Without a kept velocity the first step is still right; without updating in place, the
    arrays the layers hold never move, so the first step is already wrong."""
    message = check("9.4", with_slip("9.4", slip)).message
    assert "check 1 of 3: momentum_path: one parameter w of shape (2,)" in message
    assert f": value {step} of 3: " in message


def test_the_naive_softmax_is_right_on_ordinary_scores_and_fails_only_on_large_ones():
    message = check("9.3", with_slip("9.3", "softmax without the shift")).message
    assert "check 4 of 5" in message and "raised FloatingPointError" in message


def test_the_linear_references_gradients_agree_with_the_library_backward_pass():
    rng = np.random.default_rng(9)
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    x, upstream = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    output, downstream, dW, db = ex09._linear_reference(W, b, x, upstream)
    layer = Linear(3, 4, rng=0)
    layer.params["W"][...], layer.params["b"][...] = W, b
    np.testing.assert_allclose(output, layer.forward(x), rtol=1e-12)
    np.testing.assert_allclose(downstream, layer.backward(upstream), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dW, layer.grads["W"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(db, layer.grads["b"], rtol=1e-7, atol=1e-9)


def test_the_library_loss_gradient_agrees_with_central_differences():
    rng = np.random.default_rng(10)
    scores, y = rng.standard_normal((4, 6)) * 3, rng.integers(0, 6, 4)
    _, dscores = ex09.library_loss(scores, y)

    def loss(s):
        return SoftmaxCrossEntropyLoss().forward(s, y)

    np.testing.assert_allclose(dscores, numerical_gradient(loss, scores), rtol=1e-6, atol=1e-9)


def test_the_assembled_network_gradients_agree_with_central_differences():
    """The master's parts together: what the notebook's gradient check prints."""
    rng = np.random.default_rng(11)
    X, y = rng.random((6, 64)), rng.integers(0, 10, 6)
    layers = RIGHT["two_layer_network"](64, 5, 10, seed=3)
    forward, loss = RIGHT["network_forward"], RIGHT["softmax_cross_entropy"]
    RIGHT["network_backward"](layers, loss(forward(layers, X), y)[1])
    analytic = {name: grad.copy() for name, grad in RIGHT["gradients"](layers).items()}
    for name, value in RIGHT["parameters"](layers).items():
        numeric = numerical_gradient(lambda _: loss(forward(layers, X), y)[0], value)
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_the_library_parts_give_the_masters_numbers_exactly():
    """The notebook's later cells use library_parts until the student's parts pass, and say that
    the numbers are the same either way."""
    problem = ex09._training_problem(7, 40, 64, 10, 12, 3, 16, 0.05, 0.9)
    solution = RIGHT["training_history"](*problem.values())
    library = ex09._training_reference(**problem)
    for mine, theirs in zip(solution, library, strict=True):
        assert np.array_equal(mine, theirs)


@pytest.mark.parametrize("id", sorted(RIGHT_AND_WRONG))
def test_the_judge_passes_the_master_through_the_wire(id):
    """Grading calls the answer cells' functions from another process, with data only."""
    assert judge(id, EXPRESSIONS[id], kernel(notebook())) == Verdict("passed")


@pytest.mark.parametrize("id, slip", [("9.1", "gradients accumulated"),
                                      ("9.3", "softmax without the shift"),
                                      ("9.4", "not in place")])
def test_the_judge_sees_slips_through_the_wire(id, slip):
    verdict = judge(id, EXPRESSIONS[id], kernel(notebook(SLIPS[slip])))
    assert verdict.status == "failed"


def test_an_answer_that_is_not_the_dict_of_functions_says_what_the_dict_holds():
    result = check("9.5", answer("9.5", RIGHT)["training_history"])
    assert result.status == "failed"
    assert "should be a dict with the keys 'training_history'" in result.message


def test_a_stub_is_not_answered_and_names_the_method():
    namespace = notebook(("ex9-1-answer", "self.x = x\n", 'raise NotImplementedError("stub")\n'))
    result = check("9.1", answer("9.1", namespace))
    assert result.status == "not answered" and "`forward`" in result.message
