"""MobileNetV2 with its ImageNet weights, the real thing, when a network is there: the
weights and the class names are a one-time download into Keras's cache; without a network,
:class:`WeightsUnavailableError` comes within seconds, in one line, instead of a hang."""

from __future__ import annotations

import json
import os
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from .. import _validate, train

__all__ = [
    "IMAGENET_CLASS_INDEX",
    "MOBILENET_V2_WEIGHTS",
    "WeightsUnavailableError",
    "imagenet_labels",
    "mobilenet_v2_imagenet",
    "top_classes",
]


#: The file of MobileNetV2's ImageNet weights (1.0, 224 x 224, with the classifier) that
#: ``keras.applications.MobileNetV2(weights="imagenet")`` loads, from Keras's cache
#: (``~/.keras/models``, or ``$KERAS_HOME/models``), downloading it once if needed.
MOBILENET_V2_WEIGHTS = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"
_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
    + MOBILENET_V2_WEIGHTS
)

#: The names of the 1,000 ImageNet classes, as ``keras.applications`` caches them.
IMAGENET_CLASS_INDEX = "imagenet_class_index.json"
_CLASS_INDEX_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/" + IMAGENET_CLASS_INDEX
)
_CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"


class WeightsUnavailableError(RuntimeError):
    """Pre-trained weights are neither in Keras's cache nor downloadable now.

    Its message is one line that says so; the error that stopped the download, if any,
    is its ``__cause__``.

    Examples
    --------
    >>> try:  # doctest: +SKIP
    ...     model = mobilenet_v2_imagenet()
    ... except WeightsUnavailableError as error:
    ...     print(error)  # offline: one line, and the lesson goes on
    """


def _models_dirs() -> list[Path]:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` (default ``~/.keras``),
    and ``/tmp/.keras/models`` where the home folder is not writable."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [Path(home) / "models", Path("/tmp/.keras/models")]


def _cached(fname: str) -> Path | None:
    return next((d / fname for d in _models_dirs() if (d / fname).is_file()), None)


def _unreachable(url: str, timeout: float) -> str | None:
    """None if a TCP connection to ``url``'s host (or the HTTPS proxy) opens within
    ``timeout`` seconds; else why not. Name resolution cannot be given a timeout, so the
    attempt runs in a thread that is abandoned if it takes longer."""
    proxy = urllib.request.getproxies().get("https")
    target = urllib.parse.urlsplit(proxy if proxy else url)
    address = (target.hostname or "", target.port or (443 if target.scheme == "https" else 80))
    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            socket.create_connection(address, timeout=timeout).close()
            outcome.append(None)
        except OSError as error:
            outcome.append(f"{type(error).__name__}: {error}")

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        return f"no answer from {address[0]} within {timeout:g} s"
    return outcome[0]


def _fetch(fname: str, url: str, what: str, timeout: float, md5: str | None = None) -> Path:
    """The cached file ``fname``, downloaded by Keras first if needed and possible."""
    found = _cached(fname)
    if found is not None:
        return found
    where = _models_dirs()[0]
    why = _unreachable(url, timeout)
    if why is None:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout)  # a stalled download fails instead of hanging
        try:
            return Path(
                keras.utils.get_file(
                    fname, url, cache_dir=str(where.parent), cache_subdir="models", file_hash=md5
                )
            )
        except Exception as error:  # noqa: BLE001 - every way a download fails
            why = f"{type(error).__name__}: {error}"
            cause: BaseException | None = error
        finally:
            socket.setdefaulttimeout(previous)
    else:
        cause = None
    message = (
        f"{what} are not available: they are not in {where} and cannot be downloaded now "
        f"({why}); with a network, the first call downloads them there once."
    )
    raise WeightsUnavailableError(" ".join(message.split())) from cause


def _timeout(timeout: Any) -> float:
    timeout = _validate.number("timeout", timeout, low=0.0)
    if timeout <= 0:
        raise ValueError(f"timeout must be > 0 seconds; got {timeout}")
    return timeout


def mobilenet_v2_imagenet(timeout: float = 5.0) -> keras.Model:
    """MobileNetV2 with its ImageNet weights: ``keras.applications.MobileNetV2(weights=...)``.

    ``keras.applications.MobileNetV2(weights="imagenet")`` downloads the weights into
    Keras's cache on first use and reads them from there afterwards. This does the same in
    two steps, so that without a network it fails fast and clearly: the file is looked
    for in the cache; if it is missing, the download server (or your HTTPS proxy) must
    answer within ``timeout`` seconds, and every read of the download has that timeout too.

    Parameters
    ----------
    timeout : float, default=5.0
        Seconds to wait for the network, per attempt.

    Returns
    -------
    keras.Model
        224 x 224 x 3 images (``keras.applications.mobilenet_v2.preprocess_input``: values
        in [-1, 1]) to 1,000 ImageNet class probabilities.

    Raises
    ------
    WeightsUnavailableError
        Offline, with the weights not in the cache (a one-line message).

    Examples
    --------
    >>> try:
    ...     model = mobilenet_v2_imagenet(timeout=2.0)
    ... except WeightsUnavailableError as error:
    ...     model = None
    ...     print("offline:", str(error).count("\\n") == 0)  # doctest: +SKIP
    """
    timeout = _timeout(timeout)
    path = _fetch(MOBILENET_V2_WEIGHTS, _WEIGHTS_URL, "MobileNetV2's ImageNet weights", timeout)
    return keras.applications.MobileNetV2(weights=str(path))


def imagenet_labels(timeout: float = 5.0) -> list[str]:
    """The names of the 1,000 ImageNet classes, in the order of a classifier's outputs.

    Read from Keras's cache (``imagenet_class_index.json``, which
    ``keras.applications.imagenet_utils.decode_predictions`` downloads); downloaded like
    :func:`mobilenet_v2_imagenet` if missing.

    Raises
    ------
    WeightsUnavailableError
        Offline, with the file not in the cache.

    Examples
    --------
    >>> labels = imagenet_labels()  # doctest: +SKIP
    >>> len(labels), labels[281]  # doctest: +SKIP
    (1000, 'tabby')
    """
    timeout = _timeout(timeout)
    what = "The ImageNet class names"
    path = _fetch(IMAGENET_CLASS_INDEX, _CLASS_INDEX_URL, what, timeout, md5=_CLASS_INDEX_MD5)
    index = json.loads(path.read_text(encoding="utf-8"))
    return [index[str(i)][1] for i in range(len(index))]


def top_classes(
    model: keras.Model, image: Any, labels: Sequence[str], top: int = 3
) -> list[tuple[str, float]]:
    """The ``top`` most probable classes of one photo for an ImageNet classifier.

    The photo (``(H, W, 3)``, values 0..255) is resized to the model's input size and
    scaled to [-1, 1] as MobileNetV2 expects
    (``keras.applications.mobilenet_v2.preprocess_input``).

    Returns
    -------
    list of (str, float)
        ``(class name, probability)``, most probable first.

    Examples
    --------
    >>> model = keras.applications.MobileNetV2(weights=None, alpha=0.35,
    ...                                        input_shape=(96, 96, 3), classes=4)
    >>> names = ["a", "b", "c", "d"]
    >>> found = top_classes(model, np.zeros((120, 80, 3), "uint8"), names, top=2)
    >>> len(found), found[0][1] >= found[1][1]
    (2, True)
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model; got {_validate.short(model)}")
    image = _validate.image("image", image, channels=(3,))
    labels = list(labels)
    n_outputs = int(model.output_shape[-1])
    if len(labels) != n_outputs:
        raise ValueError(
            f"labels must name the model's {n_outputs} outputs; got {len(labels)} names"
        )
    top = _validate.integer("top", top, minimum=1)
    if top > n_outputs:
        raise ValueError(f"top must be between 1 and {n_outputs}; got {top}")
    height, width = (int(d) for d in model.input_shape[1:3])
    x = keras.ops.image.resize(image[None].astype("float32"), (height, width))
    x = keras.applications.mobilenet_v2.preprocess_input(keras.ops.convert_to_numpy(x))
    probabilities = train.predict(model, x)[0]
    order = np.argsort(probabilities)[::-1][:top]
    return [(labels[i], float(probabilities[i])) for i in order]
