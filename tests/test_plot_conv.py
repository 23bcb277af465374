"""Convolution figures: the right types, the numbers they show come from ops/shapes,
and bad arguments are clear errors."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import ops, plot, shapes

EDGE = np.array([[1, 0, -1]] * 3)
HALF = np.zeros((6, 6), dtype=np.uint8)
HALF[:, 3:] = 255


def axes_labelled(fig, label):
    (ax,) = [ax for ax in fig.axes if ax.get_label() == label]
    return ax


# --------------------------------------------------------------------------- kernels


def test_kernel_writes_the_weights_on_a_scale_centred_at_zero():
    ax = plot.kernel(np.array([[-1.0, 0.0], [0.5, 2.0]]))
    assert isinstance(ax, plt.Axes) and ax.get_title() == "kernel 2x2"
    assert [t.get_text() for t in ax.texts] == ["-1.00", "0.00", "0.50", "2.00"]
    assert ax.images[0].get_clim() == (-2.0, 2.0)
    assert ax.images[0].get_cmap().name == "RdBu_r"


def test_kernels_lists_and_keras_kernels():
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    fig = plot.kernels([sobel_x, sobel_x.T], titles=["Sobel x", "Sobel y"])
    assert isinstance(fig, plt.Figure)
    assert [ax.get_title() for ax in fig.axes] == ["Sobel x", "Sobel y"]
    one_channel = plot.kernels(np.zeros((3, 3, 1, 4)))
    assert [ax.get_title() for ax in one_channel.axes] == [f"filter {k}" for k in range(4)]
    two_channels = plot.kernels(np.ones((3, 3, 2, 3)))
    assert len([ax for ax in two_channels.axes if ax.images]) == 6
    assert two_channels.axes[3].get_title() == "filter 0, ch 1"


def test_kernels_share_one_colour_scale_by_default():
    fig = plot.kernels([np.full((2, 2), 1.0), np.full((2, 2), 4.0)])
    assert {ax.images[0].get_clim() for ax in fig.axes} == {(-4.0, 4.0)}


def test_kernels_reject_bad_input():
    with pytest.raises(ValueError, match="titles must have one entry per kernel panel"):
        plot.kernels([EDGE, EDGE], titles=["one"])
    with pytest.raises(ValueError, match=r"kernels must be a list .* got shape \(3, 3, 1, 1, 1\)"):
        plot.kernels(np.zeros((3, 3, 1, 1, 1)))
    with pytest.raises(ValueError, match="at most 8 of each"):
        plot.kernels(np.zeros((3, 3, 16, 32)))
    with pytest.raises(ValueError, match=r"kernel must have shape \(H, W\)"):
        plot.kernel(np.zeros((3, 3, 2)))


# --------------------------------------------------------------------------- conv_step


@pytest.mark.parametrize(
    ("position", "stride", "padding"), [((0, 1), 1, 0), ((1, 2), 2, 1), ((5, 0), 1, "same")]
)
def test_conv_step_shows_the_value_of_ops_conv2d(position, stride, padding):
    fig = plot.conv_step(HALF, EDGE, position=position, stride=stride, padding=padding)
    assert isinstance(fig, plt.Figure)
    expected = ops.conv2d(HALF, EDGE, stride=stride, padding=padding)
    ax = axes_labelled(fig, "output")
    rows, cols = expected.shape
    row, col = position
    texts = ax.texts[: rows * cols]  # pixel_grid writes one text per cell, row-major
    assert texts[row * cols + col].get_text() == f"{expected[row, col]:.0f}"
    assert texts[row * cols + col].get_visible()
    assert all(not t.get_visible() for t in texts[row * cols + col + 1 :])  # not computed yet
    assert any(
        t.get_text() == f"= {expected[row, col]:.0f}" for fig_ax in fig.axes for t in fig_ax.texts
    )


def test_conv_step_products_are_window_times_kernel():
    fig = plot.conv_step(HALF, EDGE, position=(0, 1))
    values = [float(t.get_text()) for t in axes_labelled(fig, "products").texts]
    assert values == [0, 0, -255] * 3


def test_conv_step_checks_position():
    with pytest.raises(ValueError, match=r"position must be a \(row, col\) inside the 4x4 output"):
        plot.conv_step(HALF, EDGE, position=(4, 0))
    with pytest.raises(ValueError, match=r"position must be .* got -1"):
        plot.conv_step(HALF, EDGE, position=-1)


def test_conv_step_checks_its_input():
    with pytest.raises(ValueError, match="x is too large"):
        plot.conv_step(np.zeros((20, 20)), EDGE)
    with pytest.raises(ValueError, match=r"x must have shape \(H, W\)"):
        plot.conv_step(np.zeros((6, 6, 3)), EDGE)
    with pytest.raises(ValueError, match=r"kernel_size \(7, 7\) is larger than the padded input"):
        plot.conv_step(np.zeros((5, 5)), np.ones((7, 7)))


# --------------------------------------------------------------------------- feature maps


def test_feature_maps_one_panel_and_colorbar_per_map():
    maps = np.random.default_rng(0).normal(size=(1, 8, 8, 3))
    fig = plot.feature_maps(maps, titles=["a", "b", "c"])
    panels = [ax for ax in fig.axes if ax.get_title() in ("a", "b", "c")]
    assert isinstance(fig, plt.Figure) and len(panels) == 3
    assert len(fig.axes) == 6  # three maps + three colorbars
    for k, ax in enumerate(panels):
        np.testing.assert_array_equal(ax.images[0].get_array(), maps[0, ..., k])


def test_feature_maps_symmetric_and_shared_scale():
    maps = np.stack([np.full((4, 4), -1.0), np.full((4, 4), 3.0)], axis=-1)
    fig = plot.feature_maps(maps, symmetric=True, shared_scale=True)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert {im.get_clim() for im in images} == {(-3.0, 3.0)}
    assert images[0].get_cmap().name == "RdBu_r"
    assert len(fig.axes) == 3  # two maps + one shared colorbar


def test_feature_maps_reject_a_batch_and_bad_titles():
    with pytest.raises(ValueError, match="maps must be .* batch of one"):
        plot.feature_maps(np.zeros((2, 4, 4, 3)))
    with pytest.raises(ValueError, match="titles must have one entry per map"):
        plot.feature_maps(np.zeros((4, 4, 3)), titles=["x"])


# --------------------------------------------------------------------------- visits


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 1), (2, 0), (1, "same")])
def test_visit_heatmap_shows_ops_visit_counts(stride, padding):
    ax = plot.visit_heatmap(6, 3, stride=stride, padding=padding)
    assert isinstance(ax, plt.Axes)
    counts = ops.visit_counts(6, 3, stride=stride, padding=padding)
    np.testing.assert_array_equal(ax.images[0].get_array(), counts)
    assert [t.get_text() for t in ax.texts] == [str(v) for v in counts.ravel()]
    assert "F=3" in ax.get_title() and "P=" in ax.get_title() and f"S={stride}" in ax.get_title()


def test_visit_heatmap_leaves_numbers_out_on_large_inputs():
    ax = plot.visit_heatmap(20, 5)
    assert len(ax.texts) == 0


def test_visit_heatmaps_share_one_colour_scale():
    configs = [dict(padding=0), dict(padding=1), dict(stride=2)]
    fig = plot.visit_heatmaps(6, 3, configs)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert isinstance(fig, plt.Figure) and len(images) == 3
    assert {im.get_clim() for im in images} == {(0, 9)}


def test_visit_heatmaps_check_configs():
    with pytest.raises(ValueError, match=r"configs\[0\] may only set 'padding' and 'stride'"):
        plot.visit_heatmaps(6, 3, [dict(kernel=2)])
    with pytest.raises(ValueError, match="configs must be a non-empty list"):
        plot.visit_heatmaps(6, 3, [])


# --------------------------------------------------------------------------- diagram


def test_conv_diagram_header_gives_the_output_size():
    fig = plot.conv_diagram(5, 3, stride=2, padding=1, step=3)
    assert isinstance(fig, plt.Figure)
    header = " ".join(t.get_text() for t in fig.texts)
    assert "F=3, P=1, S=2" in header
    assert "floor((5 + 2*1 - 3) / 2) + 1 = 3" in header
    assert "step 4 of 9 → output[1, 0]" in header


@pytest.mark.parametrize("padding", ["valid", "same", "full", 0, 3])
def test_conv_diagram_padding_strings_and_ints(padding):
    fig = plot.conv_diagram(7, 4, padding=padding)
    out = shapes.conv_output_size(7, 4, padding=padding)
    assert f"→  {out}x{out} output" in fig.texts[0].get_text()


def test_conv_diagram_into_an_existing_axes():
    fig, ax = plt.subplots()
    assert plot.conv_diagram(4, 2, ax=ax) is fig
    assert "4x4 input" in ax.get_title()


def test_conv_diagram_checks_step_and_arguments():
    with pytest.raises(ValueError, match="step must be between 0 and 8"):
        plot.conv_diagram(5, 3, stride=2, padding=1, step=9)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        plot.conv_diagram(5, 3, stride=0)
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same', 'full'"):
        plot.conv_diagram(5, 3, padding="half")
    with pytest.raises(ValueError, match="padding must be >= 0"):
        plot.conv_diagram(5, 3, padding=-1)
    with pytest.raises(ValueError, match=r"kernel_size \(9, 9\) is larger than the padded input"):
        plot.conv_diagram(5, 9)


# --------------------------------------------------------------------------- animation


def test_conv_animation_one_frame_per_output_position():
    animation = plot.conv_animation(5, 3, 1, 1)
    assert isinstance(animation, plot.ConvAnimation)
    assert animation.frames == 25 and animation.steps == list(range(25))
    assert isinstance(animation.figure, plt.Figure)
    assert animation.figure.number not in plt.get_fignums()  # closed: no static copy shown


def test_conv_animation_keeps_at_most_50_frames():
    animation = plot.conv_animation(12, 3, padding="full")  # 14x14 = 196 positions
    assert animation.frames == 50
    assert animation.steps[0] == 0 and animation.steps[-1] == 195


def test_conv_animation_plays_as_html_and_saves_frames(tmp_path):
    animation = plot.conv_animation(3, 2)
    html = animation._repr_html_()
    assert "<script" in html and html.count("data:image/png;base64,") == 4
    # works offline: no stylesheet or script from a CDN, every button has its icon
    assert "http://" not in html and "https://" not in html
    assert html.count("<button") == html.count("<svg") == 9 and "fa fa-" not in html
    path = animation.save_frame(3, tmp_path / "frame.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="i must be a frame number between 0 and 3"):
        animation.save_frame(4, tmp_path / "nope.png")


# --------------------------------------------------------------------------- explorer


def test_conv_explorer_draws_at_once_and_follows_the_sliders():
    import ipywidgets

    explorer = plot.conv_explorer(7, 3)
    assert isinstance(explorer, ipywidgets.VBox)
    assert "floor((7 + 2*0 - 3) / 1) + 1 = 5" in explorer.message
    assert [o["output_type"] for o in explorer.output.outputs] == ["stream", "display_data"]
    explorer.sliders["P"].value = 1
    explorer.sliders["S"].value = 2
    assert "floor((7 + 2*1 - 3) / 2) + 1 = 4" in explorer.message
    assert explorer.output.outputs[0]["text"].startswith("output size = floor((7 + 2*1 - 3) / 2)")
    assert explorer.sliders["step"].max == 15
    explorer.sliders["step"].value = 15
    explorer.sliders["S"].value = 4  # fewer positions: the step follows
    assert explorer.sliders["step"].max == 3 and explorer.sliders["step"].value == 3
    assert plt.get_fignums() == []  # every diagram is closed after rendering


def test_conv_explorer_prints_impossible_configurations():
    explorer = plot.conv_explorer(3, 3)
    explorer.sliders["F"].value = 7  # 7 > 3 + 2*0
    assert explorer.message.startswith("impossible configuration: kernel_size (7, 7) is larger")
    assert [o["output_type"] for o in explorer.output.outputs] == ["stream"]
    assert explorer.sliders["step"].disabled
    explorer.sliders["P"].value = 2  # 3 + 2*2 = 7: fits again
    assert "floor((3 + 2*2 - 7) / 1) + 1 = 1" in explorer.redraw()
    assert not explorer.sliders["step"].disabled


def test_conv_explorer_checks_its_starting_values():
    with pytest.raises(ValueError, match="kernel_size must be between 1 and 7; got 9"):
        plot.conv_explorer(kernel_size=9)
    with pytest.raises(ValueError, match="padding must be an integer; got 'same'"):
        plot.conv_explorer(padding="same")


def test_conv_explorer_has_a_picture_for_viewers_without_widgets():
    bundle = plot.conv_explorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith("iVBORw0KGgo")  # base64 of the PNG signature
    assert "= 5" in bundle["text/plain"]
