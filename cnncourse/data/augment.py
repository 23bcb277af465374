"""Data augmentation in NumPy: random shifts and small rotations of a batch of images.

:func:`shift_and_rotate` does what Keras's ``RandomTranslation`` followed by
``RandomRotation`` (bilinear, filling with 0) do, in NumPy, for a whole batch at once.
It runs outside the model, so the model keeps no random layers and every backend
compiles its training step; and a seed gives the same images on TensorFlow, JAX and
PyTorch. (Keras's random layers are not compilable: inside a model they keep JAX from
compiling the training step, and on PyTorch Keras's image transform takes about a second
per call on 1,347 images of 16 x 16 on 2 cores; this takes milliseconds.)
:class:`cnncourse.data.AugmentedBatches` applies it afresh every epoch.

Examples
--------
>>> import numpy as np
>>> from cnncourse import data
>>> x = np.zeros((2, 16, 16, 1), dtype="float32")
>>> data.shift_and_rotate(x, seed=0).shape
(2, 16, 16, 1)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _validate

__all__ = ["jitter", "shift_and_rotate", "warp"]


def warp(images: Any, shifts: Any, angles: Any, scales: Any = None) -> np.ndarray:
    """Each image of ``images`` turned and scaled about its centre, then shifted.

    Output pixel ``(r, c)`` of image ``i`` takes the input at the point that the shift
    and the turn carry onto it, read by bilinear interpolation; points outside the image
    read 0. A positive shift moves the content down and right; a positive angle turns it
    counter-clockwise as displayed (row 0 at the top).

    Parameters
    ----------
    images : array (N, H, W, C)
    shifts : array (N, 2)
        ``(down, right)`` of each image, in pixels (any real number).
    angles : array (N,)
        In radians.
    scales : array (N,) of positive numbers, optional
        Each image's scale factor (above 1 enlarges it); default 1 for every image.

    Returns
    -------
    ndarray (N, H, W, C): float32 for float32 ``images``, else float64

    Examples
    --------
    >>> x = np.zeros((1, 3, 3, 1)); x[0, 1, 1, 0] = 1.0
    >>> warp(x, [[1, 0]], [0.0])[0, :, :, 0]  # one pixel down
    array([[0., 0., 0.],
           [0., 0., 0.],
           [0., 1., 0.]])
    """
    x = _validate.real_array("images", images, (4,), "(N, H, W, C)")
    x = x.astype(_validate.float_dtype(x), copy=False)
    n, h, w, _ = x.shape
    shifts = _validate.real_array("shifts", shifts, (2,), "(N, 2)").astype(np.float64)
    angles = _validate.real_array("angles", angles, (1,), "(N,)").astype(np.float64)
    scales = (
        np.ones(n)
        if scales is None
        else _validate.real_array("scales", scales, (1,), "(N,)").astype(np.float64)
    )
    if not np.all(scales > 0):
        raise ValueError(f"scales must all be positive; got {scales.min()}")
    if shifts.shape != (n, 2) or angles.shape != (n,) or scales.shape != (n,):
        raise ValueError(
            f"shifts must have shape ({n}, 2), angles and scales ({n},), one per image; got "
            f"{shifts.shape}, {angles.shape} and {scales.shape}"
        )
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    # undo the shift, then the turn: where in the input each output pixel comes from
    y = rows[None] - cy - shifts[:, 0, None, None]
    x_ = cols[None] - cx - shifts[:, 1, None, None]
    cos, sin = (f(angles)[:, None, None] / scales[:, None, None] for f in (np.cos, np.sin))
    src_y = cos * y + sin * x_ + cy
    src_x = cos * x_ - sin * y + cx
    y0, x0 = np.floor(src_y).astype(np.int64), np.floor(src_x).astype(np.int64)
    fy, fx = src_y - y0, src_x - x0
    batch = np.arange(n)[:, None, None]
    out = np.zeros_like(x)
    for dy, dx, weight in [
        (0, 0, (1 - fy) * (1 - fx)),
        (0, 1, (1 - fy) * fx),
        (1, 0, fy * (1 - fx)),
        (1, 1, fy * fx),
    ]:
        yi, xi = y0 + dy, x0 + dx
        inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        values = x[batch, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        out += (weight * inside)[..., None].astype(x.dtype) * values
    return out


def shift_and_rotate(
    images: Any, shift: float = 0.1, rotation: float = 0.03, seed: Any = None
) -> np.ndarray:
    """A random shift and a small random rotation of each image, filled with 0.

    Image ``i`` is shifted by up to ``shift`` of its height down or up and up to
    ``shift`` of its width right or left, and turned by up to ``rotation`` of a full
    turn either way (uniformly at random; 0.03 is up to about 11 degrees), as Keras's
    ``RandomTranslation(shift, shift)`` and ``RandomRotation(rotation)`` with
    ``fill_mode="constant"`` would. No flips: a mirrored 2 or 7 is no digit.

    Parameters
    ----------
    images : array (N, H, W, C)
    shift : float in [0, 1), default=0.1
        Largest shift, as a fraction of the height and of the width.
    rotation : float in [0, 0.5), default=0.03
        Largest rotation, as a fraction of a full turn.
    seed : int, numpy Generator or None
        The random draws (a Generator is used as it is and moves on).

    Returns
    -------
    ndarray (N, H, W, C): a new array, ``images`` is not changed

    Examples
    --------
    >>> x = np.random.default_rng(0).random((4, 8, 8, 1))
    >>> bool(np.array_equal(shift_and_rotate(x, seed=1), shift_and_rotate(x, seed=1)))
    True
    >>> bool(np.array_equal(shift_and_rotate(x, 0.0, 0.0), x))
    True
    """
    x = _validate.real_array("images", images, (4,), "(N, H, W, C)")
    shift = _validate.number("shift", shift)
    rotation = _validate.number("rotation", rotation)
    if not 0 <= shift < 1:
        raise ValueError(f"shift must be in [0, 1) (a fraction of the image side); got {shift}")
    if not 0 <= rotation < 0.5:
        raise ValueError(
            f"rotation must be in [0, 0.5) (a fraction of a full turn); got {rotation}"
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n, h, w = x.shape[:3]
    shifts = rng.uniform(-shift, shift, size=(n, 2)) * np.array([h, w])
    angles = rng.uniform(-rotation, rotation, size=n) * 2 * np.pi
    return warp(x, shifts, angles)


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
    batch = _validate.image_batch("images", array, ndim=(3, 4))
    if array.ndim == 3:  # (N, H, W): image_batch read it as one (H, W, C) image
        batch = array[..., np.newaxis]
    n, height, width, channels = batch.shape
    side = max(height, width)
    canvas = side if canvas is None else _validate.integer("canvas", canvas, minimum=side)
    rotation = _validate.number("rotation", rotation, low=0.0, high=180.0)
    shift = _validate.number("shift", shift, low=0.0)
    if not (isinstance(zoom, (tuple, list)) and len(zoom) == 2):
        raise ValueError(f"zoom must be a pair (low, high); got {zoom!r}")
    low, high = (_validate.number("zoom", z, low=0.0) for z in zoom)
    if not 0 < low <= high:
        raise ValueError(f"zoom must satisfy 0 < low <= high; got {zoom!r}")
    seed = _validate.integer("seed", seed, minimum=0)

    top, left = (canvas - height) // 2, (canvas - width) // 2
    padded = np.zeros((n, canvas, canvas, channels), np.float32)
    padded[:, top : top + height, left : left + width] = batch

    rng = np.random.default_rng(seed)
    angle = np.deg2rad(rng.uniform(-rotation, rotation, size=n))
    scale = rng.uniform(low, high, size=n)
    offset = rng.uniform(-shift, shift, size=(n, 2))
    # warp turns counter-clockwise for a positive angle; jitter has always drawn the other way
    out = warp(padded, offset, -angle, scale)
    return out if array.ndim == 4 else out[..., 0]
