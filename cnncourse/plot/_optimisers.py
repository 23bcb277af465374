"""Several training runs on one figure: optimisers, learning rates or batch sizes compared
curve against curve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .. import _validate
from ._training import _ACCURACY_KEYS, _history_dict, _metric_key


def compare_runs(
    runs: Mapping[str, Any],
    metrics: Sequence[str] = ("loss", "val_accuracy"),
    title: str | None = None,
    log_loss: bool = False,
) -> plt.Figure:
    """One panel per metric, one curve per run: which run learns faster, which ends better.

    Parameters
    ----------
    runs : dict
        Maps a run's label (say ``"Adam, lr 0.001"``) to what ``model.fit`` returned (a
        ``keras.callbacks.History``) or its ``.history`` dict. The runs may have trained
        for different numbers of epochs.
    metrics : sequence of str, default=("loss", "val_accuracy")
        The metrics to draw, one panel each, such as ``"loss"``, ``"val_loss"``,
        ``"accuracy"`` or ``"val_accuracy"`` (``"accuracy"`` also finds ``"acc"`` and
        ``"sparse_categorical_accuracy"``). Every run must have each of them.
    title : str, optional
        Title of the figure.
    log_loss : bool, default=False
        Draw the panels of losses on a logarithmic axis.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cnncourse import plot
    >>> runs = {"SGD": {"loss": [2.3, 2.0, 1.8], "val_accuracy": [0.2, 0.3, 0.4]},
    ...         "Adam": {"loss": [2.3, 1.0], "val_accuracy": [0.5, 0.8]}}
    >>> fig = plot.compare_runs(runs)
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'validation accuracy']
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['SGD', 'Adam']
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError(
            "runs must be a non-empty dict {label: history}; got " + _validate.short(runs)
        )
    if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
        raise ValueError(
            f"metrics must be a non-empty list of metric names; got {_validate.short(metrics)}"
        )
    values = {str(label): _history_dict(history) for label, history in runs.items()}
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.8 * len(metrics), 3.5), squeeze=False)
    colors = mpl.colormaps["tab10"].colors
    for ax, metric in zip(axes[0], metrics, strict=True):
        prefix = "val_" if metric.startswith("val_") else ""
        for i, (label, history) in enumerate(values.items()):
            key = _metric_key(history, metric)
            if key is None and prefix:
                base = _metric_key(
                    {k.removeprefix("val_"): v for k, v in history.items() if k.startswith("val_")},
                    metric.removeprefix("val_"),
                )
                key = None if base is None else "val_" + base
            if key is None:
                raise ValueError(
                    f"metrics: run {label!r} has no {metric!r}; it has {sorted(history)}"
                )
            series = history[key]
            ax.plot(
                np.arange(1, len(series) + 1),
                series,
                "-o",
                markersize=2.5,
                color=colors[i % len(colors)],
                label=label,
            )
        base = metric.removeprefix("val_")
        name = "accuracy" if base in _ACCURACY_KEYS else base
        ax.set_title(("validation " if prefix else "") + name)
        ax.set_xlabel("epoch")
        if log_loss and "loss" in base:
            ax.set_yscale("log")
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[0][-1].legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig
