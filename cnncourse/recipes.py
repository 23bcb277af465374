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

__all__ = [
    "BOX_RECIPE",
    "DEGRADATION_RECIPE",
    "DETECTOR_RECIPE",
    "DIGITS_RECIPE",
    "SEGMENTATION_RECIPE",
    "SIGNAL_RECIPE",
    "TRANSFER_RECIPE",
    "VIDEO_RECIPE",
]


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
# lesson 8: the degradation problem
# ---------------------------------------------------------------------------

#: How lesson 8 (and ``benchmarks/plain_vs_residual.py``) measures the degradation problem: a
#: shallow plain network, a deep plain one, and the deep one with identity shortcuts, trained
#: from the same seed on the same images::
#:
#:     r = DEGRADATION_RECIPE
#:     (x, y), _ = data.digits(**r["data"])
#:     x, y = x[: r["n_train"]], y[: r["n_train"]]
#:     for model_settings, shortcut in [(r["shallow_model"], "none"), (r["model"], "none"),
#:                                      (r["model"], "auto")]:
#:         train.set_seed(0)
#:         model = models.mini_resnet(x.shape[1:], 10, **model_settings, shortcut=shortcut)
#:         train.fit(model, x, y, **r["fit"])
#:
#: Ten blocks of two 3x3 convolutions with batch norm, 8 channels wide, on the 8x8 digits: 22
#: layers with weights (the shallow one: two blocks, 6 layers). SGD with momentum, 6 epochs of
#: batches of 64, no metric but the loss (``benchmarks/plain_vs_residual.py``, seeds 0-4):
#: on every seed the deep plain network ends with a higher training loss than the shallow
#: one, and several times the deep residual one's. Nearly all of the time is Keras building
#: the training graphs (about 9 s of CPU for each deep network on TensorFlow); the epochs
#: themselves take a fraction of a second.
DEGRADATION_RECIPE: dict[str, Any] = {
    "data": {"size": 8},
    "n_train": 1024,
    "model": {"stages": (8,), "blocks_per_stage": 10},
    "shallow_model": {"stages": (8,), "blocks_per_stage": 2},
    "fit": {
        "epochs": 6,
        "batch_size": 64,
        "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.05, "momentum": 0.9}},
        "metrics": [],
    },
}


# ---------------------------------------------------------------------------
# lesson 9: transfer learning
# ---------------------------------------------------------------------------

#: How the lesson (and ``benchmarks/transfer_curve.py``) pre-trains a CNN on the source task
#: of :func:`cnncourse.transfer.digit_tasks` (digits 0-4, many labels) and reuses its
#: convolutional base on the target task (digits 5-9, a few labels per class)::
#:
#:     r = TRANSFER_RECIPE
#:     tasks = transfer.digit_tasks(**r["data"])
#:     train.set_seed(0)
#:     source = models.simple_cnn(tasks.x_source.shape[1:], 5, **r["model"])
#:     train.fit(source, tasks.x_source, tasks.y_source, **r["pretrain"])
#:     base = transfer.convolutional_base(source)
#:     # from scratch: the same network, trained on the few labels only
#:     scratch = models.simple_cnn(tasks.x_source.shape[1:], 5, **r["model"])
#:     transfer.fit_steps(scratch, x_few, y_few, **r["scratch"])
#:     # feature extraction: the frozen base's features, logistic regression on top
#:     head = transfer.logistic_head(transfer.extract_features(base, x_few), y_few, **r["head"])
#:     # fine-tuning: from that head, the top convolution unfrozen, a lower learning rate
#:     model = transfer.freeze(transfer.with_head(transfer.copy_model(base), head),
#:                             train_top=r["fine_tune"]["train_top"])
#:     transfer.fit_steps(model, x_few, y_few, **{k: v for k, v in r["fine_tune"].items()
#:                                                if k != "train_top"})
#:
#: Pre-training takes 5 epochs of 2,700 jittered digits (a few seconds on a 2-core CPU);
#: each training on the few labels 60 to 100 steps. ``benchmarks/transfer_curve.py``
#: measures the held-out accuracy of the three against the number of labels per class, over
#: several seeds.
TRANSFER_RECIPE: dict[str, Any] = {
    "data": {"size": 16, "canvas": 20, "copies": 4, "rotation": 25.0, "zoom": (0.7, 1.05),
             "shift": 2.0, "seed": 0},  # fmt: skip
    "model": {"blocks": (16, 32), "dense": (64,), "batch_norm": True},
    "pretrain": {
        "epochs": 5,
        "batch_size": 32,
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "schedule": "cosine",
        "verbose": 0,
    },
    "scratch": {"steps": 100, "learning_rate": 2e-3},
    "head": {"C": 1.0},
    "fine_tune": {"train_top": 2, "steps": 60, "learning_rate": 1e-4},
    "per_class": (2, 5, 20, 100),
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
#: 0.842-0.857 on 500 held-out images (class accuracy 90-94%; seeds 0-2;
#: ``benchmarks/structured_outputs.py``) in about 9 s of training on a 2-core CPU with
#: TensorFlow (7 epochs: 10 gave 0.856-0.870 but kept lesson 11 over its 60 s on PyTorch).
#: No batch normalisation here: it made no box better and the training twice as slow.
BOX_RECIPE: dict[str, Any] = {
    "data": {"size": 32},
    "n_train": 3000,
    "num_classes": 3,
    "model": {"filters": (16, 32, 64), "dense": (128,), "center": True},
    "fit": {
        "epochs": 7,
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
#: AP@0.5 (mean over the 3 classes) 0.833-0.891 on 500 held-out scenes (seeds 0-2; AP@0.75
#: only 0.21-0.26: the boxes are roughly right, not tight) in about 9 s of training on a
#: 2-core CPU with TensorFlow (7 epochs; 8 gave 0.855-0.910). ``decode`` keeps every box
#: scoring 0.05 or more, as AP wants; for drawing, use a higher ``score_threshold`` such
#: as 0.5.
DETECTOR_RECIPE: dict[str, Any] = {
    "data": {"size": 32, "max_objects": 3},
    "n_train": 2000,
    "num_classes": 3,
    "grid": 4,
    "model": {"filters": (16, 32, 64), "head": 64, "batch_norm": True, "center": True},
    "fit": {
        "epochs": 7,
        "batch_size": 32,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "schedule": "cosine",
        "loss": GridDetectionLoss(),
        "metrics": [],
    },
    "decode": {"score_threshold": 0.05, "iou_threshold": 0.5},
}


# ---------------------------------------------------------------------------
# lesson 14: video and 1-D sequences
# ---------------------------------------------------------------------------

#: How lesson 14 (and ``benchmarks/video_models.py``) trains its three video classifiers on
#: ``data.moving_shapes`` (4 directions; one frame alone says nothing about the direction),
#: each with the same data and training settings::
#:
#:     r = VIDEO_RECIPE
#:     train_set = data.moving_shapes(r["n_train"], **r["data"], seed=0)
#:     test_set = data.moving_shapes(r["n_test"], **r["data"], seed=1)
#:     for name, settings in r["models"].items():      # frame_average, cnn_rnn, conv3d_net
#:         model = getattr(models, name)(train_set.clips.shape[1:], r["num_classes"],
#:                                       **settings)
#:         train.fit(model, train_set.clips, train_set.labels, **r["fit"])
#:
#: The per-frame CNN whose answers are averaged over the frames stays at chance (it cannot
#: use the order of the frames, and nothing else tells the direction): test accuracy
#: 0.216-0.244 on 500 held-out clips (chance 0.25), while the CNN + GRU reaches 0.934-0.982
#: and the 3-D convolution 1.000 (seeds 0-2, TensorFlow; ``benchmarks/video_models.py``
#: runs them on any backend), each in 10-23 s of training on a 2-core CPU shared with
#: other work (load average 8). Each clip is standardised inside the models and their
#: convolutions are batch-normalised: without either, the CNN + GRU was still near chance
#: after 4 epochs of 1,000 clips in our trials (training accuracy 0.34-0.36, batches of 32
#: or 64); with both it learns in 4 epochs of 600 clips, at a learning rate of 6e-3 (with
#: 3e-3: 0.87-0.96 on the same seeds).
VIDEO_RECIPE: dict[str, Any] = {
    "data": {"frames": 8, "size": 16, "speeds": (1, 2)},
    "n_train": 600,
    "n_test": 500,
    "num_classes": 4,
    "models": {
        "frame_average": {"filters": (8,), "features": 32},
        "cnn_rnn": {"filters": (8,), "features": 32, "units": 32, "cell": "gru"},
        "conv3d_net": {"filters": (8, 16)},
    },
    "fit": {
        "epochs": 4,
        "batch_size": 16,
        "optimizer": "adam",
        "learning_rate": 6e-3,
        "schedule": "cosine",
        "loss": "sparse_categorical_crossentropy",
    },
}

#: How lesson 14 trains :func:`cnncourse.models.conv1d_net` on ``data.signals`` (which of 3
#: events each signal holds, anywhere in it)::
#:
#:     r = SIGNAL_RECIPE
#:     train_set = data.signals(r["n_train"], **r["data"], seed=0)
#:     model = models.conv1d_net(train_set.signals.shape[1:], r["num_classes"], **r["model"])
#:     train.fit(model, train_set.signals, train_set.labels, **r["fit"])
#:
#: Test accuracy 0.948-0.966 on 500 held-out signals (seeds 0-2, TensorFlow) in a few
#: seconds of training (``benchmarks/video_models.py``).
SIGNAL_RECIPE: dict[str, Any] = {
    "data": {"length": 64},
    "n_train": 600,
    "n_test": 500,
    "num_classes": 3,
    "model": {"filters": (16, 16), "kernel_size": 5},
    "fit": {
        "epochs": 6,
        "batch_size": 32,
        "optimizer": "adam",
        "learning_rate": 1e-2,
        "schedule": "cosine",
    },
}
