"""NumPy pooling (cnncourse.pooling) against Keras's layers."""

import keras
import numpy as np
import pytest

from cnncourse import ops, pooling


@pytest.fixture
def rng():
    return np.random.default_rng(5)


def keras_pool(layer_class, x, **kwargs):
    """A Keras pooling layer (float64) applied to a (N, H, W, C) batch."""
    import keras

    layer = getattr(keras.layers, layer_class)(dtype="float64", **kwargs)
    return keras.ops.convert_to_numpy(layer(x))


#: Keras's mean off TensorFlow is computed in float32 even for float64 inputs: ``ops.mean``
#: computes in ``result_type(x.dtype, "float32")``, and Keras's type promotion turns
#: float64 into float32 on every backend but TensorFlow (to match JAX's default). So
#: GlobalAveragePooling2D(dtype="float64") is float32-accurate on JAX and PyTorch, and the
#: comparison with it holds only to float32's round-off there.
#: test_kerass_float64_mean_is_float32_off_tensorflow fails once Keras keeps float64.
KERAS_MEAN_RTOL = 1e-12 if keras.backend.backend() == "tensorflow" else 1e-6

POOL_CASES = [
    # (N, H, W, C, pool_size, stride, padding)
    (1, 4, 4, 1, 2, None, "valid"),
    (2, 6, 6, 3, 2, None, "valid"),
    (2, 7, 5, 2, 2, None, "valid"),  # odd sizes: the last row/column is dropped
    (1, 7, 7, 2, 3, 2, "valid"),  # overlapping windows
    (2, 9, 8, 1, (3, 2), (1, 2), "valid"),
    (1, 8, 8, 3, 2, 3, "valid"),  # stride > pool_size: gaps between windows
    (1, 5, 5, 1, 2, None, "same"),
    (2, 7, 6, 3, 2, None, "same"),
    (1, 7, 7, 2, 3, 2, "same"),
    (2, 6, 9, 2, 3, 1, "same"),
    (1, 9, 7, 1, (2, 3), (3, 2), "same"),
    (1, 8, 8, 2, 4, 3, "same"),
    (1, 3, 3, 1, 5, 2, "same"),  # pool larger than the input
    (3, 10, 10, 4, 2, 1, "same"),
    (1, 11, 5, 2, 1, 2, "same"),
]
ARGS = ("n", "h", "w", "c", "pool_size", "stride", "padding")


@pytest.mark.parametrize(ARGS, POOL_CASES)
def test_max_and_avg_pool2d_match_keras(rng, n, h, w, c, pool_size, stride, padding):
    # negative values: zero padding would change a "same" max, ones would change the means
    x = rng.standard_normal((n, h, w, c)) - 3.0
    kwargs = {"pool_size": pool_size, "strides": stride, "padding": padding}
    for ours, theirs in [
        (pooling.max_pool2d, "MaxPooling2D"),
        (pooling.avg_pool2d, "AveragePooling2D"),
    ]:
        expected = keras_pool(theirs, x, **kwargs)
        result = ours(x, pool_size, stride=stride, padding=padding)
        assert result.shape == expected.shape, theirs
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12, err_msg=theirs)


@pytest.mark.parametrize(ARGS, POOL_CASES[::2])
def test_l2_pool2d_is_the_norm_of_each_window_as_a_keras_sum_of_squares(
    rng, n, h, w, c, pool_size, stride, padding
):
    # sqrt(sum(x ** 2)) per window (Goodfellow et al. 9.3, PyTorch's LPPool2d): the window
    # sums of one channel of x ** 2 are a convolution with a kernel of ones, which pads
    # exactly as pooling does (zeros add nothing to the sums)
    import keras

    x = rng.standard_normal((n, h, w, c))
    pool = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sums = keras.layers.Conv2D(
        1,
        pool,
        strides=pool if stride is None else stride,
        padding=padding,
        use_bias=False,
        kernel_initializer="ones",
        dtype="float64",
    )
    squares = x**2
    expected = np.sqrt(
        np.concatenate(
            [keras.ops.convert_to_numpy(sums(squares[..., k : k + 1])) for k in range(c)], axis=-1
        )
    )
    np.testing.assert_allclose(
        pooling.l2_pool2d(x, pool_size, stride, padding), expected, rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize(ARGS, [case for case in POOL_CASES if case[-1] == "valid"])
def test_l2_pool2d_valid_is_sqrt_of_area_times_keras_average_of_squares(
    rng, n, h, w, c, pool_size, stride, padding
):
    x = rng.standard_normal((n, h, w, c))
    area = np.prod(pool_size) if isinstance(pool_size, tuple) else pool_size**2
    kwargs = {"pool_size": pool_size, "strides": stride, "padding": padding}
    expected = np.sqrt(area * keras_pool("AveragePooling2D", x**2, **kwargs))
    np.testing.assert_allclose(
        pooling.l2_pool2d(x, pool_size, stride, padding), expected, rtol=1e-12, atol=1e-12
    )


def test_l2_norm_rms_mean_and_max_ordering(rng):
    # non-negative windows: mean <= root mean square <= max <= L2 norm
    x = rng.uniform(0, 5, size=(1, 8, 8, 3))
    mean, top = pooling.avg_pool2d(x, 2), pooling.max_pool2d(x, 2)
    norm = pooling.l2_pool2d(x, 2)
    rms = norm / 2.0  # sqrt(4 cells)
    assert np.all(mean <= rms + 1e-12) and np.all(rms <= top + 1e-12)
    assert np.all(top <= norm + 1e-12)
    # signed windows: the root mean square can exceed the maximum
    signed = np.array([[-5.0, 1.0], [1.0, 1.0]])
    assert pooling.l2_pool2d(signed)[0, 0] / 2 > pooling.max_pool2d(signed)[0, 0]


def test_same_padding_conventions_of_keras_pooling():
    # max: -inf padding, a padded cell never wins; average: padding left out of the count
    x = -np.arange(1.0, 10.0).reshape(3, 3)  # all negative
    np.testing.assert_array_equal(pooling.max_pool2d(x, padding="same"), [[-1, -3], [-7, -9]])
    np.testing.assert_array_equal(
        pooling.avg_pool2d(x, padding="same"), [[-3, -4.5], [-7.5, -9]]
    )  # e.g. (-1 - 2 - 4 - 5) / 4, (-3 - 6) / 2, and -9 alone
    np.testing.assert_allclose(
        pooling.l2_pool2d(x, padding="same")[1, 1], 9.0
    )  # one real cell: sqrt(81)


@pytest.mark.parametrize("shape", [(2, 5, 6, 3), (5, 6, 3), (1, 1, 1, 4)])
def test_global_pooling_matches_keras(rng, shape):
    x = rng.standard_normal(shape)
    batch = x if x.ndim == 4 else x[None]
    for ours, theirs, rtol in [
        (pooling.global_max_pool, "GlobalMaxPooling2D", 1e-12),
        (pooling.global_avg_pool, "GlobalAveragePooling2D", KERAS_MEAN_RTOL),
    ]:
        expected = keras_pool(theirs, batch)
        result = ours(x)
        assert result.shape == (expected.shape if x.ndim == 4 else expected.shape[1:])
        np.testing.assert_allclose(result, expected if x.ndim == 4 else expected[0], rtol=rtol)


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="float64 on TensorFlow")
def test_kerass_float64_mean_is_float32_off_tensorflow(rng):
    """Fails once Keras computes a float64 mean in float64: then KERAS_MEAN_RTOL can go."""
    x = rng.standard_normal((2, 5, 5, 3))
    mean = keras.ops.mean(keras.ops.convert_to_tensor(x, dtype="float64"), axis=(1, 2))
    assert keras.backend.standardize_dtype(mean.dtype) == "float64"  # float64 on the outside...
    error = np.abs(keras.ops.convert_to_numpy(mean) - x.mean(axis=(1, 2))).max()
    assert 1e-12 < error < 1e-6  # ...float32 inside


def test_global_pooling_of_a_2d_image_is_a_0d_array():
    x = np.array([[1.0, 5.0], [3.0, 3.0]])
    assert pooling.global_max_pool(x).shape == () and pooling.global_max_pool(x) == 5.0
    assert pooling.global_avg_pool(x).shape == () and pooling.global_avg_pool(x) == 3.0


@pytest.mark.parametrize(
    ("shape", "pool_size"), [((4, 5, 6), 3), ((2, 3, 3, 8), 2), ((3, 3, 4), 4)]
)
def test_depth_max_pool_is_a_reshape_max_over_channel_groups(rng, shape, pool_size):
    x = rng.standard_normal(shape)
    groups = x.reshape(*shape[:-1], shape[-1] // pool_size, pool_size)
    result = pooling.depth_max_pool(x, pool_size)
    assert result.shape == (*shape[:-1], shape[-1] // pool_size)
    np.testing.assert_array_equal(result, groups.max(axis=-1))


@pytest.mark.parametrize(("channels", "pool_size", "stride"), [(7, 3, 2), (7, 3, 3), (5, 2, 1)])
def test_depth_max_pool_with_a_stride_or_left_over_channels(rng, channels, pool_size, stride):
    x = rng.standard_normal((2, 3, 4, channels))
    n_out = (channels - pool_size) // stride + 1
    expected = np.stack(
        [x[..., k * stride : k * stride + pool_size].max(axis=-1) for k in range(n_out)], axis=-1
    )
    np.testing.assert_array_equal(pooling.depth_max_pool(x, pool_size, stride=stride), expected)


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d", "l2_pool2d"])
def test_pooling_accepts_every_layout_and_keeps_float32(rng, pool):
    function = getattr(pooling, pool)
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)
    batch = function(x, 3, 2, "same")
    assert batch.shape == (2, 4, 3, 3) and batch.dtype == np.float32
    np.testing.assert_allclose(function(x[1], 3, 2, "same"), batch[1], rtol=1e-6)
    np.testing.assert_allclose(function(x[1, :, :, 2], 3, 2, "same"), batch[1, :, :, 2], rtol=1e-6)
    assert function(x.astype(np.int64), 2).dtype == np.float64


def test_pooling_is_its_own_module_and_imports_no_keras():
    import subprocess
    import sys

    code = "import cnncourse.pooling, sys; "
    code += "print('keras' in sys.modules, 'cnncourse.ops' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"
    assert not hasattr(ops, "max_pool2d")  # one home: cnncourse.pooling


X = np.zeros((6, 6, 3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pooling.max_pool2d(X, 0), r"pool_size must be >= 1; got 0"),
        (lambda: pooling.avg_pool2d(X, (2, 2, 2)), r"pool_size must be an int or a tuple of 2"),
        (lambda: pooling.l2_pool2d(X, 2, stride=0), r"stride must be >= 1; got 0"),
        (
            lambda: pooling.max_pool2d(X, 2, padding="full"),
            r"padding must be one of 'valid', 'same'",
        ),
        (lambda: pooling.max_pool2d(X, 2, padding=1), r"padding must be one of 'valid', 'same'"),
        (
            lambda: pooling.avg_pool2d(X, 7),
            r"pool_size \(7, 7\) is larger than the padded input \(6, 6\)",
        ),
        (lambda: pooling.max_pool2d(X[0, 0], 2), r"x must have shape \(H, W\), \(H, W, C\)"),
        (lambda: pooling.max_pool2d(np.zeros((0, 4, 4, 1)), 2), r"x must not be empty"),
        (lambda: pooling.max_pool2d(X.astype(complex), 2), r"x must be a real numeric array"),
        (lambda: pooling.global_avg_pool(np.zeros(3)), r"x must have shape"),
        (lambda: pooling.depth_max_pool(X, 4), r"pool_size must be at most the number of channels"),
        (lambda: pooling.depth_max_pool(X, 0), r"pool_size must be >= 1; got 0"),
        (lambda: pooling.depth_max_pool(X, 2, stride=0), r"stride must be >= 1; got 0"),
        (lambda: pooling.depth_max_pool(X[..., 0], 1), r"x must have shape \(H, W, C\) or"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- fractional max pooling


def test_fractional_pooling_with_ratio_2_is_plain_2x2_max_pooling():
    x = np.random.default_rng(0).normal(size=(8, 10, 3))
    np.testing.assert_array_equal(
        pooling.fractional_max_pool2d(x, 2.0, seed=5), pooling.max_pool2d(x, 2)
    )


@pytest.mark.parametrize("ratio", [1.0, 1.2, 1.41, 1.7, 2.5, 3.0])
def test_fractional_pooling_regions_tile_the_axis_with_two_sizes(ratio):
    from cnncourse.pooling import _fractional_edges

    for seed in range(5):
        starts = _fractional_edges(23, ratio, np.random.default_rng(seed))
        sizes = np.diff(np.append(starts, 23))
        assert starts[0] == 0 and len(starts) == int(23 // ratio)
        assert set(sizes[:-1]) <= {int(np.floor(ratio)), int(np.ceil(ratio))}
        assert sizes[-1] >= 1


def test_fractional_pooling_shape_determinism_and_global_max():
    x = np.random.default_rng(1).normal(size=(2, 19, 17, 4))
    a = pooling.fractional_max_pool2d(x, 1.41, seed=3)
    assert a.shape == (2, 13, 12, 4)
    np.testing.assert_array_equal(a, pooling.fractional_max_pool2d(x, 1.41, seed=3))
    np.testing.assert_array_equal(a.max(axis=(1, 2)), x.max(axis=(1, 2)))


def test_fractional_pooling_rejects_ratios_below_one():
    with pytest.raises(ValueError, match="ratio must be between 1.0"):
        pooling.fractional_max_pool2d(np.zeros((4, 4)), 0.5)
