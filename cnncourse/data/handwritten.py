"""scikit-learn's real handwritten digits, split like ``keras.datasets``."""

from __future__ import annotations

import numpy as np

from .._validate import integer, number, one_of

__all__ = ["Split", "digits"]

#: ``(x_train, y_train), (x_test, y_test)``, the layout of ``keras.datasets``.
Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_N_DIGITS = 1797  # images in sklearn.datasets.load_digits
_N_DIGIT_CLASSES = 10


def digits(
    size: int = 8,
    test_size: float = 0.25,
    scale: bool = True,
    seed: int = 0,
    channels: bool = True,
) -> Split:
    """Real handwritten digits (scikit-learn's 8x8 digits), split like Keras.

    The 1,797 images of ``sklearn.datasets.load_digits`` (values 0..16),
    optionally resized, and split into a stratified, reproducible train and
    test part. An offline stand-in for MNIST: ``digits(size=28)``.

    Parameters
    ----------
    size : int, default=8
        Side of the returned images in pixels (>= 4). Other than 8, all images
        are resized with bilinear interpolation (anti-aliased when shrinking).
    test_size : float, default=0.25
        Fraction of the images in the test part, strictly between 0 and 1
        (both parts must keep at least one image per class).
    scale : bool, default=True
        If True, pixel values are in [0, 1]; if False, on the original 0..16
        scale. Either way the dtype is float32.
    seed : int, default=0
        Seed of the train/test split (>= 0).
    channels : bool, default=True
        If True, images have a trailing channel axis: (N, size, size, 1), ready
        for ``Conv2D``; if False, (N, size, size).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarrays
        ``x_*`` float32 images, ``y_*`` int64 labels 0..9 of shape (N,).
        With the defaults: 1,347 training and 450 test images.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = digits(size=28)
    >>> x_train.shape, x_test.shape
    ((1347, 28, 28, 1), (450, 28, 28, 1))
    """
    size = integer("size", size, minimum=4)
    test_size = number("test_size", test_size, 0.0, 1.0)
    n_test = int(np.ceil(test_size * _N_DIGITS))
    if min(n_test, _N_DIGITS - n_test) < _N_DIGIT_CLASSES:
        low = _N_DIGIT_CLASSES / _N_DIGITS
        raise ValueError(
            f"test_size must be between {low:.4f} and {1 - low:.4f} so that both parts keep "
            f"at least one image of each of the {_N_DIGIT_CLASSES} classes; got {test_size}"
        )
    one_of("scale", scale, (True, False))
    seed = integer("seed", seed, minimum=0)
    one_of("channels", channels, (True, False))

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = bunch.images.astype(np.float32)
    labels = bunch.target.astype(np.int64)
    if size != images.shape[1]:
        from skimage.transform import resize

        # One call for the whole stack: the image axis keeps its length, so
        # no pixel is ever mixed between two images.
        images = resize(
            images,
            (len(images), size, size),
            order=1,
            anti_aliasing=size < images.shape[1],
            preserve_range=True,
        ).astype(np.float32)
    np.clip(images, 0.0, 16.0, out=images)
    if scale:
        images /= np.float32(16.0)
    if channels:
        images = images[..., np.newaxis]
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_size, random_state=seed, stratify=labels
    )
    return (x_train, y_train), (x_test, y_test)
