"""Lesson 8 - Modern CNNs: stacks of 3x3 convolutions, 1x1 convolutions, Inception,
batch normalisation and residual connections, DenseNet, MobileNet and EfficientNet.

:data:`receptive_field` asks for the general receptive-field recurrence (size, jump and
start, with padding and dilation) through generated stacks; :data:`pointwise_conv` for a
1x1 convolution as one matrix product. :data:`residual_block` grades a Keras block: the
student's ``residual_block(x, filters, stride)`` is built on ``keras.Input`` s of several
shapes by :func:`block_paths`, which reads the block's graph back as plain data (the
layers of the residual path, of the shortcut and after the addition, each with its
output shape), and :func:`paths_verdict` compares that with the package's
:func:`cnncourse.models.residual_block` and says what differs: an identity shortcut
where the shapes allow one, a 1x1 projection where they do not. The quiz's numbers are
declared in its questions (the visible ones, and a draw for each student's own,
``cnncourse handout``); the notebook reads them through :func:`bottleneck_question` and
:func:`inverted_residual_question`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import shapes
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each, exact
from ._variants import Variants, numbers

__all__ = [
    "EXERCISES",
    "LESSON",
    "block_paths",
    "bottleneck_answers",
    "bottleneck_question",
    "inverted_residual_answers",
    "inverted_residual_question",
    "paths_verdict",
    "pointwise_conv",
    "pointwise_conv_reference",
    "q_bottleneck_weights",
    "q_inverted_residual_weights",
    "q_projection",
    "quiz_text",
    "receptive_field",
    "residual_block",
    "residual_block_paths_reference",
    "stack_text",
]

LESSON = 8


# --------------------------------------------------------------------------- receptive field


def _stack_case(rng: np.random.Generator) -> Case:
    layers = []
    for _ in range(int(rng.integers(1, 7))):
        if rng.random() < 0.25:  # a pooling window
            size = int(rng.choice([2, 3]))
            layers.append(_conv(size, 2, size // 2 * int(rng.integers(0, 2))))
        else:
            kernel = int(rng.choice([1, 3, 3, 3, 5, 7]))
            stride = int(rng.choice([1, 1, 1, 2]))
            padding = int(rng.integers(0, kernel // 2 + 1))
            layers.append(_conv(kernel, stride, padding, int(rng.choice([1, 1, 1, 2]))))
    return Case((layers,))


def _conv(kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> dict:
    return {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}


def stack_text(layers: Sequence[dict[str, int]]) -> str:
    """One line describing a stack of layers given as dicts (kernel_size, stride, padding,
    dilation).

    Examples
    --------
    >>> stack_text([{"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1}])
    '3x3 stride 2 pad 1'
    """
    parts = []
    for layer in layers:
        k = layer["kernel_size"]
        text = f"{k}x{k} stride {layer.get('stride', 1)} pad {layer.get('padding', 0)}"
        if layer.get("dilation", 1) != 1:
            text += f" dilation {layer['dilation']}"
        parts.append(text)
    return " -> ".join(parts)


receptive_field = FunctionExercise(
    id="receptive_field",
    lesson=LESSON,
    title="Size, jump and start of the receptive field through a stack",
    points=2,
    reference=shapes.receptive_field_steps,
    generate=_stack_case,
    edge_cases=(
        Case(([_conv(3), _conv(3)],)),  # two 3x3: 5x5
        Case(([_conv(3, padding=1)] * 3,)),  # "same" 3x3 x 3: 7x7, starting 3 pixels early
        Case(([_conv(3, 2, 1), _conv(2, 2), _conv(3, 1, 1)],)),  # strides multiply the jump
        Case(([_conv(3, dilation=2), _conv(3, dilation=4)],)),
        Case(([],)),
    ),
    compare=exact(),
    arg_names=("layers",),
)


# --------------------------------------------------------------------------- 1x1 convolution


def pointwise_conv_reference(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A 1x1 convolution of a batch ``(N, H, W, C)``: a dense layer applied at every pixel.

    ``kernel`` has Keras's shape ``(1, 1, C, K)``; every pixel's ``C`` channels are
    multiplied by the ``C x K`` matrix ``kernel[0, 0]`` and ``bias`` is added: one matrix
    product over all ``N * H * W`` pixels at once.

    Examples
    --------
    >>> x = np.arange(6.0).reshape(1, 1, 2, 3)
    >>> kernel = np.ones((1, 1, 3, 2))
    >>> pointwise_conv_reference(x, kernel, np.array([0.0, 10.0]))
    array([[[[ 3., 13.],
             [12., 22.]]]])
    """
    x = np.asarray(x, dtype=np.float64)
    return x @ np.asarray(kernel, dtype=np.float64)[0, 0] + np.asarray(bias, dtype=np.float64)


def _pointwise_case(rng: np.random.Generator) -> Case:
    n, h, w = (int(v) for v in rng.integers(1, 5, size=3))
    c, k = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    return Case((rng.normal(size=(n, h, w, c)), rng.normal(size=(1, 1, c, k)), rng.normal(size=k)))


pointwise_conv = FunctionExercise(
    id="pointwise_conv",
    lesson=LESSON,
    title="A 1x1 convolution as one matrix product",
    points=1,
    reference=pointwise_conv_reference,
    generate=_pointwise_case,
    edge_cases=(
        Case((np.arange(6.0).reshape(1, 1, 2, 3), np.ones((1, 1, 3, 2)), np.array([0.0, 10.0]))),
        Case((np.ones((2, 3, 3, 1)), np.full((1, 1, 1, 4), 2.0), np.zeros(4))),
    ),
    compare=close(rtol=1e-6, atol=1e-9),
    arg_names=("x", "kernel", "bias"),
)


# --------------------------------------------------------------------------- residual block


def _op_type(op: Any) -> str:
    """The kind of a layer or operation; the three ways of writing a ReLU read "ReLU"."""
    name = type(op).__name__
    if name == "ReLU" and getattr(op, "max_value", None) is not None:
        return f"ReLU(max {float(op.max_value):g})"
    activation = getattr(getattr(op, "activation", None), "__name__", None)
    if name in ("ReLU", "Relu") or (name == "Activation" and activation == "relu"):
        return "ReLU"
    return name


def _shape_text(tensor: Any) -> str:
    return "x".join(str(d) for d in tuple(tensor.shape)[1:])


def _describe(op: Any, output: Any) -> str:
    """One layer of a block as text: ``Conv2D(32, 3x3, stride 2, no bias) -> 8x8x32``."""
    kind = _op_type(op)
    if kind == "Conv2D":
        kh, kw = op.kernel_size
        sh, sw = op.strides
        stride = f"{sh}" if sh == sw else f"{sh}x{sw}"
        parts = [str(op.filters), f"{kh}x{kw}", f"stride {stride}"]
        parts.append("bias" if op.use_bias else "no bias")
        activation = getattr(op.activation, "__name__", "linear")
        if activation != "linear":
            parts.append(activation)
        kind = f"Conv2D({', '.join(parts)})"
    return f"{kind} -> {_shape_text(output)}"


def _single(value: Any) -> Any:
    return value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value


def block_paths(
    block: Callable[..., Any], input_shape: Sequence[int], filters: int, stride: int
) -> dict[str, Any]:
    """What a residual block built on ``keras.Input(input_shape)`` is made of, as plain data.

    Calls ``block(x, filters, stride)`` and reads the graph back from its output: the
    layers after the addition (``after``), and the two branches that the addition joins,
    each back to the block's input: the one with more layers is the ``residual`` path,
    the other the ``shortcut`` (``[]``: the identity). Each layer is one line of text,
    ``Conv2D(32, 3x3, stride 2, no bias) -> 8x8x32``, with its output's height, width and
    channels (``Activation("relu")``, ``ReLU()`` and ``keras.ops.relu`` all read
    ``ReLU``). A block without an addition gives ``shortcut`` None.

    Parameters
    ----------
    block : callable
        ``block(x, filters, stride)`` -> tensor, for the functional API.
    input_shape : tuple of int
        ``(H, W, C)`` of the input.
    filters, stride : int

    Returns
    -------
    dict
        Keys ``output`` (``(H, W, C)``), ``params`` (of the whole block), ``residual``,
        ``shortcut``, ``after`` (lists of str).

    Examples
    --------
    >>> from cnncourse import models
    >>> paths = block_paths(models.residual_block, (8, 8, 16), 16, 1)
    >>> paths["residual"][0], paths["shortcut"], paths["after"]
    ('Conv2D(16, 3x3, stride 1, no bias) -> 8x8x16', [], ['ReLU -> 8x8x16'])
    >>> block_paths(models.residual_block, (8, 8, 16), 32, 2)["shortcut"]
    ['Conv2D(32, 1x1, stride 2, no bias) -> 4x4x32', 'BatchNormalization -> 4x4x32']
    """
    import keras

    inputs = keras.Input(tuple(int(v) for v in input_shape))
    output = block(inputs, filters, stride)
    if not isinstance(output, keras.KerasTensor):
        raise ValueError(
            "the block must return its output tensor (the result of the last layer called "
            f"on the input); it returned {type(output).__name__}"
        )
    model = keras.Model(inputs, output)
    producer = {}
    for op in model.operations:
        for tensor in keras.tree.flatten(op.output):
            producer[id(tensor)] = op

    def walk(tensor: Any, stop_at_merge: bool) -> tuple[list[str], Any]:
        """Layers from ``tensor`` back to the input (or to the first merge), last first."""
        rows = []
        while tensor is not inputs:
            op = producer.get(id(tensor))
            if op is None:
                raise ValueError("the block's output does not come from its input")
            sources = [t for t in keras.tree.flatten(op.input) if isinstance(t, keras.KerasTensor)]
            if len(sources) != 1:
                if stop_at_merge:
                    return rows, op
                raise ValueError(
                    f"a branch of the block merges tensors a second time ({type(op).__name__}); "
                    "a residual block adds once: F(x) + shortcut(x)"
                )
            rows.append(_describe(op, tensor))
            tensor = sources[0]
        return rows, None

    after, merge = walk(output, stop_at_merge=True)
    residual, shortcut = after[::-1], None
    if merge is not None:
        branches = [t for t in keras.tree.flatten(merge.input) if isinstance(t, keras.KerasTensor)]
        if type(merge).__name__ != "Add" or len(branches) != 2:
            raise ValueError(
                f"the block joins its branches with {type(merge).__name__} of {len(branches)} "
                "tensors; a residual block adds two: keras.layers.Add()([y, shortcut])"
            )
        first, second = (walk(t, stop_at_merge=False)[0][::-1] for t in branches)
        residual, shortcut = (first, second) if len(first) >= len(second) else (second, first)
    return {
        "output": tuple(int(d) for d in tuple(output.shape)[1:]),
        "params": int(model.count_params()),
        "residual": residual,
        "shortcut": shortcut,
        "after": after[::-1] if merge is not None else [],
    }


def residual_block_paths_reference(
    input_shape: Sequence[int], filters: int, stride: int
) -> dict[str, Any]:
    """:func:`block_paths` of the package's basic block, :func:`cnncourse.models.residual_block`.

    Examples
    --------
    >>> residual_block_paths_reference((8, 8, 16), 16, 1)["output"]
    (8, 8, 16)
    """
    from .. import models

    return block_paths(models.residual_block, input_shape, filters, stride)


def _list_diff(where: str, expected: list[str], got: list[str]) -> str | None:
    for i, (e, g) in enumerate(zip(expected, got, strict=False)):
        if e != g:
            return f"{where}, layer {i + 1}: expected {e}, got {g}"
    if len(expected) != len(got):
        missing = ", ".join(expected[len(got) :]) or "nothing"
        extra = ", ".join(got[len(expected) :]) or "nothing"
        return (
            f"{where}: expected {len(expected)} layers, got {len(got)} "
            f"(missing: {missing}; extra: {extra})"
        )
    return None


def paths_verdict(expected: Any, got: Any) -> str | None:
    """The comparison of :data:`residual_block`: None if the blocks match, else what differs.

    Examples
    --------
    >>> identity = residual_block_paths_reference((8, 8, 16), 16, 1)
    >>> paths_verdict(identity, identity) is None
    True
    >>> projected = residual_block_paths_reference((8, 8, 16), 32, 1)
    >>> paths_verdict(identity, {**identity, "shortcut": projected["shortcut"]})[:60]
    'the shortcut should be the identity (the input itself, no la'
    >>> paths_verdict(projected, {**projected, "shortcut": []})[:54]
    'the shortcut should be a projection, 1x1 Conv2D then B'
    """
    if not isinstance(got, dict) or set(got) != set(expected):
        return "expected the dict that block_paths returns (leave residual_block_paths as it is)"
    if exact()(expected["output"], got["output"]):
        return f"the block's output shape should be {expected['output']}, got {got['output']}"
    if got["shortcut"] is None:
        return (
            "no addition: a residual block adds its input (or a projection of it) to the "
            "output of its layers, keras.layers.Add()([y, shortcut])"
        )
    if expected["shortcut"] == [] and got["shortcut"] != []:
        return (
            "the shortcut should be the identity (the input itself, no layer): the input "
            "already has the output's shape; yours has " + ", ".join(got["shortcut"])
        )
    if expected["shortcut"] and not got["shortcut"]:
        return (
            "the shortcut should be a projection, 1x1 Conv2D then BatchNormalization: the "
            "input's shape differs from the output's, so it cannot be added as it is"
        )
    layers = (
        _list_diff("residual path", expected["residual"], got["residual"])
        or _list_diff("shortcut", expected["shortcut"], got["shortcut"])
        or _list_diff("after the addition", expected["after"], got["after"])
    )
    if layers or not exact()(expected["params"], got["params"]):
        return layers
    return f"the block should have {expected['params']:,} parameters, got {got['params']!r}"


def _block_case(rng: np.random.Generator) -> Case:
    size = int(rng.integers(4, 17))
    channels = int(rng.choice([4, 8, 16, 32]))
    stride = int(rng.choice([1, 2]))
    filters = channels if rng.random() < 0.4 else int(rng.choice([4, 8, 16, 32]))
    return Case(((size, int(rng.integers(4, 17)), channels), filters, stride))


residual_block = FunctionExercise(
    id="residual_block",
    lesson=LESSON,
    title="A residual block: identity shortcut where the shapes allow it, else a projection",
    points=3,
    reference=residual_block_paths_reference,
    generate=_block_case,
    edge_cases=(
        Case(((8, 8, 16), 16, 1)),  # identity
        Case(((8, 8, 16), 32, 1)),  # more channels: projection
        Case(((8, 8, 16), 16, 2)),  # half the size: projection
        Case(((9, 7, 8), 16, 2)),  # both, odd sizes
    ),
    compare=paths_verdict,
    n_random=3,
    arg_names=("input_shape", "filters", "stride"),
    forbidden=(
        ("cnncourse.models.blocks.residual_block", "build the block from keras.layers yourself"),
    ),
)


# --------------------------------------------------------------------------- quiz


def bottleneck_question(seed: int | None = None) -> dict[str, int]:
    """A ResNet stage of the quiz: its ``channels`` C (the bottleneck is C // 4 wide).

    Without a ``seed``: this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> bottleneck_question()
    {'channels': 1024}
    >>> bottleneck_question(seed=8) == bottleneck_question()
    True
    """
    if seed is None:
        return numbers("q_bottleneck_weights")
    return _draw_bottleneck(np.random.default_rng(seed))


def _draw_bottleneck(rng) -> dict[str, int]:
    return {"channels": int(rng.choice([128, 256, 512, 1024, 2048]))}


def bottleneck_answers(seed: int | None = None) -> list[int]:
    """Weights (no biases) of a bottleneck block C -> C/4 -> C/4 -> C (1x1, 3x3, 1x1) and of
    a basic block of two 3x3 convolutions C -> C.

    Examples
    --------
    >>> c = bottleneck_question(seed=9)["channels"]
    >>> bottleneck_answers(seed=9) == [17 * c * c // 16, 18 * c * c]
    True
    """
    return _bottleneck_answers(**bottleneck_question(seed))


def _bottleneck_answers(channels: int) -> list[int]:
    c, m = channels, channels // 4
    conv = shapes.conv_params
    bottleneck = conv(1, c, m, False) + conv(3, m, m, False) + conv(1, m, c, False)
    basic = 2 * conv(3, c, c, False)
    return [bottleneck, basic]


def _bottleneck_text(channels: int) -> str:
    c, m = channels, channels // 4
    return (
        f"A ResNet stage works on {c} channels. How many weights (no biases, no batch "
        f"norm) do (a) a bottleneck block, 1x1 {c} -> {m}, 3x3 {m} -> {m}, "
        f"1x1 {m} -> {c}, and (b) a basic block of two 3x3 convolutions "
        f"{c} -> {c} have? Answer [a, b]."
    )


def inverted_residual_question(seed: int | None = None) -> dict[str, int]:
    """A MobileNetV2 block of the quiz: input ``channels``, ``expansion`` t, output ``filters``.

    Without a ``seed``: this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> inverted_residual_question()
    {'channels': 16, 'expansion': 4, 'filters': 24}
    >>> inverted_residual_question(seed=8) == inverted_residual_question()
    True
    """
    if seed is None:
        return numbers("q_inverted_residual_weights")
    return _draw_inverted_residual(np.random.default_rng([seed, 2]))


def _draw_inverted_residual(rng) -> dict[str, int]:
    channels = int(rng.choice([16, 24, 32, 64, 96]))
    return {
        "channels": channels,
        "expansion": int(rng.choice([3, 4, 6])),
        "filters": int(rng.choice([24, 32, 64, 96, 160])),
    }


def inverted_residual_answers(seed: int | None = None) -> list[int]:
    """Weights (no biases) of the expanding 1x1, the depthwise 3x3 and the projecting 1x1
    convolutions of :func:`inverted_residual_question`'s block.

    Examples
    --------
    >>> expand, depthwise, project = inverted_residual_answers()
    >>> q = inverted_residual_question()
    >>> depthwise == 9 * q["expansion"] * q["channels"]
    True
    """
    return _inverted_residual_answers(**inverted_residual_question(seed))


def _inverted_residual_answers(channels: int, expansion: int, filters: int) -> list[int]:
    wide = expansion * channels
    return [
        shapes.conv_params(1, channels, wide, use_bias=False),
        # depthwise: one 3x3 filter of one channel per channel
        wide * shapes.conv_params(3, 1, 1, use_bias=False),
        shapes.conv_params(1, wide, filters, use_bias=False),
    ]


def _inverted_residual_text(channels: int, expansion: int, filters: int) -> str:
    return (
        f"A MobileNetV2 block takes {channels} channels, expands them {expansion} times "
        f"({expansion * channels} channels) with a 1x1 convolution, filters each with a "
        f"depthwise 3x3 convolution and projects to {filters} channels with a 1x1 "
        "convolution. How many weights (no biases) does each of the three convolutions "
        "have? Answer [expand, depthwise, project]."
    )


def quiz_text(number: int, seed: int | None = None) -> str:
    """The text of generated quiz question ``number`` (1 or 2); without a ``seed``, with
    this notebook's numbers (the visible ones, or a handout's).

    Examples
    --------
    >>> quiz_text(1).startswith("1. A ResNet stage works on 1024 channels")
    True
    >>> quiz_text(3)
    Traceback (most recent call last):
    ...
    ValueError: number must be 1 or 2; got 3
    """
    if number == 1:
        return "1. " + _bottleneck_text(**bottleneck_question(seed))
    if number == 2:
        return "2. " + _inverted_residual_text(**inverted_residual_question(seed))
    raise ValueError(f"number must be 1 or 2; got {number!r}")


q_bottleneck_weights = ValueExercise(
    id="q_bottleneck_weights",
    lesson=LESSON,
    title="Weights of a bottleneck block and of a basic block on the same channels",
    points=2,
    variants=Variants(_draw_bottleneck(np.random.default_rng(8)), _draw_bottleneck),
    answer=_bottleneck_answers,
    question=_bottleneck_text,
    compare=each(),
    hint="a convolution has F x F x C_in x C_out weights; add up the block's convolutions",
)

q_inverted_residual_weights = ValueExercise(
    id="q_inverted_residual_weights",
    lesson=LESSON,
    title="Weights of the three convolutions of a MobileNetV2 block",
    points=2,
    variants=Variants(
        _draw_inverted_residual(np.random.default_rng([8, 2])), _draw_inverted_residual
    ),
    answer=_inverted_residual_answers,
    question=_inverted_residual_text,
    compare=each(),
    hint="1x1: C_in x C_out; depthwise 3x3: 3 x 3 per channel, one filter per channel",
)

q_projection = ValueExercise(
    id="q_projection",
    lesson=LESSON,
    title="A residual block maps 28x28x64 to 14x14x128: its shortcut must be...",
    points=1,
    choices={
        "a": "the identity: the input is added as it is",
        "b": "a 1x1 convolution with stride 2 and 128 filters (a projection)",
        "c": "a 3x3 convolution with 64 filters",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="can a 28x28x64 tensor be added to a 14x14x128 one?",
)

EXERCISES = [
    receptive_field,
    pointwise_conv,
    residual_block,
    q_bottleneck_weights,
    q_inverted_residual_weights,
    q_projection,
]
