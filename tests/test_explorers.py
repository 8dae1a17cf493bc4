"""Explorers: what each one shows, computed without a browser, and each widget redrawing itself."""

import base64
import io
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import matplotlib
import matplotlib.style

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from lectures import LOGISTIC_POINT, logistic  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from coursekit import trace  # noqa: E402
from coursekit.data import spiral  # noqa: E402
from coursekit.draw import with_minus_signs  # noqa: E402
from coursekit.explorers import (  # noqa: E402
    activation_and_derivative,
    activation_explorer,
    activation_figure,
    backward_stepper,
    best_parameters,
    controls_of,
    convergence_rate,
    dead_relu_explorer,
    dead_relu_figure,
    dead_relu_run,
    layer_gradient_norms,
    momentum_explorer,
    momentum_view,
    optimize,
    sigmoid_playground,
    sigmoid_view,
    stepper_view,
    theoretical_rates,
    vanishing_figure,
    vanishing_gradient_explorer,
)
from coursekit.explorers._render import FigureImage, widgets_in  # noqa: E402
from coursekit.explorers.activations import shaded_regions  # noqa: E402
from coursekit.explorers.momentum import (  # noqa: E402
    quadratic,
    rosenbrock,
    surface_named,
    walks_figure,
)
from coursekit.explorers.vanishing import deep_network  # noqa: E402
from coursekit.nn import Linear, SoftmaxCrossEntropyLoss  # noqa: E402

QUICK = settings(max_examples=50, deadline=None)


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def widgets_of(explorer, kind):
    """Every widget of a kind inside an explorer, in display order."""
    return [widget for widget in widgets_in(explorer)
            if kind in {cls.__name__ for cls in type(widget).__mro__}]


def picture_of(explorer):
    """The bytes of the explorer's image (a figure as PNG)."""
    (image,) = widgets_of(explorer, "Image")
    return bytes(image.value)


def assert_titled_labelled_and_white(figure):
    assert isinstance(figure, Figure)
    assert to_rgba(figure.get_facecolor()) == to_rgba("white")
    for ax in figure.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), ax


# ----- 1. the backward-pass stepper


def test_stepper_runs_the_backward_pass_when_the_graph_has_no_gradients_yet():
    g = trace(logistic, **LOGISTIC_POINT)
    view = stepper_view(g, 0)
    assert g.has_gradients
    assert (view.step, view.steps) == (0, 8)
    assert view.sentences == ("the backward pass starts at the output: df/df = 1",)
    assert "step 0 of 8" in view.svg


def test_stepper_steps_carry_the_lectures_numbers_from_the_output_back():
    g = trace(logistic, **LOGISTIC_POINT)
    first, exp_step, last = stepper_view(g, 1), stepper_view(g, 3), stepper_view(g, 8)
    assert first.sentences == ("t7: upstream × local = downstream: 1 × -0.534 = -0.534",)
    assert exp_step.sentences == ("t5: upstream × local = downstream: -0.534 × 0.368 = -0.197",)
    assert last.sentences == (
        "w0: upstream × local = downstream: 0.197 × -1 = -0.197",
        "x0: upstream × local = downstream: 0.197 × 2 = 0.393",
    )
    for view in (first, exp_step, last):
        assert f"step {view.step} of 8" in view.svg
        assert all(with_minus_signs(sentence) in view.svg for sentence in view.sentences)


def test_stepper_says_how_far_the_steps_go_when_asked_for_too_many():
    g = trace(logistic, **LOGISTIC_POINT)
    with pytest.raises(ValueError, match="from 0 .* to 8"):
        stepper_view(g, 9)


def test_backward_stepper_buttons_move_the_slider_and_redraw_the_graph():
    stepper = backward_stepper(trace(logistic, **LOGISTIC_POINT))
    controls = controls_of(stepper)
    slider, back, forward = controls["step"], controls["◀ previous"], controls["next ▶"]
    (picture,) = widgets_of(stepper, "HTML")
    assert slider.value == 0 and back.disabled and not forward.disabled
    assert "step 0 of 8" in picture.value
    forward.click()
    assert slider.value == 1 and "step 1 of 8" in picture.value and not back.disabled
    slider.value = 8
    assert forward.disabled and "x0: upstream × local" in picture.value
    forward.click()
    assert slider.value == 8
    back.click()
    assert slider.value == 7 and "step 7 of 8" in picture.value


# ----- 2. the sigmoid playground


def test_sigmoid_view_at_the_lecture_point_gives_the_lecture_numbers():
    view = sigmoid_view(**LOGISTIC_POINT)
    assert round(view.output, 2) == 0.73
    lecture = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "b": 0.20}
    for grads in (view.gates_grads, view.single_grads):
        assert {name: round(grad, 2) for name, grad in grads.items()} == lecture
    assert round(view.local_grad, 3) == 0.197
    assert "the same gradients" in view.comparison and "0.731 × 0.269 = 0.197" in view.comparison


def test_sigmoid_view_draws_the_gates_on_one_side_and_a_single_sigmoid_on_the_other():
    view = sigmoid_view(**LOGISTIC_POINT)
    assert all(gate in view.gates_svg for gate in ("exp", "1/x", "+1", "*−1"))
    assert ">σ<" in view.single_svg and "exp" not in view.single_svg
    for svg in (view.gates_svg, view.single_svg):
        assert "s = 1" in svg and "0.731" in svg and "−0.59" in svg  # values and gradients


@QUICK
@given(st.lists(st.floats(-4, 4), min_size=5, max_size=5))
def test_both_sigmoid_graphs_give_the_gradients_of_central_differences(numbers):
    point = dict(zip(LOGISTIC_POINT, numbers))
    view = sigmoid_view(**point)

    def f(name, value):
        p = {**point, name: value}
        s = p["w0"] * p["x0"] + p["w1"] * p["x1"] + p["b"]
        return 1 / (1 + math.exp(-s))

    for name, value in point.items():
        numerical = central_difference(lambda v, name=name: f(name, v), value)
        assert view.gates_grads[name] == pytest.approx(numerical, abs=1e-7)
        assert view.single_grads[name] == pytest.approx(numerical, abs=1e-7)
    sigma = view.output
    assert view.local_grad == pytest.approx(
        central_difference(lambda s: 1 / (1 + math.exp(-s)), math.log(sigma / (1 - sigma))),
        abs=1e-7,
    )


def test_sigmoid_playground_redraws_both_graphs_when_a_slider_moves():
    playground = sigmoid_playground()
    texts = widgets_of(playground, "HTML")
    (gates,) = [text for text in texts if "gate by gate" in text.value]
    (single,) = [text for text in texts if "one σ gate" in text.value]
    (comparison,) = [text for text in texts if "Both graphs" in text.value]
    before = (gates.value, single.value)
    controls_of(playground)["x0"].value = 0.0
    assert gates.value != before[0] and single.value != before[1]
    assert "w0 0," in comparison.value  # x0 = 0: the weight w0 receives no gradient at all


def svg_size(svg):
    root = ET.fromstring(svg)
    return root.get("width"), root.get("height"), root.get("viewBox")


def test_sigmoid_drawings_keep_their_size_while_the_labels_grow_so_nothing_moves():
    short = sigmoid_view(**LOGISTIC_POINT)
    long = sigmoid_view(w0=-4.9, x0=4.7, w1=-3.3, x1=4.9, b=-4.9)  # wider labels, e+ numbers
    for before, after in ((short.gates_svg, long.gates_svg),
                          (short.single_svg, long.single_svg)):
        assert svg_size(before)[:2] == svg_size(after)[:2]
    assert svg_size(short.gates_svg)[0] == svg_size(short.single_svg)[0]  # drawn at one scale
    assert "w0 −0.197" in short.comparison and not re.search(r"-\d", short.comparison)
    playground = sigmoid_playground()
    sizes = [svg_size(html.value.split("<br>", 1)[1])[:2]
             for html in widgets_of(playground, "HTML") if "<svg" in html.value]
    for name, value in zip(LOGISTIC_POINT, (-4.9, 4.7, -3.3, 4.9, -4.9)):
        controls_of(playground)[name].value = value
    assert sizes == [svg_size(html.value.split("<br>", 1)[1])[:2]
                     for html in widgets_of(playground, "HTML") if "<svg" in html.value]


# ----- 3. activations


@QUICK
@given(
    st.sampled_from(["linear", "sigmoid", "tanh", "relu", "leaky_relu"]),
    st.floats(-6, 6).filter(lambda z: abs(z) > 1e-3),  # not at ReLU's kink
    st.floats(0, 0.5),
)
def test_activation_derivative_agrees_with_central_differences(name, z, alpha):
    _, slope = activation_and_derivative(name, np.array([z]), alpha)
    numerical = central_difference(
        lambda v: activation_and_derivative(name, np.array([v]), alpha)[0][0], z
    )
    assert slope[0] == pytest.approx(numerical, abs=1e-6)


def test_activation_values_at_a_few_points_match_their_formulas():
    z = np.array([-2.0, 0.0, 3.0])
    value, slope = activation_and_derivative("sigmoid", z)
    assert value[1] == 0.5 and slope[1] == 0.25
    assert activation_and_derivative("relu", z)[0].tolist() == [0.0, 0.0, 3.0]
    assert activation_and_derivative("leaky_relu", z, 0.1)[1].tolist() == [0.1, 0.1, 1.0]
    assert activation_and_derivative("linear", z)[1].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        activation_and_derivative("softplus", z)


def test_saturated_regions_start_where_the_derivative_falls_below_5_percent_of_its_peak():
    z = np.linspace(-8, 8, 801)
    # sigmoid: σ(1 − σ) = 0.05 · 1/4 at σ = (1 − √0.95)/2; tanh: 1 − t² = 0.05 at t = √0.95
    sigma = (1 - math.sqrt(0.95)) / 2
    edges = {"sigmoid": math.log((1 - sigma) / sigma), "tanh": math.atanh(math.sqrt(0.95))}
    for name, edge in edges.items():
        (left, right) = shaded_regions(name, z, activation_and_derivative(name, z)[1])
        assert left[0] == -8 and left[1] == pytest.approx(-edge, abs=0.03)
        assert right[0] == pytest.approx(edge, abs=0.03) and right[1] == 8
        assert left[2] == right[2] == "saturated"


def test_relu_is_dead_below_zero_and_leaky_relu_only_when_alpha_is_zero():
    z = np.linspace(-8, 8, 801)

    def regions(name, alpha=0.01):
        return [(round(a, 2), round(b, 2), kind) for a, b, kind in
                shaded_regions(name, z, activation_and_derivative(name, z, alpha)[1])]

    assert regions("relu") == [(-8.0, -0.02, "dead")]
    assert regions("leaky_relu", 0.1) == [(-8.0, -0.02, "leaky")]
    assert regions("leaky_relu", 0.0) == [(-8.0, -0.02, "dead")]
    assert regions("linear") == []


@pytest.mark.parametrize("name, shaded, label", [
    ("sigmoid", 2, "saturated"), ("tanh", 2, "saturated"), ("relu", 1, "dead"),
    ("leaky_relu", 1, "leaky"), ("linear", 0, None),
])
def test_activation_figure_shows_function_and_derivative_with_the_regions_labelled(
    name, shaded, label
):
    figure = activation_figure(name, alpha=0.05)
    assert_titled_labelled_and_white(figure)
    left, right = figure.axes
    assert "g(z) =" in left.get_title() and "g′(z) =" in right.get_title()
    for ax in (left, right):
        curves = [line for line in ax.lines if len(line.get_xdata()) == 801]
        assert len(curves) == 1
        assert len(ax.patches) == shaded
        texts = [text.get_text() for text in ax.texts]
        assert len(texts) == shaded and all(label in text for text in texts)


def test_activation_explorer_redraws_and_offers_alpha_only_for_leaky_relu():
    explorer = activation_explorer()
    controls = controls_of(explorer)
    before = picture_of(explorer)
    assert controls["α"].disabled
    controls["activation"].value = "leaky_relu"
    assert not controls["α"].disabled and picture_of(explorer) != before


# ----- 4. vanishing gradients


def test_ten_sigmoid_layers_pass_back_orders_of_magnitude_less_than_relu_with_he():
    sigmoid = layer_gradient_norms(10, "sigmoid", "xavier")
    relu = layer_gradient_norms(10, "relu", "he")
    assert sigmoid.shape == relu.shape == (10,)
    assert sigmoid[0] / sigmoid[-1] < 1e-3 * (relu[0] / relu[-1])
    assert 0.1 < relu[0] / relu[-1] < 10  # He initialization keeps every layer learning


def test_layer_gradient_norms_are_the_norms_of_central_difference_gradients():
    depth, width = 3, 4
    X, y = spiral(points_per_class=30, seed=0)
    model = deep_network(depth, "tanh", "xavier", width=width, seed=1)
    loss = SoftmaxCrossEntropyLoss()
    for layer in range(depth):
        W = model[2 * layer].W
        numerical = np.zeros_like(W)
        for index in np.ndindex(W.shape):
            def loss_at(value, index=index, W=W):
                saved, W[index] = W[index], value
                result = loss.forward(model.forward(X), y)
                W[index] = saved
                return result
            numerical[index] = central_difference(loss_at, W[index])
        norms = layer_gradient_norms(depth, "tanh", "xavier", width=width, seed=1)
        assert norms[layer] == pytest.approx(np.linalg.norm(numerical), rel=1e-5)


def test_layer_gradient_norms_are_seeded_and_change_with_training():
    first = layer_gradient_norms(4, "relu", "he", seed=3)
    assert np.array_equal(first, layer_gradient_norms(4, "relu", "he", seed=3))
    assert not np.array_equal(first, layer_gradient_norms(4, "relu", "he", seed=4))
    assert not np.array_equal(first, layer_gradient_norms(4, "relu", "he", seed=3,
                                                          train_steps=5))


def test_deep_network_explains_a_depth_or_initialization_it_cannot_build():
    with pytest.raises(ValueError, match="depth .* ≥ 2"):
        deep_network(1, "relu", "he")
    with pytest.raises(ValueError, match="unknown initialization 'orthogonal'"):
        deep_network(3, "relu", "orthogonal")


def test_vanishing_figure_draws_both_curves_on_a_log_axis_with_their_ratios():
    figure = vanishing_figure(6, "sigmoid", "xavier", train_steps=3)
    assert_titled_labelled_and_white(figure)
    (ax,) = figure.axes
    assert ax.get_yscale() == "log" and "6 sigmoid layers, Xavier init" in ax.get_title()
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["at initialization", "after 3 training steps"]
    start, trained = (layer_gradient_norms(6, "sigmoid", "xavier", train_steps=steps)
                      for steps in (0, 3))
    assert ax.get_title().endswith(f"\nlayer 1 ÷ layer 6: {start[0] / start[-1]:.2g} at "
                                   f"initialization; {trained[0] / trained[-1]:.2g} after training")
    assert [len(line.get_xdata()) for line in ax.lines] == [6, 6]


def test_vanishing_figure_says_when_training_exploded():
    figure = vanishing_figure(10, "leaky_relu", "gaussian")
    (ax,) = figure.axes
    assert ax.get_title().endswith("at initialization; training diverged within 20 steps")
    assert len(ax.lines) == 1


def test_vanishing_explorer_redraws_when_the_depth_changes():
    explorer = vanishing_gradient_explorer(depth=3)
    before = picture_of(explorer)
    controls_of(explorer)["depth"].value = 4
    assert picture_of(explorer) != before


@pytest.mark.parametrize("depth", [2, 7, 20])
def test_the_layer_axis_fits_the_depth(depth):
    (ax,) = vanishing_figure(depth, "relu", "he", train_steps=1).axes
    assert ax.get_xlim() == pytest.approx((0.5, depth + 0.5))
    assert list(ax.get_xticks()) == list(range(1, depth + 1))


def test_the_vanishing_explorer_redraws_its_layer_axis_for_each_depth():
    explorer = vanishing_gradient_explorer(depth=12)
    controls_of(explorer)["depth"].value = 2
    fresh = vanishing_figure(2, "sigmoid", "xavier")
    assert share_differing(pixels(picture_of(explorer)), drawn(fresh)) < 0.005


# ----- 5. dead ReLUs


def test_a_moderate_learning_rate_from_zero_bias_leaves_every_relu_alive():
    run = dead_relu_run(lr=1.0, steps=50)
    assert run.dead.shape == (51,) and run.loss.shape == (50,)
    assert run.dead.max() == 0 and run.accuracy > 0.6
    assert run.predict(np.zeros((4, 2))).shape == (4,)


def test_too_large_a_learning_rate_kills_nearly_every_relu():
    run = dead_relu_run(lr=10.0, steps=50)
    assert run.dead[0] == 0 and run.dead[-1] >= 0.9


def test_a_negative_bias_starts_the_units_it_pushes_below_zero_dead():
    run = dead_relu_run(lr=1.0, bias=-1.0, steps=5)
    # the same first layer, built from the same seed: a unit is dead if z ≤ 0 on every point
    first = Linear(2, 50, rng=np.random.default_rng(0), bias=-1.0)
    expected = np.mean(np.all(run.X @ first.W + first.b <= 0, axis=0))
    assert run.dead[0] == expected
    assert 0.25 < expected < 0.6  # about 1 − e^(−1/2) ≈ 39% for weights N(0, 1) on the unit disc


def test_leaky_relu_keeps_every_unit_learning_where_relu_dies():
    run = dead_relu_run(lr=10.0, bias=-1.0, alpha=0.05, steps=50)
    assert run.dead.max() == 0
    loss = SoftmaxCrossEntropyLoss()
    loss.forward(run.model.forward(run.X), run.y)
    run.model.backward(loss.backward())
    hidden_weights = run.model.gradients()["0.W"]
    assert np.all(np.abs(hidden_weights).sum(axis=0) > 0)  # every unit receives a gradient


def test_dead_relu_figure_shows_the_dead_fraction_and_the_decision_boundary():
    run = dead_relu_run(lr=10.0, steps=20)
    figure = dead_relu_figure(run)
    assert_titled_labelled_and_white(figure)
    left, right = figure.axes[:2]
    assert len(left.lines[0].get_xdata()) == 21
    assert left.lines[0].get_ydata()[-1] == pytest.approx(100 * run.dead[-1])
    assert right.get_title() == "Decision boundary after training"
    (title,) = left.texts  # over both panels, as the first axes' moving text
    assert title.get_text().startswith("ReLU, learning rate 10")
    assert title.get_text().endswith(f"accuracy {run.accuracy:.0%}")


def test_dead_relu_explorer_retrains_when_a_slider_moves():
    explorer = dead_relu_explorer()
    before = picture_of(explorer)
    controls_of(explorer)["α (0 = ReLU)"].value = 0.1
    assert picture_of(explorer) != before


# ----- 6. momentum


def test_theoretical_rates_and_best_parameters_for_kappa_100():
    rates, best = theoretical_rates(100), best_parameters(100)
    assert rates["plain"] == pytest.approx(99 / 101) and round(rates["plain"], 3) == 0.980
    assert rates["momentum"] == pytest.approx(9 / 11) and round(rates["momentum"], 3) == 0.818
    assert best["plain"]["lr"] == pytest.approx(2 / 101)
    assert best["momentum"]["lr"] == pytest.approx(4 / 121)
    assert best["momentum"]["beta"] == pytest.approx(81 / 121)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_measured_rates_at_the_best_parameters_agree_with_theory(kappa):
    bowl, best, theory = quadratic(kappa), best_parameters(kappa), theoretical_rates(kappa)
    for method in ("plain", "momentum"):
        path = optimize(bowl, method, steps=400, **best[method])
        assert convergence_rate(path, bowl.minimum) == pytest.approx(theory[method], rel=0.03)


def test_the_view_at_kappa_100_measures_0_980_and_0_818_within_a_few_percent():
    view = momentum_view(beta=0.9, lr=0.01, kappa=100)
    assert view.measured_at_best["plain"] == pytest.approx(0.980, rel=0.01)
    assert view.measured_at_best["momentum"] == pytest.approx(0.818, rel=0.03)
    assert "0.980 in theory" in view.lines[1] and "0.818 in theory" in view.lines[2]


@pytest.mark.parametrize("surface", [quadratic(30.0), rosenbrock()])
def test_lecture_momentum_takes_the_same_steps_as_the_heavy_ball_form(surface):
    lr, beta = surface.lr, surface.beta
    w = previous = surface.start
    heavy_ball = [w]
    for _ in range(50):
        w, previous = w - lr * surface.gradient(w) + beta * (w - previous), w
        heavy_ball.append(w)
    lecture = optimize(surface, "momentum", lr, beta, steps=50)
    np.testing.assert_allclose(lecture, heavy_ball, rtol=1e-10, atol=1e-12)


def test_nesterov_path_is_the_look_ahead_point_of_the_classic_form():
    surface, lr, beta = quadratic(30.0), 0.02, 0.8
    w, velocity, look_ahead = surface.start, np.zeros(2), [surface.start]
    for _ in range(40):  # v ← βv + ∇f(w − lr·β·v); w ← w − lr·v, seen at u = w − lr·β·v
        velocity = beta * velocity + surface.gradient(w - lr * beta * velocity)
        w = w - lr * velocity
        look_ahead.append(w - lr * beta * velocity)
    np.testing.assert_allclose(optimize(surface, "nesterov", lr, beta, steps=40), look_ahead,
                               rtol=1e-10, atol=1e-12)


@QUICK
@given(st.floats(-2, 2), st.floats(-1, 3), st.floats(1, 1000))
def test_surface_gradients_agree_with_central_differences(w1, w2, kappa):
    point = np.array([w1, w2])
    for surface in (quadratic(kappa), rosenbrock()):
        numerical = [
            central_difference(lambda t, i=i, f=surface.loss: f(point + t * np.eye(2)[i]), 0.0)
            for i in range(2)
        ]
        np.testing.assert_allclose(surface.gradient(point), numerical, rtol=1e-5, atol=1e-4)


def test_convergence_rate_of_a_geometric_path_is_its_ratio():
    path = np.column_stack([0.9 ** np.arange(60), np.zeros(60)])
    assert convergence_rate(path, np.zeros(2)) == pytest.approx(0.9)
    assert convergence_rate(np.zeros((10, 2)), np.zeros(2)) == 0.0
    assert math.isnan(convergence_rate(np.ones((1, 2)), np.zeros(2)))


def test_a_learning_rate_past_2_over_L_diverges_and_stops_early():
    bowl = quadratic(100.0)
    path = optimize(bowl, "plain", lr=0.05)
    assert len(path) < bowl.steps + 1
    assert np.abs(path[-1]).max() >= 1e6
    assert convergence_rate(path, bowl.minimum) > 1
    assert "plain gradient descent rate diverges" in momentum_view(0.0, 0.05).lines[0]


def test_momentum_figure_draws_three_paths_and_three_loss_curves():
    view = momentum_view(beta=0.8, lr=0.012, kappa=100)
    assert_titled_labelled_and_white(view.figure)
    contours, losses = view.figure.axes
    assert len(contours.lines) == 3 + 2  # the paths, the start and the minimum
    assert len(losses.lines) == 3 and losses.get_yscale() == "log"
    labels = [text.get_text() for text in losses.get_legend().get_texts()]
    assert [label.split(" (")[0] for label in labels] == [
        "plain gradient descent", "momentum", "Nesterov"]
    assert all(f"rate {view.measured[method]:.3f}" in label
               for method, label in zip(view.measured, labels))
    assert "κ = 100" in contours.get_title()


def test_walks_figure_tells_up_to_four_walks_apart_on_a_step_axis_that_fits_the_longest():
    bowl = quadratic(10.0)
    walks = {f"lr = {lr}": optimize(bowl, "plain", lr, steps=steps)
             for lr, steps in ((0.01, 50), (0.05, 80), (0.1, 30), (0.15, 20))}
    figure = walks_figure(bowl, walks, "four learning rates")
    contours, losses = figure.axes
    assert [text.get_text() for text in losses.get_legend().get_texts()] == list(walks)
    looks = {(line.get_color(), line.get_linestyle(), line.get_marker())
             for line in contours.lines[:4]}
    assert len(looks) == 4
    assert losses.get_xlim() == pytest.approx((-0.02 * 80, 1.02 * 80))
    lowest = min(bowl.loss(path).min() for path in walks.values())
    assert losses.get_ylim()[0] == pytest.approx(lowest, rel=1.0)  # fits the curves
    assert [text.get_text() for text in contours.texts] == ["four learning rates"]
    with pytest.raises(ValueError, match="tells 4 walks apart, got 5"):
        walks_figure(bowl, {**walks, "one more": walks["lr = 0.01"]})


@pytest.mark.parametrize("surface, losses", [("quadratic", (1e-20, 1e8)),
                                             ("rosenbrock", (1e-8, 1e4))])
def test_the_loss_axis_fits_each_surface(surface, losses):
    view = momentum_view(0.9, 0.001, surface=surface)
    assert view.figure.axes[1].get_ylim() == pytest.approx(losses)
    finished = [surface_named(surface).loss(path[-1]) for path in view.paths.values()]
    assert all(losses[0] <= loss <= losses[1] for loss in finished)


def test_the_momentum_explorer_shows_rosenbrock_on_its_own_loss_axis():
    explorer = momentum_explorer()
    controls_of(explorer)["surface"].value = "rosenbrock"
    fresh = momentum_view(0.9, 0.001, surface="rosenbrock").figure
    assert share_differing(pixels(picture_of(explorer)), drawn(fresh)) < 0.005


def test_rosenbrock_view_reports_final_losses_instead_of_rates():
    view = momentum_view(beta=0.9, lr=0.001, surface="rosenbrock")
    assert view.measured == {} and view.theoretical == {}
    assert "final loss" in view.lines[0] and len(view.lines) == 1
    with pytest.raises(ValueError, match="unknown surface 'saddle'"):
        momentum_view(0.9, 0.001, surface="saddle")


def test_momentum_explorer_sliders_buttons_and_surface_menu():
    explorer = momentum_explorer()
    controls = controls_of(explorer)
    (text,) = [w for w in widgets_of(explorer, "HTML") if "rate" in w.value]
    (image,) = widgets_of(explorer, "Image")
    before, redraws = (bytes(image.value), text.value), []
    image.observe(redraws.append, names="value")
    controls["best momentum"].click()  # sets lr and β, then redraws once
    assert len(redraws) == 1 and bytes(image.value) != before[0] and text.value != before[1]
    best = best_parameters(100.0)["momentum"]
    assert controls["lr"].value == pytest.approx(best["lr"])
    assert controls["β"].value == pytest.approx(best["beta"])
    assert "momentum rate 0.82" in text.value
    controls["surface"].value = "rosenbrock"
    assert controls["κ"].disabled and controls["best momentum"].disabled
    assert controls["lr"].value == pytest.approx(0.001) and "final loss" in text.value


# ----- all of them


def test_every_figure_stays_black_on_white_under_a_dark_style():
    with matplotlib.style.context("dark_background"):
        figures = [activation_figure("relu"), momentum_view(0.5, 0.01).figure,
                   dead_relu_figure(dead_relu_run(1.0, steps=2)),
                   vanishing_figure(3, "relu", "he", train_steps=2)]
    for figure in figures:
        assert to_rgba(figure.get_facecolor()) == to_rgba("white")
        for ax in figure.axes:
            assert to_rgba(ax.title.get_color()) == to_rgba("black")


# Each explorer's figure drawn afresh for a setting, and drawn into the figure of another one.
REDRAWN = {
    "activation": (lambda setting, figure=None: activation_figure(*setting, figure=figure),
                   ("sigmoid", 0.01), ("leaky_relu", 0.2)),
    "vanishing": (lambda setting, figure=None: vanishing_figure(*setting, train_steps=3,
                                                                figure=figure),
                  (12, "sigmoid", "xavier"), (4, "relu", "he")),
    "dead ReLU": (lambda setting, figure=None: dead_relu_figure(dead_relu_run(*setting, steps=5),
                                                                figure),
                  (10.0, -1.0), (0.5, 0.5, 0.1)),
    "momentum": (lambda setting, figure=None: momentum_view(*setting, figure=figure).figure,
                 (0.9, 0.01, 10.0), (0.5, 0.02, 100.0)),
}


def pixels(png):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def drawn(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, facecolor="white")
    return pixels(buffer.getvalue())


def share_differing(a, b):
    """The share of pixels that differ visibly between two pictures of the same size."""
    assert a.shape == b.shape
    return np.mean(np.abs(a - b).max(axis=2) > 32)


@pytest.mark.parametrize("name", REDRAWN)
def test_a_figure_drawn_into_again_looks_like_one_drawn_afresh(name):
    figure_of, first, second = REDRAWN[name]
    reused = figure_of(second, figure_of(first))
    fresh = figure_of(second)
    assert len(reused.get_children()) == len(fresh.get_children())
    for old, new in zip(reused.axes, fresh.axes):
        assert len(old.get_children()) == len(new.get_children()), "something was left behind"
        assert old.get_xlim() == pytest.approx(new.get_xlim())
        assert old.get_ylim() == pytest.approx(new.get_ylim())
    assert share_differing(drawn(reused), drawn(fresh)) == 0


@pytest.mark.parametrize("name", REDRAWN)
def test_the_quick_picture_shows_what_a_full_drawing_shows(name):
    """Only where a moving artist crosses a still one drawn above it (a frame line under a
    shaded stretch) may a few pixels differ: the still part is drawn first."""
    figure_of, first, second = REDRAWN[name]
    figure = figure_of(first)
    image = FigureImage(figure)
    before = pixels(bytes(image.value))
    image.show(figure_of(second, figure))
    after = pixels(bytes(image.value))
    assert share_differing(after, drawn(figure_of(second))) < 0.005
    assert share_differing(after, before) > 0.005, "the picture did not change"


def test_a_still_part_that_changed_needs_a_key_of_its_own():
    figure = activation_figure("relu")
    image = FigureImage(figure, still="z from -8 to 8")
    figure.axes[0].set_xlim(-2, 2)
    image.show(figure, still="z from -8 to 8")  # the old z axis stays under the new curves
    assert share_differing(pixels(bytes(image.value)), drawn(figure)) > 0.005
    image.show(figure, still="z from -2 to 2")
    assert share_differing(pixels(bytes(image.value)), drawn(figure)) < 0.005


EXPLORERS = {
    "backward-pass stepper": lambda: backward_stepper(trace(logistic, **LOGISTIC_POINT)),
    "sigmoid playground": sigmoid_playground,
    "activation explorer": activation_explorer,
    "vanishing-gradient explorer": lambda: vanishing_gradient_explorer(depth=4),
    "dead-ReLU explorer": dead_relu_explorer,
    "momentum explorer": momentum_explorer,
}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("name", EXPLORERS)
def test_an_explorer_is_saved_with_a_picture_of_its_first_state_beside_its_widget(name):
    """A notebook opened before its kernel runs shows the picture, not `VBox(children=...`."""
    explorer = EXPLORERS[name]()
    bundle = explorer._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == explorer.model_id
    assert bundle["text/plain"].startswith(f"the {name} (") and "VBox" not in bundle["text/plain"]
    # JupyterLab leaves image/svg+xml undrawn in a notebook it does not trust: an <img> it draws
    assert "image/svg+xml" not in bundle
    pictures = {"image/png", "text/html"} & set(bundle)
    assert len(pictures) == 1
    if "image/png" in bundle:
        png = base64.b64decode(bundle["image/png"])
        assert len(png) < 40_000  # small enough to keep in every saved notebook
        shown = pixels(picture_of(explorer))
        assert share_differing(pixels(png), shown) < 0.01  # the figure the widget first shows
    else:
        image = ET.fromstring(bundle["text/html"])
        header, data = image.get("src").split(",")
        assert image.tag == "img" and header == "data:image/svg+xml;base64" and image.get("alt")
        svg = base64.b64decode(data).decode()
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and float(root.get("width")) > 400
        drawings = [html.value for html in widgets_of(explorer, "HTML") if "<svg" in html.value]
        for drawing in drawings:  # each drawing the widget shows, as it shows it
            assert drawing[drawing.index("<svg ") + 5:] in svg


def test_the_saved_picture_is_the_explorers_state_when_it_is_shown():
    explorer = activation_explorer()
    first = explorer._repr_mimebundle_()["image/png"]
    controls_of(explorer)["activation"].value = "relu"
    assert explorer._repr_mimebundle_()["image/png"] != first


def test_importing_coursekit_loads_neither_the_explorers_nor_ipywidgets():
    code = (
        "import sys, coursekit\n"
        "assert 'coursekit.explorers' not in sys.modules, 'coursekit imported the explorers'\n"
        "assert 'ipywidgets' not in sys.modules, 'coursekit imported ipywidgets'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
