"""Grading submissions: cases from a secret seed, a child process per notebook, judging here.

The grader generates each function exercise's cases from the seed and sends
only their inputs to the submission's process (:mod:`.sandbox`); the
expected outputs are computed and compared in this process, with each
exercise's own comparison, on the plain data that comes back, by
:func:`cnncourse.exercises.judge` (the inline check's own judging). A notebook's
code never runs here and nothing it sends is unpickled or evaluated.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..exercises import (
    ERROR,
    FAILED,
    NOT_DONE,
    PASSED,
    VISIBLE_SEED,
    AnswerOutcome,
    CaseOutcome,
    Exercise,
    FunctionExercise,
    ModelExercise,
    for_lesson,
    icon,
    judge,
)
from ..exercises._verdict import FUNCTION, RETURNED
from . import sandbox
from ._summary import valid_summary
from .codec import contains_unsupported
from .notebook import (
    NotebookError,
    find_answers,
    find_definition,
    lesson_from_name,
    python_source,
    read_notebook,
)
from .protocol import CORRUPT, FOUND, KILLED, MISSING, REFERENCE

__all__ = [
    "ExerciseResult",
    "Grader",
    "GradingError",
    "Settings",
    "Submission",
    "SubmissionResult",
    "answer_outcome",
    "apply_roster",
    "assign_lessons",
    "find_submissions",
    "grade_all",
    "new_seed",
    "read_roster",
]


#: The longest message and details of one exercise's verdict in the feedback (a notebook's
#: strings are echoed there: they must not carry much).
MAX_MESSAGE, MAX_DETAILS = 600, 3000


def _capped(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 16] + " ... (cut short)"


class GradingError(Exception):
    """A problem of the grader's own (not of a submission): a bad roster, no submissions...

    Examples
    --------
    >>> raise GradingError('no submissions')
    Traceback (most recent call last):
    ...
    cnncourse.grading.grader.GradingError: no submissions
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


# --------------------------------------------------------------------------- results


@dataclass
class ExerciseResult:
    """The verdict on one exercise of one submission.

    Examples
    --------
    >>> r = ExerciseResult('to_bgr', 'Swap', 'function', 'passed', 1, 1, 'passed all 9 cases.')
    >>> r.passed, r.report()
    (True, '✅ to_bgr (1/1): passed all 9 cases.')
    """

    id: str
    title: str
    kind: str
    status: str  # passed, failed, error, not_done
    points: int
    max_points: int
    message: str
    details: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def report(self) -> str:
        """One line (and indented details) as the inline check prints it, with points."""
        text = f"{icon(self.status)} {self.id} ({self.points}/{self.max_points}): {self.message}"
        if self.details:
            text += "\n" + "\n".join("    " + line for line in self.details.splitlines())
        return text


@dataclass
class SubmissionResult:
    """Everything about one graded submission.

    Examples
    --------
    >>> r = SubmissionResult('ann', 'ann.ipynb', 1)
    >>> r.total, r.failed
    (0, False)
    """

    student: str
    file: str
    lesson: int | None
    exercises: list[ExerciseResult] = field(default_factory=list)
    cell_errors: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # why it could not be run, or not fully
    seconds: float = 0.0
    runs: int = 0
    internal: bool = False  # the grader itself failed on this one (a bug to report)
    limits_missing: list[str] = field(default_factory=list)  # limits this system did not apply

    @property
    def total(self) -> int:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> int:
        return sum(e.max_points for e in self.exercises)

    @property
    def failed(self) -> bool:
        """True when the notebook could not be run through (unreadable, too slow...)."""
        return self.error is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(total=self.total, max=self.max_points, failed=self.failed)
        for exercise in data["exercises"]:
            exercise["passed"] = exercise["status"] == PASSED
        return data


# --------------------------------------------------------------------------- the grader


@dataclass
class Settings:
    """How to grade: the seed and the limits (see ``cnncourse grade --help``).

    Examples
    --------
    >>> Settings(seed=1, workers=2).n_workers
    2
    """

    seed: int
    timeout: float = sandbox.DEFAULT_LIMITS.timeout
    cell_timeout: float = sandbox.DEFAULT_LIMITS.cell_timeout
    exercise_timeout: float = sandbox.DEFAULT_LIMITS.exercise_timeout
    memory_mb: int = sandbox.DEFAULT_LIMITS.memory_mb
    workers: int = 0  # 0: one per CPU core
    lesson: int | None = None  # force this lesson's exercises for every notebook

    @property
    def n_workers(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)


def new_seed() -> int:
    """A fresh secret seed (never the visible one).

    Examples
    --------
    >>> new_seed() != VISIBLE_SEED
    True
    """
    while True:
        seed = secrets.randbelow(2**31)
        if seed != VISIBLE_SEED:
            return seed


class _LessonPlan:
    """One lesson's exercises with their cases, encoded inputs and expected outputs."""

    def __init__(self, lesson: int, seed: int, exercises: list[Exercise] | None = None) -> None:
        self.lesson = lesson
        self.exercises = list(exercises) if exercises is not None else for_lesson(lesson)
        self.cases: dict[str, list] = {}
        self.encoded: dict[str, tuple] = {}
        self._expected: dict[tuple[str, int], Any] = {}
        self._summaries: dict[str, Any] = {}
        self._lock = threading.Lock()
        for exercise in self.exercises:
            if isinstance(exercise, FunctionExercise):
                cases = exercise.cases(seed)
                self.cases[exercise.id] = cases
                self.encoded[exercise.id] = sandbox.encode_cases(cases)

    def expected(self, exercise: FunctionExercise, index: int) -> Any:
        key = (exercise.id, index)
        with self._lock:
            if key not in self._expected:
                self._expected[key] = exercise.expected(self.cases[exercise.id][index])
            return self._expected[key]

    def expected_summary(self, exercise: ModelExercise) -> Any:
        with self._lock:
            if exercise.id not in self._summaries:
                self._summaries[exercise.id] = exercise.expected_summary()
            return self._summaries[exercise.id]


class Grader:
    """Grades notebooks with one seed and one set of limits; thread-safe.

    ``exercises`` replaces the registry's exercises of every lesson (for tests of
    exercises not in the course yet); by default each notebook gets its lesson's.

    Examples
    --------
    >>> grader = Grader(Settings(seed=1))
    >>> grader.limits().timeout == Settings(seed=1).timeout
    True
    """

    def __init__(self, settings: Settings, exercises: list[Exercise] | None = None) -> None:
        self.settings = settings
        self._custom = exercises
        self._plans: dict[int, _LessonPlan] = {}
        self._lock = threading.Lock()

    def plan(self, lesson: int) -> _LessonPlan:
        with self._lock:
            if lesson not in self._plans:
                self._plans[lesson] = _LessonPlan(lesson, self.settings.seed, self._custom)
            return self._plans[lesson]

    def limits(self) -> sandbox.Limits:
        s = self.settings
        return sandbox.Limits(
            timeout=s.timeout,
            cell_timeout=min(s.cell_timeout, s.timeout),
            exercise_timeout=s.exercise_timeout,
            memory_mb=s.memory_mb,
            cpus=max(1.0, (os.cpu_count() or 1) / s.n_workers),  # the workers share the cores
        )

    # ------------------------------------------------------------------ one submission

    def grade(self, submission: Submission) -> SubmissionResult:
        """Grade one notebook. Never raises for anything the notebook holds or does."""
        result = SubmissionResult(submission.student, str(submission.path), None)
        try:
            notebook = read_notebook(submission.path)
            notebook_error = None
        except NotebookError as exc:
            notebook, notebook_error = None, str(exc)
        # the instructor's choice (assign_lessons), --lesson, the file name; the notebook's
        # own metadata only when nothing else says
        lesson = submission.lesson
        if lesson is None:
            lesson = self.settings.lesson
        if lesson is None:
            lesson = lesson_from_name(submission.path)
        if lesson is None and notebook is not None:
            lesson = notebook.lesson
        result.lesson = lesson
        plan = self.plan(lesson) if lesson is not None else None
        if plan is not None and not plan.exercises:
            result.error = f"lesson {lesson} has no exercises to grade"
            return result
        if notebook_error is not None or plan is None:
            result.error = notebook_error or (
                "cannot tell which lesson this notebook is (no cnncourse.lesson in its "
                "metadata, no NN_ prefix in its name): grade it with --lesson N"
            )
            if plan is not None:
                result.exercises = [
                    self._result(e, NOT_DONE, "not graded: " + result.error) for e in plan.exercises
                ]
            return result

        cells = [python_source(source) for source in notebook.cells]
        sites = find_answers([c or "" for c in cells])
        specs = []
        for exercise in plan.exercises:
            site = sites.get(exercise.id)
            name = site.name if site else None
            specs.append({"id": exercise.id, "kind": exercise.kind, "name": name})
        cases = {k: v for k, v in plan.encoded.items() if any(s["id"] == k for s in specs)}
        outcome = sandbox.run_submission(cells, specs, cases, self.limits())
        result.seconds = round(outcome.seconds, 2)
        result.runs = outcome.runs
        result.error = outcome.error
        result.limits_missing = list(outcome.limits_missing)
        result.cell_errors = [
            {"cell": index + 1, "error": text}
            for index, text in sorted(outcome.cell_errors.items())
        ]
        for exercise, spec in zip(plan.exercises, specs, strict=True):
            raw = outcome.results.get(exercise.id)
            if raw is None:
                why = outcome.error or "no result came back"
                result.exercises.append(self._result(exercise, ERROR, f"not graded: {why}."))
                continue
            try:
                verdict = self._judge(plan, exercise, spec, raw, notebook.cells, outcome)
            except Exception as exc:  # noqa: BLE001 - e.g. a comparison choking on the data
                verdict = self._result(
                    exercise,
                    FAILED,
                    f"the answer could not be compared: {type(exc).__name__}: {str(exc)[:300]}",
                )
            result.exercises.append(verdict)
        return result

    # ------------------------------------------------------------------ judging

    def _result(
        self, exercise: Exercise, status: str, message: str, details: str = ""
    ) -> ExerciseResult:
        points = exercise.points if status == PASSED else 0
        return ExerciseResult(
            exercise.id,
            exercise.title,
            exercise.kind,
            status,
            points,
            exercise.points,
            _capped(message, MAX_MESSAGE),
            _capped(details, MAX_DETAILS),
        )

    def _missing(self, exercise: Exercise, spec: dict, cells: list[str], outcome) -> str:
        name = spec["name"] or (exercise.id if exercise.kind == FUNCTION else None)
        if exercise.kind == FUNCTION:
            text = f"function not defined: the notebook has no function `{name}`"
        elif name:
            text = f"answer not found: `{name}` is not defined"
        else:
            text = f"answer not found: the notebook has no `check.{exercise.id}(...)`"
        cell = find_definition(cells, name) if name else None
        if cell is None:
            sites = find_answers(cells)
            cell = sites[exercise.id].cell if exercise.id in sites else None
        if cell is not None and cell in outcome.cell_errors:
            text += f" (code cell {cell + 1} raised {outcome.cell_errors[cell]})"
        return text + "."

    def _judge(self, plan, exercise, spec, raw, cells, outcome) -> ExerciseResult:
        """The verdict on what came back: the grader's own cases here, the rest by ``judge``."""
        answer = raw["answer"]
        if answer == MISSING:
            return self._result(exercise, NOT_DONE, self._missing(exercise, spec, cells, outcome))
        if answer in (KILLED, CORRUPT):
            reason = raw.get("error", "")
            if answer == CORRUPT:
                reason = f"its result could not be read ({reason})"
            return self._result(exercise, ERROR, reason + ".")
        if answer == REFERENCE:
            return self._result(
                exercise,
                FAILED,
                f"this is the course's reference implementation ({raw.get('where')}), "
                "not your own function.",
            )
        if isinstance(exercise, ModelExercise) and answer == FOUND:
            if not valid_summary(raw.get("summary")):
                return self._result(exercise, ERROR, "the model's summary could not be read.")

        def expected(*index: int) -> Any:
            if isinstance(exercise, ModelExercise):
                return plan.expected_summary(exercise)
            return plan.expected(exercise, *index)

        verdict = judge(
            exercise,
            answer_outcome(raw, self.settings.exercise_timeout),
            plan.cases.get(exercise.id, ()),
            expected,
        )
        return self._result(exercise, verdict.status, verdict.message, verdict.details)


def answer_outcome(raw: dict[str, Any], timeout: float) -> AnswerOutcome:
    """A result read back from a submission's process (:func:`.sandbox._read_result`) as the
    outcome the inline check records in its own process; ``timeout`` is the exercise's limit.

    Examples
    --------
    >>> answer_outcome({'answer': 'found', 'value': 42}, 10.0).value
    42
    """
    answer = raw["answer"]
    if answer != FOUND:
        return AnswerOutcome(
            answer, type_name=raw.get("type", "?"), error=raw.get("error", ""), seconds=timeout
        )
    if "outputs" in raw:  # a function: what each call returned, then why the calls stopped
        calls = []
        for output in raw["outputs"]:
            odd = contains_unsupported(output["got"])
            calls.append(
                CaseOutcome(
                    RETURNED,
                    output["got"],
                    changed_input=output["changed_input"],
                    not_plain=odd.type_name if odd is not None else "",
                )
            )
        stopped = raw.get("stopped")
        if stopped:
            calls.append(
                CaseOutcome(stopped["kind"], error=stopped.get("error", ""), seconds=timeout)
            )
        return AnswerOutcome(FOUND, cases=calls)
    value = raw["summary"] if "summary" in raw else raw.get("value")
    odd = contains_unsupported(value)
    return AnswerOutcome(FOUND, value=value, not_plain=odd.type_name if odd is not None else "")


def grade_all(
    grader: Grader,
    submissions: Iterable[Submission],
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> list[SubmissionResult]:
    """Grade submissions ``grader.settings.n_workers`` at a time; results in input order.

    Examples
    --------
    >>> grade_all(Grader(Settings(seed=1)), [])
    []
    """
    submissions = list(submissions)
    results: dict[int, SubmissionResult] = {}
    with ThreadPoolExecutor(max_workers=grader.settings.n_workers) as pool:
        futures = {pool.submit(grader.grade, sub): i for i, sub in enumerate(submissions)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a bug of the grader: say so, go on
                sub = submissions[i]
                result = SubmissionResult(sub.student, str(sub.path), None)
                result.error = f"internal grader error: {type(exc).__name__}: {exc}"
                result.internal = True
            results[i] = result
            if on_result is not None:
                on_result(result)
    return [results[i] for i in range(len(submissions))]
