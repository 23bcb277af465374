"""The one home of convolution geometry: padding, output sizes, "kernel too large".

Every module of the package that slides a window (convolution, pooling, im2col, the
Keras layers, the builders' size checks, the figures) calls :func:`conv_geometry`;
changing what a padding means is an edit to this file alone.

The output size of a convolution (or pooling) along one axis is::

    floor((W + P_before + P_after - F_eff) / S) + 1,   F_eff = D * (F - 1) + 1

for input size ``W``, kernel size ``F``, stride ``S``, dilation ``D``. The padding
``P`` is what the ``padding`` argument asks for:

- ``"valid"``: no padding;
- ``"same"``: enough zeros that the output has ``ceil(W / S)`` positions, as Keras
  and TensorFlow pad (see :func:`same_padding`);
- ``"full"``: ``F_eff - 1`` on each side, every partial overlap counts
  (``W + F - 1`` outputs for stride 1);
- an ``int`` ``P``: ``P`` zeros on each side; a pair ``(before, after)`` per axis.

Names are case-insensitive (``"SAME"`` works, as in Keras).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _validate

__all__ = [
    "KERAS_PADDING_MODES",
    "PADDING_MODES",
    "KernelTooLargeError",
    "ConvGeometry",
    "conv_geometry",
    "conv_output_size",
    "resolve_padding",
    "same_padding",
    "standardize_padding",
]

#: The padding names understood everywhere in the package.
PADDING_MODES = ("valid", "same", "full")
#: The names Keras's own convolution and pooling layers take (and so the package's Keras
#: layers, builders and the NumPy pooling that mirrors Keras): no "full", no numbers.
KERAS_PADDING_MODES = ("valid", "same")


class KernelTooLargeError(ValueError):
    """The (dilated) kernel or pool window is larger than the padded input.

    The one error every sliding window of the package raises for it, from
    :func:`conv_geometry`.

    Examples
    --------
    >>> try:
    ...     conv_geometry(4, 5)
    ... except KernelTooLargeError as error:
    ...     print(str(error)[:47])
    kernel_size 5 is larger than the padded input 4
    """


Size = int | tuple[int, ...]
Padding = str | int | tuple[Any, ...]


@dataclass(frozen=True)
class ConvGeometry:
    """A sliding window resolved along each spatial axis (one entry per axis).

    Attributes
    ----------
    input_size : tuple of int (None where unknown)
    kernel_size, stride, dilation : tuple of int
    pads : tuple of (before, after) pairs
    output_size : tuple of int (None where the input size is unknown)

    Examples
    --------
    >>> g = conv_geometry((5, 5), 2, padding="same")
    >>> g.pads, g.output_size, g.padded_size
    (((0, 1), (0, 1)), (5, 5), (6, 6))
    """

    input_size: tuple[int | None, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    output_size: tuple[int | None, ...]

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """``D * (F - 1) + 1`` per axis: the pixels a dilated kernel spans."""
        return tuple(d * (f - 1) + 1 for f, d in zip(self.kernel_size, self.dilation, strict=True))

    @property
    def padded_size(self) -> tuple[int | None, ...]:
        """Input size plus the pads, per axis."""
        return tuple(
            None if w is None else w + a + b
            for w, (a, b) in zip(self.input_size, self.pads, strict=True)
        )


def standardize_padding(padding: Padding, allowed: Sequence[str] | None = None) -> Padding:
    """A padding name in lower case (Keras accepts ``"SAME"`` too), or numbers as given.

    The one rule for what a ``padding`` argument may be, used by :func:`conv_geometry`
    and by every Keras layer and builder of the package that takes ``padding``.

    Parameters
    ----------
    padding : str, int or per-axis values
    allowed : sequence of str, optional
        Only these names (no numbers), e.g. ``("valid", "same")`` for pooling and Keras
        layers. By default every name of :data:`PADDING_MODES` and numbers.

    Returns
    -------
    str or the numbers unchanged (checked per axis by :func:`conv_geometry`)

    Examples
    --------
    >>> standardize_padding("SAME")
    'same'
    >>> standardize_padding((1, 2), allowed=("valid", "same"))
    Traceback (most recent call last):
    ...
    ValueError: padding must be one of 'valid', 'same'; got (1, 2)
    """
    names = PADDING_MODES if allowed is None else tuple(allowed)
    if isinstance(padding, str):
        if padding.lower() not in names:
            _validate.one_of("padding", padding, names)  # raises, naming the allowed names
        return padding.lower()
    if allowed is not None:
        _validate.one_of("padding", padding, names)
    return padding


def _n_axes(**values: Any) -> int | None:
    """The number of axes the tuple arguments agree on, or None if all are scalars."""
    n, first = None, None
    for name, value in values.items():
        if _validate.is_sequence(value):
            if len(value) == 0:
                raise ValueError(f"{name} must not be empty; got {_validate.short(value)}")
            if n is not None and len(value) != n:
                raise ValueError(
                    f"{name} has {len(value)} axes but {first} has {n}; "
                    f"got {name}={_validate.short(value)}"
                )
            n, first = len(value), first or name
    return n


def _padding_per_axis(padding: Any, n: int) -> list[Any]:
    """Split a padding spec into one spec per axis (a string or an int applies to all)."""
    if isinstance(padding, str) or not _validate.is_sequence(padding):
        return [padding] * n
    if len(padding) != n:
        raise ValueError(
            f"padding must be a string, an int, or one value per axis ({n} here); "
            f"got {_validate.short(padding)}"
        )
    return list(padding)


def _same_pads(kernel: int, stride: int, input_size: int | None) -> tuple[int, int]:
    """Keras/TensorFlow "same" pads of one axis: the odd pixel goes after (bottom/right)."""
    if stride == 1:
        total = kernel - 1  # independent of the input size
    else:
        if input_size is None:
            raise ValueError(
                f"input_size is needed for 'same' padding with stride {stride} > 1 "
                "(the pads depend on it); got input_size=None"
            )
        total = max((math.ceil(input_size / stride) - 1) * stride + kernel - input_size, 0)
    return total // 2, total - total // 2


def _pads(padding: Any, input_size: int | None, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) of one axis for one padding spec (``kernel`` already dilated)."""
    if isinstance(padding, str):
        mode = standardize_padding(padding)
        if mode == "valid":
            return 0, 0
        if mode == "full":
            return kernel - 1, kernel - 1
        return _same_pads(kernel, stride, input_size)
    if _validate.is_sequence(padding):
        if len(padding) != 2:
            raise ValueError(
                "padding per axis must be an int or a pair (before, after); "
                f"got {_validate.short(padding)}"
            )
        return (
            _validate.integer("padding", padding[0], minimum=0),
            _validate.integer("padding", padding[1], minimum=0),
        )
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        p = _validate.integer("padding", padding, minimum=0)
        return p, p
    allowed = ", ".join(repr(m) for m in PADDING_MODES)
    raise ValueError(
        f"padding must be one of {allowed}, an int, or one value per axis; "
        f"got {_validate.short(padding)}"
    )


def _text(values: Sequence[Any], scalar: bool) -> str:
    return str(values[0]) if scalar else str(tuple(values))


def conv_geometry(
    input_size: Size | None,
    kernel_size: Size,
    stride: Size = 1,
    padding: Padding = "valid",
    dilation: Size = 1,
    *,
    ndim: int | None = None,
    allowed: Sequence[str] | None = None,
    kernel_name: str = "kernel_size",
    check_fit: bool = True,
) -> ConvGeometry:
    """Resolve a sliding window into pads and output size along each spatial axis.

    The one function behind every ``padding`` argument of the package. It checks
    every argument and raises the package's single "kernel larger than the padded
    input" error.

    Parameters
    ----------
    input_size : int, tuple of int, or None
        Input size ``W`` per axis; ``None`` (or ``None`` entries) where unknown: then
        the output size is ``None`` and the fit is not checked ("same" with a stride
        larger than 1 needs it).
    kernel_size : int or tuple of int
        Kernel (or pool) size ``F``.
    stride : int or tuple of int, >= 1
    padding : {"valid", "same", "full"} (any case), int, or one value per axis
        An int pads that many zeros on each side; per axis, each value is an int or a
        pair ``(before, after)``.
    dilation : int or tuple of int, >= 1
    ndim : int, optional
        The number of spatial axes; by default as many as the tuple arguments have
        (one when all are scalars).
    allowed : sequence of str, optional
        Restrict ``padding`` to these names (no numbers), as pooling and Keras layers
        do: ``allowed=("valid", "same")``.
    kernel_name : str
        How the error messages name the kernel (``"pool_size"`` for pooling).
    check_fit : bool
        Raise when the (dilated) kernel is larger than the padded input. Only
        :func:`resolve_padding`, which answers a question about padding alone, turns
        it off; the output size is then ``None`` on the axes where it does not fit.

    Returns
    -------
    ConvGeometry

    Examples
    --------
    >>> conv_geometry(7, 3, stride=2, padding="SAME").pads
    ((1, 1),)
    >>> conv_geometry((8, 6), (3, 2), padding=((1, 1), (0, 2))).output_size
    (8, 7)
    """
    padding = standardize_padding(padding, allowed)
    n = ndim or _n_axes(
        input_size=input_size,
        kernel_size=kernel_size,
        stride=stride,
        dilation=dilation,
        padding=None if isinstance(padding, str) else padding,
    )
    scalar = n is None
    n = n or 1
    axes = zip(
        _validate.per_axis("input_size", input_size, n),
        _validate.per_axis(kernel_name, kernel_size, n),
        _validate.per_axis("stride", stride, n),
        _padding_per_axis(padding, n),
        _validate.per_axis("dilation", dilation, n),
        strict=True,
    )
    sizes, kernels, strides, dilations, pads = [], [], [], [], []
    for w, f, s, p, d in axes:
        sizes.append(None if w is None else _validate.integer("input_size", w, minimum=1))
        kernels.append(_validate.integer(kernel_name, f, minimum=1))
        strides.append(_validate.integer("stride", s, minimum=1))
        dilations.append(_validate.integer("dilation", d, minimum=1))
        pads.append(_pads(p, sizes[-1], dilations[-1] * (kernels[-1] - 1) + 1, strides[-1]))
    geometry = ConvGeometry(
        tuple(sizes), tuple(kernels), tuple(strides), tuple(dilations), tuple(pads), ()
    )
    padded, effective = geometry.padded_size, geometry.effective_kernel
    too_big = [a for a in range(n) if padded[a] is not None and effective[a] > padded[a]]
    if too_big and check_fit:
        dilated = (
            f" (dilated to {_text(effective, scalar)})" if effective != geometry.kernel_size else ""
        )
        pads_text = f"{pads[0][0]} + {pads[0][1]}" if scalar else str(tuple(pads))
        raise KernelTooLargeError(
            f"{kernel_name} {_text(kernels, scalar)}{dilated} is larger than the padded input "
            f"{_text(padded, scalar)} (input_size {_text(sizes, scalar)} + padding {pads_text}); "
            "use a smaller kernel, more padding, or padding='same'"
        )
    output = tuple(
        None if p is None or f > p else (p - f) // s + 1
        for p, f, s in zip(padded, effective, strides, strict=True)
    )
    return dataclasses.replace(geometry, output_size=output)


def conv_output_size(
    input_size: Size,
    kernel_size: Size,
    stride: Size = 1,
    padding: Padding = "valid",
    dilation: Size = 1,
) -> Size:
    """Output size of a convolution or pooling layer along each spatial axis.

    Parameters
    ----------
    input_size : int or tuple of int
        Input size ``W`` (one axis) or ``(H, W, ...)`` (one value per axis).
    kernel_size : int or tuple of int
        Kernel (or pool) size ``F``.
    stride : int or tuple of int, >= 1
    padding : {"valid", "same", "full"}, int, or one value per axis
        An int pads that many zeros on each side; per axis, each value is an
        int or a pair ``(before, after)``.
    dilation : int or tuple of int, >= 1
        Dilation rate ``D``: the kernel covers ``D * (F - 1) + 1`` pixels.

    Returns
    -------
    int, or a tuple of int when any argument is a tuple

    Examples
    --------
    >>> conv_output_size(32, 3)
    30
    >>> conv_output_size(32, 3, stride=2, padding="same")
    16
    >>> conv_output_size((28, 28), 5, padding=2)
    (28, 28)
    """
    n = _n_axes(
        input_size=input_size,
        kernel_size=kernel_size,
        stride=stride,
        dilation=dilation,
        padding=None if isinstance(padding, str) else padding,
    )
    for w in _validate.per_axis("input_size", input_size, n or 1):
        _validate.integer("input_size", w, minimum=1)  # must be known here
    out = conv_geometry(input_size, kernel_size, stride, padding, dilation, ndim=n).output_size
    return out[0] if n is None else out


def same_padding(
    kernel_size: Size, stride: Size = 1, input_size: Size | None = None, dilation: Size = 1
) -> tuple[int, int] | tuple[tuple[int, int], ...]:
    """The (before, after) zeros Keras and TensorFlow add for ``padding="same"``.

    The total is ``max((ceil(W / S) - 1) * S + F - W, 0)``; ``before = total // 2``
    and ``after = total - before``: with an even total split the extra row/column
    goes **after** (bottom/right). For stride 1 the total is ``F - 1`` whatever the
    input size.

    Parameters
    ----------
    kernel_size : int or tuple of int
    stride : int or tuple of int, >= 1
    input_size : int or tuple of int, optional
        Required when a stride is larger than 1 (the pads depend on it).
    dilation : int or tuple of int, >= 1

    Returns
    -------
    (before, after), or a tuple of such pairs when any argument is a tuple

    Examples
    --------
    >>> same_padding(3)
    (1, 1)
    >>> same_padding(4)
    (1, 2)
    >>> same_padding((3, 2), stride=2, input_size=(8, 7))
    ((0, 1), (0, 1))
    """
    n = _n_axes(kernel_size=kernel_size, stride=stride, input_size=input_size, dilation=dilation)
    pads = conv_geometry(input_size, kernel_size, stride, "same", dilation, ndim=n).pads
    return pads[0] if n is None else pads


def resolve_padding(
    padding: Padding,
    input_size: Size | None,
    kernel_size: Size,
    stride: Size = 1,
    dilation: Size = 1,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Turn any 2-D padding spec into explicit ``((top, bottom), (left, right))`` pads.

    Parameters
    ----------
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))
    input_size : int or (H, W), or None
        Needed only for ``"same"`` with a stride larger than 1.
    kernel_size : int or (F_h, F_w)
    stride : int or (S_h, S_w)
    dilation : int or (D_h, D_w)

    Returns
    -------
    ((top, bottom), (left, right)) : tuple of two pairs of int

    Examples
    --------
    >>> resolve_padding("same", (5, 5), (2, 2))
    ((0, 1), (0, 1))
    >>> resolve_padding((1, 2), None, 3)
    ((1, 1), (2, 2))
    """
    geometry = conv_geometry(
        input_size, kernel_size, stride, padding, dilation, ndim=2, check_fit=False
    )
    return geometry.pads[0], geometry.pads[1]
