"""Notebook plumbing: generate student lessons from the solutions and strip
outputs (``cnncourse.site`` executes them into a website).

``solutions/NN_name.ipynb`` is the one source. Inside a code cell, an answer
sits between two marker lines::

    def normalize(image):
        ### BEGIN SOLUTION
        return (image / 255).astype("float32")
        ### END SOLUTION

``make_lesson`` replaces each marked block with a stub: inside a function (an
indented block) ``raise NotImplementedError``, which the checks report as "not
implemented yet"; at the top level of a cell, each name the block assigns is
set to ``...``, which the checks report as "not answered yet". In Markdown
cells, ``<!-- BEGIN SOLUTION -->`` / ``<!-- END SOLUTION -->`` enclose a
written answer, replaced by "*Your answer here.*".
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "CODE_STUB",
    "MARKDOWN_STUB",
    "NAME_PATTERN",
    "Change",
    "MarkerError",
    "clean",
    "generate",
    "lesson_number",
    "make_lesson",
    "strip_solutions",
]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
#: What an answer inside a function becomes in the student's lesson.
CODE_STUB = 'raise NotImplementedError("your code here")'
#: What a written answer in a Markdown cell becomes.
MARKDOWN_STUB = "*Your answer here.*"
#: The file name of every lesson: two digits, an underscore, a name.
NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


class MarkerError(ValueError):
    """Solution markers that do not pair up.

    Examples
    --------
    >>> strip_solutions("### END SOLUTION")
    Traceback (most recent call last):
    ...
    cnncourse.notebooks.MarkerError: cell, line 1: ### END SOLUTION without ### BEGIN SOLUTION
    """


def _stub_for(block: list[str], indent: str) -> list[str]:
    """The lines that replace a solution block whose BEGIN marker had ``indent``."""
    if indent:
        return [f"{indent}# YOUR CODE HERE", f"{indent}{CODE_STUB}"]
    names: list[str] = []
    try:
        tree = ast.parse(textwrap.dedent("\n".join(block)))
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id not in names:
                    names.append(name.id)
    if not names:
        return ["# YOUR CODE HERE"]
    return [f"{name} = ...  # YOUR ANSWER HERE" for name in names]


def strip_solutions(source: str, where: str = "cell", markdown: bool = False) -> str:
    r"""Replace every marked solution block in one cell's ``source`` by a stub.

    Examples
    --------
    >>> source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    >>> print(strip_solutions(source))
    def f():
        # YOUR CODE HERE
        raise NotImplementedError("your code here")
    >>> print(strip_solutions("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"))
    answer = ...  # YOUR ANSWER HERE
    """
    begin, end = (MD_BEGIN, MD_END) if markdown else (BEGIN, END)
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()
        if marker == begin:
            if block is not None:
                raise MarkerError(f"{where}, line {number}: {begin} inside another solution block")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif marker == end:
            if block is None:
                raise MarkerError(f"{where}, line {number}: {end} without {begin}")
            out.extend([MARKDOWN_STUB] if markdown else _stub_for(block, indent))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise MarkerError(f"{where}: {begin} is never closed by {end}")
    return "\n".join(out)


def lesson_number(path: str | Path) -> int:
    """The lesson number from a notebook's file name ``NN_name.ipynb``.

    Examples
    --------
    >>> lesson_number("solutions/03_padding_stride.ipynb")
    3
    """
    name = Path(path).name
    match = NAME_PATTERN.match(name)
    if not match:
        raise ValueError(f"path must be named NN_name.ipynb (e.g. 01_images.ipynb); got {name!r}")
    return int(match.group(1))


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop outputs, execution counts and per-cell execution metadata, in place.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=3)])
    >>> clean(nb).cells[0].execution_count is None
    True
    """
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled", "jp-MarkdownHeadingCollapsed"):
            cell.metadata.pop(key, None)
    nb.metadata.pop("widgets", None)
    return nb


def make_lesson(
    solution: nbformat.NotebookNode, lesson: int, where: str = ""
) -> nbformat.NotebookNode:
    r"""The student notebook for a solution notebook: solutions stubbed, outputs cleared.

    Examples
    --------
    >>> cell = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    >>> lesson = make_lesson(nbformat.v4.new_notebook(cells=[cell]), lesson=1)
    >>> lesson.cells[0].source, lesson.metadata["cnncourse"]
    ('x = ...  # YOUR ANSWER HERE', {'lesson': 1, 'role': 'lesson'})
    """
    nb = clean(nbformat.from_dict(solution))
    for index, cell in enumerate(nb.cells):
        label = f"{where} cell {index}".strip()
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, label)
        elif cell.cell_type == "markdown":
            cell.source = strip_solutions(cell.source, label, markdown=True)
    nb.metadata["cnncourse"] = {"lesson": lesson, "role": "lesson"}
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


@dataclass(frozen=True)
class Change:
    """A file ``generate`` wrote (or, with ``check=True``, would write).

    Examples
    --------
    >>> Change(Path("lessons/01_images.ipynb"), "lesson missing").reason
    'lesson missing'
    """

    path: Path
    reason: str


def generate(root: str | Path = ".", check: bool = False) -> list[Change]:
    """Regenerate ``lessons/`` from ``solutions/`` (and strip outputs from solutions).

    With ``check=True`` nothing is written: the returned list says which files
    are out of date (empty means everything is in sync). Lessons that have no
    solution left are reported too (and deleted when not checking).

    Examples
    --------
    >>> generate("no/such/course", check=True)
    Traceback (most recent call last):
    ...
    ValueError: root must be the course folder (with solutions/); got 'no/such/course'
    """
    root = Path(root)
    solutions, lessons = root / "solutions", root / "lessons"
    if not solutions.is_dir():
        raise ValueError(f"root must be the course folder (with solutions/); got {str(root)!r}")
    changes: list[Change] = []
    expected_lessons: set[str] = set()
    for source in sorted(solutions.glob("*.ipynb")):
        number = lesson_number(source)
        solution = nbformat.read(source, as_version=4)
        cleaned = clean(nbformat.from_dict(solution))
        cleaned.metadata["cnncourse"] = {"lesson": number, "role": "solution"}
        text = _text(cleaned)
        if source.read_text(encoding="utf-8") != text:
            changes.append(Change(source, "solution has outputs or metadata to clean"))
            if not check:
                source.write_text(text, encoding="utf-8")
        target = lessons / source.name
        expected_lessons.add(source.name)
        lesson_text = _text(make_lesson(solution, number, where=str(source)))
        if not target.exists() or target.read_text(encoding="utf-8") != lesson_text:
            reason = "missing" if not target.exists() else "differs from its solution"
            changes.append(Change(target, f"lesson {reason}"))
            if not check:
                lessons.mkdir(exist_ok=True)
                target.write_text(lesson_text, encoding="utf-8")
    for orphan in sorted(lessons.glob("*.ipynb")) if lessons.is_dir() else []:
        if orphan.name not in expected_lessons:
            changes.append(Change(orphan, "lesson has no solution"))
            if not check:
                orphan.unlink()
    return changes
