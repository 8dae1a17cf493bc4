"""Datasets: shapes, seeds, the geometry each generator promises, minibatches, and the digits."""

import doctest
import hashlib
import math
import re
from collections import Counter
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit import data
from coursekit.data import (
    circles,
    class_labels,
    confusion_counts,
    digits_split,
    load_digits,
    minibatches,
    regression_curve,
    spiral,
    two_moons,
)

CLASSIFICATION = {"spiral": spiral, "two_moons": two_moons, "circles": circles}
GENERATORS = {**CLASSIFICATION, "regression_curve": regression_curve}

# Class sizes of the UCI optdigits test set, as listed in the data set's description.
UCI_TEST_SET_CLASS_SIZES = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


# ----- generators


def test_spiral_default_is_the_lectures_300_by_2_data_with_three_classes_of_100():
    X, y = spiral()
    assert X.shape == (300, 2) and y.shape == (300,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 100, 100]


def test_spiral_arms_have_evenly_growing_radius_and_angle_noise_of_about_0_2():
    points = 400
    X, y = spiral(points_per_class=points, classes=3, seed=1)
    for arm in range(3):
        x1, x2 = X[y == arm].T
        np.testing.assert_allclose(np.hypot(x1, x2), np.linspace(0, 1, points), atol=1e-12)
        # x1 = r·sin(angle), x2 = r·cos(angle); skip r = 0, where the angle is undefined.
        measured = np.arctan2(x1, x2)[1:]
        planned = np.linspace(4 * arm, 4 * (arm + 1), points)[1:]
        noise = np.angle(np.exp(1j * (measured - planned)))
        assert abs(noise.mean()) < 0.05
        assert 0.17 < noise.std() < 0.23


def test_two_moons_without_noise_lie_on_two_unit_half_circles():
    X, y = two_moons(n=51, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    assert (len(upper), len(lower)) == (26, 25)
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5)


def test_circles_without_noise_have_radius_1_and_factor():
    X, y = circles(n=80, noise=0.0, factor=0.3)
    radius = np.hypot(*X.T)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    assert np.bincount(y).tolist() == [40, 40]


def test_regression_curve_is_sine_on_sorted_x_plus_noise_of_the_given_size():
    X, y = regression_curve(n=50, noise=0.0)
    assert X.shape == (50, 1) and y.shape == (50,) and y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0)
    assert -np.pi <= X.min() and X.max() <= np.pi
    np.testing.assert_allclose(y, np.sin(X[:, 0]))
    X, y = regression_curve(n=4000, noise=0.1, seed=3)
    assert 0.09 < np.std(y - np.sin(X[:, 0])) < 0.11


@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
def test_classification_sets_have_float_points_and_balanced_int64_labels(name):
    X, y = CLASSIFICATION[name]()
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2
    assert y.dtype == np.int64 and y.shape == (len(X),)
    counts = np.bincount(y)
    assert len(counts) >= 2 and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_gives_same_arrays_and_another_seed_different_ones(name):
    make = GENERATORS[name]
    X, y = make(seed=7)
    X_again, y_again = make(seed=7)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    X_other, _ = make(seed=8)
    assert not np.array_equal(X, X_other)


@pytest.mark.parametrize(
    "make, kwargs, error, says",
    [
        (spiral, {"points_per_class": -5}, ValueError, "at least 1"),
        (spiral, {"points_per_class": 2.5}, TypeError, "whole number"),
        (spiral, {"classes": 1}, ValueError, "classes must be at least 2"),
        (two_moons, {"n": 1}, ValueError, "at least 2"),
        (two_moons, {"noise": -0.1}, ValueError, "0 or more"),
        (two_moons, {"noise": float("nan")}, ValueError, "finite"),
        (two_moons, {"noise": "a lot"}, TypeError, "must be a number"),
        (circles, {"factor": 1.5}, ValueError, "between 0 and 1"),
        (circles, {"n": True}, TypeError, "whole number"),
        (regression_curve, {"n": 0}, ValueError, "at least 1"),
    ],
)
def test_bad_arguments_get_errors_that_name_the_argument(make, kwargs, error, says):
    with pytest.raises(error, match=says) as caught:
        make(**kwargs)
    assert next(iter(kwargs)) in str(caught.value)


# ----- minibatches


@settings(max_examples=80, deadline=None)
@given(n=st.integers(0, 60), batch_size=st.integers(1, 70), seed=st.integers(0, 2**32 - 1))
def test_minibatches_cover_every_example_exactly_once_in_full_batches(n, batch_size, seed):
    ids = np.arange(n)
    seen = []
    sizes = []
    for X_batch, y_batch in minibatches(ids[:, None], 10 * ids, batch_size, seed=seed):
        np.testing.assert_array_equal(y_batch, 10 * X_batch[:, 0])  # rows stay paired
        seen.extend(X_batch[:, 0].tolist())
        sizes.append(len(y_batch))
    assert sorted(seen) == ids.tolist()
    assert len(sizes) == math.ceil(n / batch_size)
    assert all(size == batch_size for size in sizes[:-1])


def test_minibatches_with_the_same_seed_repeat_and_with_another_seed_differ():
    X, y = spiral()

    def order(seed):
        return np.concatenate([batch for batch, _ in minibatches(X, y, 32, seed=seed)])

    np.testing.assert_array_equal(order(4), order(4))
    assert not np.array_equal(order(4), order(5))


def test_minibatches_from_one_generator_change_each_epoch_but_replay_from_the_seed():
    X, y = spiral()

    def two_epochs(rng):
        return [np.concatenate([b for _, b in minibatches(X, y, 50, seed=rng)]) for _ in "ab"]

    first, second = two_epochs(np.random.default_rng(0))
    assert not np.array_equal(first, second)
    replay = two_epochs(np.random.default_rng(0))
    np.testing.assert_array_equal(first, replay[0])
    np.testing.assert_array_equal(second, replay[1])


@pytest.mark.parametrize("batch_size, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError)])
def test_minibatches_reject_a_bad_batch_size_before_iterating(batch_size, error):
    X, y = spiral()
    with pytest.raises(error, match="batch_size"):
        minibatches(X, y, batch_size)


def test_minibatches_say_both_lengths_when_X_and_y_do_not_match():
    X, y = spiral()
    with pytest.raises(ValueError, match="300 examples but y has 299"):
        minibatches(X, y[:-1], 10)


# ----- the digits


def examples(X, y):
    """Each (pixel counts, label) row once per occurrence, so a duplicate is counted, not merged."""
    table = np.column_stack([np.round(X * 16), y]).astype(np.int64)
    return Counter(row.tobytes() for row in table)


def test_digits_are_1797_images_of_8_by_8_pixel_counts_0_to_16():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 16
    np.testing.assert_array_equal(images, np.round(images))
    assert np.bincount(labels).tolist() == UCI_TEST_SET_CLASS_SIZES


def test_flat_digits_are_the_images_row_by_row():
    images, _ = load_digits()
    flat, _ = load_digits(flat=True)
    assert flat.shape == (1797, 64)
    np.testing.assert_array_equal(flat, images.reshape(1797, 64))


def test_changing_loaded_digits_does_not_change_the_next_load():
    images, labels = load_digits()
    images[:] = -1
    labels[:] = -1
    fresh_images, fresh_labels = load_digits()
    assert fresh_images.min() == 0 and fresh_labels.min() == 0


def test_digits_file_ships_with_its_notice_and_matches_the_checksum_it_states():
    folder = resources.files("coursekit.data")
    notice = folder.joinpath("DIGITS_NOTICE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in notice and "Alpaydin" in notice and "Kaynak" in notice
    stated = re.search(r"SHA-256 `([0-9a-f]{64})`", notice).group(1)
    actual = hashlib.sha256(folder.joinpath("digits.csv.gz").read_bytes()).hexdigest()
    assert actual == stated


def test_digits_split_partitions_all_digits_scaled_to_0_1():
    X_train, y_train, X_test, y_test = digits_split()
    assert X_train.shape[1] == X_test.shape[1] == 64
    assert len(X_train) + len(X_test) == 1797
    assert 0.0 == min(X_train.min(), X_test.min()) and max(X_train.max(), X_test.max()) == 1.0

    flat, labels = load_digits(flat=True)
    assert examples(X_train, y_train) + examples(X_test, y_test) == examples(flat / 16, labels)


def test_digits_split_keeps_the_test_fraction_of_every_digit():
    for fraction in (0.2, 0.5):
        _, y_train, _, y_test = digits_split(test_fraction=fraction)
        for digit, total in enumerate(UCI_TEST_SET_CLASS_SIZES):
            in_test = np.sum(y_test == digit)
            assert abs(in_test - fraction * total) <= 1
            assert in_test + np.sum(y_train == digit) == total


def test_digits_split_is_shuffled_and_repeatable():
    first = digits_split(seed=3)
    for part, again in zip(first, digits_split(seed=3), strict=True):
        np.testing.assert_array_equal(part, again)
    assert not np.array_equal(first.y_train, digits_split(seed=4).y_train)
    assert len(set(first.y_train[:40].tolist())) >= 6  # classes come mixed, not in blocks


@pytest.mark.parametrize(
    "fraction, error",
    [(0, ValueError), (1, ValueError), (1.5, ValueError), (-0.1, ValueError), ("0.2", TypeError)],
)
def test_digits_split_rejects_a_fraction_outside_0_to_1(fraction, error):
    with pytest.raises(error, match="test_fraction"):
        digits_split(test_fraction=fraction)


# ----- class labels and confusion counts


def test_confusion_counts_of_a_small_example_worked_by_hand():
    counts = confusion_counts([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2])
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.dtype == np.int64


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=60))
def test_confusion_counts_rows_columns_and_diagonal_add_up(pairs):
    true, predicted = np.array(pairs).T
    counts = confusion_counts(true, predicted, classes=6)
    assert counts.shape == (6, 6)
    np.testing.assert_array_equal(counts.sum(axis=1), np.bincount(true, minlength=6))
    np.testing.assert_array_equal(counts.sum(axis=0), np.bincount(predicted, minlength=6))
    assert np.trace(counts) == np.sum(true == predicted)


def test_confusion_counts_explain_labels_beyond_the_classes_asked_for():
    with pytest.raises(ValueError, match="label 3 appears; pass classes=4"):
        confusion_counts([0, 3], [0, 1], classes=3)


def test_confusion_counts_need_as_many_predictions_as_labels():
    with pytest.raises(ValueError, match="3 labels but y_pred has 2"):
        confusion_counts([0, 1, 1], [0, 1])


def test_class_labels_accept_booleans_and_whole_floats():
    assert class_labels([True, False]).tolist() == [1, 0]
    assert class_labels(np.array([[2.0], [0.0]])).dtype == np.int64


@pytest.mark.parametrize(
    "values, says",
    [
        (np.zeros((4, 3)), "argmax"),
        ([0.5, 1.0], "whole-number"),
        ([0, -1], "contain -1"),
        (np.zeros((2, 2, 2)), "shape"),
    ],
)
def test_class_labels_explain_what_is_wrong(values, says):
    with pytest.raises(ValueError, match=says):
        class_labels(values)


def test_docstring_examples_run():
    for module in (data.generators, data.digits, data.labels):
        failures, _ = doctest.testmod(module)
        assert failures == 0, module.__name__
