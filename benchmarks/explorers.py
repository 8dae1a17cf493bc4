"""How long each explorer takes to redraw, from a changed control to the new picture.

    .venv/bin/python benchmarks/explorers.py [folder]

Builds each explorer once, then moves its controls through several settings, one after another,
as a student dragging a slider would. Each update is timed from setting the control to the end
of the redraw: the recomputation, the figure or SVG, and the PNG. The table gives the median
wall-clock and CPU time per explorer against the 100 ms target (CPU time is less disturbed when
other programs share the machine), and the median's ratio to a baseline measured in the same
run: two empty axes of the same size built and saved in full, as every update once was. With a
folder, it also writes the last view of each explorer there as PNG (an SVG is converted by
rsvg-convert when that is installed).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
from render_figures import logistic  # the lectures' graph, as the drawing benchmark traces it

from coursekit import trace
from coursekit.explorers import (
    activation_explorer,
    backward_stepper,
    controls_of,
    dead_relu_explorer,
    momentum_explorer,
    sigmoid_playground,
    vanishing_gradient_explorer,
)
from coursekit.explorers._render import DPI, new_figure, widgets_in

TARGET_MS = 100


def lecture_stepper() -> widgets.Widget:
    return backward_stepper(trace(logistic, w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, b=-3.0))


# Each explorer, and the settings its controls go through: {control description: value}.
EXPLORERS: dict[str, tuple[Callable[[], widgets.Widget], list[dict[str, object]]]] = {
    "backward_stepper": (lecture_stepper, [{"step": k} for k in (1, 2, 3, 4, 5, 6, 7, 8, 0)]),
    "sigmoid_playground": (
        sigmoid_playground,
        [{"w0": w} for w in (1.0, 0.0, -1.5, 3.0)] + [{"b": b} for b in (0.0, 2.0, -4.0)],
    ),
    "activation_explorer": (
        activation_explorer,
        [{"activation": name} for name in ("tanh", "relu", "linear", "leaky_relu")]
        + [{"α": alpha} for alpha in (0.05, 0.2, 0.0)],
    ),
    "vanishing_gradient_explorer": (
        vanishing_gradient_explorer,
        [{"depth": 20}, {"activation": "relu"}, {"init": "he"}, {"depth": 5},
         {"activation": "tanh"}, {"init": "gaussian"}, {"activation": "leaky_relu"}],
    ),
    "dead_relu_explorer": (
        dead_relu_explorer,
        [{"learning rate": 10.0}, {"initial bias": -1.0}, {"α (0 = ReLU)": 0.05},
         {"learning rate": 0.3}, {"initial bias": 0.5}, {"α (0 = ReLU)": 0.0}],
    ),
    "momentum_explorer": (
        momentum_explorer,
        [{"β": 0.5}, {"lr": 0.005}, {"κ": 10.0}, {"β": 0.95}, {"κ": 1000.0},
         {"surface": "rosenbrock"}, {"β": 0.5}],
    ),
}


def time_updates(make: Callable[[], widgets.Widget], settings: list[dict]) -> tuple:
    """The explorer after all the settings, and the wall and CPU seconds of each update."""
    explorer = make()
    controls = controls_of(explorer)
    wall, cpu = [], []
    for setting in settings:
        for description, value in setting.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            controls[description].value = value  # the observers redraw before this returns
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    return explorer, wall, cpu


def time_bare_figures(count: int) -> tuple[list[float], list[float]]:
    """The baseline: two empty axes of the explorers' size, built and saved as PNG in full."""
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        new_figure(2, (10.0, 4.0))[0].savefig(io.BytesIO(), format="png", dpi=DPI)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def save_pictures(name: str, explorer: widgets.Widget, folder: Path) -> list[Path]:
    """Write the PNGs and SVGs an explorer shows into folder; return the files written."""
    written, count = [], 0
    for widget in widgets_in(explorer):
        if isinstance(widget, widgets.Image):
            count += 1
            path = folder / f"{name}_{count}.png"
            path.write_bytes(bytes(widget.value))
            written.append(path)
        elif isinstance(widget, widgets.HTML) and "<svg" in widget.value:
            count += 1
            path = folder / f"{name}_{count}.svg"
            path.write_text(re.search(r"<svg.*</svg>", widget.value, re.S).group(0))
            written.append(path)
            if shutil.which("rsvg-convert"):
                png = path.with_suffix(".png")
                subprocess.run(["rsvg-convert", str(path), "-o", str(png)], check=True)
                written.append(png)
    return written


def row(name: str, wall: list[float], cpu: list[float], baseline: float) -> None:
    median_wall, median_cpu = statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3
    verdict = "met" if median_wall < TARGET_MS else "missed"
    print(f"{name:30} {len(wall):7d} {median_wall:8.0f} {median_cpu:7.0f} "
          f"{max(wall) * 1e3:8.0f} {median_wall / baseline:8.2f}  {verdict}")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    print(f"explorer updates, median over each explorer's settings (target {TARGET_MS} ms); "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    bare = time_bare_figures(7)
    baseline = statistics.median(bare[0]) * 1e3
    print(f"baseline: two empty axes built and saved in full, {baseline:.0f} ms "
          "(the ratio column divides by it)")
    print(f"{'explorer':30} {'updates':>7} {'wall ms':>8} {'CPU ms':>7} {'slowest':>8} "
          f"{'ratio':>8}  target")
    for name, (make, settings) in EXPLORERS.items():
        explorer, wall, cpu = time_updates(make, settings)
        row(name, wall, cpu, baseline)
        if folder:
            for path in save_pictures(name, explorer, folder):
                print(f"{'':32}wrote {path}")


if __name__ == "__main__":
    main()
