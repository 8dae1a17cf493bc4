"""The training loop: the lectures' spiral case study, the digits, divergence, what it records."""

import numpy as np
import pytest

from coursekit.data import digits_split, regression_curve, spiral
from coursekit.nn import (
    BCEWithLogitsLoss,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropyLoss,
    Tanh,
)
from coursekit.optim import SGD
from coursekit.train import TrainingDiverged, accuracy, fit, predict


def small_gaussian(fan_in, fan_out, rng):
    """The lectures' spiral networks start from 0.01 · N(0, 1)."""
    return Linear(fan_in, fan_out, init="gaussian", std=0.01, rng=rng)


def train_on_spiral(model, epochs):
    X, y = spiral()  # 300 × 2, three classes
    optimizer = SGD(model.parameters(), lr=1.0, weight_decay=1e-3)  # reg 1e-3, as ½·reg·ΣW²
    return fit(model, SoftmaxCrossEntropyLoss(), X, y, optimizer, epochs=epochs)


def test_a_linear_classifier_cannot_separate_the_spiral():
    model = Sequential(small_gaussian(2, 3, np.random.default_rng(0)))
    history = train_on_spiral(model, epochs=200)
    assert history["loss"][0] == pytest.approx(np.log(3), abs=0.01)  # ≈ 1.10: a uniform guess
    assert 0.70 < history["loss"][-1] < 0.82
    assert 0.45 < history["accuracy"][-1] < 0.58


def test_a_two_layer_relu_network_separates_the_spiral():
    rng = np.random.default_rng(0)
    model = Sequential(small_gaussian(2, 100, rng), ReLU(), small_gaussian(100, 3, rng))
    # The lectures train 10,000 steps; this seed passes 0.97 after about 1,800.
    history = train_on_spiral(model, epochs=2500)
    assert history["loss"][0] == pytest.approx(np.log(3), abs=0.01)
    assert history["loss"][-1] < 0.3
    assert history["accuracy"][-1] >= 0.97


def test_a_two_layer_network_reads_the_digits():
    X_train, y_train, X_test, y_test = digits_split()
    rng = np.random.default_rng(0)
    model = Sequential(Linear(64, 100, rng=rng), ReLU(), Linear(100, 10, rng=rng))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, SoftmaxCrossEntropyLoss(), X_train, y_train, optimizer, epochs=30,
                  batch_size=64, X_val=X_test, y_val=y_test)
    assert accuracy(model.forward(X_test), y_test) >= 0.95
    assert history["val_accuracy"][-1] == accuracy(model.forward(X_test), y_test)
    assert len(history["val_loss"]) == 30


def test_a_huge_learning_rate_stops_with_a_clear_message():
    # Squared errors grow without bound once the steps overshoot (softmax losses stay finite).
    X, y = regression_curve()
    rng = np.random.default_rng(0)
    model = Sequential(Linear(1, 20, rng=rng), ReLU(), Linear(20, 1, rng=rng))
    optimizer = SGD(model.parameters(), lr=5.0)
    with pytest.raises(TrainingDiverged, match=r"loss became (nan|inf) at step \d+ .*learning "
                                                r"rate 5 is probably too high; try 0.5"):
        fit(model, MSELoss(), X, y[:, None], optimizer, epochs=100, record=("loss",))
    assert issubclass(TrainingDiverged, FloatingPointError)


def test_the_same_seed_gives_the_same_history():
    X, y = spiral()

    def history(seed):
        rng = np.random.default_rng(0)
        model = Sequential(Linear(2, 8, rng=rng), ReLU(), Linear(8, 3, rng=rng))
        optimizer = SGD(model.parameters(), lr=0.1)
        return fit(model, SoftmaxCrossEntropyLoss(), X, y, optimizer, epochs=3, batch_size=32,
                   seed=seed)

    assert history(1) == history(1)
    assert history(1) != history(2)


def test_it_records_gradient_norms_activations_and_dead_relus():
    X, y = spiral()
    rng = np.random.default_rng(0)
    model = Sequential(Linear(2, 6, rng=rng), ReLU(), Linear(6, 4, rng=rng), Tanh(),
                       Linear(4, 3, rng=rng))
    model[0].b[:3] = -100.0  # three of the six ReLU units can never turn on
    history = fit(model, SoftmaxCrossEntropyLoss(), X, y, SGD(model.parameters(), lr=0.1),
                  epochs=4, record=("loss", "grad_norms", "activations", "dead_relus"))
    assert set(history) == {"loss", "grad_norms", "activations", "dead_relus"}
    assert list(history["grad_norms"]) == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert all(len(norms) == 4 for norms in history["grad_norms"].values())
    assert history["dead_relus"] == {"ReLU 1": [0.5] * 4}
    assert list(history["activations"]) == ["ReLU 1", "Tanh 3"]
    assert all(-1 < m < 1 for m in history["activations"]["Tanh 3"]["mean"])


def test_binary_and_regression_losses_train_too():
    X, y = spiral(classes=2)
    rng = np.random.default_rng(0)
    model = Sequential(Linear(2, 50, rng=rng), ReLU(), Linear(50, 1, rng=rng))
    history = fit(model, BCEWithLogitsLoss(), X, y[:, None].astype(float),
                  SGD(model.parameters(), lr=0.5, momentum=0.9), epochs=300)
    assert history["accuracy"][-1] > 0.9
    assert set(predict(model, X)) <= {0, 1}

    x = np.linspace(-3, 3, 50)[:, None]
    model = Sequential(Linear(1, 20, rng=rng), Tanh(), Linear(20, 1, rng=rng))
    history = fit(model, MSELoss(), x, np.sin(x), SGD(model.parameters(), lr=0.1, momentum=0.9),
                  epochs=300, record=("loss",))
    assert history["loss"][-1] < 0.01 < history["loss"][0]


def test_a_model_ending_in_a_sigmoid_is_scored_on_its_probabilities():
    X, y = spiral(classes=2)
    rng = np.random.default_rng(0)
    model = Sequential(Linear(2, 50, rng=rng), ReLU(), Linear(50, 1, rng=rng), Sigmoid())
    history = fit(model, MSELoss(), X, y[:, None].astype(float),
                  SGD(model.parameters(), lr=0.5, momentum=0.9), epochs=300)
    assert history["accuracy"][-1] > 0.8
    probabilities = model.forward(X)[:, 0]
    right = np.mean((probabilities > 0.5) == y)
    assert np.array_equal(predict(model, X), (probabilities > 0.5).astype(int))
    assert accuracy(probabilities, y, threshold=0.5) == right > 0.8
    assert accuracy(probabilities, y) == np.mean(y == 1)  # read as logits, all say class 1


def test_progress_is_quiet_unless_asked(capsys):
    X, y = spiral()
    model = Sequential(Linear(2, 3, rng=0))
    fit(model, SoftmaxCrossEntropyLoss(), X, y, SGD(model.parameters(), lr=1.0), epochs=2)
    assert capsys.readouterr().out == ""
    fit(model, SoftmaxCrossEntropyLoss(), X, y, SGD(model.parameters(), lr=1.0), epochs=2,
        progress=True)
    assert "epoch 2/2" in capsys.readouterr().out


def test_accuracy_and_predict_by_hand():
    scores = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [4.0, 0.0, 0.0]])
    assert accuracy(scores, np.array([0, 1, 0, 0])) == 0.75
    assert accuracy(np.array([[2.0], [-1.0]]), np.array([[1.0], [1.0]])) == 0.5
    model = Sequential(Linear(2, 2, init=lambda fan_in, fan_out, rng: np.eye(2), rng=0))
    assert predict(model, np.array([[1.0, 0.0], [0.0, 2.0]])).tolist() == [0, 1]


def test_mistakes_are_explained():
    X, y = spiral()
    model = Sequential(Linear(2, 3, rng=0))
    optimizer = SGD(model.parameters(), lr=1.0)
    with pytest.raises(TypeError, match=r"did you mean SoftmaxCrossEntropyLoss\(\)"):
        fit(model, SoftmaxCrossEntropyLoss, X, y, optimizer, epochs=1)
    with pytest.raises(ValueError, match="cannot record"):
        fit(model, SoftmaxCrossEntropyLoss(), X, y, optimizer, epochs=1, record=("acc",))
    with pytest.raises(ValueError, match="300 examples but y has 299"):
        fit(model, SoftmaxCrossEntropyLoss(), X, y[1:], optimizer, epochs=1)
    with pytest.raises(ValueError, match="record only the loss"):
        accuracy(np.zeros((2, 1)), np.array([0.5, 0.2]))
