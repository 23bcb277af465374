"""Specification of the data over time: video clips (``data.moving_shapes``) and 1-D signals
(``data.signals``)."""

from __future__ import annotations

import numpy as np
import pytest

from cnncourse import data
from cnncourse.data import (
    EVENT_LENGTH,
    MOTION_CLASSES,
    MOTION_STEPS,
    SHAPE_CLASSES,
    SIGNAL_CLASSES,
    event_templates,
    moving_shapes,
    signals,
)

# ---------------------------------------------------------------------------
# moving_shapes
# ---------------------------------------------------------------------------


def test_clips_have_the_documented_shapes_and_dtypes():
    clips, labels, positions, speeds, kinds = moving_shapes(50, frames=6, size=12, seed=3)
    assert clips.shape == (50, 6, 12, 12, 1) and clips.dtype == np.float32
    assert labels.shape == (50,) and labels.dtype == np.int64
    assert positions.shape == (50, 6, 2) and positions.dtype == np.int64
    assert speeds.shape == (50,) and speeds.dtype == np.int64
    assert kinds.shape == (50,) and kinds.dtype == np.int64
    assert 0.0 <= clips.min() and clips.max() <= 1.0
    assert set(labels.tolist()) == set(range(len(MOTION_CLASSES)))
    assert set(kinds.tolist()) == set(range(len(SHAPE_CLASSES)))
    assert set(speeds.tolist()) == {1, 2}
    assert positions.min() >= 0 and positions.max() < 12


def test_the_same_seed_gives_the_same_clips_and_another_seed_others():
    a, b, c = (moving_shapes(20, seed=s) for s in (5, 5, 6))
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(a.clips, c.clips)


def test_every_frame_is_the_first_rolled_by_the_step_of_the_label():
    clean = moving_shapes(40, frames=5, size=16, seed=1, noise=0.0)
    for clip, label, speed in zip(clean.clips, clean.labels, clean.speeds, strict=True):
        dx, dy = MOTION_STEPS[label] * speed
        for t in range(1, 5):
            assert np.array_equal(clip[t], np.roll(clip[t - 1], (dy, dx), axis=(0, 1)))


def test_the_motion_read_off_the_pixels_is_the_label():
    # For each clip, the shift that best aligns consecutive frames (noise included)
    # must be the label's step times the speed: the labels describe what the pixels do.
    clips = moving_shapes(60, frames=4, size=16, seed=2, noise=0.05)
    shifts = [(dx, dy) for dy in range(-3, 4) for dx in range(-3, 4)]
    for clip, label, speed in zip(clips.clips, clips.labels, clips.speeds, strict=True):
        for t in range(3):
            errors = [
                np.mean((np.roll(clip[t], (dy, dx), axis=(0, 1)) - clip[t + 1]) ** 2)
                for dx, dy in shifts
            ]
            assert shifts[int(np.argmin(errors))] == tuple(MOTION_STEPS[label] * speed)


def test_positions_step_by_the_speed_in_the_labelled_direction():
    clips = moving_shapes(100, frames=7, size=16, seed=4, speeds=(1, 2, 3))
    step = np.diff(clips.positions, axis=1) % 16
    expected = MOTION_STEPS[clips.labels][:, None, :] * clips.speeds[:, None, None] % 16
    assert np.array_equal(step, np.broadcast_to(expected, step.shape))


def test_a_single_frame_does_not_tell_the_direction():
    # Every frame's shift is uniform over the torus whatever the label: per class, the
    # positions of all frames cover the grid about evenly (no class owns a region).
    clips = moving_shapes(4000, frames=8, size=8, seed=0)
    for label in range(len(MOTION_CLASSES)):
        pos = clips.positions[clips.labels == label].reshape(-1, 2)
        counts = np.bincount(pos[:, 1] * 8 + pos[:, 0], minlength=64)
        assert counts.min() > 0.7 * counts.mean() and counts.max() < 1.3 * counts.mean()


def test_a_clip_played_backwards_is_a_clip_of_the_opposite_direction():
    clean = moving_shapes(30, frames=6, size=16, seed=7, noise=0.0)
    opposite = {0: 1, 1: 0, 2: 3, 3: 2}
    for clip, label, speed in zip(clean.clips, clean.labels, clean.speeds, strict=True):
        backwards = clip[::-1]
        dx, dy = MOTION_STEPS[opposite[int(label)]] * speed
        assert np.array_equal(backwards[1], np.roll(backwards[0], (dy, dx), axis=(0, 1)))


def test_one_speed_as_an_int_and_no_clips_work():
    clips = moving_shapes(10, speeds=3, seed=0)
    assert set(clips.speeds.tolist()) == {3}
    empty = moving_shapes(0)
    assert empty.clips.shape == (0, 8, 16, 16, 1) and empty.labels.shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n": -1}, "n"),
        ({"n": 2.5}, "n"),
        ({"frames": 1}, "frames"),
        ({"size": 4}, "size"),
        ({"seed": -3}, "seed"),
        ({"speeds": 0}, "speeds"),
        ({"speeds": ()}, "speeds"),
        ({"speeds": (1, "fast")}, "speeds"),
        ({"noise": -0.1}, "noise"),
        ({"min_size": 0.0}, "min_size"),
        ({"max_size": 0.1}, "max_size"),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_the_argument(kwargs, name):
    arguments = {"n": 2, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name} must"):
        moving_shapes(**arguments)


def test_the_motion_steps_cannot_be_changed():
    with pytest.raises(ValueError):
        MOTION_STEPS[0, 0] = 5
    assert data.MOTION_STEPS is MOTION_STEPS


# ---------------------------------------------------------------------------
# signals
# ---------------------------------------------------------------------------


def test_signals_have_the_documented_shapes_and_dtypes():
    x, labels, onsets = signals(90, length=40, seed=1)
    assert x.shape == (90, 40, 1) and x.dtype == np.float32
    assert labels.shape == onsets.shape == (90,)
    assert labels.dtype == onsets.dtype == np.int64
    assert set(labels.tolist()) == set(range(len(SIGNAL_CLASSES)))
    assert onsets.min() >= 0 and onsets.max() <= 40 - EVENT_LENGTH


def test_the_same_seed_gives_the_same_signals_and_another_seed_others():
    a, b, c = (signals(30, seed=s) for s in (2, 2, 3))
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(a.signals, c.signals)


def test_without_noise_or_baseline_a_signal_is_its_scaled_event_at_its_onset():
    clean = signals(60, length=30, seed=4, noise=0.0, baseline=0.0)
    templates = event_templates()
    for x, label, onset in zip(clean.signals[..., 0], clean.labels, clean.onsets, strict=True):
        event = x[onset : onset + EVENT_LENGTH]
        rest = np.delete(x, np.arange(onset, onset + EVENT_LENGTH))
        assert np.all(rest == 0)
        scale = event[EVENT_LENGTH // 2 - 2] / templates[label, EVENT_LENGTH // 2 - 2]
        assert 1.0 <= scale <= 2.0
        assert np.allclose(event, scale * templates[label], atol=1e-6)


def test_the_label_is_the_template_that_matches_the_event_best():
    noisy = signals(200, length=48, seed=5, noise=0.3, baseline=1.0)
    templates = event_templates()
    for x, label, onset in zip(noisy.signals[..., 0], noisy.labels, noisy.onsets, strict=True):
        event = x[onset : onset + EVENT_LENGTH]
        event = event - np.linspace(event[0], event[-1], EVENT_LENGTH)  # the local baseline
        assert int(np.argmax(templates @ event)) == label


def test_event_templates_start_and_end_at_zero_and_peak_at_one():
    templates = event_templates()
    assert templates.shape == (len(SIGNAL_CLASSES), EVENT_LENGTH)
    assert np.allclose(templates[:, [0, -1]], 0, atol=1e-6)
    assert np.allclose(np.abs(templates).max(axis=1), 1.0)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n": -1}, "n"),
        ({"length": EVENT_LENGTH - 1}, "length"),
        ({"seed": -1}, "seed"),
        ({"noise": -1.0}, "noise"),
        ({"baseline": float("nan")}, "baseline"),
    ],
)
def test_bad_signal_arguments_raise_a_value_error_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        signals(**{"n": 2, **kwargs})
