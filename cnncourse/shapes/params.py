"""Counting: parameters of a convolution and of a recurrent layer, and receptive fields
through a stack of layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import _validate

__all__ = ["RNN_CELLS", "conv_params", "receptive_field", "receptive_fields", "rnn_params"]

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


def _layer_spec(index: int, layer: Any) -> tuple[int, int, int]:
    """(kernel_size, stride, dilation) of one entry of ``layers``."""
    name = f"layers[{index}]"
    if isinstance(layer, Mapping):
        unknown = set(layer) - {"kernel_size", "stride", "dilation"}
        if unknown or "kernel_size" not in layer:
            raise ValueError(
                f"{name} must have the keys 'kernel_size' and optionally 'stride' and "
                f"'dilation'; got {_validate.short(dict(layer))}"
            )
        k, s, d = layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1)
    elif _validate.is_sequence(layer) and len(layer) in (2, 3):
        k, s, d = (*layer, 1)[:3]
    else:
        raise ValueError(
            f"{name} must be a pair (kernel_size, stride) or a dict with those keys; "
            f"got {_validate.short(layer)}"
        )
    return (
        _validate.integer(f"{name} kernel_size", k, minimum=1),
        _validate.integer(f"{name} stride", s, minimum=1),
        _validate.integer(f"{name} dilation", d, minimum=1),
    )


def receptive_fields(layers: Sequence[Any]) -> list[int]:
    """Receptive field (one axis) after each layer of a stack, first layer first.

    ``r`` starts at 1 and the *jump* (distance on the input between neighbouring
    units) at 1; each layer adds ``(F_eff - 1) * jump`` and multiplies the jump
    by its stride.

    Parameters
    ----------
    layers : sequence of (kernel_size, stride) pairs, or dicts
        Dicts have the keys ``kernel_size``, ``stride`` (default 1) and
        ``dilation`` (default 1); a pooling layer is ``(pool_size, stride)``.

    Returns
    -------
    list of int, one per layer

    Examples
    --------
    >>> receptive_fields([(3, 1), (2, 2), (3, 1)])
    [3, 4, 8]
    """
    if isinstance(layers, (str, Mapping)) or not isinstance(layers, Sequence):
        raise ValueError(
            "layers must be a sequence of (kernel_size, stride) pairs or dicts; "
            f"got {_validate.short(layers)}"
        )
    r, jump, fields = 1, 1, []
    for index, layer in enumerate(layers):
        k, s, d = _layer_spec(index, layer)
        r += (d * (k - 1)) * jump
        jump *= s
        fields.append(r)
    return fields


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
