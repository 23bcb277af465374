"""Lesson 3 - Padding and stride."""

from __future__ import annotations

import numpy as np

from .. import shapes
from ._core import Case, FunctionExercise, ValueExercise, each, exact
from ._variants import NumbersView, Variants, numbers

__all__ = [
    "EXAM_QUESTION",
    "EXERCISES",
    "LESSON",
    "conv_output_size",
    "exam_volume",
    "pad_same",
    "q_exam_volume",
    "q_receptive_field",
    "q_shape_quiz",
    "receptive_field_answers",
    "receptive_field_questions",
    "same_padding",
    "shape_answers",
    "shape_questions",
    "stack_text",
    "zero_pad_same",
]

LESSON = 3


def _output_size_case(rng: np.random.Generator) -> Case:
    while True:
        size, kernel = int(rng.integers(1, 65)), int(rng.integers(1, 8))
        stride, padding = int(rng.integers(1, 5)), int(rng.integers(0, 4))
        if size + 2 * padding >= kernel:
            return Case((size, kernel, stride, padding))


def _same_padding_case(rng: np.random.Generator) -> Case:
    return Case((int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(1, 33))))


def zero_pad_same(x: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    """Zero-pad the rows and columns of an (H, W, C) image as Keras's ``padding="same"``.

    Rows and columns get their own (before, after) pads from
    :func:`cnncourse.shapes.same_padding`: with a stride above 1 they depend on the
    size of each axis, so an H x W image with H != W may get different pads on the
    two axes. A *valid* convolution of the result is Keras's "same" convolution.

    Examples
    --------
    >>> zero_pad_same(np.ones((5, 4, 1)), 2, 2)[..., 0]
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [0., 0., 0., 0.]])
    """
    rows = shapes.same_padding(kernel_size, stride, x.shape[0])
    columns = shapes.same_padding(kernel_size, stride, x.shape[1])
    return np.pad(x, (rows, columns, (0, 0)))


def _pad_same_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in rng.integers(1, 10, size=2))
    channels = int(rng.integers(1, 3))
    x = rng.integers(1, 10, size=(height, width, channels)).astype(np.float64)
    return Case((x, int(rng.integers(1, 6)), int(rng.integers(1, 4))))


conv_output_size = FunctionExercise(
    id="conv_output_size",
    lesson=LESSON,
    title="Output size from W, F, S and P",
    points=1,
    reference=shapes.conv_output_size,
    generate=_output_size_case,
    edge_cases=(Case((64, 5, 1, 0)), Case((7, 3, 2, 0)), Case((6, 3, 2, 1)), Case((3, 5, 1, 1))),
    compare=exact(),
    arg_names=("input_size", "kernel_size", "stride", "padding"),
)

same_padding = FunctionExercise(
    id="same_padding",
    lesson=LESSON,
    title='The (before, after) zero padding of "same"',
    points=2,
    reference=shapes.same_padding,
    generate=_same_padding_case,
    edge_cases=(Case((3, 1, 5)), Case((4, 1, 5)), Case((3, 2, 6)), Case((1, 1, 4))),
    compare=exact(),
    arg_names=("kernel_size", "stride", "input_size"),
)

pad_same = FunctionExercise(
    id="pad_same",
    lesson=LESSON,
    title='Pad an H x W image for a "same" convolution with any stride',
    points=2,
    reference=zero_pad_same,
    generate=_pad_same_case,
    edge_cases=(
        Case((np.ones((5, 4, 1)), 2, 2)),  # rows and columns padded differently
        Case((np.ones((3, 3, 2)), 3, 1)),
        Case((np.ones((6, 7, 1)), 3, 2)),
        Case((np.ones((2, 2, 1)), 1, 3)),  # nothing to pad
    ),
    compare=exact(),
    arg_names=("x", "kernel_size", "stride"),
)


# The quiz's numbers: the visible ones (what the lesson shows), and how a student's own are
# drawn (cnncourse handout); the lesson prints each question with its notebook's numbers.
_EXAM = {"size": 64, "depth": 3, "kernel_size": 5, "filters": 2, "padding": 0, "stride": 1}


def _draw_exam(rng) -> dict[str, int]:
    return {
        "size": int(rng.choice([28, 32, 48, 64, 96, 128, 224])),
        "depth": int(rng.choice([1, 3, 16, 32])),
        "kernel_size": int(rng.choice([3, 5, 7])),
        "filters": int(rng.choice([2, 4, 8, 16, 32])),
        "padding": 0,
        "stride": 1,
    }


def exam_volume(question: dict[str, int] | None = None) -> tuple[int, int, int]:
    """The output volume (H, W, K) of one exam question (by default :data:`EXAM_QUESTION`).

    Examples
    --------
    >>> exam_volume()
    (60, 60, 2)
    """
    q = EXAM_QUESTION if question is None else question
    side = shapes.conv_output_size(q["size"], q["kernel_size"], q["stride"], q["padding"])
    return (side, side, q["filters"])


def _draw_shape_questions(rng, n: int = 4) -> list[dict[str, int]]:
    questions = []
    while len(questions) < n:
        q = {
            "size": int(rng.choice([28, 32, 64, 96, 128, 224, 227])),
            "depth": int(rng.choice([1, 3, 16, 32, 64])),
            "kernel_size": int(rng.choice([1, 3, 5, 7, 11])),
            "filters": int(rng.choice([2, 8, 16, 32, 96])),
            "padding": int(rng.integers(0, 4)),
            "stride": int(rng.choice([1, 1, 2, 2, 3, 4])),
        }
        if (q["size"] + 2 * q["padding"] - q["kernel_size"]) % q["stride"] == 0:
            questions.append(q)  # exam questions use sizes that divide evenly
    return questions


def shape_questions(seed: int | None = None, n: int = 4) -> list[dict[str, int]]:
    """Exam-style questions: an input volume, K filters of F x F, padding P, stride S.

    Each question is a dict with keys ``size``, ``depth``, ``kernel_size``, ``filters``,
    ``padding`` and ``stride``; every configuration is a valid one (the kernel fits).
    Without a ``seed``: this notebook's questions (the visible ones, or a handout's).

    Examples
    --------
    >>> shape_questions(seed=3, n=1)
    [{'size': 227, 'depth': 16, 'kernel_size': 1, 'filters': 2, 'padding': 1, 'stride': 2}]
    >>> shape_questions() == shape_questions(seed=3)
    True
    """
    if seed is None:
        return [dict(q) for q in numbers("q_shape_quiz")["questions"][:n]]
    return _draw_shape_questions(np.random.default_rng(seed), n)


def shape_answers(seed: int | None = None, n: int = 4) -> list[tuple[int, int, int]]:
    """The output volume (H, W, K) of each of :func:`shape_questions`.

    Examples
    --------
    >>> shape_answers(seed=3, n=1)
    [(115, 115, 2)]
    """
    return [exam_volume(q) for q in shape_questions(seed, n)]


def _draw_receptive_field_questions(rng, n: int = 3) -> list[list[dict[str, object]]]:
    stacks: list[list[dict[str, object]]] = []
    while len(stacks) < n:
        stack: list[dict[str, object]] = []
        for _ in range(int(rng.integers(3, 6))):
            if rng.random() < 0.3:
                stack.append({"kind": "pool", "kernel_size": 2, "stride": 2})
            else:
                stack.append(
                    {
                        "kind": "conv",
                        "kernel_size": int(rng.choice([1, 3, 3, 5, 7])),
                        "stride": int(rng.choice([1, 1, 2])),
                    }
                )
        if any(layer["stride"] > 1 for layer in stack[:-1]):
            stacks.append(stack)
    return stacks


def receptive_field_questions(seed: int | None = None, n: int = 3) -> list[list[dict[str, object]]]:
    """Stacks of 3 to 5 layers (convolutions and max pooling, with strides).

    Each layer is a dict with keys ``kind`` (``"conv"`` or ``"pool"``), ``kernel_size``
    and ``stride``. Every stack has at least one stride above 1 before its last layer,
    so the stride's effect on the layers after it matters. Without a ``seed``: this
    notebook's stacks (the visible ones, or a handout's).

    Examples
    --------
    >>> stack_text(receptive_field_questions(seed=3, n=1)[0][:2])
    'pool 2x2 stride 2 -> conv 1x1 stride 2'
    """
    if seed is None:
        stacks = numbers("q_receptive_field")["stacks"][:n]
        return [[dict(layer) for layer in stack] for stack in stacks]
    return _draw_receptive_field_questions(np.random.default_rng(seed), n)


def stack_text(stack: list[dict[str, object]]) -> str:
    """One line describing a stack of :func:`receptive_field_questions`.

    Examples
    --------
    >>> stack_text([{"kind": "conv", "kernel_size": 3, "stride": 1}])
    'conv 3x3 stride 1'
    """
    return " -> ".join(
        f"{layer['kind']} {layer['kernel_size']}x{layer['kernel_size']} stride {layer['stride']}"
        for layer in stack
    )


def _fields(stacks) -> list[int]:
    return [
        shapes.receptive_field([(layer["kernel_size"], layer["stride"]) for layer in stack])
        for stack in stacks
    ]


def receptive_field_answers(seed: int | None = None, n: int = 3) -> list[int]:
    """The receptive field (one axis, in input pixels) of a unit of each stack's last layer.

    Examples
    --------
    >>> receptive_field_answers(seed=3, n=1)
    [30]
    """
    return _fields(receptive_field_questions(seed, n))


q_exam_volume = ValueExercise(
    id="q_exam_volume",
    lesson=LESSON,
    title="The classic exam question: the output volume, with no padding",
    points=1,
    variants=Variants(_EXAM, _draw_exam),
    answer=lambda **question: exam_volume(question),
    question=(
        "An input volume of {size}x{size}x{depth} is convolved with {filters} filters of "
        "{kernel_size}x{kernel_size}, with no padding and stride {stride}. "
        "What is the output volume?"
    ),
    hint="(W - F + 2P) / S + 1 for each side, with P = 0; the depth is the number of filters",
)

q_shape_quiz = ValueExercise(
    id="q_shape_quiz",
    lesson=LESSON,
    title="Four generated exam questions on output volumes",
    points=2,
    variants=Variants(
        {"questions": _draw_shape_questions(np.random.default_rng(3))},
        lambda rng: {"questions": _draw_shape_questions(rng)},
    ),
    answer=lambda questions: [exam_volume(q) for q in questions],
    compare=each(),
    hint="one (H, W, K) tuple per question, in order",
)

q_receptive_field = ValueExercise(
    id="q_receptive_field",
    lesson=LESSON,
    title="Receptive fields through generated stacks of strided layers",
    points=2,
    variants=Variants(
        {"stacks": _draw_receptive_field_questions(np.random.default_rng(3))},
        lambda rng: {"stacks": _draw_receptive_field_questions(rng)},
    ),
    answer=_fields,
    compare=each(),
    hint="one int per stack; each layer adds (F - 1) x (the product of the strides before it)",
)

#: The classic exam question of this notebook (the visible one, or a handout's): an input
#: volume, K filters of F x F, no padding, stride S.
EXAM_QUESTION = NumbersView.of("q_exam_volume", _EXAM)

EXERCISES = [
    same_padding,
    pad_same,
    conv_output_size,
    q_exam_volume,
    q_shape_quiz,
    q_receptive_field,
]
