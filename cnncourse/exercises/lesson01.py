"""Lesson 1 - Images: RGB and grayscale."""

from __future__ import annotations

import numpy as np

from .. import images
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each, exact
from ._variants import NumbersView, QuestionsView, Variants

__all__ = [
    "DATASET",
    "EXERCISES",
    "LESSON",
    "QUESTIONS",
    "QUIZ",
    "channel_means",
    "dataset_memory",
    "downscale_2x",
    "normalize",
    "q_batch_shape",
    "q_bgr_pixel",
    "q_brightest_weight",
    "q_dataset_memory",
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
    title="RGB to grayscale (luma) with the BT.601 weights",
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


def _downscale_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in rng.integers(2, 8, size=2))
    channels = int(rng.choice([1, 3]))
    return Case((rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8),))


_checker = np.array([[[0], [255]], [[255], [0]]], dtype=np.uint8)

downscale_2x = FunctionExercise(
    id="downscale_2x",
    lesson=LESSON,
    title="Halve an image by averaging 2x2 blocks of light, not of numbers",
    points=2,
    reference=images.downscale_2x,
    generate=_downscale_case,
    edge_cases=(
        Case((_checker,)),
        Case((np.tile(_checker, (2, 3, 3)),)),
        Case((np.full((3, 5, 3), 128, np.uint8),)),
    ),
    compare=close(rtol=0, atol=0, dtype="uint8"),
    arg_names=("image",),
)

# The quiz's numbers: the visible ones (what the lesson shows), and how a student's own are
# drawn (cnncourse handout); the lesson prints each question with its notebook's numbers.
_quiz_rng = np.random.default_rng(2026)


def _draw_dataset(rng) -> dict[str, int]:
    return {
        "images": int(rng.choice([5_000, 10_000, 50_000, 60_000])),
        "side": int(rng.choice([32, 64, 96, 128])),
        "batch": int(rng.choice([32, 64, 128, 256])),
    }


def _draw_image(rng) -> dict[str, tuple[int, int, int]]:
    return {"image": (int(rng.choice([96, 128, 160, 192, 224, 256])),) * 2 + (3,)}


def _draw_batch(rng) -> dict[str, tuple[int, int, int, int]]:
    side = int(rng.choice([28, 32, 48, 64, 96, 128]))
    return {"batch": (int(rng.choice([8, 16, 32, 64, 128])), side, side, 3)}


def _draw_uint8_sum(rng) -> dict[str, tuple[int, int]]:
    first = int(rng.integers(150, 251))
    return {"uint8_sum": (first, int(rng.integers(260 - first, 251)))}  # always past 255


def dataset_memory(images: int, side: int, batch: int) -> list[float]:
    """MiB of a dataset of RGB images as uint8, the same as float32, and of one float32 batch.

    Examples
    --------
    >>> dataset_memory(1024, 32, 32)
    [3.0, 12.0, 0.375]
    """
    values = side * side * 3
    return [images * values / 2**20, images * values * 4 / 2**20, batch * values * 4 / 2**20]


def _uint8_sum(uint8_sum: tuple[int, int]) -> int:
    a = np.array([uint8_sum[0]], dtype=np.uint8)
    b = np.array([uint8_sum[1]], dtype=np.uint8)
    return int((a + b)[0])


q_values_in_image = ValueExercise(
    id="q_values_in_image",
    lesson=LESSON,
    title="How many numbers describe an RGB image?",
    points=1,
    variants=Variants({"image": (224, 224, 3)}, _draw_image),
    answer=lambda image: int(np.prod(image)),
    question=(
        "How many numbers describe one {image[0]} x {image[1]} RGB image ({image[2]} channels)?"
    ),
    hint="height x width x channels",
)

q_batch_shape = ValueExercise(
    id="q_batch_shape",
    lesson=LESSON,
    title="The shape of a batch of RGB images, channels last",
    points=1,
    variants=Variants({"batch": (32, 64, 64, 3)}, _draw_batch),
    answer=lambda batch: tuple(batch),
    question=(
        "What is the shape of a batch of {batch[0]} RGB images of {batch[1]} x {batch[2]} pixels, "
        "channels last?"
    ),
    compare=exact(),
    hint="(N, H, W, C)",
)

q_uint8_overflow = ValueExercise(
    id="q_uint8_overflow",
    lesson=LESSON,
    title="The sum of two uint8 numbers",
    points=1,
    variants=Variants({"uint8_sum": (200, 100)}, _draw_uint8_sum),
    answer=_uint8_sum,
    question="Two uint8 arrays hold {uint8_sum[0]} and {uint8_sum[1]}. What does their sum hold?",
    hint="uint8 arithmetic wraps around modulo 256",
)

q_dataset_memory = ValueExercise(
    id="q_dataset_memory",
    lesson=LESSON,
    title="Memory of a dataset as uint8, as float32, and of one batch",
    points=2,
    variants=Variants(_draw_dataset(_quiz_rng), _draw_dataset),
    answer=dataset_memory,
    question=(
        "A dataset holds {images:,} RGB photos of {side} x {side}, stored as uint8. Give\n"
        "[its MiB as uint8, its MiB after normalize (float32), the MiB of one float32 batch of "
        "{batch}]."
    ),
    compare=each(close(rtol=1e-3, atol=0)),
    hint="numbers per image x images x bytes per number (1 for uint8, 4 for float32); 2**20 bytes",
)

#: This notebook's numbers (the visible ones, or a handout's) and its question texts.
QUIZ = NumbersView(
    {"image": "q_values_in_image", "batch": "q_batch_shape", "uint8_sum": "q_uint8_overflow"}
)
DATASET = NumbersView.of("q_dataset_memory", ["images", "side", "batch"])
QUESTIONS = QuestionsView(
    ["q_values_in_image", "q_batch_shape", "q_uint8_overflow", "q_dataset_memory"]
)

q_brightest_weight = ValueExercise(
    id="q_brightest_weight",
    lesson=LESSON,
    title="Which channel weighs most in BT.601 luma?",
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
    downscale_2x,
    q_values_in_image,
    q_batch_shape,
    q_uint8_overflow,
    q_brightest_weight,
    q_bgr_pixel,
    q_dataset_memory,
]
