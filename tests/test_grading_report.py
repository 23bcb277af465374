"""What the grader writes (cnncourse/grading/report.py): the feedback a student reads."""

import pytest
from conftest import (
    SEED,
)

from cnncourse.exercises import for_lesson

LESSON1 = [e.id for e in for_lesson(1)]


@pytest.mark.slow
def test_feedback_markdown_lists_every_exercise_and_what_went_wrong(crafted):
    _, _, out, _ = crafted
    text = (out / "feedback" / "half.md").read_text(encoding="utf-8")
    assert text.startswith("# Feedback: lesson 1, half\n")
    for exercise_id in LESSON1:
        assert f"`{exercise_id}`" in text
    assert "## What to look at" in text and "changed its input" in text
    assert str(SEED) not in text  # the seed stays with the instructor
