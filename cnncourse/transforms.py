"""Image transformations before deep learning (lesson 13): filters as convolution kernels,
and affine transformations as 3 x 3 matrices in homogeneous coordinates.

Coordinates are ``(x, y)`` = (column, row) of pixel centres, ``y`` pointing **down**, the
origin at the centre of the top-left pixel: the convention of ``skimage.transform``. A
transformation is a 3 x 3 matrix ``M`` acting on ``(x, y, 1)``; its last row is ``0 0 1``.

* the six basic matrices: :func:`identity`, :func:`translation`, :func:`scaling`,
  :func:`rotation`, :func:`shear`, :func:`mirror`;
* :func:`about` (a matrix applied about a point, not the origin), :func:`rotation_about_center`,
  :func:`compose` (several in turn: a matrix product, the last applied on the left);
* :func:`apply` (to points) and :func:`warp` (to an image, by inverse mapping, with
  nearest-neighbour or bilinear interpolation: ``skimage.transform.warp`` by hand);
* :func:`gaussian_kernel`, :func:`box_kernel`, :func:`sharpen_kernel`: blur and sharpen,
  for :func:`cnncourse.ops.conv2d`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _validate

__all__ = [
    "about",
    "apply",
    "box_kernel",
    "compose",
    "gaussian_kernel",
    "identity",
    "mirror",
    "rotation",
    "rotation_about_center",
    "scaling",
    "sharpen_kernel",
    "shear",
    "translation",
    "warp",
]


def _matrix(name: str, value: Any) -> np.ndarray:
    m = _validate.real_array(name, value, (2,), "(3, 3)").astype(np.float64)
    if m.shape != (3, 3) or not np.allclose(m[2], [0.0, 0.0, 1.0]):
        raise ValueError(
            f"{name} must be a 3 x 3 affine matrix with last row 0 0 1; got "
            f"{_validate.short(value)}"
        )
    return m


# --------------------------------------------------------------------------- the basic six


def identity() -> np.ndarray:
    """The transformation that moves nothing: the 3 x 3 identity matrix.

    Examples
    --------
    >>> identity()
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    return np.eye(3)


def translation(tx: float, ty: float) -> np.ndarray:
    """Move every point by ``tx`` pixels right and ``ty`` pixels down.

    Not a linear map of ``(x, y)`` (the origin moves), which is why homogeneous
    coordinates add a third coordinate 1: the shift sits in the third column.

    Examples
    --------
    >>> translation(5, -2)
    array([[ 1.,  0.,  5.],
           [ 0.,  1., -2.],
           [ 0.,  0.,  1.]])
    """
    m = np.eye(3)
    m[:2, 2] = _validate.number("tx", tx), _validate.number("ty", ty)
    return m


def scaling(sx: float, sy: float | None = None) -> np.ndarray:
    """Scale by ``sx`` along x and ``sy`` along y (default: ``sy = sx``), about the origin.

    Examples
    --------
    >>> scaling(2, 0.5)
    array([[2. , 0. , 0. ],
           [0. , 0.5, 0. ],
           [0. , 0. , 1. ]])
    """
    sx = _validate.number("sx", sx)
    sy = sx if sy is None else _validate.number("sy", sy)
    if sx == 0 or sy == 0:
        raise ValueError(f"sx and sy must not be 0 (the map could not be undone); got {sx}, {sy}")
    return np.diag([sx, sy, 1.0])


def rotation(degrees: float) -> np.ndarray:
    """Rotate by ``degrees`` about the origin: ``[[cos, -sin], [sin, cos]]``.

    With ``y`` pointing down, a positive angle turns the picture **clockwise** on the
    screen (the same matrix turns anticlockwise in a maths textbook, whose y points up).
    Equal to ``skimage.transform.AffineTransform(rotation=radians).params``.

    Examples
    --------
    >>> rotation(90).round(12) + 0  # x to y: right becomes down
    array([[ 0., -1.,  0.],
           [ 1.,  0.,  0.],
           [ 0.,  0.,  1.]])
    """
    t = np.deg2rad(_validate.number("degrees", degrees))
    return np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])


def shear(kx: float = 0.0, ky: float = 0.0) -> np.ndarray:
    """Shear: ``x' = x + kx * y`` and ``y' = y + ky * x`` (rows slide sideways by ``kx``).

    Examples
    --------
    >>> shear(kx=0.5)
    array([[1. , 0.5, 0. ],
           [0. , 1. , 0. ],
           [0. , 0. , 1. ]])
    """
    kx, ky = _validate.number("kx", kx), _validate.number("ky", ky)
    if kx * ky == 1:
        raise ValueError(f"kx * ky must not be 1 (the map could not be undone); got {kx}, {ky}")
    return np.array([[1.0, kx, 0.0], [ky, 1.0, 0.0], [0.0, 0.0, 1.0]])


def mirror(width: int | None = None, height: int | None = None) -> np.ndarray:
    """Mirror an image of ``width`` columns left-right, or of ``height`` rows upside down.

    Left-right: ``x' = (width - 1) - x``, so column 0 and column ``width - 1`` trade
    places and the image stays where it was. Give exactly one of the two.

    Examples
    --------
    >>> mirror(width=4)
    array([[-1.,  0.,  3.],
           [ 0.,  1.,  0.],
           [ 0.,  0.,  1.]])
    """
    if (width is None) == (height is None):
        raise ValueError(
            f"give exactly one of width (left-right) and height (upside down); got "
            f"width={width!r}, height={height!r}"
        )
    m = np.eye(3)
    axis, size = (0, width) if width is not None else (1, height)
    size = _validate.integer("width" if axis == 0 else "height", size, minimum=1)
    m[axis, axis], m[axis, 2] = -1.0, size - 1.0
    return m


# --------------------------------------------------------------------------- combining


def compose(*matrices: Any) -> np.ndarray:
    """The transformation that applies ``matrices`` in turn, the first one first.

    Applying ``A`` then ``B`` to a point ``p`` is ``B @ (A @ p) = (B @ A) @ p``: the
    product in reverse order. ``compose(A, B)`` is ``B @ A``.

    Examples
    --------
    >>> compose(translation(1, 0), scaling(2))  # shift, then scale: the shift doubles
    array([[2., 0., 2.],
           [0., 2., 0.],
           [0., 0., 1.]])
    >>> compose(scaling(2), translation(1, 0))  # scale, then shift
    array([[2., 0., 1.],
           [0., 2., 0.],
           [0., 0., 1.]])
    """
    out = np.eye(3)
    for i, matrix in enumerate(matrices):
        out = _matrix(f"matrices[{i}]", matrix) @ out
    return out


def about(matrix: Any, center: tuple[float, float]) -> np.ndarray:
    """``matrix`` applied about ``center = (x, y)`` instead of the origin.

    Move the centre to the origin, apply, move back: ``compose(translation(-cx, -cy),
    matrix, translation(cx, cy))``. The centre itself stays where it is.

    Examples
    --------
    >>> apply(about(scaling(2), (1, 1)), [[1, 1], [2, 1]])
    array([[1., 1.],
           [3., 1.]])
    """
    m = _matrix("matrix", matrix)
    cx, cy = (_validate.number("center", c) for c in _validate.per_axis("center", center, 2))
    return compose(translation(-cx, -cy), m, translation(cx, cy))


def rotation_about_center(degrees: float, height: int, width: int) -> np.ndarray:
    """Rotate an image of ``height x width`` pixels by ``degrees`` about its centre.

    The centre is ``((width - 1) / 2, (height - 1) / 2)`` in pixel coordinates (between
    pixels when a side is even). Positive angles turn clockwise on the screen.

    Examples
    --------
    >>> apply(rotation_about_center(90, 3, 3), [[1, 1], [2, 1]]).round(12) + 0
    array([[1., 1.],
           [1., 2.]])
    """
    height = _validate.integer("height", height, minimum=1)
    width = _validate.integer("width", width, minimum=1)
    return about(rotation(degrees), ((width - 1) / 2, (height - 1) / 2))


def apply(matrix: Any, points: Any) -> np.ndarray:
    """Transform points ``(x, y)``: each becomes ``matrix @ (x, y, 1)``, its first two values.

    Parameters
    ----------
    matrix : 3 x 3 affine matrix
    points : array (N, 2) of (x, y), or one point (2,)

    Returns
    -------
    float64 array of the shape of ``points``

    Examples
    --------
    >>> apply(translation(1, 2), [0, 0])
    array([1., 2.])
    """
    m = _matrix("matrix", matrix)
    p = _validate.real_array("points", points, (1, 2), "(2,) or (N, 2)").astype(np.float64)
    if p.shape[-1] != 2:
        raise ValueError(f"points must be (x, y) pairs, shape (N, 2); got shape {p.shape}")
    return p @ m[:2, :2].T + m[:2, 2]


def warp(
    image: Any,
    matrix: Any,
    order: int = 1,
    cval: float = 0.0,
    output_shape: tuple[int, int] | None = None,
) -> np.ndarray:
    """Apply an affine transformation to an image, by inverse mapping.

    For every pixel ``(x, y)`` of the *output*, ``inverse(matrix) @ (x, y, 1)`` says where
    it comes from in the input; that point rarely falls on a pixel centre, so its value
    is interpolated: ``order=0`` takes the nearest pixel, ``order=1`` mixes the four
    around it by their distances (bilinear). Points outside the input, or (bilinear) the
    neighbours of a point that lie outside, take ``cval``. Mapping forwards instead
    (each input pixel sent to where it lands) would leave holes where the image grows.

    Equal to ``skimage.transform.warp(image, AffineTransform(matrix=matrix).inverse,
    order=order, mode="constant", cval=cval, preserve_range=True)``.

    Parameters
    ----------
    image : array (H, W) or (H, W, C)
    matrix : 3 x 3 affine matrix, input coordinates to output coordinates
    order : {0, 1}
    cval : float
    output_shape : (rows, columns), default the input's

    Returns
    -------
    float64 array (rows, columns) or (rows, columns, C)

    Examples
    --------
    >>> warp(np.arange(4.0).reshape(1, 4), translation(1, 0), order=0)
    array([[0., 0., 1., 2.]])
    >>> warp(np.arange(4.0).reshape(1, 4), translation(0.5, 0), order=1)
    array([[0. , 0.5, 1.5, 2.5]])
    """
    x = _validate.real_array("image", image, (2, 3), "(H, W) or (H, W, C)").astype(np.float64)
    m = _matrix("matrix", matrix)
    _validate.one_of("order", order, (0, 1))
    cval = _validate.number("cval", cval)
    rows, cols = (
        x.shape[:2] if output_shape is None else _validate.pair("output_shape", output_shape)
    )
    try:
        inverse = np.linalg.inv(m)
    except np.linalg.LinAlgError:
        raise ValueError("matrix must be invertible (it flattens the image)") from None
    yy, xx = np.mgrid[:rows, :cols]
    source = apply(inverse, np.stack([xx.ravel(), yy.ravel()], axis=1))
    sx, sy = source[:, 0], source[:, 1]
    planes = x.reshape(x.shape[0], x.shape[1], -1)
    height, width = planes.shape[:2]

    def sample(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        values = np.full((r.size, planes.shape[2]), cval)
        values[inside] = planes[r[inside], c[inside]]
        return values

    if order == 0:
        out = sample(np.floor(sy + 0.5).astype(int), np.floor(sx + 0.5).astype(int))
    else:
        r0, c0 = np.floor(sy).astype(int), np.floor(sx).astype(int)
        dr, dc = (sy - r0)[:, None], (sx - c0)[:, None]
        out = (
            sample(r0, c0) * (1 - dr) * (1 - dc)
            + sample(r0, c0 + 1) * (1 - dr) * dc
            + sample(r0 + 1, c0) * dr * (1 - dc)
            + sample(r0 + 1, c0 + 1) * dr * dc
        )
    out = out.reshape(rows, cols, planes.shape[2])
    return out[..., 0] if x.ndim == 2 else out


# --------------------------------------------------------------------------- filters


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """A ``size x size`` Gaussian blur kernel, summing to 1.

    ``exp(-(x² + y²) / (2 sigma²))`` on integer offsets from the centre, divided by its
    sum. A separable kernel: the outer product of its 1-D version with itself.

    Examples
    --------
    >>> gaussian_kernel(3, 1.0).round(3)
    array([[0.075, 0.124, 0.075],
           [0.124, 0.204, 0.124],
           [0.075, 0.124, 0.075]])
    """
    size = _validate.integer("size", size, minimum=1)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (the kernel has a centre pixel); got {size}")
    sigma = _validate.number("sigma", sigma)
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0; got {sigma}")
    offsets = np.arange(size) - size // 2
    line = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel = np.outer(line, line)
    return kernel / kernel.sum()


def box_kernel(size: int) -> np.ndarray:
    """A ``size x size`` box blur: the plain mean of the window.

    Examples
    --------
    >>> box_kernel(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    size = _validate.integer("size", size, minimum=1)
    return np.full((size, size), 1.0 / size**2)


def sharpen_kernel(amount: float = 1.0, blur: Any = None) -> np.ndarray:
    """Unsharp masking as one kernel: ``image + amount * (image - blurred image)``.

    The kernel is ``(1 + amount) * delta - amount * blur``, where ``delta`` is 1 at
    the centre (the image itself) and ``blur`` a blur kernel (default the 3 x 3 box).
    It sums to 1, so flat regions keep their value while edges get steeper.

    Examples
    --------
    >>> (sharpen_kernel(1.0) * 9).round(6) + 0
    array([[-1., -1., -1.],
           [-1., 17., -1.],
           [-1., -1., -1.]])
    """
    amount = _validate.number("amount", amount)
    blur = box_kernel(3) if blur is None else np.asarray(blur, dtype=np.float64)
    if blur.ndim != 2 or blur.shape[0] % 2 == 0 or blur.shape[0] != blur.shape[1]:
        raise ValueError(f"blur must be a square kernel of odd size; got {_validate.short(blur)}")
    delta = np.zeros_like(blur)
    delta[blur.shape[0] // 2, blur.shape[1] // 2] = 1.0
    return (1 + amount) * delta - amount * blur
