"""Figures of kernels and of what they produce: one kernel with its weights written
in, several kernels side by side (a Keras ``Conv2D`` kernel too), and feature maps.

Kernels use the diverging ``"RdBu_r"`` colormap centred at 0 (red positive, blue
negative, white zero), like every signed value in the course's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import _validate
from ._common import DIVERGING, clean, frame_axes, shrink_text, symmetric_limit
from ._images import pixel_grid


def kernel_array(name: str, value: Any) -> np.ndarray:
    """``value`` checked to be a 2-D kernel small enough to write out (at most 16x16)."""
    array = _validate.image(name, value, ndim=(2,))
    if max(array.shape) > 16:
        raise ValueError(f"{name} is too large to annotate (at most 16x16); got {array.shape}")
    return array


def kernel(kernel: np.ndarray, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """A 2-D kernel (F_h, F_w) as a grid with its weights written in the cells.

    Colours: ``"RdBu_r"`` centred at 0 (red positive, blue negative, white 0),
    on the range -m..m where m is the largest absolute weight. The default title
    gives the kernel's size. Returns the Axes.

    Examples
    --------
    >>> from cnncourse import plot
    >>> ax = plot.kernel(np.eye(3))
    >>> ax.get_title(), ax.images[0].get_clim()
    ('kernel 3x3', (-1.0, 1.0))
    """
    array = kernel_array("kernel", kernel)
    return draw_kernel(array, ax, title, symmetric_limit(array))


def draw_kernel(array: np.ndarray, ax: plt.Axes | None, title: str | None, limit: float):
    """Draw a checked 2-D kernel on the colour range -limit..limit; returns the Axes."""
    if title is None:
        title = f"kernel {array.shape[0]}x{array.shape[1]}"
    values = clean(array) if np.issubdtype(array.dtype, np.floating) else array
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
    panels = [kernel_array(f"kernels[{i}]", k) for i, k in enumerate(kernels)]
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

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.kernels([np.eye(3), -np.eye(3)], titles=["diagonal", "minus"])
    >>> [ax.get_title() for ax in fig.axes]
    ['diagonal', 'minus']
    """
    panels, default_titles, ncols = _kernel_panels(kernels)
    n = len(panels)
    if n == 0:
        raise ValueError("kernels must hold at least one kernel; got 0")
    if n > 64:
        raise ValueError(f"kernels must hold at most 64 panels to stay readable; got {n}")
    for i, panel in enumerate(panels):
        kernel_array(f"kernels[{i}]", panel)
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
    shared = max(symmetric_limit(p) for p in panels)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_axis_off()
            continue
        limit = shared if shared_scale else symmetric_limit(panels[i])
        draw_kernel(panels[i], ax, titles[i], limit)
        frame_axes(ax)
        ax.title.set_fontweight("normal")
        ax.title.set_fontsize(10)
        shrink_text(ax, cell, 5)
    return fig


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

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.feature_maps(np.random.default_rng(0).random((6, 6, 2)))
    >>> fig.get_suptitle()
    '2 feature maps of 6x6 (each on its own colour scale)'
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
            limit = symmetric_limit(data)
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
        frame_axes(ax, "#aaaaaa", 0.6)
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
