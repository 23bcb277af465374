"""cnncourse.detection: box targets and grid targets round trip, decoding with NMS, and
the grid detector's loss (finite, lowest for the true targets, trains with Keras)."""

import keras
import numpy as np
import pytest

from cnncourse import data, detection, metrics

# --------------------------------------------------------------------------- one box


def test_encode_decode_boxes_round_trip():
    shapes = data.shapes(200, size=32, seed=0)
    values = detection.encode_boxes(shapes.boxes, image_size=32)
    assert values.shape == (200, 4) and values.dtype == np.float32
    assert values.min() >= 0 and values.max() <= 1
    back = detection.decode_boxes(values, image_size=32)
    assert np.allclose(back, shapes.boxes, atol=1e-4)


def test_encode_boxes_hand_case_and_rectangular_images():
    values = detection.encode_boxes([4, 2, 12, 6], image_size=(8, 16))  # (height, width)
    assert np.allclose(values, [0.5, 0.5, 0.5, 0.5])
    assert np.allclose(detection.decode_boxes(values, image_size=(8, 16)), [4, 2, 12, 6])


def test_decode_boxes_clips_to_the_image_unless_asked_not_to():
    values = np.array([[0.0, 0.5, 0.5, 0.5]])
    assert np.allclose(detection.decode_boxes(values, 32), [[0, 8, 8, 24]])
    assert np.allclose(detection.decode_boxes(values, 32, clip=False), [[-8, 8, 8, 24]])


def test_box_encoding_errors():
    with pytest.raises(ValueError, match="boxes holds a degenerate box"):
        detection.encode_boxes([5, 0, 1, 1], 32)
    with pytest.raises(ValueError, match=r"values must have shape \(\.\.\., 4\)"):
        detection.decode_boxes(np.zeros((2, 3)), 32)
    with pytest.raises(ValueError, match="image_size must be >= 1"):
        detection.encode_boxes([0, 0, 1, 1], 0)


# --------------------------------------------------------------------------- grid


def sort_rows(boxes, labels):
    order = np.lexsort(boxes.T[::-1])
    return boxes[order], labels[order]


def test_encode_grid_layout_hand_case():
    y = detection.encode_grid(
        [np.array([[0, 0, 8, 8], [20, 16, 28, 32]])], [np.array([2, 0])], 32, 4, 3
    )
    assert y.shape == (1, 4, 4, 8) and y.dtype == np.float32
    assert np.allclose(y[0, 0, 0], [1, 0.5, 0.5, 0.25, 0.25, 0, 0, 1])
    assert np.allclose(y[0, 3, 3], [1, 0, 0, 0.25, 0.5, 1, 0, 0])
    assert y[..., 0].sum() == 2  # every other cell is empty
    assert np.all(y[0, 1:3] == 0)


@pytest.mark.parametrize(("size", "grid"), [(32, 4), (32, 8), (24, 3), (16, 4)])
def test_encode_then_decode_grid_recovers_the_boxes(size, grid):
    scenes = data.scenes(60, size=size, max_objects=3, seed=size + grid, min_size=0.25)
    y = detection.encode_grid(scenes.boxes, scenes.labels, size, grid, 3)
    found = detection.decode_grid(y, size, score_threshold=0.5, iou_threshold=None)
    kept = 0
    for i in range(60):
        assert np.all(found.scores[i] == 1.0)
        true_boxes, true_labels = sort_rows(scenes.boxes[i], scenes.labels[i])
        got_boxes, got_labels = sort_rows(found.boxes[i], found.labels[i])
        if len(got_boxes) == len(true_boxes):
            assert np.allclose(got_boxes, true_boxes, atol=1e-4)
            assert np.array_equal(got_labels, true_labels)
            kept += 1
        else:  # two centres in one cell: only the larger object is a target
            assert len(got_boxes) < len(true_boxes)
    assert kept >= 50


def test_encode_grid_of_no_images_and_images_without_objects():
    assert detection.encode_grid([], [], 32, 4, 3).shape == (0, 4, 4, 8)
    y = detection.encode_grid([np.zeros((0, 4))] * 2, [np.zeros(0, int)] * 2, 32, 4, 3)
    assert y.shape == (2, 4, 4, 8) and not y.any()
    found = detection.decode_grid(y, 32)
    assert [len(b) for b in found.boxes] == [0, 0]


def test_encode_grid_keeps_the_largest_of_two_objects_in_one_cell():
    boxes = [np.array([[0, 0, 6, 6], [1, 1, 5, 7]], dtype=float)]  # both centres in (0, 0)
    y = detection.encode_grid(boxes, [np.array([0, 1])], 32, 4, 3)
    assert y[..., 0].sum() == 1
    found = detection.decode_grid(y, 32)
    assert np.allclose(found.boxes[0], [[0, 0, 6, 6]]) and found.labels[0].tolist() == [0]


def test_decode_grid_applies_score_threshold_and_per_class_nms():
    outputs = np.zeros((1, 2, 2, 7), dtype=np.float32)
    # cells (0, 0) and (0, 1) both see the same 16x16 object of class 1 around x = 16
    outputs[0, 0, 0] = [0.9, 1.0, 0.5, 0.5, 0.5, 0.0, 1.0]
    outputs[0, 0, 1] = [0.8, 0.0, 0.5, 0.5, 0.5, 0.0, 1.0]
    outputs[0, 1, 0] = [0.4, 0.5, 0.5, 0.25, 0.25, 1.0, 0.0]  # weak: class 0
    found = detection.decode_grid(outputs, 32, score_threshold=0.5)
    assert found.labels[0].tolist() == [1] and np.allclose(found.scores[0], [0.9])
    assert np.allclose(found.boxes[0], [[8, 0, 24, 16]])
    both = detection.decode_grid(outputs, 32, score_threshold=0.5, iou_threshold=None)
    assert np.allclose(both.scores[0], [0.9, 0.8])
    everything = detection.decode_grid(outputs, 32, score_threshold=0.0, iou_threshold=None)
    assert len(everything.boxes[0]) == 4 and np.all(np.diff(everything.scores[0]) <= 0)
    assert len(detection.decode_grid(outputs, 32, 0.0, None, max_outputs=2).boxes[0]) == 2


def test_decode_grid_scores_are_objectness_times_class_probability():
    outputs = np.zeros((1, 1, 1, 8), dtype=np.float32)
    outputs[0, 0, 0] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.2, 0.7, 0.1]
    found = detection.decode_grid(outputs, 32, score_threshold=0.0)
    assert np.allclose(found.scores[0], [0.35]) and found.labels[0].tolist() == [1]


def test_grid_targets_score_perfect_average_precision():
    scenes = data.scenes(50, seed=4)
    y = detection.encode_grid(scenes.boxes, scenes.labels, 32, 4, 3)
    found = detection.decode_grid(y, 32)
    dropped = sum(len(b) for b in scenes.boxes) - sum(len(b) for b in found.boxes)
    ap = metrics.average_precision(
        found.boxes, found.scores, found.labels, scenes.boxes, scenes.labels
    )
    assert ap == 1.0 if dropped == 0 else ap > 0.9


def test_encode_grid_errors():
    one = [np.array([[0, 0, 4, 4]])]
    with pytest.raises(ValueError, match=r"labels_list\[0\] must hold classes 0 \.\. 2"):
        detection.encode_grid(one, [np.array([3])], 32, 4, 3)
    with pytest.raises(ValueError, match=r"labels_list\[0\] must have shape \(1,\)"):
        detection.encode_grid(one, [np.array([0, 1])], 32, 4, 3)
    with pytest.raises(ValueError, match="one entry per image each"):
        detection.encode_grid(one, [], 32, 4, 3)
    with pytest.raises(ValueError, match=r"boxes_list\[0\] holds a degenerate box"):
        detection.encode_grid([np.array([[4, 0, 0, 4]])], [np.array([0])], 32, 4, 3)
    with pytest.raises(ValueError, match="grid must be >= 1"):
        detection.encode_grid(one, [np.array([0])], 32, 0, 3)
    with pytest.raises(ValueError, match=r"outputs must have shape \(n, grid, grid"):
        detection.decode_grid(np.zeros((2, 4, 4)), 32)


# --------------------------------------------------------------------------- loss


def test_loss_is_finite_and_lowest_for_the_true_targets():
    scenes = data.scenes(16, seed=5)
    y = detection.encode_grid(scenes.boxes, scenes.labels, 32, 4, 3)
    loss = detection.GridDetectionLoss()
    rng = np.random.default_rng(0)
    random = rng.uniform(0, 1, size=y.shape).astype(np.float32)
    random[..., 5:] /= random[..., 5:].sum(axis=-1, keepdims=True)
    perfect = float(loss(y, y))
    assert np.isfinite(perfect) and perfect < 1e-3
    assert perfect < float(loss(y, random))
    assert np.isfinite(float(loss(y, np.zeros_like(y))))  # probabilities clipped: no log(0)
    near = np.clip(y + rng.normal(0, 0.05, y.shape), 0, 1).astype(np.float32)
    assert perfect < float(loss(y, near)) < float(loss(y, random))


def test_loss_terms_and_weights_by_hand():
    y = np.zeros((1, 1, 2, 7), dtype=np.float32)
    y[0, 0, 0] = [1, 0.5, 0.5, 0.2, 0.2, 1, 0]  # an object of class 0
    pred = np.zeros_like(y)
    pred[0, 0, 0] = [0.5, 0.5, 0.5, 0.4, 0.2, 0.5, 0.5]
    pred[0, 0, 1] = [0.5, 0, 0, 0, 0, 0.5, 0.5]  # empty cell: only objectness counts
    loss = detection.GridDetectionLoss(box_weight=5, noobj_weight=0.5)
    expected_cell0 = np.log(2) + 5 * 0.04 + np.log(2)
    expected_cell1 = 0.5 * np.log(2)
    assert float(loss(y, pred)) == pytest.approx((expected_cell0 + expected_cell1) / 2, rel=1e-5)


def test_loss_config_round_trip_and_errors():
    loss = detection.GridDetectionLoss(box_weight=2.0, noobj_weight=0.25)
    again = detection.GridDetectionLoss.from_config(loss.get_config())
    assert again.box_weight == 2.0 and again.noobj_weight == 0.25
    with pytest.raises(ValueError, match="box_weight must be >= 0"):
        detection.GridDetectionLoss(box_weight=-1)


@pytest.mark.slow
def test_loss_trains_a_grid_detector_with_keras_fit():
    from cnncourse import models

    scenes = data.scenes(64, size=16, seed=6)
    y = detection.encode_grid(scenes.boxes, scenes.labels, 16, 4, 3)
    model = models.grid_detector((16, 16, 3), 3, grid=4, filters=(8, 8), head=8)
    model.compile(keras.optimizers.Adam(1e-2), loss=detection.GridDetectionLoss())
    history = model.fit(scenes.images, y, epochs=3, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    found = detection.decode_grid(model.predict(scenes.images, verbose=0), 16, 0.0)
    assert len(found.boxes) == 64


# --------------------------------------------------------------------------- box loss


def test_box_iou_loss_is_one_minus_giou():
    loss = detection.BoxIoULoss()
    box = detection.encode_boxes([[8, 8, 24, 24]], 32)
    assert float(loss(box, box)) == pytest.approx(0.0, abs=1e-6)
    half = detection.encode_boxes([[16, 8, 32, 24]], 32)  # IoU 1/3, hull = union
    assert float(loss(box, half)) == pytest.approx(2 / 3, rel=1e-5)
    # disjoint boxes: IoU 0, and the empty part of the enclosing box adds to the loss
    far = detection.encode_boxes([[0, 0, 4, 4]], 32)
    near = detection.encode_boxes([[6, 0, 10, 4]], 32)
    farther = detection.encode_boxes([[20, 0, 24, 4]], 32)
    assert 1.0 < float(loss(far, near)) < float(loss(far, farther)) < 2.0


def test_box_iou_loss_matches_metrics_iou_and_adds_l1():
    rng = np.random.default_rng(0)
    corners = np.sort(rng.uniform(0, 32, size=(20, 2, 2)), axis=1)
    a = np.concatenate([corners[:, 0], corners[:, 1]], axis=1)
    corners = np.sort(rng.uniform(0, 32, size=(20, 2, 2)), axis=1)
    b = np.concatenate([corners[:, 0], corners[:, 1]], axis=1)
    ta, tb = detection.encode_boxes(a, 32), detection.encode_boxes(b, 32)
    hull = np.concatenate([np.minimum(a[:, :2], b[:, :2]), np.maximum(a[:, 2:], b[:, 2:])], 1)
    hull_area = np.prod(hull[:, 2:] - hull[:, :2], axis=1)
    inter = np.prod(
        np.clip(np.minimum(a[:, 2:], b[:, 2:]) - np.maximum(a[:, :2], b[:, :2]), 0, None), 1
    )
    union = np.prod(a[:, 2:] - a[:, :2], 1) + np.prod(b[:, 2:] - b[:, :2], 1) - inter
    giou = metrics.iou(a, b) - (hull_area - union) / hull_area
    assert float(detection.BoxIoULoss()(ta, tb)) == pytest.approx(np.mean(1 - giou), rel=1e-4)
    l1 = np.mean(np.abs(ta - tb))
    with_l1 = float(detection.BoxIoULoss(l1_weight=5.0)(ta, tb))
    assert with_l1 == pytest.approx(np.mean(1 - giou) + 5 * l1, rel=1e-4)


def test_box_iou_loss_config_and_errors():
    loss = detection.BoxIoULoss(l1_weight=2.0)
    assert detection.BoxIoULoss.from_config(loss.get_config()).l1_weight == 2.0
    with pytest.raises(ValueError, match="l1_weight must be >= 0"):
        detection.BoxIoULoss(l1_weight=-1.0)
