"""The grader: ``cnncourse grade`` for a class, ``cnncourse check`` for one student.

Each submitted notebook runs in its own process (:mod:`.runner`, started and
watched by :mod:`.sandbox`) with time and memory limits; only the inputs of
the cases (from a secret seed) go to it and only plain data comes back; the
answers are judged here with each exercise's own comparison (:mod:`.grader`);
:mod:`.report` writes ``grades.csv``, ``grades.json`` and a Markdown feedback
file per student.

    from cnncourse.grading import Settings, grade_class
    results = grade_class(["submissions/"], "results/", Settings(seed=1234))
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .grader import (
    ExerciseResult,
    Grader,
    GradingError,
    Settings,
    Submission,
    SubmissionResult,
    apply_roster,
    find_submissions,
    grade_all,
    new_seed,
    read_roster,
)
from .report import console_report, feedback_markdown, summary_line, write_outputs

__all__ = [
    "ExerciseResult",
    "Grader",
    "GradingError",
    "Settings",
    "Submission",
    "SubmissionResult",
    "apply_roster",
    "check_notebook",
    "console_report",
    "feedback_markdown",
    "find_submissions",
    "grade_all",
    "grade_class",
    "new_seed",
    "read_roster",
    "summary_line",
]


def _exercise_table(grader: Grader) -> dict[str, dict]:
    table = {}
    for lesson, plan in sorted(grader._plans.items()):
        for e in plan.exercises:
            n_cases = len(plan.cases.get(e.id, []))
            table[e.id] = {
                "lesson": lesson,
                "title": e.title,
                "kind": e.kind,
                "points": e.points,
                **({"cases": n_cases} if n_cases else {}),
            }
    return table


def grade_class(
    paths: Sequence[str | Path],
    out: str | Path | None,
    settings: Settings,
    roster: str | Path | None = None,
    progress: bool = True,
    warn: Callable[[str], None] | None = None,
    exercises: list | None = None,
) -> tuple[list[SubmissionResult], float]:
    """Grade every notebook in ``paths``; write the outputs to ``out`` (unless None).

    Returns the results (in the order found) and the seconds it took. Raises
    GradingError for the grader's own problems: no submissions, a bad roster, an
    output folder that cannot be written.
    """
    from .. import __version__
    from .report import ProgressBar, prepare_output

    def _warn(text: str) -> None:
        print(f"warning: {text}", file=sys.stderr)

    warn = warn or _warn
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    start = time.monotonic()
    submissions = find_submissions(paths)
    if roster is not None:
        submissions = apply_roster(submissions, read_roster(roster), warn)
    if not submissions:
        raise GradingError(f"no submissions (*.ipynb) found in {', '.join(map(str, paths))}")
    if out is not None:
        prepare_output(out)  # fail before grading, not after
    grader = Grader(settings, exercises)
    bar = ProgressBar(len(submissions)) if progress else None
    results = grade_all(grader, submissions, bar.update if bar else None)
    seconds = time.monotonic() - start
    missing = sorted({name for r in results for name in r.limits_missing})
    if missing:
        warn(f"this system did not apply these limits to the notebooks: {', '.join(missing)}")
    if out is not None:
        write_outputs(
            out, results, settings, __version__, seconds, _exercise_table(grader), started
        )
    return results, seconds


def check_notebook(
    path: str | Path, settings: Settings | None = None, exercises: list | None = None
) -> SubmissionResult:
    """Grade one notebook on the visible cases (the student's own check)."""
    from ..exercises import VISIBLE_SEED

    settings = settings or Settings(seed=VISIBLE_SEED, workers=1)
    path = Path(path)
    grader = Grader(settings, exercises)
    return grader.grade(Submission(path, path.stem))
