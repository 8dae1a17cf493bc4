"""The course in a real browser: JupyterLab and Chromium doing what a student does.

Every student notebook: clear it and Run All, as a student who has answered nothing yet; the run
reaches the last cell, nothing raises, every explorer renders, and the only "not answered" boxes
are the checks of its exercises. For the chain-rule, sigmoid and momentum notebooks: see the
first figure drawn (the traced graph with its numbers, where a notebook starts with one), answer
the first exercise by typing the master's answer in place of the stub's lines, then move a slider
of the explorer with the keyboard and with the mouse and watch the figure change. The welcome
notebook's check is shown passed, failed and not answered, in the light and the dark theme.

Screenshots of every step go to build/screenshots/<notebook>/, and the time from starting
JupyterLab to the first rendered figure to build/screenshots/timings.txt (and to stdout: -s).
Needs Debian's Chromium at /usr/bin/chromium (`make test` installs it when run as root) and the
`playwright` package, which drives that browser: no browser is ever downloaded.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

import psutil
import pytest

from coursekit.course import cell_role, solution_of

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # chromium() skips, saying how to install it
    expect = sync_playwright = None

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SCREENSHOTS = REPO / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SECONDS = 1000  # Playwright counts milliseconds
IDLE = re.compile(r"\|\s*Idle")
PASS_LINE = re.compile(r"all \d+ checks passed|its one check passed")
STUB_LINE = re.compile(r"NotImplementedError|your answer in place of")
# How IPython shows an error: a traceback, or for a SyntaxError the cell and line it is in.
ERROR = re.compile(r"Traceback \(most recent call last\)|^\s*Cell In\[\d+\], line \d+", re.M)

# True once no cell is queued or running ([*]) and the kernel says Idle.
SETTLED = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const prompts = [...panel.querySelectorAll('.jp-InputPrompt')].map(p => p.textContent);
    const status = document.querySelector('#jp-main-statusbar').textContent;
    return !prompts.some(text => text.includes('*')) && /\\|\\s*Idle/.test(status);
}"""
# What a figure shows, as a hash: an inline SVG's markup, or the bytes behind an <img>.
DIGEST = """async (element) => {
    const bytes = element.tagName.toLowerCase() === 'img'
        ? new Uint8Array(await (await fetch(element.src)).arrayBuffer())
        : new TextEncoder().encode(element.outerHTML);
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return [...hash].map(byte => byte.toString(16).padStart(2, '0')).join('');
}"""


@dataclass(frozen=True)
class Walk:
    """What to look for in one notebook."""

    notebook: str
    explorer: str  # a piece of the code cell that shows the explorer, to find that cell
    slider: str  # the description of the slider to move
    graph_value: str | None = None  # a number the first figure, a traced graph, must show


WALKS = [
    Walk("01_chain_rule", explorer="backward_stepper(", slider="step", graph_value="−12"),
    Walk("02_sigmoid", explorer="sigmoid_playground(", slider="w0", graph_value="0.731"),
    Walk("06_momentum", explorer="momentum_explorer(", slider="β"),
]


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    started: float  # time.monotonic() when the server process was started
    timings: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(scratch: Path, port: int, token: str, log: BinaryIO) -> subprocess.Popen:
    """JupyterLab on loopback, on a copy of the notebooks, with its own settings and state."""
    root = scratch / "course"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    notification = scratch / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),  # ignore the user's own ~/.jupyter
        "IPYTHONDIR": str(scratch / "ipython"),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False", "--LabApp.extension_manager=readonly",
    ]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_serving(server: subprocess.Popen, url: str, token: str, log: Path) -> None:
    headers = {"Authorization": f"token {token}"}
    request = urllib.request.Request(f"{url}api/status", headers=headers)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:]
    pytest.fail(f"JupyterLab did not start serving at {url} within 90 s; its log ends:\n{tail}")


def stop(server: subprocess.Popen) -> None:
    """Stop the server and every kernel it started, by their process ids."""
    try:
        kernels = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kernels = []
    server.terminate()  # JupyterLab shuts its kernels down on SIGTERM
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    for kernel in kernels:
        if kernel.is_running():
            kernel.kill()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("lab")
    port, token = free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}/"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    timings = SCREENSHOTS / "timings.txt"
    timings.write_text("", encoding="utf-8")
    with open(scratch / "lab.log", "wb") as log:
        started = time.monotonic()
        server = start_lab(scratch, port, token, log)
        try:
            wait_until_serving(server, url, token, scratch / "lab.log")
            yield Lab(url, token, started, timings)
        finally:
            stop(server)


@contextmanager
def chromium(*extra_args: str):
    """Debian's Chromium under Playwright, or a skip that says what is missing."""
    if sync_playwright is None:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium` "
                    "(`make test` does it when run as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


class Student:
    """One notebook open in the browser, and what a student does with it."""

    def __init__(self, page, notebook: str, shots: Path) -> None:
        self.page, self.notebook, self.shots = page, notebook, shots
        self.cells_json = json.loads((NOTEBOOKS / f"{notebook}.ipynb").read_text("utf-8"))["cells"]
        self.panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        self.cells = self.panel.locator(".jp-Cell")
        self.shot_count = 0

    def open(self, lab: Lab, workspace: str) -> None:
        """Open the notebook in a fresh workspace and wait until its cells and kernel are up."""
        self.page.goto(f"{lab.url}lab/workspaces/{workspace}/tree/{self.notebook}.ipynb"
                       f"?reset&token={lab.token}")
        expect(self.cells).to_have_count(len(self.cells_json), timeout=90 * SECONDS)
        self.page.locator("#jp-main-statusbar").get_by_text(IDLE).wait_for(timeout=90 * SECONDS)

    def screenshot(self, what: str, element=None, align: str = "center") -> None:
        """A picture of the page, scrolled so that the element is at the align of the view."""
        if element is not None:
            element.evaluate("(element, align) => element.scrollIntoView({block: align})", align)
            self.page.wait_for_timeout(300)
        self.shot_count += 1
        self.page.screenshot(path=self.shots / f"{self.shot_count:02d}-{what}.png")

    def menu(self, top: str, item: str) -> None:
        self.page.get_by_role("menuitem", name=top, exact=True).click()
        label = self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
        self.page.locator(".lm-Menu-item", has=label).click()

    def wait_until_idle(self) -> None:
        for _ in range(2):  # twice: between two queued cells the kernel is Idle for a moment
            self.page.wait_for_timeout(300)
            self.page.wait_for_function(SETTLED, timeout=180 * SECONDS)

    def index_of(self, piece: str) -> int:
        for index, cell in enumerate(self.cells_json):
            if cell["cell_type"] == "code" and piece in "".join(cell["source"]):
                return index
        raise AssertionError(f"{self.notebook} has no code cell containing {piece!r}")

    def cell_indices(self, exercise_id: str, role: str) -> list[int]:
        return [index for index, cell in enumerate(self.cells_json)
                if cell_role(cell) == (exercise_id, role)]

    def first_error(self) -> tuple[int, str] | None:
        """The first cell whose output is an error, with that text, or None."""
        outputs = self.cells.evaluate_all(
            "cells => cells.map(cell => cell.querySelector('.jp-OutputArea')?.textContent ?? '')"
        )
        for index, text in enumerate(outputs):
            if ERROR.search(text):
                return index, text
        return None

    def run_cell(self, index: int) -> None:
        self.cells.nth(index).locator(".jp-InputArea-prompt").click()
        self.page.keyboard.press("Shift+Enter")
        self.wait_until_idle()

    def answer(self, exercise_id: str) -> None:
        """Type the master's solution over each line of the stub, run, check."""
        (answer_index,) = self.cell_indices(exercise_id, "answer")
        stub = "".join(self.cells_json[answer_index]["source"]).splitlines()
        solution = solution_of(exercise_id)
        wanted = solution.splitlines()
        edits = SequenceMatcher(None, stub, wanted, autojunk=False).get_opcodes()
        replacements = []
        for operation, stub_from, stub_to, wanted_from, wanted_to in edits:
            if operation == "equal":
                continue
            replaced = stub[stub_from:stub_to]
            assert operation == "replace" and len(replaced) == 1, (
                f"exercise {exercise_id}: the master's answer differs from the stub in more than "
                f"its stub lines, here {replaced} → "
                f"{wanted[wanted_from:wanted_to]}; this test types over those lines only"
            )
            replacements.append(wanted[wanted_from:wanted_to])

        cell = self.cells.nth(answer_index)
        for typed in replacements:  # the first stub line left is always the next to replace
            cell.locator(".cm-line", has_text=STUB_LINE).first.click()
            self.page.keyboard.press("End")
            self.page.keyboard.press("Shift+Home")  # selects the line after its indentation
            self.page.keyboard.insert_text("\n".join([typed[0].lstrip(), *typed[1:]]))
        typed_text = "\n".join(line.text_content() for line in cell.locator(".cm-line").all())
        assert typed_text == solution, f"the editor holds\n{typed_text}\ninstead of\n{solution}"
        self.screenshot(f"answer-{exercise_id}-typed", cell)

        self.run_cell(answer_index)
        for check_index in self.cell_indices(exercise_id, "check"):
            self.run_cell(check_index)
            output = self.cells.nth(check_index).locator(".jp-OutputArea")
            assert PASS_LINE.search(output.text_content() or ""), (
                f"exercise {exercise_id}: its check printed {output.text_content()!r}, "
                "not the pass line"
            )
            self.screenshot(f"answer-{exercise_id}-passed", output)

    def run_all_from_scratch(self) -> None:
        """Clear every output, then Run All Cells and wait until the kernel is idle."""
        self.menu("Edit", "Clear Outputs of All Cells")
        expect(self.panel.locator(".jp-OutputArea-output")).to_have_count(0)
        self.menu("Run", "Run All Cells")
        self.wait_until_idle()

    def theme(self, name: str) -> None:
        self.page.get_by_role("menuitem", name="Settings", exact=True).click()
        self.page.locator(".lm-Menu-item", has_text=re.compile("^Theme$")).hover()
        self.page.locator(".lm-Menu-item", has_text=re.compile(f"^{re.escape(name)}$")).click()
        self.page.wait_for_timeout(800)

    def type_answer(self, exercise_id: str, source: str) -> None:
        """Replace the whole answer cell with `source`, run it and its check."""
        (answer_index,) = self.cell_indices(exercise_id, "answer")
        editor = self.cells.nth(answer_index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.insert_text(source)
        self.run_cell(answer_index)
        for check_index in self.cell_indices(exercise_id, "check"):
            self.run_cell(check_index)

    def slide(self, explorer, name: str) -> None:
        """Step the slider called name with ArrowRight, then drag it to its farther end; the
        explorer's first figure must change each time."""
        label = self.page.locator(".widget-label", has_text=re.compile(f"^{re.escape(name)}$"))
        slider = explorer.locator(".widget-slider", has=label)
        expect(slider).to_have_count(1, timeout=60 * SECONDS)
        handle, readout = slider.locator(".noUi-handle"), slider.locator(".widget-readout")
        output = explorer.locator(".jp-OutputArea")
        figure = output.locator(".jp-OutputArea-output").locator("svg, img").first
        self.screenshot("explorer", output, align="start")

        before, value = self.digest(figure), readout.text_content()
        handle.focus()
        self.page.keyboard.press("ArrowRight")
        stepped = self.wait_for_change(figure, before, "ArrowRight on the slider")
        assert readout.text_content() != value, f"the slider still reads {value}"
        self.screenshot("explorer-after-arrow-right", output, align="start")

        grip, track = handle.bounding_box(), slider.locator(".noUi-base").bounding_box()
        x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
        right_end, left_end = track["x"] + track["width"] - 1, track["x"] + 1
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(right_end if right_end - x > x - left_end else left_end, y, steps=10)
        self.page.mouse.up()
        self.wait_for_change(figure, stepped, "dragging the slider")
        self.screenshot("explorer-after-drag", output, align="start")

    def digest(self, figure) -> str:
        return figure.evaluate(DIGEST)

    def wait_for_change(self, figure, before: str, what: str) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = self.digest(figure)
            if now != before:
                return now
            self.page.wait_for_timeout(200)
        raise AssertionError(f"{self.notebook}: the figure did not change after {what}")


def decoded_svg(src: str) -> str:
    header, _, data = src.partition(",")
    return base64.b64decode(data).decode() if header.endswith(";base64") else unquote(data)


def svg_texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)
    return ["".join(node.itertext()).strip() for node in root.iter() if node.tag.endswith("text")]


# The code cells that show an explorer, by a piece of their code, in each notebook that has one.
EXPLORER_CELLS = {
    "01_chain_rule": ["backward_stepper("],
    "02_sigmoid": ["backward_stepper(", "sigmoid_playground("],
    "04_vanishing_gradients": ["vanishing_gradient_explorer("],
    "05_relu_vs_leaky": ["activation_explorer(", "dead_relu_explorer("],
    "06_momentum": ["momentum_explorer("],
}


@pytest.mark.parametrize("notebook", EXPLORER_CELLS)
def test_a_notebook_not_yet_run_shows_each_explorer_as_a_picture(browser, lab, notebook):
    """Opened and not run, a notebook is not trusted (as none downloaded is), so JupyterLab shows
    a saved explorer's other formats: the picture stored beside the widget, not `VBox(...)`."""
    shots = SCREENSHOTS / "unrun" / notebook
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    student = Student(page, notebook, shots)
    try:
        student.open(lab, f"unrun-{notebook}")
        for piece in EXPLORER_CELLS[notebook]:
            cell = student.cells.nth(student.index_of(piece))
            cell.scroll_into_view_if_needed()
            output = cell.locator(".jp-OutputArea-output").first
            picture = output.locator("img").first
            picture.wait_for(state="visible", timeout=30 * SECONDS)
            assert "VBox(" not in (output.text_content() or "")
            assert picture.evaluate("image => image.complete && image.naturalWidth > 300")
            box = picture.bounding_box()
            assert box["width"] > 300 and box["height"] > 150, f"{piece} shows {box}"
            student.screenshot(f"unrun-{piece.rstrip('(')}", output, align="start")
    finally:
        page.close()


@pytest.mark.parametrize("walk", WALKS, ids=lambda walk: walk.notebook)
def test_a_student_runs_the_notebook_moves_its_explorer_and_solves_an_exercise(
    browser, lab, walk
):
    shots = SCREENSHOTS / walk.notebook
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    uncaught: list[str] = []
    page.on("pageerror", lambda error: uncaught.append(str(error)))
    student = Student(page, walk.notebook, shots)
    try:
        opened = time.monotonic()
        student.open(lab, walk.notebook)
        student.screenshot("opened")

        student.menu("Edit", "Clear Outputs of All Cells")
        expect(student.panel.locator(".jp-OutputArea-output")).to_have_count(0)
        student.menu("Run", "Run All Cells")
        drawing = student.panel.locator(".jp-OutputArea-output img").first
        drawing.wait_for(state="visible", timeout=180 * SECONDS)
        drawn = time.monotonic()
        line = (f"{walk.notebook}: first figure drawn {drawn - lab.started:.1f} s after "
                f"JupyterLab started, {drawn - opened:.1f} s after the notebook was opened")
        print(line)
        with lab.timings.open("a", encoding="utf-8") as timings:
            timings.write(line + "\n")
        student.wait_until_idle()
        box = drawing.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
        if walk.graph_value is not None:
            texts = svg_texts(decoded_svg(drawing.get_attribute("src")))
            assert walk.graph_value in texts, f"the graph shows {texts}, not {walk.graph_value}"
        student.screenshot("first-figure", drawing)

        explorer = student.cells.nth(student.index_of(walk.explorer))
        first = next(cell_role(cell)[0] for cell in student.cells_json
                     if cell_role(cell)[1] == "answer")
        student.answer(first)
        student.slide(explorer, walk.slider)
        assert not uncaught, f"the page raised: {uncaught}"
    finally:
        page.close()


def exercise_count(cells: list[dict]) -> int:
    return sum(cell_role(cell)[1] == "check" for cell in cells)


@pytest.mark.parametrize("notebook", sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")))
def test_run_all_on_a_fresh_notebook_reaches_its_last_cell(browser, lab, notebook):
    """Nothing answered yet: every cell still runs, and only the exercises say so."""
    shots = SCREENSHOTS / "run-all"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    student = Student(page, notebook, shots)
    try:
        student.open(lab, f"run-all-{notebook}")
        student.run_all_from_scratch()
        assert student.first_error() is None, f"a cell raised: {student.first_error()}"
        last = student.cells.nth(len(student.cells_json) - 1)
        expect(last.locator(".coursekit-progress")).to_have_count(1, timeout=30 * SECONDS)
        code = [i for i, cell in enumerate(student.cells_json) if cell["cell_type"] == "code"]
        unrun = [i for i in code
                 if not re.search(r"\[\d+\]", student.cells.nth(i).locator(
                     ".jp-InputPrompt").text_content() or "")]
        assert not unrun, f"cells never ran: {unrun}"
        boxes = student.panel.locator(".coursekit-check")
        assert boxes.count() == exercise_count(student.cells_json)
        assert student.panel.locator(".coursekit-check.coursekit-not-answered").count() == \
            boxes.count()
        explorers = [i for i, cell in enumerate(student.cells_json)
                     if any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                            for output in cell.get("outputs", []))]
        for index in explorers:
            expect(student.cells.nth(index).locator(".widget-slider, .widget-dropdown").first) \
                .to_be_visible(timeout=60 * SECONDS)
        assert "Error displaying widget" not in (student.panel.text_content() or "")
        student.screenshot(f"{notebook}-last-cell", last)
        pictured = [i for i, cell in enumerate(student.cells_json)
                    if any(kind in output.get("data", {}) for output in cell.get("outputs", [])
                           for kind in ("image/png", "image/svg+xml"))]
        for index in pictured:  # every figure as the student sees it after Run All
            student.screenshot(f"{notebook}-figure-cell-{index:02d}", student.cells.nth(index))
    finally:
        page.close()


def test_a_check_shows_passed_failed_and_not_answered_in_light_and_dark(browser, lab):
    shots = SCREENSHOTS / "checks"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    student = Student(page, "00_welcome", shots)
    answers = {"not-answered": None, "failed": "def slope(a, b, x):\n    return 2.0",
               "passed": solution_of("0.1")}
    try:
        student.open(lab, "checks")
        student.run_all_from_scratch()
        (check_index,) = student.cell_indices("0.1", "check")
        output = student.cells.nth(check_index).locator(".jp-OutputArea")
        for state, source in answers.items():
            if source is not None:
                student.type_answer("0.1", source)
            expect(output.locator(f".coursekit-{state}")).to_have_count(1, timeout=30 * SECONDS)
            for theme in ("JupyterLab Dark", "JupyterLab Light"):
                student.theme(theme)
                student.screenshot(f"{state}-{theme.split()[-1].lower()}", output)
    finally:
        page.close()
