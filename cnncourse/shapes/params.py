"""Counting: parameters and multiply-adds of a convolution (standard or depthwise-separable),
parameters of a recurrent layer, and receptive fields through a stack of layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import _validate
from .geometry import same_padding

__all__ = [
    "RNN_CELLS",
    "conv_macs",
    "conv_params",
    "receptive_field",
    "receptive_field_steps",
    "receptive_fields",
    "rnn_params",
    "separable_macs",
    "separable_params",
]

#: The recurrent layers :func:`rnn_params` counts: Keras's ``GRU``, ``LSTM`` and
#: ``SimpleRNN``.
RNN_CELLS = ("gru", "lstm", "simple")

#: Weight matrices (gates and candidate) per recurrent cell, and biases per unit.
_GATES = {"simple": (1, 1), "lstm": (4, 4), "gru": (3, 6)}

Size = int | tuple[int, ...]


def conv_params(kernel_size: Size, in_channels: int, filters: int, use_bias: bool = True) -> int:
    """Number of trainable parameters of a convolution layer.

    ``F_h * F_w * C_in * K`` weights plus ``K`` biases (one per filter).

    Parameters
    ----------
    kernel_size : int or tuple of int
        An int means a square kernel (``(F, F)``); a tuple is one size per axis.
    in_channels : int
        Channels of the input, ``C_in``.
    filters : int
        Number of filters (output channels), ``K``.
    use_bias : bool

    Returns
    -------
    int

    Examples
    --------
    >>> conv_params(3, in_channels=3, filters=16)
    448
    >>> conv_params((5, 5), 16, 32, use_bias=False)
    12800
    """
    sizes = list(kernel_size) if _validate.is_sequence(kernel_size) else [kernel_size] * 2
    weights = 1
    for f in sizes:
        weights *= _validate.integer("kernel_size", f, minimum=1)
    c = _validate.integer("in_channels", in_channels, minimum=1)
    k = _validate.integer("filters", filters, minimum=1)
    return weights * c * k + (k if use_bias else 0)


def _positions(output_size: Size) -> int:
    sizes = list(output_size) if _validate.is_sequence(output_size) else [output_size] * 2
    count = 1
    for n in sizes:
        count *= _validate.integer("output_size", n, minimum=1)
    return count


def _kernel_area(kernel_size: Size) -> int:
    sizes = list(kernel_size) if _validate.is_sequence(kernel_size) else [kernel_size] * 2
    area = 1
    for f in sizes:
        area *= _validate.integer("kernel_size", f, minimum=1)
    return area


def conv_macs(kernel_size: Size, in_channels: int, filters: int, output_size: Size) -> int:
    """Multiply-adds of a convolution layer for one image.

    Each of the ``H_out * W_out`` output positions of each of the ``K`` filters takes a
    dot product of ``F_h * F_w * C_in`` numbers: ``H_out * W_out * F_h * F_w * C_in * K``
    multiply-adds (the bias adds are left out, as usual).

    Parameters
    ----------
    kernel_size : int or tuple of int
    in_channels : int
    filters : int
    output_size : int or tuple of int
        Height and width of the output (an int: a square one).

    Returns
    -------
    int

    Examples
    --------
    >>> conv_macs(3, in_channels=64, filters=64, output_size=56)  # one 3x3 layer of VGG
    115605504
    >>> conv_macs(1, 256, 64, (56, 56))  # a 1x1 reduction is 9 times cheaper per weight
    51380224
    """
    c = _validate.integer("in_channels", in_channels, minimum=1)
    k = _validate.integer("filters", filters, minimum=1)
    return _positions(output_size) * _kernel_area(kernel_size) * c * k


def separable_params(
    kernel_size: Size, in_channels: int, filters: int, use_bias: bool = True
) -> int:
    """Parameters of a depthwise-separable convolution (Keras's ``SeparableConv2D``).

    A depthwise ``F x F`` convolution filters each input channel on its own
    (``F_h * F_w * C_in`` weights), then a pointwise 1x1 convolution mixes the channels
    (``C_in * K`` weights), plus ``K`` biases: against ``F_h * F_w * C_in * K`` for a
    standard convolution, a fraction ``1/K + 1/(F_h F_w)`` of the weights.

    Parameters
    ----------
    kernel_size : int or tuple of int
    in_channels : int
    filters : int
    use_bias : bool, default=True

    Returns
    -------
    int

    Examples
    --------
    >>> separable_params(3, in_channels=32, filters=64)
    2400
    >>> conv_params(3, 32, 64)
    18496
    """
    c = _validate.integer("in_channels", in_channels, minimum=1)
    k = _validate.integer("filters", filters, minimum=1)
    return _kernel_area(kernel_size) * c + c * k + (k if use_bias else 0)


def separable_macs(kernel_size: Size, in_channels: int, filters: int, output_size: Size) -> int:
    """Multiply-adds of a depthwise-separable convolution for one image.

    ``H_out * W_out * (F_h * F_w * C_in + C_in * K)``: the depthwise step, then the
    pointwise one, at every output position.

    Examples
    --------
    >>> separable_macs(3, 32, 64, output_size=112)
    29302784
    >>> round(separable_macs(3, 32, 64, 112) / conv_macs(3, 32, 64, 112), 4)  # 1/64 + 1/9
    0.1267
    """
    c = _validate.integer("in_channels", in_channels, minimum=1)
    k = _validate.integer("filters", filters, minimum=1)
    return _positions(output_size) * (_kernel_area(kernel_size) * c + c * k)


def rnn_params(input_size: int, units: int, cell: str = "gru") -> int:
    """Number of trainable parameters of a Keras recurrent layer.

    Each of the cell's ``g`` gates (and its candidate state) has an input kernel of
    ``input_size x units``, a recurrent kernel of ``units x units`` and a bias per unit:

    - ``"simple"`` (``SimpleRNN``): ``g = 1``, so ``units * (input_size + units + 1)``;
    - ``"lstm"``: input, forget and output gates and the candidate, ``g = 4``:
      ``4 * units * (input_size + units + 1)``;
    - ``"gru"``: update and reset gates and the candidate, ``g = 3``, and Keras's default
      ``reset_after=True`` gives a second bias for the recurrent kernel:
      ``3 * units * (input_size + units + 2)``.

    The input kernel is what grows with the input: a recurrent layer reading raw frames
    has ``g * units`` weights *per pixel value*.

    Parameters
    ----------
    input_size : int
        Numbers per time step (a flattened frame: height x width x channels).
    units : int
        Size of the state.
    cell : {"gru", "lstm", "simple"}, default="gru"

    Returns
    -------
    int

    Examples
    --------
    >>> rnn_params(32, 16, "simple"), rnn_params(32, 16, "lstm"), rnn_params(32, 16, "gru")
    (784, 3136, 2400)
    """
    n_in = _validate.integer("input_size", input_size, minimum=1)
    n = _validate.integer("units", units, minimum=1)
    gates, biases = _GATES[_validate.one_of("cell", cell, RNN_CELLS)]
    return gates * n * (n_in + n) + biases * n


def _layer_spec(index: int, layer: Any) -> tuple[int, int, int, int]:
    """(kernel_size, stride, dilation, padding before) of one entry of ``layers``."""
    name = f"layers[{index}]"
    if isinstance(layer, Mapping):
        unknown = set(layer) - {"kernel_size", "stride", "dilation", "padding"}
        if unknown or "kernel_size" not in layer:
            raise ValueError(
                f"{name} must have the keys 'kernel_size' and optionally 'stride', "
                f"'dilation' and 'padding'; got {_validate.short(dict(layer))}"
            )
        k, s, d = layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1)
        p = layer.get("padding", 0)
    elif _validate.is_sequence(layer) and len(layer) in (2, 3):
        k, s, d = (*layer, 1)[:3]
        p = 0
    else:
        raise ValueError(
            f"{name} must be a pair (kernel_size, stride) or a dict with those keys; "
            f"got {_validate.short(layer)}"
        )
    k = _validate.integer(f"{name} kernel_size", k, minimum=1)
    s = _validate.integer(f"{name} stride", s, minimum=1)
    d = _validate.integer(f"{name} dilation", d, minimum=1)
    if isinstance(p, str):
        mode = _validate.one_of(f"{name} padding", p.lower(), ("valid", "same"))
        if mode == "same" and s != 1:
            raise ValueError(
                f"{name} padding 'same' with stride {s} pads according to the input size; "
                f"give the zeros added before as an int instead, "
                f"shapes.same_padding({k}, {s}, input_size)[0]"
            )
        p = same_padding(k, 1, dilation=d)[0] if mode == "same" else 0
    return k, s, d, _validate.integer(f"{name} padding", p, minimum=0)


def receptive_field_steps(layers: Sequence[Any]) -> list[tuple[int, int, int]]:
    """Size, jump and start of the receptive field after each layer of a stack.

    Walk up the stack keeping three numbers (one axis), starting from the input
    (``size`` 1, ``jump`` 1, ``start`` 0). A layer with kernel ``F``, stride ``S``,
    dilation ``D`` and ``P`` zeros padded before the input does::

        start <- start - P * jump          # its first window begins P units early
        size  <- size + D * (F - 1) * jump # the window spans D(F-1) more units
        jump  <- jump * S                  # neighbouring outputs: S units apart

    ``size`` is how many input pixels one unit depends on; ``jump`` the distance on the
    input between two neighbouring units; ``start`` the input coordinate of the first
    pixel that unit 0 sees (negative: it reaches into the padding). Unit ``i`` sees the
    pixels ``start + i * jump`` to ``start + i * jump + size - 1``.

    Parameters
    ----------
    layers : sequence of (kernel_size, stride) pairs, or dicts
        Dicts have the keys ``kernel_size``, ``stride`` (default 1), ``dilation``
        (default 1) and ``padding`` (default 0): the number of zeros added *before*
        the input (the top or left), or ``"valid"`` (0) or ``"same"`` (stride 1 only:
        with a larger stride Keras's "same" pads according to the input size, see
        :func:`~cnncourse.shapes.same_padding`). A pooling layer is ``(pool_size, stride)``.

    Returns
    -------
    list of (size, jump, start) tuples, one per layer

    Examples
    --------
    >>> receptive_field_steps([(3, 1), (3, 1)])  # two 3x3 layers see 5x5
    [(3, 1, 0), (5, 1, 0)]
    >>> receptive_field_steps([{"kernel_size": 3, "stride": 2, "padding": 1}, (3, 1)])
    [(3, 2, -1), (7, 2, -1)]
    """
    if isinstance(layers, (str, Mapping)) or not isinstance(layers, Sequence):
        raise ValueError(
            "layers must be a sequence of (kernel_size, stride) pairs or dicts; "
            f"got {_validate.short(layers)}"
        )
    size, jump, start, steps = 1, 1, 0, []
    for index, layer in enumerate(layers):
        k, s, d, p = _layer_spec(index, layer)
        start -= p * jump
        size += d * (k - 1) * jump
        jump *= s
        steps.append((size, jump, start))
    return steps


def receptive_fields(layers: Sequence[Any]) -> list[int]:
    """Receptive field (one axis) after each layer of a stack, first layer first.

    ``r`` starts at 1 and the *jump* (distance on the input between neighbouring
    units) at 1; each layer adds ``(F_eff - 1) * jump`` and multiplies the jump
    by its stride (:func:`receptive_field_steps` also gives the jump and where the
    field starts).

    Parameters
    ----------
    layers : sequence of (kernel_size, stride) pairs, or dicts
        Dicts have the keys ``kernel_size``, ``stride`` (default 1) and
        ``dilation`` (default 1) (and ``padding``, which moves the field but does
        not change its size); a pooling layer is ``(pool_size, stride)``.

    Returns
    -------
    list of int, one per layer

    Examples
    --------
    >>> receptive_fields([(3, 1), (2, 2), (3, 1)])
    [3, 4, 8]
    """
    return [size for size, _, _ in receptive_field_steps(layers)]


def receptive_field(layers: Sequence[Any]) -> int:
    """Receptive field (one axis) of a unit of the last layer on the input.

    Parameters
    ----------
    layers : sequence of (kernel_size, stride) pairs, or dicts
        See :func:`receptive_fields`.

    Returns
    -------
    int (1 for an empty stack)

    Examples
    --------
    >>> receptive_field([(3, 1), (3, 1), (3, 1)])
    7
    >>> receptive_field([{"kernel_size": 3, "stride": 1, "dilation": 2}])
    5
    """
    fields = receptive_fields(layers)
    return fields[-1] if fields else 1
