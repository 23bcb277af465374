"""Lesson 14 - Beyond single images: video and 1-D sequences.

Four coding exercises: the step a shape moved between two frames, found by trying every
shift (:data:`estimate_step`); a CNN + GRU video model built to a shape table
(:data:`build_video_model`, graded layer by layer); the parameters of a recurrent layer
(:data:`rnn_param_count`); and a 1-D convolution by hand (:data:`conv1d`). The quiz's numbers
are declared in its questions (the visible ones, and a draw for each student's own,
``cnncourse handout``); the notebook reads them through :func:`conv1d_question`,
:func:`raw_rnn_question` and :func:`conv3d_question`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import shapes
from ._core import (
    Case,
    FunctionExercise,
    ModelExercise,
    ValueExercise,
    choice,
    close,
    exact,
)
from ._variants import Variants, numbers

__all__ = [
    "EXERCISES",
    "LESSON",
    "build_video_model",
    "conv1d",
    "conv1d_answer",
    "conv1d_question",
    "conv1d_reference",
    "conv3d_answer",
    "conv3d_question",
    "estimate_step",
    "estimate_step_reference",
    "q_conv1d_shape",
    "q_conv3d_shape",
    "q_raw_pixels_rnn",
    "q_reversed_clip",
    "raw_rnn_answer",
    "raw_rnn_question",
    "rnn_param_count",
    "video_target_model",
]

LESSON = 14


# --------------------------------------------------------------------------- motion by hand


def estimate_step_reference(frame_a: Any, frame_b: Any, max_step: int) -> tuple[int, int]:
    """The shift ``(dx, dy)`` that best turns ``frame_a`` into ``frame_b``.

    Tries every shift with ``-max_step <= dx, dy <= max_step``: ``frame_a`` rolled
    (``np.roll``, wrapping around) by ``dy`` rows and ``dx`` columns, compared with
    ``frame_b`` by the mean squared difference; the smallest wins (on a tie, the first
    found with ``dy`` in the outer loop and ``dx`` in the inner one, both counting up).

    Parameters
    ----------
    frame_a, frame_b : arrays of shape (H, W) or (H, W, C)
    max_step : int >= 0

    Returns
    -------
    tuple (dx, dy) of int

    Examples
    --------
    >>> a = np.zeros((6, 6)); a[1, 1] = 1.0
    >>> b = np.roll(a, (2, -1), axis=(0, 1))  # 2 rows down, 1 column left
    >>> estimate_step_reference(a, b, max_step=2)
    (-1, 2)
    """
    a = np.asarray(frame_a, dtype=np.float64)
    b = np.asarray(frame_b, dtype=np.float64)
    best, best_error = (0, 0), np.inf
    for dy in range(-max_step, max_step + 1):
        for dx in range(-max_step, max_step + 1):
            error = float(np.mean((np.roll(a, (dy, dx), axis=(0, 1)) - b) ** 2))
            if error < best_error:
                best, best_error = (dx, dy), error
    return best


def _step_case(rng: np.random.Generator) -> Case:
    size = tuple(int(v) for v in rng.integers(6, 12, size=2))
    channels = () if rng.random() < 0.5 else (int(rng.integers(1, 4)),)
    frame = (rng.random((*size, *channels)) < 0.3).astype(np.float64)
    frame[0, 0] = 2.0  # never periodic: one shift is the best
    max_step = int(rng.integers(1, 4))
    dx, dy = (int(v) for v in rng.integers(-max_step, max_step + 1, size=2))
    moved = np.roll(frame, (dy, dx), axis=(0, 1)) + rng.normal(0.0, 0.05, size=frame.shape)
    return Case((frame, moved, max_step))


def _same_step(expected: Any, got: Any) -> str | None:
    try:
        pair = tuple(int(v) for v in got)
    except (TypeError, ValueError):
        return f"expected a pair (dx, dy) of ints, got {type(got).__name__}"
    if len(pair) != 2:
        return f"expected a pair (dx, dy), got {len(pair)} values"
    if pair != tuple(expected):
        return f"expected (dx, dy) = {tuple(expected)}, got {pair}"
    return None


_dot = np.zeros((5, 7))
_dot[1, 2] = 1.0

estimate_step = FunctionExercise(
    id="estimate_step",
    lesson=LESSON,
    title="How far did it move? Try every shift between two frames",
    points=2,
    reference=estimate_step_reference,
    generate=_step_case,
    edge_cases=(
        Case((_dot, np.roll(_dot, 1, axis=1), 2)),  # one column right: (1, 0)
        Case((_dot, np.roll(_dot, -2, axis=0), 2)),  # two rows up: (0, -2)
        Case((_dot, _dot.copy(), 1)),  # no motion: (0, 0)
        Case((_dot, np.roll(_dot, (1, -1), axis=(0, 1)), 1)),  # down and left: (-1, 1)
    ),
    compare=_same_step,
    arg_names=("frame_a", "frame_b", "max_step"),
)


# --------------------------------------------------------------------------- 1-D convolution


def conv1d_reference(x: Any, kernels: Any, bias: Any, stride: int = 1) -> np.ndarray:
    """A 1-D convolution ("valid", as Keras's ``Conv1D`` computes it: a cross-correlation).

    ``out[i, k] = bias[k] + sum over j < K and c of x[i * stride + j, c] * kernels[j, c, k]``.

    Parameters
    ----------
    x : array of shape (L, C_in)
    kernels : array of shape (K, C_in, C_out)
        Keras's layout of a ``Conv1D`` kernel.
    bias : array of shape (C_out,)
    stride : int >= 1

    Returns
    -------
    ndarray of shape (floor((L - K) / stride) + 1, C_out)

    Examples
    --------
    >>> x = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> conv1d_reference(x, np.array([[[1.0]], [[-1.0]]]), np.zeros(1))  # x[i] - x[i + 1]
    array([[-1.],
           [-1.],
           [-1.]])
    """
    x = np.asarray(x, dtype=np.float64)
    kernels = np.asarray(kernels, dtype=np.float64)
    length = shapes.conv_output_size(x.shape[0], kernels.shape[0], stride)
    windows = np.stack(
        [x[i * stride : i * stride + kernels.shape[0]] for i in range(length)]
    )  # (L_out, K, C_in)
    return np.einsum("ljc,jck->lk", windows, kernels) + np.asarray(bias, dtype=np.float64)


def _conv1d_case(rng: np.random.Generator) -> Case:
    c_in, c_out, k = (int(v) for v in rng.integers(1, 4, size=3))
    length = int(rng.integers(k, 12))
    return Case(
        (
            rng.normal(size=(length, c_in)),
            rng.normal(size=(k, c_in, c_out)),
            rng.normal(size=c_out),
            int(rng.integers(1, 4)),
        )
    )


conv1d = FunctionExercise(
    id="conv1d",
    lesson=LESSON,
    title="A 1-D convolution by hand: slide, multiply, add, along time",
    points=2,
    reference=conv1d_reference,
    generate=_conv1d_case,
    edge_cases=(
        Case((np.arange(5.0)[:, None], np.ones((2, 1, 1)), np.zeros(1), 1)),
        Case((np.arange(7.0)[:, None], np.ones((3, 1, 1)), np.array([0.5]), 2)),
        Case((np.ones((3, 2)), np.ones((3, 2, 2)), np.array([1.0, -1.0]), 1)),  # one output
    ),
    compare=close(rtol=1e-9, atol=1e-9),
    arg_names=("x", "kernels", "bias", "stride"),
)


# --------------------------------------------------------------------------- recurrent layers


def _rnn_case(rng: np.random.Generator) -> Case:
    return Case(
        (
            int(rng.choice([3, 16, 64, 256, 3 * 32 * 32])),
            int(rng.choice([8, 32, 100, 256])),
            str(rng.choice(shapes.RNN_CELLS)),
        )
    )


rnn_param_count = FunctionExercise(
    id="rnn_param_count",
    lesson=LESSON,
    title="Parameters of a SimpleRNN, an LSTM and a GRU",
    points=2,
    reference=shapes.rnn_params,
    generate=_rnn_case,
    edge_cases=(
        Case((1, 1, "simple")),
        Case((10, 4, "lstm")),
        Case((10, 4, "gru")),
        Case((256, 32, "gru")),
    ),
    compare=exact(),
    arg_names=("input_size", "units", "cell"),
)


# --------------------------------------------------------------------------- model to a table


def video_target_model():
    """The CNN + GRU video model students rebuild from its shape table (exercise 2).

    The clip standardised as a whole; every layer of the per-frame CNN wrapped in
    ``TimeDistributed`` (the batch normalisation works on the 5-D tensor as it is); the
    GRU reads the frames' features in order. The same layers as
    :func:`cnncourse.models.cnn_rnn` with ``filters=(8,)``.

    Examples
    --------
    >>> video_target_model().count_params()
    22996
    """
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((8, 16, 16, 1)),
            layers.LayerNormalization(axis=(1, 2, 3, 4), center=False, scale=False),
            layers.TimeDistributed(layers.Conv2D(8, 3, padding="same", activation="relu")),
            layers.BatchNormalization(momentum=0.9),
            layers.TimeDistributed(layers.MaxPooling2D(2)),
            layers.TimeDistributed(layers.Flatten()),
            layers.TimeDistributed(layers.Dense(32, activation="relu")),
            layers.GRU(32),
            layers.Dense(4, activation="softmax"),
        ],
        name="video_target",
    )


build_video_model = ModelExercise(
    id="build_video_model",
    lesson=LESSON,
    title="Build the CNN + GRU video model of a shape table",
    points=3,
    reference=video_target_model,
)


# --------------------------------------------------------------------------- quiz
# Each question's numbers: the visible ones (seed 14, as the lesson has always shown) and how a
# student's own are drawn (cnncourse handout); without a seed the helpers give this notebook's.


def conv1d_question(seed: int | None = None) -> dict[str, Any]:
    """A Conv1D layer on a sequence: length, channels, kernel, stride, padding, filters.

    Without a ``seed``: this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> conv1d_question()
    {'length': 72, 'channels': 12, 'kernel_size': 7, 'stride': 2, 'padding': 'valid', 'filters': 64}
    >>> conv1d_question(seed=14) == conv1d_question()
    True
    """
    if seed is None:
        return numbers("q_conv1d_shape")
    return _draw_conv1d(np.random.default_rng(seed))


def _draw_conv1d(rng) -> dict[str, Any]:
    return {
        "length": int(rng.integers(50, 200)),
        "channels": int(rng.choice([1, 3, 6, 12])),
        "kernel_size": int(rng.choice([3, 5, 7, 9])),
        "stride": int(rng.integers(2, 4)),
        "padding": str(rng.choice(["valid", "same"])),
        "filters": int(rng.choice([16, 32, 64])),
    }


def conv1d_answer(seed: int | None = None) -> tuple[int, int]:
    """(output length, parameters) of :func:`conv1d_question`'s layer.

    Examples
    --------
    >>> conv1d_answer()
    (33, 5440)
    """
    return _conv1d_answer(**conv1d_question(seed))


def _conv1d_answer(length, channels, kernel_size, stride, padding, filters) -> tuple[int, int]:
    out = shapes.conv_output_size(length, kernel_size, stride, padding)
    return int(out), shapes.conv_params((kernel_size,), channels, filters)


def raw_rnn_question(seed: int | None = None) -> dict[str, int]:
    """A GRU reading raw RGB frames, or the features of a per-frame CNN.

    Without a ``seed``: this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> raw_rnn_question()
    {'side': 64, 'units': 256, 'features': 256}
    """
    if seed is None:
        return numbers("q_raw_pixels_rnn")
    return _draw_raw_rnn(np.random.default_rng(seed))


def _draw_raw_rnn(rng) -> dict[str, int]:
    return {
        "side": int(rng.choice([64, 112, 128, 224])),
        "units": int(rng.choice([64, 128, 256])),
        "features": int(rng.choice([128, 256, 512])),
    }


def raw_rnn_answer(seed: int | None = None) -> tuple[int, int]:
    """(GRU parameters on raw side x side x 3 frames, on ``features`` numbers per frame).

    Examples
    --------
    >>> raw_rnn_answer()
    (9635328, 394752)
    """
    return _raw_rnn_answer(**raw_rnn_question(seed))


def _raw_rnn_answer(side: int, units: int, features: int) -> tuple[int, int]:
    raw = shapes.rnn_params(side * side * 3, units, "gru")
    return raw, shapes.rnn_params(features, units, "gru")


def conv3d_question(seed: int | None = None) -> dict[str, Any]:
    """A Conv3D layer ("valid") on a clip: the clip's shape, the kernel and the filters.

    Without a ``seed``: this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> conv3d_question()
    {'clip': (16, 64, 64, 1), 'kernel_size': (3, 5, 5), 'filters': 16}
    """
    if seed is None:
        return numbers("q_conv3d_shape")
    return _draw_conv3d(np.random.default_rng(seed + 1))


def _draw_conv3d(rng) -> dict[str, Any]:
    side = int(rng.choice([32, 40, 56, 64]))
    k_t, k_s = int(rng.choice([2, 3])), int(rng.choice([3, 5]))
    return {
        "clip": (int(rng.choice([8, 10, 16])), side, side, int(rng.choice([1, 3]))),
        "kernel_size": (k_t, k_s, k_s),
        "filters": int(rng.choice([8, 16, 32])),
    }


def conv3d_answer(seed: int | None = None) -> tuple[tuple[int, int, int, int], int]:
    """((frames, height, width, filters) of the output, parameters) of :func:`conv3d_question`.

    Examples
    --------
    >>> conv3d_answer()
    ((14, 60, 60, 16), 1216)
    """
    return _conv3d_answer(**conv3d_question(seed))


def _conv3d_answer(clip, kernel_size, filters) -> tuple[tuple[int, int, int, int], int]:
    frames, height, width, channels = clip
    sizes = shapes.conv_output_size((frames, height, width), tuple(kernel_size))
    params = shapes.conv_params(tuple(kernel_size), channels, filters)
    return (*(int(s) for s in sizes), filters), params


q_conv1d_shape = ValueExercise(
    id="q_conv1d_shape",
    lesson=LESSON,
    title="Output length and parameters of a Conv1D layer",
    points=2,
    variants=Variants(_draw_conv1d(np.random.default_rng(14)), _draw_conv1d),
    answer=_conv1d_answer,
    question=(
        "Conv1D({filters}, {kernel_size}, strides={stride}, padding={padding!r}) on sequences of "
        "{length} steps with {channels} channels: its output length and its number of "
        "parameters? A pair (length, params)."
    ),
    compare=exact(),
    hint="the output-size formula of lesson 3 along one axis; weights K x C_in x filters, "
    "plus a bias per filter",
)

q_raw_pixels_rnn = ValueExercise(
    id="q_raw_pixels_rnn",
    lesson=LESSON,
    title="A GRU on raw frames against a GRU on CNN features: parameters",
    points=2,
    variants=Variants(_draw_raw_rnn(np.random.default_rng(14)), _draw_raw_rnn),
    answer=_raw_rnn_answer,
    question=(
        "A GRU of {units} units reads video frames of {side} x {side} RGB pixels, raw; another "
        "of {units} units reads {features} numbers per frame from a CNN. How many parameters "
        "does each have? A pair (raw, features)."
    ),
    compare=exact(),
    hint="GRU: 3 x units x (inputs + units + 2); a raw frame is side x side x 3 inputs",
)

q_conv3d_shape = ValueExercise(
    id="q_conv3d_shape",
    lesson=LESSON,
    title="Output shape and parameters of a Conv3D layer",
    points=2,
    variants=Variants(_draw_conv3d(np.random.default_rng(14 + 1)), _draw_conv3d),
    answer=_conv3d_answer,
    question=(
        "Conv3D({filters}, {kernel_size}) (valid padding, stride 1) on clips of shape {clip} "
        "(frames, height, width, channels): the shape of its output without the batch axis, "
        "and its parameters? ((frames, height, width, filters), params)."
    ),
    compare=exact(),
    hint="the formula on each of the three axes (frames, height, width); weights "
    "k_t x k_h x k_w x C_in x filters, plus a bias per filter",
)

q_reversed_clip = ValueExercise(
    id="q_reversed_clip",
    lesson=LESSON,
    title="A frame-averaging model and a clip played backwards",
    points=1,
    choices={
        "a": "gives exactly the same output for the clip and for the clip played backwards",
        "b": "gives the opposite direction for the clip played backwards",
        "c": "cannot be trained on clips at all",
    },
    answer=lambda: "a",
    compare=choice(),
    hint="does an average depend on the order of what it averages?",
)

EXERCISES = [
    estimate_step,
    build_video_model,
    rnn_param_count,
    conv1d,
    q_conv1d_shape,
    q_raw_pixels_rnn,
    q_conv3d_shape,
    q_reversed_clip,
]
