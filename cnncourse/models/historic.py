"""The historic architectures at full size: LeNet-5, AlexNet and GoogLeNet."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers as kl

from .. import _validate
from . import _checks
from .blocks import inception_block

__all__ = ["GOOGLENET_MODULES", "alexnet", "googlenet", "lenet5"]


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
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    activation = _validate.one_of("activation", activation, ("tanh", "relu", "sigmoid"))
    pooling = _validate.one_of("pooling", pooling, ("average", "max"))
    _checks.shrinks(
        input_shape,
        [("conv", 5, 1, "valid"), ("pool", 2, 2, "valid")] * 2 + [("conv", 5, 1, "valid")],
        "LeNet-5",
        "it needs at least 32x32 pixels (pad 28x28 digits to 32x32, e.g. data.digits(size=32))",
    )
    pool = kl.AveragePooling2D if pooling == "average" else kl.MaxPooling2D
    inputs = keras.Input(input_shape, name="input")
    x = _checks.conv(inputs, 6, 5, "C1", activation=activation)
    x = pool(2, name="S2")(x)
    x = _checks.conv(x, 16, 5, "C3", activation=activation)
    x = pool(2, name="S4")(x)
    x = _checks.conv(x, 120, 5, "C5", activation=activation)
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
    >>> alexnet((67, 67, 3), 10).output.shape  # the smallest input it takes
    (None, 10)
    >>> alexnet().count_params()
    62378344
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    dropout = _checks.dropout(dropout)
    _checks.shrinks(
        input_shape,
        [("conv", 11, 4, "valid"), ("pool", 3, 2, "valid"), ("conv", 5, 1, "same")]
        + [("pool", 3, 2, "valid")] * 2,
        "AlexNet",
        "it needs at least 67x67 pixels",
    )
    inputs = keras.Input(input_shape, name="input")
    x = _checks.conv(inputs, 96, 11, "conv1", strides=4, activation="relu")
    x = kl.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = _checks.conv(x, 256, 5, "conv2", padding="same", activation="relu")
    x = kl.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = _checks.conv(x, 384, 3, "conv3", padding="same", activation="relu")
    x = _checks.conv(x, 384, 3, "conv4", padding="same", activation="relu")
    x = _checks.conv(x, 256, 3, "conv5", padding="same", activation="relu")
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
    >>> googlenet().count_params()
    6998552
    """
    input_shape = _checks.input_shape(input_shape)
    num_classes, _ = _checks.check_head(num_classes, "classification")
    dropout = _checks.dropout(dropout)
    _checks.halvings(input_shape, 5, "GoogLeNet's 5 halvings")
    inputs = keras.Input(input_shape, name="input")
    x = _checks.conv(inputs, 64, 7, "conv1", strides=2, padding="same", activation="relu")
    x = kl.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _checks.conv(x, 64, 1, "conv2_reduce", activation="relu")
    x = _checks.conv(x, 192, 3, "conv2", padding="same", activation="relu")
    x = kl.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    for key, module in GOOGLENET_MODULES.items():
        if key in ("4a", "5a"):
            x = kl.MaxPooling2D(3, strides=2, padding="same", name=f"pool{key[0]}")(x)
        x = inception_block(x, *module, name=f"inception{key}")
    x = kl.GlobalAveragePooling2D(name="global_pool")(x)
    x = kl.Dropout(dropout, name="dropout")(x)
    outputs = kl.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="googlenet")
