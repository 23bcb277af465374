"""Lesson 13 - Images before deep learning: transforms, hand-made features and the visual cortex."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import features, transforms
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each
from ._variants import ListView, NumbersView, QuestionsView, Variants

__all__ = [
    "AFFINE_QUIZ",
    "EXERCISES",
    "HOG_QUIZ",
    "LESSON",
    "QUESTIONS",
    "affine_quiz_answer",
    "gabor",
    "hog_cell_histogram",
    "hog_lengths",
    "q_affine_point",
    "q_complex_cells",
    "q_hog_length",
    "q_inverse_mapping",
    "rotation_about_center",
]

LESSON = 13


# --------------------------------------------------------------------------- HOG


def _cell_case(rng: np.random.Generator) -> Case:
    rows, cols = (int(v) for v in rng.integers(2, 9, size=2))
    orientations = int(rng.choice([4, 6, 8, 9, 12]))
    magnitude = rng.random((rows, cols)) * 10
    # a third of the angles sit exactly on bin edges: where an off-by-one shows
    edges = 180.0 / orientations * rng.integers(0, orientations, size=(rows, cols))
    orientation = np.where(rng.random((rows, cols)) < 0.33, edges, rng.random((rows, cols)) * 180)
    return Case((magnitude, orientation, orientations))


hog_cell_histogram = FunctionExercise(
    id="hog_cell_histogram",
    lesson=LESSON,
    title="The orientation histogram of one HOG cell",
    points=2,
    reference=features.cell_histogram,
    generate=_cell_case,
    edge_cases=(
        Case((np.array([[2.0, 4.0]]), np.array([[10.0, 95.0]]), 4)),
        Case((np.ones((2, 2)), np.array([[0.0, 20.0], [40.0, 179.9]]), 9)),  # bin edges, last bin
        Case((np.arange(6.0).reshape(2, 3), np.full((2, 3), 90.0), 9)),  # all in one bin
    ),
    compare=close(rtol=1e-7, atol=1e-9),
    arg_names=("magnitude", "orientation", "orientations"),
)


# --------------------------------------------------------------------------- affine


def _rotation_case(rng: np.random.Generator) -> Case:
    degrees = float(rng.choice([90.0, -45.0, 180.0, float(rng.uniform(-180, 180))]))
    height, width = (int(v) for v in rng.integers(1, 200, size=2))
    return Case((degrees, height, width))


rotation_about_center = FunctionExercise(
    id="rotation_about_center",
    lesson=LESSON,
    title="The 3x3 matrix of a rotation about the image's centre",
    points=2,
    reference=transforms.rotation_about_center,
    generate=_rotation_case,
    edge_cases=(
        Case((90.0, 3, 3)),
        Case((30.0, 4, 6)),  # even sides: the centre lies between pixels; height != width
        Case((0.0, 5, 7)),
    ),
    compare=close(rtol=1e-7, atol=1e-9),
    arg_names=("degrees", "height", "width"),
)


# --------------------------------------------------------------------------- Gabor


def _gabor_case(rng: np.random.Generator) -> Case:
    size = int(rng.choice([3, 5, 7, 9, 11]))
    return Case(
        (
            size,
            float(rng.uniform(2, 10)),
            float(rng.choice([0.0, 45.0, 90.0, float(rng.uniform(0, 180))])),
            float(rng.uniform(1, 4)),
            float(rng.choice([0.0, 90.0, float(rng.uniform(0, 360))])),
        )
    )


gabor = FunctionExercise(
    id="gabor",
    lesson=LESSON,
    title="A Gabor filter: a cosine wave under a Gaussian envelope",
    points=2,
    reference=features.gabor_kernel,
    generate=_gabor_case,
    edge_cases=(
        Case((5, 4.0, 0.0, 2.0, 0.0)),
        Case((5, 4.0, 90.0, 2.0, 0.0)),  # theta = 90: horizontal stripes (y points down)
        Case((7, 6.0, 30.0, 2.0, 90.0)),  # an odd, edge-like filter
    ),
    compare=close(rtol=1e-7, atol=1e-9),
    arg_names=("size", "wavelength", "theta", "sigma", "phase"),
)


# --------------------------------------------------------------------------- quiz


def _draw_hog(rng) -> dict[str, list[tuple[int, int, int, int, int]]]:
    """Three different HOG configurations: (height, width, pixels_per_cell, cells_per_block,
    orientations), each with at least one block."""
    configs: list[tuple[int, int, int, int, int]] = []
    while len(configs) < 3:
        config = tuple(
            int(rng.choice(values))
            for values in ([64, 96, 128, 130], [32, 64, 100], [4, 8, 16], [1, 2, 3], [6, 9, 12])
        )
        if min(config[0], config[1]) // config[2] >= config[3] and config not in configs:
            configs.append(config)
    return {"configs": configs}


def _draw_affine(rng) -> dict[str, Any]:
    """A point and three transformations applied to it in turn."""
    return {
        "point": tuple(int(v) for v in rng.integers(1, 10, size=2)),
        "degrees": int(rng.choice([90, -90, 180])),
        "shift": tuple(int(v) for v in rng.integers(-5, 6, size=2)),
        "scale": int(rng.choice([2, 3])),
    }


# The visible numbers: both drawn in turn from one generator, as the lesson has always shown.
_rng = np.random.default_rng(1302)
_VISIBLE_HOG = _draw_hog(_rng)
_VISIBLE_AFFINE = _draw_affine(_rng)


def _hog_lengths(configs) -> list[int]:
    lengths = []
    for height, width, cell, block, orientations in configs:
        rows, cols = height // cell - block + 1, width // cell - block + 1
        lengths.append(rows * cols * block * block * orientations)
    return lengths


def hog_lengths() -> list[int]:
    """The length of the HOG vector of each configuration of :data:`HOG_QUIZ` (this
    notebook's: the visible ones, or a handout's).

    Examples
    --------
    >>> len(hog_lengths()) == len(HOG_QUIZ)
    True
    """
    return _hog_lengths(HOG_QUIZ)


def _affine_answer(point, degrees, shift, scale) -> list[float]:
    matrix = transforms.compose(
        transforms.rotation(degrees), transforms.translation(*shift), transforms.scaling(scale)
    )
    return [float(v) for v in np.round(transforms.apply(matrix, point), 9)]


def affine_quiz_answer() -> list[float]:
    """Where :data:`AFFINE_QUIZ`'s point lands: rotated about the origin, shifted, scaled.

    Examples
    --------
    >>> len(affine_quiz_answer())
    2
    """
    return _affine_answer(**AFFINE_QUIZ)


def _hog_text(configs) -> str:
    return (
        "How long is the HOG vector (skimage.feature.hog's output) of each of\n"
        + "\n".join(
            f"  - a gray image of {h} x {w} pixels (height x width), cells of {c} x {c} pixels, "
            f"blocks of {b} x {b} cells, {o} orientations"
            for h, w, c, b, o in configs
        )
        + f"\n? A list of {len(configs)} ints."
    )


q_hog_length = ValueExercise(
    id="q_hog_length",
    lesson=LESSON,
    title="The length of a HOG vector, for three configurations",
    points=2,
    variants=Variants(_VISIBLE_HOG, _draw_hog),
    answer=_hog_lengths,
    question=_hog_text,
    compare=each(),
    hint="cells per axis: size // pixels_per_cell (partial cells dropped); blocks per axis: "
    "cells - cells_per_block + 1; each block holds cells_per_block² histograms",
)

q_affine_point = ValueExercise(
    id="q_affine_point",
    lesson=LESSON,
    title="Where a point lands after a rotation, a shift and a scaling",
    points=1,
    variants=Variants(_VISIBLE_AFFINE, _draw_affine),
    answer=_affine_answer,
    question=(
        "The point (x, y) = {point} is rotated by {degrees} degrees about the origin (positive: "
        "clockwise on the screen, y pointing down), then moved by (tx, ty) = {shift}, then "
        "scaled by {scale} about the origin. Where does it land? A list [x, y]."
    ),
    compare=each(close(rtol=1e-6, atol=1e-6)),
    hint="multiply (x, y, 1) by each matrix in turn, or by their product, the last one leftmost",
)

#: This notebook's numbers (the visible ones, or a handout's): three HOG configurations
#: (height, width, pixels_per_cell, cells_per_block, orientations), and a point with the
#: three transformations applied to it in turn; and the questions' texts.
HOG_QUIZ = ListView("q_hog_length", "configs")
AFFINE_QUIZ = NumbersView.of("q_affine_point", _VISIBLE_AFFINE)
QUESTIONS = QuestionsView(["q_hog_length", "q_affine_point"])

q_inverse_mapping = ValueExercise(
    id="q_inverse_mapping",
    lesson=LESSON,
    title="Why warping maps output pixels back to the input",
    points=1,
    choices={
        "a": "it is faster to invert a 3 x 3 matrix than to multiply by it",
        "b": "every output pixel gets exactly one value; sending input pixels forward leaves "
        "holes where the image is enlarged and piles several on one pixel where it shrinks",
        "c": "scikit-image stores matrices inverted",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="scale an image by 2 mapping forwards: which output pixels does no input pixel reach?",
)

q_complex_cells = ValueExercise(
    id="q_complex_cells",
    lesson=LESSON,
    title="What in a CNN plays the part of Hubel and Wiesel's complex cells",
    points=1,
    choices={
        "a": "a convolution followed by ReLU",
        "b": "max pooling over neighbouring positions of one feature map",
        "c": "the softmax output layer",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="a complex cell keeps its preferred orientation but forgets the exact position",
)

EXERCISES = [
    rotation_about_center,
    hog_cell_histogram,
    gabor,
    q_hog_length,
    q_affine_point,
    q_inverse_mapping,
    q_complex_cells,
]
