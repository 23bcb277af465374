"""Hand-made image features (lesson 13): the histogram of oriented gradients (HOG) built
step by step, and the Gabor filters that model the simple cells of the visual cortex.

Each step of :func:`hog` is a function of its own, so a lesson can show it, and the whole
equals ``skimage.feature.hog`` (same gradients, cells, bins and block normalisations):

1. :func:`gradients` -- central differences ``[-1, 0, 1]`` along rows and columns;
2. :func:`magnitude_orientation` -- the gradient's length and its *unsigned* angle,
   0 to 180 degrees;
3. :func:`cell_histogram` / :func:`cell_histograms` -- per cell of ``c x c`` pixels, the
   magnitudes added up by orientation bin (divided by the cell's pixel count);
4. :func:`normalize_blocks` -- overlapping blocks of cells, each normalised (L2-Hys...).

:func:`gabor_kernel` is a cosine wave under a Gaussian envelope;
:func:`gabor_bank` a set of them at several orientations, and
:func:`best_match` how closely each of some kernels resembles one of a bank, and
:func:`closest` which one;
:func:`oriented_bar` the stimulus Hubel and Wiesel showed their cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _validate

__all__ = [
    "BLOCK_NORMS",
    "best_match",
    "cell_histogram",
    "cell_histograms",
    "closest",
    "gabor_bank",
    "gabor_kernel",
    "gradients",
    "hog",
    "magnitude_orientation",
    "normalize_blocks",
    "oriented_bar",
]

#: The block normalisations of :func:`normalize_blocks` (as ``skimage.feature.hog`` names them).
BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")


def _gray(name: str, image: Any) -> np.ndarray:
    array = _validate.real_array(name, image, (2, 3), "(H, W) or (H, W, 1)")
    if array.ndim == 3:
        if array.shape[-1] != 1:
            raise ValueError(
                f"{name} must be one channel, (H, W) or (H, W, 1); got shape {array.shape}"
            )
        array = array[..., 0]
    return array.astype(np.float64)


def gradients(image: Any) -> tuple[np.ndarray, np.ndarray]:
    """Central differences along rows and columns, zero on the border (as HOG uses them).

    ``g_row[i, j] = x[i + 1, j] - x[i - 1, j]`` and ``g_col[i, j] = x[i, j + 1] - x[i, j - 1]``:
    a cross-correlation with ``[-1, 0, 1]`` (down the rows, along the columns). The
    Sobel kernel of lesson 2 is this difference smoothed by ``[1, 2, 1]`` across it; Dalal
    and Triggs found HOG works best without the smoothing.

    Parameters
    ----------
    image : array (H, W) or (H, W, 1)

    Returns
    -------
    g_row, g_col : float64 arrays (H, W)
        Change going down, and change going right.

    Examples
    --------
    >>> g_row, g_col = gradients(np.array([[0, 0, 9], [0, 0, 9], [0, 0, 9]]))
    >>> g_col
    array([[0., 9., 0.],
           [0., 9., 0.],
           [0., 9., 0.]])
    """
    x = _gray("image", image)
    g_row, g_col = np.zeros_like(x), np.zeros_like(x)
    g_row[1:-1, :] = x[2:, :] - x[:-2, :]
    g_col[:, 1:-1] = x[:, 2:] - x[:, :-2]
    return g_row, g_col


def magnitude_orientation(g_row: Any, g_col: Any) -> tuple[np.ndarray, np.ndarray]:
    """The gradient's length and its unsigned orientation in degrees, in [0, 180).

    The angle is ``atan2(g_row, g_col)`` taken modulo 180: a dark-to-bright and a
    bright-to-dark edge of the same direction fall into the same bin.

    Examples
    --------
    >>> magnitude, orientation = magnitude_orientation(np.array([0.0, 3.0, -3.0]),
    ...                                                np.array([4.0, 0.0, 0.0]))
    >>> magnitude, orientation
    (array([4., 3., 3.]), array([ 0., 90., 90.]))
    """
    g_row = np.asarray(g_row, dtype=np.float64)
    g_col = np.asarray(g_col, dtype=np.float64)
    if g_row.shape != g_col.shape:
        raise ValueError(f"g_col must have the shape of g_row {g_row.shape}; got {g_col.shape}")
    return np.hypot(g_row, g_col), np.rad2deg(np.arctan2(g_row, g_col)) % 180


def cell_histogram(magnitude: Any, orientation: Any, orientations: int = 9) -> np.ndarray:
    """The orientation histogram of one cell: magnitudes added by bin, over the cell's size.

    The half circle 0..180 degrees is cut into ``orientations`` equal bins; bin ``b``
    holds angles from ``b * 180 / orientations`` (included) to ``(b + 1) * 180 /
    orientations`` (excluded). Each pixel adds its magnitude to its angle's bin (no
    sharing between neighbouring bins, as in ``skimage.feature.hog``), and the sums are
    divided by the number of pixels in the cell.

    Parameters
    ----------
    magnitude, orientation : arrays of the same shape (the cell), orientation in [0, 180)
    orientations : int, >= 1

    Returns
    -------
    float64 array (orientations,)

    Examples
    --------
    >>> cell_histogram(np.array([[2.0, 4.0]]), np.array([[10.0, 95.0]]), orientations=4)
    array([1., 0., 2., 0.])
    """
    magnitude = np.asarray(magnitude, dtype=np.float64)
    orientation = np.asarray(orientation, dtype=np.float64)
    if magnitude.shape != orientation.shape or magnitude.size == 0:
        raise ValueError(
            "orientation must have the shape of magnitude and not be empty; got "
            f"{orientation.shape} and {magnitude.shape}"
        )
    orientations = _validate.integer("orientations", orientations, minimum=1)
    if orientation.min() < 0 or orientation.max() >= 180:
        raise ValueError(
            f"orientation must be in [0, 180) degrees; got {orientation.min()}..{orientation.max()}"
        )
    bins = _bins(orientation, orientations)
    sums = np.bincount(bins.ravel(), weights=magnitude.ravel(), minlength=orientations)
    return sums / magnitude.size


def _bins(orientation: np.ndarray, orientations: int) -> np.ndarray:
    width = 180.0 / orientations
    # bin b: b * width <= angle < (b + 1) * width, with the edges computed as scikit-image does
    edges = width * np.arange(1, orientations)
    return np.searchsorted(edges, orientation, side="right")


def cell_histograms(image: Any, pixels_per_cell: int = 8, orientations: int = 9) -> np.ndarray:
    """Gradients, then the orientation histogram of every whole cell of an image.

    Cells are ``pixels_per_cell`` square and start at the top-left corner; pixels of a
    last, partial row or column of cells are left out (as scikit-image does).

    Parameters
    ----------
    image : array (H, W) or (H, W, 1), at least one cell in size
    pixels_per_cell : int, >= 1
    orientations : int, >= 1

    Returns
    -------
    float64 array (H // pixels_per_cell, W // pixels_per_cell, orientations)

    Examples
    --------
    >>> image = np.zeros((8, 8)); image[:, 4:] = 1.0     # a vertical edge: gradient 0 degrees
    >>> cell_histograms(image, pixels_per_cell=4, orientations=2).round(3)
    array([[[0.25, 0.  ],
            [0.25, 0.  ]],
    <BLANKLINE>
           [[0.25, 0.  ],
            [0.25, 0.  ]]])
    """
    pixels_per_cell = _validate.integer("pixels_per_cell", pixels_per_cell, minimum=1)
    orientations = _validate.integer("orientations", orientations, minimum=1)
    x = _gray("image", image)
    rows, cols = x.shape[0] // pixels_per_cell, x.shape[1] // pixels_per_cell
    if rows == 0 or cols == 0:
        raise ValueError(
            f"image must hold at least one cell of {pixels_per_cell} x {pixels_per_cell} "
            f"pixels; got shape {x.shape}"
        )
    magnitude, orientation = magnitude_orientation(*gradients(x))
    c = pixels_per_cell
    magnitude = magnitude[: rows * c, : cols * c]
    bins = _bins(orientation[: rows * c, : cols * c], orientations)
    cell = (np.arange(rows * c)[:, None] // c) * cols + np.arange(cols * c)[None, :] // c
    index = cell * orientations + bins
    sums = np.bincount(
        index.ravel(), weights=magnitude.ravel(), minlength=rows * cols * orientations
    )
    return sums.reshape(rows, cols, orientations) / (c * c)


def normalize_blocks(
    histograms: Any, cells_per_block: int = 3, block_norm: str = "L2-Hys", eps: float = 1e-5
) -> np.ndarray:
    """Group cells into overlapping blocks and normalise each block's histograms together.

    A block is ``cells_per_block x cells_per_block`` neighbouring cells; blocks start at
    every cell (stride one cell), so each cell is used by several blocks, each time
    normalised with other neighbours. ``"L2-Hys"``: divide by the L2 norm, clip at 0.2,
    divide by the L2 norm again (Lowe's SIFT trick: no single strong edge dominates).

    Parameters
    ----------
    histograms : array (cell rows, cell columns, orientations)
    cells_per_block : int, >= 1
    block_norm : one of :data:`BLOCK_NORMS`
    eps : float, > 0, keeps empty blocks finite

    Returns
    -------
    float64 array (block rows, block columns, cells_per_block, cells_per_block, orientations)

    Examples
    --------
    >>> blocks = normalize_blocks(np.ones((3, 4, 2)), cells_per_block=2, block_norm="L2")
    >>> blocks.shape, round(float(np.linalg.norm(blocks[0, 0])), 6)
    ((2, 3, 2, 2, 2), 1.0)
    """
    h = _validate.real_array("histograms", histograms, (3,), "(rows, cols, orientations)")
    b = _validate.integer("cells_per_block", cells_per_block, minimum=1)
    _validate.one_of("block_norm", block_norm, BLOCK_NORMS)
    eps = _validate.number("eps", eps, low=0.0)
    if h.shape[0] < b or h.shape[1] < b:
        raise ValueError(
            f"histograms must have at least cells_per_block = {b} cells along each axis; "
            f"got {h.shape[0]} x {h.shape[1]}"
        )
    windows = np.lib.stride_tricks.sliding_window_view(h.astype(np.float64), (b, b), axis=(0, 1))
    blocks = np.moveaxis(windows, (3, 4), (2, 3))  # (R, C, b, b, orientations)
    axes = (2, 3, 4)
    if block_norm == "L1":
        return blocks / (np.abs(blocks).sum(axis=axes, keepdims=True) + eps)
    if block_norm == "L1-sqrt":
        return np.sqrt(blocks / (np.abs(blocks).sum(axis=axes, keepdims=True) + eps))
    out = blocks / np.sqrt((blocks**2).sum(axis=axes, keepdims=True) + eps**2)
    if block_norm == "L2-Hys":
        out = np.minimum(out, 0.2)
        out = out / np.sqrt((out**2).sum(axis=axes, keepdims=True) + eps**2)
    return out


def hog(
    image: Any,
    orientations: int = 9,
    pixels_per_cell: int = 8,
    cells_per_block: int = 3,
    block_norm: str = "L2-Hys",
) -> np.ndarray:
    """The HOG descriptor of a gray image, as one vector: ``skimage.feature.hog`` by hand.

    :func:`cell_histograms`, then :func:`normalize_blocks`, flattened. Its length is
    ``block rows x block columns x cells_per_block² x orientations``, with ``H //
    pixels_per_cell - cells_per_block + 1`` block rows (and the same for columns).

    Parameters
    ----------
    image : array (H, W) or (H, W, 1)
    orientations, pixels_per_cell, cells_per_block : int, >= 1
    block_norm : one of :data:`BLOCK_NORMS`

    Returns
    -------
    float64 array, 1-D

    Examples
    --------
    >>> from skimage.feature import hog as skimage_hog
    >>> image = np.random.default_rng(0).random((24, 32))
    >>> ours = hog(image, pixels_per_cell=8, cells_per_block=2)
    >>> ours.shape, bool(np.allclose(ours, skimage_hog(image, 9, (8, 8), (2, 2)), atol=1e-6))
    ((216,), True)
    """
    histograms = cell_histograms(image, pixels_per_cell, orientations)
    return normalize_blocks(histograms, cells_per_block, block_norm).ravel()


# --------------------------------------------------------------------------- Gabor filters


def gabor_kernel(
    size: int, wavelength: float, theta: float, sigma: float, phase: float = 0.0
) -> np.ndarray:
    """A Gabor filter: a cosine wave under a round Gaussian envelope, ``size x size``.

    ``g(x, y) = exp(-(x² + y²) / (2 sigma²)) * cos(2 pi x' / wavelength + phase)`` with
    ``x' = x cos(theta) + y sin(theta)``, where ``x`` counts columns to the right and ``y``
    rows downwards from the centre pixel, and ``theta`` is in degrees. The wave runs
    along direction ``theta``: ``theta = 0`` gives vertical stripes (it responds to
    vertical edges and bars). ``phase = 0`` is an even, bar-like filter, ``phase = 90``
    an odd, edge-like one. The envelope's peak is 1 (no normalisation).

    It is the real part of ``skimage.filters.gabor_kernel(1 / wavelength, theta in
    radians, sigma_x=sigma, sigma_y=sigma, offset=phase in radians)`` times ``2 pi
    sigma²``, cut to ``size x size``.

    Parameters
    ----------
    size : int, odd, >= 1
    wavelength : float, > 0, pixels per cycle
    theta : float, degrees
    sigma : float, > 0, pixels
    phase : float, degrees, default=0

    Returns
    -------
    float64 array (size, size)

    Examples
    --------
    >>> gabor_kernel(3, wavelength=4, theta=0, sigma=10).round(2) + 0  # cos(pi x / 2)
    array([[0., 1., 0.],
           [0., 1., 0.],
           [0., 1., 0.]])
    """
    size = _validate.integer("size", size, minimum=1)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (the kernel has a centre pixel); got {size}")
    wavelength = _validate.number("wavelength", wavelength)
    sigma = _validate.number("sigma", sigma)
    if not wavelength > 0 or not sigma > 0:
        raise ValueError(f"wavelength and sigma must be > 0; got {wavelength} and {sigma}")
    theta = np.deg2rad(_validate.number("theta", theta))
    phase = np.deg2rad(_validate.number("phase", phase))
    half = size // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    along = x * np.cos(theta) + y * np.sin(theta)
    envelope = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return envelope * np.cos(2 * np.pi * along / wavelength + phase)


def gabor_bank(
    size: int = 7,
    wavelengths: tuple[float, ...] = (4.0, 6.0),
    n_orientations: int = 8,
    phases: tuple[float, ...] = (0.0, 90.0),
    sigma_per_wavelength: float = 0.5,
) -> np.ndarray:
    """Gabor kernels at every orientation, wavelength and phase, stacked on a last axis.

    Orientations are ``0, 180 / n, 2 * 180 / n...`` degrees; each kernel's ``sigma`` is
    ``sigma_per_wavelength * wavelength`` (so every kernel holds about one cycle).

    Returns
    -------
    float64 array (size, size, len(wavelengths) * n_orientations * len(phases))

    Examples
    --------
    >>> gabor_bank(size=5, wavelengths=(4.0,), n_orientations=4, phases=(0.0,)).shape
    (5, 5, 4)
    """
    n_orientations = _validate.integer("n_orientations", n_orientations, minimum=1)
    ratio = _validate.number("sigma_per_wavelength", sigma_per_wavelength, low=0.0)
    kernels = [
        gabor_kernel(size, wavelength, 180.0 * k / n_orientations, ratio * wavelength, phase)
        for wavelength in wavelengths
        for k in range(n_orientations)
        for phase in phases
    ]
    return np.stack(kernels, axis=-1)


def best_match(kernels: Any, bank: Any) -> np.ndarray:
    """For each kernel, its best absolute cosine similarity with any kernel of a bank.

    Each kernel and each bank kernel is centred (its mean removed) and scaled to length
    1; the similarity of two is the absolute value of their dot product, 1 when one is
    the other up to a factor (a sign included), near 0 when they share nothing.

    Parameters
    ----------
    kernels : array (F, F, K) or (F, F, 1, K) (a ``Conv2D`` kernel of one input channel)
    bank : array (F, F, M)

    Returns
    -------
    float64 array (K,), values in [0, 1]

    Examples
    --------
    >>> bank = gabor_bank(size=5, wavelengths=(4.0,), n_orientations=4, phases=(0.0,))
    >>> best_match(-3 * bank[..., 1:2], bank).round(6)
    array([1.])
    """
    k, b = _kernels_and_bank(kernels, bank)
    return np.abs(_unit(k).T @ _unit(b)).max(axis=1)


def _kernels_and_bank(kernels: Any, bank: Any) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(kernels, dtype=np.float64)
    if k.ndim == 4 and k.shape[2] == 1:
        k = k[:, :, 0, :]
    b = np.asarray(bank, dtype=np.float64)
    if k.ndim != 3 or b.ndim != 3 or k.shape[:2] != b.shape[:2]:
        raise ValueError(
            f"kernels (F, F, K) and bank (F, F, M) must share their kernel size; got "
            f"{_validate.short(kernels)} and {_validate.short(bank)}"
        )
    return k, b


def _unit(array: np.ndarray) -> np.ndarray:
    """Each kernel (last axis) as a column: centred, scaled to length 1."""
    flat = array.reshape(-1, array.shape[-1])
    flat = flat - flat.mean(axis=0)
    return flat / np.maximum(np.linalg.norm(flat, axis=0), 1e-12)


def closest(kernels: Any, bank: Any) -> np.ndarray:
    """For each kernel, the bank's kernel it resembles most (:func:`best_match`), drawn alike.

    The bank kernel is centred and given the sign and length of the centred kernel it
    matches, so the two can be shown side by side on one colour scale.

    Parameters
    ----------
    kernels : array (F, F, K) or (F, F, 1, K)
    bank : array (F, F, M)

    Returns
    -------
    float64 array (F, F, K)

    Examples
    --------
    >>> bank = gabor_bank(size=5, wavelengths=(4.0,), n_orientations=4, phases=(0.0,))
    >>> kernels = -3 * bank[..., 2:3]
    >>> bool(np.allclose(closest(kernels, bank), kernels - kernels.mean()))
    True
    """
    k, b = _kernels_and_bank(kernels, bank)
    uk, ub = _unit(k), _unit(b)
    cosines = uk.T @ ub
    index = np.abs(cosines).argmax(axis=1)
    signs = np.sign(cosines[np.arange(len(index)), index])
    lengths = np.linalg.norm(
        k.reshape(-1, k.shape[-1]) - k.reshape(-1, k.shape[-1]).mean(0), axis=0
    )
    return (ub[:, index] * signs * lengths).reshape(k.shape)


def oriented_bar(size: int, theta: float, offset: float = 0.0, width: float = 2.0) -> np.ndarray:
    """A bright bar on black across a ``size x size`` image: Hubel and Wiesel's stimulus.

    The bar holds the pixels whose signed distance ``x cos(theta) + y sin(theta)`` from
    the centre pixel (``x`` right, ``y`` down) is within ``width / 2`` of ``offset``: with
    the angle convention of :func:`gabor_kernel`, ``theta = 0`` is a vertical bar, and a
    Gabor filter of orientation ``theta`` prefers the bar of the same ``theta``.

    Parameters
    ----------
    size : int, odd, >= 1
    theta : float, degrees
    offset : float, pixels the bar is moved across itself
    width : float, > 0, pixels

    Returns
    -------
    float64 array (size, size) of 0 and 1

    Examples
    --------
    >>> oriented_bar(5, theta=0, offset=1, width=1)
    array([[0., 0., 0., 1., 0.],
           [0., 0., 0., 1., 0.],
           [0., 0., 0., 1., 0.],
           [0., 0., 0., 1., 0.],
           [0., 0., 0., 1., 0.]])
    """
    size = _validate.integer("size", size, minimum=1)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (the image has a centre pixel); got {size}")
    theta = np.deg2rad(_validate.number("theta", theta))
    offset = _validate.number("offset", offset)
    width = _validate.number("width", width)
    if not width > 0:
        raise ValueError(f"width must be > 0; got {width}")
    half = size // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    across = x * np.cos(theta) + y * np.sin(theta) - offset
    return (np.abs(across) < width / 2 + 1e-9).astype(np.float64)
