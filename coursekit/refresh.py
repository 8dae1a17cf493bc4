"""Run the master notebooks top to bottom and store their outputs as the reference.

nbval later compares a fresh run with these outputs, so they are made the same way every time: a
fresh kernel per notebook, the notebook's own folder as working directory, no timing metadata,
printed text kept as one output however the kernel happened to flush it, and widget model ids
that do not change from run to run. Refreshing an unchanged master therefore rewrites it byte for
byte, and `release --check` stays quiet.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .release import notebook_text

__all__ = ["refresh", "merge_streams", "renumber_widgets"]

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# ipywidgets names each model with a random uuid4 in hex; nothing else in a notebook looks so.
_MODEL_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def refresh(path: Path | str, timeout: int = 600) -> None:
    """Execute one master notebook in a fresh kernel and write its outputs into it."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    # Round-trip through plain JSON so the file is written exactly as release writes notebooks.
    executed = renumber_widgets(merge_streams(json.loads(nbformat.writes(notebook))), path.stem)
    path.write_text(notebook_text(executed), encoding="utf-8")


def merge_streams(notebook: dict) -> dict:
    """The notebook with each run of consecutive stdout (or stderr) outputs of a cell as one.

    A cell that prints for a while reaches the notebook in as many pieces as the kernel flushed
    its output, which depends on timing; Jupyter shows the pieces as one text, and so do we.
    """
    for cell in notebook["cells"]:
        merged: list[dict] = []
        for output in cell.get("outputs", ()):
            previous = merged[-1] if merged else {}
            if (output["output_type"] == "stream" and previous.get("output_type") == "stream"
                    and previous["name"] == output["name"]):
                text = "".join(previous["text"]) + "".join(output["text"])
                previous["text"] = text.splitlines(keepends=True)
            else:
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged
    return notebook


def renumber_widgets(notebook: dict, name: str) -> dict:
    """The notebook with each widget model's random id replaced by one derived from `name` and
    the model's place: first the widgets in the outputs, cell by cell, then the models they refer
    to, then any others in the order the kernel created them."""
    state = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    order: list[str] = []

    def meet(model_id: str) -> None:
        if model_id not in order:
            order.append(model_id)

    for cell in notebook["cells"]:
        for output in cell.get("outputs", ()):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and "model_id" in view:
                meet(view["model_id"])
    for model_id in order:  # grows while it is walked: each model's references join at the end
        for referenced in re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state.get(model_id))):
            meet(referenced)
    for model_id in state:
        meet(model_id)
    renamed = {
        model_id: hashlib.md5(f"{name} widget {number}".encode()).hexdigest()
        for number, model_id in enumerate(order)
    }
    text = _MODEL_ID.sub(lambda found: renamed.get(found[0], found[0]), json.dumps(notebook))
    return json.loads(text)
