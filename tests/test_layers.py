"""Layers: every backward pass against central differences and against the Tensor engine."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coursekit.engine import Value
from coursekit.gradcheck import numerical_gradient, rel_error
from coursekit.nn import (
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    dead_fraction,
    sigmoid,
)
from coursekit.tensor import Tensor

TOLERANCE = 1e-7  # what a correct gradient gives in float64 for smooth functions
# A step of 1e-5 balances the truncation error (~h²) against rounding (~1e-16 / h): every entry is
# then measured to about 1e-11 (up to 1e-10 through tanh and sigmoid), 1e-7 of an entry of 1e-3.
STEP = 1e-5
fast = settings(max_examples=60, deadline=None)
sizes = st.integers(1, 4)
seeds = st.integers(0, 2**32 - 1)

ACTIVATIONS = {
    "ReLU": (ReLU, lambda t: t.relu()),
    "LeakyReLU": (lambda: LeakyReLU(0.1), lambda t: t.leaky_relu(0.1)),
    "Sigmoid": (Sigmoid, lambda t: t.sigmoid()),
    "Tanh": (Tanh, lambda t: t.tanh()),
    "Identity": (Identity, lambda t: t),
}


def signed(rng, shape):
    """Numbers of size 0.5 to 1.5 with random signs: away from ReLU's kink, short of saturation."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape)


def assert_gradients_match(f, arrays, analytic):
    """Each analytic gradient equals the central differences of f, entry by entry."""
    for name, array in arrays.items():
        numeric = numerical_gradient(f, array, h=STEP)
        # Sums of gradients can cancel to almost 0, too small to measure to 1e-7 relative:
        # skip those rare draws (exact zeros, as behind a ReLU, are kept).
        assume(np.all((numeric == 0) | (np.abs(numeric) > 1e-3)))
        error = rel_error(analytic[name], numeric)
        assert error < TOLERANCE, f"gradient of {name}: relative error {error:.1e}"


def check_backward(layer, x, upstream):
    """d(sum(output · upstream)) by central differences equals what backward returns and stores."""

    def f(_):
        return float(np.sum(layer.forward(x) * upstream))

    layer.forward(x)
    downstream = layer.backward(upstream)
    assert_gradients_match(f, {"x": x, **layer.params}, {"x": downstream, **layer.grads})


@fast
@given(n=sizes, d_in=sizes, d_out=sizes, seed=seeds)
def test_linear_backward_matches_central_differences(n, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    layer = Linear(d_in, d_out, bias=0.1, rng=rng)
    check_backward(layer, signed(rng, (n, d_in)), signed(rng, (n, d_out)))


@pytest.mark.parametrize("name", ACTIVATIONS)
@fast
@given(n=sizes, d=sizes, seed=seeds)
def test_activation_backward_matches_central_differences(name, n, d, seed):
    make, _ = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    check_backward(make(), signed(rng, (n, d)), signed(rng, (n, d)))


@fast
@given(n=sizes, seed=seeds)
def test_sequential_backward_matches_central_differences(n, seed):
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(3, 4, rng=rng), Tanh(), Linear(4, 2, init="xavier", rng=rng),
                       Sigmoid())
    x, upstream = signed(rng, (n, 3)), signed(rng, (n, 2))

    def f(_):
        return float(np.sum(model.forward(x) * upstream))

    model.forward(x)
    analytic = {"x": model.backward(upstream), **model.gradients()}
    assert_gradients_match(f, {"x": x, **model.parameters()}, analytic)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_agree_with_the_tensor_engine(name):
    make, tensor_op = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    z = rng.standard_normal((5, 4))
    z[0, 0] = 0.0  # the kink itself: both engines use the same convention there
    upstream = rng.standard_normal((5, 4))
    layer = make()
    out = layer.forward(z)
    downstream = layer.backward(upstream)
    z_tensor = Tensor(z, requires_grad=True)
    out_tensor = tensor_op(z_tensor)
    (out_tensor * upstream).sum().backward()
    assert np.allclose(out, out_tensor.data, rtol=1e-12, atol=0)
    assert np.allclose(downstream, z_tensor.grad, rtol=1e-12, atol=0)


def test_two_layer_network_agrees_with_the_tensor_engine():
    rng = np.random.default_rng(2)
    model = Sequential(Linear(3, 5, bias=0.01, rng=rng), ReLU(), Linear(5, 2, rng=rng))
    x, upstream = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    tensors = {name: Tensor(p, requires_grad=True) for name, p in model.parameters().items()}
    x_tensor = Tensor(x, requires_grad=True)
    hidden = (x_tensor @ tensors["0.W"] + tensors["0.b"]).relu()
    out_tensor = hidden @ tensors["2.W"] + tensors["2.b"]
    (out_tensor * upstream).sum().backward()

    out = model.forward(x)
    downstream = model.backward(upstream)
    assert np.allclose(out, out_tensor.data, rtol=1e-12)
    assert np.allclose(downstream, x_tensor.grad, rtol=1e-12)
    for name, grad in model.gradients().items():
        assert np.allclose(grad, tensors[name].grad, rtol=1e-12), name


@pytest.mark.parametrize(
    "layer, gate, slope",
    [(ReLU(), lambda v: v.relu(), 0.0), (LeakyReLU(0.2), lambda v: v.leaky_relu(0.2), 0.2)],
    ids=["ReLU", "LeakyReLU"],
)
def test_the_slope_at_exactly_zero_follows_the_scalar_engine(layer, gate, slope):
    value = Value(0.0)
    gate(value).backward()
    layer.forward(np.zeros((1, 1)))
    assert layer.backward(np.ones((1, 1)))[0, 0] == value.grad == slope


def test_sigmoid_is_stable_for_huge_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert out.tolist() == [0.0, 0.5, 1.0]


def test_backward_twice_gives_the_same_gradients_not_double():
    rng = np.random.default_rng(3)
    layer = Linear(3, 2, rng=rng)
    x, upstream = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer.forward(x)
    first = layer.backward(upstream), dict(layer.grads)
    second = layer.backward(upstream), dict(layer.grads)
    assert np.array_equal(first[0], second[0])
    assert all(np.array_equal(first[1][name], second[1][name]) for name in ("W", "b"))


def test_linear_shapes_and_initial_bias():
    layer = Linear(64, 100, bias=0.01, rng=0)
    assert layer.W.shape == (64, 100) and layer.b.shape == (100,)
    assert np.all(layer.b == 0.01)
    assert layer.forward(np.ones((7, 64))).shape == (7, 100)
    assert layer.backward(np.ones((7, 100))).shape == (7, 64)
    assert layer.grads["W"].shape == (64, 100) and layer.grads["b"].shape == (100,)


def test_linear_accepts_every_initializer_and_a_function():
    for init, std in (("he", None), ("xavier", None), ("gaussian", 0.01)):
        assert Linear(3, 2, init=init, std=std, rng=0).W.shape == (3, 2)
    layer = Linear(3, 2, init=lambda fan_in, fan_out, rng: np.ones((fan_in, fan_out)), rng=0)
    assert np.all(layer.W == 1.0)
    same = Linear(3, 2, rng=5), Linear(3, 2, rng=5)
    assert np.array_equal(same[0].W, same[1].W)


def test_sequential_names_parameters_by_position_and_shares_the_arrays():
    model = Sequential(Linear(2, 4, rng=0), ReLU(), Linear(4, 3, rng=1))
    params = model.parameters()
    assert list(params) == ["0.W", "0.b", "2.W", "2.b"]
    assert params["2.W"] is model[2].W
    model.forward(np.ones((5, 2)))
    model.backward(np.ones((5, 3)))
    assert list(model.gradients()) == list(params)
    assert len(model) == 3 and isinstance(model[1], ReLU)
    assert repr(model) == (
        "Sequential(\n  (0) Linear(2 → 4, init=he)\n  (1) ReLU()\n  (2) Linear(4 → 3, init=he)\n)"
    )


def test_sequential_reports_gradient_norms_activations_and_dead_units():
    model = Sequential(Linear(2, 3, rng=0), ReLU(), Linear(3, 2, rng=1))
    model[0].b[:] = [-100.0, 0.0, 100.0]  # unit 0 is dead for any small input
    x = np.random.default_rng(0).uniform(-1, 1, (10, 2))
    model.forward(x)
    model.backward(np.ones((10, 2)))
    norms = model.gradient_norms()
    assert norms["0.W"] == pytest.approx(np.linalg.norm(model[0].grads["W"]))
    assert list(model.activations()) == ["ReLU 1"]
    assert model.dead_fractions() == {"ReLU 1": pytest.approx(1 / 3)}
    assert dead_fraction(np.array([[0.0, 1.0], [0.0, 0.0]])) == 0.5


def test_a_wrong_input_width_names_the_layer_and_both_widths():
    model = Sequential(Linear(2, 64, rng=0), ReLU(), Linear(32, 3, rng=0))
    with pytest.raises(ValueError, match=r"Linear 2 expects .*32 features, got 64 features.*"
                                         r"out_features"):
        model.forward(np.ones((5, 2)))


def test_backward_before_forward_says_so():
    for layer in (Linear(2, 3, rng=0), ReLU()):
        with pytest.raises(RuntimeError, match=r"before forward\(\)"):
            layer.backward(np.ones((1, 3)))
    with pytest.raises(RuntimeError, match="no gradients yet"):
        Sequential(Linear(2, 3, rng=0)).gradients()


def test_an_upstream_gradient_of_the_wrong_shape_is_explained():
    layer = Linear(2, 3, rng=0)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"shape \(4, 2\).*output had shape \(4, 3\)"):
        layer.backward(np.ones((4, 2)))


def test_construction_mistakes_are_explained():
    with pytest.raises(TypeError, match=r"did you mean ReLU\(\)"):
        Sequential(Linear(2, 3, rng=0), ReLU)
    with pytest.raises(ValueError, match="needs std"):
        Linear(2, 3, init="gaussian", rng=0)
    with pytest.raises(ValueError, match="only applies"):
        Linear(2, 3, std=0.01, rng=0)
    with pytest.raises(ValueError, match="init must be"):
        Linear(2, 3, init="glorot", rng=0)
    with pytest.raises(TypeError, match="rng="):
        Linear(2, 3)
    with pytest.raises(ValueError, match="alpha"):
        LeakyReLU(1.5)
