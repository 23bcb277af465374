"""Models with structured outputs: segmentation (:func:`fcn`, :func:`unet`), one box per
image (:func:`box_regressor`) and grid detection (:func:`grid_detector`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import layers as kl

from .. import _validate
from . import _checks

__all__ = ["FCN_MODES", "box_regressor", "fcn", "grid_detector", "unet"]


#: Ways :func:`fcn` keeps (or restores) the input's spatial size.
FCN_MODES = ("no_pooling", "stride1_pooling", "down_up")


def _conv_block(
    x: Any, filters: int, convs: int, kernel_size: int, batch_norm: bool, name: str
) -> Any:
    """``convs`` "same" convolutions with ReLU (and batch normalisation before it)."""
    for i in range(1, convs + 1):
        if batch_norm:
            x = _checks.conv(
                x, filters, kernel_size, f"{name}_conv{i}", padding="same", use_bias=False
            )
            x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name=f"{name}_bn{i}")(x)
            x = kl.Activation("relu", name=f"{name}_relu{i}")(x)
        else:
            x = _checks.conv(
                x, filters, kernel_size, f"{name}_conv{i}", padding="same", activation="relu"
            )
    return x


def _centered(x: Any) -> Any:
    """Subtract each image's mean colour (per channel): layers ``image_mean``, ``centered``."""
    mean = kl.GlobalAveragePooling2D(keepdims=True, name="image_mean")(x)
    return kl.Subtract(name="centered")([x, mean])


def _pad_for(input_shape: _checks.Shape, factor: int, pad: bool, what: str) -> tuple[int, int]:
    """Rows and columns to add (bottom, right) so that H and W divide by ``factor``."""
    height, width = input_shape[:2]
    extra = (-height % factor, -width % factor)
    if any(extra) and not pad:
        raise ValueError(
            f"input_shape {input_shape} does not suit {what}: its height and width must be "
            f"multiples of the downsampling factor {factor}; use e.g. "
            f"({height + extra[0]}, {width + extra[1]}, {input_shape[2]}), or pad=True to pad "
            "the input (and crop the output) automatically"
        )
    return extra


def _segmentation_output(x: Any, num_classes: int, extra: tuple[int, int]) -> Any:
    """1x1 convolution to per-pixel class probabilities, cropped back to the input size."""
    if any(extra):
        x = kl.Cropping2D(((0, extra[0]), (0, extra[1])), name="crop")(x)
    return kl.Conv2D(num_classes, 1, activation="softmax", name="output")(x)


def fcn(
    input_shape: Sequence[int],
    num_classes: int,
    filters: Sequence[int] = (16, 32),
    mode: str = "no_pooling",
    kernel_size: int = 3,
    pool_size: int = 2,
    batch_norm: bool = False,
    pad: bool = True,
    center: bool = False,
) -> keras.Model:
    """A fully convolutional network for semantic segmentation: a class per pixel.

    No Flatten, no Dense: every layer is a convolution (or pooling), and a final 1x1
    convolution with a softmax gives each pixel ``num_classes`` probabilities. Three ways
    to keep the output as large as the input:

    - ``"no_pooling"``: ``[CONV 3x3 "same" -> ReLU]`` per entry of ``filters``; simple
      but every pixel only sees a small neighbourhood (receptive field
      ``1 + 2 * len(filters)`` pixels with 3x3 kernels), and the cost grows with the
      image size times the depth;
    - ``"stride1_pooling"``: each convolution is followed by
      ``MaxPooling2D(pool_size, strides=1, padding="same")``, pooling without
      shrinking: a wider receptive field at full resolution;
    - ``"down_up"``: each block halves the size (``MaxPooling2D(2)``), then as many
      ``Conv2DTranspose(strides=2)`` double it back: the cheap encoder-decoder shape
      (a :func:`unet` without its skip connections, so the fine detail is lost).

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Classes **including** the background (4 for ``data.shapes``), >= 2.
    filters : sequence of int, default=(16, 32)
        Filters of each convolution block.
    mode : {"no_pooling", "stride1_pooling", "down_up"}, default="no_pooling"
    kernel_size : int, default=3
    pool_size : int, default=2
        The stride-1 pooling window of ``"stride1_pooling"``.
    batch_norm : bool, default=False
        Conv (no bias) -> BatchNormalization -> ReLU in every block.
    pad : bool, default=True
        For ``"down_up"``: an input whose height or width is not a multiple of
        ``2 ** len(filters)`` is zero-padded (bottom, right) up to one and the output
        cropped back; with False such an input raises a ValueError.
    center : bool, default=False
        Subtract each image's mean colour (per channel) first, inside the model (layers
        ``image_mean`` and ``centered``, no weights): the background, whatever its
        colour, comes out near 0 and the objects stand out, so the network learns
        several times faster on ``data.shapes`` and ``data.scenes``, whose colours are
        random.

    Returns
    -------
    keras.Model
        Uncompiled; output ``(batch, height, width, num_classes)`` softmax. Train it with
        ``sparse_categorical_crossentropy`` on the (batch, height, width) class masks.

    Examples
    --------
    >>> fcn((32, 32, 3), 4).output.shape
    (None, 32, 32, 4)
    >>> fcn((30, 30, 3), 4, mode="down_up").output.shape  # padded to 32, cropped back
    (None, 30, 30, 4)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    mode = _validate.one_of("mode", mode, FCN_MODES)
    kernel_size = _checks.size(kernel_size, "kernel_size")
    pool_size = _checks.size(pool_size, "pool_size")
    _validate.one_of("batch_norm", batch_norm, (True, False))
    _validate.one_of("pad", pad, (True, False))
    _validate.one_of("center", center, (True, False))
    extra = (0, 0)
    if mode == "down_up":
        extra = _pad_for(input_shape, 2 ** len(filters), pad, f"{len(filters)} halvings")

    inputs = keras.Input(input_shape, name="input")
    x = _centered(inputs) if center else inputs
    if any(extra):
        x = kl.ZeroPadding2D(((0, extra[0]), (0, extra[1])), name="pad")(x)
    for i, f in enumerate(filters, start=1):
        x = _conv_block(x, f, 1, kernel_size, batch_norm, f"block{i}")
        if mode == "stride1_pooling":
            x = kl.MaxPooling2D(pool_size, strides=1, padding="same", name=f"pool{i}")(x)
        elif mode == "down_up":
            x = kl.MaxPooling2D(2, name=f"pool{i}")(x)
    if mode == "down_up":
        for i, f in enumerate(reversed(filters), start=1):
            x = kl.Conv2DTranspose(
                f, 2, strides=2, padding="same", activation="relu", name=f"up{i}"
            )(x)
    outputs = _segmentation_output(x, num_classes, extra)
    return keras.Model(inputs, outputs, name=f"fcn_{mode}")


def unet(
    input_shape: Sequence[int],
    num_classes: int,
    filters: Sequence[int] = (16, 32, 64),
    convs: int = 2,
    kernel_size: int = 3,
    batch_norm: bool = False,
    pad: bool = True,
    center: bool = False,
) -> keras.Model:
    """A small U-Net (Ronneberger, Fischer and Brox, 2015) for semantic segmentation.

    Encoder: for each of ``filters[:-1]``, a block of ``convs`` 3x3 "same" convolutions
    with ReLU, whose output is kept for a skip connection, then ``MaxPooling2D(2)``.
    Bottleneck: a block of ``filters[-1]``. Decoder, back up level by level:
    ``Conv2DTranspose(f, 2, strides=2)`` doubles the size, ``Concatenate`` appends the
    encoder's maps of that size (the fine detail the pooling threw away), a block of
    ``f`` convolutions. A 1x1 convolution with a softmax gives the class of each pixel.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Classes **including** the background (4 for ``data.shapes``), >= 2.
    filters : sequence of int, default=(16, 32, 64)
        Filters per level, the last one the bottleneck's: ``len(filters) - 1`` halvings,
        so a downsampling factor of ``2 ** (len(filters) - 1)``.
    convs : int, default=2
        Convolutions per block.
    kernel_size : int, default=3
    batch_norm : bool, default=False
        Conv (no bias) -> BatchNormalization -> ReLU in every block.
    pad : bool, default=True
        An input whose height or width is not a multiple of the downsampling factor is
        zero-padded (bottom, right) up to one and the output cropped back, so any size
        works; with False such an input raises a ValueError naming the factor.
    center : bool, default=False
        Subtract each image's mean colour (per channel) first, inside the model (layers
        ``image_mean`` and ``centered``, no weights): the background, whatever its
        colour, comes out near 0 and the objects stand out, so the network learns
        several times faster on ``data.shapes`` and ``data.scenes``, whose colours are
        random.

    Returns
    -------
    keras.Model
        Uncompiled; output ``(batch, height, width, num_classes)`` softmax. Layers are
        named ``down1_conv1``..., ``pool1``..., ``bottleneck_conv1``..., ``up1``,
        ``skip1``, ``dec1_conv1``..., ``output``.

    Examples
    --------
    >>> unet((32, 32, 3), 4).output.shape
    (None, 32, 32, 4)
    >>> unet((30, 30, 3), 4).output.shape  # padded to 32x32 inside, cropped back
    (None, 30, 30, 4)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    convs = _checks.size(convs, "convs")
    kernel_size = _checks.size(kernel_size, "kernel_size")
    _validate.one_of("batch_norm", batch_norm, (True, False))
    _validate.one_of("pad", pad, (True, False))
    _validate.one_of("center", center, (True, False))
    levels = len(filters) - 1
    extra = _pad_for(input_shape, 2**levels, pad, f"a U-Net with {levels} halvings")

    inputs = keras.Input(input_shape, name="input")
    x = _centered(inputs) if center else inputs
    if any(extra):
        x = kl.ZeroPadding2D(((0, extra[0]), (0, extra[1])), name="pad")(x)
    skips = []
    for i, f in enumerate(filters[:-1], start=1):
        x = _conv_block(x, f, convs, kernel_size, batch_norm, f"down{i}")
        skips.append(x)
        x = kl.MaxPooling2D(2, name=f"pool{i}")(x)
    x = _conv_block(x, filters[-1], convs, kernel_size, batch_norm, "bottleneck")
    for i, (f, skip) in enumerate(zip(reversed(filters[:-1]), reversed(skips), strict=True), 1):
        x = kl.Conv2DTranspose(f, 2, strides=2, padding="same", name=f"up{i}")(x)
        x = kl.Concatenate(name=f"skip{i}")([x, skip])
        x = _conv_block(x, f, convs, kernel_size, batch_norm, f"dec{i}")
    outputs = _segmentation_output(x, num_classes, extra)
    return keras.Model(inputs, outputs, name="unet")


def _backbone(
    x: Any, filters: Sequence[int], pools: int, batch_norm: bool, kernel_size: int = 3
) -> Any:
    """Convolution blocks; the first ``pools`` of them end with ``MaxPooling2D(2)``."""
    for i, f in enumerate(filters, start=1):
        x = _conv_block(x, f, 1, kernel_size, batch_norm, f"block{i}")
        if i <= pools:
            x = kl.MaxPooling2D(2, name=f"pool{i}")(x)
    return x


def box_regressor(
    input_shape: Sequence[int],
    num_classes: int,
    filters: Sequence[int] = (16, 32, 64),
    dense: Sequence[int] = (128,),
    batch_norm: bool = False,
    center: bool = False,
) -> keras.Model:
    """Classification + localisation of one object: a class and a box per image.

    A CNN body (one 3x3 convolution with ReLU and a 2x2 max pooling per entry of
    ``filters``), ``Flatten`` (not global pooling: the position of the features is what
    locates the object), hidden dense layers, then two heads, returned as a dict:

    - ``"class"``: ``num_classes`` softmax probabilities;
    - ``"box"``: 4 sigmoid outputs, the box as ``(x_centre, y_centre, width, height)``
      in fractions of the image side (:func:`cnncourse.detection.encode_boxes` makes
      these targets from pixel boxes, :func:`cnncourse.detection.decode_boxes` turns
      predictions back). Always a valid box; values in [0, 1] train well with a
      mean squared (or absolute) error.

    Compile with a loss per output, e.g.
    ``loss={"class": "sparse_categorical_crossentropy", "box": "mse"}`` and
    ``loss_weights`` to balance them (see :data:`cnncourse.recipes.BOX_RECIPE`).

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; any size with at least ``2 ** len(filters)``
        pixels per side (pooling rounds down).
    num_classes : int
        Object classes (3 for ``data.shapes``), >= 2.
    filters : sequence of int, default=(16, 32, 64)
    dense : sequence of int, default=(128,)
    batch_norm : bool, default=False
    center : bool, default=False
        Subtract each image's mean colour (per channel) first, inside the model (layers
        ``image_mean`` and ``centered``, no weights): the background, whatever its
        colour, comes out near 0 and the objects stand out, so the network learns
        several times faster on ``data.shapes`` and ``data.scenes``, whose colours are
        random.

    Returns
    -------
    keras.Model
        Uncompiled, with outputs ``{"class": (batch, num_classes), "box": (batch, 4)}``.

    Examples
    --------
    >>> model = box_regressor((32, 32, 3), 3)
    >>> {name: tuple(t.shape) for name, t in model.output.items()}
    {'class': (None, 3), 'box': (None, 4)}
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    dense = _checks.units("dense", dense, allow_empty=True)
    _validate.one_of("batch_norm", batch_norm, (True, False))
    _validate.one_of("center", center, (True, False))
    _checks.halvings(input_shape, len(filters), f"{len(filters)} pooling blocks")
    inputs = keras.Input(input_shape, name="input")
    x = _centered(inputs) if center else inputs
    x = _backbone(x, filters, len(filters), batch_norm)
    x = kl.Flatten(name="flatten")(x)
    for i, units in enumerate(dense, start=1):
        x = kl.Dense(units, activation="relu", name=f"fc{i}")(x)
    outputs = {
        "class": kl.Dense(num_classes, activation="softmax", name="class")(x),
        "box": kl.Dense(4, activation="sigmoid", name="box")(x),
    }
    return keras.Model(inputs, outputs, name="box_regressor")


def grid_detector(
    input_shape: Sequence[int],
    num_classes: int,
    grid: int = 4,
    filters: Sequence[int] = (16, 32, 64),
    head: int = 64,
    batch_norm: bool = False,
    center: bool = False,
) -> keras.Model:
    """A one-stage grid detector in the spirit of YOLO v1: one box per cell.

    A CNN body (a 3x3 convolution with ReLU per entry of ``filters``, the first
    ``log2(factor)`` of them followed by 2x2 max pooling) shrinks the image to
    ``grid x grid`` cells; a 3x3 convolution of ``head`` filters and three 1x1
    convolutions then predict, for every cell, ``5 + num_classes`` numbers in the layout of
    :func:`cnncourse.detection.encode_grid`: objectness (sigmoid), the box centre's
    offset in the cell and its width and height over the image (4 sigmoids), and the
    class probabilities (softmax), concatenated into one output. Train it with
    :class:`cnncourse.detection.GridDetectionLoss` on ``encode_grid`` targets; read the
    outputs with :func:`cnncourse.detection.decode_grid`.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``. Height and width must be the same multiple
        ``factor = height / grid`` of ``grid``, with ``factor`` a power of 2 (the cells
        are ``factor x factor`` pixels) and at most ``2 ** len(filters)``; otherwise a
        ValueError names the input shape, the grid and the factor.
    num_classes : int
        Object classes (3 for ``data.scenes``), >= 2.
    grid : int, default=4
        Cells per side.
    filters : sequence of int, default=(16, 32, 64)
    head : int, default=64
        Filters of the head's 3x3 convolution.
    batch_norm : bool, default=False
    center : bool, default=False
        Subtract each image's mean colour (per channel) first, inside the model (layers
        ``image_mean`` and ``centered``, no weights): the background, whatever its
        colour, comes out near 0 and the objects stand out, so the network learns
        several times faster on ``data.shapes`` and ``data.scenes``, whose colours are
        random.

    Returns
    -------
    keras.Model
        Uncompiled; output ``(batch, grid, grid, 5 + num_classes)``.

    Examples
    --------
    >>> grid_detector((32, 32, 3), 3, grid=4).output.shape  # 8x8-pixel cells
    (None, 4, 4, 8)
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    grid = _validate.integer("grid", grid, minimum=1)
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    head = _checks.size(head, "head")
    _validate.one_of("batch_norm", batch_norm, (True, False))
    _validate.one_of("center", center, (True, False))
    height, width = input_shape[:2]
    factor = height // grid
    if height != width or height % grid or factor & (factor - 1):
        widths = "" if height == width else f", width / grid = {width / grid:g}"
        raise ValueError(
            f"input_shape {input_shape} does not fit grid={grid}: a grid detector needs "
            "square images whose side is grid times a power of 2, the downsampling factor "
            f"(the cell size in pixels); here height / grid = {height / grid:g}{widths}. "
            f"Use e.g. ({grid * 8}, {grid * 8}, {input_shape[2]}) for a factor of 8"
        )
    pools = factor.bit_length() - 1
    if pools > len(filters):
        raise ValueError(
            f"input_shape {input_shape} with grid={grid} needs a downsampling factor of "
            f"{factor} ({pools} poolings), but filters={filters} has only {len(filters)} "
            f"blocks; give at least {pools} filters or a larger grid"
        )
    inputs = keras.Input(input_shape, name="input")
    x = _centered(inputs) if center else inputs
    x = _backbone(x, filters, pools, batch_norm)
    x = _checks.conv(x, head, 3, "head", padding="same", activation="relu")
    objectness = _checks.conv(x, 1, 1, "objectness", activation="sigmoid")
    box = _checks.conv(x, 4, 1, "box", activation="sigmoid")
    classes = _checks.conv(x, num_classes, 1, "classes", activation="softmax")
    outputs = kl.Concatenate(name="output")([objectness, box, classes])
    return keras.Model(inputs, outputs, name="grid_detector")
