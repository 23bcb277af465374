"""Lesson 0 - Why convolutions."""

from __future__ import annotations

import numpy as np

from ._core import Case, FunctionExercise, ValueExercise, choice, close, exact

__all__ = [
    "EXERCISES",
    "LESSON",
    "dense_params",
    "permute_pixels",
    "q_conv_size",
    "q_dense_64",
    "q_task",
    "unpermute_pixels",
]

LESSON = 0


def _dense_params_reference(input_shape: tuple[int, ...], units: int) -> int:
    n_inputs = int(np.prod(input_shape))
    return n_inputs * units + units


def _permute_reference(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    n, height, width, channels = images.shape
    flat = images.reshape(n, height * width, channels)
    return flat[:, permutation].reshape(images.shape)


def _unpermute_reference(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    return _permute_reference(images, np.argsort(permutation))


def _dense_case(rng: np.random.Generator) -> Case:
    side = int(rng.choice([8, 28, 32, 64, 224]))
    shape = (side, side, int(rng.choice([1, 3])))
    return Case((shape, int(rng.integers(1, 1025))))


def _permute_case(rng: np.random.Generator) -> Case:
    n, height, width, channels = (int(v) for v in rng.integers(1, 5, size=4))
    images = rng.integers(0, 10, size=(n, height, width, channels)).astype(np.float64)
    return Case((images, rng.permutation(height * width)))


dense_params = FunctionExercise(
    id="dense_params",
    lesson=LESSON,
    title="Parameters of a dense layer on a flattened image",
    points=1,
    reference=_dense_params_reference,
    generate=_dense_case,
    edge_cases=(Case(((224, 224, 3), 1000)), Case(((1, 1, 1), 1))),
    compare=exact(),
    arg_names=("input_shape", "units"),
)

permute_pixels = FunctionExercise(
    id="permute_pixels",
    lesson=LESSON,
    title="Shuffle pixel positions with one fixed permutation",
    points=2,
    reference=_permute_reference,
    generate=_permute_case,
    edge_cases=(Case((np.arange(4.0).reshape(1, 2, 2, 1), np.array([3, 2, 1, 0]))),),
    compare=close(rtol=0, atol=0),
    arg_names=("images", "permutation"),
)

unpermute_pixels = FunctionExercise(
    id="unpermute_pixels",
    lesson=LESSON,
    title="Undo the shuffle",
    points=1,
    reference=_unpermute_reference,
    generate=_permute_case,
    edge_cases=(Case((np.arange(4.0).reshape(1, 2, 2, 1), np.array([1, 2, 3, 0]))),),
    compare=close(rtol=0, atol=0),
    arg_names=("images", "permutation"),
)

q_dense_64 = ValueExercise(
    id="q_dense_64",
    lesson=LESSON,
    title="Parameters of Dense(100) on a flattened 64x64x3 image",
    points=1,
    answer=lambda: _dense_params_reference((64, 64, 3), 100),
    hint="(number of inputs) x (units) weights, plus one bias per unit",
)

q_conv_size = ValueExercise(
    id="q_conv_size",
    lesson=LESSON,
    title="A conv layer on a 128x128 image instead of 64x64: its parameters...",
    points=1,
    choices={"a": "stay the same", "b": "double", "c": "grow four times"},
    answer=lambda: "a",
    compare=choice(),
    hint="the same small kernel slides over any image size",
)

q_task = ValueExercise(
    id="q_task",
    lesson=LESSON,
    title="Draw a box around every car in a street photo: which task?",
    points=1,
    choices={
        "a": "classification",
        "b": "classification + localization",
        "c": "object detection",
        "d": "semantic segmentation",
    },
    answer=lambda: "c",
    compare=choice(),
    hint="how many objects, and what is produced for each?",
)

EXERCISES = [dense_params, permute_pixels, unpermute_pixels, q_dense_64, q_conv_size, q_task]
