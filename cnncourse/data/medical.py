"""A synthetic CT scan of a head: a volume in Hounsfield units, made by code.

Real medical images (DICOM, NIfTI) cannot ship with the course, and need no
network here: :func:`ct_phantom` draws a head from ellipsoids with the values a CT
scanner measures (air, bone, brain, fluid and a small bleed), so lesson 1 can show
what such a volume looks like as an array and what an 8-bit conversion does to it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import integer, number

__all__ = ["HOUNSFIELD", "CTVolume", "ct_phantom"]

#: The Hounsfield units (HU) of the phantom's tissues: water is 0 and air -1000 by the
#: definition of the scale; bone, brain, fluid and fresh blood are typical values.
HOUNSFIELD: dict[str, int] = {
    "air": -1000,
    "bone": 900,
    "brain": 35,
    "fluid": 5,
    "bleed": 70,
}


class CTVolume(NamedTuple):
    """A CT volume made by :func:`ct_phantom`.

    Attributes
    ----------
    hu : ndarray of shape (slices, size, size), dtype int16
        Hounsfield units, slice by slice (axial slices: rows front to back, columns
        right to left as a radiologist looks at them).
    spacing : tuple of 3 floats
        Millimetres between voxel centres along (slices, rows, columns).
    bleed : ndarray of shape (slices, size, size), dtype bool
        Where the bleed is: the one thing a reader of the scan must find.

    Examples
    --------
    >>> volume = ct_phantom(size=32, slices=8)
    >>> volume.hu.shape, volume.hu.dtype, volume.spacing
    ((8, 32, 32), dtype('int16'), (5.0, 7.5, 7.5))
    """

    hu: np.ndarray
    spacing: tuple[float, float, float]
    bleed: np.ndarray


def _ellipsoid(grid: tuple[np.ndarray, ...], centre, radii) -> np.ndarray:
    return sum(((g - c) / r) ** 2 for g, c, r in zip(grid, centre, radii, strict=True)) <= 1.0


def ct_phantom(size: int = 64, slices: int = 16, noise: float = 4.0, seed: int = 0) -> CTVolume:
    """A synthetic head CT: skull, brain, two fluid-filled ventricles and a small bleed.

    Values are Hounsfield units as a scanner reports them (:data:`HOUNSFIELD`), with
    Gaussian noise; the bleed differs from the brain around it by only 35 HU, which
    is what makes it hard to see once the 4,000 HU of a CT are squeezed into 256
    gray levels.

    Parameters
    ----------
    size : int, default=64
        Pixels per side of each slice (>= 16); the field of view is 240 mm.
    slices : int, default=16
        Number of slices (>= 1), 5 mm apart.
    noise : float, default=4.0
        Standard deviation of the noise in HU (>= 0).
    seed : int, default=0

    Returns
    -------
    CTVolume
        ``hu`` (int16), ``spacing`` in mm and the ``bleed`` mask.

    Examples
    --------
    >>> volume = ct_phantom()
    >>> int(volume.hu.min()) < -900 < 800 < int(volume.hu.max())
    True
    >>> bool(volume.bleed.any())
    True
    """
    size = integer("size", size, minimum=16)
    slices = integer("slices", slices, minimum=1)
    noise = number("noise", noise, 0.0)
    seed = integer("seed", seed, minimum=0)
    thickness, field_of_view = 5.0, 240.0
    z = (np.arange(slices) - (slices - 1) / 2) * thickness
    y = (np.arange(size) - (size - 1) / 2) * field_of_view / size
    grid = np.meshgrid(z, y, y, indexing="ij")
    head = _ellipsoid(grid, (0, 0, 0), (110, 95, 78))
    brain = _ellipsoid(grid, (0, 0, 0), (100, 86, 70))
    ventricles = _ellipsoid(grid, (0, -8, -14), (60, 30, 7)) | _ellipsoid(
        grid, (0, -8, 14), (60, 30, 7)
    )
    bleed = _ellipsoid(grid, (slices * thickness / 6, 32, 30), (14, 12, 12)) & brain
    hu = np.full(grid[0].shape, float(HOUNSFIELD["air"]))
    hu[head] = HOUNSFIELD["bone"]
    hu[brain] = HOUNSFIELD["brain"]
    hu[ventricles & brain] = HOUNSFIELD["fluid"]
    hu[bleed] = HOUNSFIELD["bleed"]
    hu += np.random.default_rng(seed).normal(0.0, noise, size=hu.shape)
    spacing = (thickness, field_of_view / size, field_of_view / size)
    return CTVolume(np.round(hu).astype(np.int16), spacing, bleed)
