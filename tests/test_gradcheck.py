"""Gradient checks: they pass on right gradients and say exactly where a wrong one is wrong."""

import numpy as np
import pytest

from coursekit import gradcheck, numerical_gradient, rel_error
from coursekit.gradcheck import GradcheckError


def test_numerical_gradient_of_a_scalar_function():
    assert numerical_gradient(lambda x: x**3, 2.0) == pytest.approx(12.0, rel=1e-8)


def test_numerical_gradient_of_an_array_function_has_its_shape():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda a: float(np.sum(a**2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)


def test_numerical_gradient_restores_the_array_it_nudges_even_on_error():
    x = np.array([1.0, 2.0])
    before = x.copy()
    numerical_gradient(lambda a: float(np.sum(np.sin(a))), x)
    np.testing.assert_array_equal(x, before)

    def explode(a):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(explode, x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_of_an_integer_array_says_to_convert_it():
    with pytest.raises(TypeError, match=r"float array.*astype\(float\)"):
        numerical_gradient(lambda a: float(a.sum()), np.array([1, 2]))


def test_rel_error_is_zero_for_equal_and_one_for_opposite():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(1.0, -1.0) == 1.0
    assert rel_error(0.0, 0.0) == 0.0


def test_rel_error_of_different_shapes_names_both():
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


def test_gradcheck_passes_an_autograd_function_of_numbers():
    result = gradcheck(lambda x, y: (x * y).tanh() + x.exp(), {"x": 0.3, "y": -1.2})
    assert set(result.errors) == {"x", "y"}
    assert max(result.errors.values()) < 1e-7
    assert str(result).startswith("gradcheck passed")


def test_gradcheck_passes_an_autograd_function_of_arrays():
    rng = np.random.default_rng(1)
    inputs = {"X": rng.normal(size=(4, 3)), "W": rng.normal(size=(3, 2))}
    assert gradcheck(lambda X, W: (X @ W).tanh().sum(), inputs).errors["W"] < 1e-7


def test_gradcheck_checks_a_hand_written_gradient():
    W = np.array([[1.0, 2.0], [-1.0, 0.5]])
    gradcheck(lambda W: float(np.sum(W**3)), {"W": W}, analytic={"W": 3 * W**2})


def test_gradcheck_of_a_wrong_gradient_names_input_index_values_and_error():
    W = np.array([[1.0, 2.0], [-1.0, 0.5]])
    wrong = 3 * W**2
    wrong[1, 0] = 0.0
    with pytest.raises(GradcheckError) as failure:
        gradcheck(lambda W: float(np.sum(W**3)), {"W": W}, analytic={"W": wrong})
    message = str(failure.value)
    assert "gradient of 'W' at index (1, 0)" in message
    assert "analytic 0, numerical 3" in message
    assert "relative error 1.0e+00" in message


def test_gradcheck_error_is_an_assertion_error_for_test_runners():
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_of_a_wrong_scalar_gradient_has_no_index():
    with pytest.raises(GradcheckError, match=r"gradient of 'x': analytic 1, numerical 2"):
        gradcheck(lambda x: x * x, {"x": 1.0}, analytic={"x": 1.0})


def test_gradcheck_with_a_missing_analytic_gradient_names_it():
    with pytest.raises(ValueError, match=r"no analytic gradient given for \['b'\]"):
        gradcheck(lambda a, b: a * b, {"a": 1.0, "b": 2.0}, analytic={"a": 2.0})


def test_gradcheck_with_a_wrongly_shaped_gradient_names_both_shapes():
    with pytest.raises(ValueError, match=r"shape \(2,\), but 'W' has shape \(3,\)"):
        gradcheck(lambda W: float(W.sum()), {"W": np.ones(3)}, analytic={"W": np.ones(2)})


def test_gradcheck_of_a_function_returning_a_float_explains_why_that_fails():
    import math

    with pytest.raises(TypeError, match=r"returned float.*x.exp\(\)"):
        gradcheck(lambda x: math.exp(x.data), {"x": 1.0})


def test_gradcheck_of_a_non_scalar_tensor_asks_for_a_sum():
    with pytest.raises(ValueError, match=r"scalar, got shape \(3,\); add .sum\(\)"):
        gradcheck(lambda W: W * 2, {"W": np.ones(3)})


def test_gradcheck_leaves_the_callers_arrays_untouched():
    W = np.array([0.5, -0.5])
    gradcheck(lambda W: (W * W).sum(), {"W": W})
    np.testing.assert_array_equal(W, [0.5, -0.5])


@pytest.mark.parametrize("given", [float("nan"), float("inf"), -float("inf")])
def test_gradcheck_fails_a_non_finite_hand_written_gradient(given):
    with pytest.raises(GradcheckError, match=r"of 'x': analytic -?(nan|inf).*not a finite"):
        gradcheck(lambda x: x * x, {"x": 3.0}, analytic={"x": given})


def test_gradcheck_names_the_entry_of_a_non_finite_array_gradient():
    x = np.array([1.0, 2.0, 3.0])
    analytic = np.array([2.0, np.nan, 6.0])
    with pytest.raises(GradcheckError, match=r"'x' at index \(1,\): analytic nan, numerical 4"):
        gradcheck(lambda x: float(np.sum(x**2)), {"x": x}, analytic={"x": analytic})


def test_gradcheck_fails_an_engine_gradient_that_is_nan():
    # √(0·x) is 0 everywhere, but the engines' chain rule multiplies √'s infinite slope at 0 by 0.
    with pytest.raises(GradcheckError, match="analytic nan, numerical 0"):
        gradcheck(lambda x: (x * 0.0) ** 0.5, {"x": 3.0})
    with pytest.raises(GradcheckError, match=r"index \(0,\): analytic nan, numerical 0"):
        with np.errstate(divide="ignore", invalid="ignore"):
            gradcheck(lambda x: ((x * 0.0) ** 0.5).sum(), {"x": np.array([3.0])})


def test_gradcheck_fails_where_the_function_itself_is_not_finite():
    with pytest.raises(GradcheckError, match="f is not finite .* next to this point"):
        gradcheck(lambda x: x * x, {"x": 1e200}, analytic={"x": 2e200})
