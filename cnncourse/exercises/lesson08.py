"""Lesson 8 - Structured outputs: semantic segmentation."""

from __future__ import annotations

import numpy as np

from .. import metrics
from ._core import Case, FunctionExercise, ModelExercise, ValueExercise, choice, close

__all__ = [
    "EXERCISES",
    "LESSON",
    "class_iou",
    "pixel_accuracy",
    "q_keep_resolution",
    "q_seg_output_shape",
    "segmentation_head",
    "segmentation_net",
]

LESSON = 8


def _mask_pair(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    shape = tuple(int(v) for v in rng.integers(2, 7, size=2))
    true = rng.integers(0, 4, size=shape)
    pred = np.where(rng.random(shape) < 0.7, true, rng.integers(0, 4, size=shape))
    return pred, true


def _accuracy_case(rng: np.random.Generator) -> Case:
    return Case(_mask_pair(rng))


def _class_iou_case(rng: np.random.Generator) -> Case:
    pred, true = _mask_pair(rng)
    present = np.union1d(np.unique(pred), np.unique(true))
    return Case((pred, true, int(rng.choice(present))))


_A = np.array([[0, 1, 1], [0, 1, 2], [0, 0, 2]])
_B = np.array([[0, 1, 0], [0, 1, 1], [0, 2, 2]])

pixel_accuracy = FunctionExercise(
    id="pixel_accuracy",
    lesson=LESSON,
    title="The fraction of pixels with the right class",
    points=1,
    reference=metrics.pixel_accuracy,
    generate=_accuracy_case,
    edge_cases=(Case((_A, _B)), Case((_A, _A))),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("pred", "true"),
)

class_iou = FunctionExercise(
    id="class_iou",
    lesson=LESSON,
    title="Intersection over union of one class's pixels",
    points=2,
    reference=metrics.mask_iou,
    generate=_class_iou_case,
    edge_cases=(Case((_A, _B, 1)), Case((_A, _B, 2)), Case((_A, _A, 0)), Case((_A, _B, 3))),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("pred", "true", "class_id"),
)


def segmentation_net():
    """The small encoder-decoder students build in lesson 8, exercise 3.

    Examples
    --------
    >>> segmentation_net().count_params()
    11348
    """
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="enc1"),
            layers.MaxPooling2D(2, name="down1"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="enc2"),
            layers.MaxPooling2D(2, name="down2"),
            layers.Conv2DTranspose(32, 2, strides=2, activation="relu", name="up1"),
            layers.Conv2DTranspose(16, 2, strides=2, activation="relu", name="up2"),
            layers.Conv2D(4, 1, activation="softmax", name="pixel_classes"),
        ],
        name="segmentation_net",
    )


segmentation_head = ModelExercise(
    id="segmentation_head",
    lesson=LESSON,
    title="An encoder-decoder whose output has the input's height and width",
    points=3,
    reference=segmentation_net,
)

q_seg_output_shape = ValueExercise(
    id="q_seg_output_shape",
    lesson=LESSON,
    title="Output shape (without the batch axis) of a segmentation net for 64x64 RGB, 5 classes",
    points=1,
    answer=lambda: (64, 64, 5),
    hint="one probability per class for every pixel",
)

q_keep_resolution = ValueExercise(
    id="q_keep_resolution",
    lesson=LESSON,
    title="Which of these does NOT give a full-resolution label map?",
    points=1,
    choices={
        "a": "convolutions with 'same' padding and no pooling",
        "b": "max pooling with stride 1",
        "c": "Flatten followed by a Dense layer with one unit per class",
        "d": "downsampling, then transposed convolutions back up",
    },
    answer=lambda: "c",
    compare=choice(),
    hint="which one throws away the layout of the pixels?",
)

EXERCISES = [pixel_accuracy, class_iou, segmentation_head, q_seg_output_shape, q_keep_resolution]
