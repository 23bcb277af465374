"""Lesson 5 - CNN architecture."""

from __future__ import annotations

import numpy as np

from ._core import Case, FunctionExercise, ModelExercise, ValueExercise, choice, close, each, exact

__all__ = [
    "EXERCISES",
    "LESSON",
    "build_from_table",
    "flattened_size",
    "mnist_layer_params",
    "q_global_pooling",
    "q_mnist_params",
    "softmax",
    "target_model",
]

LESSON = 5


def _softmax_reference(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_case(rng: np.random.Generator) -> Case:
    n, k = int(rng.integers(1, 5)), int(rng.integers(2, 8))
    scale = float(rng.choice([1.0, 10.0, 500.0]))  # large logits: a naive exp overflows
    return Case((rng.normal(0.0, scale, size=(n, k)),))


softmax = FunctionExercise(
    id="softmax",
    lesson=LESSON,
    title="A numerically stable softmax",
    points=2,
    reference=_softmax_reference,
    generate=_softmax_case,
    edge_cases=(
        Case((np.array([[0.0, 0.0]]),)),
        Case((np.array([[1000.0, 1001.0, 1002.0]]),)),
        Case((np.array([[-1000.0, 0.0]]),)),
    ),
    compare=close(rtol=1e-6, atol=1e-12),
    arg_names=("z",),
)


def _flattened_size_reference(input_size: int, filters: tuple[int, ...]) -> int:
    side = input_size
    for _ in filters:
        side //= 2  # a "same" 3x3 conv keeps the size; 2x2 pooling halves it (rounding down)
    return side * side * filters[-1]


def _flattened_case(rng: np.random.Generator) -> Case:
    blocks = int(rng.integers(1, 4))
    filters = tuple(int(f) for f in rng.choice([8, 16, 32, 64], size=blocks))
    return Case((int(rng.choice([28, 32, 48, 64, 96, 100])), filters))


flattened_size = FunctionExercise(
    id="flattened_size",
    lesson=LESSON,
    title="Length of the vector after Flatten",
    points=1,
    reference=_flattened_size_reference,
    generate=_flattened_case,
    edge_cases=(Case((32, (16, 32))), Case((28, (8, 16))), Case((7, (4,)))),
    compare=exact(),
    arg_names=("input_size", "filters"),
)


def target_model():
    """The model students rebuild from its shape table (lesson 5, exercise 3).

    Examples
    --------
    >>> target_model().count_params()
    26698
    """
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(32, activation="relu", name="hidden"),
            layers.Dense(10, activation="softmax", name="output"),
        ],
        name="target",
    )


build_from_table = ModelExercise(
    id="build_from_table",
    lesson=LESSON,
    title="Build the model that matches a shape table",
    points=3,
    reference=target_model,
)


def mnist_layer_params() -> list[int]:
    """Parameters of each layer with weights of the notes' MNIST convnet, from Keras.

    Examples
    --------
    >>> mnist_layer_params()
    [320, 18496, 36928, 36928, 650]
    """
    from .. import models

    model = models.mnist_convnet()
    return [int(layer.count_params()) for layer in model.layers if layer.count_params()]


q_mnist_params = ValueExercise(
    id="q_mnist_params",
    lesson=LESSON,
    title="Parameters of each layer with weights of the notes' MNIST convnet",
    points=2,
    answer=mnist_layer_params,
    compare=each(),
    hint="conv: (F*F*D + 1) * K; dense: (inputs + 1) * units; one int per layer with weights",
)

q_global_pooling = ValueExercise(
    id="q_global_pooling",
    lesson=LESSON,
    title="Replacing Flatten by global average pooling before the dense layers...",
    points=1,
    choices={
        "a": "adds parameters",
        "b": "removes most of the first dense layer's parameters",
        "c": "changes nothing in the parameter count",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="how long is the vector entering the first dense layer in each case?",
)

EXERCISES = [softmax, flattened_size, build_from_table, q_mnist_params, q_global_pooling]
