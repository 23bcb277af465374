"""Lesson 10 - Convolution variants and speed."""

from __future__ import annotations

import numpy as np

from .. import ops
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each

__all__ = [
    "EXERCISES",
    "LESSON",
    "VARIANT_NAMES",
    "VARIANT_SETUP",
    "im2col",
    "q_unshared_memory",
    "q_variant_params",
    "variant_params",
]

LESSON = 10


def _im2col_case(rng: np.random.Generator) -> Case:
    kernel_size, stride = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    height, width = (int(v) for v in rng.integers(kernel_size, kernel_size + 4, size=2))
    channels = int(rng.integers(1, 4))
    return Case(
        (
            rng.integers(0, 10, size=(height, width, channels)).astype(np.float64),
            kernel_size,
            stride,
        )
    )


im2col = FunctionExercise(
    id="im2col",
    lesson=LESSON,
    title="Every window as one row of a matrix",
    points=2,
    reference=ops.im2col,
    generate=_im2col_case,
    edge_cases=(Case((np.arange(9.0).reshape(3, 3, 1), 2, 1)),),
    compare=close(rtol=0, atol=0),
    arg_names=("x", "kernel_size", "stride"),
)

#: The layer configuration of the parameter-count questions: input 16x16x8, 16 filters of 3x3.
VARIANT_SETUP = {"input_shape": (16, 16, 8), "filters": 16, "kernel_size": 3}
VARIANT_NAMES = (
    "Conv2D",
    "Conv2D, dilation 2",
    "SeparableConv2D (depthwise 3x3 + pointwise 1x1)",
    "Conv2DTranspose, stride 2",
    "LocallyConnected2D (unshared), valid padding",
    "TiledConv2D, tile 2x2, valid padding",
)


def variant_params() -> list[int]:
    """Parameter counts of :data:`VARIANT_NAMES`, counted by Keras on built layers.

    Examples
    --------
    >>> variant_params()
    [1168, 1168, 216, 1168, 228928, 4624]
    """
    import keras

    from .. import layers

    shape, k, f = (
        VARIANT_SETUP["input_shape"],
        VARIANT_SETUP["kernel_size"],
        VARIANT_SETUP["filters"],
    )
    built = [
        keras.layers.Conv2D(f, k),
        keras.layers.Conv2D(f, k, dilation_rate=2),
        keras.layers.SeparableConv2D(f, k),
        keras.layers.Conv2DTranspose(f, k, strides=2),
        layers.LocallyConnected2D(f, k),
        layers.TiledConv2D(f, k, tile_size=2),
    ]
    counts = []
    for layer in built:
        model = keras.Sequential([keras.Input(shape), layer])
        counts.append(int(model.count_params()))
    return counts


q_variant_params = ValueExercise(
    id="q_variant_params",
    lesson=LESSON,
    title="Parameters of six convolution variants on the same input",
    points=3,
    answer=variant_params,
    compare=each(),
    hint="one int per variant, in order; biases count (one per filter, or per position and "
    "filter where the layer has untied biases)",
)

q_unshared_memory = ValueExercise(
    id="q_unshared_memory",
    lesson=LESSON,
    title="Unshared vs shared convolution of the same size: weight memory",
    points=1,
    choices={
        "a": "unshared needs less memory for its weights",
        "b": "both need the same",
        "c": "unshared needs more: one kernel per output position",
    },
    answer=lambda: "c",
    compare=choice(),
    hint="compare the parameter counts in the table above",
)

EXERCISES = [im2col, q_variant_params, q_unshared_memory]
