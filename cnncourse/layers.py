"""Keras 3 layers of the course: unshared (locally connected) and tiled convolution.

A ``Conv2D`` uses **one** kernel at every output position (weight sharing). These
two layers relax that, as in Goodfellow et al., *Deep Learning* §9.5:

- :class:`LocallyConnected2D` (unshared convolution): a different kernel at every
  output position; as many weights as a dense layer restricted to local windows.
- :class:`TiledConv2D` (tiled convolution, Ngiam et al. 2010): ``t_h x t_w`` kernel
  sets that take turns: output ``(i, j)`` uses set ``(i mod t_h, j mod t_w)``, so
  neighbouring outputs use different kernels and outputs a tile apart share one.
  ``tile_size=1`` is ``Conv2D``; a tile as large as the output is
  ``LocallyConnected2D`` (but for the biases: one per filter here, one per output
  value there).

Both are written with ``keras.ops`` only, so they run on every Keras backend, and
both work the same way: every window of the input is cut out with
``keras.ops.image.extract_patches`` (an (N, H_out, W_out, F_h * F_w * C) tensor,
each window flattened in (F_h, F_w, C) order, channels fastest, exactly as
:func:`cnncourse.ops.im2col`), then each output position's window is multiplied
by that position's kernel in one ``einsum``. Inputs are channels last,
(N, H, W, C), with H and W known when the layer is built (the weights, or the
kernel of each position, depend on the output size).

Importing this module imports Keras (``import cnncourse`` does not).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from . import _validate, shapes

__all__ = [
    "LocallyConnected2D",
    "TiledConv2D",
]

_PADDING = shapes.KERAS_PADDING_MODES


_pair = _validate.pair  # an int or a pair of ints, as a pair


class _PatchConv2D(keras.layers.Layer):
    """Shared machinery: arguments, output geometry, patch extraction, config."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        activation: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filters = _validate.integer("filters", filters, minimum=1)
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.strides = _pair("strides", strides)
        self.padding = shapes.standardize_padding(padding, allowed=_PADDING)
        if not isinstance(use_bias, (bool, np.bool_)):
            raise ValueError(f"use_bias must be True or False; got {_validate.short(use_bias)}")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.activation = keras.activations.get(activation)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    # -- geometry --------------------------------------------------------------

    def _output_hw(self, h: int | None, w: int | None) -> tuple[int | None, int | None]:
        """Output (H, W) for an input (H, W), from the package's one conv geometry."""
        g = shapes.conv_geometry(
            (h, w), self.kernel_size, self.strides, self.padding, ndim=2, allowed=_PADDING
        )
        return g.output_size[0], g.output_size[1]

    def _check_input(self, input_shape: Any) -> tuple[int, int, int]:
        """(H, W, C) of the input, which must be known and large enough."""
        shape = tuple(input_shape)
        if len(shape) != 4:
            raise ValueError(
                f"{type(self).__name__} expects inputs of shape (batch, H, W, C); "
                f"got input_shape {shape}"
            )
        h, w, c = shape[1:]
        if h is None or w is None or c is None:
            raise ValueError(
                f"{type(self).__name__} needs the input's height, width and channels to build "
                f"its weights; got input_shape {shape} (give keras.Input a full shape, "
                "e.g. keras.Input((28, 28, 1)))"
            )
        self._output_hw(h, w)  # raises if the kernel is larger than the padded input
        return h, w, c

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        h_out, w_out = self._output_hw(input_shape[1], input_shape[2])
        return (input_shape[0], h_out, w_out, self.filters)

    # -- computation -----------------------------------------------------------

    def _patches(self, inputs: Any) -> Any:
        """(N, H_out * W_out, F_h * F_w * C): every window, flattened in (F_h, F_w, C) order."""
        patches = keras.ops.image.extract_patches(
            inputs,
            self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            data_format="channels_last",
        )  # (N, H_out, W_out, F_h * F_w * C)
        return keras.ops.reshape(patches, (-1, self._positions, self._patch_length))

    def _apply(self, patches: Any, kernels: Any) -> Any:
        """Each position's window times that position's kernel: (N, H_out, W_out, filters)."""
        out = keras.ops.einsum("npk,pkf->npf", patches, kernels)  # kernels (P, F_h*F_w*C, K)
        return keras.ops.reshape(out, (-1, *self._output_size, self.filters))

    def _finish(self, out: Any) -> Any:
        if self.use_bias:
            out = out + self.bias
        return self.activation(out) if self.activation is not None else out

    def _set_geometry(self, input_shape: Any) -> int:
        h, w, c = self._check_input(input_shape)
        self._output_size = self._output_hw(h, w)
        self._positions = self._output_size[0] * self._output_size[1]
        self._patch_length = self.kernel_size[0] * self.kernel_size[1] * c
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={1: h, 2: w, 3: c})
        return c

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="cnncourse")
class LocallyConnected2D(_PatchConv2D):
    """Unshared 2-D convolution: a different kernel at every output position.

    Slides a window over the input as ``Conv2D`` does, but output position
    ``(i, j)`` has its own ``F_h x F_w x C_in x filters`` kernel and its own bias:
    the layer keeps convolution's local connectivity and drops its weight
    sharing (Goodfellow et al., *Deep Learning* §9.5). It suits inputs where a
    feature looks different depending on where it is (aligned faces), at the price
    of ``H_out * W_out`` times the parameters of a ``Conv2D`` and no translation
    equivariance.

    Parameters
    ----------
    filters : int
        Output channels ``K``.
    kernel_size : int or (F_h, F_w)
    strides : int or (S_h, S_w)
    padding : {"valid", "same"}
        As ``Conv2D`` (zeros; ``"same"`` gives ``ceil(H / S_h) x ceil(W / S_w)``
        outputs).
    use_bias : bool
    kernel_initializer, bias_initializer : initializer or its name
        Note that Keras computes the fans of the 3-D kernel with ``H_out * W_out``
        as the "receptive field", so ``"glorot_uniform"`` draws smaller weights
        than for a ``Conv2D`` (as Keras 2's ``LocallyConnected2D`` did).
    activation : activation or its name, optional
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``...).

    Attributes
    ----------
    kernel : variable of shape (H_out * W_out, F_h * F_w * C_in, filters)
        Row ``i * W_out + j`` is the kernel of output position ``(i, j)``,
        flattened in (F_h, F_w, C_in) order (``kernel[p].reshape(F_h, F_w, C_in,
        filters)`` is that position's ``Conv2D``-style kernel).
    bias : variable of shape (H_out, W_out, filters)
        One bias per output value (if ``use_bias``).

    Notes
    -----
    Parameters: ``H_out * W_out * F_h * F_w * C_in * filters`` weights, plus
    ``H_out * W_out * filters`` biases.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 3)), LocallyConnected2D(4, 3)])
    >>> model.output_shape, model.count_params()  # 36 positions x (3*3*3*4 + 4)
    ((None, 6, 6, 4), 4032)
    """

    def build(self, input_shape: Any) -> None:
        self._set_geometry(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self._positions, self._patch_length, self.filters),
            initializer=self.kernel_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(*self._output_size, self.filters),
                initializer=self.bias_initializer,
            )

    def call(self, inputs: Any) -> Any:
        return self._finish(self._apply(self._patches(inputs), self.kernel))


@keras.saving.register_keras_serializable(package="cnncourse")
class TiledConv2D(_PatchConv2D):
    """Tiled 2-D convolution: ``t_h x t_w`` kernel sets taking turns across positions.

    Output position ``(i, j)`` (in output coordinates, after the stride) uses
    kernel set ``(i mod t_h, j mod t_w)``: neighbouring outputs use different
    kernels, outputs ``t`` apart share one (Ngiam et al. 2010, *Tiled
    convolutional neural networks*; Goodfellow et al., *Deep Learning* §9.5).
    Between ``Conv2D`` (``tile_size=1``, one kernel) and
    :class:`LocallyConnected2D` (a kernel per position): ``t_h * t_w`` times the
    parameters of a ``Conv2D``, whatever the image size, and the same work per
    output value. It is equivariant only to shifts by multiples of the tile.

    Its reason to exist is the pooling after it: a ``t_h x t_w`` max pool takes
    the maximum over all the kernel sets, so if they learn versions of one
    feature (rotated, say) the pooled unit becomes invariant to that change,
    with one feature map where a ``Conv2D`` would need ``t_h * t_w`` of them and
    a max over channels (Goodfellow et al. §9.5).

    Parameters
    ----------
    filters : int
        Output channels ``K``.
    kernel_size : int or (F_h, F_w)
    tile_size : int or (t_h, t_w)
        How many different kernels take turns down and across.
    strides : int or (S_h, S_w)
    padding : {"valid", "same"}
    use_bias : bool
    kernel_initializer, bias_initializer : initializer or its name
    activation : activation or its name, optional
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``...).

    Attributes
    ----------
    kernel : variable of shape (t_h, t_w, F_h, F_w, C_in, filters)
        ``kernel[a, b]`` is the ``Conv2D``-style kernel of the outputs
        ``(i, j)`` with ``i mod t_h = a`` and ``j mod t_w = b``.
    bias : variable of shape (filters,)
        One bias per filter, shared by every position (as ``Conv2D``), if ``use_bias``.

    Notes
    -----
    Parameters: ``t_h * t_w * F_h * F_w * C_in * filters`` weights plus ``filters``
    biases. Computed as the patches times a per-position kernel: the ``t_h * t_w``
    kernels are gathered (``keras.ops.take``) into one kernel per output position,
    then used as in :class:`LocallyConnected2D`.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 3)), TiledConv2D(4, 3, tile_size=2)])
    >>> model.output_shape, model.count_params()  # 2*2 kernel sets x 3*3*3*4 + 4 biases
    ((None, 6, 6, 4), 436)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        tile_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        activation: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            activation=activation,
            **kwargs,
        )
        self.tile_size = _pair("tile_size", tile_size)

    def build(self, input_shape: Any) -> None:
        c = self._set_geometry(input_shape)
        t_h, t_w = self.tile_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(t_h, t_w, *self.kernel_size, c, self.filters),
            initializer=self.kernel_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer
            )
        # which kernel set each output position uses, positions in reading order
        rows, cols = np.meshgrid(*(np.arange(n) for n in self._output_size), indexing="ij")
        self._kernel_set = ((rows % t_h) * t_w + cols % t_w).reshape(-1).astype("int32")

    def call(self, inputs: Any) -> Any:
        t_h, t_w = self.tile_size
        kernel_sets = keras.ops.reshape(
            self.kernel, (t_h * t_w, self._patch_length, self.filters)
        )  # each set flattened in (F_h, F_w, C_in) order, as the patches
        kernels = keras.ops.take(kernel_sets, self._kernel_set, axis=0)  # one per position
        return self._finish(self._apply(self._patches(inputs), kernels))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["tile_size"] = self.tile_size
        return config
