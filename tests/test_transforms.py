"""Affine transformations and filters (lesson 13) against scikit-image, SciPy and Keras."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncourse import ops, transforms


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _skimage_matrix(**kwargs):
    from skimage.transform import AffineTransform

    return AffineTransform(**kwargs).params


def test_the_basic_matrices_are_scikit_images():
    np.testing.assert_allclose(transforms.rotation(37), _skimage_matrix(rotation=np.deg2rad(37)))
    np.testing.assert_allclose(transforms.translation(3, -4), _skimage_matrix(translation=(3, -4)))
    np.testing.assert_allclose(transforms.scaling(2, 0.5), _skimage_matrix(scale=(2, 0.5)))
    np.testing.assert_allclose(transforms.identity(), _skimage_matrix())


def test_mirror_swaps_the_first_and_last_column_and_row():
    image = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(
        transforms.warp(image, transforms.mirror(width=4), order=0), image[:, ::-1]
    )
    np.testing.assert_array_equal(
        transforms.warp(image, transforms.mirror(height=3), order=0), image[::-1]
    )


def test_shear_slides_rows_sideways_by_their_row_number():
    np.testing.assert_allclose(transforms.apply(transforms.shear(kx=0.5), [[2, 4]]), [[4, 4]])


@settings(max_examples=40, deadline=None)
@given(
    degrees=st.floats(-180, 180),
    height=st.integers(1, 50),
    width=st.integers(1, 50),
)
def test_rotation_about_center_keeps_the_centre_and_turns_by_the_angle(degrees, height, width):
    m = transforms.rotation_about_center(degrees, height, width)
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    np.testing.assert_allclose(transforms.apply(m, centre), centre, atol=1e-9)
    step = transforms.apply(m, centre + [1.0, 0.0]) - centre
    angle = np.rad2deg(np.arctan2(step[1], step[0]))
    assert abs((angle - degrees + 180) % 360 - 180) < 1e-6


def test_a_quarter_turn_about_the_centre_is_rot90_for_any_shape(rng):
    for shape in [(6, 6), (7, 7), (5, 5, 3)]:
        image = rng.random(shape)
        turned = transforms.warp(image, transforms.rotation_about_center(90, *shape[:2]), order=0)
        np.testing.assert_array_equal(turned, np.rot90(image, -1))


def test_compose_applies_the_first_matrix_first(rng):
    a, b, c = transforms.rotation(20), transforms.translation(3, 1), transforms.scaling(2)
    p = rng.random((5, 2))
    step_by_step = transforms.apply(c, transforms.apply(b, transforms.apply(a, p)))
    np.testing.assert_allclose(transforms.apply(transforms.compose(a, b, c), p), step_by_step)
    np.testing.assert_allclose(transforms.compose(a, b), b @ a)
    np.testing.assert_allclose(transforms.compose(), np.eye(3))


@pytest.mark.parametrize("order", [0, 1])
def test_warp_equals_scikit_image(rng, order):
    from skimage.transform import AffineTransform, warp

    image = rng.random((23, 31, 2))
    matrices = [
        transforms.rotation_about_center(33, 23, 31),
        transforms.compose(
            transforms.scaling(1.3, 0.7), transforms.shear(0.2), transforms.translation(2.5, -1)
        ),
        transforms.mirror(width=31),
    ]  # fmt: skip
    for matrix in matrices:
        ours = transforms.warp(image, matrix, order=order, cval=0.25)
        theirs = warp(
            image, AffineTransform(matrix=matrix).inverse, order=order, mode="constant",
            cval=0.25, preserve_range=True,
        )  # fmt: skip
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.mark.parametrize(("order", "interpolation"), [(0, "nearest"), (1, "bilinear")])
def test_warp_equals_keras_affine_transform(rng, order, interpolation):
    import keras

    image = rng.random((20, 24, 3)).astype("float32")
    matrix = transforms.compose(
        transforms.rotation_about_center(21, 20, 24), transforms.translation(1.5, 2)
    )
    inverse = np.linalg.inv(matrix)
    eight = np.concatenate([inverse[0], inverse[1], [0.0, 0.0]]).astype("float32")
    theirs = keras.ops.convert_to_numpy(
        keras.ops.image.affine_transform(image, eight, interpolation=interpolation)
    )
    np.testing.assert_allclose(transforms.warp(image, matrix, order=order), theirs, atol=1e-4)


def test_nearest_keeps_the_values_and_bilinear_makes_new_ones(rng):
    image = rng.integers(0, 256, size=(8, 8)).astype(float)
    zoom = transforms.compose(transforms.translation(-0.375, -0.375), transforms.scaling(2))
    assert np.isin(transforms.warp(image, zoom, order=0), image).all()
    assert not np.isin(transforms.warp(image, zoom, order=1), image).all()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: transforms.scaling(0), "must not be 0"),
        (lambda: transforms.shear(1, 1), "must not be 1"),
        (lambda: transforms.mirror(), "exactly one of width"),
        (lambda: transforms.mirror(width=3, height=3), "exactly one of width"),
        (lambda: transforms.compose(np.eye(2)), r"matrices\[0\] must be a 3 x 3"),
        (lambda: transforms.apply(np.eye(3), [[1, 2, 3]]), r"shape \(N, 2\)"),
        (lambda: transforms.warp(np.zeros((4, 4)), np.eye(3), order=3), "order must be one of"),
        (lambda: transforms.warp(np.zeros((4, 4)), np.diag([1.0, 0.0, 1.0])), "invertible"),
        (lambda: transforms.gaussian_kernel(4, 1), "size must be odd"),
        (lambda: transforms.gaussian_kernel(3, 0), "sigma must be > 0"),
        (lambda: transforms.sharpen_kernel(1, np.ones((2, 2))), "odd size"),
    ],
)
def test_bad_arguments_get_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(("size", "sigma"), [(3, 0.8), (7, 1.5), (9, 3.0)])
def test_gaussian_kernel_blurs_as_scipy_does(rng, size, sigma):
    from scipy.ndimage import gaussian_filter

    image = rng.random((15, 18))
    ours = ops.conv2d(image, transforms.gaussian_kernel(size, sigma), padding="same")
    theirs = gaussian_filter(image, sigma, mode="constant", truncate=(size // 2) / sigma)
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_filters_keep_flat_regions_and_sharpening_steepens_an_edge():
    flat = np.full((9, 9), 0.4)
    for kernel in (
        transforms.box_kernel(3),
        transforms.gaussian_kernel(5, 1),
        transforms.sharpen_kernel(2),
    ):
        assert np.isclose(kernel.sum(), 1.0)
        np.testing.assert_allclose(ops.conv2d(flat, kernel)[2:-2, 2:-2], 0.4)
    edge = np.repeat([[0.0] * 5 + [1.0] * 5], 7, axis=0)
    sharp = ops.conv2d(edge, transforms.sharpen_kernel(1.0), padding="same")
    assert sharp[3, 5] - sharp[3, 4] > edge[3, 5] - edge[3, 4]
