"""Image file formats and what they do to the array: the reference code behind lesson 1's
section on files.

Everything is written to and read from memory (``bytes``), never to disk. Writing is
done here (it is plumbing); the lesson reads the bytes back with the libraries a
student will meet (Pillow, imageio, pydicom, nibabel) and looks at what each hands back.

* :func:`describe` -- an array's shape, dtype and range in one line;
* :func:`encode` -- an array as the bytes of a PNG, JPEG, GIF, TIFF or PGM/PPM file;
* :func:`flatten_alpha` -- an RGBA image laid over a background (the right way to drop
  the alpha channel);
* :func:`read_plain_pnm` / :func:`write_plain_pnm` -- the plain-text PBM and PGM
  formats, small enough to read by hand;
* :func:`bayer_mosaic` / :func:`bin_bayer` -- what a camera's RAW file holds, and the
  simplest way back to colour;
* :func:`window` -- a radiologist's window on Hounsfield units;
* :func:`to_dicom` / :func:`to_nifti` -- a CT slice as a DICOM file, a volume as NIfTI;
* :func:`jpeg_blockiness` -- JPEG's 8x8 blocks, measured.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np

from . import _validate

__all__ = [
    "FORMATS",
    "bayer_mosaic",
    "bin_bayer",
    "describe",
    "encode",
    "flatten_alpha",
    "jpeg_blockiness",
    "read_plain_pnm",
    "to_dicom",
    "to_nifti",
    "window",
    "write_plain_pnm",
]

#: The formats :func:`encode` writes, with the arrays each can hold:
#: ``(dtypes, channel counts)``; channel count 1 means a 2-D ``(H, W)`` array.
FORMATS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "PNG": (("uint8", "uint16"), (1, 2, 3, 4)),
    "JPEG": (("uint8",), (1, 3)),
    "GIF": (("uint8",), (1, 3)),
    "TIFF": (("uint8", "uint16", "float32"), (1, 3)),
    "PPM": (("uint8", "uint16"), (1, 3)),
}


def describe(array: Any) -> str:
    """One line with an array's shape, dtype and range of values.

    Examples
    --------
    >>> describe(np.zeros((2, 3, 4), np.uint8))
    'shape (2, 3, 4), uint8, values 0..0'
    >>> describe(np.array([[0.5, -1.0]]))
    'shape (1, 2), float64, values -1..0.5'
    """
    array = np.asarray(array)
    if array.size == 0:
        return f"shape {array.shape}, {array.dtype}, no values"
    return f"shape {array.shape}, {array.dtype}, values {array.min():g}..{array.max():g}"


def encode(image: Any, format: str, quality: int = 90, colors: int = 256) -> bytes:
    """Save an array as an image file in memory, with Pillow, and return the file's bytes.

    Parameters
    ----------
    image : array (H, W) or (H, W, C)
        What each format holds (:data:`FORMATS`): PNG takes uint8 with 1 to 4 channels
        (gray, gray + alpha, RGB, RGBA) and 16-bit gray; JPEG and GIF 8-bit gray or RGB;
        TIFF also 16-bit and float32 gray; PPM (PGM for gray) 8- or 16-bit.
    format : {"PNG", "JPEG", "GIF", "TIFF", "PPM"}
    quality : int, 1..100, default=90
        JPEG's quality (ignored by the others).
    colors : int, 2..256, default=256
        The size of a GIF's palette (ignored by the others).

    Returns
    -------
    bytes
        The file, as it would be on disk.

    Examples
    --------
    >>> data = encode(np.zeros((4, 4, 4), np.uint8), "PNG")
    >>> data[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    >>> encode(np.zeros((4, 4, 4), np.uint8), "JPEG")
    Traceback (most recent call last):
    ...
    ValueError: image must have 1 or 3 channels for JPEG; got shape (4, 4, 4)
    """
    from PIL import Image

    format = _validate.one_of("format", str(format).upper(), FORMATS)
    array = _validate.image("image", image, ndim=(2, 3))
    dtypes, channels = FORMATS[format]
    n_channels = 1 if array.ndim == 2 else array.shape[-1]
    if n_channels not in channels:
        allowed = " or ".join(str(c) for c in channels)
        raise ValueError(
            f"image must have {allowed} channels for {format}; got shape {array.shape}"
        )
    if array.dtype.name not in dtypes:
        raise ValueError(f"image must be {' or '.join(dtypes)} for {format}; got {array.dtype}")
    if array.dtype != np.uint8 and n_channels != 1:
        raise ValueError(
            f"image must be one channel to be saved as {array.dtype} (Pillow writes 16-bit "
            f"and float images as gray only); got shape {array.shape}"
        )
    quality = _validate.integer("quality", quality, minimum=1)
    if quality > 100:
        raise ValueError(f"quality must be between 1 and 100; got {quality}")
    colors = _validate.integer("colors", colors, minimum=2)
    if colors > 256:
        raise ValueError(f"colors must be between 2 and 256 (a GIF palette); got {colors}")
    if array.ndim == 3 and n_channels == 1:
        array = array[..., 0]
    picture = Image.fromarray(np.ascontiguousarray(array))
    if format == "GIF":
        picture = picture.quantize(colors, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    picture.save(buffer, format=format, quality=quality)
    return buffer.getvalue()


def flatten_alpha(image: Any, background: Any = (255, 255, 255)) -> np.ndarray:
    """Lay an RGBA image over a plain background: the right way to drop an alpha channel.

    Each pixel becomes ``alpha * colour + (1 - alpha) * background`` with
    ``alpha = A / 255``, rounded to the nearest integer. Slicing ``image[..., :3]``
    instead keeps the colour of fully transparent pixels, which is often black or
    anything at all.

    Parameters
    ----------
    image : uint8 array of shape (H, W, 4)
    background : 3 ints in 0..255, default=(255, 255, 255) (white)

    Returns
    -------
    uint8 array of shape (H, W, 3)

    Examples
    --------
    >>> rgba = np.array([[[255, 0, 0, 255], [255, 0, 0, 0], [0, 0, 0, 128]]], np.uint8)
    >>> flatten_alpha(rgba)
    array([[[255,   0,   0],
            [255, 255, 255],
            [127, 127, 127]]], dtype=uint8)
    """
    array = _validate.image("image", image, channels=(4,), ndim=(3,))
    if array.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (0..255); got {array.dtype}")
    colour = np.asarray(background, dtype=np.float64)
    if colour.shape != (3,) or colour.min() < 0 or colour.max() > 255:
        raise ValueError(
            f"background must be 3 values in 0..255 (R, G, B); got {_validate.short(background)}"
        )
    alpha = array[..., 3:].astype(np.float64) / 255.0
    mixed = alpha * array[..., :3] + (1.0 - alpha) * colour
    return np.round(mixed).astype(np.uint8)


# --------------------------------------------------------------------------- plain PBM / PGM

_MAGIC = {"P1": "PBM", "P2": "PGM"}


def read_plain_pnm(text: str | bytes) -> np.ndarray:
    """Read a plain (text) PBM or PGM file: the numbers as the file writes them.

    The file is a magic number (``P1`` for PBM, black and white; ``P2`` for PGM,
    gray), the width, the height, for PGM the largest value ``maxval``, then the
    pixels row by row, all separated by any whitespace; ``#`` starts a comment that
    runs to the end of its line.

    Parameters
    ----------
    text : str or bytes

    Returns
    -------
    array of shape (height, width)
        PBM: uint8, **1 for black**, 0 for white (the reverse of a gray level).
        PGM: uint8 if ``maxval`` < 256, else uint16; 0 is black, ``maxval`` white.

    Examples
    --------
    >>> read_plain_pnm("P2 # a comment\\n3 2\\n255\\n0 128 255\\n255 128 0\\n")
    array([[  0, 128, 255],
           [255, 128,   0]], dtype=uint8)
    >>> read_plain_pnm("P1\\n2 1\\n1 0\\n")
    array([[1, 0]], dtype=uint8)
    """
    if isinstance(text, bytes):
        text = text.decode("ascii")
    if not isinstance(text, str):
        raise ValueError(f"text must be a str or bytes; got {_validate.short(text)}")
    tokens = re.sub(r"#[^\n]*", " ", text).split()
    if not tokens or tokens[0] not in _MAGIC:
        raise ValueError(
            f"text must start with P1 (plain PBM) or P2 (plain PGM); got {text[:20]!r}"
        )
    header = 3 if tokens[0] == "P1" else 4
    try:
        numbers = [int(t) for t in tokens[1:]]
    except ValueError:
        raise ValueError("text must hold whole numbers after the magic number") from None
    if len(numbers) < header - 1:
        raise ValueError(f"text ends inside the header; got {len(numbers)} numbers")
    width, height = numbers[0], numbers[1]
    maxval = 1 if tokens[0] == "P1" else numbers[2]
    if width < 1 or height < 1 or not 1 <= maxval <= 65535:
        raise ValueError(f"text has a bad header: width {width}, height {height}, maxval {maxval}")
    pixels = np.array(numbers[header - 1 :], dtype=np.int64)
    if pixels.size != width * height:
        raise ValueError(
            f"text must hold width x height = {width * height} pixels; got {pixels.size}"
        )
    if pixels.size and (pixels.min() < 0 or pixels.max() > maxval):
        raise ValueError(f"text holds pixels outside 0..{maxval}")
    dtype = np.uint8 if maxval < 256 else np.uint16
    return pixels.reshape(height, width).astype(dtype)


def write_plain_pnm(image: Any, maxval: int | None = None, comment: str | None = None) -> str:
    """Write a plain PGM (an integer array) or PBM (a bool array, True = black) as text.

    Parameters
    ----------
    image : array (H, W)
        bool for PBM; non-negative integers for PGM.
    maxval : int, optional
        PGM's white level (default: 255 for uint8, 65535 for larger values).
    comment : str, optional
        A comment line after the magic number.

    Returns
    -------
    str
        One image row per line.

    Examples
    --------
    >>> print(write_plain_pnm(np.array([[0, 255]], np.uint8), comment="two pixels"))
    P2
    # two pixels
    2 1
    255
    0 255
    <BLANKLINE>
    >>> read_plain_pnm(write_plain_pnm(np.eye(2, dtype=bool)))
    array([[1, 0],
           [0, 1]], dtype=uint8)
    """
    array = _validate.image("image", image, ndim=(2,))
    if array.dtype == bool:
        magic, header = "P1", []
    else:
        if not np.issubdtype(array.dtype, np.integer) or (array.size and array.min() < 0):
            raise ValueError(f"image must be bool or non-negative integers; got {array.dtype}")
        top = int(array.max()) if array.size else 0
        if maxval is None:
            maxval = 255 if top < 256 else 65535
        maxval = _validate.integer("maxval", maxval, minimum=1)
        if maxval > 65535 or top > maxval:
            raise ValueError(f"maxval must be in max(image)..65535; got {maxval}")
        magic, header = "P2", [str(maxval)]
    lines = [magic] + ([f"# {comment}"] if comment else [])
    lines += [f"{array.shape[1]} {array.shape[0]}", *header]
    lines += [" ".join(str(int(v)) for v in row) for row in array]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- camera RAW


def bayer_mosaic(image: Any, bits: int = 12) -> np.ndarray:
    """What a camera sensor records: one colour per pixel, linear light, ``bits`` deep.

    The photo (sRGB, 8 bits) is decoded to linear light, scaled to
    ``0 .. 2**bits - 1`` and sampled through an RGGB Bayer filter: red at even rows
    and columns, blue at odd rows and columns, green elsewhere. A camera's RAW file
    stores this mosaic (plus a header); the colour image is computed from it later.

    Parameters
    ----------
    image : uint8 array (H, W, 3), H and W even
    bits : int, 8..16, default=12

    Returns
    -------
    uint16 array (H, W)

    Examples
    --------
    >>> raw = bayer_mosaic(np.full((2, 2, 3), 255, np.uint8))
    >>> raw
    array([[4095, 4095],
           [4095, 4095]], dtype=uint16)
    """
    from .images import srgb_to_linear

    array = _validate.image("image", image, channels=(3,), ndim=(3,))
    if array.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (0..255); got {array.dtype}")
    if array.shape[0] % 2 or array.shape[1] % 2:
        raise ValueError(f"image must have an even height and width; got shape {array.shape}")
    bits = _validate.integer("bits", bits, minimum=8)
    if bits > 16:
        raise ValueError(f"bits must be between 8 and 16; got {bits}")
    light = np.round(srgb_to_linear(array) * (2**bits - 1)).astype(np.uint16)
    raw = light[..., 1].copy()
    raw[0::2, 0::2] = light[0::2, 0::2, 0]
    raw[1::2, 1::2] = light[1::2, 1::2, 2]
    return raw


def bin_bayer(raw: Any, bits: int = 12) -> np.ndarray:
    """Colour from an RGGB mosaic by binning: each 2 x 2 block becomes one RGB pixel.

    Red is the block's top-left value, blue its bottom-right one, green the mean of
    the other two; all divided by ``2**bits - 1``. Half the resolution, no guessing:
    the simplest demosaicing (cameras interpolate to keep every pixel).

    Parameters
    ----------
    raw : integer array (H, W), H and W even
    bits : int, 8..16, default=12

    Returns
    -------
    float64 array (H // 2, W // 2, 3): linear light in [0, 1]

    Examples
    --------
    >>> bin_bayer(np.array([[4095, 0], [0, 0]]))  # a red pixel
    array([[[1., 0., 0.]]])
    """
    array = _validate.image("raw", raw, ndim=(2,))
    if array.shape[0] % 2 or array.shape[1] % 2:
        raise ValueError(f"raw must have an even height and width; got shape {array.shape}")
    bits = _validate.integer("bits", bits, minimum=8)
    if bits > 16:
        raise ValueError(f"bits must be between 8 and 16; got {bits}")
    values = array.astype(np.float64) / (2**bits - 1)
    green = (values[0::2, 1::2] + values[1::2, 0::2]) / 2
    return np.stack([values[0::2, 0::2], green, values[1::2, 1::2]], axis=-1)


# --------------------------------------------------------------------------- medical


def window(values: Any, center: float, width: float) -> np.ndarray:
    """A radiologist's window: map ``center - width/2 .. center + width/2`` onto 0..1.

    Values below the window become 0 (black), above it 1 (white); in between, a
    straight line. A brain window (center 40, width 80 HU) spends all of a screen's
    gray levels on 80 HU; a bone window (center 400, width 1800) on the skull.

    Parameters
    ----------
    values : array of any shape (Hounsfield units, or any measured quantity)
    center, width : float, width > 0

    Returns
    -------
    float64 array of the same shape, in [0, 1]

    Examples
    --------
    >>> window(np.array([-1000, 0, 40, 80, 1000]), center=40, width=80)
    array([0. , 0. , 0.5, 1. , 1. ])
    """
    array = _validate.image("values", values, ndim=range(0, 6))
    center = _validate.number("center", center)
    width = _validate.number("width", width)
    if not width > 0:
        raise ValueError(f"width must be > 0; got {width}")
    low = center - width / 2
    return np.clip((array.astype(np.float64) - low) / width, 0.0, 1.0)


def to_dicom(
    hu: Any,
    spacing: tuple[float, float] = (1.0, 1.0),
    intercept: float = -1024.0,
    bits: int = 12,
) -> bytes:
    """A CT slice in Hounsfield units as the bytes of a DICOM file (with pydicom).

    As a scanner does, the slice is stored as unsigned integers ``hu - intercept``
    in ``bits`` bits (16 bits allocated per pixel), and the header says how to get
    Hounsfield units back: ``RescaleSlope`` 1 and ``RescaleIntercept``.

    Parameters
    ----------
    hu : integer array (H, W), values ``intercept .. intercept + 2**bits - 1``
    spacing : (row, column) millimetres between pixel centres
    intercept : float, default=-1024
    bits : int, 8..16, default=12

    Returns
    -------
    bytes
        A DICOM file (CT Image Storage, explicit VR little endian).

    Examples
    --------
    >>> import pydicom
    >>> data = to_dicom(np.array([[-1000, 40]], np.int16))
    >>> ds = pydicom.dcmread(io.BytesIO(data))
    >>> ds.pixel_array, int(ds.BitsStored), float(ds.RescaleIntercept)
    (array([[  24, 1064]], dtype=uint16), 12, -1024.0)
    """
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    array = _validate.image("hu", hu, ndim=(2,))
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"hu must be an integer array; got {array.dtype}")
    bits = _validate.integer("bits", bits, minimum=8)
    if bits > 16:
        raise ValueError(f"bits must be between 8 and 16; got {bits}")
    intercept = _validate.number("intercept", intercept)
    stored = array.astype(np.int64) - int(round(intercept))
    if stored.min() < 0 or stored.max() > 2**bits - 1:
        raise ValueError(
            f"hu must lie in {intercept:g}..{intercept + 2**bits - 1:g} to be stored in {bits} "
            f"bits; got {array.min()}..{array.max()}"
        )
    uid = generate_uid(entropy_srcs=[array.tobytes().hex()[:64], str(spacing)])
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, uid
    ds.Modality, ds.PatientName, ds.PatientID = "CT", "Phantom^Synthetic", "0"
    ds.Rows, ds.Columns = array.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, bits, bits - 1, 0
    ds.PixelSpacing = [float(s) for s in spacing]
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, intercept, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 80
    ds.PixelData = stored.astype("<u2").tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def to_nifti(volume: Any, spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> bytes:
    """A volume as the bytes of a NIfTI-1 file (with nibabel), its voxel size in the header.

    NIfTI stores a 3-D (or 4-D) array as it is, any dtype, with a 4 x 4 *affine*
    matrix mapping voxel indices to millimetres in the scanner: here a diagonal
    one, ``spacing`` along the three axes.

    Parameters
    ----------
    volume : array (X, Y, Z) or (X, Y, Z, T), any numeric dtype
    spacing : 3 floats > 0, millimetres per voxel along the first three axes

    Returns
    -------
    bytes

    Examples
    --------
    >>> import nibabel
    >>> image = nibabel.Nifti1Image.from_bytes(to_nifti(np.zeros((4, 5, 6), np.int16)))
    >>> image.shape, image.get_data_dtype() == np.int16
    ((4, 5, 6), True)
    """
    import nibabel

    array = np.asarray(volume)
    if array.ndim not in (3, 4) or not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f"volume must be a numeric array of 3 or 4 axes; got {_validate.short(volume)}"
        )
    steps = [_validate.number("spacing", s) for s in _validate.per_axis("spacing", spacing, 3)]
    if min(steps) <= 0:
        raise ValueError(f"spacing must be 3 values > 0; got {spacing}")
    image = nibabel.Nifti1Image(array, np.diag([*steps, 1.0]))
    image.header.set_xyzt_units("mm")
    return image.to_bytes()


# --------------------------------------------------------------------------- JPEG


def jpeg_blockiness(original: Any, decoded: Any) -> float:
    """How much of JPEG's error sits on the 8 x 8 block edges: a ratio, 1 for none.

    JPEG codes each 8 x 8 block on its own, so its errors jump where two blocks meet.
    This is the mean absolute *jump* of the error image between neighbouring pixels
    across block edges (columns 7|8, 15|16...), divided by the same inside blocks.

    Parameters
    ----------
    original, decoded : arrays of the same shape (H, W) or (H, W, C), H and W >= 16

    Returns
    -------
    float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> image = rng.integers(0, 256, size=(32, 32), dtype=np.uint8)
    >>> round(jpeg_blockiness(image, image // 2 * 2), 1)  # no blocks in this error
    1.0
    """
    a = _validate.image("original", original, ndim=(2, 3)).astype(np.float64)
    b = _validate.image("decoded", decoded, ndim=(2, 3)).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"decoded must have the shape of original {a.shape}; got {b.shape}")
    if min(a.shape[:2]) < 16:
        raise ValueError(f"original must be at least 16 x 16 pixels; got shape {a.shape}")
    error = b - a
    rows = np.abs(np.diff(error, axis=0))
    cols = np.abs(np.diff(error, axis=1))
    row_edge = (np.arange(rows.shape[0]) % 8) == 7
    col_edge = (np.arange(cols.shape[1]) % 8) == 7
    across = np.concatenate([rows[row_edge].ravel(), cols[:, col_edge].ravel()])
    inside = np.concatenate([rows[~row_edge].ravel(), cols[:, ~col_edge].ravel()])
    return float(across.mean() / max(inside.mean(), 1e-12))
