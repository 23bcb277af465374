"""The photos that ship inside scikit-image, as uint8 (H, W, C) arrays."""

from __future__ import annotations

import numpy as np

from .._validate import one_of

__all__ = ["SAMPLE_IMAGES", "sample_image"]

#: Names accepted by :func:`sample_image`: the images stored inside the
#: scikit-image package itself (no download needed).
SAMPLE_IMAGES: tuple[str, ...] = (
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "horse",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "microaneurysms",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)


def sample_image(name: str) -> np.ndarray:
    """Load one of the photos that ship with scikit-image.

    Parameters
    ----------
    name : str
        One of :data:`SAMPLE_IMAGES`, for example ``"astronaut"`` (RGB),
        ``"chelsea"`` (a cat), ``"coffee"`` or ``"camera"`` (grayscale).

    Returns
    -------
    image : ndarray of shape (H, W, C), dtype uint8
        Always three axes: ``C`` is 3 for colour photos and 1 for grayscale
        ones. Binary images (``"horse"``) become 0/255 and an alpha channel
        (``"logo"``) is dropped. A fresh array: changing it is safe.

    Examples
    --------
    >>> sample_image("astronaut").shape
    (512, 512, 3)
    >>> sample_image("camera").shape
    (512, 512, 1)
    """
    one_of("name", name, SAMPLE_IMAGES)
    import skimage.data

    image = np.asarray(getattr(skimage.data, name)())
    if image.dtype == bool:
        image = image.astype(np.uint8) * np.uint8(255)
    elif image.dtype != np.uint8:
        from skimage.util import img_as_ubyte

        image = img_as_ubyte(image)
    if image.ndim == 2:
        image = image[..., np.newaxis]
    elif image.shape[-1] == 4:
        image = image[..., :3]
    return np.array(image, dtype=np.uint8, copy=True, order="C")
