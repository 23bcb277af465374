"""Gradients by automatic differentiation, on whichever backend Keras runs on.

:func:`gradient` takes a scalar function written with ``keras.ops`` and NumPy
inputs, and returns NumPy gradients: the same call works on TensorFlow, JAX and
PyTorch. Behind it, one small private function per backend uses that backend's
own machinery (``tf.GradientTape``, ``jax.grad``, ``torch.autograd.grad``),
chosen by ``keras.backend.backend()``. The lessons use it to check the backward
passes written by hand in :mod:`cnncourse.backprop` against the framework's.

Keras is imported only inside the function, so importing this module stays light.

Examples
--------
>>> import keras
>>> import numpy as np
>>> from cnncourse import autodiff
>>> (dx,) = autodiff.gradient(lambda x: keras.ops.sum(x ** 2), np.array([1.0, -2.0]))
>>> dx
array([ 2., -4.])
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _validate

__all__ = ["gradient"]


def _scalar(value: Any) -> Any:
    """The backend tensor ``value`` as a 0-d tensor, or a ValueError if it is not one number."""
    import keras

    shape = tuple(keras.ops.shape(value))
    if math.prod(shape) != 1:
        raise ValueError(f"fn must return a scalar (one number); it returned shape {shape}")
    return keras.ops.reshape(value, ())


def _tensors(arrays: list[np.ndarray]) -> list[Any]:
    import keras

    return [keras.ops.convert_to_tensor(a, dtype=str(a.dtype)) for a in arrays]


def _tensorflow_gradients(fn: Callable, arrays: list[np.ndarray]) -> list[Any]:
    import tensorflow as tf

    tensors = _tensors(arrays)
    with tf.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)  # constants are not watched by default
        value = _scalar(fn(*tensors))
    return tape.gradient(value, tensors, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _jax_gradients(fn: Callable, arrays: list[np.ndarray]) -> list[Any]:
    import jax

    # JAX has 64-bit types off by default and would compute a float64 input in float32
    # (relative errors ~1e-5 instead of ~1e-15): switch them on for this call only.
    wide = any(a.dtype == np.float64 for a in arrays)
    argnums = tuple(range(len(arrays)))
    with jax.enable_x64(True) if wide else contextlib.nullcontext():
        grads = jax.grad(lambda *xs: _scalar(fn(*xs)), argnums=argnums)(*_tensors(arrays))
        return [np.asarray(g) for g in grads]


def _torch_gradients(fn: Callable, arrays: list[np.ndarray]) -> list[Any]:
    import torch

    # on Keras's device (a GPU if there is one), as leaves that record their gradient
    tensors = [t.detach().requires_grad_(True) for t in _tensors(arrays)]
    value = _scalar(fn(*tensors))
    grads = torch.autograd.grad(value, tensors, allow_unused=True)
    return [torch.zeros_like(t) if g is None else g for g, t in zip(grads, tensors, strict=True)]


_BACKENDS = {
    "tensorflow": _tensorflow_gradients,
    "jax": _jax_gradients,
    "torch": _torch_gradients,
}


def gradient(fn: Callable[..., Any], *inputs: Any) -> tuple[np.ndarray, ...]:
    """The gradients of the scalar ``fn(*inputs)`` with respect to each input.

    ``fn`` receives the inputs as tensors of the Keras backend and must compute
    with ``keras.ops`` (``keras.ops.conv``, ``keras.ops.max_pool``, ...) so that it
    runs on every backend; a NumPy array it closes over (a fixed ``dout``, say)
    should enter through ``keras.ops`` too (``keras.ops.multiply(y, dout)`` rather
    than ``y * dout``: converted to the backend's tensor, on its device). It
    returns one number. The gradient is the backend's own automatic
    differentiation: TensorFlow's ``GradientTape``, ``jax.grad`` or
    ``torch.autograd.grad``.

    Inputs are float arrays: float32 ones stay float32, others become float64 (on
    JAX too: 64-bit types are switched on for the call when an input is float64;
    a ``keras.ops`` function that promotes, such as ``keras.ops.sin``, still computes
    in float32 there, as Keras aligns its type promotion with JAX's default). An
    input ``fn`` does not use gets a gradient of zeros.

    Parameters
    ----------
    fn : callable
        ``fn(*tensors)`` returns a scalar tensor (or one of a single element).
    *inputs : real arrays
        At least one.

    Returns
    -------
    tuple of NumPy arrays
        One per input, of its shape and float dtype (a tuple even for one input).

    Examples
    --------
    >>> import keras
    >>> x, k = np.arange(9.0).reshape(1, 3, 3, 1), np.ones((2, 2, 1, 1))
    >>> dx, dk = gradient(lambda x, k: keras.ops.sum(keras.ops.conv(x, k)), x, k)
    >>> dx[0, :, :, 0]  # how many windows covered each pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dk[:, :, 0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    if not callable(fn):
        raise ValueError(f"fn must be a function of the inputs; got {_validate.short(fn)}")
    if not inputs:
        raise ValueError("inputs must hold at least one array to differentiate by; got none")
    arrays = []
    for i, value in enumerate(inputs):
        a = _validate.real_array(f"inputs[{i}]", value, (np.ndim(value),), "any")
        arrays.append(a.astype(_validate.float_dtype(a), copy=False))

    import keras

    backend = keras.backend.backend()
    if backend not in _BACKENDS:
        raise ValueError(
            f"the Keras backend must be one of {', '.join(map(repr, _BACKENDS))} to compute "
            f"gradients; it is {backend!r} (set KERAS_BACKEND)"
        )
    grads = _BACKENDS[backend](fn, arrays)
    return tuple(
        np.asarray(keras.ops.convert_to_numpy(g)).reshape(a.shape).astype(a.dtype, copy=False)
        for g, a in zip(grads, arrays, strict=True)
    )
