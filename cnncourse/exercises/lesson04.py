"""Lesson 4 - Pooling."""

from __future__ import annotations

import numpy as np

from .. import pooling, shapes
from ._core import Case, FunctionExercise, ValueExercise, choice, close, exact

__all__ = [
    "EXERCISES",
    "LESSON",
    "avg_pool2d",
    "global_avg_pool",
    "max_pool2d",
    "q_invariance",
    "q_pool_params",
    "q_pooled_volume",
]

LESSON = 4


def _pool_case(rng: np.random.Generator) -> Case:
    pool_size = int(rng.integers(1, 4))
    stride = int(rng.integers(1, 4))
    height, width = (int(v) for v in rng.integers(pool_size, pool_size + 6, size=2))
    channels = int(rng.integers(1, 4))
    x = rng.integers(-9, 10, size=(height, width, channels)).astype(np.float64)
    return Case((x, pool_size, stride))


_grid = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.float64)[
    ..., None
]

max_pool2d = FunctionExercise(
    id="max_pool2d",
    lesson=LESSON,
    title="Max pooling, per channel, no padding",
    points=2,
    reference=pooling.max_pool2d,
    generate=_pool_case,
    edge_cases=(Case((_grid, 2, 2)), Case((_grid, 3, 1)), Case((-np.ones((3, 3, 2)), 2, 1))),
    compare=close(rtol=0, atol=1e-12),
    arg_names=("x", "pool_size", "stride"),
)

avg_pool2d = FunctionExercise(
    id="avg_pool2d",
    lesson=LESSON,
    title="Average pooling, per channel, no padding",
    points=2,
    reference=pooling.avg_pool2d,
    generate=_pool_case,
    edge_cases=(Case((_grid, 2, 2)), Case((_grid, 2, 1))),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("x", "pool_size", "stride"),
)


def _global_case(rng: np.random.Generator) -> Case:
    height, width, channels = (int(v) for v in rng.integers(1, 6, size=3))
    return Case((rng.integers(-9, 10, size=(height, width, channels)).astype(np.float64),))


global_avg_pool = FunctionExercise(
    id="global_avg_pool",
    lesson=LESSON,
    title="Global average pooling: one number per channel",
    points=1,
    reference=pooling.global_avg_pool,
    generate=_global_case,
    edge_cases=(Case((_grid,)), Case((np.ones((1, 1, 3)),))),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("x",),
)

q_pool_params = ValueExercise(
    id="q_pool_params",
    lesson=LESSON,
    title="How many trainable parameters does a 2x2 max-pooling layer have?",
    points=1,
    answer=lambda: 0,
    hint="look at count_params() of a MaxPooling2D layer",
)


def _pooled_volume() -> tuple[int, int, int]:
    side = shapes.conv_output_size(32, 2, stride=2)
    return (side, side, 12)


q_pooled_volume = ValueExercise(
    id="q_pooled_volume",
    lesson=LESSON,
    title="A 32x32x12 volume after 2x2 max pooling with stride 2",
    points=1,
    answer=_pooled_volume,
    compare=exact(),
    hint="pooling works on each channel separately; the output-size formula applies",
)

q_invariance = ValueExercise(
    id="q_invariance",
    lesson=LESSON,
    title="Max pooling makes a feature map insensitive to...",
    points=1,
    choices={
        "a": "any translation of the input",
        "b": "small translations, within about one pooling window",
        "c": "rotations of the input",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="look at what happened when the shift grew larger than the window",
)

EXERCISES = [
    max_pool2d,
    avg_pool2d,
    global_avg_pool,
    q_pool_params,
    q_pooled_volume,
    q_invariance,
]
