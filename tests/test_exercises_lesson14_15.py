"""Lessons 14 and 15's exercises: motion by block matching, the video model from its table, a
recurrent layer's parameters, 1-D convolution against Keras, flood fill, proposal labels, box
refinements, and the generated quiz questions."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnncourse import data, metrics, regions
from cnncourse.exercises import ERROR, FAILED, PASSED, for_lesson
from cnncourse.exercises import lesson14 as l14
from cnncourse.exercises import lesson15 as l15


@pytest.mark.parametrize("lesson", [14, 15])
def test_each_lesson_has_at_least_three_coding_exercises_and_generated_quizzes(lesson):
    kinds = [e.kind for e in for_lesson(lesson)]
    assert kinds.count("function") + kinds.count("model") >= 3
    assert kinds.count("value") >= 3


# ----------------------------------------------------------------- lesson 14


def test_block_matching_finds_the_step_of_every_clip():
    clips = data.moving_shapes(20, frames=3, seed=5)
    for clip, label, speed in zip(clips.clips, clips.labels, clips.speeds, strict=True):
        step = l14.estimate_step_reference(clip[0], clip[1], max_step=2)
        assert step == tuple(data.MOTION_STEPS[label] * speed)


def test_block_matching_with_the_shift_sign_swapped_fails():
    def swapped(frame_a, frame_b, max_step):
        dx, dy = l14.estimate_step_reference(frame_a, frame_b, max_step)
        return -dx, -dy

    assert l14.estimate_step.grade(l14.estimate_step_reference).status == PASSED
    assert l14.estimate_step.grade(swapped).status == FAILED


def test_the_conv1d_reference_equals_keras():
    rng = np.random.default_rng(0)
    for stride in (1, 2, 3):
        x = rng.normal(size=(17, 3)).astype("float32")
        layer = keras.layers.Conv1D(5, 4, strides=stride)
        layer.build((None, 17, 3))
        kernels, bias = layer.get_weights()
        expected = keras.ops.convert_to_numpy(layer(x[None]))[0]
        assert np.allclose(l14.conv1d_reference(x, kernels, bias, stride), expected, atol=1e-5)


def test_a_convolution_with_a_flipped_kernel_fails_the_conv1d_exercise():
    def flipped(x, kernels, bias, stride):
        return l14.conv1d_reference(x, kernels[::-1], bias, stride)

    assert l14.conv1d.grade(flipped).status == FAILED


def test_the_lstm_count_for_a_gru_fails_the_rnn_exercise():
    def always_lstm(input_size, units, cell):
        return 4 * units * (input_size + units + 1)

    assert l14.rnn_param_count.grade(always_lstm).status == FAILED


def test_the_video_model_exercise_passes_the_target_and_the_builder_and_fails_close_misses():
    from cnncourse import models

    assert l14.build_video_model.grade(l14.video_target_model).status == PASSED
    assert l14.build_video_model.grade(lambda: models.cnn_rnn((8, 16, 16, 1), 4)).status == PASSED

    def with_lstm():
        return models.cnn_rnn((8, 16, 16, 1), 4, cell="lstm")

    def without_time_distributed():
        layers = keras.layers
        return keras.Sequential(
            [
                keras.Input((8, 16, 16, 1)),
                layers.LayerNormalization(axis=(1, 2, 3, 4), center=False, scale=False),
                layers.Conv3D(8, (1, 3, 3), padding="same", activation="relu"),
                layers.BatchNormalization(momentum=0.9),
                layers.TimeDistributed(layers.MaxPooling2D(2)),
                layers.TimeDistributed(layers.Flatten()),
                layers.TimeDistributed(layers.Dense(32, activation="relu")),
                layers.GRU(32),
                layers.Dense(4, activation="softmax"),
            ]
        )

    for wrong in (with_lstm, without_time_distributed):
        result = l14.build_video_model.grade(wrong)
        assert result.status in (FAILED, ERROR), wrong.__name__


@pytest.mark.parametrize(
    "question", [l14.conv1d_question, l14.raw_rnn_question, l14.conv3d_question]
)
def test_quiz_questions_are_fixed_by_their_seed_and_change_with_it(question):
    assert question() == question()
    assert any(question(seed) != question() for seed in range(20, 25))


def test_the_quiz_answers_agree_with_keras():
    q = l14.conv1d_question()
    layer = keras.layers.Conv1D(
        q["filters"], q["kernel_size"], strides=q["stride"], padding=q["padding"]
    )
    model = keras.Sequential([keras.Input((q["length"], q["channels"])), layer])
    assert l14.conv1d_answer() == (model.output_shape[1], model.count_params())
    q = l14.conv3d_question()
    model = keras.Sequential(
        [keras.Input(q["clip"]), keras.layers.Conv3D(q["filters"], q["kernel_size"])]
    )
    assert l14.conv3d_answer() == (tuple(model.output_shape[1:]), model.count_params())


# ----------------------------------------------------------------- lesson 15


def flood_fill(mask):
    """A student's answer: a breadth-first flood fill, 4-connected."""
    mask = np.asarray(mask) != 0
    labels = np.zeros(mask.shape, dtype=np.int64)
    count = 0
    for r, c in zip(*np.nonzero(mask), strict=True):
        if labels[r, c]:
            continue
        count += 1
        labels[r, c] = count
        queue = [(r, c)]
        while queue:
            y, x = queue.pop()
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                inside = 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1]
                if inside and mask[ny, nx] and not labels[ny, nx]:
                    labels[ny, nx] = count
                    queue.append((ny, nx))
    return labels


def test_a_flood_fill_passes_and_eight_connectivity_fails_the_components_exercise():
    assert l15.label_components.grade(flood_fill).status == PASSED

    def eight(mask):
        return regions.connected_components(mask, connectivity=8)

    assert l15.label_components.grade(eight).status == FAILED


def test_scipy_and_scikit_image_labelling_are_not_a_flood_fill():
    from scipy import ndimage
    from skimage import measure

    for borrowed in (
        lambda mask: ndimage.label(mask)[0],
        lambda mask: measure.label(mask, connectivity=1),
    ):
        result = l15.label_components.grade(borrowed)
        assert result.status == FAILED and "write the flood fill yourself" in result.message


def test_calling_the_package_for_proposal_labels_scores_zero():
    def borrowed(proposals, boxes, labels, foreground_iou, background_iou):
        return regions.assign_proposals(proposals, boxes, labels, foreground_iou, background_iou)[0]

    result = l15.proposal_labels.grade(borrowed)
    assert result.status == FAILED and "assign_proposals" in result.message


def test_components_numbered_in_another_order_fail():
    def reversed_numbers(mask):
        labels = regions.connected_components(mask)
        return np.where(labels > 0, labels.max() + 1 - labels, 0)

    assert l15.label_components.grade(reversed_numbers).status == FAILED


def test_proposal_labels_with_fixed_thresholds_fail():
    def fixed(proposals, boxes, labels, foreground_iou, background_iou):  # ignores the thresholds
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        if not len(boxes):
            return np.zeros(len(proposals), np.int64)
        overlaps = metrics.iou_matrix(proposals, boxes)
        best = overlaps.max(axis=1)
        out = np.where(best >= 0.5, np.asarray(labels)[overlaps.argmax(axis=1)] + 1, -1)
        return np.where(best < 0.3, 0, out)

    assert l15.proposal_labels.grade(l15.proposal_labels_reference).status == PASSED
    result = l15.proposal_labels.grade(fixed)
    assert result.status == FAILED and "wrong answer" in result.message


def test_deltas_without_the_log_fail():
    def linear_scale(proposals, boxes):
        deltas = regions.encode_deltas(proposals, boxes)
        deltas[:, 2:] = np.exp(deltas[:, 2:]) - 1
        return deltas

    assert l15.box_deltas.grade(linear_scale).status == FAILED


def test_the_lesson_15_quiz_answers():
    mask = l15.components_question()
    four, eight = l15.components_answer()
    assert four > eight >= 3 and mask.shape == (6, 8)
    q = l15.windows_question()
    assert l15.windows_answer() == sum(
        ((q["image_size"] - s) // q["stride"] + 1) ** 2 for s in q["sizes"]
    )
    q = l15.refined_question()
    refined = np.array([l15.refined_answer()])
    assert np.allclose(regions.encode_deltas([q["proposal"]], refined), [q["deltas"]])
