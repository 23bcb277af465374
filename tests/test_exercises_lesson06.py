"""Lesson 6's exercises: the references pass, wrong answers fail with messages that say which
part (dx, dkernel, dbias; loss, dlogits; params, velocity) is wrong and by how much."""

import numpy as np
import pytest

from cnncourse import backprop
from cnncourse.exercises import FAILED, NOT_DONE, PASSED, check, for_lesson
from cnncourse.exercises import lesson06 as m

FUNCTIONS = [e for e in for_lesson(6) if e.kind == "function"]
VALUES = [e for e in for_lesson(6) if e.kind == "value"]


def nudged(value):
    """``value`` with 1 added to every number, keeping tuples, lists and dicts."""
    if isinstance(value, dict):
        return {key: nudged(v) for key, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(nudged(v) for v in value)
    return np.asarray(value) + 1


def test_lesson_6_has_four_coding_exercises_and_a_quiz():
    ids = [e.id for e in for_lesson(6)]
    assert ids[:4] == [
        "conv2d_backward",
        "max_pool2d_backward",
        "softmax_cross_entropy",
        "sgd_momentum_step",
    ]
    assert len(VALUES) >= 3


@pytest.mark.parametrize("exercise", FUNCTIONS, ids=lambda e: e.id)
def test_reference_passes_and_a_nudged_or_missing_answer_does_not(exercise):
    assert exercise.grade(exercise.reference).status == PASSED
    assert exercise.grade(lambda *a: nudged(exercise.reference(*a))).status == FAILED
    assert exercise.grade(...).status == NOT_DONE


@pytest.mark.parametrize("exercise", FUNCTIONS, ids=lambda e: e.id)
def test_cases_are_small_random_and_differ_across_seeds(exercise):
    visible, secret = exercise.cases(seed=0), exercise.cases(seed=99)
    assert len(visible) == len(secret) >= 8
    assert [c.describe() for c in visible] != [c.describe() for c in secret]
    for case in visible:
        assert all(np.size(a) <= 400 for a in case.args if isinstance(a, np.ndarray))


# The wrong answers below start from a student's own right answer: calling the course's
# reference from inside an answer is itself a failure ("uses the course's reference").


def _own_conv2d_backward(dout, x, kernel, stride=1, padding=0):
    p = padding
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    kh, kw = kernel.shape[:2]
    dxp, dkernel = np.zeros(xp.shape), np.zeros(kernel.shape)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            g = dout[:, i, j, :]
            dkernel += np.einsum("nhwc,nf->hwcf", xp[:, rows, cols, :], g)
            dxp[:, rows, cols, :] += np.einsum("hwcf,nf->nhwc", kernel, g)
    dx = dxp[:, p : p + x.shape[1], p : p + x.shape[2], :]
    return dx, dkernel, dout.sum(axis=(0, 1, 2))


def _own_softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _own_softmax_cross_entropy(logits, labels):
    n, probs = len(logits), _own_softmax(logits)
    rows = np.arange(n)
    dlogits = probs.copy()
    dlogits[rows, labels] -= 1
    top = logits.max(axis=1)
    log_sum = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
    return (log_sum - logits[rows, labels]).mean(), dlogits / n


def test_the_own_answers_the_wrong_ones_start_from_are_right():
    assert m.conv2d_backward.grade(_own_conv2d_backward).status == PASSED
    assert m.softmax_cross_entropy.grade(_own_softmax_cross_entropy).status == PASSED


def test_an_answer_that_calls_the_reference_scores_nothing():
    result = m.conv2d_backward.grade(lambda *a, **k: backprop.conv2d_backward(*a, **k))
    assert result.status == FAILED and "uses the course's reference" in result.message


def _wrong_dkernel(dout, x, kernel, stride=1, padding=0):
    dx, dkernel, dbias = _own_conv2d_backward(dout, x, kernel, stride, padding)
    dkernel = dkernel.copy()
    dkernel.flat[0] += 10.0
    return dx, dkernel, dbias


def test_a_wrong_dkernel_is_named_with_its_error_and_the_right_parts_too():
    result = m.conv2d_backward.grade(_wrong_dkernel)
    assert result.status == FAILED
    assert "dkernel is wrong: 1 of 4 values differ, max relative error" in result.message
    assert result.message.endswith("dx and dbias are right")


def test_every_wrong_part_is_named():
    def all_wrong(dout, x, kernel, stride=1, padding=0):
        dx, dkernel, dbias = _own_conv2d_backward(dout, x, kernel, stride, padding)
        return -dx, dkernel[..., ::-1] * 0, dbias[:0]

    message = m.conv2d_backward.grade(all_wrong).message
    assert "dx is wrong" in message and "dkernel is wrong" in message
    assert "dbias has the wrong shape: expected (1,), got (0,)" in message
    assert "right" not in message


def test_forgetting_to_crop_the_padding_or_returning_two_parts_is_explained():
    def no_crop(dout, x, kernel, stride=1, padding=0):
        xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
        return _own_conv2d_backward(dout, xp, kernel, stride)

    def two(dout, x, kernel, stride=1, padding=0):
        return _own_conv2d_backward(dout, x, kernel, stride, padding)[:2]

    message = m.conv2d_backward.grade(no_crop).message
    assert "dx has the wrong shape: expected (1, 3, 3, 1), got (1, 5, 5, 1)" in message
    assert "dkernel and dbias are right" in message
    assert "expected a tuple of 3: (dx, dkernel, dbias); got a tuple of 2" in (
        m.conv2d_backward.grade(two).message
    )


def test_max_pool_ties_go_to_the_first_maximum():
    def last_maximum(dout, x, pool_size, stride):
        return backprop.max_pool2d_backward(dout, x[::-1, ::-1], pool_size, stride)[::-1, ::-1]

    assert m.max_pool2d_backward.grade(last_maximum).status == FAILED


def test_softmax_without_the_mean_names_dlogits_and_the_loss():
    def summed(logits, labels):
        loss, dlogits = _own_softmax_cross_entropy(logits, labels)
        return loss * len(logits), dlogits * len(logits)

    def gradient_off(logits, labels):
        loss, dlogits = _own_softmax_cross_entropy(logits, labels)
        return loss, _own_softmax(logits)

    assert (
        "loss is wrong: expected 1.38629, got 2.77259"
        in m.softmax_cross_entropy.grade(summed).message
    )
    message = m.softmax_cross_entropy.grade(gradient_off).message
    assert message.startswith("wrong answer on case 1 of 10: dlogits is wrong:")
    assert message.endswith("loss is right")


def test_momentum_names_the_wrong_dict_entry_and_accepts_the_first_step():
    def plain_sgd(params, grads, velocity, lr, momentum):
        return backprop.sgd_step(params, grads, lr), {k: -lr * g for k, g in grads.items()}

    message = m.sgd_momentum_step.grade(plain_sgd).message
    assert "params['w'] is wrong" in message and "velocity['w'] is wrong" in message
    p, v = backprop.sgd_momentum_step({"w": np.ones(2)}, {"w": np.ones(2)}, None, 0.1, 0.9)
    assert m.close_named(("params", "velocity"))((p, v), (p, v)) is None


def test_check_prints_the_verdict_and_hands_back_the_reference(capsys):
    assert check.conv2d_backward(_wrong_dkernel) is backprop.conv2d_backward
    out = capsys.readouterr().out
    assert "❌ conv2d_backward: wrong answer on case 1 of 11: dkernel is wrong" in out


@pytest.mark.parametrize("exercise", VALUES, ids=lambda e: e.id)
def test_quiz_answers_come_from_code_and_others_fail(exercise):
    assert exercise.grade(exercise.expected()).status == PASSED
    assert exercise.grade("zz" if exercise.choices else [1, 2, 3]).status == FAILED


def test_generated_quiz_numbers_match_the_package():
    shapes = m.backward_shapes()
    x = np.zeros((m.SHAPES_LAYER["batch"], *m.SHAPES_LAYER["input"]))
    assert shapes[1] == x.shape and shapes[2][-1] == shapes[3][0] == shapes[0][-1]
    cells = m.POOL_ROUTE["cells"]
    answer = m.pool_route_answer()
    assert 0.0 in answer and sorted(set(answer)) != [0.0]  # a tie loser, and winners
    assert len({tuple(c) for c in cells}) == 3
    assert m.backward_macs({"input": (4, 4, 2), "filters": 3, "kernel_size": 3}) == [216] * 3
    for text in m.QUESTIONS.values():
        assert "Give [" in text
