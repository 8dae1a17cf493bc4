"""Predictions are judged by closeness, within a distance or a factor; a miss says which way."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursekit.exercises.framework import difference
from coursekit.exercises.prediction import CLOSE, close_enough, prediction

positive = st.floats(1e-6, 1e6)


@given(positive, st.floats(1.5, 100))
def test_a_prediction_within_the_factor_either_way_is_close(measured, factor):
    for guess in (measured, measured * factor * 0.999, measured / factor * 1.001):
        assert close_enough(guess, measured, factor=factor) == CLOSE


@given(positive, st.floats(1.5, 100))
def test_a_prediction_beyond_the_factor_says_how_many_times_off_and_which_way(measured, factor):
    assert "times too large" in close_enough(measured * factor * 1.01, measured, factor=factor)
    assert "times too small" in close_enough(measured / factor / 1.01, measured, factor=factor)


def test_a_distance_tolerance_is_absolute_and_says_which_way():
    assert close_enough(2, 0.0, within=2.0) == CLOSE
    assert close_enough(2.5, 0.0, within=2.0) == "2.5 is 2.5 too large (measured: 0)"
    assert close_enough(-3, 0.0, within=2.0) == "-3 is 3 too small (measured: 0)"


def test_a_factor_tolerance_needs_a_positive_prediction():
    assert "not positive" in close_enough(-1.0, 0.8, factor=10)
    assert "not positive" in close_enough(0, 0.8, factor=10)


@pytest.mark.parametrize("answer", ["1", True, None, [1.0]])
def test_only_a_number_is_a_prediction(answer):
    with pytest.raises(TypeError, match="a prediction should be a number"):
        close_enough(answer, 1.0, within=1)


def test_a_prediction_case_measures_lazily_and_compares_to_close():
    measured = []
    (case,) = prediction(0.5, "guess", lambda: measured.append(1) or 0.6, "a measurement",
                         within=0.2)
    assert measured == [] and "within 0.2 passes" in case.description
    assert difference(case.call(), case.expected, case.tolerance) == ""


@pytest.mark.parametrize("tolerances", [{}, {"within": 1, "factor": 2}])
def test_a_prediction_takes_exactly_one_tolerance(tolerances):
    with pytest.raises(ValueError, match="give one"):
        prediction(1.0, "guess", lambda: 1.0, "a measurement", **tolerances)
