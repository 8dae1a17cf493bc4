"""Notebook 04's exercises: right answers pass, typical wrong answers fail with a hint."""

import re

import numpy as np
import pytest
from exercise_cases import assert_passes, exercise_tests, failure_of, mistaken
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit import numerical_gradient
from coursekit.exercises.ex04_vanishing_gradients import (
    NETWORKS,
    _network_problem,
    _sigmoid_steepest,
    _weight_norms_reference,
)
from coursekit.nn import Linear

# ----- 4.2 written as a student would, with the usual slips


def weight_gradient_norms(model, loss, X, y, mistake=None):
    scores = model.forward(X)
    loss.forward(scores, y)
    if mistake != "no backward pass":
        upstream = np.ones_like(scores) if mistake == "ones as upstream" else loss.backward()
        model.backward(upstream)
    norms = model.gradient_norms()
    if mistake == "biases too":
        return np.array(list(norms.values()))
    weights = [norm for name, norm in norms.items() if name.endswith(".W")]
    if mistake == "last layer first":
        weights = weights[::-1]
    if mistake == "squared":
        weights = [norm**2 for norm in weights]
    if mistake == "a list":
        return weights
    return np.array(weights)


RIGHT_AND_WRONG = {
    "4.1": (
        (0.0, 0.25),
        [
            ((0.5, 0.25), "which z gives σ(z) = 1/2"),
            ((0.0, 0.5), "not the value σ(0) = 1/2"),
            ((0.0, 1.0), "tanh"),
            ((0.25, 0.0), "expected 0, got 0.25"),
            (0.25, "should be a pair (z, slope)"),
        ],
    ),
    "4.2": (
        weight_gradient_norms,
        [
            (mistaken(weight_gradient_norms, "biases too"), "not the biases b"),
            (mistaken(weight_gradient_norms, "last layer first"),
             "layer 1 nearest the input first"),
            (mistaken(weight_gradient_norms, "no backward pass"), "has no gradients yet"),
            (mistaken(weight_gradient_norms, "ones as upstream"),
             "model.backward(loss.backward())"),
            (mistaken(weight_gradient_norms, "squared"), "np.linalg.norm"),
            (mistaken(weight_gradient_norms, "a list"), "expected a numpy array"),
        ],
    ),
    "4.3": (
        lambda depth: 0.2 ** (depth - 1),
        [
            (lambda depth: 0.25 * depth, "times too large"),
            (lambda depth: 0.5 ** (depth - 1), "times too large"),
            (lambda depth: 3.3e-7, "times too small"),
            (lambda depth: 5.0 ** (depth - 1), "r ** (depth - 1)"),
            (lambda depth: 0.25 ** (depth - 1), "the bound the sigmoid's slope sets"),
            (lambda depth: f"{0.2 ** (depth - 1):.1e}", "should return a number"),
        ],
    ),
    "4.4": (
        1.0,
        [
            (0.2**9, "times too small"),  # the sigmoid's factor per layer, kept for tanh
            (0.25**9, "times too small"),  # the sigmoid's bound
            (-1.0, "not positive"),
            (100.0, "times too large"),
            ("1", "a prediction should be a number"),
        ],
    ),
}

test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=4
)


def test_the_steepest_point_comes_from_the_sigmoid_layer():
    where, largest = _sigmoid_steepest()
    assert abs(where) < 1e-9
    assert largest == pytest.approx(0.25, abs=1e-12)


def test_the_bare_bound_of_one_quarter_per_layer_is_not_a_prediction():
    bare_bound = failure_of("4.3", lambda depth: 0.25 ** (depth - 1))
    assert re.search(r"times the bound \(1/4\)\^19", bare_bound)


@pytest.mark.parametrize("per_layer", [0.19, 0.2, 0.22, 0.23])
def test_factors_read_off_the_notebooks_measurements_pass(per_layer):
    # 0.19 from the single 10-layer network of the table, 0.22 from the fitted line
    assert_passes("4.3", lambda depth: per_layer ** (depth - 1))


def test_weight_gradient_norms_is_called_positionally_so_its_parameter_names_are_free():
    assert_passes("4.2", lambda net, criterion, inputs, targets: weight_gradient_norms(
        net, criterion, inputs, targets))


@pytest.mark.parametrize("spec", NETWORKS, ids=lambda spec: f"seed {spec[0]}")
def test_the_expected_norms_are_those_of_central_difference_gradients(spec):
    problem = _network_problem(*spec)
    model, loss, X, y = problem["model"], problem["loss"], problem["X"], problem["y"]
    expected = []
    for layer in model.layers:
        if isinstance(layer, Linear):
            W = layer.params["W"]

            def loss_at(values, W=W):
                saved = W.copy()
                W[...] = values
                value = loss.forward(model.forward(X), y)
                W[...] = saved
                return value

            expected.append(np.linalg.norm(numerical_gradient(loss_at, W.copy())))
    reference = _weight_norms_reference(**_network_problem(*spec))
    np.testing.assert_allclose(reference, expected, rtol=1e-5, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_a_dead_first_layer_gets_exactly_no_gradient(seed):
    problem = _network_problem(seed, (2, 6, 6, 3), *NETWORKS[-1][2:])
    norms = weight_gradient_norms(**problem)
    assert norms[0] == 0.0 and norms[1] == 0.0 and norms[2] > 0.0


@pytest.mark.parametrize("per_layer", [0.8, 0.9, 1.0, 1.1])
def test_a_factor_near_one_per_tanh_layer_predicts_the_explorers_ratio(per_layer):
    assert_passes("4.4", per_layer**9)
