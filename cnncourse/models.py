"""Keras model builders for the lessons: from a two-block CNN to LeNet-5, AlexNet and the
blocks of VGG, GoogLeNet, ResNet and DenseNet.

Every builder is a plain function that returns an **uncompiled** ``keras.Model`` (compile
it yourself, or let :func:`cnncourse.train.fit` do it). Blocks take a tensor and return a
tensor, for the functional API::

    inputs = keras.Input((32, 32, 3))
    x = vgg_block(inputs, 32)
    x = residual_block(x, 64, stride=2)

Only ``keras`` and ``keras.ops`` are used, so every Keras backend works. Arguments are
checked first: a bad one raises a ``ValueError`` that names it, the value and what is
allowed.

=========================  ==============================================================
builder                    what it is
=========================  ==============================================================
:func:`simple_cnn`         INPUT -> [CONV -> (BN) -> ReLU -> POOL]*N -> FLATTEN -> [FC]*M -> FC
:func:`mlp`                the fully connected baseline: FLATTEN -> [FC -> ReLU]*M -> FC
:func:`mnist_convnet`      the small Keras MNIST convnet of the class notes (93,322 params)
:func:`digits_cnn`         the lesson's digits CNN (see :data:`DIGITS_RECIPE`)
:func:`lenet5`             LeNet-5 (LeCun et al. 1998), 61,706 params
:func:`alexnet`            AlexNet (Krizhevsky et al. 2012), one tower, 62,378,344 params
:func:`googlenet`          GoogLeNet (Szegedy et al. 2014) from :func:`inception_block`
:func:`mini_vgg` ...       small VGG / ResNet / Inception / DenseNet for 8..64 pixel images
:func:`fcn`, :func:`unet`  semantic segmentation: a class per pixel (:data:`SEGMENTATION_RECIPE`)
:func:`box_regressor`      one object: a class and a box (:data:`BOX_RECIPE`)
:func:`grid_detector`      YOLO-v1-style detection, one box per cell (:data:`DETECTOR_RECIPE`)
=========================  ==============================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import keras
from keras import layers as kl

from . import _validate

__all__ = [
    "BOX_RECIPE",
    "DETECTOR_RECIPE",
    "DIGITS_RECIPE",
    "FCN_MODES",
    "SEGMENTATION_RECIPE",
    "TASKS",
    "alexnet",
    "box_regressor",
    "dense_block",
    "digits_cnn",
    "famous_architectures",
    "fcn",
    "googlenet",
    "grid_detector",
    "inception_block",
    "lenet5",
    "mini_densenet",
    "mini_inception",
    "mini_resnet",
    "mini_vgg",
    "mlp",
    "mnist_convnet",
    "residual_block",
    "simple_cnn",
    "transition_block",
    "unet",
    "vgg_block",
    "weight_layers",
]

#: Momentum of the moving averages of every batch normalisation layer built here. Keras's
#: default, 0.99, averages the batch statistics over the last ~100 steps: for the few
#: hundred steps of a lesson-sized training they lag behind the fast-changing weights, and
#: the model can do far worse in inference mode (validation) than in training. 0.9
#: (PyTorch's default) follows them within ~10 steps.
BN_MOMENTUM = 0.9

#: What the output layer of a builder predicts (the ``task`` argument).
TASKS = ("classification", "binary", "regression")

Shape = tuple[int, ...]


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------


def _input_shape(value: Any, name: str = "input_shape", ndim: int | None = 3) -> Shape:
    """``value`` as a tuple of positive ints ((H, W, C) when ``ndim`` is 3)."""
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


def _units(name: str, value: Any, allow_empty: bool, what: str = "units") -> tuple[int, ...]:
    """A sequence of positive ints (an int alone means one entry)."""
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


def _dropout(value: Any, name: str = "dropout") -> float:
    rate = _validate.number(name, value)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"{name} must be in [0, 1) (the fraction of units dropped); got {rate}")
    return rate


def _size(value: Any, name: str) -> int:
    return _validate.integer(name, value, minimum=1)


def _check_head(num_classes: Any, task: Any) -> tuple[int, str]:
    task = _validate.one_of("task", task, TASKS)
    minimum = 2 if task == "classification" else 1
    num_classes = _validate.integer("num_classes", num_classes, minimum=1)
    if num_classes < minimum:
        raise ValueError(
            f"num_classes must be >= 2 for task='classification' (softmax over the classes); "
            f"got {num_classes} (use task='binary' for one sigmoid unit, or 'regression')"
        )
    return num_classes, task


def _head(x: Any, num_classes: int, task: str, name: str = "output") -> Any:
    """The output layer the task asks for."""
    if task == "classification":
        return kl.Dense(num_classes, activation="softmax", name=name)(x)
    if task == "binary":
        units = 1 if num_classes <= 2 else num_classes  # more: multi-label, one yes/no each
        return kl.Dense(units, activation="sigmoid", name=name)(x)
    return kl.Dense(num_classes, name=name)(x)  # regression: linear outputs


def _shrinks(
    input_shape: Shape,
    steps: Sequence[tuple[str, int, int, str]],
    what: str,
    hint: str,
) -> list[tuple[int, int]]:
    """Spatial sizes after each (kind, kernel, stride, padding) step; raise if one vanishes."""
    size = input_shape[:2]
    sizes = [size]
    for _, kernel, stride, padding in steps:
        if padding == "same":
            new = tuple(math.ceil(s / stride) for s in size)
        else:
            new = tuple((s - kernel) // stride + 1 if s >= kernel else 0 for s in size)
        if min(new) < 1:
            chain = " -> ".join(f"{h}x{w}" for h, w in [*sizes, new])
            raise ValueError(
                f"input_shape {input_shape} is too small for {what}: the feature maps "
                f"shrink {chain}; {hint}"
            )
        size = new
        sizes.append(size)
    return sizes


def _conv(x: Any, filters: int, kernel_size: int, name: str, **kwargs: Any) -> Any:
    return kl.Conv2D(filters, kernel_size, name=name, **kwargs)(x)


def _prefix(name: str | None, part: str) -> str | None:
    return None if name is None else f"{name}_{part}"


# ---------------------------------------------------------------------------
# the course's own models
# ---------------------------------------------------------------------------


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
        Keras's random augmentation layers change the images only while training.
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
    input_shape = _input_shape(input_shape)
    num_classes, task = _check_head(num_classes, task)
    blocks = _units("blocks", blocks, allow_empty=False, what="filters")
    dense = _units("dense", dense, allow_empty=True)
    kernel_size = _size(kernel_size, "kernel_size")
    padding = _validate.one_of("padding", padding, ("same", "valid"))
    if pool_size is not None:
        pool_size = _size(pool_size, "pool_size")
    dropout = _dropout(dropout)
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
    _shrinks(
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
            x = _conv(x, filters, kernel_size, f"conv{i}", padding=padding, use_bias=False)
            x = kl.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i}")(x)
            x = kl.Activation("relu", name=f"relu{i}")(x)
        else:
            x = _conv(x, filters, kernel_size, f"conv{i}", padding=padding, activation="relu")
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
    outputs = _head(x, num_classes, task)
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
    input_shape = _input_shape(input_shape, ndim=None)
    num_classes, task = _check_head(num_classes, task)
    hidden = _units("hidden", hidden, allow_empty=True)
    dropout = _dropout(dropout)
    inputs = keras.Input(input_shape, name="input")
    x = kl.Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden, start=1):
        x = kl.Dense(units, activation="relu", name=f"fc{i}")(x)
        if dropout > 0:
            x = kl.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, _head(x, num_classes, task), name=name or "mlp")


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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    _shrinks(
        input_shape,
        [("conv", 3, 1, "valid"), ("pool", 2, 2, "valid")] * 2 + [("conv", 3, 1, "valid")],
        "three 3x3 convolutions and two poolings",
        "it needs at least 22x22 pixels",
    )
    inputs = keras.Input(input_shape, name="input")
    x = _conv(inputs, 32, 3, "conv1", activation="relu")
    x = kl.MaxPooling2D(2, name="pool1")(x)
    x = _conv(x, 64, 3, "conv2", activation="relu")
    x = kl.MaxPooling2D(2, name="pool2")(x)
    x = _conv(x, 64, 3, "conv3", activation="relu")
    x = kl.Flatten(name="flatten")(x)
    x = kl.Dense(64, activation="relu", name="fc1")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="mnist_convnet")


#: How the lesson (and ``benchmarks/digits_cnn.py``) trains :func:`digits_cnn`: the data
#: and the training settings, to pass on as they are::
#:
#:     (x_train, y_train), (x_test, y_test) = data.digits(**DIGITS_RECIPE["data"])
#:     model = digits_cnn()
#:     train.fit(model, x_train, y_train, **DIGITS_RECIPE["fit"])
#:
#: Adam with a cosine learning-rate decay from 0.002 to 0 over 15 epochs of batches of 32
#: reaches 99.1-99.6% test accuracy (450 test images, seeds 0-4) in about 10 s of training
#: on a 2-core CPU (see ``benchmarks/digits_cnn.py``).
DIGITS_RECIPE: dict[str, dict[str, Any]] = {
    "data": {"size": 16},
    "fit": {
        "epochs": 15,
        "batch_size": 32,
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "schedule": "cosine",
    },
}


def digits_cnn(
    input_shape: Sequence[int] = (16, 16, 1),
    num_classes: int = 10,
    augment: bool = True,
) -> keras.Model:
    """The lesson's CNN for the handwritten digits of ``data.digits``.

    A :func:`simple_cnn` with blocks (32, 64), batch normalisation, one hidden layer of
    128 units with dropout 0.3, preceded (when ``augment``) by light data augmentation
    that is active only while training: shifts of up to 10% and rotations of up to
    about 10 degrees. Trained with :data:`DIGITS_RECIPE` on ``data.digits(size=16)`` it
    reaches over 99% test accuracy in about 10 s on a 2-core CPU.

    Parameters
    ----------
    input_shape : tuple of int, default=(16, 16, 1)
    num_classes : int, default=10
    augment : bool, default=True

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> digits_cnn().output.shape
    (None, 10)
    """
    input_shape = _input_shape(input_shape)
    _validate.one_of("augment", augment, (True, False))
    augmentation = []
    if augment:
        augmentation = [
            kl.RandomTranslation(0.1, 0.1, fill_mode="constant", name="shift"),
            kl.RandomRotation(0.03, fill_mode="constant", name="rotate"),
        ]
    return simple_cnn(
        input_shape,
        num_classes,
        blocks=(32, 64),
        dense=(128,),
        batch_norm=True,
        dropout=0.3,
        augmentation=augmentation,
        name="digits_cnn",
    )


# ---------------------------------------------------------------------------
# blocks for the functional API
# ---------------------------------------------------------------------------


def _tensor_channels(x: Any, name: str = "x") -> int:
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != 4:
        raise ValueError(
            f"{name} must be a 4-D tensor (batch, height, width, channels), e.g. "
            f"keras.Input((32, 32, 3)); got {_validate.short(x)}"
        )
    return int(shape[-1])


def vgg_block(
    x: Any, filters: int, convs: int = 2, kernel_size: int = 3, name: str | None = None
) -> Any:
    """A VGG block: ``convs`` 3x3 "same" convolutions with ReLU, then 2x2 max pooling.

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    filters : int
    convs : int, default=2
    kernel_size : int, default=3
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    tensor (batch, H // 2, W // 2, filters)

    Examples
    --------
    >>> vgg_block(keras.Input((32, 32, 3)), 64).shape
    (None, 16, 16, 64)
    """
    _tensor_channels(x)
    filters = _size(filters, "filters")
    convs = _size(convs, "convs")
    kernel_size = _size(kernel_size, "kernel_size")
    for i in range(1, convs + 1):
        x = kl.Conv2D(
            filters, kernel_size, padding="same", activation="relu", name=_prefix(name, f"conv{i}")
        )(x)
    return kl.MaxPooling2D(2, name=_prefix(name, "pool"))(x)


def inception_block(
    x: Any,
    f1: int,
    f3_reduce: int,
    f3: int,
    f5_reduce: int,
    f5: int,
    pool_proj: int,
    name: str | None = None,
) -> Any:
    """GoogLeNet's inception module: four parallel branches, concatenated on channels.

    1x1 convolution (``f1``) | 1x1 (``f3_reduce``) -> 3x3 (``f3``) | 1x1 (``f5_reduce``)
    -> 5x5 (``f5``) | 3x3 max pooling (stride 1) -> 1x1 (``pool_proj``); every convolution
    "same" with ReLU. The 1x1 "reduce" convolutions shrink the depth before the
    expensive 3x3 and 5x5 ones.

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    f1, f3_reduce, f3, f5_reduce, f5, pool_proj : int
        Filters of each convolution, named as in the GoogLeNet paper's table.
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    tensor (batch, H, W, f1 + f3 + f5 + pool_proj)

    Examples
    --------
    >>> inception_block(keras.Input((28, 28, 192)), 64, 96, 128, 16, 32, 32).shape  # 3a
    (None, 28, 28, 256)
    """
    _tensor_channels(x)
    sizes = {
        "f1": f1,
        "f3_reduce": f3_reduce,
        "f3": f3,
        "f5_reduce": f5_reduce,
        "f5": f5,
        "pool_proj": pool_proj,
    }
    f1, f3_reduce, f3, f5_reduce, f5, pool_proj = (_size(v, k) for k, v in sizes.items())

    def conv(t: Any, filters: int, size: int, part: str) -> Any:
        return kl.Conv2D(
            filters, size, padding="same", activation="relu", name=_prefix(name, part)
        )(t)

    branch1 = conv(x, f1, 1, "1x1")
    branch3 = conv(conv(x, f3_reduce, 1, "3x3_reduce"), f3, 3, "3x3")
    branch5 = conv(conv(x, f5_reduce, 1, "5x5_reduce"), f5, 5, "5x5")
    pooled = kl.MaxPooling2D(3, strides=1, padding="same", name=_prefix(name, "pool"))(x)
    branch_pool = conv(pooled, pool_proj, 1, "pool_proj")
    return kl.Concatenate(name=_prefix(name, "concat"))([branch1, branch3, branch5, branch_pool])


def residual_block(
    x: Any, filters: int, stride: int = 1, bottleneck: bool = False, name: str | None = None
) -> Any:
    """A ResNet block: ``relu(F(x) + shortcut(x))``.

    Basic block (ResNet-18/34): 3x3 conv (``stride``) -> BN -> ReLU -> 3x3 conv -> BN.
    Bottleneck block (ResNet-50 and deeper): 1x1 conv (``filters``) -> BN -> ReLU ->
    3x3 conv (``stride``) -> BN -> ReLU -> 1x1 conv (``4 * filters``) -> BN. The
    shortcut is the identity when the shapes agree, else a *projection*: a 1x1
    convolution with the block's stride, then BN. The ReLU comes after the addition.
    Convolutions have no bias (the BN after each one has a shift).

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    filters : int
    stride : int, default=1
        2 halves the height and width (on the 3x3 convolution and the shortcut).
    bottleneck : bool, default=False
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    tensor (batch, ceil(H / stride), ceil(W / stride), filters or 4 * filters)

    Examples
    --------
    >>> residual_block(keras.Input((32, 32, 16)), 32, stride=2).shape
    (None, 16, 16, 32)
    >>> residual_block(keras.Input((8, 8, 64)), 16, bottleneck=True).shape
    (None, 8, 8, 64)
    """
    channels = _tensor_channels(x)
    filters = _size(filters, "filters")
    stride = _size(stride, "stride")
    _validate.one_of("bottleneck", bottleneck, (True, False))
    out_channels = 4 * filters if bottleneck else filters

    def conv_bn(t: Any, f: int, size: int, s: int, part: str, relu: bool) -> Any:
        t = kl.Conv2D(f, size, strides=s, padding="same", use_bias=False, name=_prefix(name, part))(
            t
        )
        t = kl.BatchNormalization(momentum=BN_MOMENTUM, name=_prefix(name, f"{part}_bn"))(t)
        return kl.Activation("relu", name=_prefix(name, f"{part}_relu"))(t) if relu else t

    if bottleneck:
        y = conv_bn(x, filters, 1, 1, "conv1", relu=True)
        y = conv_bn(y, filters, 3, stride, "conv2", relu=True)
        y = conv_bn(y, out_channels, 1, 1, "conv3", relu=False)
    else:
        y = conv_bn(x, filters, 3, stride, "conv1", relu=True)
        y = conv_bn(y, filters, 3, 1, "conv2", relu=False)
    if stride != 1 or channels != out_channels:
        shortcut = conv_bn(x, out_channels, 1, stride, "projection", relu=False)
    else:
        shortcut = x
    y = kl.Add(name=_prefix(name, "add"))([y, shortcut])
    return kl.Activation("relu", name=_prefix(name, "out"))(y)


def dense_block(
    x: Any, layers: int, growth_rate: int, bottleneck: bool = False, name: str | None = None
) -> Any:
    """A DenseNet block: each layer sees the concatenation of all the maps before it.

    Each of the ``layers`` layers is BN -> ReLU -> 3x3 conv (``growth_rate`` filters)
    (with ``bottleneck``, DenseNet-BC style, first BN -> ReLU -> 1x1 conv of
    ``4 * growth_rate`` filters); its output is concatenated to its input, so the
    depth grows by ``growth_rate`` per layer.

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    layers : int
        Number of layers.
    growth_rate : int
        Feature maps each layer adds (DenseNet's ``k``, often 12 or 32).
    bottleneck : bool, default=False
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    tensor (batch, H, W, C + layers * growth_rate)

    Examples
    --------
    >>> dense_block(keras.Input((16, 16, 24)), layers=4, growth_rate=12).shape
    (None, 16, 16, 72)
    """
    _tensor_channels(x)
    n = _validate.integer("layers", layers, minimum=1)
    growth_rate = _size(growth_rate, "growth_rate")
    _validate.one_of("bottleneck", bottleneck, (True, False))

    def bn_relu_conv(t: Any, filters: int, size: int, part: str) -> Any:
        t = kl.BatchNormalization(momentum=BN_MOMENTUM, name=_prefix(name, f"{part}_bn"))(t)
        t = kl.Activation("relu", name=_prefix(name, f"{part}_relu"))(t)
        return kl.Conv2D(filters, size, padding="same", use_bias=False, name=_prefix(name, part))(t)

    for i in range(1, n + 1):
        y = x
        if bottleneck:
            y = bn_relu_conv(y, 4 * growth_rate, 1, f"layer{i}_1x1")
        y = bn_relu_conv(y, growth_rate, 3, f"layer{i}_3x3")
        x = kl.Concatenate(name=_prefix(name, f"layer{i}_concat"))([x, y])
    return x


def transition_block(x: Any, compression: float = 0.5, name: str | None = None) -> Any:
    """A DenseNet transition between dense blocks: BN -> ReLU -> 1x1 conv -> 2x2 average pool.

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    compression : float in (0, 1], default=0.5
        The 1x1 convolution keeps ``floor(compression * C)`` channels.
    name : str, optional

    Returns
    -------
    tensor (batch, H // 2, W // 2, floor(compression * C))

    Examples
    --------
    >>> transition_block(keras.Input((16, 16, 72))).shape
    (None, 8, 8, 36)
    """
    channels = _tensor_channels(x)
    compression = _validate.number("compression", compression)
    if not 0 < compression <= 1:
        raise ValueError(f"compression must be in (0, 1]; got {compression}")
    x = kl.BatchNormalization(momentum=BN_MOMENTUM, name=_prefix(name, "bn"))(x)
    x = kl.Activation("relu", name=_prefix(name, "relu"))(x)
    x = kl.Conv2D(
        max(1, int(channels * compression)), 1, use_bias=False, name=_prefix(name, "conv")
    )(x)
    return kl.AveragePooling2D(2, name=_prefix(name, "pool"))(x)


# ---------------------------------------------------------------------------
# mini versions of the famous nets (small images, seconds to train)
# ---------------------------------------------------------------------------


def _check_halvings(input_shape: Shape, halvings: int, what: str) -> None:
    steps = [("pool", 2, 2, "valid")] * halvings
    _shrinks(input_shape, steps, what, "use fewer stages or a larger input")


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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    stages = _units("stages", stages, allow_empty=False, what="filters")
    dense = _units("dense", dense, allow_empty=True)
    dropout = _dropout(dropout)
    _check_halvings(input_shape, len(stages), f"{len(stages)} VGG blocks")
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for i, filters in enumerate(stages, start=1):
        x = vgg_block(x, filters, convs=convs, name=f"block{i}")
    x = kl.Flatten(name="flatten")(x)
    for i, units in enumerate(dense, start=1):
        x = kl.Dense(units, activation="relu", name=f"fc{i}")(x)
        if dropout > 0:
            x = kl.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, _head(x, num_classes, "classification"), name="mini_vgg")


def mini_resnet(
    input_shape: Sequence[int],
    num_classes: int,
    stages: Sequence[int] = (16, 32),
    blocks_per_stage: int = 1,
    bottleneck: bool = False,
) -> keras.Model:
    """A small ResNet: 3x3 stem, residual stages, global average pooling, softmax.

    Stage ``i`` has ``blocks_per_stage`` :func:`residual_block` s of ``stages[i]``
    filters; every stage after the first starts with stride 2 (a projection shortcut).

    Parameters
    ----------
    input_shape : tuple of int
    num_classes : int
    stages : sequence of int, default=(16, 32)
    blocks_per_stage : int, default=1
    bottleneck : bool, default=False

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> mini_resnet((32, 32, 3), 10).output.shape
    (None, 10)
    """
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    stages = _units("stages", stages, allow_empty=False, what="filters")
    blocks_per_stage = _size(blocks_per_stage, "blocks_per_stage")
    _check_halvings(input_shape, len(stages) - 1, f"{len(stages)} stages")
    inputs = keras.Input(input_shape, name="input")
    x = kl.Conv2D(stages[0], 3, padding="same", use_bias=False, name="stem")(inputs)
    x = kl.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = kl.Activation("relu", name="stem_relu")(x)
    for i, filters in enumerate(stages, start=1):
        for j in range(1, blocks_per_stage + 1):
            stride = 2 if i > 1 and j == 1 else 1
            x = residual_block(x, filters, stride, bottleneck, name=f"stage{i}_block{j}")
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _head(x, num_classes, "classification"), name="mini_resnet")


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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    stem = _size(stem, "stem")
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
    _check_halvings(input_shape, len(modules) - 1, f"{len(modules)} inception modules")
    inputs = keras.Input(input_shape, name="input")
    x = kl.Conv2D(stem, 3, padding="same", activation="relu", name="stem")(inputs)
    for i, module in enumerate(modules, start=1):
        if i > 1:
            x = kl.MaxPooling2D(2, name=f"pool{i - 1}")(x)
        x = inception_block(x, *module, name=f"inception{i}")
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _head(x, num_classes, "classification"), name="mini_inception")


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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    blocks = _units("blocks", blocks, allow_empty=False, what="layers")
    stem = _size(stem, "stem")
    _check_halvings(input_shape, len(blocks) - 1, f"{len(blocks)} dense blocks")
    inputs = keras.Input(input_shape, name="input")
    x = kl.Conv2D(stem, 3, padding="same", use_bias=False, name="stem")(inputs)
    for i, n in enumerate(blocks, start=1):
        x = dense_block(x, n, growth_rate, name=f"dense{i}")
        if i < len(blocks):
            x = transition_block(x, compression, name=f"transition{i}")
    x = kl.BatchNormalization(momentum=BN_MOMENTUM, name="final_bn")(x)
    x = kl.Activation("relu", name="final_relu")(x)
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.Model(inputs, _head(x, num_classes, "classification"), name="mini_densenet")


# ---------------------------------------------------------------------------
# historic architectures
# ---------------------------------------------------------------------------


def lenet5(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    activation: str = "tanh",
    pooling: str = "average",
) -> keras.Model:
    """LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), in today's layers.

    C1 6@5x5 (28x28x6) -> S2 2x2 pool (14x14x6) -> C3 16@5x5 (10x10x16) -> S4 2x2 pool
    (5x5x16) -> C5 120@5x5 (1x1x120) -> F6 84 -> output 10. With the 32x32 input:
    156 + 2,416 + 48,120 + 10,164 + 850 = **61,706** parameters.

    Simplifications against the paper (which counts about 60,000 trainable parameters):

    - C3 connects every one of its 16 maps to all 6 maps of S2 (2,416 parameters); the
      paper connects each to a subset only (1,516 parameters), to break symmetry;
    - S2 and S4 are plain average (or max) pooling; the paper's subsampling layers
      multiply each map's sum by a trainable coefficient and add a trainable bias
      (12 and 32 parameters) before a sigmoid;
    - the output is a softmax layer with biases (850 parameters) rather than the
      paper's 10 Euclidean radial basis function units on fixed 7x12 bitmaps;
    - ``tanh`` instead of the scaled ``1.7159 * tanh(2x / 3)``.

    Parameters
    ----------
    input_shape : tuple of int, default=(32, 32, 1)
        At least 32x32: LeCun padded the 28x28 MNIST digits to 32x32 (use
        ``data.digits(size=32)``). Larger inputs make C5's output larger than 1x1.
    num_classes : int, default=10
    activation : {"tanh", "relu", "sigmoid"}, default="tanh"
    pooling : {"average", "max"}, default="average"

    Returns
    -------
    keras.Model
        Uncompiled; layers named ``C1``, ``S2``, ``C3``, ``S4``, ``C5``, ``F6``, ``output``.

    Examples
    --------
    >>> lenet5().count_params()
    61706
    """
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    activation = _validate.one_of("activation", activation, ("tanh", "relu", "sigmoid"))
    pooling = _validate.one_of("pooling", pooling, ("average", "max"))
    _shrinks(
        input_shape,
        [("conv", 5, 1, "valid"), ("pool", 2, 2, "valid")] * 2 + [("conv", 5, 1, "valid")],
        "LeNet-5",
        "it needs at least 32x32 pixels (pad 28x28 digits to 32x32, e.g. data.digits(size=32))",
    )
    pool = kl.AveragePooling2D if pooling == "average" else kl.MaxPooling2D
    inputs = keras.Input(input_shape, name="input")
    x = _conv(inputs, 6, 5, "C1", activation=activation)
    x = pool(2, name="S2")(x)
    x = _conv(x, 16, 5, "C3", activation=activation)
    x = pool(2, name="S4")(x)
    x = _conv(x, 120, 5, "C5", activation=activation)
    x = kl.Flatten(name="flatten")(x)
    x = kl.Dense(84, activation=activation, name="F6")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="lenet5")


def alexnet(
    input_shape: Sequence[int] = (227, 227, 3), num_classes: int = 1000, dropout: float = 0.5
) -> keras.Model:
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012), as one tower on one device.

    conv1 96@11x11 stride 4 (55x55) -> 3x3/2 max pool (27x27) -> conv2 256@5x5 "same"
    -> pool (13x13) -> conv3 384@3x3 -> conv4 384@3x3 -> conv5 256@3x3 -> pool (6x6x256)
    -> FC 4096 -> FC 4096 -> FC ``num_classes``, ReLU everywhere, dropout before FC 2
    and 3. **62,378,344** parameters for 1000 classes. The paper split conv2, conv4,
    conv5 into two groups (one per GPU, each seeing half the channels), about 61.0M
    parameters; its local response normalisation is left out (batch normalisation
    replaced it in later nets). Input 227x227 makes the sizes work (the paper says 224).

    Parameters
    ----------
    input_shape : tuple of int, default=(227, 227, 3)
    num_classes : int, default=1000
    dropout : float in [0, 1), default=0.5

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> alexnet().count_params()  # doctest: +SKIP
    62378344
    """
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    dropout = _dropout(dropout)
    _shrinks(
        input_shape,
        [("conv", 11, 4, "valid"), ("pool", 3, 2, "valid"), ("conv", 5, 1, "same")]
        + [("pool", 3, 2, "valid")] * 2,
        "AlexNet",
        "it needs at least 67x67 pixels",
    )
    inputs = keras.Input(input_shape, name="input")
    x = _conv(inputs, 96, 11, "conv1", strides=4, activation="relu")
    x = kl.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = _conv(x, 256, 5, "conv2", padding="same", activation="relu")
    x = kl.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = _conv(x, 384, 3, "conv3", padding="same", activation="relu")
    x = _conv(x, 384, 3, "conv4", padding="same", activation="relu")
    x = _conv(x, 256, 3, "conv5", padding="same", activation="relu")
    x = kl.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = kl.Flatten(name="flatten")(x)
    x = kl.Dense(4096, activation="relu", name="fc6")(x)
    x = kl.Dropout(dropout, name="dropout6")(x)
    x = kl.Dense(4096, activation="relu", name="fc7")(x)
    x = kl.Dropout(dropout, name="dropout7")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="fc8")(x)
    return keras.Model(inputs, outputs, name="alexnet")


#: GoogLeNet's inception modules (Szegedy et al. 2014, table 1):
#: ``(f1, f3_reduce, f3, f5_reduce, f5, pool_proj)``.
GOOGLENET_MODULES: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def googlenet(
    input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000, dropout: float = 0.4
) -> keras.Model:
    """GoogLeNet (Szegedy et al. 2014, "Going deeper with convolutions"), Inception v1.

    Stem (7x7/2 conv 64, 3x3/2 pool, 1x1 conv 64, 3x3 conv 192, 3x3/2 pool), nine
    :func:`inception_block` s (3a-3b, pool, 4a-4e, pool, 5a-5b, see
    :data:`GOOGLENET_MODULES`), global average pooling, dropout 40%, softmax: 22 layers
    with weights along the deepest path, about 7.0 million parameters. Left out: the two
    auxiliary classifiers used only in training, and local response normalisation.

    Parameters
    ----------
    input_shape : tuple of int, default=(224, 224, 3)
    num_classes : int, default=1000
    dropout : float in [0, 1), default=0.4

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> googlenet().output.shape  # doctest: +SKIP
    (None, 1000)
    """
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    dropout = _dropout(dropout)
    _check_halvings(input_shape, 5, "GoogLeNet's 5 halvings")
    inputs = keras.Input(input_shape, name="input")
    x = _conv(inputs, 64, 7, "conv1", strides=2, padding="same", activation="relu")
    x = kl.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _conv(x, 64, 1, "conv2_reduce", activation="relu")
    x = _conv(x, 192, 3, "conv2", padding="same", activation="relu")
    x = kl.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    for key, module in GOOGLENET_MODULES.items():
        if key in ("4a", "5a"):
            x = kl.MaxPooling2D(3, strides=2, padding="same", name=f"pool{key[0]}")(x)
        x = inception_block(x, *module, name=f"inception{key}")
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    x = kl.Dropout(dropout, name="dropout")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="googlenet")


# ---------------------------------------------------------------------------
# the famous architectures, counted
# ---------------------------------------------------------------------------


def weight_layers(model: keras.Model) -> int:
    """Number of layers with weights that transform the data: convolutions and dense.

    Counts every ``Conv1D/2D/3D``, transposed, depthwise and separable convolution and
    every ``Dense`` layer, inside nested models too (normalisation layers are not
    counted). This counts ResNet50's 4 projection shortcuts (54 in all), which the
    name "50" leaves out.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    int

    Examples
    --------
    >>> weight_layers(lenet5())
    5
    """
    kinds = (
        kl.Dense,
        kl.Conv1D,
        kl.Conv2D,
        kl.Conv3D,
        kl.Conv1DTranspose,
        kl.Conv2DTranspose,
        kl.Conv3DTranspose,
        kl.DepthwiseConv1D,
        kl.DepthwiseConv2D,
        kl.SeparableConv1D,
        kl.SeparableConv2D,
    )
    count = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            count += weight_layers(layer)
        elif isinstance(layer, kinds):
            count += 1
    return count


def _applications(name: str) -> Callable[[], keras.Model]:
    def build() -> keras.Model:
        return getattr(keras.applications, name)(weights=None)

    return build


# name -> (builder, where it comes from, year, key idea)
_FAMOUS: dict[str, tuple[Callable[[], keras.Model], str, int, str]] = {
    "LeNet-5": (
        lenet5,
        "cnncourse.models.lenet5",
        1998,
        "convolution + subsampling stacks trained end to end by backpropagation",
    ),
    "AlexNet": (
        alexnet,
        "cnncourse.models.alexnet",
        2012,
        "a deep CNN on GPUs with ReLU, dropout and data augmentation wins ImageNet",
    ),
    "VGG16": (
        _applications("VGG16"),
        "keras.applications.VGG16",
        2014,
        "depth from uniform stacks of 3x3 convolutions",
    ),
    "GoogLeNet": (
        googlenet,
        "cnncourse.models.googlenet",
        2014,
        "inception modules: parallel 1x1/3x3/5x5/pool branches, 1x1 reductions",
    ),
    "InceptionV3": (
        _applications("InceptionV3"),
        "keras.applications.InceptionV3",
        2015,
        "factorised convolutions (1xn then nx1) and batch normalisation in inception",
    ),
    "ResNet50": (
        _applications("ResNet50"),
        "keras.applications.ResNet50",
        2015,
        "residual (skip) connections: layers learn F(x) and add x",
    ),
    "DenseNet121": (
        _applications("DenseNet121"),
        "keras.applications.DenseNet121",
        2016,
        "dense connectivity: each layer gets the concatenated maps of all before it",
    ),
    "EfficientNetB0": (
        _applications("EfficientNetB0"),
        "keras.applications.EfficientNetB0",
        2019,
        "compound scaling of depth, width and resolution; mobile inverted bottlenecks",
    ),
}

#: Names accepted by :func:`famous_architectures`, oldest first.
FAMOUS_NAMES: tuple[str, ...] = tuple(_FAMOUS)

_FAMOUS_CACHE: dict[str, dict[str, Any]] = {}


def _count(build: Callable[[], keras.Model]) -> tuple[int, int]:
    """(parameters, weight layers) of a freshly built model, without filling its weights.

    Inside a ``keras.StatelessScope`` Keras only records each variable's shape and
    initializer, which makes VGG16 (138M parameters) take 0.05 s instead of 5 s. The
    never-initialised variables are dropped from Keras's to-do list afterwards.
    """
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - another Keras layout: build it the slow way
        model = build()
        return int(model.count_params()), weight_layers(model)
    with keras.StatelessScope(initialize_variables=False):
        model = build()
    try:
        return int(model.count_params()), weight_layers(model)
    finally:
        ours = {id(v) for v in model.variables}
        pending = global_state.get_global_attribute("uninitialized_variables") or []
        global_state.set_global_attribute(
            "uninitialized_variables", [v for v in pending if id(v) not in ours]
        )


def famous_architectures(include: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The famous CNNs side by side, with parameters and depth counted from built models.

    Builds each model (``keras.applications`` with ``weights=None``: no download; the
    others from this module) without filling in its weights, so all of them take a few
    seconds together; results are cached for the session.

    Parameters
    ----------
    include : sequence of str, optional
        Names from :data:`FAMOUS_NAMES` (default: all of them, oldest first).

    Returns
    -------
    list of dict
        One per model, oldest first, with the keys ``name``, ``year``, ``depth`` (the
        number of convolution and dense layers, see :func:`weight_layers`), ``params``
        (all parameters, as ``model.count_params()``: trainable plus batch-norm
        statistics), ``key_idea`` and ``source`` (where the builder lives). For 1000
        classes and the default input sizes.

    Examples
    --------
    >>> [(row["name"], row["params"]) for row in famous_architectures(["LeNet-5", "VGG16"])]
    [('LeNet-5', 61706), ('VGG16', 138357544)]
    """
    if include is None:
        names = list(FAMOUS_NAMES)
    else:
        if isinstance(include, str) or not isinstance(include, Sequence):
            raise ValueError(
                f"include must be a list of names; got {_validate.short(include)} "
                f"(allowed names: {', '.join(FAMOUS_NAMES)})"
            )
        for i, name in enumerate(include):
            _validate.one_of(f"include[{i}]", name, FAMOUS_NAMES)
        names = [n for n in FAMOUS_NAMES if n in include]
    rows = []
    for name in names:
        if name not in _FAMOUS_CACHE:
            build, source, year, idea = _FAMOUS[name]
            params, depth = _count(build)
            _FAMOUS_CACHE[name] = {
                "name": name,
                "year": year,
                "depth": depth,
                "params": params,
                "key_idea": idea,
                "source": source,
            }
        rows.append(dict(_FAMOUS_CACHE[name]))
    return rows


# ---------------------------------------------------------------------------
# structured outputs: segmentation, box regression, grid detection
# ---------------------------------------------------------------------------

#: Ways :func:`fcn` keeps (or restores) the input's spatial size.
FCN_MODES = ("no_pooling", "stride1_pooling", "down_up")


def _conv_block(
    x: Any, filters: int, convs: int, kernel_size: int, batch_norm: bool, name: str
) -> Any:
    """``convs`` "same" convolutions with ReLU (and batch normalisation before it)."""
    for i in range(1, convs + 1):
        if batch_norm:
            x = _conv(x, filters, kernel_size, f"{name}_conv{i}", padding="same", use_bias=False)
            x = kl.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn{i}")(x)
            x = kl.Activation("relu", name=f"{name}_relu{i}")(x)
        else:
            x = _conv(x, filters, kernel_size, f"{name}_conv{i}", padding="same", activation="relu")
    return x


def _centered(x: Any) -> Any:
    """Subtract each image's mean colour (per channel): layers ``image_mean``, ``centered``."""
    mean = kl.GlobalAveragePooling2D(keepdims=True, name="image_mean")(x)
    return kl.Subtract(name="centered")([x, mean])


def _pad_for(input_shape: Shape, factor: int, pad: bool, what: str) -> tuple[int, int]:
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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    filters = _units("filters", filters, allow_empty=False, what="filters")
    mode = _validate.one_of("mode", mode, FCN_MODES)
    kernel_size = _size(kernel_size, "kernel_size")
    pool_size = _size(pool_size, "pool_size")
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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    filters = _units("filters", filters, allow_empty=False, what="filters")
    convs = _size(convs, "convs")
    kernel_size = _size(kernel_size, "kernel_size")
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
    ``loss_weights`` to balance them (see :data:`BOX_RECIPE`).

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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    filters = _units("filters", filters, allow_empty=False, what="filters")
    dense = _units("dense", dense, allow_empty=True)
    _validate.one_of("batch_norm", batch_norm, (True, False))
    _validate.one_of("center", center, (True, False))
    _check_halvings(input_shape, len(filters), f"{len(filters)} pooling blocks")
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
    input_shape = _input_shape(input_shape)
    num_classes, _ = _check_head(num_classes, "classification")
    grid = _validate.integer("grid", grid, minimum=1)
    filters = _units("filters", filters, allow_empty=False, what="filters")
    head = _size(head, "head")
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
    x = _conv(x, head, 3, "head", padding="same", activation="relu")
    objectness = _conv(x, 1, 1, "objectness", activation="sigmoid")
    box = _conv(x, 4, 1, "box", activation="sigmoid")
    classes = _conv(x, num_classes, 1, "classes", activation="softmax")
    outputs = kl.Concatenate(name="output")([objectness, box, classes])
    return keras.Model(inputs, outputs, name="grid_detector")


# ---------------------------------------------------------------------------
# recipes for lesson 6 (structured outputs)
# ---------------------------------------------------------------------------

#: How the lesson (and ``benchmarks/structured_outputs.py``) trains :func:`unet` for
#: semantic segmentation of ``data.shapes``: 4 classes per pixel (background, circle,
#: square, triangle)::
#:
#:     r = SEGMENTATION_RECIPE
#:     train_set = data.shapes(r["n_train"], **r["data"], seed=0)
#:     test_set = data.shapes(500, **r["data"], seed=1)
#:     model = unet(train_set.images.shape[1:], r["num_classes"], **r["model"])
#:     train.fit(model, train_set.images, train_set.masks, **r["fit"])
#:     pred = train.predict(model, test_set.images).argmax(-1)
#:     metrics.mean_iou(pred, test_set.masks, r["num_classes"])
#:
#: Mean IoU over the 4 classes (background included) 0.956-0.973 on 500 held-out images
#: (0.94-0.965 over the 3 object classes alone; seeds 0-2) in 15-17 s of training (500
#: steps) on a 2-core CPU (``benchmarks/structured_outputs.py``). Batch normalisation and
#: ``center=True`` are what make it this fast: without either, 8 epochs reach a mean IoU
#: of only 0.3-0.5. Below ~400 steps the result falls off a cliff (0.58 after 320 steps)
#: rather than degrading gently: keep ``n_train * epochs / batch_size`` at 500.
SEGMENTATION_RECIPE: dict[str, Any] = {
    "data": {"size": 24},
    "n_train": 1000,
    "num_classes": 4,
    "model": {"filters": (16, 32, 64), "batch_norm": True, "center": True},
    "fit": {
        "epochs": 8,
        "batch_size": 16,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "schedule": "cosine",
        "loss": "sparse_categorical_crossentropy",
    },
}


def _box_recipe() -> dict[str, Any]:
    from .detection import BoxIoULoss

    return {
        "data": {"size": 32},
        "n_train": 3000,
        "num_classes": 3,
        "model": {"filters": (16, 32, 64), "dense": (128,), "center": True},
        "fit": {
            "epochs": 10,
            "batch_size": 32,
            "optimizer": "adam",
            "learning_rate": 2e-3,
            "schedule": "cosine",
            "loss": {"class": "sparse_categorical_crossentropy", "box": BoxIoULoss(l1_weight=5.0)},
            "metrics": {"class": ["accuracy"], "box": ["mae"]},
        },
    }


def _detector_recipe() -> dict[str, Any]:
    from .detection import GridDetectionLoss

    return {
        "data": {"size": 32, "max_objects": 3},
        "n_train": 2000,
        "num_classes": 3,
        "grid": 4,
        "model": {"filters": (16, 32, 64), "head": 64, "batch_norm": True, "center": True},
        "fit": {
            "epochs": 8,
            "batch_size": 32,
            "optimizer": "adam",
            "learning_rate": 3e-3,
            "schedule": "cosine",
            "loss": GridDetectionLoss(),
            "metrics": [],
        },
        "decode": {"score_threshold": 0.05, "iou_threshold": 0.5},
    }


#: How the lesson trains :func:`box_regressor` (one object per image, ``data.shapes``)::
#:
#:     r = BOX_RECIPE
#:     train_set = data.shapes(r["n_train"], **r["data"], seed=0)
#:     test_set = data.shapes(500, **r["data"], seed=1)
#:     y = {"class": train_set.labels,
#:          "box": detection.encode_boxes(train_set.boxes, r["data"]["size"])}
#:     model = box_regressor(train_set.images.shape[1:], r["num_classes"], **r["model"])
#:     train.fit(model, train_set.images, y, **r["fit"])
#:     out = model(test_set.images, training=False)    # {"class": ..., "box": ...}
#:     boxes = detection.decode_boxes(out["box"], r["data"]["size"])
#:     metrics.iou(boxes, test_set.boxes).mean()
#:
#: The box loss is ``1 - GIoU`` plus 5 times the L1 error (:class:`detection.BoxIoULoss`):
#: a mean squared error alone is ~100 times smaller than the class loss and learns the
#: boxes slowly (mean IoU 0.3-0.6 in the same time in our trials). Mean box IoU
#: 0.856-0.870 on 500 held-out images (class accuracy 96-98%; seeds 0-2) in about 10 s of
#: training on a 2-core CPU. No batch normalisation here: it made no box better and the
#: training twice as slow.
BOX_RECIPE: dict[str, Any] = _box_recipe()

#: How the lesson trains :func:`grid_detector` on ``data.scenes`` (1 to 3 objects per
#: image, 4x4 cells of 8x8 pixels)::
#:
#:     r = DETECTOR_RECIPE
#:     train_set = data.scenes(r["n_train"], **r["data"], seed=0)
#:     test_set = data.scenes(500, **r["data"], seed=1)
#:     size = r["data"]["size"]
#:     y = detection.encode_grid(train_set.boxes, train_set.labels, size, r["grid"],
#:                               r["num_classes"])
#:     model = grid_detector(train_set.images.shape[1:], r["num_classes"], grid=r["grid"],
#:                           **r["model"])
#:     train.fit(model, train_set.images, y, **r["fit"])
#:     found = detection.decode_grid(train.predict(model, test_set.images), size,
#:                                   **r["decode"])
#:     metrics.average_precision(found.boxes, found.scores, found.labels,
#:                               test_set.boxes, test_set.labels)
#:
#: AP@0.5 (mean over the 3 classes) 0.855-0.910 on 500 held-out scenes (seeds 0-2; AP@0.75
#: only 0.22-0.28: the boxes are roughly right, not tight) in about 10 s of training on a
#: 2-core CPU. ``decode`` keeps every box scoring 0.05 or more, as AP wants; for drawing,
#: use a higher ``score_threshold`` such as 0.5.
DETECTOR_RECIPE: dict[str, Any] = _detector_recipe()
