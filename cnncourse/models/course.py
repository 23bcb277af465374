"""The course's own models: the CNN pattern of the lessons, its fully connected baseline,
the class notes' MNIST convnet and the lesson's digits CNN."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import layers as kl

from .. import _validate, shapes
from . import _checks

__all__ = ["digits_cnn", "mlp", "mnist_convnet", "simple_cnn"]


def simple_cnn(
    input_shape: Sequence[int],
    num_classes: int,
    blocks: Sequence[int] = (16, 32),
    dense: Sequence[int] = (128,),
    kernel_size: int = 3,
    padding: str = "same",
    pool_size: int | None = 2,
    dropout: float = 0.0,
    batch_norm: bool = False,
    global_pool: bool = False,
    task: str = "classification",
    augmentation: Sequence[Any] = (),
    name: str | None = None,
) -> keras.Model:
    """The classic CNN pattern: INPUT -> [CONV -> (BN) -> ReLU -> POOL]*N -> FLATTEN ->
    [FC -> ReLU -> (DROPOUT)]*M -> FC.

    Block ``i`` is a ``Conv2D(blocks[i], kernel_size, padding)`` followed by ReLU and
    a ``MaxPooling2D(pool_size)``. Without batch normalisation the ReLU is the
    convolution's ``activation`` (one layer, so a shape table lists exactly the
    lesson's chain); with ``batch_norm=True`` each block is Conv2D (without bias:
    BN's shift replaces it) -> BatchNormalization -> ReLU -> pool.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``, channels last, without the batch axis.
    num_classes : int
        Number of classes (or of outputs for ``task="regression"``).
    blocks : sequence of int, default=(16, 32)
        Filters of each convolution block; at least one block.
    dense : sequence of int, default=(128,)
        Units of each hidden fully connected layer (may be empty).
    kernel_size : int, default=3
    padding : {"same", "valid"}, default="same"
    pool_size : int or None, default=2
        Max-pooling window and stride; None for no pooling.
    dropout : float in [0, 1), default=0.0
        Dropout after each hidden fully connected layer (none if 0).
    batch_norm : bool, default=False
        Batch normalisation between each convolution and its ReLU.
    global_pool : bool, default=False
        ``GlobalAveragePooling2D`` instead of ``Flatten``: one number per feature map,
        far fewer parameters in the first fully connected layer.
    task : {"classification", "binary", "regression"}, default="classification"
        The output layer: ``num_classes`` softmax units; for "binary" one sigmoid
        unit when ``num_classes`` is 1 or 2 (the probability of class 1; train it
        with ``binary_crossentropy`` on 0/1 labels), else ``num_classes`` independent
        sigmoid units (multi-label); for "regression" ``num_classes`` linear units.
    augmentation : sequence of keras layers, default=()
        Layers applied to the input first, such as ``keras.layers.RandomTranslation``:
        Keras's random augmentation layers change the images only while training. Keras
        marks them as not compilable, so on JAX the whole training step then runs
        uncompiled (several times slower); augmenting the data outside the model
        (:class:`cnncourse.data.AugmentedBatches`) keeps it fast on every backend.
    name : str, optional
        The model's name (default ``"simple_cnn"``).

    Returns
    -------
    keras.Model
        Uncompiled. Layers are named ``conv1``, ``bn1``, ``relu1``, ``pool1``, ...,
        ``flatten`` (or ``global_pool``), ``fc1``, ``dropout1``, ..., ``output``.

    Examples
    --------
    >>> model = simple_cnn((32, 32, 3), 10)
    >>> [tuple(layer.output.shape[1:]) for layer in model.layers[1:]]
    [(32, 32, 16), (16, 16, 16), (16, 16, 32), (8, 8, 32), (2048,), (128,), (10,)]
    >>> model.count_params()
    268650
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, task = _checks.check_head(num_classes, task)
    blocks = _checks.units("blocks", blocks, allow_empty=False, what="filters")
    dense = _checks.units("dense", dense, allow_empty=True)
    kernel_size = _checks.size(kernel_size, "kernel_size")
    padding = shapes.standardize_padding(padding, allowed=shapes.KERAS_PADDING_MODES)
    if pool_size is not None:
        pool_size = _checks.size(pool_size, "pool_size")
    dropout = _checks.dropout(dropout)
    _validate.one_of("batch_norm", batch_norm, (True, False))
    _validate.one_of("global_pool", global_pool, (True, False))
    if name is not None and not isinstance(name, str):
        raise ValueError(f"name must be a string or None; got {_validate.short(name)}")
    if isinstance(augmentation, kl.Layer):
        augmentation = [augmentation]
    augmentation = list(augmentation)
    for i, layer in enumerate(augmentation):
        if not isinstance(layer, kl.Layer):
            raise ValueError(
                f"augmentation[{i}] must be a keras layer (e.g. keras.layers.RandomFlip()); "
                f"got {_validate.short(layer)}"
            )

    steps = []
    for _ in blocks:
        steps.append(("conv", kernel_size, 1, padding))
        if pool_size is not None and pool_size > 1:
            steps.append(("pool", pool_size, pool_size, "valid"))
    n_pools = len(blocks) if pool_size is not None and pool_size > 1 else 0
    what = f"{n_pools} pooling blocks" if n_pools else f"{len(blocks)} convolution blocks"
    _checks.shrinks(
        input_shape,
        steps,
        what,
        "use fewer blocks, a larger input, a smaller pool_size"
        + (" or padding='same'" if padding == "valid" else ""),
    )

    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for layer in augmentation:
        x = layer(x)
    for i, filters in enumerate(blocks, start=1):
        if batch_norm:
            x = _checks.conv(x, filters, kernel_size, f"conv{i}", padding=padding, use_bias=False)
            x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name=f"bn{i}")(x)
            x = kl.Activation("relu", name=f"relu{i}")(x)
        else:
            x = _checks.conv(
                x, filters, kernel_size, f"conv{i}", padding=padding, activation="relu"
            )
        if pool_size is not None and pool_size > 1:
            x = kl.MaxPooling2D(pool_size, name=f"pool{i}")(x)
    if global_pool:
        x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    else:
        x = kl.Flatten(name="flatten")(x)
    for i, units in enumerate(dense, start=1):
        x = kl.Dense(units, activation="relu", name=f"fc{i}")(x)
        if dropout > 0:
            x = kl.Dropout(dropout, name=f"dropout{i}")(x)
    outputs = _checks.head(x, num_classes, task)
    return keras.Model(inputs, outputs, name=name or "simple_cnn")


def mlp(
    input_shape: Sequence[int],
    num_classes: int,
    hidden: Sequence[int] = (128,),
    dropout: float = 0.0,
    task: str = "classification",
    name: str | None = None,
) -> keras.Model:
    """A multi-layer perceptron baseline: FLATTEN -> [FC -> ReLU -> (DROPOUT)]*M -> FC.

    It sees the pixels as one long vector: shuffle the pixels of every image the same
    way and it learns exactly as well, which a CNN does not.

    Parameters
    ----------
    input_shape : tuple of int
        Any shape without the batch axis, e.g. ``(28, 28, 1)`` or ``(64,)``.
    num_classes : int
    hidden : sequence of int, default=(128,)
        Units of each hidden layer (may be empty: logistic regression).
    dropout : float in [0, 1), default=0.0
    task : {"classification", "binary", "regression"}, default="classification"
        The output layer, as in :func:`simple_cnn`.
    name : str, optional

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> mlp((28, 28, 1), 10).count_params()  # 784*128 + 128 + 128*10 + 10
    101770
    """
    input_shape = _checks.input_shape(input_shape, ndim=None)
    num_classes, task = _checks.check_head(num_classes, task)
    hidden = _checks.units("hidden", hidden, allow_empty=True)
    dropout = _checks.dropout(dropout)
    inputs = keras.Input(input_shape, name="input")
    x = kl.Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden, start=1):
        x = kl.Dense(units, activation="relu", name=f"fc{i}")(x)
        if dropout > 0:
            x = kl.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, _checks.head(x, num_classes, task), name=name or "mlp")


def mnist_convnet(input_shape: Sequence[int] = (28, 28, 1), num_classes: int = 10) -> keras.Model:
    """The small MNIST convnet of the class notes (F. Chollet, *Deep Learning with Python*).

    Three 3x3 "valid" convolutions with ReLU, max pooling after the first two, then a
    small dense classifier::

        28x28x1 -> Conv2D(32) 26x26x32 -> pool 13x13x32 -> Conv2D(64) 11x11x64
        -> pool 5x5x64 -> Conv2D(64) 3x3x64 -> Flatten 576 -> Dense(64) -> Dense(10)

    Parameters: 320 + 18,496 + 36,928 + 36,928 + 650 = **93,322**. Not to be confused
    with Keras's older ``mnist_cnn.py`` example (Conv 32, Conv 64, pool, Dense 128, with
    dropout): its Flatten gives 12x12x64 = 9,216 values, so it has 1,199,882 parameters,
    98% of them in that one Dense layer.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        At least 22x22 (smaller inputs vanish in the last convolution).
    num_classes : int, default=10

    Returns
    -------
    keras.Model
        Uncompiled; softmax output.

    Examples
    --------
    >>> mnist_convnet().count_params()
    93322
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    _checks.shrinks(
        input_shape,
        [("conv", 3, 1, "valid"), ("pool", 2, 2, "valid")] * 2 + [("conv", 3, 1, "valid")],
        "three 3x3 convolutions and two poolings",
        "it needs at least 22x22 pixels",
    )
    inputs = keras.Input(input_shape, name="input")
    x = _checks.conv(inputs, 32, 3, "conv1", activation="relu")
    x = kl.MaxPooling2D(2, name="pool1")(x)
    x = _checks.conv(x, 64, 3, "conv2", activation="relu")
    x = kl.MaxPooling2D(2, name="pool2")(x)
    x = _checks.conv(x, 64, 3, "conv3", activation="relu")
    x = kl.Flatten(name="flatten")(x)
    x = kl.Dense(64, activation="relu", name="fc1")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="mnist_convnet")


def digits_cnn(input_shape: Sequence[int] = (16, 16, 1), num_classes: int = 10) -> keras.Model:
    """The lesson's CNN for the handwritten digits of ``data.digits``.

    A :func:`simple_cnn` with blocks (32, 64), batch normalisation and one hidden layer
    of 128 units with dropout 0.3. Trained with :data:`cnncourse.recipes.DIGITS_RECIPE`
    on ``data.digits(size=16)``, its training images shifted and rotated a little afresh
    every epoch by :class:`cnncourse.data.AugmentedBatches`, it reaches about 99% test
    accuracy in 10-20 s on a 2-core CPU. The augmentation stays outside the model: with
    Keras's random layers inside, JAX could not compile the training step.

    Parameters
    ----------
    input_shape : tuple of int, default=(16, 16, 1)
    num_classes : int, default=10

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> digits_cnn().output.shape
    (None, 10)
    """
    input_shape = _checks.input_shape(input_shape)
    return simple_cnn(
        input_shape,
        num_classes,
        blocks=(32, 64),
        dense=(128,),
        batch_norm=True,
        dropout=0.3,
        name="digits_cnn",
    )
