"""The commands: ``cnncourse grade`` and ``cnncourse check``, their exit codes and what they print.

``crafted`` (tests/conftest.py) grades the crafted submissions (tests/submissions/crafted.py)
in one run, two at a time; the other tests use tiny notebooks that import no Keras.
"""

import os

import pytest
from conftest import (
    by_student,
    run_cli,
)
from submissions.crafted import FULL, STUDENTS
from submissions.tiny import TINY, tiny_notebook

from cnncourse.exercises import VISIBLE_SEED, for_lesson

LESSON1 = [e.id for e in for_lesson(1)]


@pytest.mark.slow
def test_the_grader_completes_and_exits_0(crafted):
    code, stdout, out, expect = crafted
    assert code == 0
    assert set(expect) == set(STUDENTS)
    assert f"graded {len(STUDENTS)} submissions in " in stdout
    assert "; 2 submissions failed to run" in stdout  # the truncated one and the non-notebook


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no_submissions", "no submissions"),
        ("missing_path", "no such file"),
        ("bad_roster", "roster"),
        ("roster_columns", "columns file and student"),
        ("unwritable_out", "cannot write"),
    ],
)
def test_the_graders_own_failures_exit_2(tmp_path, setup, message):
    folder = tmp_path / "in"
    folder.mkdir()
    args = ["grade", folder, "--out", tmp_path / "out", "--quiet"]
    if setup != "no_submissions":
        tiny_notebook(folder / "ann.ipynb")
    if setup == "missing_path":
        args[1] = tmp_path / "nope"
    elif setup == "bad_roster":
        args += ["--roster", tmp_path / "missing.csv"]
    elif setup == "roster_columns":
        (tmp_path / "r.csv").write_text("name,id\nann,1\n")
        args += ["--roster", tmp_path / "r.csv"]
    elif setup == "unwritable_out":
        (tmp_path / "out").write_text("a file where the folder should be")
    code, stdout, stderr = run_cli(*args)
    assert code == 2
    assert message in stderr
    assert not (tmp_path / "out").is_dir()


@pytest.mark.slow
def test_check_prints_the_score_and_writes_nothing(tmp_path, monkeypatch):
    path = tiny_notebook(
        tmp_path / "me.ipynb",
        dict(TINY, normalize="return image / 255"),
        values={"q_values_in_image": ("n", "224 * 224 * 3")},
    )
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run_cli("check", path)
    assert code == 0
    assert "✅ rgb_to_grayscale (2/2): passed all 11 cases." in stdout
    assert "❌ normalize (0/1): wrong answer on case 1 of 10: wrong dtype" in stdout
    assert "✅ q_values_in_image (1/1): correct." in stdout
    assert "📝 q_batch_shape (0/1): answer not found" in stdout
    assert stdout.rstrip().endswith(f"Score: 5/{FULL}")

    assert sorted(os.listdir(tmp_path)) == ["me.ipynb"]
    code, _, _ = run_cli("check", path, "--out", tmp_path / "mine")
    assert (tmp_path / "mine" / "feedback" / "me.md").exists()
    assert by_student(tmp_path / "mine")[0]["seed"] == VISIBLE_SEED


def test_check_of_a_broken_notebook_says_why(tmp_path):
    path = tmp_path / "01_mine.ipynb"
    path.write_text('{"cells": [')
    code, stdout, _ = run_cli("check", path)
    assert code == 1
    assert "its JSON is broken" in stdout and f"Score: 0/{FULL}" in stdout
    assert run_cli("check", tmp_path / "nope.ipynb")[0] == 2
