"""Figures: every function returns its Figure or Axes; bad input is a clear error."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot

RGB = np.random.default_rng(0).integers(0, 256, size=(12, 10, 3), dtype=np.uint8)


def test_show_image_returns_axes_and_keeps_uint8_range():
    ax = plot.show_image(RGB[..., :1] // 4, "dark")
    assert isinstance(ax, plt.Axes) and ax.get_title() == "dark"
    assert ax.images[0].get_clim() == (0, 255)  # a dark image stays dark


def test_show_image_accepts_gray_rgb_and_float():
    for image in (RGB[..., 0], RGB, RGB / 255.0, RGB[..., :1]):
        assert isinstance(plot.show_image(image), plt.Axes)


def test_show_image_rejects_two_channels():
    with pytest.raises(ValueError, match="image must have 1, 3 or 4 channels"):
        plot.show_image(np.zeros((4, 4, 2)))


def test_show_channels_draws_image_gray_and_three_channels_twice():
    fig = plot.show_channels(RGB)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 8
    titles = [ax.get_title() for ax in fig.axes]
    assert "red channel" in titles and "blue as intensity" in titles


def test_show_channels_needs_rgb():
    with pytest.raises(ValueError, match=r"image must have 3 channel\(s\)"):
        plot.show_channels(np.zeros((4, 4)).reshape(4, 4, 1))


def test_image_grid_lays_out_titles_and_hides_spare_axes():
    fig = plot.image_grid(list(RGB[None].repeat(5, axis=0)), titles=list("abcde"), ncols=3)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes[:5]] == list("abcde")
    assert not fig.axes[5].axison


def test_image_grid_checks_titles_and_emptiness():
    with pytest.raises(ValueError, match="titles must have one entry per image"):
        plot.image_grid([RGB, RGB], titles=["one"])
    with pytest.raises(ValueError, match="images must hold at least one image"):
        plot.image_grid([])


def test_pixel_grid_writes_every_value():
    values = np.arange(12).reshape(3, 4)
    ax = plot.pixel_grid(values)
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in range(12))


def test_pixel_grid_refuses_large_arrays():
    with pytest.raises(ValueError, match="values is too large"):
        plot.pixel_grid(np.zeros((20, 20)))


def test_channel_histograms_one_line_per_channel():
    ax = plot.channel_histograms(RGB)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["red", "green", "blue"]
