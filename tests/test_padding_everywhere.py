"""Every public place that takes ``padding`` gives the same answer, or the same error, on the
same odd cases: changing what a padding means is an edit to ``shapes.conv_geometry`` alone.

Each place below is a function ``padding -> (H_out, W_out)`` for an 8x8 input and a 3x3
window with stride 1 (or, for the too-large case, a 4x4 input and a 5x5 window). Places
that take any padding (the NumPy references, the shape arithmetic, the figures) accept
numbers; places that follow Keras's pooling and layers take only "valid" and "same".
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnncourse import layers, models, ops, plot, pooling, shapes

SIZE, KERNEL = 8, 3


def _image(size):
    return np.arange(size * size, dtype=np.float64).reshape(size, size, 1)


def _kernel(size):
    return np.ones((size, size, 1, 1))


def _spatial(array):
    return tuple(np.shape(array)[:2])


# name -> (accepts numbers?, place(padding, input size, kernel size) -> (H_out, W_out) or None)
PLACES = {
    "shapes.conv_geometry": (
        True,
        lambda p, n, f: shapes.conv_geometry((n, n), f, 1, p).output_size,
    ),
    "shapes.conv_output_size": (True, lambda p, n, f: shapes.conv_output_size((n, n), f, 1, p)),
    "ops.conv2d": (True, lambda p, n, f: _spatial(ops.conv2d(_image(n), _kernel(f), padding=p))),
    "ops.conv2d_naive": (
        True,
        lambda p, n, f: _spatial(ops.conv2d_naive(_image(n), _kernel(f), padding=p)),
    ),
    "ops.conv2d_fft": (
        True,
        lambda p, n, f: _spatial(ops.conv2d_fft(_image(n), _kernel(f), padding=p)),
    ),
    "ops.correlate2d": (
        True,
        lambda p, n, f: _spatial(ops.correlate2d(_image(n)[..., 0], np.ones((f, f)), padding=p)),
    ),
    "ops.convolve2d": (
        True,
        lambda p, n, f: _spatial(ops.convolve2d(_image(n)[..., 0], np.ones((f, f)), padding=p)),
    ),
    "ops.separable_conv2d": (
        True,
        lambda p, n, f: _spatial(
            ops.separable_conv2d(_image(n), np.ones(f), np.ones(f), padding=p)
        ),
    ),
    "ops.im2col": (
        True,
        lambda p, n, f: (len(ops.im2col(_image(n), f, padding=p)),),  # rows = H_out * W_out
    ),
    "ops.visit_counts": (True, lambda p, n, f: ops.visit_counts(n, f, padding=p) is None or None),
    "plot.conv_diagram": (True, lambda p, n, f: plot.conv_diagram(n, f, padding=p) and None),
    "plot.conv_step": (
        True,
        lambda p, n, f: plot.conv_step(_image(n)[..., 0], np.ones((f, f)), padding=p) and None,
    ),
    "plot.visit_heatmap": (True, lambda p, n, f: plot.visit_heatmap(n, f, padding=p) and None),
    "pooling.max_pool2d": (
        False,
        lambda p, n, f: _spatial(pooling.max_pool2d(_image(n), f, stride=1, padding=p)),
    ),
    "pooling.avg_pool2d": (
        False,
        lambda p, n, f: _spatial(pooling.avg_pool2d(_image(n), f, stride=1, padding=p)),
    ),
    "pooling.l2_pool2d": (
        False,
        lambda p, n, f: _spatial(pooling.l2_pool2d(_image(n), f, stride=1, padding=p)),
    ),
    "layers.LocallyConnected2D": (
        False,
        lambda p, n, f: layers.LocallyConnected2D(1, f, padding=p).compute_output_shape(
            (None, n, n, 1)
        )[1:3],
    ),
    "layers.TiledConv2D": (
        False,
        lambda p, n, f: layers.TiledConv2D(1, f, tile_size=2, padding=p).compute_output_shape(
            (None, n, n, 1)
        )[1:3],
    ),
    "models.simple_cnn": (
        False,
        lambda p, n, f: tuple(
            models.simple_cnn((n, n, 1), 2, blocks=(2,), kernel_size=f, padding=p, pool_size=None)
            .get_layer("conv1")
            .output.shape[1:3]
        ),
    ),
}

KERNEL_TOO_LARGE = r"is larger than the padded input"
ONLY_NAMES = "padding must be one of 'valid', 'same'"


def _expected(padding):
    sizes = shapes.conv_output_size((SIZE, SIZE), KERNEL, 1, padding)
    return sizes


def _comparable(name, result, padding):
    """What the place's answer should be, in the place's own form."""
    if result is None:  # a figure or a count: it only has to accept the padding
        return None
    expected = _expected(padding)
    if name == "ops.im2col":
        return (expected[0] * expected[1],)
    return tuple(expected)


@pytest.mark.parametrize("name", sorted(PLACES))
def test_upper_case_same_is_same_everywhere(name):
    _, place = PLACES[name]
    assert place("SAME", SIZE, KERNEL) == place("same", SIZE, KERNEL)
    result = place("SAME", SIZE, KERNEL)
    assert result is None or tuple(result) == _comparable(name, result, "same")


@pytest.mark.parametrize("padding", [(1, 2), ((0, 1), (2, 0)), 1])
@pytest.mark.parametrize("name", sorted(PLACES))
def test_numbers_give_the_same_size_or_the_same_error_everywhere(name, padding):
    numbers, place = PLACES[name]
    if not numbers:
        with pytest.raises(ValueError, match=re.escape(ONLY_NAMES)):
            place(padding, SIZE, KERNEL)
        return
    result = place(padding, SIZE, KERNEL)
    assert result is None or tuple(result) == _comparable(name, result, padding)


@pytest.mark.parametrize("name", sorted(PLACES))
def test_a_kernel_larger_than_the_padded_input_is_the_same_error_everywhere(name):
    _, place = PLACES[name]
    with pytest.raises(ValueError, match=r"(kernel_size|pool_size) .*" + KERNEL_TOO_LARGE):
        place("valid", 4, 5)


@pytest.mark.parametrize("name", sorted(PLACES))
def test_an_unknown_padding_name_is_the_same_error_everywhere(name):
    numbers, place = PLACES[name]
    allowed = "'valid', 'same', 'full'" if numbers else "'valid', 'same'"
    with pytest.raises(ValueError, match=re.escape(f"padding must be one of {allowed}")):
        place("causal", SIZE, KERNEL)


def test_resolve_padding_gives_the_pads_of_conv_geometry():
    for padding in ("SAME", "full", (1, 2), ((0, 1), (2, 0)), 2):
        assert shapes.resolve_padding(padding, (SIZE, SIZE), KERNEL) == (
            shapes.conv_geometry((SIZE, SIZE), KERNEL, 1, padding).pads
        )
