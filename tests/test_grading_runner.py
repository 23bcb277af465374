"""The submission's process (cnncourse/grading/runner.py): timer, environment, confinement."""

import textwrap

import pytest
from conftest import (
    by_student,
    exercise,
)
from submissions.tiny import tiny_notebook

from cnncourse.exercises import for_lesson
from cnncourse.grading import (
    Grader,
    Settings,
    Submission,
    isolation,
    landlock,
)

LESSON1 = [e.id for e in for_lesson(1)]


@pytest.mark.slow
def test_a_timeout_says_how_long(crafted):
    _, _, out, _ = crafted
    verdict = exercise(by_student(out)[1]["loop_in_exercise"], "rgb_to_grayscale")
    assert verdict["status"] == "error"
    assert verdict["message"].startswith("timed out after 3 s")


@pytest.mark.slow
def test_the_submissions_process_holds_no_secret_and_cannot_reach_out(tmp_path):
    seed = 987654321
    probe = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        secret = str({seed - 1} + 1)  # not spelled out: this source is in the job's files
        places = [*os.environ.values(), *sys.argv]
        for path in Path("..").resolve().rglob("*"):  # everything the grader gave this process
            if path.is_file():
                places.append(path.read_bytes().decode("utf-8", "replace"))
        leaked = any(secret in text for text in places)
        try:
            os.kill(os.getppid(), 0)  # may this process signal the grader?
            signalled = True
        except PermissionError:
            signalled = False
        try:
            Path({str(tmp_path / "outside.txt")!r}).write_text("written")
            wrote = True
        except OSError:  # PermissionError (Landlock), FileNotFoundError (not in the sandbox)
            wrote = False
        """
    )
    path = tiny_notebook(
        tmp_path / "probe.ipynb",
        values={
            "q_values_in_image": ("n", "0 if leaked else 224 * 224 * 3"),
            "q_uint8_overflow": ("w", "0 if wrote else 44"),
            "q_brightest_weight": ("s", "'c' if signalled else 'b'"),
        },
        extra=[probe],
    )
    result = Grader(Settings(seed=seed)).grade(Submission(path, "probe"))
    verdicts = {e.id: e for e in result.exercises}
    assert verdicts["q_values_in_image"].passed, "the seed reached the submission's process"
    abi = landlock.abi_version()
    isolated = isolation.availability() == "bubblewrap"
    assert verdicts["q_uint8_overflow"].passed == (abi >= 1 or isolated)
    assert (tmp_path / "outside.txt").exists() == (abi < 1 and not isolated)
    assert verdicts["q_brightest_weight"].passed == (abi >= 6)
