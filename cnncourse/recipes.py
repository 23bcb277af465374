"""How the lessons train their models: the data, model and training settings of each
recipe, tuned and timed once (``benchmarks/``) and passed on as they are.

A recipe is a plain dict; its parts go to :mod:`cnncourse.data`, to a builder of
:mod:`cnncourse.models` and to :func:`cnncourse.train.fit`. The losses of the structured
outputs come from :mod:`cnncourse.detection` and :mod:`cnncourse.train`, so this module sits
above them.

Examples
--------
>>> from cnncourse import recipes
>>> sorted(recipes.DIGITS_RECIPE)
['augment', 'data', 'fit']
>>> recipes.SEGMENTATION_RECIPE["fit"]["schedule"]
'cosine'
"""

from __future__ import annotations

from typing import Any

from .detection import BoxIoULoss, GridDetectionLoss
from .train import PixelCrossentropy

__all__ = ["BOX_RECIPE", "DETECTOR_RECIPE", "DIGITS_RECIPE", "SEGMENTATION_RECIPE"]


# ---------------------------------------------------------------------------
# lesson 5: the digits CNN
# ---------------------------------------------------------------------------

#: How the lesson (and ``benchmarks/digits_cnn.py``) trains
#: :func:`cnncourse.models.digits_cnn`: the data, the augmentation (outside the model) and
#: the training settings, to pass on as they are::
#:
#:     r = DIGITS_RECIPE
#:     (x_train, y_train), (x_test, y_test) = data.digits(**r["data"])
#:     batches = data.AugmentedBatches(x_train, y_train, r["fit"]["batch_size"],
#:                                     **r["augment"])
#:     model = models.digits_cnn()
#:     train.fit(model, batches, **r["fit"])
#:
#: Adam with a cosine learning-rate decay from 0.002 to 0 over 15 epochs of batches of 32,
#: on images shifted by up to 10% and turned by up to 3% of a full turn afresh every epoch,
#: reaches about 99% test accuracy (450 test images; at least 98.5% for every seed
#: tried) in 10-20 s of training on a 2-core CPU, on each of TensorFlow, JAX and
#: PyTorch (see ``benchmarks/digits_cnn.py``). The augmentation stays out of the model
#: (:func:`cnncourse.data.shift_and_rotate`, in NumPy): with Keras's random layers
#: inside, JAX could not compile the training step (several times slower).
DIGITS_RECIPE: dict[str, dict[str, Any]] = {
    "data": {"size": 16},
    "augment": {"shift": 0.1, "rotation": 0.03},
    "fit": {
        "epochs": 15,
        "batch_size": 32,
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "schedule": "cosine",
    },
}


# ---------------------------------------------------------------------------
# lessons 10 and 11: structured outputs
# ---------------------------------------------------------------------------

#: How the lesson (and ``benchmarks/structured_outputs.py``) trains
#: :func:`cnncourse.models.unet` for semantic segmentation of ``data.shapes``: 4 classes
#: per pixel (background, circle, square, triangle)::
#:
#:     r = SEGMENTATION_RECIPE
#:     train_set = data.shapes(r["n_train"], **r["data"], seed=0)
#:     test_set = data.shapes(500, **r["data"], seed=1)
#:     model = models.unet(train_set.images.shape[1:], r["num_classes"], **r["model"])
#:     train.fit(model, train_set.images, train_set.masks, **r["fit"])
#:     pred = train.predict(model, test_set.images).argmax(-1)
#:     metrics.mean_iou(pred, test_set.masks, r["num_classes"])
#:
#: Mean IoU over the 4 classes (background included) 0.956-0.973 on 500 held-out images
#: (0.94-0.965 over the 3 object classes alone; seeds 0-2) in 15-17 s of training (500
#: steps) on a 2-core CPU (``benchmarks/structured_outputs.py``). Batch normalisation and
#: ``center=True`` are what make it this fast: without either, 8 epochs reach a mean IoU
#: of only 0.3-0.5. Below ~400 steps the result falls off a cliff (0.58 after 320 steps)
#: rather than degrading gently: keep ``n_train * epochs / batch_size`` at 500.
SEGMENTATION_RECIPE: dict[str, Any] = {
    "data": {"size": 24},
    "n_train": 1000,
    "num_classes": 4,
    "model": {"filters": (16, 32, 64), "batch_norm": True, "center": True},
    "fit": {
        "epochs": 8,
        "batch_size": 16,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "schedule": "cosine",
        "loss": PixelCrossentropy(),  # Keras's sparse cross-entropy, per pixel, every backend
    },
}

#: How the lesson trains :func:`cnncourse.models.box_regressor` (one object per image,
#: ``data.shapes``)::
#:
#:     r = BOX_RECIPE
#:     train_set = data.shapes(r["n_train"], **r["data"], seed=0)
#:     test_set = data.shapes(500, **r["data"], seed=1)
#:     y = {"class": train_set.labels,
#:          "box": detection.encode_boxes(train_set.boxes, r["data"]["size"])}
#:     model = models.box_regressor(train_set.images.shape[1:], r["num_classes"],
#:                                  **r["model"])
#:     train.fit(model, train_set.images, y, **r["fit"])
#:     out = model(test_set.images, training=False)    # {"class": ..., "box": ...}
#:     boxes = detection.decode_boxes(out["box"], r["data"]["size"])
#:     metrics.iou(boxes, test_set.boxes).mean()
#:
#: The box loss is ``1 - GIoU`` plus 5 times the L1 error (:class:`detection.BoxIoULoss`):
#: a mean squared error alone is ~100 times smaller than the class loss and learns the
#: boxes slowly (mean IoU 0.3-0.6 in the same time in our trials). Mean box IoU
#: 0.856-0.870 on 500 held-out images (class accuracy 96-98%; seeds 0-2) in about 10 s of
#: training on a 2-core CPU. No batch normalisation here: it made no box better and the
#: training twice as slow.
BOX_RECIPE: dict[str, Any] = {
    "data": {"size": 32},
    "n_train": 3000,
    "num_classes": 3,
    "model": {"filters": (16, 32, 64), "dense": (128,), "center": True},
    "fit": {
        "epochs": 10,
        "batch_size": 32,
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "schedule": "cosine",
        "loss": {"class": "sparse_categorical_crossentropy", "box": BoxIoULoss(l1_weight=5.0)},
        "metrics": {"class": ["accuracy"], "box": ["mae"]},
    },
}

#: How the lesson trains :func:`cnncourse.models.grid_detector` on ``data.scenes`` (1 to 3
#: objects per image, 4x4 cells of 8x8 pixels)::
#:
#:     r = DETECTOR_RECIPE
#:     train_set = data.scenes(r["n_train"], **r["data"], seed=0)
#:     test_set = data.scenes(500, **r["data"], seed=1)
#:     size = r["data"]["size"]
#:     y = detection.encode_grid(train_set.boxes, train_set.labels, size, r["grid"],
#:                               r["num_classes"])
#:     model = models.grid_detector(train_set.images.shape[1:], r["num_classes"],
#:                                  grid=r["grid"], **r["model"])
#:     train.fit(model, train_set.images, y, **r["fit"])
#:     found = detection.decode_grid(train.predict(model, test_set.images), size,
#:                                   **r["decode"])
#:     metrics.average_precision(found.boxes, found.scores, found.labels,
#:                               test_set.boxes, test_set.labels)
#:
#: AP@0.5 (mean over the 3 classes) 0.855-0.910 on 500 held-out scenes (seeds 0-2; AP@0.75
#: only 0.22-0.28: the boxes are roughly right, not tight) in about 10 s of training on a
#: 2-core CPU. ``decode`` keeps every box scoring 0.05 or more, as AP wants; for drawing,
#: use a higher ``score_threshold`` such as 0.5.
DETECTOR_RECIPE: dict[str, Any] = {
    "data": {"size": 32, "max_objects": 3},
    "n_train": 2000,
    "num_classes": 3,
    "grid": 4,
    "model": {"filters": (16, 32, 64), "head": 64, "batch_norm": True, "center": True},
    "fit": {
        "epochs": 8,
        "batch_size": 32,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "schedule": "cosine",
        "loss": GridDetectionLoss(),
        "metrics": [],
    },
    "decode": {"score_threshold": 0.05, "iou_threshold": 0.5},
}
