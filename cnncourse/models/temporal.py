"""Models over time: video classifiers (:func:`frame_average`, :func:`cnn_rnn`,
:func:`conv3d_net`) and a 1-D convolutional network for signals (:func:`conv1d_net`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import layers as kl

from .. import _validate
from ..shapes import RNN_CELLS
from . import _checks

__all__ = ["cnn_rnn", "conv1d_net", "conv3d_net", "frame_average"]


def _clip_shape(value: Any) -> _checks.Shape:
    """``(frames, height, width, channels)``, checked."""
    shape = _checks.input_shape(value, name="clip_shape", ndim=None)
    if len(shape) != 4:
        raise ValueError(
            "clip_shape must be a tuple (frames, height, width, channels) of 4 sizes "
            f"(without the batch axis); got {_validate.short(value)}"
        )
    return shape


def _clip_norm(x: Any) -> Any:
    """Standardise each clip as a whole (mean 0, variance 1 over all its frames and pixels):
    clips of any brightness and contrast look alike to the first layer. Time-symmetric,
    so it tells a model nothing about the order of the frames. No weights."""
    return kl.LayerNormalization(axis=(1, 2, 3, 4), center=False, scale=False, name="clip_norm")(x)


def _conv_bn(x: Any, conv: Any, name: str) -> Any:
    """``conv`` (with its ReLU), then BatchNormalization named ``{name}_bn``. Normalising
    after the ReLU trained the video models faster than before it, in our trials."""
    return kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name=f"{name}_bn")(conv(x))


def _frame_layers(x: Any, filters: Sequence[int], features: int, clip_shape: Any) -> Any:
    """The per-frame CNN: per entry of ``filters`` a 3x3 "same" convolution with ReLU
    applied to every frame (``TimeDistributed``), batch normalisation and a 2x2 max
    pooling of every frame; then each frame flattened and a dense layer of ``features``
    ReLU units."""
    _checks.halvings(clip_shape[1:], len(filters), f"{len(filters)} pooling blocks per frame")
    for i, f in enumerate(filters, start=1):
        conv = kl.TimeDistributed(
            kl.Conv2D(f, 3, padding="same", activation="relu"), name=f"frame_conv{i}"
        )
        x = _conv_bn(x, conv, f"frame_conv{i}")
        x = kl.TimeDistributed(kl.MaxPooling2D(2), name=f"frame_pool{i}")(x)
    x = kl.TimeDistributed(kl.Flatten(), name="frame_flatten")(x)
    return kl.TimeDistributed(kl.Dense(features, activation="relu"), name="frame_features")(x)


def frame_average(
    clip_shape: Sequence[int],
    num_classes: int,
    filters: Sequence[int] = (8,),
    features: int = 32,
) -> keras.Model:
    """A per-frame CNN whose class probabilities are averaged over the frames.

    The clip is first standardised as a whole (layer ``clip_norm``: mean 0 and variance 1
    over all its frames and pixels, no weights). Every frame then goes through the same
    small CNN (``TimeDistributed`` applies a layer, with the same weights, to each frame:
    per entry of ``filters`` a 3x3 convolution with ReLU, batch normalisation and a 2x2 max
    pooling; ``Flatten``; a dense layer of ``features`` ReLU units; a softmax over the
    classes), then ``GlobalAveragePooling1D``
    averages the frames' probabilities: the clip's answer is the frames' vote. The
    average does not depend on the order of the frames, so this model cannot tell a clip
    from the same clip played backwards.

    Parameters
    ----------
    clip_shape : tuple of int
        ``(frames, height, width, channels)``.
    num_classes : int
        >= 2.
    filters : sequence of int, default=(8,)
    features : int, default=32

    Returns
    -------
    keras.Model
        Uncompiled; output ``(batch, num_classes)``, probabilities.

    Examples
    --------
    >>> frame_average((8, 16, 16, 1), 4).output.shape
    (None, 4)
    """
    clip_shape = _clip_shape(clip_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    features = _checks.size(features, "features")
    inputs = keras.Input(clip_shape, name="clip")
    x = _frame_layers(_clip_norm(inputs), filters, features, clip_shape)
    x = kl.TimeDistributed(kl.Dense(num_classes, activation="softmax"), name="frame_probabilities")(
        x
    )
    outputs = kl.GlobalAveragePooling1D(name="average_over_frames")(x)
    return keras.Model(inputs, outputs, name="frame_average")


def cnn_rnn(
    clip_shape: Sequence[int],
    num_classes: int,
    filters: Sequence[int] = (8,),
    features: int = 32,
    units: int = 32,
    cell: str = "gru",
) -> keras.Model:
    """A CNN on every frame feeding a recurrent layer: the classic video classifier.

    The clip standardisation and per-frame CNN of :func:`frame_average` (without its
    softmax) turn each frame into ``features`` numbers; a GRU (or LSTM, or simple RNN)
    reads them in order, frame after frame, and its last state goes to a softmax over the
    classes. The CNN sees space, the RNN sees time: it can compare where things are in one
    frame with where they were in the previous ones.

    Parameters
    ----------
    clip_shape : tuple of int
        ``(frames, height, width, channels)``.
    num_classes : int
        >= 2.
    filters : sequence of int, default=(8,)
    features : int, default=32
        Numbers per frame passed to the recurrent layer.
    units : int, default=32
        Size of the recurrent layer's state.
    cell : {"gru", "lstm", "simple"}, default="gru"
        One of :data:`cnncourse.shapes.RNN_CELLS`.

    Returns
    -------
    keras.Model
        Uncompiled; output ``(batch, num_classes)`` softmax.

    Examples
    --------
    >>> model = cnn_rnn((8, 16, 16, 1), 4)
    >>> model.output.shape, model.get_layer("rnn").__class__.__name__
    ((None, 4), 'GRU')
    """
    clip_shape = _clip_shape(clip_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    features = _checks.size(features, "features")
    units = _checks.size(units, "units")
    cell = _validate.one_of("cell", cell, RNN_CELLS)
    recurrent = {"gru": kl.GRU, "lstm": kl.LSTM, "simple": kl.SimpleRNN}[cell]
    inputs = keras.Input(clip_shape, name="clip")
    x = _frame_layers(_clip_norm(inputs), filters, features, clip_shape)
    x = recurrent(units, name="rnn")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name=f"cnn_{cell}")


def conv3d_net(
    clip_shape: Sequence[int],
    num_classes: int,
    filters: Sequence[int] = (8, 16),
    kernel_size: int = 3,
) -> keras.Model:
    """A small 3-D convolutional network: kernels that slide over time as well as space.

    The clip is standardised as in :func:`frame_average`, then per entry of ``filters``: a
    ``Conv3D`` with a ``kernel_size`` cube (frames x rows x columns), "same" padding and
    ReLU, batch normalisation, then ``MaxPooling3D((1, 2, 2))``, which halves
    the frames' height and width and keeps every frame. A kernel 3 frames deep sees
    where the shape was in the previous frame and where it is in the next one, so one
    layer can respond to motion in one direction. ``GlobalMaxPooling3D`` keeps each
    filter's strongest response, anywhere and at any time; a softmax gives the class.

    Parameters
    ----------
    clip_shape : tuple of int
        ``(frames, height, width, channels)``.
    num_classes : int
        >= 2.
    filters : sequence of int, default=(8, 16)
    kernel_size : int, default=3

    Returns
    -------
    keras.Model
        Uncompiled; output ``(batch, num_classes)`` softmax.

    Examples
    --------
    >>> conv3d_net((8, 16, 16, 1), 4).output.shape
    (None, 4)
    """
    clip_shape = _clip_shape(clip_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    kernel_size = _checks.size(kernel_size, "kernel_size")
    _checks.halvings(clip_shape[1:], len(filters), f"{len(filters)} pooling blocks")
    inputs = keras.Input(clip_shape, name="clip")
    x = _clip_norm(inputs)
    for i, f in enumerate(filters, start=1):
        conv = kl.Conv3D(f, kernel_size, padding="same", activation="relu", name=f"conv{i}")
        x = _conv_bn(x, conv, f"conv{i}")
        x = kl.MaxPooling3D((1, 2, 2), name=f"pool{i}")(x)
    x = kl.GlobalMaxPooling3D(name="global_max")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="conv3d_net")


def conv1d_net(
    input_shape: Sequence[int],
    num_classes: int,
    filters: Sequence[int] = (16, 16),
    kernel_size: int = 5,
) -> keras.Model:
    """A 1-D CNN for sequences: ``Conv1D`` kernels slide along time.

    Per entry of ``filters``: a ``Conv1D`` of ``kernel_size`` samples ("valid" padding,
    ReLU), the first ones followed by ``MaxPooling1D(2)``; then ``GlobalMaxPooling1D``
    (the strongest response of each filter, wherever it happened) and a softmax. The
    output length of each layer follows the same formula as in 2-D, along one axis:
    ``floor((L + 2P - F) / S) + 1``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(steps, channels)``.
    num_classes : int
        >= 2.
    filters : sequence of int, default=(16, 16)
    kernel_size : int, default=5

    Returns
    -------
    keras.Model
        Uncompiled; output ``(batch, num_classes)`` softmax.

    Examples
    --------
    >>> model = conv1d_net((64, 1), 3)
    >>> [tuple(layer.output.shape) for layer in model.layers[1:4]]
    [(None, 60, 16), (None, 30, 16), (None, 26, 16)]
    """
    input_shape = _checks.input_shape(input_shape, ndim=None)
    if len(input_shape) != 2:
        raise ValueError(
            "input_shape must be a tuple (steps, channels) of 2 sizes (without the batch "
            f"axis); got {_validate.short(input_shape)}"
        )
    num_classes, _ = _checks.check_head(num_classes, "classification")
    filters = _checks.units("filters", filters, allow_empty=False, what="filters")
    kernel_size = _checks.size(kernel_size, "kernel_size")
    steps = [("conv", kernel_size, 1, "valid"), ("pool", 2, 2, "valid")] * (len(filters) - 1)
    steps.append(("conv", kernel_size, 1, "valid"))
    _checks.shrinks(
        (input_shape[0], 1, 1),
        [(kind, (k, 1), (s, 1), p) for kind, k, s, p in steps],
        f"{len(filters)} Conv1D layers of kernel_size {kernel_size}",
        "use fewer layers, a smaller kernel_size or longer sequences",
    )
    inputs = keras.Input(input_shape, name="sequence")
    x = inputs
    for i, f in enumerate(filters, start=1):
        x = kl.Conv1D(f, kernel_size, activation="relu", name=f"conv{i}")(x)
        if i < len(filters):
            x = kl.MaxPooling1D(2, name=f"pool{i}")(x)
    x = kl.GlobalMaxPooling1D(name="global_max")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="conv1d_net")
