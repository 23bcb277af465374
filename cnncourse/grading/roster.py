"""The class: which notebooks, whose they are, and which lesson each is graded as.

:func:`find_submissions` finds the notebooks, :func:`apply_roster` names their students
from a roster (:func:`read_roster`), :func:`assign_lessons` gives each the lesson it is
graded as (the instructor's choice, never the notebook's). :class:`GradingError` is the
grader's own trouble (not a submission's).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .notebook import NotebookError, lesson_from_name, read_notebook

__all__ = [
    "GradingError",
    "Submission",
    "apply_roster",
    "assign_lessons",
    "find_submissions",
    "read_roster",
]


class GradingError(Exception):
    """A problem of the grader's own (not of a submission): a bad roster, no submissions...

    Examples
    --------
    >>> raise GradingError('no submissions')
    Traceback (most recent call last):
    ...
    cnncourse.grading.roster.GradingError: no submissions
    """


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    """One notebook to grade, whose it is and, once chosen, the lesson it is graded as.

    Examples
    --------
    >>> Submission(Path("ann.ipynb"), "ann").lesson is None
    True
    """

    path: Path
    student: str
    lesson: int | None = None  # set by assign_lessons; None: the name's, else the metadata's


_SAFE = re.compile(r"[^\w.@+-]+")


def _safe_name(text: str) -> str:
    """``text`` usable as a file name: no separators, no leading dot, not empty."""
    name = _SAFE.sub("_", text.strip()).lstrip(".+-@")  # no hidden files, no CSV formulas
    return name[:120] or "student"


def find_submissions(paths: Sequence[str | Path]) -> list[Submission]:
    """The notebooks in ``paths`` (files, or folders searched recursively for ``*.ipynb``).

    A file given by name is graded whatever it holds; in folders, hidden files and
    ``.ipynb_checkpoints`` are skipped. The student is the file's stem, or the
    folder's name for ``alice/01_images.ipynb`` (a lesson's file name in a folder per
    student). Names that collide get ``-2``, ``-3``... Raises GradingError for a path
    that does not exist.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, 'ann.ipynb').write_text('{}')
    ...     [s.student for s in find_submissions([folder])]
    ['ann']
    """
    found: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(path.rglob("*.ipynb")):
                parts = file.relative_to(path).parts
                if any(p.startswith(".") for p in parts) or not file.is_file():
                    continue
                student = file.stem
                if lesson_from_name(file) is not None and len(parts) > 1:
                    student = parts[-2]
                found.append((file, student))
        elif path.exists():
            found.append((path, path.stem))
        else:
            raise GradingError(f"no such file or folder: {str(given)!r}")
    out, seen, used = [], set(), set()
    for file, student in found:
        resolved = file.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        base = _safe_name(student)
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.lower())
        out.append(Submission(file, name))
    return out


def read_roster(path: str | Path) -> dict[str, str]:
    """A roster CSV (columns ``file`` and ``student``) as {file: student}.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, 'r.csv').write_text('file,student\\nann.ipynb,Ann Lee\\n')
    ...     read_roster(Path(folder, 'r.csv'))
    {'ann.ipynb': 'Ann Lee'}
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GradingError(f"cannot read the roster {str(path)!r}: {exc}") from None
    if not rows or not {"file", "student"} <= set(rows[0]):
        raise GradingError(f"the roster {str(path)!r} needs the columns file and student")
    roster = {}
    for number, row in enumerate(rows, start=2):
        file, student = (row.get("file") or "").strip(), (row.get("student") or "").strip()
        if not file or not student:
            raise GradingError(f"roster {str(path)!r}, line {number}: empty file or student")
        roster[file] = student
    return roster


def apply_roster(
    submissions: list[Submission], roster: dict[str, str], warn: Callable[[str], None]
) -> list[Submission]:
    """Submissions renamed from the roster.

    A roster's ``file`` is matched against the end of each submission's path: a file
    name (``ann.ipynb``), a path inside the submissions' folder (``ann/01_images.ipynb``)
    or an absolute path. An entry that matches several submissions is ambiguous and skipped.

    Examples
    --------
    >>> subs = [Submission(Path('ann.ipynb'), 'ann')]
    >>> [s.student for s in apply_roster(subs, {'ann.ipynb': 'Ann Lee'}, print)]
    ['Ann_Lee']
    """
    names: dict[int, str] = {}
    for file, student in roster.items():
        entry = Path(file)
        if entry.is_absolute():
            hits = [i for i, s in enumerate(submissions) if s.path.resolve() == entry.resolve()]
        else:
            parts = entry.parts
            hits = [
                i
                for i, s in enumerate(submissions)
                if s.path.resolve().parts[-len(parts) :] == parts
            ]
        if len(hits) > 1:
            warn(f"roster entry {file!r} matches {len(hits)} submissions: give more of its path")
        elif hits:
            names[hits[0]] = student
        else:
            warn(f"no submission found for {student!r} ({file} in the roster)")
    out, used = [], set()
    for i, sub in enumerate(submissions):
        student = names.get(i)
        if student is None:
            warn(f"{sub.path} is not in the roster: graded as {sub.student!r}")
            student = sub.student
        base = name = _safe_name(student)
        n = 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        if name != base:
            warn(f"two submissions for {student!r}: {sub.path} is graded as {name!r}")
        used.add(name.lower())
        out.append(Submission(sub.path, name, sub.lesson))
    return out


def assign_lessons(
    submissions: list[Submission], forced: int | None, warn: Callable[[str], None]
) -> list[Submission]:
    """Each submission with the lesson it is graded as: the instructor's, never the notebook's.

    ``forced`` (``--lesson``) wins for all; else a file's ``NN_`` prefix; else the lesson of
    most of the class. A notebook whose metadata (or name) says otherwise gets a warning
    naming it.

    Examples
    --------
    >>> subs = [Submission(Path("01_a.ipynb"), "a"), Submission(Path("01_b.ipynb"), "b")]
    >>> [s.lesson for s in assign_lessons(subs, None, print)]
    [1, 1]
    >>> [s.lesson for s in assign_lessons(subs, 2, print)]
    01_a.ipynb: its file name says lesson 1; graded as lesson 2 (--lesson)
    01_b.ipynb: its file name says lesson 1; graded as lesson 2 (--lesson)
    [2, 2]
    """
    own = []
    for sub in submissions:
        try:
            meta = read_notebook(sub.path).lesson
        except NotebookError:
            meta = None
        own.append((lesson_from_name(sub.path), meta))
    votes = Counter(name if name is not None else meta for name, meta in own)
    votes.pop(None, None)
    majority = votes.most_common(1)[0][0] if votes else None
    out = []
    for sub, (name, meta) in zip(submissions, own, strict=True):
        if forced is not None:
            lesson = forced
            for what, said in (("file name", name), ("metadata", meta)):
                if said is not None and said != forced:
                    warn(
                        f"{sub.path}: its {what} says lesson {said}; graded as lesson {forced} "
                        "(--lesson)"
                    )
        elif name is not None:
            lesson = name
            if meta is not None and meta != name:
                warn(
                    f"{sub.path}: its metadata says lesson {meta}, its file name lesson {name}; "
                    f"graded as lesson {name}"
                )
        else:
            lesson = majority
            if meta is not None and meta != majority:
                warn(
                    f"{sub.path}: its metadata says lesson {meta}; graded as lesson {majority}, "
                    "the lesson of the rest of the class (use --lesson to choose)"
                )
        out.append(Submission(sub.path, sub.student, lesson))
    return out
