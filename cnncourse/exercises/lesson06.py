"""Lesson 6 - How a CNN learns: backpropagation through convolution and pooling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import backprop, shapes
from ._core import Case, Comparison, FunctionExercise, ValueExercise, choice, close, each
from ._variants import NumbersView, QuestionsView, Variants

__all__ = [
    "EXERCISES",
    "LESSON",
    "MACS_LAYER",
    "POOL_ROUTE",
    "QUESTIONS",
    "SHAPES_LAYER",
    "backward_macs",
    "backward_shapes",
    "close_named",
    "conv2d_backward",
    "max_pool2d_backward",
    "pool_route_answer",
    "q_backward_macs",
    "q_backward_shapes",
    "q_input_gradient",
    "q_pool_route",
    "sgd_momentum_step",
    "softmax_cross_entropy",
]

LESSON = 6


# --------------------------------------------------------------------------- comparing parts


def _as_number_array(value: Any) -> np.ndarray | None:
    """``value`` as a numeric array, or None if it is not one."""
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything that is not array-like
        return None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        return None
    return array


def _array_problem(expected: Any, got: Any, rtol: float, atol: float) -> str | None:
    """None if the array ``got`` matches ``expected``, else what is wrong (no name)."""
    e = np.asarray(expected, dtype=np.float64)
    g = _as_number_array(got)
    if g is None:
        return f"is not a numeric array but {type(got).__name__}"
    if e.shape == () and g.size == 1:  # a number: accept a 1-element array too
        g = g.reshape(())
    if g.shape != e.shape:
        return f"has the wrong shape: expected {e.shape}, got {g.shape}"
    g = g.astype(np.float64)
    bad = ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return None
    if e.shape == ():
        return f"is wrong: expected {float(e):.6g}, got {float(g):.6g}"
    error = backprop.rel_error(e, g) if np.isfinite(g).all() else float("nan")
    return f"is wrong: {int(bad.sum())} of {bad.size} values differ, max relative error {error:.2g}"


def _part_problems(name: str, expected: Any, got: Any, rtol: float, atol: float) -> list[str]:
    """What is wrong with one named part (an array, a number or a dict of arrays)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{name} must be a dict with keys {sorted(expected)}, got {type(got).__name__}"]
        if set(got) != set(expected):
            return [f"{name} must have the keys {sorted(expected)}, got {sorted(got)}"]
        problems = []
        for key in expected:
            problem = _array_problem(expected[key], got[key], rtol, atol)
            if problem:
                problems.append(f"{name}[{key!r}] {problem}")
        return problems
    problem = _array_problem(expected, got, rtol, atol)
    return [f"{name} {problem}"] if problem else []


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def close_named(names: Sequence[str], rtol: float = 1e-6, atol: float = 1e-8) -> Comparison:
    """Compare a tuple of named results part by part, and say which parts are wrong.

    Each part is an array, a number or a dict of arrays (the parameters of a
    model). The message names every wrong part (for a dict, every wrong entry),
    how many of its values differ, and its largest relative error as CS231n
    defines it (:func:`cnncourse.backprop.rel_error`), then the parts that are right.

    Examples
    --------
    >>> compare = close_named(("dx", "dkernel", "dbias"))
    >>> right = (np.ones((2, 2)), np.arange(3.0), np.zeros(1))
    >>> compare(right, right) is None
    True
    >>> compare(right, (np.ones((2, 2)), np.array([0.0, 1.0, 6.0]), np.zeros(1)))
    'dkernel is wrong: 1 of 3 values differ, max relative error 0.5; dx and dbias are right'
    >>> compare(right, (np.ones((2, 2)), np.arange(3.0)))
    'expected a tuple of 3: (dx, dkernel, dbias); got a tuple of 2'
    """
    names = tuple(names)

    def compare(expected: Any, got: Any) -> str | None:
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            what = (
                f"a {type(got).__name__} of {len(got)}"
                if isinstance(got, (tuple, list))
                else (type(got).__name__)
            )
            return f"expected a tuple of {len(names)}: ({', '.join(names)}); got {what}"
        problems, right = [], []
        for name, e, g in zip(names, expected, got, strict=True):
            found = _part_problems(name, e, g, rtol, atol)
            problems += found
            if not found:
                right.append(name)
        if not problems:
            return None
        verb = "is" if len(right) == 1 else "are"
        return "; ".join(problems + ([f"{_and(right)} {verb} right"] if right else []))

    return compare


# --------------------------------------------------------------------------- cases


def _ints(rng: np.random.Generator, shape: tuple[int, ...], low: int = -3) -> np.ndarray:
    """Small integers as floats: easy to read in feedback, exact to compare."""
    return rng.integers(low, 4, size=shape).astype(np.float64)


def _conv_case(rng: np.random.Generator) -> Case:
    n, c, k, f = (int(v) for v in rng.integers(1, 4, size=4))
    n = min(n, 2)
    stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    h, w = (int(v) for v in rng.integers(f, f + 5, size=2))
    out_h, out_w = shapes.conv_output_size((h, w), f, stride, padding)
    x, kernel = _ints(rng, (n, h, w, c)), _ints(rng, (f, f, c, k))
    return Case((_ints(rng, (n, out_h, out_w, k)), x, kernel, stride, padding))


def _one(shape: tuple[int, ...], values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(shape)


_CONV_EDGES = (
    # every weight 1: dx counts the windows over each pixel (the docstring's example)
    Case((np.ones((1, 2, 2, 1)), _one((1, 3, 3, 1), range(9)), np.ones((2, 2, 1, 1)), 1, 0)),
    # stride 2 where the last row and column of x are never used: their gradient is 0
    Case(
        (
            _one((1, 2, 2, 1), [1, -2, 3, 1]),
            _one((1, 6, 6, 1), np.arange(36) % 5),
            _one((3, 3, 1, 1), [1, 0, -1, 2, 0, -2, 1, 0, -1]),
            2,
            0,
        )
    ),
    # padding 1: the gradient that lands on the padding is dropped
    Case(
        (
            _one((1, 3, 3, 2), np.arange(18) % 4 - 1),
            _one((1, 3, 3, 1), [1, 2, 0, -1, 3, 1, 0, 2, -2]),
            _one((3, 3, 1, 2), np.arange(18) % 3 - 1),
            1,
            1,
        )
    ),
)

conv2d_backward = FunctionExercise(
    id="conv2d_backward",
    lesson=LESSON,
    title="The backward pass of a conv layer: dx, dkernel and dbias, with stride and padding",
    points=4,
    reference=backprop.conv2d_backward,
    generate=_conv_case,
    edge_cases=_CONV_EDGES,
    compare=close_named(("dx", "dkernel", "dbias")),
    n_random=8,
    arg_names=("dout", "x", "kernel", "stride", "padding"),
)


def _pool_case(rng: np.random.Generator) -> Case:
    pool_size, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    h, w = (int(v) for v in rng.integers(pool_size, pool_size + 5, size=2))
    x = rng.integers(-2, 3, size=(h, w, int(rng.integers(1, 3)))).astype(np.float64)  # ties
    out_h, out_w = shapes.conv_output_size((h, w), pool_size, stride)
    dout = _ints(rng, (out_h, out_w, x.shape[2]), low=1)
    return Case((dout, x, pool_size, stride))


_grid = _one((4, 4, 1), [1, 3, 2, 2, 3, 0, 2, 2, 5, 1, 0, 4, 0, 5, 4, 1])

max_pool2d_backward = FunctionExercise(
    id="max_pool2d_backward",
    lesson=LESSON,
    title="The backward pass of max pooling: route dout to the first maximum",
    points=3,
    reference=backprop.max_pool2d_backward,
    generate=_pool_case,
    edge_cases=(
        Case((_one((2, 2, 1), [10, 20, 30, 40]), _grid, 2, 2)),  # ties, in three windows
        Case((np.ones((1, 1, 1)), np.ones((2, 2, 1)), 2, 2)),  # all equal: the top-left
        Case((_one((2, 2, 1), [1, 2, 3, 4]), _grid, 3, 1)),  # overlapping windows add up
    ),
    compare=close(rtol=0, atol=1e-12),
    arg_names=("dout", "x", "pool_size", "stride"),
)


def _softmax_case(rng: np.random.Generator) -> Case:
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 7))
    logits = rng.normal(scale=3.0, size=(n, k))
    return Case((logits, rng.integers(0, k, size=n)))


softmax_cross_entropy = FunctionExercise(
    id="softmax_cross_entropy",
    lesson=LESSON,
    title="The loss and its gradient: mean softmax cross-entropy and dlogits",
    points=2,
    reference=backprop.softmax_cross_entropy,
    generate=_softmax_case,
    edge_cases=(
        Case((np.zeros((2, 4)), np.array([0, 3]))),  # all classes equally likely: log 4
        Case((np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1]))),  # no overflow
    ),
    compare=close_named(("loss", "dlogits"), rtol=1e-6, atol=1e-9),
    arg_names=("logits", "labels"),
)


def _momentum_case(rng: np.random.Generator) -> Case:
    names = ["kernel", "bias", "w"][: int(rng.integers(1, 4))]
    params = {name: rng.normal(size=tuple(rng.integers(1, 4, size=2))) for name in names}
    grads = {name: rng.normal(size=p.shape) for name, p in params.items()}
    first = rng.random() < 0.3
    velocity = None if first else {name: rng.normal(size=p.shape) for name, p in params.items()}
    lr, momentum = float(rng.choice([0.01, 0.1, 0.5])), float(rng.choice([0.0, 0.5, 0.9, 0.99]))
    return Case((params, grads, velocity, lr, momentum))


sgd_momentum_step = FunctionExercise(
    id="sgd_momentum_step",
    lesson=LESSON,
    title="One step of SGD with momentum, on a dict of parameters",
    points=2,
    reference=backprop.sgd_momentum_step,
    generate=_momentum_case,
    edge_cases=(
        Case(({"w": np.array([1.0])}, {"w": np.array([1.0])}, None, 0.1, 0.9)),  # the first step
        Case(({"w": np.array([0.71])}, {"w": np.array([1.0])}, {"w": np.array([-0.1])}, 0.1, 0.9)),
    ),
    compare=close_named(("params", "velocity"), rtol=1e-9, atol=1e-12),
    arg_names=("params", "grads", "velocity", "lr", "momentum"),
)


# --------------------------------------------------------------------------- the quiz
# The numbers: the visible ones (what the lesson shows), and how a student's own are drawn
# (cnncourse handout); the lesson prints each question with its notebook's numbers.


def _draw_shapes_layer(rng) -> dict[str, Any]:
    return {
        "batch": int(rng.choice([8, 16, 32])),
        "input": (int(rng.choice([28, 32, 64])),) * 2 + (int(rng.choice([3, 16, 32])),),
        "filters": int(rng.choice([8, 24, 64])),
        "kernel_size": int(rng.choice([3, 5])),
        "stride": 2,
        "padding": str(rng.choice(["valid", "same"])),
    }


def _draw_macs_layer(rng) -> dict[str, Any]:
    return {
        "input": (int(rng.choice([16, 24, 32])),) * 2 + (int(rng.choice([3, 8])),),
        "filters": int(rng.choice([4, 16, 32])),
        "kernel_size": int(rng.choice([3, 5])),
    }


def _pool_route_question(rng) -> dict[str, Any]:
    """A 4x4 map with a tie in one 2x2 window, a dout, and three cells to ask about."""
    while True:
        x = np.asarray(rng.integers(0, 5, size=(4, 4)))
        windows = x.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
        tied = (windows == windows.max(axis=2, keepdims=True)).sum(axis=2) >= 2
        ties = [(int(i), int(j)) for i, j in np.argwhere(tied)]
        if len(ties) == 1:
            break
    i, j = ties[0]
    tied = [divmod(int(c), 2) for c in np.flatnonzero(windows[i, j] == windows[i, j].max())]
    first, later = tied[0], tied[-1]
    others = [(a, b) for a in range(2) for b in range(2) if (a, b) != (i, j)]
    a, b = others[int(rng.integers(len(others)))]  # the winner of another window
    row, col = divmod(int(np.argmax(windows[a, b])), 2)
    other = (2 * a + row, 2 * b + col)
    cells = [(2 * i + first[0], 2 * j + first[1]), (2 * i + later[0], 2 * j + later[1]), other]
    order = rng.permutation(3)
    return {
        "x": x.tolist(),
        "dout": np.asarray(rng.integers(1, 10, size=(2, 2))).tolist(),
        "cells": [cells[int(k)] for k in order],
    }


_quiz = np.random.default_rng(2036)
_VISIBLE_SHAPES = _draw_shapes_layer(_quiz)
_VISIBLE_MACS = _draw_macs_layer(_quiz)
_VISIBLE_POOL = _pool_route_question(_quiz)

#: This notebook's conv layer of the shapes question (the visible one, or a handout's): batch,
#: input (H, W, C), filters, kernel, stride, padding.
SHAPES_LAYER = NumbersView.of("q_backward_shapes", _VISIBLE_SHAPES)
#: This notebook's conv layer of the multiply-adds question (one image, stride 1, no padding).
MACS_LAYER = NumbersView.of("q_backward_macs", _VISIBLE_MACS)
#: This notebook's max-pooling question: x (4x4 lists), dout (2x2) and the three cells asked.
POOL_ROUTE = NumbersView.of("q_pool_route", _VISIBLE_POOL)


def backward_shapes(layer: Mapping[str, Any] = SHAPES_LAYER) -> list[tuple[int, ...]]:
    """The shapes of dout, dx, dkernel and dbias of a Keras-layout conv layer.

    ``layer`` has the keys of :data:`SHAPES_LAYER`. Returns
    ``[dout.shape, dx.shape, dkernel.shape, dbias.shape]``.

    Examples
    --------
    >>> layer = {"batch": 8, "input": (32, 32, 3), "filters": 16, "kernel_size": 3,
    ...          "stride": 2, "padding": "same"}
    >>> backward_shapes(layer)
    [(8, 16, 16, 16), (8, 32, 32, 3), (3, 3, 3, 16), (16,)]
    """
    (h, w, c), k, f = layer["input"], layer["filters"], layer["kernel_size"]
    out_h, out_w = shapes.conv_output_size((h, w), f, layer["stride"], layer["padding"])
    return [(layer["batch"], out_h, out_w, k), (layer["batch"], h, w, c), (f, f, c, k), (k,)]


def backward_macs(layer: Mapping[str, Any] = MACS_LAYER) -> list[int]:
    """Multiply-adds per image of a conv layer's forward pass, dkernel and dx (stride 1, valid).

    Every product ``x * w`` of the forward pass gives one multiply-add to
    ``dkernel`` (``dout * x``) and one to ``dx`` (``dout * w``): each equals the
    forward count ``H_out * W_out * K * F * F * C``.

    Examples
    --------
    >>> backward_macs({"input": (5, 5, 1), "filters": 1, "kernel_size": 3})
    [81, 81, 81]
    """
    (h, w, c), k, f = layer["input"], layer["filters"], layer["kernel_size"]
    forward = (h - f + 1) * (w - f + 1) * k * f * f * c
    return [forward, forward, forward]


def pool_route_answer(question: Mapping[str, Any] = POOL_ROUTE) -> list[float]:
    """The gradient max pooling (2x2, stride 2) sends to each asked cell of the question.

    Examples
    --------
    >>> q = {"x": [[1, 1], [0, 1]], "dout": [[5]], "cells": [(0, 0), (0, 1), (1, 0)]}
    >>> pool_route_answer(q)  # a tie: the first maximum in row-major order gets it all
    [5.0, 0.0, 0.0]
    """
    x = np.array(question["x"], dtype=np.float64)
    dx = backprop.max_pool2d_backward(np.array(question["dout"], dtype=np.float64), x, 2)
    return [float(dx[r, c]) for r, c in question["cells"]]


def _grid_text(rows: list[list[int]]) -> str:
    return "\n".join("    " + " ".join(f"{v:2d}" for v in row) for row in rows)


def _shapes_text(**layer) -> str:
    return (
        "A Conv2D layer with {filters} filters of {k}x{k}, stride {stride}, padding {padding!r}, "
        "gets a batch of {batch} inputs of {input}.\nGive [dout.shape, dx.shape, dkernel.shape, "
        "dbias.shape] of its backward pass (Keras layouts), as tuples."
    ).format(k=layer["kernel_size"], **{**layer, "input": tuple(layer["input"])})


def _pool_text(x, dout, cells) -> str:
    c0, c1, c2 = (tuple(cell) for cell in cells)
    return (
        "Max pooling 2x2, stride 2, of the map x below gets the upstream gradient dout.\n"
        f"x =\n{_grid_text(x)}\ndout =\n{_grid_text(dout)}\n"
        f"Give [the gradient dx at cell {c0}, at cell {c1}, at cell {c2}] "
        "(cells as (row, column), from 0)."
    )


def _macs_text(**layer) -> str:
    return (
        "A conv layer with {filters} filters of {k}x{k}, stride 1, no padding, on one input of "
        "{input}.\nGive [the multiply-adds of its forward pass, of computing dkernel, of computing "
        "dx] (no bias)."
    ).format(k=layer["kernel_size"], **{**layer, "input": tuple(layer["input"])})


q_backward_shapes = ValueExercise(
    id="q_backward_shapes",
    lesson=LESSON,
    title="The shapes of dout, dx, dkernel and dbias for a generated layer",
    points=2,
    variants=Variants(_VISIBLE_SHAPES, _draw_shapes_layer),
    answer=lambda **layer: backward_shapes(layer),
    question=_shapes_text,
    compare=each(),
    hint="each gradient has the shape of what it is the gradient of",
)

q_pool_route = ValueExercise(
    id="q_pool_route",
    lesson=LESSON,
    title="Where max pooling sends the gradient, ties included",
    points=2,
    variants=Variants(_VISIBLE_POOL, _pool_route_question),
    answer=lambda **question: pool_route_answer(question),
    question=_pool_text,
    compare=each(close(rtol=0, atol=1e-9)),
    hint="all of a window's dout goes to its first maximum in row-major order; the rest get 0",
)

q_backward_macs = ValueExercise(
    id="q_backward_macs",
    lesson=LESSON,
    title="Multiply-adds of the forward pass, of dkernel and of dx",
    points=2,
    variants=Variants(_VISIBLE_MACS, _draw_macs_layer),
    answer=lambda **layer: backward_macs(layer),
    question=_macs_text,
    compare=each(),
    hint="every product x * w of the forward pass gives one product to dkernel and one to dx",
)

#: This notebook's question texts.
QUESTIONS = QuestionsView(["q_backward_shapes", "q_pool_route", "q_backward_macs"])

q_input_gradient = ValueExercise(
    id="q_input_gradient",
    lesson=LESSON,
    title="The gradient with respect to a conv layer's input is...",
    points=1,
    choices={
        "a": "the cross-correlation of the input with dout",
        "b": "the full cross-correlation of dout with the flipped kernel "
        "(a true full convolution of dout with the kernel)",
        "c": "dout times the sum of the kernel's weights",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="(a) is the gradient of the kernel; look at the figure of section 3",
)

EXERCISES = [
    conv2d_backward,
    max_pool2d_backward,
    softmax_cross_entropy,
    sgd_momentum_step,
    q_backward_shapes,
    q_pool_route,
    q_backward_macs,
    q_input_gradient,
]
