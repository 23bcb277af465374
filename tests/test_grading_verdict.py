"""One verdict: the inline check and the grader judge the same wrong answers with the same words.

The inline path is ``exercise.grade(answer)`` (what ``check.<id>`` prints). The grader path
runs the answer with the runner's own functions in this process (no child process), writes
and reads back the result files as the sandbox does, and judges them with the grader's
``_judge``; the tags, icons and limits each have one home.
"""

import dataclasses

import numpy as np
import pytest

from cnncourse.cli import main
from cnncourse.exercises import ICONS, REGISTRY, VISIBLE_SEED, icon
from cnncourse.exercises import _verdict as verdict
from cnncourse.grading import Grader, Settings, protocol, runner, sandbox
from cnncourse.grading.grader import ExerciseResult, answer_outcome
from cnncourse.grading.report import feedback_markdown


def not_implemented(*args, **kwargs):
    raise NotImplementedError("your code here")


def in_place(image):
    image[...] = image[..., ::-1]
    return image


def wrong_activation():
    import keras

    model = REGISTRY["build_from_table"].reference()
    model.layers[0].activation = keras.activations.tanh
    return model


def graded(tmp_path, monkeypatch, exercise_id, answer, name="answer"):
    """The grader's verdict on ``answer``, as if it came back from a submission's process."""
    monkeypatch.setattr(runner, "_is_ndarray_type", np.ndarray)  # main() sets it in the child
    exercise = REGISTRY[exercise_id]
    grader = Grader(Settings(seed=VISIBLE_SEED, exercise_timeout=5))
    plan = grader.plan(exercise.lesson)
    spec = {"id": exercise.id, "kind": exercise.kind, "name": name}
    cases = [(c.args, c.kwargs) for c in plan.cases.get(exercise.id, [])]
    result, files = runner.run_exercise(spec, {name: answer}, {}, cases, 5.0)
    runner._write_result(tmp_path, exercise.id, result, files)
    raw = sandbox._read_result(tmp_path, exercise.id)
    return grader._judge(plan, exercise, spec, raw, [], sandbox.Outcome())


SAME = [
    ("normalize", lambda image: None, "returned None on case 1 of 10"),
    ("to_bgr", in_place, "changed its input on case 1 of 9"),
    ("normalize", lambda image: image.astype(np.float64) / 255, "wrong answer on case 1 of 10"),
    ("normalize", lambda image: image[10, 10], "raised an error on case 1 of 10."),
    ("normalize", not_implemented, "not implemented yet."),
    ("normalize", ..., "not implemented yet."),
    ("normalize", 42, "expected a function, got int."),
    ("build_from_table", wrong_activation, "layer 1 (Conv2D): activation should be 'relu'"),
    ("build_from_table", not_implemented, "not built yet."),
    ("build_from_table", 42, "expected a Keras model, got int."),
    ("q_values_in_image", 1, "1 is not right."),
    ("q_brightest_weight", "q", "'q' is not one of the choices"),
    ("q_values_in_image", ..., "not answered yet."),
]


@pytest.mark.parametrize(("exercise_id", "answer", "message"), SAME)
def test_the_inline_check_and_the_grader_give_the_same_verdict(
    tmp_path, monkeypatch, exercise_id, answer, message
):
    inline = REGISTRY[exercise_id].grade(answer)
    grade = graded(tmp_path, monkeypatch, exercise_id, answer)
    assert message in inline.message
    assert (grade.status, grade.message) == (inline.status, inline.message)
    if inline.status == verdict.ERROR and inline.details:  # where the error is differs
        assert inline.details.splitlines()[0] == grade.details.splitlines()[0]
        assert "IndexError" in inline.details and "IndexError" in grade.details
    else:
        assert grade.details == inline.details


def test_the_wrong_answer_details_show_the_same_inputs_expected_and_got(tmp_path, monkeypatch):
    answer = lambda image: (image / 255).astype(np.float32)[..., :1]  # noqa: E731
    inline = REGISTRY["normalize"].grade(answer)
    grade = graded(tmp_path, monkeypatch, "normalize", answer)
    assert inline.message == grade.message
    assert inline.message.startswith("wrong answer on case 1 of 10: wrong shape")
    assert grade.details == inline.details and "expected:" in grade.details


def test_a_passing_answer_passes_both_ways(tmp_path, monkeypatch):
    def mine(image):
        return image.astype(float) @ np.array([0.299, 0.587, 0.114])

    inline = REGISTRY["rgb_to_grayscale"].grade(mine)
    grade = graded(tmp_path, monkeypatch, "rgb_to_grayscale", mine)
    assert inline.message == grade.message == "passed all 11 cases."
    assert grade.points == grade.max_points == 2


def test_the_course_reference_is_refused_by_the_grader(tmp_path, monkeypatch):
    from cnncourse import images

    grade = graded(tmp_path, monkeypatch, "normalize", images.normalize)
    assert grade.status == verdict.FAILED
    assert "reference implementation (cnncourse.images.normalize)" in grade.message


def test_outcomes_that_only_the_grader_sees_are_judged_by_the_same_function():
    exercise = REGISTRY["normalize"]
    cases = exercise.cases()
    timeout = answer_outcome({"answer": protocol.TIMED_OUT}, 3)
    assert verdict.judge(exercise, timeout, cases).message == "timed out after 3 s."
    stopped = {"answer": protocol.FOUND, "outputs": [], "stopped": {"case": 0, "kind": "timeout"}}
    message = verdict.judge(exercise, answer_outcome(stopped, 2), cases).message
    assert message == "timed out after 2 s (on case 1 of 10)."
    short = answer_outcome({"answer": protocol.FOUND, "outputs": [], "stopped": None}, 2)
    assert verdict.judge(exercise, short, cases).message == "no output came back for case 1 of 10."


def test_one_icon_map():
    assert ICONS == {"passed": "✅", "failed": "❌", "error": "❌", "not_done": "📝"}
    assert icon("something else") == "❌"
    result = ExerciseResult("e", "E", "value", verdict.NOT_DONE, 0, 1, "not answered yet.")
    assert result.report().startswith("📝 e (0/1):")
    assert verdict.Result("e", verdict.PASSED, "correct.").report() == "✅ e: correct."
    from cnncourse.grading.grader import SubmissionResult

    text = feedback_markdown(SubmissionResult("s", "s.ipynb", 1, [result]), "0")
    assert "| 📝 | `e`: E |" in text


def test_the_tags_are_defined_once_and_differ():
    answers = [protocol.FOUND, protocol.STUB, protocol.NOT_CALLABLE, protocol.NOT_MODEL]
    answers += [protocol.RAISED, protocol.TIMED_OUT, protocol.MISSING, protocol.REFERENCE]
    answers += [protocol.KILLED, protocol.CORRUPT]
    assert len(set(answers)) == len(answers)
    assert protocol.STUB is verdict.STUB and protocol.NOT_IMPLEMENTED is verdict.NOT_IMPLEMENTED
    steps = [protocol.STEP_LIMITS, protocol.STEP_CELL, protocol.STEP_TIMEOUT]
    steps += [protocol.STEP_EXERCISE, protocol.CELLS_DONE, protocol.DONE]
    assert len(set(steps)) == len(steps)


def test_the_limits_have_one_default(capsys):
    limits = sandbox.DEFAULT_LIMITS
    assert (limits.timeout, limits.cell_timeout, limits.exercise_timeout, limits.memory_mb) == (
        120,
        60,
        10,
        4096,
    )
    settings = Settings(seed=1)
    # the CPU share depends on the workers; everything else is the one default
    assert dataclasses.replace(Grader(settings).limits(), cpus=limits.cpus) == limits
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in ("(default: 120)", "(default: 60)", "(default: 10)", "(default: 4096)"):
        assert default in text
