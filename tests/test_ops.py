"""Lesson 2's NumPy convolutions, against Keras, SciPy, NumPy and each other."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncourse import ops


@pytest.fixture
def rng():
    return np.random.default_rng(2)


def keras_conv2d(x, kernel, bias, stride, padding, pre_padding=None):
    """Keras's Conv2D (float64) with these weights, optionally after ZeroPadding2D."""
    import keras

    layer = keras.layers.Conv2D(
        kernel.shape[3], kernel.shape[:2], strides=stride, padding=padding, dtype=x.dtype.name
    )
    if pre_padding is not None:
        x = keras.layers.ZeroPadding2D(pre_padding, dtype=x.dtype.name)(x)
    layer.build(tuple(x.shape))
    layer.set_weights([kernel, bias])
    return keras.ops.convert_to_numpy(layer(x))


def random_case(rng, n, h, w, c, k, kernel_size, dtype=np.float64):
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    kernel = rng.standard_normal((*kernel_size, c, k)).astype(dtype)
    bias = rng.standard_normal(k).astype(dtype)
    return x, kernel, bias


KERAS_CASES = [
    # (N, H, W, C, K, kernel_size, stride, padding)
    (1, 5, 5, 1, 1, (3, 3), 1, "valid"),
    (2, 8, 8, 3, 4, (3, 3), 2, "valid"),
    (2, 9, 7, 2, 3, (3, 3), (2, 1), "valid"),
    (1, 6, 6, 1, 2, (2, 2), 1, "valid"),
    (1, 5, 5, 3, 2, (5, 5), 1, "valid"),
    (1, 11, 8, 4, 2, (1, 1), 2, "valid"),
    (2, 8, 9, 3, 2, (4, 4), 1, "same"),
    (1, 6, 6, 2, 2, (2, 2), 1, "same"),
    (2, 7, 7, 3, 4, (3, 3), 2, "same"),
    (2, 8, 8, 3, 4, (3, 3), 2, "same"),
    (1, 9, 10, 2, 3, (4, 4), 3, "same"),
    (1, 8, 7, 1, 2, (2, 3), (2, 1), "same"),
    (1, 6, 7, 2, 2, (4, 2), (3, 2), "same"),
    (3, 10, 10, 3, 5, (5, 5), 1, "same"),
    (1, 3, 3, 2, 2, (4, 4), 2, "same"),
]


@pytest.mark.parametrize(("n", "h", "w", "c", "k", "kernel_size", "stride", "padding"), KERAS_CASES)
def test_conv2d_and_conv2d_naive_match_keras_conv2d(
    rng, n, h, w, c, k, kernel_size, stride, padding
):
    x, kernel, bias = random_case(rng, n, h, w, c, k, kernel_size)
    expected = keras_conv2d(x, kernel, bias, stride, padding)
    for conv in (ops.conv2d, ops.conv2d_naive):
        result = conv(x, kernel, bias, stride=stride, padding=padding)
        assert result.shape == expected.shape
        np.testing.assert_allclose(result, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("padding", "kernel_size", "stride"),
    [(1, (3, 3), 1), (2, (4, 4), 2), ((1, 2), (3, 3), (2, 1)), (((0, 2), (1, 0)), (2, 3), 1)],
)
def test_explicit_padding_matches_keras_zero_padding_then_valid_conv(
    rng, padding, kernel_size, stride
):
    x, kernel, bias = random_case(rng, 2, 7, 6, 2, 3, kernel_size)
    expected = keras_conv2d(x, kernel, bias, stride, "valid", pre_padding=padding)
    for conv in (ops.conv2d, ops.conv2d_naive):
        np.testing.assert_allclose(
            conv(x, kernel, bias, stride=stride, padding=padding), expected, rtol=1e-10, atol=1e-12
        )


def test_conv2d_in_float32_stays_float32_and_matches_keras(rng):
    x, kernel, bias = random_case(rng, 4, 16, 16, 3, 8, (3, 3), dtype=np.float32)
    result = ops.conv2d(x, kernel, bias, padding="same")
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, keras_conv2d(x, kernel, bias, 1, "same"), atol=1e-5)


def test_conv2d_computes_in_float64_unless_everything_is_float32(rng):
    x = rng.integers(0, 256, size=(6, 6, 1), dtype=np.uint8)
    assert ops.conv2d(x, np.ones((3, 3, 1, 1), np.float32)).dtype == np.float64
    assert ops.conv2d(x.astype(np.float32), np.ones((3, 3, 1, 1))).dtype == np.float64
    assert ops.conv2d_naive(x.astype(np.float32), np.ones((3, 3), np.float32)).dtype == np.float32


@st.composite
def conv_cases(draw):
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    f_h, f_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    pad = st.integers(0, 2)
    padding = draw(
        st.one_of(
            st.sampled_from(["valid", "same", "full"]),
            pad,
            st.tuples(pad, pad),
            st.tuples(st.tuples(pad, pad), st.tuples(pad, pad)),
        )
    )
    return (
        draw(st.integers(1, 2)),
        h,
        w,
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        (f_h, f_w),
        stride,
        padding,
        draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_equals_conv2d_naive_on_random_cases(case):
    n, h, w, c, k, kernel_size, stride, padding, seed = case
    from cnncourse import shapes

    pads = shapes.resolve_padding(padding, (h, w), kernel_size, stride)
    assume(h + sum(pads[0]) >= kernel_size[0] and w + sum(pads[1]) >= kernel_size[1])
    x, kernel, bias = random_case(np.random.default_rng(seed), n, h, w, c, k, kernel_size)
    fast = ops.conv2d(x, kernel, bias, stride=stride, padding=padding)
    slow = ops.conv2d_naive(x, kernel, bias, stride=stride, padding=padding)
    assert (
        fast.shape
        == slow.shape
        == (n, *shapes.conv_output_size((h, w), kernel_size, stride, pads), k)
    )
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


def test_conv2d_on_one_image_and_one_2d_filter_drops_the_extra_axes(rng):
    image = rng.standard_normal((7, 8))
    kernel = rng.standard_normal((3, 2))
    full = ops.conv2d(image[None, :, :, None], kernel[:, :, None, None], padding="same")
    assert ops.conv2d(image, kernel, padding="same").shape == (7, 8)
    np.testing.assert_allclose(ops.conv2d(image, kernel, padding="same"), full[0, :, :, 0])
    assert ops.conv2d(image[..., None], kernel[:, :, None, None]).shape == (5, 7, 1)
    assert ops.conv2d(image, kernel[:, :, None, None]).shape == (5, 7, 1)


def test_conv2d_does_not_flip_the_kernel():
    x = np.zeros((3, 3))
    x[0, 0] = 1.0  # a single bright pixel in the top-left corner
    kernel = np.arange(9.0).reshape(3, 3)
    # the only window is the whole image: the pixel meets the kernel's top-left weight
    assert ops.conv2d(x, kernel)[0, 0] == kernel[0, 0]
    assert ops.convolve2d(x, kernel)[0, 0] == kernel[2, 2]


def test_bias_is_added_to_every_position_of_its_filter(rng):
    x, kernel, bias = random_case(rng, 2, 6, 6, 3, 4, (3, 3))
    np.testing.assert_allclose(
        ops.conv2d(x, kernel, bias), ops.conv2d(x, kernel) + bias, rtol=1e-12
    )


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_convolve2d_and_correlate2d_match_scipy(rng, mode):
    from scipy import signal

    for _ in range(20):
        x = rng.standard_normal(rng.integers(4, 12, size=2))
        kernel = rng.standard_normal(rng.integers(1, 5, size=2))
        np.testing.assert_allclose(
            ops.convolve2d(x, kernel, padding=mode), signal.convolve2d(x, kernel, mode=mode)
        )
        np.testing.assert_allclose(
            ops.correlate2d(x, kernel, padding=mode), signal.correlate2d(x, kernel, mode=mode)
        )


def test_convolve2d_is_correlate2d_with_the_kernel_flipped(rng):
    for stride, padding in [(1, "valid"), (2, "same"), ((1, 3), 1)]:
        x = rng.standard_normal((9, 10))
        kernel = rng.standard_normal((3, 4))
        np.testing.assert_allclose(
            ops.convolve2d(x, kernel, stride, padding),
            ops.correlate2d(x, kernel[::-1, ::-1], stride, padding),
        )


@pytest.mark.parametrize(
    ("shape", "kernel_size", "stride", "padding"),
    [
        ((2, 6, 7, 3), (3, 3), 1, "valid"),
        ((5, 5, 2), (2, 3), 2, "same"),
        ((1, 8, 8, 1), (4, 4), (2, 3), 1),
        ((6, 6), 3, 1, "full"),
    ],
)
def test_im2col_times_the_reshaped_kernel_is_conv2d(rng, shape, kernel_size, stride, padding):
    x = rng.standard_normal(shape)
    c = shape[-1] if len(shape) > 2 else 1
    f_h, f_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    kernel = rng.standard_normal((f_h, f_w, c, 4))
    expected = ops.conv2d(
        x if len(shape) > 2 else x[..., None], kernel, stride=stride, padding=padding
    )
    cols = ops.im2col(x, kernel_size, stride, padding)
    assert cols.shape == (expected[..., 0].size, f_h * f_w * c)
    np.testing.assert_allclose(
        (cols @ kernel.reshape(-1, 4)).reshape(expected.shape), expected, rtol=1e-12
    )


def test_im2col_rows_are_the_flattened_windows_in_reading_order():
    x = np.arange(16.0).reshape(4, 4, 1)
    cols = ops.im2col(x, 2, stride=2)
    np.testing.assert_array_equal(cols[0], [0, 1, 4, 5])
    np.testing.assert_array_equal(cols[1], [2, 3, 6, 7])
    np.testing.assert_array_equal(cols[2], [8, 9, 12, 13])


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "symmetric"])
@pytest.mark.parametrize(
    ("padding", "width"),
    [
        (2, ((2, 2), (2, 2))),
        ((1, 3), ((1, 1), (3, 3))),
        (((0, 2), (3, 1)), ((0, 2), (3, 1))),
    ],
)
def test_pad_matches_np_pad_on_the_spatial_axes(rng, mode, padding, width):
    kwargs = {"constant_values": 7.5} if mode == "constant" else {}
    value = {"value": 7.5} if mode == "constant" else {}
    for shape in [(4, 5), (4, 5, 3), (2, 4, 5, 3)]:
        x = rng.standard_normal(shape)
        spatial = list(width)
        full = spatial + [(0, 0)] * (len(shape) - 2)
        if len(shape) == 4:
            full = [(0, 0), *spatial, (0, 0)]
        np.testing.assert_array_equal(
            ops.pad(x, padding, mode=mode, **value), np.pad(x, full, mode=mode, **kwargs)
        )


def test_pad_keeps_the_dtype():
    assert ops.pad(np.ones((2, 2, 3), np.uint8), 1).dtype == np.uint8


def brute_force_visit_counts(h, w, f_h, f_w, s_h, s_w, pads):
    (top, bottom), (left, right) = pads
    counts = np.zeros((h + top + bottom, w + left + right), dtype=int)
    for i in range(0, h + top + bottom - f_h + 1, s_h):
        for j in range(0, w + left + right - f_w + 1, s_w):
            counts[i : i + f_h, j : j + f_w] += 1
    return counts[top : top + h, left : left + w]


@pytest.mark.parametrize(
    ("size", "kernel_size", "stride", "padding"),
    [(6, 3, 1, 0), ((7, 5), (3, 2), (2, 1), 1), (8, 4, 3, ((1, 2), (0, 3))), (5, 3, 2, "same")],
)
def test_visit_counts_counts_the_windows_over_each_pixel(size, kernel_size, stride, padding):
    from cnncourse import shapes

    h, w = (size, size) if isinstance(size, int) else size
    f_h, f_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    pads = shapes.resolve_padding(padding, (h, w), (f_h, f_w), (s_h, s_w))
    counts = ops.visit_counts(size, kernel_size, stride, padding)
    assert counts.shape == (h, w) and counts.dtype.kind == "i"
    np.testing.assert_array_equal(counts, brute_force_visit_counts(h, w, f_h, f_w, s_h, s_w, pads))


def test_visit_counts_border_pixels_are_visited_less_than_the_centre():
    counts = ops.visit_counts(8, 3, padding="same")
    assert counts[0, 0] == 4 and counts[0, 4] == 6 and counts[4, 4] == 9
    valid = ops.visit_counts(8, 3)
    assert valid[0, 0] == 1 and valid.max() == 9 and valid.sum() == 6 * 6 * 9


X = np.zeros((8, 8, 3))
KERNEL = np.zeros((3, 3, 3, 4))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ops.conv2d(X, KERNEL, stride=0), r"stride must be >= 1; got 0"),
        (lambda: ops.conv2d_naive(X, KERNEL, stride=-1), r"stride must be >= 1; got -1"),
        (lambda: ops.conv2d(X, KERNEL, stride=(1, 0)), r"stride must be >= 1; got 0"),
        (lambda: ops.conv2d(X, KERNEL, stride=(1, 2, 3)), r"stride must be an int or a tuple"),
        (lambda: ops.conv2d(X, KERNEL, padding=-1), r"padding must be >= 0; got -1"),
        (lambda: ops.conv2d(X, KERNEL, padding=((0, -2), (1, 1))), r"padding must be >= 0"),
        (
            lambda: ops.conv2d(X, np.zeros((9, 3, 3, 4))),
            r"kernel_size \(9, 3\) is larger than the padded input \(8, 8\)",
        ),
        (
            lambda: ops.conv2d_naive(X, np.zeros((11, 11, 3, 1)), padding=1),
            r"kernel_size \(11, 11\) is larger than the padded input \(10, 10\)",
        ),
        (
            lambda: ops.conv2d(X, KERNEL, padding="causal"),
            r"padding must be one of 'valid', 'same', 'full'.*got 'causal'",
        ),
        (
            lambda: ops.conv2d(X, np.zeros((3, 3, 2, 4))),
            r"kernel of shape \(3, 3, 2, 4\) expects 2 input channel\(s\) but x of shape "
            r"\(8, 8, 3\) has 3",
        ),
        (lambda: ops.conv2d(X[0, 0], KERNEL), r"x must have shape .*got shape \(3,\)"),
        (lambda: ops.conv2d(np.zeros((1, 1, 8, 8, 3)), KERNEL), r"x must have shape \(H, W\)"),
        (lambda: ops.conv2d(X, KERNEL[0]), r"kernel must have shape \(F_h, F_w, C_in, K\)"),
        (
            lambda: ops.conv2d(X, KERNEL, bias=np.zeros(3)),
            r"bias must have shape \(K,\) = \(4,\).*got shape \(3,\)",
        ),
        (lambda: ops.conv2d(X.astype(complex), KERNEL), r"x must be a real numeric array"),
        (lambda: ops.pad(X, -1), r"padding must be >= 0; got -1"),
        (lambda: ops.pad(X, "same"), r"padding must be an int, a pair"),
        (lambda: ops.pad(X, 1, mode="wrap"), r"mode must be one of 'constant', 'reflect'"),
        (lambda: ops.pad(X, 1, value="zero"), r"value must be a number"),
        (lambda: ops.correlate2d(X, np.ones((3, 3))), r"x must have shape \(H, W\)"),
        (lambda: ops.convolve2d(X[..., 0], KERNEL), r"kernel must have shape \(F_h, F_w\)"),
        (lambda: ops.im2col(X, 0), r"kernel_size must be >= 1; got 0"),
        (lambda: ops.im2col(X, 9), r"kernel_size \(9, 9\) is larger than the padded input"),
        (lambda: ops.visit_counts(0, 3), r"input_size must be >= 1; got 0"),
        (lambda: ops.visit_counts(5, 3, stride=0), r"stride must be >= 1; got 0"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
