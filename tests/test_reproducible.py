"""The masters give the same outputs on any machine, and refreshing one changes nothing by itself.

Other CPUs and BLAS builds add floating-point numbers in other orders, so their last bits differ;
every printed number must be robust to that. OpenBLAS can be told to use another CPU's kernels
(OPENBLAS_CORETYPE) and more threads, which changes those orders on this machine, and nbval then
compares every checked output with the stored reference. A refresh (which re-executes a master)
of an unchanged master must rewrite it byte for byte, so `release --check` stays quiet.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest

from coursekit.course import masters
from coursekit.refresh import merge_streams, refresh, renumber_widgets

slow = pytest.mark.slow

OTHER_BLAS = {
    "Haswell kernels, 2 threads": {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "2"},
    "Prescott kernels, 2 threads": {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "2"},
}


def uses_openblas() -> bool:
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return "openblas" in str(blas.get("name", "")).lower()


def nbval_failures(notebook: Path, environment: dict[str, str], scratch: Path) -> dict[str, str]:
    """Run `notebook` under nbval with `environment` added; {"Cell N": why} for each failure.

    nbval runs here directly rather than through coursekit.grading, which pins one BLAS thread.
    """
    junit = scratch / "results.xml"
    config = scratch / "pytest.ini"
    config.write_text("[pytest]\n", encoding="utf-8")
    command = [
        sys.executable, "-m", "pytest", str(notebook), "-p", "nbval.plugin", "--nbval",
        "--nbval-current-env", "--nbval-cell-timeout=120", f"--junitxml={junit}",
        "-c", str(config), "--rootdir", str(scratch), "-p", "no:cacheprovider", "-q", "--color=no",
    ]
    child_environment = {
        **os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONHASHSEED": "0",
        "IPYTHONDIR": str(scratch / "ipython"), **environment,
    }
    done = subprocess.run(command, cwd=scratch, env=child_environment, capture_output=True,
                          text=True, timeout=900)
    assert junit.exists(), f"nbval did not run {notebook.name}:\n{done.stdout[-3000:]}"
    failures = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        for problem in list(case.findall("failure")) + list(case.findall("error")):
            failures[case.get("name", "?")] = (problem.get("message", "") + "\n"
                                               + (problem.text or ""))[-1500:]
    assert "Cell 0" in {case.get("name") for case in ElementTree.parse(junit).iter("testcase")}
    return failures


@slow
@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                    reason="the OpenBLAS kernels named here (Haswell, Prescott) are x86 ones")
@pytest.mark.skipif(not uses_openblas(), reason="numpy here does not use OpenBLAS")
@pytest.mark.parametrize("setting", sorted(OTHER_BLAS))
@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_master_reproduces_its_outputs_with_other_blas_kernels_and_threads(
    master, setting, tmp_path
):
    failures = nbval_failures(master, OTHER_BLAS[setting], tmp_path)
    assert not failures, f"{master.name} with {setting}:\n" + "\n".join(
        f"--- {cell}: {why}" for cell, why in failures.items()
    )


def differences(before: dict, after: dict) -> list[str]:
    """Which cells (by id) and which parts of a notebook differ between two versions of it."""
    found = []
    old_cells = {cell["id"]: cell for cell in before["cells"]}
    for cell in after["cells"]:
        old = old_cells.get(cell["id"])
        if old is None:
            found.append(f"cell {cell['id']} is new")
            continue
        for part in sorted(set(old) | set(cell)):
            if old.get(part) != cell.get(part):
                found.append(f"cell {cell['id']}: its {part} differs")
    if before["metadata"] != after["metadata"]:
        keys = sorted(key for key in set(before["metadata"]) | set(after["metadata"])
                      if before["metadata"].get(key) != after["metadata"].get(key))
        found.append(f"notebook metadata differs: {keys}")
    return found


@slow
@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_refreshing_an_unchanged_master_rewrites_it_byte_for_byte(master, tmp_path):
    copy = tmp_path / master.name
    shutil.copyfile(master, copy)
    refresh(copy)
    if copy.read_bytes() != master.read_bytes():
        before = json.loads(master.read_text(encoding="utf-8"))
        after = json.loads(copy.read_text(encoding="utf-8"))
        found = differences(before, after) or ["only the layout of the file"]
        pytest.fail(f"refreshing {master.name} changed it:\n" + "\n".join(found))


WIDGET = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


def widget_notebook(first: str, second: str, layout: str, orphan: str) -> dict:
    """A notebook whose outputs show two widgets; the second refers to a layout model."""

    def shown(model_id: str) -> dict:
        return {"output_type": "display_data", "metadata": {},
                "data": {WIDGET: {"model_id": model_id, "version_major": 2}}}

    return {
        "cells": [{"id": "a", "cell_type": "code", "outputs": [shown(first)]},
                  {"id": "b", "cell_type": "code", "outputs": [shown(second)]}],
        "metadata": {"widgets": {STATE: {"state": {
            orphan: {"state": {}},
            layout: {"state": {}},
            second: {"state": {"layout": f"IPY_MODEL_{layout}"}},
            first: {"state": {}},
        }}}},
    }


def test_widget_ids_are_renumbered_by_place_whatever_the_kernel_drew():
    one_run = widget_notebook("1" * 32, "2" * 32, "3" * 32, "4" * 32)
    other_run = widget_notebook("a" * 32, "b" * 32, "c" * 32, "d" * 32)
    assert renumber_widgets(one_run, "demo") == renumber_widgets(other_run, "demo")
    renumbered = renumber_widgets(one_run, "demo")
    second = renumbered["cells"][1]["outputs"][0]["data"][WIDGET]["model_id"]
    state = renumbered["metadata"]["widgets"][STATE]["state"]
    layout = state[second]["state"]["layout"].removeprefix("IPY_MODEL_")
    assert layout in state and len({second, layout, *state}) == 4
    assert renumber_widgets(one_run, "other")["metadata"] != renumbered["metadata"]


def stream(name: str, *lines: str) -> dict:
    return {"output_type": "stream", "name": name, "text": list(lines)}


def test_printed_text_is_one_output_however_the_kernel_flushed_it():
    figure = {"output_type": "display_data", "data": {"text/plain": ["<Figure>"]}, "metadata": {}}
    pieces = [stream("stdout", "loss 1.099\n", "accuracy "), stream("stdout", "57%\n"),
              stream("stderr", "warning\n"), stream("stdout", "done\n"), figure,
              stream("stdout", "after\n")]
    notebook = {"cells": [{"cell_type": "code", "outputs": pieces},
                          {"cell_type": "markdown", "source": ["text"]}]}
    assert merge_streams(notebook)["cells"][0]["outputs"] == [
        stream("stdout", "loss 1.099\n", "accuracy 57%\n"), stream("stderr", "warning\n"),
        stream("stdout", "done\n"), figure, stream("stdout", "after\n"),
    ]
