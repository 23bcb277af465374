"""What the grader writes: Markdown feedback per student, grades.csv, grades.json, canvas.csv.

``canvas.csv`` is the Canvas gradebook import (:mod:`.export`).

Every file is written atomically (a temporary file in the same folder, then
``os.replace``), so an interrupted run never leaves a half-written table.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ..exercises import ERROR, FAILED, icon
from .export import canvas_csv
from .grader import GradingError, Settings, SubmissionResult

__all__ = [
    "ProgressBar",
    "console_report",
    "feedback_markdown",
    "prepare_output",
    "summary_line",
    "write_outputs",
]


def prepare_output(folder: str | Path) -> Path:
    """Create ``folder`` (and ``feedback/`` in it) and make sure files can be written there.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     prepare_output(Path(folder, 'out')).name
    'out'
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        feedback = folder / "feedback"
        if feedback.is_symlink():
            feedback.unlink()
        feedback.mkdir(exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise GradingError(
            f"cannot write to the output folder {str(folder)!r}: {exc.strerror or exc}"
        ) from None
    return folder


def _write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------- Markdown


def _fence(text: str, info: str = "text") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _cell(text: str, limit: int = 140) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def feedback_markdown(result: SubmissionResult, version: str, when: str | None = None) -> str:
    """The feedback a student reads: score, a table of exercises, then what went wrong.

    Examples
    --------
    >>> r = SubmissionResult('ann', 'ann.ipynb', 1)
    >>> '**Score: 0 / 0**' in feedback_markdown(r, '0.1')
    True
    """
    when = when or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lesson = f"lesson {result.lesson}" if result.lesson is not None else "unknown lesson"
    lines = [
        f"# Feedback: {lesson}, {result.student}",
        "",
        f"**Score: {result.total} / {result.max_points}**",
        "",
    ]
    if result.error:
        lines += [
            f"> **Your notebook could not be graded in full:** {_cell(result.error, 600)}",
            "",
        ]
    if result.exercises:
        lines += ["| | Exercise | Points | Result |", "|---|---|---:|---|"]
        for e in result.exercises:
            lines.append(
                f"| {icon(e.status)} | `{e.id}`: {_cell(e.title, 80)} | "
                f"{e.points} / {e.max_points} | {_cell(e.message)} |"
            )
        lines.append("")
    wrong = [e for e in result.exercises if e.status in (FAILED, ERROR)]
    if wrong:
        lines += ["## What to look at", ""]
        for e in wrong:
            lines += [f"### {icon(e.status)} `{e.id}` ({e.points} / {e.max_points})", ""]
            lines += [e.message, ""]
            if "\n" in e.details:
                lines += [_fence(e.details), ""]
            elif e.details:  # a hint
                lines += [f"*{_cell(e.details, 400)}*", ""]
    if result.cell_errors:
        lines += ["## Cells that raised an error", ""]
        lines += ["The grader ran the other cells anyway.", ""]
        for item in result.cell_errors:
            lines.append(f"- code cell {item['cell']}: {_cell(item['error'], 400)}")
        lines.append("")
    lines += [
        "---",
        "",
        f"*Graded by cnncourse {version} on {when}. Functions are run on new random cases, "
        "not the ones the lesson's checks show, and must be your own code.*",
        "",
    ]
    return "\n".join(lines)


def console_report(result: SubmissionResult) -> str:
    """The plain-text report ``cnncourse check`` prints.

    Examples
    --------
    >>> console_report(SubmissionResult('ann', 'ann.ipynb', 1)).splitlines()[0]
    'ann.ipynb (lesson 1)'
    """
    lesson = f"lesson {result.lesson}" if result.lesson is not None else "unknown lesson"
    lines = [f"{result.file} ({lesson})", ""]
    if result.error:
        lines += [f"could not be graded in full: {result.error}", ""]
    lines += [e.report() for e in result.exercises]
    if result.cell_errors:
        lines += ["", "cells that raised an error (the others ran anyway):"]
        lines += [f"    code cell {c['cell']}: {c['error']}" for c in result.cell_errors]
    lines += ["", f"Score: {result.total}/{result.max_points}"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- tables


def _exercise_columns(results: Sequence[SubmissionResult]) -> list[str]:
    """Every exercise id in the results, in lesson order, each once."""
    columns: list[str] = []
    for result in sorted(results, key=lambda r: r.lesson if r.lesson is not None else 10**6):
        for e in result.exercises:
            if e.id not in columns:
                columns.append(e.id)
    return columns


def _grades_csv(results: Sequence[SubmissionResult]) -> str:
    """One row per student: ``student``, one column per exercise id, ``total``, ``max``."""
    columns = _exercise_columns(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *columns, "total", "max"])
    for result in results:
        points = {e.id: e.points for e in result.exercises}
        row = [points.get(c, "") for c in columns]
        writer.writerow([result.student, *row, result.total, result.max_points])
    return out.getvalue()


def _summary(results: Sequence[SubmissionResult], seconds: float) -> dict[str, Any]:
    n = len(results)
    totals = [r.total for r in results]
    maxima = [r.max_points for r in results]
    return {
        "submissions": n,
        "failed_to_run": sum(r.failed for r in results),
        "seconds": round(seconds, 2),
        "mean": round(sum(totals) / n, 2) if n else 0.0,
        "max": max(maxima) if maxima else 0,
        "full_marks": sum(1 for r in results if r.max_points and r.total == r.max_points),
    }


def summary_line(results: Sequence[SubmissionResult], seconds: float) -> str:
    """``graded 30 submissions in 95.2 s: mean 11.5/20; 2 submissions failed to run``.

    Examples
    --------
    >>> summary_line([SubmissionResult('ann', 'ann.ipynb', 1)], 1.0)
    'graded 1 submission in 1.0 s: mean 0/0'
    """
    s = _summary(results, seconds)
    n = s["submissions"]
    maxima = {r.max_points for r in results}
    if len(maxima) <= 1:
        mean = f"mean {s['mean']:g}/{s['max']}"
    else:  # lessons with different totals
        possible = sum(r.max_points for r in results) / max(n, 1)
        mean = f"mean {s['mean']:g} of {possible:.3g} points"
    text = f"graded {n} submission{'s' * (n != 1)} in {seconds:.1f} s: {mean}"
    failed = s["failed_to_run"]
    if failed:
        text += f"; {failed} submission{'s' * (failed != 1)} failed to run"
    return text


def _control_groups() -> str:
    """Whether each run got its own control group (memory, processes, CPU together)."""
    from . import cgroups

    return cgroups.availability()


def _grades_json(
    results: Sequence[SubmissionResult],
    settings: Settings,
    version: str,
    seconds: float,
    exercises: dict[str, dict[str, Any]],
    started: str,
    isolation: str = "",
    control_groups: str | None = None,
    shard: dict[str, Any] | None = None,
    variants: str = "",
) -> str:
    data = {
        "cnncourse_version": version,
        "seed": settings.seed,
        "started": started,
        "variants": variants,
        "isolation": isolation,
        "control_groups": _control_groups() if control_groups is None else control_groups,
        "seconds": round(seconds, 2),
        "settings": {
            "timeout": settings.timeout,
            "cell_timeout": settings.cell_timeout,
            "exercise_timeout": settings.exercise_timeout,
            "memory_mb": settings.memory_mb,
            "workers": settings.n_workers,
            "lesson": settings.lesson,
        },
        "summary": _summary(results, seconds),
        "exercises": exercises,
        "submissions": [r.to_dict() for r in results],
    }
    if shard is not None:
        data["shard"] = shard
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_outputs(
    folder: str | Path,
    results: Sequence[SubmissionResult],
    settings: Settings,
    version: str,
    seconds: float,
    exercises: dict[str, dict[str, Any]],
    started: str,
    isolation: str = "",
    control_groups: str | None = None,
    shard: dict[str, Any] | None = None,
    similarity: str | None = None,
    variants: str = "",
) -> None:
    """Write ``feedback/<student>.md`` for each result, then ``grades.json``, ``grades.csv``
    and ``canvas.csv`` (:mod:`.export`).

    ``control_groups`` (default: this machine's) and ``shard`` (a shard's record,
    :func:`.shards.shard_record`) go to ``grades.json`` as they are; ``similarity``, the
    similarity report's table (:mod:`.similarity`), to ``similarity.csv``; ``variants``
    (which numbers the questions with variants were graded for) to ``grades.json``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_outputs(folder, [], Settings(seed=1), '0.1', 0.0, {}, 'now')
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['canvas.csv', 'feedback', 'grades.csv', 'grades.json']
    """
    folder = prepare_output(folder)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for result in results:
        _write_atomic(
            folder / "feedback" / f"{result.student}.md", feedback_markdown(result, version, when)
        )
    _write_atomic(
        folder / "grades.json",
        _grades_json(
            results,
            settings,
            version,
            seconds,
            exercises,
            started,
            isolation,
            control_groups,
            shard,
            variants,
        ),
    )
    _write_atomic(folder / "grades.csv", _grades_csv(results))
    _write_atomic(folder / "canvas.csv", canvas_csv([r.to_dict() for r in results], exercises))
    if similarity is not None:
        _write_atomic(folder / "similarity.csv", similarity)


# --------------------------------------------------------------------------- progress


class ProgressBar:
    """A text progress bar over submissions on stderr (one line each when not a terminal).

    Examples
    --------
    >>> import io
    >>> bar = ProgressBar(1, io.StringIO())
    >>> bar.update(SubmissionResult('ann', 'ann.ipynb', 1)); bar.done
    1
    """

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.done, self.width = total, 0, width
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()

    def update(self, result: SubmissionResult) -> None:
        self.done += 1
        filled = int(self.width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (self.width - filled)
        note = f"{result.student}: {result.total}/{result.max_points}"
        if result.failed:
            note += " (failed to run)" if not result.runs else " (incomplete)"
        elapsed = time.monotonic() - self.start
        text = f"[{bar}] {self.done}/{self.total} {elapsed:5.0f} s  {note}"
        if self.tty:
            self.stream.write("\r" + text[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
