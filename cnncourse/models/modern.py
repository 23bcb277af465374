"""Four modern ImageNet networks at full size, built from :mod:`cnncourse.models.blocks`:
VGG16, ResNet50, DenseNet121 and MobileNetV2.

Each has exactly the parameter count of its ``keras.applications`` namesake (the tests
compare them), so a student can see that the famous network is nothing but the lesson's
blocks, stacked. Differences that change no count are listed in each docstring (mainly:
"same" padding where Keras pads explicitly, and batch normalisation's epsilon and
momentum). The builders take no ``weights``: for pre-trained weights use
``keras.applications``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers as kl

from . import _checks
from .blocks import (
    dense_block,
    inverted_residual_block,
    residual_block,
    transition_block,
    vgg_block,
)

__all__ = [
    "MOBILENET_V2_BLOCKS",
    "VGG16_BLOCKS",
    "densenet121",
    "mobilenet_v2",
    "resnet50",
    "vgg16",
]


def _stem(inputs: keras.KerasTensor, filters: int, use_bias: bool) -> keras.KerasTensor:
    """7x7/2 convolution -> BN -> ReLU -> 3x3/2 max pooling: ResNet's and DenseNet's stem."""
    x = _checks.conv(inputs, filters, 7, "stem", strides=2, padding="same", use_bias=use_bias)
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name="stem_bn")(x)
    x = kl.Activation("relu", name="stem_relu")(x)
    return kl.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)


#: VGG16's blocks (Simonyan and Zisserman 2014, table 1, configuration D): one
#: ``(filters, convolutions)`` per :func:`vgg_block`.
VGG16_BLOCKS: tuple[tuple[int, int], ...] = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def vgg16(input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """VGG16 (Simonyan and Zisserman, 2014): five :func:`vgg_block` s, three dense layers.

    Blocks of 2, 2, 3, 3 and 3 convolutions of 64, 128, 256, 512 and 512 filters
    (:data:`VGG16_BLOCKS`; all 3x3, "same", ReLU), each followed by 2x2 max pooling
    (224 -> 7), then Flatten ->
    FC 4096 -> FC 4096 -> softmax. **138,357,544** parameters for 1000 classes, 124
    million of them in the three dense layers.

    Parameters
    ----------
    input_shape : tuple of int, default=(224, 224, 3)
    num_classes : int, default=1000

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> vgg16((32, 32, 3), 10).output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    _checks.halvings(input_shape, 5, "VGG16's 5 blocks")
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for i, (filters, convs) in enumerate(VGG16_BLOCKS, start=1):
        x = vgg_block(x, filters, convs=convs, name=f"block{i}")
    x = kl.Flatten(name="flatten")(x)
    x = kl.Dense(4096, activation="relu", name="fc1")(x)
    x = kl.Dense(4096, activation="relu", name="fc2")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, "classification"), name="vgg16")


def resnet50(input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """ResNet50 (He et al., 2015): a stem and 16 bottleneck :func:`residual_block` s.

    Stem: 7x7/2 convolution of 64 -> BN -> ReLU -> 3x3/2 max pooling (224 -> 56). Then four
    stages of 3, 4, 6 and 3 bottleneck blocks of 64, 128, 256 and 512 filters (outputs of
    256, 512, 1024 and 2048 channels); the first block of each stage has a projection
    shortcut, the first of stages 2-4 a stride of 2 (56 -> 7). Global average pooling,
    softmax. 1 + 16 x 3 + 4 + 1 = 54 layers with weights (the "50" leaves the four
    projections out), **25,636,712** parameters for 1000 classes, as
    ``keras.applications.ResNet50``. Like Keras's, the convolutions keep their biases
    (``use_bias=True``), although the BN after each one makes them redundant.

    Differences that change no count: the stride sits on the 3x3 convolution of a block
    (as in "ResNet v1.5" and torchvision; Keras and the paper put it on the first 1x1);
    "same" padding instead of explicit zero padding; BN's epsilon and momentum.

    Parameters
    ----------
    input_shape : tuple of int, default=(224, 224, 3)
    num_classes : int, default=1000

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> resnet50((64, 64, 3), 10).output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    _checks.halvings(input_shape, 5, "ResNet50's 5 halvings")
    inputs = keras.Input(input_shape, name="input")
    x = _stem(inputs, 64, use_bias=True)
    stages = zip((64, 128, 256, 512), (3, 4, 6, 3), strict=True)
    for stage, (filters, blocks) in enumerate(stages, start=2):
        for block in range(1, blocks + 1):
            stride = 2 if stage > 2 and block == 1 else 1
            x = residual_block(
                x, filters, stride, bottleneck=True, use_bias=True, name=f"conv{stage}_block{block}"
            )
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, "classification"), name="resnet50")


def densenet121(input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """DenseNet121 (Huang et al., 2016): four bottleneck :func:`dense_block` s of 6, 12, 24
    and 16 layers with growth rate 32, and :func:`transition_block` s between them.

    Stem: 7x7/2 convolution of 64 (no bias) -> BN -> ReLU -> 3x3/2 max pooling. Each
    dense layer is BN -> ReLU -> 1x1 convolution of 128 -> BN -> ReLU -> 3x3 convolution
    of 32, concatenated to its input; each transition halves the channels and the size.
    Final BN -> ReLU, global average pooling, softmax: 1 + 2 x 58 + 3 + 1 = 121 layers
    with weights, **8,062,504** parameters for 1000 classes, as
    ``keras.applications.DenseNet121`` (which pads explicitly where this uses "same").

    Parameters
    ----------
    input_shape : tuple of int, default=(224, 224, 3)
    num_classes : int, default=1000

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> densenet121((64, 64, 3), 10).output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    _checks.halvings(input_shape, 5, "DenseNet121's 5 halvings")
    inputs = keras.Input(input_shape, name="input")
    x = _stem(inputs, 64, use_bias=False)
    sizes = (6, 12, 24, 16)
    for i, layers in enumerate(sizes, start=1):
        x = dense_block(x, layers, growth_rate=32, bottleneck=True, name=f"dense{i}")
        if i < len(sizes):
            x = transition_block(x, 0.5, name=f"transition{i}")
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name="final_bn")(x)
    x = kl.Activation("relu", name="final_relu")(x)
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, "classification"), name="densenet121")


#: MobileNetV2's inverted residual blocks (Sandler et al. 2018, table 2): one
#: ``(expansion t, output channels c, repeats n, stride s of the first)`` per row.
MOBILENET_V2_BLOCKS: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def mobilenet_v2(
    input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000
) -> keras.Model:
    """MobileNetV2 (Sandler et al., 2018): 17 :func:`inverted_residual_block` s.

    3x3/2 convolution of 32 (no bias) -> BN -> ReLU6, the blocks of
    :data:`MOBILENET_V2_BLOCKS` (224 -> 7), a 1x1 convolution to 1280 -> BN -> ReLU6,
    global average pooling, softmax. **3,538,984** parameters for 1000 classes, as
    ``keras.applications.MobileNetV2`` (width multiplier ``alpha=1``), which pads
    explicitly before its strided depthwise convolutions where this uses "same".

    Parameters
    ----------
    input_shape : tuple of int, default=(224, 224, 3)
    num_classes : int, default=1000

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> mobilenet_v2((32, 32, 3), 10).output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    _checks.halvings(input_shape, 5, "MobileNetV2's 5 halvings")
    inputs = keras.Input(input_shape, name="input")
    x = _checks.conv(inputs, 32, 3, "stem", strides=2, padding="same", use_bias=False)
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name="stem_bn")(x)
    x = kl.ReLU(6.0, name="stem_relu")(x)
    number = 0
    for expansion, channels, repeats, stride in MOBILENET_V2_BLOCKS:
        for i in range(repeats):
            x = inverted_residual_block(
                x, channels, stride if i == 0 else 1, expansion, name=f"block{number}"
            )
            number += 1
    x = _checks.conv(x, 1280, 1, "head", use_bias=False)
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name="head_bn")(x)
    x = kl.ReLU(6.0, name="head_relu")(x)
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, "classification"), name="mobilenet_v2")
