"""Lesson 11 - Structured outputs: boxes, localization and detection."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import metrics
from ._core import Case, FunctionExercise, ValueExercise, close, exact
from ._variants import Variants, numbers

__all__ = [
    "EXERCISES",
    "LESSON",
    "generalized_iou",
    "giou",
    "grid_answer",
    "grid_question",
    "iou",
    "iou_answer",
    "iou_question",
    "nms_answer",
    "nms_question",
    "non_max_suppression",
    "q_box_iou",
    "q_grid_output",
    "q_nms_count",
    "q_ranked_ap",
    "ranked_ap_answer",
    "ranked_ap_question",
    "ranked_average_precision",
    "ranked_average_precision_exercise",
]

LESSON = 11


# --------------------------------------------------------------------------- references


def giou(box_a: Any, box_b: Any) -> np.ndarray:
    """Generalised IoU of each pair of boxes: IoU minus the empty share of the enclosing box.

    ``GIoU = IoU - (|C| - |A u B|) / |C|`` where ``C`` is the smallest box holding both
    ``A`` and ``B``. In [-1, 1]: equal to the IoU when ``C`` is the union, and below 0 for
    boxes that do not overlap, the lower the farther apart they are.

    Parameters
    ----------
    box_a, box_b : array-like of shape (N, 4)
        Boxes ``(x_min, y_min, x_max, y_max)`` of positive area.

    Returns
    -------
    ndarray of shape (N,)

    Examples
    --------
    >>> giou([[0, 0, 2, 2], [0, 0, 2, 2]], [[1, 0, 3, 2], [4, 0, 6, 2]])
    array([ 0.33333333, -0.33333333])
    """
    a = np.asarray(box_a, dtype=np.float64)
    b = np.asarray(box_b, dtype=np.float64)
    overlap = metrics.iou(a, b)
    width = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    height = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a + area_b - width * height
    hull = (np.maximum(a[:, 2], b[:, 2]) - np.minimum(a[:, 0], b[:, 0])) * (
        np.maximum(a[:, 3], b[:, 3]) - np.minimum(a[:, 1], b[:, 1])
    )
    return overlap - (hull - union) / hull


def ranked_average_precision(is_true_positive: Any, n_ground_truth: int) -> float:
    """AP of one class's detections, already ranked by decreasing score.

    Precision and recall after each detection; the precision *envelope* (at each rank,
    the best precision at that rank or any later one); AP is the sum, over the ranks,
    of the recall gained there times the envelope (all-points interpolation, as
    :func:`cnncourse.metrics.average_precision` computes it).

    Parameters
    ----------
    is_true_positive : array-like of bool, shape (K,)
        Whether each detection, best first, found a not yet found true box.
    n_ground_truth : int
        True boxes of the class (>= 1, at least the number of true positives).

    Returns
    -------
    float

    Examples
    --------
    >>> ranked_average_precision([True, False, False, True, True], 4)
    0.55
    """
    hits = np.asarray(is_true_positive, dtype=np.float64).ravel()
    if len(hits) == 0:
        return 0.0
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    recall_gained = hits / n_ground_truth
    return float(np.sum(recall_gained * envelope))


# --------------------------------------------------------------------------- cases


def _random_boxes(rng: np.random.Generator, n: int, size: int = 20) -> np.ndarray:
    corner = rng.integers(0, size - 2, size=(n, 2))
    extent = rng.integers(1, 9, size=(n, 2))
    return np.concatenate([corner, corner + extent], axis=1).astype(np.float64)


def _iou_case(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 6))
    a = _random_boxes(rng, n)
    b = np.where(
        rng.random((n, 1)) < 0.5, a + rng.integers(-2, 3, size=(n, 4)), _random_boxes(rng, n)
    )
    b[:, 2:] = np.maximum(b[:, 2:], b[:, :2] + 1)  # keep b valid: max > min
    return Case((a, b))


def _nms_case(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 8))
    centres = _random_boxes(rng, 2, size=14)
    boxes = centres[rng.integers(0, 2, size=n)] + rng.integers(-1, 2, size=(n, 4))
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
    scores = rng.permutation(n).astype(np.float64) / n + 0.05  # distinct scores: no ties
    return Case((boxes, scores, float(rng.choice([0.3, 0.5, 0.7]))))


def _ranked_case(rng: np.random.Generator) -> Case:
    k = int(rng.integers(1, 13))
    hits = rng.random(k) < rng.uniform(0.2, 0.9)
    n_true = max(1, int(hits.sum()) + int(rng.integers(0, 4)))
    return Case((hits, n_true))


def _same_indices(expected: np.ndarray, got: object) -> str | None:
    """Compare kept indices in order; a list, tuple or array of ints are all fine."""
    try:
        got_list = [int(i) for i in np.asarray(got).ravel()]
    except (TypeError, ValueError):
        return f"expected a list of box indices, got {type(got).__name__}"
    want = [int(i) for i in np.asarray(expected).ravel()]
    if got_list != want:
        return f"kept boxes {got_list}, expected {want} (indices, highest score first)"
    return None


_unit = np.array([[0.0, 0.0, 2.0, 2.0]])

# --------------------------------------------------------------------------- exercises

iou = FunctionExercise(
    id="iou",
    lesson=LESSON,
    title="Intersection over union of pairs of boxes",
    points=2,
    reference=metrics.iou,
    generate=_iou_case,
    edge_cases=(
        Case((_unit, np.array([[1.0, 0.0, 3.0, 2.0]]))),  # half overlap: 1/3
        Case((_unit, np.array([[5.0, 5.0, 6.0, 6.0]]))),  # disjoint: 0
        Case((_unit, _unit.copy())),  # identical: 1
        Case((_unit, np.array([[2.0, 0.0, 4.0, 2.0]]))),  # touching edges: 0
    ),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("box_a", "box_b"),
)

generalized_iou = FunctionExercise(
    id="generalized_iou",
    lesson=LESSON,
    title="Generalised IoU: IoU minus the empty share of the enclosing box",
    points=2,
    reference=giou,
    generate=_iou_case,
    edge_cases=(
        Case((_unit, np.array([[1.0, 0.0, 3.0, 2.0]]))),  # enclosing box = union: the IoU
        Case((_unit, np.array([[4.0, 0.0, 6.0, 2.0]]))),  # disjoint, 2 apart: -1/3
        Case((_unit, np.array([[8.0, 0.0, 10.0, 2.0]]))),  # disjoint, 6 apart: -0.6
        Case((_unit, np.array([[1.0, 1.0, 3.0, 3.0]]))),  # diagonal: the hull has corners
        Case((_unit, _unit.copy())),  # identical: 1
    ),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("box_a", "box_b"),
)

non_max_suppression = FunctionExercise(
    id="non_max_suppression",
    lesson=LESSON,
    title="Keep the best box of each cluster of overlapping boxes",
    points=3,
    reference=metrics.non_max_suppression,
    generate=_nms_case,
    edge_cases=(
        Case(
            (
                np.array([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]),
                np.array([0.9, 0.8, 0.7]),
                0.5,
            )
        ),
        Case((np.array([[0.0, 0, 10, 10], [1, 1, 11, 11]]), np.array([0.6, 0.9]), 0.5)),
        Case((np.array([[0.0, 0, 10, 10], [5, 0, 15, 10]]), np.array([0.9, 0.8]), 0.5)),
    ),
    compare=_same_indices,
    arg_names=("boxes", "scores", "iou_threshold"),
)

ranked_average_precision_exercise = FunctionExercise(
    id="ranked_average_precision",
    lesson=LESSON,
    title="Average precision of a ranked list of true and false positives",
    points=3,
    reference=ranked_average_precision,
    generate=_ranked_case,
    edge_cases=(
        Case((np.array([True, False, False, True, True]), 4)),  # the envelope matters: 0.55
        Case((np.array([False, True]), 1)),  # 0.5
        Case((np.array([True, True, True]), 3)),  # perfect: 1
        Case((np.array([True, True]), 4)),  # half the objects never found: 0.5
        Case((np.array([False, False]), 2)),  # nothing found: 0
    ),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("is_true_positive", "n_ground_truth"),
)


# --------------------------------------------------------------------------- quiz


def iou_question(seed: int | None = None) -> dict[str, list[int]]:
    """Two overlapping boxes whose enclosing box is larger than their union.

    Without a ``seed``: this notebook's question (the visible one, or a handout's).

    Examples
    --------
    >>> iou_question()
    {'box_a': [6, 7, 20, 20], 'box_b': [11, 12, 23, 26]}
    """
    if seed is None:
        return numbers("q_box_iou")
    return _draw_iou_question(np.random.default_rng(seed))


def _draw_iou_question(rng) -> dict[str, list[int]]:
    while True:
        corner_a = rng.integers(0, 10, size=2)
        corner_b = corner_a + rng.integers(-5, 6, size=2)
        a = np.concatenate([corner_a, corner_a + rng.integers(5, 15, size=2)])
        b = np.concatenate([corner_b, corner_b + rng.integers(5, 15, size=2)])
        overlap, generalised = iou_answer_of(a, b)
        if min(b) >= 0 and 0.2 <= overlap <= 0.7 and generalised < overlap - 0.05:
            return {"box_a": [int(v) for v in a], "box_b": [int(v) for v in b]}


def iou_answer_of(box_a: Any, box_b: Any) -> tuple[float, float]:
    """(IoU, GIoU) of two single boxes."""
    a, b = np.asarray([box_a], float), np.asarray([box_b], float)
    return float(metrics.iou(a, b)[0]), float(giou(a, b)[0])


def iou_answer(seed: int | None = None) -> tuple[float, float]:
    """(IoU, GIoU) of :func:`iou_question`'s boxes.

    Examples
    --------
    >>> tuple(round(v, 4) for v in iou_answer())
    (0.259, 0.1197)
    """
    q = iou_question(seed)
    return iou_answer_of(q["box_a"], q["box_b"])


def ranked_ap_question(seed: int | None = None) -> dict[str, Any]:
    """A ranked list of detections (True: a true positive) with a false positive to move.

    The highest-ranked false positive comes before some true positive, so moving it to
    the end of the list changes the AP.

    Without a ``seed``: this notebook's question (the visible one, or a handout's).

    Examples
    --------
    >>> ranked_ap_question()
    {'is_true_positive': [True, False, True, False, True, False, False, False], 'n_ground_truth': 4}
    """
    if seed is None:
        return numbers("q_ranked_ap")
    return _draw_ranked_ap_question(np.random.default_rng(seed))


def _draw_ranked_ap_question(rng) -> dict[str, Any]:
    while True:
        hits = rng.random(8) < 0.55
        if hits.sum() >= 3 and not hits.all():
            first_fp = int(np.argmin(hits))
            if hits[first_fp:].any() and first_fp > 0:
                n_true = int(hits.sum()) + int(rng.integers(1, 3))
                return {"is_true_positive": [bool(h) for h in hits], "n_ground_truth": n_true}


def ranked_ap_answer(seed: int | None = None) -> tuple[float, float]:
    """(AP of the list, AP with its highest-ranked false positive moved to the end).

    Examples
    --------
    >>> tuple(round(v, 4) for v in ranked_ap_answer())
    (0.5667, 0.6875)
    """
    return _ranked_ap(**ranked_ap_question(seed))


def _ranked_ap(is_true_positive: list[bool], n_ground_truth: int) -> tuple[float, float]:
    hits = list(is_true_positive)
    moved = hits.copy()
    moved.append(moved.pop(moved.index(False)))
    n = n_ground_truth
    return ranked_average_precision(hits, n), ranked_average_precision(moved, n)


def grid_question(seed: int | None = None) -> dict[str, int]:
    """A YOLO-style detector: image side, cell side (the network's stride), anchors, classes.

    Without a ``seed``: this notebook's question (the visible one, or a handout's).

    Examples
    --------
    >>> grid_question()
    {'image_size': 288, 'cell_size': 16, 'anchors': 5, 'num_classes': 8}
    """
    if seed is None:
        return numbers("q_grid_output")
    return _draw_grid_question(np.random.default_rng(seed))


def _draw_grid_question(rng) -> dict[str, int]:
    cell = int(rng.choice([8, 16, 32]))
    return {
        "image_size": cell * int(rng.integers(7, 20)),
        "cell_size": cell,
        "anchors": int(rng.integers(2, 6)),
        "num_classes": int(rng.choice([3, 8, 20, 80])),
    }


def grid_answer(seed: int | None = None) -> tuple[tuple[int, int, int], int]:
    """(output shape without the batch axis, candidate boxes per image) of :func:`grid_question`.

    Examples
    --------
    >>> grid_answer()
    ((18, 18, 65), 1620)
    """
    return _grid(**grid_question(seed))


def _grid(
    image_size: int, cell_size: int, anchors: int, num_classes: int
) -> tuple[tuple[int, int, int], int]:
    s = image_size // cell_size
    return (s, s, anchors * (5 + num_classes)), s * s * anchors


def nms_question(seed: int | None = None) -> dict[str, list]:
    """Candidate boxes of two classes, where per-class and class-agnostic NMS disagree.

    Without a ``seed``: this notebook's question (the visible one, or a handout's).

    Examples
    --------
    >>> q = nms_question()
    >>> sorted(q), len(q["boxes"]) == len(q["scores"]) == len(q["labels"])
    (['boxes', 'labels', 'scores'], True)
    """
    if seed is None:
        return numbers("q_nms_count")
    return _draw_nms_question(np.random.default_rng(seed))


def _draw_nms_question(rng) -> dict[str, list]:
    while True:
        centres = rng.integers(4, 28, size=(2, 2))
        if np.abs(centres[0] - centres[1]).max() < 14:
            continue  # two separate objects
        n = int(rng.integers(5, 8))
        which = rng.integers(0, 2, size=n)
        half = rng.integers(3, 6, size=(n, 2))
        jitter = rng.integers(-1, 2, size=(n, 2))
        c = centres[which] + jitter
        boxes = np.concatenate([c - half, c + half], axis=1)
        scores = np.round(rng.permutation(np.linspace(0.3, 0.95, n)), 2)
        labels = rng.integers(0, 2, size=n)
        q = {"boxes": boxes.tolist(), "scores": scores.tolist(), "labels": labels.tolist()}
        agnostic, per_class = _nms_counts(q)
        if per_class > agnostic:
            return q


def _nms_counts(q: dict[str, list], iou_threshold: float = 0.5) -> tuple[int, int]:
    boxes, scores = np.asarray(q["boxes"], float), np.asarray(q["scores"], float)
    labels = np.asarray(q["labels"])
    agnostic = len(metrics.non_max_suppression(boxes, scores, iou_threshold))
    per_class = sum(
        len(metrics.non_max_suppression(boxes[labels == c], scores[labels == c], iou_threshold))
        for c in np.unique(labels)
    )
    return agnostic, per_class


def nms_answer(seed: int | None = None) -> tuple[int, int]:
    """(boxes kept by class-agnostic NMS, boxes kept by per-class NMS) at IoU 0.5.

    Examples
    --------
    >>> agnostic, per_class = nms_answer()
    >>> agnostic < per_class
    True
    """
    return _nms_counts(nms_question(seed))


#: The visible questions (what the lesson shows), each drawn as it always was, from seed 9.
_VISIBLE = {
    "iou": _draw_iou_question(np.random.default_rng(9)),
    "ap": _draw_ranked_ap_question(np.random.default_rng(9)),
    "grid": _draw_grid_question(np.random.default_rng(9)),
    "nms": _draw_nms_question(np.random.default_rng(9)),
}

q_box_iou = ValueExercise(
    id="q_box_iou",
    lesson=LESSON,
    title="IoU and GIoU of two given boxes",
    points=2,
    variants=Variants(_VISIBLE["iou"], _draw_iou_question),
    answer=iou_answer_of,
    question="box A = {box_a}, box B = {box_b}",
    compare=close(rtol=0, atol=2e-3),
    hint="intersection and union first; then the smallest box holding both, and its empty part",
)

q_ranked_ap = ValueExercise(
    id="q_ranked_ap",
    lesson=LESSON,
    title="AP of a ranked list, and after its first false positive drops to the end",
    points=2,
    variants=Variants(_VISIBLE["ap"], _draw_ranked_ap_question),
    answer=_ranked_ap,
    question="ranked: {is_true_positive}, true boxes: {n_ground_truth}",
    compare=close(rtol=0, atol=2e-3),
    hint="precision and recall after each detection, the envelope, recall steps times envelope",
)

q_grid_output = ValueExercise(
    id="q_grid_output",
    lesson=LESSON,
    title="Output shape and candidate boxes of a grid detector with anchors",
    points=2,
    variants=Variants(_VISIBLE["grid"], _draw_grid_question),
    answer=_grid,
    question=(
        "image {image_size}x{image_size}, cells of {cell_size}x{cell_size} pixels, "
        "{anchors} anchors per cell, {num_classes} classes"
    ),
    compare=exact(),
    hint="cells per side = image side / cell side; per anchor: objectness, 4 box numbers, "
    "one probability per class",
)

q_nms_count = ValueExercise(
    id="q_nms_count",
    lesson=LESSON,
    title="Boxes kept by class-agnostic and by per-class NMS",
    points=1,
    variants=Variants(_VISIBLE["nms"], _draw_nms_question),
    answer=lambda **q: _nms_counts(q),
    question=lambda boxes, scores, labels: "\n".join(
        f"box {box}, score {score:.2f}, class {label}"
        for box, score, label in zip(boxes, scores, labels, strict=True)
    ),
    compare=exact(),
    hint="per class: run NMS on each class's boxes alone and count what all runs keep",
)

EXERCISES = [
    iou,
    generalized_iou,
    non_max_suppression,
    ranked_average_precision_exercise,
    q_box_iou,
    q_ranked_ap,
    q_grid_output,
    q_nms_count,
]
