"""The `coursekit` command: its version, and help that explains every argument."""

import pytest

from coursekit.cli import main


def test_version_names_the_installed_release(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip().startswith("coursekit 0.")


@pytest.mark.parametrize("command, words", [
    ("grade", ["submitted .ipynb files, or folders", "(default: grades)", "--masters"]),
    ("merge", ["the gradebook.csv of each shard", "(default: grades/gradebook.csv)"]),
    ("release", ["master names", "(default: notebooks)", "--solutions"]),
])
def test_every_argument_and_default_is_explained(command, words, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for word in words:
        assert word in shown
