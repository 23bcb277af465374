"""Synthetic 1-D signals: :func:`signals`, noisy sensor-like traces that each hold one short
event (a peak, a dip or a wiggle) at a random time."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import integer
from ._drawing import at_least

__all__ = ["EVENT_LENGTH", "SIGNAL_CLASSES", "Signals", "event_templates", "signals"]

#: Class names of :func:`signals`: label ``i`` is the event ``SIGNAL_CLASSES[i]``.
SIGNAL_CLASSES: tuple[str, ...] = ("peak", "dip", "wiggle")

#: Samples an event lasts.
EVENT_LENGTH = 9


def event_templates() -> np.ndarray:
    """The shape of each event of :func:`signals`, one row per class, peak value 1.

    ``peak``: a triangle up; ``dip``: the same triangle down; ``wiggle``: one period of a
    sine (up, then down). All three last :data:`EVENT_LENGTH` samples and start and end
    at 0.

    Returns
    -------
    ndarray of shape (3, EVENT_LENGTH), dtype float32

    Examples
    --------
    >>> [round(v, 2) for v in event_templates()[0].tolist()]
    [0.0, 0.25, 0.5, 0.75, 1.0, 0.75, 0.5, 0.25, 0.0]
    """
    t = np.arange(EVENT_LENGTH, dtype=np.float64)
    middle = (EVENT_LENGTH - 1) / 2
    triangle = 1.0 - np.abs(t - middle) / middle
    wiggle = np.sin(2 * np.pi * t / (EVENT_LENGTH - 1))
    wiggle = wiggle / np.abs(wiggle).max()
    return np.stack([triangle, -triangle, wiggle]).astype(np.float32)


class Signals(NamedTuple):
    """Signals made by :func:`signals`, with their events.

    Attributes
    ----------
    signals : ndarray of shape (n, length, 1), dtype float32
        ``(batch, steps, channels)``: the layout of Keras's ``Conv1D`` inputs.
    labels : ndarray of shape (n,), dtype int64
        The event of each signal: an index into :data:`SIGNAL_CLASSES`.
    onsets : ndarray of shape (n,), dtype int64
        The first sample of each event: it covers ``onsets[i] .. onsets[i] + EVENT_LENGTH - 1``.

    Examples
    --------
    >>> x, labels, onsets = signals(3, length=32)
    >>> x.shape, labels.shape, onsets.shape
    ((3, 32, 1), (3,), (3,))
    """

    signals: np.ndarray
    labels: np.ndarray
    onsets: np.ndarray


def signals(
    n: int,
    length: int = 64,
    seed: int = 0,
    noise: float = 0.3,
    baseline: float = 1.0,
) -> Signals:
    """Noisy 1-D signals, each with one short event (peak, dip or wiggle) at a random time.

    Each signal is a slowly drifting baseline (a random offset plus a random linear
    trend, both of standard deviation ``baseline``), plus one event of
    :func:`event_templates` scaled by a random amplitude between 1 and 2, starting at a
    uniformly random sample, plus white Gaussian noise. The label is the event's kind.
    *What* happens matters, not *when*: the task for a 1-D convolution, whose kernels
    slide along time as a 2-D kernel slides over an image.

    Parameters
    ----------
    n : int
        Number of signals (>= 0).
    length : int, default=64
        Samples per signal (>= ``EVENT_LENGTH``, 9).
    seed : int, default=0
        Seed of the random generator (>= 0): the same arguments give the same signals.
    noise : float, default=0.3
        Standard deviation of the white noise (>= 0).
    baseline : float, default=1.0
        Standard deviation of the offset and of the trend from start to end (>= 0); 0
        puts the events on a flat zero line.

    Returns
    -------
    Signals
        A named tuple ``(signals, labels, onsets)``; see :class:`Signals`.

    Examples
    --------
    >>> data = signals(100, length=64, seed=0)
    >>> data.signals.shape, data.signals.dtype, sorted(set(data.labels.tolist()))
    ((100, 64, 1), dtype('float32'), [0, 1, 2])
    >>> clean = signals(1, length=20, noise=0.0, baseline=0.0, seed=1)
    >>> start = int(clean.onsets[0])
    >>> bool(np.all(clean.signals[0, :start] == 0) and clean.signals[0, start + 4, 0] != 0)
    True
    """
    n = integer("n", n, minimum=0)
    length = integer("length", length, minimum=EVENT_LENGTH)
    seed = integer("seed", seed, minimum=0)
    noise = at_least("noise", noise, 0.0)
    baseline = at_least("baseline", baseline, 0.0)

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SIGNAL_CLASSES), size=n).astype(np.int64)
    onsets = rng.integers(0, length - EVENT_LENGTH + 1, size=n).astype(np.int64)
    amplitude = rng.uniform(1.0, 2.0, size=n)
    offset = rng.normal(0.0, 1.0, size=n) * baseline
    trend = rng.normal(0.0, 1.0, size=n) * baseline
    ramp = np.linspace(-0.5, 0.5, length)

    x = offset[:, None] + trend[:, None] * ramp[None, :]
    where = onsets[:, None] + np.arange(EVENT_LENGTH)[None, :]  # (n, EVENT_LENGTH)
    events = event_templates()[labels] * amplitude[:, None]
    np.add.at(x, (np.arange(n)[:, None], where), events)
    if noise > 0:
        x = x + rng.normal(0.0, noise, size=x.shape)
    return Signals(signals=x[..., None].astype(np.float32), labels=labels, onsets=onsets)
