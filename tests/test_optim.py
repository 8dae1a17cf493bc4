"""Optimizers: updates computed by hand, the two momentum conventions, Nesterov's look-ahead."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.nn import Linear, Sequential
from coursekit.optim import SGD, momentum_step, nesterov_step

fast = settings(max_examples=60, deadline=None)


def run(optimizer_options, gradients, start=1.0):
    """The values a single weight takes under SGD, one step per gradient."""
    w = np.array([start])
    optimizer = SGD({"w": w}, **optimizer_options)
    values = []
    for grad in gradients:
        optimizer.step({"w": np.array([grad])})
        values.append(float(w[0]))
    return values


def test_plain_sgd_steps_against_the_gradient():
    w = np.array([1.0, 2.0])
    SGD({"w": w}, lr=0.1).step({"w": np.array([0.5, -1.0])})
    assert w.tolist() == pytest.approx([0.95, 2.1])


def test_momentum_by_hand():
    # v: 1, 1.9, 2.71 (v ← 0.9 v + 1); w: 1 − 0.1 v at every step.
    assert run({"lr": 0.1, "momentum": 0.9}, [1.0, 1.0, 1.0]) == pytest.approx([0.9, 0.71, 0.439])


def test_nesterov_by_hand():
    # v: 1, 1.9; w ← w − 0.1 (g + 0.9 v): 1 − 0.19 = 0.81, then 0.81 − 0.1 · 2.71 = 0.539.
    assert run({"lr": 0.1, "momentum": 0.9, "nesterov": True}, [1.0, 1.0]) == pytest.approx(
        [0.81, 0.539]
    )


def test_weight_decay_is_added_to_the_gradient_before_momentum():
    # g + αw = 0.5 + 0.1 · 2 = 0.7, so w = 2 − 0.1 · 0.7; then v = 0.9 · 0.7 + (0.5 + 0.1 · 1.93).
    values = run({"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}, [0.5, 0.5], start=2.0)
    assert values == pytest.approx([1.93, 1.93 - 0.1 * (0.63 + 0.5 + 0.193)])


@fast
@given(
    lr=st.floats(0.001, 1.0),
    beta=st.floats(0.0, 0.99),
    grads=st.lists(st.floats(-10, 10), min_size=1, max_size=8),
)
def test_the_other_momentum_convention_takes_the_same_steps(lr, beta, grads):
    w, v = np.array([1.0]), np.array([0.0])
    w_other, v_other = 1.0, 0.0
    for g in grads:
        w, v = momentum_step(w, v, np.array([g]), lr, beta)
        v_other = beta * v_other - lr * g  # v ← βv − lr·g; w ← w + v
        w_other = w_other + v_other
        assert w[0] == pytest.approx(w_other, rel=1e-9, abs=1e-9)


@fast
@given(lr=st.floats(0.001, 0.5), beta=st.floats(0.0, 0.99), steps=st.integers(1, 10))
def test_nesterov_step_is_momentum_with_the_gradient_taken_at_the_look_ahead_point(lr, beta, steps):
    # On f(w) = ½ a w², the classic look-ahead form evaluates ∇f at w − lr·β·v; our parameters
    # are that look-ahead point itself.
    a = 1.7

    def grad(x):
        return a * x

    w, v = 1.0, 0.0  # classic form
    u, v_ours = np.array([1.0]), np.array([0.0])  # ours: u = w − lr·β·v, here v = 0
    for _ in range(steps):
        v = beta * v + grad(w - lr * beta * v)
        w = w - lr * v
        u, v_ours = nesterov_step(u, v_ours, grad(u), lr, beta)
        assert u[0] == pytest.approx(w - lr * beta * v, rel=1e-9, abs=1e-12)


def test_update_rules_are_pure():
    w, v, g = np.array([1.0]), np.array([0.5]), np.array([2.0])
    for rule in (momentum_step, nesterov_step):
        rule(w, v, g, 0.1, 0.9)
        assert (w[0], v[0], g[0]) == (1.0, 0.5, 2.0)


def test_sgd_updates_the_model_arrays_in_place_and_keeps_velocity_per_name():
    model = Sequential(Linear(2, 3, rng=0))
    before = {name: p.copy() for name, p in model.parameters().items()}
    optimizer = SGD(model.parameters(), lr=0.5, momentum=0.9)
    assert all(np.all(v == 0) for v in optimizer.velocity.values())
    model.forward(np.ones((4, 2)))
    model.backward(np.ones((4, 3)))
    optimizer.step(model.gradients())
    for name, param in model.parameters().items():
        assert param is optimizer.params[name]
        assert np.allclose(param, before[name] - 0.5 * model.gradients()[name])
        assert np.array_equal(optimizer.velocity[name], model.gradients()[name])


def test_parameters_without_a_gradient_stay_unchanged():
    w, b = np.array([1.0]), np.array([2.0])
    SGD({"w": w, "b": b}, lr=0.1).step({"w": np.array([1.0])})
    assert (w[0], b[0]) == (pytest.approx(0.9), 2.0)


def test_mistakes_are_explained():
    w = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="learning rate must be positive"):
        SGD({"w": w}, lr=0)
    for momentum in (1.0, -0.1):
        with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
            SGD({"w": w}, lr=0.1, momentum=momentum)
    with pytest.raises(ValueError, match="weight_decay"):
        SGD({"w": w}, lr=0.1, weight_decay=-1)
    with pytest.raises(TypeError, match="float numpy array"):
        SGD({"w": np.array([1, 2])}, lr=0.1)
    optimizer = SGD({"w": w}, lr=0.1)
    with pytest.raises(KeyError, match="no parameter of that name"):
        optimizer.step({"W": np.ones(2)})
    with pytest.raises(ValueError, match=r"shape \(3,\), but the parameter has shape \(2,\)"):
        optimizer.step({"w": np.ones(3)})
