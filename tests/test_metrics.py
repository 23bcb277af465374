"""cnncourse.metrics: IoU of boxes and masks, NMS and average precision, against hand-worked
cases and brute-force pixel counts, plus the documented edge cases and errors."""

import subprocess
import sys

import numpy as np
import pytest

from cnncourse import metrics

# --------------------------------------------------------------------------- box IoU


def test_iou_of_two_unit_boxes_overlapping_by_half_is_one_third():
    assert metrics.iou([0, 0, 1, 1], [0.5, 0, 1.5, 1]) == pytest.approx(1 / 3)
    assert metrics.iou([0, 0, 2, 1], [1, 0, 3, 1]) == pytest.approx(1 / 3)


def test_iou_hand_cases():
    assert metrics.iou([0, 0, 4, 4], [0, 0, 4, 4]) == 1.0
    assert metrics.iou([0, 0, 4, 4], [4, 0, 8, 4]) == 0.0  # touching edges
    assert metrics.iou([0, 0, 4, 4], [10, 10, 12, 12]) == 0.0
    assert metrics.iou([0, 0, 4, 4], [1, 1, 3, 3]) == pytest.approx(4 / 16)  # inside
    assert metrics.iou([0, 0, 2, 2], [1, 1, 3, 3]) == pytest.approx(1 / 7)  # corner
    assert isinstance(metrics.iou([0, 0, 1, 1], [0, 0, 1, 1]), float)


def test_iou_is_symmetric_and_broadcasts():
    rng = np.random.default_rng(0)
    a, b = random_boxes(rng, 50), random_boxes(rng, 50)
    assert np.allclose(metrics.iou(a, b), metrics.iou(b, a))
    assert metrics.iou(a, b).shape == (50,)
    assert metrics.iou(a, b[0]).shape == (50,)
    assert metrics.iou(a[:, None], b[None]).shape == (50, 50)
    assert np.allclose(metrics.iou(a[:, None], b[None]), metrics.iou_matrix(a, b))


def random_boxes(rng, n, span=20):
    """Integer boxes of positive area inside [0, span]."""
    corners = rng.integers(0, span + 1, size=(n, 2, 2))
    low, high = corners.min(axis=1), corners.max(axis=1)
    high = np.maximum(high, low + 1)
    return np.concatenate([low, high], axis=1).astype(np.float64)


def rasterise(box, span=24):
    """The unit pixels a box with integer corners covers."""
    mask = np.zeros((span, span), dtype=bool)
    x0, y0, x1, y1 = (int(v) for v in box)
    mask[y0:y1, x0:x1] = True
    return mask


def test_iou_matches_brute_force_pixel_counts_on_random_integer_boxes():
    rng = np.random.default_rng(1)
    a, b = random_boxes(rng, 300), random_boxes(rng, 300)
    ious = metrics.iou(a, b)
    for box_a, box_b, value in zip(a, b, ious, strict=True):
        mask_a, mask_b = rasterise(box_a), rasterise(box_b)
        expected = (mask_a & mask_b).sum() / (mask_a | mask_b).sum()
        assert value == pytest.approx(expected)
        assert metrics.mask_iou(mask_a, mask_b) == pytest.approx(expected)


def test_iou_matrix_matches_pairwise_iou():
    rng = np.random.default_rng(2)
    a, b = random_boxes(rng, 7), random_boxes(rng, 5)
    matrix = metrics.iou_matrix(a, b)
    assert matrix.shape == (7, 5)
    for i in range(7):
        for j in range(5):
            assert matrix[i, j] == pytest.approx(metrics.iou(a[i], b[j]))
    assert metrics.iou_matrix(np.zeros((0, 4)), b).shape == (0, 5)
    assert metrics.iou_matrix([], b).shape == (0, 5)


def test_zero_area_boxes_have_iou_zero_unless_identical():
    point = [3, 3, 3, 3]
    line = [0, 2, 5, 2]
    assert metrics.iou(point, point) == 1.0
    assert metrics.iou(line, line) == 1.0
    assert metrics.iou(point, [0, 0, 5, 5]) == 0.0  # inside, but no area
    assert metrics.iou(point, [4, 4, 4, 4]) == 0.0


@pytest.mark.parametrize(
    ("a", "b", "name"),
    [
        ([2, 0, 1, 1], [0, 0, 1, 1], "box_a"),  # x_max < x_min
        ([0, 0, 1, 1], [0, 3, 1, 1], "box_b"),  # y_max < y_min
    ],
)
def test_degenerate_boxes_raise_naming_the_argument(a, b, name):
    with pytest.raises(ValueError, match=f"{name} holds a degenerate box"):
        metrics.iou(a, b)


def test_box_shape_errors_are_clear():
    with pytest.raises(ValueError, match=r"box_a must have shape \(\.\.\., 4\)"):
        metrics.iou([0, 0, 1], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="broadcastable"):
        metrics.iou(np.zeros((3, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"boxes_b must have shape \(N, 4\)"):
        metrics.iou_matrix(np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        metrics.iou([0, 0, np.nan, 1], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="degenerate box .* at index 1"):
        metrics.iou_matrix([[0, 0, 1, 1], [5, 0, 1, 1]], [[0, 0, 1, 1]])


# --------------------------------------------------------------------------- NMS


def test_nms_keeps_the_higher_of_two_heavily_overlapping_boxes():
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10]]  # IoU 9/11
    assert metrics.non_max_suppression(boxes, [0.6, 0.9]).tolist() == [1]
    assert metrics.non_max_suppression(boxes, [0.9, 0.6]).tolist() == [0]


def test_nms_keeps_distant_boxes_sorted_by_score():
    boxes = [[0, 0, 4, 4], [10, 10, 14, 14], [20, 0, 24, 4]]
    kept = metrics.non_max_suppression(boxes, [0.2, 0.9, 0.5])
    assert kept.tolist() == [1, 2, 0]
    assert kept.dtype == np.int64


def test_nms_threshold_edge_overlap_exactly_at_threshold_is_kept():
    boxes = [[0, 0, 2, 1], [1, 0, 3, 1]]  # IoU exactly 1/3
    assert metrics.non_max_suppression(boxes, [0.9, 0.8], iou_threshold=1 / 3).tolist() == [0, 1]
    assert metrics.non_max_suppression(boxes, [0.9, 0.8], iou_threshold=0.33).tolist() == [0]


def test_nms_chain_suppression_is_greedy():
    # b overlaps a and c; a suppresses b, so c (which only overlaps b) survives
    boxes = [[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]]
    assert metrics.non_max_suppression(boxes, [0.9, 0.8, 0.7], iou_threshold=0.3).tolist() == [0, 2]


def test_nms_score_threshold_and_max_outputs():
    boxes = [[0, 0, 4, 4], [10, 10, 14, 14], [20, 0, 24, 4]]
    scores = [0.2, 0.9, 0.5]
    assert metrics.non_max_suppression(boxes, scores, score_threshold=0.5).tolist() == [1, 2]
    assert metrics.non_max_suppression(boxes, scores, max_outputs=1).tolist() == [1]
    assert metrics.non_max_suppression(np.zeros((0, 4)), []).tolist() == []


def test_nms_matches_a_brute_force_reference():
    rng = np.random.default_rng(3)
    for _ in range(20):
        boxes = random_boxes(rng, 30)
        scores = rng.permutation(30) / 30
        kept = metrics.non_max_suppression(boxes, scores, iou_threshold=0.4)
        expected = []
        for i in np.argsort(-scores):
            if all(metrics.iou(boxes[i], boxes[j]) <= 0.4 for j in expected):
                expected.append(int(i))
        assert kept.tolist() == expected


def test_nms_errors():
    with pytest.raises(ValueError, match=r"scores must have shape \(2,\)"):
        metrics.non_max_suppression([[0, 0, 1, 1], [0, 0, 2, 2]], [0.5])
    with pytest.raises(ValueError, match="iou_threshold must be between 0.0 and 1.0"):
        metrics.non_max_suppression([[0, 0, 1, 1]], [0.5], iou_threshold=1.5)
    with pytest.raises(ValueError, match="boxes holds a degenerate box"):
        metrics.non_max_suppression([[0, 0, -1, 1]], [0.5])


# --------------------------------------------------------------------------- masks


def test_pixel_accuracy_and_mask_iou_hand_case():
    pred = np.array([[0, 1, 1], [0, 2, 2]])
    true = np.array([[0, 1, 0], [0, 2, 1]])
    assert metrics.pixel_accuracy(pred, true) == pytest.approx(4 / 6)
    assert metrics.mask_iou(pred, true) == pytest.approx(3 / 4)  # foreground
    assert metrics.mask_iou(pred, true, class_id=1) == pytest.approx(1 / 3)
    assert metrics.mask_iou(pred, true, class_id=2) == pytest.approx(1 / 2)
    assert metrics.mask_iou(pred, true, class_id=0) == pytest.approx(2 / 3)


def test_per_class_and_mean_iou_against_brute_force_on_random_masks():
    rng = np.random.default_rng(4)
    pred = rng.integers(0, 4, size=(5, 9, 9))
    true = rng.integers(0, 4, size=(5, 9, 9))
    values = metrics.per_class_iou(pred, true, num_classes=4)
    for c in range(4):
        inter = np.sum((pred == c) & (true == c))
        union = np.sum((pred == c) | (true == c))
        assert values[c] == pytest.approx(inter / union)
        assert metrics.mask_iou(pred, true, class_id=c) == pytest.approx(inter / union)
    assert metrics.mean_iou(pred, true, 4) == pytest.approx(values.mean())
    assert metrics.mean_iou(pred, true, 4, ignore_background=True) == pytest.approx(
        values[1:].mean()
    )


def test_perfect_masks_score_one():
    mask = np.random.default_rng(5).integers(0, 4, size=(3, 8, 8))
    assert metrics.mean_iou(mask, mask, 4) == 1.0
    assert metrics.pixel_accuracy(mask, mask) == 1.0


def test_empty_masks_give_nan_and_absent_classes_leave_the_mean():
    empty = np.zeros((4, 4), dtype=int)
    assert np.isnan(metrics.mask_iou(empty, empty))
    assert np.isnan(metrics.mask_iou(empty, empty, class_id=2))
    assert metrics.mask_iou(empty, np.eye(4, dtype=int)) == 0.0  # missed the object
    values = metrics.per_class_iou(empty, empty, num_classes=3)
    assert values[0] == 1.0 and np.isnan(values[1:]).all()
    assert metrics.mean_iou(empty, empty, 3) == 1.0  # only the background counts
    assert np.isnan(metrics.mean_iou(empty, empty, 3, ignore_background=True))


def test_boolean_masks_are_accepted():
    a = np.array([[True, False], [True, True]])
    b = np.array([[True, False], [False, True]])
    assert metrics.mask_iou(a, b) == pytest.approx(2 / 3)


def test_mask_errors_are_clear():
    with pytest.raises(ValueError, match="pred and true must have the same shape"):
        metrics.mean_iou(np.zeros((2, 4, 4), int), np.zeros((2, 4, 5), int), 3)
    with pytest.raises(ValueError, match="argmax"):
        metrics.mean_iou(np.zeros((2, 4, 4, 3)), np.zeros((2, 4, 4), int), 3)
    with pytest.raises(ValueError, match=r"true must hold classes 0 \.\. 2"):
        metrics.per_class_iou(np.zeros((2, 2), int), np.full((2, 2), 3), 3)
    with pytest.raises(ValueError, match="at least one pixel"):
        metrics.pixel_accuracy(np.zeros((0, 4), int), np.zeros((0, 4), int))


# --------------------------------------------------------------------------- AP


def scenes_like(rng, n=6, classes=3):
    """Random annotations of n images, 0 to 3 boxes each, never overlapping."""
    boxes, labels = [], []
    for _ in range(n):
        k = int(rng.integers(0, 4))
        shift = 30.0 * np.arange(k)[:, None] * np.array([1, 0, 1, 0])  # side by side
        boxes.append(random_boxes(rng, k) + shift)
        labels.append(rng.integers(0, classes, size=k))
    return boxes, labels


def test_average_precision_of_perfect_predictions_is_one():
    boxes, labels = scenes_like(np.random.default_rng(6))
    scores = [np.ones(len(b)) for b in boxes]
    assert metrics.average_precision(boxes, scores, labels, boxes, labels) == 1.0
    per_class = metrics.average_precision(boxes, scores, labels, boxes, labels, per_class=True)
    assert per_class.shape == (3,)
    assert np.all(per_class[~np.isnan(per_class)] == 1.0)


def test_average_precision_of_all_wrong_predictions_is_zero():
    boxes, labels = scenes_like(np.random.default_rng(7))
    scores = [np.ones(len(b)) for b in boxes]
    far = [b + 100 for b in boxes]  # right class, wrong place
    assert metrics.average_precision(far, scores, labels, boxes, labels) == 0.0
    wrong_class = [(c + 1) % 3 for c in labels]  # right place, wrong class
    assert metrics.average_precision(boxes, scores, wrong_class, boxes, labels) == 0.0
    none = [np.zeros((0, 4))] * len(boxes)
    empty = [np.zeros(0)] * len(boxes)
    assert metrics.average_precision(none, empty, empty, boxes, labels) == 0.0


def test_average_precision_hand_worked_case():
    # one class, 3 true boxes in 2 images; 4 detections ranked by score:
    # 0.9 TP, 0.8 FP (wrong place), 0.7 TP, 0.6 FP (duplicate of a found box)
    # precision 1, 1/2, 2/3, 2/4 at recall 1/3, 1/3, 2/3, 2/3; the third box is never found
    # envelope at the recall steps: 1 (recall 1/3), 2/3 (recall 2/3) -> AP = 1/3 + 2/9
    true_boxes = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([[0, 0, 5, 5]])]
    true_labels = [np.array([0, 0]), np.array([0])]
    pred_boxes = [
        np.array([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 31], [1, 0, 10, 10]]),
        np.zeros((0, 4)),
    ]
    pred_scores = [np.array([0.9, 0.8, 0.7, 0.6]), np.zeros(0)]
    pred_labels = [np.zeros(4, int), np.zeros(0, int)]
    ap = metrics.average_precision(pred_boxes, pred_scores, pred_labels, true_boxes, true_labels)
    assert ap == pytest.approx(1 / 3 + 2 / 9)


def test_average_precision_all_points_interpolation_uses_the_later_better_precision():
    # ranks: FP, TP, TP with 2 true boxes -> precision 0, 1/2, 2/3 at recall 0, 1/2, 1
    # the envelope lifts the first recall step to 2/3: AP = 2/3
    truth = [np.array([[0, 0, 4, 4], [10, 10, 14, 14]])]
    labels = [np.array([1, 1])]
    found = [np.array([[30, 30, 34, 34], [0, 0, 4, 4], [10, 10, 14, 14]])]
    scores = [np.array([0.9, 0.8, 0.7])]
    ap = metrics.average_precision(found, scores, [np.array([1, 1, 1])], truth, labels)
    assert ap == pytest.approx(2 / 3)


def test_average_precision_iou_threshold_and_classes_without_truth():
    truth = [np.array([[0, 0, 10, 10]])]
    found = [np.array([[0, 0, 10, 20]])]  # IoU 0.5 exactly
    one = [np.array([0])]
    args = (found, [np.array([0.9])], one, truth, one)
    assert metrics.average_precision(*args, iou_threshold=0.5) == 1.0
    assert metrics.average_precision(*args, iou_threshold=0.51) == 0.0
    # a detection of class 2, absent from the truth: NaN for class 2, left out of the mean
    per_class = metrics.average_precision(
        [np.array([[0, 0, 10, 10], [40, 40, 50, 50]])],
        [np.array([0.9, 0.95])],
        [np.array([0, 2])],
        truth,
        one,
        num_classes=3,
        per_class=True,
    )
    assert per_class[0] == 1.0 and np.isnan(per_class[1]) and np.isnan(per_class[2])


def test_average_precision_errors():
    one_box = [np.array([[0, 0, 1, 1]])]
    one = [np.array([0])]
    with pytest.raises(ValueError, match=r"pred_boxes must have one entry per image \(1\)"):
        metrics.average_precision(one_box * 2, one * 2, one * 2, one_box, one)
    with pytest.raises(ValueError, match=r"pred_scores\[0\] must have one entry per box"):
        metrics.average_precision(one_box, [np.array([0.5, 0.2])], one, one_box, one)
    with pytest.raises(ValueError, match=r"true_boxes\[0\] holds a degenerate box"):
        metrics.average_precision(one_box, [np.ones(1)], one, [np.array([[2, 0, 1, 1]])], one)
    with pytest.raises(ValueError, match="labels must be below num_classes=1"):
        metrics.average_precision(one_box, [np.ones(1)], [np.array([1])], one_box, one, 0.5, 1)


def test_metrics_module_does_not_import_keras():
    code = (
        "import sys\nimport cnncourse.metrics\n"
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
