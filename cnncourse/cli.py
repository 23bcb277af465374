"""The ``cnncourse`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _generate(args: argparse.Namespace) -> int:
    from .notebooks import MarkerError, generate

    try:
        changes = generate(args.root, check=args.check)
    except MarkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for change in changes:
        verb = "out of date" if args.check else "wrote"
        print(f"{verb}: {change.path} ({change.reason})")
    if args.check and changes:
        print("run `cnncourse generate` to bring lessons/ in line with solutions/", file=sys.stderr)
        return 1
    if not changes:
        print("lessons/ and solutions/ are in sync")
    return 0


def _build(args: argparse.Namespace) -> int:
    from .site import SiteError, build_site

    try:
        index = build_site(
            args.root, out=args.out, solutions=args.solutions, only=args.only,
            timeout=args.timeout,
        )  # fmt: skip
    except (SiteError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote the site: open {index}, or serve it: python -m http.server -d {index.parent}")
    return 0


def _start(args: argparse.Namespace) -> int:
    from .workspace import default_workspace, open_lab, sync

    folder = args.folder or default_workspace()
    print(sync(folder))
    if args.no_open:
        return 0
    return open_lab(folder, ["--no-browser"] if args.no_browser else [])


def _env(args: argparse.Namespace) -> int:
    from .env import setup

    setup(seed=0)
    return 0


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _add_limits(p: argparse.ArgumentParser) -> None:
    from .grading.sandbox import DEFAULT_LIMITS as limits

    p.add_argument(
        "--timeout",
        type=_positive(float),
        default=limits.timeout,
        help="seconds of wall time per submission, all cells and exercises (default: %(default)g)",
    )
    p.add_argument(
        "--cell-timeout",
        type=_positive(float),
        default=limits.cell_timeout,
        help="seconds per notebook cell; a slower cell is skipped (default: %(default)g)",
    )
    p.add_argument(
        "--exercise-timeout",
        type=_positive(float),
        default=limits.exercise_timeout,
        help="seconds per exercise, all its cases together (default: %(default)g)",
    )
    p.add_argument(
        "--memory-mb",
        type=_positive(int),
        default=limits.memory_mb,
        help="address-space limit of a submission's process in MB (default: %(default)d)",
    )
    p.add_argument(
        "--lesson",
        type=_positive(int),
        default=None,
        help="grade every notebook with this lesson's exercises (default: its NN_ file name "
        "prefix, else the lesson of most of the class; a notebook's metadata never decides)",
    )


def _shard(text: str) -> tuple[int, int]:
    from .grading.shards import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--shard ")) from None


def _settings(args: argparse.Namespace, seed: int, workers: int):
    from .grading import Settings

    return Settings(
        seed=seed,
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        exercise_timeout=args.exercise_timeout,
        memory_mb=args.memory_mb,
        workers=workers,
        lesson=args.lesson,
        warm=not getattr(args, "cold", False),
    )


def _grade(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .exercises import VISIBLE_SEED
    from .grading import GradingError, grade_class, new_seed, summary_line

    if args.shard is not None and args.seed is None:
        print(
            f"error: --shard {args.shard[0]}/{args.shard[1]} needs --seed: every shard of a "
            "class must grade with the same seed",
            file=sys.stderr,
        )
        return 2
    key = None
    if args.key is not None:
        from .exercises._variants import read_key

        try:
            key = read_key(args.key)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    seed = new_seed() if args.seed is None else args.seed
    if seed == VISIBLE_SEED:
        print(
            f"warning: seed {seed} is the visible seed: students have seen these cases",
            file=sys.stderr,
        )
    settings = _settings(args, seed, args.workers)
    if not args.quiet:
        print(
            f"grading with seed {seed} (--seed {seed} reproduces this run), "
            + (
                f"on the Dask cluster at {args.scheduler}"
                if args.scheduler
                else f"{settings.n_workers} at a time"
            ),
            file=sys.stderr,
        )
    try:
        results, seconds = grade_class(
            args.paths,
            args.out,
            settings,
            roster=args.roster,
            progress=not args.quiet,
            shard=args.shard,
            scheduler=args.scheduler,
            key=key,
        )
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_line(results, seconds))
    out = Path(args.out)
    print(
        f"wrote {out / 'grades.csv'}, {out / 'grades.json'}, {out / 'canvas.csv'} "
        f"and {out / 'feedback'}/"
    )
    internal = [r for r in results if r.internal]
    for r in internal:
        print(f"error: {r.file}: {r.error}", file=sys.stderr)
    return 2 if internal else 0


def _handout(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .exercises._variants import key_fingerprint, new_key, read_key
    from .grading import GradingError
    from .grading.handout import handout, read_students

    try:
        students = read_students(args.roster)
        if Path(args.key).exists():
            key = read_key(args.key)
        else:
            key = new_key(args.key)
            print(
                f"made a new course key in {args.key} (fingerprint {key_fingerprint(key)}): "
                "keep it secret, and keep it: grading each student's numbers needs it",
                file=sys.stderr,
            )
        written = handout(args.notebooks, students, key, args.out)
    except (GradingError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {len(written)} notebooks for {len(students)} students to {args.out}/<student>/ "
        f"(course key {key_fingerprint(key)}); grade them with --key {args.key}"
    )
    return 0


def _merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .grading import GradingError, summary_line
    from .grading.shards import merge

    try:
        results = merge(args.out, args.shards)
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"merged {len(args.shards)} shards: " + summary_line(results, 0.0).split(" in ")[0])
    out = Path(args.out)
    print(
        f"wrote {out / 'grades.csv'}, {out / 'grades.json'}, {out / 'canvas.csv'} "
        f"and {out / 'feedback'}/"
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import __version__
    from .exercises import VISIBLE_SEED
    from .grading import GradingError, check_notebook, console_report
    from .grading.report import prepare_output, write_outputs

    path = Path(args.notebook)
    if not path.is_file():
        print(f"error: no such notebook: {args.notebook!r}", file=sys.stderr)
        return 2
    settings = _settings(args, VISIBLE_SEED, 1)
    try:
        if args.out:
            prepare_output(args.out)
        result = check_notebook(path, settings)
        if args.out:
            write_outputs(args.out, [result], settings, __version__, result.seconds, {}, "")
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(console_report(result))
    return 1 if result.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cnncourse ARGV`` (``sys.argv[1:]`` by default); its exit code.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:
    ...     try:
    ...         main(["--help"])
    ...     except SystemExit as exc:
    ...         print("exit", exc.code)
    >>> out.getvalue().splitlines()[-1]
    'exit 0'
    """
    parser = argparse.ArgumentParser(
        prog="cnncourse",
        description="Tools for the CNN course: lessons, builds, checks, grading.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("generate", help="write lessons/ from solutions/ (stubs, no outputs)")
    p.add_argument("--root", default=".", help="course folder (default: current folder)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    p.set_defaults(run=_generate)

    p = commands.add_parser(
        "build",
        help="execute the lessons and write the course as a static website (build/site)",
        description="Run every lesson top to bottom in a fresh kernel and write the course as "
        "a static website with Sphinx: a page per lesson with its figures and animations, a "
        "table of contents, previous/next links and a search box; no network needed to read "
        "it. Stops with the notebook and cell named if a cell raises.",
    )
    p.add_argument(
        "--root",
        default=None,
        help="course folder with lessons/ (default: this course, checked out or installed)",
    )
    p.add_argument(
        "--out", default="build", help="output folder; the site is OUT/site (default: ./build)"
    )
    p.add_argument(
        "--solutions", action="store_true", help="also put the solved notebooks on the site"
    )
    p.add_argument(
        "--only",
        type=_non_negative_int,
        nargs="+",
        metavar="N",
        help="only these lessons, by number (e.g. --only 0 3)",
    )
    p.add_argument(
        "--timeout", type=_positive(int), default=600, help="seconds per cell (default: 600)"
    )
    p.set_defaults(run=_build)

    p = commands.add_parser(
        "start",
        help="copy the lessons into your workspace (never over your work) and open JupyterLab",
        description="Copy the course's lessons into a workspace of your own the first time; "
        "afterwards bring in new lessons, update the ones you have not touched, and put a "
        "changed lesson beside yours as NAME.updated.ipynb. Then open JupyterLab there.",
    )
    p.add_argument(
        "folder",
        nargs="?",
        metavar="DIR",
        help="your workspace (default: workspace/ in a checkout, else ~/cnncourse-workspace)",
    )
    p.add_argument("--no-open", action="store_true", help="copy only; do not start JupyterLab")
    p.add_argument("--no-browser", action="store_true", help="start JupyterLab without a browser")
    p.set_defaults(run=_start)

    p = commands.add_parser("env", help="print Keras, backend, versions and CPU/GPU")
    p.set_defaults(run=_env)

    p = commands.add_parser(
        "grade",
        help="grade submitted notebooks (instructors): grades.csv, grades.json, feedback/",
        description="Grade submitted notebooks, each in its own process with time and memory "
        "limits, on cases from a secret seed. Exit code 0 when every submission was graded "
        "(whatever the scores), 2 for the grader's own problems.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of them")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--roster", metavar="CSV", help="CSV with columns file,student (default: file names)"
    )
    p.add_argument(
        "--seed",
        type=_non_negative_int,
        default=None,
        help="the secret seed of the cases (default: a fresh random one, in grades.json)",
    )
    p.add_argument(
        "--workers",
        type=_positive(int),
        default=0,
        help="submissions graded at once (default: one per CPU core)",
    )
    p.add_argument(
        "--shard",
        type=_shard,
        default=None,
        metavar="K/N",
        help="grade only the K-th of N disjoint parts of the class (needs --seed); "
        "`cnncourse merge` joins the N outputs",
    )
    p.add_argument(
        "--key",
        metavar="FILE",
        default=None,
        help="the course key of `cnncourse handout`: grade each student's questions for "
        "their own numbers (default: everyone's are the visible ones)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the notebooks on the workers of this Dask scheduler (tcp://host:8786; "
        "needs cnncourse[distributed]); they are judged here, with the same seed",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--cold",
        action="store_true",
        help="start each notebook's process from scratch (by default each is forked from a "
        "process that imported the libraries once: the same grades, faster)",
    )
    _add_limits(p)
    p.set_defaults(run=_grade)

    p = commands.add_parser(
        "handout",
        help="one notebook per student, each with the student's own numbers (instructors)",
        description="Write, for each student of the roster, a copy of each lesson notebook "
        "with one cell added: that student's numbers for the lesson's questions with "
        "variants, drawn from the course key (made if FILE does not exist) and the "
        "student's name. The key never enters a notebook; grade with --key FILE.",
    )
    p.add_argument("notebooks", nargs="+", metavar="LESSON", help="lesson notebooks (.ipynb)")
    p.add_argument("--roster", required=True, metavar="CSV", help="CSV with a column student")
    p.add_argument("--key", required=True, metavar="FILE", help="the course key (made if new)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.set_defaults(run=_handout)

    p = commands.add_parser(
        "merge",
        help="merge the outputs of `grade --shard K/N` runs into one grades.csv/grades.json",
        description="Merge the output folders of the N shards of one class (same seed and "
        "settings) into OUT, as a single run would have written it.",
    )
    p.add_argument("out", metavar="OUT", help="output folder of the merged grades")
    p.add_argument("shards", nargs="+", metavar="SHARD_DIR", help="each shard's output folder")
    p.set_defaults(run=_merge)

    p = commands.add_parser(
        "check",
        help="grade your own notebook on the lesson's visible cases and print the feedback",
        description="Grade one notebook as the grader would, on the cases the lesson's checks "
        "show, and print the score and the feedback. Writes nothing unless --out is given.",
    )
    p.add_argument("notebook", metavar="NOTEBOOK", help="your notebook (.ipynb)")
    p.add_argument("--out", metavar="DIR", help="also write grades.csv, grades.json, feedback/")
    _add_limits(p)
    p.set_defaults(run=_check)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
