"""Which files were submitted, by whom, for which notebook; and which of them a shard grades.

Submissions are only ever read, and a student who knows this code cannot make the grader read
someone else's file or credit a file to someone else:

- Whose file. In a folder given on the command line, a file directly in it is named
  `student__notebook.ipynb` (without `student__`, whose it is cannot be told: an error row); a
  file further down belongs to the first-level subfolder it is in (`alice/…/01_chain_rule.ipynb`
  is alice's), and if its name also names a student (`bob__…`) who is not that folder's, the
  file is an error row that says which two names disagree. A file given on the command line by
  itself is the student's named before `__` in its name, else its folder's.
- Links are never followed: a submitted file (or a folder under the given folders) that is a
  symbolic link, broken or not, is an error row asking for the file itself, and files are opened
  with O_NOFOLLOW, so a link swapped in after discovery is refused too; read as a Submission, a
  file must also still be the file found (same device and inode), so swapping a folder on its
  path for a link does not work either. A file that is not a regular file (a FIFO, a device) is
  an error row, never a hang. `.ipynb_checkpoints` are skipped.
- Names that are not text (bytes that are not UTF-8, control characters, the bidirectional
  overrides that make text read backwards) are shown with replacement characters (U+FFFD) or
  escaped, and the file is an error row: rename it and grade again.

Such a file keeps a `problem` (the message of its error row): `read_submission(submission)`
raises it as a SubmissionError, and the gradebook reports the file as an error whatever grading
made of it. The notebook a file answers
comes from its metadata (`metadata.coursekit.notebook`, which survives a rename), otherwise from
its file name after any `student__`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..course import masters, notebook_of

__all__ = ["Submission", "SubmissionError", "find_submissions", "in_shard", "read_submission",
           "MAX_BYTES", "printable_path", "writable_text"]

MAX_BYTES = 50 * 2**20  # far above any notebook of this course, even with all its figures

LINKED = ("this is a symbolic link, and links are never followed (they could point at anyone's "
          "file); submit the notebook file itself, not a link to it")
NOT_A_FILE = ("this is not an ordinary file (a pipe or a device?); submit the notebook file that "
              "JupyterLab saves")
CHECKPOINTS = ".ipynb_checkpoints"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # and bidi overrides
_SURROGATES = re.compile("[\ud800-\udfff]")

# Open for reading without following a final symbolic link, without blocking on a FIFO, and
# without a terminal becoming the grader's controlling terminal; the flags a system lacks are 0.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_BINARY", 0))


@dataclass(frozen=True, order=True)
class Submission:
    """One submitted file, the student it belongs to, and why it cannot be graded, if it cannot.

    `student` is always text (no lone surrogates); `path` is the file as found, undecodable bytes
    and all, so it can still be opened; `identity` is the file's (device, inode) when it was
    found, so that reading it refuses a different file put in its place since (even through a
    folder on its path swapped for a link).
    """

    student: str
    path: Path
    problem: str = ""
    identity: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def guessed_notebook(self) -> str:
        """The notebook the file name suggests, before its contents are read."""
        return _guessed_notebook(self.path)

    @property
    def shown_path(self) -> str:
        """The path as text to write down (undecodable bytes as U+FFFD)."""
        return printable_path(self.path)


class SubmissionError(ValueError):
    """A file that cannot be graded; the message says why and what the student can do."""


def find_submissions(paths: Iterable[Path | str]) -> list[Submission]:
    """Every notebook in the given files and folders (searched recursively, no link followed),
    in a fixed order; a file that cannot be graded is listed with its `problem`. A file found
    twice (in a folder and by itself, say) is listed once, as it was found first."""
    found: dict[str, Submission] = {}
    for path in map(Path, paths):
        if path.is_dir():  # a folder named by the instructor may itself be a link
            submissions = _in_folder(path)
        elif os.path.lexists(path):
            submissions = [_given_file(path)]
        else:
            raise FileNotFoundError(f"there is no file or folder {printable_path(path)}")
        for submission in submissions:
            found.setdefault(os.path.normpath(os.path.abspath(submission.path)), submission)
    return sorted(found.values())


def in_shard(submission: Submission, index: int, count: int) -> bool:
    """Whether shard `index` of `count` grades this submission.

    Shards split by student, with a hash that is the same on every machine, so each student's
    feedback is written whole by one shard.
    """
    digest = hashlib.sha256(submission.student.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def read_submission(
    source: Path | Submission, max_bytes: int = MAX_BYTES
) -> tuple[dict, str]:
    """The parsed notebook and the name of the master it answers, or a SubmissionError.

    The file is opened without following a link and read only if it is a regular file, and
    never more than `max_bytes` of it. Given a Submission, its `problem` is the error, and a
    file that is not the one found (by `identity`) is refused.
    """
    if isinstance(source, Submission):
        if source.problem:
            raise SubmissionError(source.problem)
        path, identity = source.path, source.identity
    else:
        path, identity = Path(source), None
    notebook = _json_of(_read_bytes(path, max_bytes, identity))
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("the file is JSON but not a Jupyter notebook (it has no cells)")
    if notebook.get("nbformat") != 4:
        raise SubmissionError(
            f"the file is a version {str(notebook.get('nbformat'))[:20]} notebook; the course "
            "uses version 4: open it in a current JupyterLab, save it, and submit it again"
        )
    return notebook, _notebook_name(notebook, path)


def _json_of(data: bytes) -> object:
    """The JSON a submitted file holds, or a SubmissionError that says why it holds none."""
    if not data:
        raise SubmissionError("the file is empty; save the notebook in JupyterLab, submit again")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SubmissionError(
            "the file is not a notebook (not valid JSON); submit the .ipynb file that JupyterLab "
            "saves, not an export or a copy of its text"
        ) from None
    except RecursionError:
        raise SubmissionError("the file is not a notebook: its JSON is nested thousands of "
                              "levels deep; submit the .ipynb file that JupyterLab saves") from None


def printable_path(path: Path | str) -> str:
    """A path as text: bytes that are not UTF-8 become U+FFFD, so it can be written anywhere."""
    return writable_text(os.fspath(path))


def _read_bytes(path: Path, max_bytes: int, identity: tuple[int, int] | None) -> bytes:
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            raise SubmissionError(_not_regular(mode))
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK):  # what O_NOFOLLOW gives on a link
            raise SubmissionError(LINKED) from None
        raise SubmissionError(f"the file cannot be opened ({error.strerror}); was it moved or "
                              "deleted while grading ran?") from None
    with open(descriptor, "rb") as file:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):  # replaced between the look and the open
            raise SubmissionError(_not_regular(opened.st_mode))
        if identity is not None and (opened.st_dev, opened.st_ino) != identity:
            raise SubmissionError("this is no longer the file that was found when grading "
                                  "began (it was replaced, or a folder on its path was); "
                                  "grade it again")
        if opened.st_size > max_bytes:
            raise _too_big(opened.st_size, max_bytes)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew after the look
        raise _too_big(len(data), max_bytes)
    return data


def _not_regular(mode: int) -> str:
    return LINKED if stat.S_ISLNK(mode) else NOT_A_FILE


def _too_big(size: int, max_bytes: int) -> SubmissionError:
    return SubmissionError(
        f"the file is {size / 2**20:.0f} MB, more than the {max_bytes / 2**20:.0f} MB allowed; "
        "clear its outputs (Edit > Clear Outputs of All Cells), save, and submit it again"
    )


def _in_folder(root: Path) -> Iterable[Submission]:
    """The notebooks under `root`, walked without following links (an explicit stack, so no
    depth of folders is too deep)."""
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            yield _unlisted(root, folder, error)
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                if path.is_dir():
                    yield _found(root, path, LINKED, folder=True)
                elif entry.name.endswith(".ipynb"):
                    yield _found(root, path, LINKED)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name != CHECKPOINTS:
                    folders.append(path)
            elif entry.name.endswith(".ipynb"):
                problem = "" if entry.is_file(follow_symlinks=False) else NOT_A_FILE
                yield replace(_found(root, path, problem), identity=_identity(entry))


def _identity(entry: os.DirEntry) -> tuple[int, int] | None:
    """A found file's (device, inode); None if it is gone already (reading it will say so)."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _found(root: Path, path: Path, problem: str, folder: bool = False) -> Submission:
    """A file (or a folder that cannot be searched) under `root`: its student by the folder
    rule, and its problem if any."""
    parts = path.relative_to(root).parts
    named = None if folder else _named_student(path.name)
    if len(parts) > 1 or (folder and parts):  # in (or being) a student's folder
        student = parts[0]
        if named and named != student and not problem:
            problem = (f"the file name names the student {writable_text(named)!r} but the file "
                       f"is in the folder of {writable_text(student)!r}; move it to its "
                       "student's folder, or take the other name out of its file name")
    else:  # a file directly in the given folder (or that folder itself)
        student = named or ""
        if not named and not problem:
            problem = ("whose file this is cannot be told: a file directly in a folder given to "
                       "the grader must be named student__notebook.ipynb; or give the grader "
                       "the folder that holds the students' folders")
    return Submission(writable_text(student), path, problem or _unreadable_name(parts))


def _given_file(path: Path) -> Submission:
    """A file named on the command line: its student by the part of its name before `__`, else
    by its folder."""
    student = _named_student(path.name) or Path(os.path.abspath(path)).parent.name
    info = os.lstat(path)
    problem = "" if stat.S_ISREG(info.st_mode) else _not_regular(info.st_mode)
    problem = problem or _unreadable_name((student, path.name))
    return Submission(writable_text(student), path, problem, (info.st_dev, info.st_ino))


def _unlisted(root: Path, folder: Path, error: OSError) -> Submission:
    """A folder that cannot be listed: an error row for it, so its files are not silently lost."""
    return _found(root, folder, f"the folder cannot be read ({error.strerror}), so its "
                                "notebooks could not be graded; make it readable and grade again",
                  folder=True)


def _unreadable_name(parts: Iterable[str]) -> str:
    """Why names cannot be written down faithfully, or "" when they can."""
    for part in parts:
        text = writable_text(part)
        if text != part or _CONTROL.search(text):
            return (f"the name {text!r} is not plain text (bytes that are not UTF-8, or control "
                    "characters); rename it with letters, digits and dashes, and grade again")
    return ""


def _named_student(file_name: str) -> str | None:
    """The student a file name names (`alice__01_chain_rule.ipynb` names alice), if any."""
    prefix, found, _ = file_name.partition("__")
    return prefix if found and prefix else None


def writable_text(text: str) -> str:
    """Text that any UTF-8 writer (a CSV, XML, a notebook) accepts: each lone surrogate (an
    undecodable byte of a file name, or a "\\ud800" in a student's code) becomes U+FFFD."""
    return _SURROGATES.sub("\ufffd", str(text))


def _guessed_notebook(path: Path) -> str:
    """The notebook a file name suggests: its stem, after any `student__`."""
    return path.stem.split("__", 1)[-1]


def _notebook_name(notebook: dict, path: Path) -> str:
    known = [master.stem for master in masters()]
    claimed = notebook_of(notebook)
    if claimed in known:
        return claimed
    if claimed is not None:
        raise SubmissionError(f"the notebook says it is {str(claimed)[:80]!r}, which is not a "
                              f"notebook of this course ({', '.join(known)})")
    guessed = _guessed_notebook(path)
    if guessed in known:
        return guessed
    raise SubmissionError(
        f"cannot tell which notebook of the course this is: it has no course metadata and its "
        f"name is not one of {', '.join(known)}; submit the notebook the course gave you"
    )
