"""Grades where instructors keep them: a gradebook CSV that Canvas imports.

``canvas.csv`` is in Canvas's gradebook import format: the columns ``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID`` and ``Section``, then one column per assignment (one
per lesson graded: ``Lesson 1 (cnncourse)``, each student's total), a first row
``Points Possible`` with each assignment's maximum, then one row per student. Canvas
finds each student by ``SIS User ID`` (or ``ID`` or ``SIS Login ID``): the grader writes
its student name there, the roster's ``student`` column when there is one, so a roster
whose ``student`` is the SIS user id imports as it is; ``ID``, ``SIS Login ID`` and
``Section`` are left empty. A column whose name is not an assignment of the course
creates that assignment when imported. The per-exercise points stay in ``grades.csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

__all__ = [
    "CANVAS_COLUMNS",
    "assignment_name",
    "canvas_csv",
]

#: The columns that come before the assignments in a Canvas gradebook CSV.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def assignment_name(lesson: int | None) -> str:
    """The gradebook column of a lesson's grades.

    Examples
    --------
    >>> assignment_name(3)
    'Lesson 3 (cnncourse)'
    >>> assignment_name(None)
    'Unknown lesson (cnncourse)'
    """
    return f"Lesson {lesson} (cnncourse)" if lesson is not None else "Unknown lesson (cnncourse)"


def _cell(value: Any) -> str:
    """A cell a spreadsheet does not take for a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def canvas_csv(submissions: Sequence[dict[str, Any]], exercises: dict[str, dict]) -> str:
    """The Canvas gradebook CSV of ``grades.json``'s ``submissions`` and ``exercises``.

    Examples
    --------
    >>> subs = [{"student": "ann", "lesson": 1, "total": 3, "max": 4}]
    >>> table = {"a": {"lesson": 1, "points": 1}, "b": {"lesson": 1, "points": 3}}
    >>> print(canvas_csv(subs, table), end="")
    Student,ID,SIS User ID,SIS Login ID,Section,Lesson 1 (cnncourse)
    Points Possible,,,,,4
    ann,,ann,,,3
    """
    possible: dict[Any, int] = {}
    for info in exercises.values():
        lesson = info.get("lesson")
        possible[lesson] = possible.get(lesson, 0) + int(info.get("points", 0))
    for submission in submissions:  # a lesson the table lacks: its submissions' maximum
        possible.setdefault(submission.get("lesson"), int(submission.get("max", 0)))
    lessons = sorted(possible, key=lambda n: (n is None, n if n is not None else 0))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, *(assignment_name(n) for n in lessons)])
    writer.writerow(["Points Possible", "", "", "", "", *(possible[n] for n in lessons)])
    for submission in submissions:
        student = _cell(submission["student"])
        scores = [submission["total"] if submission.get("lesson") == n else "" for n in lessons]
        writer.writerow([student, "", student, "", "", *scores])
    return out.getvalue()
