"""Lesson 2 - The convolution operation."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops, shapes
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each, exact
from ._variants import ListView, NumbersView, QuestionsView, Variants

__all__ = [
    "EXERCISES",
    "LESSON",
    "QUESTIONS",
    "SHIFTS",
    "STACK",
    "conv2d",
    "conv2d_single",
    "conv_stack",
    "conv_stack_reference",
    "q_conv_stack",
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


def conv_stack_reference(
    input_shape: tuple[int, int, int], layers: list[tuple[int, int, int]]
) -> list[tuple[int, int, int, int]]:
    """Output volume and parameters of each conv layer of a stack (no padding, with biases).

    ``layers`` holds one ``(filters, kernel_size, stride)`` per layer; each layer's
    input depth is the previous layer's number of filters. Returns one
    ``(H, W, K, parameters)`` row per layer.

    Examples
    --------
    >>> conv_stack_reference((32, 32, 3), [(8, 3, 1), (16, 3, 2)])
    [(30, 30, 8, 224), (14, 14, 16, 1168)]
    """
    height, width, depth = input_shape
    out = []
    for filters, kernel_size, stride in layers:
        height = shapes.conv_output_size(height, kernel_size, stride)
        width = shapes.conv_output_size(width, kernel_size, stride)
        out.append((height, width, filters, shapes.conv_params(kernel_size, depth, filters)))
        depth = filters
    return out


def _stack_case(rng: np.random.Generator) -> Case:
    height, width = int(rng.choice([28, 32, 64, 96, 128, 224])), int(rng.choice([28, 32, 64]))
    layers, h, w = [], height, width
    for _ in range(int(rng.integers(1, 5))):
        kernel_size, stride = int(rng.choice([1, 3, 5, 7])), int(rng.choice([1, 1, 2, 3]))
        if min(h, w) < kernel_size:
            break
        layers.append((int(rng.choice([4, 8, 16, 32, 64])), kernel_size, stride))
        h, w = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
    return Case(((height, width, int(rng.choice([1, 3]))), layers))


conv_stack = FunctionExercise(
    id="conv_stack",
    lesson=LESSON,
    title="Output volume and parameters, layer by layer, of a stack of conv layers",
    points=2,
    reference=conv_stack_reference,
    generate=_stack_case,
    edge_cases=(
        Case(((5, 5, 1), [(1, 5, 1)])),
        Case(((32, 32, 3), [(8, 3, 1), (16, 3, 2)])),
        Case(((7, 9, 2), [(4, 3, 2), (3, 1, 1)])),
    ),
    compare=exact(),
    arg_names=("input_shape", "layers"),
)


# The quiz's numbers: the visible ones (what the lesson shows), and how a student's own are
# drawn (cnncourse handout); the lesson prints each question with its notebook's numbers.
def _draw_stack(rng) -> dict[str, Any]:
    return {
        "input_shape": (int(rng.choice([64, 96, 128])),) * 2 + (3,),
        "layers": [
            (int(rng.choice([16, 32])), 5, 1),
            (int(rng.choice([32, 48])), 3, 2),
            (int(rng.choice([64, 96])), 3, 2),
        ],
    }


def _draw_shifts(rng) -> dict[str, list[tuple[int, int]]]:
    """(stride, shift of the input in pixels) for each part of the shift question."""
    shifts = [(1, int(rng.integers(1, 4))), (2, 1), (2, 4), (3, 2)]
    return {"shifts": [shifts[int(i)] for i in rng.permutation(len(shifts))]}


_quiz_rng = np.random.default_rng(2027)
_VISIBLE_STACK = _draw_stack(_quiz_rng)
_VISIBLE_SHIFTS = _draw_shifts(_quiz_rng)


def _stack_answer(input_shape, layers) -> list:
    rows = conv_stack_reference(tuple(input_shape), [tuple(layer) for layer in layers])
    return [rows[-1][:3], sum(row[3] for row in rows)]


def _stack_text(input_shape, layers) -> str:
    return (
        "Input {}; three conv layers, no padding, each (filters, kernel size, stride): {}.\n"
        "Give [the output volume (H, W, K) of the last layer, the total number of parameters]."
    ).format(tuple(input_shape), ", ".join(str(tuple(layer)) for layer in layers))


def _shifts_text(shifts) -> str:
    return (
        "The input of a conv layer is shifted right. Away from the borders, is the new output\n"
        "(a) a shifted copy of the old output, or (b) in general not a shifted copy of it?\n"
        + "\n".join(
            f"  {i + 1}. stride {s}, input shifted {d} pixel(s)" for i, (s, d) in enumerate(shifts)
        )
    )


q_conv_stack = ValueExercise(
    id="q_conv_stack",
    lesson=LESSON,
    title="Output volume and total parameters after three conv layers",
    points=2,
    variants=Variants(_VISIBLE_STACK, _draw_stack),
    answer=_stack_answer,
    question=_stack_text,
    compare=each(),
    hint="layer by layer: (W - F) // S + 1; the depth is the previous layer's number of filters",
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
    title="Shift the input: is the output of a strided conv layer a shifted copy?",
    points=2,
    choices={"a": "a shifted copy of the old output", "b": "in general not a shifted copy"},
    variants=Variants(_VISIBLE_SHIFTS, _draw_shifts),
    answer=lambda shifts: ["a" if shift % stride == 0 else "b" for stride, shift in shifts],
    question=_shifts_text,
    compare=each(choice()),
    hint="a stride-s layer samples every s-th position: where do the samples fall after the shift?",
)

#: This notebook's numbers (the visible ones, or a handout's) and its question texts.
STACK = NumbersView.of("q_conv_stack", _VISIBLE_STACK)
SHIFTS = ListView("q_shift_output", "shifts")
QUESTIONS = QuestionsView(["q_conv_stack", "q_shift_output"])

EXERCISES = [
    conv2d_single,
    conv2d,
    conv_stack,
    q_conv_stack,
    q_keras_computes,
    q_shift_output,
]
