"""Grades where instructors keep them: Canvas's gradebook CSV and the feedback files
(tiny notebooks that import no Keras)."""

import csv
import io
import json

import pytest
from conftest import SEED, run_cli
from submissions.tiny import TINY, tiny_notebook

from cnncourse.grading.export import CANVAS_COLUMNS, assignment_name, canvas_csv


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    tiny_notebook(root / "subs" / "ann.ipynb")
    tiny_notebook(root / "subs" / "bob.ipynb", {**TINY, "to_bgr": "return image"})
    code, stdout, _ = run_cli(
        "grade", root / "subs", "--out", root / "out", "--seed", SEED, "--quiet",
        "--lesson", 1, "--workers", 2,
    )  # fmt: skip
    assert code == 0
    return root / "out", stdout


@pytest.mark.slow
def test_the_canvas_csv_is_in_canvas_import_format(graded):
    out, stdout = graded
    assert "canvas.csv" in stdout
    rows = list(csv.reader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8"))))
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert rows[0] == [*CANVAS_COLUMNS, assignment_name(1)]
    maximum = sum(e["points"] for e in data["exercises"].values())
    assert rows[1] == ["Points Possible", "", "", "", "", str(maximum)]
    totals = {s["student"]: s["total"] for s in data["submissions"]}
    assert {r[0]: int(r[5]) for r in rows[2:]} == totals
    assert totals["bob"] < totals["ann"] <= maximum
    assert all(s["max"] == maximum for s in data["submissions"])
    assert all(r[2] == r[0] for r in rows[2:])  # SIS User ID: the grader's student


@pytest.mark.slow
def test_each_student_gets_a_feedback_file_with_every_exercise(graded):
    out, _ = graded
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    for submission in data["submissions"]:
        text = (out / "feedback" / f"{submission['student']}.md").read_text(encoding="utf-8")
        assert f"**Score: {submission['total']} / {submission['max']}**" in text
        for e in submission["exercises"]:
            assert f"`{e['id']}`" in text and f"{e['points']} / {e['max_points']}" in text
            assert e["message"][:60] in text


def test_several_lessons_get_a_column_each_and_no_formula_reaches_a_cell():
    subs = [
        {"student": "ann", "lesson": 1, "total": 3, "max": 4},
        {"student": "=cmd()", "lesson": 2, "total": 1, "max": 2},
    ]
    table = {"a": {"lesson": 1, "points": 4}, "b": {"lesson": 2, "points": 2}}
    rows = list(csv.reader(io.StringIO(canvas_csv(subs, table))))
    assert rows[0][5:] == [assignment_name(1), assignment_name(2)]
    assert rows[1][5:] == ["4", "2"]
    assert rows[2][5:] == ["3", ""] and rows[3][5:] == ["", "1"]
    assert rows[3][0] == "'=cmd()"


# --------------------------------------------------------------------------- similarity

LONG = """
def rgb_to_grayscale(image):
    '''Luminance.'''
    weights = np.array([0.299, 0.587, 0.114])
    total = np.zeros(image.shape[:2])
    for channel in range(3):
        total = total + weights[channel] * image[..., channel].astype(float)
    return total
"""
RENAMED = """
def rgb_to_grayscale(picture):
    # the same, with other names, comments and spacing
    w = np.array([0.299,  0.587,  0.114])
    acc = np.zeros(picture.shape[:2])

    for c in range(3):
        acc = acc + w[c] * picture[..., c].astype(float)   # add one channel
    return acc
"""


def _notebook(path, source):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np"), nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def test_the_similarity_report_finds_renamed_copies_and_changes_no_points(tmp_path):
    from submissions.tiny import tiny_notebook

    from cnncourse.grading.similarity import similar_pairs

    ann = _notebook(tmp_path / "ann.ipynb", LONG)
    bob = _notebook(tmp_path / "bob.ipynb", RENAMED)
    cy = tiny_notebook(tmp_path / "cy.ipynb")  # its own (short) answer
    pairs = similar_pairs([("ann", ann), ("bob", bob), ("cy", cy)], ["rgb_to_grayscale"])
    assert [p[:4] for p in pairs] == [("rgb_to_grayscale", "ann", "bob", 1.0)]
    code, _, _ = run_cli(
        "grade", tmp_path, "--out", tmp_path / "out", "--seed", SEED, "--quiet", "--lesson", 1
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "similarity.csv").read_text())))
    assert [(r["student_a"], r["student_b"]) for r in rows] == [("ann", "bob")]
    data = json.loads((tmp_path / "out" / "grades.json").read_text())
    points = {s["student"]: s["total"] for s in data["submissions"]}
    assert points["ann"] == points["bob"] > 0  # both right, neither docked
