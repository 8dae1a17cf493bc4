"""Peak memory and run time of the whole course: does it fit a Binder session?

mybinder.org gives a session one CPU and about 1 GB of memory. Each master notebook (the course
with its solutions, so every cell does its full work) runs top to bottom in a fresh kernel, and
its last cell asks the kernel for its own peak resident memory (getrusage's ru_maxrss). This
process, and so every kernel it starts, is pinned to one CPU first. The baseline, measured in the
same run, is a kernel that runs nothing but that last cell.

Binder's memory also holds the Jupyter server, and every kernel a student leaves running: the
last line adds up the kernels as if every notebook stayed open.

Run: .venv/bin/python benchmarks/course_memory.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

from coursekit.course import masters

# ru_maxrss counts kilobytes on Linux and bytes on macOS.
PEAK = (
    "import resource, sys\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss"
    " * (1 if sys.platform == 'darwin' else 1024))"
)
MB = 1024 * 1024


def run(notebook: nbformat.NotebookNode, workdir: str) -> tuple[float, int]:
    """Execute the notebook in a fresh kernel: (seconds, peak resident bytes of that kernel)."""
    notebook.cells.append(nbformat.v4.new_code_cell(PEAK))
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": workdir}})
    start = time.perf_counter()
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up warnings are noise here
    seconds = time.perf_counter() - start
    return seconds, int(notebook.cells[-1].outputs[0]["text"])


def pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (this system cannot set CPU affinity)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # the kernels, started from here, inherit it
    return f"pinned to CPU {cpu}"


def main() -> None:
    print(f"coursekit course on one CPU ({pin_to_one_cpu()}), Python {sys.version.split()[0]}")
    print(f"{'notebook':<24}{'run time':>10}{'kernel peak':>14}")
    with tempfile.TemporaryDirectory() as workdir:
        seconds, baseline = run(nbformat.v4.new_notebook(), workdir)
        print(f"{'(a kernel doing nothing)':<24}{seconds:>8.1f} s{baseline / MB:>11.0f} MB")
        total_seconds, peaks = 0.0, []
        for path in masters():
            seconds, peak = run(nbformat.read(path, as_version=4), workdir)
            total_seconds += seconds
            peaks.append(peak)
            print(f"{path.stem:<24}{seconds:>8.1f} s{peak / MB:>11.0f} MB"
                  f"   (+{(peak - baseline) / MB:.0f} MB over the baseline)")
    print(f"{'whole course':<24}{total_seconds:>8.1f} s{max(peaks) / MB:>11.0f} MB at most;"
          f" {sum(peaks) / MB:.0f} MB if every notebook's kernel stays open")


if __name__ == "__main__":
    main()
