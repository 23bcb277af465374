"""Convolution in plain NumPy: the reference operations behind lesson 2.

Layouts are Keras's: an image is (H, W, C), a batch (N, H, W, C), channels last;
a kernel is (F_h, F_w, C_in, K) for K filters. For a single-channel image a
2-D ``x`` of shape (H, W) and a 2-D kernel (F_h, F_w) are accepted as well.

Like Keras (and every deep learning library), :func:`conv2d` computes a
**cross-correlation**: the kernel slides over the image *without* being flipped.
:func:`convolve2d` is the convolution of mathematics and signal processing
(kernel flipped in both axes), as in ``scipy.signal.convolve2d``.

``padding`` is ``"valid"`` (none), ``"same"`` (as Keras: the output has
``ceil(W / stride)`` positions, an odd extra row/column of zeros goes at the
bottom/right), ``"full"`` (``F - 1`` on each side), an int (on every side), a pair
``(ph, pw)``, or ``((top, bottom), (left, right))``. See :mod:`cnncourse.shapes`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _validate, shapes

__all__ = [
    "conv2d",
    "conv2d_fft",
    "conv2d_naive",
    "convolve2d",
    "correlate2d",
    "im2col",
    "pad",
    "rank1_factors",
    "separable_conv2d",
    "visit_counts",
]

_PAD_MODES = ("constant", "reflect", "edge", "symmetric")
_IMAGE = "(H, W), (H, W, C) or (N, H, W, C)"


# ---------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------


def _explicit_padding(padding: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(padding, str):
        raise ValueError(
            "padding must be an int, a pair (ph, pw) or ((top, bottom), (left, right)) here; "
            f"got {padding!r} (use shapes.resolve_padding to turn it into numbers)"
        )
    return shapes.resolve_padding(padding, None, 1)


def _pad4(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]], **kwargs) -> np.ndarray:
    if pads == ((0, 0), (0, 0)):
        return x
    return np.pad(x, ((0, 0), *pads, (0, 0)), **kwargs)


def _geometry(
    input_hw: tuple[int, int], kernel_hw: tuple[int, int], stride: Any, padding: Any
) -> tuple[tuple[int, int], tuple[tuple[int, int], tuple[int, int]], tuple[int, int]]:
    """(stride pair, pads, output size) of a 2-D sliding window, from the one geometry."""
    g = shapes.conv_geometry(input_hw, kernel_hw, stride, padding, ndim=2)
    return g.stride, g.pads, g.output_size


def _prepare(x: Any, kernel: Any, bias: Any, stride: Any, padding: Any):
    """Validate the arguments of conv2d/conv2d_naive and bring them to 4-D."""
    x_in = _validate.real_array("x", x, (2, 3, 4), _IMAGE)
    x4 = _validate.image_batch("x", x_in)
    kernel_in = _validate.real_array(
        "kernel", kernel, (2, 4), "(F_h, F_w, C_in, K) (or (F_h, F_w) for one channel and filter)"
    )
    k4 = kernel_in[:, :, None, None] if kernel_in.ndim == 2 else kernel_in
    if k4.shape[2] != x4.shape[3]:
        raise ValueError(
            f"kernel of shape {kernel_in.shape} expects {k4.shape[2]} input channel(s) but x of "
            f"shape {x_in.shape} has {x4.shape[3]}; the kernel's third axis must equal "
            "the channels of x"
        )
    if min(k4.shape) < 1 or min(x4.shape) < 1:
        raise ValueError(
            f"x and kernel must not be empty; got x of shape {x_in.shape} "
            f"and kernel of shape {kernel_in.shape}"
        )
    arrays = [x4, k4]
    if bias is not None:
        b = _validate.real_array("bias", bias, (0, 1), f"({k4.shape[3]},)")
        if b.ndim == 0 and kernel_in.ndim == 2:
            b = b.reshape(1)
        if b.shape != (k4.shape[3],):
            raise ValueError(
                f"bias must have shape (K,) = ({k4.shape[3]},), one value per filter of the "
                f"kernel of shape {kernel_in.shape}; got shape {b.shape}"
            )
        arrays.append(b)
    dtype = _validate.float_dtype(*arrays)
    strides, pads, out_hw = _geometry(x4.shape[1:3], k4.shape[:2], stride, padding)
    x4 = _pad4(x4.astype(dtype, copy=False), pads)
    k4 = k4.astype(dtype, copy=False)
    b = arrays[2].astype(dtype, copy=False) if bias is not None else None

    def finish(out: np.ndarray) -> np.ndarray:
        if b is not None:
            out += b
        if kernel_in.ndim == 2:
            out = out[..., 0]
        return out if x_in.ndim == 4 else out[0]

    return x4, k4, strides, out_hw, finish


def _windows(xp: np.ndarray, kernel_hw: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """View (N, H_out, W_out, F_h, F_w, C) of every window of a padded batch (no copy)."""
    view = np.lib.stride_tricks.sliding_window_view(xp, kernel_hw, axis=(1, 2))
    view = view[:, :: strides[0], :: strides[1]]  # (N, H_out, W_out, C, F_h, F_w)
    return view.transpose(0, 1, 2, 4, 5, 3)


# ---------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------


def pad(x: Any, padding: Any, mode: str = "constant", value: float = 0.0) -> np.ndarray:
    """Pad the two spatial axes of an image or a batch.

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)
    padding : int, (ph, pw) or ((top, bottom), (left, right))
        Rows/columns to add: an int on every side, ``(ph, pw)`` rows on top and
        bottom and columns left and right, or each side separately.
    mode : {"constant", "reflect", "edge", "symmetric"}
        As ``np.pad``: ``value`` everywhere, the mirror image without / with the
        border pixel (``"reflect"`` / ``"symmetric"``), or the border pixel repeated.
    value : float
        The fill value of ``"constant"``.

    Returns
    -------
    array of the same dtype, shape (H + top + bottom, W + left + right, ...)

    Examples
    --------
    >>> pad(np.ones((1, 2)), ((0, 1), (1, 0)))
    array([[0., 1., 1.],
           [0., 0., 0.]])
    >>> pad(np.array([[1, 2, 3]]), (0, 2), mode="reflect")
    array([[3, 2, 1, 2, 3, 2, 1]])
    """
    x = _validate.real_array("x", x, (2, 3, 4), _IMAGE)
    pads = _explicit_padding(padding)
    mode = _validate.one_of("mode", mode, _PAD_MODES)
    kwargs = {}
    if mode == "constant":
        kwargs["constant_values"] = _validate.number("value", value)
    width = [*pads] if x.ndim == 2 else [*pads, (0, 0)]
    if x.ndim == 4:
        width = [(0, 0), *width]
    return np.pad(x, width, mode=mode, **kwargs)


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------


def conv2d_naive(
    x: Any, kernel: Any, bias: Any = None, stride: Any = 1, padding: Any = "valid"
) -> np.ndarray:
    """2-D convolution layer, written as loops: the definition, step by step.

    Slides each filter over the (padded) input; every output value is the sum of
    the window times the filter, element by element. Like Keras, this is a
    **cross-correlation**: the kernel is *not* flipped (see :func:`convolve2d`).
    Same results as :func:`conv2d`, only slower.

    Parameters
    ----------
    x : array of shape (H, W, C) or (N, H, W, C); or (H, W) for one channel
    kernel : array of shape (F_h, F_w, C, K); or (F_h, F_w) for one filter
    bias : array of shape (K,), optional
        Added to every output position of each filter.
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))
        Zeros added around the input; ``"same"`` pads exactly as Keras.

    Returns
    -------
    array of shape (H_out, W_out, K) or (N, H_out, W_out, K)
        Or (H_out, W_out) for a 2-D kernel and a single image. float32 when
        ``x``, ``kernel`` (and ``bias``) are float32, else float64.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> conv2d_naive(x, np.array([[1.0, 0.0], [0.0, -1.0]]))
    array([[-4., -4.],
           [-4., -4.]])
    """
    xp, kernel, (sh, sw), (h_out, w_out), finish = _prepare(x, kernel, bias, stride, padding)
    n = xp.shape[0]
    f_h, f_w, _, k = kernel.shape
    out = np.zeros((n, h_out, w_out, k), dtype=xp.dtype)
    for i in range(h_out):  # each output row...
        for j in range(w_out):  # ...and column
            top, left = i * sh, j * sw  # the window's top-left corner in the padded input
            window = xp[:, top : top + f_h, left : left + f_w, :]  # (N, F_h, F_w, C)
            for f in range(k):  # each filter
                # multiply the window by the filter, element by element, and add it all up
                out[:, i, j, f] = np.sum(window * kernel[:, :, :, f], axis=(1, 2, 3))
    return finish(out)


def conv2d(
    x: Any, kernel: Any, bias: Any = None, stride: Any = 1, padding: Any = "valid"
) -> np.ndarray:
    """2-D convolution layer, vectorised: :func:`conv2d_naive` as one matrix product.

    Gathers every window of the padded input into a matrix (:func:`im2col`, one
    row per output position) and multiplies it by the kernel reshaped to
    ``(F_h * F_w * C, K)``. Like Keras, this is a **cross-correlation** (the
    kernel is not flipped).

    Parameters
    ----------
    x : array of shape (H, W, C) or (N, H, W, C); or (H, W) for one channel
    kernel : array of shape (F_h, F_w, C, K); or (F_h, F_w) for one filter
    bias : array of shape (K,), optional
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    array of shape (H_out, W_out, K) or (N, H_out, W_out, K)
        Or (H_out, W_out) for a 2-D kernel and a single image. float32 when
        ``x``, ``kernel`` (and ``bias``) are float32, else float64.

    Examples
    --------
    >>> x = np.ones((4, 4, 1), dtype=np.float32)
    >>> conv2d(x, np.ones((3, 3, 1, 2), dtype=np.float32), padding="same")[..., 0]
    array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]], dtype=float32)
    """
    xp, kernel, strides, (h_out, w_out), finish = _prepare(x, kernel, bias, stride, padding)
    f_h, f_w, c, k = kernel.shape
    # one copy: (N, H_out, W_out, F_h, F_w, C) windows -> (N * H_out * W_out, F_h * F_w * C)
    cols = _windows(xp, (f_h, f_w), strides).reshape(-1, f_h * f_w * c)
    out = cols @ kernel.reshape(-1, k)  # one BLAS matrix product
    return finish(out.reshape(xp.shape[0], h_out, w_out, k))


def im2col(x: Any, kernel_size: Any, stride: Any = 1, padding: Any = "valid") -> np.ndarray:
    """Every window of the (padded) input as one row of a matrix.

    Rows go through the images, then the output rows, then the output columns
    (``row = (n * H_out + i) * W_out + j``); inside a row the window is flattened
    as (F_h, F_w, C), the order of ``kernel.reshape(-1, K)``, so that::

        conv2d(x, kernel) == (im2col(x, kernel.shape[:2]) @ kernel.reshape(-1, K))
                             .reshape(N, H_out, W_out, K)

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)
    kernel_size : int or (F_h, F_w)
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    array of shape (N * H_out * W_out, F_h * F_w * C)
        N = 1 for a single image; float32 if ``x`` is float32, else float64.

    Examples
    --------
    >>> im2col(np.arange(9).reshape(3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x4 = _validate.image_batch("x", x)
    g = shapes.conv_geometry(x4.shape[1:3], kernel_size, stride, padding, ndim=2)
    kernel_hw, strides, pads = g.kernel_size, g.stride, g.pads
    xp = _pad4(x4.astype(_validate.float_dtype(x4), copy=False), pads)
    return _windows(xp, kernel_hw, strides).reshape(-1, kernel_hw[0] * kernel_hw[1] * x4.shape[3])


def _single_channel(x: Any, kernel: Any) -> tuple[np.ndarray, np.ndarray]:
    x = _validate.real_array("x", x, (2,), "(H, W) (one channel; use conv2d for more)")
    kernel = _validate.real_array("kernel", kernel, (2,), "(F_h, F_w)")
    return x, kernel


def correlate2d(x: Any, kernel: Any, stride: Any = 1, padding: Any = "valid") -> np.ndarray:
    """Cross-correlation of a 2-D array with a 2-D kernel: what Keras calls convolution.

    ``out[i, j] = sum_{a, b} x[i + a, j + b] * kernel[a, b]`` (stride 1, no
    padding): the kernel slides over ``x`` as it is. With ``padding="valid"``
    this is ``scipy.signal.correlate2d(x, kernel, mode="valid")``.

    Parameters
    ----------
    x : array of shape (H, W)
    kernel : array of shape (F_h, F_w)
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    float array of shape (H_out, W_out)

    Examples
    --------
    >>> correlate2d(np.array([[0.0, 1.0, 2.0, 3.0]]), np.array([[1.0, 2.0]]))
    array([[2., 5., 8.]])
    """
    x, kernel = _single_channel(x, kernel)
    return conv2d(x, kernel, stride=stride, padding=padding)


def convolve2d(x: Any, kernel: Any, stride: Any = 1, padding: Any = "valid") -> np.ndarray:
    """True 2-D convolution: the kernel is flipped in both axes before sliding.

    ``out[i, j] = sum_{a, b} x[i + a, j + b] * kernel[F_h - 1 - a, F_w - 1 - b]``
    (stride 1, no padding), so ``convolve2d(x, k) == correlate2d(x, k[::-1, ::-1])``.
    This is the convolution of mathematics and signal processing (commutative,
    associative) and of ``scipy.signal.convolve2d(x, kernel, mode="valid")``;
    Keras's ``Conv2D`` computes :func:`correlate2d` instead. For a learned kernel
    the difference does not matter: the network simply learns the flipped kernel.

    Parameters
    ----------
    x : array of shape (H, W)
    kernel : array of shape (F_h, F_w)
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    float array of shape (H_out, W_out)

    Examples
    --------
    >>> convolve2d(np.array([[0.0, 1.0, 2.0, 3.0]]), np.array([[1.0, 2.0]]))
    array([[1., 4., 7.]])
    """
    x, kernel = _single_channel(x, kernel)
    return conv2d(x, kernel[::-1, ::-1], stride=stride, padding=padding)


def visit_counts(
    input_size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0
) -> np.ndarray:
    """How many output positions' windows cover each pixel of the input.

    Counted on the original input (the padding is left out): with no padding a
    corner pixel is seen by one window, a central one by up to ``F_h * F_w``.

    Parameters
    ----------
    input_size : int or (H, W)
    kernel_size : int or (F_h, F_w)
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    int array of shape (H, W)

    Examples
    --------
    >>> visit_counts(4, 3)
    array([[1, 2, 2, 1],
           [2, 4, 4, 2],
           [2, 4, 4, 2],
           [1, 2, 2, 1]])
    """
    for w in _validate.per_axis("input_size", input_size, 2):
        _validate.integer("input_size", w, minimum=1)  # must be known
    g = shapes.conv_geometry(input_size, kernel_size, stride, padding, ndim=2)
    sizes, kernel_hw, strides, pads, out_hw = (
        g.input_size,
        g.kernel_size,
        g.stride,
        g.pads,
        g.output_size,
    )
    counts = []
    for size, f, s, (before, after), n_out in zip(
        sizes, kernel_hw, strides, pads, out_hw, strict=True
    ):
        covered = np.zeros(before + size + after, dtype=np.int64)
        for o in range(n_out):  # the window of output o covers padded pixels o*s .. o*s+f-1
            covered[o * s : o * s + f] += 1
        counts.append(covered[before : before + size])
    # windows are rectangles on a grid: a pixel's count is (rows covering it) x (cols covering it)
    return np.outer(counts[0], counts[1])


# ---------------------------------------------------------------------------
# faster convolutions: through the FFT, and separable kernels
# ---------------------------------------------------------------------------


def _fast_length(n: int) -> int:
    """The smallest m >= n whose only prime factors are 2, 3 and 5 (fast FFT sizes)."""
    m = n
    while True:
        rest = m
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        if rest == 1:
            return m
        m += 1


def conv2d_fft(
    x: Any, kernel: Any, bias: Any = None, stride: Any = 1, padding: Any = "valid"
) -> np.ndarray:
    """2-D convolution layer through the FFT: :func:`conv2d` as products of spectra.

    The convolution theorem: convolving two arrays multiplies their Fourier
    transforms. Both the padded image and the kernel are zero-padded to the size
    of their *full* convolution, ``(H_p + F_h - 1, W_p + F_w - 1)`` (rounded up to
    a fast FFT length), so the FFT's circular convolution has nothing to wrap
    around; transformed with ``np.fft.rfft2``, multiplied (and summed over the
    input channels), transformed back with ``np.fft.irfft2`` and cropped to the
    ``"valid"`` part. (Without that padding the last ``F - 1`` rows and columns
    of the full convolution wrap round onto its first ``F - 1``; the crop happens
    to discard exactly those, but the full size keeps every entry right.) Like
    Keras this is a **cross-correlation**, so the kernel is flipped in both axes
    first (correlation with ``k`` = convolution with the flipped ``k``).

    The cost barely depends on the kernel size: ``O(H W log(H W))`` per channel
    pair instead of ``O(H W F_h F_w)``, which wins for large kernels.
    ``stride > 1`` is supported by subsampling: every stride-1 position is
    computed, then every ``S``-th kept (no time saved).

    Parameters
    ----------
    x : array of shape (H, W, C) or (N, H, W, C); or (H, W) for one channel
    kernel : array of shape (F_h, F_w, C, K); or (F_h, F_w) for one filter
    bias : array of shape (K,), optional
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    array of shape (H_out, W_out, K) or (N, H_out, W_out, K)
        Or (H_out, W_out) for a 2-D kernel and a single image; :func:`conv2d`'s
        result up to round-off. float32 when ``x``, ``kernel`` (and ``bias``) are
        float32, else float64.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> kernel = np.array([[1.0, 0.0], [0.0, -1.0]])
    >>> conv2d_fft(x, kernel).round(6)
    array([[-5., -5., -5.],
           [-5., -5., -5.],
           [-5., -5., -5.]])
    >>> np.allclose(conv2d_fft(x, kernel, padding="same"), conv2d(x, kernel, padding="same"))
    True
    """
    xp, kernel, (sh, sw), (h_out, w_out), finish = _prepare(x, kernel, bias, stride, padding)
    _, hp, wp, _ = xp.shape
    f_h, f_w = kernel.shape[:2]
    size = (_fast_length(hp + f_h - 1), _fast_length(wp + f_w - 1))
    x_hat = np.fft.rfft2(xp, s=size, axes=(1, 2))  # (N, S_h, S_w // 2 + 1, C)
    k_hat = np.fft.rfft2(kernel[::-1, ::-1], s=size, axes=(0, 1))  # (S_h, S_w // 2 + 1, C, K)
    # at every frequency: multiply and sum over the channels, a (1, C) @ (C, K) product
    product = np.matmul(x_hat[..., None, :], k_hat)[..., 0, :]  # (N, S_h, S_w // 2 + 1, K)
    full = np.fft.irfft2(product, s=size, axes=(1, 2))  # the full convolution
    # output (i, j) of the cross-correlation is entry (i + F_h - 1, j + F_w - 1) of the full one
    valid = full[:, f_h - 1 : hp, f_w - 1 : wp]
    out = np.ascontiguousarray(valid[:, ::sh, ::sw], dtype=xp.dtype)
    assert out.shape[1:3] == (h_out, w_out)
    return finish(out)


def separable_conv2d(
    x: Any,
    column: Any,
    row: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = "valid",
) -> np.ndarray:
    """Convolution with a rank-1 kernel ``outer(column, row)`` as two 1-D passes.

    A kernel ``K[a, b] = column[a] * row[b]`` (Sobel, box and Gaussian blurs...)
    factors the sum over the window: first every image column is correlated with
    ``column`` (vertical pass), then every row of that with ``row`` (horizontal
    pass). ``F_h + F_w`` multiplications per output instead of ``F_h * F_w``.
    Same result as ``conv2d(x, np.outer(column, row))`` (a cross-correlation, as
    Keras; see :func:`rank1_factors` to split a kernel).

    The same two filters are applied to **each channel separately**: (H, W, C)
    gives (H_out, W_out, C), channel ``c`` being
    ``conv2d(x[..., c], np.outer(column, row))``.

    This is a *spatially* separable (rank-1) kernel, not Keras's
    ``SeparableConv2D``: that layer is a *depthwise-separable* convolution, a
    ``F x F`` kernel per input channel followed by a ``1 x 1`` convolution that
    mixes the channels, and it factors the channel mixing, not the kernel.

    Parameters
    ----------
    x : array of shape (H, W), (H, W, C) or (N, H, W, C)
    column : array of shape (F_h,)
        The vertical filter (the kernel's first column, up to scale).
    row : array of shape (F_w,)
        The horizontal filter.
    bias : float or array of shape (C,), optional
        Added to every output position of each channel.
    stride : int or (S_h, S_w)
    padding : {"valid", "same", "full"}, int, (ph, pw) or ((top, bottom), (left, right))
        As :func:`conv2d` with a kernel of shape (F_h, F_w).

    Returns
    -------
    array of shape (H_out, W_out), (H_out, W_out, C) or (N, H_out, W_out, C)
        float32 when ``x``, ``column``, ``row`` (and ``bias``) are float32, else
        float64.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> separable_conv2d(x, [1, 2, 1], [1, 0, -1])  # Sobel: left minus right
    array([[-8., -8.],
           [-8., -8.]])
    >>> conv2d(x, np.outer([1, 2, 1], [1, 0, -1]))
    array([[-8., -8.],
           [-8., -8.]])
    """
    x_in = _validate.real_array("x", x, (2, 3, 4), _IMAGE)
    x4 = _validate.image_batch("x", x_in)
    column = _validate.real_array("column", column, (1,), "(F_h,)")
    row = _validate.real_array("row", row, (1,), "(F_w,)")
    if x4.size == 0 or column.size == 0 or row.size == 0:
        raise ValueError(
            f"x, column and row must not be empty; got shapes {x_in.shape}, {column.shape} "
            f"and {row.shape}"
        )
    arrays = [x4, column, row]
    if bias is not None:
        b = _validate.real_array("bias", bias, (0, 1), f"() or (C,) = ({x4.shape[3]},)")
        if b.ndim == 1 and b.shape != (x4.shape[3],):
            raise ValueError(
                f"bias must be a number or have shape (C,) = ({x4.shape[3]},), one value per "
                f"channel of x of shape {x_in.shape}; got shape {b.shape}"
            )
        arrays.append(b)
    dtype = _validate.float_dtype(*arrays)
    f_h, f_w = column.size, row.size
    (sh, sw), pads, (h_out, w_out) = _geometry(x4.shape[1:3], (f_h, f_w), stride, padding)
    xp = _pad4(x4.astype(dtype, copy=False), pads)
    column, row = column.astype(dtype, copy=False), row.astype(dtype, copy=False)
    window = np.lib.stride_tricks.sliding_window_view
    # vertical pass: every F_h-tall strip (every S_h-th row) times `column`
    strips = window(xp, f_h, axis=1)[:, ::sh]  # (N, H_out, W_p, C, F_h)
    vertical = np.einsum("nhwcf,f->nhwc", strips, column)  # (N, H_out, W_p, C)
    # horizontal pass: every F_w-wide piece of those rows (every S_w-th) times `row`
    pieces = window(vertical, f_w, axis=2)[:, :, ::sw]  # (N, H_out, W_out, C, F_w)
    out = np.einsum("nhwcf,f->nhwc", pieces, row)
    assert out.shape[1:3] == (h_out, w_out)
    if bias is not None:
        out += arrays[3].astype(dtype, copy=False)
    if x_in.ndim == 2:
        out = out[..., 0]
    return out if x_in.ndim == 4 else out[0]


def rank1_factors(kernel: Any, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Split a rank-1 kernel into ``(column, row)`` with ``kernel == np.outer(column, row)``.

    Uses the singular value decomposition ``kernel = U diag(s) V^T``: the kernel
    has rank 1 when only ``s[0]`` is non-zero, and then
    ``kernel = s[0] * outer(U[:, 0], V[0])``. The factors are only defined up to
    scale (``outer(c * column, row / c)`` is the same kernel); here both get
    ``sqrt(s[0])`` and the largest entry of ``column`` is positive. Use them with
    :func:`separable_conv2d`.

    Parameters
    ----------
    kernel : array of shape (F_h, F_w)
    tol : float, >= 0
        The kernel counts as rank 1 when ``s[1] <= tol * s[0]`` (round-off aside,
        ``s[1] = 0``).

    Returns
    -------
    column : float64 array of shape (F_h,)
    row : float64 array of shape (F_w,)

    Raises
    ------
    ValueError
        If ``kernel`` is not (numerically) rank 1 (not separable).

    Examples
    --------
    >>> sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    >>> column, row = rank1_factors(sobel)
    >>> column / column[0]  # [1, 2, 1] up to scale
    array([1., 2., 1.])
    >>> np.allclose(row / row[0], [1, 0, -1])
    True
    >>> np.allclose(np.outer(column, row), sobel)
    True
    """
    kernel = _validate.real_array("kernel", kernel, (2,), "(F_h, F_w)")
    tol = _validate.number("tol", tol, low=0)
    if kernel.size == 0:
        raise ValueError(f"kernel must not be empty; got shape {kernel.shape}")
    u, s, vt = np.linalg.svd(kernel.astype(np.float64))
    if s[0] == 0:  # the zero kernel: outer(0, 0)
        return np.zeros(kernel.shape[0]), np.zeros(kernel.shape[1])
    if s.size > 1 and s[1] > tol * s[0]:
        raise ValueError(
            f"kernel must have rank 1 (be an outer product of a column and a row) to be "
            f"separable; its singular values are {np.round(s, 6).tolist()} "
            f"(s[1] / s[0] = {s[1] / s[0]:.3g} > tol = {tol:g})"
        )
    column, row = u[:, 0] * np.sqrt(s[0]), vt[0] * np.sqrt(s[0])
    if column[np.argmax(np.abs(column))] < 0:
        column, row = -column, -row
    return column, row
