"""The lesson generator (solutions -> lessons) and the course's notebooks as committed."""

import json
import shutil

import nbformat
import pytest
from conftest import ROOT

from cnncourse import notebooks
from cnncourse.notebooks import MarkerError, generate, make_lesson, strip_solutions

FUNCTION_SOLUTION = """def f(x):
    ### BEGIN SOLUTION
    y = x + 1
    return y
    ### END SOLUTION


f = check.f(f)"""


def test_indented_solution_becomes_not_implemented():
    out = strip_solutions(FUNCTION_SOLUTION)
    assert "x + 1" not in out and "### BEGIN" not in out
    assert '    # YOUR CODE HERE\n    raise NotImplementedError("your code here")' in out
    assert out.startswith("def f(x):\n") and out.endswith("f = check.f(f)")


def test_top_level_solution_assigns_ellipsis_to_each_name():
    source = "### BEGIN SOLUTION\na = 224 * 224 * 3\nb, c = 1, 2\n### END SOLUTION\ncheck.q(a)"
    out = strip_solutions(source)
    assert out == (
        "a = ...  # YOUR ANSWER HERE\nb = ...  # YOUR ANSWER HERE\n"
        "c = ...  # YOUR ANSWER HERE\ncheck.q(a)"
    )


def test_top_level_solution_without_assignment_leaves_a_comment():
    assert strip_solutions("### BEGIN SOLUTION\nprint(1)\n### END SOLUTION") == "# YOUR CODE HERE"


def test_markdown_answers_are_replaced():
    source = "Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"
    assert strip_solutions(source, markdown=True) == "Why?\n*Your answer here.*"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without ### BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_unbalanced_markers_are_errors_with_a_location(source, message):
    with pytest.raises(MarkerError, match=message):
        strip_solutions(source, "nb.ipynb cell 3")


def make_course(tmp_path, sources=(FUNCTION_SOLUTION,)):
    (tmp_path / "solutions").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="left over")]
    nb.cells[0].execution_count = 3
    nbformat.write(nb, tmp_path / "solutions" / "01_demo.ipynb")
    return tmp_path


def test_generate_writes_lessons_cleans_solutions_and_is_idempotent(tmp_path):
    course = make_course(tmp_path)
    changes = generate(course)
    assert {c.path.name for c in changes} == {"01_demo.ipynb"} and len(changes) == 2
    lesson = nbformat.read(course / "lessons" / "01_demo.ipynb", as_version=4)
    assert "NotImplementedError" in lesson.cells[0].source
    assert lesson.metadata["cnncourse"] == {"lesson": 1, "role": "lesson"}
    solution = nbformat.read(course / "solutions" / "01_demo.ipynb", as_version=4)
    assert solution.cells[0].outputs == [] and solution.cells[0].execution_count is None
    assert "x + 1" in solution.cells[0].source
    assert generate(course) == []
    assert generate(course, check=True) == []


def test_lesson_without_markers_is_its_own_lesson(tmp_path):
    course = make_course(tmp_path)
    generate(course)
    lesson = nbformat.read(course / "lessons" / "01_demo.ipynb", as_version=4)
    again = make_lesson(lesson, 1)
    assert nbformat.writes(again) == nbformat.writes(lesson)


def test_check_detects_a_hand_edited_lesson_without_writing(tmp_path):
    course = make_course(tmp_path)
    generate(course)
    path = course / "lessons" / "01_demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n# edited by hand"
    nbformat.write(nb, path)
    edited = path.read_text()
    changes = generate(course, check=True)
    assert [(c.path.name, c.reason) for c in changes] == [
        ("01_demo.ipynb", "lesson differs from its solution")
    ]
    assert path.read_text() == edited


def test_check_detects_missing_and_orphan_lessons(tmp_path):
    course = make_course(tmp_path)
    generate(course)
    shutil.copy(course / "lessons" / "01_demo.ipynb", course / "lessons" / "02_orphan.ipynb")
    (course / "lessons" / "01_demo.ipynb").unlink()
    reasons = {c.path.name: c.reason for c in generate(course, check=True)}
    assert reasons == {
        "01_demo.ipynb": "lesson missing",
        "02_orphan.ipynb": "lesson has no solution",
    }
    generate(course)
    assert not (course / "lessons" / "02_orphan.ipynb").exists()


def test_generate_rejects_badly_named_notebooks(tmp_path):
    course = make_course(tmp_path)
    shutil.copy(course / "solutions" / "01_demo.ipynb", course / "solutions" / "Demo.ipynb")
    with pytest.raises(ValueError, match="path must be named NN_name.ipynb"):
        generate(course)


def test_generate_needs_a_course_folder(tmp_path):
    with pytest.raises(ValueError, match="root must be the course folder"):
        generate(tmp_path)


def test_cli_generate_check_exits_1_on_drift(tmp_path, capsys):
    from cnncourse.cli import main

    course = make_course(tmp_path)
    assert main(["generate", "--check", "--root", str(course)]) == 1
    assert main(["generate", "--root", str(course)]) == 0
    assert main(["generate", "--check", "--root", str(course)]) == 0
    assert "in sync" in capsys.readouterr().out


# ----------------------------------------------------------------- the committed course


COMMITTED = sorted((ROOT / "lessons").glob("*.ipynb")) + sorted(
    (ROOT / "solutions").glob("*.ipynb")
)


def test_lessons_are_generated_from_solutions():
    stale = generate(ROOT, check=True)
    assert stale == [], "run `cnncourse generate`: " + ", ".join(
        f"{c.path.relative_to(ROOT)} ({c.reason})" for c in stale
    )


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebooks_are_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", sorted((ROOT / "lessons").glob("*.ipynb")), ids=lambda p: p.name)
def test_lessons_hold_no_solutions_and_at_least_three_checks(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(cell.source for cell in nb.cells)
    assert notebooks.BEGIN not in text and notebooks.END not in text
    assert text.count("check.") >= 3
    assert nb.metadata["cnncourse"]["lesson"] == notebooks.lesson_number(path)
