"""What the figures share: the colours that mean the same thing everywhere, small
drawing helpers, and the sizes of one convolution as the figures draw it.

Colours:

* the current kernel window and the output cell it produces are outlined (or
  shaded) in orange (:data:`HIGHLIGHT`);
* kernels, products, convolution outputs and signed maps use the diverging
  ``"RdBu_r"`` colormap centred at 0 (:data:`DIVERGING`): red is positive, blue
  negative, white zero;
* visit counts use ``"Blues"`` (:data:`COUNTS`); padding cells are light gray
  (:data:`PAD_FACE`);
* training curves are blue (:data:`TRAIN_COLOR`), validation curves orange
  (:data:`VAL_COLOR`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import _validate

#: The window / current output cell colour.
HIGHLIGHT = "#e6550d"
#: Colormap for signed values (kernels, products, outputs), centred at 0.
DIVERGING = "RdBu_r"
#: Colormap for visit counts (0 = white: never visited).
COUNTS = "Blues"
#: Face colour of padding cells.
PAD_FACE = "#ececec"
#: Colours of the training and validation curves.
TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#e6550d"
#: Save whole frames (the course style crops figures to their content).
FULL_FIGURE = {"savefig.bbox": "standard"}


# --------------------------------------------------------------------------- values


def display_range(array: np.ndarray) -> tuple[float | None, float | None]:
    """Fixed display range for an image: 0..255 for integers, 0..1 for floats inside it.

    A fixed range keeps a dark image dark: matplotlib would otherwise stretch
    every grayscale image to full contrast and hide what the numbers say.
    """
    if array.dtype == bool:
        return 0, 1
    if np.issubdtype(array.dtype, np.integer):
        return 0, 255
    if array.size and array.min() >= 0 and array.max() <= 1:
        return 0, 1
    return None, None


def clean(array: np.ndarray) -> np.ndarray:
    """Float64 copy without negative zeros (so no cell reads "-0")."""
    return np.asarray(array, dtype=np.float64) + 0.0


def symmetric_limit(array: np.ndarray) -> float:
    limit = float(np.max(np.abs(array))) if array.size else 0.0
    return limit if limit > 0 else 1.0


def class_label(labels: Sequence[str] | None, index: int) -> str:
    """``labels[index]`` when there is one, else the index as text."""
    return str(labels[index]) if labels is not None and index < len(labels) else str(index)


# --------------------------------------------------------------------------- drawing


def cell_text(ax: plt.Axes, width: int, row: int, col: int) -> mpl.text.Text:
    """The value text pixel_grid wrote in cell (row, col) (row-major order)."""
    return ax.texts[row * width + col]


def frame_axes(ax: plt.Axes, color: str = "#888888", width: float = 0.8) -> None:
    """Draw the outer border of a pixel_grid or image panel (they hide the spines)."""
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_edgecolor(color)
        spine.set_linewidth(width)


def shrink_text(ax: plt.Axes, cell_inches: float, chars: int) -> None:
    """Make the cell values of a pixel_grid fit cells ``cell_inches`` wide."""
    size = float(np.clip(cell_inches * 72 / (0.62 * max(chars, 3) + 0.3), 6, 9))
    for text in ax.texts:
        text.set_fontsize(size)


# --------------------------------------------------------------------------- one convolution


def pair_text(pair: tuple[int, int]) -> str:
    """``"3"`` for (3, 3), ``"3x2"`` for (3, 2)."""
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


@dataclass(frozen=True)
class Geometry:
    """Sizes of one convolution, per axis (rows, cols): what :func:`geometry` returns."""

    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: Any  # as given (a name in lower case), an int or per-axis values
    pads: tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
    out: tuple[int, int]

    @property
    def padded(self) -> tuple[int, int]:
        (top, bottom), (left, right) = self.pads
        return self.size[0] + top + bottom, self.size[1] + left + right

    @property
    def positions(self) -> int:
        return self.out[0] * self.out[1]

    def window(self, step: int) -> tuple[int, int]:
        """Top-left corner (in padded coordinates) of the window for output ``step``."""
        row, col = divmod(step, self.out[1])
        return row * self.stride[0], col * self.stride[1]

    def padding_label(self) -> str:
        """``"1"``, ``"'same' = 1"``, or just ``"'same'"`` when the sides differ.

        Uneven pads are visible in the drawings and in :meth:`formulas`.
        """
        (top, bottom), (left, right) = self.pads
        uniform = top == bottom == left == right
        if not isinstance(self.padding, str):
            return str(top) if uniform else str(self.pads)
        return f"'{self.padding}' = {top}" if uniform else f"'{self.padding}'"

    def short(self) -> str:
        """``F=3, P=1, S=2`` (pairs where rows and columns differ)."""
        return f"F={pair_text(self.kernel)}, P={self.padding_label()}, S={pair_text(self.stride)}"

    def formulas(self) -> list[str]:
        """The output size formula with the numbers, one line per distinct axis."""
        lines = []
        for axis in (0, 1):
            low, high = self.pads[axis]
            padding = f"2*{low}" if low == high else f"{low} + {high}"
            lines.append(
                f"floor(({self.size[axis]} + {padding} - {self.kernel[axis]}) / "
                f"{self.stride[axis]}) + 1 = {self.out[axis]}"
            )
        if lines[0] == lines[1]:
            return lines[:1]
        return [f"rows: {lines[0]}", f"cols: {lines[1]}"]


def geometry(input_size: Any, kernel_size: Any, stride: Any, padding: Any) -> Geometry:
    """The sizes of one convolution, for every figure that draws one.

    The one place the figures work out pads and output sizes (``conv_step``,
    ``conv_diagram``, ``visit_heatmap(s)``, ``conv_animation`` and
    ``conv_explorer`` all call it), through :func:`cnncourse.shapes.conv_geometry`:
    the figures accept exactly the ``padding`` values the rest of the package does
    and refuse the impossible (a kernel larger than the padded input) with the same
    error.
    """
    from .. import shapes

    g = shapes.conv_geometry(
        _validate.pair("input_size", input_size), kernel_size, stride, padding, ndim=2
    )
    name = shapes.standardize_padding(padding)
    return Geometry(g.input_size, g.kernel_size, g.stride, name, g.pads, g.output_size)
