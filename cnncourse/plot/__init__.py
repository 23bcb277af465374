"""Figures for the lessons, in one consistent style.

Every function returns the matplotlib Figure or Axes it drew on (an animation
returns an object holding its Figure), so a lesson can save it and a test can
inspect it.
"""

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
    "channel_histograms",
    "image_grid",
    "pixel_grid",
    "show_channels",
    "show_image",
    "use_style",
]
