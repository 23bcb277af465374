"""Synthetic scenes: images of several non-overlapping circles, squares and triangles,
with class and instance masks and a box and label per object."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import integer
from ._drawing import (
    MIN_CONTRAST,
    add_noise,
    at_least,
    place_objects,
    rasterise,
    size_range,
    tight_boxes,
)
from .synthetic import SHAPE_CLASSES

__all__ = ["Scenes", "scenes"]

_MAX_LAYOUT_ROUNDS = 100  # fresh starts of an image's layout, at most
_SLOT_TRIES = 20  # redraws of one object that collides with those already placed


class Scenes(NamedTuple):
    """Images made by :func:`scenes`, with their annotations.

    Attributes
    ----------
    images : ndarray of shape (n, size, size, 3), dtype float32
        RGB images with values in [0, 1].
    masks : ndarray of shape (n, size, size), dtype int64
        Per-pixel classes (semantic segmentation): 0 for background, ``label + 1`` on
        an object, as in :class:`Shapes`.
    instances : ndarray of shape (n, size, size), dtype int64
        Per-pixel objects (instance segmentation): 0 for background, ``j + 1`` on the
        pixels of the image's object ``j`` (``boxes[i][j]``, ``labels[i][j]``).
    boxes : list of n ndarrays of shape (k_i, 4), dtype float32
        Tight bounding box of each object's pixels, ``(x_min, y_min, x_max, y_max)``
        in pixel-edge coordinates (``x_max`` exclusive), as in :class:`Shapes`.
    labels : list of n ndarrays of shape (k_i,), dtype int64
        The class of each object: an index into :data:`SHAPE_CLASSES`.
    count : ndarray of shape (n,), dtype int64
        Number of objects ``k_i`` of each image.

    Examples
    --------
    >>> images, masks, instances, boxes, labels, count = scenes(2, size=16, max_objects=2)
    >>> images.shape, masks.shape, instances.shape, len(boxes), len(labels), count.shape
    ((2, 16, 16, 3), (2, 16, 16), (2, 16, 16), 2, 2, (2,))
    """

    images: np.ndarray
    masks: np.ndarray
    instances: np.ndarray
    boxes: list[np.ndarray]
    labels: list[np.ndarray]
    count: np.ndarray


def scenes(
    n: int,
    size: int = 32,
    max_objects: int = 3,
    min_objects: int = 1,
    seed: int = 0,
    noise: float = 0.05,
    min_size: float = 0.2,
    max_size: float = 0.4,
    gap: float = 2.0,
) -> Scenes:
    """Synthetic images of several circles, squares and triangles that never overlap.

    Each image has a random background colour and between ``min_objects`` and
    ``max_objects`` objects (uniformly many), each of a random class, size, colour
    (at least 0.5 from the background in RGB; objects of one image may share a colour)
    and position, drawn as in :func:`shapes`. Objects never overlap: they are placed one
    after the other, each redrawn (size, shape and position) until its bounding box is
    at least ``gap`` pixels from those already placed (an image with no room left
    starts over). So no object hides another, every object is fully visible and inside
    the image, and its box is the tight box of its own pixels. With the default
    ``gap=2`` the boxes of two objects never overlap (their IoU is 0) and at least one
    background pixel separates them. The redraws favour smaller objects in crowded
    images. Everything is vectorised: 1,000 images of 32x32 take about 0.1 s.

    Parameters
    ----------
    n : int
        Number of images (>= 0).
    size : int, default=32
        Side of the square images in pixels (>= 8).
    max_objects, min_objects : int, default=3 and 1
        Range of the number of objects per image, ``0 <= min_objects <= max_objects``.
    seed : int, default=0
        Seed of the random generator (>= 0): the same arguments give the same images.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to every pixel and channel
        (>= 0), before clipping to [0, 1].
    min_size, max_size : float, default=0.2 and 0.4
        Range of each object's size as a fraction of the image side (as in
        :func:`shapes`), ``0 < min_size <= max_size <= 1``.
    gap : float, default=2.0
        Smallest distance in pixels between the (continuous) bounding boxes of two
        objects, >= 0. From 1 on, the boxes of two objects never overlap.

    Returns
    -------
    Scenes
        A named tuple ``(images, masks, instances, boxes, labels, count)``; see
        :class:`Scenes`. ``boxes`` and ``labels`` are lists (one array per image), as
        :func:`cnncourse.metrics.average_precision` and
        :func:`cnncourse.detection.encode_grid` take them.

    Raises
    ------
    ValueError
        For a bad argument, or when ``max_objects`` objects of these sizes do not fit
        in one image (lower ``max_objects``, ``max_size`` or ``gap``).

    Examples
    --------
    >>> data = scenes(100, size=32, max_objects=3, seed=0)
    >>> data.images.shape, data.masks.shape, len(data.boxes)
    ((100, 32, 32, 3), (100, 32, 32), 100)
    >>> data.boxes[0].shape == (data.count[0], 4), data.labels[0].shape == (data.count[0],)
    (True, True)
    >>> int(data.count.min()) >= 1 and int(data.count.max()) <= 3
    True
    """
    n = integer("n", n, minimum=0)
    size = integer("size", size, minimum=8)
    max_objects = integer("max_objects", max_objects, minimum=0)
    min_objects = integer("min_objects", min_objects, minimum=0)
    if min_objects > max_objects:
        raise ValueError(
            f"min_objects must be <= max_objects ({max_objects}); got min_objects={min_objects}"
        )
    seed = integer("seed", seed, minimum=0)
    noise = at_least("noise", noise, 0.0)
    min_size, max_size = size_range(min_size, max_size)
    gap = at_least("gap", gap, 0.0)

    rng = np.random.default_rng(seed)
    count = rng.integers(min_objects, max_objects + 1, size=n).astype(np.int64)
    slots = max_objects
    active = np.arange(slots)[None, :] < count[:, None]  # (n, slots)
    labels = rng.integers(0, len(SHAPE_CLASSES), size=(n, slots)).astype(np.int64)
    background = rng.uniform(0.0, 1.0, size=(n, 3))
    foreground = rng.uniform(0.0, 1.0, size=(n, slots, 3))
    redo = np.linalg.norm(foreground - background[:, None], axis=-1) < MIN_CONTRAST
    while redo.any():  # about half the colours pass each round
        foreground[redo] = rng.uniform(0.0, 1.0, size=(int(redo.sum()), 3))
        redo = np.linalg.norm(foreground - background[:, None], axis=-1) < MIN_CONTRAST

    # Layout: place the objects one slot after the other, redrawing an object (size,
    # shape and position) while its box comes closer than `gap` to an already placed
    # one; an image whose object still finds no room after a few tries starts over.
    extent = np.zeros((n, slots))
    centre = np.zeros((n, slots, 2))
    vertices = np.zeros((n, slots, 3, 2))
    box = np.zeros((n, slots, 4))
    pending = np.arange(n)
    rounds = 0
    while len(pending):
        if rounds == _MAX_LAYOUT_ROUNDS:
            raise ValueError(
                f"max_objects={max_objects} objects of up to max_size={max_size} of the image "
                f"side do not fit without overlapping (gap={gap}) in {size}x{size} images; "
                "lower max_objects, max_size or gap, or use larger images"
            )
        rounds += 1
        failed = []
        for j in range(slots):
            need = pending[active[pending, j]]
            for _ in range(_SLOT_TRIES):
                if not len(need):
                    break
                e, c, v, b = place_objects(rng, labels[need, j], min_size, max_size, size)
                placed = box[need, :j]  # (m, j, 4), the objects already there
                apart = (
                    (b[:, None, 0] >= placed[..., 2] + gap)
                    | (placed[..., 0] >= b[:, None, 2] + gap)
                    | (b[:, None, 1] >= placed[..., 3] + gap)
                    | (placed[..., 1] >= b[:, None, 3] + gap)
                )
                clash = (~apart).any(axis=1)
                done = need[~clash]
                extent[done, j], centre[done, j] = e[~clash], c[~clash]
                vertices[done, j], box[done, j] = v[~clash], b[~clash]
                need = need[clash]
            if len(need):  # no room found: these images start over
                failed.append(need)
                pending = np.setdiff1d(pending, need)
        pending = np.concatenate(failed) if failed else np.arange(0)
        pending.sort()

    # Rasterise the objects that exist, all at once.
    image_of, slot_of = np.nonzero(active)  # objects in image order, then slot order
    objects = len(image_of)
    where = (image_of, slot_of)
    filled = rasterise(labels[where], centre[where], extent[where], vertices[where], size)

    instances = np.zeros((n, size, size), dtype=np.int64)
    for j in range(slots):  # objects never overlap, so the order does not matter
        pick = slot_of == j
        rows = image_of[pick]
        instances[rows] = np.where(filled[pick], j + 1, instances[rows])
    # Look-up tables per image, entry 0 for the background and j + 1 for object j.
    rows = np.arange(n)[:, None, None]
    classes = np.concatenate([np.zeros((n, 1), np.int64), labels + 1], axis=1)
    palette = np.concatenate([background[:, None], foreground], axis=1).astype(np.float32)
    masks = classes[rows, instances]
    images = palette[rows, instances]
    add_noise(images, rng, noise)

    boxes = tight_boxes(filled) if objects else np.zeros((0, 4), np.float32)
    splits = np.cumsum(count)[:-1]
    return Scenes(
        images=images,
        masks=masks,
        instances=instances,
        boxes=np.split(boxes, splits) if n else [],
        labels=np.split(labels[image_of, slot_of], splits) if n else [],
        count=count,
    )
