"""Interactive explorers for the notebooks: each is one call that returns a widget.

    from coursekit.explorers import backward_stepper
    backward_stepper(g)

Every explorer is a pure function that computes what to show (an SVG, a figure, numbers), which
tests call without a browser, and a widget function that only wires sliders and buttons to it.
A notebook saves each widget with a still picture of what it showed, which JupyterLab shows until
the cell runs again (see `_render.Explorer`). This package imports ipywidgets; `import coursekit`
does not import it.
"""

from ._render import controls_of
from .activations import activation_and_derivative, activation_explorer, activation_figure
from .dead_relu import DeadReluRun, dead_relu_explorer, dead_relu_figure, dead_relu_run
from .momentum import (
    MomentumView,
    best_parameters,
    convergence_rate,
    momentum_explorer,
    momentum_view,
    optimize,
    theoretical_rates,
)
from .sigmoid import SigmoidView, sigmoid_playground, sigmoid_view
from .stepper import StepperView, backward_stepper, stepper_view
from .vanishing import layer_gradient_norms, vanishing_figure, vanishing_gradient_explorer

__all__ = [
    # the widgets
    "backward_stepper",
    "sigmoid_playground",
    "activation_explorer",
    "vanishing_gradient_explorer",
    "dead_relu_explorer",
    "momentum_explorer",
    "controls_of",
    # what they show, computed without widgets
    "StepperView",
    "stepper_view",
    "SigmoidView",
    "sigmoid_view",
    "activation_and_derivative",
    "activation_figure",
    "layer_gradient_norms",
    "vanishing_figure",
    "DeadReluRun",
    "dead_relu_run",
    "dead_relu_figure",
    "MomentumView",
    "momentum_view",
    "optimize",
    "convergence_rate",
    "theoretical_rates",
    "best_parameters",
]
