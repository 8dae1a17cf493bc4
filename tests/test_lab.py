"""The Makefile on any machine: `make lab` starts JupyterLab, as root (containers) and as an
ordinary user, and `make test` and `make bench` say what matters and nothing else.

The lab tests run the very command the Makefile's lab target runs (`make -s print-lab-command`),
with no browser, a free port, a token, and Jupyter's runtime, config and data folders in a scratch
folder, then fetch /lab over http and stop the server. The page must not load JupyterLite's
extension, which fails in JupyterLab ("Shared module @jupyterlite/services doesn't exist").
The other targets run with stand-ins for apt-get and Python, so they take no time and install
nothing.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOKEN = "coursekit-test"
START_SECONDS = 90  # JupyterLab starts in a few seconds; a loaded machine may take many more
ORDINARY_USER = "nobody"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_user(user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--"] if user else []


def lab_command(user: str | None) -> list[str]:
    """What `make lab` runs for `user` (None: whoever runs the tests)."""
    done = subprocess.run([*as_user(user), "make", "-s", "print-lab-command"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return shlex.split(done.stdout.strip())


def jupyter_folders(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "IPYTHONDIR": str(home / "ipython"),
    }


def fetch_lab(port: int, server: subprocess.Popen) -> tuple[int, str]:
    """The http status and page of /lab, once the server answers; waits at most START_SECONDS."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={TOKEN}",
                                        timeout=10) as response:
                return response.status, response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, ""
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {START_SECONDS} s")


def stop(server: subprocess.Popen) -> None:
    """Stop the server and everything it started (its kernels, a runuser in between)."""
    for sign, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sign)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def serve_lab(user: str | None, home: Path) -> tuple[int, str, str]:
    """Start `make lab`'s command as `user` and fetch /lab: its status, the page, and what the
    server printed."""
    port = free_port()
    command = [*lab_command(user), "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={TOKEN}"]
    environment = [f"{name}={value}" for name, value in jupyter_folders(home).items()]
    log = home / "lab.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([*as_user(user), "env", *environment, *command], cwd=REPO,
                                  stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            status, page = fetch_lab(port, server)
        finally:
            stop(server)
    return status, page, log.read_text("utf-8", errors="replace")


def page_extensions(page: str) -> list[str]:
    """The federated extensions a JupyterLab page loads, from its page config."""
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.DOTALL)
    assert found, "the page has no jupyter-config-data"
    return [extension["name"] for extension in json.loads(found[1])["federated_extensions"]]


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> tuple[int, str, str]:
    return serve_lab(None, tmp_path_factory.mktemp("lab"))


def test_make_lab_serves_the_course_to_whoever_runs_it(lab):
    status, page, output = lab
    assert status == 200, output[-3000:]
    assert "notebooks" in " ".join(lab_command(None))
    assert "@jupyter-widgets/jupyterlab-manager" in page_extensions(page), "explorers need it"


def test_make_lab_loads_no_jupyterlite_extension(lab):
    lite = [name for name in page_extensions(lab[1]) if name.startswith("@jupyterlite/")]
    assert not lite, (f"JupyterLab loads {lite}, which only work in JupyterLite: build the site "
                      "from .venv-lite (make lite) and keep JupyterLite out of .venv")


@pytest.mark.skipif(os.geteuid() != 0, reason="runs as root, to start it as another user")
@pytest.mark.skipif(shutil.which("runuser") is None, reason="needs runuser (util-linux)")
def test_make_lab_serves_the_course_to_an_ordinary_user_too():
    try:
        user = pwd.getpwnam(ORDINARY_USER)
    except KeyError:
        pytest.skip(f"this machine has no user {ORDINARY_USER!r}")
    python = REPO / ".venv" / "bin" / "python"
    runs = subprocess.run([*as_user(ORDINARY_USER), str(python), "-c", "import jupyterlab"],
                          cwd="/", capture_output=True, text=True, timeout=60)
    if runs.returncode != 0:
        pytest.skip(f"{ORDINARY_USER} cannot run {python} (its interpreter is "
                    f"{python.resolve()}): {(runs.stderr.strip() or '?').splitlines()[-1]}")
    assert "--allow-root" not in lab_command(ORDINARY_USER)
    with tempfile.TemporaryDirectory(prefix="coursekit-lab-") as scratch:
        home = Path(scratch)
        os.chown(home, user.pw_uid, user.pw_gid)
        status, _, output = serve_lab(ORDINARY_USER, home)
    assert status == 200, output[-3000:]


def stand_in(folder: Path, name: str, script: str) -> None:
    """An executable `name` in `folder` that runs the shell `script`."""
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)


def test_make_test_installs_missing_system_packages_quietly_into_a_log(tmp_path):
    tools = tmp_path / "bin"  # the only folder on PATH: no chromium, no bwrap, a talkative apt-get
    tools.mkdir()
    stand_in(tools, "apt-get", 'for i in $(seq 300); do echo "Unpacking package $i ..."; done; '
                               'echo "apt-get $*" >&2')
    stand_in(tools, "id", "echo 0")  # as root, who may install
    for name in ("mkdir", "seq"):
        os.symlink(shutil.which(name), tools / name)
    make = [shutil.which("make"), "-s", "-f", str(REPO / "Makefile"), "system-packages"]
    done = subprocess.run(make, cwd=tmp_path, env={"PATH": str(tools)}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Installing chromium bubblewrap (log: build/apt.log)"]
    log = (tmp_path / "build" / "apt.log").read_text("utf-8")
    assert "Unpacking package 300" in log
    assert "install -y -qq chromium bubblewrap" in log


def test_make_test_lists_the_slowest_tests():
    done = subprocess.run(["make", "-n", "-W", "pyproject.toml", "test"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    (pytest_line,) = [line for line in done.stdout.splitlines() if "-m pytest" in line]
    assert "--durations=15" in pytest_line


def test_make_bench_puts_a_heading_above_each_script(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    stand_in(venv / "bin", "python", 'echo "ran $1"')
    (venv / ".installed").touch()  # newer than pyproject.toml: nothing to install
    done = subprocess.run(["make", "-s", "bench", f"VENV={venv}"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line]
    scripts = sorted(str(path.relative_to(REPO)) for path in (REPO / "benchmarks").glob("*.py"))
    assert lines == [line for script in scripts for line in (f"== {script} ==", f"ran {script}")]


def test_render_figures_writes_to_a_new_temporary_folder_by_default():
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "render_figures.py")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    folder = Path(re.search(r"figures written to (\S+)", done.stdout)[1])
    try:
        assert folder.parent == Path(tempfile.gettempdir())
        assert folder.name.startswith("coursekit-figures-") and any(folder.glob("*.svg"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
