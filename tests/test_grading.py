"""The grader: ``cnncourse grade`` and ``cnncourse check``, isolation, limits and outputs.

The crafted submissions (tests/submissions/crafted.py) are graded in ONE run of the
grader, two at a time, and each test below looks at one student's result. The
course's own notebooks are graded in a second run: solutions/ get full marks,
lessons/ nothing. The other tests use tiny notebooks that import no Keras.
"""

import contextlib
import csv
import io
import json
import os
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT
from submissions.crafted import FULL, STUDENTS, build_class

from cnncourse import __version__
from cnncourse.cli import main
from cnncourse.exercises import REGISTRY, VISIBLE_SEED, for_lesson
from cnncourse.grading import (
    Grader,
    GradingError,
    Settings,
    Submission,
    apply_roster,
    check_notebook,
    codec,
    find_submissions,
    landlock,
    read_roster,
)
from cnncourse.grading.notebook import (
    NotebookError,
    find_answers,
    python_source,
    read_notebook,
)

SEED = 12345
LESSON1 = [e.id for e in for_lesson(1)]


def run_cli(*args):
    """``cnncourse ARGS`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def by_student(folder):
    data = json.loads((Path(folder) / "grades.json").read_text(encoding="utf-8"))
    return data, {s["student"]: s for s in data["submissions"]}


def exercise(result, exercise_id):
    return next(e for e in result["exercises"] if e["id"] == exercise_id)


# --------------------------------------------------------------------------- the crafted class


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """Grade every crafted submission in one run: (exit code, stdout, out folder, expectations)."""
    root = tmp_path_factory.mktemp("crafted")
    out = root / "out"
    expect = build_class(root / "submissions", out)
    code, stdout, _ = run_cli(
        "grade", root / "submissions", "--out", out, "--workers", 2, "--seed", SEED,
        "--lesson", 1, "--exercise-timeout", 3, "--cell-timeout", 20, "--timeout", 90,
        "--quiet",
    )  # fmt: skip
    return code, stdout, out, expect


def test_the_grader_completes_and_exits_0(crafted):
    code, stdout, out, expect = crafted
    assert code == 0
    assert set(expect) == set(STUDENTS)
    assert f"graded {len(STUDENTS)} submissions in " in stdout
    assert "; 2 submissions failed to run" in stdout  # the truncated one and the non-notebook


@pytest.mark.parametrize("student", STUDENTS)
def test_each_crafted_submission_gets_the_points_it_earned_and_a_reason(crafted, student):
    _, _, out, expect = crafted
    result = by_student(out)[1][student]
    want = expect[student]
    assert (result["total"], result["max"]) == (want.total, FULL), result["exercises"]
    assert result["failed"] == want.failed
    earned = sum(e["points"] for e in result["exercises"] if e["passed"])
    assert earned == result["total"]
    for exercise_id, reason in want.reasons.items():
        verdict = exercise(result, exercise_id)
        assert not verdict["passed"] and verdict["points"] == 0
        assert reason in verdict["message"] + "\n" + verdict["details"], verdict
    for e in result["exercises"]:
        assert e["message"], e  # every verdict says why
        if e["id"] not in want.reasons and not want.failed and want.total == FULL:
            assert e["passed"], e
    errors = "\n".join(c["error"] for c in result["cell_errors"])
    for text in want.cell_errors:
        assert text in errors


def test_the_correct_one_gets_full_points_and_the_half_correct_one_exactly_its_share(crafted):
    _, _, out, expect = crafted
    results = by_student(out)[1]
    assert results["correct"]["total"] == FULL
    assert all(e["passed"] for e in results["correct"]["exercises"])
    wrong = set(expect["half"].reasons)
    share = sum(e.points for e in for_lesson(1) if e.id not in wrong)
    assert results["half"]["total"] == share == FULL // 2
    assert [e["id"] for e in results["half"]["exercises"] if e["passed"]] == [
        i for i in LESSON1 if i not in wrong
    ]


def test_a_timeout_says_how_long(crafted):
    _, _, out, _ = crafted
    verdict = exercise(by_student(out)[1]["loop_in_exercise"], "rgb_to_grayscale")
    assert verdict["status"] == "error"
    assert verdict["message"].startswith("timed out after 3 s")


def test_a_wrong_answer_shows_the_inputs_expected_and_got(crafted):
    _, _, out, _ = crafted
    verdict = exercise(by_student(out)[1]["half"], "rgb_to_grayscale")
    assert verdict["message"].startswith("wrong answer on case 1 of 11:")
    assert "image = array of shape (1, 1, 3), dtype uint8" in verdict["details"]
    assert "expected: array of shape (1, 1)" in verdict["details"]
    assert "got:" in verdict["details"]


def test_hard_coded_visible_answers_pass_the_check_but_not_the_grader(crafted):
    _, _, out, _ = crafted
    graded = exercise(by_student(out)[1]["hardcoded"], "rgb_to_grayscale")
    assert not graded["passed"]
    visible = check_notebook(out.parent / "submissions" / "hardcoded.ipynb")
    assert next(e for e in visible.exercises if e.id == "rgb_to_grayscale").passed
    assert visible.total == FULL


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


def test_feedback_markdown_lists_every_exercise_and_what_went_wrong(crafted):
    _, _, out, _ = crafted
    text = (out / "feedback" / "half.md").read_text(encoding="utf-8")
    assert text.startswith("# Feedback: lesson 1, half\n")
    for exercise_id in LESSON1:
        assert f"`{exercise_id}`" in text
    assert "## What to look at" in text and "changed its input" in text
    assert str(SEED) not in text  # the seed stays with the instructor


# --------------------------------------------------------------------------- the course's notebooks


#: The lessons graded here (every lesson's notebooks run in full; later ones train CNNs).
COURSE = ("01_*.ipynb", "02_*.ipynb", "03_*.ipynb")


def course_notebooks(folder):
    return [path for pattern in COURSE for path in sorted((ROOT / folder).glob(pattern))]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Lessons 1 to 3 of solutions/ and lessons/, graded in one run with the same seed."""
    out = tmp_path_factory.mktemp("course") / "out"
    code, stdout, _ = run_cli(
        "grade", *course_notebooks("solutions"), *course_notebooks("lessons"), "--out", out,
        "--workers", 2, "--seed", SEED, "--quiet",
    )  # fmt: skip
    return code, stdout, out


def course_results(out):
    results = by_student(out)[1]
    solutions = {k: v for k, v in results.items() if k[:2].isdigit() and not k.endswith("-2")}
    lessons = {k[:-2]: v for k, v in results.items() if k.endswith("-2")}
    return solutions, lessons


def test_the_solutions_get_full_marks(course):
    code, _, out = course
    assert code == 0
    solutions, _ = course_results(out)
    assert sorted(solutions) == sorted(p.stem for p in course_notebooks("solutions"))
    assert len(solutions) == len(COURSE)
    for name, result in solutions.items():
        assert result["lesson"] == int(name[:2])
        assert result["total"] == result["max"] == sum(e.points for e in for_lesson(int(name[:2])))


def test_the_blank_lessons_get_zero_with_not_implemented_reasons(course):
    _, _, out = course
    _, lessons = course_results(out)
    assert len(lessons) == len(COURSE)
    blank = {"function": "not implemented yet", "value": "not answered yet", "model": "not built"}
    for result in lessons.values():
        assert result["total"] == 0 and not result["failed"]
        for e in result["exercises"]:
            assert e["status"] == "not_done"
            assert blank[e["kind"]] in e["message"]


def test_no_other_submission_changes_a_result(crafted, course):
    """The correct crafted notebook, graded among broken ones, gets the same verdicts as the
    solution graded in another run with the same seed."""
    _, _, out, _ = crafted
    correct = by_student(out)[1]["correct"]["exercises"]
    solution = course_results(course[2])[0]["01_images"]["exercises"]
    assert correct == solution


# --------------------------------------------------------------------------- tiny notebooks

TINY = {
    "rgb_to_grayscale": "return image.astype(float) @ np.array([0.299, 0.587, 0.114])",
    "normalize": "return (image / 255).astype(np.float32)",
    "to_bgr": "return image[..., ::-1].copy()",
    "channel_means": "return image.reshape(-1, image.shape[-1]).mean(axis=0)",
}


def tiny_notebook(path, functions=TINY, values=None, lesson=1, extra=()):
    """A lesson-1 notebook with no Keras: one cell per function, then the values."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["cnncourse"] = {"lesson": lesson, "role": "lesson"}
    cells = ["import numpy as np\nfrom cnncourse.exercises import check", *extra]
    for name, body in functions.items():
        cells.append(f"def {name}(image):\n    {body}\n\n\n{name} = check.{name}({name})")
    for exercise_id, (name, value) in (values or {}).items():
        cells.append(f"{name} = {value}\ncheck.{exercise_id}({name});")
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return Path(path)


def test_same_seed_same_grades_another_seed_other_cases(tmp_path):
    # right on the fixed edge cases (1x1 pixels), wrong on the random ones
    right = TINY["rgb_to_grayscale"].removeprefix("return ")
    wrong = dict(
        TINY, rgb_to_grayscale=f"return {right} if image.shape[:2] == (1, 1) else image[..., 0]"
    )
    tiny_notebook(tmp_path / "in" / "ann.ipynb", wrong)
    runs = {}
    for name, seed in [("a", 7), ("b", 7), ("c", 8)]:
        code, _, _ = run_cli("grade", tmp_path / "in", "--out", tmp_path / name, "--seed", seed,
                             "--workers", 1, "--quiet")  # fmt: skip
        assert code == 0
        data, results = by_student(tmp_path / name)
        assert data["seed"] == seed
        runs[name] = results["ann"]["exercises"]
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]  # the failing case's inputs differ
    # without --seed: a fresh one, recorded
    run_cli("grade", tmp_path / "in", "--out", tmp_path / "d", "--quiet")
    assert by_student(tmp_path / "d")[0]["seed"] not in (7, VISIBLE_SEED)


def test_a_roster_names_the_students(tmp_path):
    tiny_notebook(tmp_path / "in" / "sub_001.ipynb")
    tiny_notebook(tmp_path / "in" / "sub_002.ipynb", dict(TINY, to_bgr="return image"))
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student\nsub_001.ipynb,Ada Lovelace\nsub_002.ipynb,alan\n")
    code, stdout, _ = run_cli("grade", tmp_path / "in", "--out", tmp_path / "out", "--roster",
                              roster, "--seed", 3, "--quiet")  # fmt: skip
    assert code == 0
    _, results = by_student(tmp_path / "out")
    assert set(results) == {"Ada_Lovelace", "alan"}
    assert results["Ada_Lovelace"]["total"] == 5  # the four functions
    assert results["alan"]["total"] == 5 - 1  # to_bgr wrong
    assert "graded 2 submissions" in stdout
    assert (tmp_path / "out" / "feedback" / "Ada_Lovelace.md").exists()


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
    assert stdout.rstrip().endswith("Score: 5/10")
    assert sorted(os.listdir(tmp_path)) == ["me.ipynb"]
    code, _, _ = run_cli("check", path, "--out", tmp_path / "mine")
    assert (tmp_path / "mine" / "feedback" / "me.md").exists()
    assert by_student(tmp_path / "mine")[0]["seed"] == VISIBLE_SEED


def test_check_of_a_broken_notebook_says_why(tmp_path):
    path = tmp_path / "01_mine.ipynb"
    path.write_text('{"cells": [')
    code, stdout, _ = run_cli("check", path)
    assert code == 1
    assert "its JSON is broken" in stdout and "Score: 0/10" in stdout
    assert run_cli("check", tmp_path / "nope.ipynb")[0] == 2


def test_the_lesson_comes_from_metadata_then_file_name_then_option(tmp_path):
    nb = tiny_notebook(tmp_path / "in" / "x.ipynb", lesson=None)
    nb.rename(tmp_path / "in" / "01_bob.ipynb")
    tiny_notebook(tmp_path / "in" / "carl.ipynb", lesson=None)
    run_cli("grade", tmp_path / "in", "--out", tmp_path / "out", "--quiet", "--seed", 1)
    _, results = by_student(tmp_path / "out")
    assert results["01_bob"]["lesson"] == 1 and results["01_bob"]["total"] == 5
    assert results["carl"]["failed"] and "--lesson" in results["carl"]["error"]
    run_cli("grade", tmp_path / "in" / "carl.ipynb", "--out", tmp_path / "o2", "--quiet",
            "--lesson", 1)  # fmt: skip
    assert by_student(tmp_path / "o2")[1]["carl"]["total"] == 5


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
        except PermissionError:
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
    assert verdicts["q_uint8_overflow"].passed == (abi >= 1)
    assert (tmp_path / "outside.txt").exists() == (abi < 1)
    assert verdicts["q_brightest_weight"].passed == (abi >= 6)


def test_a_model_exercise_is_compared_layer_by_layer(tmp_path):
    """Model exercises (lesson 5 will have some): a model, or a function that builds one."""
    from cnncourse.exercises import ModelExercise

    def reference():
        import keras

        return keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, activation="relu"),
             keras.layers.Flatten(), keras.layers.Dense(3)]
        )  # fmt: skip

    exercises = [
        ModelExercise(id=i, lesson=99, title=i, points=1, reference=reference)
        for i in ("m_model", "m_builder", "m_wrong", "m_blank", "m_not_a_model")
    ]
    source = textwrap.dedent(
        """
        import keras
        from cnncourse.exercises import check

        def build(units=3):
            return keras.Sequential([keras.Input((8, 8, 1)),
                                     keras.layers.Conv2D(2, 3, activation="relu"),
                                     keras.layers.Flatten(), keras.layers.Dense(units)])

        model = build()
        check.m_model(model)
        check.m_builder(build)
        wrong = build(4)
        check.m_wrong(wrong)
        blank = ...
        check.m_blank(blank)
        check.m_not_a_model(42)
        """
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, tmp_path / "m.ipynb")
    grader = Grader(Settings(seed=1, lesson=99), exercises=exercises)
    result = grader.grade(Submission(tmp_path / "m.ipynb", "m"))
    verdicts = {e.id: e for e in result.exercises}
    assert verdicts["m_model"].passed and verdicts["m_builder"].passed
    assert verdicts["m_wrong"].message.startswith("layer 3 (Dense): output shape should be")
    assert verdicts["m_blank"].status == "not_done"
    assert "expected a Keras model, got a int" in verdicts["m_not_a_model"].message
    assert result.total == 2


# --------------------------------------------------------------------------- the parts


def test_plain_data_round_trips_and_anything_else_travels_as_a_type_name(tmp_path):
    class Odd:
        pass

    value = (
        np.arange(6, dtype=np.float32).reshape(2, 3).view(np.recarray),  # a subclass: plain
        np.int16(3),
        [1, 2.5, "x", None, True, (1, 2)],
        {"k": np.bool_(True)},
        ...,
        Odd(),
        np.array([Odd()], dtype=object),
    )
    tree, arrays = codec.encode(value, tmp_path)
    codec.save_arrays(tmp_path, arrays)
    back = codec.decode(json.loads(json.dumps(tree)), tmp_path)
    assert type(back[0]) is np.ndarray and back[0].dtype == np.float32
    assert back[1] == 3 and back[1].dtype == np.int16
    assert back[2] == [1, 2.5, "x", None, True, (1, 2)]
    assert back[3] == {"k": True} and back[4] is Ellipsis
    assert isinstance(back[5], codec.Unsupported) and back[5].type_name.endswith("Odd")
    assert isinstance(back[6], codec.Unsupported) and "object" in back[6].type_name


def test_results_that_are_not_plain_data_are_refused(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(codec.CorruptData):
        codec.decode({"$array": "obj.npy"}, tmp_path)
    np.save(tmp_path / "ok.npy", np.zeros(3))
    data = (tmp_path / "ok.npy").read_bytes()
    (tmp_path / "short.npy").write_bytes(data[:-8])  # the header claims more than there is
    (tmp_path / "link.npy").symlink_to(tmp_path / "ok.npy")
    for name in ("short.npy", "link.npy", "../ok.npy", "missing.npy"):
        with pytest.raises(codec.CorruptData):
            codec.decode({"$array": name}, tmp_path)
    with pytest.raises(codec.CorruptData):
        codec.decode({"$eval": "__import__('os')"}, tmp_path)
    assert codec.decode({"$array": "ok.npy"}, tmp_path).tolist() == [0.0, 0.0, 0.0]


def test_answers_are_found_by_their_check_calls():
    cells = [
        "def grayscale(image):\n    return image\n\ngrayscale = check.rgb_to_grayscale(grayscale)",
        "%matplotlib inline\nanswer = 3\ncheck.q_values_in_image(answer)",
        "check.q_batch_shape((1, 2))",
        "def broken(:\n    pass\ncheck.to_bgr(broken)",
    ]
    sites = find_answers(cells)
    assert (sites["rgb_to_grayscale"].name, sites["rgb_to_grayscale"].cell) == ("grayscale", 0)
    assert sites["q_values_in_image"].name == "answer"
    assert sites["q_batch_shape"].name is None  # an expression: the runner uses the value
    assert sites["to_bgr"].cell == 3
    assert python_source("%time x = 1\n!ls\ny = 2") == "pass\npass\ny = 2"
    assert python_source("%%bash\necho hi") is None
    assert python_source("s = ('a'\n     % 3)") == "s = ('a'\n     % 3)"


def test_a_renamed_function_with_its_check_is_graded_under_its_new_name(tmp_path):
    path = tiny_notebook(tmp_path / "r.ipynb", {"to_bgr": TINY["to_bgr"]})
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = (
        nb.cells[1].source.replace("to_bgr", "swap").replace("check.swap", "check.to_bgr")
    )
    nbformat.write(nb, path)
    result = Grader(Settings(seed=2)).grade(Submission(path, "r"))
    assert next(e for e in result.exercises if e.id == "to_bgr").passed


def test_reading_notebooks_and_finding_submissions(tmp_path):
    for text, message in [("", "empty"), ("[1]", "not an object"), ("{}", "no list of cells")]:
        (tmp_path / "bad.ipynb").write_text(text)
        with pytest.raises(NotebookError, match=message):
            read_notebook(tmp_path / "bad.ipynb")
    tiny_notebook(tmp_path / "class" / "alice" / "01_images.ipynb")
    tiny_notebook(tmp_path / "class" / "bob" / "01_images.ipynb")
    tiny_notebook(tmp_path / "class" / "carol.ipynb")
    tiny_notebook(tmp_path / "class" / ".ipynb_checkpoints" / "carol-checkpoint.ipynb")
    tiny_notebook(tmp_path / "other" / "carol.ipynb")
    subs = find_submissions([tmp_path / "class", tmp_path / "other" / "carol.ipynb"])
    assert [s.student for s in subs] == ["alice", "bob", "carol", "carol-2"]
    with pytest.raises(GradingError):
        find_submissions([tmp_path / "nowhere"])
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student\nalice/01_images.ipynb,Alice A.\n")
    warnings = []
    renamed = apply_roster(subs, read_roster(roster), warnings.append)
    assert renamed[0].student == "Alice_A." and len(warnings) == 3  # bob and two carols


def test_every_exercise_kind_in_the_registry_can_be_graded():
    assert {e.kind for e in REGISTRY.values()} <= {"function", "value", "model"}
