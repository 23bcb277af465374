"""Small training helpers for the lessons: seed, fit with timing, evaluate a classifier.

::

    from cnncourse import data, models, train

    (x_train, y_train), (x_test, y_test) = data.digits(size=16)
    model = models.simple_cnn((16, 16, 1), 10)
    history = train.fit(model, x_train, y_train, epochs=10, verbose="compact")
    result = train.evaluate(model, x_test, y_test)
    print(result)                     # accuracy, loss, errors
    result.confusion                  # (10, 10) counts, rows = true class

Only ``keras`` is used (no ``tf.*``), so every Keras backend works. Importing this module
imports Keras.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from . import _validate

__all__ = [
    "VERBOSE",
    "CompactProgress",
    "Evaluation",
    "PixelCrossentropy",
    "evaluate",
    "fit",
    "predict",
    "predict_scores",
    "set_seed",
]

#: The values :func:`fit` accepts for ``verbose``.
VERBOSE = ("auto", "compact", 0, 1, 2)


def set_seed(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy and the Keras backend: the course's one seeding call.

    It is ``keras.utils.set_random_seed`` with its argument checked; every lesson (through
    ``env.setup``) and every helper of the package seeds through it.

    On JAX and PyTorch it does not import TensorFlow: ``keras.utils.set_random_seed``
    imports it whenever it is installed (to seed ``tf.data``), which costs every lesson
    about 5 s and 700 MB on a backend that never uses it. The course makes no ``tf.data``
    pipelines; if TensorFlow was imported already, it is seeded as well. (Keras then
    takes TensorFlow to be absent for the rest of the session: to use ``tf.data`` with
    JAX or PyTorch, ``import tensorflow`` before the first seeding.)

    With the same seed, building and training a model gives the same numbers again (on
    the CPU; some GPU kernels are not deterministic).

    Parameters
    ----------
    seed : int, default=0
        Any integer >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> set_seed(1); a = np.random.rand()
    >>> set_seed(1); bool(a == np.random.rand())
    True
    """
    seed = _validate.integer("seed", seed, minimum=0)
    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    # Keras asks "is TensorFlow installed?" by importing it; a None entry in sys.modules
    # makes that import fail at once, so Keras seeds Python, NumPy and its backend only.
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        keras.utils.set_random_seed(seed)
    finally:
        del sys.modules["tensorflow"]


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------


def _short_name(metric: str) -> str:
    prefix = "val_" if metric.startswith("val_") else ""
    base = metric[len(prefix) :]
    base = {
        "accuracy": "acc",
        "sparse_categorical_accuracy": "acc",
        "categorical_accuracy": "acc",
        "binary_accuracy": "acc",
    }.get(base, base)
    return prefix + base


def _log_order(key: str) -> tuple[bool, bool]:
    """Training values before validation ones, the loss first in each group."""
    is_val = key.startswith("val_")
    return is_val, key.removeprefix("val_") != "loss"


def _format_value(value: float) -> str:
    value = float(value)
    if value != 0 and (abs(value) >= 1000 or abs(value) < 0.001):
        return f"{value:.3g}"
    return f"{value:.4f}"


class CompactProgress(keras.callbacks.Callback):
    """A Keras callback that prints one short line per epoch, for notebooks.

    ``epoch  3/10  loss 0.1234  acc 0.9712  val_loss 0.1502  val_acc 0.9600  (1.2 s)``

    :func:`fit` adds it for ``verbose="compact"``; use it directly as
    ``model.fit(..., verbose=0, callbacks=[CompactProgress()])``.

    Parameters
    ----------
    print_fn : callable, default=print
        Called with each line (pass a no-op to only time the epochs).

    Attributes
    ----------
    epoch_seconds : list of float
        Wall time of each epoch (including its validation).

    Examples
    --------
    >>> progress = CompactProgress(print_fn=lambda line: None)
    >>> progress.epoch_seconds
    []
    """

    def __init__(self, print_fn: Any = print) -> None:
        super().__init__()
        self.print_fn = print_fn
        self.epoch_seconds: list[float] = []
        self._start = 0.0
        self._epochs = 0

    def on_train_begin(self, logs: Any = None) -> None:
        self._epochs = int(self.params.get("epochs") or 0)
        self.epoch_seconds = []

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        seconds = time.perf_counter() - self._start
        self.epoch_seconds.append(seconds)
        width = len(str(self._epochs)) if self._epochs else 1
        parts = [f"epoch {epoch + 1:>{width}}/{self._epochs}"]
        logs = {k: v for k, v in (logs or {}).items() if k != "learning_rate"}
        for key in sorted(logs, key=_log_order):
            parts.append(f"{_short_name(key)} {_format_value(logs[key])}")
        parts.append(f"({seconds:.1f} s)")
        self.print_fn("  ".join(parts))


def _output_activation(model: Any) -> str | None:
    """Name of the activation of the model's last layer, if it is a Dense/Activation layer."""
    try:
        last = model.layers[-1]
    except (AttributeError, IndexError):
        return None
    activation = getattr(last, "activation", None)
    if activation is None:
        return None
    name = getattr(activation, "__name__", None) or keras.activations.serialize(activation)
    return name if isinstance(name, str) else None


# ---------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="cnncourse")
class PixelCrossentropy(keras.losses.Loss):
    """Sparse categorical cross-entropy for a class per pixel, on every Keras backend.

    The same numbers as ``keras.losses.SparseCategoricalCrossentropy`` (one loss per
    pixel, averaged by Keras over the pixels and the batch), computed on the labels
    flattened to ``(-1,)`` and the probabilities to ``(-1, K)``, then reshaped back.
    Why: on the PyTorch backend Keras's own loss crashes in training for per-pixel
    labels (``RuntimeError: grad_input must be contiguous``): Keras moves the class axis
    with ``movedim`` before ``torch.nn.functional.nll_loss``, and the backward pass of
    PyTorch's 2-D ``nll_loss`` on the CPU rejects the non-contiguous gradient (a PyTorch
    bug). Flat, the loss never takes that path. ``tests/test_train.py`` checks on
    PyTorch that Keras's loss still crashes: once it no longer does, this class can go
    and the string ``"sparse_categorical_crossentropy"`` take its place.

    :func:`fit` uses it for a model whose softmax output has more axes than (N, K); the
    segmentation recipe names it.

    Parameters
    ----------
    from_logits : bool, default=False
        True when ``y_pred`` holds logits rather than probabilities.
    name : str, default="pixel_crossentropy"
    **kwargs
        Passed on to ``keras.losses.Loss`` (e.g. ``reduction``).

    Examples
    --------
    >>> y_true = np.array([[[0, 1], [2, 1]]])                 # (1, 2, 2) class masks
    >>> y_pred = np.full((1, 2, 2, 3), 1 / 3)                 # (1, 2, 2, 3) probabilities
    >>> round(float(PixelCrossentropy()(y_true, y_pred)), 4)  # ln 3
    1.0986
    """

    def __init__(
        self, from_logits: bool = False, name: str = "pixel_crossentropy", **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.from_logits = _validate.one_of("from_logits", from_logits, (True, False))

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = keras.ops.convert_to_tensor(y_pred)
        shape = keras.ops.shape(y_pred)
        losses = keras.losses.sparse_categorical_crossentropy(
            keras.ops.reshape(y_true, (-1,)),
            keras.ops.reshape(y_pred, (-1, shape[-1])),
            from_logits=self.from_logits,
        )
        return keras.ops.reshape(losses, shape[:-1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(from_logits=self.from_logits)
        return config


def _output_rank(model: Any) -> int | None:
    try:
        return len(model.outputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _default_loss(model: Any, y: Any) -> Any:
    """The usual loss for the model's output layer and the labels' layout."""
    activation = _output_activation(model)
    one_hot = y is not None and np.ndim(y) == 2 and np.shape(y)[1] > 1
    if activation == "softmax":
        if one_hot:
            return "categorical_crossentropy"
        rank = _output_rank(model)
        return PixelCrossentropy() if rank is not None and rank > 2 else (
            "sparse_categorical_crossentropy"
        )
    if activation == "sigmoid":
        return "binary_crossentropy"
    if activation == "linear":
        return "mean_squared_error"
    raise ValueError(
        "loss: the model is not compiled and its last layer has no softmax, sigmoid or "
        f"linear activation (found {activation!r}), so no default loss fits; pass loss=..., "
        "e.g. loss='sparse_categorical_crossentropy', or compile the model first"
    )


def _default_metrics(loss: Any) -> list[str]:
    text = loss if isinstance(loss, str) else type(loss).__name__
    text = text.lower()
    return ["accuracy"] if "crossentropy" in text else ["mae"]


def _is_compiled(model: Any) -> bool:
    return bool(getattr(model, "compiled", False)) and getattr(model, "optimizer", None) is not None


def _build_optimizer(model: Any) -> None:
    """Create the optimizer's variables before training, where Keras has not.

    On TensorFlow (without a distribution strategy) Keras creates them while it traces the
    first training step, and a ``tf.function`` that creates variables is traced a second
    time: for a deep model, twice the seconds before the first epoch starts. Built here
    they exist before the trace, which then happens once. Nothing else changes (they start
    at zero either way); a model that is not built yet is left to Keras.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or optimizer.built or not model.built or not model.trainable_variables:
        return
    optimizer.build(model.trainable_variables)


def fit(
    model: Any,
    x: Any,
    y: Any = None,
    validation_data: Any = None,
    epochs: int = 10,
    batch_size: int | None = 32,
    verbose: str | int = "auto",
    optimizer: Any = None,
    loss: Any = None,
    metrics: Any = None,
    learning_rate: float | None = None,
    schedule: str | None = None,
    callbacks: list[Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Train a Keras model (compiling it first if needed) and time the training.

    Compiling: a model that is already compiled is trained as it is, unless you pass
    ``optimizer``, ``loss``, ``metrics``, ``learning_rate`` or ``schedule``, which
    recompiles it with them (and starts a fresh optimizer). An uncompiled model is
    compiled with what you pass and these defaults:
    ``optimizer="adam"``; the loss that suits the output layer (softmax:
    ``sparse_categorical_crossentropy`` for integer labels (:class:`PixelCrossentropy`
    when the output has a class per pixel), ``categorical_crossentropy`` for one-hot
    ones; sigmoid: ``binary_crossentropy``; linear: mean squared error);
    ``metrics=["accuracy"]`` for a cross-entropy, ``["mae"]`` otherwise.

    Parameters
    ----------
    model : keras.Model
    x, y : arrays (or a ``keras.utils.PyDataset`` / dataset in ``x`` and ``y=None``)
    batch_size : int or None, default=32
        Ignored for a ``keras.utils.PyDataset``, which makes its own batches.
    validation_data : tuple (x_val, y_val), optional
        Evaluated after each epoch: ``val_loss``, ``val_accuracy``...
    epochs : int, default=10
    verbose : {"auto", "compact", 0, 1, 2}, default="auto"
        ``"auto"``/``1``: Keras's progress bar; ``2``: one Keras line per epoch;
        ``0``: silent; ``"compact"``: one short line per epoch such as
        ``epoch 3/10  loss 0.1200  acc 0.9700  val_loss 0.1500  val_acc 0.9600  (1.2 s)``.
    optimizer : str or keras optimizer, optional
    loss : str or keras loss, optional
    metrics : list, optional
    learning_rate : float, optional
        With a string ``optimizer`` (or the default), its (initial) learning rate;
        default: the optimizer's own (0.001 for Adam).
    schedule : {None, "cosine"}, default=None
        ``"cosine"``: the learning rate falls from ``learning_rate`` to 0 along half a
        cosine over the whole training (``keras.optimizers.schedules.CosineDecay``),
        large steps first, fine ones at the end. Counts the steps from array inputs
        and ``batch_size``, from a ``keras.utils.PyDataset``'s length, or from
        ``steps_per_epoch``.
    callbacks : list of keras callbacks, optional
    **kwargs
        Passed on to ``model.fit`` (``shuffle``, ``class_weight``,
        ``validation_split``...).

    Returns
    -------
    keras.callbacks.History
        ``history.history`` maps each metric to its list of per-epoch values, as
        usual; added: ``history.seconds`` (wall time of the whole ``fit`` call) and
        ``history.epoch_seconds`` (per epoch).

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    >>> x, y = np.random.rand(32, 4), np.random.randint(0, 3, 32)
    >>> history = fit(model, x, y, epochs=2, verbose=0)
    >>> sorted(history.history), len(history.epoch_seconds), history.seconds > 0
    (['accuracy', 'loss'], 2, True)
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model; got {_validate.short(model)}")
    epochs = _validate.integer("epochs", epochs, minimum=1)
    if batch_size is not None:
        batch_size = _validate.integer("batch_size", batch_size, minimum=1)
    _validate.one_of("verbose", verbose, VERBOSE)
    if learning_rate is not None:
        learning_rate = _validate.number("learning_rate", learning_rate)
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {learning_rate}")
    if validation_data is not None and (
        not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3)
    ):
        raise ValueError(
            "validation_data must be a tuple (x_val, y_val); "
            f"got {_validate.short(validation_data)}"
        )

    _validate.one_of("schedule", schedule, (None, "cosine"))
    asked = any(v is not None for v in (optimizer, loss, metrics, learning_rate, schedule))
    if asked or not _is_compiled(model):
        optimizer = "adam" if optimizer is None else optimizer
        if learning_rate is not None or schedule is not None:
            if not isinstance(optimizer, str):
                raise ValueError(
                    "learning_rate and schedule can only be combined with an optimizer given "
                    f"by name (e.g. 'adam'); got optimizer={_validate.short(optimizer)}: set "
                    "the learning rate on that optimizer instead"
                )
            rate: Any = learning_rate
            if schedule == "cosine":
                rate = keras.optimizers.schedules.CosineDecay(
                    learning_rate or _default_learning_rate(optimizer),
                    decay_steps=epochs * _steps_per_epoch(x, batch_size, kwargs),
                )
            config = {} if rate is None else {"learning_rate": rate}
            optimizer = keras.optimizers.get({"class_name": optimizer, "config": config})
        if loss is None:
            loss = _default_loss(model, y)
        if metrics is None:
            metrics = _default_metrics(loss)
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)

    if isinstance(x, keras.utils.PyDataset):
        batch_size = None  # the dataset makes its own batches
    _build_optimizer(model)
    callbacks = list(callbacks or [])
    timer = CompactProgress(print_fn=print if verbose == "compact" else _silent)
    callbacks.append(timer)
    keras_verbose = 0 if verbose == "compact" else verbose
    start = time.perf_counter()
    history = model.fit(
        x,
        y,
        validation_data=validation_data,
        epochs=epochs,
        batch_size=batch_size,
        verbose=keras_verbose,
        callbacks=callbacks,
        **kwargs,
    )
    history.seconds = time.perf_counter() - start
    history.epoch_seconds = list(timer.epoch_seconds)
    return history


def _default_learning_rate(optimizer: str) -> float:
    return float(keras.optimizers.get(optimizer).get_config()["learning_rate"])


def _steps_per_epoch(x: Any, batch_size: int | None, kwargs: dict[str, Any]) -> int:
    """Batches per epoch, for a learning-rate schedule over the whole training."""
    if kwargs.get("steps_per_epoch"):
        return int(kwargs["steps_per_epoch"])
    if isinstance(x, keras.utils.PyDataset):
        return len(x)  # its length counts batches, not images
    if batch_size is None or not hasattr(x, "__len__") or isinstance(x, dict):
        raise ValueError(
            "schedule='cosine' needs array inputs and a batch_size (to count the training "
            f"steps), or steps_per_epoch=...; got x={_validate.short(x)}, "
            f"batch_size={batch_size}"
        )
    n = len(x)
    split = float(kwargs.get("validation_split") or 0.0)
    n = n - int(n * split) if split else n
    return max(1, -(-n // batch_size))


def _silent(*args: Any, **kwargs: Any) -> None:
    return None


# ---------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------


@dataclass
class Evaluation:
    """What :func:`evaluate` measured on a labelled set.

    Attributes
    ----------
    accuracy : float
        Fraction of correct predictions.
    loss : float or None
        The compiled loss on the set (None for an uncompiled model).
    predictions : ndarray of shape (N,), int64
        Predicted class of each image.
    probabilities : ndarray of shape (N, K)
        The model's outputs (for one sigmoid unit: ``[1 - p, p]``).
    confusion : ndarray of shape (K, K), int64
        ``confusion[i, j]`` = images of true class ``i`` predicted as ``j``; rows sum to
        the number of images of each class, the whole matrix to N.
    misclassified : ndarray of int64
        Indices of the wrongly predicted images.
    labels : ndarray of shape (N,), int64
        The true classes (one-hot labels turned into indices).

    Examples
    --------
    >>> e = Evaluation(0.5, None, np.array([0, 1]), np.eye(2), np.array([[1, 0], [1, 0]]),
    ...                np.array([1]), labels=np.array([0, 0]))
    >>> e.n, e.accuracy
    (2, 0.5)
    """

    accuracy: float
    loss: float | None
    predictions: np.ndarray
    probabilities: np.ndarray
    confusion: np.ndarray
    misclassified: np.ndarray
    labels: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        """Number of evaluated images."""
        return int(len(self.labels))

    def per_class_accuracy(self) -> np.ndarray:
        """Recall of each class: correct / images of that class (NaN for an absent class)."""
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.confusion) / totals

    def __str__(self) -> str:
        loss = "" if self.loss is None else f", loss {self.loss:.4f}"
        return (
            f"accuracy {self.accuracy:.2%} ({self.n - len(self.misclassified)}/{self.n} "
            f"correct{loss}), {len(self.misclassified)} misclassified"
        )


def _class_indices(name: str, y: Any, n: int) -> np.ndarray:
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] > 1:
        array = array.argmax(axis=1)
    elif array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or len(array) != n:
        raise ValueError(
            f"{name} must hold one label per image ({n}), as class indices (N,) or one-hot "
            f"(N, K); got shape {np.shape(y)}"
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(np.mod(array, 1) != 0):
        raise ValueError(f"{name} must hold class indices 0, 1, 2, ...; got {_validate.short(y)}")
    return array.astype(np.int64)


def predict(model: keras.Model, x: Any, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for ``x``, computed in chunks of ``batch_size``, as NumPy.

    Calls the model directly (``training=False``) instead of ``model.predict``:
    ``predict`` compiles a function per model, and calling it on many small models
    in one notebook makes TensorFlow warn about "retracing". Same numbers.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> predict(model, np.zeros((5, 3))).shape
    (5, 2)
    """
    batch_size = _validate.integer("batch_size", batch_size, minimum=1)
    x = np.asarray(x)
    chunks = [
        keras.ops.convert_to_numpy(model(x[i : i + batch_size], training=False))
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(chunks)


def predict_scores(model: keras.Model, x: Any, batch_size: int = 256) -> np.ndarray:
    """A classifier's outputs for ``x`` as float64 (N, K): one row of class scores per image.

    :func:`predict`, checked to be one vector per image; one sigmoid unit gives (N, 1).

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> predict_scores(model, np.zeros((5, 3))).dtype
    dtype('float64')
    """
    outputs = predict(model, x, batch_size=batch_size).astype(np.float64)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.ndim != 2:
        raise ValueError(
            f"model must output one vector of class scores per image; its outputs have shape "
            f"{outputs.shape}"
        )
    return outputs


def evaluate(model: Any, x: Any, y: Any, batch_size: int = 256) -> Evaluation:
    """Accuracy, loss, predictions, confusion matrix and errors of a classifier.

    Works for softmax outputs (N, K), one sigmoid unit (N, 1) (threshold 0.5), and
    logits (argmax). Uses NumPy only on top of :func:`predict`.

    Parameters
    ----------
    model : keras.Model
        A classifier; compiled or not (the loss needs it compiled).
    x : array (N, ...)
    y : array (N,) of class indices, or one-hot (N, K)
    batch_size : int, default=256

    Returns
    -------
    Evaluation
        ``.accuracy``, ``.loss``, ``.predictions``, ``.probabilities``,
        ``.confusion``, ``.misclassified``; ``print`` it for a summary.

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    >>> result = evaluate(model, np.random.rand(20, 4), np.random.randint(0, 3, 20))
    >>> result.confusion.shape, int(result.confusion.sum()), result.loss is None
    ((3, 3), 20, True)
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model; got {_validate.short(model)}")
    batch_size = _validate.integer("batch_size", batch_size, minimum=1)
    x = np.asarray(x)
    if x.ndim < 1 or len(x) == 0:
        raise ValueError(f"x must hold at least one example; got shape {x.shape}")
    labels = _class_indices("y", y, len(x))
    outputs = predict_scores(model, x, batch_size=batch_size)
    if outputs.shape[1] == 1:  # one sigmoid unit (or one logit)
        threshold = 0.5 if outputs.min() >= 0 and outputs.max() <= 1 else 0.0
        predictions = (outputs[:, 0] > threshold).astype(np.int64)
        probabilities = (
            np.concatenate([1 - outputs, outputs], axis=1) if threshold == 0.5 else outputs
        )
        k = 2
    else:
        predictions = outputs.argmax(axis=1).astype(np.int64)
        probabilities = outputs
        k = outputs.shape[1]
    k = max(k, int(labels.max()) + 1)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    loss = None
    if _is_compiled(model):
        scores = model.evaluate(
            x, np.asarray(y), batch_size=batch_size, verbose=0, return_dict=True
        )
        loss = float(scores["loss"])
    wrong = np.flatnonzero(predictions != labels).astype(np.int64)
    return Evaluation(
        accuracy=float(np.mean(predictions == labels)),
        loss=loss,
        predictions=predictions,
        probabilities=probabilities,
        confusion=confusion,
        misclassified=wrong,
        labels=labels,
    )
