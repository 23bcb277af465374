"""Figures for the lessons, in one consistent style.

Every function returns the matplotlib Figure or Axes it drew on (an animation
returns an object holding its Figure, the explorer a widget), so a lesson can
save it and a test can inspect it. The files split the figures by job:

* ``_images``: images, channels, pixel grids, histograms and the course style;
* ``_kernels``: kernels and feature maps; ``_step``: one convolution step worked
  out; ``_diagram``: the padding/stride diagram and visit heat maps;
  ``_animation`` and ``_explorer``: that diagram animated and interactive;
* ``_pooling``: pooling windows; ``_structured``: masks, boxes, the vision tasks,
  connectivity;
* ``_training``: learning curves, confusion matrix, misclassified images;
  ``_optimisers``: several runs (optimisers, learning rates) on one figure;
  ``_inside``: learned kernels, feature maps of a model, activation functions;
  ``_explanation``: where a classifier looks (computed by :mod:`cnncourse.explain`);
* ``_common``: the colours and small helpers they share, and the one function
  working out a convolution's sizes for the figures.

:func:`conv_explorer` (and its class ``ConvExplorer``) needs ipywidgets, which
is imported only when it is first used.

Examples
--------
>>> from cnncourse import plot
>>> plot.STYLE["image.interpolation"]
'nearest'
>>> plot.CHANNEL_COLORS
('#d62728', '#2ca02c', '#1f77b4')
>>> len(plot.WINDOW_COLORS), len(plot.CLASS_COLORS)
(7, 7)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._animation import ConvAnimation, conv_animation
from ._backprop import pool_routing
from ._detection import precision_recall
from ._diagram import conv_diagram, visit_heatmap, visit_heatmaps
from ._explanation import explanation
from ._images import (
    CHANNEL_COLORS,
    STYLE,
    channel_histograms,
    image_grid,
    pixel_grid,
    show_channels,
    show_image,
    use_style,
)
from ._inside import activations, feature_maps_of, learned_kernels
from ._kernels import feature_maps, kernel, kernels
from ._optimisers import compare_runs
from ._pooling import WINDOW_COLORS, pooling
from ._step import conv_step
from ._structured import (
    CLASS_COLORS,
    compare_masks,
    connectivity,
    show_boxes,
    show_mask,
    vision_tasks,
)
from ._training import confusion_matrix, history, misclassified
from ._unet import transposed_conv, unet_diagram

if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers only
    from ._explorer import ConvExplorer, conv_explorer

__all__ = [
    "CHANNEL_COLORS",
    "CLASS_COLORS",
    "STYLE",
    "WINDOW_COLORS",
    "ConvAnimation",
    "ConvExplorer",
    "activations",
    "channel_histograms",
    "compare_masks",
    "compare_runs",
    "confusion_matrix",
    "connectivity",
    "conv_animation",
    "conv_diagram",
    "conv_explorer",
    "conv_step",
    "explanation",
    "feature_maps",
    "feature_maps_of",
    "history",
    "image_grid",
    "kernel",
    "kernels",
    "learned_kernels",
    "misclassified",
    "pixel_grid",
    "pool_routing",
    "precision_recall",
    "pooling",
    "show_boxes",
    "show_channels",
    "show_image",
    "show_mask",
    "transposed_conv",
    "unet_diagram",
    "use_style",
    "visit_heatmap",
    "visit_heatmaps",
    "vision_tasks",
]

# Names whose module imports ipywidgets: imported on first use only.
_WIDGETS = ("ConvExplorer", "conv_explorer")


def __getattr__(name: str):
    if name in _WIDGETS:
        value = getattr(importlib.import_module("._explorer", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WIDGETS))
