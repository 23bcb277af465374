"""One step of a 2-D convolution worked out with every number shown: the window
over the (padded) input, the kernel, their products, the sum and the output cell."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .. import _validate
from ._common import (
    DIVERGING,
    HIGHLIGHT,
    PAD_FACE,
    cell_text,
    clean,
    display_range,
    frame_axes,
    geometry,
    pair_text,
    shrink_text,
    symmetric_limit,
)
from ._images import pixel_grid
from ._kernels import draw_kernel, kernel_array


def _fmt(array: np.ndarray) -> str:
    """The number format pixel_grid picks for ``array``."""
    integral = np.issubdtype(array.dtype, np.integer) or np.all(np.mod(array, 1) == 0)
    return "{:.0f}" if integral else "{:.2f}"


def _position(position: Any, out: tuple[int, int]) -> tuple[int, int]:
    rows, cols = out
    allowed = (
        f"a (row, col) inside the {rows}x{cols} output (rows 0..{rows - 1}, cols 0..{cols - 1})"
    )
    if (
        not isinstance(position, (tuple, list))
        or len(position) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in position)
    ):
        raise ValueError(f"position must be {allowed}; got {_validate.short(position)}")
    row, col = int(position[0]), int(position[1])
    if not (0 <= row < rows and 0 <= col < cols):
        raise ValueError(f"position must be {allowed}; got {(row, col)}")
    return row, col


def _operator(ax: plt.Axes, symbol: str, size: float = 20) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, symbol, ha="center", va="center", fontsize=size, transform=ax.transAxes)


def conv_step(
    x: np.ndarray,
    kernel: np.ndarray,
    position: tuple[int, int] = (0, 0),
    stride: int | tuple[int, int] = 1,
    padding: int | str = 0,
) -> plt.Figure:
    """One step of a 2-D convolution, worked out with every number shown.

    From left to right: the (padded) input with the current window outlined in
    orange (padding cells light gray and hatched); the kernel; the element-wise
    products window x kernel; their sum; and the output (computed with
    :func:`cnncourse.ops.conv2d`) with the current cell outlined in orange, the
    cells computed before it (row-major order) filled in and the later ones
    left blank. Kernel, products and output share the diverging colours of
    :func:`kernel` (red positive, blue negative).

    ``x`` is a single-channel image (H, W) of at most 12x12 (padded: 16x16),
    ``kernel`` a 2-D array (F_h, F_w), ``position`` the (row, col) of the
    OUTPUT cell being computed, ``padding`` an int or "valid" / "same" /
    "full". Returns the Figure; its axes carry the labels "input", "kernel",
    "products" and "output" (``ax.get_label()``).

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.conv_step(np.arange(16).reshape(4, 4), np.ones((3, 3)), position=(1, 1))
    >>> [ax.get_label() for ax in fig.axes if ax.get_label() in ("input", "output")]
    ['input', 'output']
    """
    from .. import ops

    image = _validate.image("x", x, ndim=(2,))
    if max(image.shape) > 12:
        raise ValueError(f"x is too large to write out (at most 12x12); got shape {image.shape}")
    weights = kernel_array("kernel", kernel)
    geo = geometry(image.shape, weights.shape, stride, padding)
    if max(geo.padded) > 16:
        raise ValueError(
            f"x with padding {geo.padding_label()} is too large to write out (at most 16x16 "
            f"padded); got {geo.padded[0]}x{geo.padded[1]}"
        )
    row, col = _position(position, geo.out)
    padded = np.asarray(ops.pad(image, geo.pads))
    output = clean(ops.conv2d(image, weights, stride=geo.stride, padding=geo.padding))
    top, left = geo.window(row * geo.out[1] + col)
    fh, fw = geo.kernel
    window = padded[top : top + fh, left : left + fw]
    products = clean(window) * clean(weights)
    value = float(output[row, col])
    fmt = _fmt(output)

    hp, wp = geo.padded
    ho, wo = geo.out
    widths = [wp, 1.0, fw, 1.0, fw, 2.4, wo]
    cell = min(0.5, 9.3 / sum(widths))
    height = max(hp, fh, ho)
    fig = plt.figure(figsize=(cell * sum(widths) + 0.5, cell * height + 0.8), layout="constrained")
    grid = fig.add_gridspec(1, len(widths), width_ratios=widths)
    axes = [fig.add_subplot(grid[0, i]) for i in range(len(widths))]
    ax_in, ax_times, ax_kernel, ax_equals, ax_products, ax_sum, ax_out = axes

    low, high = display_range(image)
    if low is None:
        low, high = float(min(padded.min(), 0)), float(padded.max())
    shown = clean(padded) if np.issubdtype(padded.dtype, np.floating) else padded
    pixel_grid(shown, ax=ax_in, title="input", cmap="gray", vmin=low, vmax=high)
    (pt, pb), (pl, pr) = geo.pads
    for y in range(hp):
        for x_ in range(wp):
            if pt <= y < pt + image.shape[0] and pl <= x_ < pl + image.shape[1]:
                continue
            ax_in.add_patch(
                Rectangle(
                    (x_ - 0.5, y - 0.5),
                    1,
                    1,
                    facecolor=PAD_FACE,
                    edgecolor="#c4c4c4",
                    hatch="///",
                    linewidth=0,
                    zorder=1.5,
                )
            )
            cell_text(ax_in, wp, y, x_).set_color("#6a6a6a")
    if any(geo.pads[0] + geo.pads[1]):
        ax_in.set_title(f"input {image.shape[0]}x{image.shape[1]}\npadding {geo.padding_label()}")
    else:
        ax_in.set_title(f"input {image.shape[0]}x{image.shape[1]}")
    ax_in.add_patch(
        Rectangle(
            (left - 0.5, top - 0.5),
            fw,
            fh,
            fill=False,
            edgecolor=HIGHLIGHT,
            linewidth=3,
            zorder=4,
            clip_on=False,
        )
    )

    draw_kernel(weights, ax_kernel, None, symmetric_limit(weights))
    limit = symmetric_limit(products)
    pixel_grid(
        products, ax=ax_products, title="window × kernel", cmap=DIVERGING, vmin=-limit, vmax=limit
    )
    frame_axes(ax_products, HIGHLIGHT, 3)

    _operator(ax_times, "×")
    _operator(ax_equals, "=")
    ax_sum.set_axis_off()
    ax_sum.annotate(
        "",
        xy=(0.97, 0.5),
        xytext=(0.03, 0.5),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>", "linewidth": 2, "color": HIGHLIGHT, "mutation_scale": 18},
    )
    ax_sum.text(0.5, 0.56, "sum", ha="center", va="bottom", fontsize=10, transform=ax_sum.transAxes)
    ax_sum.text(
        0.5,
        0.44,
        "= " + fmt.format(value),
        ha="center",
        va="top",
        fontsize=10,
        fontweight="bold",
        transform=ax_sum.transAxes,
    )

    limit = symmetric_limit(output)
    pixel_grid(
        output,
        ax=ax_out,
        title=f"output {ho}x{wo}",
        fmt=fmt,
        cmap=DIVERGING,
        vmin=-limit,
        vmax=limit,
    )
    current = row * wo + col
    for index in range(current + 1, ho * wo):
        y, x_ = divmod(index, wo)
        ax_out.add_patch(
            Rectangle((x_ - 0.5, y - 0.5), 1, 1, facecolor="white", linewidth=0, zorder=1.5)
        )
        cell_text(ax_out, wo, y, x_).set_visible(False)
    ax_out.add_patch(
        Rectangle(
            (col - 0.5, row - 0.5),
            1,
            1,
            fill=False,
            edgecolor=HIGHLIGHT,
            linewidth=3,
            zorder=4,
            clip_on=False,
        )
    )

    for ax, label in zip(
        (ax_in, ax_kernel, ax_products, ax_out),
        ("input", "kernel", "products", "output"),
        strict=True,
    ):
        ax.set_label(label)
        ax.title.set_fontsize(10)
    chars = max(len(fmt.format(v)) for v in output.ravel())
    chars = max(chars, *(len(_fmt(products).format(v)) for v in products.ravel()))
    for ax in (ax_in, ax_kernel, ax_products, ax_out):
        shrink_text(ax, cell, chars)
    for ax in (ax_in, ax_kernel, ax_out):
        frame_axes(ax)
    stride_text = pair_text(geo.stride)
    fig.suptitle(
        f"One convolution step: output[{row}, {col}] = sum of (window × kernel)"
        f"   (stride {stride_text})",
        fontweight="bold",
    )
    return fig
