"""The exercise machinery: one definition per exercise, used three ways.

An exercise is defined once (an id, a reference, a case generator that takes a
seed, a comparison) and then

* checked inline in a lesson by ``check.<id>(answer)`` on *visible* cases from
  the fixed ``VISIBLE_SEED``: it prints a verdict, never raises, and hands back
  something later cells can use;
* graded by ``cnncourse grade`` on cases from a *secret* seed: the grader
  calls :meth:`FunctionExercise.cases` and :meth:`FunctionExercise.expected` in
  its own process, runs the student's function elsewhere on the same inputs,
  and judges what comes back with :func:`~cnncourse.exercises._verdict.judge`,
  the same judging the inline check does;
* tested by the package's own tests against the reference.

Case inputs and outputs are plain data (NumPy arrays, numbers, strings,
tuples), so they can travel between processes without pickling.
"""

from __future__ import annotations

import copy
import os
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..shapes import layer_type
from ._borrowed import public_name, watch, watched_for
from ._variants import Variants, chosen
from ._verdict import (
    BORROWED,
    ERROR,
    FAILED,
    FOUND,
    FUNCTION,
    MODEL,
    NOT_CALLABLE,
    NOT_DONE,
    NOT_IMPLEMENTED,
    NOT_MODEL,
    PASSED,
    RAISED,
    RETURNED,
    STUB,
    VALUE,
    AnswerOutcome,
    CaseOutcome,
    Result,
    compare_summaries,
    describe_value,
    judge_function,
    judge_model,
    judge_value,
    type_name,
)

__all__ = [
    "ERROR",
    "FAILED",
    "NOT_DONE",
    "PASSED",
    "VISIBLE_SEED",
    "Case",
    "Comparison",
    "Exercise",
    "FunctionExercise",
    "ModelExercise",
    "NotAnswered",
    "Result",
    "ValueExercise",
    "choice",
    "close",
    "compare_summaries",
    "describe_value",
    "each",
    "exact",
    "model_summary",
    "public_name",
]

#: The seed of the cases a student sees in the lesson. The grader uses another.
VISIBLE_SEED = 0


class NotAnswered(Exception):
    """Raised by the stub left in place of a solution (``...`` or NotImplementedError)."""


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """The inputs of one call: ``fn(*args, **kwargs)``.

    Examples
    --------
    >>> print(Case((3,), {"stride": 2}).describe(["kernel_size"]))
    kernel_size = 3
    stride = 2
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def describe(self, names: Sequence[str] = ()) -> str:
        parts = []
        for i, value in enumerate(self.args):
            name = names[i] if i < len(names) else f"arg{i}"
            parts.append(f"{name} = {describe_value(value)}")
        parts += [f"{k} = {describe_value(v)}" for k, v in self.kwargs.items()]
        return "\n".join(parts)


# --------------------------------------------------------------------------- comparisons


Comparison = Callable[[Any, Any], "str | None"]


def close(rtol: float = 1e-5, atol: float = 1e-6, dtype: str | None = None) -> Comparison:
    """Compare arrays or numbers: same shape, values within tolerance.

    ``dtype`` may be a dtype name (``"float32"``) the answer must have, or
    ``"same"`` for the expected output's dtype.

    Returns
    -------
    Comparison
        ``compare(expected, got)``: None if ``got`` is right, else the reason it is not.

    Examples
    --------
    >>> close()(np.ones(2), np.ones(2)) is None
    True
    >>> close()(np.ones(2), np.array([1.0, 2.0]))
    '1 of 2 values differ; first at index (1,): expected 1, got 2'
    >>> close()(np.ones(2), np.ones(3))
    'wrong shape: expected (2,), got (3,)'
    >>> close(dtype="float32")(np.ones(2), np.ones(2))
    'wrong dtype: expected float32, got float64'
    """

    def compare(expected: Any, got: Any) -> str | None:
        expected = np.asarray(expected)
        try:
            got_array = np.asarray(got)
        except Exception:  # noqa: BLE001 - anything that is not array-like
            return f"expected an array, got {type(got).__name__}"
        if got_array.dtype == object or not (
            np.issubdtype(got_array.dtype, np.number) or got_array.dtype == bool
        ):
            return f"expected a numeric array, got {type(got).__name__}"
        if got_array.shape != expected.shape:
            return f"wrong shape: expected {expected.shape}, got {got_array.shape}"
        want = expected.dtype if dtype == "same" else dtype
        if want is not None and got_array.dtype != np.dtype(want):
            return f"wrong dtype: expected {np.dtype(want)}, got {got_array.dtype}"
        e = expected.astype(np.float64)
        g = got_array.astype(np.float64)
        bad = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            where = f" at index {index}" if index else ""
            return (
                f"{int(bad.sum())} of {bad.size} values differ; first{where}: "
                f"expected {e[index]:.6g}, got {g[index]:.6g}"
            )
        return None

    return compare


def exact() -> Comparison:
    """Compare exactly: integers, strings, shape tuples (a list is accepted for a tuple).

    Examples
    --------
    >>> exact()((2, 3), [2, 3]) is None
    True
    >>> exact()(3, 4)
    'expected 3, got 4'
    >>> exact()(1, True)
    'expected 1, got True'
    """

    def normal(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return tuple(normal(v) for v in value)
        if isinstance(value, np.ndarray):
            return ("array", value.shape, value.dtype.kind, value.tolist())
        if isinstance(value, (np.integer, np.floating, np.bool_)):
            return value.item()
        return value

    def compare(expected: Any, got: Any) -> str | None:
        if isinstance(got, bool) != isinstance(expected, bool):
            return f"expected {expected!r}, got {got!r}"
        if normal(expected) != normal(got):
            return f"expected {describe_value(expected)}, got {describe_value(got)}"
        return None

    return compare


def choice() -> Comparison:
    """Compare a multiple-choice answer, ignoring case and surrounding spaces.

    Examples
    --------
    >>> choice()("b", " B ") is None
    True
    >>> choice()("b", "a")
    "'a' is not the right choice"
    >>> choice()("b", 2)
    'answer with the letter of a choice as a string, got 2'
    """

    def compare(expected: Any, got: Any) -> str | None:
        if not isinstance(got, str):
            return f"answer with the letter of a choice as a string, got {got!r}"
        if got.strip().lower() != str(expected).lower():
            return f"{got!r} is not the right choice"
        return None

    compare.reveals_expected = False
    return compare


def each(compare: Comparison | None = None) -> Comparison:
    """Compare a list of answers item by item; say which are wrong, not what is right.

    Parameters
    ----------
    compare
        The comparison of one item (by default :func:`exact`).

    Examples
    --------
    >>> each()([1, 2, 3], [1, 2, 3]) is None
    True
    >>> each()([1, 2, 3], [1, 0, 0])
    'questions 2, 3 of 3 not right'
    >>> each(close())([0.5, 2.0], [0.5])
    'answer with a list of 2 answers, one per question'
    """
    compare = compare or exact()

    def compare_items(expected: Any, got: Any) -> str | None:
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f"answer with a list of {len(expected)} answers, one per question"
        wrong = [i + 1 for i, (e, g) in enumerate(zip(expected, got, strict=True)) if compare(e, g)]
        if wrong:
            numbers = ", ".join(str(i) for i in wrong)
            return f"question{'s' * (len(wrong) > 1)} {numbers} of {len(expected)} not right"
        return None

    compare_items.reveals_expected = False
    return compare_items


# --------------------------------------------------------------------------- running answers
# The inline check runs an answer in this process and records what it did as the
# outcomes the grader's runner sends back; the verdict comes from ._verdict.


def _is_stub(value: Any) -> bool:
    return value is Ellipsis or value is None


def _error_text(exc: BaseException) -> str:
    """The error's type and message, and the line of the student's code that raised it."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not os.path.abspath(frame.filename).startswith(package):
            where = f" (in {frame.name}, line {frame.lineno}: {frame.line})" if frame.line else ""
            break
    return f"{type(exc).__name__}: {exc}{where}"


def _calls(
    fn: Callable[..., Any], cases: Sequence[Case], watched: Any = None
) -> Iterator[CaseOutcome]:
    """Call ``fn`` on each case, lazily, until a call does not return.

    ``watched`` (:func:`~cnncourse.exercises._borrowed.watched_for`): a call that reaches
    the reference (or a forbidden function) stops the calls with a BORROWED outcome.
    """
    for case in cases:
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        try:
            if watched is None:
                got = fn(*args, **kwargs)
            else:
                with watch(watched) as seen:
                    got = fn(*args, **kwargs)
                if seen.found:
                    yield CaseOutcome(BORROWED, error=seen.found)
                    return
        except NotImplementedError:
            yield CaseOutcome(NOT_IMPLEMENTED)
            return
        except Exception as exc:  # noqa: BLE001 - any student error is feedback
            yield CaseOutcome(RAISED, error=_error_text(exc))
            return
        yield CaseOutcome(RETURNED, got, changed_input=not _same_inputs(case, args, kwargs))


# --------------------------------------------------------------------------- exercises


@dataclass
class Exercise:
    """Common fields of every exercise.

    Examples
    --------
    >>> Exercise("demo", lesson=0, title="A demo", points=1)
    Exercise(id='demo', lesson=0, title='A demo', points=1)
    >>> Exercise.kind, FunctionExercise.kind, ValueExercise.kind, ModelExercise.kind
    ('exercise', 'function', 'value', 'model')
    """

    id: str
    lesson: int
    title: str
    points: int

    kind = "exercise"


@dataclass
class FunctionExercise(Exercise):
    """Write a function; it is run on cases and compared with a reference.

    ``generate(rng)`` returns one random :class:`Case`; ``edge_cases`` are
    always included first. ``arg_names`` label inputs in feedback.

    Examples
    --------
    >>> double = FunctionExercise(
    ...     "double", lesson=0, title="Double an array", points=1,
    ...     reference=lambda x: 2 * x,
    ...     generate=lambda rng: Case((rng.normal(size=3),)),
    ...     edge_cases=(Case((1.0,)),),
    ...     n_random=2, arg_names=("x",),
    ... )
    >>> len(double.cases())
    3
    >>> result = double.grade(lambda x: x + x)
    >>> result.status, result.message
    ('passed', 'passed all 3 cases.')
    >>> result = double.grade(lambda x: x)
    >>> result.status
    'failed'
    >>> print(result.report())
    ❌ double: wrong answer on case 1 of 3: 1 of 1 values differ; first: expected 2, got 1
        x = 1.0
        expected: 2.0
        got:      1.0
    >>> double.grade(...).message
    'not implemented yet.'
    """

    reference: Callable[..., Any] = None  # type: ignore[assignment]
    generate: Callable[[np.random.Generator], Case] = None  # type: ignore[assignment]
    compare: Comparison = field(default_factory=close)
    edge_cases: tuple[Case, ...] = ()
    n_random: int = 8
    arg_names: tuple[str, ...] = ()
    #: Calls an answer may not make: (qualified name, reason), e.g. ("numpy.pad", "...").
    forbidden: tuple[tuple[str, str], ...] = ()

    kind = FUNCTION

    @property
    def reference_name(self) -> str:
        """How feedback names the reference, e.g. ``cnncourse.ops.conv2d``."""
        return public_name(self.reference)

    def cases(self, seed: int = VISIBLE_SEED) -> list[Case]:
        """The edge cases, then ``n_random`` cases drawn from ``seed``."""
        rng = np.random.default_rng([seed, _stable_hash(self.id)])
        return list(self.edge_cases) + [self.generate(rng) for _ in range(self.n_random)]

    def expected(self, case: Case) -> Any:
        """The reference output for ``case``."""
        return self.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))

    def judge(self, case: Case, got: Any) -> str | None:
        """None if ``got`` is right for ``case``, else the reason it is not."""
        return self.compare(self.expected(case), got)

    def run(self, fn: Any, cases: Sequence[Case]) -> AnswerOutcome:
        """What ``fn`` does on ``cases``, run in this process (the calls are made lazily)."""
        if _is_stub(fn):
            return AnswerOutcome(STUB)
        if not callable(fn):
            return AnswerOutcome(NOT_CALLABLE, type_name=type_name(fn))
        # the reference itself is judged as it is (the package's own tests do); the grader
        # refuses it by its module. Anything else that calls it is borrowing.
        watched = None if fn is self.reference else watched_for(self)
        return AnswerOutcome(FOUND, cases=_calls(fn, cases, watched))

    def grade(self, fn: Any, seed: int = VISIBLE_SEED) -> Result:
        """Run ``fn`` on every case in this process and judge it (the inline check)."""
        cases = self.cases(seed)
        return judge_function(self, self.run(fn, cases), cases)


@dataclass
class ValueExercise(Exercise):
    """Answer with a value (a number, a shape, a choice), compared with ``answer()``.

    ``answer`` is a function so the expected value is computed, not typed in.
    ``hint`` is shown on a wrong answer instead of the expected value.

    A question whose numbers may differ per student declares them: ``variants`` (a
    :class:`~cnncourse.exercises._variants.Variants`: the visible numbers and how a
    student's are drawn), ``answer(**numbers)`` computes the answer from the numbers and
    ``question`` is its text, a ``str.format`` template of the numbers (or a function of
    them). The inline check uses the notebook's numbers (its handout cell's, else the
    visible ones); the grader draws each student's again (:meth:`expected`).

    Examples
    --------
    >>> q = ValueExercise(
    ...     "q_demo", lesson=0, title="Output size", points=1,
    ...     answer=lambda: (26, 26), hint="(n - k) // s + 1 on each axis",
    ... )
    >>> q.grade([26, 26]).message
    'correct.'
    >>> result = q.grade((28, 28))
    >>> result.status, result.message, result.details
    ('failed', '(28, 28) is not right.', 'hint: (n - k) // s + 1 on each axis')
    >>> q.grade(...).status
    'not_done'
    """

    answer: Callable[..., Any] = None  # type: ignore[assignment]
    compare: Comparison = field(default_factory=exact)
    hint: str = ""
    choices: dict[str, str] | None = None
    variants: Variants | None = None
    question: str | Callable[..., str] = ""

    kind = VALUE

    def numbers(self) -> dict[str, Any]:
        """The numbers this notebook uses: its handout cell's, else the visible ones."""
        if self.variants is None:
            return {}
        return chosen(self.id) or dict(self.variants.visible)

    def expected(self, numbers: Mapping[str, Any] | None = None) -> Any:
        """The right answer for ``numbers`` (by default :meth:`numbers`)."""
        if self.variants is None:
            return self.answer()
        return self.answer(**(self.numbers() if numbers is None else numbers))

    def text(self, numbers: Mapping[str, Any] | None = None) -> str:
        """The question with ``numbers`` (by default :meth:`numbers`) in place."""
        values = self.numbers() if numbers is None else dict(numbers)
        if callable(self.question):
            return self.question(**values)
        return self.question.format(**values)

    def grade(self, value: Any, seed: int = VISIBLE_SEED) -> Result:
        """Judge ``value`` for this notebook's numbers (the seed is not used)."""
        return judge_value(self, AnswerOutcome(FOUND, value=value))


def model_summary(model: Any) -> list[dict[str, Any]]:
    """A Keras model as plain data, one dict per layer (the input layer left out).

    Keys: ``type`` (class name; a wrapper's with its layer's, such as
    ``"TimeDistributed(Conv2D)"``), ``output_shape`` (list, batch axis as None),
    ``params`` (int) and ``activation`` (name or None). JSON-safe, so a grader
    can get it from a student's process without unpickling anything.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model_summary(model)
    [{'type': 'Dense', 'output_shape': [None, 2], 'params': 10, 'activation': 'linear'}]
    """
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            shape = list(layer.output.shape)
        except (AttributeError, ValueError):  # a layer never called on a tensor
            shape = None
        kind = layer_type(layer)
        # a wrapper (TimeDistributed...) is named with its layer, whose activation counts
        inner = layer.layer if "(" in kind else layer
        activation = getattr(inner, "activation", None)
        rows.append(
            {
                "type": kind,
                "output_shape": None
                if shape is None
                else [None if d is None else int(d) for d in shape],
                "params": int(layer.count_params()) if layer.built else 0,
                "activation": getattr(activation, "__name__", None) if activation else None,
            }
        )
    return rows


@dataclass
class ModelExercise(Exercise):
    """Build a Keras model; it is compared layer by layer with ``reference()``'s.

    The answer may be a model or a function that returns one.

    Examples
    --------
    Answers that are not a model are judged without building anything:

    >>> tiny = ModelExercise("tiny", lesson=0, title="A tiny model", points=1, reference=None)
    >>> tiny.grade(None).message
    'not built yet.'
    >>> result = tiny.grade(42)
    >>> result.status, result.message
    ('error', 'expected a Keras model, got int.')
    """

    reference: Callable[[], Any] = None  # type: ignore[assignment]

    kind = MODEL

    def expected_summary(self) -> list[dict[str, Any]]:
        return model_summary(self.reference())

    def run(self, answer: Any) -> AnswerOutcome:
        """Build the model (if ``answer`` is a function) in this process and summarise it."""
        if _is_stub(answer):
            return AnswerOutcome(STUB)
        try:
            model = answer() if callable(answer) and not hasattr(answer, "layers") else answer
        except NotImplementedError:
            return AnswerOutcome(STUB)
        except Exception as exc:  # noqa: BLE001 - any student error is feedback
            return AnswerOutcome(RAISED, error=_error_text(exc))
        if _is_stub(model):
            return AnswerOutcome(STUB)
        if not hasattr(model, "layers"):
            return AnswerOutcome(NOT_MODEL, type_name=type_name(model))
        return AnswerOutcome(FOUND, value=model_summary(model))

    def grade(self, answer: Any, seed: int = VISIBLE_SEED) -> Result:
        """Build and judge ``answer`` in this process (the inline check)."""
        return judge_model(self, self.run(answer))


def _same_inputs(case: Case, args: tuple, kwargs: dict) -> bool:
    try:
        return exact()(case.args, args) is None and exact()(case.kwargs, kwargs) is None
    except Exception:  # noqa: BLE001 - uncomparable inputs: do not accuse the student
        return True


def _stable_hash(text: str) -> int:
    """A hash of ``text`` that is the same in every process (unlike ``hash``)."""
    value = 0
    for byte in text.encode():
        value = (value * 131 + byte) % (2**31 - 1)
    return value
