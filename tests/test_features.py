"""Hand-made features (lesson 13): HOG step by step against scikit-image, Gabor filters
against scikit-image's, and the helpers that compare kernels with a Gabor bank."""

import numpy as np
import pytest

from cnncourse import data, features


@pytest.fixture
def rng():
    return np.random.default_rng(13)


@pytest.mark.parametrize(
    ("shape", "orientations", "cell", "block", "norm"),
    [
        ((64, 48), 9, 8, 3, "L2-Hys"),
        ((37, 53), 6, 5, 2, "L2"),
        ((16, 16), 12, 4, 1, "L1"),
        ((30, 20), 8, 3, 2, "L1-sqrt"),
    ],
)
def test_hog_equals_scikit_image(rng, shape, orientations, cell, block, norm):
    from skimage.feature import hog

    image = rng.random(shape)
    ours = features.hog(image, orientations, cell, block, norm)
    theirs = hog(image, orientations, (cell, cell), (block, block), block_norm=norm)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_hog_of_a_real_photo_and_of_integers_equals_scikit_image():
    from skimage.feature import hog

    camera = data.sample_image("camera")[:128, :96, 0]
    np.testing.assert_allclose(features.hog(camera / 255), hog(camera / 255), atol=1e-6)
    np.testing.assert_allclose(
        features.hog(camera.astype(float), 9, 8, 2), hog(camera.astype(float), 9, (8, 8), (2, 2)),
        atol=1e-6,
    )  # fmt: skip


def test_cell_histograms_are_the_cell_histogram_of_each_cell(rng):
    image = rng.random((20, 27))
    every = features.cell_histograms(image, pixels_per_cell=6, orientations=7)
    assert every.shape == (3, 4, 7)
    magnitude, orientation = features.magnitude_orientation(*features.gradients(image))
    for r in range(3):
        for c in range(4):
            cell = np.s_[6 * r : 6 * r + 6, 6 * c : 6 * c + 6]
            expected = features.cell_histogram(magnitude[cell], orientation[cell], 7)
            np.testing.assert_allclose(every[r, c], expected)


def test_cell_histograms_match_scikit_image_with_one_cell_blocks_and_l1(rng):
    from skimage.feature import hog

    image = rng.random((24, 32))
    ours = features.cell_histograms(image, 8, 9)
    theirs = hog(image, 9, (8, 8), (1, 1), block_norm="L1", feature_vector=False)[:, :, 0, 0]
    np.testing.assert_allclose(ours / (ours.sum(axis=-1, keepdims=True) + 1e-5), theirs, atol=1e-6)


def test_gradients_are_central_differences_and_sobel_is_them_smoothed(rng):
    from cnncourse import ops

    image = rng.random((9, 11))
    g_row, g_col = features.gradients(image)
    assert g_row[4, 5] == image[5, 5] - image[3, 5] and g_col[4, 5] == image[4, 6] - image[4, 4]
    assert (g_row[[0, -1]] == 0).all() and (g_col[:, [0, -1]] == 0).all()
    sobel = ops.conv2d(image, np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0]))
    smoothed = ops.conv2d(g_col[:, 1:-1], np.array([[1.0], [2.0], [1.0]]))
    np.testing.assert_allclose(sobel, smoothed)


def test_orientation_is_unsigned_and_zero_for_a_vertical_edge():
    magnitude, orientation = features.magnitude_orientation([0.0, 0.0, 2.0], [1.0, -1.0, 0.0])
    np.testing.assert_allclose(orientation, [0.0, 0.0, 90.0])
    np.testing.assert_allclose(magnitude, [1.0, 1.0, 2.0])


def test_hog_ignores_brightness_and_contrast(rng):
    image = rng.random((32, 32))
    np.testing.assert_allclose(features.hog(0.3 * image + 0.5), features.hog(image), atol=1e-3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: features.hog(np.zeros((4, 4)), pixels_per_cell=8), "at least one cell"),
        (lambda: features.hog(np.zeros((16, 16)), cells_per_block=3), "at least cells_per_block"),
        (lambda: features.hog(np.zeros((16, 16, 3))), "one channel"),
        (lambda: features.hog(np.zeros((16, 16)), block_norm="L3"), "block_norm must be one of"),
        (lambda: features.cell_histogram(np.ones(2), np.array([0.0, 180.0])), r"\[0, 180\)"),
        (lambda: features.cell_histogram(np.ones(2), np.ones(3)), "shape of magnitude"),
        (lambda: features.gabor_kernel(4, 4, 0, 1), "size must be odd"),
        (lambda: features.gabor_kernel(5, 0, 0, 1), "wavelength and sigma must be > 0"),
        (lambda: features.oriented_bar(5, 0, width=0), "width must be > 0"),
        (lambda: features.best_match(np.ones((3, 3, 2)), np.ones((5, 5, 2))), "kernel size"),
    ],
)
def test_bad_arguments_get_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(("theta", "phase"), [(0.0, 0.0), (30.0, 0.0), (90.0, 90.0), (135.0, 45.0)])
def test_gabor_kernel_is_scikit_images_real_part_unnormalised(theta, phase):
    from skimage.filters import gabor_kernel

    ours = features.gabor_kernel(11, wavelength=5.0, theta=theta, sigma=2.0, phase=phase)
    theirs = gabor_kernel(
        1 / 5, np.deg2rad(theta), sigma_x=2.0, sigma_y=2.0, offset=np.deg2rad(phase)
    ).real * (2 * np.pi * 2.0**2)
    middle, half = theirs.shape[0] // 2, 5
    np.testing.assert_allclose(
        ours,
        theirs[middle - half : middle + half + 1, middle - half : middle + half + 1],
        atol=1e-12,
    )


def test_a_gabor_filter_prefers_the_bar_of_its_own_orientation():
    for theta in (0.0, 45.0, 90.0, 135.0):
        kernel = features.gabor_kernel(9, wavelength=8, theta=theta, sigma=2.5)
        responses = [
            float((kernel * features.oriented_bar(9, angle, width=2)).sum())
            for angle in (0.0, 45.0, 90.0, 135.0)
        ]
        assert int(np.argmax(responses)) == int(theta // 45)


def test_best_match_and_closest_find_a_bank_kernel_up_to_sign_and_scale(rng):
    bank = features.gabor_bank(size=7)
    assert bank.shape == (7, 7, 32)
    kernels = np.stack([-2.0 * bank[..., 5] + 0.3, 0.5 * bank[..., 17]], axis=-1)
    np.testing.assert_allclose(features.best_match(kernels, bank), [1.0, 1.0])
    centred = kernels - kernels.mean(axis=(0, 1))
    np.testing.assert_allclose(features.closest(kernels, bank), centred, atol=1e-12)
    noise = rng.normal(size=(7, 7, 20))
    assert np.median(features.best_match(noise, bank)) < 0.6
