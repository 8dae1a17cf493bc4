"""The course as a JupyterLite site: static files that run the notebooks in the browser.

The site is built as `make lite` builds it: a wheel of coursekit, then `jupyter lite build` with
the notebooks as contents and the wheel bundled for piplite. When a student opens the site, the
browser fetches Pyodide (Python compiled to WebAssembly) and numpy and matplotlib from Pyodide's
CDN, which this test cannot reach. So it checks what can be checked without it: the build needs
no network, the site holds every notebook and the wheel, the notebooks open on Lite's Python
kernel without asking which one, and the library keeps to what Pyodide can run: pure Python, no
threads, no subprocesses.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_binder import run

from coursekit.course import SOLUTION_BEGIN, masters

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
LITE_PYTHON = REPO / ".venv-lite" / "bin" / "python"  # JupyterLite's tools, kept out of .venv
SCREENSHOTS = REPO / "build" / "screenshots" / "lite"
NO_NETWORK = "http://127.0.0.1:9"  # a proxy that refuses every connection
PYODIDE_KERNEL = "@jupyterlite/pyodide-kernel-extension"
WIDGETS = "@jupyter-widgets/jupyterlab-manager"
NEVER_IN_THE_CORE = ("threading", "subprocess", "multiprocessing", "concurrent")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The built site: the wheel first (pip may fetch setuptools), then Lite with no network."""
    if not LITE_PYTHON.exists():
        pytest.skip("JupyterLite's virtualenv is missing: `make test` or `make lite` makes it")
    build = tmp_path_factory.mktemp("lite")
    run([LITE_PYTHON, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         build / "wheels", REPO])
    (wheel,) = (build / "wheels").glob("coursekit-*.whl")
    proxies = ("http_proxy", "https_proxy", "all_proxy")
    offline = {**os.environ, **{name: NO_NETWORK for name in proxies},
               **{name.upper(): NO_NETWORK for name in proxies}, "no_proxy": "", "NO_PROXY": ""}
    run([LITE_PYTHON, "-m", "jupyter", "lite", "build", "--lite-dir", build,
         "--contents", NOTEBOOKS, "--piplite-wheels", wheel, "--output-dir", build / "site",
         "--no-sourcemaps"], cwd=build, env=offline)
    return build / "site"


def lite_config(site: Path) -> dict:
    return json.loads((site / "jupyter-lite.json").read_text("utf-8"))["jupyter-config-data"]


def test_the_site_holds_every_notebook_of_the_course(site):
    built = {path.name: path for path in (site / "files").glob("*.ipynb")}
    assert sorted(built) == sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    for name, path in built.items():
        assert path.read_bytes() == (NOTEBOOKS / name).read_bytes(), f"{name} changed on the way"


def test_the_site_bundles_the_coursekit_wheel_for_piplite(site):
    index = json.loads((site / "pypi" / "all.json").read_text("utf-8"))
    (release,) = index["coursekit"]["releases"].values()
    (entry,) = release
    wheel = site / "pypi" / entry["filename"]
    assert wheel.exists()
    assert entry["digests"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    settings = lite_config(site)["litePluginSettings"][f"{PYODIDE_KERNEL}:kernel"]
    assert any(url.startswith("./pypi/all.json") for url in settings["pipliteUrls"])


def test_the_wheel_is_pure_python_and_carries_the_data(site):
    (wheel,) = (site / "pypi").glob("coursekit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [name for name in names if name.endswith(".dist-info/WHEEL")]
        fields = archive.read(metadata).decode().splitlines()
    assert "Tag: py3-none-any" in fields and "Root-Is-Purelib: true" in fields, fields
    compiled = [name for name in names if name.endswith((".so", ".pyd", ".dylib"))]
    assert not compiled, f"Pyodide cannot load compiled extensions: {compiled}"
    assert any(name.startswith("coursekit/data/") and name.endswith(".csv.gz") for name in names)


def test_neither_the_wheel_nor_the_site_holds_a_solution_or_a_hidden_case(site):
    """What students get has no marker line of a solution and no argument set of a hidden
    case (each hidden set written as JSON would be, or as the repr of a Python dict)."""
    leaks = solution_and_hidden_case_texts()
    (wheel,) = (site / "pypi").glob("coursekit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files |= {str(path): path.read_bytes() for path in site.rglob("*") if path.is_file()
              and path.suffix in (".ipynb", ".json", ".py", ".md", ".txt")}
    found = [(name, leak) for name, data in files.items() for leak in leaks if leak in data]
    assert not found, found[:5]


def solution_and_hidden_case_texts() -> list[bytes]:
    from coursekit.grading.judge import load_hidden_cases

    leaks = [f"{SOLUTION_BEGIN}\n".encode(), f"{SOLUTION_BEGIN}\\n".encode()]
    for names in load_hidden_cases(masters()[0].parent).values():
        for sets in names.values():
            for arguments in sets:
                plain = {key: value for key, value in arguments.items()
                         if isinstance(value, float)}
                if plain:
                    leaks += [json.dumps(plain).encode(), repr(plain).encode()]
    return leaks


def test_the_notebooks_ask_for_a_kernel_that_lite_finds_by_language(site):
    """Lite's one kernel is named `python`, the notebooks ask for `python3`: JupyterLab then
    takes the only kernel of the notebook's language, so no kernelspec mapping is needed."""
    config = lite_config(site)
    assert config["defaultKernelName"] == "python"
    extensions = [extension["name"] for extension in config["federated_extensions"]]
    assert PYODIDE_KERNEL in extensions
    assert WIDGETS in extensions, "without the widget manager the explorers cannot show"
    for path in (site / "files").glob("*.ipynb"):
        metadata = json.loads(path.read_text("utf-8"))["metadata"]
        language = metadata.get("kernelspec", {}).get("language")
        assert language == "python", f"{path.name} asks for a kernel of language {language!r}"


def test_lite_opens_the_welcome_notebook_on_the_pyodide_kernel_without_asking(site):
    from test_browser import chromium, expect

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    welcome = NOTEBOOKS / "00_welcome.ipynb"
    cells = json.loads(welcome.read_text("utf-8"))["cells"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Nothing but this machine resolves: the site must not need anything else to open.
    with chromium("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1") as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/lab/index.html"
                      f"?path={welcome.name}")
            notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            expect(notebook.locator(".jp-Cell")).to_have_count(len(cells), timeout=60_000)
            status = page.locator("#jp-main-statusbar")
            expect(status).to_contain_text("Python (Pyodide)", timeout=60_000)
            page.screenshot(path=SCREENSHOTS / f"{welcome.stem}.png")
            assert page.locator(".jp-Dialog").count() == 0, "Lite asked which kernel to use"
        finally:
            page.close()
            server.shutdown()


# Pyodide's limits, in a fresh interpreter (pytest itself has long imported threading): threads
# and processes refuse to start, and the modules named on the command line cannot be imported.
PYODIDE_LIKE = """
import _posixsubprocess, _thread, importlib, json, os, sys

UNAVAILABLE = set(sys.argv[1:])


class Unavailable:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in UNAVAILABLE:
            raise ImportError(f"{name} cannot be used under Pyodide")


def refuse(*args, **kwargs):
    raise OSError("Pyodide cannot start threads or processes")


loaded = UNAVAILABLE & set(sys.modules)
assert not loaded, f"already imported at start-up: {loaded}"
sys.meta_path.insert(0, Unavailable())
for module, names in ((_thread, ("start_new_thread", "start_joinable_thread")),
                      (_posixsubprocess, ("fork_exec",)),
                      (os, ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system"))):
    for name in names:
        if hasattr(module, name):
            setattr(module, name, refuse)
for name in UNAVAILABLE:
    try:
        importlib.import_module(name)
        sys.exit(f"the blocker let {name} in")
    except ImportError:
        pass
"""
CORE = """
from coursekit import Tensor, trace

graph = trace(lambda x, y, z: (x + y) * z, x=-2.0, y=5.0, z=-4.0).backward()
x = Tensor([[1.0, 2.0]], requires_grad=True)
w = Tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], requires_grad=True)
(x @ w).sum().backward()
print(json.dumps({"value": graph.value, "grads": graph.grads,
                  "x.grad": x.grad.tolist(), "w.grad": w.grad.tolist()}))
"""
COURSE = """
from coursekit import trace
from coursekit.course import solution_of
from coursekit.draw import draw
from coursekit.exercises import check
from coursekit.explorers import stepper_view

graph = trace(lambda x, y, z: (x + y) * z, x=-2.0, y=5.0, z=-4.0)
print(stepper_view(graph, 1).sentences)
print(draw(graph).svg)
answer = {}
exec(solution_of("1.1"), answer)
print(check("1.1", answer["add_multiply_gradients"]))
"""


def run_like_pyodide(script: str, *unavailable: str) -> str:
    done = subprocess.run([sys.executable, "-I", "-c", PYODIDE_LIKE + script, *unavailable],
                          cwd=REPO.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_core_traces_and_backpropagates_without_threading_or_subprocess():
    result = json.loads(run_like_pyodide(CORE, *NEVER_IN_THE_CORE))
    assert result["value"] == -12.0  # the lectures' f = (x + y)·z at (-2, 5, -4)
    assert result["grads"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert result["x.grad"] == [[3 + 4 + 5, 6 + 7 + 8]]  # d sum(x·W)/dx = row sums of W
    assert result["w.grad"] == [[1.0] * 3, [2.0] * 3]  # d sum(x·W)/dW = xᵀ times ones


def test_drawings_explorers_and_checks_work_where_no_thread_or_process_can_start():
    printed = run_like_pyodide(COURSE)
    assert "upstream × local = downstream: 1 × -4 = -4" in printed  # z into the sum
    assert ">−12</text>" in printed
    assert re.search(r"Exercise 1.1 .*: all \d+ checks passed", printed), printed
