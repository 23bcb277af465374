"""Blocks for the functional API (tensor in, tensor out): the building blocks of VGG,
GoogLeNet, ResNet, DenseNet and MobileNet."""

from __future__ import annotations

from typing import Any

from keras import layers as kl

from .. import _validate
from . import _checks

__all__ = [
    "SHORTCUTS",
    "dense_block",
    "depthwise_separable_block",
    "inception_block",
    "inverted_residual_block",
    "residual_block",
    "transition_block",
    "vgg_block",
]


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
    >>> import keras
    >>> vgg_block(keras.Input((32, 32, 3)), 64).shape
    (None, 16, 16, 64)
    """
    _tensor_channels(x)
    filters = _checks.size(filters, "filters")
    convs = _checks.size(convs, "convs")
    kernel_size = _checks.size(kernel_size, "kernel_size")
    for i in range(1, convs + 1):
        x = kl.Conv2D(
            filters,
            kernel_size,
            padding="same",
            activation="relu",
            name=_checks.prefix(name, f"conv{i}"),
        )(x)
    return kl.MaxPooling2D(2, name=_checks.prefix(name, "pool"))(x)


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
    >>> import keras
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
    f1, f3_reduce, f3, f5_reduce, f5, pool_proj = (_checks.size(v, k) for k, v in sizes.items())

    def conv(t: Any, filters: int, size: int, part: str) -> Any:
        return kl.Conv2D(
            filters, size, padding="same", activation="relu", name=_checks.prefix(name, part)
        )(t)

    branch1 = conv(x, f1, 1, "1x1")
    branch3 = conv(conv(x, f3_reduce, 1, "3x3_reduce"), f3, 3, "3x3")
    branch5 = conv(conv(x, f5_reduce, 1, "5x5_reduce"), f5, 5, "5x5")
    pooled = kl.MaxPooling2D(3, strides=1, padding="same", name=_checks.prefix(name, "pool"))(x)
    branch_pool = conv(pooled, pool_proj, 1, "pool_proj")
    return kl.Concatenate(name=_checks.prefix(name, "concat"))(
        [branch1, branch3, branch5, branch_pool]
    )


#: The ``shortcut`` options of :func:`residual_block`.
SHORTCUTS = ("auto", "projection", "none")


def residual_block(
    x: Any,
    filters: int,
    stride: int = 1,
    bottleneck: bool = False,
    shortcut: str = "auto",
    use_bias: bool = False,
    name: str | None = None,
) -> Any:
    """A ResNet block: ``relu(F(x) + shortcut(x))``.

    Basic block (ResNet-18/34): 3x3 conv (``stride``) -> BN -> ReLU -> 3x3 conv -> BN.
    Bottleneck block (ResNet-50 and deeper): 1x1 conv (``filters``) -> BN -> ReLU ->
    3x3 conv (``stride``) -> BN -> ReLU -> 1x1 conv (``4 * filters``) -> BN. The ReLU
    comes after the addition.

    The shortcut (``shortcut="auto"``, He et al.'s option B) is the **identity** when the
    shapes agree (stride 1 and as many input channels as output channels): no layer, no
    parameter. Otherwise ``x`` cannot be added as it is, and the shortcut is a
    **projection**: a 1x1 convolution with the block's stride (to the output's channels
    and size), then BN. ``"projection"`` uses a projection even where the identity would
    do (option C); ``"none"`` leaves the shortcut out: the same layers as a *plain* block
    (no addition), for comparing a plain network with a residual one of the same depth.

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    filters : int
    stride : int, default=1
        2 halves the height and width (on the 3x3 convolution and the shortcut).
    bottleneck : bool, default=False
    shortcut : {"auto", "projection", "none"}, default="auto"
    use_bias : bool, default=False
        Convolutions with biases. The BN after each convolution subtracts the mean, which
        cancels a bias (its shift β does the bias's job), so they are left out by default;
        ``keras.applications.ResNet50`` keeps them (``True`` reproduces its count).
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    tensor (batch, ceil(H / stride), ceil(W / stride), filters or 4 * filters)

    Examples
    --------
    >>> import keras
    >>> residual_block(keras.Input((32, 32, 16)), 32, stride=2).shape
    (None, 16, 16, 32)
    >>> residual_block(keras.Input((8, 8, 64)), 16, bottleneck=True).shape
    (None, 8, 8, 64)
    >>> inputs = keras.Input((8, 8, 16))
    >>> same = keras.Model(inputs, residual_block(inputs, 16, name="b"))
    >>> [layer.name for layer in same.layers if "projection" in layer.name]  # identity
    []
    >>> wider = keras.Model(inputs, residual_block(inputs, 32, name="b"))
    >>> [layer.name for layer in wider.layers if "projection" in layer.name]
    ['b_projection', 'b_projection_bn']
    """
    channels = _tensor_channels(x)
    filters = _checks.size(filters, "filters")
    stride = _checks.size(stride, "stride")
    _validate.one_of("bottleneck", bottleneck, (True, False))
    _validate.one_of("shortcut", shortcut, SHORTCUTS)
    _validate.one_of("use_bias", use_bias, (True, False))
    out_channels = 4 * filters if bottleneck else filters

    def conv_bn(t: Any, f: int, size: int, s: int, part: str, relu: bool) -> Any:
        t = kl.Conv2D(
            f, size, strides=s, padding="same", use_bias=use_bias, name=_checks.prefix(name, part)
        )(t)
        t = kl.BatchNormalization(
            momentum=_checks.BN_MOMENTUM, name=_checks.prefix(name, f"{part}_bn")
        )(t)
        return kl.Activation("relu", name=_checks.prefix(name, f"{part}_relu"))(t) if relu else t

    if bottleneck:
        y = conv_bn(x, filters, 1, 1, "conv1", relu=True)
        y = conv_bn(y, filters, 3, stride, "conv2", relu=True)
        y = conv_bn(y, out_channels, 1, 1, "conv3", relu=False)
    else:
        y = conv_bn(x, filters, 3, stride, "conv1", relu=True)
        y = conv_bn(y, filters, 3, 1, "conv2", relu=False)
    if shortcut != "none":
        if shortcut == "projection" or stride != 1 or channels != out_channels:
            x = conv_bn(x, out_channels, 1, stride, "projection", relu=False)
        y = kl.Add(name=_checks.prefix(name, "add"))([y, x])
    return kl.Activation("relu", name=_checks.prefix(name, "out"))(y)


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
    >>> import keras
    >>> dense_block(keras.Input((16, 16, 24)), layers=4, growth_rate=12).shape
    (None, 16, 16, 72)
    """
    _tensor_channels(x)
    n = _validate.integer("layers", layers, minimum=1)
    growth_rate = _checks.size(growth_rate, "growth_rate")
    _validate.one_of("bottleneck", bottleneck, (True, False))

    def bn_relu_conv(t: Any, filters: int, size: int, part: str) -> Any:
        t = kl.BatchNormalization(
            momentum=_checks.BN_MOMENTUM, name=_checks.prefix(name, f"{part}_bn")
        )(t)
        t = kl.Activation("relu", name=_checks.prefix(name, f"{part}_relu"))(t)
        return kl.Conv2D(
            filters, size, padding="same", use_bias=False, name=_checks.prefix(name, part)
        )(t)

    for i in range(1, n + 1):
        y = x
        if bottleneck:
            y = bn_relu_conv(y, 4 * growth_rate, 1, f"layer{i}_1x1")
        y = bn_relu_conv(y, growth_rate, 3, f"layer{i}_3x3")
        x = kl.Concatenate(name=_checks.prefix(name, f"layer{i}_concat"))([x, y])
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
    >>> import keras
    >>> transition_block(keras.Input((16, 16, 72))).shape
    (None, 8, 8, 36)
    """
    channels = _tensor_channels(x)
    compression = _validate.number("compression", compression)
    if not 0 < compression <= 1:
        raise ValueError(f"compression must be in (0, 1]; got {compression}")
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name=_checks.prefix(name, "bn"))(x)
    x = kl.Activation("relu", name=_checks.prefix(name, "relu"))(x)
    x = kl.Conv2D(
        max(1, int(channels * compression)), 1, use_bias=False, name=_checks.prefix(name, "conv")
    )(x)
    return kl.AveragePooling2D(2, name=_checks.prefix(name, "pool"))(x)


def depthwise_separable_block(
    x: Any, filters: int, stride: int = 1, relu6: bool = False, name: str | None = None
) -> Any:
    """MobileNet's block: a depthwise 3x3 convolution, then a pointwise 1x1 one, each with BN
    and ReLU.

    The depthwise convolution filters each channel on its own (``9 * C`` weights, with the
    block's ``stride``); the pointwise 1x1 convolution mixes the channels into ``filters``
    (``C * filters`` weights). A standard 3x3 convolution would need ``9 * C * filters``:
    the block costs ``1 / filters + 1 / 9`` of it, in weights and in multiply-adds
    (see :func:`cnncourse.shapes.separable_params`). No biases (BN follows each
    convolution).

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    filters : int
    stride : int, default=1
    relu6 : bool, default=False
        ``min(max(x, 0), 6)`` instead of ReLU, as MobileNet does.
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    tensor (batch, ceil(H / stride), ceil(W / stride), filters)

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((16, 16, 32))
    >>> block = keras.Model(inputs, depthwise_separable_block(inputs, 64))
    >>> block.output.shape, block.count_params()  # 288 + 2048 weights, 4 BN numbers per channel
    ((None, 16, 16, 64), 2720)
    """
    _tensor_channels(x)
    filters = _checks.size(filters, "filters")
    stride = _checks.size(stride, "stride")
    _validate.one_of("relu6", relu6, (True, False))
    x = kl.DepthwiseConv2D(
        3, strides=stride, padding="same", use_bias=False, name=_checks.prefix(name, "depthwise")
    )(x)
    x = _bn_act(x, "depthwise", name, 6.0 if relu6 else None)
    x = kl.Conv2D(filters, 1, use_bias=False, name=_checks.prefix(name, "pointwise"))(x)
    return _bn_act(x, "pointwise", name, 6.0 if relu6 else None)


def _bn_act(x: Any, part: str, name: str | None, max_value: float | None, act: bool = True) -> Any:
    """BN, then (if ``act``) ReLU capped at ``max_value`` (None: no cap)."""
    bn_name = _checks.prefix(name, f"{part}_bn")
    x = kl.BatchNormalization(momentum=_checks.BN_MOMENTUM, name=bn_name)(x)
    if not act:
        return x
    return kl.ReLU(max_value=max_value, name=_checks.prefix(name, f"{part}_relu"))(x)


def inverted_residual_block(
    x: Any, filters: int, stride: int = 1, expansion: int = 6, name: str | None = None
) -> Any:
    """MobileNetV2's inverted residual block: expand, filter, project (and add).

    1x1 convolution to ``expansion * C`` channels -> BN -> ReLU6 -> depthwise 3x3
    (``stride``) -> BN -> ReLU6 -> 1x1 convolution to ``filters`` -> BN, with **no**
    activation after the projection (a "linear bottleneck": a ReLU on few channels would
    destroy information). With ``expansion=1`` there is no expanding convolution. When the
    stride is 1 and ``filters == C``, the input is added (an identity shortcut between the
    thin ends, the reverse of ResNet's bottleneck, which is wide at its ends: hence
    "inverted"). No biases.

    Parameters
    ----------
    x : tensor (batch, H, W, C)
    filters : int
    stride : int, default=1
    expansion : int, default=6
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    tensor (batch, ceil(H / stride), ceil(W / stride), filters)

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((14, 14, 64))
    >>> block = keras.Model(inputs, inverted_residual_block(inputs, 64, name="b"))
    >>> block.output.shape, block.layers[-1].name  # same shape: the input is added
    ((None, 14, 14, 64), 'b_add')
    """
    channels = _tensor_channels(x)
    filters = _checks.size(filters, "filters")
    stride = _checks.size(stride, "stride")
    expansion = _checks.size(expansion, "expansion")
    y = x
    if expansion > 1:
        y = kl.Conv2D(expansion * channels, 1, use_bias=False, name=_checks.prefix(name, "expand"))(
            y
        )
        y = _bn_act(y, "expand", name, 6.0)
    y = kl.DepthwiseConv2D(
        3, strides=stride, padding="same", use_bias=False, name=_checks.prefix(name, "depthwise")
    )(y)
    y = _bn_act(y, "depthwise", name, 6.0)
    y = kl.Conv2D(filters, 1, use_bias=False, name=_checks.prefix(name, "project"))(y)
    y = _bn_act(y, "project", name, None, act=False)
    if stride == 1 and channels == filters:
        y = kl.Add(name=_checks.prefix(name, "add"))([x, y])
    return y
