"""The interactive convolution explorer: sliders for n, F, P, S and the step, redrawing
the :func:`cnncourse.plot.conv_diagram` below them.

This module imports ipywidgets; ``cnncourse.plot`` imports it only when
:func:`conv_explorer` is first used, so the other figures work without it.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import matplotlib.pyplot as plt

from .. import _validate
from ._common import FULL_FIGURE, geometry
from ._diagram import new_diagram_figure, render_diagram

_RANGES = {"input": (3, 12), "F": (1, 7), "P": (0, 3), "S": (1, 4)}


class ConvExplorer(widgets.VBox):
    """Sliders for n, F, P, S and the step, redrawing :func:`conv_diagram` below them.

    ``sliders`` maps "input", "F", "P", "S" and "step" to the IntSliders;
    ``output`` is the ``ipywidgets.Output`` with the printed formula and the
    diagram; ``message`` is the text printed last (the output size formula,
    or the error for an impossible configuration); ``image`` the last
    diagram as PNG bytes (None when impossible); ``redraw()`` redraws now.

    Examples
    --------
    >>> from cnncourse import plot
    >>> explorer = plot.conv_explorer(5, 3)
    >>> isinstance(explorer, plot.ConvExplorer)
    True
    >>> explorer.sliders["S"].value = 2
    >>> explorer.message
    'output size = floor((5 + 2*0 - 3) / 2) + 1 = 2  →  2x2 output, 4 window positions'
    """

    def __init__(self, input_size: int, kernel_size: int, stride: int, padding: int) -> None:
        def slider(value: int, bounds: tuple[int, int], description: str):
            return widgets.IntSlider(
                value=value,
                min=bounds[0],
                max=bounds[1],
                description=description,
                continuous_update=False,
                style={"description_width": "110px"},
                layout=widgets.Layout(width="330px"),
            )

        sliders = {
            "input": slider(input_size, _RANGES["input"], "input size n"),
            "F": slider(kernel_size, _RANGES["F"], "kernel size F"),
            "P": slider(padding, _RANGES["P"], "padding P"),
            "S": slider(stride, _RANGES["S"], "stride S"),
            "step": slider(0, (0, 0), "step"),
        }
        output = widgets.Output()
        super().__init__(
            children=[
                widgets.HBox([sliders["input"], sliders["F"]]),
                widgets.HBox([sliders["P"], sliders["S"]]),
                sliders["step"],
                output,
            ]
        )
        self.sliders = sliders
        self.output = output
        self.message = ""
        self.image: bytes | None = None
        self._busy = False
        for item in sliders.values():
            item.observe(self._changed, names="value")
        self.redraw()

    def _changed(self, _change: Any = None) -> None:
        if not self._busy:
            self.redraw()

    def redraw(self) -> str:
        """Redraw for the current slider values; returns the printed message."""
        n, f, p, s = (self.sliders[k].value for k in ("input", "F", "P", "S"))
        step_slider = self.sliders["step"]
        try:
            geo = geometry(n, f, s, p)
        except ValueError as error:
            self.message = f"impossible configuration: {error}"
            self.image = None
            self._busy = True
            try:
                step_slider.disabled = True
            finally:
                self._busy = False
            self._show(self.message, None)
            return self.message
        self._busy = True
        try:
            step_slider.disabled = False
            step_slider.max = geo.positions - 1
            step = min(step_slider.value, geo.positions - 1)
            step_slider.value = step
        finally:
            self._busy = False
        frame = new_diagram_figure(geo, (7.0, 3.6), 90)
        fig = frame.figure
        render_diagram(fig, frame.ax, geo, step, frame)
        buffer = io.BytesIO()
        with mpl.rc_context(FULL_FIGURE):
            fig.savefig(buffer, format="png", dpi=90)
        plt.close(fig)
        self.image = buffer.getvalue()
        out = f"{geo.out[0]}x{geo.out[1]}"
        self.message = (
            "output size = " + ";  ".join(geo.formulas()) + f"  →  {out} output, "
            f"{geo.positions} window position{'s' * (geo.positions != 1)}"
        )
        self._show(self.message, self.image)
        return self.message

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # The live widget, plus the current diagram as a picture for viewers that
        # cannot run widgets (GitHub, HTML exported without the widget state).
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict) and self.image is not None:
            bundle["image/png"] = base64.b64encode(self.image).decode("ascii")
            bundle["text/plain"] = self.message
        return bundle

    def _show(self, message: str, image: bytes | None) -> None:
        # Written straight into the Output widget's state (no display capture),
        # so it works in any kernel, headless too, and is saved with the notebook.
        outputs = [{"output_type": "stream", "name": "stdout", "text": message + "\n"}]
        if image is not None:
            outputs.append(
                {
                    "output_type": "display_data",
                    "data": {
                        "image/png": base64.b64encode(image).decode("ascii"),
                        "text/plain": "<convolution diagram>",
                    },
                    "metadata": {},
                }
            )
        self.output.outputs = tuple(outputs)


def conv_explorer(
    input_size: int = 7, kernel_size: int = 3, stride: int = 1, padding: int = 0
) -> ConvExplorer:
    """An interactive :func:`conv_diagram`: sliders for n (3..12), F (1..7), P (0..3),
    S (1..4) and the step.

    Each change prints the output size formula with its numbers, e.g.
    ``floor((7 + 2*1 - 3) / 2) + 1 = 4``, and redraws the diagram; an
    impossible configuration (kernel larger than the padded input) prints the
    error instead. The first diagram is drawn at once, so a static export of
    the notebook shows it. Returns an ``ipywidgets.VBox`` (class
    ``ConvExplorer``) with ``sliders`` (a dict: "input", "F", "P", "S",
    "step"), ``output``, ``message`` and ``redraw()``.

    Examples
    --------
    >>> from cnncourse import plot
    >>> explorer = plot.conv_explorer(7, 3, stride=2, padding=1)
    >>> explorer.message
    'output size = floor((7 + 2*1 - 3) / 2) + 1 = 4  →  4x4 output, 16 window positions'
    """
    values = {"input": input_size, "F": kernel_size, "P": padding, "S": stride}
    names = {"input": "input_size", "F": "kernel_size", "P": "padding", "S": "stride"}
    for key, value in values.items():
        low, high = _RANGES[key]
        value = _validate.integer(names[key], value)
        if not low <= value <= high:
            raise ValueError(f"{names[key]} must be between {low} and {high}; got {value}")
    return ConvExplorer(int(input_size), int(kernel_size), int(stride), int(padding))
