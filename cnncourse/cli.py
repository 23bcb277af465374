"""The ``cnncourse`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


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
    from .notebooks import build

    folders = ("lessons", "solutions") if args.solutions else ("lessons",)
    pages = build(args.root, out=args.out, folders=folders, timeout=args.timeout)
    print(f"wrote {len(pages)} pages; open {args.out}/index.html")
    return 0


def _env(args: argparse.Namespace) -> int:
    from .env import setup

    setup(seed=0)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cnncourse", description="Tools for the CNN course: lessons, builds, checks."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("generate", help="write lessons/ from solutions/ (stubs, no outputs)")
    p.add_argument("--root", default=".", help="course folder (default: current folder)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    p.set_defaults(run=_generate)

    p = commands.add_parser("build", help="execute the lessons headless and write HTML pages")
    p.add_argument("--root", default=".", help="course folder (default: current folder)")
    p.add_argument("--out", default="build", help="output folder (default: build)")
    p.add_argument("--solutions", action="store_true", help="also build solutions/")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default: 600)")
    p.set_defaults(run=_build)

    p = commands.add_parser("env", help="print Keras, backend, versions and CPU/GPU")
    p.set_defaults(run=_env)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
