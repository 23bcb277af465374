"""Lesson 9 - Structured outputs: boxes, localization and detection."""

from __future__ import annotations

import numpy as np

from .. import metrics
from ._core import Case, FunctionExercise, ValueExercise, choice, close

__all__ = [
    "EXERCISES",
    "LESSON",
    "iou",
    "non_max_suppression",
    "q_grid_output",
    "q_nms_purpose",
]

LESSON = 9


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

q_grid_output = ValueExercise(
    id="q_grid_output",
    lesson=LESSON,
    title="Output shape of a 7x7 grid detector with 20 classes (one box per cell)",
    points=1,
    answer=lambda: (7, 7, 1 + 4 + 20),
    hint="per cell: objectness, 4 box numbers, one probability per class",
)

q_nms_purpose = ValueExercise(
    id="q_nms_purpose",
    lesson=LESSON,
    title="What does non-max suppression remove?",
    points=1,
    choices={
        "a": "boxes with a low class probability",
        "b": "boxes that overlap a higher-scoring box a lot",
        "c": "boxes smaller than a threshold",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="it works on pairs of boxes and their IoU",
)

EXERCISES = [iou, non_max_suppression, q_grid_output, q_nms_purpose]
