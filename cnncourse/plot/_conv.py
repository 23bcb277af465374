"""Figures of convolutions: kernels, one step worked out, feature maps, how often
each pixel is visited, the "convolution arithmetic" diagram, its animation and an
interactive explorer.

Colours mean the same thing in every figure here:

* the current kernel window and the output cell it produces are outlined (or
  shaded) in orange;
* kernels, products and convolution outputs use the diverging ``"RdBu_r"``
  colormap centred at 0: red is positive, blue negative, white zero;
* padding cells are light gray and hatched (``conv_step``) or dashed
  (``conv_diagram``); input cells of the diagram are blue, output cells green.

The arithmetic comes from :mod:`cnncourse.shapes` and :mod:`cnncourse.ops`; this
module only draws it.
"""

from __future__ import annotations

import base64
import functools
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .. import _validate
from ._images import _display_range, pixel_grid

#: The window / current output cell colour.
HIGHLIGHT = "#e6550d"
#: Colormap for signed values (kernels, products, outputs), centred at 0.
DIVERGING = "RdBu_r"
#: Colormap for visit counts (0 = white: never visited).
COUNTS = "Blues"

_PAD_FACE = "#ececec"
_PAD_EDGE = "#9a9a9a"
_INPUT_FACE = "#9ecae1"
_INPUT_EDGE = "#3a6f9a"
_WINDOW_FACE = "#fdae6b"
_WINDOW_PAD_FACE = "#fdd9b5"
_OUT_FACE = "#e5f5e0"
_OUT_DONE = "#a1d99b"
_OUT_EDGE = "#3f8f4f"
_MAX_FRAMES = 50
#: Save whole frames (the course style crops figures to their content).
_FULL_FIGURE = {"savefig.bbox": "standard"}


# --------------------------------------------------------------------------- helpers


_pair = _validate.pair  # an int or a pair of ints, as a pair


def _check_padding(padding: Any) -> Any:
    """Padding as the course's functions take it: an int >= 0 or a padding name."""
    if isinstance(padding, str):
        return _validate.one_of("padding", padding, ("valid", "same", "full"))
    return _validate.integer("padding", padding, minimum=0)


def _same(pair: tuple[int, int]) -> int | tuple[int, int]:
    return pair[0] if pair[0] == pair[1] else pair


@dataclass(frozen=True)
class _Geometry:
    """Sizes of one convolution, per axis (rows, cols)."""

    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: Any  # as given: int or name
    pads: tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
    out: tuple[int, int]

    @property
    def padded(self) -> tuple[int, int]:
        (top, bottom), (left, right) = self.pads
        return self.size[0] + top + bottom, self.size[1] + left + right

    @property
    def positions(self) -> int:
        return self.out[0] * self.out[1]

    def window(self, step: int) -> tuple[int, int]:
        """Top-left corner (in padded coordinates) of the window for output ``step``."""
        row, col = divmod(step, self.out[1])
        return row * self.stride[0], col * self.stride[1]

    def padding_label(self) -> str:
        """``"1"``, ``"'same' = 1"``, or just ``"'same'"`` when the sides differ.

        Uneven pads are visible in the drawings and in :meth:`formulas`.
        """
        (top, bottom), (left, right) = self.pads
        uniform = top == bottom == left == right
        if isinstance(self.padding, int):
            return str(self.padding)
        return f"'{self.padding}' = {top}" if uniform else f"'{self.padding}'"

    def short(self) -> str:
        """``F=3, P=1, S=2`` (pairs where rows and columns differ)."""
        return (
            f"F={_text(_same(self.kernel))}, P={self.padding_label()}, "
            f"S={_text(_same(self.stride))}"
        )

    def formulas(self) -> list[str]:
        """The output size formula with the numbers, one line per distinct axis."""
        lines = []
        for axis in (0, 1):
            low, high = self.pads[axis]
            padding = f"2*{low}" if low == high else f"{low} + {high}"
            lines.append(
                f"floor(({self.size[axis]} + {padding} - {self.kernel[axis]}) / "
                f"{self.stride[axis]}) + 1 = {self.out[axis]}"
            )
        if lines[0] == lines[1]:
            return lines[:1]
        return [f"rows: {lines[0]}", f"cols: {lines[1]}"]


def _text(value: int | tuple[int, int]) -> str:
    return str(value) if isinstance(value, int) else f"{value[0]}x{value[1]}"


def _geometry(input_size: Any, kernel_size: Any, stride: Any, padding: Any) -> _Geometry:
    """Sizes of the convolution; shapes.* does the arithmetic and refuses the impossible."""
    from .. import shapes

    size = _pair("input_size", input_size)
    kernel = _pair("kernel_size", kernel_size)
    strides = _pair("stride", stride)
    padding = _check_padding(padding)
    pads = shapes.resolve_padding(padding, size, kernel, strides)
    out = shapes.conv_output_size(size, kernel, strides, padding)
    out = _pair("output size", out)
    (top, bottom), (left, right) = pads
    pads = ((int(top), int(bottom)), (int(left), int(right)))
    return _Geometry(size, kernel, strides, padding, pads, out)


def _clean(array: np.ndarray) -> np.ndarray:
    """Float64 copy without negative zeros (so no cell reads "-0")."""
    return np.asarray(array, dtype=np.float64) + 0.0


def _fmt(array: np.ndarray) -> str:
    """The number format pixel_grid picks for ``array``."""
    integral = np.issubdtype(array.dtype, np.integer) or np.all(np.mod(array, 1) == 0)
    return "{:.0f}" if integral else "{:.2f}"


def _symmetric_limit(array: np.ndarray) -> float:
    limit = float(np.max(np.abs(array))) if array.size else 0.0
    return limit if limit > 0 else 1.0


def _kernel_array(name: str, value: Any) -> np.ndarray:
    array = _validate.image(name, value, ndim=(2,))
    if max(array.shape) > 16:
        raise ValueError(f"{name} is too large to annotate (at most 16x16); got {array.shape}")
    return array


def _cell_text(ax: plt.Axes, width: int, row: int, col: int) -> mpl.text.Text:
    """The value text pixel_grid wrote in cell (row, col) (row-major order)."""
    return ax.texts[row * width + col]


def _frame(ax: plt.Axes, color: str = "#888888", width: float = 0.8) -> None:
    """Draw the outer border of a pixel_grid (it hides the spines)."""
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_edgecolor(color)
        spine.set_linewidth(width)


def _shrink_text(ax: plt.Axes, cell_inches: float, chars: int) -> None:
    """Make the cell values of a pixel_grid fit cells ``cell_inches`` wide."""
    size = float(np.clip(cell_inches * 72 / (0.62 * max(chars, 3) + 0.3), 6, 9))
    for text in ax.texts:
        text.set_fontsize(size)


# --------------------------------------------------------------------------- kernels


def kernel(kernel: np.ndarray, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """A 2-D kernel (F_h, F_w) as a grid with its weights written in the cells.

    Colours: ``"RdBu_r"`` centred at 0 (red positive, blue negative, white 0),
    on the range -m..m where m is the largest absolute weight. The default title
    gives the kernel's size. Returns the Axes.
    """
    array = _kernel_array("kernel", kernel)
    return _draw_kernel(array, ax, title, _symmetric_limit(array))


def _draw_kernel(array: np.ndarray, ax: plt.Axes | None, title: str | None, limit: float):
    if title is None:
        title = f"kernel {array.shape[0]}x{array.shape[1]}"
    values = _clean(array) if np.issubdtype(array.dtype, np.floating) else array
    return pixel_grid(values, ax=ax, title=title, cmap=DIVERGING, vmin=-limit, vmax=limit)


def _kernel_panels(kernels: Any) -> tuple[list[np.ndarray], list[str], int]:
    """Split ``kernels`` into 2-D panels with default titles and a column count."""
    if isinstance(kernels, np.ndarray) or (
        not isinstance(kernels, (list, tuple)) and hasattr(kernels, "shape")
    ):
        array = np.asarray(kernels)
        if array.ndim == 2:
            return [array], [f"kernel {array.shape[0]}x{array.shape[1]}"], 1
        if array.ndim == 3:
            panels = [array[..., k] for k in range(array.shape[-1])]
            return panels, [f"filter {k}" for k in range(len(panels))], min(len(panels), 6)
        if array.ndim == 4:
            channels, filters = array.shape[2], array.shape[3]
            if channels == 1:
                panels = [array[:, :, 0, k] for k in range(filters)]
                return panels, [f"filter {k}" for k in range(filters)], min(filters, 6)
            if channels > 8 or filters > 8:
                raise ValueError(
                    "kernels with several input channels are drawn one panel per (channel, "
                    f"filter), at most 8 of each; got shape {array.shape} (slice it first, "
                    "e.g. kernels[:, :, :3, :4])"
                )
            panels = [array[:, :, c, k] for c in range(channels) for k in range(filters)]
            titles = [f"filter {k}, ch {c}" for c in range(channels) for k in range(filters)]
            return panels, titles, filters
        raise ValueError(
            "kernels must be a list of 2-D kernels, an array (F, F, K) or a Keras kernel "
            f"(F, F, C_in, K); got shape {array.shape}"
        )
    if not isinstance(kernels, (list, tuple)):
        raise ValueError(
            f"kernels must be a list of 2-D kernels or an array; got {_validate.short(kernels)}"
        )
    panels = [_kernel_array(f"kernels[{i}]", k) for i, k in enumerate(kernels)]
    return panels, [f"kernel {p.shape[0]}x{p.shape[1]}" for p in panels], min(len(panels), 6)


def kernels(
    kernels: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    shared_scale: bool = True,
) -> plt.Figure:
    """Several kernels side by side, each an annotated grid (see :func:`kernel`).

    ``kernels`` is a list of 2-D kernels, an array (F_h, F_w, K) of K filters,
    or a Keras ``Conv2D`` kernel (F_h, F_w, C_in, K): one panel per filter when
    C_in == 1, else a grid with one row per input channel and one column per
    filter (at most 8x8: slice bigger kernels first). With ``shared_scale``
    (the default) every panel uses the same colour range, so equal weights have
    equal colours across panels. Returns the Figure.
    """
    panels, default_titles, ncols = _kernel_panels(kernels)
    n = len(panels)
    if n == 0:
        raise ValueError("kernels must hold at least one kernel; got 0")
    if n > 64:
        raise ValueError(f"kernels must hold at most 64 panels to stay readable; got {n}")
    for i, panel in enumerate(panels):
        _kernel_array(f"kernels[{i}]", panel)
    if titles is None:
        titles = default_titles
    elif len(titles) != n:
        raise ValueError(f"titles must have one entry per kernel panel ({n}); got {len(titles)}")
    nrows = -(-n // ncols)
    height = max(p.shape[0] for p in panels)
    width = max(p.shape[1] for p in panels)
    cell = min(0.45, 9.6 / (ncols * (width + 0.6)))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(ncols * cell * (width + 0.6) + 0.2, nrows * (cell * height + 0.45) + 0.1),
        squeeze=False,
        layout="constrained",
    )
    shared = max(_symmetric_limit(p) for p in panels)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_axis_off()
            continue
        limit = shared if shared_scale else _symmetric_limit(panels[i])
        _draw_kernel(panels[i], ax, titles[i], limit)
        _frame(ax)
        ax.title.set_fontweight("normal")
        ax.title.set_fontsize(10)
        _shrink_text(ax, cell, 5)
    return fig


# --------------------------------------------------------------------------- one step


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
    """
    from .. import ops

    image = _validate.image("x", x, ndim=(2,))
    if max(image.shape) > 12:
        raise ValueError(f"x is too large to write out (at most 12x12); got shape {image.shape}")
    weights = _kernel_array("kernel", kernel)
    geo = _geometry(image.shape, weights.shape, stride, padding)
    if max(geo.padded) > 16:
        raise ValueError(
            f"x with padding {geo.padding_label()} is too large to write out (at most 16x16 "
            f"padded); got {geo.padded[0]}x{geo.padded[1]}"
        )
    row, col = _position(position, geo.out)
    padded = np.asarray(ops.pad(image, geo.pads))
    output = _clean(ops.conv2d(image, weights, stride=geo.stride, padding=geo.padding))
    top, left = geo.window(row * geo.out[1] + col)
    fh, fw = geo.kernel
    window = padded[top : top + fh, left : left + fw]
    products = _clean(window) * _clean(weights)
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

    low, high = _display_range(image)
    if low is None:
        low, high = float(min(padded.min(), 0)), float(padded.max())
    shown = _clean(padded) if np.issubdtype(padded.dtype, np.floating) else padded
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
                    facecolor=_PAD_FACE,
                    edgecolor="#c4c4c4",
                    hatch="///",
                    linewidth=0,
                    zorder=1.5,
                )
            )
            _cell_text(ax_in, wp, y, x_).set_color("#6a6a6a")
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

    _draw_kernel(weights, ax_kernel, None, _symmetric_limit(weights))
    limit = _symmetric_limit(products)
    pixel_grid(
        products, ax=ax_products, title="window × kernel", cmap=DIVERGING, vmin=-limit, vmax=limit
    )
    _frame(ax_products, HIGHLIGHT, 3)

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

    limit = _symmetric_limit(output)
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
        _cell_text(ax_out, wo, y, x_).set_visible(False)
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
        _shrink_text(ax, cell, chars)
    for ax in (ax_in, ax_kernel, ax_out):
        _frame(ax)
    stride_text = _text(_same(geo.stride))
    fig.suptitle(
        f"One convolution step: output[{row}, {col}] = sum of (window × kernel)"
        f"   (stride {stride_text})",
        fontweight="bold",
    )
    return fig


# --------------------------------------------------------------------------- feature maps


def feature_maps(
    maps: np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    cmap: str = "gray",
    size: float = 2.2,
    symmetric: bool = False,
    shared_scale: bool = False,
    suptitle: str | None = None,
) -> plt.Figure:
    """K feature maps side by side, from an array (H, W, K) or (1, H, W, K).

    Colour scale: by default every map gets its OWN scale, from its minimum to
    its maximum, with a small colorbar beside it giving the numbers, so a
    filter that responds weakly still shows its pattern (compare the colorbars
    to compare strengths). ``shared_scale=True`` puts every map on one common
    scale with a single colorbar instead, so brightness is comparable across
    maps. ``symmetric=True`` centres the scale at 0 (-m..m) and, unless you
    pass another ``cmap``, uses the diverging ``"RdBu_r"`` (red positive, blue
    negative): use it for signed responses such as edges.

    ``ncols`` defaults to at most 4 (more for many maps); the figure stays at
    most about 10 inches wide (panels shrink below ``size`` inches if needed).
    Returns the Figure.
    """
    array = _validate.image("maps", maps, ndim=(2, 3, 4))
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise ValueError(
                f"maps must be (H, W, K) or a batch of one (1, H, W, K); got shape {array.shape} "
                "(pick one image first, e.g. maps[0])"
            )
        array = array[0]
    if array.ndim == 2:
        array = array[..., None]
    count = array.shape[-1]
    if count == 0:
        raise ValueError(f"maps must hold at least one map; got shape {array.shape}")
    if count > 64:
        raise ValueError(f"maps must hold at most 64 maps; got {count} (slice them first)")
    if titles is not None and len(titles) != count:
        raise ValueError(f"titles must have one entry per map ({count}); got {len(titles)}")
    if ncols is None:
        ncols = count if count <= 4 else int(np.clip(np.ceil(np.sqrt(count)), 4, 8))
    else:
        ncols = _validate.integer("ncols", ncols, minimum=1)
    ncols = min(ncols, count)
    size = _validate.number("size", size, low=0.5, high=10)
    if symmetric and cmap == "gray":
        cmap = DIVERGING
    if cmap not in mpl.colormaps:
        raise ValueError(f"cmap must be a matplotlib colormap name; got {cmap!r}")
    nrows = -(-count // ncols)
    bar = 1.0 if shared_scale else 1.25  # room for the colorbars
    panel = min(size, 9.8 / (ncols * bar))
    height, width = array.shape[:2]
    panel_h = panel * height / width
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(
            panel * bar * ncols + (0.6 if shared_scale else 0.2),
            (panel_h + 0.35) * nrows + 0.4,
        ),
        squeeze=False,
        layout="constrained",
    )
    values = array.astype(np.float64)

    def limits(data: np.ndarray) -> tuple[float, float]:
        if symmetric:
            limit = _symmetric_limit(data)
            return -limit, limit
        low, high = float(data.min()), float(data.max())
        return (low, high) if high > low else (low - 0.5, high + 0.5)

    common = limits(values)
    image = None
    for k, ax in enumerate(axes.flat):
        if k >= count:
            ax.set_axis_off()
            continue
        ax.set_xticks([])
        ax.set_yticks([])
        _frame(ax, "#aaaaaa", 0.6)
        low, high = common if shared_scale else limits(values[..., k])
        image = ax.imshow(values[..., k], cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        ax.set_title(
            titles[k] if titles is not None else f"map {k}", fontsize=10, fontweight="normal"
        )
        if not shared_scale:
            bar_ = fig.colorbar(image, ax=ax, shrink=0.85, fraction=0.08, pad=0.03)
            bar_.ax.tick_params(labelsize=7)
            bar_.locator = MaxNLocator(4, steps=[1, 2, 2.5, 5, 10])
            bar_.update_ticks()
    if shared_scale and image is not None:
        bar_ = fig.colorbar(image, ax=axes, shrink=0.8, fraction=0.04, pad=0.02)
        bar_.ax.tick_params(labelsize=8)
    if suptitle is None:
        scale = "one shared colour scale" if shared_scale else "each on its own colour scale"
        centre = ", centred at 0" if symmetric else ""
        suptitle = f"{count} feature map{'s' * (count > 1)} of {height}x{width} ({scale}{centre})"
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold", fontsize=11)
    return fig


# --------------------------------------------------------------------------- visits


def _visit_counts(geo: _Geometry) -> np.ndarray:
    from .. import ops

    return np.asarray(ops.visit_counts(geo.size, geo.kernel, geo.stride, geo.padding))


def _draw_visits(
    ax: plt.Axes, geo: _Geometry, counts: np.ndarray, vmax: float, title: str | None
) -> mpl.image.AxesImage:
    if max(counts.shape) <= 12:
        pixel_grid(counts, ax=ax, cmap=COUNTS, vmin=0, vmax=vmax)
    else:
        ax.imshow(counts, cmap=COUNTS, vmin=0, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
    _frame(ax)
    if title is None:
        title = (
            f"{geo.size[0]}x{geo.size[1]} input, {geo.short()}\n→ {geo.out[0]}x{geo.out[1]} output"
        )
    ax.set_title(title, fontsize=10)
    return ax.images[0]


def visit_heatmap(
    input_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | str = 0,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """How many kernel windows cover each input pixel, as a heat map.

    The counts come from :func:`cnncourse.ops.visit_counts`; they are written
    in the cells when the input is at most 12x12. White means never visited
    (stride larger than the kernel). The title gives F, P and S and the output
    size; a colorbar gives the scale. Returns the Axes (pass ``ax`` to draw
    into an existing figure).
    """
    geo = _geometry(input_size, kernel_size, stride, padding)
    counts = _visit_counts(geo)
    if ax is None:
        side = min(0.42 * max(geo.size), 5.5)
        _, ax = plt.subplots(
            figsize=(side + 1.3, side * geo.size[0] / geo.size[1] + 0.9), layout="constrained"
        )
    image = _draw_visits(ax, geo, counts, max(int(counts.max()), 1), None)
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.8, label="windows covering the pixel")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    return ax


def visit_heatmaps(
    input_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    configs: Sequence[Mapping[str, Any]],
) -> plt.Figure:
    """Several (padding, stride) configurations side by side, on ONE shared colour scale.

    ``configs`` is a list of dicts with keys ``padding`` and/or ``stride``
    (defaults 0 and 1), e.g. ``[dict(padding=0), dict(padding=1),
    dict(stride=2)]``. Same colour = same number of visits in every panel.
    Returns the Figure.
    """
    if isinstance(configs, Mapping) or not isinstance(configs, Sequence) or not configs:
        raise ValueError(
            "configs must be a non-empty list of dicts such as [dict(padding=1), dict(stride=2)]; "
            f"got {_validate.short(configs)}"
        )
    if len(configs) > 6:
        raise ValueError(f"configs must hold at most 6 configurations; got {len(configs)}")
    geos = []
    for i, config in enumerate(configs):
        if not isinstance(config, Mapping):
            raise ValueError(
                f"configs[{i}] must be a dict with padding and/or stride; got {config!r}"
            )
        unknown = sorted(set(config) - {"padding", "stride"})
        if unknown:
            raise ValueError(
                f"configs[{i}] may only set 'padding' and 'stride'; got keys {sorted(config)}"
            )
        geos.append(
            _geometry(input_size, kernel_size, config.get("stride", 1), config.get("padding", 0))
        )
    counts = [_visit_counts(geo) for geo in geos]
    vmax = max(max(int(c.max()) for c in counts), 1)
    n = len(geos)
    size = geos[0].size
    panel = min(3.0, 8.8 / n)
    fig, axes = plt.subplots(
        1,
        n,
        figsize=(panel * n + 1.0, panel * size[0] / size[1] + 1.1),
        squeeze=False,
        layout="constrained",
    )
    fig.get_layout_engine().set(wspace=0.06)
    image = None
    for ax, geo, count in zip(axes[0], geos, counts, strict=True):
        title = f"{geo.short()}\n→ {geo.out[0]}x{geo.out[1]} output"
        image = _draw_visits(ax, geo, count, vmax, title)
        if max(size) <= 12:
            _shrink_text(ax, panel / size[1], 2)
    bar = fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="windows covering the pixel")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    fig.suptitle(
        f"How often each pixel of a {size[0]}x{size[1]} input is visited by a "
        f"{geos[0].kernel[0]}x{geos[0].kernel[1]} kernel",
        fontweight="bold",
        fontsize=11,
    )
    return fig


# --------------------------------------------------------------------------- diagram


def _check_step(step: Any, geo: _Geometry) -> int:
    step = _validate.integer("step", step)
    if not 0 <= step < geo.positions:
        raise ValueError(
            f"step must be between 0 and {geo.positions - 1} (the {geo.out[0]}x{geo.out[1]} "
            f"output has {geo.positions} positions); got {step}"
        )
    return step


_GAP = 2.5  # cells between the input and the output grid
_ANIMATION_FONT_SCALE = 1.2  # frames are small (75 dpi): larger text


@dataclass(frozen=True)
class _Fit:
    """How a diagram fits its area: cell size, label font and the room under the grids."""

    cell: float  # points per cell
    fontsize: float
    input_label: str
    label_rows: float  # cell units under the grids

    def height(self, geo: _Geometry) -> float:
        """Points needed by the diagram (grids and labels)."""
        return self.cell * (_grid_height(geo) + 0.3 + self.label_rows)


def _grid_height(geo: _Geometry) -> int:
    return max(geo.padded[0], geo.out[0])


def _total_width(geo: _Geometry) -> float:
    return geo.padded[1] + _GAP + geo.out[1]


def _fit(geo: _Geometry, width: float, height: float | None, min_font: float) -> _Fit:
    """Fit the diagram into ``width`` x ``height`` points (no height: as wide as allowed)."""
    rows, cols = geo.size
    label = f"input {rows}x{cols}"
    if geo.padded != geo.size:
        label += f" + padding {geo.padding_label()} (dashed)"
    fit = _Fit(width / (_total_width(geo) + 0.6), 10.0, label, 1.5)
    for _ in range(3):
        cell = width / (_total_width(geo) + 0.6)
        if height is not None:
            cell = min(cell, height / (_grid_height(geo) + 0.3 + fit.label_rows))
        fontsize = float(np.clip(0.5 * cell, min_font, 11))
        text = label
        if 0.6 * fontsize * len(label) > (geo.padded[1] + 0.8 * _GAP) * cell:
            text = label.replace(" + ", "\n+ ")
        lines = text.count("\n") + 1
        fit = _Fit(cell, fontsize, text, 0.35 + (lines * fontsize * 1.3 + 2) / cell)
    return fit


def _draw_diagram(ax: plt.Axes, geo: _Geometry, step: int, fit: _Fit) -> None:
    """Padded input, window at ``step``, output grid and labels, in cell units on ``ax``."""
    grid_h = _grid_height(geo)
    hp, wp = geo.padded
    ho, wo = geo.out
    (top, _), (left, _) = geo.pads
    rows, cols = geo.size
    wy, wx = geo.window(step)
    fh, fw = geo.kernel
    row, col = divmod(step, wo)
    in_y = (grid_h - hp) / 2
    out_x, out_y = wp + _GAP, (grid_h - ho) / 2
    for y in range(hp):
        for x in range(wp):
            inside = top <= y < top + rows and left <= x < left + cols
            in_window = wy <= y < wy + fh and wx <= x < wx + fw
            if inside:
                face = _WINDOW_FACE if in_window else _INPUT_FACE
            else:
                face = _WINDOW_PAD_FACE if in_window else _PAD_FACE
            ax.add_patch(
                Rectangle(
                    (x, in_y + y),
                    1,
                    1,
                    facecolor=face,
                    edgecolor=_INPUT_EDGE if inside else _PAD_EDGE,
                    linestyle="-" if inside else (0, (2, 2)),
                    linewidth=0.8,
                )
            )
    if geo.padded != geo.size:  # the border of the real input
        ax.add_patch(
            Rectangle(
                (left, in_y + top), cols, rows, fill=False, edgecolor=_INPUT_EDGE, linewidth=1.8
            )
        )
    for index in range(ho * wo):
        y, x = divmod(index, wo)
        face = _WINDOW_FACE if index == step else (_OUT_DONE if index < step else _OUT_FACE)
        ax.add_patch(
            Rectangle(
                (out_x + x, out_y + y), 1, 1, facecolor=face, edgecolor=_OUT_EDGE, linewidth=0.8
            )
        )
    outline = {"fill": False, "edgecolor": HIGHLIGHT, "zorder": 4, "clip_on": False}
    ax.add_patch(Rectangle((wx, in_y + wy), fw, fh, linewidth=2.5, **outline))
    ax.add_patch(Rectangle((out_x + col, out_y + row), 1, 1, linewidth=2.5, **outline))
    for corner in (0, 1):  # projection lines from the window to its output cell
        ax.plot(
            [wx + fw, out_x + col],
            [in_y + wy + corner * fh, out_y + row + corner],
            color=HIGHLIGHT,
            linewidth=1,
            linestyle=(0, (4, 3)),
            alpha=0.8,
            zorder=5,
        )
    below = grid_h + 0.3
    total = _total_width(geo)
    width = 0.6 * fit.fontsize * max(len(s) for s in fit.input_label.split("\n")) / fit.cell
    x, ha = (wp / 2, "center") if width <= wp else (-0.2, "left")
    ax.text(x, below, fit.input_label, ha=ha, va="top", fontsize=fit.fontsize, linespacing=1.2)
    label = f"output {ho}x{wo}"
    width = 0.6 * fit.fontsize * len(label) / fit.cell
    x, ha = (out_x + wo / 2, "center") if width <= wo + _GAP else (total + 0.2, "right")
    ax.text(x, below, label, ha=ha, va="top", fontsize=fit.fontsize)
    ax.set_xlim(-0.3, total + 0.3)
    ax.set_ylim(grid_h + fit.label_rows, -0.3)
    ax.set_aspect("equal")
    ax.set_anchor("N")
    ax.set_axis_off()


def _diagram_header(geo: _Geometry, step: int) -> tuple[str, str]:
    """Bold first line; then the size formula(s) and the step (one or two lines)."""
    row, col = divmod(step, geo.out[1])
    first = f"{geo.size[0]}x{geo.size[1]} input, {geo.short()}  →  {geo.out[0]}x{geo.out[1]} output"
    formulas = geo.formulas()
    where = f"step {step + 1} of {geo.positions} → output[{row}, {col}]"
    if len(formulas) == 1:
        return first, f"output size: {formulas[0]}   |   {where}"
    return first, "output size: " + ";  ".join(formulas) + "\n" + where


def _header_inches(geo: _Geometry, scale: float) -> float:
    lines = len(geo.formulas())  # one line (formula | step) or two (rows; cols / step)
    return (0.1 + (11 + 9 * lines) * 1.4 / 72) * scale


@dataclass(frozen=True)
class _Frame:
    """A figure made for the diagram: its Axes, fit and header font scale."""

    figure: plt.Figure
    ax: plt.Axes
    fit: _Fit
    scale: float


def _new_diagram_figure(
    geo: _Geometry, figsize: tuple[float, float] | None, dpi: float | None, scale: float = 1.0
) -> _Frame:
    """A figure holding just the diagram: header lines on top, one Axes below.

    ``figsize`` None: 7 inches wide and as tall as the diagram needs (at most
    5.5). ``scale`` enlarges every text (for low-dpi animation frames).
    """
    width = 7.0 if figsize is None else figsize[0]
    header = _header_inches(geo, scale)
    min_font = 8 * scale
    if figsize is None:
        fit = _fit(geo, 0.98 * width * 72, None, min_font)
        figsize = (width, min(fit.height(geo) / 72 + header + 0.08, 5.5))
    fit = _fit(geo, 0.98 * width * 72, (figsize[1] - header - 0.05) * 72, min_font)
    # An explicit do-nothing layout engine: with layout=None, savefig under the course
    # style (constrained layout on) would switch this figure to constrained layout.
    fig = plt.figure(figsize=figsize, dpi=dpi, layout=PlaceHolderLayoutEngine(True, True))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.99 - header / figsize[1]))
    return _Frame(fig, ax, fit, scale)


def _render_diagram(
    fig: plt.Figure, ax: plt.Axes, geo: _Geometry, step: int, frame: _Frame | None
) -> None:
    """Draw (or redraw) the whole diagram for ``step``; ``frame`` None: ``ax`` is the user's."""
    ax.clear()
    first, second = _diagram_header(geo, step)
    if frame is not None:
        for text in list(fig.texts):
            text.remove()
        height = fig.get_size_inches()[1]
        top = 1 - 0.06 * frame.scale / height
        room = 0.97 * fig.get_size_inches()[0] * 72  # points; shrink lines that would not fit
        longest = max(len(line) for line in second.split("\n"))
        size = min(11 * frame.scale, room / (0.66 * len(first)))
        fig.text(0.5, top, first, ha="center", va="top", fontsize=size, weight="bold")
        below = top - 11 * 1.4 / 72 * frame.scale / height
        size = min(9 * frame.scale, room / (0.58 * longest))
        fig.text(0.5, below, second, ha="center", va="top", fontsize=size)
        fit = frame.fit
    else:
        box = ax.get_position()
        fig_w, fig_h = fig.get_size_inches()
        fit = _fit(geo, box.width * fig_w * 72, box.height * fig_h * 72, 7)
        ax.set_title(f"{first}\n{second}", fontsize=9)
    _draw_diagram(ax, geo, step, fit)


def conv_diagram(
    input_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: int | str = 0,
    step: int = 0,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """The "convolution arithmetic" diagram (after Dumoulin & Visin) for one window position.

    Left: the padded input as square cells (input blue, padding light gray
    with dashed edges) with the kernel window at output position ``step``
    (0-based, row-major) in orange. Right: the output grid, cells already
    computed in green, the one this window produces in orange, dashed lines
    joining them. The header gives input size, F, P, S, the output size
    formula with its numbers (from :func:`cnncourse.shapes.conv_output_size`)
    and the step.

    ``padding`` is an int (0..3 reads best) or "valid" / "same" / "full" (via
    :func:`cnncourse.shapes.resolve_padding`; uneven "same" padding is drawn as
    Keras pads: the extra row/column at the bottom/right). Inputs up to about
    12x12 fit. Pass ``ax`` to draw into an existing figure (the header then
    becomes the Axes title). Returns the Figure.
    """
    geo = _geometry(input_size, kernel_size, stride, padding)
    step = _check_step(step, geo)
    if ax is None:
        frame = _new_diagram_figure(geo, None, None)
        fig = frame.figure
        _render_diagram(fig, frame.ax, geo, step, frame)
    else:
        fig = ax.figure
        _render_diagram(fig, ax, geo, step, None)
    return fig


# --------------------------------------------------------------------------- animation


_FRAME_DATA = re.compile(r'"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)"')


def _smaller_frames(html: str) -> str:
    """The jshtml with each PNG frame reduced to a 64-colour palette (about 3x smaller).

    The diagrams are flat colours, so nothing visible is lost. Left as it is if
    anything goes wrong (the player works either way).
    """
    from PIL import Image

    def shrink(match: re.Match) -> str:
        data = base64.b64decode(match.group(1).replace("\\\n", ""))
        image = Image.open(io.BytesIO(data)).convert("RGB")
        image = image.quantize(64, dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        image.save(buffer, format="png", optimize=True)
        if buffer.tell() >= len(data):
            return match.group(0)
        return '"data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode("ascii") + '"'

    try:
        return _FRAME_DATA.sub(shrink, html)
    except Exception:  # an optimisation only: keep the original
        return html


class ConvAnimation:
    """An animation of the kernel window sliding over the input (see :func:`conv_animation`).

    Attributes: ``figure`` (the matplotlib Figure, closed in pyplot so Jupyter
    shows the animation only once), ``animation`` (the ``FuncAnimation``),
    ``frames`` (number of frames) and ``steps`` (the output position shown in
    each frame). In Jupyter the object displays as an HTML/JavaScript player
    (``animation.to_jshtml()``), which also works in HTML exported by nbconvert.
    """

    def __init__(self, geo: _Geometry, steps: list[int], interval: int, dpi: float) -> None:
        self.geometry = geo
        self.steps = steps
        self.frames = len(steps)
        self.dpi = dpi
        self._html: str | None = None
        self._frame = _new_diagram_figure(geo, (7.0, 3.5), dpi, scale=_ANIMATION_FONT_SCALE)
        self.figure = self._frame.figure
        self.animation = FuncAnimation(
            self.figure,
            self._draw,
            frames=self.frames,
            interval=interval,
            repeat=True,
            blit=False,
        )
        # Not a pending "deleted without rendering" warning: it renders on display.
        self.animation._draw_was_started = True
        plt.close(self.figure)

    def _draw(self, frame: int) -> list:
        _render_diagram(self.figure, self._frame.ax, self.geometry, self.steps[frame], self._frame)
        return []

    def _repr_html_(self) -> str:
        if self._html is None:
            with mpl.rc_context(_FULL_FIGURE | {"savefig.dpi": self.dpi}):
                self._html = _smaller_frames(self.animation.to_jshtml())
        return self._html

    def save_frame(self, i: int, path: str | Path) -> Path:
        """Write frame ``i`` (0-based) as a PNG file; returns its path."""
        i = _validate.integer("i", i)
        if not 0 <= i < self.frames:
            raise ValueError(f"i must be a frame number between 0 and {self.frames - 1}; got {i}")
        path = Path(path)
        self._draw(i)
        with mpl.rc_context(_FULL_FIGURE):
            self.figure.savefig(path, format="png", dpi=self.dpi)
        return path

    def __repr__(self) -> str:
        return f"<ConvAnimation: {self.frames} frames, {self.geometry.short()}>"


def conv_animation(
    input_size: int | tuple[int, int] = 5,
    kernel_size: int | tuple[int, int] = 3,
    stride: int | tuple[int, int] = 1,
    padding: int | str = 0,
    interval: int = 600,
    dpi: float = 75,
) -> ConvAnimation:
    """The :func:`conv_diagram` window stepping through every output position.

    One frame per output position, in row-major order, ``interval`` ms apart,
    7x3.5 inches at ``dpi`` (75 keeps the embedded player small). When there
    are more than 50 output positions, 50 evenly spaced ones are shown (first
    and last included); each frame's header says which step it is. Returns a
    :class:`ConvAnimation`: display it in Jupyter to play it, or write single
    frames with ``save_frame(i, path)``.
    """
    geo = _geometry(input_size, kernel_size, stride, padding)
    interval = _validate.integer("interval", interval, minimum=20)
    dpi = _validate.number("dpi", dpi, low=30, high=200)
    steps = list(range(geo.positions))
    if len(steps) > _MAX_FRAMES:
        steps = sorted({int(round(s)) for s in np.linspace(0, geo.positions - 1, _MAX_FRAMES)})
    return ConvAnimation(geo, steps, interval, dpi)


# --------------------------------------------------------------------------- explorer

_RANGES = {"input": (3, 12), "F": (1, 7), "P": (0, 3), "S": (1, 4)}


@functools.cache
def _explorer_class() -> type:
    import ipywidgets as widgets

    class ConvExplorer(widgets.VBox):
        """Sliders for n, F, P, S and the step, redrawing :func:`conv_diagram` below them.

        ``sliders`` maps "input", "F", "P", "S" and "step" to the IntSliders;
        ``output`` is the ``ipywidgets.Output`` with the printed formula and the
        diagram; ``message`` is the text printed last (the output size formula,
        or the error for an impossible configuration); ``image`` the last
        diagram as PNG bytes (None when impossible); ``redraw()`` redraws now.
        """

        def __init__(self, input_size: int, kernel_size: int, stride: int, padding: int) -> None:
            def slider(value: int, bounds: tuple[int, int], description: str):
                return widgets.IntSlider(
                    value=value,
                    min=bounds[0],
                    max=bounds[1],
                    description=description,
                    continuous_update=False,
                    style={"description_width": "110px"},
                    layout=widgets.Layout(width="330px"),
                )

            sliders = {
                "input": slider(input_size, _RANGES["input"], "input size n"),
                "F": slider(kernel_size, _RANGES["F"], "kernel size F"),
                "P": slider(padding, _RANGES["P"], "padding P"),
                "S": slider(stride, _RANGES["S"], "stride S"),
                "step": slider(0, (0, 0), "step"),
            }
            output = widgets.Output()
            super().__init__(
                children=[
                    widgets.HBox([sliders["input"], sliders["F"]]),
                    widgets.HBox([sliders["P"], sliders["S"]]),
                    sliders["step"],
                    output,
                ]
            )
            self.sliders = sliders
            self.output = output
            self.message = ""
            self.image: bytes | None = None
            self._busy = False
            for item in sliders.values():
                item.observe(self._changed, names="value")
            self.redraw()

        def _changed(self, _change: Any = None) -> None:
            if not self._busy:
                self.redraw()

        def redraw(self) -> str:
            """Redraw for the current slider values; returns the printed message."""
            n, f, p, s = (self.sliders[k].value for k in ("input", "F", "P", "S"))
            step_slider = self.sliders["step"]
            try:
                geo = _geometry(n, f, s, p)
            except ValueError as error:
                self.message = f"impossible configuration: {error}"
                self.image = None
                self._busy = True
                try:
                    step_slider.disabled = True
                finally:
                    self._busy = False
                self._show(self.message, None)
                return self.message
            self._busy = True
            try:
                step_slider.disabled = False
                step_slider.max = geo.positions - 1
                step = min(step_slider.value, geo.positions - 1)
                step_slider.value = step
            finally:
                self._busy = False
            frame = _new_diagram_figure(geo, (7.0, 3.6), 90)
            fig = frame.figure
            _render_diagram(fig, frame.ax, geo, step, frame)
            buffer = io.BytesIO()
            with mpl.rc_context(_FULL_FIGURE):
                fig.savefig(buffer, format="png", dpi=90)
            plt.close(fig)
            self.image = buffer.getvalue()
            out = f"{geo.out[0]}x{geo.out[1]}"
            self.message = (
                "output size = " + ";  ".join(geo.formulas()) + f"  →  {out} output, "
                f"{geo.positions} window position{'s' * (geo.positions != 1)}"
            )
            self._show(self.message, self.image)
            return self.message

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            # The live widget, plus the current diagram as a picture for viewers that
            # cannot run widgets (GitHub, HTML exported without the widget state).
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, dict) and self.image is not None:
                bundle["image/png"] = base64.b64encode(self.image).decode("ascii")
                bundle["text/plain"] = self.message
            return bundle

        def _show(self, message: str, image: bytes | None) -> None:
            # Written straight into the Output widget's state (no display capture),
            # so it works in any kernel, headless too, and is saved with the notebook.
            outputs = [{"output_type": "stream", "name": "stdout", "text": message + "\n"}]
            if image is not None:
                outputs.append(
                    {
                        "output_type": "display_data",
                        "data": {
                            "image/png": base64.b64encode(image).decode("ascii"),
                            "text/plain": "<convolution diagram>",
                        },
                        "metadata": {},
                    }
                )
            self.output.outputs = tuple(outputs)

    ConvExplorer.__qualname__ = "ConvExplorer"
    return ConvExplorer


def conv_explorer(
    input_size: int = 7, kernel_size: int = 3, stride: int = 1, padding: int = 0
) -> Any:
    """An interactive :func:`conv_diagram`: sliders for n (3..12), F (1..7), P (0..3),
    S (1..4) and the step.

    Each change prints the output size formula with its numbers, e.g.
    ``floor((7 + 2*1 - 3) / 2) + 1 = 4``, and redraws the diagram; an
    impossible configuration (kernel larger than the padded input) prints the
    error instead. The first diagram is drawn at once, so a static export of
    the notebook shows it. Returns an ``ipywidgets.VBox`` (class
    ``ConvExplorer``) with ``sliders`` (a dict: "input", "F", "P", "S",
    "step"), ``output``, ``message`` and ``redraw()``.
    """
    values = {"input": input_size, "F": kernel_size, "P": padding, "S": stride}
    names = {"input": "input_size", "F": "kernel_size", "P": "padding", "S": "stride"}
    for key, value in values.items():
        low, high = _RANGES[key]
        value = _validate.integer(names[key], value)
        if not low <= value <= high:
            raise ValueError(f"{names[key]} must be between {low} and {high}; got {value}")
    return _explorer_class()(int(input_size), int(kernel_size), int(stride), int(padding))
