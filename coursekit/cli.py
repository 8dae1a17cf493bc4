"""The `coursekit` command: what instructors run (release student notebooks, refresh masters)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coursekit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser(
        "release", help="write the student notebooks from the instructor masters"
    )
    release.add_argument("--out", default="notebooks", help="folder for the student notebooks")
    release.add_argument(
        "--check", action="store_true", help="only report notebooks that differ; exit 1 if any"
    )
    release.add_argument(
        "--overwrite",
        action="store_true",
        help="replace notebooks that were edited since their release (a backup is kept)",
    )

    refresh = commands.add_parser(
        "refresh", help="run master notebooks and store their outputs as the reference"
    )
    refresh.add_argument("notebooks", nargs="*", help="master names, e.g. 01_chain_rule (all)")

    args = parser.parse_args(argv)
    if args.command == "release":
        return _release(Path(args.out), args.check, args.overwrite)
    return _refresh(args.notebooks)


def _release(out: Path, check_only: bool, overwrite: bool) -> int:
    from .release import outdated, release

    if check_only:
        stale = outdated(out)
        for path in stale:
            print(f"out of date: {path} (run `coursekit release --out {out}`)")
        if not stale:
            print(f"{out}: every student notebook matches its master")
        return 1 if stale else 0
    report = release(out, overwrite=overwrite)
    for path in report.written:
        print(f"wrote {path}")
    for path in report.backups:
        print(f"kept a backup of the edited notebook: {path}")
    for path in report.refused:
        print(
            f"left alone: {path} has been edited since it was released; move it away or use "
            "--overwrite (which keeps a backup)",
            file=sys.stderr,
        )
    print(f"{len(report.written)} written, {len(report.unchanged)} unchanged, "
          f"{len(report.refused)} left alone")
    return 1 if report.refused else 0


def _refresh(names: list[str]) -> int:
    from .course import master_path, masters
    from .refresh import refresh

    paths = [master_path(name) for name in names] if names else masters()
    for path in paths:
        print(f"running {path.name} ...", flush=True)
        refresh(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
