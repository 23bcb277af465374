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

_PAD_MODES = ("constant", "reflect", "edge", "symmetric")


# ---------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------


def _real_array(name: str, value: Any, ndim: tuple[int, ...], layout: str) -> np.ndarray:
    array = np.asarray(value)
    if (
        array.dtype == object
        or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool)
        or np.iscomplexobj(array)
    ):
        raise ValueError(f"{name} must be a real numeric array; got {_validate._short(value)}")
    if array.ndim not in ndim:
        raise ValueError(f"{name} must have shape {layout}; got shape {array.shape}")
    return array


def _image(x: Any) -> np.ndarray:
    """``x`` as a 4-D (N, H, W, C) array (a view)."""
    x = _real_array("x", x, (2, 3, 4), "(H, W), (H, W, C) or (N, H, W, C)")
    if x.ndim == 2:
        return x[None, :, :, None]
    return x[None] if x.ndim == 3 else x


def _float_dtype(*arrays: np.ndarray) -> type:
    """float32 when every array is float32 (fast), else float64."""
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64


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
    input_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    stride: Any,
    padding: Any,
    kernel_desc: str,
) -> tuple[tuple[int, int], tuple[tuple[int, int], tuple[int, int]], tuple[int, int]]:
    """Validated (stride pair, pads, output size) for a 2-D sliding window."""
    strides = tuple(
        _validate.integer("stride", s, minimum=1) for s in shapes._per_axis("stride", stride, 2)
    )
    pads = shapes.resolve_padding(padding, input_hw, kernel_hw, strides)
    padded = tuple(w + before + after for w, (before, after) in zip(input_hw, pads, strict=True))
    if any(f > p for f, p in zip(kernel_hw, padded, strict=True)):
        raise ValueError(
            f"{kernel_desc} is larger than the padded input {padded} "
            f"(input {tuple(input_hw)} plus padding {pads}); use a smaller kernel, "
            "more padding, or padding='same'"
        )
    out = tuple((p - f) // s + 1 for p, f, s in zip(padded, kernel_hw, strides, strict=True))
    return strides, pads, out


def _prepare(x: Any, kernel: Any, bias: Any, stride: Any, padding: Any):
    """Validate the arguments of conv2d/conv2d_naive and bring them to 4-D."""
    x_in = _real_array("x", x, (2, 3, 4), "(H, W), (H, W, C) or (N, H, W, C)")
    x4 = _image(x_in)
    kernel_in = _real_array(
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
        b = _real_array("bias", bias, (0, 1), f"({k4.shape[3]},)")
        if b.ndim == 0 and kernel_in.ndim == 2:
            b = b.reshape(1)
        if b.shape != (k4.shape[3],):
            raise ValueError(
                f"bias must have shape (K,) = ({k4.shape[3]},), one value per filter of the "
                f"kernel of shape {kernel_in.shape}; got shape {b.shape}"
            )
        arrays.append(b)
    dtype = _float_dtype(*arrays)
    strides, pads, out_hw = _geometry(
        x4.shape[1:3],
        k4.shape[:2],
        stride,
        padding,
        f"kernel of shape {kernel_in.shape} (kernel_size {k4.shape[:2]})",
    )
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
    x = _real_array("x", x, (2, 3, 4), "(H, W), (H, W, C) or (N, H, W, C)")
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
    x4 = _image(x)
    kernel_hw = tuple(
        _validate.integer("kernel_size", f, minimum=1)
        for f in shapes._per_axis("kernel_size", kernel_size, 2)
    )
    strides, pads, _ = _geometry(
        x4.shape[1:3], kernel_hw, stride, padding, f"kernel_size {kernel_hw}"
    )
    xp = _pad4(x4.astype(_float_dtype(x4), copy=False), pads)
    return _windows(xp, kernel_hw, strides).reshape(-1, kernel_hw[0] * kernel_hw[1] * x4.shape[3])


def _single_channel(x: Any, kernel: Any) -> tuple[np.ndarray, np.ndarray]:
    x = _real_array("x", x, (2,), "(H, W) (one channel; use conv2d for more)")
    kernel = _real_array("kernel", kernel, (2,), "(F_h, F_w)")
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
    sizes = tuple(
        _validate.integer("input_size", w, minimum=1)
        for w in shapes._per_axis("input_size", input_size, 2)
    )
    kernel_hw = tuple(
        _validate.integer("kernel_size", f, minimum=1)
        for f in shapes._per_axis("kernel_size", kernel_size, 2)
    )
    strides, pads, out_hw = _geometry(sizes, kernel_hw, stride, padding, f"kernel_size {kernel_hw}")
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
