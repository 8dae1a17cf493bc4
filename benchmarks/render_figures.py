"""Render the course's example graphs to look at, and time the drawing.

    .venv/bin/python benchmarks/render_figures.py [folder]   # default: a new temporary folder

Writes one SVG per figure (the lectures' two graphs before backward, after backward and part-way
with upto=2; a branching graph; a Tensor graph; a 200-node graph) and, when `rsvg-convert` is
installed, a PNG next to each. Prints how long drawing takes: the median over repeats for the
lectures' graphs, and for the 200-node graph, which should stay well under half a second.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from coursekit import Graph, trace
from coursekit.draw import draw


def add_multiply(x, y, z):
    return (x + y).named("q") * z


def logistic(w0, x0, w1, x1, b):
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + b)).exp())


def branching(x, y):
    """x feeds three operations: its gradient is the sum of what flows back along each."""
    return x * x + (x * y).max(0.0) + x.tanh()


def layer_loss(W, x, b):
    return ((W @ x + b).relu() ** 2).sum()


def chain_of_200(x):
    """200 operations: a long chain with side branches, the size of a small network's graph."""
    for i in range(100):
        x = (x * 0.9).tanh() if i % 2 else x + x.sigmoid()
    return x


def figures() -> dict[str, Graph]:
    lecture_1 = trace(add_multiply, x=-2.0, y=5.0, z=-4.0)
    lecture_2 = trace(logistic, w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, b=-3.0)
    shown = {"add_multiply_forward": draw(lecture_1), "logistic_forward": draw(lecture_2)}
    lecture_1.backward()
    lecture_2.backward()
    shown |= {
        "add_multiply": draw(lecture_1),
        "add_multiply_upto_2": draw(lecture_1, upto=2),
        "logistic": draw(lecture_2),
        "logistic_upto_2": draw(lecture_2, upto=2),
        "logistic_lecture_colours": draw(lecture_2, palette="lecture"),
        "branching": draw(trace(branching, x=1.5, y=-2.0).backward(), upto=3),
        "tensor": draw(trace(layer_loss, W=np.eye(3, 4), x=np.ones((4, 1)),
                             b=np.array([[0.5], [-2.0], [1.0]])).backward()),
        "chain_of_200": draw(trace(chain_of_200, x=0.5).backward()),
    }
    return shown


def median_seconds(job, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    if len(sys.argv) > 1:
        folder = Path(sys.argv[1])
        folder.mkdir(parents=True, exist_ok=True)
    else:  # a folder of its own, kept so the figures can be looked at
        folder = Path(tempfile.mkdtemp(prefix="coursekit-figures-"))
    converter = shutil.which("rsvg-convert")
    for name, picture in figures().items():
        svg = folder / f"{name}.svg"
        svg.write_text(picture.svg, encoding="utf-8")
        if converter:
            png = svg.with_suffix(".png")
            zoom = min(1.5, 30000 / float(picture.svg.split('width="')[1].split('"')[0]))
            subprocess.run([converter, "--zoom", f"{zoom:.3f}", "-o", str(png), str(svg)],
                           check=True)
    print(f"figures written to {folder}" + ("" if converter else " (SVG only: no rsvg-convert)"))

    lecture_1 = trace(add_multiply, x=-2.0, y=5.0, z=-4.0).backward()
    lecture_2 = trace(logistic, w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, b=-3.0).backward()
    big = trace(chain_of_200, x=0.5).backward()
    operations = sum(node.kind == "op" for node in big.nodes)
    for label, graph in [("(x + y)·z", lecture_1), ("logistic", lecture_2)]:
        seconds = median_seconds(lambda graph=graph: draw(graph), repeats=50)
        print(f"draw {label:<22} median {seconds * 1000:7.2f} ms")
    seconds = median_seconds(lambda: draw(big), repeats=5)
    print(f"draw {operations}-operation graph    median {seconds * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
