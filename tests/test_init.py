"""Initial weights: the right shapes, the right spread, and the same numbers for the same seed."""

import math

import numpy as np
import pytest

from coursekit.nn import init


@pytest.mark.parametrize(
    "make, expected_std",
    [
        (lambda rng: init.gaussian(400, 500, std=0.01, rng=rng), 0.01),
        (lambda rng: init.gaussian(400, 500, std=1.0, rng=rng), 1.0),
        (lambda rng: init.xavier(400, 500, rng=rng), math.sqrt(2 / 900)),
        (lambda rng: init.he(400, 500, rng=rng), math.sqrt(2 / 400)),
    ],
    ids=["gaussian 0.01", "gaussian 1", "xavier", "he"],
)
def test_weights_have_the_shape_of_W_and_the_stated_spread(make, expected_std):
    W = make(0)
    assert W.shape == (400, 500)
    # 200,000 draws: the sample mean and std are within a percent of what was asked for.
    assert abs(W.mean()) < 0.01 * expected_std
    assert W.std() == pytest.approx(expected_std, rel=0.01)


def test_the_same_seed_gives_the_same_weights_and_a_shared_generator_moves_on():
    assert np.array_equal(init.he(3, 4, rng=7), init.he(3, 4, rng=7))
    rng = np.random.default_rng(7)
    first, second = init.he(3, 4, rng=rng), init.he(3, 4, rng=rng)
    assert np.array_equal(first, init.he(3, 4, rng=7))
    assert not np.array_equal(first, second)


def test_constant_fills_biases_such_as_the_small_positive_relu_bias():
    bias = init.constant(5, 0.01)
    assert bias.shape == (5,) and bias.dtype == float and np.all(bias == 0.01)
    assert np.all(init.constant((2, 3)) == 0.0)


def test_missing_seed_is_explained():
    with pytest.raises(TypeError, match=r"rng=0"):
        init.he(3, 4, rng=None)


def test_bad_sizes_and_std_are_explained():
    with pytest.raises(ValueError, match="fan_in must be a positive whole number"):
        init.xavier(0, 4, rng=0)
    with pytest.raises(ValueError, match="std must be positive"):
        init.gaussian(3, 4, std=0.0, rng=0)
