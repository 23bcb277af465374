"""The issue's seven attacks on the grader's sandbox, graded in one run with a correct notebook.

The class run (the ``attacks`` fixture) needs bubblewrap: without it, a notebook can read
outside its folder, leave processes behind and reach 127.0.0.1 (the README says so), and
these tests are skipped. The decoder's budget, the lesson choice and the caps on feedback
are tested without a child process too.
"""

import csv
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ATTACK_SEED, by_student
from submissions.crafted import FULL

from cnncourse.grading import Submission, assign_lessons, codec, isolation, sandbox
from cnncourse.grading.grader import MAX_MESSAGE

ISOLATED = isolation.availability() == "bubblewrap"
needs_bwrap = pytest.mark.skipif(
    not ISOLATED, reason=f"the attacks need bubblewrap: {isolation.availability()}"
)
#: The grader's own peak memory (resident) while it grades the attacks, 2 at a time.
GRADER_MEMORY_BOUND_MB = 1000


# --------------------------------------------------------------------------- the class run


@pytest.fixture(scope="module")
def run(attacks):
    return attacks


@pytest.mark.slow
@needs_bwrap
def test_the_run_completes_and_the_correct_notebook_keeps_full_marks(run):
    assert run["proc"].returncode == 0, run["proc"].stderr[-3000:]
    data, results = by_student(run["out"])
    assert data["isolation"] == "bubblewrap"
    assert results["correct"]["total"] == FULL
    assert sorted(results) == sorted(run["students"])


@pytest.mark.slow
@needs_bwrap
def test_grades_csv_is_the_graders(run):
    rows = list(csv.DictReader(io.StringIO(run["csv"])))
    assert sorted(r["student"] for r in rows) == sorted(run["students"])
    assert "hacker" not in run["csv"] and "999" not in run["csv"]


@pytest.mark.slow
@needs_bwrap
def test_a_module_dropped_for_the_rerun_is_not_imported(run):
    result = by_student(run["out"])[1]["escape_rerun"]
    assert result["error"] is None and result["runs"] == 2
    assert result["total"] == FULL  # graded without the cell that killed its process
    assert not (run["outside"] / "escaped").exists()


@pytest.mark.slow
@needs_bwrap
def test_limits_and_signals_reach_no_other_process(run):
    result = by_student(run["out"])[1]["signals_and_limits"]
    assert result["total"] == FULL and result["error"] is None


@pytest.mark.slow
@needs_bwrap
def test_a_file_referenced_many_times_is_refused_and_the_grader_stays_small(run):
    result = by_student(run["out"])[1]["decoder_bomb"]
    messages = " ".join(e["message"] for e in result["exercises"])
    assert "referenced more than once" in messages
    assert run["maxrss_kb"] is not None
    assert run["maxrss_kb"] / 1024 < GRADER_MEMORY_BOUND_MB, run["maxrss_kb"]


@pytest.mark.slow
@needs_bwrap
def test_nothing_outlives_the_run(run):
    alive = []
    for pid in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if run["token"] in cmdline:
            alive.append((pid, cmdline))
    assert not alive
    assert not list(Path("/dev/shm").glob(f"junk-{run['token']}*"))
    assert not list(Path("/tmp").glob(f"junk-{run['token']}*"))
    assert by_student(run["out"])[1]["outlives"]["total"] == FULL


@pytest.mark.slow
@needs_bwrap
def test_nothing_outside_is_read_and_no_listener_is_reached(run):
    text = (run["out"] / "feedback" / "reads_and_talks.md").read_text(encoding="utf-8")
    for what in ("secret", "solutions", "submission"):
        assert f"READ-{what}" not in text
    assert "DID-" not in text and run["word"] not in text
    # /proc holds the sandbox's processes only: bwrap's command line hides its options
    assert str(ATTACK_SEED) not in text and "--seed" not in text
    assert "cnncourse-grade-" not in text and "--ro-bind" not in text
    assert run["contacts"] == []
    assert len(text) < 20_000  # the 140 kB answer was cut short
    assert not list(run["outside"].iterdir())[1:]  # only the secret file


@pytest.mark.slow
@needs_bwrap
def test_the_terminal_cannot_be_written_or_typed_into(run):
    text = (run["out"] / "feedback" / "terminal.md").read_text(encoding="utf-8")
    assert "DID-" not in text
    assert not Path("/tmp/pwned").exists()


@pytest.mark.slow
@needs_bwrap
def test_the_lesson_is_the_classs_not_the_notebooks(run):
    result = by_student(run["out"])[1]["wrong_lesson"]
    assert result["lesson"] == 1 and result["total"] == FULL
    assert "wrong_lesson.ipynb: its metadata says lesson 2" in run["proc"].stderr


# --------------------------------------------------------------------------- no child


def _npy(folder: Path, name: str, array: np.ndarray) -> None:
    codec.save_arrays(folder, {name: array})


def test_the_decoder_refuses_a_file_referenced_twice(tmp_path):
    _npy(tmp_path, "a.npy", np.zeros(3))
    with pytest.raises(codec.CorruptData, match="more than once"):
        codec.decode([{"$array": "a.npy"}, {"$array": "a.npy"}], tmp_path)


def test_the_decoder_budget_is_shared_by_a_whole_result(tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    for i in range(3):
        _npy(folder, f"c{i}.npy", np.zeros(2_000_000))
    result = {
        "answer": "found",
        "outputs": [{"got": {"$array": f"c{i}.npy"}} for i in range(3)],
        "stopped": None,
    }
    (tmp_path / "ex.json").write_text(json.dumps(result))
    with pytest.raises(codec.CorruptData, match="too many array elements"):
        sandbox._read_result(tmp_path, "ex", max_outputs=3)
    with pytest.raises(codec.CorruptData, match="outputs for 2 cases"):
        sandbox._read_result(tmp_path, "ex", max_outputs=2)
    with pytest.raises(codec.CorruptData, match="list items"):
        codec.decode([[0] * 10] * 10, tmp_path, budget=codec.Budget(items=50))


def test_the_lesson_is_the_instructors_choice(tmp_path):
    from submissions.tiny import tiny_notebook

    paths = [tiny_notebook(tmp_path / f"s{i}.ipynb") for i in range(3)]
    paths.append(tiny_notebook(tmp_path / "odd.ipynb", lesson=2))
    paths.append(tiny_notebook(tmp_path / "01_named.ipynb", lesson=3))
    subs = [Submission(p, p.stem) for p in paths]
    warnings = []
    lessons = [s.lesson for s in assign_lessons(subs, None, warnings.append)]
    assert lessons == [1, 1, 1, 1, 1]
    assert any("odd.ipynb" in w and "lesson 2" in w for w in warnings)
    assert any("01_named.ipynb" in w and "lesson 3" in w for w in warnings)
    assert {s.lesson for s in assign_lessons(subs, 4, warnings.append)} == {4}


def test_messages_in_the_feedback_are_capped():
    from cnncourse.exercises import for_lesson
    from cnncourse.grading import Grader, Settings

    grader = Grader(Settings(seed=1))
    verdict = grader._result(for_lesson(1)[0], "failed", "x" * 100_000, "y" * 100_000)
    assert len(verdict.message) <= MAX_MESSAGE and len(verdict.details) <= 3000
