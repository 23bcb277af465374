"""Figures of training and its results: learning curves, the confusion matrix and the
images the model got wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import _validate
from ._common import TRAIN_COLOR, VAL_COLOR, class_label, display_range
from ._images import show_image

_ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
_SMALLER_IS_BETTER = ("loss", "error", "mae", "mse", "crossentropy")


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
    >>> from cnncourse import plot
    >>> fig = plot.history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
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
    >>> from cnncourse import plot
    >>> ax = plot.confusion_matrix([[5, 1], [0, 4]], labels=["cat", "dog"])
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
    names = [class_label(labels, i) for i in range(k)]
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
    >>> from cnncourse import plot
    >>> fig = plot.misclassified(np.zeros((3, 8, 8)), [0, 1, 2], [0, 2, 2])
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
    low, high = display_range(array)
    for k, ax in enumerate(axes.flat):
        if k >= count:
            ax.set_axis_off()
            continue
        i = shown[k]
        show_image(array[i], ax=ax, vmin=low, vmax=high)
        ax.set_title(
            f"true {class_label(labels, int(true[i]))}\npred {class_label(labels, int(pred[i]))}",
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
