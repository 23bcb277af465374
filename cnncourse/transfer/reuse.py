"""Reuse a trained network: cut its convolutional base, freeze it (all of it, or all but
the top), count parameters, extract features, put a new head on them, train for a fixed
number of steps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from .. import _validate, train

__all__ = [
    "convolutional_base",
    "copy_model",
    "extract_features",
    "fit_steps",
    "freeze",
    "layers_with_weights",
    "logistic_head",
    "new_head",
    "parameter_counts",
    "with_head",
]

_TO_VECTOR = (
    keras.layers.Flatten,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling2D,
)


def _check_model(name: str, model: Any) -> keras.Model:
    if not isinstance(model, keras.Model):
        raise ValueError(f"{name} must be a keras.Model; got {_validate.short(model)}")
    return model


# ---------------------------------------------------------------------------
# the base, frozen or not
# ---------------------------------------------------------------------------


def convolutional_base(model: keras.Model, last: str | None = None) -> keras.Model:
    """The convolutional base of a trained classifier: its input to its last feature maps.

    The base is a new ``keras.Model`` made of the *same* layers (it shares their weights
    with ``model``: freezing or training it changes ``model`` too; use :func:`copy_model`
    for an independent copy).

    Parameters
    ----------
    model : keras.Model
        A functional or sequential model.
    last : str, optional
        Name of the base's last layer. By default, the layer just before the first
        ``Flatten``, ``GlobalAveragePooling2D`` or ``GlobalMaxPooling2D``.

    Returns
    -------
    keras.Model
        Named ``"<model name>_base"``.

    Examples
    --------
    >>> from cnncourse import models
    >>> model = models.simple_cnn((16, 16, 1), 5, blocks=(8, 16))
    >>> [layer.name for layer in convolutional_base(model).layers]
    ['input', 'conv1', 'pool1', 'conv2', 'pool2']
    >>> convolutional_base(model, last="pool1").output_shape
    (None, 8, 8, 8)
    >>> convolutional_base(model, last="nope")
    Traceback (most recent call last):
    ...
    ValueError: last must be the name of a layer of simple_cnn (input, conv1, pool1, conv2, pool2, flatten, fc1, output); got 'nope'
    """  # noqa: E501 - a doctest line
    model = _check_model("model", model)
    names = [layer.name for layer in model.layers]
    if last is None:
        cut = next((layer for layer in model.layers if isinstance(layer, _TO_VECTOR)), None)
        if cut is None:
            raise ValueError(
                f"model {model.name} has no Flatten or global pooling layer to cut before; "
                "name the base's last layer with last=..."
            )
        output = cut.input
    else:
        if last not in names:
            raise ValueError(
                f"last must be the name of a layer of {model.name} ({', '.join(names)}); "
                f"got {_validate.short(last)}"
            )
        output = model.get_layer(last).output
    return keras.Model(model.input, output, name=f"{model.name}_base")


def copy_model(model: keras.Model) -> keras.Model:
    """An independent copy of ``model``: same architecture, same weights, same trainable flags.

    Examples
    --------
    >>> from cnncourse import models
    >>> model = models.simple_cnn((8, 8, 1), 3, blocks=(4,), dense=())
    >>> twin = copy_model(model)
    >>> twin is model, all(np.array_equal(a, b)
    ...                    for a, b in zip(twin.get_weights(), model.get_weights()))
    (False, True)
    """
    model = _check_model("model", model)
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    _copy_flags(model, twin)
    return twin


def _copy_flags(model: keras.Model, twin: keras.Model) -> None:
    twin.trainable = model.trainable
    for theirs, mine in zip(model.layers, twin.layers, strict=True):
        if isinstance(theirs, keras.Model) and theirs.trainable:
            _copy_flags(theirs, mine)  # not mine.trainable = True: that would unfreeze its layers
        else:
            mine.trainable = theirs.trainable


def layers_with_weights(model: keras.Model) -> list[Any]:
    """The layers of ``model`` that hold trainable weights, input to output, batch norm excluded.

    Nested models are walked into: a base used as one layer of a bigger model lists its
    own layers. These are what :func:`freeze` counts with ``train_top``.

    Examples
    --------
    >>> from cnncourse import models
    >>> model = models.simple_cnn((8, 8, 1), 3, blocks=(4, 8), dense=(16,), batch_norm=True)
    >>> [layer.name for layer in layers_with_weights(model)]
    ['conv1', 'conv2', 'fc1', 'output']
    """
    model = _check_model("model", model)
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found += layers_with_weights(layer)
        elif layer.weights and not isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
    return found


def freeze(model: keras.Model, train_top: int = 0) -> keras.Model:
    """Freeze ``model``'s layers, then make the top ``train_top`` layers with weights trainable.

    ``layer.trainable = False`` takes a layer's weights out of training (and out of
    ``model.trainable_weights``). Batch normalisation layers stay frozen whatever
    ``train_top`` says: a frozen ``BatchNormalization`` runs in *inference mode* in Keras
    (it normalises with its moving mean and variance and stops updating them), which is
    what fine-tuning on a few images needs. Compile the model again after freezing:
    ``compile`` (and :func:`cnncourse.train.fit`) reads the flags.

    Parameters
    ----------
    model : keras.Model
        Changed in place (nested models too) and returned.
    train_top : int, default=0
        How many of :func:`layers_with_weights` to leave trainable, counted from the output.
        0 freezes everything (feature extraction); ``len(layers_with_weights(model))``
        unfreezes all but the batch normalisation.

    Examples
    --------
    >>> from cnncourse import models
    >>> model = models.simple_cnn((8, 8, 1), 3, blocks=(4, 8), dense=())
    >>> [layer.name for layer in freeze(model, train_top=2).layers if layer.trainable_weights]
    ['conv2', 'output']
    >>> freeze(model, train_top=4)
    Traceback (most recent call last):
    ...
    ValueError: train_top must be between 0 and 3 (the layers with weights of simple_cnn); got 4
    """
    model = _check_model("model", model)
    layers = layers_with_weights(model)
    train_top = _validate.integer("train_top", train_top, minimum=0)
    if train_top > len(layers):
        raise ValueError(
            f"train_top must be between 0 and {len(layers)} (the layers with weights of "
            f"{model.name}); got {train_top}"
        )
    _set_trainable(model, False)
    for layer in layers[len(layers) - train_top :]:
        layer.trainable = True
    return model


def _set_trainable(model: keras.Model, flag: bool) -> None:
    """Every layer's flag, nested models' layers included; the containers stay trainable
    (a container whose flag is False hides the weights of every layer inside it)."""
    model.trainable = True
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            _set_trainable(layer, flag)
        else:
            layer.trainable = flag


def parameter_counts(model: keras.Model) -> tuple[int, int]:
    """``(trainable, frozen)``: the parameters training changes, and all the others.

    Frozen ones are those of frozen layers and the moving means and variances of batch
    normalisation (2 per channel), which are never trained by gradient descent.

    Examples
    --------
    >>> layer = keras.layers.BatchNormalization()
    >>> model = keras.Sequential([keras.Input((3,)), layer])
    >>> parameter_counts(model)  # gamma and beta; moving mean and variance
    (6, 6)
    """
    model = _check_model("model", model)

    def size(weights: list[Any]) -> int:
        return int(sum(math.prod(int(d) for d in w.shape) for w in weights))

    return size(model.trainable_weights), size(model.non_trainable_weights)


# ---------------------------------------------------------------------------
# features and heads
# ---------------------------------------------------------------------------


def extract_features(base: keras.Model, x: Any, batch_size: int = 256) -> np.ndarray:
    """The base's output for each image of ``x``, flattened: an ``(N, D)`` float array.

    The base runs in inference mode (``training=False``): batch normalisation uses its
    moving statistics and dropout does nothing, so an image's features do not depend on
    the other images of its batch.

    Examples
    --------
    >>> from cnncourse import models
    >>> base = convolutional_base(models.simple_cnn((8, 8, 1), 3, blocks=(4,)))
    >>> extract_features(base, np.zeros((5, 8, 8, 1), dtype="float32")).shape
    (5, 64)
    """
    base = _check_model("base", base)
    x = _validate.image_batch("x", x, ndim=(4,))
    outputs = train.predict(base, x, batch_size=batch_size)
    return outputs.reshape(len(outputs), -1)


def new_head(
    n_features: int,
    num_classes: int,
    hidden: Sequence[int] = (),
    l2: float = 0.0,
    name: str = "head",
) -> keras.Model:
    """A classifier of feature vectors: [Dense -> ReLU]* -> Dense(softmax).

    Parameters
    ----------
    n_features : int
        Length of the feature vectors (``base.output_shape`` multiplied out).
    num_classes : int
        At least 2.
    hidden : sequence of int, default=()
        Units of hidden layers (none: a linear classifier, logistic regression).
    l2 : float, default=0.0
        Weight of an L2 penalty on every kernel: ``l2 * sum(w ** 2)`` is added to the loss
        (``keras.regularizers.L2``), which keeps the weights small; with a few labelled
        images and many features, what stops the head from fitting noise.
    name : str, default="head"

    Examples
    --------
    >>> new_head(64, 5).count_params()  # 64 * 5 weights + 5 biases
    325
    """
    n_features = _validate.integer("n_features", n_features, minimum=1)
    num_classes = _validate.integer("num_classes", num_classes, minimum=2)
    hidden = [_validate.integer("hidden", units, minimum=1) for units in hidden]
    l2 = _validate.number("l2", l2, low=0.0)
    penalty = {"kernel_regularizer": keras.regularizers.L2(l2)} if l2 else {}
    inputs = keras.Input((n_features,), name="features")
    x = inputs
    for i, units in enumerate(hidden, start=1):
        x = keras.layers.Dense(units, activation="relu", name=f"head_fc{i}", **penalty)(x)
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", name="head_output", **penalty
    )(x)
    return keras.Model(inputs, outputs, name=name)


def logistic_head(
    features: Any, labels: Any, num_classes: int | None = None, C: float = 1.0
) -> keras.Model:
    """A :func:`new_head` whose weights are scikit-learn's logistic regression on ``features``.

    Multinomial logistic regression *is* a ``Dense(num_classes, softmax)`` layer on the
    feature vectors; scikit-learn fits it to convergence in milliseconds, minimising
    ``C * sum(cross-entropy) + sum(w ** 2) / 2``. Its coefficients become the head's
    kernel and its intercepts the bias, so the head predicts exactly what the logistic
    regression predicts; the head carries the same penalty, in Keras's form (mean
    cross-entropy plus ``l2 * sum(w ** 2)``, with ``l2 = 1 / (2 C N)``), so that training it
    further (fine-tuning) goes on minimising the same objective.

    Parameters
    ----------
    features : array (N, D)
    labels : array (N,) of integers 0 .. num_classes - 1, each present at least once
    num_classes : int, optional
        Default: ``labels.max() + 1``.
    C : float, default=1.0
        Inverse strength of the L2 penalty (scikit-learn's ``C``), > 0.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    >>> head = logistic_head(x, np.array([0, 1, 0, 1]))
    >>> head.output_shape, train.predict(head, x).argmax(axis=1).tolist()
    ((None, 2), [0, 1, 0, 1])
    """
    from sklearn.linear_model import LogisticRegression

    features = _validate.real_array("features", features, (2,), "(N, D)")
    labels = np.asarray(labels)
    if labels.shape != (len(features),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels must hold one integer label per row of features ({len(features)}); got "
            f"{_validate.short(labels)}"
        )
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    num_classes = _validate.integer("num_classes", num_classes, minimum=2)
    present = np.unique(labels)
    if present.tolist() != list(range(num_classes)):
        raise ValueError(
            f"labels must hold every class 0..{num_classes - 1} at least once; got "
            f"{present.tolist()}"
        )
    C = _validate.number("C", C, low=0.0)
    if C <= 0:
        raise ValueError(f"C must be > 0; got {C}")
    fitted = LogisticRegression(C=C, max_iter=2000).fit(features, labels)
    coef, intercept = fitted.coef_, fitted.intercept_
    if num_classes == 2:  # one logit z for class 1: softmax of (-z/2, z/2) is sigmoid(z)
        coef, intercept = np.concatenate([-coef, coef]) / 2, np.array([-1, 1]) * intercept / 2
    head = new_head(features.shape[1], num_classes, l2=1.0 / (2.0 * C * len(features)))
    head.get_layer("head_output").set_weights([coef.T, intercept])
    return head


def with_head(base: keras.Model, head: keras.Model, name: str = "transfer") -> keras.Model:
    """One network: image -> ``base`` -> flatten -> ``head`` (both used as they are).

    The two keep their weights and trainable flags; the new model's layers are
    ``[input, base, flatten, head]``.

    Examples
    --------
    >>> from cnncourse import models
    >>> base = convolutional_base(models.simple_cnn((8, 8, 1), 3, blocks=(4,)))
    >>> model = with_head(base, new_head(64, 2))
    >>> [layer.name for layer in model.layers], model.output_shape
    (['image', 'simple_cnn_base', 'features', 'head'], (None, 2))
    """
    base = _check_model("base", base)
    head = _check_model("head", head)
    n_features = math.prod(int(d) for d in base.output_shape[1:])
    if head.input_shape[1:] != (n_features,):
        raise ValueError(
            f"head must take the {n_features} flattened features of {base.name} "
            f"{tuple(base.output_shape[1:])}; its input shape is {head.input_shape[1:]}"
        )
    inputs = keras.Input(base.input_shape[1:], name="image")
    features = keras.layers.Flatten(name="features")(base(inputs))
    return keras.Model(inputs, head(features), name=name)


def fit_steps(
    model: keras.Model,
    x: Any,
    y: Any,
    steps: int,
    learning_rate: float,
    batch_size: int = 32,
) -> Any:
    """Train a classifier with Adam for exactly ``steps`` weight updates, however small ``x``.

    ``y`` holds integer labels; the loss is the sparse categorical cross-entropy.

    Five labelled images are one step per epoch, and every epoch costs Keras some fixed
    time: the images are repeated (in random order) to fill ``steps`` batches of
    ``batch_size``, and trained as one epoch with :func:`cnncourse.train.fit` (which
    compiles the model afresh: call this again after :func:`freeze`).

    Returns
    -------
    keras.callbacks.History

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    >>> history = fit_steps(model, np.eye(2), np.array([0, 1]), steps=3, learning_rate=0.1)
    >>> int(model.optimizer.iterations)
    3
    """
    model = _check_model("model", model)
    steps = _validate.integer("steps", steps, minimum=1)
    batch_size = _validate.integer("batch_size", batch_size, minimum=1)
    x, y = np.asarray(x), np.asarray(y)
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(
            f"x and y must hold the same number (at least 1) of examples; got {len(x)} and "
            f"{len(y)}"
        )
    order = np.concatenate(
        [np.random.permutation(len(x)) for _ in range(math.ceil(steps * batch_size / len(x)))]
    )[: steps * batch_size]
    return train.fit(
        model,
        x[order],
        y[order],
        epochs=1,
        batch_size=batch_size,
        verbose=0,
        optimizer="adam",
        learning_rate=learning_rate,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        shuffle=False,
    )
