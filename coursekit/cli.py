"""The `coursekit` command: what instructors run (release student notebooks, refresh masters,
grade submissions, merge the gradebooks of grading shards)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .course import MASTERS_ENV, MastersMissing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="coursekit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"coursekit {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser(
        "release", help="write the student notebooks from the instructor masters"
    )
    release.add_argument("notebooks", nargs="*", help="master names, e.g. 01_chain_rule (all)")
    release.add_argument("--out", default="notebooks",
                         help="folder for the student notebooks (default: notebooks)")
    release.add_argument(
        "--check", action="store_true", help="only report notebooks that differ; exit 1 if any"
    )
    release.add_argument(
        "--solutions", action="store_true",
        help="keep the worked solutions (a self-study edition; never give it to a graded class)",
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

    grade = commands.add_parser(
        "grade", help="grade submitted notebooks: gradebook CSV, feedback per student, summary",
        description="Grade submissions (files, or folders searched for .ipynb files). In a folder "
        "given here, a file in a subfolder belongs to that subfolder's student "
        "(alice/01_chain_rule.ipynb); a file directly in it names its student before '__' "
        "(alice__01_chain_rule.ipynb). See `help(coursekit.grading)`.",
    )
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help="submitted .ipynb files, or folders searched for them")
    grade.add_argument("--out", default="grades",
                       help="folder for gradebook.csv, totals.csv, summary.txt and feedback/ "
                       "(default: grades)")
    grade.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                       help="time one cell may run (default 30)")
    grade.add_argument("--time-limit", type=float, default=300, metavar="SECONDS",
                       help="wall-clock time one run of a notebook may take (default 300)")
    grade.add_argument("--memory", type=int, default=2048, metavar="MB",
                       help="address space a notebook's kernel may use (default 2048; 0: no limit)")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="submissions graded at once (default: the number of cores)")
    grade.add_argument("--shard", type=_shard, default=(0, 1), metavar="I/N",
                       help="grade only part I of N (0 <= I < N): one shard of a Job or CI matrix")

    merge = commands.add_parser("merge", help="combine the gradebooks of several grading shards")
    merge.add_argument("gradebooks", nargs="+", metavar="GRADEBOOK",
                       help="the gradebook.csv of each shard")
    merge.add_argument("--out", default="grades/gradebook.csv",
                       help="the merged gradebook (default: grades/gradebook.csv)")

    for command in (release, refresh, grade):
        command.add_argument(
            "--masters", metavar="DIR",
            help="the instructor masters (default: $COURSEKIT_MASTERS, else the instructor/ "
            "folder of the course repository coursekit runs from)",
        )

    args = parser.parse_args(argv)
    chosen = getattr(args, "masters", None)
    previous = os.environ.get(MASTERS_ENV)
    if chosen:  # for this command only; the grader's child processes read it too
        os.environ[MASTERS_ENV] = str(Path(chosen).resolve())
    try:
        return _run(args)
    except (KeyError, MastersMissing) as unknown:  # the message lists what there is
        print(f"coursekit {args.command}: {unknown.args[0]}", file=sys.stderr)
        return 2
    finally:
        if chosen and previous is None:
            os.environ.pop(MASTERS_ENV, None)
        elif chosen:
            os.environ[MASTERS_ENV] = previous


def _run(args: argparse.Namespace) -> int:
    if args.command == "release":
        return _release(args.notebooks, Path(args.out), args.check, args.overwrite,
                        args.solutions)
    if args.command == "grade":
        return _grade(args)
    if args.command == "merge":
        return _merge([Path(path) for path in args.gradebooks], Path(args.out))
    return _refresh(args.notebooks)


def _release(
    names: list[str], out: Path, check_only: bool, overwrite: bool, solutions: bool
) -> int:
    from .course import master_path
    from .release import outdated, release

    sources = [master_path(name) for name in names] or None
    if check_only:
        stale = outdated(out, sources, solutions=solutions)
        for path in stale:
            state = "out of date" if path.exists() else "missing"
            print(f"{state}: {path} (run `coursekit release --out {out}`)")
        if not stale:
            print(f"{out}: every student notebook matches its master")
        return 1 if stale else 0
    report = release(out, sources, overwrite=overwrite, solutions=solutions)
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
    # Single-threaded numpy in the kernel, as when the tests re-run the masters, so the stored
    # outputs come from the same order of floating-point sums.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for path in paths:
        print(f"running {path.name} ...", flush=True)
        refresh(path)
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("coursekit")
    except PackageNotFoundError:
        return "(not installed)"


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if index.isdigit() and count.isdigit() and int(index) < int(count):
        return int(index), int(count)
    raise argparse.ArgumentTypeError(
        f"expected I/N with 0 <= I < N, like 0/4 (the first of four shards), got {text!r}"
    )


def _grade(args: argparse.Namespace) -> int:
    from .grading import Limits, find_submissions, grade_all, in_shard
    from .grading.grade import progress_bar
    from .grading.report import (
        rows_of,
        summary,
        write_feedback,
        write_gradebook,
        write_summary,
        write_totals,
    )
    from .grading.sandbox import why_unavailable

    try:
        found = find_submissions(args.submissions)
    except FileNotFoundError as error:
        print(f"coursekit grade: {error}", file=sys.stderr)
        return 2
    if not found:
        print("coursekit grade: no .ipynb files found in " + ", ".join(args.submissions),
              file=sys.stderr)
        return 2
    chosen = [submission for submission in found if in_shard(submission, *args.shard)]
    limits = Limits(args.timeout, args.time_limit, args.memory)
    out = Path(args.out).resolve()
    unsandboxed = why_unavailable()
    if unsandboxed:
        print(f"warning: {unsandboxed}: a submission's code could read other submissions and "
              "the masters, and change files; grade only trusted work here", file=sys.stderr)
    hidden = (out, *(Path(path).resolve() for path in args.submissions))
    graded = grade_all(chosen, limits, jobs=args.jobs, progress=progress_bar, hidden=hidden)
    rows = rows_of(graded)
    write_gradebook(rows, out / "gradebook.csv")
    write_totals(rows, out / "totals.csv")
    write_summary(rows, out / "summary.txt")
    feedback = write_feedback(graded, out / "feedback")
    print(summary(rows))
    if unsandboxed:
        print(f"warning: {unsandboxed}")
    print(f"wrote {out / 'gradebook.csv'}, totals.csv, summary.txt and {len(feedback)} "
          f"feedback files in {out / 'feedback'}")
    return 0


def _merge(gradebooks: list[Path], out: Path) -> int:
    from .grading.report import merge_gradebooks, summary, write_gradebook

    try:
        rows = merge_gradebooks(gradebooks)
    except (OSError, ValueError) as error:
        print(f"coursekit merge: {error}", file=sys.stderr)
        return 1
    write_gradebook(rows, out)
    print(summary(rows))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
