"""The argument checks and small layer helpers that every builder of :mod:`cnncourse.models`
shares: one place for the input shape, head and feature-map-size rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keras import layers as kl

from .. import _validate, shapes

__all__ = [
    "BN_MOMENTUM",
    "TASKS",
    "Shape",
    "check_head",
    "conv",
    "dropout",
    "halvings",
    "head",
    "input_shape",
    "prefix",
    "shrinks",
    "size",
    "units",
]

#: Momentum of the moving averages of every batch normalisation layer built here. Keras's
#: default, 0.99, averages the batch statistics over the last ~100 steps: for the few
#: hundred steps of a lesson-sized training they lag behind the fast-changing weights, and
#: the model can do far worse in inference mode (validation) than in training. 0.9
#: (PyTorch's default) follows them within ~10 steps.
BN_MOMENTUM = 0.9

#: What the output layer of a builder predicts (the ``task`` argument).
TASKS = ("classification", "binary", "regression")

#: A shape without the batch axis, such as ``(height, width, channels)``.
Shape = tuple[int, ...]


def input_shape(value: Any, name: str = "input_shape", ndim: int | None = 3) -> Shape:
    """``value`` as a tuple of positive ints ((H, W, C) when ``ndim`` is 3).

    Examples
    --------
    >>> input_shape([28, 28, 1])
    (28, 28, 1)
    >>> input_shape((28, 28))
    Traceback (most recent call last):
    ...
    ValueError: input_shape must be a tuple (height, width, channels) of 3 sizes (channels last, without the batch axis); got (28, 28)
    """  # noqa: E501
    if isinstance(value, (int, str)) or not isinstance(value, Sequence):
        expected = "a tuple (height, width, channels)" if ndim == 3 else "a tuple of sizes"
        raise ValueError(f"{name} must be {expected}; got {_validate.short(value)}")
    if ndim is not None and len(value) != ndim:
        raise ValueError(
            f"{name} must be a tuple (height, width, channels) of 3 sizes (channels last, "
            f"without the batch axis); got {_validate.short(value)}"
        )
    if len(value) == 0:
        raise ValueError(f"{name} must not be empty; got {_validate.short(value)}")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(
                f"{name} must hold positive integers (no batch axis, no None); "
                f"got {_validate.short(value)}"
            )
    return tuple(int(v) for v in value)


def units(name: str, value: Any, allow_empty: bool, what: str = "units") -> tuple[int, ...]:
    """A sequence of positive ints (an int alone means one entry).

    Examples
    --------
    >>> units("dense", 128, allow_empty=True)
    (128,)
    >>> units("blocks", [16, 32], allow_empty=False, what="filters")
    (16, 32)
    """
    if isinstance(value, (int,)) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(
            f"{name} must be a tuple of positive integers ({what}); got {_validate.short(value)}"
        )
    if not value and not allow_empty:
        raise ValueError(
            f"{name} must not be empty: give at least one block's {what}, e.g. (16, 32); "
            f"got {_validate.short(value)}"
        )
    return tuple(_validate.integer(f"{name}[{i}]", v, minimum=1) for i, v in enumerate(value))


def dropout(value: Any, name: str = "dropout") -> float:
    """A dropout rate: a number in [0, 1).

    Examples
    --------
    >>> dropout(0.5)
    0.5
    """
    rate = _validate.number(name, value)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"{name} must be in [0, 1) (the fraction of units dropped); got {rate}")
    return rate


def size(value: Any, name: str) -> int:
    """A positive int: a kernel size, a number of filters, a stride...

    Examples
    --------
    >>> size(3, "kernel_size")
    3
    """
    return _validate.integer(name, value, minimum=1)


def check_head(num_classes: Any, task: Any) -> tuple[int, str]:
    """``(num_classes, task)`` checked together: a softmax needs at least 2 classes.

    Examples
    --------
    >>> check_head(10, "classification")
    (10, 'classification')
    >>> check_head(1, "binary")
    (1, 'binary')
    """
    task = _validate.one_of("task", task, TASKS)
    minimum = 2 if task == "classification" else 1
    num_classes = _validate.integer("num_classes", num_classes, minimum=1)
    if num_classes < minimum:
        raise ValueError(
            f"num_classes must be >= 2 for task='classification' (softmax over the classes); "
            f"got {num_classes} (use task='binary' for one sigmoid unit, or 'regression')"
        )
    return num_classes, task


def head(x: Any, num_classes: int, task: str, name: str = "output") -> Any:
    """The output layer the task asks for, applied to ``x``.

    Examples
    --------
    >>> import keras
    >>> head(keras.Input((8,)), 2, "binary").shape  # one sigmoid: P(class 1)
    (None, 1)
    """
    if task == "classification":
        return kl.Dense(num_classes, activation="softmax", name=name)(x)
    if task == "binary":
        n = 1 if num_classes <= 2 else num_classes  # more: multi-label, one yes/no each
        return kl.Dense(n, activation="sigmoid", name=name)(x)
    return kl.Dense(num_classes, name=name)(x)  # regression: linear outputs


def shrinks(
    input_shape: Shape,
    steps: Sequence[tuple[str, int, int, str]],
    what: str,
    hint: str,
) -> list[tuple[int, int]]:
    """Spatial sizes after each (kind, kernel, stride, padding) step; raise if one vanishes.

    The one place where the builders work out their feature-map sizes, through
    :func:`cnncourse.shapes.conv_geometry`.

    Examples
    --------
    >>> shrinks((28, 28, 1), [("conv", 3, 1, "valid"), ("pool", 2, 2, "valid")], "it", "")
    [(28, 28), (26, 26), (13, 13)]
    """
    size = tuple(input_shape[:2])
    sizes = [size]
    for _, kernel, stride, padding in steps:
        try:
            new = shapes.conv_geometry(size, kernel, stride, padding, ndim=2).output_size
        except shapes.KernelTooLargeError as error:
            chain = " -> ".join(f"{h}x{w}" for h, w in [*sizes, (0, 0)])
            raise ValueError(
                f"input_shape {input_shape} is too small for {what}: the feature maps "
                f"shrink {chain} ({error}); {hint}"
            ) from None
        size = new
        sizes.append(size)
    return sizes


def halvings(input_shape: Shape, count: int, what: str) -> None:
    """Raise if ``count`` 2x2 poolings (or stride-2 stages) leave no pixel of the input.

    Examples
    --------
    >>> halvings((16, 16, 1), 4, "4 VGG blocks")  # 16 -> 8 -> 4 -> 2 -> 1: fits
    >>> halvings((16, 16, 1), 5, "5 VGG blocks")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: input_shape (16, 16, 1) is too small for 5 VGG blocks: the feature maps shrink 16x16 -> 8x8 -> 4x4 -> 2x2 -> 1x1 -> 0x0 (kernel_size (2, 2) is larger ...); use fewer stages or a larger input
    """  # noqa: E501
    steps = [("pool", 2, 2, "valid")] * count
    shrinks(input_shape, steps, what, "use fewer stages or a larger input")


def conv(x: Any, filters: int, kernel_size: int, name: str, **kwargs: Any) -> Any:
    """``keras.layers.Conv2D(filters, kernel_size, name=name, **kwargs)`` applied to ``x``.

    Examples
    --------
    >>> import keras
    >>> conv(keras.Input((8, 8, 3)), 4, 3, "conv1", padding="same").shape
    (None, 8, 8, 4)
    """
    return kl.Conv2D(filters, kernel_size, name=name, **kwargs)(x)


def prefix(name: str | None, part: str) -> str | None:
    """The name of a block's layer: ``"{name}_{part}"``, or None (Keras names it) for none.

    Examples
    --------
    >>> prefix("block1", "conv2"), prefix(None, "conv2")
    ('block1_conv2', None)
    """
    return None if name is None else f"{name}_{part}"
