"""Pooling in plain NumPy: max, average and L2 pooling, global and depth-wise pooling.

Layouts are those of :mod:`cnncourse.ops` (and Keras): an image is (H, W, C), a
batch (N, H, W, C), channels last; a single-channel image may be a 2-D (H, W)
array.

``stride`` defaults to ``pool_size`` (non-overlapping windows, as in Keras) and
``padding`` is ``"valid"`` or ``"same"``, with Keras's exact conventions:

- ``"same"`` gives ``ceil(W / stride)`` outputs per axis and adds the same rows and
  columns as a ``"same"`` convolution (:func:`cnncourse.shapes.same_padding`; an
  odd extra one goes at the bottom/right);
- **max pooling** pads with ``-inf``: a padded cell never wins, the maximum is the
  largest *real* value of the window (padding with zeros would turn the maximum of
  an all-negative window into 0);
- **average pooling** averages over the real cells only: a border window with 2
  real cells out of 4 is the mean of those 2 (the count excludes the padding);
- **L2 pooling** is the L2 norm of the window, ``sqrt(sum(window ** 2))``, as in
  Goodfellow et al., *Deep Learning* §9.3 and PyTorch's ``LPPool2d`` (p = 2); the
  padding adds nothing to the sum.

Results are float32 when ``x`` is float32, else float64 (as :func:`ops.conv2d`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _validate, shapes

__all__ = [
    "avg_pool2d",
    "depth_max_pool",
    "fractional_max_pool2d",
    "global_avg_pool",
    "global_max_pool",
    "l2_pool2d",
    "max_pool2d",
]

_POOL_PADDING = shapes.KERAS_PADDING_MODES


# ---------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------


def _batch(x: Any, ndim: tuple[int, ...] = (2, 3, 4)) -> tuple[np.ndarray, Any]:
    """``x`` as a float (N, H, W, C) array, and a function restoring the caller's layout."""
    x4 = _validate.image_batch("x", x, ndim)
    x_in = np.asarray(x)
    if x_in.size == 0:
        raise ValueError(f"x must not be empty; got shape {x_in.shape}")
    x4 = x4.astype(_validate.float_dtype(x4), copy=False)

    def finish(out: np.ndarray) -> np.ndarray:
        """(N, ...) result -> the layout of ``x`` (drop the batch, and for (H, W) the channel)."""
        if x_in.ndim == 2:
            out = out[..., 0]
        return out if x_in.ndim == 4 else out[0]

    return x4, finish


def _window_args(
    x4: np.ndarray, pool_size: Any, stride: Any, padding: Any
) -> tuple[tuple[int, int], tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]:
    """Validated (pool, strides, pads) of a 2-D pooling of the batch ``x4``."""
    g = shapes.conv_geometry(
        x4.shape[1:3],
        pool_size,
        pool_size if stride is None else stride,
        padding,
        ndim=2,
        allowed=_POOL_PADDING,
        kernel_name="pool_size",
    )
    return g.kernel_size, g.stride, g.pads


def _windows(xp: np.ndarray, pool: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """View (N, H_out, W_out, C, P_h, P_w) of every pooling window of a padded batch."""
    view = np.lib.stride_tricks.sliding_window_view(xp, pool, axis=(1, 2))
    return view[:, :: strides[0], :: strides[1]]


def _real_cells(size: int, pool: int, stride: int, pads: tuple[int, int]) -> np.ndarray:
    """Along one axis: how many cells of each window are real (not padding)."""
    real = np.pad(np.ones(size, dtype=np.int64), pads)
    return np.lib.stride_tricks.sliding_window_view(real, pool)[::stride].sum(axis=1)


def _sum_pool(
    x4: np.ndarray, pool_size: Any, stride: Any, padding: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Window sums of a float (N, H, W, C) batch and the real (unpadded) cells of each window."""
    pool, strides, pads = _window_args(x4, pool_size, stride, padding)
    xp = np.pad(x4, ((0, 0), *pads, (0, 0)))  # zeros: they add nothing to the sums
    sums = _windows(xp, pool, strides).sum(axis=(-2, -1))  # (N, H_out, W_out, C)
    # real cells of window (i, j) = real rows of window i x real columns of window j
    counts = np.outer(
        *(
            _real_cells(w, p, s, pad)
            for w, p, s, pad in zip(x4.shape[1:3], pool, strides, pads, strict=True)
        )
    )
    return sums, counts[None, :, :, None].astype(x4.dtype)


# ---------------------------------------------------------------------------
# pooling over windows
# ---------------------------------------------------------------------------


def max_pool2d(
    x: Any, pool_size: Any = 2, stride: Any = None, padding: str = "valid"
) -> np.ndarray:
    """Max pooling: the largest value of each window, channel by channel.

    What ``keras.layers.MaxPooling2D(pool_size, strides, padding)`` computes. With
    ``padding="same"`` the border is padded with ``-inf``, so a padded cell never
    wins: each output is the maximum of the real values of its window.

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (P_h, P_w)
    stride : int or (S_h, S_w), optional
        Defaults to ``pool_size`` (windows side by side, no overlap).
    padding : {"valid", "same"}
        ``"same"`` gives ``ceil(H / S_h) x ceil(W / S_w)`` outputs.

    Returns
    -------
    array of shape (H_out, W_out), (H_out, W_out, C) or (N, H_out, W_out, C)
        float32 if ``x`` is float32, else float64.

    Examples
    --------
    >>> x = np.array([[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [7, 0, 2, 9]])
    >>> max_pool2d(x)
    array([[4., 5.],
           [7., 9.]])
    >>> max_pool2d(-np.ones((3, 3)), padding="same")  # -inf padding: never 0
    array([[-1., -1.],
           [-1., -1.]])
    """
    x4, finish = _batch(x)
    pool, strides, pads = _window_args(x4, pool_size, stride, padding)
    xp = np.pad(x4, ((0, 0), *pads, (0, 0)), constant_values=-np.inf)
    return finish(_windows(xp, pool, strides).max(axis=(-2, -1)))


def avg_pool2d(
    x: Any, pool_size: Any = 2, stride: Any = None, padding: str = "valid"
) -> np.ndarray:
    """Average pooling: the mean of each window, channel by channel.

    What ``keras.layers.AveragePooling2D(pool_size, strides, padding)`` computes.
    With ``padding="same"`` a border window averages only its *real* cells: the
    padding counts neither in the sum nor in the number of cells divided by.

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (P_h, P_w)
    stride : int or (S_h, S_w), optional
        Defaults to ``pool_size``.
    padding : {"valid", "same"}

    Returns
    -------
    array of shape (H_out, W_out), (H_out, W_out, C) or (N, H_out, W_out, C)
        float32 if ``x`` is float32, else float64.

    Examples
    --------
    >>> x = np.array([[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [7, 0, 2, 9]])
    >>> avg_pool2d(x)
    array([[2.5 , 1.75],
           [1.75, 3.75]])
    >>> avg_pool2d(np.ones((3, 3)), padding="same")  # padding left out of the means
    array([[1., 1.],
           [1., 1.]])
    """
    x4, finish = _batch(x)
    sums, counts = _sum_pool(x4, pool_size, stride, padding)
    return finish(sums / counts)


def l2_pool2d(x: Any, pool_size: Any = 2, stride: Any = None, padding: str = "valid") -> np.ndarray:
    """L2 pooling: the L2 norm of each window, channel by channel.

    ``sqrt(sum(window ** 2))``, the definition of Goodfellow et al., *Deep
    Learning* §9.3 (after Boureau et al., 2010) and of PyTorch's
    ``LPPool2d(norm_type=2)``. With ``padding="same"`` the padding adds nothing to
    the sum (only real cells count, as in :func:`avg_pool2d`).

    The *root mean square* of the window, ``sqrt(mean(window ** 2))``, is another
    normalisation found in some texts: it is this divided by ``sqrt(number of
    cells)``. Only the root mean square lies between the mean and the maximum, and
    only for non-negative windows (``mean <= rms <= max``); the norm is at least
    the largest ``|x|`` of its window, so never below the maximum.

    Keras has no L2 pooling layer: for ``padding="valid"`` this equals
    ``sqrt(pool_h * pool_w * AveragePooling2D(...)(x ** 2))``.

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)
    pool_size : int or (P_h, P_w)
    stride : int or (S_h, S_w), optional
        Defaults to ``pool_size``.
    padding : {"valid", "same"}

    Returns
    -------
    array of shape (H_out, W_out), (H_out, W_out, C) or (N, H_out, W_out, C)
        float32 if ``x`` is float32, else float64; never negative.

    Examples
    --------
    >>> l2_pool2d(np.array([[3.0, -3.0], [-3.0, 3.0]]))  # the mean would be 0
    array([[6.]])
    >>> l2_pool2d(np.array([[3.0, -3.0], [-3.0, 3.0]])) / 2  # root mean square: / sqrt(4)
    array([[3.]])
    """
    x4, finish = _batch(x)
    sums, _ = _sum_pool(x4 * x4, pool_size, stride, padding)
    return finish(np.sqrt(sums))


# ---------------------------------------------------------------------------
# global and depth-wise pooling
# ---------------------------------------------------------------------------


def global_max_pool(x: Any) -> np.ndarray:
    """Global max pooling: the largest value of each channel over the whole image.

    As ``keras.layers.GlobalMaxPooling2D()``: one number per channel (and image).

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)

    Returns
    -------
    array of shape (), (C,) or (N, C)
        float32 if ``x`` is float32, else float64.

    Examples
    --------
    >>> x = np.zeros((4, 4, 2))
    >>> x[1, 2] = [5.0, -1.0]
    >>> global_max_pool(x)
    array([5., 0.])
    """
    return _global(x, np.max)


def global_avg_pool(x: Any) -> np.ndarray:
    """Global average pooling: the mean of each channel over the whole image.

    As ``keras.layers.GlobalAveragePooling2D()``: one number per channel (and image).

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)

    Returns
    -------
    array of shape (), (C,) or (N, C)
        float32 if ``x`` is float32, else float64.

    Examples
    --------
    >>> global_avg_pool(np.arange(8.0).reshape(2, 2, 2))
    array([3., 4.])
    """
    return _global(x, np.mean)


def _global(x: Any, reduce: Any) -> np.ndarray:
    x4, _ = _batch(x)
    out = reduce(x4, axis=(1, 2))  # (N, C)
    ndim = np.ndim(x)
    if ndim == 2:
        return np.asarray(out[0, 0])  # a 0-d array, not a NumPy scalar
    return out if ndim == 4 else out[0]


def depth_max_pool(x: Any, pool_size: int, stride: int | None = None) -> np.ndarray:
    """Max pooling across channels: the largest of each group of ``pool_size`` channels.

    Position by position, channels ``[k * stride, k * stride + pool_size)`` become
    output channel ``k``. With the default ``stride = pool_size`` the groups do not
    overlap and (H, W, C) becomes (H, W, C // pool_size): a network can learn
    ``pool_size`` filters for, say, rotated versions of a pattern and keep the
    strongest response (invariance to what those filters differ by). As ``"valid"``
    padding, channels left over after the last full group are dropped
    (``tf.nn.max_pool`` with a depth window refuses a ``C`` that ``pool_size`` does
    not divide).

    Parameters
    ----------
    x : array of shape (H, W, C) or (N, H, W, C)
    pool_size : int
        Channels per group, at most ``C``.
    stride : int, optional
        Distance between the first channels of neighbouring groups; defaults to
        ``pool_size``.

    Returns
    -------
    array of shape (H, W, C_out) or (N, H, W, C_out)
        ``C_out = (C - pool_size) // stride + 1``; float32 if ``x`` is float32,
        else float64.

    Examples
    --------
    >>> x = np.array([[[1, 5, 2, 0, 7, 3]]])  # one pixel, 6 channels
    >>> depth_max_pool(x, 3)
    array([[[5., 7.]]])
    >>> depth_max_pool(x, 2, stride=1)
    array([[[5., 5., 2., 7., 7.]]])
    """
    x4, _ = _batch(x, ndim=(3, 4))
    pool = _validate.integer("pool_size", pool_size, minimum=1)
    step = pool if stride is None else _validate.integer("stride", stride, minimum=1)
    channels = x4.shape[3]
    if pool > channels:
        raise ValueError(
            f"pool_size must be at most the number of channels of x ({channels}, "
            f"x of shape {np.shape(x)}); got {pool}"
        )
    groups = np.lib.stride_tricks.sliding_window_view(x4, pool, axis=3)[..., ::step, :]
    out = groups.max(axis=-1)  # (N, H, W, C_out)
    return out if np.ndim(x) == 4 else out[0]


def _fractional_edges(size: int, ratio: float, rng: np.random.Generator) -> np.ndarray:
    """Start indices of the pooling regions along one axis (Graham's pseudo-random sequence).

    ``a_i = ceil(ratio * (i + u))`` for one random ``u`` in (0, 1), shifted to start at
    0; consecutive starts differ by floor(ratio) or ceil(ratio) and the last region
    ends at ``size``.
    """
    n_out = int(size // ratio)
    u = rng.uniform(0, 1)
    edges = np.ceil(ratio * (np.arange(n_out + 1) + u)).astype(int)
    edges = edges - edges[0]
    edges[-1] = size  # the last region runs to the end of the axis
    return edges[:-1]


def fractional_max_pool2d(x: Any, ratio: float, seed: int | None = None) -> np.ndarray:
    """Fractional max pooling (Graham, 2014): shrink by a non-integer factor.

    Each axis of length W is cut into ``floor(W / ratio)`` regions of ``floor(ratio)``
    or ``ceil(ratio)`` cells, arranged pseudo-randomly (drawn from ``seed``); each
    output is the maximum of one region (non-overlapping). ``ratio`` = 2 gives plain
    2x2 max pooling; ``ratio`` = 1.41 gives regions of 1 and 2 cells.

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)
    ratio : float, 1 <= ratio <= min(H, W)
    seed : int or None
        Seed of the region arrangement (the same for every image and channel).

    Returns
    -------
    array of shape (floor(H / ratio), floor(W / ratio), ...) in the layout of ``x``

    Examples
    --------
    >>> fractional_max_pool2d(np.arange(16.0).reshape(4, 4), 2.0, seed=0)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x4, finish = _batch(x)
    ratio = _validate.number("ratio", ratio, low=1.0, high=float(min(x4.shape[1:3])))
    rng = np.random.default_rng(seed)
    rows = _fractional_edges(x4.shape[1], ratio, rng)
    cols = _fractional_edges(x4.shape[2], ratio, rng)
    out = np.maximum.reduceat(x4, rows, axis=1)
    out = np.maximum.reduceat(out, cols, axis=2)
    return finish(out)
