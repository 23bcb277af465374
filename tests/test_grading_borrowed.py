"""No borrowed answers: a function that reaches the course's reference scores 0, with the reason.

Every route of the issue (a wrapper, an alias taken at import, ``importlib``, ``getattr`` on
the module, a copy of the function object, the watch turned off) is tried through the inline
check in this process and through the grader on crafted lesson-1 notebooks
(tests/submissions/attacks.py); an honest answer that uses NumPy keeps its marks, and the
grader's own calls of the reference (its expected outputs) are never flagged.
"""

import importlib
import sys
import threading
import types

import numpy as np
import pytest
from conftest import SEED, by_student, exercise, run_cli
from submissions.attacks import BORROWERS, build_borrowed
from submissions.crafted import FULL

import cnncourse.images
from cnncourse.exercises import (
    FAILED,
    PASSED,
    Case,
    FunctionExercise,
    exact,
    get,
    run_check,
)
from cnncourse.exercises._borrowed import REFERENCE_REASON, watch, watch_list

REASON = f"{REFERENCE_REASON} (cnncourse.images.rgb_to_grayscale)"
_alias = cnncourse.images.rgb_to_grayscale


def _wrapper(image):
    return cnncourse.images.rgb_to_grayscale(image)


def _aliased(image):
    return _alias(image)


def _through_importlib(image):
    return importlib.import_module("cnncourse.images").rgb_to_grayscale(image)


def _through_getattr(image):
    return sys.modules["cnncourse.images"].rgb_to_grayscale(image)


_ref = cnncourse.images.rgb_to_grayscale
_copy = types.FunctionType(_ref.__code__, _ref.__globals__, "mine", _ref.__defaults__)
_copy.__module__, _copy.__doc__ = __name__, None  # no doctest of its own
_replaced = types.FunctionType(_ref.__code__.replace(), _ref.__globals__, "x", _ref.__defaults__)


def _copied(image):
    return _copy(image)


def _code_replaced(image):
    return _replaced(image)


def _in_a_thread(image):
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("v", _alias(image)))
    thread.start()
    thread.join()
    return out["v"]


def _honest(image):
    return image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


BORROWING = [
    _wrapper,
    _aliased,
    _through_importlib,
    _through_getattr,
    _copied,
    _code_replaced,
    _in_a_thread,
]


@pytest.mark.parametrize("answer", BORROWING, ids=lambda f: f.__name__)
def test_the_inline_check_says_the_reference_was_used(answer, capsys):
    result = get("rgb_to_grayscale").grade(answer)
    assert result.status == FAILED
    assert result.message.startswith(REASON), result.message
    run_check(get("rgb_to_grayscale"), answer)
    assert REFERENCE_REASON in capsys.readouterr().out


def test_turning_the_watch_off_is_caught():
    def answer(image):
        watcher = sys.getprofile()
        sys.setprofile(None)
        try:
            return _alias(image)
        finally:
            sys.setprofile(watcher)

    result = get("rgb_to_grayscale").grade(answer)
    assert result.status == FAILED and "turns off the grader's watch" in result.message


def test_an_honest_answer_with_numpy_passes_and_the_profiler_is_put_back():
    def outer(frame, event, arg):
        return None

    sys.setprofile(outer)
    try:
        result = get("rgb_to_grayscale").grade(_honest)
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)
    assert result.status == PASSED, result.message
    assert threading.getprofile() is None


def test_another_exercises_reference_is_allowed():
    # pad_same's solution calls same_padding, which may be the reference handed back by check
    from cnncourse import shapes

    def pad_same(x, kernel_size, stride):
        rows = shapes.same_padding(kernel_size, stride, x.shape[0])
        columns = shapes.same_padding(kernel_size, stride, x.shape[1])
        return np.pad(x, (rows, columns, (0, 0)))

    assert get("pad_same").grade(pad_same).status == PASSED


def test_a_forbidden_call_scores_zero_with_its_reason():
    # no lesson forbids a NumPy function yet: lesson 3's pad_same may use np.pad (its
    # notebook's own solution does), so the mechanism is tried on an exercise made here
    pad = FunctionExercise(
        "pad_demo",
        lesson=0,
        title="Pad by one",
        points=1,
        reference=lambda x: np.concatenate([[0.0], x, [0.0]]),
        compare=exact(),
        edge_cases=(Case((np.ones(2),)),),
        n_random=0,
        forbidden=(("numpy.pad", "write the padding by hand"),),
    )
    result = pad.grade(lambda x: np.pad(x, 1))
    assert result.status == FAILED
    assert "numpy.pad" in result.message and "write the padding by hand" in result.message
    by_hand = pad.grade(lambda x: np.concatenate([np.zeros(1), x, np.zeros(1)]))
    assert by_hand.status == PASSED


def test_the_watch_sees_only_its_block():
    watched = watch_list([cnncourse.images.rgb_to_grayscale])
    with watch(watched) as seen:
        _honest(np.zeros((1, 1, 3)))
    _alias(np.zeros((1, 1, 3)))  # after the block: not seen
    assert seen.found == ""
    assert sys.getprofile() is None


# --------------------------------------------------------------------------- the grader


@pytest.fixture(scope="module")
def borrowed(tmp_path_factory):
    root = tmp_path_factory.mktemp("borrowed")
    out = root / "out"
    students = build_borrowed(root / "submissions")
    code, _, _ = run_cli(
        "grade", root / "submissions", "--out", out, "--workers", 2, "--seed", SEED,
        "--lesson", 1, "--exercise-timeout", 5, "--cell-timeout", 30, "--timeout", 120,
        "--quiet",
    )  # fmt: skip
    return code, out, students


@pytest.mark.slow
def test_the_grader_gives_zero_for_every_borrowed_answer(borrowed):
    code, out, students = borrowed
    assert code == 0
    results = by_student(out)[1]
    assert sorted(results) == sorted(students)
    for student in BORROWERS:
        verdict = exercise(results[student], "rgb_to_grayscale")
        assert verdict["points"] == 0, (student, verdict)
        if student == "unwatched":
            assert "turns off the grader's watch" in verdict["message"], verdict
        else:
            assert verdict["message"].startswith(REASON), (student, verdict["message"])
        # the other exercises keep their marks
        assert results[student]["total"] == FULL - verdict["max_points"], student


@pytest.mark.slow
def test_the_grader_keeps_full_marks_for_the_honest_notebook(borrowed):
    results = by_student(borrowed[1])[1]
    assert results["correct"]["total"] == FULL
