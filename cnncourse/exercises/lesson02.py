"""Lesson 2 - The convolution operation."""

from __future__ import annotations

import numpy as np

from .. import ops, shapes
from ._core import Case, FunctionExercise, ValueExercise, choice, close, exact

__all__ = [
    "EXERCISES",
    "LESSON",
    "conv2d",
    "conv2d_single",
    "conv_params",
    "q_conv_params_rgb",
    "q_feature_map_shape",
    "q_keras_computes",
    "q_shift_output",
]

LESSON = 2


def _small_ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small integers as floats: easy to read in feedback, exact to compare."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


def _single_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in rng.integers(3, 8, size=2))
    f_h, f_w = (int(v) for v in rng.integers(1, 4, size=2))
    return Case((_small_ints(rng, (height, width)), _small_ints(rng, (f_h, f_w))))


def _multi_case(rng: np.random.Generator) -> Case:
    size = int(rng.integers(4, 9))
    channels, filters, f = (int(v) for v in rng.integers(1, 4, size=3))
    stride = int(rng.integers(1, 3))
    x = _small_ints(rng, (size, size + int(rng.integers(0, 2)), channels))
    kernel = _small_ints(rng, (f, f, channels, filters))
    bias = _small_ints(rng, (filters,))
    return Case((x, kernel, bias), {"stride": stride})


_half_dark = np.repeat([[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]], 6, axis=0)
_sobel_vertical = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])

conv2d_single = FunctionExercise(
    id="conv2d_single",
    lesson=LESSON,
    title="One channel, one kernel, with loops",
    points=2,
    reference=ops.conv2d,
    generate=_single_case,
    edge_cases=(
        Case((_half_dark, _sobel_vertical)),
        Case((np.arange(9.0).reshape(3, 3), np.ones((3, 3)))),
        Case((np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0]]))),
    ),
    compare=close(rtol=1e-6, atol=1e-9),
    arg_names=("image", "kernel"),
)

conv2d = FunctionExercise(
    id="conv2d",
    lesson=LESSON,
    title="Many channels, many filters, bias and stride, vectorised",
    points=3,
    reference=ops.conv2d,
    generate=_multi_case,
    edge_cases=(
        Case((_half_dark[..., None], _sobel_vertical[..., None, None], np.zeros(1))),
        Case(
            (np.ones((4, 4, 2)), np.ones((2, 2, 2, 3)), np.array([0.0, 1.0, -1.0])), {"stride": 2}
        ),
    ),
    compare=close(rtol=1e-6, atol=1e-9),
    arg_names=("x", "kernel", "bias"),
)


def _params_case(rng: np.random.Generator) -> Case:
    return Case(
        (int(rng.choice([1, 3, 5, 7])), int(rng.integers(1, 65)), int(rng.integers(1, 129)))
    )


conv_params = FunctionExercise(
    id="conv_params",
    lesson=LESSON,
    title="Parameters of a conv layer",
    points=1,
    reference=shapes.conv_params,
    generate=_params_case,
    edge_cases=(Case((3, 1, 1)), Case((3, 3, 16))),
    compare=exact(),
    arg_names=("kernel_size", "in_channels", "filters"),
)

q_conv_params_rgb = ValueExercise(
    id="q_conv_params_rgb",
    lesson=LESSON,
    title="Parameters of 10 filters of 5x5 on an RGB image",
    points=1,
    answer=lambda: shapes.conv_params(5, 3, 10),
    hint="each filter is 5 x 5 x (input depth) weights plus one bias",
)

q_feature_map_shape = ValueExercise(
    id="q_feature_map_shape",
    lesson=LESSON,
    title="Output of 8 filters of 3x3 on a 28x28x1 image (stride 1, no padding)",
    points=1,
    answer=lambda: (28 - 3 + 1, 28 - 3 + 1, 8),
    hint="(H - F + 1, W - F + 1, number of filters)",
)

q_keras_computes = ValueExercise(
    id="q_keras_computes",
    lesson=LESSON,
    title="What does keras.layers.Conv2D compute?",
    points=1,
    choices={"a": "true convolution (kernel flipped)", "b": "cross-correlation (no flip)"},
    answer=lambda: "b",
    compare=choice(),
    hint="compare ops.correlate2d and ops.convolve2d with the Keras output above",
)

q_shift_output = ValueExercise(
    id="q_shift_output",
    lesson=LESSON,
    title="Shift the input 2 pixels right: what happens to a conv layer's output?",
    points=1,
    choices={
        "a": "it shifts 2 pixels right",
        "b": "it does not change",
        "c": "it changes unpredictably",
    },
    answer=lambda: "a",
    compare=choice(),
    hint="equivariance: the same kernel is applied at every position",
)

EXERCISES = [
    conv2d_single,
    conv2d,
    conv_params,
    q_conv_params_rgb,
    q_feature_map_shape,
    q_keras_computes,
    q_shift_output,
]
