"""Notebook 06's exercises: right answers pass, typical wrong answers fail with a hint."""

import math
import re

import numpy as np
import pytest
from exercise_cases import assert_passes, exercise_tests, failure_of, mistaken

from coursekit import numerical_gradient
from coursekit.exercises import check
from coursekit.exercises import ex06_momentum as ex06
from coursekit.exercises.ex06_momentum import GRADIENTS

# ----- 6.1: the momentum update, as a student would write it


def momentum_update(w, v, grad, lr, beta, mistake=None):
    if mistake == "in place":
        v *= beta
        v += grad
        w -= lr * v
        return (w, v)
    v_new = grad if mistake == "no beta" else beta * v + grad
    if mistake == "lr in velocity":  # the other textbook form: same steps, velocity −lr times ours
        v_new = beta * v - lr * grad
        return (w + v_new, v_new)
    step = lr * (v if mistake == "old velocity" else v_new)
    w_new = w + step if mistake == "uphill" else w - step
    return (v_new, w_new) if mistake == "swapped" else (w_new, v_new)


# ----- 6.2: Nesterov, with the gradient at the look-ahead point


def nesterov_update(w, v, gradient, lr, beta, mistake=None):
    look_ahead = {
        None: w - lr * beta * v,
        "at w": w,
        "no lr": w - beta * v,
        "wrong way": w + lr * beta * v,
    }[mistake if mistake in ("at w", "no lr", "wrong way") else None]
    v_new = beta * v + gradient(look_ahead)
    if mistake == "from look-ahead":
        return (look_ahead - lr * v_new, v_new)
    return (w - lr * v_new, v_new)


# ----- 6.3: measuring a convergence rate


def measured_rate(path, minimum, mistake=None):
    d = np.linalg.norm(path - (0 if mistake == "no minimum" else minimum), axis=1)
    if mistake == "loss":
        d = d**2
    m = 0 if mistake == "whole path" else len(d) // 2
    if mistake == "last ratio":
        return d[-1] / d[-2]
    if mistake == "arithmetic mean":
        return float(np.mean(d[m + 1:] / d[m:-1]))
    if mistake == "no root":
        return d[-1] / d[m]
    return (d[-1] / d[m]) ** (1 / (len(d) - 1 - m))


def theory_best(kappa=100.0):
    root = math.sqrt(kappa)
    return (4 / (root + 1) ** 2, ((root - 1) / (root + 1)) ** 2)


RIGHT_AND_WRONG = {
    "6.1": (
        momentum_update,
        [
            (mistaken(momentum_update, "no beta"), "beta * v + grad"),
            (mistaken(momentum_update, "old velocity"), "with the NEW velocity"),
            (mistaken(momentum_update, "uphill"), "w_new = w - lr * v_new"),
            (mistaken(momentum_update, "lr in velocity"), "without the learning rate"),
            (mistaken(momentum_update, "swapped"), "in that order"),
            (mistaken(momentum_update, "in place"), "in place"),
            (lambda w, v, grad, lr, beta: w - lr * grad, "expected a tuple of 2 values"),
        ],
    ),
    "6.2": (
        nesterov_update,
        [
            (mistaken(nesterov_update, "at w"), "look-ahead point"),
            (mistaken(nesterov_update, "no lr"), "w - lr * beta * v"),
            (mistaken(nesterov_update, "wrong way"), "w - lr * beta * v"),
            (mistaken(nesterov_update, "from look-ahead"), "w_new = w - lr * v_new"),
        ],
    ),
    "6.3": (
        measured_rate,
        [
            (mistaken(measured_rate, "whole path"), "second half"),
            (mistaken(measured_rate, "last ratio"), "geometric mean"),
            (mistaken(measured_rate, "arithmetic mean"), "geometric mean"),
            (mistaken(measured_rate, "no root"), "** (1 / (len(d)"),
            (mistaken(measured_rate, "loss"), "distances"),
            (mistaken(measured_rate, "no minimum"), "subtract the minimum"),
            (lambda path, minimum: list(measured_rate(path, minimum) for _ in range(2)),
             "expected a number"),
        ],
    ),
    "6.4": (
        theory_best(),
        [
            ((2 / 101, 0.0), "plain gradient descent needs about 440"),  # plain GD at its best
            ((0.01, 0.9), "oscillates"),  # a common default, too slow here
            ((0.005, 0.5), "crawls"),
        ],
    ),
    "6.5": (
        math.sqrt(0.9),  # both directions bounce, so both shrink by √β
        [
            (0.9, "neither β itself"),  # β, the naive guess
            (0.818, "nor the best rate 0.818"),  # the best rate, at other settings
            (0.99, "spectral radius"),  # plain gradient descent's 1 − lr at these settings
            ("0.95", "raised TypeError"),
        ],
    ),
}


test_table_covers_the_notebook, test_right_answer_passes, test_wrong_answer_fails = exercise_tests(
    RIGHT_AND_WRONG, notebook=6
)


def test_momentum_update_takes_the_lectures_steps_from_rest():
    # v starts at 0: the first step is plain SGD, the second adds β times the first gradient.
    w, v = np.array([1.0]), np.zeros(1)
    w, v = momentum_update(w, v, np.array([1.0]), lr=0.1, beta=0.9)
    w, v = momentum_update(w, v, np.array([1.0]), lr=0.1, beta=0.9)
    assert np.allclose(w, [1.0 - 0.1 - 0.19]) and np.allclose(v, [1.9])
    check("6.1", momentum_update)  # and the check agrees with this hand computation


def test_nesterov_look_ahead_matches_a_hand_computed_step():
    # On f(w) = w²/2 (gradient w) from w = 1, v = 1, lr = 0.5, β = 0.5: the look-ahead point is
    # 0.75, v_new = 0.5 + 0.75 = 1.25, w_new = 1 - 0.625 = 0.375.
    w, v = nesterov_update(np.array([1.0]), np.array([1.0]), lambda w: w, lr=0.5, beta=0.5)
    assert np.allclose(w, [0.375]) and np.allclose(v, [1.25])
    check("6.2", nesterov_update)


def test_rate_of_a_geometric_sequence_is_its_ratio():
    path = np.outer(0.8 ** np.arange(21), [1.0, 1.0])
    assert measured_rate(path, np.zeros(2)) == pytest.approx(0.8)
    check("6.3", measured_rate)


def test_settings_that_diverge_are_reported_as_diverging():
    assert re.search("diverged", failure_of("6.4", (0.1, 0.9)))


def test_settings_are_checked_for_their_shape():
    assert re.search(r"a pair \(lr, beta\)", failure_of("6.4", 0.03))
    assert re.search(r"β must be in \[0, 1\)", failure_of("6.4", (0.03, 1.0)))


def test_the_slopes_given_to_nesterov_update_are_module_level_functions():
    # A grader in another process can only hand over functions it can import by name.
    for gradient in GRADIENTS.values():
        assert gradient.__name__ != "<lambda>" and "<locals>" not in gradient.__qualname__
        assert getattr(ex06, gradient.__name__) is gradient


def test_the_slopes_agree_with_central_differences():
    losses = [lambda w: 0.5 * (w[0] ** 2 + 10 * w[1] ** 2),
              lambda w: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2,
              lambda w: float(np.sum(w**4 / 4 - w**2 / 2))]
    w = np.array([-1.2, 0.7])
    for loss, gradient in zip(losses, GRADIENTS.values()):
        np.testing.assert_allclose(gradient(w), numerical_gradient(loss, w.copy()), rtol=1e-6)


def test_answers_are_called_positionally_so_their_parameter_names_are_free():
    assert_passes("6.1", lambda x, velocity, g, step, friction: momentum_update(
        x, velocity, g, step, friction))
    assert_passes("6.2", lambda x, velocity, slope, step, friction: nesterov_update(
        x, velocity, slope, step, friction))


def test_the_predicted_rate_is_the_spectral_radius_of_each_direction():
    # Each direction's matrix [[1 − αλ, −αβ], [λ, β]] has determinant β; at lr = 0.01, β = 0.9
    # both directions bounce (complex eigenvalues), so both radii are √β, which the explorer's
    # 200 steps measure within the question's tolerance.
    for curvature in (1.0, ex06.PREDICT_KAPPA):
        matrix = np.array([[1 - ex06.PREDICT_LR * curvature, -ex06.PREDICT_LR * ex06.PREDICT_BETA],
                           [curvature, ex06.PREDICT_BETA]])
        eigenvalues = np.linalg.eigvals(matrix)
        assert np.all(np.abs(eigenvalues.imag) > 0)
        assert np.allclose(np.abs(eigenvalues), math.sqrt(ex06.PREDICT_BETA))
    assert abs(ex06.explorer_rate() - math.sqrt(0.9)) < ex06.RATE_TOLERANCE


def test_the_predicted_rate_is_what_the_explorer_shows():
    from coursekit.explorers.momentum import momentum_view

    view = momentum_view(ex06.PREDICT_BETA, ex06.PREDICT_LR, ex06.PREDICT_KAPPA)
    assert view.measured["momentum"] == ex06.explorer_rate()
    assert f"momentum rate {ex06.explorer_rate():.3f}" in view.lines[0]


def test_a_prediction_just_inside_the_tolerance_passes_and_just_outside_fails():
    measured = ex06.explorer_rate()
    assert_passes("6.5", measured + 0.009)
    assert_passes("6.5", measured - 0.009)
    assert re.search("too high", failure_of("6.5", measured + 0.011))
    assert re.search("too low", failure_of("6.5", measured - 0.011))
