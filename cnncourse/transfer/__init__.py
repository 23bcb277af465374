"""Transfer learning: reuse the convolutional base of a trained network on a new task.

The pieces of lesson 9, each a few lines of Keras, in three modules:

* :mod:`~cnncourse.transfer.tasks` -- :func:`digit_tasks`, the lesson's source and target
  tasks: handwritten digits 0-4 (many labels) and 5-9 (few), each image jittered;
* :mod:`~cnncourse.transfer.reuse` -- :func:`convolutional_base`, the part of a trained
  classifier that turns an image into feature maps (everything before its ``Flatten`` or
  global pooling), sharing its weights; :func:`copy_model`, an independent copy, to
  fine-tune without touching the original; :func:`freeze`, which freezes a model's layers
  but the top ``train_top`` layers with weights (batch normalisation stays frozen: in
  inference mode), and :func:`parameter_counts`; :func:`extract_features`, the base's
  output for each image as one vector (for a new head or a scikit-learn model);
  :func:`new_head`, :func:`logistic_head`, :func:`with_head`, a classifier on those vectors
  (trained by Keras, or fitted by scikit-learn's logistic regression) and the whole
  network; :func:`fit_steps`, training for a fixed number of weight updates, however few
  the labelled images;
* :mod:`~cnncourse.transfer.imagenet` -- :func:`mobilenet_v2_imagenet`,
  :func:`imagenet_labels`, :func:`top_classes`: the real thing, MobileNetV2 with its
  ImageNet weights, which need a one-time download: without a network they raise
  :class:`WeightsUnavailableError` within seconds (one line, no hang).

Only ``keras`` and ``keras.ops`` are used, so every Keras backend works. Importing this
module imports Keras.

Examples
--------
>>> import keras
>>> from cnncourse import models, transfer
>>> model = models.simple_cnn((16, 16, 1), 5, blocks=(8, 16), dense=())
>>> base = transfer.convolutional_base(model)
>>> base.output_shape
(None, 4, 4, 16)
>>> transfer.parameter_counts(transfer.freeze(base, train_top=1))
(1168, 80)
"""

from __future__ import annotations

from .imagenet import (
    IMAGENET_CLASS_INDEX,
    MOBILENET_V2_WEIGHTS,
    WeightsUnavailableError,
    imagenet_labels,
    mobilenet_v2_imagenet,
    top_classes,
)
from .reuse import (
    convolutional_base,
    copy_model,
    extract_features,
    fit_steps,
    freeze,
    layers_with_weights,
    logistic_head,
    new_head,
    parameter_counts,
    with_head,
)
from .tasks import DigitTasks, digit_tasks

__all__ = [
    "IMAGENET_CLASS_INDEX",
    "MOBILENET_V2_WEIGHTS",
    "DigitTasks",
    "WeightsUnavailableError",
    "convolutional_base",
    "copy_model",
    "digit_tasks",
    "extract_features",
    "fit_steps",
    "freeze",
    "imagenet_labels",
    "layers_with_weights",
    "logistic_head",
    "mobilenet_v2_imagenet",
    "new_head",
    "parameter_counts",
    "top_classes",
    "with_head",
]
