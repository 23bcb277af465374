"""The padding and stride figures: the "convolution arithmetic" diagram (after Dumoulin
& Visin) of one window position, and heat maps of how often each input pixel is visited.

In the diagram input cells are blue, padding cells light gray with dashed edges,
output cells green, and the current window and its output cell orange. The same
diagram, redrawn step by step, makes :func:`cnncourse.plot.conv_animation` and
:func:`cnncourse.plot.conv_explorer` (they use :func:`new_diagram_figure` and
:func:`render_diagram`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .. import _validate
from ._common import COUNTS, HIGHLIGHT, PAD_FACE, Geometry, frame_axes, geometry, shrink_text
from ._images import pixel_grid

_PAD_EDGE = "#9a9a9a"
_INPUT_FACE = "#9ecae1"
_INPUT_EDGE = "#3a6f9a"
_WINDOW_FACE = "#fdae6b"
_WINDOW_PAD_FACE = "#fdd9b5"
_OUT_FACE = "#e5f5e0"
_OUT_DONE = "#a1d99b"
_OUT_EDGE = "#3f8f4f"


# --------------------------------------------------------------------------- visits


def _visit_counts(geo: Geometry) -> np.ndarray:
    from .. import ops

    return np.asarray(ops.visit_counts(geo.size, geo.kernel, geo.stride, geo.padding))


def _draw_visits(
    ax: plt.Axes, geo: Geometry, counts: np.ndarray, vmax: float, title: str | None
) -> mpl.image.AxesImage:
    if max(counts.shape) <= 12:
        pixel_grid(counts, ax=ax, cmap=COUNTS, vmin=0, vmax=vmax)
    else:
        ax.imshow(counts, cmap=COUNTS, vmin=0, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
    frame_axes(ax)
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

    Examples
    --------
    >>> from cnncourse import plot
    >>> ax = plot.visit_heatmap(5, 3, padding=1)
    >>> ax.get_title()
    '5x5 input, F=3, P=1, S=1\\n→ 5x5 output'
    """
    geo = geometry(input_size, kernel_size, stride, padding)
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

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.visit_heatmaps(6, 3, [dict(padding=0), dict(stride=2)])
    >>> fig.get_suptitle()
    'How often each pixel of a 6x6 input is visited by a 3x3 kernel'
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
            geometry(input_size, kernel_size, config.get("stride", 1), config.get("padding", 0))
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
            shrink_text(ax, panel / size[1], 2)
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


def _check_step(step: Any, geo: Geometry) -> int:
    step = _validate.integer("step", step)
    if not 0 <= step < geo.positions:
        raise ValueError(
            f"step must be between 0 and {geo.positions - 1} (the {geo.out[0]}x{geo.out[1]} "
            f"output has {geo.positions} positions); got {step}"
        )
    return step


_GAP = 2.5  # cells between the input and the output grid


@dataclass(frozen=True)
class _Fit:
    """How a diagram fits its area: cell size, label font and the room under the grids."""

    cell: float  # points per cell
    fontsize: float
    input_label: str
    label_rows: float  # cell units under the grids

    def height(self, geo: Geometry) -> float:
        """Points needed by the diagram (grids and labels)."""
        return self.cell * (_grid_height(geo) + 0.3 + self.label_rows)


def _grid_height(geo: Geometry) -> int:
    return max(geo.padded[0], geo.out[0])


def _total_width(geo: Geometry) -> float:
    return geo.padded[1] + _GAP + geo.out[1]


def _fit(geo: Geometry, width: float, height: float | None, min_font: float) -> _Fit:
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


def _draw_diagram(ax: plt.Axes, geo: Geometry, step: int, fit: _Fit) -> None:
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
                face = _WINDOW_PAD_FACE if in_window else PAD_FACE
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


def _diagram_header(geo: Geometry, step: int) -> tuple[str, str]:
    """Bold first line; then the size formula(s) and the step (one or two lines)."""
    row, col = divmod(step, geo.out[1])
    first = f"{geo.size[0]}x{geo.size[1]} input, {geo.short()}  →  {geo.out[0]}x{geo.out[1]} output"
    formulas = geo.formulas()
    where = f"step {step + 1} of {geo.positions} → output[{row}, {col}]"
    if len(formulas) == 1:
        return first, f"output size: {formulas[0]}   |   {where}"
    return first, "output size: " + ";  ".join(formulas) + "\n" + where


def _header_inches(geo: Geometry, scale: float) -> float:
    lines = len(geo.formulas())  # one line (formula | step) or two (rows; cols / step)
    return (0.1 + (11 + 9 * lines) * 1.4 / 72) * scale


@dataclass(frozen=True)
class DiagramFigure:
    """A figure made for the diagram: its Axes, fit and header font scale."""

    figure: plt.Figure
    ax: plt.Axes
    fit: _Fit
    scale: float


def new_diagram_figure(
    geo: Geometry, figsize: tuple[float, float] | None, dpi: float | None, scale: float = 1.0
) -> DiagramFigure:
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
    return DiagramFigure(fig, ax, fit, scale)


def render_diagram(
    fig: plt.Figure, ax: plt.Axes, geo: Geometry, step: int, frame: DiagramFigure | None
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

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.conv_diagram(5, 3, stride=2, padding=1, step=1)
    >>> fig.texts[0].get_text()
    '5x5 input, F=3, P=1, S=2  →  3x3 output'
    """
    geo = geometry(input_size, kernel_size, stride, padding)
    step = _check_step(step, geo)
    if ax is None:
        frame = new_diagram_figure(geo, None, None)
        fig = frame.figure
        render_diagram(fig, frame.ax, geo, step, frame)
    else:
        fig = ax.figure
        render_diagram(fig, ax, geo, step, None)
    return fig
