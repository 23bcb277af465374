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
* :func:`ct_phantom` -- a synthetic head CT in Hounsfield units, a volume with a small
  bleed to find (:mod:`~cnncourse.data.medical`).
* :func:`moving_shapes` -- short grayscale video clips of a shape moving right, left,
  down or up, where no single frame tells the direction (:mod:`~cnncourse.data.video`).
* :func:`signals` -- noisy 1-D signals holding one short event (a peak, a dip or a
  wiggle) at a random time (:mod:`~cnncourse.data.sequences`).
* :func:`shift_and_rotate` -- random shifts and small rotations of a batch of images,
  in NumPy, through :func:`warp`; :func:`jitter` -- every image of a set randomly
  rotated, scaled and shifted on a larger canvas (:mod:`~cnncourse.data.augment`).
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

from .augment import jitter, shift_and_rotate, warp
from .handwritten import Split, digits
from .keras_datasets import DatasetUnavailableError, cifar10, fashion_mnist, mnist
from .medical import HOUNSFIELD, CTVolume, ct_phantom
from .multi_object import Scenes, scenes
from .photos import SAMPLE_IMAGES, sample_image
from .sequences import EVENT_LENGTH, SIGNAL_CLASSES, Signals, event_templates, signals
from .synthetic import BAR_LAYOUTS, SHAPE_CLASSES, Shapes, bars, shapes
from .video import MOTION_CLASSES, MOTION_STEPS, Clips, moving_shapes

if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers only
    from .batches import SCENE_TARGETS, AugmentedBatches, SceneBatches

__all__ = [
    "BAR_LAYOUTS",
    "CTVolume",
    "Clips",
    "EVENT_LENGTH",
    "HOUNSFIELD",
    "MOTION_CLASSES",
    "MOTION_STEPS",
    "SAMPLE_IMAGES",
    "SCENE_TARGETS",
    "SHAPE_CLASSES",
    "SIGNAL_CLASSES",
    "AugmentedBatches",
    "DatasetUnavailableError",
    "SceneBatches",
    "Scenes",
    "Shapes",
    "Signals",
    "Split",
    "bars",
    "cifar10",
    "ct_phantom",
    "digits",
    "event_templates",
    "fashion_mnist",
    "jitter",
    "mnist",
    "moving_shapes",
    "sample_image",
    "scenes",
    "shapes",
    "signals",
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
