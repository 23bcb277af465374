"""Lesson 4 - Pooling."""

from __future__ import annotations

import numpy as np

from .. import pooling, shapes
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each
from ._variants import Variants, numbers

__all__ = [
    "EXERCISES",
    "LESSON",
    "avg_pool2d_same",
    "average_pool_same",
    "max_pool2d",
    "max_pool2d_same",
    "max_pool_same",
    "q_invariance",
    "q_stack_volume",
    "stack_answers",
    "stack_question",
    "stack_text",
]

LESSON = 4


def _pool_case(rng: np.random.Generator) -> Case:
    pool_size = int(rng.integers(1, 4))
    stride = int(rng.integers(1, 4))
    height, width = (int(v) for v in rng.integers(pool_size, pool_size + 6, size=2))
    channels = int(rng.integers(1, 4))
    x = rng.integers(-9, 10, size=(height, width, channels)).astype(np.float64)
    return Case((x, pool_size, stride))


def _same_case(rng: np.random.Generator) -> Case:
    """Any sizes (the window may be larger than the image); values mostly negative."""
    pool_size, stride = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    height, width = (int(v) for v in rng.integers(1, 9, size=2))
    channels = int(rng.integers(1, 3))
    x = rng.integers(-9, 4, size=(height, width, channels)).astype(np.float64)
    return Case((x, pool_size, stride))


def max_pool_same(x: np.ndarray, pool_size: int, stride: int) -> np.ndarray:
    """Keras's ``MaxPooling2D(pool_size, stride, padding="same")`` of an (H, W, C) image.

    Examples
    --------
    >>> max_pool_same(-np.ones((3, 3, 1)), 2, 2)[..., 0]  # -inf padding never wins
    array([[-1., -1.],
           [-1., -1.]])
    """
    return pooling.max_pool2d(x, pool_size, stride, padding="same")


def average_pool_same(x: np.ndarray, pool_size: int, stride: int) -> np.ndarray:
    """Keras's ``AveragePooling2D(pool_size, stride, padding="same")`` of an (H, W, C) image.

    Examples
    --------
    >>> average_pool_same(np.ones((3, 3, 1)), 2, 2)[..., 0]  # padding not counted
    array([[1., 1.],
           [1., 1.]])
    """
    return pooling.avg_pool2d(x, pool_size, stride, padding="same")


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

max_pool2d_same = FunctionExercise(
    id="max_pool2d_same",
    lesson=LESSON,
    title='Max pooling with "same" padding: what to pad with',
    points=2,
    reference=max_pool_same,
    generate=_same_case,
    edge_cases=(
        Case((-_grid[:3], 2, 2)),  # all negative: a padded 0 would win
        Case((-np.ones((3, 3, 1)), 2, 2)),
        Case((-_grid, 3, 2)),
        Case((_grid - 9, 4, 3)),
    ),
    compare=close(rtol=0, atol=1e-12),
    arg_names=("x", "pool_size", "stride"),
)

avg_pool2d_same = FunctionExercise(
    id="avg_pool2d_same",
    lesson=LESSON,
    title='Average pooling with "same" padding: the padding left out of the count',
    points=2,
    reference=average_pool_same,
    generate=_same_case,
    edge_cases=(
        Case((np.ones((3, 3, 1)), 2, 2)),  # every mean is 1
        Case((_grid[:3], 2, 2)),
        Case((np.ones((5, 4, 2)), 3, 2)),
        Case((_grid, 4, 3)),
    ),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("x", "pool_size", "stride"),
)


# --------------------------------------------------------------------------- the exam stack


def stack_question(seed: int | None = None) -> dict[str, object]:
    """An input volume and a stack of 4 to 5 layers: convolutions and max pooling.

    Keys: ``input`` (H, W, C) and ``layers``, a list of dicts with ``kind``
    (``"conv"`` or ``"pool"``), ``size`` (kernel or pool size), ``stride``,
    ``padding`` (``"valid"`` or ``"same"``) and, for a convolution, ``filters``.
    At least one convolution and one pooling layer; every layer fits its input.
    Without a ``seed``: this notebook's question (the visible one, or a handout's).

    Examples
    --------
    >>> question = stack_question(seed=4)
    >>> question["input"], len(question["layers"])
    ((150, 150, 3), 5)
    >>> stack_question() == question
    True
    """
    if seed is None:
        question = numbers("q_stack_volume")["question"]
        return {
            "input": tuple(question["input"]),
            "layers": [dict(layer) for layer in question["layers"]],
        }
    return _draw_stack_question(np.random.default_rng(seed))


def _draw_stack_question(rng) -> dict[str, object]:
    while True:
        side = int(rng.choice([64, 96, 100, 128, 150, 227]))
        volume = (side, side, int(rng.choice([1, 3])))
        layers, size = [], side
        for _ in range(int(rng.integers(4, 6))):
            if layers and rng.random() < 0.35:  # the first layer is a convolution
                layer = {
                    "kind": "pool",
                    "size": int(rng.choice([2, 2, 3])),
                    "stride": 2,
                    "padding": str(rng.choice(["valid", "same"])),
                }
            else:
                layer = {
                    "kind": "conv",
                    "size": int(rng.choice([1, 3, 3, 5, 7])),
                    "stride": int(rng.choice([1, 1, 2])),
                    "padding": str(rng.choice(["valid", "same"])),
                    "filters": int(rng.choice([8, 16, 32, 64])),
                }
            if layer["padding"] == "valid" and layer["size"] > size:
                break
            size = shapes.conv_output_size(size, layer["size"], layer["stride"], layer["padding"])
            layers.append(layer)
        kinds = {layer["kind"] for layer in layers}
        if len(layers) >= 4 and kinds == {"conv", "pool"}:
            return {"input": volume, "layers": layers}


def stack_text(question: dict[str, object]) -> str:
    """The question of :func:`stack_question`, one line per layer.

    Examples
    --------
    >>> stack_text(stack_question()).splitlines()[0].startswith("input ")
    True
    """
    h, w, c = question["input"]
    lines = [f"input {h}x{w}x{c}"]
    for number, layer in enumerate(question["layers"], start=1):
        k, s, p = layer["size"], layer["stride"], layer["padding"]
        if layer["kind"] == "conv":
            what = f"{layer['filters']} filters of {k}x{k}"
        else:
            what = f"max pooling {k}x{k}"
        lines.append(f"{number}. {what}, stride {s}, padding {p!r}")
    return "\n".join(lines)


def stack_answers(seed: int | None = None) -> list[tuple[int, int, int]]:
    """The volume (H, W, C) after each layer of :func:`stack_question`.

    Examples
    --------
    >>> stack_answers(seed=4)[0]
    (75, 75, 64)
    """
    return _volumes(stack_question(seed))


def _volumes(question: dict[str, object]) -> list[tuple[int, int, int]]:
    h, w, c = question["input"]
    volumes = []
    for layer in question["layers"]:
        h, w = shapes.conv_output_size((h, w), layer["size"], layer["stride"], layer["padding"])
        c = layer.get("filters", c)
        volumes.append((h, w, c))
    return volumes


q_stack_volume = ValueExercise(
    id="q_stack_volume",
    lesson=LESSON,
    title="The volume after each layer of a generated conv/pool stack",
    points=2,
    variants=Variants(
        {"question": _draw_stack_question(np.random.default_rng(4))},
        lambda rng: {"question": _draw_stack_question(rng)},
    ),
    answer=_volumes,
    compare=each(),
    hint="one (H, W, C) per layer; pooling keeps the depth, a convolution sets it to its filters",
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
    max_pool2d_same,
    avg_pool2d_same,
    q_stack_volume,
    q_invariance,
]
