"""The per-layer table of a Keras model: output shapes, parameters, receptive fields.

The only Keras-aware part of :mod:`cnncourse.shapes`; Keras is imported by
:func:`shape_table` when it is called.
"""

from __future__ import annotations

import html
import math
from typing import Any

from .. import _validate

__all__ = ["ShapeTable", "layer_type", "shape_table"]


def layer_type(layer: Any) -> str:
    """The class name of a Keras layer, and of the layer a wrapper applies.

    ``TimeDistributed(Conv2D(...))`` is ``"TimeDistributed(Conv2D)"``, not only
    ``"TimeDistributed"``: shape tables and the model exercises tell the wrapped layers
    apart by it.

    Examples
    --------
    >>> import keras
    >>> layer_type(keras.layers.Dense(2))
    'Dense'
    >>> layer_type(keras.layers.TimeDistributed(keras.layers.Conv2D(4, 3)))
    'TimeDistributed(Conv2D)'
    """
    import keras

    inner = getattr(layer, "layer", None)
    name = type(layer).__name__
    if isinstance(inner, keras.layers.Layer):
        return f"{name}({layer_type(inner)})"
    return name


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

    Examples
    --------
    >>> table = ShapeTable([{"name": "conv", "type": "Conv2D", "output_shape": (None, 6, 6, 2),
    ...                      "params": 20, "receptive_field": 3}], total_params=20)
    >>> table.rows[0]["params"], table.total_params
    (20, 20)
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
                "type": layer_type(layer),
                "output_shape": shape,
                "params": int(layer.count_params()),
                "receptive_field": field,
            }
        )
    return ShapeTable(rows, int(model.count_params()))
