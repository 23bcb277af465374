"""Per-student variants of value questions: each student's own numbers, from the course key.

A value question whose numbers may differ declares them once, in its exercise
(:class:`~cnncourse.exercises.ValueExercise`)::

    variants=Variants(
        visible={"image": (224, 224, 3)},                        # what the lessons show
        draw=lambda pick: {"image": (pick.choice([96, 128, 160]),) * 2 + (3,)},
    ),
    answer=lambda image: int(np.prod(image)),                    # from the numbers
    question="How many numbers describe one {image[0]} x {image[1]} RGB image?",

* ``cnncourse handout`` draws each student's numbers (:meth:`Variants.drawn`: HMAC-SHA256 of
  the course key, the student and the exercise id, so the same student always gets the same
  numbers, two students different ones, and nobody can work out another's without the key)
  and writes them into that student's notebook as one cell (:func:`handout_cell`), which
  calls :func:`use_variants`. The key never enters a notebook.
* In a notebook, :func:`numbers` and :func:`question` give the numbers it uses (its handout
  cell's, else the visible ones), and so do each lesson's ``QUIZ`` and ``QUESTIONS``
  (:class:`NumbersView`, :class:`QuestionsView`); the inline check computes the right answer
  from them.
* The grader draws each student's numbers again from the roster and the key and ignores the
  notebook's: changing them earns nothing. Without a key every student gets the visible
  variant, as before, and the grader says so.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ListView",
    "NumbersView",
    "Pick",
    "QuestionsView",
    "Variants",
    "chosen",
    "handout_cell",
    "key_fingerprint",
    "new_key",
    "numbers",
    "question",
    "read_key",
    "use_variants",
]


class Pick:
    """Choices drawn from a secret: the same secret always makes the same choices.

    Built on HMAC-SHA256 in counter mode, not on NumPy's generators, so a variant drawn
    for a handout is drawn again identically by any later grader, whatever its versions.
    It answers the part of ``numpy.random.Generator`` that question generators use
    (``integers``, ``choice``, ``random``, ``uniform``, ``normal``, ``permutation``, one
    value per call), so one generator serves the visible numbers (from a NumPy generator)
    and every student's (from a ``Pick``).

    Examples
    --------
    >>> pick = Pick(b"secret")
    >>> pick.choice([3, 5, 7]) == Pick(b"secret").choice([3, 5, 7])
    True
    >>> 2 <= Pick(b"other").integers(2, 9) < 9
    True
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = bytes(secret)
        self._counter = 0

    def _below(self, n: int) -> int:
        """A uniform integer in [0, n) (rejection sampling on 64-bit blocks)."""
        if n < 1:
            raise ValueError(f"n must be at least 1; got {n}")
        limit = (2**64 // n) * n
        while True:
            self._counter += 1
            block = hmac.new(self._secret, self._counter.to_bytes(8, "big"), hashlib.sha256)
            value = int.from_bytes(block.digest()[:8], "big")
            if value < limit:
                return value % n

    def integers(self, low: int, high: int | None = None, size: Any = None) -> Any:
        """An integer in ``[low, high)`` (``[0, low)`` without ``high``); with ``size``, a
        NumPy array of that shape of them."""
        if high is None:
            low, high = 0, low
        if high <= low:
            raise ValueError(f"high must be above low; got low={low}, high={high}")
        if size is not None:
            import numpy as np

            count = int(np.prod(size))
            return np.array([self.integers(low, high) for _ in range(count)]).reshape(size)
        return int(low) + self._below(int(high) - int(low))

    def choice(self, options: Sequence[Any] | int) -> Any:
        """One of ``options`` (an int ``n``: one of ``range(n)``)."""
        options = list(range(options)) if isinstance(options, int) else list(options)
        return options[self._below(len(options))]

    def random(self, size: Any = None) -> Any:
        """A float in ``[0, 1)`` (53 random bits); with ``size``, a NumPy array of them."""
        if size is not None:
            import numpy as np

            count = int(np.prod(size))
            return np.array([self.random() for _ in range(count)]).reshape(size)
        return self._below(2**53) / 2**53

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        """A float in ``[low, high)``."""
        return low + (high - low) * self.random()

    def normal(self, loc: float = 0.0, scale: float = 1.0) -> float:
        """A normally distributed float (Box-Muller)."""
        import math

        u = 1.0 - self.random()  # in (0, 1]: the log is finite
        return loc + scale * math.sqrt(-2.0 * math.log(u)) * math.cos(2 * math.pi * self.random())

    def permutation(self, options: Sequence[Any] | int) -> Any:
        """``options`` (an int ``n``: ``range(n)``) in a random order, as a NumPy array."""
        import numpy as np

        options = list(range(options)) if isinstance(options, int) else list(options)
        return np.array(self.shuffled(options))

    def sample(self, options: Sequence[Any], k: int) -> list[Any]:
        """``k`` different ones of ``options``, in a random order."""
        pool = list(options)
        if not 0 <= k <= len(pool):
            raise ValueError(f"k must be between 0 and {len(pool)}; got {k}")
        return [pool.pop(self._below(len(pool))) for _ in range(k)]

    def shuffled(self, options: Sequence[Any]) -> list[Any]:
        """All of ``options`` in a random order."""
        return self.sample(options, len(options))


@dataclass(frozen=True)
class Variants:
    """The numbers of a value question that may differ from student to student.

    ``visible`` are the numbers the lessons show (and every student's, without a handout);
    ``draw(pick)`` makes one student's numbers (the same names) from a :class:`Pick`.

    Examples
    --------
    >>> v = Variants({"n": 4}, lambda pick: {"n": pick.integers(2, 10)})
    >>> v.drawn(b"key", "ann", "q_demo") == v.drawn(b"key", "ann", "q_demo")
    True
    >>> sorted(v.drawn(b"key", "ann", "q_demo"))
    ['n']
    """

    visible: Mapping[str, Any]
    draw: Callable[[Pick], dict[str, Any]]

    def drawn(self, key: bytes, student: str, exercise_id: str) -> dict[str, Any]:
        """The numbers of ``student`` for ``exercise_id``, drawn from the course ``key``."""
        message = f"cnncourse variant\0{student}\0{exercise_id}".encode()
        secret = hmac.new(bytes(key), message, hashlib.sha256).digest()
        values = dict(self.draw(Pick(secret)))
        if set(values) != set(self.visible):
            raise ValueError(
                f"the variants of {exercise_id} must draw {sorted(self.visible)}; "
                f"got {sorted(values)}"
            )
        return values


# --------------------------------------------------------------------------- in a notebook

#: The numbers this notebook uses, by exercise id (its handout cell's); the rest are visible.
_CURRENT: dict[str, dict[str, Any]] = {}


def _registry() -> dict[str, Any]:
    from . import REGISTRY

    return REGISTRY


def _variants_of(exercise_id: str) -> Variants:
    exercise = _registry().get(exercise_id)
    variants = getattr(exercise, "variants", None)
    if variants is None:
        raise ValueError(f"exercise_id must be a question with variants; got {exercise_id!r}")
    return variants


def use_variants(student: str, chosen: Mapping[str, Mapping[str, Any]]) -> None:
    """Use ``chosen`` (exercise id -> numbers) in this notebook: its handout cell calls it.

    Examples
    --------
    >>> use_variants("ann", {"q_values_in_image": {"image": (96, 96, 3)}})
    >>> numbers("q_values_in_image")
    {'image': (96, 96, 3)}
    >>> use_variants("", {})  # back to the visible numbers
    >>> numbers("q_values_in_image")
    {'image': (224, 224, 3)}
    """
    checked = {}
    for exercise_id, values in chosen.items():
        names = set(_variants_of(exercise_id).visible)
        if set(values) != names:
            raise ValueError(
                f"the numbers of {exercise_id} must be {sorted(names)}; got {sorted(values)}"
            )
        checked[exercise_id] = dict(values)
    _CURRENT.clear()
    _CURRENT.update(checked)


def chosen(exercise_id: str) -> dict[str, Any] | None:
    """The numbers this notebook's handout cell chose for ``exercise_id`` (None: visible).

    Examples
    --------
    >>> chosen("q_values_in_image") is None
    True
    """
    values = _CURRENT.get(exercise_id)
    return dict(values) if values is not None else None


def numbers(exercise_id: str) -> dict[str, Any]:
    """The numbers of the question ``exercise_id`` in this notebook.

    Examples
    --------
    >>> numbers("q_values_in_image")
    {'image': (224, 224, 3)}
    """
    visible = dict(_variants_of(exercise_id).visible)
    return chosen(exercise_id) or visible


def question(exercise_id: str) -> str:
    """The text of the question ``exercise_id`` with this notebook's numbers.

    Examples
    --------
    >>> question("q_uint8_overflow")
    'Two uint8 arrays hold 200 and 100. What does their sum hold?'
    """
    exercise = _registry()[exercise_id]
    return exercise.text(numbers(exercise_id))


class NumbersView(Mapping):
    """A lesson's numbers by name (``QUIZ["image"]``), each its question's in this notebook.

    ``names`` maps each name to the exercise whose numbers hold it; :meth:`of` makes the
    view of one exercise's numbers.

    Examples
    --------
    >>> quiz = NumbersView({"image": "q_values_in_image"})
    >>> quiz["image"], list(quiz)
    ((224, 224, 3), ['image'])
    >>> dict(NumbersView.of("q_uint8_overflow", ["uint8_sum"]))
    {'uint8_sum': (200, 100)}
    """

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)

    @classmethod
    def of(cls, exercise_id: str, names: Iterable[str]) -> NumbersView:
        """The view of the numbers ``names`` of the question ``exercise_id``."""
        return cls({name: exercise_id for name in names})

    def __getitem__(self, name: str) -> Any:
        return numbers(self._names[name])[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return repr(dict(self))


class ListView(Sequence):
    """One number of a question that is a list (``SHIFTS``), as this notebook has it.

    Examples
    --------
    >>> view = ListView("q_uint8_overflow", "uint8_sum")
    >>> list(view), view[0], len(view)
    ([200, 100], 200, 2)
    """

    def __init__(self, exercise_id: str, name: str) -> None:
        self._id, self._name = exercise_id, name

    def _items(self) -> list[Any]:
        return list(numbers(self._id)[self._name])

    def __getitem__(self, index):
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __repr__(self) -> str:
        return repr(self._items())


class QuestionsView(Mapping):
    """A lesson's question texts by exercise id (``QUESTIONS["q_..."]``) in this notebook:
    each question with variants, and the ``fixed`` texts of the others.

    Examples
    --------
    >>> QuestionsView(["q_uint8_overflow"])["q_uint8_overflow"][:20]
    'Two uint8 arrays hol'
    """

    def __init__(self, exercise_ids: Sequence[str], fixed: Mapping[str, str] | None = None):
        self._ids = list(exercise_ids)
        self._fixed = dict(fixed or {})

    def __getitem__(self, exercise_id: str) -> str:
        if exercise_id in self._fixed:
            return self._fixed[exercise_id]
        if exercise_id not in self._ids:
            raise KeyError(exercise_id)
        return question(exercise_id)

    def __iter__(self) -> Iterator[str]:
        return iter([*self._ids, *self._fixed])

    def __len__(self) -> int:
        return len(self._ids) + len(self._fixed)


# --------------------------------------------------------------------------- the key, a handout


def new_key(path: str | Path) -> bytes:
    """Make a new course key (32 random bytes, hex) in ``path``, readable by its owner only.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     key = new_key(Path(folder, "course.key"))
    ...     read_key(Path(folder, "course.key")) == key
    True
    """
    key = secrets.token_bytes(32)
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex() + "\n")
    return key


def read_key(path: str | Path) -> bytes:
    """The course key in ``path`` (written by :func:`new_key`); ValueError if it is not one.

    Examples
    --------
    >>> read_key("no/such.key")
    Traceback (most recent call last):
    ...
    ValueError: cannot read the course key 'no/such.key': No such file or directory
    """
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ValueError(f"cannot read the course key {str(path)!r}: {reason}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError(f"{str(path)!r} is not a course key (64 hexadecimal digits)")
    return key


def key_fingerprint(key: bytes) -> str:
    """Eight hex digits that name a key without revealing it (in ``grades.json``).

    Examples
    --------
    >>> len(key_fingerprint(b"0" * 32))
    8
    """
    return hashlib.sha256(b"cnncourse key fingerprint\0" + bytes(key)).hexdigest()[:8]


def handout_cell(student: str, exercises: Sequence[Any], key: bytes) -> str:
    """The code cell a student's handout gets: that student's numbers, never the key.

    Examples
    --------
    >>> from cnncourse.exercises import for_lesson
    >>> cell = handout_cell("ann", for_lesson(1), b"k" * 32)
    >>> "use_variants('ann'," in cell and "q_values_in_image" in cell
    True
    """
    chosen = {
        e.id: e.variants.drawn(key, student, e.id)
        for e in exercises
        if getattr(e, "variants", None) is not None
    }
    lines = [f"    {exercise_id!r}: {values!r}," for exercise_id, values in chosen.items()]
    return "\n".join(
        [
            "# Your own numbers for this lesson's questions, drawn for you by `cnncourse handout`.",
            "# The grader knows them: changing them here only makes your answers wrong.",
            "from cnncourse.exercises import use_variants",
            "",
            f"use_variants({student!r}, {{",
            *lines,
            "})",
        ]
    )
