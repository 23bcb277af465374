"""Figures of upsampling: a transposed convolution worked out, and a U-Net's levels and skips."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .. import _validate
from ._common import DIVERGING, HIGHLIGHT, symmetric_limit
from ._images import pixel_grid

__all__ = ["transposed_conv", "unet_diagram"]


def transposed_conv(x: np.ndarray, kernel: np.ndarray, stride: int = 2) -> plt.Figure:
    """A transposed convolution of one channel, worked out copy by copy.

    The first panel is the input; then, for each input value ``x[i, j]``, the output
    grid holding only its copy of the kernel scaled by ``x[i, j]``, placed at
    ``(i * stride, j * stride)`` and outlined; the last panel is their sum, the output
    (``"valid"`` padding: ``(n - 1) * stride + k`` per side).

    Parameters
    ----------
    x : array of shape (H, W), at most 3 x 3
    kernel : array of shape (k, k')
    stride : int

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.transposed_conv(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((3, 3)), 2)
    >>> len(fig.axes), fig.axes[-1].get_title()
    (6, 'sum = output 5x5')
    """
    x = _validate.image("x", x, ndim=(2,)).astype(float)
    kernel = _validate.image("kernel", kernel, ndim=(2,)).astype(float)
    if max(x.shape) > 3:
        raise ValueError(f"x is too large to draw copy by copy (at most 3x3); got {x.shape}")
    (n1, n2), (k1, k2) = x.shape, kernel.shape
    out_shape = ((n1 - 1) * stride + k1, (n2 - 1) * stride + k2)
    copies = []
    for i in range(n1):
        for j in range(n2):
            part = np.zeros(out_shape)
            part[i * stride : i * stride + k1, j * stride : j * stride + k2] = x[i, j] * kernel
            copies.append(((i, j), part))
    total = sum(part for _, part in copies)
    limit = symmetric_limit(np.concatenate([total.ravel(), *(p.ravel() for _, p in copies)]))
    panels = 2 + len(copies)
    fig, axes = plt.subplots(1, panels, figsize=(2.3 * panels, 2.6))
    pixel_grid(x, ax=axes[0], title="input", cmap=DIVERGING, vmin=-limit, vmax=limit)
    for ax, ((i, j), part) in zip(axes[1:-1], copies, strict=True):
        pixel_grid(
            part,
            ax=ax,
            title=f"{x[i, j]:g} x kernel at ({i * stride}, {j * stride})",
            cmap=DIVERGING,
            vmin=-limit,
            vmax=limit,
        )
        ax.add_patch(
            plt.Rectangle(
                (j * stride - 0.5, i * stride - 0.5),
                k2,
                k1,
                fill=False,
                edgecolor=HIGHLIGHT,
                linewidth=2.5,
            )
        )
    pixel_grid(
        total,
        ax=axes[-1],
        title=f"sum = output {out_shape[0]}x{out_shape[1]}",
        cmap=DIVERGING,
        vmin=-limit,
        vmax=limit,
    )
    return fig


def _source_type(tensor: Any) -> str:
    history = getattr(tensor, "_keras_history", None)
    return type(history[0]).__name__ if history else ""


def _levels(model: Any) -> tuple[list, list, Any]:
    """Encoder levels (skip sources), decoder levels (concatenations) and the bottleneck."""
    ups = [layer for layer in model.layers if type(layer).__name__ == "Conv2DTranspose"]
    merges = [layer for layer in model.layers if type(layer).__name__ == "Concatenate"]
    if not ups:
        raise ValueError(f"{model.name} has no Conv2DTranspose layer to draw as a decoder")
    encoder, decoder = [], []
    for merge in merges:
        inputs = list(merge.input)
        skip = next((t for t in inputs if _source_type(t) != "Conv2DTranspose"), inputs[-1])
        upsampled = [t for t in inputs if t is not skip]
        encoder.append(tuple(skip.shape[1:]))
        decoder.append((tuple(merge.output.shape[1:]), [int(t.shape[-1]) for t in upsampled]))
    order = np.argsort([-s[0] for s in encoder], kind="stable")
    encoder = [encoder[i] for i in order]
    decoder = [decoder[i] for i in order]
    bottleneck = tuple(ups[0].input.shape[1:])
    return encoder, decoder, bottleneck


def _box(ax: plt.Axes, x: float, y: float, text: str, color: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.9, y - 0.28),
            1.8,
            0.56,
            boxstyle="round,pad=0.05",
            facecolor=color,
            edgecolor="#555555",
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(ax: plt.Axes, start: tuple, end: tuple, color: str, label: str = "", **kw) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=14, color=color, linewidth=1.6, **kw
        )
    )
    if label:
        ax.text(
            (start[0] + end[0]) / 2,
            (start[1] + end[1]) / 2 + 0.12,
            label,
            ha="center",
            va="bottom",
            fontsize=8,
            color=color,
        )


def unet_diagram(model: Any, ax: plt.Axes | None = None) -> plt.Axes:
    """A U-Net drawn from the model: encoder levels down the left, decoder up the right.

    Every ``Concatenate`` layer is a skip connection: its input that does not come from a
    ``Conv2DTranspose`` is drawn as an encoder level (height x width x channels, read off
    the model), the concatenation as the decoder level it feeds, and an orange arrow
    joins them, labelled with the channels copied across. The bottleneck is the input
    of the first ``Conv2DTranspose``; blue arrows are the poolings down and the
    transposed convolutions up.

    Parameters
    ----------
    model : keras.Model
        A functional model with ``Conv2DTranspose`` and ``Concatenate`` layers, such as
        :func:`cnncourse.models.unet`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from cnncourse import models, plot
    >>> ax = plot.unet_diagram(models.unet((32, 32, 3), 4, filters=(8, 16, 32)))
    >>> sorted(t.get_text() for t in ax.texts if "x" in t.get_text())[:2]
    ['16x16x16', '16x16x32']
    """
    encoder, decoder, bottleneck = _levels(model)
    depth = len(encoder)
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 1.1 * (depth + 2) + 0.4))

    def shape_text(shape: tuple) -> str:
        return "x".join(str(int(v)) for v in shape)

    out_shape = tuple(model.output.shape[1:])
    in_shape = tuple(model.input.shape[1:])
    top = depth + 1
    _box(ax, 0, top + 0.9, f"input {shape_text(in_shape)}", "#f0f0f0")
    _box(ax, 6, top + 0.9, f"output {shape_text(out_shape)}", "#f0f0f0")
    bottom = top - depth
    for level, (skip, (merged, up_channels)) in enumerate(zip(encoder, decoder, strict=True)):
        y = top - level
        _box(ax, 0, y, shape_text(skip), "#c6dbef")
        _box(ax, 6, y, shape_text(merged), "#fdd0a2")
        _arrow(ax, (0.95, y), (5.05, y), HIGHLIGHT, f"skip: copy {int(skip[-1])} channels")
        up = "+".join(str(c) for c in up_channels)
        ax.text(7.0, y, f"{up} up\n+ {int(skip[-1])} skip", fontsize=8, va="center")
        if level < depth - 1:
            _arrow(ax, (0, y - 0.32), (0, y - 0.68), "#3182bd", "")
            ax.text(0.1, y - 0.5, "pool", fontsize=8, va="center", color="#3182bd")
            _arrow(ax, (6, y - 0.68), (6, y - 0.32), "#3182bd", "")
            ax.text(6.1, y - 0.5, "transposed conv", fontsize=8, va="center", color="#3182bd")
    _box(ax, 3, bottom, f"bottleneck {shape_text(bottleneck)}", "#d9d9d9")
    _arrow(ax, (0, bottom + 0.68), (2.0, bottom + 0.1), "#3182bd", "")
    ax.text(0.6, bottom + 0.25, "pool", fontsize=8, color="#3182bd")
    _arrow(ax, (4.0, bottom + 0.1), (6, bottom + 0.68), "#3182bd", "")
    ax.text(5.2, bottom + 0.2, "transposed conv", fontsize=8, color="#3182bd", ha="right")
    _arrow(ax, (0, top + 0.6), (0, top + 0.32), "#777777")
    _arrow(ax, (6, top + 0.32), (6, top + 0.6), "#777777")
    ax.set_xlim(-1.3, 7.9)
    ax.set_ylim(top - depth - 0.6, top + 1.4)
    ax.set_axis_off()
    ax.set_title(f"{model.name}: {depth} levels, {model.count_params():,} parameters")
    return ax
