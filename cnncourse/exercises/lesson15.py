"""Lesson 15 - Instances and regions: instance segmentation and region-based detection.

Three coding exercises: connected components by flood fill (:data:`label_components`),
the training label of each region proposal (:data:`proposal_labels`) and the box
refinement R-CNN regresses (:data:`box_deltas`). The quiz's numbers are declared in its
questions (the visible ones, and a draw for each student's own, ``cnncourse handout``); the
notebook reads them through :func:`components_question`, :func:`windows_question` and
:func:`refined_question`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import regions
from ._core import Case, FunctionExercise, ValueExercise, choice, close, exact
from ._variants import Variants, numbers

__all__ = [
    "EXERCISES",
    "LESSON",
    "box_deltas",
    "components_answer",
    "components_question",
    "label_components",
    "proposal_labels",
    "proposal_labels_reference",
    "q_components",
    "q_refined_box",
    "q_touching",
    "q_windows",
    "refined_answer",
    "refined_question",
    "windows_answer",
    "windows_question",
]

LESSON = 15


# --------------------------------------------------------------------------- components


def _mask_case(rng: np.random.Generator) -> Case:
    shape = tuple(int(v) for v in rng.integers(1, 10, size=2))
    return Case(((rng.random(shape) < rng.uniform(0.2, 0.7)).astype(np.int64),))


def _ring() -> np.ndarray:
    ring = np.ones((5, 5), dtype=np.int64)
    ring[1:4, 1:4] = 0
    ring[2, 2] = 1  # an island inside the ring
    return ring


label_components = FunctionExercise(
    id="label_components",
    lesson=LESSON,
    title="Connected components by flood fill, numbered in raster order",
    points=3,
    reference=regions.connected_components,
    generate=_mask_case,
    edge_cases=(
        Case((np.eye(3, dtype=np.int64),)),  # a diagonal: 3 blobs with 4-connectivity
        Case((np.zeros((2, 3), dtype=np.int64),)),  # nothing
        Case((_ring(),)),  # a ring and the island inside it
        Case((np.array([[0, 1, 0], [1, 1, 0], [0, 0, 1]]),)),  # numbered by first pixel
        Case((np.array([[1, 0, 1], [1, 0, 1], [1, 1, 1]]),)),  # a U: one blob, reached late
    ),
    compare=exact(),
    arg_names=("mask",),
    forbidden=(
        ("scipy.ndimage.label", "write the flood fill yourself"),
        ("skimage.measure.label", "write the flood fill yourself"),
    ),
)


# --------------------------------------------------------------------------- proposals


def proposal_labels_reference(
    proposals: Any, boxes: Any, labels: Any, foreground_iou: float, background_iou: float
) -> np.ndarray:
    """The training label of each proposal: ``class + 1``, 0 for background, -1 ignored.

    :func:`cnncourse.regions.assign_proposals` without the matched boxes: IoU >=
    ``foreground_iou`` with the best-overlapping true box gives that box's class + 1,
    below ``background_iou`` 0, in between -1.

    Examples
    --------
    >>> proposal_labels_reference([[0, 0, 4, 4], [9, 9, 12, 12]], [[0, 0, 4, 5]], [1], 0.5, 0.3)
    array([2, 0])
    """
    return regions.assign_proposals(proposals, boxes, labels, foreground_iou, background_iou)[0]


def _random_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    corner = rng.integers(0, 16, size=(n, 2))
    return np.concatenate([corner, corner + rng.integers(3, 10, size=(n, 2))], axis=1).astype(
        np.float64
    )


#: (foreground_iou, background_iou) pairs of the cases: R-CNN's band, Fast R-CNN (no band),
#: a region proposal network's, and one more.
_THRESHOLDS = ((0.5, 0.3), (0.5, 0.5), (0.7, 0.3), (0.6, 0.4))


def _proposal_case(rng: np.random.Generator) -> Case:
    k = int(rng.integers(0, 4))
    boxes = _random_boxes(rng, k)
    n = int(rng.integers(1, 9))
    near = boxes[rng.integers(0, k, size=n)] + rng.integers(-3, 4, size=(n, 4)) if k else None
    proposals = _random_boxes(rng, n)
    if near is not None:
        pick = rng.random(n) < 0.7
        proposals[pick] = near[pick]
        proposals[:, 2:] = np.maximum(proposals[:, 2:], proposals[:, :2] + 1)
    foreground, background = _THRESHOLDS[int(rng.integers(0, len(_THRESHOLDS)))]
    return Case(
        (proposals, boxes.reshape(-1, 4), rng.integers(0, 3, size=k), foreground, background)
    )


_true = np.array([[0.0, 0, 10, 10], [20, 20, 30, 30]])

proposal_labels = FunctionExercise(
    id="proposal_labels",
    lesson=LESSON,
    title="Label each region proposal: its object's class, background, or ignored",
    points=2,
    reference=proposal_labels_reference,
    generate=_proposal_case,
    edge_cases=(
        Case(
            (np.array([[0.0, 0, 10, 10], [5, 0, 15, 10], [12, 0, 18, 6]]), _true, [1, 0], 0.5, 0.3)
        ),
        Case((np.array([[21.0, 21, 31, 31]]), _true, np.array([1, 2]), 0.7, 0.3)),  # IoU 0.68
        Case((np.array([[0.0, 0, 5, 5]]), np.zeros((0, 4)), np.zeros(0, np.int64), 0.5, 0.3)),
        Case((np.array([[0.0, 0, 10, 6]]), _true, np.array([2, 0]), 0.6, 0.4)),  # IoU exactly 0.6
        Case((np.array([[5.0, 0, 15, 10]]), _true, np.array([2, 0]), 0.5, 0.5)),  # no band: 0
    ),
    compare=exact(),
    arg_names=("proposals", "boxes", "labels", "foreground_iou", "background_iou"),
    forbidden=(
        ("cnncourse.regions.assign_proposals", "compare the IoUs with the thresholds yourself"),
    ),
)


def _delta_case(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 6))
    return Case((_random_boxes(rng, n), _random_boxes(rng, n)))


box_deltas = FunctionExercise(
    id="box_deltas",
    lesson=LESSON,
    title="The box refinement R-CNN regresses: shifts and log-scales",
    points=2,
    reference=regions.encode_deltas,
    generate=_delta_case,
    edge_cases=(
        Case((np.array([[0.0, 0, 4, 4]]), np.array([[0.0, 0, 4, 4]]))),  # nothing to refine
        Case((np.array([[0.0, 0, 4, 4]]), np.array([[2.0, 0, 6, 8]]))),
        Case((np.array([[10.0, 10, 30, 20]]), np.array([[5.0, 12, 15, 17]]))),  # smaller box
    ),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("proposals", "boxes"),
)


# --------------------------------------------------------------------------- quiz
# Each question's numbers: the visible ones (what the lesson has always shown) and how a
# student's own are drawn (cnncourse handout); without a seed the helpers give this notebook's.


def components_question(seed: int | None = None) -> np.ndarray:
    """A small binary mask whose blobs count differently with 4- and 8-connectivity.

    Without a ``seed``: this notebook's mask (the visible one, or a handout's).

    Examples
    --------
    >>> components_question().shape
    (6, 8)
    >>> bool((components_question(seed=15) == components_question()).all())
    True
    """
    if seed is None:
        mask = numbers("q_components")["mask"]
    else:
        mask = _draw_components(np.random.default_rng(seed))["mask"]
    return np.array(mask, dtype=np.int64)


def _draw_components(rng) -> dict[str, list[list[int]]]:
    while True:
        mask = (rng.random((6, 8)) < 0.4).astype(np.int64)
        four, eight = components_answer_of(mask)
        if 3 <= eight < four <= 8:
            return {"mask": mask.tolist()}


def components_answer_of(mask: Any) -> tuple[int, int]:
    """(blobs with 4-connectivity, blobs with 8-connectivity) of a mask.

    Examples
    --------
    >>> components_answer_of([[1, 0], [0, 1]])
    (2, 1)
    """
    mask = np.asarray(mask)
    return (
        int(regions.connected_components(mask, 4).max()),
        int(regions.connected_components(mask, 8).max()),
    )


def components_answer(seed: int | None = None) -> tuple[int, int]:
    """(blobs with 4-connectivity, with 8-connectivity) of :func:`components_question`.

    Examples
    --------
    >>> components_answer()
    (6, 3)
    """
    return components_answer_of(components_question(seed))


def windows_question(seed: int | None = None) -> dict[str, Any]:
    """Sliding-window proposals on a square image: its side, the window sides, the stride.

    Without a ``seed``: this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> windows_question()
    {'image_size': 192, 'sizes': [24, 40, 48], 'stride': 8}
    """
    if seed is None:
        q = numbers("q_windows")
        return {"image_size": q["image_size"], "sizes": list(q["sizes"]), "stride": q["stride"]}
    return _draw_windows(np.random.default_rng(seed))


def _draw_windows(rng) -> dict[str, Any]:
    stride = int(rng.choice([4, 8]))
    image_size = stride * int(rng.integers(12, 30))
    sizes = sorted(int(s) * stride for s in rng.permutation(np.arange(2, 9))[:3])
    return {"image_size": image_size, "sizes": sizes, "stride": stride}


def windows_answer(seed: int | None = None) -> int:
    """Proposals of :func:`windows_question`: CNN evaluations per image for R-CNN.

    Examples
    --------
    >>> windows_answer()
    1245
    """
    return _windows_answer(**windows_question(seed))


def _windows_answer(image_size: int, sizes: list[int], stride: int) -> int:
    return len(regions.sliding_windows(image_size, list(sizes), stride))


def refined_question(seed: int | None = None) -> dict[str, list[float]]:
    """A proposal and the refinement ``(t_x, t_y, t_w, t_h)`` a network predicted for it.

    Without a ``seed``: this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> refined_question()
    {'proposal': [37.0, 27.0, 60.0, 52.0], 'deltas': [-0.25, 0.05, -0.3, -0.2]}
    """
    if seed is None:
        q = numbers("q_refined_box")
        return {"proposal": list(q["proposal"]), "deltas": list(q["deltas"])}
    return _draw_refined(np.random.default_rng(seed))


def _draw_refined(rng) -> dict[str, list[float]]:
    corner = rng.integers(0, 40, size=2)
    proposal = np.concatenate([corner, corner + rng.integers(8, 30, size=2)])
    deltas = [
        float(rng.choice([-0.25, -0.1, 0.1, 0.2])),
        float(rng.choice([-0.2, 0.05, 0.15])),
        float(rng.choice([-0.3, 0.2, 0.4])),
        float(rng.choice([-0.2, 0.1, 0.3])),
    ]
    return {"proposal": [float(v) for v in proposal], "deltas": deltas}


def refined_answer(seed: int | None = None) -> tuple[float, float, float, float]:
    """The refined box ``(x_min, y_min, x_max, y_max)`` of :func:`refined_question`.

    Examples
    --------
    >>> [round(v, 2) for v in refined_answer()]
    [34.23, 30.52, 51.27, 50.98]
    """
    return _refined_answer(**refined_question(seed))


def _refined_answer(proposal: list[float], deltas: list[float]) -> tuple[float, ...]:
    box = regions.decode_deltas([list(proposal)], [list(deltas)])[0]
    return tuple(float(v) for v in box)


def _components_text(mask: list[list[int]]) -> str:
    rows = "\n".join("  " + " ".join(str(v) for v in row) for row in mask)
    return (
        "How many blobs does this mask have with 4-connectivity, and with 8-connectivity? "
        f"A pair (four, eight).\n{rows}"
    )


q_components = ValueExercise(
    id="q_components",
    lesson=LESSON,
    title="Blobs of a mask with 4- and with 8-connectivity",
    points=2,
    variants=Variants(_draw_components(np.random.default_rng(15)), _draw_components),
    answer=components_answer_of,
    question=_components_text,
    compare=exact(),
    hint="with 8-connectivity, pixels that touch only at a corner join",
)

q_windows = ValueExercise(
    id="q_windows",
    lesson=LESSON,
    title="Sliding-window proposals per image: R-CNN's CNN evaluations",
    points=2,
    # the lesson's numbers (drawn with seed 15 by an earlier generator)
    variants=Variants({"image_size": 192, "sizes": [24, 40, 48], "stride": 8}, _draw_windows),
    answer=_windows_answer,
    question=(
        "Square sliding windows of sides {sizes}, every {stride} pixels, fully inside a square "
        "image of {image_size} x {image_size}: how many proposals (CNN evaluations for R-CNN) "
        "per image?"
    ),
    compare=exact(),
    hint="per window side s: (floor((image - s) / stride) + 1) positions per axis, squared",
)

q_refined_box = ValueExercise(
    id="q_refined_box",
    lesson=LESSON,
    title="Apply a predicted refinement to a proposal",
    points=2,
    variants=Variants(_draw_refined(np.random.default_rng(15)), _draw_refined),
    answer=_refined_answer,
    question=(
        "A proposal (x_min, y_min, x_max, y_max) = {proposal} and the refinement "
        "(t_x, t_y, t_w, t_h) = {deltas} predicted for it: the refined box (x_min, y_min, "
        "x_max, y_max)?"
    ),
    compare=close(rtol=0, atol=1e-3),
    hint="centre moves by t_x * w and t_y * h; the size is multiplied by exp(t_w) and exp(t_h)",
)

q_touching = ValueExercise(
    id="q_touching",
    lesson=LESSON,
    title="Connected components of a semantic mask with two touching circles",
    points=1,
    choices={
        "a": "finds two instances, one per circle",
        "b": "finds one instance covering both circles",
        "c": "finds no instance: touching pixels are removed",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="the semantic mask says 'circle' on both; is there a background pixel between them?",
)

EXERCISES = [
    label_components,
    proposal_labels,
    box_deltas,
    q_components,
    q_windows,
    q_refined_box,
    q_touching,
]
