"""Images as arrays: the reference implementations behind lesson 1.

Everything here is plain NumPy and works on one image (H, W, C) or a batch
(N, H, W, C), channels last as Keras expects.
"""

from __future__ import annotations

import numpy as np

from . import _validate

__all__ = [
    "LUMA_WEIGHTS",
    "channel_means",
    "downscale_2x",
    "linear_to_srgb",
    "normalize",
    "rgb_to_grayscale",
    "roundtrip",
    "srgb_to_linear",
    "to_bgr",
]

#: Luma weights (R, G, B) of the two common standards.
#: ``"bt601"`` (ITU-R BT.601) is what TensorFlow, Keras, OpenCV and Pillow use;
#: ``"bt709"`` (ITU-R BT.709, sRGB/HDTV) is what scikit-image's ``rgb2gray`` uses.
#: Applied to stored (gamma-encoded) values they give *luma* Y', not luminance Y:
#: luminance is the same weighted sum taken of linear light (see :func:`srgb_to_linear`).
LUMA_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "bt601": (0.299, 0.587, 0.114),
    "bt709": (0.2125, 0.7154, 0.0721),
    "mean": (1 / 3, 1 / 3, 1 / 3),
}


def rgb_to_grayscale(image: np.ndarray, weights: str = "bt601") -> np.ndarray:
    """Convert RGB to grayscale as a weighted sum of the channels: luma, Y'.

    The weights are applied to the values as stored, which are gamma-encoded; the
    result is therefore luma, an approximation of the luminance one would get by
    weighting linear light.

    Parameters
    ----------
    image : array of shape (H, W, 3) or (N, H, W, 3)
        Any numeric dtype; the result keeps the input's scale (0-255 stays 0-255).
    weights : {"bt601", "bt709", "mean"}
        Which luma weights to use (see ``LUMA_WEIGHTS``).

    Returns
    -------
    gray : float64 array of shape (H, W) or (N, H, W)

    Examples
    --------
    >>> rgb_to_grayscale(np.array([[[255, 0, 0]]], dtype=np.uint8))
    array([[76.245]])
    """
    image = _validate.image("image", image, channels=(3,), ndim=(3, 4))
    w = np.asarray(LUMA_WEIGHTS[_validate.one_of("weights", weights, LUMA_WEIGHTS)])
    return image.astype(np.float64) @ w


def normalize(image: np.ndarray) -> np.ndarray:
    """Scale an 8-bit image from 0..255 to float32 values in [0, 1].

    Parameters
    ----------
    image : array of any shape with values in 0..255 (typically uint8)

    Returns
    -------
    float32 array of the same shape, ``image / 255``

    Examples
    --------
    >>> normalize(np.array([0, 51, 255], dtype=np.uint8))
    array([0. , 0.2, 1. ], dtype=float32)
    """
    array = _validate.image("image", image, ndim=range(0, 6))
    if array.size and (array.min() < 0 or array.max() > 255):
        raise ValueError(
            f"image must hold values in 0..255; got values from {array.min()} to {array.max()}"
        )
    return (array / 255.0).astype(np.float32)


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Swap RGB to BGR (or back: the operation is its own inverse).

    Parameters
    ----------
    image : array of shape (H, W, 3) or (N, H, W, 3)

    Returns
    -------
    array of the same shape and dtype with the channel axis reversed

    Examples
    --------
    >>> to_bgr(np.array([[[1, 2, 3]]]))
    array([[[3, 2, 1]]])
    """
    image = _validate.image("image", image, channels=(3,), ndim=(3, 4))
    return image[..., ::-1].copy()


def channel_means(image: np.ndarray) -> np.ndarray:
    """Mean of each channel over all pixels (and all images of a batch).

    Parameters
    ----------
    image : array of shape (H, W, C) or (N, H, W, C)

    Returns
    -------
    float64 array of shape (C,)

    Examples
    --------
    >>> channel_means(np.array([[[0, 10], [2, 20]]]))
    array([ 1., 15.])
    """
    image = _validate.image("image", image, ndim=(3, 4))
    return image.reshape(-1, image.shape[-1]).astype(np.float64).mean(axis=0)


def srgb_to_linear(image: np.ndarray) -> np.ndarray:
    """Decode sRGB values 0..255 into linear light in [0, 1] (the sRGB transfer curve).

    Stored pixel values are gamma-encoded: value 128 is not half the light of 255.
    Light adds up (and averages) linearly only after this decoding.

    Parameters
    ----------
    image : array of any shape with values in 0..255 (typically uint8)

    Returns
    -------
    float64 array of the same shape, linear light in [0, 1]

    Examples
    --------
    >>> srgb_to_linear(np.array([0, 128, 255], dtype=np.uint8)).round(3)
    array([0.   , 0.216, 1.   ])
    """
    array = _validate.image("image", image, ndim=range(0, 6))
    v = array.astype(np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Encode linear light in [0, 1] as sRGB values on the 0..255 scale (not rounded).

    The inverse of :func:`srgb_to_linear`; round and convert to ``uint8`` to store it.

    Parameters
    ----------
    linear : array of any shape with values in [0, 1]

    Returns
    -------
    float64 array of the same shape, values in 0..255

    Examples
    --------
    >>> linear_to_srgb(np.array([0.0, 0.5, 1.0])).round(1)
    array([  0. , 187.5, 255. ])
    """
    v = np.clip(_validate.image("linear", linear, ndim=range(0, 6)).astype(np.float64), 0.0, 1.0)
    encoded = np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)
    return encoded * 255.0


def downscale_2x(image: np.ndarray, linear: bool = True) -> np.ndarray:
    """Halve an 8-bit sRGB image by averaging each 2 x 2 block of pixels.

    With ``linear=True`` the block average is taken of the light (decode with
    :func:`srgb_to_linear`, average, encode with :func:`linear_to_srgb`); with
    ``linear=False`` of the stored numbers, as most resizing code does. An odd
    last row or column has no partner and is dropped. The result is rounded to
    the nearest integer.

    Parameters
    ----------
    image : uint8 array of shape (H, W, C), H and W at least 2
    linear : bool
        Average light (True) or stored values (False).

    Returns
    -------
    uint8 array of shape (H // 2, W // 2, C)

    Examples
    --------
    A block of black and white pixels is, in light, half as bright as white:

    >>> block = np.array([[[0], [255]], [[255], [0]]], dtype=np.uint8)
    >>> int(downscale_2x(block)[0, 0, 0]), int(downscale_2x(block, linear=False)[0, 0, 0])
    (188, 128)
    """
    array = _validate.image("image", image, ndim=(3,))
    if array.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (0..255); got {array.dtype}")
    height, width, channels = array.shape
    if height < 2 or width < 2:
        raise ValueError(f"image must be at least 2 x 2 pixels; got {height} x {width}")
    h, w = height // 2, width // 2
    blocks = array[: 2 * h, : 2 * w].reshape(h, 2, w, 2, channels)
    if linear:
        mean = linear_to_srgb(srgb_to_linear(blocks).mean(axis=(1, 3)))
    else:
        mean = blocks.astype(np.float64).mean(axis=(1, 3))
    return np.round(mean).astype(np.uint8)


def roundtrip(image: np.ndarray, format: str = "PNG", quality: int = 90) -> tuple[np.ndarray, int]:
    """Encode an 8-bit image as a file in memory and decode it again.

    Parameters
    ----------
    image : uint8 array of shape (H, W), (H, W, 1) or (H, W, 3)
    format : {"PNG", "JPEG", "WEBP"}
        PNG is lossless; JPEG and WEBP are lossy, controlled by ``quality``.
    quality : int, 1..100
        Lossy quality (ignored for PNG).

    Returns
    -------
    decoded : uint8 array of the input's shape
    n_bytes : int, the size of the encoded file

    Examples
    --------
    >>> decoded, n_bytes = roundtrip(np.zeros((8, 8, 3), np.uint8), "PNG")
    >>> bool((decoded == 0).all())
    True
    """
    import io

    from PIL import Image

    array = _validate.image("image", image, channels=(1, 3), ndim=(2, 3))
    if array.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (0..255) to be saved as a file; got {array.dtype}")
    format = _validate.one_of("format", str(format).upper(), ("PNG", "JPEG", "WEBP"))
    quality = _validate.integer("quality", quality, minimum=1)
    if quality > 100:
        raise ValueError(f"quality must be between 1 and 100; got {quality}")
    squeeze = array.ndim == 3 and array.shape[-1] == 1
    buffer = io.BytesIO()
    Image.fromarray(array[..., 0] if squeeze else array).save(
        buffer, format=format, quality=quality
    )
    n_bytes = buffer.tell()
    buffer.seek(0)
    decoded = np.asarray(Image.open(buffer).convert("L" if array.ndim == 2 or squeeze else "RGB"))
    return (decoded[..., None] if squeeze else decoded), n_bytes
