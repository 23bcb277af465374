"""The lesson's two tasks: handwritten digits 0-4 (the source, many labels) and 5-9 (the
target, a few labels per class), every image jittered."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate, data

__all__ = ["DigitTasks", "digit_tasks"]


class DigitTasks(NamedTuple):
    """The source and target tasks of :func:`digit_tasks`: images ``(N, canvas, canvas, 1)``
    float32 in [0, 1], integer labels ``(N,)``.

    Attributes
    ----------
    x_source, y_source
        The source task: digits 0-4 of the training split, ``copies`` times, each copy
        jittered differently; labels 0-4.
    x_source_test, y_source_test
        Digits 0-4 of the test split, jittered once: the source task's test set.
    x_pool, y_pool
        The target task's labelled images to draw from: digits 5-9 of the training
        split, jittered once; labels 0-4 stand for the digits 5-9.
    x_test, y_test
        The target task's test set: digits 5-9 of the test split, jittered once.

    Examples
    --------
    >>> tasks = digit_tasks()
    >>> tasks.x_source.shape, tasks.x_pool.shape, tasks.x_test.shape
    ((2700, 20, 20, 1), (672, 20, 20, 1), (224, 20, 20, 1))
    """

    x_source: np.ndarray
    y_source: np.ndarray
    x_source_test: np.ndarray
    y_source_test: np.ndarray
    x_pool: np.ndarray
    y_pool: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def digit_tasks(
    size: int = 16,
    canvas: int = 20,
    copies: int = 4,
    rotation: float = 25.0,
    zoom: tuple[float, float] = (0.7, 1.05),
    shift: float = 2.0,
    seed: int = 0,
) -> DigitTasks:
    """Two tasks on scikit-learn's handwritten digits: 0-4 (the source) and 5-9 (the target).

    Every image is :func:`cnncourse.data.jitter`-ed: placed on a ``canvas`` x ``canvas``
    frame, rotated, scaled and shifted by its own random amount, as a careless scanner
    would deliver it. The source task has many labelled images (each training digit 0-4
    ``copies`` times, jittered differently each time); the target task's labels are to be
    used sparingly: a few per class drawn from ``x_pool``.

    Parameters
    ----------
    size : int, default=16
        Side of the digits (:func:`cnncourse.data.digits`) before jittering.
    canvas : int, default=20
        Side of the images, >= ``size``.
    copies : int, default=4
        Jittered copies of each source training digit.
    rotation, zoom, shift
        The jitter (:func:`cnncourse.data.jitter`).
    seed : int, default=0
        The jitter's seed (the train/test split is ``data.digits``'s).

    Returns
    -------
    DigitTasks

    Examples
    --------
    >>> tasks = digit_tasks(copies=1)
    >>> sorted(set(tasks.y_source.tolist())), sorted(set(tasks.y_pool.tolist()))
    ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4])
    """
    size = _validate.integer("size", size, minimum=4)
    copies = _validate.integer("copies", copies, minimum=1)
    seed = _validate.integer("seed", seed, minimum=0)
    (x_train, y_train), (x_test, y_test) = data.digits(size=size)
    jitter = {"canvas": canvas, "rotation": rotation, "zoom": zoom, "shift": shift}
    low, high = y_train < 5, y_test < 5
    parts = [
        (np.concatenate([x_train[low]] * copies), np.tile(y_train[low], copies)),
        (x_test[high], y_test[high]),
        (x_train[~low], y_train[~low] - 5),
        (x_test[~high], y_test[~high] - 5),
    ]
    out = []
    for i, (x, y) in enumerate(parts):
        out += [data.jitter(x, seed=4 * seed + i, **jitter), y]
    return DigitTasks(*out)
