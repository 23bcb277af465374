"""Lesson 1's reference functions, against libraries and by definition."""

import numpy as np
import pytest

from cnncourse import images


@pytest.fixture
def rng():
    return np.random.default_rng(1)


def random_images(rng, n=20):
    for _ in range(n):
        h, w = rng.integers(1, 40, size=2)
        yield rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def test_rgb_to_grayscale_matches_keras_on_random_images(rng):
    import keras

    for image in random_images(rng):
        ours = images.rgb_to_grayscale(image)
        theirs = keras.ops.convert_to_numpy(
            keras.ops.image.rgb_to_grayscale(image.astype("float32"))
        )
        # Keras rounds the red weight to 0.2989: at most 0.0001 * 255 apart
        np.testing.assert_allclose(ours, theirs[..., 0], atol=0.03)


def test_rgb_to_grayscale_bt709_matches_scikit_image(rng):
    from skimage.color import rgb2gray

    for image in random_images(rng):
        ours = images.rgb_to_grayscale(image, weights="bt709") / 255
        np.testing.assert_allclose(ours, rgb2gray(image), atol=1e-6)


def test_rgb_to_grayscale_of_gray_pixels_is_their_value():
    gray = np.array([[[0, 0, 0], [128, 128, 128], [255, 255, 255]]], dtype=np.uint8)
    np.testing.assert_allclose(images.rgb_to_grayscale(gray), [[0, 128, 255]], atol=1e-9)


def test_rgb_to_grayscale_keeps_batches():
    batch = np.zeros((4, 5, 6, 3), dtype=np.uint8)
    assert images.rgb_to_grayscale(batch).shape == (4, 5, 6)


@pytest.mark.parametrize("shape", [(4, 4), (4, 4, 1), (4, 4, 4), (2, 3, 4, 4, 3)])
def test_rgb_to_grayscale_rejects_wrong_shapes_naming_image(shape):
    with pytest.raises(ValueError, match="image"):
        images.rgb_to_grayscale(np.zeros(shape, np.uint8))


def test_rgb_to_grayscale_rejects_unknown_weights_listing_them():
    with pytest.raises(ValueError, match="weights must be one of 'bt601', 'bt709', 'mean'"):
        images.rgb_to_grayscale(np.zeros((2, 2, 3)), weights="bt2020")


def test_normalize_is_float32_in_unit_range(rng):
    for image in random_images(rng):
        scaled = images.normalize(image)
        assert scaled.dtype == np.float32 and scaled.shape == image.shape
        np.testing.assert_allclose(scaled * 255, image, atol=1e-4)


def test_normalize_rejects_values_outside_0_255():
    with pytest.raises(ValueError, match="image must hold values in 0..255"):
        images.normalize(np.array([-1.0, 300.0]))


def test_to_bgr_reverses_channels_and_is_its_own_inverse(rng):
    for image in random_images(rng):
        bgr = images.to_bgr(image)
        assert bgr.dtype == image.dtype
        np.testing.assert_array_equal(bgr[..., 0], image[..., 2])
        np.testing.assert_array_equal(images.to_bgr(bgr), image)


def test_channel_means_per_channel():
    image = np.stack(
        [np.full((3, 3), 10), np.full((3, 3), 20), np.arange(9).reshape(3, 3)], axis=-1
    )
    np.testing.assert_allclose(images.channel_means(image), [10, 20, 4])


def test_roundtrip_png_is_lossless_and_jpeg_is_not(rng):
    image = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    png, png_bytes = images.roundtrip(image, "PNG")
    jpeg, jpeg_bytes = images.roundtrip(image, "JPEG", quality=50)
    np.testing.assert_array_equal(png, image)
    assert jpeg.shape == image.shape and not np.array_equal(jpeg, image)
    assert png_bytes > 0 and jpeg_bytes > 0


def test_roundtrip_keeps_a_single_channel_axis():
    image = np.zeros((8, 8, 1), np.uint8)
    assert images.roundtrip(image, "PNG")[0].shape == (8, 8, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "GIF"}, "format must be one of"),
        ({"quality": 0}, "quality must be >= 1"),
        ({"quality": 101}, "quality must be between 1 and 100"),
    ],
)
def test_roundtrip_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        images.roundtrip(np.zeros((4, 4, 3), np.uint8), **kwargs)


def test_roundtrip_rejects_float_images():
    with pytest.raises(ValueError, match="image must be uint8"):
        images.roundtrip(np.zeros((4, 4, 3)), "PNG")
