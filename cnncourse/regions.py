"""Regions of an image, in NumPy: objects as connected components of a mask (a first
instance segmentation), and the region proposals, crops and box refinements of R-CNN.

* :func:`connected_components` -- label the separate blobs of a boolean mask (4- or
  8-connected), numbered in raster order as ``scipy.ndimage.label`` numbers them;
  :func:`instances_from_classes` does it per class of a semantic mask, giving every
  object its own number.
* :func:`sliding_windows` -- square region proposals of several sizes on a grid;
  :func:`assign_proposals` -- the class a proposal is trained to predict (the class of
  the true box it overlaps with IoU >= 0.5, background below 0.3, ignored between);
  :func:`crop_and_resize` -- each proposal's pixels, warped to one fixed size, the input
  of the per-region CNN; :func:`encode_deltas` and :func:`decode_deltas` -- the box
  refinement R-CNN regresses: a proposal's shift and log-scale towards its true box.

Examples
--------
>>> import numpy as np
>>> from cnncourse import regions
>>> mask = np.array([[1, 1, 0, 1], [0, 0, 0, 1]], dtype=bool)
>>> regions.connected_components(mask)
array([[1, 1, 0, 2],
       [0, 0, 0, 2]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _validate
from .metrics import _boxes, iou_matrix

__all__ = [
    "BACKGROUND",
    "IGNORED",
    "assign_proposals",
    "connected_components",
    "crop_and_resize",
    "decode_deltas",
    "encode_deltas",
    "instances_from_classes",
    "sliding_windows",
]

#: The label :func:`assign_proposals` gives a proposal on the background (objects of class
#: ``c`` get ``c + 1``, as in the semantic masks of ``data.scenes``).
BACKGROUND = 0
#: The label of a proposal too close to an object to call background and too far to call
#: the object: left out of training.
IGNORED = -1


def _mask(name: str, value: Any) -> np.ndarray:
    array = _validate.real_array(name, value, (2,), "(H, W)")
    return array != 0


def connected_components(mask: Any, connectivity: int = 4) -> np.ndarray:
    """Label the connected blobs of a 2-D mask: 0 on the background, 1, 2, ... per blob.

    Two pixels of the mask belong to the same blob when a path of mask pixels joins
    them, each step to a neighbour: up, down, left or right (``connectivity=4``), or
    also diagonally (``connectivity=8``). Blobs are numbered in raster order of their
    first pixel (row by row, left to right), like ``scipy.ndimage.label``. Written with
    ``scipy.ndimage.label``; a flood fill by hand gives the same numbers (lesson 15).

    Parameters
    ----------
    mask : array of shape (H, W)
        Non-zero (or True) pixels are the foreground.
    connectivity : {4, 8}, default=4

    Returns
    -------
    ndarray of shape (H, W), dtype int64
        The number of blobs is its maximum.

    Examples
    --------
    >>> mask = np.array([[1, 0, 1], [0, 1, 0]])
    >>> connected_components(mask).max(), connected_components(mask, connectivity=8).max()
    (np.int64(3), np.int64(1))
    """
    from scipy import ndimage

    binary = _mask("mask", mask)
    connectivity = _validate.one_of("connectivity", connectivity, (4, 8))
    structure = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
    labels, _ = ndimage.label(binary, structure=structure)
    return labels.astype(np.int64)


def instances_from_classes(masks: Any, connectivity: int = 4) -> np.ndarray:
    """Instance masks from semantic ones: each connected blob of each class is one object.

    The simplest instance segmentation: the blobs of class 1 numbered first (raster
    order, as :func:`connected_components`), then those of class 2 after them, and so
    on. Right when objects of one class never touch; two touching objects of the same
    class become one instance.

    Parameters
    ----------
    masks : array of shape (H, W) or (N, H, W), integers
        Per-pixel classes, 0 for background.
    connectivity : {4, 8}, default=4

    Returns
    -------
    ndarray like ``masks``, dtype int64
        0 on the background, ``1 .. k`` on the ``k`` objects found in each image.

    Examples
    --------
    >>> instances_from_classes(np.array([[1, 0, 1, 2, 2]]))
    array([[1, 0, 2, 3, 3]])
    """
    array = _validate.real_array("masks", masks, (2, 3), "(H, W) or (N, H, W)")
    if not np.issubdtype(array.dtype, np.integer) or (array.size and array.min() < 0):
        raise ValueError(f"masks must hold class numbers >= 0 (integers); got {array.dtype}")
    batch = array[None] if array.ndim == 2 else array
    out = np.zeros(batch.shape, dtype=np.int64)
    for image, mask in zip(out, batch, strict=True):
        for c in np.unique(mask[mask > 0]):
            labels = connected_components(mask == c, connectivity)
            image[labels > 0] = labels[labels > 0] + image.max()
    return out[0] if array.ndim == 2 else out


def sliding_windows(image_size: int, sizes: Sequence[int], stride: int) -> np.ndarray:
    """Square windows of each size, every ``stride`` pixels, fully inside the image.

    The bluntest region proposals: no look at the image at all. (R-CNN used *selective
    search*, which merges similar neighbouring pixels into candidate regions; later
    detectors let a network propose them.)

    Parameters
    ----------
    image_size : int
        Side of the square image.
    sizes : sequence of int
        Sides of the windows, each <= ``image_size``.
    stride : int
        Step between windows, >= 1.

    Returns
    -------
    ndarray of shape (N, 4), float32
        Boxes ``(x_min, y_min, x_max, y_max)``, one size after the other, row by row.
        Each size ``s`` gives ``(floor((image_size - s) / stride) + 1) ** 2`` windows.

    Examples
    --------
    >>> sliding_windows(8, sizes=[4], stride=4)
    array([[0., 0., 4., 4.],
           [4., 0., 8., 4.],
           [0., 4., 4., 8.],
           [4., 4., 8., 8.]], dtype=float32)
    """
    image_size = _validate.integer("image_size", image_size, minimum=1)
    stride = _validate.integer("stride", stride, minimum=1)
    if not _validate.is_sequence(sizes) or not len(sizes):
        raise ValueError(f"sizes must be a non-empty list of window sides; got {sizes!r}")
    boxes = []
    for side in sizes:
        side = _validate.integer("sizes", side, minimum=1)
        if side > image_size:
            raise ValueError(f"sizes must be <= image_size ({image_size}); got {side}")
        starts = np.arange(0, image_size - side + 1, stride)
        y, x = np.meshgrid(starts, starts, indexing="ij")
        corner = np.stack([x.ravel(), y.ravel()], axis=1)
        boxes.append(np.concatenate([corner, corner + side], axis=1))
    return np.concatenate(boxes).astype(np.float32)


def assign_proposals(
    proposals: Any,
    boxes: Any,
    labels: Any,
    foreground_iou: float = 0.5,
    background_iou: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """The training label of each proposal, and the true box it should be refined to.

    Each proposal is compared with every true box by IoU. If its best IoU is at least
    ``foreground_iou``, it is labelled with that box's class plus 1 (as in semantic
    masks) and matched to that box; below ``background_iou`` it is
    :data:`BACKGROUND` (0); in between it is :data:`IGNORED` (-1): neither a good
    example of the object nor of the background. (On a tie, the first true box.)

    Parameters
    ----------
    proposals : array of shape (N, 4)
    boxes : array of shape (K, 4)
        The image's true boxes (K may be 0).
    labels : array of shape (K,)
        Their classes, from 0.
    foreground_iou, background_iou : float, default=0.5 and 0.3
        ``0 <= background_iou <= foreground_iou <= 1``.

    Returns
    -------
    labels : ndarray of shape (N,), int64
        ``class + 1``, 0 or -1.
    matched : ndarray of shape (N,), int64
        The index of the best-overlapping true box (-1 when there is none).

    Examples
    --------
    >>> proposals = np.array([[1, 0, 5, 4], [2, 0, 6, 4], [10, 10, 14, 14]], float)
    >>> assign_proposals(proposals, np.array([[0, 0, 4, 4]], float), np.array([2]))
    (array([ 3, -1,  0]), array([0, 0, 0]))
    """
    proposals = _boxes("proposals", proposals, ndim=2)
    boxes = _boxes("boxes", boxes, ndim=2)
    labels = np.asarray(labels)
    if labels.shape != (len(boxes),):
        raise ValueError(
            f"labels must have one class per box, shape ({len(boxes)},); got {labels.shape}"
        )
    foreground_iou = _validate.number("foreground_iou", foreground_iou, 0.0, 1.0)
    background_iou = _validate.number("background_iou", background_iou, 0.0, foreground_iou)
    if not len(boxes):
        return np.zeros(len(proposals), np.int64), np.full(len(proposals), -1, np.int64)
    overlaps = iou_matrix(proposals, boxes)
    matched = overlaps.argmax(axis=1)
    best = overlaps[np.arange(len(proposals)), matched]
    out = np.full(len(proposals), IGNORED, dtype=np.int64)
    out[best < background_iou] = BACKGROUND
    positive = best >= foreground_iou
    out[positive] = labels[matched[positive]].astype(np.int64) + 1
    return out, matched.astype(np.int64)


def crop_and_resize(image: Any, boxes: Any, size: int) -> np.ndarray:
    """Each box's pixels, resampled (bilinear) to ``size x size``: R-CNN's warped regions.

    Whatever a proposal's size and shape, the per-region CNN needs one input size, so
    every region is stretched to it. Points outside the image take the nearest edge pixel.

    Parameters
    ----------
    image : array of shape (H, W, C)
    boxes : array of shape (N, 4)
        ``(x_min, y_min, x_max, y_max)`` in pixel-edge coordinates.
    size : int
        Side of the crops, >= 1.

    Returns
    -------
    ndarray of shape (N, size, size, C), float32

    Examples
    --------
    >>> image = np.arange(16, dtype=float).reshape(4, 4, 1)
    >>> crop_and_resize(image, np.array([[0, 0, 2, 2]]), size=2)[0, :, :, 0]
    array([[0., 1.],
           [4., 5.]], dtype=float32)
    """
    image = _validate.real_array("image", image, (3,), "(H, W, C)").astype(np.float32)
    boxes = _boxes("boxes", boxes, ndim=2)
    size = _validate.integer("size", size, minimum=1)
    height, width = image.shape[:2]
    steps = (np.arange(size) + 0.5) / size  # sample points, as fractions of the box side
    # pixel-centre coordinates of the samples: pixel i covers [i, i + 1), its centre i + 0.5
    xs = boxes[:, 0:1] + steps[None, :] * (boxes[:, 2:3] - boxes[:, 0:1]) - 0.5  # (N, size)
    ys = boxes[:, 1:2] + steps[None, :] * (boxes[:, 3:4] - boxes[:, 1:2]) - 0.5
    xs, ys = np.clip(xs, 0, width - 1), np.clip(ys, 0, height - 1)
    x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    x1, y1 = np.minimum(x0 + 1, width - 1), np.minimum(y0 + 1, height - 1)
    wx, wy = (xs - x0)[:, None, :, None], (ys - y0)[:, :, None, None]

    def row(y: np.ndarray) -> np.ndarray:  # samples of rows y, interpolated along x
        left, right = image[y[:, :, None], x0[:, None, :]], image[y[:, :, None], x1[:, None, :]]
        return left * (1 - wx) + right * wx

    return (row(y0) * (1 - wy) + row(y1) * wy).astype(np.float32)


def encode_deltas(proposals: Any, boxes: Any) -> np.ndarray:
    """The refinement that turns each proposal into its box, as R-CNN regresses it.

    With centres ``(x, y)`` and sizes ``(w, h)`` of proposal ``p`` and box ``b``::

        t_x = (x_b - x_p) / w_p,   t_y = (y_b - y_p) / h_p,
        t_w = log(w_b / w_p),      t_h = log(h_b / h_p)

    Shifts in units of the proposal's size, and log-ratios of the sizes: the same
    numbers for a small and a large proposal that are off by the same fraction, and any
    real value is a valid box.

    Parameters
    ----------
    proposals, boxes : arrays of shape (N, 4)
        Pairs, ``(x_min, y_min, x_max, y_max)``, of positive width and height.

    Returns
    -------
    ndarray of shape (N, 4), float64
        ``(t_x, t_y, t_w, t_h)`` per pair.

    Examples
    --------
    >>> encode_deltas(np.array([[0, 0, 4, 4]]), np.array([[2, 0, 6, 8]]))
    array([[0.5       , 0.5       , 0.        , 0.69314718]])
    """
    p = _boxes("proposals", proposals, ndim=2).astype(np.float64)
    b = _boxes("boxes", boxes, ndim=2).astype(np.float64)
    if p.shape != b.shape:
        raise ValueError(f"boxes must pair up with proposals, shape {p.shape}; got shape {b.shape}")
    pw, ph = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    bw, bh = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    if np.any(pw <= 0) or np.any(ph <= 0) or np.any(bw <= 0) or np.any(bh <= 0):
        raise ValueError("proposals and boxes must have a positive width and height")
    return np.stack(
        [
            ((b[:, 0] + b[:, 2]) - (p[:, 0] + p[:, 2])) / 2 / pw,
            ((b[:, 1] + b[:, 3]) - (p[:, 1] + p[:, 3])) / 2 / ph,
            np.log(bw / pw),
            np.log(bh / ph),
        ],
        axis=1,
    )


def decode_deltas(proposals: Any, deltas: Any) -> np.ndarray:
    """Apply refinements ``(t_x, t_y, t_w, t_h)`` to proposals: the inverse of
    :func:`encode_deltas`.

    Parameters
    ----------
    proposals : array of shape (N, 4)
    deltas : array of shape (N, 4)

    Returns
    -------
    ndarray of shape (N, 4), float64
        The refined boxes ``(x_min, y_min, x_max, y_max)``.

    Examples
    --------
    >>> decode_deltas(np.array([[0, 0, 4, 4]]), np.array([[0.5, 0.5, 0.0, np.log(2)]]))
    array([[2., 0., 6., 8.]])
    """
    p = _boxes("proposals", proposals, ndim=2).astype(np.float64)
    d = _validate.real_array("deltas", deltas, (2,), "(N, 4)").astype(np.float64)
    if d.shape != p.shape:
        raise ValueError(f"deltas must have shape {p.shape}, one row per proposal; got {d.shape}")
    pw, ph = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    x = (p[:, 0] + p[:, 2]) / 2 + d[:, 0] * pw
    y = (p[:, 1] + p[:, 3]) / 2 + d[:, 1] * ph
    w, h = pw * np.exp(d[:, 2]), ph * np.exp(d[:, 3])
    return np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=1)
