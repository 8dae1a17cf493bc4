"""Run the master notebooks top to bottom and store their outputs as the reference.

nbval later compares a fresh run with these outputs, so they are made the same way every time: a
fresh kernel per notebook, the notebook's own folder as working directory, and no timing metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

from .release import notebook_text

__all__ = ["refresh"]


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
    path.write_text(notebook_text(json.loads(nbformat.writes(notebook))), encoding="utf-8")
