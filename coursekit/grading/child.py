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
- leaves stderr, where warnings go, out of the output comparison;
- after each check cell, runs the judge (`judge.py`): the exercise's checks, here in this process,
  against the answer in the kernel, and records its verdict as a junit property. The check
  cell's own output, which the kernel could fake, counts for nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from pathlib import Path
from queue import Empty

import pytest

from ..course import MASTERS_ENV, cell_role, source_text
from ..exercises.wire import REPLY_MARK
from .judge import KernelStopped, Verdict, answer_expression, judge, load_hidden_cases
from .sandbox import ControlGroup, wrap
from .submissions import writable_text

POLL_SECONDS = 0.2  # how often a running cell's kernel is checked for being alive
MEMORY_FULL = 0.9  # a kernel past this share of its memory limit has no room left to work in
MAX_REPLY_CHARACTERS = 8_000_000  # what the judge reads of one reply; an answer's data is far less
IDLE_SECONDS = 5.0  # how long the kernel may take to report idle after its reply

__all__ = ["KernelDied", "main"]


class KernelDied(RuntimeError):
    """The kernel process ended while a cell ran: os._exit, a crash, or the memory limit."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.grading.child")
    parser.add_argument("--memory", type=int, required=True, help="address space, MB (0: no limit)")
    parser.add_argument("--cpu", type=int, required=True, help="CPU time limit, in seconds")
    parser.add_argument("--state", type=Path, required=True, help="where to note the running cell")
    parser.add_argument("--sandbox", type=Path, metavar="WORK",
                        help="run the kernel sandboxed, with WORK as its one writable folder")
    parser.add_argument("--hide", type=Path, action="append", default=[],
                        help="a folder the sandboxed kernel must not see (repeatable)")
    parser.add_argument("--cgroup", help="the control group the sandboxed kernel runs in")
    parser.add_argument("--judge", action="store_true",
                        help="judge each exercise after its check cell (graded runs)")
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
    if args.sandbox:
        _sandbox_kernels(args.sandbox, args.hide, args.cgroup)
    pytest_args = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    watcher = Watcher(args.state, args.memory * 2**20, args.judge)
    return int(pytest.main(pytest_args, plugins=[watcher]))


def _limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, hard))


def _sandbox_kernels(work: Path, hidden: list[Path], cgroup: str | None) -> None:
    """Make nbval start its kernel inside the sandbox, talking over Unix sockets in `work`."""
    import nbval.kernel
    from jupyter_client.manager import KernelManager

    group = ControlGroup(cgroup) if cgroup else None

    class SandboxedKernelManager(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return wrap(super().format_kernel_cmd(extra_arguments), work, hidden, group)

    def start_new_kernel(startup_timeout=60, kernel_name="python", **kwargs):
        manager = SandboxedKernelManager(
            kernel_name=kernel_name, kernel_spec_manager=nbval.kernel.NbvalKernelspecManager(),
            transport="ipc", ip=str(work / "kernel"), connection_file=str(work / "kernel.json"),
        )
        # The kernel is bubblewrap's grandchild: a signal to the process we start would not
        # reach it, so interrupts go as messages.
        manager.kernel_spec.interrupt_mode = "message"
        manager.start_kernel(**kwargs)
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=startup_timeout)
        except RuntimeError:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
            raise
        return manager, client

    nbval.kernel.start_new_kernel = start_new_kernel


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

    def __init__(self, state: Path, memory_bytes: int, judging: bool = False) -> None:
        self.state, self.judging = state, judging
        masters = os.environ.pop(MASTERS_ENV, None)  # the kernel started later need not know
        self.hidden = load_hidden_cases(masters) if masters else {}
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
            item.user_properties.append(("exception", writable_text(errors[-1].get("ename", ""))))
        exercise_id, role = cell_role(item.cell)
        stopped = any(name == "stopped" for name, _ in item.user_properties)
        if self.judging and role == "check" and not stopped and item.parent.kernel is not None:
            self._judge(item, exercise_id)

    def _judge(self, item, exercise_id: str) -> None:
        """Judge the exercise this check cell checks, and record the verdict (or the stop)."""
        expression = answer_expression(source_text(item.cell.source), exercise_id)
        if expression is None:
            verdict = Verdict("failed", "the master's check cell names no answer to judge")
        else:
            budget = item.config.option.nbval_cell_timeout
            try:
                verdict = judge(exercise_id, expression, _asker(item.parent.kernel, budget),
                                self.hidden)
            except KernelStopped as stop:
                item.user_properties.append(("stopped", stop.reason))
                item.session.shouldstop = f"the judge stopped: {stop.reason}"
                return
        item.user_properties.append(("judge", writable_text(verdict.as_json())))


def _asker(kernel, budget: float):
    """Run code in the kernel and return its reply, within `budget` seconds in all."""
    deadline = time.monotonic() + budget

    def ask(code: str) -> dict:
        message_id = kernel.execute_cell_input(code, allow_stdin=False)
        try:
            kernel.await_reply(message_id, timeout=max(0.1, deadline - time.monotonic()))
        except Empty:
            kernel.interrupt()
            raise KernelStopped("timeout") from None
        except KernelDied:
            raise KernelStopped("kernel died") from None
        return _reply(_printed(kernel, message_id, deadline))

    return ask


def _printed(kernel, message_id: str, deadline: float) -> str:
    """What the kernel printed to stdout for one request, up to MAX_REPLY_CHARACTERS."""
    parts, size = [], 0
    while True:
        left = min(IDLE_SECONDS, deadline - time.monotonic())
        try:
            message = kernel.get_message(stream="iopub", timeout=max(0.1, left))
        except Empty:
            raise KernelStopped("timeout") from None
        if message["parent_header"].get("msg_id") != message_id:
            continue
        content = message["content"]
        if message["msg_type"] == "status" and content.get("execution_state") == "idle":
            return "".join(parts)
        if message["msg_type"] == "stream" and content.get("name") == "stdout":
            text = str(content.get("text", ""))
            if size + len(text) <= MAX_REPLY_CHARACTERS:
                parts.append(text)
            size += len(text)


def _reply(printed: str) -> dict:
    """The reply line the kernel printed last, parsed; a missing or broken one is an error."""
    lines = [line for line in printed.splitlines() if line.startswith(REPLY_MARK)]
    try:
        reply = json.loads(lines[-1].removeprefix(REPLY_MARK)) if lines else None
    except (ValueError, RecursionError):
        reply = None
    if not isinstance(reply, dict):
        return {"raised": "NoReply", "message": "the answer sent no readable result back (did it "
                "replace sys.stdout, or print more than the grader reads?)"}
    return reply


def _pid(kernel) -> int | None:
    return kernel.km.provisioner.pid if kernel is not None and kernel.is_alive() else None


def _memory(pid: int | None) -> int:
    """The largest address space of a process or any of its descendants, in bytes (what
    RLIMIT_AS limits, per process); 0 if unknown. A sandboxed kernel is a grandchild."""
    if pid is None:
        return 0
    largest, waiting, seen = 0, [pid], set()
    while waiting and len(seen) < 256:
        current = waiting.pop()
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text(encoding="utf-8")
            children = Path(f"/proc/{current}/task/{current}/children").read_text("utf-8")
        except OSError:
            continue
        found = re.search(r"^VmSize:\s+(\d+) kB", status, re.MULTILINE)
        largest = max(largest, int(found.group(1)) * 1024 if found else 0)
        waiting += [int(child) for child in children.split() if int(child) not in seen]
    return largest


if __name__ == "__main__":
    sys.exit(main())
