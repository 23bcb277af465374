"""The one judging sequence: what running an answer did (its outcomes) in, the verdict out.

Both the inline check (which runs the student's answer in the lesson's process)
and the grader (which gets the same outcomes back, as plain data, from the
submission's process) describe what happened with an :class:`AnswerOutcome`
(and, for a function, one :class:`CaseOutcome` per case, in order) and hand it
to :func:`judge`: so every verdict, and every message, is written here once.

>>> ICONS[PASSED], icon("anything else")
('✅', '❌')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "label_accuracy",
    "BORROWED",
    "ERROR",
    "FAILED",
    "FOUND",
    "FUNCTION",
    "ICONS",
    "MODEL",
    "NOT_CALLABLE",
    "NOT_DONE",
    "NOT_IMPLEMENTED",
    "NOT_MODEL",
    "PASSED",
    "RAISED",
    "RETURNED",
    "STUB",
    "TIMED_OUT",
    "VALUE",
    "AnswerOutcome",
    "CaseOutcome",
    "Result",
    "compare_summaries",
    "describe_value",
    "icon",
    "judge",
    "judge_function",
    "judge_model",
    "judge_value",
    "type_name",
]

# --------------------------------------------------------------------------- statuses

NOT_DONE = "not_done"
PASSED = "passed"
FAILED = "failed"
ERROR = "error"

#: The icon of each status, wherever a verdict is shown (check, console, Markdown).
ICONS = {PASSED: "✅", FAILED: "❌", ERROR: "❌", NOT_DONE: "📝"}


def icon(status: str) -> str:
    """The icon of ``status`` (a cross for a status it does not know).

    Examples
    --------
    >>> icon("passed"), icon(NOT_DONE), icon("no such status")
    ('✅', '📝', '❌')
    """
    return ICONS.get(status, ICONS[ERROR])


#: The kinds of exercise (each exercise class's ``kind``; the grader sends it to the runner).
FUNCTION = "function"
MODEL = "model"
VALUE = "value"

# --------------------------------------------------------------------------- outcome tags
# The same words travel from a submission's process to the grader (cnncourse.grading.protocol).

#: What became of the answer as a whole.
FOUND = "found"  # there is an answer to judge: its cases, its summary or its value
STUB = "stub"  # ``...``, None, or a builder that raised NotImplementedError
NOT_CALLABLE = "not_callable"  # a function exercise's answer is not a function
NOT_MODEL = "not_model"  # a model exercise's answer is not a Keras model
RAISED = "error"  # building or reading the answer raised; also: one case raised
TIMED_OUT = "timeout"  # ran past its time limit; also: one case did

#: What one call of a function answer did (besides RAISED and TIMED_OUT).
RETURNED = "returned"
NOT_IMPLEMENTED = "not_implemented"
BORROWED = "borrowed"  # it called the reference (or a forbidden function): ``error`` says which


@dataclass(frozen=True)
class CaseOutcome:
    """What one call of a function answer did: RETURNED, RAISED, NOT_IMPLEMENTED or TIMED_OUT.

    ``not_plain`` is set by the grader when the returned value holds an object that
    is not plain data (only its type's name came back).

    Examples
    --------
    >>> CaseOutcome(RETURNED, 3).value
    3
    >>> call = CaseOutcome(RAISED, error="ZeroDivisionError: division by zero")
    >>> call.kind, call.error
    ('error', 'ZeroDivisionError: division by zero')
    """

    kind: str
    value: Any = None  # what it returned
    changed_input: bool = False
    error: str = ""  # RAISED: the error's type, message and line
    seconds: float = 0.0  # TIMED_OUT: the limit
    not_plain: str = ""


@dataclass(frozen=True)
class AnswerOutcome:
    """What became of an answer: one of the tags above, and what judging it needs.

    ``cases`` (function answers) may be a lazy iterable: judging stops reading it
    at the first case that decides the verdict.

    Examples
    --------
    >>> AnswerOutcome(STUB).tag
    'stub'
    >>> outcome = AnswerOutcome(FOUND, cases=[CaseOutcome(RETURNED, 2), CaseOutcome(RETURNED, 4)])
    >>> [call.value for call in outcome.cases]
    [2, 4]
    >>> AnswerOutcome(NOT_CALLABLE, type_name="int").type_name
    'int'
    """

    tag: str
    cases: Iterable[CaseOutcome] = ()  # a FOUND function: one per case, in order
    value: Any = None  # a FOUND value: the value; a FOUND model: its model_summary
    type_name: str = ""  # NOT_CALLABLE, NOT_MODEL: what the answer is instead
    error: str = ""  # RAISED
    seconds: float = 0.0  # TIMED_OUT
    not_plain: str = ""  # a value holding an object that is not plain data (grader)


# --------------------------------------------------------------------------- verdicts


@dataclass
class Result:
    """The verdict on one exercise.

    Examples
    --------
    >>> result = Result("q_demo", PASSED, "correct.")
    >>> result.passed
    True
    >>> print(result.report())
    ✅ q_demo: correct.
    >>> print(Result("q_demo", FAILED, "3 is not right.", details="hint: count the bias").report())
    ❌ q_demo: 3 is not right.
        hint: count the bias
    """

    exercise: str
    status: str  # NOT_DONE, PASSED, FAILED or ERROR
    message: str = ""
    case_index: int | None = None
    n_cases: int = 0
    details: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def report(self) -> str:
        text = f"{icon(self.status)} {self.exercise}: {self.message}"
        if self.details:
            text += "\n" + "\n".join("    " + line for line in self.details.splitlines())
        return text


def describe_value(value: Any, max_elements: int = 60) -> str:
    """A readable, bounded rendering of a value for feedback.

    Arrays show their shape and dtype, and their values when there are at most
    ``max_elements``; anything else is its ``repr``, cut to 300 characters.

    Examples
    --------
    >>> print(describe_value(np.arange(3.0)))
    array of shape (3,), dtype float64:
    [0., 1., 2.]
    >>> describe_value(np.zeros((10, 10)))
    'array of shape (10, 10), dtype float64 (too large to print)'
    >>> describe_value((2, "same"))
    "(2, 'same')"
    """
    if isinstance(value, np.ndarray):
        head = f"array of shape {value.shape}, dtype {value.dtype}"
        if value.size <= max_elements:
            body = np.array2string(value, precision=4, suppress_small=True, separator=", ")
            return f"{head}:\n{body}"
        return f"{head} (too large to print)"
    text = repr(value)
    return text if len(text) < 300 else text[:297] + "..."


def type_name(value: Any) -> str:
    """The name of ``value``'s type, with its module unless builtin: ``int``, ``numpy.ndarray``."""
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__qualname__", None) or getattr(kind, "__name__", "object")
    if module in ("builtins", "__main__", ""):
        return str(name)
    return f"{module}.{name}"


def compare_summaries(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> str | None:
    """None if two model summaries match layer by layer, else the first difference.

    The summaries are lists of :func:`~cnncourse.exercises.model_summary` rows.

    Examples
    --------
    >>> dense = {"type": "Dense", "output_shape": [None, 2], "params": 10, "activation": "linear"}
    >>> compare_summaries([dense], [dense]) is None
    True
    >>> compare_summaries([dense], [{**dense, "params": 12}])
    'layer 1 (Dense): params should be 10, got 12'
    >>> compare_summaries([dense], [dense, dense])
    'expected 1 layers after the input, got 2'
    """
    for i, (e, g) in enumerate(zip(expected, got, strict=False)):
        for key in ("type", "output_shape", "params", "activation"):
            if e[key] != g[key]:
                return (
                    f"layer {i + 1} ({g['type']}): {key.replace('_', ' ')} should be {e[key]!r}, "
                    f"got {g[key]!r}"
                )
    if len(got) != len(expected):
        return f"expected {len(expected)} layers after the input, got {len(got)}"
    return None


def _common(exercise: Any, outcome: AnswerOutcome, raised: str) -> Result | None:
    """The verdicts every kind of answer shares: not done, raised, timed out."""
    if outcome.tag == RAISED:
        return Result(exercise.id, ERROR, raised, details=f"error: {outcome.error}")
    if outcome.tag == TIMED_OUT:
        return Result(exercise.id, ERROR, f"timed out after {outcome.seconds:g} s.")
    return None


def judge_function(
    exercise: Any,
    outcome: AnswerOutcome,
    cases: Sequence[Any],
    expected: Callable[[int], Any] | None = None,
) -> Result:
    """The verdict on a function answer run on ``cases`` (the first case that fails decides).

    ``expected(i)`` is case ``i``'s expected output (by default the exercise's reference).
    """
    if expected is None:

        def expected(i: int) -> Any:
            return exercise.expected(cases[i])

    if outcome.tag == STUB:
        return Result(exercise.id, NOT_DONE, "not implemented yet.")
    if outcome.tag == NOT_CALLABLE:
        return Result(exercise.id, ERROR, f"expected a function, got {outcome.type_name}.")
    verdict = _common(exercise, outcome, "raised an error.")
    if verdict is not None:
        return verdict
    if outcome.tag != FOUND:
        return Result(exercise.id, ERROR, f"unexpected result {outcome.tag!r}.")
    n, names = len(cases), exercise.arg_names
    done = 0
    for i, (case, call) in enumerate(zip(cases, outcome.cases, strict=False)):
        done = i + 1

        def failed(status: str, message: str, details: str = "", i: int = i) -> Result:
            return Result(exercise.id, status, message, i, n, details)

        where = f"case {i + 1} of {n}"
        inputs = case.describe(names)
        if call.kind == NOT_IMPLEMENTED:
            return Result(exercise.id, NOT_DONE, "not implemented yet.")
        if call.kind == TIMED_OUT:
            return failed(ERROR, f"timed out after {call.seconds:g} s (on {where}).", inputs)
        if call.kind == RAISED:
            return failed(
                ERROR, f"raised an error on {where}.", f"{inputs}\nerror: {call.error}".strip()
            )
        if call.kind == BORROWED:
            return failed(FAILED, f"{call.error} (on {where}): write your own.")
        if call.kind != RETURNED:
            return failed(ERROR, f"unexpected result {call.kind!r} on {where}.")
        got = call.value
        if got is None:
            return failed(FAILED, f"returned None on {where} (did you forget `return`?).", inputs)
        if call.changed_input:
            return failed(FAILED, f"changed its input on {where}; work on a copy instead.", inputs)
        want = expected(i)
        if call.not_plain:
            reason = (
                f"returned a {call.not_plain} object, not plain data "
                "(a NumPy array, a number, a string, or a tuple or list of them)"
            )
        else:
            reason = exercise.compare(want, got)
        if reason:
            return failed(
                FAILED,
                f"wrong answer on {where}: {reason}",
                f"{inputs}\nexpected: {describe_value(want)}\ngot:      {describe_value(got)}",
            )
    if done < n:
        return Result(exercise.id, ERROR, f"no output came back for case {done + 1} of {n}.")
    return Result(exercise.id, PASSED, f"passed all {n} cases.", n_cases=n)


def judge_model(
    exercise: Any, outcome: AnswerOutcome, expected_summary: list[dict[str, Any]] | None = None
) -> Result:
    """The verdict on a model answer whose ``model_summary`` is ``outcome.value``."""
    if outcome.tag == STUB:
        return Result(exercise.id, NOT_DONE, "not built yet.")
    if outcome.tag == NOT_MODEL:
        return Result(exercise.id, ERROR, f"expected a Keras model, got {outcome.type_name}.")
    verdict = _common(exercise, outcome, "building the model raised an error.")
    if verdict is not None:
        return verdict
    if outcome.tag != FOUND:
        return Result(exercise.id, ERROR, f"unexpected result {outcome.tag!r}.")
    if expected_summary is None:
        expected_summary = exercise.expected_summary()
    reason = compare_summaries(expected_summary, outcome.value)
    if reason:
        return Result(exercise.id, FAILED, reason + ".")
    return Result(
        exercise.id, PASSED, "every layer matches: type, output shape, parameters, activation."
    )


def judge_value(
    exercise: Any, outcome: AnswerOutcome, expected: Callable[[], Any] | None = None
) -> Result:
    """The verdict on a value answer ``outcome.value``; never reveals the expected value.

    ``expected()`` is the right answer (by default the exercise's, for the notebook's numbers).
    """
    verdict = _common(exercise, outcome, "raised an error.")
    if verdict is not None:
        return verdict
    if outcome.not_plain:
        return Result(
            exercise.id,
            FAILED,
            f"the answer is a {outcome.not_plain} object, not plain data (a number, a string, "
            "a tuple or a list).",
        )
    value = outcome.value
    if outcome.tag == STUB or value is Ellipsis or value is None:
        return Result(exercise.id, NOT_DONE, "not answered yet.")
    if outcome.tag != FOUND:
        return Result(exercise.id, ERROR, f"unexpected result {outcome.tag!r}.")
    if exercise.choices is not None and isinstance(value, str):
        if value.strip().lower() not in exercise.choices:
            allowed = ", ".join(repr(c) for c in exercise.choices)
            return Result(exercise.id, FAILED, f"{value!r} is not one of the choices {allowed}.")
    if expected is None:
        expected = getattr(exercise, "expected", exercise.answer)
    reason = exercise.compare(expected(), value)
    if reason:
        if getattr(exercise.compare, "reveals_expected", True):
            reason = f"{describe_value(value)} is not right"  # keep the answer secret
        hint = f"hint: {exercise.hint}" * bool(exercise.hint)
        return Result(exercise.id, FAILED, reason + ".", details=hint)
    return Result(exercise.id, PASSED, "correct.")


def judge(
    exercise: Any,
    outcome: AnswerOutcome,
    cases: Sequence[Any] = (),
    expected: Callable[..., Any] | None = None,
) -> Result:
    """The verdict on any answer, by its exercise's kind (see the three ``judge_*`` above).

    ``expected`` is optional: ``expected(i)``, case ``i``'s output, for a function;
    ``expected()``, the reference's summary, for a model, the right answer for a value.

    Examples
    --------
    A value answer:

    >>> from cnncourse.exercises import Case, FunctionExercise, ValueExercise, exact
    >>> q = ValueExercise("q_demo", lesson=0, title="Two plus two", points=1, answer=lambda: 4)
    >>> judge(q, AnswerOutcome(FOUND, value=4)).message
    'correct.'
    >>> judge(q, AnswerOutcome(TIMED_OUT, seconds=5)).message
    'timed out after 5 s.'

    A function answer, one outcome per case (the first wrong one decides):

    >>> inc = FunctionExercise(
    ...     "inc", lesson=0, title="Add one", points=1, reference=lambda x: x + 1,
    ...     compare=exact(), edge_cases=(Case((1,)), Case((2,))), n_random=0,
    ... )
    >>> calls = [CaseOutcome(RETURNED, 2), CaseOutcome(RETURNED, 4)]
    >>> result = judge(inc, AnswerOutcome(FOUND, cases=calls), inc.cases())
    >>> result.status, result.message
    ('failed', 'wrong answer on case 2 of 2: expected 3, got 4')
    """
    if exercise.kind == FUNCTION:
        return judge_function(exercise, outcome, cases, expected)
    if exercise.kind == MODEL:
        return judge_model(exercise, outcome, expected() if expected is not None else None)
    if exercise.kind == VALUE:
        return judge_value(exercise, outcome, expected)
    return Result(exercise.id, ERROR, f"cannot grade exercises of kind {exercise.kind!r}.")


def label_accuracy(expected: Any, got: Any, pass_accuracy: float) -> str | None:
    """Predicted labels ``got`` scored against the true ``expected``: None (passed) when at
    least ``pass_accuracy`` of them agree, else why not (lessons 7 and 9's training exercises).

    Examples
    --------
    >>> import numpy as np
    >>> label_accuracy(np.array([0, 1, 2, 3]), np.array([0, 1, 2, 0]), 0.8)
    'held-out accuracy 75.0% (3 of 4 test images), below the 80% to pass'
    """
    truth = np.asarray(expected)
    try:
        got = np.asarray(got)
    except Exception:  # noqa: BLE001 - anything that is not array-like
        return f"expected an array of labels, got {type(got).__name__}"
    if got.shape != truth.shape:
        more = " (take argmax(axis=-1) of the probabilities)" if got.ndim == 2 else ""
        return (
            f"expected one integer label per test image, shape {truth.shape}; "
            f"got shape {got.shape}{more}"
        )
    if not (np.issubdtype(got.dtype, np.integer) or np.issubdtype(got.dtype, np.floating)):
        return f"expected integer labels, got dtype {got.dtype}"
    right = int((got == truth).sum())
    accuracy = right / truth.size
    if accuracy < pass_accuracy:
        return (
            f"held-out accuracy {accuracy:.1%} ({right} of {truth.size} test images), "
            f"below the {pass_accuracy:.0%} to pass"
        )
    return None
