"""Exercises: definitions, the inline ``check`` and the registry the grader uses.

In a lesson::

    from cnncourse.exercises import check

    def rgb_to_grayscale(image):
        ...
    rgb_to_grayscale = check.rgb_to_grayscale(rgb_to_grayscale)

``check.<id>(answer)`` runs the visible cases, prints a verdict and never
raises. For a function exercise it returns the function later cells should
use: yours when it passes, the reference otherwise (it says so). For a value
exercise it returns whether the answer is right. The verdict comes from
:func:`judge`, the grader's own judging.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

from ._core import (
    ERROR,
    FAILED,
    NOT_DONE,
    PASSED,
    VISIBLE_SEED,
    Case,
    Exercise,
    FunctionExercise,
    ModelExercise,
    Result,
    ValueExercise,
    choice,
    close,
    compare_summaries,
    each,
    exact,
    model_summary,
)
from ._variants import (
    ListView,
    NumbersView,
    Pick,
    QuestionsView,
    Variants,
    numbers,
    question,
    use_variants,
)
from ._verdict import ICONS, AnswerOutcome, CaseOutcome, describe_value, icon, judge

__all__ = [
    "ERROR",
    "FAILED",
    "NOT_DONE",
    "PASSED",
    "VISIBLE_SEED",
    "Case",
    "Exercise",
    "FunctionExercise",
    "ModelExercise",
    "Result",
    "ValueExercise",
    "choice",
    "close",
    "each",
    "exact",
    "model_summary",
    "compare_summaries",
    "describe_value",
    "ICONS",
    "AnswerOutcome",
    "CaseOutcome",
    "icon",
    "judge",
    "REGISTRY",
    "check",
    "LESSON_MODULES",
    "for_lesson",
    "get",
    "ListView",
    "NumbersView",
    "Pick",
    "QuestionsView",
    "Variants",
    "numbers",
    "question",
    "use_variants",
]

#: The exercise module of each lesson, by lesson number: ``lessonNN.py`` defines lesson NN's
#: exercises (its ``LESSON`` is NN), found here on import, so renumbering a lesson is renaming
#: its files (``tests/test_lesson_numbers.py`` checks they agree).
LESSON_MODULES = {
    int(info.name[len("lesson") :]): importlib.import_module(f"{__name__}.{info.name}")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    if re.fullmatch(r"lesson\d\d", info.name)
}
_MODULES = tuple(LESSON_MODULES.values())

#: Every exercise of the course by id.
REGISTRY: dict[str, Exercise] = {}
for _module in _MODULES:
    for _exercise in _module.EXERCISES:
        if _exercise.id in REGISTRY:  # pragma: no cover - a packaging mistake
            raise RuntimeError(f"duplicate exercise id {_exercise.id!r}")
        REGISTRY[_exercise.id] = _exercise


def get(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``; ValueError listing the ids if unknown.

    Examples
    --------
    >>> exercise = get("mlp_costs")
    >>> exercise.lesson, exercise.kind
    (0, 'function')
    >>> get("no_such_exercise")
    Traceback (most recent call last):
    ...
    ValueError: exercise_id must be one of ...; got 'no_such_exercise'
    """
    if exercise_id not in REGISTRY:
        raise ValueError(
            f"exercise_id must be one of {', '.join(sorted(REGISTRY))}; got {exercise_id!r}"
        )
    return REGISTRY[exercise_id]


def for_lesson(lesson: int) -> list[Exercise]:
    """The exercises of one lesson, in the order the lesson asks them.

    Examples
    --------
    >>> get("mlp_costs") in for_lesson(0)
    True
    >>> all(exercise.lesson == 1 for exercise in for_lesson(1))
    True
    >>> for_lesson(99)
    []
    """
    return [e for e in REGISTRY.values() if e.lesson == lesson]


class _Check:
    """``check.<exercise id>(answer)``: the inline check students call."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            exercise = get(name)
        except ValueError as exc:
            raise AttributeError(str(exc)) from None
        return lambda answer: run_check(exercise, answer)

    def __dir__(self):
        return sorted(REGISTRY)

    def __repr__(self) -> str:
        return f"<check: {len(REGISTRY)} exercises; use check.<id>(answer)>"


def run_check(exercise: Exercise, answer: Any, seed: int = VISIBLE_SEED) -> Any:
    """Grade ``answer`` on the visible cases, print the verdict, return what later cells use."""
    try:
        result = exercise.grade(answer, seed=seed)
    except Exception as exc:  # noqa: BLE001 - a check must never stop the lesson
        result = Result(exercise.id, ERROR, f"could not be checked: {type(exc).__name__}: {exc}")
    print(result.report())
    if isinstance(exercise, FunctionExercise):
        if result.passed:
            return answer
        name = exercise.reference_name
        print(f"    The rest of this lesson uses the reference {name} until yours passes.")
        return exercise.reference
    return result.passed


check = _Check()
