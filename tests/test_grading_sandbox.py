"""A submission's process within limits (cnncourse/grading/sandbox.py): time, and its outputs."""

import csv

import pytest
from conftest import (
    SEED,
    by_student,
)
from submissions.crafted import FULL, STUDENTS
from submissions.tiny import tiny_notebook

from cnncourse import __version__
from cnncourse.exercises import for_lesson
from cnncourse.grading import (
    Grader,
    Settings,
    Submission,
    landlock,
)

LESSON1 = [e.id for e in for_lesson(1)]


@pytest.mark.slow
def test_a_submission_over_its_time_limit_keeps_what_was_graded(tmp_path):
    path = tiny_notebook(
        tmp_path / "slow.ipynb",
        values={"q_values_in_image": ("n", "224 * 224 * 3")},
        extra=["import time\ntime.sleep(1.5)"] * 4,
    )
    grader = Grader(Settings(seed=1, timeout=3, cell_timeout=60, exercise_timeout=2))
    result = grader.grade(Submission(path, "slow"))
    assert result.failed and "time limit of 3 s" in result.error
    assert result.total == 0
    assert all("not graded" in e.message for e in result.exercises)


@pytest.mark.slow
def test_a_submission_cannot_change_the_outputs(crafted):
    _, _, out, expect = crafted
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == sorted(STUDENTS)
    assert list(rows[0]) == ["student", *LESSON1, "total", "max"]
    for row in rows:
        assert int(row["total"]) == expect[row["student"]].total
        assert row["max"] == str(FULL)
    data, _ = by_student(out)
    assert data["seed"] == SEED and data["cnncourse_version"] == __version__
    assert data["summary"]["submissions"] == len(STUDENTS)
    for student in STUDENTS:
        text = (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")
        assert "HACKED" not in text
        assert f"**Score: {expect[student].total} / {FULL}**" in text
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    if landlock.abi_version() >= 1:  # the writes themselves were refused
        errors = [c["error"] for c in by_student(out)[1]["noisy"]["cell_errors"]]
        assert any("PermissionError" in e for e in errors), errors
