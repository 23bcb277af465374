"""Figures of what is inside a model: the kernels a convolution layer learned, the
feature maps its layers make of one image, and the activation functions between them.

Keras is imported only by the functions that take a model, so ``cnncourse.plot``
stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import _validate
from ..explain import batch_of_one, check_model, find_layer, model_input, output_rank
from ._common import DIVERGING, VAL_COLOR, frame_axes
from ._kernels import feature_maps

_CONV_NAMES = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose")
_FOLLOWERS = ("BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU")


def _output_shape(layer: Any) -> tuple | None:
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        return None


def _default_map_layers(model: Any) -> list[Any]:
    """Each 2-D convolution, or the BN/activation layers right after it (post-ReLU maps)."""
    chosen: list[Any] = []
    current = None
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in _CONV_NAMES and output_rank(layer) == 4:
            if current is not None:
                chosen.append(current)
            current = layer
        elif current is not None and kind in _FOLLOWERS and output_rank(layer) == 4:
            current = layer
        elif current is not None:
            chosen.append(current)
            current = None
    if current is not None:
        chosen.append(current)
    return chosen


def learned_kernels(
    model: Any, layer: Any = None, max_filters: int = 32, ncols: int = 8
) -> plt.Figure:
    """The kernels of a convolution layer (by default the first one) as small images.

    One-channel inputs: each filter's 2-D kernel on one shared scale centred at 0
    (``"RdBu_r"``: red positive, blue negative). RGB inputs: each filter as a small
    colour image, its weights rescaled to 0..1 (each filter on its own scale). Other
    depths: each filter's kernel averaged over its input channels.

    Parameters
    ----------
    model : keras.Model
    layer : str, int or keras layer, optional
        The convolution layer (default: the model's first ``Conv2D``).
    max_filters : int, default=32
    ncols : int, default=8

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import keras
    >>> from cnncourse import plot
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3)])
    >>> len(plot.learned_kernels(model).axes)  # 4 filters and a colorbar
    5
    """
    import keras

    model = check_model(model)
    max_filters = _validate.integer("max_filters", max_filters, minimum=1)
    ncols = _validate.integer("ncols", ncols, minimum=1)
    if layer is None:
        convs = [lay for lay in model.layers if isinstance(lay, keras.layers.Conv2D)]
        if not convs:
            raise ValueError("model has no Conv2D layer; pass layer=... to choose one")
        layer = convs[0]
    else:
        layer = find_layer(model, layer)
    kernel = getattr(layer, "kernel", None)
    if kernel is None or len(kernel.shape) != 4:
        raise ValueError(
            f"layer must be a 2-D convolution with a kernel (F, F, C_in, K); {layer.name!r} is not"
        )
    weights = np.asarray(kernel.numpy(), dtype=np.float64)
    fh, fw, channels, count = weights.shape
    shown = min(count, max_filters)
    cols = min(ncols, shown)
    rows = -(-shown // cols)
    panel = min(1.2, 9.6 / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(panel * cols + 0.8, panel * rows + 0.5), squeeze=False
    )
    image = None
    if channels == 3:
        note = "each rescaled to 0..1, as RGB"
    elif channels == 1:
        note = "shared scale, centred at 0"
    else:
        note = f"mean over the {channels} input channels, shared scale centred at 0"
    flat = weights.mean(axis=2)  # (F, F, K): the kernel itself for one input channel
    limit = float(np.abs(flat[..., :shown]).max()) or 1.0
    for k, ax in enumerate(axes.flat):
        if k >= shown:
            ax.set_axis_off()
            continue
        if channels == 3:
            w = weights[..., k]
            span = w.max() - w.min()
            rgb = (w - w.min()) / span if span > 0 else np.full_like(w, 0.5)
            ax.imshow(rgb, interpolation="nearest")
        else:
            image = ax.imshow(
                flat[..., k], cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest"
            )
        ax.set_xticks([])
        ax.set_yticks([])
        frame_axes(ax, "#aaaaaa", 0.6)
        ax.set_title(f"filter {k}", fontsize=8, fontweight="normal")
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, fraction=0.04, pad=0.02)
    more = f", first {shown} shown" if shown < count else ""
    fig.suptitle(
        f"{layer.name}: {count} filters of {fh}x{fw}x{channels} ({note}{more})",
        fontweight="bold",
        fontsize=11,
    )
    return fig


def feature_maps_of(
    model: Any,
    image: Any,
    layers: Sequence[Any] | None = None,
    max_maps: int = 8,
    cmap: str = "gray",
) -> plt.Figure:
    """What a model's layers make of one image: the first feature maps of each layer.

    Rows are layers (by default each convolution, taken after its batch normalisation
    and ReLU when they follow it), columns the first ``max_maps`` maps, each on its
    own colour scale (the maps of :func:`feature_maps`, read from a model). For one
    layer the figure is :func:`feature_maps` itself, with colorbars.

    Parameters
    ----------
    model : keras.Model
        Functional, or Sequential (called once on the image if it has no inputs yet).
    image : array (H, W, C), (H, W) or (1, H, W, C)
        One image of the shape the model takes.
    layers : sequence of str, int or keras layers, optional
        The layers to show (at most 12).
    max_maps : int, default=8
    cmap : str, default="gray"

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import keras
    >>> from cnncourse import plot
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv")])
    >>> fig = plot.feature_maps_of(model, np.zeros((8, 8, 1)))
    >>> fig.get_suptitle()
    'conv: 2 of 2 feature maps of 6x6 for this image'
    """
    import keras

    model = check_model(model)
    max_maps = _validate.integer("max_maps", max_maps, minimum=1)
    if cmap not in mpl.colormaps:
        raise ValueError(f"cmap must be a matplotlib colormap name; got {cmap!r}")
    batch = batch_of_one(model, image)
    model_in = model_input(model, batch)
    if layers is None:
        chosen = _default_map_layers(model)
        if not chosen:
            raise ValueError(
                "model has no 2-D convolution layer; pass layers=[...] to choose layers "
                "with (H, W, C) outputs"
            )
        chosen = chosen[:12]
    else:
        if isinstance(layers, (str, int, keras.layers.Layer)):
            layers = [layers]
        if not isinstance(layers, Sequence) or not 1 <= len(layers) <= 12:
            raise ValueError(
                f"layers must be a list of 1 to 12 layers; got {_validate.short(layers)}"
            )
        chosen = [find_layer(model, lay, f"layers[{i}]") for i, lay in enumerate(layers)]
        for lay in chosen:
            if output_rank(lay) != 4:
                raise ValueError(
                    f"layers: {lay.name!r} has no (H, W, C) feature maps (its output shape "
                    f"is {_output_shape(lay)})"
                )
    probe = keras.Model(model_in, [lay.output for lay in chosen])
    outputs = probe(batch, training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    maps = [np.asarray(keras.ops.convert_to_numpy(o))[0] for o in outputs]

    if len(chosen) == 1:
        array = maps[0][..., :max_maps]
        h, w, total = maps[0].shape
        return feature_maps(
            array,
            cmap=cmap,
            suptitle=f"{chosen[0].name}: {array.shape[-1]} of {total} feature maps of "
            f"{h}x{w} for this image",
        )
    cols = min(max_maps, max(m.shape[-1] for m in maps))
    rows = len(chosen)
    panel = min(1.3, 9.0 / cols)
    fig, axes = plt.subplots(
        rows, cols + 1, figsize=(panel * (cols + 1), panel * rows + 0.6), squeeze=False
    )
    for r, (lay, m) in enumerate(zip(chosen, maps, strict=True)):
        h, w, total = m.shape
        label = axes[r, 0]
        label.set_axis_off()
        label.text(
            0.95,
            0.5,
            f"{lay.name}\n{h}x{w}x{total}",
            ha="right",
            va="center",
            fontsize=9,
            transform=label.transAxes,
        )
        for c in range(cols):
            ax = axes[r, c + 1]
            if c >= total:
                ax.set_axis_off()
                continue
            values = m[..., c]
            low, high = float(values.min()), float(values.max())
            if high <= low:
                low, high = low - 0.5, high + 0.5
            ax.imshow(values, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            frame_axes(ax, "#aaaaaa", 0.6)
            if r == 0:
                ax.set_title(f"map {c}", fontsize=8, fontweight="normal")
    fig.suptitle(
        "feature maps of one image, layer by layer (each map on its own scale)",
        fontweight="bold",
        fontsize=11,
    )
    return fig


def activations(
    x_range: tuple[float, float] = (-4.0, 4.0), negative_slope: float = 0.1
) -> plt.Figure:
    """The common activation functions, and softmax turning scores into probabilities.

    Left: ReLU, leaky ReLU, ELU, sigmoid and tanh on one axes. Right: the softmax of
    four example scores (logits), as bars beside the scores.

    Parameters
    ----------
    x_range : (float, float), default=(-4, 4)
    negative_slope : float, default=0.1
        Slope of the leaky ReLU for x < 0 (Keras's ``LeakyReLU`` default is 0.3).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.activations()
    >>> [ax.get_title() for ax in fig.axes]
    ['activation functions', 'softmax: scores to probabilities']
    """
    if not isinstance(x_range, (tuple, list)) or len(x_range) != 2:
        raise ValueError(f"x_range must be a pair (low, high); got {_validate.short(x_range)}")
    low = _validate.number("x_range[0]", x_range[0])
    high = _validate.number("x_range[1]", x_range[1])
    if not high > low:
        raise ValueError(f"x_range must have low < high; got {tuple(x_range)}")
    slope = _validate.number("negative_slope", negative_slope, 0.0, 1.0)
    x = np.linspace(low, high, 401)
    curves = {
        "ReLU": np.maximum(x, 0),
        f"leaky ReLU ({slope:g})": np.where(x > 0, x, slope * x),
        "ELU": np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
        "sigmoid": 1 / (1 + np.exp(-x)),
        "tanh": np.tanh(x),
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=(1.3, 1))
    styles = [("-", 4.0), ("--", 2.0), ("-.", 2.0), ("-", 2.0), ("-", 2.0)]
    for (name, y), (style, width) in zip(curves.items(), styles, strict=True):
        left.plot(x, y, style, linewidth=width, label=name)  # ReLU wide: the others overlap it
    left.axhline(0, color="#999999", linewidth=0.8)
    left.axvline(0, color="#999999", linewidth=0.8)
    left.set_ylim(-1.6, min(high, 4) + 0.3)
    left.set_xlabel("x")
    left.set_ylabel("f(x)")
    left.set_title("activation functions")
    left.legend(frameon=False, fontsize=9)
    left.grid(alpha=0.3)

    scores = np.array([2.0, 1.0, 0.1, -1.0])
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    positions = np.arange(len(scores))
    right.bar(positions - 0.2, scores, 0.4, color="#9ecae1", label="scores (logits)")
    right.bar(positions + 0.2, probabilities, 0.4, color=VAL_COLOR, label="softmax")
    for p, value in zip(positions, probabilities, strict=True):
        right.text(p + 0.2, value + 0.05, f"{value:.2f}", ha="center", fontsize=8)
    right.axhline(0, color="#999999", linewidth=0.8)
    right.set_xticks(positions, [f"class {i}" for i in positions])
    right.set_title("softmax: scores to probabilities")
    right.legend(frameon=False, fontsize=9)
    return fig
