"""Binder builds the course: binder/ installs everything the notebooks need, and nothing is missing.

The slow tests rebuild what Binder's image holds in a fresh virtualenv: binder/requirements.txt,
then binder/postBuild, run from a scratch copy of the repository with that virtualenv's pip first
on PATH. Then every master runs there without an error, and every student version fails only at
its exercises. pip's own cache is reused, so after the first run the install takes a minute or
less. (Binder itself runs repo2docker; what differs, the base image, is not under our control.)
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from packaging.requirements import Requirement

from coursekit.course import SOLUTION_BEGIN, cell_role, masters

REPO = Path(__file__).resolve().parent.parent
BINDER = REPO / "binder"
STUDENT = REPO / "notebooks"
slow = pytest.mark.slow


def pinned_requirements() -> dict[str, Requirement]:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [Requirement(line) for line in lines if line.strip() and line[0] != "#"]
    return {requirement.name.lower(): requirement for requirement in requirements}


def test_binder_requirements_pin_every_dependency_of_the_course():
    pinned = pinned_requirements()
    needed = [Requirement(text) for text in importlib.metadata.requires("coursekit")]
    needed = [requirement for requirement in needed if requirement.marker is None]
    for name in [requirement.name.lower() for requirement in needed] + ["jupyterlab", "ipykernel"]:
        assert name in pinned, f"binder/requirements.txt does not install {name}; add {name}==…"
        (spec,) = pinned[name].specifier
        assert spec.operator == "==", f"binder/requirements.txt: pin {name} with ==, not {spec}"
    for requirement in needed:
        (spec,) = pinned[requirement.name.lower()].specifier
        assert requirement.specifier.contains(spec.version), (
            f"binder/requirements.txt pins {requirement.name}=={spec.version}, but coursekit "
            f"needs {requirement}"
        )


def run(command: list, **options) -> None:
    command = [str(part) for part in command]
    done = subprocess.run(command, capture_output=True, text=True, **options)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}"


def copy_repository(destination: Path) -> None:
    """The files git would commit (tracked or new, not ignored), as Binder receives them."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in listed.splitlines():
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is still listed
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)  # copy2 keeps postBuild executable


@pytest.fixture(scope="module")
def binder(tmp_path_factory) -> Path:
    """A scratch folder whose venv/ holds what Binder installs, and a kernel spec for it."""
    scratch = tmp_path_factory.mktemp("binder")
    venv, repo = scratch / "venv", scratch / "repo"
    run([sys.executable, "-m", "venv", venv])
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", BINDER / "requirements.txt"])
    copy_repository(repo)
    path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "PATH": path, "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    run([repo / "binder" / "postBuild"], cwd=repo, env=env)
    kernel = scratch / "kernels" / "binder"
    kernel.mkdir(parents=True)
    spec = {"argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher",
                     "-f", "{connection_file}"],
            "display_name": "Python 3 (Binder)", "language": "python"}
    (kernel / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return scratch


def execute(path: Path, binder: Path) -> nbformat.NotebookNode:
    """Run every cell of the notebook with the Binder environment's kernel, errors or not."""
    notebook = nbformat.read(path, as_version=4)
    specs = KernelSpecManager(kernel_dirs=[str(binder / "kernels")])
    kernel = KernelManager(kernel_name="binder", kernel_spec_manager=specs)
    workdir = binder / "run" / path.stem
    workdir.mkdir(parents=True, exist_ok=True)
    NotebookClient(notebook, km=kernel, timeout=600, allow_errors=True,
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


def errors(notebook: nbformat.NotebookNode) -> list[tuple[int, dict, str]]:
    """(index, cell, "Name: message") of every cell whose run ended in an error."""
    return [(index, cell, f"{output['ename']}: {output['evalue']}")
            for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]


@slow
def test_postbuild_installs_the_course_itself_over_the_pinned_requirements(binder):
    python = binder / "venv" / "bin" / "python"
    where = subprocess.run([python, "-c", "import coursekit; print(coursekit.__file__)"],
                           cwd=binder, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(binder / "venv"), f"coursekit came from {where}"
    run([python, "-m", "pip", "check"])  # --no-deps left no dependency of coursekit missing


@slow
def test_a_students_binder_holds_no_instructor_material(binder):
    repo = binder / "repo"
    assert not (repo / "instructor").exists() and not (repo / "tests").exists()
    marker = f"{SOLUTION_BEGIN}\\n".encode()  # a marker line, as notebooks store it
    leaks = [path for path in repo.rglob("*") if path.is_file() and marker in path.read_bytes()]
    assert not leaks, leaks


@slow
@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_every_master_runs_without_an_error_on_binder(binder, master):
    failed = errors(execute(master, binder))
    assert not failed, "\n".join(f"cell {index}: {error}" for index, _, error in failed)


@slow
@pytest.mark.parametrize("master", masters(), ids=lambda path: path.stem)
def test_every_student_notebook_fails_only_at_its_exercises_on_binder(binder, master):
    notebook = execute(STUDENT / master.name, binder)
    for index, cell, error in errors(notebook):
        exercise_id, role = cell_role(cell)
        assert role in ("answer", "check"), f"cell {index} is no exercise, yet failed: {error}"
    ran = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in ran), "some cells were never run"
