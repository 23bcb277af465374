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
    "normalize",
    "rgb_to_grayscale",
    "roundtrip",
    "to_bgr",
]

#: Luminance weights (R, G, B) of the two common standards.
#: ``"bt601"`` (ITU-R BT.601) is what TensorFlow, Keras, OpenCV and Pillow use;
#: ``"bt709"`` (ITU-R BT.709, sRGB/HDTV) is what scikit-image's ``rgb2gray`` uses.
LUMA_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "bt601": (0.299, 0.587, 0.114),
    "bt709": (0.2125, 0.7154, 0.0721),
    "mean": (1 / 3, 1 / 3, 1 / 3),
}


def rgb_to_grayscale(image: np.ndarray, weights: str = "bt601") -> np.ndarray:
    """Convert RGB to grayscale as a weighted sum of the channels.

    Parameters
    ----------
    image : array of shape (H, W, 3) or (N, H, W, 3)
        Any numeric dtype; the result keeps the input's scale (0-255 stays 0-255).
    weights : {"bt601", "bt709", "mean"}
        Which luminance weights to use (see ``LUMA_WEIGHTS``).

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
