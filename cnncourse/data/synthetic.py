"""Synthetic images of one object each: :func:`shapes` (circles, squares, triangles,
with labels, masks and boxes) and :func:`bars` (short vertical and horizontal bars)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import integer, one_of
from ._drawing import (
    MIN_CONTRAST,
    add_noise,
    at_least,
    place_objects,
    rasterise,
    size_range,
    tight_boxes,
)

__all__ = ["BAR_LAYOUTS", "SHAPE_CLASSES", "Shapes", "bars", "shapes"]

#: Class names of :func:`shapes`: label ``i`` is ``SHAPE_CLASSES[i]``, and
#: ``i + 1`` in the masks (0 is the background).
SHAPE_CLASSES: tuple[str, ...] = ("circle", "square", "triangle")


class Shapes(NamedTuple):
    """Images made by :func:`shapes`, with their annotations.

    Attributes
    ----------
    images : ndarray of shape (n, size, size, 3), dtype float32
        RGB images with values in [0, 1].
    labels : ndarray of shape (n,), dtype int64
        The class of each image's object: an index into :data:`SHAPE_CLASSES`.
    masks : ndarray of shape (n, size, size), dtype int64
        Per-pixel classes: 0 for background, ``label + 1`` on the object.
    boxes : ndarray of shape (n, 4), dtype float32
        Tight bounding box of each mask as ``(x_min, y_min, x_max, y_max)`` in
        pixel-edge coordinates: the object covers columns ``x_min .. x_max - 1``
        and rows ``y_min .. y_max - 1``, so its width is ``x_max - x_min``.

    Examples
    --------
    >>> images, labels, masks, boxes = shapes(2, size=16)
    >>> images.shape, labels.shape, masks.shape, boxes.shape
    ((2, 16, 16, 3), (2,), (2, 16, 16), (2, 4))
    """

    images: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    boxes: np.ndarray


def shapes(
    n: int,
    size: int = 32,
    seed: int = 0,
    noise: float = 0.05,
    min_size: float = 0.25,
    max_size: float = 0.6,
) -> Shapes:
    """Synthetic images of one circle, square or triangle each.

    Each image has a random background colour and one object of another,
    clearly different colour (at least 0.5 apart in RGB), at a random
    position fully inside the image, of random size. Squares are
    axis-aligned; triangles have a random orientation and slightly random
    angles. The whole batch is drawn at once (vectorised): tens of thousands
    of images take about a second.

    Parameters
    ----------
    n : int
        Number of images (>= 0).
    size : int, default=32
        Side of the square images in pixels (>= 8; objects are easy to tell
        apart from 16 on).
    seed : int, default=0
        Seed of the random generator (>= 0): the same seed gives the same
        images.
    noise : float, default=0.05
        Standard deviation of Gaussian noise added to every pixel and channel
        (>= 0), before clipping to [0, 1]. With 0 each image has exactly two
        colours.
    min_size, max_size : float, default=0.25 and 0.6
        Range of the object size as a fraction of the image side,
        ``0 < min_size <= max_size <= 1``: the diameter of a circle, the side
        of a square, about the height of a triangle.

    Returns
    -------
    Shapes
        A named tuple ``(images, labels, masks, boxes)``; see :class:`Shapes`.

    Examples
    --------
    >>> data = shapes(100, size=32, seed=0)
    >>> data.images.shape, data.labels.shape, data.masks.shape, data.boxes.shape
    ((100, 32, 32, 3), (100,), (100, 32, 32), (100, 4))
    >>> SHAPE_CLASSES[data.labels[0]] in SHAPE_CLASSES
    True
    """
    n = integer("n", n, minimum=0)
    size = integer("size", size, minimum=8)
    seed = integer("seed", seed, minimum=0)
    noise = at_least("noise", noise, 0.0)
    min_size, max_size = size_range(min_size, max_size)

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPE_CLASSES), size=n).astype(np.int64)
    extent, centre, vertices, _ = place_objects(rng, labels, min_size, max_size, size)
    foreground, background = _contrasting_colours(rng, n)

    filled = rasterise(labels, centre, extent, vertices, size)
    masks = filled * (labels + 1)[:, None, None]
    images = np.where(
        filled[..., None],
        foreground[:, None, None, :],
        background[:, None, None, :],
    ).astype(np.float32, copy=False)
    add_noise(images, rng, noise)
    return Shapes(images=images, labels=labels, masks=masks, boxes=tight_boxes(filled))


#: Values of the ``layout`` argument of :func:`bars`: bars at fixed places
#: (``"aligned"``) or one bar anywhere (``"anywhere"``).
BAR_LAYOUTS = ("aligned", "anywhere")


def bars(
    n: int, size: int = 12, layout: str = "aligned", noise: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy grayscale images holding short vertical and horizontal bars: a toy for
    comparing shared (convolution) and unshared (locally connected) weights.

    ``layout="aligned"``: every image has one bar in its top-left corner and one in its
    bottom-right corner, always at the same places (like aligned faces); label 1 when
    the top-left bar is vertical (and the other horizontal), 0 for the reverse. Both
    classes contain one bar of each kind: only *where* each kind is tells them apart.

    ``layout="anywhere"``: one bar at a random position; label 1 for a vertical bar,
    0 for a horizontal one. *What* the bar is matters, not where.

    Parameters
    ----------
    n : int >= 0
    size : int >= 8, the image side
    layout : {"aligned", "anywhere"}
    noise : float >= 0, standard deviation of the Gaussian background noise
    seed : int

    Returns
    -------
    images : float32 (n, size, size, 1); bars have height 2 above the noise
    labels : int64 (n,), 0 or 1

    Examples
    --------
    >>> x, y = bars(4, size=12, layout="anywhere", seed=0)
    >>> x.shape, y.shape
    ((4, 12, 12, 1), (4,))
    """
    n = integer("n", n, minimum=0)
    size = integer("size", size, minimum=8)
    layout = one_of("layout", layout, BAR_LAYOUTS)
    noise = at_least("noise", noise, 0.0)
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, noise, size=(n, size, size, 1)).astype(np.float32)
    labels = rng.integers(0, 2, size=n).astype(np.int64)
    vertical = np.zeros((3, 3), np.float32)
    vertical[:, 1] = 2.0
    horizontal = vertical.T
    if layout == "aligned":
        far = size - 5
        for i in range(n):
            first, second = (vertical, horizontal) if labels[i] else (horizontal, vertical)
            images[i, 2:5, 2:5, 0] += first
            images[i, far : far + 3, far : far + 3, 0] += second
    else:
        corners = rng.integers(0, size - 2, size=(n, 2))
        for i, (top, left) in enumerate(corners):
            images[i, top : top + 3, left : left + 3, 0] += vertical if labels[i] else horizontal
    return images, labels


def _contrasting_colours(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random (foreground, background) RGB pairs at least ``MIN_CONTRAST`` apart."""
    foreground = rng.uniform(0.0, 1.0, size=(n, 3))
    background = rng.uniform(0.0, 1.0, size=(n, 3))
    redo = np.linalg.norm(foreground - background, axis=1) < MIN_CONTRAST
    while redo.any():  # about half the pairs pass each round
        count = int(redo.sum())
        foreground[redo] = rng.uniform(0.0, 1.0, size=(count, 3))
        background[redo] = rng.uniform(0.0, 1.0, size=(count, 3))
        redo = np.linalg.norm(foreground - background, axis=1) < MIN_CONTRAST
    return foreground.astype(np.float32), background.astype(np.float32)
