"""Reading a submitted notebook without running it: its code, its lesson, where its answers are.

The grader reads a notebook as JSON (nothing in it is executed here), takes
the source of its code cells, and scans them with :mod:`ast` for the inline
checks: ``x = check.<id>(x)`` names the global holding a function exercise's
answer, ``check.<id>(x)`` the one holding a value's.
"""

from __future__ import annotations

import ast
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AnswerSite",
    "Notebook",
    "NotebookError",
    "find_answers",
    "find_definition",
    "find_variants",
    "lesson_from_name",
    "parse_python",
    "python_source",
    "read_notebook",
]


#: The largest notebook the grader reads (notebooks with many figures are a few MB).
MAX_NOTEBOOK_BYTES = 100 * 2**20
# CPython 3.11 (seen on 3.11.7; CPython issue gh-106905) keeps ast.parse's recursion counter
# per interpreter, not per thread: two threads parsing at once can fail with "SystemError: AST
# constructor recursion depth mismatch" (seen once in CI grading lesson 2 with 2 workers; not
# reproducible on demand). The grader's workers are threads: every parse takes this lock.
_AST_LOCK = threading.Lock()


def parse_python(text: str) -> ast.Module:
    """``ast.parse(text)``, one thread at a time (see ``_AST_LOCK``).

    Examples
    --------
    >>> type(parse_python("x = 1").body[0]).__name__
    'Assign'
    """
    with _AST_LOCK:
        return ast.parse(text)


_LESSON_PREFIX = re.compile(r"^(\d{1,2})_")
_LINE_MAGIC = re.compile(r"^(\s*)(%|!)")
_ASSIGNED_MAGIC = re.compile(r"^(\s*)[A-Za-z_][\w, ]*=\s*[%!]")
#: Cell magics whose body is Python to run (the others, like %%bash, are skipped).
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


class NotebookError(ValueError):
    """A submission that is not a readable Jupyter notebook.

    Examples
    --------
    >>> raise NotebookError('the file is empty')
    Traceback (most recent call last):
    ...
    cnncourse.grading.notebook.NotebookError: the file is empty
    """


@dataclass
class Notebook:
    """The parts of a notebook the grader uses.

    Examples
    --------
    >>> Notebook(['x = 1'], {'cnncourse': {'lesson': 2}}).lesson
    2
    """

    cells: list[str]  # the source of every code cell, in order
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def lesson(self) -> int | None:
        """``metadata.cnncourse.lesson`` when it is an integer, else None."""
        info = self.metadata.get("cnncourse")
        value = info.get("lesson") if isinstance(info, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


def _source(cell: dict) -> str:
    source = cell.get("source", cell.get("input", ""))
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    if not isinstance(source, str):
        raise NotebookError("a code cell's source is neither a string nor a list of strings")
    return source


def read_notebook(path: str | Path) -> Notebook:
    """The code cells and metadata of the notebook at ``path`` (nbformat 4, or 3).

    Raises NotebookError, with the reason, for anything that is not a notebook.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder, 'a.ipynb')
    ...     _ = path.write_text('{"cells": [{"cell_type": "code", "source": "x = 1"}]}')
    ...     read_notebook(path).cells
    ['x = 1']
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(f"the file is too large ({size:,} bytes) for a notebook")
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"the file cannot be read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise NotebookError("the file is empty")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise NotebookError("not a Jupyter notebook: the file is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise NotebookError(f"not a Jupyter notebook: its JSON is broken ({exc})") from None
    if not isinstance(data, dict):
        raise NotebookError("not a Jupyter notebook: the JSON is not an object")
    if isinstance(data.get("cells"), list):
        cells = data["cells"]
    elif isinstance(data.get("worksheets"), list):  # nbformat 3
        cells = [
            c for ws in data["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])
        ]
    else:
        raise NotebookError("not a Jupyter notebook: it has no list of cells")
    metadata = data.get("metadata")
    code = [
        _source(cell)
        for cell in cells
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    ]
    return Notebook(code, metadata if isinstance(metadata, dict) else {})


def lesson_from_name(path: str | Path) -> int | None:
    """The lesson number from a ``NN_name.ipynb`` file name, else None.

    Examples
    --------
    >>> lesson_from_name('03_padding.ipynb'), lesson_from_name('ann.ipynb')
    (3, None)
    """
    match = _LESSON_PREFIX.match(Path(path).name)
    return int(match.group(1)) if match else None


def python_source(source: str) -> str | None:
    """A cell's source as plain Python: IPython magic and ``!`` lines become ``pass``.

    A cell that parses as Python is returned unchanged (magics do not parse).

    None for a cell magic whose body is not Python (``%%bash``, ``%%html``, ...).

    Examples
    --------
    >>> python_source('%matplotlib inline\\nx = 1')
    'pass\\nx = 1'
    """
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if name not in PYTHON_CELL_MAGICS:
            return None
        lines = [""] + lines[1:]  # keep the line numbers
    text = "\n".join(lines)
    try:
        parse_python(text)
        return text  # plain Python already: no magics (they are not valid Python)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    out = []
    for line in lines:
        match = _LINE_MAGIC.match(line) or _ASSIGNED_MAGIC.match(line)
        out.append(f"{match.group(1)}pass" if match else line)
    return "\n".join(out)


@dataclass
class AnswerSite:
    """Where a notebook answers one exercise.

    Examples
    --------
    >>> AnswerSite('to_bgr', 3).name
    'to_bgr'
    """

    name: str | None  # the global that holds the answer, if the check names one
    cell: int | None  # the index (among code cells) of the cell with the check or the def


def find_answers(cells: list[str]) -> dict[str, AnswerSite]:
    """For each ``check.<id>(...)`` in the notebook, the answer's global name and its cell.

    ``name = check.<id>(name)`` and ``check.<id>(name)`` give ``name``; a check
    on an expression (``check.<id>(6 * 7)``) gives no name (the runner then
    uses the value the check received). The last check of an id wins. Cells
    that do not parse are searched for the text ``check.<id>(`` only.

    Examples
    --------
    >>> find_answers(['f = check.to_bgr(f)'])['to_bgr']
    AnswerSite(name='f', cell=0)
    """
    sites: dict[str, AnswerSite] = {}
    for index, source in enumerate(cells):
        text = python_source(source)
        if text is None:
            continue
        try:
            tree = parse_python(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            for match in re.finditer(r"\bcheck\s*\.\s*([A-Za-z_]\w*)\s*\(", text):
                sites[match.group(1)] = AnswerSite(None, index)
            continue
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "check"
            ):
                continue
            arg = node.args[0] if node.args else None
            name = arg.id if isinstance(arg, ast.Name) else None
            sites[node.func.attr] = AnswerSite(name, index)
    return sites


def find_definition(cells: list[str], name: str) -> int | None:
    """The index of the last cell that defines ``name`` (``def name`` or ``name = ...``).

    Examples
    --------
    >>> find_definition(['x = 1', 'def f():\\n    pass'], 'f')
    1
    """
    pattern = re.compile(rf"^\s*(def\s+{re.escape(name)}\b|{re.escape(name)}\s*=[^=])", re.M)
    found = None
    for index, source in enumerate(cells):
        if pattern.search(source):
            found = index
    return found


def find_variants(cells: list[str]) -> dict[str, dict[str, Any]] | None:
    """The numbers of the notebook's handout cell: ``use_variants(student, {...})``, read as a
    literal (never run); None when there is none (or it is not a literal).

    Only a student's own check uses them: the grader draws each student's numbers again.

    Examples
    --------
    >>> find_variants(['use_variants("ann", {"q_x": {"n": 3}})'])
    {'q_x': {'n': 3}}
    >>> find_variants(['x = 1']) is None
    True
    """
    found = None
    for source in cells:
        text = python_source(source or "")
        if not text or "use_variants" not in text:
            continue
        try:
            tree = parse_python(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "use_variants"
                and len(node.args) == 2
            ):
                try:
                    value = ast.literal_eval(node.args[1])
                except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                    continue
                if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
                    found = value
    return found
