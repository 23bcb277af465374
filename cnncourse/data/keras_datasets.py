"""The classic Keras datasets (MNIST, Fashion-MNIST, CIFAR-10), loaded by
``keras.datasets``, that raise :class:`DatasetUnavailableError` when offline."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

from .._validate import integer
from .handwritten import Split

__all__ = ["DatasetUnavailableError", "cifar10", "fashion_mnist", "mnist"]


class DatasetUnavailableError(RuntimeError):
    """A Keras dataset is neither in the Keras cache nor downloadable now.

    Its message names the offline alternatives of :mod:`cnncourse.data`; the error
    that stopped the download is its ``__cause__``.

    Examples
    --------
    >>> issubclass(DatasetUnavailableError, RuntimeError)
    True
    >>> from cnncourse import data
    >>> try:  # doctest: +SKIP
    ...     (x_train, y_train), _ = data.mnist()
    ... except data.DatasetUnavailableError:  # offline: real digits instead
    ...     (x_train, y_train), _ = data.digits(size=28)
    """


_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}


def mnist(n_train: int | None = None, n_test: int | None = None) -> Split:
    """The MNIST handwritten digits, from ``keras.datasets.mnist.load_data()``.

    Keras reads them from its cache (``$KERAS_HOME/datasets/mnist.npz``, by default
    ``~/.keras/datasets``) if present, otherwise downloads them once.
    Offline, use ``digits(size=28)`` instead.

    Parameters
    ----------
    n_train, n_test : int or None, default=None
        Keep only the first ``n_train`` training and ``n_test`` test images
        (None keeps all: 60,000 and 10,000).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarrays
        ``x_*`` uint8 of shape (N, 28, 28), values 0..255; ``y_*`` uint8
        labels 0..9 of shape (N,).

    Raises
    ------
    DatasetUnavailableError
        If the data is not cached and cannot be downloaded.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = mnist()  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (60000, 28, 28)
    """
    return _keras_dataset("mnist", n_train, n_test)


def fashion_mnist(n_train: int | None = None, n_test: int | None = None) -> Split:
    """Fashion-MNIST, from ``keras.datasets.fashion_mnist.load_data()``.

    Keras reads it from its cache (``$KERAS_HOME/datasets/fashion-mnist/``, by
    default ``~/.keras/datasets``) if present, otherwise downloads it once.

    Parameters
    ----------
    n_train, n_test : int or None, default=None
        Keep only the first ``n_train`` training and ``n_test`` test images
        (None keeps all: 60,000 and 10,000).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarrays
        ``x_*`` uint8 of shape (N, 28, 28), values 0..255; ``y_*`` uint8
        labels 0..9 of shape (N,).

    Raises
    ------
    DatasetUnavailableError
        If the data is not cached and cannot be downloaded.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist()  # doctest: +SKIP
    >>> y_train.shape  # doctest: +SKIP
    (60000,)
    """
    return _keras_dataset("fashion_mnist", n_train, n_test)


def cifar10(n_train: int | None = None, n_test: int | None = None) -> Split:
    """CIFAR-10, from ``keras.datasets.cifar10.load_data()`` (channels last).

    Keras reads it from its cache (``$KERAS_HOME/datasets/``, by default
    ``~/.keras/datasets``) if present, otherwise downloads it once.

    Parameters
    ----------
    n_train, n_test : int or None, default=None
        Keep only the first ``n_train`` training and ``n_test`` test images
        (None keeps all: 50,000 and 10,000).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarrays
        ``x_*`` uint8 of shape (N, 32, 32, 3), values 0..255; ``y_*`` uint8
        labels 0..9 of shape **(N, 1)**, as Keras returns them (use
        ``y.ravel()`` for shape (N,)).

    Raises
    ------
    DatasetUnavailableError
        If the data is not cached and cannot be downloaded.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = cifar10()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
    """
    return _keras_dataset("cifar10", n_train, n_test)


def _keras_dataset(name: str, n_train: int | None, n_test: int | None) -> Split:
    """``keras.datasets.<name>.load_data()``, cut to ``n_train`` and ``n_test`` images."""
    if n_train is not None:
        n_train = integer("n_train", n_train, minimum=0)
    if n_test is not None:
        n_test = integer("n_test", n_test, minimum=0)
    import keras  # heavy: imported only when a dataset is asked for

    datasets = {
        "mnist": keras.datasets.mnist,
        "fashion_mnist": keras.datasets.fashion_mnist,
        "cifar10": keras.datasets.cifar10,
    }
    try:
        (x_train, y_train), (x_test, y_test) = datasets[name].load_data()
    except Exception as error:
        if not _is_download_failure(error):
            raise
        raise DatasetUnavailableError(_unavailable_message(name, error)) from error
    return (x_train[:n_train], y_train[:n_train]), (x_test[:n_test], y_test[:n_test])


def _is_download_failure(error: Exception) -> bool:
    """Whether ``error`` is how ``keras.utils.get_file`` fails without a network.

    ``get_file`` turns ``urllib.error.URLError`` (no network, no name resolution) and
    ``HTTPError`` into a plain ``Exception("URL fetch failure on ...")``; other network
    and disk failures come through as ``OSError`` (timeouts, refused or reset
    connections, an unwritable cache) or ``http.client.HTTPException`` (a cut-off
    download). Anything else, such as Keras's ``ValueError`` for a corrupted file, is
    not about being offline and is left alone.
    """
    return type(error) is Exception or isinstance(error, (OSError, http.client.HTTPException))


def _cache_dir() -> Path:
    """The ``datasets`` folder where Keras keeps downloads (``$KERAS_HOME`` or ``~/.keras``)."""
    home = os.environ.get("KERAS_HOME", "~/.keras")
    return Path(home).expanduser() / "datasets"


def _unavailable_message(name: str, error: BaseException) -> str:
    title = _TITLES[name]
    return (
        f"The {title} dataset is not available: it needs a one-time download from the "
        f"internet, and none was possible ({type(error).__name__}: {error}). Once downloaded, "
        f"Keras keeps it under {_cache_dir()} (set KERAS_HOME to choose another folder). "
        "Offline alternatives in this package: cnncourse.data.digits(size=28) for real "
        "handwritten digits instead of MNIST, cnncourse.data.shapes(...) for a synthetic "
        "colour image task (with masks and boxes), and cnncourse.data.sample_image(...) "
        "for photos."
    )
