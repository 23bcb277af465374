"""Lesson 0 - Why convolutions."""

from __future__ import annotations

import numpy as np

from ._core import Case, FunctionExercise, ValueExercise, choice, close, each, exact
from ._variants import NumbersView, QuestionsView, Variants

__all__ = [
    "CONV_COSTS",
    "EXERCISES",
    "LESSON",
    "QUESTIONS",
    "SCALE",
    "conv_costs",
    "mlp_costs",
    "permute_pixels",
    "q_conv_costs",
    "q_conv_size",
    "q_task",
    "unpermute_pixels",
]

LESSON = 0


def _mlp_costs_reference(
    input_shape: tuple[int, ...], units: tuple[int, ...]
) -> tuple[int, int, int]:
    """Parameters, activations and multiply-adds (per image) of Dense layers on a flat image."""
    n_in = int(np.prod(input_shape))
    params = activations = multiply_adds = 0
    for n_out in units:
        params += n_in * n_out + n_out
        activations += n_out
        multiply_adds += n_in * n_out
        n_in = n_out
    return params, activations, multiply_adds


def conv_costs(
    size: int, channels: int, filters: int, kernel_size: int, batch: int = 1
) -> tuple[int, int, float]:
    """Activations, multiply-adds (per image) and activation MiB (float32, whole batch).

    One ``Conv2D(filters, kernel_size)`` with stride 1 and no padding on a
    ``size x size x channels`` image: each of its ``out x out x filters`` outputs is
    one window of ``kernel_size x kernel_size x channels`` inputs times as many weights.

    Examples
    --------
    >>> conv_costs(32, 3, 16, 3, batch=64)
    (14400, 388800, 3.515625)
    """
    side = size - kernel_size + 1
    activations = side * side * filters
    multiply_adds = activations * kernel_size * kernel_size * channels
    return activations, multiply_adds, batch * activations * 4 / 2**20


def _permute_reference(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    n, height, width, channels = images.shape
    flat = images.reshape(n, height * width, channels)
    return flat[:, permutation].reshape(images.shape)


def _unpermute_reference(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    return _permute_reference(images, np.argsort(permutation))


def _mlp_case(rng: np.random.Generator) -> Case:
    side = int(rng.choice([8, 28, 32, 64, 224]))
    shape = (side, side, int(rng.choice([1, 3])))
    units = tuple(int(u) for u in rng.integers(1, 1025, size=int(rng.integers(1, 4))))
    return Case((shape, units))


def _permute_case(rng: np.random.Generator) -> Case:
    n, height, width, channels = (int(v) for v in rng.integers(1, 5, size=4))
    images = rng.integers(0, 10, size=(n, height, width, channels)).astype(np.float64)
    return Case((images, rng.permutation(height * width)))


mlp_costs = FunctionExercise(
    id="mlp_costs",
    lesson=LESSON,
    title="Parameters, activations and multiply-adds of a stack of Dense layers",
    points=2,
    reference=_mlp_costs_reference,
    generate=_mlp_case,
    edge_cases=(
        Case(((224, 224, 3), (1000,))),
        Case(((1, 1, 1), (1,))),
        Case(((8, 8, 1), (64, 10))),
    ),
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


# The quiz's numbers: the visible ones (what the lesson shows), and how a student's own are
# drawn (cnncourse handout); the lesson prints each question with its notebook's numbers.
def _draw_conv_costs(rng) -> dict[str, int]:
    return {
        "size": int(rng.choice([32, 48, 64, 96])),
        "channels": int(rng.choice([1, 3])),
        "filters": int(rng.choice([16, 32, 64])),
        "kernel_size": int(rng.choice([3, 5])),
        "batch": int(rng.choice([32, 64, 128])),
    }


_quiz_rng = np.random.default_rng(2025)
_VISIBLE_CONV_COSTS = _draw_conv_costs(_quiz_rng)
SCALE = int(_quiz_rng.choice([2, 3, 4]))

q_conv_costs = ValueExercise(
    id="q_conv_costs",
    lesson=LESSON,
    title="Activations, multiply-adds and activation memory of a conv layer on a batch",
    points=2,
    variants=Variants(_VISIBLE_CONV_COSTS, _draw_conv_costs),
    answer=lambda **numbers: list(conv_costs(**numbers)),
    question=(
        "A batch of {batch} images of {size} x {size} x {channels} goes through "
        "Conv2D({filters}, {kernel_size}) (stride 1, no padding).\n"
        "Give [activations per image, multiply-adds per image, MiB of float32 outputs "
        "for the whole batch]."
    ),
    compare=each(close(rtol=1e-3, atol=0)),
    hint="outputs = out x out x filters; each costs F x F x C multiply-adds; 4 bytes per float32",
)

#: This notebook's numbers of the conv-costs question (the visible ones, or a handout's).
CONV_COSTS = NumbersView.of("q_conv_costs", _VISIBLE_CONV_COSTS)
QUESTIONS = QuestionsView(
    ["q_conv_costs"],
    fixed={
        "q_conv_size": (
            f"A conv layer gets images {SCALE} times as high and {SCALE} times as wide. "
            "What happens to\n[its parameters, its activations, its multiply-adds]?\n"
            f"(a) stay the same  (b) grow about {SCALE} times  (c) grow about {SCALE**2} times"
        ),
    },
)

q_conv_size = ValueExercise(
    id="q_conv_size",
    lesson=LESSON,
    title=f"Images {SCALE} times larger on each side: parameters, activations, multiply-adds",
    points=2,
    choices={
        "a": "stay the same",
        "b": f"grow about {SCALE} times",
        "c": f"grow about {SCALE**2} times",
    },
    answer=lambda: ["a", "c", "c"],
    compare=each(choice()),
    hint="the kernels do not depend on the image size; the number of positions does",
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

EXERCISES = [mlp_costs, permute_pixels, unpermute_pixels, q_conv_costs, q_conv_size, q_task]
