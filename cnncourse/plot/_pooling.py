"""Figures of pooling: the windows over a small grid and what each kind of pooling keeps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .. import _validate
from ._images import pixel_grid

#: One colour per window, cycled (colour-blind friendly "tab10" subset).
WINDOW_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")

_KINDS = ("max", "average", "l2")


def pooling(
    x: np.ndarray, pool_size: int = 2, stride: int | None = None, kinds: tuple[str, ...] = _KINDS
) -> plt.Figure:
    """A small 2-D grid with its pooling windows outlined, and the pooled outputs.

    Each window of the input and the output cell it produces share a colour,
    so the eye can follow where each number comes from. With overlapping
    windows (``stride < pool_size``) only the windows of the first output row
    are outlined, to keep the picture readable.

    Parameters
    ----------
    x : array of shape (H, W), at most 12 x 12
    pool_size, stride : int (stride defaults to pool_size)
    kinds : which outputs to draw, among "max", "average" and "l2"

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.pooling(np.arange(16).reshape(4, 4))
    >>> fig.get_suptitle()
    'pooling 2x2, stride 2: 4x4 -> 2x2'
    """
    from .. import pooling as numpy_pooling

    array = _validate.image("x", x, ndim=(2,))
    pool_size = _validate.integer("pool_size", pool_size, minimum=1)
    stride = pool_size if stride is None else _validate.integer("stride", stride, minimum=1)
    for kind in kinds:
        _validate.one_of("kinds", kind, _KINDS)
    functions = {
        "max": numpy_pooling.max_pool2d,
        "average": numpy_pooling.avg_pool2d,
        "l2": numpy_pooling.l2_pool2d,
    }
    outputs = [functions[k](array.astype(float), pool_size=pool_size, stride=stride) for k in kinds]
    out_h, out_w = outputs[0].shape
    height, width = array.shape
    cell = 0.6  # inches per grid cell, the same in every panel
    fig, axes = plt.subplots(
        1,
        1 + len(kinds),
        figsize=(cell * (width + out_w * len(kinds)) + 0.9 * len(kinds) + 0.6, cell * height + 1.1),
        width_ratios=[width] + [out_w] * len(kinds),
    )
    pixel_grid(
        array,
        ax=axes[0],
        title=f"input {height}x{width}",
        cmap="Greys",
        vmin=array.min(),
        vmax=array.max() * 3,
    )
    rows = range(out_h) if stride >= pool_size else range(1)
    for i in rows:
        for j in range(out_w):
            color = WINDOW_COLORS[(i * out_w + j) % len(WINDOW_COLORS)]
            inset = 0.08 if stride >= pool_size else 0.08 + 0.06 * (j % 3)
            axes[0].add_patch(
                Rectangle(
                    (j * stride - 0.5 + inset, i * stride - 0.5 + inset),
                    pool_size - 2 * inset,
                    pool_size - 2 * inset,
                    fill=False,
                    edgecolor=color,
                    linewidth=2.5,
                )
            )
    labels = {"max": "max", "average": "average", "l2": "L2 norm (root of the sum of squares)"}
    for ax, kind, out in zip(axes[1:], kinds, outputs, strict=True):
        pixel_grid(
            out, ax=ax, title=labels[kind], cmap="Greys", vmin=array.min(), vmax=array.max() * 3
        )
        for i in rows:
            for j in range(out_w):
                color = WINDOW_COLORS[(i * out_w + j) % len(WINDOW_COLORS)]
                ax.add_patch(
                    Rectangle(
                        (j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor=color, linewidth=2.5
                    )
                )
    fig.suptitle(
        f"pooling {pool_size}x{pool_size}, stride {stride}: {height}x{width} -> {out_h}x{out_w}",
        fontweight="bold",
    )
    return fig
