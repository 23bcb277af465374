"""Lesson 12 - Convolution variants and speed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import ops, shapes
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each, exact
from ._variants import NumbersView, Variants, numbers

__all__ = [
    "EXERCISES",
    "LESSON",
    "VARIANT_NAMES",
    "VARIANT_SETUP",
    "dilate_kernel",
    "dilated_kernel",
    "dilated_stack_answers",
    "dilated_stack_questions",
    "fft_conv2d_single",
    "fft_full_correlation",
    "im2col",
    "locally_connected_params",
    "q_dilated_stack",
    "q_separable_costs",
    "q_unshared_memory",
    "q_variant_params",
    "separable_costs",
    "separable_question",
    "unshared_params",
    "variant_params",
]

LESSON = 12


# --------------------------------------------------------------------------- im2col


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


# --------------------------------------------------------------------------- dilation


def dilated_kernel(kernel: np.ndarray, dilation: int) -> np.ndarray:
    """Spread a kernel's taps ``dilation`` apart, with zeros in between (first two axes).

    A kernel of size k becomes one of size ``dilation * (k - 1) + 1`` on each of its
    first two axes; any further axes (channels, filters) are kept. A valid
    convolution with the result is Keras's ``Conv2D(..., dilation_rate=dilation)``
    with the original kernel.

    Parameters
    ----------
    kernel : array of shape (F_h, F_w) or (F_h, F_w, ...)
    dilation : int, >= 1

    Returns
    -------
    array of shape (d (F_h - 1) + 1, d (F_w - 1) + 1, ...), the kernel's dtype

    Examples
    --------
    >>> dilated_kernel(np.array([[1, 2], [3, 4]]), 2)
    array([[1, 0, 2],
           [0, 0, 0],
           [3, 0, 4]])
    """
    kernel = np.asarray(kernel)
    f_h, f_w = kernel.shape[:2]
    out = np.zeros(
        (dilation * (f_h - 1) + 1, dilation * (f_w - 1) + 1, *kernel.shape[2:]), kernel.dtype
    )
    out[::dilation, ::dilation] = kernel
    return out


def _dilate_case(rng: np.random.Generator) -> Case:
    f_h, f_w = (int(v) for v in rng.integers(1, 5, size=2))
    extra = [(), (int(rng.integers(1, 3)),), (int(rng.integers(1, 3)), int(rng.integers(1, 3)))]
    shape = (f_h, f_w, *extra[int(rng.integers(0, 3))])
    return Case((rng.integers(1, 10, size=shape).astype(np.float64), int(rng.integers(1, 5))))


dilate_kernel = FunctionExercise(
    id="dilate_kernel",
    lesson=LESSON,
    title="A dilated kernel: the taps spread apart, zeros in between",
    points=1,
    reference=dilated_kernel,
    generate=_dilate_case,
    edge_cases=(
        Case((np.array([[1.0, 2.0], [3.0, 4.0]]), 2)),
        Case((np.arange(1.0, 7.0).reshape(2, 3), 3)),  # not square: rows and columns differ
        Case((np.ones((3, 3, 2, 1)), 1)),  # dilation 1: the kernel itself
        Case((np.array([[5.0]]), 4)),  # a 1 x 1 kernel does not grow
    ),
    compare=close(rtol=0, atol=0),
    arg_names=("kernel", "dilation"),
)


# --------------------------------------------------------------------------- FFT


def fft_full_correlation(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The *full* cross-correlation of an (H, W) image with an (F_h, F_w) kernel, by the FFT.

    Equal to ``ops.conv2d(x, kernel, padding="full")``, of shape
    (H + F_h - 1, W + F_w - 1). Both arrays are zero-padded to that size (any less
    and the FFT's circular convolution wraps the last rows and columns onto the
    first), and the kernel is flipped in both axes (the FFT computes a
    convolution; Keras's "convolution" is a cross-correlation).

    Examples
    --------
    >>> fft_full_correlation(np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, -1.0]])).round(9)
    array([[-1., -1., -1.,  3.]])
    """
    x, kernel = np.asarray(x, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    size = (x.shape[0] + kernel.shape[0] - 1, x.shape[1] + kernel.shape[1] - 1)
    product = np.fft.rfft2(x, s=size) * np.fft.rfft2(kernel[::-1, ::-1], s=size)
    return np.fft.irfft2(product, s=size)


def _fft_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in rng.integers(2, 13, size=2))
    f_h, f_w = int(rng.integers(1, height + 1)), int(rng.integers(1, width + 1))
    return Case((rng.normal(size=(height, width)), rng.normal(size=(f_h, f_w))))


fft_conv2d_single = FunctionExercise(
    id="fft_conv2d_single",
    lesson=LESSON,
    title="The full cross-correlation through the FFT: pad enough, flip the kernel",
    points=2,
    reference=fft_full_correlation,
    generate=_fft_case,
    edge_cases=(
        Case((np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, -1.0]]))),  # flip or not shows
        Case((np.arange(12.0).reshape(3, 4), np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.0]]))),
        Case((np.arange(6.0).reshape(2, 3), np.ones((1, 1)))),
        Case((np.arange(9.0).reshape(3, 3), np.arange(9.0).reshape(3, 3))),  # kernel = image
    ),
    compare=close(rtol=1e-6, atol=1e-8),
    arg_names=("x", "kernel"),
)


# --------------------------------------------------------------------------- unshared


def unshared_params(
    input_size: int, channels: int, filters: int, kernel_size: int, stride: int
) -> int:
    """Parameters of an unshared (locally connected) layer, valid padding, with biases.

    One ``kernel_size x kernel_size x channels x filters`` kernel and one bias per
    filter at each of the ``n_out x n_out`` output positions, ``n_out = (input_size -
    kernel_size) // stride + 1``: as :class:`cnncourse.layers.LocallyConnected2D`
    counts them.

    Examples
    --------
    >>> unshared_params(8, 3, 4, 3, 1)  # 36 positions x (3*3*3*4 + 4)
    4032
    """
    side = shapes.conv_output_size(input_size, kernel_size, stride)
    return side * side * (kernel_size * kernel_size * channels * filters + filters)


def _unshared_case(rng: np.random.Generator) -> Case:
    kernel_size = int(rng.choice([1, 2, 3, 5]))
    input_size = int(rng.integers(kernel_size, 33))
    return Case(
        (
            input_size,
            int(rng.choice([1, 3, 8, 16])),
            int(rng.choice([1, 4, 16, 32])),
            kernel_size,
            int(rng.integers(1, 4)),
        )
    )


locally_connected_params = FunctionExercise(
    id="locally_connected_params",
    lesson=LESSON,
    title="Parameters of an unshared convolution, with a stride",
    points=1,
    reference=unshared_params,
    generate=_unshared_case,
    edge_cases=(
        Case((8, 3, 4, 3, 1)),
        Case((7, 1, 1, 3, 2)),  # the stride leaves 3 x 3 positions
        Case((6, 2, 3, 6, 1)),  # one position: a dense layer
        Case((9, 4, 2, 1, 3)),
    ),
    compare=exact(),
    arg_names=("input_size", "channels", "filters", "kernel_size", "stride"),
)


# --------------------------------------------------------------------------- quiz: six variants

VARIANT_NAMES = (
    "Conv2D, dilation 2",
    "SeparableConv2D (depthwise k x k + pointwise 1x1)",
    "DepthwiseConv2D (depthwise k x k alone, no mixing)",
    "Conv2DTranspose, stride 2",
    "LocallyConnected2D (unshared), valid padding",
    "TiledConv2D, tile 2x2, valid padding",
)


def _draw_variant_setup(rng) -> dict[str, Any]:
    side = int(rng.choice([10, 12, 14, 16, 20, 24, 28, 32]))  # >= 9: a dilated 5x5 fits
    return {
        "input_shape": (side, side, int(rng.choice([3, 4, 8, 16, 32]))),
        "filters": int(rng.choice([8, 16, 24, 32, 64])),
        "kernel_size": int(rng.choice([3, 5])),
    }


def _variant_params(input_shape: Sequence[int], filters: int, kernel_size: int) -> list[int]:
    side, _, c = input_shape
    k, f = kernel_size, filters
    conv = shapes.conv_params(k, c, f)  # k x k x C x K weights + K biases
    return [
        conv,  # dilation spreads the same taps apart: the weights do not change
        shapes.separable_params(k, c, f),
        c * shapes.conv_params(k, 1, 1),  # one k x k kernel and one bias per channel
        conv,  # transposed: a (k, k, K, C) kernel, the roles swapped, and K biases
        unshared_params(side, c, f, k, 1),  # a kernel and biases per output position
        2 * 2 * shapes.conv_params(k, c, f, use_bias=False) + f,  # 4 kernel sets, shared biases
    ]


def _variant_text(input_shape: Sequence[int], filters: int, kernel_size: int) -> str:
    h, w, c = input_shape
    k = kernel_size
    return "\n".join(
        [
            f"input {h}x{w}x{c}, {filters} filters of {k}x{k}: the parameters of each layer "
            "below, biases included (a list of six ints, in this order)",
            *(f"{number}. {name}" for number, name in enumerate(VARIANT_NAMES, start=1)),
        ]
    )


def variant_params(setup: Mapping[str, Any] | None = None) -> list[int]:
    """Parameter counts of :data:`VARIANT_NAMES` for ``setup`` (``input_shape``, ``filters``,
    ``kernel_size``; by default this notebook's :data:`VARIANT_SETUP`), from the formulas of
    :mod:`cnncourse.shapes` (the tests compare them with the counts of built Keras layers).

    Examples
    --------
    >>> variant_params()
    [1168, 216, 80, 1168, 228928, 4624]
    >>> variant_params({"input_shape": (10, 10, 3), "filters": 8, "kernel_size": 5})
    [608, 107, 78, 608, 21888, 2408]
    """
    return _variant_params(**(numbers("q_variant_params") if setup is None else setup))


q_variant_params = ValueExercise(
    id="q_variant_params",
    lesson=LESSON,
    title="Parameters of six convolution variants on the same input",
    points=3,
    variants=Variants(
        {"input_shape": (16, 16, 8), "filters": 16, "kernel_size": 3}, _draw_variant_setup
    ),
    answer=_variant_params,
    question=_variant_text,
    compare=each(),
    hint="one int per variant, in order; biases count (one per filter, or per position and "
    "filter where the layer has untied biases; Keras's depthwise step has a bias only when "
    "it is the whole layer)",
)

#: The layer configuration of the parameter-count questions, as this notebook has it (the
#: visible one, or a handout's): ``input_shape``, ``filters``, ``kernel_size``.
VARIANT_SETUP = NumbersView.of("q_variant_params", ["input_shape", "filters", "kernel_size"])

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


# --------------------------------------------------------------------------- quiz: generated


def separable_question(seed: int | None = None) -> dict[str, int]:
    """A generated layer: an ``size x size x channels`` input, ``filters`` filters of k x k.

    Stride 1 and ``"same"`` padding, so the output is ``size x size x filters``. Without a
    ``seed``: this notebook's layer (the visible one, or a handout's).

    Examples
    --------
    >>> separable_question()
    {'size': 112, 'channels': 128, 'filters': 64, 'kernel_size': 3}
    """
    if seed is None:
        return numbers("q_separable_costs")
    return _draw_separable(np.random.default_rng(seed))


def _draw_separable(rng) -> dict[str, int]:
    return {
        "size": int(rng.choice([14, 28, 56, 112])),
        "channels": int(rng.choice([16, 32, 64, 128])),
        "filters": int(rng.choice([32, 64, 128, 256])),
        "kernel_size": int(rng.choice([3, 5, 7])),
    }


def separable_costs(question: dict[str, int] | None = None) -> list[int]:
    """Parameters and multiply-adds of a standard and a depthwise-separable layer.

    ``[standard parameters, standard multiply-adds, separable parameters, separable
    multiply-adds]`` for :func:`separable_question`'s layer, biases included in the
    parameters (one per filter; Keras's ``SeparableConv2D`` has none on its
    depthwise step) and left out of the multiply-adds.

    Examples
    --------
    >>> separable_costs({"size": 4, "channels": 2, "filters": 3, "kernel_size": 3})
    [57, 864, 27, 384]
    """
    q = separable_question() if question is None else question
    n, c, f, k = q["size"], q["channels"], q["filters"], q["kernel_size"]
    return [
        shapes.conv_params(k, c, f),
        shapes.conv_macs(k, c, f, n),
        shapes.separable_params(k, c, f),
        shapes.separable_macs(k, c, f, n),
    ]


def dilated_stack_questions(seed: int | None = None, n: int = 3) -> list[list[dict[str, int]]]:
    """Stacks of 2 to 4 stride-1 convolutions, each with a kernel size and a dilation.

    Every stack has at least one dilation above 1. Without a ``seed``: this notebook's
    stacks (the visible ones, or a handout's).

    Examples
    --------
    >>> [len(stack) for stack in dilated_stack_questions()]
    [4, 3, 2]
    >>> dilated_stack_questions()[2]
    [{'kernel_size': 3, 'dilation': 2}, {'kernel_size': 5, 'dilation': 1}]
    """
    if seed is None:
        stacks = numbers("q_dilated_stack")["stacks"][:n]
        return [[dict(layer) for layer in stack] for stack in stacks]
    return _draw_dilated_stacks(np.random.default_rng(seed), n)


def _draw_dilated_stacks(rng, n: int = 3) -> list[list[dict[str, int]]]:
    stacks: list[list[dict[str, int]]] = []
    while len(stacks) < n:
        stack = [
            {"kernel_size": int(rng.choice([2, 3, 3, 5])), "dilation": int(rng.choice([1, 2, 4]))}
            for _ in range(int(rng.integers(2, 5)))
        ]
        if any(layer["dilation"] > 1 for layer in stack):
            stacks.append(stack)
    return stacks


def dilated_stack_answers(seed: int | None = None, n: int = 3) -> list[tuple[int, int]]:
    """For each stack: (effective kernel size of its last layer, receptive field of the stack).

    Examples
    --------
    >>> dilated_stack_answers()
    [(5, 21), (9, 18), (5, 9)]
    """
    return _dilated_answers(dilated_stack_questions(seed, n))


def _dilated_answers(stacks) -> list[tuple[int, int]]:
    answers = []
    for stack in stacks:
        last = stack[-1]
        effective = last["dilation"] * (last["kernel_size"] - 1) + 1
        field = shapes.receptive_field(
            [(layer["kernel_size"], 1, layer["dilation"]) for layer in stack]
        )
        answers.append((effective, field))
    return answers


q_separable_costs = ValueExercise(
    id="q_separable_costs",
    lesson=LESSON,
    title="Standard vs depthwise-separable: parameters and multiply-adds of a generated layer",
    points=2,
    variants=Variants(_draw_separable(np.random.default_rng(10)), _draw_separable),
    answer=lambda **question: separable_costs(question),
    question=(
        "input {size}x{size}x{channels}, {filters} filters of {kernel_size}x{kernel_size}, "
        "stride 1, same padding"
    ),
    compare=each(),
    hint="four ints: standard parameters, standard multiply-adds, separable parameters, "
    "separable multiply-adds; 'same' padding keeps size x size positions; biases are "
    "parameters, not multiply-adds",
)

q_dilated_stack = ValueExercise(
    id="q_dilated_stack",
    lesson=LESSON,
    title="Effective kernel size and receptive field of generated dilated stacks",
    points=2,
    variants=Variants(
        {"stacks": _draw_dilated_stacks(np.random.default_rng(10))},
        lambda rng: {"stacks": _draw_dilated_stacks(rng)},
    ),
    answer=_dilated_answers,
    compare=each(),
    hint="one (effective size, receptive field) pair per stack; a layer of size k and "
    "dilation d reaches d (k - 1) + 1 pixels and, at stride 1, adds d (k - 1) to the field",
)

EXERCISES = [
    im2col,
    dilate_kernel,
    fft_conv2d_single,
    locally_connected_params,
    q_variant_params,
    q_unshared_memory,
    q_separable_costs,
    q_dilated_stack,
]
