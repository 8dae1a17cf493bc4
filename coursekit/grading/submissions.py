"""Which files were submitted, by whom, for which notebook; and which of them a shard grades.

Submissions are only ever read. A student is named by the part of the file name before a double
underscore (`alice__01_chain_rule.ipynb`), otherwise by the folder holding the file
(`alice/01_chain_rule.ipynb`). The notebook a file answers comes from its metadata
(`metadata.coursekit.notebook`, which survives a rename), otherwise from its file name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..course import masters, notebook_of

__all__ = ["Submission", "SubmissionError", "find_submissions", "in_shard", "read_submission",
           "MAX_BYTES"]

MAX_BYTES = 50 * 2**20  # far above any notebook of this course, even with all its figures


@dataclass(frozen=True, order=True)
class Submission:
    """One submitted file and the student it belongs to."""

    student: str
    path: Path

    @property
    def guessed_notebook(self) -> str:
        """The notebook the file name suggests, before its contents are read."""
        return _guessed_notebook(self.path)


class SubmissionError(ValueError):
    """A file that cannot be graded; the message says why and what the student can do."""


def find_submissions(paths: Iterable[Path | str]) -> list[Submission]:
    """Every notebook in the given files and folders (searched recursively), in a fixed order."""
    found = set()
    for path in map(Path, paths):
        if path.is_dir():
            files = [file for file in path.rglob("*.ipynb")
                     if ".ipynb_checkpoints" not in file.parts and file.is_file()]
        elif path.exists():
            files = [path]
        else:
            raise FileNotFoundError(f"there is no file or folder {path}")
        found.update(Submission(_student(file), file) for file in files)
    return sorted(found)


def in_shard(submission: Submission, index: int, count: int) -> bool:
    """Whether shard `index` of `count` grades this submission.

    Shards split by student, with a hash that is the same on every machine, so each student's
    feedback is written whole by one shard.
    """
    digest = hashlib.sha256(submission.student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def read_submission(path: Path, max_bytes: int = MAX_BYTES) -> tuple[dict, str]:
    """The parsed notebook and the name of the master it answers, or a SubmissionError."""
    size = path.stat().st_size
    if size == 0:
        raise SubmissionError("the file is empty; save the notebook in JupyterLab, submit again")
    if size > max_bytes:
        raise SubmissionError(
            f"the file is {size / 2**20:.0f} MB, more than the {max_bytes / 2**20:.0f} MB allowed; "
            "clear its outputs (Edit > Clear Outputs of All Cells), save, and submit it again"
        )
    try:
        notebook = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SubmissionError(
            "the file is not a notebook (not valid JSON); submit the .ipynb file that JupyterLab "
            "saves, not an export or a copy of its text"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("the file is JSON but not a Jupyter notebook (it has no cells)")
    if notebook.get("nbformat") != 4:
        raise SubmissionError(
            f"the file is a version {notebook.get('nbformat')} notebook; the course uses version "
            "4: open it in a current JupyterLab, save it, and submit it again"
        )
    return notebook, _notebook_name(notebook, path)


def _student(path: Path) -> str:
    prefix, found, _ = path.name.partition("__")
    return prefix if found else path.parent.resolve().name


def _guessed_notebook(path: Path) -> str:
    """The notebook a file name suggests: its stem, after any `student__`."""
    return path.stem.split("__", 1)[-1]


def _notebook_name(notebook: dict, path: Path) -> str:
    known = [master.stem for master in masters()]
    claimed = notebook_of(notebook)
    if claimed in known:
        return claimed
    if claimed is not None:
        raise SubmissionError(f"the notebook says it is {claimed!r}, which is not a notebook of "
                              f"this course ({', '.join(known)})")
    guessed = _guessed_notebook(path)
    if guessed in known:
        return guessed
    raise SubmissionError(
        f"cannot tell which notebook of the course this is: it has no course metadata and its "
        f"name is not one of {', '.join(known)}; submit the notebook the course gave you"
    )
