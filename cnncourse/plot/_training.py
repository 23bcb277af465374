"""Figures of training and of what a trained CNN does: learning curves, the confusion
matrix, misclassified images, first-layer filters, feature maps of a model, activation
functions, and explanation maps (occlusion and Grad-CAM).

Keras is imported only by the functions that take a model, so ``cnncourse.plot`` stays
light. The explanation maps use ``keras`` only, except :func:`gradcam`, which needs
gradients and so the TensorFlow backend (on another backend it returns None).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import _validate
from ._conv import DIVERGING, _frame, feature_maps
from ._images import _display_range, show_image

#: Colours of the training and validation curves.
TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#e6550d"

_ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
_SMALLER_IS_BETTER = ("loss", "error", "mae", "mse", "crossentropy")


# --------------------------------------------------------------------------- helpers


def _model(model: Any) -> Any:
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model; got {_validate.short(model)}")
    return model


def _model_inputs(model: Any, example: np.ndarray) -> list[Any]:
    """``model.inputs``, calling the model once on ``example`` if it has none yet."""
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
    return list(inputs)


def _single(inputs: list[Any]) -> Any:
    """The one input tensor of a model (these figures take single-input models)."""
    if len(inputs) != 1:
        raise ValueError(f"model must have one input; it has {len(inputs)}")
    return inputs[0]


def _batch_of_one(model: Any, image: Any, name: str = "image") -> np.ndarray:
    """``image`` (H, W), (H, W, C) or (1, H, W, C) as a float32 batch (1, H, W, C)."""
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


def _predict(model: Any, batch: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's class scores for a stack of images (see :func:`cnncourse.train.predict`)."""
    from ..train import predict

    out = predict(model, batch, batch_size).astype(np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2:
        raise ValueError(
            f"model must output one vector of class scores per image; got outputs of shape "
            f"{out.shape}"
        )
    return out


def _class_scores(outputs: np.ndarray, class_index: int) -> np.ndarray:
    """Probability (score) of ``class_index`` for each row of ``outputs``."""
    if outputs.shape[1] == 1:  # one sigmoid unit: p(class 1)
        return outputs[:, 0] if class_index == 1 else 1.0 - outputs[:, 0]
    return outputs[:, class_index]


def _check_class_index(class_index: Any, outputs: np.ndarray) -> int:
    """``class_index`` checked against the model's outputs (default: the predicted class)."""
    k = max(outputs.shape[1], 2)
    if class_index is None:
        if outputs.shape[1] == 1:
            return int(outputs[0, 0] > 0.5)
        return int(np.argmax(outputs[0]))
    class_index = _validate.integer("class_index", class_index, minimum=0)
    if class_index >= k:
        raise ValueError(f"class_index must be between 0 and {k - 1}; got {class_index}")
    return class_index


def _label(labels: Sequence[str] | None, index: int) -> str:
    return str(labels[index]) if labels is not None and index < len(labels) else str(index)


def _find_layer(model: Any, layer: Any, name: str = "layer") -> Any:
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


def _output_shape(layer: Any) -> tuple | None:
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        return None


def _output_rank(layer: Any) -> int | None:
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):
        return None


_CONV_NAMES = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose")
_FOLLOWERS = ("BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU")


def _default_map_layers(model: Any) -> list[Any]:
    """Each 2-D convolution, or the BN/activation layers right after it (post-ReLU maps)."""
    chosen: list[Any] = []
    current = None
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in _CONV_NAMES and _output_rank(layer) == 4:
            if current is not None:
                chosen.append(current)
            current = layer
        elif current is not None and kind in _FOLLOWERS and _output_rank(layer) == 4:
            current = layer
        elif current is not None:
            chosen.append(current)
            current = None
    if current is not None:
        chosen.append(current)
    return chosen


# --------------------------------------------------------------------------- training curves


def _history_dict(history: Any) -> dict[str, list[float]]:
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise ValueError(
            "history must be a keras History (what model.fit returns) or a dict of "
            f"per-epoch lists; got {_validate.short(history)}"
        )
    out = {}
    for key, series in values.items():
        array = np.asarray(series, dtype=np.float64).ravel()
        out[str(key)] = array
    return out


def _metric_key(values: Mapping[str, Any], metric: str) -> str | None:
    if metric in values:
        return metric
    if metric in _ACCURACY_KEYS:
        for key in _ACCURACY_KEYS:
            if key in values:
                return key
    return None


def history(
    history: Any,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Learning curves: each metric per epoch, training (solid) against validation (dashed).

    The best validation epoch (lowest loss, highest accuracy) is marked with a dotted
    line: where the validation curve turns up while the training curve keeps going down,
    the model starts to overfit.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` (or ``train.fit``) returns, or its ``.history`` dict.
    metrics : sequence of str, optional
        Metrics to draw, one panel each (default ``("loss", "accuracy")``, leaving out
        those the history does not have). ``"accuracy"`` also finds ``"acc"`` and
        ``"sparse_categorical_accuracy"``.
    title : str, optional
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss']
    """
    values = _history_dict(history)
    lenient = metrics is None
    if lenient:
        metrics = ("loss", "accuracy")
    if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
        raise ValueError(
            f"metrics must be a non-empty list of metric names; got {_validate.short(metrics)}"
        )
    keys = []
    for metric in metrics:
        key = _metric_key(values, metric)
        if key is None and not lenient:
            available = ", ".join(repr(k) for k in values if not k.startswith("val_"))
            raise ValueError(
                f"metrics: {metric!r} is not in the history; it has {available or 'nothing'}"
            )
        if key is not None and key not in keys:
            keys.append(key)
    if not keys:
        raise ValueError(
            f"history has none of the metrics {tuple(metrics)}; it has {sorted(values)}"
        )
    fig, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys), 3.4), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        train = values[key]
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, "-o", color=TRAIN_COLOR, markersize=3, label="training")
        val = values.get(f"val_{key}")
        if val is not None and len(val):
            val_epochs = np.arange(1, len(val) + 1)
            ax.plot(val_epochs, val, "--s", color=VAL_COLOR, markersize=3, label="validation")
            lower = any(word in key for word in _SMALLER_IS_BETTER)
            best = int(np.nanargmin(val) if lower else np.nanargmax(val))
            ax.axvline(
                best + 1,
                color="#888888",
                linestyle=":",
                linewidth=1,
                label=f"best validation: {val[best]:.4g} (epoch {best + 1})",
            )
        ax.set_title("accuracy" if key in _ACCURACY_KEYS else key)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- results


def confusion_matrix(
    matrix: Any,
    labels: Sequence[str] | None = None,
    normalize: bool = False,
    ax: plt.Axes | None = None,
    cmap: str = "Blues",
    title: str | None = None,
) -> plt.Axes:
    """A confusion matrix as a heat map with the count written in every cell.

    Rows are the true classes, columns the predicted ones: the diagonal holds the
    correct predictions, every other cell a kind of mistake.

    Parameters
    ----------
    matrix : array (K, K) of counts, or an object with a ``.confusion`` array
        (what :func:`cnncourse.train.evaluate` returns).
    labels : sequence of str, optional
        Class names (default 0..K-1).
    normalize : bool, default=False
        Divide each row by its total: the cells show the fraction of each true class
        predicted as each class (the diagonal is each class's recall).
    ax : matplotlib Axes, optional
    cmap : str, default="Blues"
    title : str, optional
        Default: the number of images and the accuracy.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = confusion_matrix([[5, 1], [0, 4]], labels=["cat", "dog"])
    >>> [t.get_text() for t in ax.texts]
    ['5', '1', '0', '4']
    """
    counts = np.asarray(getattr(matrix, "confusion", matrix))
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(
            f"matrix must be a square array (K, K) of counts; got shape {counts.shape}"
        )
    if not np.issubdtype(counts.dtype, np.number) or np.any(counts < 0):
        raise ValueError(f"matrix must hold counts >= 0; got {_validate.short(counts)}")
    _validate.one_of("normalize", normalize, (True, False))
    k = counts.shape[0]
    if labels is not None and len(labels) != k:
        raise ValueError(f"labels must have one name per class ({k}); got {len(labels)}")
    if cmap not in mpl.colormaps:
        raise ValueError(f"cmap must be a matplotlib colormap name; got {cmap!r}")
    total = counts.sum()
    if normalize:
        rows = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            shown = np.where(rows > 0, counts / np.where(rows > 0, rows, 1), 0.0)
        vmax = 1.0
    else:
        shown = counts
        vmax = max(float(counts.max()), 1.0)
    if ax is None:
        side = min(max(3.2, 0.45 * k + 1.6), 10)
        _, ax = plt.subplots(figsize=(side + 0.6, side))
    image = ax.imshow(shown, cmap=cmap, vmin=0, vmax=vmax)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="fraction of row" if normalize else "images")
    if k <= 30:
        size = 9 if k <= 12 else 7
        for i in range(k):
            for j in range(k):
                value = shown[i, j]
                text = f"{value:.2f}" if normalize else f"{int(value)}"
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="white" if value > 0.55 * vmax else "black",
                )
    names = [_label(labels, i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45 if labels is not None else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is None:
        accuracy = np.trace(counts) / total if total else float("nan")
        title = f"confusion matrix: {int(total)} images, accuracy {accuracy:.1%}"
    if title:
        ax.set_title(title)
    return ax


def misclassified(
    images: Any,
    true: Any,
    pred: Any,
    n: int = 16,
    labels: Sequence[str] | None = None,
    ncols: int = 8,
) -> plt.Figure:
    """The first ``n`` images the model got wrong, each titled with its true and
    predicted class.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, C)
    true, pred : arrays (N,) of class indices
        True and predicted classes (e.g. ``y_test`` and ``result.predictions``).
    n : int, default=16
        At most this many images.
    labels : sequence of str, optional
        Class names.
    ncols : int, default=8

    Returns
    -------
    matplotlib.figure.Figure
        Its suptitle says how many of the N images are wrong.

    Examples
    --------
    >>> fig = misclassified(np.zeros((3, 8, 8)), [0, 1, 2], [0, 2, 2])
    >>> fig.axes[0].get_title()
    'true 1\\npred 2'
    """
    array = _validate.image("images", images, ndim=(3, 4))
    true = np.asarray(true).ravel()
    pred = np.asarray(pred).ravel()
    if len(true) != len(array) or len(pred) != len(array):
        raise ValueError(
            f"true and pred must have one class per image ({len(array)}); got {len(true)} "
            f"and {len(pred)}"
        )
    n = _validate.integer("n", n, minimum=1)
    ncols = _validate.integer("ncols", ncols, minimum=1)
    wrong = np.flatnonzero(true != pred)
    shown = wrong[:n]
    count = len(shown)
    if count == 0:
        fig, ax = plt.subplots(figsize=(4, 1.2))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"no misclassified images (0 of {len(array)})", ha="center")
        return fig
    cols = min(ncols, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 1.75 * rows), squeeze=False)
    low, high = _display_range(array)
    for k, ax in enumerate(axes.flat):
        if k >= count:
            ax.set_axis_off()
            continue
        i = shown[k]
        show_image(array[i], ax=ax, vmin=low, vmax=high)
        ax.set_title(
            f"true {_label(labels, int(true[i]))}\npred {_label(labels, int(pred[i]))}",
            fontsize=9,
            fontweight="normal",
            color="#b2182b",
        )
    fig.suptitle(
        f"{len(wrong)} of {len(array)} images misclassified"
        + (f" (first {count} shown)" if count < len(wrong) else ""),
        fontweight="bold",
    )
    return fig


# --------------------------------------------------------------------------- inside a model


def filters(model: Any, layer: Any = None, max_filters: int = 32, ncols: int = 8) -> plt.Figure:
    """The kernels of a convolution layer (by default the first one) as small images.

    One-channel inputs: each filter's 2-D kernel on one shared scale centred at 0
    (``"RdBu_r"``: red positive, blue negative). RGB inputs: each filter as a small
    colour image, its weights rescaled to 0..1 (each filter on its own scale). Other
    depths: each filter's kernel averaged over its input channels.

    Parameters
    ----------
    model : keras.Model
    layer : str, int or keras layer, optional
        The convolution layer (default: the model's first ``Conv2D``).
    max_filters : int, default=32
    ncols : int, default=8

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3)])
    >>> len(filters(model).axes)  # 4 filters and a colorbar
    5
    """
    import keras

    model = _model(model)
    max_filters = _validate.integer("max_filters", max_filters, minimum=1)
    ncols = _validate.integer("ncols", ncols, minimum=1)
    if layer is None:
        convs = [lay for lay in model.layers if isinstance(lay, keras.layers.Conv2D)]
        if not convs:
            raise ValueError("model has no Conv2D layer; pass layer=... to choose one")
        layer = convs[0]
    else:
        layer = _find_layer(model, layer)
    kernel = getattr(layer, "kernel", None)
    if kernel is None or len(kernel.shape) != 4:
        raise ValueError(
            f"layer must be a 2-D convolution with a kernel (F, F, C_in, K); {layer.name!r} is not"
        )
    weights = np.asarray(kernel.numpy(), dtype=np.float64)
    fh, fw, channels, count = weights.shape
    shown = min(count, max_filters)
    cols = min(ncols, shown)
    rows = -(-shown // cols)
    panel = min(1.2, 9.6 / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(panel * cols + 0.8, panel * rows + 0.5), squeeze=False
    )
    image = None
    if channels == 3:
        note = "each rescaled to 0..1, as RGB"
    elif channels == 1:
        note = "shared scale, centred at 0"
    else:
        note = f"mean over the {channels} input channels, shared scale centred at 0"
    flat = weights.mean(axis=2)  # (F, F, K): the kernel itself for one input channel
    limit = float(np.abs(flat[..., :shown]).max()) or 1.0
    for k, ax in enumerate(axes.flat):
        if k >= shown:
            ax.set_axis_off()
            continue
        if channels == 3:
            w = weights[..., k]
            span = w.max() - w.min()
            rgb = (w - w.min()) / span if span > 0 else np.full_like(w, 0.5)
            ax.imshow(rgb, interpolation="nearest")
        else:
            image = ax.imshow(
                flat[..., k], cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest"
            )
        ax.set_xticks([])
        ax.set_yticks([])
        _frame(ax, "#aaaaaa", 0.6)
        ax.set_title(f"filter {k}", fontsize=8, fontweight="normal")
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, fraction=0.04, pad=0.02)
    more = f", first {shown} shown" if shown < count else ""
    fig.suptitle(
        f"{layer.name}: {count} filters of {fh}x{fw}x{channels} ({note}{more})",
        fontweight="bold",
        fontsize=11,
    )
    return fig


def feature_maps_of(
    model: Any,
    image: Any,
    layers: Sequence[Any] | None = None,
    max_maps: int = 8,
    cmap: str = "gray",
) -> plt.Figure:
    """What a model's layers make of one image: the first feature maps of each layer.

    Rows are layers (by default each convolution, taken after its batch normalisation
    and ReLU when they follow it), columns the first ``max_maps`` maps, each on its
    own colour scale (the maps of :func:`feature_maps`, read from a model). For one
    layer the figure is :func:`feature_maps` itself, with colorbars.

    Parameters
    ----------
    model : keras.Model
        Functional, or Sequential (called once on the image if it has no inputs yet).
    image : array (H, W, C), (H, W) or (1, H, W, C)
        One image of the shape the model takes.
    layers : sequence of str, int or keras layers, optional
        The layers to show (at most 12).
    max_maps : int, default=8
    cmap : str, default="gray"

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv")])
    >>> fig = feature_maps_of(model, np.zeros((8, 8, 1)))
    >>> fig.get_suptitle()
    'conv: 2 of 2 feature maps of 6x6 for this image'
    """
    import keras

    model = _model(model)
    max_maps = _validate.integer("max_maps", max_maps, minimum=1)
    if cmap not in mpl.colormaps:
        raise ValueError(f"cmap must be a matplotlib colormap name; got {cmap!r}")
    batch = _batch_of_one(model, image)
    inputs = _model_inputs(model, batch)
    if layers is None:
        chosen = _default_map_layers(model)
        if not chosen:
            raise ValueError(
                "model has no 2-D convolution layer; pass layers=[...] to choose layers "
                "with (H, W, C) outputs"
            )
        chosen = chosen[:12]
    else:
        if isinstance(layers, (str, int, keras.layers.Layer)):
            layers = [layers]
        if not isinstance(layers, Sequence) or not 1 <= len(layers) <= 12:
            raise ValueError(
                f"layers must be a list of 1 to 12 layers; got {_validate.short(layers)}"
            )
        chosen = [_find_layer(model, lay, f"layers[{i}]") for i, lay in enumerate(layers)]
        for lay in chosen:
            if _output_rank(lay) != 4:
                raise ValueError(
                    f"layers: {lay.name!r} has no (H, W, C) feature maps (its output shape "
                    f"is {_output_shape(lay)})"
                )
    probe = keras.Model(_single(inputs), [lay.output for lay in chosen])
    outputs = probe(batch, training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    maps = [np.asarray(keras.ops.convert_to_numpy(o))[0] for o in outputs]

    if len(chosen) == 1:
        array = maps[0][..., :max_maps]
        h, w, total = maps[0].shape
        return feature_maps(
            array,
            cmap=cmap,
            suptitle=f"{chosen[0].name}: {array.shape[-1]} of {total} feature maps of "
            f"{h}x{w} for this image",
        )
    cols = min(max_maps, max(m.shape[-1] for m in maps))
    rows = len(chosen)
    panel = min(1.3, 9.0 / cols)
    fig, axes = plt.subplots(
        rows, cols + 1, figsize=(panel * (cols + 1), panel * rows + 0.6), squeeze=False
    )
    for r, (lay, m) in enumerate(zip(chosen, maps, strict=True)):
        h, w, total = m.shape
        label = axes[r, 0]
        label.set_axis_off()
        label.text(
            0.95,
            0.5,
            f"{lay.name}\n{h}x{w}x{total}",
            ha="right",
            va="center",
            fontsize=9,
            transform=label.transAxes,
        )
        for c in range(cols):
            ax = axes[r, c + 1]
            if c >= total:
                ax.set_axis_off()
                continue
            values = m[..., c]
            low, high = float(values.min()), float(values.max())
            if high <= low:
                low, high = low - 0.5, high + 0.5
            ax.imshow(values, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            _frame(ax, "#aaaaaa", 0.6)
            if r == 0:
                ax.set_title(f"map {c}", fontsize=8, fontweight="normal")
    fig.suptitle(
        "feature maps of one image, layer by layer (each map on its own scale)",
        fontweight="bold",
        fontsize=11,
    )
    return fig


# --------------------------------------------------------------------------- activations


def activations(
    x_range: tuple[float, float] = (-4.0, 4.0), negative_slope: float = 0.1
) -> plt.Figure:
    """The common activation functions, and softmax turning scores into probabilities.

    Left: ReLU, leaky ReLU, ELU, sigmoid and tanh on one axes. Right: the softmax of
    four example scores (logits), as bars beside the scores.

    Parameters
    ----------
    x_range : (float, float), default=(-4, 4)
    negative_slope : float, default=0.1
        Slope of the leaky ReLU for x < 0 (Keras's ``LeakyReLU`` default is 0.3).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = activations()
    >>> [ax.get_title() for ax in fig.axes]
    ['activation functions', 'softmax: scores to probabilities']
    """
    if not isinstance(x_range, (tuple, list)) or len(x_range) != 2:
        raise ValueError(f"x_range must be a pair (low, high); got {_validate.short(x_range)}")
    low = _validate.number("x_range[0]", x_range[0])
    high = _validate.number("x_range[1]", x_range[1])
    if not high > low:
        raise ValueError(f"x_range must have low < high; got {tuple(x_range)}")
    slope = _validate.number("negative_slope", negative_slope, 0.0, 1.0)
    x = np.linspace(low, high, 401)
    curves = {
        "ReLU": np.maximum(x, 0),
        f"leaky ReLU ({slope:g})": np.where(x > 0, x, slope * x),
        "ELU": np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
        "sigmoid": 1 / (1 + np.exp(-x)),
        "tanh": np.tanh(x),
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=(1.3, 1))
    styles = [("-", 4.0), ("--", 2.0), ("-.", 2.0), ("-", 2.0), ("-", 2.0)]
    for (name, y), (style, width) in zip(curves.items(), styles, strict=True):
        left.plot(x, y, style, linewidth=width, label=name)  # ReLU wide: the others overlap it
    left.axhline(0, color="#999999", linewidth=0.8)
    left.axvline(0, color="#999999", linewidth=0.8)
    left.set_ylim(-1.6, min(high, 4) + 0.3)
    left.set_xlabel("x")
    left.set_ylabel("f(x)")
    left.set_title("activation functions")
    left.legend(frameon=False, fontsize=9)
    left.grid(alpha=0.3)

    scores = np.array([2.0, 1.0, 0.1, -1.0])
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    positions = np.arange(len(scores))
    right.bar(positions - 0.2, scores, 0.4, color="#9ecae1", label="scores (logits)")
    right.bar(positions + 0.2, probabilities, 0.4, color=VAL_COLOR, label="softmax")
    for p, value in zip(positions, probabilities, strict=True):
        right.text(p + 0.2, value + 0.05, f"{value:.2f}", ha="center", fontsize=8)
    right.axhline(0, color="#999999", linewidth=0.8)
    right.set_xticks(positions, [f"class {i}" for i in positions])
    right.set_title("softmax: scores to probabilities")
    right.legend(frameon=False, fontsize=9)
    return fig


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
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(3, activation="softmax")])
    >>> occlusion_map(model, np.random.rand(8, 8, 1)).shape
    (8, 8)
    """
    model = _model(model)
    batch = _batch_of_one(model, image)
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
    outputs = _predict(model, np.concatenate([batch, occluded]), batch_size)
    class_index = _check_class_index(class_index, outputs)
    scores = _class_scores(outputs, class_index)
    drops = scores[0] - scores[1:]
    total = np.zeros((h, w))
    covered = np.zeros((h, w))
    for drop, (top, left) in zip(drops, positions, strict=True):
        total[top : top + patch, left : left + patch] += drop
        covered[top : top + patch, left : left + patch] += 1
    return total / np.maximum(covered, 1)


def _last_map_layer(model: Any) -> Any:
    for layer in reversed(model.layers):
        if _output_rank(layer) == 4 and type(layer).__name__ != "InputLayer":
            return layer
    raise ValueError("model has no layer with (H, W, C) feature maps for Grad-CAM")


def gradcam(
    model: Any, image: Any, class_index: int | None = None, layer: Any = None
) -> np.ndarray | None:
    """Grad-CAM (Selvaraju et al. 2017): where the last feature maps support a class.

    The gradient of the class probability with respect to the maps of ``layer`` is
    averaged over each map to weigh it; the weighted sum of the maps, through a ReLU,
    is resized to the image and scaled to 0..1. Gradients need a backend: this runs
    only on TensorFlow (``tf.GradientTape``); on another backend it warns and returns
    None (use :func:`occlusion_map`, which works everywhere). It differentiates the
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
    ndarray of shape (H, W) with values in [0, 1], or None off TensorFlow

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> heat = gradcam(model, np.random.rand(8, 8, 1))
    >>> heat is None or heat.shape == (8, 8)
    True
    """
    import keras

    model = _model(model)
    batch = _batch_of_one(model, image)
    if keras.backend.backend() != "tensorflow":
        warnings.warn(
            f"gradcam needs the TensorFlow backend for gradients; this is "
            f"{keras.backend.backend()!r}: returning None (occlusion_map works on any backend)",
            stacklevel=2,
        )
        return None
    import tensorflow as tf

    inputs = _model_inputs(model, batch)
    target = _last_map_layer(model) if layer is None else _find_layer(model, layer)
    if _output_rank(target) != 4:
        raise ValueError(f"layer {target.name!r} has no (H, W, C) feature maps")
    probe = keras.Model(_single(inputs), [target.output, model.outputs[0]])
    x = tf.convert_to_tensor(batch)
    with tf.GradientTape() as tape:
        maps, outputs = probe(x, training=False)
        outputs = tf.reshape(outputs, (1, -1))
        class_index = _check_class_index(class_index, outputs.numpy())
        if outputs.shape[1] == 1:
            score = outputs[:, 0] if class_index == 1 else 1.0 - outputs[:, 0]
        else:
            score = outputs[:, class_index]
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[0].numpy().astype(np.float64)
    from skimage.transform import resize

    cam = resize(cam, batch.shape[1:3], order=1, mode="edge", anti_aliasing=False)
    top = cam.max()
    return cam / top if top > 0 else cam


def explanation(
    model: Any,
    image: Any,
    class_index: int | None = None,
    patch: int | None = None,
    stride: int | None = None,
    labels: Sequence[str] | None = None,
    method: str = "both",
) -> plt.Figure:
    """What the model looks at: the image, its occlusion map and (on TensorFlow) Grad-CAM.

    Occlusion (:func:`occlusion_map`): red where hiding the region lowers the class's
    probability, blue where it raises it. Grad-CAM (:func:`gradcam`): bright where the
    last feature maps push towards the class; left out with a note off TensorFlow.

    Parameters
    ----------
    model : keras.Model
    image : array (H, W, C), (H, W) or (1, H, W, C)
    class_index : int, optional
        The class to explain (default: the predicted one).
    patch, stride : int, optional
        Of the occlusion patch (see :func:`occlusion_map`).
    labels : sequence of str, optional
        Class names for the titles.
    method : {"both", "occlusion", "gradcam"}, default="both"

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
    ...     keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    >>> fig = explanation(model, np.random.rand(8, 8, 1), method="occlusion")
    >>> len(fig.axes)  # the image, the occlusion map and its colorbar
    3
    """
    import keras

    model = _model(model)
    _validate.one_of("method", method, ("both", "occlusion", "gradcam"))
    batch = _batch_of_one(model, image)
    outputs = _predict(model, batch)
    class_index = _check_class_index(class_index, outputs)
    probability = float(_class_scores(outputs, class_index)[0])
    predicted = _check_class_index(None, outputs)
    maps: list[tuple[str, np.ndarray, str]] = []
    if method in ("both", "occlusion"):
        drop = occlusion_map(model, batch, class_index, patch, stride)
        maps.append(("occlusion: probability drop", drop, DIVERGING))
    note = ""
    if method in ("both", "gradcam"):
        if keras.backend.backend() == "tensorflow":
            heat = gradcam(model, batch, class_index)
            maps.append(("Grad-CAM", heat, "inferno"))
        else:
            note = f" (Grad-CAM needs the TensorFlow backend; this is {keras.backend.backend()})"
            if method == "gradcam":
                raise ValueError(
                    f"method='gradcam' needs the TensorFlow backend; this is "
                    f"{keras.backend.backend()!r} (use method='occlusion')"
                )
    fig, axes = plt.subplots(1, 1 + len(maps), figsize=(3.2 * (1 + len(maps)) + 0.6, 3.4))
    axes = np.atleast_1d(axes)
    picture = batch[0]
    show_image(picture if picture.shape[-1] in (1, 3) else picture[..., 0], ax=axes[0])
    axes[0].set_title(
        f"predicted {_label(labels, predicted)}\n"
        f"p({_label(labels, class_index)}) = {probability:.3f}",
        fontsize=10,
    )
    gray = picture.mean(axis=-1)
    low, high = _display_range(gray)
    for ax, (title, values, cmap) in zip(axes[1:], maps, strict=True):
        ax.imshow(gray, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        if cmap == DIVERGING:
            limit = float(np.abs(values).max()) or 1.0
            norm = mpl.colors.Normalize(-limit, limit)
            strength = np.abs(values) / limit
        else:
            norm = mpl.colors.Normalize(0, 1)
            strength = np.clip(values, 0, 1)
        # each pixel's colour is as opaque as the map is strong: the image shows through
        # where the map is near 0
        overlay = mpl.colormaps[cmap](norm(values))
        overlay[..., 3] = 0.85 * strength
        ax.imshow(overlay, interpolation="nearest")
        fig.colorbar(mpl.cm.ScalarMappable(norm, cmap), ax=ax, shrink=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    fig.suptitle(
        f"what the model looks at for class {_label(labels, class_index)}{note}",
        fontweight="bold",
        fontsize=11,
    )
    return fig
