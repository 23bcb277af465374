"""Figures of images: whole images, channels, grids, annotated pixel values, histograms."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import _validate
from ._common import display_range

#: The course's figure style (applied by :func:`use_style` and ``env.setup``).
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "image.interpolation": "nearest",  # pixels stay square: never blur what we teach
    "image.cmap": "gray",
    "figure.constrained_layout.use": True,
}

#: Colours for the R, G and B channels in every figure.
CHANNEL_COLORS = ("#d62728", "#2ca02c", "#1f77b4")


def use_style() -> None:
    """Apply the course's matplotlib style to every later figure.

    Examples
    --------
    >>> from cnncourse import plot
    >>> plot.use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["image.interpolation"]
    'nearest'
    """
    mpl.rcParams.update(STYLE)


def _prepare(image: np.ndarray, name: str = "image") -> np.ndarray:
    array = _validate.image(name, image, ndim=(2, 3))
    if array.ndim == 3:
        if array.shape[-1] == 1:
            return array[..., 0]
        if array.shape[-1] not in (3, 4):
            raise ValueError(
                f"{name} must have 1, 3 or 4 channels to be shown as a picture; got shape "
                f"{array.shape} (use image_grid on the channels to see them one by one)"
            )
        if np.issubdtype(array.dtype, np.floating):
            return np.clip(array, 0, 1)
    return array


def show_image(
    image: np.ndarray,
    title: str | None = None,
    ax: plt.Axes | None = None,
    cmap: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = False,
    axis: bool = False,
) -> plt.Axes:
    """Show one image: (H, W), (H, W, 1) in gray, or (H, W, 3) in colour.

    Integer images are shown on 0..255 and float images on 0..1 (when their
    values lie there) rather than stretched to full contrast; pass ``vmin`` and
    ``vmax`` to choose. Returns the Axes.

    Examples
    --------
    >>> from cnncourse import plot
    >>> ax = plot.show_image(np.zeros((8, 8), np.uint8), "black")
    >>> ax.get_title(), ax.images[0].get_clim()
    ('black', (0.0, 255.0))
    """
    array = _prepare(image)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    low, high = display_range(array) if array.ndim == 2 else (None, None)
    shown = ax.imshow(
        array,
        cmap=(cmap or "gray") if array.ndim == 2 else None,
        vmin=low if vmin is None else vmin,
        vmax=high if vmax is None else vmax,
    )
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, shrink=0.8)
    if not axis:
        ax.set_axis_off()
    return ax


def show_channels(image: np.ndarray, names: Sequence[str] = ("red", "green", "blue")) -> plt.Figure:
    """An RGB image split into its channels, each in its own colour and in gray.

    Top row: the image, then R, G and B each tinted with its colour. Bottom
    row: the luminance (BT.601 grayscale), then each channel as a grayscale
    intensity image on the same 0..max scale. Returns the Figure.

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.show_channels(np.zeros((4, 4, 3)))
    >>> len(fig.axes)
    8
    """
    array = _validate.image("image", image, channels=(3,), ndim=(3,))
    top = 255 if np.issubdtype(array.dtype, np.integer) else 1.0
    values = array.astype(np.float64) / top
    fig, axes = plt.subplots(2, 4, figsize=(11, 5.6))
    show_image(np.clip(values, 0, 1), "RGB image", ax=axes[0, 0])
    from ..images import rgb_to_grayscale

    show_image(rgb_to_grayscale(values), "grayscale (luminance)", ax=axes[1, 0], vmin=0, vmax=1)
    for c, name in enumerate(names):
        tinted = np.zeros_like(values)
        tinted[..., c] = values[..., c]
        show_image(np.clip(tinted, 0, 1), f"{name} channel", ax=axes[0, c + 1])
        show_image(values[..., c], f"{name} as intensity", ax=axes[1, c + 1], vmin=0, vmax=1)
        axes[0, c + 1].title.set_color(CHANNEL_COLORS[c])
    return fig


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    size: float = 2.0,
    cmap: str | None = None,
    suptitle: str | None = None,
) -> plt.Figure:
    """Several images in a grid, each with an optional title. Returns the Figure.

    ``images`` is a sequence of images or an array (N, H, W) / (N, H, W, C).

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.image_grid(np.zeros((3, 8, 8)), titles=["a", "b", "c"], ncols=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b', 'c', '']
    """
    images = list(images)
    n = len(images)
    if n == 0:
        raise ValueError("images must hold at least one image; got 0")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}); got {len(titles)}")
    ncols = _validate.integer("ncols", ncols, minimum=1) if ncols else min(n, 8)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows + 0.3 * bool(titles)), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        if i < n:
            show_image(images[i], titles[i] if titles is not None else None, ax=ax, cmap=cmap)
            if titles is not None:
                ax.title.set_fontweight("normal")
        else:
            ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    return fig


def pixel_grid(
    values: np.ndarray,
    ax: plt.Axes | None = None,
    title: str | None = None,
    fmt: str | None = None,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
) -> plt.Axes:
    """A small array drawn as a grid of cells with each value written in its cell.

    ``values`` is (H, W) (shaded with ``cmap``) or (H, W, 3) (shown in colour,
    each cell labelled with its R, G, B values). Meant for crops up to about
    12x12 and for kernels. Returns the Axes.

    Examples
    --------
    >>> from cnncourse import plot
    >>> ax = plot.pixel_grid(np.array([[0, 128], [200, 255]]))
    >>> [t.get_text() for t in ax.texts]
    ['0', '128', '200', '255']
    """
    array = _validate.image("values", values, ndim=(2, 3))
    if array.ndim == 3 and array.shape[-1] != 3:
        raise ValueError(f"values must have shape (H, W) or (H, W, 3); got {array.shape}")
    if max(array.shape[:2]) > 16:
        raise ValueError(f"values is too large to annotate (at most 16x16); got {array.shape}")
    if fmt is None:
        integral = np.issubdtype(array.dtype, np.integer) or np.all(np.mod(array, 1) == 0)
        fmt = "{:.0f}" if integral else "{:.2f}"
    height, width = array.shape[:2]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * width + 0.8, 0.55 * height + 0.6))
    if array.ndim == 2:
        low, high = display_range(array)
        vmin = low if vmin is None else vmin
        vmax = high if vmax is None else vmax
        ax.imshow(array, cmap=cmap, vmin=vmin, vmax=vmax)
        scale = mpl.colors.Normalize(
            vmin if vmin is not None else array.min(), vmax if vmax is not None else array.max()
        )
        brightness = np.asarray(scale(array.astype(np.float64)))
        if cmap != "gray":
            brightness = np.asarray(mpl.colormaps[cmap](brightness))[..., :3] @ [
                0.299,
                0.587,
                0.114,
            ]
    else:
        ax.imshow(_prepare(array, "values"))
        top = 255 if np.issubdtype(array.dtype, np.integer) else 1.0
        brightness = (array.astype(np.float64) / top) @ np.array([0.299, 0.587, 0.114])
    for y in range(height):
        for x in range(width):
            if array.ndim == 2:
                text, size = fmt.format(array[y, x]), 9
            else:
                text, size = "\n".join(fmt.format(v) for v in array[y, x]), 6.5
            ax.text(
                x,
                y,
                text,
                ha="center",
                va="center",
                fontsize=size,
                color="black" if brightness[y, x] > 0.5 else "white",
            )
    ax.set_xticks(np.arange(-0.5, width, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, height, 1), minor=True)
    ax.grid(which="minor", color="#888888", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def channel_histograms(
    image: np.ndarray, ax: plt.Axes | None = None, bins: int = 64, title: str | None = None
) -> plt.Axes:
    """Histograms of the values of each channel, in the channel colours. Returns the Axes.

    Examples
    --------
    >>> from cnncourse import plot
    >>> ax = plot.channel_histograms(np.random.default_rng(0).random((8, 8, 3)))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['red', 'green', 'blue']
    """
    array = _validate.image("image", image, ndim=(2, 3))
    if array.ndim == 2:
        array = array[..., None]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    low, high = float(array.min()), float(array.max())
    names = (
        ("red", "green", "blue")
        if array.shape[-1] == 3
        else [f"channel {c}" for c in range(array.shape[-1])]
    )
    colors = CHANNEL_COLORS if array.shape[-1] == 3 else [None] * array.shape[-1]
    for c in range(array.shape[-1]):
        ax.hist(
            array[..., c].ravel(),
            bins=bins,
            range=(low, high if high > low else low + 1),
            histtype="step",
            linewidth=1.5,
            color=colors[c],
            label=names[c],
        )
    ax.set_xlabel("pixel value")
    ax.set_ylabel("number of pixels")
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax
