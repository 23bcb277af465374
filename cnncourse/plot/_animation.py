"""The convolution diagram as an animation: the kernel window stepping through every
output position, played in Jupyter (and in exported HTML) by a JavaScript player."""

from __future__ import annotations

import base64
import functools
import io
import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from .. import _validate
from ._common import FULL_FIGURE, Geometry, geometry
from ._diagram import new_diagram_figure, render_diagram

_MAX_FRAMES = 50
_ANIMATION_FONT_SCALE = 1.2  # frames are small (75 dpi): larger text


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


#: The player's button icons as inline SVG (matplotlib's player links Font Awesome from a CDN,
#: which an offline classroom or a static site cannot reach: its buttons would be blank).
_ICONS = {
    "minus": "M2 7h12v2H2z",
    "plus": "M7 2h2v5h5v2H9v5H7V9H2V7h5z",
    "fast-backward": "M15 2l-6 6 6 6zM9 2L3 8l6 6zM1 2h2v12H1z",
    "step-backward": "M13 2L5 8l8 6zM3 2h2v12H3z",
    "play fa-flip-horizontal": "M12 2L2 8l10 6z",
    "pause": "M3 2h4v12H3zM9 2h4v12H9z",
    "play": "M4 2l10 6-10 6z",
    "step-forward": "M3 2l8 6-8 6zM11 2h2v12h-2z",
    "fast-forward": "M1 2l6 6-6 6zM7 2l6 6-6 6zM13 2h2v12h-2z",
}
_ICON = re.compile(r'<i class="fa fa-([a-z -]+)"></i>')
_CDN_LINK = re.compile(r"<link[^>]*?href=\"https?://[^\"]*\"[^>]*>\s*")


def _offline_player(html: str) -> str:
    r"""matplotlib's jshtml player with no link to a CDN: its icons drawn as inline SVG.

    Examples
    --------
    >>> link = '<link rel="stylesheet"\nhref="https://cdn.example/fa.css">\n'
    >>> print(_offline_player(link + '<i class="fa fa-play"></i>'))  # doctest: +ELLIPSIS
    <svg ... aria-hidden="true"><path d="M4 2l10 6-10 6z"/></svg>
    """

    def icon(match: re.Match) -> str:
        path = _ICONS.get(match.group(1))
        if path is None:  # an icon this table does not know: a plain bullet, never blank
            return "&#9679;"
        return (
            '<svg viewBox="0 0 16 16" width="12" height="12" fill="currentColor" '
            f'aria-hidden="true"><path d="{path}"/></svg>'
        )

    return _ICON.sub(icon, _CDN_LINK.sub("", html))


class ConvAnimation:
    """An animation of the kernel window sliding over the input (see :func:`conv_animation`).

    Attributes: ``figure`` (the matplotlib Figure, closed in pyplot so Jupyter
    shows the animation only once), ``animation`` (the ``FuncAnimation``, made
    on first use), ``frames`` (number of frames) and ``steps`` (the output
    position shown in each frame). In Jupyter the object displays as an
    HTML/JavaScript player (``animation.to_jshtml()``), which also works in HTML
    exported by nbconvert.

    Examples
    --------
    >>> from cnncourse import plot
    >>> animation = plot.conv_animation(4, 3)
    >>> animation
    <ConvAnimation: 4 frames, F=3, P=0, S=1>
    >>> animation.steps
    [0, 1, 2, 3]
    """

    def __init__(self, geo: Geometry, steps: list[int], interval: int, dpi: float) -> None:
        self.geometry = geo
        self.steps = steps
        self.frames = len(steps)
        self.dpi = dpi
        self.interval = interval
        self._html: str | None = None
        self._frame = new_diagram_figure(geo, (7.0, 3.5), dpi, scale=_ANIMATION_FONT_SCALE)
        self.figure = self._frame.figure
        plt.close(self.figure)

    @functools.cached_property
    def animation(self) -> FuncAnimation:
        """The ``FuncAnimation`` playing the frames, made when first asked for.

        Made only when it is rendered (or asked for): matplotlib warns "Animation
        was deleted without rendering anything" about a FuncAnimation collected
        without ever being drawn or saved, and ``to_jshtml()`` renders it.
        """
        return FuncAnimation(
            self.figure,
            self._draw,
            frames=self.frames,
            interval=self.interval,
            repeat=True,
            blit=False,
        )

    def _draw(self, frame: int) -> list:
        render_diagram(self.figure, self._frame.ax, self.geometry, self.steps[frame], self._frame)
        return []

    def _repr_html_(self) -> str:
        if self._html is None:
            with mpl.rc_context(FULL_FIGURE | {"savefig.dpi": self.dpi}):
                self._html = _offline_player(_smaller_frames(self.animation.to_jshtml()))
        return self._html

    def save_frame(self, i: int, path: str | Path) -> Path:
        """Write frame ``i`` (0-based) as a PNG file; returns its path."""
        i = _validate.integer("i", i)
        if not 0 <= i < self.frames:
            raise ValueError(f"i must be a frame number between 0 and {self.frames - 1}; got {i}")
        path = Path(path)
        self._draw(i)
        with mpl.rc_context(FULL_FIGURE):
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

    Examples
    --------
    >>> from cnncourse import plot
    >>> animation = plot.conv_animation(5, 3, stride=2, padding=1)
    >>> animation.frames, animation.steps[:3]
    (9, [0, 1, 2])
    """
    geo = geometry(input_size, kernel_size, stride, padding)
    interval = _validate.integer("interval", interval, minimum=20)
    dpi = _validate.number("dpi", dpi, low=30, high=200)
    steps = list(range(geo.positions))
    if len(steps) > _MAX_FRAMES:
        steps = sorted({int(round(s)) for s in np.linspace(0, geo.positions - 1, _MAX_FRAMES)})
    return ConvAnimation(geo, steps, interval, dpi)
