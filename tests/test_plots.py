"""Plots: each figure renders, is titled and labelled, shows what it claims, and stays readable."""

import io
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from coursekit import plots  # noqa: E402
from coursekit.data import confusion_counts, load_digits, spiral  # noqa: E402


def quadrant_classes(points):
    """0 left of the y axis, 1 bottom right, 2 top right: three regions over the spiral's box."""
    return np.where(points[:, 0] < 0, 0, np.where(points[:, 1] < 0, 1, 2))


def drawn_regions(ax):
    """The classes whose filled region in the decision boundary is not empty."""
    (regions,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    return {k for k, path in enumerate(regions.get_paths()) if len(path.vertices)}


HISTORY = {"loss": [1.1, 0.7, 0.5], "val_loss": [1.2, 0.9, 0.8], "accuracy": [0.4, 0.7, 0.8]}
DIGIT_IMAGES, DIGIT_LABELS = load_digits()
RNG = np.random.default_rng(0)

EVERY_PLOT = {
    "decision_boundary": lambda: plots.decision_boundary(quadrant_classes, *spiral()),
    "training_curves": lambda: plots.training_curves(HISTORY),
    "gradient_norms": lambda: plots.gradient_norms({"sigmoid": [1e-4, 1e-2, 0.5]}),
    "activation_histograms": lambda: plots.activation_histograms([RNG.normal(size=50)] * 2),
    "digits_grid": lambda: plots.digits_grid(DIGIT_IMAGES, DIGIT_LABELS, n=5),
    "plot_confusion": lambda: plots.plot_confusion([0, 1, 2, 2], [0, 2, 2, 2]),
}


# ----- every plot


@pytest.mark.parametrize("name", sorted(EVERY_PLOT))
def test_every_plot_returns_a_titled_figure_that_renders_to_png(name):
    figure = EVERY_PLOT[name]()
    assert isinstance(figure, Figure)
    titles = [ax.get_title() for ax in figure.axes] + [figure.get_suptitle()]
    assert any(titles)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    assert buffer.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", sorted(EVERY_PLOT))
def test_every_plot_is_black_on_white_even_under_a_dark_style(name):
    with plt.style.context("dark_background"):
        figure = EVERY_PLOT[name]()
    assert figure.get_facecolor() == to_rgba("white")
    readable = {to_rgba("black"), to_rgba(plots.OKABE_ITO[3])}  # vermillion marks wrong digits
    for ax in figure.axes:
        if ax.get_visible():
            texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels()]
            assert {to_rgba(text.get_color()) for text in texts if text.get_text()} <= readable


@pytest.mark.parametrize("name", sorted(EVERY_PLOT))
def test_every_plot_leaves_pyplot_without_open_figures(name):
    before = plt.get_fignums()
    EVERY_PLOT[name]()
    assert plt.get_fignums() == before


def test_importing_plots_loads_no_pyplot_and_importing_data_no_matplotlib():
    script = (
        "import sys, coursekit.data\n"
        "assert 'matplotlib' not in sys.modules, 'coursekit.data imported matplotlib'\n"
        "import coursekit.plots\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'coursekit.plots imported pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


# ----- decision boundary


def test_decision_boundary_fills_a_region_for_each_predicted_class_under_the_data():
    X, y = spiral()
    figure = plots.decision_boundary(quadrant_classes, X, y, title="Quadrants")
    (ax,) = figure.axes
    assert ax.get_title() == "Quadrants"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert drawn_regions(ax) == {0, 1, 2}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "class 2"]
    (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    assert left < X[:, 0].min() and X[:, 0].max() < right
    assert bottom < X[:, 1].min() and X[:, 1].max() < top


def test_decision_boundary_of_a_model_that_always_says_1_fills_only_class_1():
    X, y = spiral()
    figure = plots.decision_boundary(lambda points: np.ones(len(points), int), X, y)
    assert drawn_regions(figure.axes[0]) == {1}


def test_decision_boundary_asks_for_one_prediction_per_grid_point():
    asked = []

    def predict(points):
        asked.append(points.shape)
        return quadrant_classes(points)

    plots.decision_boundary(predict, *spiral(), resolution=30)
    assert asked == [(900, 2)]


def test_decision_boundary_suggests_argmax_when_predict_returns_scores():
    with pytest.raises(ValueError, match="argmax"):
        plots.decision_boundary(lambda points: np.zeros((len(points), 3)), *spiral())


def test_decision_boundary_draws_into_a_given_axes():
    figure, (left, right) = plt.subplots(1, 2)
    assert plots.decision_boundary(quadrant_classes, *spiral(), ax=right) is figure
    assert drawn_regions(right) == {0, 1, 2} and not left.collections
    plt.close(figure)


# ----- training curves, gradients, activations


def test_training_curves_draw_each_series_against_epochs_1_to_n():
    figure = plots.training_curves(HISTORY)
    loss_ax, accuracy_ax = figure.axes
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("epoch", "loss")
    assert accuracy_ax.get_ylabel() == "accuracy"
    drawn = {line.get_label(): line for line in loss_ax.get_lines()}
    assert set(drawn) == {"training loss", "val loss"}
    np.testing.assert_array_equal(drawn["val loss"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(drawn["val loss"].get_ydata(), HISTORY["val_loss"])
    assert drawn["val loss"].get_linestyle() != drawn["training loss"].get_linestyle()
    assert len(loss_ax.get_legend().get_texts()) == 2


def test_training_curves_of_loss_alone_are_one_titled_panel():
    (ax,) = plots.training_curves({"loss": [3.0, 2.0]}, title="Spiral").axes
    assert ax.get_title() == "Spiral" and ax.get_legend() is None


def test_training_curves_leave_out_entries_that_are_not_losses_or_accuracies():
    figure = plots.training_curves({"loss": [1.0, 0.5], "grad_norms": {"0.W": [0.1, 0.2]}})
    (ax,) = figure.axes
    assert [line.get_label() for line in ax.get_lines()] == ["training loss"]


@pytest.mark.parametrize(
    "history, says",
    [({"lr": [0.1]}, "got keys"), ({}, "got keys"), ({"loss": [1.0, np.nan]}, "learning rate")],
)
def test_training_curves_explain_a_history_they_cannot_draw(history, says):
    with pytest.raises(ValueError, match=says):
        plots.training_curves(history)


def test_gradient_norms_use_a_log_axis_with_one_labelled_curve_per_network():
    norms = {"sigmoid": [1e-5, 1e-3, 0.1, 0.25], "relu": [0.3, 0.0, 0.4, 0.5]}
    (ax,) = plots.gradient_norms(norms, title="Vanishing").axes
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "Vanishing" and "layer" in ax.get_xlabel() and ax.get_ylabel()
    assert list(ax.get_xticks()) == [1, 2, 3, 4]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["sigmoid"].get_xdata(), [1, 2, 3, 4])
    assert np.isnan(lines["relu"].get_ydata()[1])  # a zero norm has no place on a log axis
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sigmoid", "relu"]


def test_gradient_norms_reject_a_negative_norm():
    with pytest.raises(ValueError, match="negative"):
        plots.gradient_norms({"relu": [0.1, -0.2]})


def test_activation_histograms_count_every_activation_of_every_layer():
    layers = [RNG.normal(size=(20, 8)), RNG.uniform(size=(20, 8)), np.tanh(RNG.normal(size=77))]
    figure = plots.activation_histograms(layers)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert len(visible) == 3 and figure.get_suptitle()
    for index, (ax, values) in enumerate(zip(visible, layers, strict=True), start=1):
        assert ax.get_title().startswith(f"layer {index}")
        assert ax.get_xlabel() == "activation"
        assert sum(bar.get_height() for bar in ax.patches) == values.size
    assert visible[0].get_ylabel() == "count"


def test_activation_histograms_show_a_layer_of_dead_units_as_one_visible_bar():
    figure = plots.activation_histograms([np.zeros(10)])
    bars = [bar for bar in figure.axes[0].patches if bar.get_height() > 0]
    assert len(bars) == 1 and bars[0].get_height() == 10 and bars[0].get_width() > 0


def test_activation_histograms_of_seven_layers_hide_the_unused_panels():
    figure = plots.activation_histograms([RNG.normal(size=10)] * 7)
    assert sum(ax.get_visible() for ax in figure.axes) == 7


# ----- digits and confusion


def test_digits_grid_shows_n_images_titled_with_their_labels():
    flat, labels = load_digits(flat=True)
    figure = plots.digits_grid(flat, labels, n=12)
    shown = [ax for ax in figure.axes if ax.images]
    assert len(shown) == 12
    assert [ax.get_title() for ax in shown] == [f"label {k}" for k in labels[:12]]
    assert shown[0].images[0].get_array().shape == (8, 8)


def test_digits_grid_marks_wrong_predictions_apart_from_right_ones():
    predicted = DIGIT_LABELS[:4].copy()
    predicted[2] = (predicted[2] + 1) % 10
    figure = plots.digits_grid(DIGIT_IMAGES[:4], DIGIT_LABELS[:4], predicted)
    titles = [ax.title for ax in figure.axes if ax.images]
    assert f"predicted {predicted[2]}" in titles[2].get_text()
    assert titles[2].get_color() != titles[0].get_color() == titles[1].get_color()


def test_digits_grid_needs_one_label_per_image():
    with pytest.raises(ValueError, match="5 images, 4 labels"):
        plots.digits_grid(DIGIT_IMAGES[:5], DIGIT_LABELS[:4])


def test_plot_confusion_shows_the_counts_and_the_accuracy():
    true, predicted = [0, 1, 2, 2, 1], [0, 2, 2, 2, 1]
    (ax,) = plots.plot_confusion(true, predicted).axes
    np.testing.assert_array_equal(ax.images[0].get_array(), confusion_counts(true, predicted))
    assert "accuracy 80.0%" in ax.get_title()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert sorted(int(text.get_text()) for text in ax.texts) == [0, 0, 0, 0, 0, 1, 1, 1, 2]


def test_course_style_restores_its_own_settings_and_keeps_what_drawing_changed():
    """pyplot picks its backend (and a notebook's interactive mode) during the first drawing."""
    from coursekit.plots import course_style

    @course_style
    def draw_that_switches_interactive_mode_on():
        assert matplotlib.rcParams["axes.facecolor"] == "white"
        matplotlib.interactive(True)

    before = {key: matplotlib.rcParams[key] for key in ("interactive", "axes.facecolor")}
    matplotlib.rcParams.update({"interactive": False, "axes.facecolor": "black"})
    try:
        draw_that_switches_interactive_mode_on()
        assert matplotlib.rcParams["axes.facecolor"] == "black"
        assert matplotlib.is_interactive()
    finally:
        matplotlib.rcParams.update(before)


def tick_labels(axis):
    figure = axis.axes.figure
    figure.canvas.draw()
    return [tick.get_text() for tick in [*axis.get_ticklabels(), *axis.get_ticklabels(minor=True)]
            if tick.get_text()]


def test_plain_log_ticks_write_plain_numbers_where_an_axis_spans_a_decade_or_two():
    figure = Figure()
    ax = figure.subplots()
    ax.loglog([1, 3, 10, 30, 100], [3.8, 2.2, 1.2, 0.7, 0.3])  # notebook 06's first figure
    assert any("×" in label or "times" in label for label in tick_labels(ax.yaxis))
    plots.plain_log_ticks(ax)
    y_labels, x_labels = tick_labels(ax.yaxis), tick_labels(ax.xaxis)
    assert {"0.3", "1", "2", "3"} <= set(y_labels) and {"1", "10", "100"} <= set(x_labels)
    assert not [label for label in y_labels + x_labels if "×" in label or "^" in label]


def test_plain_log_ticks_leave_a_linear_axis_alone():
    figure = Figure()
    ax = figure.subplots()
    ax.semilogy([0, 1, 2], [1, 10, 5])
    before = ax.xaxis.get_major_formatter()
    plots.plain_log_ticks(ax)
    assert ax.xaxis.get_major_formatter() is before
