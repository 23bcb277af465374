"""Figures of the backward pass: where the gradient of each pooled output goes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .. import _validate
from ._images import pixel_grid
from ._pooling import WINDOW_COLORS

_KINDS = ("max", "average")


def pool_routing(
    x: np.ndarray, dout: np.ndarray, pool_size: int = 2, stride: int | None = None, kind="max"
) -> plt.Figure:
    """Where the backward pass of pooling sends each output's gradient, one colour per window.

    Three grids: the input ``x`` with its windows outlined; the upstream gradient
    ``dout``, each cell outlined in the colour of its window; and ``dx``, computed
    by :mod:`cnncourse.backprop`. For ``kind="max"`` the cell that receives a
    window's gradient (its first maximum in row-major order, the tie rule) is
    filled with the window's colour in ``x`` and in ``dx``; for ``"average"``
    every cell of the window is (each gets ``dout / window size``).

    Parameters
    ----------
    x : array of shape (H, W), at most 12 x 12
    dout : array of the shape of the pooled output ("valid" padding)
    pool_size, stride : int (stride defaults to pool_size)
    kind : "max" or "average"

    Returns
    -------
    matplotlib Figure; its axes are labelled "x", "dout" and "dx" (``ax.get_label()``).

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.pool_routing(np.array([[1, 2], [2, 0]]), np.array([[5.0]]))
    >>> [t.get_text() for t in fig.axes[2].texts]  # the first of the two 2s gets it all
    ['0', '5', '0', '0']
    """
    from .. import backprop

    array = _validate.image("x", x, ndim=(2,)).astype(np.float64)
    pool_size = _validate.integer("pool_size", pool_size, minimum=1)
    stride = pool_size if stride is None else _validate.integer("stride", stride, minimum=1)
    _validate.one_of("kind", kind, _KINDS)
    backward = backprop.max_pool2d_backward if kind == "max" else backprop.avg_pool2d_backward
    dx = backward(dout, array, pool_size, stride)  # also checks dout's shape
    grad = np.asarray(dout, dtype=np.float64)
    (height, width), (out_h, out_w) = array.shape, grad.shape
    cell = 0.6  # inches per grid cell, the same in every panel
    fig, axes = plt.subplots(
        1,
        3,
        figsize=(cell * (2 * width + out_w) + 2.4, cell * height + 1.2),
        width_ratios=[width, out_w, width],
    )
    grey = {"cmap": "Greys", "vmin": 0, "vmax": 1e9}  # white cells: the colours are the windows'
    titles = ("x", "dout (upstream)", f"dx ({kind} pooling's backward)")
    for ax, values, title in zip(axes, (array, grad, dx), titles, strict=True):
        pixel_grid(values, ax=ax, title=title, **grey)
        ax.set_label(title.split()[0])
    for i in range(out_h):
        for j in range(out_w):
            color = WINDOW_COLORS[(i * out_w + j) % len(WINDOW_COLORS)]
            top, left = i * stride, j * stride
            inset = 0.08 if stride >= pool_size else 0.08 + 0.06 * (j % 3)
            size = pool_size - 2 * inset
            axes[0].add_patch(
                Rectangle(
                    (left - 0.5 + inset, top - 0.5 + inset),
                    size,
                    size,
                    fill=False,
                    edgecolor=color,
                    linewidth=2.5,
                )
            )
            axes[1].add_patch(
                Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor=color, lw=2.5)
            )
            window = array[top : top + pool_size, left : left + pool_size]
            if kind == "max":
                cells = [np.unravel_index(int(np.argmax(window)), window.shape)]
            else:
                cells = list(np.ndindex(window.shape))
            for ax in axes[::2] if kind == "max" else axes[2:]:
                for r, c in cells:
                    ax.add_patch(
                        Rectangle(
                            (left + c - 0.5, top + r - 0.5),
                            1,
                            1,
                            facecolor=color,
                            alpha=0.3,
                            linewidth=0,
                        )
                    )
    fig.suptitle(
        f"{kind} pooling {pool_size}x{pool_size}, stride {stride}: "
        "where each output's gradient goes",
        fontweight="bold",
    )
    return fig
