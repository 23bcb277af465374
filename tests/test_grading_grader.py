"""The grader (cnncourse/grading/grader.py): points, verdicts, seeds and lessons.

``crafted`` (tests/conftest.py) grades the crafted submissions in one run and each test looks
at one student's result; ``course`` grades the course's own notebooks: solutions/ get full
marks, lessons/ nothing.
"""

import textwrap

import nbformat
import pytest
from conftest import (
    COURSE,
    by_student,
    course_notebooks,
    course_results,
    exercise,
    run_cli,
)
from submissions.crafted import FULL, STUDENTS
from submissions.tiny import TINY, tiny_notebook

from cnncourse.exercises import REGISTRY, VISIBLE_SEED, for_lesson
from cnncourse.grading import (
    Grader,
    Settings,
    Submission,
    check_notebook,
)

LESSON1 = [e.id for e in for_lesson(1)]


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_correct_one_gets_full_points_and_the_half_correct_one_exactly_its_share(crafted):
    _, _, out, expect = crafted
    results = by_student(out)[1]
    assert results["correct"]["total"] == FULL
    assert all(e["passed"] for e in results["correct"]["exercises"])
    wrong = set(expect["half"].reasons)
    share = sum(e.points for e in for_lesson(1) if e.id not in wrong)
    assert results["half"]["total"] == share == FULL - 5
    assert [e["id"] for e in results["half"]["exercises"] if e["passed"]] == [
        i for i in LESSON1 if i not in wrong
    ]


@pytest.mark.slow
def test_a_wrong_answer_shows_the_inputs_expected_and_got(crafted):
    _, _, out, _ = crafted
    verdict = exercise(by_student(out)[1]["half"], "rgb_to_grayscale")
    assert verdict["message"].startswith("wrong answer on case 1 of 11:")
    assert "image = array of shape (1, 1, 3), dtype uint8" in verdict["details"]
    assert "expected: array of shape (1, 1)" in verdict["details"]
    assert "got:" in verdict["details"]


@pytest.mark.slow
def test_hard_coded_visible_answers_pass_the_check_but_not_the_grader(crafted):
    _, _, out, _ = crafted
    graded = exercise(by_student(out)[1]["hardcoded"], "rgb_to_grayscale")
    assert not graded["passed"]
    visible = check_notebook(out.parent / "submissions" / "hardcoded.ipynb")
    assert next(e for e in visible.exercises if e.id == "rgb_to_grayscale").passed
    assert visible.total == FULL


@pytest.mark.slow
def test_the_solutions_get_full_marks(course):
    code, _, out = course
    assert code == 0
    solutions, _ = course_results(out)
    assert sorted(solutions) == sorted(p.stem for p in course_notebooks("solutions"))
    assert len(solutions) == len(COURSE)
    for name, result in solutions.items():
        assert result["lesson"] == int(name[:2])
        assert result["total"] == result["max"] == sum(e.points for e in for_lesson(int(name[:2])))


@pytest.mark.slow
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


@pytest.mark.slow
def test_no_other_submission_changes_a_result(crafted, course):
    """The correct crafted notebook, graded among broken ones, gets the same verdicts as the
    solution graded in another run with the same seed."""
    _, _, out, _ = crafted
    correct = by_student(out)[1]["correct"]["exercises"]
    solution = course_results(course[2])[0]["01_images"]["exercises"]
    assert correct == solution


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_lesson_comes_from_the_option_then_file_name_then_the_class(tmp_path):
    nb = tiny_notebook(tmp_path / "in" / "x.ipynb", lesson=None)
    nb.rename(tmp_path / "in" / "01_bob.ipynb")
    tiny_notebook(tmp_path / "in" / "carl.ipynb", lesson=None)
    run_cli("grade", tmp_path / "in", "--out", tmp_path / "out", "--quiet", "--seed", 1)
    _, results = by_student(tmp_path / "out")
    assert results["01_bob"]["lesson"] == 1 and results["01_bob"]["total"] == 5
    assert results["carl"]["lesson"] == 1 and results["carl"]["total"] == 5  # the class's
    run_cli("grade", tmp_path / "in" / "carl.ipynb", "--out", tmp_path / "o1", "--quiet")
    carl = by_student(tmp_path / "o1")[1]["carl"]
    assert carl["failed"] and "--lesson" in carl["error"]  # alone, nothing says
    run_cli("grade", tmp_path / "in" / "carl.ipynb", "--out", tmp_path / "o2", "--quiet",
            "--lesson", 1)  # fmt: skip
    assert by_student(tmp_path / "o2")[1]["carl"]["total"] == 5


@pytest.mark.slow
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
    assert "expected a Keras model, got int" in verdicts["m_not_a_model"].message
    assert result.total == 2


def test_every_exercise_kind_in_the_registry_can_be_graded():
    assert {e.kind for e in REGISTRY.values()} <= {"function", "value", "model"}
