"""Shape arithmetic of convolutions: output sizes, padding, parameters, receptive fields.

The formulas behind lesson 2, in plain Python/NumPy (Keras is imported only by
:func:`shape_table`). Sizes follow Keras: one spatial axis is an ``int``; several
axes are a tuple, and an ``int`` combined with a tuple applies to every axis.

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
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import _validate

#: The padding names understood everywhere in the package.
PADDING_MODES = ("valid", "same", "full")

Size = int | tuple[int, ...]
Padding = str | int | tuple[Any, ...]


# ---------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------


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


def _pads_1d(
    name: str, padding: Any, input_size: int | None, kernel: int, stride: int
) -> tuple[int, int]:
    """(before, after) pads along one axis for one padding spec (kernel already dilated)."""
    if isinstance(padding, str):
        mode = padding.lower()  # Keras accepts "SAME" too
        if mode not in PADDING_MODES:
            _validate.one_of(name, padding, PADDING_MODES)
        if mode == "valid":
            return 0, 0
        if mode == "full":
            return kernel - 1, kernel - 1
        return _same_pads_1d(kernel, stride, input_size)
    if _validate.is_sequence(padding):
        if len(padding) != 2:
            raise ValueError(
                f"{name} per axis must be an int or a pair (before, after); "
                f"got {_validate.short(padding)}"
            )
        return (
            _validate.integer(name, padding[0], minimum=0),
            _validate.integer(name, padding[1], minimum=0),
        )
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        p = _validate.integer(name, padding, minimum=0)
        return p, p
    allowed = ", ".join(repr(m) for m in PADDING_MODES)
    raise ValueError(
        f"{name} must be one of {allowed}, an int, or one value per axis; "
        f"got {_validate.short(padding)}"
    )


def _same_pads_1d(kernel: int, stride: int, input_size: int | None) -> tuple[int, int]:
    """Keras/TensorFlow "same" pads: the odd pixel goes after (bottom/right)."""
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


def _padding_per_axis(padding: Any, n: int) -> list[Any]:
    """Split a padding spec into one spec per axis (a string applies to all axes)."""
    if isinstance(padding, str) or not _validate.is_sequence(padding):
        return [padding] * n
    if len(padding) != n:
        raise ValueError(
            f"padding must be a string, an int, or one value per axis ({n} here); "
            f"got {_validate.short(padding)}"
        )
    return list(padding)


def _check_fits(
    input_size: int, kernel_size: int, kernel_eff: int, pads: tuple[int, int], axis: str
) -> None:
    padded = input_size + pads[0] + pads[1]
    if kernel_eff > padded:
        dilated = f" (dilated to {kernel_eff})" if kernel_eff != kernel_size else ""
        raise ValueError(
            f"kernel_size {kernel_size}{dilated} is larger than the padded input {padded}"
            f"{axis} (input_size {input_size} + padding {pads[0]} + {pads[1]}); "
            "use a smaller kernel, more padding, or padding='same'"
        )


# ---------------------------------------------------------------------------
# output sizes and padding
# ---------------------------------------------------------------------------


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
    sizes = []
    for axis, (w, f, s, p, d) in enumerate(
        zip(
            _validate.per_axis("input_size", input_size, n or 1),
            _validate.per_axis("kernel_size", kernel_size, n or 1),
            _validate.per_axis("stride", stride, n or 1),
            _padding_per_axis(padding, n or 1),
            _validate.per_axis("dilation", dilation, n or 1),
            strict=True,
        )
    ):
        w = _validate.integer("input_size", w, minimum=1)
        f = _validate.integer("kernel_size", f, minimum=1)
        s = _validate.integer("stride", s, minimum=1)
        d = _validate.integer("dilation", d, minimum=1)
        f_eff = d * (f - 1) + 1
        if isinstance(p, str) and p.lower() == "same":
            sizes.append(math.ceil(w / s))  # exactly what Keras does, whatever the kernel
            continue
        pads = _pads_1d("padding", p, w, f_eff, s)
        _check_fits(w, f, f_eff, pads, "" if n is None else f" on axis {axis}")
        sizes.append((w + pads[0] + pads[1] - f_eff) // s + 1)
    return sizes[0] if n is None else tuple(sizes)


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
    pairs = []
    for f, s, w, d in zip(
        _validate.per_axis("kernel_size", kernel_size, n or 1),
        _validate.per_axis("stride", stride, n or 1),
        _validate.per_axis("input_size", input_size, n or 1),
        _validate.per_axis("dilation", dilation, n or 1),
        strict=True,
    ):
        f = _validate.integer("kernel_size", f, minimum=1)
        s = _validate.integer("stride", s, minimum=1)
        d = _validate.integer("dilation", d, minimum=1)
        w = None if w is None else _validate.integer("input_size", w, minimum=1)
        pairs.append(_same_pads_1d(d * (f - 1) + 1, s, w))
    return pairs[0] if n is None else tuple(pairs)


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
    pads = []
    for w, f, s, d, p in zip(
        _validate.per_axis("input_size", input_size, 2),
        _validate.per_axis("kernel_size", kernel_size, 2),
        _validate.per_axis("stride", stride, 2),
        _validate.per_axis("dilation", dilation, 2),
        _padding_per_axis(padding, 2),
        strict=True,
    ):
        f = _validate.integer("kernel_size", f, minimum=1)
        s = _validate.integer("stride", s, minimum=1)
        d = _validate.integer("dilation", d, minimum=1)
        w = None if w is None else _validate.integer("input_size", w, minimum=1)
        pads.append(_pads_1d("padding", p, w, d * (f - 1) + 1, s))
    return pads[0], pads[1]


# ---------------------------------------------------------------------------
# parameters and receptive fields
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# a summary table for Keras models
# ---------------------------------------------------------------------------


class ShapeTable:
    """Per-layer table of a Keras model: shapes, parameters and receptive fields.

    Attributes
    ----------
    rows : list of dict
        One per layer, with keys ``name``, ``type``, ``output_shape``, ``params``
        and ``receptive_field`` (an int, a tuple for non-square fields, or None
        where it does not apply).
    total_params : int
        ``model.count_params()``.
    """

    columns = ("Layer", "Type", "Output shape", "Params", "Receptive field")

    def __init__(self, rows: list[dict[str, Any]], total_params: int) -> None:
        self.rows = rows
        self.total_params = total_params

    def _cells(self) -> list[tuple[str, ...]]:
        def rf(value: Any) -> str:
            if value is None:
                return "-"
            if isinstance(value, tuple):
                return "x".join(str(v) for v in value)
            return str(value)

        return [
            (
                r["name"],
                r["type"],
                str(r["output_shape"]),
                f"{r['params']:,}",
                rf(r["receptive_field"]),
            )
            for r in self.rows
        ]

    def __str__(self) -> str:
        cells = [self.columns, *self._cells()]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        right = {3}  # numbers right-aligned

        def line(row: tuple[str, ...]) -> str:
            return "  ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        body = [line(row) for row in cells[1:]]
        return "\n".join(
            [line(cells[0]), rule, *body, rule, f"Total params: {self.total_params:,}"]
        )

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{"right" if i == 3 else "left"}">{html.escape(c)}</td>'
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in self._cells()
        )
        total = (
            f'<tr><td colspan="3"><b>Total params</b></td>'
            f'<td style="text-align:right"><b>{self.total_params:,}</b></td><td></td></tr>'
        )
        return (
            f"<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody><tfoot>{total}</tfoot></table>"
        )


def _config_tuple(value: Any, n: int) -> tuple[int, ...]:
    return tuple(int(v) for v in _validate.per_axis("config", value, n))


# Layers that act on each position separately (or only add/remove a border): they keep
# the receptive field and the jump. Random* augmentation layers are the identity at
# inference (and never move a pixel's neighbourhood).
_POINTWISE = {
    "Activation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Softmax",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "Rescaling",
    "Normalization",
    "Identity",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Dense",
    "EinsumDense",
}


def _next_field(layer: Any, state: tuple | None, out_rank: int) -> tuple | None:
    """(fields, jumps) per spatial axis after ``layer``, from the state before it."""
    if state is None:
        return None
    fields, jumps = state
    n = len(fields)
    kind = type(layer).__name__
    if out_rank != n + 2:  # flattened, pooled globally, reshaped...
        return None
    config = layer.get_config()
    if "kernel_size" in config or "pool_size" in config:
        size = _config_tuple(config.get("kernel_size", config.get("pool_size")), n)
        strides = config.get("strides") or size
        strides = _config_tuple(strides, n)
        dilation = _config_tuple(config.get("dilation_rate", 1), n)
        new_fields, new_jumps = [], []
        for r, j, f, s, d in zip(fields, jumps, size, strides, dilation, strict=True):
            f_eff = d * (f - 1) + 1
            if "Transpose" in kind:
                # each output unit sees at most ceil(F_eff / S) neighbouring inputs (spaced j
                # apart on the image), and its neighbours are only j / S apart
                r = r + (math.ceil(f_eff / s) - 1) * j
                j = j / s
            else:
                r = r + (f_eff - 1) * j
                j = j * s
            new_fields.append(r)
            new_jumps.append(j)
        return tuple(new_fields), tuple(new_jumps)
    if kind in _POINTWISE or kind.startswith("Random"):
        return state
    return None


def _show_field(state: tuple | None) -> int | tuple[int, ...] | None:
    if state is None:
        return None
    fields = tuple(math.ceil(r) for r in state[0])
    return fields[0] if len(set(fields)) == 1 else fields


def _shape_of(tensors: Any) -> Any:
    if isinstance(tensors, (list, tuple)):
        shapes = [tuple(t.shape) for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes
    if isinstance(tensors, dict):
        return {k: tuple(t.shape) for k, t in tensors.items()}
    return tuple(tensors.shape)


def shape_table(model: Any) -> ShapeTable:
    """Per-layer output shapes, parameter counts and receptive fields of a Keras model.

    Works on any built ``Sequential`` or functional model, on every Keras backend.
    The receptive field (on the input, per spatial axis) is followed through
    convolutions, pooling and per-position layers (activations, normalisation,
    dropout, padding); it is ``None`` (shown ``-``) after ``Flatten``, global
    pooling, merges of several inputs and layers it cannot follow. After a
    transposed convolution it is the largest field of any unit.

    Parameters
    ----------
    model : keras.Model
        A built model (for example one that starts with ``keras.Input``).

    Returns
    -------
    ShapeTable
        ``.rows``, ``.total_params``; ``print`` it or show it in Jupyter.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv")])
    >>> print(shape_table(model))
    Layer  Type    Output shape     Params  Receptive field
    -------------------------------------------------------
    conv   Conv2D  (None, 6, 6, 2)      20  3
    -------------------------------------------------------
    Total params: 20
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model; got {_validate.short(model)}")
    if not model.built:
        raise ValueError(
            "model must be built (start it with keras.Input, or call model.build(input_shape) "
            "or the model on data first)"
        )
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):
        inputs = []
    # state of each tensor: (receptive field, jump) per spatial axis
    states: dict[int, tuple | None] = {}
    for tensor in inputs:
        n = len(tensor.shape) - 2
        states[id(tensor)] = ((1,) * n, (1,) * n) if n >= 1 else None

    rows = []
    for layer in model.layers:
        try:
            output = layer.output
            shape = _shape_of(output)
        except (AttributeError, ValueError):  # a layer used several times, or not in a graph
            output, shape = None, "?"
        field = None
        nodes = getattr(layer, "_inbound_nodes", [])
        if len(nodes) == 1 and output is not None:
            node = nodes[0]
            ins = [id(t) for t in node.input_tensors]
            outs = list(node.output_tensors)
            if type(layer).__name__ == "InputLayer":
                state = states.get(id(outs[0]))
            elif len(ins) == 1 and len(outs) == 1:
                state = _next_field(layer, states.get(ins[0]), len(outs[0].shape))
            else:  # a merge (Add, Concatenate...) or several outputs: not a chain
                state = None
            for t in outs:
                states[id(t)] = state
            field = _show_field(state)
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": shape,
                "params": int(layer.count_params()),
                "receptive_field": field,
            }
        )
    return ShapeTable(rows, int(model.count_params()))
