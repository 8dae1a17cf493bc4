"""The process that runs one notebook: resource limits first, then pytest with nbval and a watcher.

`run.py` starts `python -m coursekit.grading.child --memory MB --cpu SECONDS --state FILE -- ARGS`.
The limits are set here, inside the child, because the kernel nbval starts inherits them (setting
them from the grader with a `preexec_fn` is unsafe while the grader runs threads). The watcher:

- notices at once that the kernel died (nbval would wait out the cell timeout for a reply that
  never comes);
- writes which cell is running, and the kernel's pid, to the state file, so that a run killed at
  its wall-clock limit can say where it stopped and leaves no kernel behind;
- marks, as junit properties the grader reads, the exception a failed cell raised and the cell
  where the run went wrong: it timed out, the kernel died, or its memory filled up;
- leaves stderr, where warnings go, out of the output comparison.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path
from queue import Empty

import pytest

POLL_SECONDS = 0.2  # how often a running cell's kernel is checked for being alive
MEMORY_FULL = 0.9  # a kernel past this share of its memory limit has no room left to work in

__all__ = ["KernelDied", "main"]


class KernelDied(RuntimeError):
    """The kernel process ended while a cell ran: os._exit, a crash, or the memory limit."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.grading.child")
    parser.add_argument("--memory", type=int, required=True, help="address space, MB (0: no limit)")
    parser.add_argument("--cpu", type=int, required=True, help="CPU time limit, in seconds")
    parser.add_argument("--state", type=Path, required=True, help="where to note the running cell")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.memory:
        _limit(resource.RLIMIT_AS, args.memory * 2**20)
    _limit(resource.RLIMIT_CPU, args.cpu)
    # nbformat validates with jsonschema, which compiles an IRI grammar (seconds of CPU, every run)
    # when the optional rfc3987_syntax package is installed; notebook validation never uses it.
    sys.modules.setdefault("rfc3987_syntax", None)
    from nbval.kernel import RunningKernel

    _watch_for_death(RunningKernel)
    pytest_args = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    return int(pytest.main(pytest_args, plugins=[Watcher(args.state, args.memory * 2**20)]))


def _limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, hard))


def _watch_for_death(kernel_class: type) -> None:
    """Make nbval notice a kernel that died, or was told to exit, instead of waiting on it.

    nbval waits for a cell's reply for the whole cell timeout; here it waits in short slices and
    checks between them that the kernel still lives. `exit()` in a cell ends the kernel a moment
    after the reply, so the reply is marked, and the cell that asked is the one that fails.
    """
    wait_for_reply, read_message = kernel_class.await_reply, kernel_class.get_message

    def await_reply(self, msg_id, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SECONDS if deadline is None else deadline - time.monotonic()
            try:
                return wait_for_reply(self, msg_id, timeout=max(0.0, min(POLL_SECONDS, left)))
            except Empty:
                if not self.is_alive():
                    raise KernelDied(
                        "the Python process running the notebook ended during this cell"
                    ) from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    def get_message(self, stream, timeout=None):
        message = read_message(self, stream, timeout=timeout)
        if message.get("msg_type") == "execute_reply":
            payload = message["content"].get("payload") or ()
            if any(p.get("source") == "ask_exit" and not p.get("keepkernel") for p in payload):
                self.exit_requested = True
        return message

    kernel_class.await_reply, kernel_class.get_message = await_reply, get_message


class Watcher:
    """A pytest plugin: notes progress in the state file and annotates cells that failed, or
    that filled the kernel's memory (an answer that keeps its hoard spoils every later cell)."""

    def __init__(self, state: Path, memory_bytes: int) -> None:
        self.state = state
        self.memory_full = MEMORY_FULL * memory_bytes if memory_bytes else float("inf")
        self.timed_out_before = False
        self.memory_before = 0

    def pytest_collection_modifyitems(self, items: list) -> None:
        for item in items:
            notebook = item.parent
            if "stderr" not in notebook.skip_compare:
                notebook.skip_compare = (*notebook.skip_compare, "stderr")

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item):
        kernel = item.parent.kernel
        pid = _pid(kernel)
        self.state.write_text(json.dumps({"cell": item.cell_num, "kernel": pid}), "utf-8")
        self.timed_out_before, self.memory_before = item.parent.timed_out, _memory(pid)
        result = yield
        if getattr(kernel, "exit_requested", False):
            raise KernelDied("exit() or quit() in this cell stops the Python process")
        return result

    @pytest.hookimpl(tryfirst=True)  # before pytest copies user_properties into the report
    def pytest_runtest_makereport(self, item, call) -> None:
        if call.when != "call":
            return
        memory = _memory(_pid(item.parent.kernel))
        if call.excinfo is not None and call.excinfo.errisinstance(KernelDied):
            item.user_properties.append(("stopped", "kernel died"))
        elif item.parent.timed_out and not self.timed_out_before:
            item.user_properties.append(("stopped", "timeout"))
        elif memory > self.memory_full >= self.memory_before:
            item.user_properties.append(("stopped", "memory"))
        errors = [out for out in item.test_outputs or () if out.get("output_type") == "error"]
        if errors:
            item.user_properties.append(("exception", errors[-1]["ename"]))


def _pid(kernel) -> int | None:
    return kernel.km.provisioner.pid if kernel is not None and kernel.is_alive() else None


def _memory(pid: int | None) -> int:
    """The address space a process uses, in bytes (what RLIMIT_AS limits); 0 if unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0
    found = re.search(r"^VmSize:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


if __name__ == "__main__":
    sys.exit(main())
