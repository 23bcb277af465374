"""Random geometric changes of whole image sets: :func:`jitter` shifts, rotates and scales
every image of a batch by its own random amount (a fixed data set, not an augmentation
layer: the same seed gives the same images)."""

from __future__ import annotations

import numpy as np

from .._validate import image_batch, integer, number

__all__ = ["jitter"]


def jitter(
    images: np.ndarray,
    canvas: int | None = None,
    rotation: float = 25.0,
    zoom: tuple[float, float] = (0.75, 1.15),
    shift: float = 3.0,
    seed: int = 0,
) -> np.ndarray:
    """Each image placed on a larger canvas, randomly rotated, scaled and shifted.

    Every image gets its own random rotation (uniform in ``[-rotation, rotation]``
    degrees), scale factor (uniform in ``zoom``) and shift (uniform in ``[-shift,
    shift]`` pixels along each axis), about the canvas's centre, with bilinear
    interpolation; what comes from outside the image is 0. Vectorised: thousands of
    small images take a fraction of a second.

    Parameters
    ----------
    images : ndarray of shape (N, H, W) or (N, H, W, C)
        Square or not; any real dtype.
    canvas : int, optional
        Side of the output images, at least ``max(H, W)``; the image is centred on it
        before the transformation. Default: ``max(H, W)`` (no margin).
    rotation : float, default=25.0
        Largest rotation in degrees, >= 0.
    zoom : (float, float), default=(0.75, 1.15)
        Range of the scale factor, ``0 < low <= high``.
    shift : float, default=3.0
        Largest shift in pixels along each axis, >= 0.
    seed : int, default=0
        The same seed gives the same images.

    Returns
    -------
    ndarray of shape (N, canvas, canvas) or (N, canvas, canvas, C), float32

    Examples
    --------
    >>> from cnncourse import data
    >>> (x, _), _ = data.digits(size=16)
    >>> moved = jitter(x[:5], canvas=20, seed=0)
    >>> moved.shape, moved.dtype
    ((5, 20, 20, 1), dtype('float32'))
    >>> still = jitter(x[:5], canvas=20, rotation=0, zoom=(1, 1), shift=0)
    >>> bool(np.allclose(still[:, 2:18, 2:18], x[:5], atol=1e-6))
    True
    """
    array = np.asarray(images)
    batch = image_batch("images", array, ndim=(3, 4))
    if array.ndim == 3:  # (N, H, W): image_batch read it as one (H, W, C) image
        batch = array[..., np.newaxis]
    n, height, width, channels = batch.shape
    side = max(height, width)
    canvas = side if canvas is None else integer("canvas", canvas, minimum=side)
    rotation = number("rotation", rotation, low=0.0, high=180.0)
    shift = number("shift", shift, low=0.0)
    if not (isinstance(zoom, (tuple, list)) and len(zoom) == 2):
        raise ValueError(f"zoom must be a pair (low, high); got {zoom!r}")
    low, high = (number("zoom", z, low=0.0) for z in zoom)
    if not 0 < low <= high:
        raise ValueError(f"zoom must satisfy 0 < low <= high; got {zoom!r}")
    seed = integer("seed", seed, minimum=0)

    top, left = (canvas - height) // 2, (canvas - width) // 2
    padded = np.zeros((n, canvas, canvas, channels), np.float32)
    padded[:, top : top + height, left : left + width] = batch

    rng = np.random.default_rng(seed)
    angle = np.deg2rad(rng.uniform(-rotation, rotation, size=n))
    scale = rng.uniform(low, high, size=n)
    offset = rng.uniform(-shift, shift, size=(n, 2))
    # Output pixel o samples the input at R(angle) (o - centre - offset) / scale + centre.
    centre = (canvas - 1) / 2.0
    rows, cols = np.meshgrid(np.arange(canvas), np.arange(canvas), indexing="ij")
    dr = rows[None] - centre - offset[:, 0, None, None]
    dc = cols[None] - centre - offset[:, 1, None, None]
    cos, sin = (f(angle)[:, None, None] / scale[:, None, None] for f in (np.cos, np.sin))
    src_rows = cos * dr - sin * dc + centre
    src_cols = sin * dr + cos * dc + centre
    index = np.broadcast_to(np.arange(n)[:, None, None], src_rows.shape)

    from scipy.ndimage import map_coordinates  # heavy: only when used

    out = np.empty_like(padded)
    for c in range(channels):
        out[..., c] = map_coordinates(
            padded[..., c], [index, src_rows, src_cols], order=1, mode="constant", cval=0.0
        )
    return out if array.ndim == 4 else out[..., 0]
