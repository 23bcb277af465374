"""Synthetic video: :func:`moving_shapes`, short grayscale clips of one shape moving in one
of four directions, where a single frame says nothing about the direction."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._validate import integer, is_sequence, short
from ._drawing import add_noise, at_least, place_objects, rasterise, size_range

__all__ = ["MOTION_CLASSES", "MOTION_STEPS", "Clips", "moving_shapes"]

#: Class names of :func:`moving_shapes`: label ``i`` is the direction ``MOTION_CLASSES[i]``.
MOTION_CLASSES: tuple[str, ...] = ("right", "left", "down", "up")

#: The step ``(dx, dy)`` of each direction for a speed of one pixel per frame (x to the
#: right, y down, as the image's columns and rows): ``MOTION_STEPS[label] * speed``.
MOTION_STEPS: np.ndarray = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], dtype=np.int64)
MOTION_STEPS.flags.writeable = False


class Clips(NamedTuple):
    """Clips made by :func:`moving_shapes`, with what moves where.

    Attributes
    ----------
    clips : ndarray of shape (n, frames, size, size, 1), dtype float32
        Grayscale video clips with values in [0, 1]: ``(batch, time, height, width,
        channels)``, the layout of Keras's ``TimeDistributed``, ``ConvLSTM2D`` and
        ``Conv3D`` inputs.
    labels : ndarray of shape (n,), dtype int64
        The direction of each clip's motion: an index into :data:`MOTION_CLASSES`.
    positions : ndarray of shape (n, frames, 2), dtype int64
        ``(dx, dy)``: how far the shape is shifted in each frame from where it was drawn,
        in pixels, wrapped into ``0 .. size - 1`` (the image is a torus: what leaves on
        the right comes back on the left). Frame ``t + 1`` is frame ``t`` rolled by
        ``MOTION_STEPS[label] * speed``.
    speeds : ndarray of shape (n,), dtype int64
        Pixels moved per frame.
    shapes : ndarray of shape (n,), dtype int64
        The shape of each clip: an index into ``data.SHAPE_CLASSES``.

    Examples
    --------
    >>> clips, labels, positions, speeds, shapes = moving_shapes(2, frames=4, size=12)
    >>> clips.shape, labels.shape, positions.shape, speeds.shape, shapes.shape
    ((2, 4, 12, 12, 1), (2,), (2, 4, 2), (2,), (2,))
    """

    clips: np.ndarray
    labels: np.ndarray
    positions: np.ndarray
    speeds: np.ndarray
    shapes: np.ndarray


def _speeds(value: Any) -> tuple[int, ...]:
    """The ``speeds`` argument: an int or a non-empty sequence of ints >= 1."""
    values = list(value) if is_sequence(value) else [value]
    if not values:
        raise ValueError(f"speeds must be an int or a non-empty tuple of ints; got {short(value)}")
    return tuple(integer("speeds", v, minimum=1) for v in values)


def moving_shapes(
    n: int,
    frames: int = 8,
    size: int = 16,
    seed: int = 0,
    speeds: int | tuple[int, ...] = (1, 2),
    noise: float = 0.05,
    min_size: float = 0.25,
    max_size: float = 0.45,
) -> Clips:
    """Short grayscale clips of a circle, square or triangle moving right, left, down or up.

    Each clip shows one shape (random class, size, orientation and brightness, on a
    darker background of random brightness) that moves by the same step from each frame
    to the next: ``speed`` pixels (drawn from ``speeds``) in the clip's direction, its
    label. The image wraps around like a torus, so the shape never leaves it: what
    moves out on one side comes back on the other.

    **One frame says nothing about the direction.** The shape's first position is
    uniform over the whole torus, so every frame of every clip, whatever its label,
    shows a shape at a uniformly random place: a single frame is statistically
    independent of the label, and the best any one-frame classifier can do is chance.
    Only the order of the frames tells the direction. Even the set of frames is not
    enough: a clip played backwards is a clip of the opposite direction (same shape,
    same speed, start uniform again), so a model that ignores the order (one that
    averages over the frames) cannot tell right from left or down from up.

    Parameters
    ----------
    n : int
        Number of clips (>= 0).
    frames : int, default=8
        Frames per clip (>= 2).
    size : int, default=16
        Side of the square frames in pixels (>= 8).
    seed : int, default=0
        Seed of the random generator (>= 0): the same arguments give the same clips.
    speeds : int or tuple of int, default=(1, 2)
        The speeds (pixels per frame, each >= 1) a clip's speed is drawn from, uniformly.
        Keep ``speed * (frames - 1) < size`` for clips that do not come back to where
        they started.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to every pixel of every frame
        (>= 0), before clipping to [0, 1].
    min_size, max_size : float, default=0.25 and 0.45
        Range of the shape's size as a fraction of the side (as in ``data.shapes``),
        ``0 < min_size <= max_size <= 1``.

    Returns
    -------
    Clips
        A named tuple ``(clips, labels, positions, speeds, shapes)``; see :class:`Clips`.

    Examples
    --------
    >>> data = moving_shapes(100, frames=8, size=16, seed=0)
    >>> data.clips.shape, data.clips.dtype, data.labels.shape
    ((100, 8, 16, 16, 1), dtype('float32'), (100,))
    >>> step = (data.positions[:, 1] - data.positions[:, 0]) % 16
    >>> bool(np.all(step == MOTION_STEPS[data.labels] * data.speeds[:, None] % 16))
    True
    """
    n = integer("n", n, minimum=0)
    frames = integer("frames", frames, minimum=2)
    size = integer("size", size, minimum=8)
    seed = integer("seed", seed, minimum=0)
    speed_choices = _speeds(speeds)
    noise = at_least("noise", noise, 0.0)
    min_size, max_size = size_range(min_size, max_size)

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(MOTION_CLASSES), size=n).astype(np.int64)
    speeds_drawn = np.asarray(speed_choices, dtype=np.int64)[
        rng.integers(0, len(speed_choices), size=n)
    ]
    kinds = rng.integers(0, 3, size=n).astype(np.int64)
    start = rng.integers(0, size, size=(n, 2)).astype(np.int64)
    background = rng.uniform(0.0, 0.35, size=n).astype(np.float32)
    foreground = rng.uniform(0.65, 1.0, size=n).astype(np.float32)

    # The shape is drawn once, somewhere inside the frame; each frame shows it rolled.
    extent, centre, vertices, _ = place_objects(rng, kinds, min_size, max_size, size)
    drawn = rasterise(kinds, centre, extent, vertices, size)  # (n, size, size)
    steps = MOTION_STEPS[labels] * speeds_drawn[:, None]  # (n, 2) as (dx, dy)
    time = np.arange(frames, dtype=np.int64)
    positions = (start[:, None, :] + time[None, :, None] * steps[:, None, :]) % size

    pixels = np.arange(size, dtype=np.int64)
    rows = (pixels[None, None, :] - positions[:, :, 1, None]) % size  # (n, frames, size)
    cols = (pixels[None, None, :] - positions[:, :, 0, None]) % size
    index = np.arange(n)[:, None, None, None]
    filled = drawn[index, rows[:, :, :, None], cols[:, :, None, :]]  # (n, frames, size, size)
    clips = np.where(filled, foreground[:, None, None, None], background[:, None, None, None])
    clips = clips[..., None].astype(np.float32, copy=False)
    add_noise(clips, rng, noise)
    return Clips(clips=clips, labels=labels, positions=positions, speeds=speeds_drawn, shapes=kinds)
