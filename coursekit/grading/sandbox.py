"""A sandbox for a student's kernel: it sees the course, a scratch folder and nothing else.

A graded notebook's kernel runs the student's code, so it runs inside bubblewrap (Debian's
`bubblewrap` package, which `make test` installs):

- a read-only view of the system and of the Python that runs the course; the instructor masters,
  the submissions and the grader's output are covered by empty folders, and /tmp, /root and
  /home are empty and private;
- one writable folder, the run's own (the notebook, the kernel's sockets and connection file),
  thrown away after the run;
- no network (a network namespace of its own: not even the grader's loopback), no view of the
  grader's processes (a process namespace of its own, whose processes all end with the run), an
  unprivileged user id;
- limits on file size and open files, on address space per process (set by `child.py`) and,
  where the grader may create control groups (as root), on memory and process count for the
  whole run together.

The kernel talks to the grader over Unix sockets in the run's folder, not TCP. Where bubblewrap is
missing or cannot make namespaces, `why_unavailable()` says so and the kernel runs unsandboxed: the
grade's summary then warns that the guarantees above do not hold.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from functools import cache
from pathlib import Path

__all__ = ["why_unavailable", "wrap", "ControlGroup", "NOBODY", "FILE_SIZE_MB", "PROCESSES"]

NOBODY = 65534  # the user and group id the kernel runs as
FILE_SIZE_MB = 64  # no file the kernel writes grows past this
OPEN_FILES = 256
PROCESSES = 64  # processes and threads of one run, where control groups can count them
_PRIVATE = ("/tmp", "/var/tmp", "/root", "/home", "/run", "/dev/shm")
# The only variables the kernel gets: nothing of the grader's own environment leaks in.
_PASSED_ON = {"PATH", "LANG", "LC_ALL", "PYTHONHASHSEED", "MPLBACKEND", "OPENBLAS_NUM_THREADS",
              "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}


@cache
def why_unavailable() -> str:
    """"" when kernels can be sandboxed here, otherwise the reason they cannot."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return ("bubblewrap is not installed (Debian: apt-get install bubblewrap), so kernels run "
                "unsandboxed")
    probe = subprocess.run(
        [bwrap, *_namespaces(), "--ro-bind", "/", "/", "--", "true"],
        capture_output=True, text=True, timeout=30, check=False,
    )
    if probe.returncode != 0:
        return (f"bubblewrap cannot make namespaces here ({probe.stderr.strip() or 'no reason'}), "
                "so kernels run unsandboxed")
    return ""


def wrap(
    command: list[str], work: Path, hidden: list[Path], cgroup: ControlGroup | None = None
) -> list[str]:
    """`command` (a kernel's command line) run inside the sandbox, with `work` as its one
    writable folder and the folders in `hidden` covered."""
    limits = (
        "import resource, runpy, sys;"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({FILE_SIZE_MB << 20},) * 2);"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({OPEN_FILES},) * 2);"
        "resource.setrlimit(resource.RLIMIT_CORE, (0, 0));"
        "sys.argv = sys.argv[1:];"
        "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)"
    )
    python, module = command[0], _module_of(command)
    inner = [python, "-c", limits, module, *command[command.index(module) + 1:]]
    sandbox = [shutil.which("bwrap") or "bwrap", *_namespaces(), "--die-with-parent",
               "--new-session", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    sandbox += [option for folder in _PRIVATE if Path(folder).is_dir()
                for option in ("--tmpfs", folder)]
    # The Python running the course may live in a private folder (/root/.pyenv): bring it back.
    sandbox += [option for folder in _python_folders() for option in ("--ro-bind", folder, folder)]
    sandbox += [option for folder in map(str, hidden) if Path(folder).is_dir()
                for option in ("--tmpfs", folder)]
    sandbox += ["--bind", str(work), str(work), "--chdir", str(work),
                "--uid", str(NOBODY), "--gid", str(NOBODY), "--clearenv"]
    environment = {name: value for name, value in os.environ.items()
                   if name in _PASSED_ON or name.startswith("JPY_")}
    environment.update(HOME=str(work), TMPDIR=str(work), MPLCONFIGDIR=str(work / ".matplotlib"),
                       IPYTHONDIR=str(work / ".ipython"))
    for name, value in sorted(environment.items()):
        sandbox += ["--setenv", name, value]
    sandbox += ["--", *inner]
    return cgroup.enter(sandbox) if cgroup else sandbox


class ControlGroup:
    """A control group that holds one run: memory and process count for all of it together,
    and a way to end every process in it. Only where the grader may create groups (as root)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.folders = [folder / name for folder in _controllers()]

    @classmethod
    def create(cls, name: str, memory_mb: int) -> ControlGroup | None:
        """A new group, or None where groups cannot be made (not root, none mounted)."""
        group = cls(name)
        if not group.folders:
            return None
        try:
            for folder in group.folders:
                folder.mkdir(exist_ok=True)
                for setting, value in _settings(memory_mb).items():
                    if (folder / setting).exists():
                        (folder / setting).write_text(value)
        except OSError:
            group.end()
            return None
        return group

    def enter(self, command: list[str]) -> list[str]:
        """`command`, started from inside the group (so is everything it starts)."""
        join = "; ".join(f'echo $$ > "{folder}/cgroup.procs"' for folder in self.folders)
        return ["sh", "-c", f'{join}; exec "$@"', "sh", *command]

    def end(self) -> None:
        """Kill every process still in the group, then remove it."""
        for folder in self.folders:
            for _ in range(50):
                pids = _pids(folder)
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            try:
                folder.rmdir()
            except OSError:
                pass


def _python_folders() -> list[str]:
    """The folders this Python and its packages are loaded from, outermost first: coursekit's
    own folder too, which an editable install loads from its checkout (never the checkout
    itself, which holds the masters)."""
    import coursekit

    found = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).resolve().parent.parent,
             Path(coursekit.__file__).resolve().parent}
    here = Path.cwd().resolve()  # the grader's own scratch folder: not the kernel's business
    found |= {Path(entry) for entry in sys.path
              if entry and Path(entry).is_dir() and Path(entry).resolve() != here}
    folders = sorted({str(folder.resolve()) for folder in found})
    return [folder for folder in folders if folder.startswith(_PRIVATE) and folder != "/"]


def _namespaces() -> list[str]:
    return ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try"]


def _module_of(command: list[str]) -> str:
    """The module a `python -m MODULE ...` kernel command runs."""
    if "-m" not in command:
        raise ValueError(f"expected a `python -m` kernel command, got {command}")
    return command[command.index("-m") + 1]


@cache
def _controllers() -> tuple[Path, ...]:
    """The control-group folders to make a group in: cgroup v2's one, or v1's memory and pids."""
    if os.geteuid() != 0:
        return ()
    root = Path("/sys/fs/cgroup")
    if (root / "cgroup.controllers").exists():
        try:  # a v2 group only gets the limits its parent hands down
            (root / "cgroup.subtree_control").write_text("+memory +pids")
        except OSError:
            return ()
        return (root,) if os.access(root, os.W_OK) else ()
    found = tuple(root / kind for kind in ("memory", "pids") if os.access(root / kind, os.W_OK))
    return found if len(found) == 2 else ()


def _settings(memory_mb: int) -> dict[str, str]:
    settings = {"pids.max": str(PROCESSES)}
    if memory_mb:
        bytes_ = str(memory_mb << 20)
        settings.update({"memory.max": bytes_, "memory.swap.max": "0",
                         "memory.limit_in_bytes": bytes_})
    return settings


def _pids(folder: Path) -> list[int]:
    try:
        return [int(line) for line in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []
