"""Explaining a classifier's decision for one image: which regions it needs.

Two methods, each returning an array the size of the image (drawn by
:func:`cnncourse.plot.explanation`):

* :func:`occlusion_map` (Zeiler and Fergus, 2014): hide each part of the image
  with a gray patch and measure how much the class probability drops. Works on
  every Keras backend (no gradients).
* :func:`gradcam` (Selvaraju et al., 2017): weigh the last feature maps by the
  gradient of the class probability. The gradient is the backend's own automatic
  differentiation through :func:`cnncourse.autodiff.gradient`, so it too works on
  every Keras backend.

The helpers below (checking a model, a layer and an image, reading class scores)
are shared with :mod:`cnncourse.plot`, whose model figures use them. Keras is
imported only inside the functions, so importing this module stays light.

Examples
--------
>>> import keras
>>> import numpy as np
>>> from cnncourse import explain
>>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
...                           keras.layers.Dense(2, activation="softmax")])
>>> explain.occlusion_map(model, np.ones((8, 8, 1)), patch=4).shape
(8, 8)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _validate

__all__ = [
    "batch_of_one",
    "check_class_index",
    "check_model",
    "class_scores",
    "find_layer",
    "gradcam",
    "last_map_layer",
    "model_input",
    "occlusion_map",
    "output_rank",
]

# --------------------------------------------------------------------------- models and images


def check_model(model: Any) -> Any:
    """``model`` itself if it is a ``keras.Model``; else a ValueError saying what it is.

    Examples
    --------
    >>> from cnncourse import explain
    >>> explain.check_model("resnet")
    Traceback (most recent call last):
        ...
    ValueError: model must be a keras.Model; got 'resnet'
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model; got {_validate.short(model)}")
    return model


def model_input(model: Any, example: np.ndarray) -> Any:
    """The one symbolic input of a single-input model, to build a probe model from it.

    A Sequential model made without ``keras.Input`` has no inputs until it is
    called: it is called once on ``example`` (a batch) to get them.

    Examples
    --------
    >>> import keras
    >>> from cnncourse import explain
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> explain.model_input(model, np.zeros((1, 8, 8, 1))).shape
    (None, 8, 8, 1)
    """
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        model(example, training=False)  # builds a Sequential model without keras.Input
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            inputs = None
    if not inputs:
        raise ValueError(
            "model has no symbolic inputs even after being called on the image; start it "
            "with keras.Input((H, W, C)) to make it a functional or built Sequential model"
        )
    if len(inputs) != 1:
        raise ValueError(f"model must have one input; it has {len(inputs)}")
    return inputs[0]


def batch_of_one(model: Any, image: Any, name: str = "image") -> np.ndarray:
    """``image`` (H, W), (H, W, C) or (1, H, W, C) as a float32 batch (1, H, W, C).

    Checked against the model's input shape when the model knows it.

    Examples
    --------
    >>> import keras
    >>> from cnncourse import explain
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> explain.batch_of_one(model, np.zeros((8, 8))).shape
    (1, 8, 8, 1)
    """
    array = _validate.image(name, image, ndim=(2, 3, 4))
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise ValueError(
                f"{name} must be one image (H, W, C); got a batch of shape {array.shape} "
                f"(pick one, e.g. x_test[0])"
            )
        array = array[0]
    if array.ndim == 2:
        array = array[..., None]
    try:
        expected = model.input_shape
    except (AttributeError, ValueError):  # a Sequential model not built yet
        expected = None
    if isinstance(expected, tuple) and len(expected) == 4:
        wanted = tuple(expected[1:])
        if any(w is not None and w != a for w, a in zip(wanted, array.shape, strict=True)):
            raise ValueError(
                f"{name} must have the model's input shape {wanted}; got shape {array.shape}"
            )
    return array[None].astype(np.float32)


def find_layer(model: Any, layer: Any, name: str = "layer") -> Any:
    """A layer of ``model`` given by name, index or the layer itself; ``name`` is for errors.

    Examples
    --------
    >>> import keras
    >>> from cnncourse import explain
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> explain.find_layer(model, "conv").name
    'conv'
    >>> explain.find_layer(model, -1).name == model.layers[-1].name
    True
    """
    import keras

    if isinstance(layer, keras.layers.Layer):
        if layer not in model.layers:
            raise ValueError(f"{name} {layer.name!r} is not a layer of this model")
        return layer
    if isinstance(layer, str):
        names = [lay.name for lay in model.layers]
        if layer not in names:
            shown = ", ".join(repr(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
            raise ValueError(
                f"{name} must be the name of a layer of the model ({shown}); got {layer!r}"
            )
        return model.get_layer(layer)
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        n = len(model.layers)
        if not -n <= layer < n:
            raise ValueError(f"{name} must be a layer index between {-n} and {n - 1}; got {layer}")
        return model.layers[int(layer)]
    raise ValueError(
        f"{name} must be a layer name, an index or a keras layer; got {_validate.short(layer)}"
    )


def output_rank(layer: Any) -> int | None:
    """The number of axes of ``layer``'s output (4 for feature maps), None when unknown.

    Examples
    --------
    >>> import keras
    >>> from cnncourse import explain
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> [explain.output_rank(layer) for layer in model.layers]
    [4, 2, 2]
    """
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):
        return None


def last_map_layer(model: Any) -> Any:
    """The model's last layer with (H, W, C) feature maps (what Grad-CAM explains by default).

    Examples
    --------
    >>> import keras
    >>> from cnncourse import explain
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> explain.last_map_layer(model).name
    'conv'
    """
    for layer in reversed(model.layers):
        if output_rank(layer) == 4 and type(layer).__name__ != "InputLayer":
            return layer
    raise ValueError("model has no layer with (H, W, C) feature maps for Grad-CAM")


# --------------------------------------------------------------------------- class scores


def class_scores(outputs: Any, class_index: int) -> Any:
    """The probability (score) of ``class_index`` in each row of ``outputs`` (N, K).

    With one sigmoid unit (K = 1) the unit is p(class 1) and class 0 gets
    1 - p. ``outputs`` may be a NumPy array or a backend tensor.

    Examples
    --------
    >>> from cnncourse import explain
    >>> explain.class_scores(np.array([[0.2, 0.8], [0.6, 0.4]]), 1)
    array([0.8, 0.4])
    >>> explain.class_scores(np.array([[0.9]]), 0)
    array([0.1])
    """
    if outputs.shape[1] == 1:  # one sigmoid unit: p(class 1)
        return outputs[:, 0] if class_index == 1 else 1.0 - outputs[:, 0]
    return outputs[:, class_index]


def check_class_index(class_index: Any, outputs: np.ndarray) -> int:
    """``class_index`` checked against the model's outputs (None: the class predicted for the
    first image).

    Examples
    --------
    >>> from cnncourse import explain
    >>> outputs = np.array([[0.1, 0.7, 0.2]])
    >>> explain.check_class_index(None, outputs), explain.check_class_index(2, outputs)
    (1, 2)
    """
    k = max(outputs.shape[1], 2)
    if class_index is None:
        if outputs.shape[1] == 1:
            return int(outputs[0, 0] > 0.5)
        return int(np.argmax(outputs[0]))
    class_index = _validate.integer("class_index", class_index, minimum=0)
    if class_index >= k:
        raise ValueError(f"class_index must be between 0 and {k - 1}; got {class_index}")
    return class_index


# --------------------------------------------------------------------------- explanations


def occlusion_map(
    model: Any,
    image: Any,
    class_index: int | None = None,
    patch: int | None = None,
    stride: int | None = None,
    fill: float | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """How much the class probability drops when each part of the image is hidden.

    A square gray patch slides over the image (Zeiler and Fergus, 2014); every occluded
    copy is classified (in one batch with the image itself) and each pixel gets the mean drop
    ``p(class | image) - p(class | occluded image)`` over the patches that covered it.
    Large positive values: the model needs that region for this class. Works on every
    Keras backend (no gradients).

    Parameters
    ----------
    model : keras.Model
        A classifier (softmax outputs, or one sigmoid unit).
    image : array (H, W, C), (H, W) or (1, H, W, C)
    class_index : int, optional
        The class to explain (default: the predicted one).
    patch : int, optional
        Side of the patch in pixels (default: about a quarter of the image side, >= 2).
    stride : int, optional
        Step between patch positions (default: half the patch, >= 1).
    fill : float, optional
        Value of the patch (default: the image's mean, a neutral gray).
    batch_size : int, default=256
        Images per forward pass (all of them in one pass when there are fewer).

    Returns
    -------
    ndarray of shape (H, W), float64

    Examples
    --------
    >>> import keras
    >>> from cnncourse import explain
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(3, activation="softmax")])
    >>> explain.occlusion_map(model, np.random.rand(8, 8, 1)).shape
    (8, 8)
    """
    model = check_model(model)
    batch = batch_of_one(model, image)
    _, h, w, _ = batch.shape
    patch = max(2, round(min(h, w) / 4)) if patch is None else _validate.integer("patch", patch, 1)
    if patch > min(h, w):
        raise ValueError(f"patch must be at most the image side {min(h, w)}; got {patch}")
    stride = max(1, patch // 2) if stride is None else _validate.integer("stride", stride, 1)
    fill = float(batch.mean()) if fill is None else _validate.number("fill", fill)
    batch_size = _validate.integer("batch_size", batch_size, minimum=1)

    def starts(size: int) -> list[int]:
        values = list(range(0, size - patch + 1, stride))
        if values[-1] != size - patch:  # cover the last rows/columns too
            values.append(size - patch)
        return values

    positions = [(top, left) for top in starts(h) for left in starts(w)]
    occluded = np.repeat(batch, len(positions), axis=0)
    for i, (top, left) in enumerate(positions):
        occluded[i, top : top + patch, left : left + patch, :] = fill
    from . import train

    outputs = train.predict_scores(model, np.concatenate([batch, occluded]), batch_size)
    class_index = check_class_index(class_index, outputs)
    scores = class_scores(outputs, class_index)
    drops = scores[0] - scores[1:]
    total = np.zeros((h, w))
    covered = np.zeros((h, w))
    for drop, (top, left) in zip(drops, positions, strict=True):
        total[top : top + patch, left : left + patch] += drop
        covered[top : top + patch, left : left + patch] += 1
    return total / np.maximum(covered, 1)


def gradcam(
    model: Any, image: Any, class_index: int | None = None, layer: Any = None
) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017): where the last feature maps support a class.

    The gradient of the class probability with respect to the maps of ``layer`` is
    averaged over each map to weigh it; the weighted sum of the maps, through a ReLU,
    is resized to the image and scaled to 0..1. The gradient comes from
    :func:`cnncourse.autodiff.gradient` (``tf.GradientTape``, ``jax.grad`` or
    ``torch.autograd.grad``, whichever backend Keras runs on). It differentiates the
    softmax probability, not the logit, which can flatten the map of a very confident
    prediction.

    Parameters
    ----------
    model : keras.Model
    image : array (H, W, C), (H, W) or (1, H, W, C)
    class_index : int, optional
        Default: the predicted class.
    layer : str, int or keras layer, optional
        Default: the last layer with (H, W, C) outputs (usually the last convolution
        block).

    Returns
    -------
    ndarray of shape (H, W), float64, with values in [0, 1]

    Examples
    --------
    >>> import keras
    >>> from cnncourse import explain
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> heat = explain.gradcam(model, np.random.rand(8, 8, 1))
    >>> heat.shape, bool(0 <= heat.min() and heat.max() <= 1)
    ((8, 8), True)
    """
    import keras

    from . import autodiff

    model = check_model(model)
    batch = batch_of_one(model, image)
    model_in = model_input(model, batch)
    target = last_map_layer(model) if layer is None else find_layer(model, layer)
    if output_rank(target) != 4:
        raise ValueError(f"layer {target.name!r} has no (H, W, C) feature maps")
    maps_out = target.output
    # probe: image -> (maps, outputs); head: (image, maps) -> outputs, running every layer
    # but `target` (whose maps it is given), so that it is a function of the maps to
    # differentiate, whatever else (skip connections) the image feeds
    probe = keras.Model(model_in, [maps_out, model.outputs[0]])
    head = keras.Model([model_in, maps_out], model.outputs[0])
    maps, outputs = (keras.ops.convert_to_numpy(t) for t in probe(batch, training=False))
    class_index = check_class_index(class_index, np.reshape(outputs, (1, -1)))

    def score(x: Any, m: Any) -> Any:
        out = keras.ops.reshape(head([x, m], training=False), (1, -1))
        return class_scores(out, class_index)

    # the backend's own gradient (TensorFlow, JAX or PyTorch), in float32 as the model
    _, grads = autodiff.gradient(score, batch, maps.astype(np.float32))
    weights = grads.astype(np.float64).mean(axis=(1, 2), keepdims=True)
    cam = np.maximum((weights * maps).sum(axis=-1), 0.0)[0]
    from skimage.transform import resize

    cam = resize(cam, batch.shape[1:3], order=1, mode="edge", anti_aliasing=False)
    top = cam.max()
    return cam / top if top > 0 else cam
