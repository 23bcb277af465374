"""Lesson 1 - Images: RGB and grayscale."""

from __future__ import annotations

import numpy as np

from .. import images
from ._core import Case, FunctionExercise, ValueExercise, choice, close, exact

__all__ = [
    "EXERCISES",
    "LESSON",
    "channel_means",
    "normalize",
    "q_batch_shape",
    "q_bgr_pixel",
    "q_brightest_weight",
    "q_uint8_overflow",
    "q_values_in_image",
    "rgb_to_grayscale",
    "to_bgr",
]

LESSON = 1


def _random_image(rng: np.random.Generator, channels: int | None = 3) -> np.ndarray:
    height, width = rng.integers(1, 6, size=2)
    channels = channels or int(rng.choice([1, 3]))
    return rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)


def _pixel(r: int, g: int, b: int) -> np.ndarray:
    return np.array([[[r, g, b]]], dtype=np.uint8)


rgb_to_grayscale = FunctionExercise(
    id="rgb_to_grayscale",
    lesson=LESSON,
    title="RGB to grayscale with the BT.601 luminance weights",
    points=2,
    reference=images.rgb_to_grayscale,
    generate=lambda rng: Case((_random_image(rng),)),
    edge_cases=(Case((_pixel(255, 0, 0),)), Case((_pixel(0, 255, 0),)), Case((_pixel(0, 0, 255),))),
    compare=close(rtol=1e-4, atol=1e-3),
    arg_names=("image",),
)

normalize = FunctionExercise(
    id="normalize",
    lesson=LESSON,
    title="Scale 0..255 to float32 in [0, 1]",
    points=1,
    reference=images.normalize,
    generate=lambda rng: Case((_random_image(rng, channels=None),)),
    edge_cases=(
        Case((np.zeros((2, 2, 3), np.uint8),)),
        Case((np.full((2, 2, 1), 255, np.uint8),)),
    ),
    compare=close(rtol=1e-6, atol=1e-7, dtype="float32"),
    arg_names=("image",),
)

to_bgr = FunctionExercise(
    id="to_bgr",
    lesson=LESSON,
    title="Swap the channel order RGB <-> BGR",
    points=1,
    reference=images.to_bgr,
    generate=lambda rng: Case((_random_image(rng),)),
    edge_cases=(Case((_pixel(255, 128, 0),)),),
    compare=close(rtol=0, atol=0, dtype="same"),
    arg_names=("image",),
)

channel_means = FunctionExercise(
    id="channel_means",
    lesson=LESSON,
    title="The mean of each channel",
    points=1,
    reference=images.channel_means,
    generate=lambda rng: Case((_random_image(rng, channels=None),)),
    edge_cases=(Case((np.arange(12, dtype=np.uint8).reshape(2, 2, 3),)),),
    compare=close(rtol=1e-6, atol=1e-6),
    arg_names=("image",),
)


def _uint8_sum() -> int:
    a = np.array([200], dtype=np.uint8)
    b = np.array([100], dtype=np.uint8)
    return int((a + b)[0])


q_values_in_image = ValueExercise(
    id="q_values_in_image",
    lesson=LESSON,
    title="How many numbers describe a 224x224 RGB image?",
    points=1,
    answer=lambda: 224 * 224 * 3,
    hint="height x width x channels",
)

q_batch_shape = ValueExercise(
    id="q_batch_shape",
    lesson=LESSON,
    title="Shape of a batch of 32 RGB images of 64x64, channels last",
    points=1,
    answer=lambda: (32, 64, 64, 3),
    compare=exact(),
    hint="(N, H, W, C)",
)

q_uint8_overflow = ValueExercise(
    id="q_uint8_overflow",
    lesson=LESSON,
    title="What is uint8 200 + uint8 100?",
    points=1,
    answer=_uint8_sum,
    hint="uint8 arithmetic wraps around modulo 256",
)

q_brightest_weight = ValueExercise(
    id="q_brightest_weight",
    lesson=LESSON,
    title="Which channel weighs most in luminance?",
    points=1,
    choices={"a": "red", "b": "green", "c": "blue"},
    answer=lambda: "abc"[int(np.argmax(images.LUMA_WEIGHTS["bt601"]))],
    compare=choice(),
    hint="look at LUMA_WEIGHTS: which weight is largest?",
)

q_bgr_pixel = ValueExercise(
    id="q_bgr_pixel",
    lesson=LESSON,
    title="OpenCV loads a pixel as [255, 0, 0]: what colour is it?",
    points=1,
    choices={"a": "red", "b": "green", "c": "blue"},
    answer=lambda: {(255, 0, 0): "a", (0, 255, 0): "b", (0, 0, 255): "c"}[
        tuple(int(v) for v in images.to_bgr(_pixel(255, 0, 0))[0, 0])
    ],
    compare=choice(),
    hint="OpenCV stores channels in BGR order",
)

EXERCISES = [
    rgb_to_grayscale,
    normalize,
    to_bgr,
    channel_means,
    q_values_in_image,
    q_batch_shape,
    q_uint8_overflow,
    q_brightest_weight,
    q_bgr_pixel,
]
