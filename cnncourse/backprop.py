"""How a CNN learns, in plain NumPy: backward passes, a loss, optimisers and a tiny CNN.

Training needs the gradient of the loss ``L`` with respect to every weight; the
chain rule gives it layer by layer, from the loss back to the input
(*backpropagation*). A layer's **backward pass** receives ``dout = dL/dout`` (the
shape of its output) and returns ``dx = dL/dx`` (the shape of its input, passed
on to the layer before) and the gradients of its own weights.

- :func:`conv2d_backward` (im2col) and :func:`conv2d_backward_naive` (loops), for
  :func:`cnncourse.ops.conv2d` with the same layouts, strides and paddings;
- :func:`max_pool2d_backward`: all of ``dout`` to the maximum of the window.
  **Ties**: the first maximum in row-major order of the window (top-most row,
  then left-most column) gets all of it, the others 0;
- :func:`avg_pool2d_backward`: ``dout`` shared equally by the window's *real*
  cells (padding excluded, as :func:`cnncourse.pooling.avg_pool2d`);
- :func:`relu_backward` (0 at ``x == 0``) and :func:`softmax_cross_entropy`;
- :func:`numerical_gradient` and :func:`rel_error` check a backward pass;
- :func:`sgd_step`, :func:`sgd_momentum_step`, :class:`TinyCNN` (conv -> ReLU ->
  max pool -> dense -> softmax) and :func:`train_tiny_cnn` put it all together.

Layouts are Keras's: a batch (N, H, W, C), a kernel (F_h, F_w, C_in, K). Results are
float32 when all inputs are float32, else float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _validate, ops, pooling, shapes

# fmt: off
__all__ = [
    "TinyCNN", "avg_pool2d_backward", "conv2d_backward", "conv2d_backward_naive",
    "max_pool2d_backward", "numerical_gradient", "rel_error", "relu_backward", "relu_forward",
    "sgd_momentum_step", "sgd_step", "softmax", "softmax_cross_entropy", "train_tiny_cnn",
]
# fmt: on

_IMAGE = "(H, W), (H, W, C) or (N, H, W, C)"
_KERNEL = "(F_h, F_w, C_in, K) (or (F_h, F_w) for one channel and filter)"
_POOL_GEOMETRY = {"ndim": 2, "allowed": shapes.KERAS_PADDING_MODES, "kernel_name": "pool_size"}

# --- argument handling -------------------------------------------------------------------


def _any(name: str, value: Any) -> np.ndarray:
    """``value`` as a real array of any shape."""
    return _validate.real_array(name, value, (np.ndim(value),), "any")


def _check_dout(dout: Any, expected: tuple[int, ...], what: str) -> np.ndarray:
    """``dout`` as an array of the forward output's shape, or a ValueError saying which."""
    d = _validate.real_array("dout", dout, (len(expected),), str(expected))
    if d.shape != expected:
        message = f"dout must have the shape of {what}'s output, {expected}"
        raise ValueError(f"{message}; got shape {d.shape}")
    return d


def _image(x: Any) -> tuple[np.ndarray, np.ndarray]:
    x_in = _validate.real_array("x", x, (2, 3, 4), _IMAGE)
    return x_in, _validate.image_batch("x", x_in)


def _dout(dout, x_in, x4, g, channels, drop_channels, what, *arrays):
    """``dout`` checked against the forward output's shape, as a 4-D array of the float dtype."""
    expected = (x4.shape[0], *g.output_size, channels)  # what the forward pass returns
    expected = expected[:-1] if drop_channels else expected
    d = _check_dout(dout, expected if x_in.ndim == 4 else expected[1:], what)
    dtype = _validate.float_dtype(x_in, d, *arrays)
    return d.reshape(x4.shape[0], *g.output_size, channels).astype(dtype, copy=False), dtype


def _crop(dxp: np.ndarray, g: Any, x_in: np.ndarray, x4: np.ndarray) -> np.ndarray:
    """The gradient of the padded input, without the padding (not part of x), as x's shape."""
    (top, _), (left, _) = g.pads
    return dxp[:, top : top + x4.shape[1], left : left + x4.shape[2]].reshape(x_in.shape)


def _conv_args(dout: Any, x: Any, kernel: Any, stride: Any, padding: Any):
    """Validated 4-D float arrays, geometry, and a function restoring the callers' layouts."""
    x_in, x4 = _image(x)
    k_in = _validate.real_array("kernel", kernel, (2, 4), _KERNEL)
    k4 = k_in[:, :, None, None] if k_in.ndim == 2 else k_in
    if k4.shape[2] != x4.shape[3]:
        raise ValueError(
            f"kernel of shape {k_in.shape} expects {k4.shape[2]} input channel(s) but x of "
            f"shape {x_in.shape} has {x4.shape[3]}"
        )
    if min(k4.shape) < 1 or min(x4.shape) < 1:
        raise ValueError(f"x and kernel must not be empty; got {x_in.shape} and {k_in.shape}")
    g = shapes.conv_geometry(x4.shape[1:3], k4.shape[:2], stride, padding, ndim=2)
    what = f"conv2d(x, kernel, stride={stride!r}, padding={padding!r})"
    d4, dtype = _dout(dout, x_in, x4, g, k4.shape[3], k_in.ndim == 2, what, k_in)
    xp = np.pad(x4.astype(dtype, copy=False), ((0, 0), *g.pads, (0, 0)))

    def finish(dxp: np.ndarray, dkernel: np.ndarray, dbias: np.ndarray):
        dbias = dbias.reshape(()) if k_in.ndim == 2 else dbias
        return _crop(dxp, g, x_in, x4), dkernel.reshape(k_in.shape), dbias

    return d4, xp, k4.astype(dtype, copy=False), g.stride, finish


def _pool_args(dout: Any, x: Any, pool_size: Any, stride: Any, padding: Any, name: str):
    x_in, x4 = _image(x)
    if x4.size == 0:
        raise ValueError(f"x must not be empty; got shape {x_in.shape}")
    step = pool_size if stride is None else stride
    g = shapes.conv_geometry(x4.shape[1:3], pool_size, step, padding, **_POOL_GEOMETRY)
    what = f"{name}(x, pool_size={pool_size!r}, stride={stride!r}, padding={padding!r})"
    d4, dtype = _dout(dout, x_in, x4, g, x4.shape[3], x_in.ndim == 2, what)
    return d4, x4.astype(dtype, copy=False), g, lambda dxp: _crop(dxp, g, x_in, x4)


# --- convolution -------------------------------------------------------------------------


def conv2d_backward_naive(
    dout: Any, x: Any, kernel: Any, stride: Any = 1, padding: Any = "valid"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`cnncourse.ops.conv2d`, written as loops.

    The forward pass computed, for every output position ``(i, j)`` and filter
    ``f``, ``out[n, i, j, f] = sum(window * kernel[..., f]) + bias[f]``, where
    ``window`` is the patch of the padded input under the kernel. So, position by
    position and filter by filter, ``dout[n, i, j, f]`` flows back

    - to the kernel: ``dkernel[..., f] += dout[n, i, j, f] * window``;
    - to the input: ``dx[window] += dout[n, i, j, f] * kernel[..., f]``;
    - to the bias: ``dbias[f] += dout[n, i, j, f]``.

    Gradients that land on the padding are dropped (the padding is not part of
    ``x``). Same results as :func:`conv2d_backward`, only slower.

    ``x``, ``kernel``, ``stride`` and ``padding`` are as :func:`cnncourse.ops.conv2d`'s
    (x (H, W), (H, W, C) or (N, H, W, C); kernel (F_h, F_w, C, K) or (F_h, F_w);
    padding "valid", "same", "full", an int, (ph, pw) or ((top, bottom), (left,
    right))), ``dout`` has the shape of their convolution. Returns ``dx`` and
    ``dkernel`` of the shapes of ``x`` and ``kernel``, and ``dbias`` of shape (K,)
    (() for a 2-D kernel).

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> dx, dkernel, dbias = conv2d_backward_naive(np.ones((2, 2)), x, np.ones((2, 2)))
    >>> dx  # how many windows covered each pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dkernel, dbias  # the sum of the pixels each weight met; of dout
    (array([[ 8., 12.],
           [20., 24.]]), array(4.))
    """
    dout, xp, kernel, (sh, sw), finish = _conv_args(dout, x, kernel, stride, padding)
    n, h_out, w_out, k = dout.shape
    f_h, f_w = kernel.shape[:2]
    dxp = np.zeros_like(xp)  # the gradient of the *padded* input
    dkernel = np.zeros_like(kernel)
    for i in range(h_out):  # each output row...
        for j in range(w_out):  # ...and column
            top, left = i * sh, j * sw  # the window's top-left corner in the padded input
            patch = np.s_[:, top : top + f_h, left : left + f_w, :]  # the window's pixels
            window = xp[patch]  # (N, F_h, F_w, C)
            for f in range(k):  # each filter
                g = dout[:, i, j, f]  # (N,): one gradient per image
                # each weight met this window: add the window, weighted by g, over the batch
                dkernel[:, :, :, f] += np.tensordot(g, window, axes=(0, 0))
                # each pixel of the window was multiplied by its weight
                dxp[patch] += g[:, None, None, None] * kernel[:, :, :, f]
    dbias = dout.sum(axis=(0, 1, 2))  # the bias was added at every position of every image
    return finish(dxp, dkernel, dbias)


def conv2d_backward(
    dout: Any, x: Any, kernel: Any, stride: Any = 1, padding: Any = "valid"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`cnncourse.ops.conv2d`, vectorised through im2col.

    The forward pass is one matrix product ``out = cols @ W`` with
    ``cols = im2col(x)`` of shape (N * H_out * W_out, F_h * F_w * C) and ``W`` the
    kernel reshaped to (F_h * F_w * C, K). The gradients of a matrix product are
    matrix products again:

    - ``dW = cols.T @ dout`` (reshaped back to the kernel's shape);
    - ``dcols = dout @ W.T``: one gradient per window and window cell, added back
      to the pixels those cells were copied from (*col2im*: one slice per kernel
      cell, a loop of only F_h * F_w steps);
    - ``dbias = dout.sum()`` over images and positions.

    At stride 1, ``dx`` is the "full" convolution of ``dout`` with the kernel
    flipped in both axes and with its in/out channels swapped (see the example).

    Arguments and results as :func:`conv2d_backward_naive`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, kernel = rng.normal(size=(2, 5, 5, 3)), rng.normal(size=(3, 3, 3, 4))
    >>> dout = rng.normal(size=(2, 3, 3, 4))
    >>> dx, dkernel, dbias = conv2d_backward(dout, x, kernel)
    >>> dx.shape, dkernel.shape, dbias.shape
    ((2, 5, 5, 3), (3, 3, 3, 4), (4,))
    >>> flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)  # (F_h, F_w, K, C)
    >>> np.allclose(dx, ops.conv2d(dout, flipped, padding="full"))
    True
    """
    dout, xp, kernel, (sh, sw), finish = _conv_args(dout, x, kernel, stride, padding)
    n, h_out, w_out, k = dout.shape
    f_h, f_w, c, _ = kernel.shape
    d2 = dout.reshape(-1, k)  # one row per output position, as the rows of cols
    cols = ops.im2col(xp, (f_h, f_w), (sh, sw)).astype(xp.dtype, copy=False)
    dkernel = (cols.T @ d2).reshape(kernel.shape)
    dcols = (d2 @ kernel.reshape(-1, k).T).reshape(n, h_out, w_out, f_h, f_w, c)
    dxp = np.zeros_like(xp)
    for a in range(f_h):  # col2im: kernel cell (a, b) saw pixel (i*sh + a, j*sw + b)
        for b in range(f_w):
            dxp[:, a : a + sh * h_out : sh, b : b + sw * w_out : sw, :] += dcols[:, :, :, a, b]
    return finish(dxp, dkernel, d2.sum(axis=0))


# --- pooling -----------------------------------------------------------------------------


def max_pool2d_backward(
    dout: Any, x: Any, pool_size: Any = 2, stride: Any = None, padding: str = "valid"
) -> np.ndarray:
    """Backward pass of :func:`cnncourse.pooling.max_pool2d`: ``dout`` to the maximum.

    The output of a window is one of its cells, the largest, so its gradient goes
    to that cell alone; the other cells changed nothing and get 0. Where windows
    overlap (``stride < pool_size``) a cell collects the gradients of every
    window it won.

    **Ties**: when several cells share the maximum, the **first maximum in
    row-major order of the window** (top-most row first, then left-most column)
    gets all of ``dout``, the others 0 (``np.argmax``'s rule). Padding
    (``-inf`` with ``"same"``) never wins.

    ``x`` (the forward pass's input: (H, W), (H, W, C) or (N, H, W, C)),
    ``pool_size``, ``stride`` (by default ``pool_size``) and ``padding`` ("valid" or
    "same") are as :func:`cnncourse.pooling.max_pool2d`'s, ``dout`` has the shape of
    its output. Returns ``dx``, of the shape of ``x``.

    Examples
    --------
    >>> x = np.array([[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [7, 0, 2, 9]])
    >>> max_pool2d_backward(np.array([[10.0, 20.0], [30.0, 40.0]]), x)
    array([[ 0.,  0., 20.,  0.],
           [ 0., 10.,  0.,  0.],
           [ 0.,  0.,  0.,  0.],
           [30.,  0.,  0., 40.]])
    >>> max_pool2d_backward(np.ones((1, 1)), np.ones((2, 2)))  # a tie: the first wins
    array([[1., 0.],
           [0., 0.]])
    """
    dout, x4, g, finish = _pool_args(dout, x, pool_size, stride, padding, "max_pool2d")
    (p_h, p_w), (s_h, s_w) = g.kernel_size, g.stride
    xp = np.pad(x4, ((0, 0), *g.pads, (0, 0)), constant_values=-np.inf)
    dxp = np.zeros_like(xp)
    n, h_out, w_out, c = dout.shape
    images, channels = np.arange(n)[:, None], np.arange(c)[None, :]
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * s_h, j * s_w
            window = xp[:, top : top + p_h, left : left + p_w, :].reshape(n, p_h * p_w, c)
            first_max = np.argmax(window, axis=1)  # (N, C): row-major index of the winner
            rows, cols = np.divmod(first_max, p_w)
            dxp[images, top + rows, left + cols, channels] += dout[:, i, j, :]
    return finish(dxp)


def avg_pool2d_backward(
    dout: Any, x: Any, pool_size: Any = 2, stride: Any = None, padding: str = "valid"
) -> np.ndarray:
    """Backward pass of :func:`cnncourse.pooling.avg_pool2d`: ``dout`` shared equally.

    A window's output is the mean of its ``count`` real cells, so each of them
    gets ``dout / count``. As in the forward pass, with ``padding="same"`` the
    padded cells are not counted (a border window with 2 real cells gives each
    half of ``dout``) and get nothing.

    Arguments and result as :func:`max_pool2d_backward` (only ``x``'s shape matters).

    Examples
    --------
    >>> avg_pool2d_backward(np.array([[4.0]]), np.zeros((2, 2)))
    array([[1., 1.],
           [1., 1.]])
    >>> avg_pool2d_backward(np.ones((2, 2)), np.zeros((3, 3)), padding="same")
    array([[0.25, 0.25, 0.5 ],
           [0.25, 0.25, 0.5 ],
           [0.5 , 0.5 , 1.  ]])
    """
    dout, x4, g, finish = _pool_args(dout, x, pool_size, stride, padding, "avg_pool2d")
    (p_h, p_w), (s_h, s_w) = g.kernel_size, g.stride
    real = np.pad(np.ones(x4.shape[1:3], dtype=x4.dtype), g.pads)  # 1 on x, 0 on the padding
    dxp = np.zeros((x4.shape[0], *real.shape, x4.shape[3]), dtype=x4.dtype)
    _, h_out, w_out, _ = dout.shape
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * s_h, j * s_w
            cells = real[top : top + p_h, left : left + p_w]  # (P_h, P_w): 1 if real
            share = dout[:, i, j, :] / cells.sum()  # (N, C): dout / count, to each real cell
            dxp[:, top : top + p_h, left : left + p_w] += cells[:, :, None] * share[:, None, None]
    return finish(dxp)


# --- activation and loss -----------------------------------------------------------------


def relu_forward(x: Any) -> np.ndarray:
    """The rectified linear unit, ``max(x, 0)`` element by element, for any shape.

    Examples
    --------
    >>> relu_forward([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    x = _any("x", x)
    return np.maximum(x, 0).astype(_validate.float_dtype(x), copy=False)


def relu_backward(dout: Any, x: Any) -> np.ndarray:
    """Backward pass of :func:`relu_forward`: ``dout`` where ``x > 0``, else 0.

    ReLU has no derivative at exactly 0; like TensorFlow, JAX and PyTorch we use
    **0 at x == 0**. ``dout``, ``x`` (the forward pass's input) and the result
    have one shape.

    Examples
    --------
    >>> relu_backward(np.array([5.0, 5.0, 5.0]), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 5.])
    """
    x = _any("x", x)
    d = _check_dout(dout, x.shape, "relu_forward(x)")
    return np.where(x > 0, d, 0).astype(_validate.float_dtype(x, d), copy=False)


def _logits(logits: Any, ndim: tuple[int, ...] = (1, 2)) -> np.ndarray:
    layout = "(N, K)" if ndim == (2,) else "(N, K) or (K,)"
    z = _validate.real_array("logits", logits, ndim, layout)
    if z.shape[-1] == 0:
        raise ValueError(f"logits must have at least one class; got shape {z.shape}")
    return z.astype(_validate.float_dtype(z), copy=False)


def softmax(z: Any) -> np.ndarray:
    """Class probabilities ``exp(z) / sum(exp(z))`` along the last axis, computed stably.

    ``z`` holds logits, (K,) or (N, K) (one row per example). Subtracting the
    largest logit first changes nothing (it cancels in the ratio) but keeps
    ``exp`` from overflowing: ``exp(1000)`` is ``inf``. Each row of the result is
    positive and sums to 1.

    Examples
    --------
    >>> softmax([1000.0, 1000.0])  # no overflow
    array([0.5, 0.5])
    """
    z = _logits(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits: Any, labels: Any) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    ``loss = mean_n(-log softmax(logits[n])[labels[n]])``, computed from
    ``log softmax(z) = z - max(z) - log(sum(exp(z - max(z))))`` so that large
    logits neither overflow nor give ``log(0)``. The gradient has the famous
    simple form ``dlogits = (softmax(logits) - one_hot(labels)) / N``: the
    probabilities, minus 1 at the right class, averaged over the batch.

    ``logits`` is (N, K), ``labels`` (N,) integers in 0..K-1; returns the loss (a
    float) and ``dlogits`` (N, K).

    Examples
    --------
    >>> loss, dlogits = softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    >>> loss, dlogits
    (1000.0, array([[ 1., -1.]]))
    """
    z = _logits(logits, (2,))
    (n, k), y = z.shape, _validate.real_array("labels", labels, (1,), f"(N,) = ({len(z)},)")
    if y.shape != (n,):
        raise ValueError(f"labels must have shape (N,) = ({n},), one per row; got {y.shape}")
    if n and (not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= k):
        raise ValueError(
            f"labels must be integers from 0 to {k - 1} (K = {k} classes); "
            f"got values from {y.min()} to {y.max()}"
        )
    y = y.astype(np.int64)
    shifted = z - z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n


# --- checking gradients ------------------------------------------------------------------


def numerical_gradient(f: Callable[[np.ndarray], Any], x: Any, eps: float = 1e-5) -> np.ndarray:
    """The gradient of a scalar function by centred differences, entry by entry.

    ``grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``: two calls of ``f``
    (which returns a real scalar) per entry, with an error of order ``eps ** 2``.
    Slow, but obviously right: the reference a backward pass is checked against
    (with :func:`rel_error`). Returns a float64 array of the shape of ``x``.

    A float64 array ``x`` is changed **in place**, one entry at a time, and restored,
    so ``f`` may read it from elsewhere (a model's parameter, say); anything else is
    copied to float64 first (in float32 round-off swamps the differences).

    Examples
    --------
    >>> numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    if not callable(f):
        raise ValueError(f"f must be a function of x returning a scalar; got {_validate.short(f)}")
    eps = _validate.number("eps", eps)
    if not eps > 0:
        raise ValueError(f"eps must be > 0; got {eps}")
    if not (isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable):
        x = np.array(_any("x", x), float)

    def value() -> float:
        out = np.asarray(f(x))
        if out.size != 1:
            raise ValueError(f"f must return a scalar; it returned an array of shape {out.shape}")
        return float(out.reshape(()))

    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):  # every entry, in row-major order
        old = x[index]
        x[index] = old + eps
        up = value()
        x[index] = old - eps
        down = value()
        x[index] = old  # restore it
        grad[index] = (up - down) / (2 * eps)
    return grad


def rel_error(a: Any, b: Any) -> float:
    """The largest relative error between two arrays of one shape, as CS231n defines it.

    ``max(|a - b| / max(1e-8, |a| + |b|))`` over the entries (0.0 for empty
    arrays). A correct backward pass checked in float64 against
    :func:`numerical_gradient` gives about 1e-7 or less; 1e-2 or more means a bug.

    Examples
    --------
    >>> round(rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.02])), 6)  # 0.02 / 4.02
    0.004975
    """
    a, b = _any("a", a).astype(float), _any("b", b).astype(float)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


# --- optimisers --------------------------------------------------------------------------


def _params_and_grads(params: Any, grads: Any, lr: Any) -> float:
    for name, value in (("params", params), ("grads", grads)):
        if not isinstance(value, dict):
            raise ValueError(f"{name} must be a dict of arrays; got {_validate.short(value)}")
    if set(params) != set(grads):
        raise ValueError(
            f"grads must have the keys of params, {sorted(params)}; got {sorted(grads)}"
        )
    for key in params:
        if np.shape(params[key]) != np.shape(grads[key]):
            raise ValueError(
                f"grads[{key!r}] must have the shape of params[{key!r}], "
                f"{np.shape(params[key])}; got {np.shape(grads[key])}"
            )
    return _validate.number("lr", lr, low=0.0)


def sgd_step(params: dict, grads: dict, lr: float) -> dict:
    """One step of plain gradient descent: ``p - lr * dp`` for every parameter.

    ``params`` and ``grads`` are dicts of arrays with the same keys and shapes,
    ``lr`` (>= 0) the learning rate. Returns a dict of new arrays (``params`` is
    not changed).

    Examples
    --------
    >>> sgd_step({"w": np.array([1.0, 2.0])}, {"w": np.array([10.0, -10.0])}, lr=0.1)
    {'w': array([0., 3.])}
    """
    lr = _params_and_grads(params, grads, lr)
    return {key: params[key] - lr * np.asarray(grads[key]) for key in params}


def sgd_momentum_step(
    params: dict, grads: dict, velocity: dict | None, lr: float, momentum: float = 0.9
) -> tuple[dict, dict]:
    """One step of gradient descent with momentum, as ``keras.optimizers.SGD(momentum=...)``.

    The velocity is a running, decaying sum of past steps; every parameter moves
    by its velocity: ``v = momentum * v - lr * dp``, then ``p = p + v``. With
    ``momentum = 0`` this is :func:`sgd_step`. Where the gradient keeps its sign,
    steps grow up to ``1 / (1 - momentum)`` times (10x for 0.9); where it flips,
    they cancel out.

    ``params`` and ``grads`` are as :func:`sgd_step`'s, ``velocity`` the dict the
    previous step returned (None, meaning zeros, at the first); ``momentum`` is
    in [0, 1). Returns the new ``(params, velocity)`` dicts.

    Examples
    --------
    >>> p, v = {"w": np.array([1.0])}, None
    >>> for _ in range(2):
    ...     p, v = sgd_momentum_step(p, {"w": np.array([1.0])}, v, lr=0.1, momentum=0.9)
    >>> v["w"], p["w"]  # -0.1, then 0.9 * -0.1 - 0.1
    (array([-0.19]), array([0.71]))
    """
    lr = _params_and_grads(params, grads, lr)
    momentum = _validate.number("momentum", momentum, low=0.0)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1); got {momentum}")
    velocity = {} if velocity is None else velocity
    if not isinstance(velocity, dict) or not set(velocity) <= set(params):
        keys, got = sorted(params), _validate.short(velocity)
        raise ValueError(f"velocity must be None or a dict with keys of {keys}; got {got}")
    old = {key: np.asarray(velocity.get(key, 0.0)) for key in params}  # zeros at first
    new_v = {key: momentum * old[key] - lr * np.asarray(grads[key]) for key in params}
    return {key: params[key] + new_v[key] for key in params}, new_v


# --- a tiny CNN --------------------------------------------------------------------------


class TinyCNN:
    """conv -> ReLU -> max pool -> dense -> softmax, in NumPy, with its backward pass.

    The parameters live in the dict :attr:`params`: ``"conv_kernel"`` (F, F, C, filters),
    ``"conv_bias"`` (filters,), ``"dense_kernel"`` (features, num_classes) and
    ``"dense_bias"`` (num_classes,). The convolution pads ``"same"`` (stride 1),
    the pooling is ``pool_size x pool_size`` ("valid", stride ``pool_size``).
    Weights start He-normal (std ``sqrt(2 / fan_in)``) from ``seed``, biases at 0.
    :meth:`loss` returns the loss and the gradients, ready for :func:`sgd_step`.

    ``input_shape`` is (H, W, C); ``num_classes`` >= 2; ``pool_size`` at most
    min(H, W).

    Examples
    --------
    >>> model = TinyCNN((8, 8, 1), num_classes=10, seed=0)
    >>> x, y = np.random.default_rng(0).random((5, 8, 8, 1)), np.arange(5)
    >>> model.forward(x).shape
    (5, 10)
    >>> loss, grads = model.loss(x, y)
    >>> sorted(grads) == sorted(model.params)
    True
    >>> model.params = sgd_step(model.params, grads, lr=0.1)
    >>> bool(model.loss(x, y)[0] < loss)
    True
    """

    def __init__(
        self, input_shape, num_classes: int, filters=8, kernel_size=3, pool_size=2, seed=0
    ) -> None:
        if not _validate.is_sequence(input_shape) or len(input_shape) != 3:
            raise ValueError(f"input_shape must be (H, W, C); got {_validate.short(input_shape)}")
        h, w, c = (_validate.integer("input_shape", v, minimum=1) for v in input_shape)
        self.num_classes = _validate.integer("num_classes", num_classes, minimum=2)
        filters = _validate.integer("filters", filters, minimum=1)
        f = _validate.integer("kernel_size", kernel_size, minimum=1)
        self.pool_size = _validate.integer("pool_size", pool_size, minimum=1)
        if self.pool_size > min(h, w):
            raise ValueError(f"pool_size must be at most min(H, W) = {min(h, w)}; got {pool_size}")
        self.input_shape = (h, w, c)
        features = (h // self.pool_size) * (w // self.pool_size) * filters
        rng = np.random.default_rng(_validate.integer("seed", seed))
        self.params = {
            "conv_kernel": rng.normal(0, np.sqrt(2 / (f * f * c)), (f, f, c, filters)),
            "conv_bias": np.zeros(filters),
            "dense_kernel": rng.normal(0, np.sqrt(2 / features), (features, self.num_classes)),
            "dense_bias": np.zeros(self.num_classes),
        }

    def _check_x(self, x: Any) -> np.ndarray:
        layout = f"(N, {', '.join(map(str, self.input_shape))})"
        x = _validate.real_array("x", x, (4,), layout)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"x must have shape {layout}; got shape {x.shape}")
        return x.astype(np.float64)

    def _forward(self, x: np.ndarray) -> tuple[np.ndarray, dict]:
        p = self.params
        conv = ops.conv2d(x, p["conv_kernel"], p["conv_bias"], padding="same")
        relu = relu_forward(conv)
        pooled = pooling.max_pool2d(relu, self.pool_size)
        flat = pooled.reshape(len(x), -1)
        logits = flat @ p["dense_kernel"] + p["dense_bias"]
        return logits, {"conv": conv, "relu": relu, "pooled": pooled, "flat": flat}

    def forward(self, x: Any) -> np.ndarray:
        """The logits (N, num_classes) of a batch (N, H, W, C)."""
        return self._forward(self._check_x(x))[0]

    def predict(self, x: Any) -> np.ndarray:
        """The predicted class of each image of a batch: its largest logit."""
        return np.argmax(self.forward(x), axis=1)

    def accuracy(self, x: Any, y: Any) -> float:
        """The fraction of the images of ``x`` whose predicted class is ``y``."""
        return float(np.mean(self.predict(x) == np.asarray(y)))

    def loss(self, x: Any, y: Any) -> tuple[float, dict]:
        """The mean cross-entropy on a batch, and its gradient for every parameter.

        The backward pass runs the forward pass in reverse, each layer turning the
        gradient of its output into those of its input and weights.

        Examples
        --------
        >>> loss, grads = TinyCNN((4, 4, 1), 3).loss(np.zeros((2, 4, 4, 1)), [0, 1])
        >>> round(loss, 4)  # log(3): all classes equally likely
        1.0986
        """
        x = self._check_x(x)
        logits, cache = self._forward(x)
        loss, dlogits = softmax_cross_entropy(logits, y)
        p = self.params
        grads = {
            "dense_kernel": cache["flat"].T @ dlogits,  # the dense layer: a matrix product
            "dense_bias": dlogits.sum(axis=0),
        }
        dpooled = (dlogits @ p["dense_kernel"].T).reshape(cache["pooled"].shape)
        drelu = max_pool2d_backward(dpooled, cache["relu"], self.pool_size)
        dconv = relu_backward(drelu, cache["conv"])
        _, grads["conv_kernel"], grads["conv_bias"] = conv2d_backward(
            dconv, x, p["conv_kernel"], padding="same"
        )
        return loss, grads


def train_tiny_cnn(
    x_train, y_train, epochs=5, batch_size=32, lr=0.05, momentum=0.9, seed=0, **model_kwargs
) -> tuple[TinyCNN, np.ndarray]:
    """Train a :class:`TinyCNN` by mini-batch SGD with momentum: the whole loop, in NumPy.

    Every epoch shuffles the training set (from ``seed``) and, for each batch,
    computes the loss and the gradients (:meth:`TinyCNN.loss`) and takes one
    :func:`sgd_momentum_step`. On ``cnncourse.data.digits()`` (8x8) the defaults
    reach about 97 % test accuracy in under a second (``benchmarks/numpy_cnn.py``).

    ``x_train`` is (N, H, W, C), ``y_train`` (N,) integer labels; ``seed`` seeds
    the weights and the shuffling; ``model_kwargs`` go to :class:`TinyCNN`
    (``filters``, ``kernel_size``, ``pool_size``, ``num_classes``: by default
    ``y_train.max() + 1``). Returns the trained model and a float64 array of the
    loss of every training step, in order.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.random((64, 6, 6, 1)), np.repeat([0, 1], 32)
    >>> x[y == 1, :3] += 1  # class 1: a brighter top half
    >>> model, losses = train_tiny_cnn(x, y, epochs=3, batch_size=16)
    >>> bool(losses[-1] < losses[0]), model.accuracy(x, y)
    (True, 1.0)
    """
    x = _validate.real_array("x_train", x_train, (4,), "(N, H, W, C)")
    y = _validate.real_array("y_train", y_train, (1,), f"(N,) = ({len(x)},)")
    if len(y) != len(x) or len(x) == 0:
        raise ValueError(
            f"y_train must have one label per image of x_train ({len(x)}); got shape {y.shape}"
        )
    epochs = _validate.integer("epochs", epochs, minimum=1)
    batch_size = _validate.integer("batch_size", batch_size, minimum=1)
    model_kwargs.setdefault("num_classes", max(int(y.max()) + 1, 2))
    model = TinyCNN(x.shape[1:], seed=seed, **model_kwargs)
    rng = np.random.default_rng(seed)
    velocity, losses = None, []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss, grads = model.loss(x[batch], y[batch])
            model.params, velocity = sgd_momentum_step(model.params, grads, velocity, lr, momentum)
            losses.append(loss)
    return model, np.array(losses)
