"""The faster convolutions of cnncourse.ops (FFT, separable) against ops.conv2d; rank1_factors."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncourse import ops, shapes

SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def assert_close(result, expected, rtol=1e-4):
    """Equal to ``rtol`` relative to the size of the values (entries near 0 included)."""
    assert result.shape == expected.shape
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-30)
    np.testing.assert_allclose(result, expected, rtol=rtol, atol=rtol * scale)


padding_specs = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 2),
    st.tuples(
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ),
)


@st.composite
def conv_cases(draw):
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kernel_size = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    stride = draw(
        st.one_of(st.just(1), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
    )
    padding = draw(padding_specs)
    pads = shapes.resolve_padding(padding, (h, w), kernel_size, stride)
    assume(h + sum(pads[0]) >= kernel_size[0] and w + sum(pads[1]) >= kernel_size[1])
    n, c, k = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return n, h, w, c, k, kernel_size, stride, padding, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=80, deadline=None)
@given(conv_cases(), st.sampled_from([np.float64, np.float32]))
def test_conv2d_fft_equals_conv2d_on_random_cases(case, dtype):
    n, h, w, c, k, kernel_size, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    kernel = rng.standard_normal((*kernel_size, c, k)).astype(dtype)
    bias = rng.standard_normal(k).astype(dtype)
    result = ops.conv2d_fft(x, kernel, bias, stride=stride, padding=padding)
    assert result.dtype == dtype
    assert_close(result, ops.conv2d(x, kernel, bias, stride=stride, padding=padding))


def test_conv2d_fft_on_one_image_with_a_2d_kernel_and_a_large_kernel():
    rng = np.random.default_rng(0)
    image, kernel = rng.standard_normal((40, 37)), rng.standard_normal((31, 15))
    for padding in ("valid", "same", "full"):
        assert_close(
            ops.conv2d_fft(image, kernel, padding=padding),
            ops.conv2d(image, kernel, padding=padding),
            rtol=1e-10,
        )


def test_conv2d_fft_is_a_cross_correlation_like_keras():
    x = np.zeros((3, 3))
    x[0, 0] = 1.0
    kernel = np.arange(9.0).reshape(3, 3)
    assert ops.conv2d_fft(x, kernel)[0, 0] == pytest.approx(kernel[0, 0], abs=1e-12)


@st.composite
def separable_cases(draw):
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    f_h, f_w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(padding_specs)
    pads = shapes.resolve_padding(padding, (h, w), (f_h, f_w), stride)
    assume(h + sum(pads[0]) >= f_h and w + sum(pads[1]) >= f_w)
    layout = draw(st.sampled_from(["HW", "HWC", "NHWC"]))
    return h, w, f_h, f_w, stride, padding, layout, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=80, deadline=None)
@given(separable_cases())
def test_separable_conv2d_equals_conv2d_with_the_outer_product(case):
    h, w, f_h, f_w, stride, padding, layout, seed = case
    rng = np.random.default_rng(seed)
    column, row = rng.standard_normal(f_h), rng.standard_normal(f_w)
    kernel = np.outer(column, row)
    if layout == "HW":
        x = rng.standard_normal((h, w))
        bias, expected_bias = 0.5, 0.5
        expected = ops.conv2d(x, kernel, stride=stride, padding=padding)
    else:
        # each channel separately: a kernel that maps channel c to output channel c only
        shape = (h, w, 3) if layout == "HWC" else (2, h, w, 3)
        x = rng.standard_normal(shape)
        bias = expected_bias = rng.standard_normal(3)
        depthwise = np.einsum("ab,cd->abcd", kernel, np.eye(3))
        expected = ops.conv2d(x, depthwise, stride=stride, padding=padding)
    expected = expected + expected_bias
    result = ops.separable_conv2d(x, column, row, bias, stride=stride, padding=padding)
    assert_close(result, expected, rtol=1e-10)


def test_separable_conv2d_with_sobel_factors_is_the_sobel_filter():
    x = np.random.default_rng(1).standard_normal((9, 11)).astype(np.float32)
    column, row = ops.rank1_factors(SOBEL)
    result = ops.separable_conv2d(x, column.astype(np.float32), row.astype(np.float32))
    assert result.dtype == np.float32
    assert_close(result, ops.conv2d(x, SOBEL.astype(np.float32)))


def test_rank1_factors_recovers_sobel_up_to_scale():
    column, row = ops.rank1_factors(SOBEL)
    np.testing.assert_allclose(np.outer(column, row), SOBEL, atol=1e-12)
    np.testing.assert_allclose(column / column[0], [1, 2, 1], atol=1e-12)
    np.testing.assert_allclose(row / row[0], [1, 0, -1], atol=1e-12)
    assert np.max(np.abs(column)) == pytest.approx(np.max(column))  # largest entry positive
    for kernel in (-SOBEL, SOBEL.T, np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256):
        c, r = ops.rank1_factors(kernel)
        np.testing.assert_allclose(np.outer(c, r), kernel, atol=1e-12)


def test_rank1_factors_of_a_zero_kernel_and_a_1x1_kernel():
    column, row = ops.rank1_factors(np.zeros((2, 3)))
    assert column.shape == (2,) and row.shape == (3,) and not column.any()
    column, row = ops.rank1_factors([[-4.0]])
    assert column.shape == row.shape == (1,) and column[0] * row[0] == pytest.approx(-4.0)


def test_rank1_factors_refuses_kernels_of_rank_2():
    laplacian = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match=r"kernel must have rank 1 .*\(s\[1\] / s\[0\] = 0.101"):
        ops.rank1_factors(laplacian)
    nearly = SOBEL + 1e-3 * np.eye(3)
    with pytest.raises(ValueError, match="kernel must have rank 1"):
        ops.rank1_factors(nearly)
    column, row = ops.rank1_factors(nearly, tol=1e-2)  # a looser tolerance accepts it
    np.testing.assert_allclose(np.outer(column, row), SOBEL, atol=1e-2)


X = np.zeros((8, 8, 3))
KERNEL = np.zeros((3, 3, 3, 4))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ops.conv2d_fft(X, KERNEL, stride=0), r"stride must be >= 1; got 0"),
        (lambda: ops.conv2d_fft(X, KERNEL, padding="causal"), r"padding must be one of"),
        (
            lambda: ops.conv2d_fft(X, np.zeros((9, 9, 3, 1))),
            r"kernel_size \(9, 9\) is larger than the padded input",
        ),
        (lambda: ops.conv2d_fft(X, np.zeros((3, 3, 2, 1))), r"kernel of shape .* expects 2"),
        (lambda: ops.conv2d_fft(X, KERNEL, bias=np.zeros(3)), r"bias must have shape \(K,\)"),
        (lambda: ops.separable_conv2d(X, np.ones((3, 1)), [1.0]), r"column must have shape"),
        (lambda: ops.separable_conv2d(X, [1.0], "abc"), r"row must be a real numeric array"),
        (lambda: ops.separable_conv2d(X, [], [1.0]), r"x, column and row must not be empty"),
        (lambda: ops.separable_conv2d(X, [1.0], [1.0], stride=0), r"stride must be >= 1; got 0"),
        (lambda: ops.separable_conv2d(X, [1.0], [1.0], padding="x"), r"padding must be one of"),
        (
            lambda: ops.separable_conv2d(X, np.ones(9), [1.0]),
            r"kernel_size \(9, 1\) is larger than the padded input",
        ),
        (lambda: ops.separable_conv2d(X, [1.0], [1.0], bias=np.ones(2)), r"bias must be"),
        (lambda: ops.rank1_factors(np.ones((3, 3, 1))), r"kernel must have shape \(F_h, F_w\)"),
        (lambda: ops.rank1_factors(np.ones((0, 3))), r"kernel must not be empty"),
        (lambda: ops.rank1_factors(SOBEL, tol=-1), r"tol must be between 0"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
