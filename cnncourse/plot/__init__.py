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

__all__ = [
    "CHANNEL_COLORS",
    "STYLE",
    "ConvAnimation",
    "channel_histograms",
    "conv_animation",
    "conv_diagram",
    "conv_explorer",
    "conv_step",
    "feature_maps",
    "image_grid",
    "kernel",
    "kernels",
    "pixel_grid",
    "show_channels",
    "show_image",
    "use_style",
    "visit_heatmap",
    "visit_heatmaps",
]
