"""Notebook 05's exercises: right answers pass, typical wrong answers fail with a hint."""

import numpy as np
from exercise_cases import assert_passes, exercise_tests, mistaken
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from coursekit import numerical_gradient
from coursekit.exercises.ex05_relu_vs_leaky import (
    _leaky_reference,
    hidden_layers,
    spiral_network,
    train_on_spiral,
)
from coursekit.nn import ReLU, dead_fraction

# ----- 5.1 and 5.2 written as a student would, with the usual slips


def count_dead(X, W, b, mistake=None):
    z = X @ W if mistake == "no bias" else X @ W + b
    inactive = z < 0 if mistake == "strictly negative" else z <= 0
    if mistake == "entries":
        return int(np.sum(inactive))
    if mistake == "any example":
        return int(np.sum(np.any(inactive, axis=0)))
    if mistake == "rows":
        return int(np.sum(np.all(inactive, axis=1)))
    if mistake == "fraction":
        return float(np.mean(np.all(inactive, axis=0)))
    return int(np.sum(np.all(inactive, axis=0)))


def leaky_relu_gate(z, upstream, alpha, mistake=None):
    output = np.where(z > 0, z, alpha * z)
    if mistake == "plain ReLU forward":
        output = np.maximum(0.0, z)
    active = z >= 0 if mistake == "active at 0" else z > 0
    local = np.where(active, 1.0, 0.0 if mistake == "plain ReLU backward" else alpha)
    if mistake == "local gradient only":
        return (output, local)
    if mistake == "downstream only":
        return upstream * local
    return (output, upstream * local)


RIGHT_AND_WRONG = {
    "5.1": (
        count_dead,
        [
            (mistaken(count_dead, "strictly negative"), "test z <= 0, not z < 0"),
            (mistaken(count_dead, "entries"), "count those columns"),
            (mistaken(count_dead, "any example"), "for every example"),
            (mistaken(count_dead, "rows"), "a unit is a column"),
            (mistaken(count_dead, "no bias"), "z = X @ W + b"),
            (mistaken(count_dead, "fraction"), "expected a whole number"),
        ],
    ),
    "5.2": (
        leaky_relu_gate,
        [
            (mistaken(leaky_relu_gate, "active at 0"), "at exactly z = 0 the local gradient is α"),
            (mistaken(leaky_relu_gate, "plain ReLU backward"), "α (not 0) elsewhere"),
            (mistaken(leaky_relu_gate, "plain ReLU forward"), "αz elsewhere"),
            (mistaken(leaky_relu_gate, "local gradient only"), "upstream × local gradient"),
            (mistaken(leaky_relu_gate, "downstream only"), "expected a tuple of 2 values"),
        ],
    ),
    "5.3": (
        0.0,
        [
            (32.0, "0.05"),  # the ReLU's share at this rate: a leaky unit is not dead by the count
            (100, "too large"),
            ("0", "a prediction should be a number"),
        ],
    ),
    "5.4": (
        0.3,
        [
            (0.0, "with α = 0 (a ReLU) or a tiny α nothing moves"),
            (1e-12, "with α = 0 (a ReLU) or a tiny α nothing moves"),  # in effect a ReLU
            (0.01, "too slow for some starts"),
            (0.1, "too slow for some starts"),  # enough from seed 0, not from seed 1
            (1.5, "must be in [0, 1)"),
            ((0.3, 0.01), "alpha should be a number"),
            ("0.3", "alpha should be a number"),
        ],
    ),
}

test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=5
)


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(float, st.integers(1, 6), elements=st.floats(0.05, 5.0)),
    st.lists(st.booleans(), min_size=6, max_size=6),
    st.floats(0.0, 0.9),
)
def test_the_leaky_reference_agrees_with_central_differences(size, signs, alpha):
    z = np.where(signs[: len(size)], size, -size)  # at least 0.05 away from the kink
    upstream = np.linspace(-1.0, 2.0, len(z))
    _, downstream = _leaky_reference(z, upstream, alpha)

    def weighted_output(values):
        return float(np.sum(upstream * _leaky_reference(values, upstream, alpha)[0]))

    np.testing.assert_allclose(downstream, numerical_gradient(weighted_output, z), atol=1e-6)


def test_a_relu_network_started_at_negative_biases_loses_its_second_layer():
    model = spiral_network(ReLU, bias=-1.0)
    history = train_on_spiral(model)
    first, second = (dead_fraction(layer.output) for layer in hidden_layers(model))
    assert 0.2 < first < 1.0 and second == 1.0
    assert history["accuracy"][-1] < 0.4


def test_count_dead_is_called_positionally_so_its_parameter_names_are_free():
    assert_passes("5.1", lambda inputs, weights, biases: count_dead(inputs, weights, biases))
