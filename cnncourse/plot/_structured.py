"""Figures for structured outputs and the big picture: masks and boxes drawn over
images, the four vision tasks, and how dense, local and shared connections differ."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.patheffects as patheffects
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch, Rectangle

from .. import _validate
from ._images import show_image

#: Colours of classes 1, 2, 3, ... in masks and boxes (class 0 is the background).
CLASS_COLORS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf")


def _class_color(index: int) -> str:
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def show_mask(
    image: np.ndarray,
    mask: np.ndarray,
    class_names: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    alpha: float = 0.75,
    title: str | None = None,
) -> plt.Axes:
    """A per-pixel class mask laid over an image, with a legend.

    ``mask`` is (H, W) of ints: 0 is the background (left clear), class ``c``
    (1, 2, ...) is painted in ``CLASS_COLORS[c - 1]`` and named
    ``class_names[c - 1]`` in the legend. The image is shown in faded gray
    so the class colours stand out whatever its own colours. Returns the Axes.

    Examples
    --------
    >>> from cnncourse import plot
    >>> mask = np.zeros((8, 8), int)
    >>> mask[2:5, 2:5] = 1
    >>> ax = plot.show_mask(np.zeros((8, 8)), mask, ["square"])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['square']
    """
    mask = np.asarray(mask)
    image = _validate.image("image", image, ndim=(2, 3))
    if mask.ndim != 2 or mask.shape != image.shape[:2]:
        raise ValueError(
            f"mask must have shape {image.shape[:2]} (the image's H, W); got {mask.shape}"
        )
    values = image.astype(np.float64) / (255 if np.issubdtype(image.dtype, np.integer) else 1)
    gray = (
        values @ [0.299, 0.587, 0.114]
        if values.ndim == 3 and values.shape[-1] == 3
        else (values.reshape(values.shape[:2]))
    )
    ax = show_image(0.35 + 0.5 * np.clip(gray, 0, 1), title=title, ax=ax, vmin=0, vmax=1)
    overlay = np.zeros((*mask.shape, 4))
    present = [int(c) for c in np.unique(mask) if c > 0]
    for c in present:
        overlay[mask == c] = (*mpl.colors.to_rgb(_class_color(c - 1)), alpha)
    ax.imshow(overlay)
    if present:
        names = class_names or [f"class {c}" for c in range(1, max(present) + 1)]
        handles = [Patch(color=_class_color(c - 1), label=names[c - 1]) for c in present]
        ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.8)
    return ax


def compare_masks(
    image: np.ndarray,
    true_mask: np.ndarray,
    pred_mask: np.ndarray,
    class_names: Sequence[str] | None = None,
    size: float = 3.0,
) -> plt.Figure:
    """Image, true mask and predicted mask side by side, plus the pixels that differ.

    Examples
    --------
    >>> from cnncourse import plot
    >>> true = np.zeros((4, 4), int)
    >>> pred = true.copy()
    >>> pred[0, 0] = 1
    >>> fig = plot.compare_masks(np.zeros((4, 4)), true, pred)
    >>> fig.axes[3].get_title()
    'wrong pixels: 6.2%'
    """
    fig, axes = plt.subplots(1, 4, figsize=(4 * size, size + 0.4))
    show_image(image, "image", ax=axes[0])
    show_mask(image, true_mask, class_names, ax=axes[1], title="true mask")
    show_mask(image, pred_mask, class_names, ax=axes[2], title="predicted mask")
    wrong = np.asarray(true_mask) != np.asarray(pred_mask)
    show_image(wrong.astype(float), f"wrong pixels: {wrong.mean():.1%}", ax=axes[3], vmin=0, vmax=1)
    return fig


def show_boxes(
    image: np.ndarray,
    boxes: np.ndarray,
    labels: Sequence[int] | None = None,
    scores: Sequence[float] | None = None,
    class_names: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    linestyle: str = "-",
) -> plt.Axes:
    """Boxes (x_min, y_min, x_max, y_max) in pixel-edge coordinates drawn on an image.

    Each box is coloured by its label (``CLASS_COLORS[label]``) and captioned
    with the class name and the score when given. Returns the Axes.

    Examples
    --------
    >>> from cnncourse import plot
    >>> ax = plot.show_boxes(np.zeros((16, 16)), [[2, 2, 10, 12]], labels=[0], class_names=["box"])
    >>> len(ax.patches), ax.texts[0].get_text()
    (1, 'box')
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if labels is not None and len(labels) != len(boxes):
        raise ValueError(f"labels must have one entry per box ({len(boxes)}); got {len(labels)}")
    if scores is not None and len(scores) != len(boxes):
        raise ValueError(f"scores must have one entry per box ({len(boxes)}); got {len(scores)}")
    ax = show_image(image, title=title, ax=ax)
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        label = None if labels is None else int(labels[i])
        color = "yellow" if label is None else _class_color(label)
        # pixel (r, c) is drawn centred on (c, r): its edges are at +-0.5
        rectangle = Rectangle(
            (x0 - 0.5, y0 - 0.5),
            x1 - x0,
            y1 - y0,
            fill=False,
            edgecolor=color,
            linewidth=2.2,
            linestyle=linestyle,
        )
        rectangle.set_path_effects([patheffects.withStroke(linewidth=3.2, foreground="white")])
        ax.add_patch(rectangle)
        caption = []
        if label is not None:
            caption.append(class_names[label] if class_names else str(label))
        if scores is not None:
            caption.append(f"{scores[i]:.2f}")
        if caption:
            ax.text(
                x0 - 0.5,
                y0 - 1,
                " ".join(caption),
                color="white",
                fontsize=7,
                va="bottom",
                bbox={"facecolor": color, "edgecolor": "none", "pad": 1},
            )
    return ax


def vision_tasks(seed: int = 0, size: int = 48) -> plt.Figure:
    """The four vision tasks, each drawn on synthetic shapes.

    Classification (one label), classification + localization (a label and a
    box), object detection (a box and label per object) and semantic
    segmentation (a label per pixel).

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.vision_tasks()
    >>> len(fig.axes)
    4
    """
    from ..data import SHAPE_CLASSES, shapes

    one = shapes(1, size=size, seed=seed)
    many = shapes(4, size=size // 2, seed=seed + 1)
    mosaic = np.concatenate(
        [np.concatenate(many.images[:2], axis=1), np.concatenate(many.images[2:], axis=1)], axis=0
    )
    half = size // 2
    offsets = np.array([[0, 0], [half, 0], [0, half], [half, half]], dtype=np.float32)
    mosaic_boxes = many.boxes + np.tile(offsets, 2)
    label = int(one.labels[0])
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.6))
    show_image(one.images[0], f'classification\n"{SHAPE_CLASSES[label]}"', ax=axes[0])
    show_boxes(
        one.images[0],
        one.boxes,
        [label],
        class_names=SHAPE_CLASSES,
        ax=axes[1],
        title="classification + localization\none label, one box",
    )
    show_boxes(
        mosaic,
        mosaic_boxes,
        many.labels,
        class_names=SHAPE_CLASSES,
        ax=axes[2],
        title="object detection\na box and label per object",
    )
    show_mask(
        one.images[0],
        one.masks[0],
        SHAPE_CLASSES,
        ax=axes[3],
        title="semantic segmentation\na label per pixel",
    )
    return fig


def connectivity(n_inputs: int = 7, kernel_size: int = 3) -> plt.Figure:
    """Dense vs locally connected vs convolutional connections, in one dimension.

    Inputs along the bottom, outputs (no padding, stride 1) along the top; each
    line is one weight, and lines of the same colour share the same weight.
    Panel titles give the number of weights of each (biases not counted).

    Examples
    --------
    >>> from cnncourse import plot
    >>> fig = plot.connectivity(5, 3)
    >>> [ax.get_title().split("\\n")[0] for ax in fig.axes]
    ['fully connected', 'locally connected (unshared)', 'convolution (shared weights)']
    """
    n_inputs = _validate.integer("n_inputs", n_inputs, minimum=2)
    kernel_size = _validate.integer("kernel_size", kernel_size, minimum=1)
    if kernel_size > n_inputs:
        raise ValueError(f"kernel_size {kernel_size} is larger than n_inputs {n_inputs}")
    n_outputs = n_inputs - kernel_size + 1
    x_in = np.arange(n_inputs, dtype=float)
    x_out = np.arange(n_outputs) + (kernel_size - 1) / 2
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    palette = mpl.colormaps["tab20"]
    panels = [
        (
            "fully connected",
            [(i, j, i * n_inputs + j) for i in range(n_outputs) for j in range(n_inputs)],
        ),
        (
            "locally connected (unshared)",
            [(i, i + k, i * kernel_size + k) for i in range(n_outputs) for k in range(kernel_size)],
        ),
        (
            "convolution (shared weights)",
            [(i, i + k, k) for i in range(n_outputs) for k in range(kernel_size)],
        ),
    ]
    for ax, (name, edges) in zip(axes, panels, strict=True):
        distinct = len({w for _, _, w in edges})
        for i, j, w in edges:
            color = "#999999" if name.startswith("fully") else palette(w % 20)
            ax.plot([x_in[j], x_out[i]], [0, 1], color=color, linewidth=1.6, zorder=1)
        ax.scatter(x_in, np.zeros(n_inputs), s=160, color="#9ecae1", edgecolor="#3a6f9a", zorder=2)
        ax.scatter(x_out, np.ones(n_outputs), s=160, color="#a1d99b", edgecolor="#3f8f4f", zorder=2)
        ax.set_title(f"{name}\n{len(edges)} connections, {distinct} different weights")
        ax.set_xlim(-0.6, n_inputs - 0.4)
        ax.set_ylim(-0.3, 1.3)
        ax.set_axis_off()
    axes[0].text(-0.5, -0.22, "inputs", fontsize=9)
    axes[0].text(-0.5, 1.15, "outputs", fontsize=9)
    return fig
