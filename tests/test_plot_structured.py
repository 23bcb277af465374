"""Figures of pooling, masks, boxes, the four tasks and connectivity."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import data, plot

GRID = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)


def test_pooling_figure_shows_input_and_each_kind_of_output():
    fig = plot.pooling(GRID, pool_size=2)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 4
    max_texts = sorted(t.get_text() for t in fig.axes[1].texts)
    assert max_texts == sorted(["6", "8", "3", "4"])  # the maximum of each 2x2 window


def test_pooling_figure_handles_overlapping_windows():
    fig = plot.pooling(GRID, pool_size=3, stride=1, kinds=("max",))
    assert len(fig.axes) == 2


def test_pooling_figure_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="kinds must be one of"):
        plot.pooling(GRID, kinds=("median",))


def test_show_mask_draws_a_legend_entry_per_class_present():
    s = data.shapes(1, size=16, seed=0)
    ax = plot.show_mask(s.images[0], s.masks[0], class_names=data.SHAPE_CLASSES)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [data.SHAPE_CLASSES[int(s.labels[0])]]


def test_show_mask_needs_the_image_size():
    with pytest.raises(ValueError, match="mask must have shape"):
        plot.show_mask(np.zeros((8, 8, 3)), np.zeros((4, 4), int))


def test_show_boxes_draws_one_rectangle_and_caption_per_box():
    ax = plot.show_boxes(
        np.zeros((16, 16, 3)),
        [[1, 1, 5, 5], [6, 6, 12, 14]],
        labels=[0, 2],
        scores=[0.9, 0.4],
        class_names=data.SHAPE_CLASSES,
    )
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.texts] == ["circle 0.90", "triangle 0.40"]


def test_show_boxes_checks_lengths():
    with pytest.raises(ValueError, match="labels must have one entry per box"):
        plot.show_boxes(np.zeros((8, 8)), [[0, 0, 2, 2]], labels=[0, 1])


def test_compare_masks_reports_wrong_pixels():
    s = data.shapes(1, size=16, seed=1)
    fig = plot.compare_masks(s.images[0], s.masks[0], np.zeros_like(s.masks[0]))
    assert "wrong pixels" in fig.axes[3].get_title()


def test_vision_tasks_and_connectivity_return_figures():
    assert len(plot.vision_tasks(seed=0).axes) == 4
    fig = plot.connectivity(7, 3)
    titles = [ax.get_title() for ax in fig.axes]
    assert "35 connections, 35 different weights" in titles[0]
    assert "15 connections, 3 different weights" in titles[2]
    with pytest.raises(ValueError, match="kernel_size 9 is larger than n_inputs 7"):
        plot.connectivity(7, 9)
