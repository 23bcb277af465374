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

import os
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
    assign_lessons,
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
    "assign_lessons",
    "check_notebook",
    "console_report",
    "feedback_markdown",
    "find_submissions",
    "grade_all",
    "grade_class",
    "isolation_note",
    "variants_note",
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
    shard: tuple[int, int] | None = None,
    scheduler: str | None = None,
    key: bytes | None = None,
) -> tuple[list[SubmissionResult], float]:
    """Grade every notebook in ``paths``; write the outputs to ``out`` (unless None).

    ``shard=(K, N)`` grades only the K-th of N parts of the class (:mod:`.shards`); its
    ``grades.json`` says which, for ``cnncourse merge``. ``scheduler`` (a Dask scheduler's
    address) runs the notebooks on that cluster's workers (:mod:`.cluster`); they are
    judged here, so the outputs are those of a run on this machine with the same seed.
    ``key`` (the course key of ``cnncourse handout``) grades each student's questions with
    variants for that student's own numbers; without it, for the visible ones.

    Returns the results (in the order found) and the seconds it took. Raises
    GradingError for the grader's own problems: no submissions, a bad roster, an
    output folder that cannot be written. Each notebook is graded as the lesson
    :func:`assign_lessons` gives it; how notebooks are isolated is said once
    (:func:`isolation_note`) and written to ``grades.json``.

    Examples
    --------
    >>> grade_class(["no/such/folder"], None, Settings(seed=1), progress=False)
    Traceback (most recent call last):
    ...
    cnncourse.grading.roster.GradingError: no such file or folder: 'no/such/folder'
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
    submissions = assign_lessons(submissions, settings.lesson, warn)
    similarity = _similarity(submissions, settings, exercises) if out is not None else None
    record = None
    if shard is not None:
        from .shards import select_shard, shard_record

        chosen = select_shard(submissions, *shard)
        record = shard_record(*shard, [s.student for s in submissions], [i for i, _ in chosen])
        submissions = [s for _, s in chosen]
    grader = Grader(settings, exercises, key=key)
    variants = variants_note(key)
    print(f"variants: {variants}", file=sys.stderr)
    control_groups = None
    if scheduler is not None:
        from .cluster import Cluster

        grader.cluster = Cluster(scheduler)
        isolation = grader.cluster.said("isolation")
        control_groups = grader.cluster.said("control_groups")
        workers = len(grader.cluster.threads_per_worker)
        print(
            f"cluster: {workers} Dask worker{'s' * (workers != 1)} at {scheduler}, "
            f"{grader.cluster.threads} notebooks at a time; isolation: {isolation}; "
            f"limits: {control_groups}",
            file=sys.stderr,
        )
        if not settings.workers:
            settings.workers = grader.cluster.threads
    else:
        isolation = isolation_note(warn)
    bar = ProgressBar(len(submissions)) if progress else None
    try:
        results = grade_all(grader, submissions, bar.update if bar else None)
    finally:
        if grader.cluster is not None:
            grader.cluster.close()
    seconds = time.monotonic() - start
    missing = sorted({name for r in results for name in r.limits_missing})
    if missing:
        warn(f"this system did not apply these limits to the notebooks: {', '.join(missing)}")
    if out is not None:
        write_outputs(
            out,
            results,
            settings,
            __version__,
            seconds,
            _exercise_table(grader),
            started,
            isolation,
            control_groups=control_groups,
            shard=record,
            similarity=similarity,
            variants=variants,
        )
    return results, seconds


def _similarity(submissions: Sequence[Submission], settings: Settings, custom) -> str:
    """The similarity report of the whole class (every shard writes the same one)."""
    from ..exercises import for_lesson
    from ..exercises._verdict import FUNCTION
    from .similarity import similar_pairs, similarity_csv

    names: list[str] = []
    for lesson in sorted({s.lesson for s in submissions if s.lesson is not None}):
        pool = for_lesson(lesson) if custom is None else [e for e in custom if e.lesson == lesson]
        names += [e.id for e in pool if e.kind == FUNCTION and e.id not in names]
    return similarity_csv(similar_pairs([(s.student, s.path) for s in submissions], names))


def variants_note(key: bytes | None) -> str:
    """Which numbers the questions with variants are graded for (said once, in ``grades.json``).

    Examples
    --------
    >>> variants_note(None)
    'none: every student got the visible numbers (no --key)'
    """
    if key is None:
        return "none: every student got the visible numbers (no --key)"
    from ..exercises._variants import key_fingerprint

    return (
        "each student's own numbers, drawn from the course key "
        f"{key_fingerprint(key)} and the student's name"
    )


def isolation_note(warn: Callable[[str], None]) -> str:
    """How submissions are isolated on this machine; said once (on stderr, or as a warning).

    Examples
    --------
    >>> note = isolation_note(lambda text: None)
    >>> note == "bubblewrap" or note.startswith("none (")
    True
    """
    from . import cgroups, isolation

    note = isolation.availability()
    groups = cgroups.availability()
    if groups.startswith("cgroup"):
        print(
            f"limits: one {groups} control group per run (memory, processes and CPU of all "
            "its processes together)",
            file=sys.stderr,
        )
    else:
        warn(f"limits: {groups}: memory and CPU are limited per process only")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if note == "bubblewrap":
        who = " as unprivileged uids" if root else ""
        print(f"isolation: bubblewrap (each notebook in its own namespaces{who})", file=sys.stderr)
        if root:
            warn("grading as root: the notebooks' processes switch to unprivileged uids")
    else:
        warn(
            f"isolation: {note}: notebooks can read files outside their folder, reach "
            "the network and see other processes (see the README's Limitations)"
        )
        if root:
            warn("grading as root without isolation: the notebooks run as root too")
    return note


def check_notebook(
    path: str | Path, settings: Settings | None = None, exercises: list | None = None
) -> SubmissionResult:
    """Grade one notebook on the visible cases (the student's own check), its questions for
    the numbers of its handout cell (a student's own), else the visible ones.

    Examples
    --------
    >>> check_notebook("no_such.ipynb").error
    'the file cannot be read: No such file or directory'
    """
    from ..exercises import VISIBLE_SEED

    settings = settings or Settings(seed=VISIBLE_SEED, workers=1)
    path = Path(path)
    grader = Grader(settings, exercises, own_numbers=True)
    return grader.grade(Submission(path, path.stem))
