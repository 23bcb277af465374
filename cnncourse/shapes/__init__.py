"""Shape arithmetic of convolutions: output sizes, padding, parameters, receptive fields.

Three files, one job each:

- :mod:`cnncourse.shapes.geometry`: :func:`conv_geometry`, the one function that turns
  (input size, kernel, stride, padding, dilation) into pads and output sizes, and the
  formulas built on it (:func:`conv_output_size`, :func:`same_padding`,
  :func:`resolve_padding`); every other module of the package calls it;
- :mod:`cnncourse.shapes.params`: :func:`conv_params` and :func:`conv_macs` (and their
  depthwise-separable twins), :func:`rnn_params`, :func:`receptive_field` and
  :func:`receptive_field_steps`;
- :mod:`cnncourse.shapes.table`: :func:`shape_table`, per-layer table of a Keras model
  (the only part that imports Keras, when called).

Sizes follow Keras: one spatial axis is an ``int``; several axes are a tuple, and an
``int`` combined with a tuple applies to every axis. Argument names follow the
formulas: ``stride`` (singular) everywhere in the NumPy code; the Keras layers of
:mod:`cnncourse.layers` keep Keras's own ``strides``.

Examples
--------
>>> from cnncourse import shapes
>>> shapes.conv_output_size(64, 5)
60
"""

from .geometry import (
    KERAS_PADDING_MODES,
    PADDING_MODES,
    ConvGeometry,
    KernelTooLargeError,
    conv_geometry,
    conv_output_size,
    resolve_padding,
    same_padding,
    standardize_padding,
)
from .params import (
    RNN_CELLS,
    conv_macs,
    conv_params,
    receptive_field,
    receptive_field_steps,
    receptive_fields,
    rnn_params,
    separable_macs,
    separable_params,
)
from .table import ShapeTable, layer_type, shape_table

__all__ = [
    "KERAS_PADDING_MODES",
    "PADDING_MODES",
    "RNN_CELLS",
    "KernelTooLargeError",
    "ConvGeometry",
    "ShapeTable",
    "conv_geometry",
    "conv_macs",
    "conv_output_size",
    "conv_params",
    "layer_type",
    "receptive_field",
    "receptive_field_steps",
    "receptive_fields",
    "resolve_padding",
    "rnn_params",
    "same_padding",
    "separable_macs",
    "separable_params",
    "shape_table",
    "standardize_padding",
]
