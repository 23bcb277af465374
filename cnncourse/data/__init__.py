"""Datasets for the lessons, all usable offline (except the classic Keras ones).

* :func:`sample_image` -- the photos that ship inside scikit-image
  (:mod:`~cnncourse.data.photos`).
* :func:`digits` -- scikit-learn's real handwritten digits (1,797 images), split like
  ``keras.datasets``: ``(x_train, y_train), (x_test, y_test)``
  (:mod:`~cnncourse.data.handwritten`).
* :func:`shapes` -- synthetic colour images of one circle, square or triangle, with
  labels, per-pixel masks and bounding boxes (classification, segmentation and
  detection from one generator); :func:`bars` -- a toy of vertical and horizontal bars
  (:mod:`~cnncourse.data.synthetic`).
* :func:`scenes` -- synthetic colour images of several non-overlapping circles, squares
  and triangles each, with per-pixel class and instance masks and a box and label per
  object (:mod:`~cnncourse.data.multi_object`).
* :func:`shift_and_rotate` -- random shifts and small rotations of a batch of images,
  in NumPy, through :func:`warp` (:mod:`~cnncourse.data.augment`).
* :class:`SceneBatches` -- fresh scenes batch by batch for ``model.fit``, and
  :class:`AugmentedBatches` -- a labelled set shifted and rotated afresh every epoch,
  outside the model: ``keras.utils.PyDataset`` classes (:mod:`~cnncourse.data.batches`).
* :func:`mnist`, :func:`fashion_mnist`, :func:`cifar10` -- the classic Keras datasets
  through ``keras.datasets``; without a network they raise
  :class:`DatasetUnavailableError`, whose message points to the offline alternatives
  above (:mod:`~cnncourse.data.keras_datasets`).

Heavy libraries (scikit-image, scikit-learn, Keras) are imported only when needed:
inside the functions that use them, and :mod:`~cnncourse.data.batches` (which imports
Keras) on the first use of ``SceneBatches``, ``AugmentedBatches`` or ``SCENE_TARGETS``. So ``import
cnncourse.data`` stays fast.

Examples
--------
>>> from cnncourse import data
>>> data.shapes(10, size=16).images.shape
(10, 16, 16, 3)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .augment import shift_and_rotate, warp
from .handwritten import Split, digits
from .keras_datasets import DatasetUnavailableError, cifar10, fashion_mnist, mnist
from .multi_object import Scenes, scenes
from .photos import SAMPLE_IMAGES, sample_image
from .synthetic import BAR_LAYOUTS, SHAPE_CLASSES, Shapes, bars, shapes

if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers only
    from .batches import SCENE_TARGETS, AugmentedBatches, SceneBatches

__all__ = [
    "BAR_LAYOUTS",
    "SAMPLE_IMAGES",
    "SCENE_TARGETS",
    "SHAPE_CLASSES",
    "AugmentedBatches",
    "DatasetUnavailableError",
    "SceneBatches",
    "Scenes",
    "Shapes",
    "Split",
    "bars",
    "cifar10",
    "digits",
    "fashion_mnist",
    "mnist",
    "sample_image",
    "scenes",
    "shapes",
    "shift_and_rotate",
    "warp",
]

# Names whose module imports Keras: loaded on first access.
_LAZY = {"SCENE_TARGETS": "batches", "AugmentedBatches": "batches", "SceneBatches": "batches"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
