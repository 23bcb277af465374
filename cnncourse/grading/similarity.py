"""The similarity report: pairs of submissions whose answer to an exercise is alike.

For each function exercise, each notebook's definition of the function is parsed (never
run: :mod:`ast`, in the grader's process) and normalised: its docstring dropped, every
name it binds or reads (the function's, its arguments, its variables) replaced by its
order of first appearance, comments and layout gone with the source text. What is left
(the syntax tree's node types, attributes such as ``np.dot``, and constants) is compared:
identical normalised code, and, in classes of at most :data:`PAIRWISE_LIMIT` notebooks,
code at least ``threshold`` alike (:class:`difflib.SequenceMatcher`). Answers shorter than
``min_tokens`` are left out (two right one-liners are alike by necessity).

The report (``similarity.csv``: ``exercise, student_a, student_b, similarity, tokens``,
most alike first) is for the instructor to look at; it never changes any points.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Sequence
from difflib import SequenceMatcher
from pathlib import Path

from .._validate import number
from .notebook import NotebookError, parse_python, python_source, read_notebook

__all__ = [
    "PAIRWISE_LIMIT",
    "normalised_tokens",
    "similar_pairs",
    "similarity_csv",
]

#: The largest class compared pair by pair (above it, only identical answers are found).
PAIRWISE_LIMIT = 200
#: The most tokens of one answer compared (a huge answer cannot slow the report down).
MAX_TOKENS = 2000
#: The most pairs the report lists.
MAX_PAIRS = 5000


class _Normaliser(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.tokens: list[str] = []

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def generic_visit(self, node: ast.AST) -> None:
        self.tokens.append(type(node).__name__)
        for field, value in ast.iter_fields(node):
            if field in ("ctx", "type_comment"):
                continue
            if field in ("name", "id", "arg") and isinstance(value, str):
                self.tokens.append(self._name(value))
            elif field == "attr" and isinstance(value, str):
                self.tokens.append("." + value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
                    elif isinstance(item, str):
                        self.tokens.append(self._name(item))
            elif isinstance(value, ast.AST):
                self.visit(value)
            elif field == "value":  # a constant
                self.tokens.append(repr(value)[:40])


def _strip_docstring(node: ast.FunctionDef) -> None:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]


def normalised_tokens(source: str, name: str) -> list[str] | None:
    """The normalised tokens of the last top-level ``def name`` in ``source``; None if none.

    Examples
    --------
    >>> a = "def f(x):\\n    '''doc'''\\n    y = x * 2  # twice\\n    return y"
    >>> b = "def f(image):\\n    out = image * 2\\n\\n    return out"
    >>> normalised_tokens(a, "f") == normalised_tokens(b, "f")
    True
    >>> normalised_tokens(a, "f") == normalised_tokens(b.replace("2", "3"), "f")
    False
    >>> normalised_tokens("x = 1", "f") is None
    True
    """
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
    if found is None:
        return None
    _strip_docstring(found)
    found.decorator_list = []
    normaliser = _Normaliser()
    try:
        normaliser.visit(found)
    except RecursionError:
        return None
    return normaliser.tokens


def _answers(path: Path, names: Sequence[str]) -> dict[str, list[str]]:
    """Each function's normalised tokens in the notebook at ``path`` (its last definition)."""
    try:
        cells = read_notebook(path).cells
    except NotebookError:
        return {}
    out: dict[str, list[str]] = {}
    for cell in cells:
        source = python_source(cell)
        if source is None:
            continue
        for name in names:
            if f"def {name}" in source:
                tokens = normalised_tokens(source, name)
                if tokens is not None:
                    out[name] = tokens[:MAX_TOKENS]
    return out


def similar_pairs(
    notebooks: Sequence[tuple[str, Path]],
    names: Sequence[str],
    threshold: float = 0.9,
    min_tokens: int = 40,
) -> list[tuple[str, str, str, float, int]]:
    """``(exercise, student_a, student_b, similarity, tokens)`` for the pairs alike.

    ``notebooks``: (student, path) pairs; ``names``: the functions to compare.

    Examples
    --------
    >>> similar_pairs([], ["f"], threshold=2)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be between 0 and 1; got 2.0
    """
    number("threshold", threshold, 0, 1)
    answers = {student: _answers(Path(path), names) for student, path in notebooks}
    students = [s for s, _ in notebooks]
    pairs: list[tuple[str, str, str, float, int]] = []
    for name in names:
        have = [s for s in students if len(answers[s].get(name, ())) >= min_tokens]
        if len(have) <= PAIRWISE_LIMIT:
            for i, a in enumerate(have):
                ta = answers[a][name]
                for b in have[i + 1 :]:
                    tb = answers[b][name]
                    if ta == tb:
                        ratio = 1.0
                    else:
                        matcher = SequenceMatcher(None, ta, tb, autojunk=False)
                        if matcher.real_quick_ratio() < threshold:
                            continue
                        if matcher.quick_ratio() < threshold:
                            continue
                        ratio = matcher.ratio()
                    if ratio >= threshold:
                        pairs.append((name, a, b, round(ratio, 3), min(len(ta), len(tb))))
        else:  # a large class: identical answers only, found by their hash
            groups: dict[str, list[str]] = defaultdict(list)
            for s in have:
                key = hashlib.sha256("\x00".join(answers[s][name]).encode()).hexdigest()
                groups[key].append(s)
            for group in groups.values():
                for i, a in enumerate(group):
                    room = max(MAX_PAIRS - len(pairs), 0)
                    for b in group[i + 1 : i + 1 + room]:
                        pairs.append((name, a, b, 1.0, len(answers[a][name])))
    pairs.sort(key=lambda p: (-p[3], -p[4], p[0], p[1], p[2]))
    return pairs[:MAX_PAIRS]


def similarity_csv(pairs: Sequence[tuple[str, str, str, float, int]]) -> str:
    """The report's table.

    Examples
    --------
    >>> print(similarity_csv([("f", "ann", "bob", 1.0, 52)]), end="")
    exercise,student_a,student_b,similarity,tokens
    f,ann,bob,1.0,52
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["exercise", "student_a", "student_b", "similarity", "tokens"])
    writer.writerows(pairs)
    return out.getvalue()
