"""No borrowed answers: catch a student's function calling the course's own reference.

While a student's function runs (in the inline check, and in the grader's child
process), :func:`watch` watches every call with ``sys.setprofile`` (and
``threading.setprofile``). A call whose code is the reference's (code objects
compare by content, so a copy made with ``types.FunctionType(ref.__code__, ...)``
or ``ref.__code__.replace()`` is caught as well as the function itself, however it
was reached: a wrapper, an alias, ``importlib``, ``getattr``) is recorded, and so
is a call of one of the exercise's *forbidden* functions (``forbidden``: pairs of a
qualified name and the reason). Which codes to watch is worked out by
:func:`watch_list` *before* any student code runs, so a notebook that replaces
``cnncourse.images.rgb_to_grayscale`` afterwards changes nothing.

A call of ``sys.setprofile`` or ``threading.setprofile`` while watched (a way to
turn the watch off) counts as borrowing too.

>>> import numpy as np
>>> from cnncourse import images
>>> watched = watch_list([images.rgb_to_grayscale])
>>> with watch(watched) as seen:
...     _ = images.rgb_to_grayscale(np.zeros((1, 1, 3)))
>>> seen.found
"uses the course's reference implementation (cnncourse.images.rgb_to_grayscale)"
"""

from __future__ import annotations

import functools
import importlib
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "REFERENCE_REASON",
    "Seen",
    "Watched",
    "public_name",
    "resolve",
    "watch",
    "watch_list",
    "watched_for",
]

#: The reason given when an answer calls the reference (the function's name follows).
REFERENCE_REASON = "uses the course's reference implementation"

_TAMPER_REASON = "turns off the grader's watch on borrowed answers"


@dataclass(frozen=True)
class Watched:
    """The codes to watch for, each with the reason a call of it costs the exercise.

    Examples
    --------
    >>> Watched().names
    frozenset()
    """

    codes: dict = field(default_factory=dict)  # code object -> reason
    builtins: dict = field(default_factory=dict)  # id(C function) -> (function, reason)

    @property
    def names(self) -> frozenset:
        """The ``co_name`` of every watched code (a cheap first test per call)."""
        return frozenset(code.co_name for code in self.codes)


@dataclass
class Seen:
    """What :func:`watch` saw: ``found``, the first reason, or ``""``.

    Examples
    --------
    >>> Seen().found
    ''
    """

    found: str = ""


def _unwrapped(obj: Any) -> Iterator[Any]:
    """``obj`` and everything it stands for: ``__wrapped__`` chains, partials, NumPy's
    dispatchers (``_implementation``), bound methods (``__func__``)."""
    todo, seen = [obj], set()
    while todo:
        item = todo.pop()
        if id(item) in seen or item is None:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, functools.partial):
            todo.append(item.func)
        for attribute in ("__wrapped__", "_implementation", "__func__"):
            try:
                todo.append(object.__getattribute__(item, attribute))
            except (AttributeError, TypeError):
                pass


def public_name(fn: Any) -> str:
    """Where ``fn`` can be imported from: the shortest of its module's parents that has it.

    >>> from cnncourse import shapes
    >>> public_name(shapes.conv_output_size)
    'cnncourse.shapes.conv_output_size'
    """
    module, name = getattr(fn, "__module__", "") or "", getattr(fn, "__name__", repr(fn))
    parts = module.split(".")
    for end in range(1, len(parts)):
        parent = sys.modules.get(".".join(parts[:end]))
        if parent is not None and getattr(parent, "__dict__", {}).get(name) is fn:
            return f"{'.'.join(parts[:end])}.{name}"
    return f"{module}.{name}" if module else name


_qualified = public_name


def resolve(name: str) -> Any:
    """The object a qualified name (``"numpy.pad"``, ``"cnncourse.ops.pad"``) names.

    Raises
    ------
    ValueError
        If no module and attribute path gives ``name``.

    Examples
    --------
    >>> import numpy as np
    >>> resolve("numpy.pad") is np.pad
    True
    >>> resolve("numpy.no_such_thing")
    Traceback (most recent call last):
    ...
    ValueError: name='numpy.no_such_thing' names nothing importable
    """
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        try:
            for attribute in parts[end:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            break
        return obj
    raise ValueError(f"name={name!r} names nothing importable")


def watch_list(references: Iterable[Any], forbidden: Sequence[tuple[str, str]] = ()) -> Watched:
    """The codes of ``references`` (and all they wrap) and of the ``forbidden`` calls.

    Examples
    --------
    >>> import functools, numpy as np
    >>> def ref(x):
    ...     return x
    >>> @functools.wraps(ref)
    ... def wrapper(x):
    ...     return ref(x)
    >>> sorted(code.co_name for code in watch_list([wrapper]).codes)
    ['ref', 'wrapper']
    >>> watched = watch_list([], forbidden=[("numpy.pad", "pad by hand")])
    >>> list(watched.codes.values())
    ['calls numpy.pad, which this exercise does not allow: pad by hand']
    """
    codes: dict = {}
    builtins: dict = {}
    for reference in references:
        if reference is None:
            continue
        reason = f"{REFERENCE_REASON} ({_qualified(reference)})"
        for item in _unwrapped(reference):
            code = getattr(item, "__code__", None)
            if code is not None:
                codes.setdefault(code, reason)
    for name, why in forbidden:
        target = resolve(name)
        reason = f"calls {name}, which this exercise does not allow: {why}"
        for item in _unwrapped(target):
            code = getattr(item, "__code__", None)
            if code is not None:
                codes.setdefault(code, reason)
            elif callable(item):
                builtins.setdefault(id(item), (item, reason))
    return Watched(codes, builtins)


def watched_for(exercise: Any) -> Watched:
    """What to watch while an answer to ``exercise`` runs: its reference, the package's
    public function of the same name (if it is the same), and its ``forbidden`` calls.

    Examples
    --------
    >>> from cnncourse.exercises import get
    >>> watched = watched_for(get("rgb_to_grayscale"))
    >>> sorted(code.co_name for code in watched.codes)
    ['rgb_to_grayscale']
    """
    reference = getattr(exercise, "reference", None)
    references = [reference]
    name = _qualified(reference) if reference is not None else ""
    if name.startswith("cnncourse."):
        try:
            references.append(resolve(name))
        except ValueError:
            pass
    return watch_list(references, tuple(getattr(exercise, "forbidden", ()) or ()))


_TAMPERING = (sys.setprofile, threading.setprofile)
# captured at import: a notebook that replaces them later does not turn the watch off
_setprofile, _getprofile = sys.setprofile, sys.getprofile
_thread_setprofile, _thread_getprofile = threading.setprofile, threading.getprofile


@contextmanager
def watch(watched: Watched) -> Iterator[Seen]:
    """Watch every call in this block (and threads it starts); yield what was seen.

    The profiler (and ``threading``'s) in place before is put back afterwards.

    Examples
    --------
    >>> import numpy as np
    >>> with watch(watch_list([], [("numpy.pad", "by hand")])) as seen:
    ...     _ = np.pad(np.ones(2), 1)
    >>> seen.found
    'calls numpy.pad, which this exercise does not allow: by hand'
    >>> with watch(Watched()) as seen:
    ...     _ = np.pad(np.ones(2), 1)
    >>> seen.found
    ''
    """
    seen = Seen()
    if not watched.codes and not watched.builtins:
        yield seen
        return
    codes, names, builtins = watched.codes, watched.names, watched.builtins
    tampering = {id(fn) for fn in _TAMPERING}
    tamper_codes = {getattr(fn, "__code__", None) for fn in _TAMPERING} - {None}

    active = [True]

    def profile(frame: Any, event: str, arg: Any) -> None:
        if seen.found or not active[0]:
            return
        if event == "call":
            code = frame.f_code
            if code.co_name in names and code in codes:
                seen.found = codes[code]
            elif code in tamper_codes:
                seen.found = _TAMPER_REASON
        elif event == "c_call":
            key = id(arg)
            if key in tampering:
                seen.found = _TAMPER_REASON
            elif key in builtins and builtins[key][0] is arg:
                seen.found = builtins[key][1]

    before, before_threads = _getprofile(), _thread_getprofile()
    _thread_setprofile(profile)
    _setprofile(profile)
    try:
        yield seen
    finally:
        active[0] = False
        _setprofile(before)
        _thread_setprofile(before_threads)
