"""Optimizers: turn gradients into parameter updates.

The update rules are plain functions that return new arrays and change nothing (so notebooks
and explorers can step them by hand); `SGD` applies them to a model's parameters in place.

Momentum, as in the lectures: the velocity v starts at zero and collects past gradients,

    v ← β v + g
    w ← w − lr · v

Another common way to write it, v ← β v − lr · g; w ← w + v, is the same method: its velocity
is −lr times ours, so both take identical steps while the learning rate stays constant.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SGD", "momentum_step", "nesterov_step"]


def momentum_step(
    w: np.ndarray, velocity: np.ndarray, grad: np.ndarray, lr: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """One momentum step: v_new = β v + g, w_new = w − lr · v_new. With β = 0 it is plain SGD.

    All arrays have the parameter's shape; returns (w_new, v_new) and leaves the inputs unchanged.
    """
    new_velocity = beta * velocity + grad
    return w - lr * new_velocity, new_velocity


def nesterov_step(
    w: np.ndarray, velocity: np.ndarray, grad: np.ndarray, lr: float, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """One Nesterov step: v_new = β v + g, w_new = w − lr · (g + β v_new).

    This is the look-ahead method written for the look-ahead point. Nesterov evaluates the
    gradient where momentum is about to carry the weights, u = w − lr β v, and steps
    v_new = β v + ∇f(u), w_new = w − lr v_new. Keep u instead of w as the parameters: then
    g = ∇f(u) is the gradient at the parameters themselves, and
    u_new = w_new − lr β v_new = u − lr (g + β v_new), the rule above (PyTorch's form too).
    """
    new_velocity = beta * velocity + grad
    return w - lr * (grad + beta * new_velocity), new_velocity


class SGD:
    """Stochastic gradient descent, with optional momentum, Nesterov and weight decay.

    `params` maps names to float arrays (e.g. `model.parameters()`); `step(grads)` updates those
    same arrays in place, so the model sees the change. `velocity` holds one array per name,
    starting at zero. Weight decay α is added to the gradient before momentum: g ← g + α w, so a
    plain step is w ← w − lr (g + α w), the gradient of the penalty ½ α Σ w² (every parameter
    given, biases included). Parameters without a gradient in `grads` are left unchanged.

    >>> w = np.array([1.0]); opt = SGD({"w": w}, lr=0.1, momentum=0.9)
    >>> opt.step({"w": np.array([1.0])}); opt.step({"w": np.array([1.0])}); w
    array([0.71])
    """

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, got lr={lr!r}; try 0.1 or 1e-2")
        if not 0 <= momentum < 1:
            raise ValueError(
                f"momentum must be in [0, 1), got {momentum!r}: 0.9 is usual, 0 turns it off"
            )
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay must be 0 or more, got {weight_decay!r}")
        for name, value in params.items():
            if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
                raise TypeError(
                    f"SGD updates parameters in place, so each must be a float numpy array; "
                    f"{name!r} is {type(value).__name__} of dtype {getattr(value, 'dtype', '-')}"
                )
        self.params = params
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self.velocity = {name: np.zeros_like(value) for name, value in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """Update each parameter named in `grads` (same names and shapes as `params`) in place."""
        rule = nesterov_step if self.nesterov else momentum_step
        for name, grad in grads.items():
            param = self._param(name, grad)
            if self.weight_decay:
                grad = grad + self.weight_decay * param
            new_param, self.velocity[name] = rule(
                param, self.velocity[name], grad, self.lr, self.momentum
            )
            param[...] = new_param

    def _param(self, name: str, grad: np.ndarray) -> np.ndarray:
        if name not in self.params:
            raise KeyError(
                f"SGD got a gradient for {name!r} but has no parameter of that name; it has "
                f"{', '.join(map(repr, self.params))}. Build the optimizer from the same model"
            )
        param = self.params[name]
        if np.shape(grad) != param.shape:
            raise ValueError(
                f"the gradient for {name!r} has shape {np.shape(grad)}, but the parameter has "
                f"shape {param.shape}: a gradient always has its parameter's shape"
            )
        return param

    def __repr__(self) -> str:
        return (
            f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, nesterov={self.nesterov}, "
            f"weight_decay={self.weight_decay:g})"
        )
