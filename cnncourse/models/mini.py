"""Mini versions of the famous nets, for 8 to 64 pixel images and seconds of training:
VGG, ResNet, Inception and DenseNet made of :mod:`cnncourse.models.blocks`."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers as kl

from .. import _validate
from . import _checks
from .blocks import (
    SHORTCUTS,
    dense_block,
    inception_block,
    residual_block,
    transition_block,
    vgg_block,
)

__all__ = ["mini_densenet", "mini_inception", "mini_resnet", "mini_vgg"]


def mini_vgg(
    input_shape: Sequence[int],
    num_classes: int,
    stages: Sequence[int] = (16, 32),
    convs: int = 2,
    dense: Sequence[int] = (64,),
    dropout: float = 0.0,
) -> keras.Model:
    """A small VGG: one :func:`vgg_block` per stage, Flatten, dense layers, softmax.

    Parameters
    ----------
    input_shape : tuple of int
    num_classes : int
    stages : sequence of int, default=(16, 32)
        Filters of each VGG block (each halves the height and width).
    convs : int, default=2
        Convolutions per block.
    dense : sequence of int, default=(64,)
    dropout : float in [0, 1), default=0.0

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> mini_vgg((16, 16, 1), 10).output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    stages = _checks.units("stages", stages, allow_empty=False, what="filters")
    dense = _checks.units("dense", dense, allow_empty=True)
    dropout = _checks.dropout(dropout)
    _checks.halvings(input_shape, len(stages), f"{len(stages)} VGG blocks")
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for i, filters in enumerate(stages, start=1):
        x = vgg_block(x, filters, convs=convs, name=f"block{i}")
    x = kl.Flatten(name="flatten")(x)
    for i, units in enumerate(dense, start=1):
        x = kl.Dense(units, activation="relu", name=f"fc{i}")(x)
        if dropout > 0:
            x = kl.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, "classification"), name="mini_vgg")


def mini_resnet(
    input_shape: Sequence[int],
    num_classes: int,
    stages: Sequence[int] = (16, 32),
    blocks_per_stage: int = 1,
    bottleneck: bool = False,
    shortcut: str = "auto",
) -> keras.Model:
    """A small ResNet: 3x3 stem, residual stages, global average pooling, softmax.

    Stage ``i`` has ``blocks_per_stage`` :func:`residual_block` s of ``stages[i]``
    filters; every stage after the first starts with stride 2 (a projection shortcut).
    With ``shortcut="none"`` it is the *plain* network of the same depth: the same
    layers, without the additions.

    Parameters
    ----------
    input_shape : tuple of int
    num_classes : int
    stages : sequence of int, default=(16, 32)
    blocks_per_stage : int, default=1
    bottleneck : bool, default=False
    shortcut : {"auto", "projection", "none"}, default="auto"
        Of every block, see :func:`residual_block`.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> mini_resnet((32, 32, 3), 10).output.shape
    (None, 10)
    >>> plain = mini_resnet((8, 8, 1), 10, stages=(8,), blocks_per_stage=10, shortcut="none")
    >>> residual = mini_resnet((8, 8, 1), 10, stages=(8,), blocks_per_stage=10)
    >>> plain.count_params() == residual.count_params()  # identity shortcuts are free
    True
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    stages = _checks.units("stages", stages, allow_empty=False, what="filters")
    blocks_per_stage = _checks.size(blocks_per_stage, "blocks_per_stage")
    _validate.one_of("shortcut", shortcut, SHORTCUTS)
    _checks.halvings(input_shape, len(stages) - 1, f"{len(stages)} stages")
    inputs = keras.Input(input_shape, name="input")
    x = kl.Conv2D(stages[0], 3, padding="same", use_bias=False, name="stem")(inputs)
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name="stem_bn")(x)
    x = kl.Activation("relu", name="stem_relu")(x)
    for i, filters in enumerate(stages, start=1):
        for j in range(1, blocks_per_stage + 1):
            stride = 2 if i > 1 and j == 1 else 1
            x = residual_block(
                x, filters, stride, bottleneck, shortcut=shortcut, name=f"stage{i}_block{j}"
            )
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, "classification"), name="mini_resnet")


def mini_inception(
    input_shape: Sequence[int],
    num_classes: int,
    stem: int = 32,
    modules: Sequence[Sequence[int]] = ((16, 16, 24, 4, 8, 8), (32, 24, 48, 8, 16, 16)),
) -> keras.Model:
    """A small GoogLeNet: 3x3 stem, inception modules with 2x2 pooling between them,
    global average pooling, softmax.

    Parameters
    ----------
    input_shape : tuple of int
    num_classes : int
    stem : int, default=32
        Filters of the stem convolution.
    modules : sequence of 6-tuples
        ``(f1, f3_reduce, f3, f5_reduce, f5, pool_proj)`` of each :func:`inception_block`.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> mini_inception((16, 16, 1), 10).output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    stem = _checks.size(stem, "stem")
    if isinstance(modules, str) or not isinstance(modules, Sequence) or not modules:
        raise ValueError(
            "modules must be a non-empty sequence of (f1, f3_reduce, f3, f5_reduce, f5, "
            f"pool_proj) tuples; got {_validate.short(modules)}"
        )
    for i, module in enumerate(modules):
        if isinstance(module, str) or not isinstance(module, Sequence) or len(module) != 6:
            raise ValueError(
                f"modules[{i}] must be (f1, f3_reduce, f3, f5_reduce, f5, pool_proj); "
                f"got {_validate.short(module)}"
            )
    _checks.halvings(input_shape, len(modules) - 1, f"{len(modules)} inception modules")
    inputs = keras.Input(input_shape, name="input")
    x = kl.Conv2D(stem, 3, padding="same", activation="relu", name="stem")(inputs)
    for i, module in enumerate(modules, start=1):
        if i > 1:
            x = kl.MaxPooling2D(2, name=f"pool{i - 1}")(x)
        x = inception_block(x, *module, name=f"inception{i}")
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(
        inputs, _checks.head(x, num_classes, "classification"), name="mini_inception"
    )


def mini_densenet(
    input_shape: Sequence[int],
    num_classes: int,
    blocks: Sequence[int] = (4, 4),
    growth_rate: int = 12,
    stem: int = 24,
    compression: float = 0.5,
) -> keras.Model:
    """A small DenseNet: 3x3 stem, dense blocks with transitions between them, BN -> ReLU,
    global average pooling, softmax.

    Parameters
    ----------
    input_shape : tuple of int
    num_classes : int
    blocks : sequence of int, default=(4, 4)
        Layers in each :func:`dense_block`.
    growth_rate : int, default=12
    stem : int, default=24
    compression : float in (0, 1], default=0.5
        Of each :func:`transition_block`.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> mini_densenet((16, 16, 1), 10).output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    blocks = _checks.units("blocks", blocks, allow_empty=False, what="layers")
    stem = _checks.size(stem, "stem")
    _checks.halvings(input_shape, len(blocks) - 1, f"{len(blocks)} dense blocks")
    inputs = keras.Input(input_shape, name="input")
    x = kl.Conv2D(stem, 3, padding="same", use_bias=False, name="stem")(inputs)
    for i, n in enumerate(blocks, start=1):
        x = dense_block(x, n, growth_rate, name=f"dense{i}")
        if i < len(blocks):
            x = transition_block(x, compression, name=f"transition{i}")
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name="final_bn")(x)
    x = kl.Activation("relu", name="final_relu")(x)
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, "classification"), name="mini_densenet")
