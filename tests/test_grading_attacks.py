"""Grading against a hostile student who has the course, unlimited time and reads the grader.

Every attack is a submission. They are graded together with honest ones in one `coursekit
grade` call, and each must hold: the attacker earns nothing beyond its honest work, every honest
student's rows equal those of a run without the attackers, the gradebook is complete, and no
file outside the output folder changed. The sandboxed attacks need bubblewrap (`make test`
installs it); where it cannot run they are skipped with the reason.
"""

import json
import os
import socket
import subprocess
import threading
import time

import pytest
from grading_cases import (
    CHAIN,
    CHAIN_EXERCISES,
    CHAIN_POINTS,
    PASS_LINE,
    WELCOME,
    answer_cell,
    digests,
    load,
    points_of,
    save,
    solved,
)

from coursekit.cli import main
from coursekit.course import masters_folder
from coursekit.grading.report import read_gradebook
from coursekit.grading.sandbox import ControlGroup, why_unavailable
from coursekit.release import release

SANDBOX = why_unavailable()
WHOLE_RUN_LIMITS = bool(ControlGroup("probe").folders)  # memory and processes of a whole run
needs_sandbox = pytest.mark.skipif(bool(SANDBOX), reason=SANDBOX)
RIGHT = "def slope(a, b, x):\n    return a\n"
WRONG = "def slope(a, b, x):\n    return 0.0\n"
FORGED = f"print({PASS_LINE.strip()!r})"
MARKER = "coursekit-attack-3771"  # names the processes attacks leave behind


def attacks(canary, port):
    """{student: (answer source of exercise 0.1, points that student's honest work is worth)}.

    `canary` is a folder outside the grader's output, `port` a loopback port that listens.
    """
    late = canary / "late.txt"
    return {
        # The judge: nothing in the kernel can change a comparison.
        "a-rebinds-check": (
            "import coursekit.exercises as exercises\n"
            f"exercises.check = lambda *args: {FORGED}\n" + WRONG, 0),
        "a-patches-isclose": (
            "import math, numpy\nmath.isclose = lambda *a, **k: True\n"
            "numpy.isclose = lambda *a, **k: True\n" + WRONG, 0),
        "a-patches-difference": (
            "from coursekit.exercises import framework\n"
            "framework.difference = lambda *args, **kwargs: ''\n" + WRONG, 0),
        "a-patches-builtins": (
            "import builtins\nbuiltins.isinstance = lambda *args: True\n"
            "builtins.float = lambda *args: 2.0\n" + WRONG, 0),
        "a-exception-handler": (
            "ip = get_ipython()\n"
            f"ip.set_custom_exc((BaseException,), lambda *args, **kwargs: {FORGED})\n"
            "def slope(a, b, x):\n    raise ValueError('no')\n", 0),
        "a-input-transformer": (
            "ip = get_ipython()\n"
            f"ip.input_transformers_post.append(lambda lines: [{FORGED!r} + '\\n'])\n"
            + WRONG, 0),
        "a-equals-everything": (
            "class Anything(float):\n"
            "    def __eq__(self, other):\n        return True\n"
            "    __ne__ = lambda self, other: False\n"
            "    def __sub__(self, other):\n        return 0.0\n"
            "def slope(a, b, x):\n    return Anything(123.0)\n", 0),
        "a-frame-walker": (
            "import sys\n"
            "def slope(a, b, x):\n"
            "    frame = sys._getframe(1)\n"
            "    while frame is not None:\n"
            "        for name in ('expected', 'case', 'reference'):\n"
            "            if name in frame.f_locals:\n"
            "                return float(getattr(frame.f_locals[name], 'expected', 0.0))\n"
            "        frame = frame.f_back\n"
            "    return 0.0\n", 0),
        "a-forges-replies": (
            "from coursekit.exercises.wire import REPLY_MARK\n"
            "def slope(a, b, x):\n"
            "    print(REPLY_MARK + '{\"value\": 2.0}')\n"
            "    return 2.0\n", 0),
        "a-memorises-public-cases": (
            "def slope(a, b, x):\n"
            "    return {(2.0, 1.0, 5.0): 2.0, (-3.0, 0.5, 0.0): -3.0, (0.0, 4.0, -1.0): 0.0,\n"
            "            (1.5, -2.0, 10.0): 1.5}[(a, b, x)]\n", 0),
        "a-replaces-stdout": (
            "import io, sys\nsys.stdout = io.StringIO()\n" + WRONG, 0),
        "a-floods-output": (
            "def slope(a, b, x):\n    print('x' * 10_000_000)\n    return 0.0\n", 0),
        # The solutions and hidden cases are out of reach.
        "a-reads-masters": (
            "import glob, json, os\n"
            f"found = glob.glob({str(masters_folder())!r} + '/*')\n"
            "found += [os.environ.get('COURSEKIT_MASTERS', '')]\n"
            "def slope(a, b, x):\n    return float(len([f for f in found if f]))\n", 0),
        "a-asks-for-hints": (
            "import contextlib, io\nfrom coursekit.exercises import hint\nshown = io.StringIO()\n"
            "with contextlib.redirect_stdout(shown):\n"
            "    for _ in range(5):\n        hint('0.1')\n"
            "exec(shown.getvalue().split('write the answer again yourself a little later.')[-1])\n",
            0),
        "a-solution-of": (
            "from coursekit.course import solution_of\nexec(solution_of('0.1'))\n", 0),
        "a-reads-other-students": (
            "import glob\n"
            f"others = glob.glob({str(canary.parent)!r} + '/**/*.ipynb', recursive=True)\n"
            "def slope(a, b, x):\n    return float(len(others))\n", 0),
        # The results and the machine are out of reach; honest work still counts.
        "a-writes-outside": (
            "import glob, os, site\n"
            f"targets = [{str(canary / 'note.txt')!r}, 'coursekit_backdoor.pth']\n"
            "targets += [os.path.join(p, 'zz_backdoor.pth') for p in site.getsitepackages()]\n"
            "for target in targets:\n"
            "    try:\n        open(target, 'w').write('import os')\n"
            "    except OSError:\n        pass\n" + RIGHT, 1),
        "a-edits-the-library": (
            "import coursekit, os\n"
            "folder = os.path.dirname(coursekit.__file__)\n"
            "path = os.path.join(folder, 'exercises', 'framework.py')\n"
            "try:\n    open(path, 'a').write('\\nraise SystemExit\\n')\n"
            "except OSError:\n    pass\n" + RIGHT, 1),
        "a-outlives-the-run": (
            "import subprocess, sys\n"
            f"late = {str(late)!r}\n"
            "code = 'import time; time.sleep(6); open(%r, \"w\").write(\"late\")' % late\n"
            f"subprocess.Popen([sys.executable, '-c', code, {MARKER!r}], start_new_session=True)\n"
            + RIGHT, 1),
        "a-uses-the-network": (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'hi')\n"
            "except OSError:\n    pass\n" + RIGHT, 1),
        "a-kills-the-grader": (
            "import os, signal\n"
            "for pid in range(2, 4000):\n"
            "    try:\n        os.kill(pid, signal.SIGKILL)\n"
            "    except (OSError, ProcessLookupError):\n        pass\n" + RIGHT, 0),
        "a-kills-its-parent": (
            "import os\nos.kill(os.getppid(), 9)\n" + RIGHT, 1),
        "a-finds-the-report": (
            "import glob, os\n"
            "for path in glob.glob('/proc/*/cmdline'):\n"
            "    try:\n        line = open(path).read()\n"
            "    except OSError:\n        continue\n"
            "    for part in line.split('\\0'):\n"
            "        if part.startswith('--junitxml='):\n"
            "            os.makedirs(part.split('=', 1)[1] + '.d', exist_ok=True)\n" + RIGHT, 1),
        "a-fork-bomb": (
            "import os\nchildren = 0\n"
            "for _ in range(200):\n"
            "    try:\n        pid = os.fork()\n"
            "    except OSError:\n        break\n"
            "    if pid == 0:\n        import time; time.sleep(30); os._exit(0)\n"
            "    children += 1\n" + RIGHT, 1),
        "a-memory-across-processes": (  # each child stays under the per-process limit
            "import subprocess, sys\n"
            "hog = 'b = bytearray(700 * 2**20); import time; time.sleep(5)'\n"
            "children = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(3)]\n"
            "killed = any(child.wait() == -9 for child in children)\n"
            "def slope(a, b, x):\n    return a if killed else 0.0\n",
            1 if WHOLE_RUN_LIMITS else 0),
        "a-loops-on-hidden-cases": (
            "PUBLIC = {2.0, -3.0, 0.0, 1.5}\n"
            "def slope(a, b, x):\n"
            "    while a not in PUBLIC:\n        pass\n"
            "    return a\n", 0),
        "a-exits-when-judged": (
            "import os\n"
            "def slope(a, b, x):\n    os._exit(0)\n", 0),
        "a-lone-surrogate": ("label = '\ud800'\n" + RIGHT, 1),
        "a-breaks-the-fence": (
            "def slope(a, b, x):\n"
            "    raise ValueError('```\\n### Exercise 0.1: passed, 1 of 1\\n```')\n", 0),
        '=HYPERLINK("evil")': (RIGHT, 1),
    }


HONEST = {
    "h-right": (RIGHT, 1),
    "h-wrong": (WRONG, 0),
}


def write_welcome(folder, students, cases):
    blank = load(students / f"{WELCOME}.ipynb")
    for student, (source, _) in cases.items():
        notebook = json.loads(json.dumps(blank))
        answer_cell(notebook, "0.1")["source"] = source
        save(folder, f"{student}/{WELCOME}.ipynb", notebook)


def write_chain(folder, students, cases):
    for student, replaced in cases.items():
        notebook = solved(load(students / f"{CHAIN}.ipynb"), CHAIN_EXERCISES, replaced)
        save(folder, f"{student}/{CHAIN}.ipynb", notebook)


CHAIN_CASES = {
    "h-chain": {},
    "h-chain-partly": {"1.2": "def add_backward(x, y, u):\n    return 0\n"},
}


def grade(folder, out):
    status = main(["grade", str(folder), "--out", str(out), "--jobs", "2", "--timeout", "10",
                   "--time-limit", "120", "--memory", "1536"])
    assert status == 0
    return read_gradebook(out / "gradebook.csv")


def without_paths(rows, students):
    return sorted((row.student, row.notebook, row.exercise, row.points, row.status, row.message)
                  for row in rows if row.student in students)


@pytest.fixture(scope="module")
def listener():
    """A loopback server that counts the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    got = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                got.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], got
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(scope="module")
def battle(tmp_path_factory, listener):
    """The honest students graded alone, then again among every attack."""
    if SANDBOX:  # unsandboxed, some attacks would reach the machine running the tests
        pytest.skip(SANDBOX)
    port, connections = listener
    root = tmp_path_factory.mktemp("battle")
    students = root / "released"
    release(students)
    canary = root / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("untouched", encoding="utf-8")
    honest, crowd = root / "honest", root / "crowd"
    for folder in (honest, crowd):
        write_welcome(folder, students, HONEST)
        write_chain(folder, students, CHAIN_CASES)
    cases = attacks(canary, port)
    write_welcome(crowd, students, cases)
    outside = {"canary": digests(canary), "crowd": digests(crowd),
               "masters": digests(masters_folder())}
    alone = grade(honest, root / "grades-alone")
    together = grade(crowd, root / "grades")
    time.sleep(7)  # longer than the process left behind by a-outlives-the-run waits
    return {"alone": alone, "rows": together, "cases": cases, "canary": canary,
            "crowd": crowd, "outside": outside, "connections": connections,
            "out": root / "grades"}


@needs_sandbox
def test_an_attacker_earns_nothing_beyond_its_honest_work(battle):
    earned = {student: points_of(battle["rows"], student).get("0.1")
              for student in battle["cases"]}
    deserved = {student: points for student, (_, points) in battle["cases"].items()}
    assert earned == deserved


@needs_sandbox
def test_honest_students_get_the_same_rows_among_attackers_as_alone(battle):
    honest = set(HONEST) | set(CHAIN_CASES)
    assert without_paths(battle["rows"], honest) == without_paths(battle["alone"], honest)
    assert points_of(battle["rows"], "h-chain") == CHAIN_POINTS


@needs_sandbox
def test_the_gradebook_has_every_row_of_every_submission(battle):
    students = set(battle["cases"]) | set(HONEST) | set(CHAIN_CASES)
    assert {row.student for row in battle["rows"]} == students
    chain_rows = len(CHAIN_POINTS) * len(CHAIN_CASES)
    assert len(battle["rows"]) == len(battle["cases"]) + len(HONEST) + chain_rows


@needs_sandbox
def test_no_file_outside_the_output_folder_changed(battle):
    assert digests(battle["canary"]) == battle["outside"]["canary"]
    assert digests(battle["crowd"]) == battle["outside"]["crowd"]
    assert digests(masters_folder()) == battle["outside"]["masters"]
    import site

    for folder in site.getsitepackages():
        assert not os.path.exists(os.path.join(folder, "zz_backdoor.pth"))


@needs_sandbox
def test_nothing_an_attack_started_outlives_the_run(battle):
    assert not (battle["canary"] / "late.txt").exists()
    left = subprocess.run(["pgrep", "-f", MARKER], capture_output=True, text=True, check=False)
    assert left.stdout.strip() == ""


@needs_sandbox
def test_no_kernel_reaches_the_network(battle):
    assert battle["connections"] == []


@needs_sandbox
def test_a_timeout_on_hidden_cases_costs_only_its_own_exercise(battle):
    row = next(row for row in battle["rows"] if row.student == "a-loops-on-hidden-cases")
    assert (row.status, row.points) == ("timed out", 0)


@needs_sandbox
def test_a_formula_in_a_name_is_neutralised_in_the_gradebook(battle):
    text = (battle["out"] / "gradebook.csv").read_text(encoding="utf-8")
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


@needs_sandbox
def test_a_message_cannot_forge_feedback(battle):
    feedback = "".join(path.read_text(encoding="utf-8")
                       for path in (battle["out"] / "feedback").iterdir()
                       if "breaks-the-fence" in path.name)
    assert headings_of(feedback) == [
        "# Feedback for a-breaks-the-fence", "## 00_welcome: 0 of 1 points",
        "### Exercise 0.1 (warm-up: the slope of a line): failed, 0 of 1"]


def headings_of(markdown):
    """The headings a markdown reader sees: lines starting with # outside fenced code."""
    headings, fence = [], ""
    for line in markdown.splitlines():
        ticks = len(line) - len(line.lstrip("`"))
        if fence and ticks >= len(fence) and not line.strip("`").strip():
            fence = ""
        elif not fence and ticks >= 3:
            fence = "`" * ticks
        elif not fence and line.startswith("#"):
            headings.append(line)
    return headings


def test_the_sandbox_reason_is_given_where_it_cannot_run():
    assert SANDBOX == "" or "unsandboxed" in SANDBOX
