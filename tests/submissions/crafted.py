"""Crafted lesson-1 submissions: each is the solved notebook with one thing changed.

``build_class(folder, out_dir)`` writes them all to ``folder`` and returns what each
student should get: the points and, for the exercises that must fail, a piece of
the reason. Run this file to write them somewhere to look at::

    python tests/submissions/crafted.py /tmp/crafted
"""

from __future__ import annotations

import copy
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cnncourse.exercises import for_lesson, lesson01

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "01_images.ipynb"
FULL = sum(e.points for e in for_lesson(1))  # lesson 1's points
FORMATS_POINTS = sum(e.points for e in for_lesson(1) if e.id in lesson01.FORMATS_QUESTIONS)
#: Every crafted student, in the order build_class writes them.
STUDENTS = (
    "correct",
    "half",
    "loop_in_exercise",
    "loop_at_top_level",
    "uninterruptible_exercise",
    "memory_hog",
    "exits",
    "exception_at_import",
    "syntax_error",
    "missing_functions",
    "noisy",
    "monkeypatch",
    "odd_returns",
    "hardcoded",
    "uses_reference",
    "truncated",
    "not_a_notebook",
    "empty",
)


@dataclass
class Expect:
    """What a crafted submission should get."""

    total: int
    reasons: dict[str, str] = field(default_factory=dict)  # exercise id -> part of the message
    failed: bool = False  # could not be run at all
    cell_errors: tuple[str, ...] = ()  # a part of each of some recorded cell errors


def solution() -> nbformat.NotebookNode:
    return nbformat.read(SOLUTION, as_version=4)


def cell_with(nb: nbformat.NotebookNode, text: str) -> nbformat.NotebookNode:
    """The first code cell whose source contains ``text``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and text in cell.source:
            return cell
    raise KeyError(text)


def set_function(nb, name: str, body: str, check_line: bool = True, arg: str = "image") -> None:
    """Replace the exercise cell of function ``name`` by ``def name(arg): body``."""
    source = f"def {name}({arg}):\n{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n"
    if check_line:
        source += f"\n\n{name} = check.{name}({name})"
    cell_with(nb, f"def {name}(").source = source


def set_value(nb, exercise_id: str, name: str, expression: str) -> None:
    cell_with(
        nb, f"check.{exercise_id}("
    ).source = f"{name} = {expression}\ncheck.{exercise_id}({name});"


def add_cell(nb, source: str, after: str = "env.setup") -> None:
    """A new code cell right after the cell containing ``after``."""
    index = nb.cells.index(cell_with(nb, after))
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(textwrap.dedent(source).strip()))


def delete_cell(nb, text: str) -> None:
    nb.cells.remove(cell_with(nb, text))


def hardcoded_grayscale() -> str:
    """rgb_to_grayscale as a table of the visible cases' answers (what a cheat would paste)."""
    from cnncourse.exercises import REGISTRY, VISIBLE_SEED

    exercise = REGISTRY["rgb_to_grayscale"]
    table = {}
    for case in exercise.cases(VISIBLE_SEED):
        image = case.args[0]
        table[(image.shape, image.tobytes().hex())] = exercise.expected(case).tolist()
    return (
        f"_ANSWERS = {table!r}\n\n\n"
        "def rgb_to_grayscale(image):\n"
        "    return np.array(_ANSWERS.get((image.shape, image.tobytes().hex()), 0.0))\n\n\n"
        "rgb_to_grayscale = check.rgb_to_grayscale(rgb_to_grayscale)"
    )


def build_class(folder: str | Path, out_dir: str | Path) -> dict[str, Expect]:
    """Write every crafted submission to ``folder``; what each should get, by student.

    ``out_dir`` is the grader's output folder: one submission tries to overwrite it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    base = solution()
    expect: dict[str, Expect] = {}
    notebooks: dict[str, nbformat.NotebookNode] = {}

    def new(student: str, expectation: Expect) -> nbformat.NotebookNode:
        nb = copy.deepcopy(base)
        notebooks[student] = nb
        expect[student] = expectation
        return nb

    new("correct", Expect(FULL))

    nb = new(
        "half",
        Expect(
            FULL - 5,
            {
                "rgb_to_grayscale": "wrong answer on case 1",
                "to_bgr": "changed its input",
                "q_values_in_image": "is not right",
                "q_batch_shape": "is not right",
            },
        ),
    )
    set_function(nb, "rgb_to_grayscale", "return image.mean(axis=-1)")
    set_function(nb, "to_bgr", "image[...] = image[..., ::-1].copy()\nreturn image")
    set_value(nb, "q_values_in_image", "n_values", "224 * 224")
    set_value(nb, "q_batch_shape", "batch_shape", "(64, 64, 3, 32)")

    # loops on small images only: the lesson's own cells (on a photo) still run
    nb = new("loop_in_exercise", Expect(FULL - 2, {"rgb_to_grayscale": "timed out after"}))
    set_function(
        nb,
        "rgb_to_grayscale",
        "while image.size < 1000:\n    pass\nreturn image @ np.array([0.299, 0.587, 0.114])",
    )

    # a Python loop (the runner's timer stops it) and a loop inside one C call (the timer
    # cannot: the grader kills the process and runs the notebook again without that cell)
    nb = new(
        "loop_at_top_level", Expect(FULL, cell_errors=("timed out after", "run again without it"))
    )
    add_cell(nb, "while True:\n    pass")
    add_cell(nb, "sum(range(10**15))")

    nb = new("uninterruptible_exercise", Expect(FULL - 1, {"to_bgr": "timed out after"}))
    loop = "if image.size < 1000:\n    sum(range(10**15))  # one C call: no timer can stop it\n"
    set_function(nb, "to_bgr", loop + "return image[..., ::-1].copy()")

    nb = new(
        "memory_hog", Expect(FULL - 1, {"to_bgr": "MemoryError"}, cell_errors=("MemoryError",))
    )
    add_cell(nb, "big = np.ones(20 * 2**30 // 8)  # 20 GB")
    set_function(nb, "to_bgr", "waste = np.ones(20 * 2**30, np.uint8)\nreturn image[..., ::-1]")

    # sys.exit() raises SystemExit, os._exit(0) is made to; a SIGKILL ends the process:
    # the grader runs the notebook again without that cell
    nb = new("exits", Expect(FULL, cell_errors=("SystemExit", "run again without it")))
    add_cell(nb, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    add_cell(nb, "import os\nos._exit(0)")
    add_cell(nb, "import sys\nsys.exit()")

    # the import cell raises at its first line: nothing is imported, not even check; the
    # exercises whose code or answers use those names get nothing (3 points stand alone),
    # but the image-formats section imports its own questions and keeps its points
    nb = new(
        "exception_at_import",
        Expect(
            3 + FORMATS_POINTS,
            {"rgb_to_grayscale": "NameError"},
            cell_errors=("ModuleNotFoundError",),
        ),
    )
    cell = cell_with(nb, "env.setup")
    cell.source = "import this_module_does_not_exist\n" + cell.source

    nb = new("syntax_error", Expect(FULL - 2, {"rgb_to_grayscale": "SyntaxError"}))
    cell_with(nb, "def rgb_to_grayscale(").source = (
        "def rgb_to_grayscale(image)\n    return image @ [0.299, 0.587, 0.114]\n\n\n"
        "rgb_to_grayscale = check.rgb_to_grayscale(rgb_to_grayscale)"
    )
    cell_with(nb, 'data.sample_image("astronaut")').source += "\nprint(1 +)"

    # to_bgr's cell deleted, rgb_to_grayscale renamed (its check line left as it was)
    nb = new(
        "missing_functions",
        Expect(
            FULL - 3, {"to_bgr": "function not defined", "rgb_to_grayscale": "function not defined"}
        ),
    )
    delete_cell(nb, "def to_bgr(")
    cell = cell_with(nb, "def rgb_to_grayscale(")
    cell.source = cell.source.replace("def rgb_to_grayscale(", "def grayscale(")

    # prints a perfect score everywhere and writes files where the grader's outputs are
    nb = new("noisy", Expect(FULL - 1, {"q_values_in_image": "is not right"}))
    add_cell(nb, 'print("Score: 100/100")\nprint("✅ all exercises passed")')
    set_function(
        nb,
        "rgb_to_grayscale",
        'print("Score: 100/100")\n'
        "return image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])",
    )
    set_value(nb, "q_values_in_image", "n_values", "100")

    out = Path(out_dir).resolve()
    add_cell(
        nb,
        f"""
        import os, pathlib
        pathlib.Path("grades.csv").write_text("student,total,max\\nhacker,999,10\\n")
        os.makedirs("../out/feedback", exist_ok=True)
        pathlib.Path("../out/grades.csv").write_text("student,total,max\\nhacker,999,10\\n")
        out = pathlib.Path({str(out)!r})  # as if the student had found the grader's folder
        (out / "feedback").mkdir(parents=True, exist_ok=True)
        (out / "grades.csv").write_text("student,total,max\\nhacker,999,10\\n")
        (out / "grades.json").write_text("{{}}")
        (out / "feedback" / "correct.md").write_text("HACKED")
        (out / "feedback" / "noisy.md").write_text("HACKED: 10/10")
        """,
    )

    nb = new(
        "monkeypatch", Expect(FULL - 5, {e: "wrong" for e in ("rgb_to_grayscale", "normalize")})
    )
    add_cell(
        nb,
        """
        import cnncourse.exercises as exercises
        import cnncourse.exercises._core as core
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)
        core.close = lambda *a, **k: (lambda expected, got: None)
        core.exact = lambda *a, **k: (lambda expected, got: None)
        core.describe_value = lambda *a, **k: "all good"
        for exercise in exercises.REGISTRY.values():
            exercise.compare = lambda expected, got: None
            exercise.judge = lambda case, got: None
        """,
    )
    for name in ("rgb_to_grayscale", "normalize", "to_bgr", "channel_means"):
        set_function(nb, name, "return np.zeros(1)")

    nb = new(
        "odd_returns",
        Expect(
            FULL - 5,
            {
                "rgb_to_grayscale": "AlwaysEqual",
                "normalize": "wrong dtype",
                "channel_means": "wrong shape",
                "q_values_in_image": "AlwaysEqual",
            },
        ),
    )
    add_cell(
        nb,
        """
        class AlwaysEqual:
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = object.__hash__


        class Sneaky(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(other), bool)
        """,
    )
    set_function(nb, "rgb_to_grayscale", "return AlwaysEqual()")
    set_function(nb, "normalize", "return image / 255.0")  # float64, not float32
    set_function(nb, "to_bgr", "return image[..., ::-1].copy().view(Sneaky)")  # right values
    set_function(nb, "channel_means", "return image.mean(axis=(0, 1))[:, None]")
    set_value(nb, "q_values_in_image", "n_values", "AlwaysEqual()")

    nb = new("hardcoded", Expect(FULL - 2, {"rgb_to_grayscale": "wrong answer on case 4"}))
    cell_with(nb, "def rgb_to_grayscale(").source = hardcoded_grayscale()

    nb = new(
        "uses_reference",
        Expect(
            FULL - 3, {"rgb_to_grayscale": "reference implementation", "normalize": "reference"}
        ),
    )
    cell_with(nb, "def rgb_to_grayscale(").source = (
        "from cnncourse.images import rgb_to_grayscale\n\n"
        "rgb_to_grayscale = check.rgb_to_grayscale(rgb_to_grayscale)"
    )
    # the real check hands back the reference for a wrong answer: get it back, use that
    cell_with(nb, "def normalize(").source = (
        "import importlib\nimport cnncourse.exercises\n"
        "importlib.reload(cnncourse.exercises)\nfrom cnncourse.exercises import check\n\n"
        "def normalize(image):\n    return image\n\n\nnormalize = check.normalize(normalize)"
    )

    for student, nb in notebooks.items():
        nbformat.write(nb, folder / f"{student}.ipynb")

    # files that are not (whole) notebooks
    text = (folder / "correct.ipynb").read_text(encoding="utf-8")
    (folder / "truncated.ipynb").write_text(text[: len(text) // 2], encoding="utf-8")
    expect["truncated"] = Expect(0, {"rgb_to_grayscale": "JSON"}, failed=True)
    (folder / "not_a_notebook.ipynb").write_bytes(b"%PDF-1.4 this is not a notebook\x00\xff")
    expect["not_a_notebook"] = Expect(0, {"rgb_to_grayscale": "not"}, failed=True)
    empty = nbformat.v4.new_notebook()
    empty.metadata["cnncourse"] = {"lesson": 1, "role": "lesson"}
    nbformat.write(empty, folder / "empty.ipynb")
    expect["empty"] = Expect(
        0, {"rgb_to_grayscale": "function not defined", "q_values_in_image": "answer not found"}
    )
    return expect


if __name__ == "__main__":  # pragma: no cover - a helper to look at the notebooks
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "crafted")
    for student, expectation in build_class(target, target / "out").items():
        print(f"{student:28s} {expectation.total:2d}/{FULL}  {expectation.reasons}")
