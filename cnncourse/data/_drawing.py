"""Drawing of the synthetic objects shared by :func:`~cnncourse.data.shapes` and
:func:`~cnncourse.data.scenes`: argument checks, random placement, rasterising, boxes
and noise."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import number

__all__ = [
    "MIN_CONTRAST",
    "PIXELS_PER_CHUNK",
    "TRIANGLE_JITTER",
    "TRIANGLE_SIDE",
    "add_noise",
    "at_least",
    "place_objects",
    "rasterise",
    "size_range",
    "tight_boxes",
]

#: Smallest RGB distance between an object's colour and its background.
MIN_CONTRAST = 0.5
#: Side of a triangle relative to the drawn size (so that it has about the same area).
TRIANGLE_SIDE = 1.2
#: Radians each triangle vertex may move along its circumcircle.
TRIANGLE_JITTER = 0.25
#: Pixels rasterised at once by :func:`rasterise`: bounds its temporary memory.
PIXELS_PER_CHUNK = 1 << 22


def at_least(name: str, value: Any, low: float) -> float:
    """Return ``value`` as a float, checking it is a number >= ``low``.

    Examples
    --------
    >>> at_least("noise", 0.1, 0.0)
    0.1
    >>> at_least("noise", -1, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: noise must be >= 0.0; got -1.0
    """
    value = number(name, value)
    if not value >= low:  # also rejects NaN
        raise ValueError(f"{name} must be >= {low}; got {value}")
    return value


def size_range(min_size: Any, max_size: Any) -> tuple[float, float]:
    """Check an object size range, fractions of the image side with
    ``0 < min_size <= max_size <= 1``, and return it as floats.

    Examples
    --------
    >>> size_range(0.25, 0.6)
    (0.25, 0.6)
    >>> size_range(0.5, 0.4)
    Traceback (most recent call last):
    ...
    ValueError: max_size must be >= min_size (0.5) and <= 1; got max_size=0.4
    """
    min_size = number("min_size", min_size, 0.0, 1.0)
    max_size = number("max_size", max_size, 0.0, 1.0)
    if min_size <= 0:
        raise ValueError(f"min_size must be > 0 (a fraction of the image side); got {min_size}")
    if max_size < min_size:
        raise ValueError(
            f"max_size must be >= min_size ({min_size}) and <= 1; got max_size={max_size}"
        )
    return min_size, max_size


def place_objects(
    rng: np.random.Generator, labels: np.ndarray, min_size: float, max_size: float, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random size, orientation and position of objects of classes ``labels`` (any
    shape), each fully inside a ``size`` x ``size`` image.

    Draws, in this order, each object's extent (``min_size`` to ``max_size`` of the
    side), angle, triangle jitter and position. Triangle vertices lie on a circle at
    roughly 120 degrees from each other (every angle stays acute, so the centre is
    inside).

    Returns
    -------
    extent : ndarray like ``labels``
        Diameter of a circle, side of a square, about the height of a triangle, in pixels.
    centre : ndarray (..., 2)
        ``(x, y)`` of each object's centre.
    vertices : ndarray (..., 3, 2)
        Absolute triangle vertices (meaningful for triangles only).
    box : ndarray (..., 4)
        The continuous bounding box ``(x_min, y_min, x_max, y_max)`` of each object.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> extent, centre, vertices, box = place_objects(rng, np.array([0, 2]), 0.2, 0.4, 32)
    >>> extent.shape, centre.shape, vertices.shape, box.shape
    ((2,), (2, 2), (2, 3, 2), (2, 4))
    >>> bool((box >= 0).all() and (box <= 32).all())
    True
    """
    shape = labels.shape
    extent = rng.uniform(min_size, max_size, size=shape) * size
    angle = rng.uniform(0.0, 2 * np.pi, size=shape)
    jitter = rng.uniform(-TRIANGLE_JITTER, TRIANGLE_JITTER, size=(*shape, 3))
    where = rng.uniform(0.0, 1.0, size=(*shape, 2))
    radius = np.minimum(extent * TRIANGLE_SIDE / np.sqrt(3.0), size / 2.0)
    phi = angle[..., None] + np.array([0.0, 2.0, 4.0]) * np.pi / 3.0 + jitter
    vertices = np.stack([np.cos(phi), np.sin(phi)], axis=-1) * radius[..., None, None]
    # Extent of each object around its centre, then a centre that keeps the whole
    # object inside the image [0, size] x [0, size].
    is_triangle = (labels == 2)[..., None]
    low = np.where(is_triangle, vertices.min(axis=-2), -extent[..., None] / 2.0)
    high = np.where(is_triangle, vertices.max(axis=-2), extent[..., None] / 2.0)
    centre = -low + where * np.maximum(size - (high - low), 0.0)
    vertices = vertices + centre[..., None, :]
    box = np.concatenate([centre + low, centre + high], axis=-1)
    return extent, centre, vertices, box


def rasterise(
    labels: np.ndarray,
    centre: np.ndarray,
    extent: np.ndarray,
    vertices: np.ndarray,
    size: int,
) -> np.ndarray:
    """Boolean masks (k, size, size) of k objects placed by :func:`place_objects`:
    the pixels whose centres lie inside each object.

    Labels 0, 1, 2 are circles, squares and triangles. An object too small to cover
    any pixel centre keeps the pixel under its centre, so no mask is empty. Works
    :data:`PIXELS_PER_CHUNK` pixels at a time.

    Examples
    --------
    >>> mask = rasterise(np.array([1]), np.array([[2.0, 2.0]]), np.array([2.0]),
    ...                  np.zeros((1, 3, 2)), size=4)
    >>> mask[0].astype(int)
    array([[0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0]])
    """
    filled = np.zeros((len(labels), size, size), dtype=bool)
    chunk = max(1, PIXELS_PER_CHUNK // (size * size))
    for start in range(0, len(labels), chunk):
        part = slice(start, start + chunk)
        filled[part] = _inside(labels[part], centre[part], extent[part], vertices[part], size)
    empty = np.flatnonzero(~filled.any(axis=(1, 2)))
    if len(empty):
        column, row = np.clip(np.floor(centre[empty]).astype(np.int64), 0, size - 1).T
        filled[empty, row, column] = True
    return filled


def _inside(
    labels: np.ndarray,
    centre: np.ndarray,
    extent: np.ndarray,
    vertices: np.ndarray,
    size: int,
) -> np.ndarray:
    """Boolean masks (k, size, size): which pixel centres lie inside each object."""
    out = np.zeros((len(labels), size, size), dtype=bool)
    grid = np.arange(size, dtype=np.float32) + np.float32(0.5)  # pixel centres
    xs, ys = grid[None, None, :], grid[None, :, None]

    def column(values: np.ndarray) -> np.ndarray:
        return values.astype(np.float32)[:, None, None]

    pick = labels == 0  # circles
    if pick.any():
        cx, cy, r = column(centre[pick, 0]), column(centre[pick, 1]), column(extent[pick] / 2)
        out[pick] = (xs - cx) ** 2 + (ys - cy) ** 2 <= r**2

    pick = labels == 1  # squares: half-open, so a side of d pixels covers d columns
    if pick.any():
        cx, cy, h = column(centre[pick, 0]), column(centre[pick, 1]), column(extent[pick] / 2)
        out[pick] = ((xs >= cx - h) & (xs < cx + h)) & ((ys >= cy - h) & (ys < cy + h))

    pick = labels == 2  # triangles: inside all three edges
    if pick.any():
        corners = vertices[pick]
        inside = np.ones((int(pick.sum()), size, size), dtype=bool)
        for i in range(3):
            x0, y0 = column(corners[:, i, 0]), column(corners[:, i, 1])
            x1, y1 = column(corners[:, (i + 1) % 3, 0]), column(corners[:, (i + 1) % 3, 1])
            inside &= (x1 - x0) * (ys - y0) - (y1 - y0) * (xs - x0) >= 0
        out[pick] = inside
    return out


def tight_boxes(filled: np.ndarray) -> np.ndarray:
    """Tight ``(x_min, y_min, x_max, y_max)`` boxes (n, 4), float32, of non-empty boolean
    masks (n, H, W), in pixel-edge coordinates (``x_max`` and ``y_max`` exclusive).

    Examples
    --------
    >>> mask = np.zeros((1, 4, 5), dtype=bool)
    >>> mask[0, 1:3, 2:5] = True
    >>> tight_boxes(mask)
    array([[2., 1., 5., 3.]], dtype=float32)
    """
    height, width = filled.shape[1:]
    columns = filled.any(axis=1)  # (n, W)
    rows = filled.any(axis=2)  # (n, H)
    x_min = columns.argmax(axis=1)
    x_max = width - columns[:, ::-1].argmax(axis=1)
    y_min = rows.argmax(axis=1)
    y_max = height - rows[:, ::-1].argmax(axis=1)
    return np.stack([x_min, y_min, x_max, y_max], axis=1).astype(np.float32)


def add_noise(images: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``noise`` to float32 ``images`` in place,
    then clip them to [0, 1]; ``noise=0`` leaves them (and ``rng``) untouched.

    Examples
    --------
    >>> images = np.full((2, 4, 4, 3), 0.5, dtype=np.float32)
    >>> noisy = add_noise(images, np.random.default_rng(0), 0.1)
    >>> noisy is images, bool(noisy.std() > 0), bool(noisy.min() >= 0 and noisy.max() <= 1)
    (True, True, True)
    """
    if noise > 0:
        grain = rng.standard_normal(images.shape, dtype=np.float32)
        grain *= np.float32(noise)
        images += grain
        np.clip(images, 0.0, 1.0, out=images)
    return images
