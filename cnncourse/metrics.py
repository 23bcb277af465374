"""Metrics for structured outputs: boxes, masks and detections, in NumPy only.

* Boxes: :func:`iou` (element-wise, broadcasting), :func:`iou_matrix` (pairwise),
  :func:`non_max_suppression`.
* Segmentation masks: :func:`pixel_accuracy`, :func:`mask_iou`, :func:`per_class_iou`,
  :func:`mean_iou`.
* Detection over a data set: :func:`average_precision` (AP per class and their mean, mAP).

Conventions
-----------
Boxes are ``(x_min, y_min, x_max, y_max)`` in pixel-edge coordinates, as
``cnncourse.data`` makes them: a box covering columns 2..4 is ``x_min=2, x_max=5``, and its
width is ``x_max - x_min``. A box with ``x_max < x_min`` or ``y_max < y_min`` (or a NaN) is
an error (``ValueError`` naming the argument); a zero-area box (``x_max == x_min``) is
allowed: its IoU with any box is 0, except with an identical box, where it is 1.

Masks hold integer classes per pixel, 0 for the background. Intersection and union are
pooled over every pixel given (all images at once, as PASCAL VOC and Cityscapes score
segmentation). A class present in neither mask has no IoU: it is NaN, and the means
leave it out. Nothing here imports Keras: pass NumPy arrays (``model.predict`` outputs
or ``keras.ops.convert_to_numpy(...)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._validate import integer, number, short

__all__ = [
    "average_precision",
    "iou",
    "iou_matrix",
    "mask_iou",
    "mean_iou",
    "non_max_suppression",
    "per_class_iou",
    "pixel_accuracy",
]


# ---------------------------------------------------------------------------
# boxes
# ---------------------------------------------------------------------------


def _boxes(name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    """``value`` as a float64 array (..., 4) of valid boxes, else a clear ValueError."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an array of boxes (..., 4) as (x_min, y_min, x_max, y_max); "
            f"got {short(value)}"
        ) from None
    if ndim == 2 and array.shape == (0,):  # an empty list: no boxes
        array = array.reshape(0, 4)
    if array.ndim == 0 or array.shape[-1] != 4 or (ndim is not None and array.ndim != ndim):
        layout = "(N, 4)" if ndim == 2 else "(..., 4)"
        raise ValueError(
            f"{name} must have shape {layout}: boxes as (x_min, y_min, x_max, y_max); "
            f"got shape {array.shape}"
        )
    if np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN; got {short(value)}")
    bad = (array[..., 2] < array[..., 0]) | (array[..., 3] < array[..., 1])
    if bad.any():
        where = np.argwhere(bad)[0]
        index = tuple(int(i) for i in where)
        box = array[index] if index else array
        raise ValueError(
            f"{name} holds a degenerate box (x_max < x_min or y_max < y_min) at index "
            f"{index if len(index) != 1 else index[0]}: {box.tolist()}; boxes must be "
            "(x_min, y_min, x_max, y_max)"
        )
    return array


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of already checked box arrays, broadcasting their leading axes."""
    width = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    height = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    inter = np.clip(width, 0, None) * np.clip(height, 0, None)
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    same = np.all(a == b, axis=-1)  # identical zero-area boxes
    return np.where((union <= 0) & same, 1.0, result)


def iou(box_a: Any, box_b: Any) -> np.ndarray | float:
    """Intersection over union of boxes, element by element (NumPy broadcasting).

    Parameters
    ----------
    box_a, box_b : array-like of shape (..., 4)
        Boxes ``(x_min, y_min, x_max, y_max)``; the leading axes broadcast against each
        other: ``(4,)`` with ``(4,)``, ``(N, 4)`` with ``(N, 4)`` or with ``(4,)``...
        For every pair between two sets use :func:`iou_matrix`.

    Returns
    -------
    float or ndarray of shape (...)
        Values in [0, 1]; a float for two single boxes. Zero-area boxes give 0, except
        two identical boxes, which give 1.

    Raises
    ------
    ValueError
        A last axis that is not 4, leading axes that do not broadcast, a NaN, or a
        degenerate box (``x_max < x_min`` or ``y_max < y_min``), naming the argument.

    Examples
    --------
    >>> iou([0, 0, 2, 1], [1, 0, 3, 1])  # overlap 1, union 3
    0.3333333333333333
    >>> iou([[0, 0, 2, 2], [0, 0, 1, 1]], [0, 0, 2, 2])
    array([1.  , 0.25])
    """
    a = _boxes("box_a", box_a)
    b = _boxes("box_b", box_b)
    try:
        np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    except ValueError:
        raise ValueError(
            f"box_a and box_b must have broadcastable shapes (..., 4); got {a.shape} and "
            f"{b.shape} (for all pairs use iou_matrix)"
        ) from None
    result = _iou(a, b)
    return float(result) if result.ndim == 0 else result


def iou_matrix(boxes_a: Any, boxes_b: Any) -> np.ndarray:
    """IoU of every box of ``boxes_a`` with every box of ``boxes_b``.

    Parameters
    ----------
    boxes_a : array-like of shape (N, 4)
    boxes_b : array-like of shape (M, 4)

    Returns
    -------
    ndarray of shape (N, M)
        ``result[i, j] = iou(boxes_a[i], boxes_b[j])``.

    Examples
    --------
    >>> iou_matrix([[0, 0, 2, 2], [4, 4, 6, 6]], [[1, 0, 3, 2], [4, 4, 6, 6], [9, 9, 9, 9]])
    array([[0.33333333, 0.        , 0.        ],
           [0.        , 1.        , 0.        ]])
    """
    a = _boxes("boxes_a", boxes_a, ndim=2)
    b = _boxes("boxes_b", boxes_b, ndim=2)
    return _iou(a[:, None, :], b[None, :, :])


def non_max_suppression(
    boxes: Any,
    scores: Any,
    iou_threshold: float = 0.5,
    score_threshold: float | None = None,
    max_outputs: int | None = None,
) -> np.ndarray:
    """Greedy non-maximum suppression: keep the best box, drop those overlapping it, repeat.

    Boxes are visited from the highest score down (ties: the lower index first); a box is
    dropped when its IoU with an already kept box is **greater than** ``iou_threshold``
    (a box overlapping exactly at the threshold is kept, as in
    ``tf.image.non_max_suppression``). Classes are not looked at: for per-class
    suppression call it once per class.

    Parameters
    ----------
    boxes : array-like of shape (N, 4)
    scores : array-like of shape (N,)
    iou_threshold : float in [0, 1], default=0.5
    score_threshold : float, optional
        Boxes scoring below it are dropped first (a box scoring exactly it is kept).
    max_outputs : int, optional
        Keep at most this many boxes.

    Returns
    -------
    ndarray of int64
        Indices of the kept boxes, highest score first.

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]
    >>> non_max_suppression(boxes, [0.9, 0.8, 0.7])
    array([0, 2])
    """
    boxes = _boxes("boxes", boxes, ndim=2)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(boxes),):
        raise ValueError(
            f"scores must have shape ({len(boxes)},), one score per box; got {scores.shape}"
        )
    if np.isnan(scores).any():
        raise ValueError("scores must not contain NaN")
    iou_threshold = number("iou_threshold", iou_threshold, 0.0, 1.0)
    if max_outputs is not None:
        max_outputs = integer("max_outputs", max_outputs, minimum=0)
    order = np.argsort(-scores, kind="stable")
    if score_threshold is not None:
        score_threshold = number("score_threshold", score_threshold)
        order = order[scores[order] >= score_threshold]
    limit = len(order) if max_outputs is None else max_outputs
    keep: list[int] = []
    while len(order) and len(keep) < limit:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        order = rest[_iou(boxes[best], boxes[rest]) <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


# ---------------------------------------------------------------------------
# masks
# ---------------------------------------------------------------------------


def _masks(pred: Any, true: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two integer class masks of the same shape, else a clear ValueError."""
    arrays = []
    for name, value in (("pred", pred), ("true", true)):
        array = np.asarray(value)
        if array.dtype == bool:
            array = array.astype(np.int64)
        if not np.issubdtype(array.dtype, np.integer):
            hint = ""
            if np.issubdtype(array.dtype, np.floating):
                hint = (
                    " (for a model's per-pixel probabilities (..., H, W, K) take "
                    f"{name}.argmax(axis=-1) first)"
                )
            raise ValueError(
                f"{name} must hold integer classes per pixel; got {short(value)}{hint}"
            )
        if array.size == 0:
            raise ValueError(f"{name} must hold at least one pixel; got shape {array.shape}")
        arrays.append(array)
    pred_, true_ = arrays
    if pred_.shape != true_.shape:
        hint = ""
        if pred_.ndim == true_.ndim + 1:
            hint = " (pred looks like per-pixel probabilities: use pred.argmax(axis=-1))"
        raise ValueError(
            f"pred and true must have the same shape; got {pred_.shape} and {true_.shape}{hint}"
        )
    return pred_, true_


def pixel_accuracy(pred: Any, true: Any) -> float:
    """Fraction of pixels whose predicted class is the true one.

    Parameters
    ----------
    pred, true : array-like of ints, same shape
        Class masks, e.g. (H, W) or (N, H, W).

    Returns
    -------
    float

    Examples
    --------
    >>> pixel_accuracy([[0, 1], [1, 1]], [[0, 1], [0, 1]])
    0.75
    """
    pred, true = _masks(pred, true)
    return float(np.mean(pred == true))


def mask_iou(pred: Any, true: Any, class_id: int | None = None) -> float:
    """IoU of the pixels of one class (or of the foreground) in two masks.

    Parameters
    ----------
    pred, true : array-like of ints (or bools), same shape
        Class masks, e.g. (H, W) or (N, H, W); all pixels are pooled.
    class_id : int, optional
        Compare the pixels equal to ``class_id``. Default: the foreground, every pixel
        that is not 0 (``True`` in boolean masks), whatever its class.

    Returns
    -------
    float
        |pred ∩ true| / |pred ∪ true|; **NaN** when the class is in neither mask (IoU is
        undefined there: nothing to find and nothing found).

    Examples
    --------
    >>> mask_iou([[0, 1], [1, 1]], [[0, 1], [0, 1]])  # 2 shared pixels of 3
    0.6666666666666666
    >>> mask_iou([[0, 2], [0, 0]], [[0, 2], [0, 0]], class_id=1)
    nan
    """
    pred, true = _masks(pred, true)
    if class_id is None:
        a, b = pred != 0, true != 0
    else:
        class_id = integer("class_id", class_id, minimum=0)
        a, b = pred == class_id, true == class_id
    union = np.count_nonzero(a | b)
    if union == 0:
        return float("nan")
    return float(np.count_nonzero(a & b) / union)


def per_class_iou(pred: Any, true: Any, num_classes: int) -> np.ndarray:
    """IoU of each class, pooled over all the pixels given.

    Parameters
    ----------
    pred, true : array-like of ints, same shape
        Class masks with values in ``0 .. num_classes - 1`` (0 the background), e.g.
        (N, H, W).
    num_classes : int
        Number of classes **including** the background (4 for ``data.shapes``).

    Returns
    -------
    ndarray of shape (num_classes,), float64
        IoU of class 0, 1, ...; NaN for a class in neither mask.

    Examples
    --------
    >>> per_class_iou([[0, 1], [2, 2]], [[0, 1], [1, 2]], num_classes=4)
    array([1. , 0.5, 0.5, nan])
    """
    pred, true = _masks(pred, true)
    num_classes = integer("num_classes", num_classes, minimum=1)
    for name, array in (("pred", pred), ("true", true)):
        low, high = int(array.min()), int(array.max())
        if low < 0 or high >= num_classes:
            raise ValueError(
                f"{name} must hold classes 0 .. {num_classes - 1} (num_classes={num_classes}, "
                f"background included); found values from {low} to {high}"
            )
    pairs = np.bincount(
        (true.ravel() * num_classes + pred.ravel()).astype(np.int64),
        minlength=num_classes * num_classes,
    ).reshape(num_classes, num_classes)  # rows: true class, columns: predicted
    inter = np.diag(pairs).astype(np.float64)
    union = pairs.sum(axis=0) + pairs.sum(axis=1) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), np.nan)


def mean_iou(pred: Any, true: Any, num_classes: int, ignore_background: bool = False) -> float:
    """Mean over the classes of :func:`per_class_iou` (the usual "mIoU").

    Classes absent from both masks (NaN) are left out of the mean.

    Parameters
    ----------
    pred, true : array-like of ints, same shape
        Class masks, values ``0 .. num_classes - 1``, e.g. (N, H, W).
    num_classes : int
        Number of classes including the background.
    ignore_background : bool, default=False
        Leave class 0 out of the mean (the background is the easy, large class: it
        lifts the mean).

    Returns
    -------
    float
        NaN only if no class counted is present at all.

    Examples
    --------
    >>> mean_iou([[0, 1], [2, 2]], [[0, 1], [1, 2]], num_classes=4)  # (1 + 0.5 + 0.5) / 3
    0.6666666666666666
    >>> mean_iou([[0, 1], [2, 2]], [[0, 1], [1, 2]], num_classes=4, ignore_background=True)
    0.5
    """
    if ignore_background not in (True, False):
        raise ValueError(f"ignore_background must be True or False; got {short(ignore_background)}")
    values = per_class_iou(pred, true, num_classes)
    if ignore_background:
        values = values[1:]
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else float("nan")


# ---------------------------------------------------------------------------
# average precision
# ---------------------------------------------------------------------------


def _per_image(name: str, value: Any, n: int | None, kind: str) -> list[np.ndarray]:
    """A list (one entry per image) of boxes (k, 4), scores (k,) or labels (k,)."""
    if isinstance(value, np.ndarray):
        value = list(value)  # an array (n, k, 4), or of objects: one entry per image
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a list with one array per image; got {short(value)}")
    if n is not None and len(value) != n:
        raise ValueError(f"{name} must have one entry per image ({n}); got {len(value)}")
    out = []
    for i, item in enumerate(value):
        if kind == "boxes":
            out.append(_boxes(f"{name}[{i}]", item, ndim=2))
            continue
        array = np.asarray(item)
        if array.ndim != 1:
            raise ValueError(f"{name}[{i}] must be 1-D (one value per box); got {array.shape}")
        if kind == "labels":
            if array.size and (
                not np.issubdtype(array.dtype, np.number)
                or np.any(array < 0)
                or np.any(np.mod(array, 1) != 0)
            ):
                raise ValueError(f"{name}[{i}] must hold class indices 0, 1, ...; got {array}")
            array = array.astype(np.int64)
        else:
            array = array.astype(np.float64)
            if np.isnan(array).any():
                raise ValueError(f"{name}[{i}] must not contain NaN")
        out.append(array)
    return out


def _ap_from_matches(hits: np.ndarray, n_true: int) -> float:
    """All-points interpolated AP of ranked detections (``hits``: 1 TP, 0 FP)."""
    if n_true == 0:
        return float("nan")
    if len(hits) == 0:
        return 0.0
    tp = np.cumsum(hits)
    fp = np.cumsum(1 - hits)
    recall = tp / n_true
    precision = tp / (tp + fp)
    # the precision envelope: at each recall, the best precision at that recall or beyond
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(steps * envelope))


def average_precision(
    pred_boxes: Sequence[Any],
    pred_scores: Sequence[Any],
    pred_labels: Sequence[Any],
    true_boxes: Sequence[Any],
    true_labels: Sequence[Any],
    iou_threshold: float = 0.5,
    num_classes: int | None = None,
    per_class: bool = False,
) -> float | np.ndarray:
    """Average precision of detections over a data set: per class, then their mean (mAP).

    For each class, the detections of all images are ranked by score (ties: in image
    order). Going down the list, a detection is a true positive when some not yet
    matched true box of its class in its image overlaps it with IoU >= ``iou_threshold``
    (it takes the best such box; COCO's rule), otherwise a false positive (a second
    detection of an already found object is a false positive). Precision and recall
    follow after each detection; AP is the area under the precision-recall curve with
    **all-points interpolation** (PASCAL VOC from 2010, COCO without its 101-point
    sampling): the precision at recall r is the best precision at any recall >= r, and
    AP sums it over each step of recall. A class with true boxes but no detection
    scores 0.

    Parameters
    ----------
    pred_boxes : list of array-like (k_i, 4)
        Detected boxes of each image, ``(x_min, y_min, x_max, y_max)``.
    pred_scores : list of array-like (k_i,)
        Their confidences (any real numbers; only the order matters).
    pred_labels : list of array-like (k_i,)
        Their classes (0, 1, ...: **object** classes, not the mask values).
    true_boxes, true_labels : list of array-like (m_i, 4) and (m_i,)
        The ground truth of each image, e.g. ``data.scenes(...).boxes`` and ``.labels``.
    iou_threshold : float in [0, 1], default=0.5
        "AP@0.5" (PASCAL VOC's threshold); COCO averages 0.5, 0.55, ..., 0.95.
    num_classes : int, optional
        Classes 0 .. num_classes - 1 (default: the largest label seen, plus one).
    per_class : bool, default=False
        Return the AP of each class instead of their mean.

    Returns
    -------
    float or ndarray of shape (num_classes,)
        mAP: the mean AP over the classes that have true boxes; with ``per_class=True``
        the AP of each class, NaN for a class without any true box (its detections are
        all false positives, but its AP is undefined and left out of the mean).

    Examples
    --------
    >>> truth = [np.array([[0, 0, 10, 10]]), np.array([[5, 5, 15, 15]])]
    >>> labels = [np.array([0]), np.array([0])]
    >>> found = [np.array([[0, 0, 10, 10], [20, 20, 25, 25]]), np.empty((0, 4))]
    >>> scores = [np.array([0.9, 0.8]), np.empty(0)]
    >>> float(average_precision(found, scores, [np.array([0, 0]), np.empty(0, int)], truth, labels))
    0.5
    """
    true_boxes_ = _per_image("true_boxes", true_boxes, None, "boxes")
    n = len(true_boxes_)
    true_labels_ = _per_image("true_labels", true_labels, n, "labels")
    pred_boxes_ = _per_image("pred_boxes", pred_boxes, n, "boxes")
    pred_scores_ = _per_image("pred_scores", pred_scores, n, "scores")
    pred_labels_ = _per_image("pred_labels", pred_labels, n, "labels")
    for i in range(n):
        if len(true_labels_[i]) != len(true_boxes_[i]):
            raise ValueError(
                f"true_labels[{i}] must have one label per box of true_boxes[{i}] "
                f"({len(true_boxes_[i])}); got {len(true_labels_[i])}"
            )
        for name, values in (("pred_scores", pred_scores_), ("pred_labels", pred_labels_)):
            if len(values[i]) != len(pred_boxes_[i]):
                raise ValueError(
                    f"{name}[{i}] must have one entry per box of pred_boxes[{i}] "
                    f"({len(pred_boxes_[i])}); got {len(values[i])}"
                )
    iou_threshold = number("iou_threshold", iou_threshold, 0.0, 1.0)
    if per_class not in (True, False):
        raise ValueError(f"per_class must be True or False; got {short(per_class)}")
    seen = [int(a.max()) for a in true_labels_ + pred_labels_ if a.size]
    if num_classes is None:
        num_classes = max(seen, default=-1) + 1
    else:
        num_classes = integer("num_classes", num_classes, minimum=1)
        if seen and max(seen) >= num_classes:
            raise ValueError(
                f"labels must be below num_classes={num_classes}; found label {max(seen)}"
            )

    ap = np.full(num_classes, np.nan)
    for c in range(num_classes):
        # every detection of class c: (score, image, box)
        images, boxes, scores = [], [], []
        n_true = 0
        truth = []
        for i in range(n):
            pick = pred_labels_[i] == c
            k = int(pick.sum())
            images.append(np.full(k, i))
            boxes.append(pred_boxes_[i][pick])
            scores.append(pred_scores_[i][pick])
            gt = true_boxes_[i][true_labels_[i] == c]
            truth.append(gt)
            n_true += len(gt)
        if n_true == 0:
            continue
        images_ = np.concatenate(images)
        boxes_ = np.concatenate(boxes) if boxes else np.empty((0, 4))
        scores_ = np.concatenate(scores)
        order = np.argsort(-scores_, kind="stable")
        matched = [np.zeros(len(g), dtype=bool) for g in truth]
        hits = np.zeros(len(order))
        for rank, j in enumerate(order):
            i = images_[j]
            if not len(truth[i]):
                continue
            overlaps = _iou(boxes_[j], truth[i])
            overlaps[matched[i]] = -1.0
            best = int(np.argmax(overlaps))
            if overlaps[best] >= iou_threshold:
                matched[i][best] = True
                hits[rank] = 1.0
        ap[c] = _ap_from_matches(hits, n_true)
    if per_class:
        return ap
    present = ap[~np.isnan(ap)]
    return float(present.mean()) if len(present) else float("nan")
