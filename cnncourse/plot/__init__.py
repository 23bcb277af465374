"""Figures for the lessons, in one consistent style.

Every function returns the matplotlib Figure or Axes it drew on (an animation
returns an object holding its Figure), so a lesson can save it and a test can
inspect it.
"""

from ._conv import (
    ConvAnimation,
    conv_animation,
    conv_diagram,
    conv_explorer,
    conv_step,
    feature_maps,
    kernel,
    kernels,
    visit_heatmap,
    visit_heatmaps,
)
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
from ._pooling import WINDOW_COLORS, pooling
from ._structured import (
    CLASS_COLORS,
    compare_masks,
    connectivity,
    show_boxes,
    show_mask,
    vision_tasks,
)
from ._training import (
    activations,
    confusion_matrix,
    explanation,
    feature_maps_of,
    filters,
    gradcam,
    history,
    misclassified,
    occlusion_map,
)

__all__ = [
    "CLASS_COLORS",
    "WINDOW_COLORS",
    "compare_masks",
    "connectivity",
    "pooling",
    "show_boxes",
    "show_mask",
    "vision_tasks",
    "CHANNEL_COLORS",
    "STYLE",
    "ConvAnimation",
    "activations",
    "channel_histograms",
    "confusion_matrix",
    "conv_animation",
    "conv_diagram",
    "conv_explorer",
    "conv_step",
    "explanation",
    "feature_maps",
    "feature_maps_of",
    "filters",
    "gradcam",
    "history",
    "image_grid",
    "kernel",
    "kernels",
    "misclassified",
    "occlusion_map",
    "pixel_grid",
    "show_channels",
    "show_image",
    "use_style",
    "visit_heatmap",
    "visit_heatmaps",
]
