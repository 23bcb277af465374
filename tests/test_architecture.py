"""The package's shape, read from its source: arrows point down, no circles, small files,
an honest public surface.

The layers, bottom to top (a module may import its own layer or those below it, never one
above): argument checks; NumPy references; Keras code; figures and checks; lessons'
set-up and the grader; the command line.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "cnncourse"
MAX_LINES = 700

#: Top-level part of a module name -> its layer (0 = bottom).
LAYERS = {
    "_validate": 0,
    "_startup": 0,  # the first, quiet import of Keras
    "shapes": 1,
    "ops": 1,
    "pooling": 1,
    "images": 1,
    "formats": 1,  # image files and what they do to the array (lesson 1)
    "transforms": 1,  # filters and affine transformations (lesson 13)
    "features": 1,  # HOG and Gabor filters (lesson 13)
    "metrics": 1,
    "regions": 1,  # connected components and R-CNN's proposals (lesson 15)
    "backprop": 1,
    "data": 2,  # datasets; its batches for Keras use the detection encodings
    "layers": 2,
    "models": 2,
    "detection": 2,
    "train": 2,
    "explain": 2,
    "recipes": 2,
    "autodiff": 2,
    "transfer": 2,  # pre-train, freeze, fine-tune (lesson 9)
    "plot": 3,
    "exercises": 3,
    "env": 4,
    "notebooks": 4,
    "site": 4,  # the course as a website (cnncourse build)
    "workspace": 4,  # the student's copies of the lessons
    "grading": 4,
    "cli": 5,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The cnncourse modules that ``name`` imports anywhere (functions too), by ``ast``."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skip = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for child in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # ``from .x import y``: y is a submodule of x, or a name in x (trimmed below)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            # the longest known module that the target names (a module, or a name in one)
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != "cnncourse" and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + "."):  # a package importing its own parts
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_circle():
    cycle = _cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_every_top_level_module_has_a_layer():
    tops = {name.split(".")[1] for name in _modules() if name.count(".") >= 1}
    assert tops <= set(LAYERS), f"give these a layer in LAYERS: {sorted(tops - set(LAYERS))}"


def test_arrows_point_down():
    upward = [
        f"{name} (layer {_layer(name)}) imports {target} (layer {_layer(target)})"
        for name, targets in import_graph().items()
        for target in targets
        if _layer(name) is not None and _layer(target) is not None and _layer(target) > _layer(name)
    ]
    assert not upward, "\n".join(upward)


def test_no_module_is_longer_than_700_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these files (over {MAX_LINES} lines): {long}"


def _public_modules() -> list[str]:
    return [
        name
        for name in _modules()
        if name != "cnncourse" and not any(part.startswith("_") for part in name.split("."))
    ]


@pytest.mark.parametrize("name", _public_modules())
def test_every_public_module_lists_its_names_and_documents_them_with_an_example(name):
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), (list, tuple)), f"{name} has no __all__"
    assert module.__doc__, f"{name} has no docstring"
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.__all__ names {public!r}, which is not there"
        value = getattr(module, public)
        if inspect.ismodule(value):
            continue
        if inspect.isfunction(value) or inspect.isclass(value):
            doc = inspect.getdoc(value) or ""
            assert "Examples" in doc and ">>>" in doc, (
                f"{name}.{public} needs a docstring with an Examples section"
            )


def test_no_private_api_of_another_library():
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if "keras.src" in path.read_text() or "._draw_was_started" in path.read_text()
    ]
    assert not offenders, offenders
