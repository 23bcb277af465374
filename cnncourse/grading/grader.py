"""Grading submissions: cases from a secret seed, a child process per notebook, judging here.

The grader generates each function exercise's cases from the seed and sends
only their inputs to the submission's process (:mod:`.sandbox`); the
expected outputs are computed and compared in this process, with each
exercise's own comparison, on the plain data that comes back, by
:func:`cnncourse.exercises.judge` (the inline check's own judging). A notebook's
code never runs here and nothing it sends is unpickled or evaluated.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
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
    ValueExercise,
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
    find_variants,
    lesson_from_name,
    python_source,
    read_notebook,
)
from .protocol import CORRUPT, FOUND, KILLED, MISSING, REFERENCE
from .roster import (
    GradingError,
    Submission,
    apply_roster,
    assign_lessons,
    find_submissions,
    read_roster,
)

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
    #: The numbers of each question with variants this student was graded for (with a key).
    variant: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The questions whose numbers in the notebook are not the student's own (with a key).
    variant_edited: list[str] = field(default_factory=list)

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
    warm: bool = True  # fork each run from a process that imported the libraries once

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

    def __init__(
        self,
        settings: Settings,
        exercises: list[Exercise] | None = None,
        key: bytes | None = None,
        own_numbers: bool = False,
    ) -> None:
        self.settings = settings
        #: The course key: each student's numbers are drawn from it and the student's name
        #: (:mod:`cnncourse.exercises._variants`); None: everyone's are the visible ones.
        self.key = key
        #: A student's own check: the numbers of the notebook's handout cell, trusted.
        self.own_numbers = own_numbers
        self._custom = exercises
        self._plans: dict[int, _LessonPlan] = {}
        self._lock = threading.Lock()
        #: The fork server the runs start from (:func:`grade_all` starts one), or None: cold.
        self.server = None
        #: The Dask cluster the runs go to (:class:`.cluster.Cluster`), or None: this machine.
        self.cluster = None

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
        numbers = self._numbers(plan, submission.student, cells, result)
        sites = find_answers([c or "" for c in cells])
        specs = []
        for exercise in plan.exercises:
            site = sites.get(exercise.id)
            name = site.name if site else None
            specs.append({"id": exercise.id, "kind": exercise.kind, "name": name})
        cases = {k: v for k, v in plan.encoded.items() if any(s["id"] == k for s in specs)}
        job = {"cells": cells, "specs": specs, "cases": cases, "limits": asdict(self.limits())}
        outcome = self.run(job)
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
                verdict = self._judge(
                    plan, exercise, spec, raw, notebook.cells, outcome, numbers.get(exercise.id)
                )
            except Exception as exc:  # noqa: BLE001 - e.g. a comparison choking on the data
                verdict = self._result(
                    exercise,
                    FAILED,
                    f"the answer could not be compared: {type(exc).__name__}: {str(exc)[:300]}",
                )
            result.exercises.append(verdict)
        return result

    def run(self, job: dict[str, Any]) -> sandbox.Outcome:
        """Run a submission's job (its cells, answers, cases' inputs and limits): on the
        cluster if there is one (:mod:`.cluster`), else here, from the fork server if any."""
        if self.cluster is not None:
            return self.cluster.run(job, warm=self.settings.warm)
        limits = sandbox.Limits(**job["limits"])
        return sandbox.run_submission(job["cells"], job["specs"], job["cases"], limits, self.server)

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

    def _numbers(
        self, plan: _LessonPlan, student: str, cells: list, result: SubmissionResult
    ) -> dict[str, dict[str, Any]]:
        """The numbers each question with variants is graded for: drawn from the key and the
        student's name (never the notebook's), the notebook's own (a student's check), or
        the visible ones."""
        written = find_variants([c or "" for c in cells]) or {}
        numbers = {}
        for exercise in plan.exercises:
            variants = getattr(exercise, "variants", None)
            if variants is None:
                continue
            if self.key is not None:
                numbers[exercise.id] = variants.drawn(self.key, student, exercise.id)
            elif self.own_numbers and set(written.get(exercise.id, {})) == set(variants.visible):
                numbers[exercise.id] = dict(written[exercise.id])
            else:
                numbers[exercise.id] = dict(variants.visible)
        if self.key is not None:
            result.variant = numbers
            result.variant_edited = [
                exercise_id
                for exercise_id, values in numbers.items()
                if _plain(written.get(exercise_id)) != _plain(values)
            ]
        return numbers

    def _judge(self, plan, exercise, spec, raw, cells, outcome, numbers=None) -> ExerciseResult:
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
            if isinstance(exercise, ValueExercise):
                return exercise.expected(numbers)
            return plan.expected(exercise, *index)

        verdict = judge(
            exercise,
            answer_outcome(raw, self.settings.exercise_timeout),
            plan.cases.get(exercise.id, ()),
            expected,
        )
        details = verdict.details
        if numbers is not None and verdict.status != PASSED and self.key is not None:
            shown = ", ".join(f"{name} = {value!r}" for name, value in numbers.items())
            details = "\n".join(filter(None, [details, f"graded for your numbers: {shown}"]))
        return self._result(exercise, verdict.status, verdict.message, details)


def _plain(value: Any) -> Any:
    """``value`` with its tuples as lists (numbers read from a notebook against drawn ones)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


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
    own_server = (
        grader.server is None
        and grader.cluster is None  # each worker has its own
        and grader.settings.warm
        and len(submissions) > 1
    )
    if own_server:  # the libraries are imported once, and each run forked from there
        grader.server = sandbox.start_server()
    try:
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
    finally:
        if own_server and grader.server is not None:
            grader.server.close()
            grader.server = None
    return [results[i] for i in range(len(submissions))]
