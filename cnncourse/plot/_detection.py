"""Figures for detection: the precision-recall curve of a ranked list of detections."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate


def precision_recall(
    is_true_positive: Sequence[bool],
    n_ground_truth: int,
    ax: plt.Axes | None = None,
    label: str | None = None,
    color: str | None = None,
    title: str | None = None,
    fill: bool = True,
) -> plt.Axes:
    """The precision-recall curve of ranked detections, with its envelope and AP shaded.

    ``is_true_positive`` holds, best score first, whether each detection found a new
    true box; ``n_ground_truth`` is the number of true boxes. Dots: precision and recall
    after each detection (for lists of up to 50). Line: the precision envelope (at each
    recall, the best precision at that recall or beyond); the area under it, shaded unless
    ``fill=False`` (for several curves on one Axes), is the average precision (all-points
    interpolation, as :func:`cnncourse.metrics.average_precision`), given in the legend.
    Returns the Axes.

    Examples
    --------
    >>> from cnncourse import plot
    >>> ax = plot.precision_recall([True, False, True], 2, label="demo")
    >>> ax.get_legend().get_texts()[0].get_text()
    'demo: AP 0.833'
    """
    hits = np.asarray(is_true_positive, dtype=bool).ravel()
    n_ground_truth = _validate.integer("n_ground_truth", n_ground_truth, minimum=1)
    if hits.sum() > n_ground_truth:
        raise ValueError(
            f"n_ground_truth ({n_ground_truth}) must be at least the number of true "
            f"positives ({int(hits.sum())})"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.4))
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1) if len(hits) else np.zeros(0)
    recall = tp / n_ground_truth
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    ap = float(np.sum(hits / n_ground_truth * envelope))
    # the envelope as a staircase: precision envelope[k] from the recall before k to recall[k]
    steps = np.flatnonzero(hits)
    edges = np.concatenate([[0.0], recall[steps]])
    heights = envelope[steps]
    x = np.repeat(edges, 2)[1:-1] if len(steps) else np.array([0.0, 0.0])
    y = np.repeat(heights, 2) if len(steps) else np.array([0.0, 0.0])
    text = f"AP {ap:.3f}" if label is None else f"{label}: AP {ap:.3f}"
    (line,) = ax.plot(x, y, color=color, linewidth=2, label=text)
    if fill:
        ax.fill_between(x, 0, y, color=line.get_color(), alpha=0.15)
    if len(hits) <= 50:
        ax.scatter(recall, precision, color=line.get_color(), s=14, zorder=3)
    ax.set(xlim=(0, 1.02), ylim=(0, 1.05), xlabel="recall", ylabel="precision")
    ax.legend(loc="lower left", fontsize=8)
    if title:
        ax.set_title(title)
    return ax
