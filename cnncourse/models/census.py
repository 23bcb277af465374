"""The famous architectures, counted: their parameters and depth, from built models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import keras
from keras import layers as kl

from .. import _validate
from .historic import alexnet, googlenet, lenet5

__all__ = ["FAMOUS_NAMES", "count_without_weights", "famous_architectures", "weight_layers"]


def weight_layers(model: keras.Model) -> int:
    """Number of layers with weights that transform the data: convolutions and dense.

    Counts every ``Conv1D/2D/3D``, transposed, depthwise and separable convolution and
    every ``Dense`` layer, inside nested models too (normalisation layers are not
    counted). This counts ResNet50's 4 projection shortcuts (54 in all), which the
    name "50" leaves out.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    int

    Examples
    --------
    >>> weight_layers(lenet5())
    5
    """
    kinds = (
        kl.Dense,
        kl.Conv1D,
        kl.Conv2D,
        kl.Conv3D,
        kl.Conv1DTranspose,
        kl.Conv2DTranspose,
        kl.Conv3DTranspose,
        kl.DepthwiseConv1D,
        kl.DepthwiseConv2D,
        kl.SeparableConv1D,
        kl.SeparableConv2D,
    )
    count = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            count += weight_layers(layer)
        elif isinstance(layer, kinds):
            count += 1
    return count


def _applications(name: str) -> Callable[[], keras.Model]:
    def build() -> keras.Model:
        return getattr(keras.applications, name)(weights=None)

    return build


# name -> (builder, where it comes from, year, key idea)
_FAMOUS: dict[str, tuple[Callable[[], keras.Model], str, int, str]] = {
    "LeNet-5": (
        lenet5,
        "cnncourse.models.lenet5",
        1998,
        "convolution + subsampling stacks trained end to end by backpropagation",
    ),
    "AlexNet": (
        alexnet,
        "cnncourse.models.alexnet",
        2012,
        "a deep CNN on GPUs with ReLU, dropout and data augmentation wins ImageNet",
    ),
    "VGG16": (
        _applications("VGG16"),
        "keras.applications.VGG16",
        2014,
        "depth from uniform stacks of 3x3 convolutions",
    ),
    "GoogLeNet": (
        googlenet,
        "cnncourse.models.googlenet",
        2014,
        "inception modules: parallel 1x1/3x3/5x5/pool branches, 1x1 reductions",
    ),
    "InceptionV3": (
        _applications("InceptionV3"),
        "keras.applications.InceptionV3",
        2015,
        "factorised convolutions (1xn then nx1) and batch normalisation in inception",
    ),
    "ResNet50": (
        _applications("ResNet50"),
        "keras.applications.ResNet50",
        2015,
        "residual (skip) connections: layers learn F(x) and add x",
    ),
    "DenseNet121": (
        _applications("DenseNet121"),
        "keras.applications.DenseNet121",
        2016,
        "dense connectivity: each layer gets the concatenated maps of all before it",
    ),
    "MobileNetV2": (
        _applications("MobileNetV2"),
        "keras.applications.MobileNetV2",
        2018,
        "inverted residuals: 1x1 expand, depthwise 3x3, linear 1x1 projection",
    ),
    "EfficientNetB0": (
        _applications("EfficientNetB0"),
        "keras.applications.EfficientNetB0",
        2019,
        "compound scaling of depth, width and resolution; mobile inverted bottlenecks",
    ),
}

#: Names accepted by :func:`famous_architectures`, oldest first.
FAMOUS_NAMES: tuple[str, ...] = tuple(_FAMOUS)

_FAMOUS_CACHE: dict[str, dict[str, Any]] = {}


def _count_now(build: Callable[[], keras.Model]) -> tuple[int, int]:
    with keras.StatelessScope(initialize_variables=False):
        model = build()
    return int(model.count_params()), weight_layers(model)


def count_without_weights(build: Callable[[], keras.Model]) -> tuple[int, int]:
    """(parameters, weight layers) of the model ``build()`` returns, without filling its weights.

    Inside a ``keras.StatelessScope(initialize_variables=False)`` Keras only records each
    variable's shape and initializer, which makes VGG16 (138M parameters) take 0.05 s
    instead of 5 s. But it also puts the variables on a to-do list that the next
    ``StatelessScope`` to close (Keras opens them itself, e.g. to build a functional
    model) would work through, filling in all 138M weights after all. Keras has no public
    call to drop them from that list (``keras.backend.clear_session()`` would, but it also
    forgets the random seed, the dtype policy and the layer names of the whole session),
    so the model is built in a thread of its own: Keras keeps that state per thread, and
    the to-do list goes away with the thread.

    Parameters
    ----------
    build : callable
        Takes no argument, returns a ``keras.Model`` (``lambda: vgg16()``,
        ``lambda: keras.applications.ResNet50(weights=None)``...).

    Returns
    -------
    (int, int)
        ``model.count_params()`` and :func:`weight_layers`.

    Examples
    --------
    >>> count_without_weights(lenet5)
    (61706, 5)
    """
    if not callable(build):
        raise ValueError(
            f"build must be a function that returns a keras.Model; got {_validate.short(build)}"
        )
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnncourse-count") as pool:
        return pool.submit(_count_now, build).result()


def famous_architectures(include: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The famous CNNs side by side, with parameters and depth counted from built models.

    Builds each model (``keras.applications`` with ``weights=None``: no download; the
    others from :mod:`cnncourse.models`) without filling in its weights, so all of them take a few
    seconds together; results are cached for the session.

    Parameters
    ----------
    include : sequence of str, optional
        Names from :data:`FAMOUS_NAMES` (default: all of them, oldest first).

    Returns
    -------
    list of dict
        One per model, oldest first, with the keys ``name``, ``year``, ``depth`` (the
        number of convolution and dense layers, see :func:`weight_layers`), ``params``
        (all parameters, as ``model.count_params()``: trainable plus batch-norm
        statistics), ``key_idea`` and ``source`` (where the builder lives). For 1000
        classes and the default input sizes.

    Examples
    --------
    >>> [(row["name"], row["params"]) for row in famous_architectures(["LeNet-5", "VGG16"])]
    [('LeNet-5', 61706), ('VGG16', 138357544)]
    """
    if include is None:
        names = list(FAMOUS_NAMES)
    else:
        if isinstance(include, str) or not isinstance(include, Sequence):
            raise ValueError(
                f"include must be a list of names; got {_validate.short(include)} "
                f"(allowed names: {', '.join(FAMOUS_NAMES)})"
            )
        for i, name in enumerate(include):
            _validate.one_of(f"include[{i}]", name, FAMOUS_NAMES)
        names = [n for n in FAMOUS_NAMES if n in include]
    rows = []
    for name in names:
        if name not in _FAMOUS_CACHE:
            build, source, year, idea = _FAMOUS[name]
            params, depth = count_without_weights(build)
            _FAMOUS_CACHE[name] = {
                "name": name,
                "year": year,
                "depth": depth,
                "params": params,
                "key_idea": idea,
                "source": source,
            }
        rows.append(dict(_FAMOUS_CACHE[name]))
    return rows
