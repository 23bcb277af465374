"""Targets, decoding and loss for box regression and a YOLO-v1-style grid detector.

One object per image (:func:`cnncourse.models.box_regressor`): a box
``(x_min, y_min, x_max, y_max)`` in pixels becomes four numbers in [0, 1] with
:func:`encode_boxes` (centre and size as fractions of the image side), which a sigmoid
layer can output; :func:`decode_boxes` turns the predictions back into pixel boxes, and
:class:`BoxIoULoss` (``1 - GIoU``, GIoU being the IoU minus the empty share of the
box enclosing both, plus an optional L1 term) trains them.

Several objects per image (:func:`cnncourse.models.grid_detector`): the image is cut into
``grid x grid`` cells and the cell that holds an object's centre is responsible for it.
Each cell predicts ``5 + num_classes`` numbers, in this order (:data:`OBJECTNESS`,
:data:`BOX`, :data:`CLASSES` slice the last axis)::

    [objectness, x_offset, y_offset, width, height, p(class 0), p(class 1), ...]

* objectness: 1 if an object's centre is in the cell, else 0 (a sigmoid);
* x_offset, y_offset: where the centre is inside the cell, 0 at its left/top edge and 1
  at its right/bottom edge (sigmoids);
* width, height: the box's size as a fraction of the image's width and height (sigmoids);
* class probabilities (a softmax), one-hot in the targets.

:func:`encode_grid` makes the targets, :func:`decode_grid` turns outputs back into
boxes, scores and labels (with non-maximum suppression), and :class:`GridDetectionLoss`
(built from ``keras.ops`` only: every backend) trains the detector::

    y = detection.encode_grid(data.boxes, data.labels, image_size=32, grid=4, num_classes=3)
    model.compile("adam", loss=detection.GridDetectionLoss())
    model.fit(data.images, y)
    found = detection.decode_grid(model.predict(x), image_size=32)
    metrics.average_precision(found.boxes, found.scores, found.labels, boxes, labels)

One box per cell, as in YOLO v1: when two objects' centres fall in the same cell, only
the larger one is kept in the targets (the detector cannot find the other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import keras
import numpy as np
from keras import ops

from . import _validate
from .metrics import _boxes, non_max_suppression

__all__ = [
    "BOX",
    "CLASSES",
    "OBJECTNESS",
    "Detections",
    "BoxIoULoss",
    "GridDetectionLoss",
    "decode_boxes",
    "decode_grid",
    "encode_boxes",
    "encode_grid",
]

#: Index of the objectness in the last axis of the grid targets and outputs.
OBJECTNESS = 0
#: Slice of the box numbers (x_offset, y_offset, width, height) in the last axis.
BOX = slice(1, 5)
#: Slice of the class probabilities in the last axis.
CLASSES = slice(5, None)


def _image_size(value: Any) -> tuple[int, int]:
    """``image_size`` as (height, width): an int for square images, or a pair."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        height = _validate.integer("image_size[0]", value[0], minimum=1)
        width = _validate.integer("image_size[1]", value[1], minimum=1)
        return height, width
    if isinstance(value, (tuple, list)):
        raise ValueError(
            f"image_size must be an int (square images) or (height, width); "
            f"got {_validate.short(value)}"
        )
    side = _validate.integer("image_size", value, minimum=1)
    return side, side


# ---------------------------------------------------------------------------
# one box per image
# ---------------------------------------------------------------------------


def encode_boxes(boxes: Any, image_size: int | tuple[int, int]) -> np.ndarray:
    """Pixel boxes as regression targets in [0, 1]: centre and size over the image side.

    Parameters
    ----------
    boxes : array-like of shape (..., 4)
        ``(x_min, y_min, x_max, y_max)`` in pixel-edge coordinates, e.g.
        ``data.shapes(...).boxes``.
    image_size : int or (height, width)

    Returns
    -------
    ndarray of shape (..., 4), float32
        ``(x_centre / W, y_centre / H, width / W, height / H)``: in [0, 1] for boxes
        inside the image, what a sigmoid layer can output.

    Examples
    --------
    >>> encode_boxes([8, 0, 24, 8], image_size=32)
    array([0.5  , 0.125, 0.5  , 0.25 ], dtype=float32)
    """
    boxes = _boxes("boxes", boxes)
    height, width = _image_size(image_size)
    scale = np.array([width, height, width, height], dtype=np.float64)
    centre = (boxes[..., :2] + boxes[..., 2:]) / 2
    size = boxes[..., 2:] - boxes[..., :2]
    return (np.concatenate([centre, size], axis=-1) / scale).astype(np.float32)


def decode_boxes(values: Any, image_size: int | tuple[int, int], clip: bool = True) -> np.ndarray:
    """The inverse of :func:`encode_boxes`: predictions in [0, 1] back to pixel boxes.

    Parameters
    ----------
    values : array-like of shape (..., 4)
        ``(x_centre / W, y_centre / H, width / W, height / H)``, e.g. the ``"box"``
        output of :func:`cnncourse.models.box_regressor`.
    image_size : int or (height, width)
    clip : bool, default=True
        Clip the boxes to the image.

    Returns
    -------
    ndarray of shape (..., 4), float32
        ``(x_min, y_min, x_max, y_max)`` in pixels.

    Examples
    --------
    >>> decode_boxes([0.5, 0.125, 0.5, 0.25], image_size=32)
    array([ 8.,  0., 24.,  8.], dtype=float32)
    """
    values = _as_numpy(values).astype(np.float64)
    if values.ndim == 0 or values.shape[-1] != 4:
        raise ValueError(
            "values must have shape (..., 4): (x_centre, y_centre, width, height) as "
            f"fractions of the image; got shape {values.shape}"
        )
    height, width = _image_size(image_size)
    scale = np.array([width, height], dtype=np.float64)
    centre = values[..., :2] * scale
    half = np.abs(values[..., 2:]) * scale / 2
    boxes = np.concatenate([centre - half, centre + half], axis=-1)
    if clip:
        boxes = np.clip(boxes, 0, np.array([width, height, width, height]))
    return boxes.astype(np.float32)


def _as_numpy(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple, int, float)):
        return np.asarray(value)
    return np.asarray(ops.convert_to_numpy(value))


# ---------------------------------------------------------------------------
# grid targets
# ---------------------------------------------------------------------------


def encode_grid(
    boxes_list: Sequence[Any],
    labels_list: Sequence[Any],
    image_size: int | tuple[int, int],
    grid: int = 4,
    num_classes: int = 3,
) -> np.ndarray:
    """Targets of a grid detector: one row of ``5 + num_classes`` numbers per cell.

    The object whose box centre lies in a cell is that cell's object (a centre on a
    cell border belongs to the cell right of / below it; on the image's right or bottom
    edge, to the last cell). When several objects' centres fall in one cell, the one
    with the largest box is kept and the others are left out.

    Parameters
    ----------
    boxes_list : list of array-like (k_i, 4)
        The boxes of each image, ``(x_min, y_min, x_max, y_max)`` in pixels, e.g.
        ``data.scenes(...).boxes``.
    labels_list : list of array-like (k_i,)
        Their classes, 0 .. num_classes - 1.
    image_size : int or (height, width)
    grid : int, default=4
        Cells per side: ``grid x grid`` cells of ``height / grid x width / grid`` pixels.
    num_classes : int, default=3

    Returns
    -------
    ndarray of shape (n, grid, grid, 5 + num_classes), float32
        ``[objectness, x_offset, y_offset, width, height, one-hot class]`` per cell;
        all zeros in cells without an object (see the module's docstring).

    Examples
    --------
    >>> y = encode_grid([np.array([[0, 0, 8, 8], [20, 16, 28, 32]])], [np.array([2, 0])],
    ...                 image_size=32, grid=4, num_classes=3)
    >>> y.shape
    (1, 4, 4, 8)
    >>> y[0, 0, 0]  # the first box: centre (4, 4), in the middle of cell (row 0, col 0)
    array([1.  , 0.5 , 0.5 , 0.25, 0.25, 0.  , 0.  , 1.  ], dtype=float32)
    >>> y[0, 3, 3, :5]  # the second: centre (24, 24), on the corner of cell (3, 3)
    array([1.  , 0.  , 0.  , 0.25, 0.5 ], dtype=float32)
    """
    height, width = _image_size(image_size)
    grid = _validate.integer("grid", grid, minimum=1)
    num_classes = _validate.integer("num_classes", num_classes, minimum=1)
    boxes, labels = _flat_annotations(boxes_list, labels_list, num_classes)
    n = len(boxes)
    image = np.repeat(np.arange(n), [len(b) for b in boxes]).astype(np.int64)
    boxes_ = np.concatenate(boxes) if n else np.zeros((0, 4))
    labels_ = np.concatenate(labels) if n else np.zeros(0, np.int64)

    cell = np.array([width / grid, height / grid])
    centre = (boxes_[:, :2] + boxes_[:, 2:]) / 2 / cell  # in cells
    index = np.clip(np.floor(centre), 0, grid - 1).astype(np.int64)  # (column, row)
    offset = centre - index
    size = (boxes_[:, 2:] - boxes_[:, :2]) / np.array([width, height])
    area = size[:, 0] * size[:, 1]

    # one object per cell: the largest (sort by cell, then by decreasing area)
    key = (image * grid + index[:, 1]) * grid + index[:, 0]
    order = np.lexsort((-area, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    keep = order[first]

    y = np.zeros((n, grid, grid, 5 + num_classes), dtype=np.float32)
    rows, cols, images = index[keep, 1], index[keep, 0], image[keep]
    y[images, rows, cols, OBJECTNESS] = 1.0
    y[images, rows, cols, 1:3] = offset[keep]
    y[images, rows, cols, 3:5] = size[keep]
    y[images, rows, cols, 5 + labels_[keep]] = 1.0
    return y


def _flat_annotations(
    boxes_list: Any, labels_list: Any, num_classes: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Check per-image boxes and labels; return them as lists of arrays."""
    for name, value in (("boxes_list", boxes_list), ("labels_list", labels_list)):
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise ValueError(
                f"{name} must be a list with one array per image; got {_validate.short(value)}"
            )
    if len(boxes_list) != len(labels_list):
        raise ValueError(
            f"boxes_list and labels_list must have one entry per image each; got "
            f"{len(boxes_list)} and {len(labels_list)}"
        )
    boxes, labels = [], []
    for i, (b, c) in enumerate(zip(boxes_list, labels_list, strict=True)):
        b = _boxes(f"boxes_list[{i}]", b, ndim=2)
        c = np.asarray(c)
        if c.shape != (len(b),):
            raise ValueError(
                f"labels_list[{i}] must have shape ({len(b)},), one label per box of "
                f"boxes_list[{i}]; got {c.shape}"
            )
        if c.size and (
            not np.issubdtype(c.dtype, np.number)
            or np.any(c < 0)
            or np.any(c >= num_classes)
            or np.any(np.mod(c, 1) != 0)
        ):
            raise ValueError(
                f"labels_list[{i}] must hold classes 0 .. {num_classes - 1} "
                f"(num_classes={num_classes}); got {c}"
            )
        boxes.append(b)
        labels.append(c.astype(np.int64))
    return boxes, labels


class Detections(NamedTuple):
    """What :func:`decode_grid` found: one array per image in each list.

    Attributes
    ----------
    boxes : list of ndarrays (k_i, 4), float32
        ``(x_min, y_min, x_max, y_max)`` in pixels, clipped to the image.
    scores : list of ndarrays (k_i,), float32
        Objectness times the probability of the predicted class, highest first.
    labels : list of ndarrays (k_i,), int64
        The predicted classes.

    Examples
    --------
    >>> found = Detections([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0, int)])
    >>> len(found.boxes), found.boxes[0].shape
    (1, (0, 4))
    """

    boxes: list[np.ndarray]
    scores: list[np.ndarray]
    labels: list[np.ndarray]


def decode_grid(
    outputs: Any,
    image_size: int | tuple[int, int],
    score_threshold: float = 0.5,
    iou_threshold: float | None = 0.5,
    max_outputs: int | None = None,
) -> Detections:
    """Boxes, scores and labels from grid outputs (or targets) of :func:`encode_grid`'s layout.

    Every cell gives one candidate box, of the most probable class, scored
    ``objectness * p(class)``; candidates below ``score_threshold`` are dropped, then
    non-maximum suppression (per class) removes the weaker of two boxes that overlap by
    more than ``iou_threshold`` (neighbouring cells often see the same object).

    Parameters
    ----------
    outputs : array (n, grid, grid, 5 + num_classes)
        The detector's outputs (NumPy or a backend tensor), or targets.
    image_size : int or (height, width)
    score_threshold : float, default=0.5
        For drawing, 0.5 or so; for :func:`cnncourse.metrics.average_precision`, keep
        almost everything (e.g. 0.05): AP ranks the detections itself and a high
        threshold cuts its precision-recall curve short.
    iou_threshold : float or None, default=0.5
        Non-maximum suppression threshold; None for no suppression.
    max_outputs : int, optional
        At most this many boxes per image (the best ones).

    Returns
    -------
    Detections
        ``(boxes, scores, labels)``, lists with one array per image, each image's
        boxes sorted by decreasing score.

    Examples
    --------
    >>> y = encode_grid([np.array([[0, 0, 8, 8]])], [np.array([2])], image_size=32)
    >>> found = decode_grid(y, image_size=32)
    >>> found.boxes[0], found.scores[0], found.labels[0]
    (array([[0., 0., 8., 8.]], dtype=float32), array([1.], dtype=float32), array([2]))
    """
    outputs = _as_numpy(outputs).astype(np.float64)
    if outputs.ndim != 4 or outputs.shape[1] != outputs.shape[2] or outputs.shape[-1] < 6:
        raise ValueError(
            "outputs must have shape (n, grid, grid, 5 + num_classes) (objectness, 4 box "
            f"numbers, class probabilities per cell); got shape {outputs.shape}"
        )
    height, width = _image_size(image_size)
    score_threshold = _validate.number("score_threshold", score_threshold)
    if iou_threshold is not None:
        iou_threshold = _validate.number("iou_threshold", iou_threshold, 0.0, 1.0)
    if max_outputs is not None:
        max_outputs = _validate.integer("max_outputs", max_outputs, minimum=0)
    n, grid = outputs.shape[0], outputs.shape[1]

    rows, cols = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    cell = np.array([width / grid, height / grid])
    centre = (np.stack([cols, rows], axis=-1) + outputs[..., 1:3]) * cell
    half = np.abs(outputs[..., 3:5]) * np.array([width, height]) / 2
    limit = np.array([width, height, width, height])
    boxes = np.clip(np.concatenate([centre - half, centre + half], axis=-1), 0, limit)
    probabilities = outputs[..., CLASSES]
    labels = probabilities.argmax(axis=-1)
    scores = outputs[..., OBJECTNESS] * probabilities.max(axis=-1)

    found = Detections([], [], [])
    for i in range(n):
        b, s, c = boxes[i].reshape(-1, 4), scores[i].ravel(), labels[i].ravel()
        pick = s >= score_threshold
        b, s, c = b[pick], s[pick], c[pick]
        if iou_threshold is not None:
            keep = [
                np.flatnonzero(c == k)[
                    non_max_suppression(b[c == k], s[c == k], iou_threshold=iou_threshold)
                ]
                for k in np.unique(c)
            ]
            keep_ = np.concatenate(keep) if keep else np.zeros(0, np.int64)
        else:
            keep_ = np.arange(len(s))
        keep_ = keep_[np.argsort(-s[keep_], kind="stable")][:max_outputs]
        found.boxes.append(b[keep_].astype(np.float32))
        found.scores.append(s[keep_].astype(np.float32))
        found.labels.append(c[keep_].astype(np.int64))
    return found


# ---------------------------------------------------------------------------
# loss
# ---------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="cnncourse")
class GridDetectionLoss(keras.losses.Loss):
    """The grid detector's loss, from ``keras.ops`` only (every backend).

    Per cell, for the layout of :func:`encode_grid` (outputs already through their
    sigmoid and softmax, as :func:`cnncourse.models.grid_detector` gives them)::

        loss = w_obj * BCE(objectness)                      every cell
             + box_weight * sum((box_true - box_pred)^2)    cells with an object
             + class_weight * CE(classes)                   cells with an object

    where ``w_obj`` is ``object_weight`` in cells with an object and ``noobj_weight``
    in the others (most cells are empty: a lower weight keeps the detector from
    learning to say "nothing" everywhere; YOLO v1 uses 0.5, with ``box_weight`` 5).
    Keras averages the per-cell losses over the cells and the batch.

    Parameters
    ----------
    box_weight : float, default=5.0
    object_weight : float, default=1.0
    noobj_weight : float, default=0.5
    class_weight : float, default=1.0
    name : str, default="grid_detection_loss"
    **kwargs
        Passed on to ``keras.losses.Loss`` (e.g. ``reduction``).

    Examples
    --------
    >>> y = encode_grid([np.array([[0, 0, 8, 8]])], [np.array([2])], image_size=32)
    >>> loss = GridDetectionLoss()
    >>> float(loss(y, np.clip(y, 0.01, 0.99))) < float(loss(y, np.full_like(y, 0.5)))
    True
    """

    def __init__(
        self,
        box_weight: float = 5.0,
        object_weight: float = 1.0,
        noobj_weight: float = 0.5,
        class_weight: float = 1.0,
        name: str = "grid_detection_loss",
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        weights = {
            "box_weight": box_weight,
            "object_weight": object_weight,
            "noobj_weight": noobj_weight,
            "class_weight": class_weight,
        }
        for key, value in weights.items():
            value = _validate.number(key, value)
            if not value >= 0:
                raise ValueError(f"{key} must be >= 0; got {value}")
            setattr(self, key, value)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        eps = keras.config.epsilon()
        has_object = y_true[..., OBJECTNESS]
        p = ops.clip(y_pred[..., OBJECTNESS], eps, 1.0 - eps)
        bce = -(has_object * ops.log(p) + (1.0 - has_object) * ops.log(1.0 - p))
        weight = has_object * self.object_weight + (1.0 - has_object) * self.noobj_weight
        box = ops.sum(ops.square(y_true[..., BOX] - y_pred[..., BOX]), axis=-1)
        probabilities = ops.clip(y_pred[..., CLASSES], eps, 1.0)
        ce = -ops.sum(y_true[..., CLASSES] * ops.log(probabilities), axis=-1)
        return weight * bce + has_object * (self.box_weight * box + self.class_weight * ce)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            box_weight=self.box_weight,
            object_weight=self.object_weight,
            noobj_weight=self.noobj_weight,
            class_weight=self.class_weight,
        )
        return config


@keras.saving.register_keras_serializable(package="cnncourse")
class BoxIoULoss(keras.losses.Loss):
    """A loss for one box per image: ``1 - GIoU``, plus an optional L1 term.

    For boxes given as :func:`encode_boxes` makes them, ``(x_centre, y_centre, width,
    height)`` in fractions of the image (the ``"box"`` output of
    :func:`cnncourse.models.box_regressor`). The IoU is what the box is judged by, but
    ``1 - IoU`` is a poor loss: for two boxes that do not overlap the IoU is 0 wherever
    the predicted box is, so its gradient is zero and the box is not pulled anywhere.
    The generalised IoU (Rezatofighi et al. 2019) is the IoU minus the *empty share* of
    the smallest box ``C`` enclosing both, ``GIoU = IoU - (|C| - |A u B|) / |C|``: never
    above the IoU, equal to it when ``C`` is the union, and below 0 for disjoint boxes,
    falling towards -1 as they move apart, so ``1 - GIoU`` (in [0, 2)) still has a
    gradient that brings them together. Its size is that of a class loss, so no weight
    needs tuning to balance the two outputs (a mean squared error on such boxes is about
    0.01, a hundred times smaller than the class cross-entropy, and learns slowly next to
    it). ``l1_weight`` adds that many times the mean absolute error of the four numbers
    (DETR uses both).

    Parameters
    ----------
    l1_weight : float, default=0.0
    name : str, default="box_iou_loss"
    **kwargs
        Passed on to ``keras.losses.Loss``.

    Examples
    --------
    >>> loss = BoxIoULoss()
    >>> box = encode_boxes([[8, 8, 24, 24]], 32)
    >>> float(loss(box, box)) < 1e-6
    True
    >>> half = encode_boxes([[16, 8, 32, 24]], 32)  # overlap 1/3, enclosing box = union
    >>> round(float(loss(box, half)), 4)
    0.6667
    >>> apart = encode_boxes([[0, 0, 8, 8], [24, 24, 32, 32]], 32)  # IoU 0: 1 - GIoU > 1
    >>> round(float(BoxIoULoss()(apart[:1], apart[1:])), 4)
    1.875
    """

    def __init__(self, l1_weight: float = 0.0, name: str = "box_iou_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        l1_weight = _validate.number("l1_weight", l1_weight)
        if not l1_weight >= 0:
            raise ValueError(f"l1_weight must be >= 0; got {l1_weight}")
        self.l1_weight = l1_weight

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)

        def corners(b: Any) -> tuple[Any, Any, Any, Any]:
            half_w, half_h = ops.abs(b[..., 2]) / 2, ops.abs(b[..., 3]) / 2
            return b[..., 0] - half_w, b[..., 1] - half_h, b[..., 0] + half_w, b[..., 1] + half_h

        tx0, ty0, tx1, ty1 = corners(y_true)
        px0, py0, px1, py1 = corners(y_pred)
        inter = ops.relu(ops.minimum(tx1, px1) - ops.maximum(tx0, px0)) * ops.relu(
            ops.minimum(ty1, py1) - ops.maximum(ty0, py0)
        )
        union = (tx1 - tx0) * (ty1 - ty0) + (px1 - px0) * (py1 - py0) - inter
        eps = keras.config.epsilon()
        iou = inter / (union + eps)
        hull = (ops.maximum(tx1, px1) - ops.minimum(tx0, px0)) * (
            ops.maximum(ty1, py1) - ops.minimum(ty0, py0)
        )
        loss = 1.0 - iou + (hull - union) / (hull + eps)
        if self.l1_weight:
            loss = loss + self.l1_weight * ops.mean(ops.abs(y_true - y_pred), axis=-1)
        return loss

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(l1_weight=self.l1_weight)
        return config
