"""The explanation figure: an image beside the maps of where a classifier looks (the
maps are computed by :mod:`cnncourse.explain`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import _validate
from ..explain import (
    batch_of_one,
    check_class_index,
    check_model,
    class_scores,
    gradcam,
    occlusion_map,
)
from ._common import DIVERGING, class_label, display_range
from ._images import show_image


def explanation(
    model: Any,
    image: Any,
    class_index: int | None = None,
    patch: int | None = None,
    stride: int | None = None,
    labels: Sequence[str] | None = None,
    method: str = "both",
) -> plt.Figure:
    """What the model looks at: the image, its occlusion map and its Grad-CAM map.

    Occlusion (:func:`occlusion_map`): red where hiding the region lowers the class's
    probability, blue where it raises it. Grad-CAM (:func:`gradcam`): bright where the
    last feature maps push towards the class. Both work on every Keras backend.

    Parameters
    ----------
    model : keras.Model
    image : array (H, W, C), (H, W) or (1, H, W, C)
    class_index : int, optional
        The class to explain (default: the predicted one).
    patch, stride : int, optional
        Of the occlusion patch (see :func:`occlusion_map`).
    labels : sequence of str, optional
        Class names for the titles.
    method : {"both", "occlusion", "gradcam"}, default="both"

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import keras
    >>> from cnncourse import plot
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> fig = plot.explanation(model, np.random.rand(8, 8, 1), method="occlusion")
    >>> len(fig.axes)  # the image, the occlusion map and its colorbar
    3
    """
    model = check_model(model)
    _validate.one_of("method", method, ("both", "occlusion", "gradcam"))
    batch = batch_of_one(model, image)
    from ..train import predict_scores

    outputs = predict_scores(model, batch)
    class_index = check_class_index(class_index, outputs)
    probability = float(class_scores(outputs, class_index)[0])
    predicted = check_class_index(None, outputs)
    maps: list[tuple[str, np.ndarray, str]] = []
    if method in ("both", "occlusion"):
        drop = occlusion_map(model, batch, class_index, patch, stride)
        maps.append(("occlusion: probability drop", drop, DIVERGING))
    if method in ("both", "gradcam"):
        maps.append(("Grad-CAM", gradcam(model, batch, class_index), "inferno"))
    fig, axes = plt.subplots(1, 1 + len(maps), figsize=(3.2 * (1 + len(maps)) + 0.6, 3.4))
    axes = np.atleast_1d(axes)
    picture = batch[0]
    show_image(picture if picture.shape[-1] in (1, 3) else picture[..., 0], ax=axes[0])
    axes[0].set_title(
        f"predicted {class_label(labels, predicted)}\n"
        f"p({class_label(labels, class_index)}) = {probability:.3f}",
        fontsize=10,
    )
    gray = picture.mean(axis=-1)
    low, high = display_range(gray)
    for ax, (title, values, cmap) in zip(axes[1:], maps, strict=True):
        ax.imshow(gray, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        if cmap == DIVERGING:
            limit = float(np.abs(values).max()) or 1.0
            norm = mpl.colors.Normalize(-limit, limit)
            strength = np.abs(values) / limit
        else:
            norm = mpl.colors.Normalize(0, 1)
            strength = np.clip(values, 0, 1)
        # each pixel's colour is as opaque as the map is strong: the image shows through
        # where the map is near 0
        overlay = mpl.colormaps[cmap](norm(values))
        overlay[..., 3] = 0.85 * strength
        ax.imshow(overlay, interpolation="nearest")
        fig.colorbar(mpl.cm.ScalarMappable(norm, cmap), ax=ax, shrink=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    fig.suptitle(
        f"what the model looks at for class {class_label(labels, class_index)}",
        fontweight="bold",
        fontsize=11,
    )
    return fig
