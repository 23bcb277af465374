"""Lesson 3 - Padding and stride."""

from __future__ import annotations

import numpy as np

from .. import ops, shapes
from ._core import Case, FunctionExercise, ValueExercise, close, each, exact

__all__ = [
    "EXERCISES",
    "LESSON",
    "conv_output_size",
    "pad",
    "q_exam_volume",
    "q_shape_quiz",
    "same_padding",
    "shape_answers",
    "shape_questions",
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


def _pad_case(rng: np.random.Generator) -> Case:
    height, width, channels = (int(v) for v in rng.integers(1, 5, size=3))
    x = rng.integers(1, 10, size=(height, width, channels)).astype(np.float64)
    return Case((x, int(rng.integers(0, 3))))


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

pad = FunctionExercise(
    id="pad",
    lesson=LESSON,
    title="Zero padding around the spatial axes",
    points=1,
    reference=ops.pad,
    generate=_pad_case,
    edge_cases=(Case((np.ones((2, 2, 1)), 1)), Case((np.ones((1, 3, 2)), 0))),
    compare=close(rtol=0, atol=0),
    arg_names=("x", "padding"),
)


def shape_questions(seed: int = 3, n: int = 4) -> list[dict[str, int]]:
    """Exam-style questions: an input volume, K filters of F x F, padding P, stride S.

    Each question is a dict with keys ``size``, ``depth``, ``kernel_size``, ``filters``,
    ``padding`` and ``stride``; every configuration is a valid one (the kernel fits).

    Examples
    --------
    >>> shape_questions(seed=3, n=1)
    [{'size': 227, 'depth': 16, 'kernel_size': 1, 'filters': 2, 'padding': 1, 'stride': 2}]
    """
    rng = np.random.default_rng(seed)
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


def shape_answers(seed: int = 3, n: int = 4) -> list[tuple[int, int, int]]:
    """The output volume (H, W, K) of each of :func:`shape_questions`.

    Examples
    --------
    >>> shape_answers(seed=3, n=1)
    [(115, 115, 2)]
    """
    out = []
    for q in shape_questions(seed, n):
        side = shapes.conv_output_size(q["size"], q["kernel_size"], q["stride"], q["padding"])
        out.append((side, side, q["filters"]))
    return out


q_exam_volume = ValueExercise(
    id="q_exam_volume",
    lesson=LESSON,
    title="64x64x3 input, two 5x5 filters, no padding, stride 1: the output volume",
    points=1,
    answer=lambda: (shapes.conv_output_size(64, 5, 1, 0),) * 2 + (2,),
    hint="(W - F + 2P) / S + 1 for each side; the depth is the number of filters",
)

q_shape_quiz = ValueExercise(
    id="q_shape_quiz",
    lesson=LESSON,
    title="Four generated exam questions on output volumes",
    points=2,
    answer=shape_answers,
    compare=each(),
    hint="one (H, W, K) tuple per question, in order",
)

EXERCISES = [conv_output_size, same_padding, pad, q_exam_volume, q_shape_quiz]
