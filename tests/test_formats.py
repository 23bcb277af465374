"""Image formats (lesson 1, section 8): what each file gives back, checked against the
libraries that read them, and the formats' own reference functions by definition."""

import io

import numpy as np
import pytest

from cnncourse import data, formats
from cnncourse.exercises import FAILED, PASSED, lesson01


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def _pillow(file_bytes):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(file_bytes)))


# --------------------------------------------------------------------------- encode


@pytest.mark.parametrize(
    ("format", "dtype", "shape"),
    [
        ("PNG", np.uint8, (6, 7, 4)),
        ("PNG", np.uint8, (6, 7, 2)),
        ("PNG", np.uint16, (6, 7)),
        ("TIFF", np.uint16, (6, 7)),
        ("TIFF", np.float32, (6, 7)),
        ("PPM", np.uint8, (6, 7, 3)),
    ],
)
def test_lossless_formats_give_back_the_array(rng, format, dtype, shape):
    import imageio.v3 as iio

    if dtype == np.float32:
        image = rng.random(shape).astype(dtype)
    else:
        image = rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True).astype(dtype)
    back = iio.imread(formats.encode(image, format))
    assert back.shape == image.shape
    np.testing.assert_array_equal(back, image)


def test_jpeg_changes_the_numbers_and_gif_keeps_at_most_its_palette(rng):
    image = data.sample_image("astronaut")[:64, :64]
    jpeg = _pillow(formats.encode(image, "JPEG", quality=50))
    assert jpeg.shape == image.shape and not np.array_equal(jpeg, image)
    indices = _pillow(formats.encode(image, "GIF", colors=8))
    assert indices.shape == image.shape[:2] and indices.max() < 8


@pytest.mark.parametrize(
    ("image", "format", "match"),
    [
        (np.zeros((4, 4, 4), np.uint8), "JPEG", "1 or 3 channels for JPEG"),
        (np.zeros((4, 4), np.float64), "PNG", "uint8 or uint16 for PNG"),
        (np.zeros((4, 4, 3), np.uint16), "PNG", "one channel to be saved as uint16"),
        (np.zeros((4, 4), np.uint8), "BMP", "format must be one of"),
        (np.zeros(4, np.uint8), "PNG", "image must have shape"),
    ],
)
def test_encode_refuses_what_a_format_cannot_hold(image, format, match):
    with pytest.raises(ValueError, match=match):
        formats.encode(image, format)


@pytest.mark.parametrize(("name", "value"), [("quality", 0), ("quality", 101), ("colors", 257)])
def test_encode_checks_quality_and_colors(name, value):
    with pytest.raises(ValueError, match=name):
        formats.encode(np.zeros((4, 4), np.uint8), "GIF", **{name: value})


# --------------------------------------------------------------------------- alpha


def test_flatten_alpha_matches_pillows_alpha_composite_within_one_level(rng):
    from PIL import Image

    image = rng.integers(0, 256, size=(20, 30, 4), dtype=np.uint8)
    for background in [(255, 255, 255), (0, 0, 0), (12, 200, 99)]:
        ours = formats.flatten_alpha(image, background)
        canvas = Image.new("RGBA", (30, 20), (*background, 255))
        theirs = np.asarray(Image.alpha_composite(canvas, Image.fromarray(image)).convert("RGB"))
        assert np.abs(ours.astype(int) - theirs).max() <= 1


def test_flatten_alpha_keeps_opaque_pixels_and_replaces_transparent_ones():
    image = np.array([[[10, 20, 30, 255], [10, 20, 30, 0]]], np.uint8)
    np.testing.assert_array_equal(
        formats.flatten_alpha(image, (1, 2, 3)), [[[10, 20, 30], [1, 2, 3]]]
    )


@pytest.mark.parametrize(
    ("image", "background", "match"),
    [
        (np.zeros((2, 2, 3), np.uint8), (0, 0, 0), "4 channel"),
        (np.zeros((2, 2, 4), np.float32), (0, 0, 0), "uint8"),
        (np.zeros((2, 2, 4), np.uint8), (0, 0), "background must be 3 values"),
        (np.zeros((2, 2, 4), np.uint8), (0, 0, 300), "background must be 3 values"),
    ],
)
def test_flatten_alpha_refuses_bad_input(image, background, match):
    with pytest.raises(ValueError, match=match):
        formats.flatten_alpha(image, background)


def test_the_flatten_alpha_exercise_catches_slicing_and_truncating():
    exercise = lesson01.flatten_alpha
    assert exercise.grade(formats.flatten_alpha).status == PASSED
    assert exercise.grade(lambda image, background: image[..., :3]).status == FAILED

    def truncated(image, background):
        alpha = image[..., 3:] / 255
        return (alpha * image[..., :3] + (1 - alpha) * np.asarray(background)).astype(np.uint8)

    assert exercise.grade(truncated).status == FAILED


# --------------------------------------------------------------------------- PGM / PBM


@pytest.mark.parametrize("maxval", [1, 16, 255, 4095, 65535])
def test_plain_pgm_round_trips_and_pillow_reads_it_rescaled(rng, maxval):
    image = rng.integers(0, maxval + 1, size=(5, 7))
    text = formats.write_plain_pnm(image.astype(np.uint16), maxval=maxval, comment="test")
    back = formats.read_plain_pnm(text)
    np.testing.assert_array_equal(back, image)
    assert back.dtype == (np.uint8 if maxval < 256 else np.uint16)
    if maxval < 256:  # Pillow gives 8 bits, value * 255 / maxval rounded
        theirs = _pillow(text.encode())
        np.testing.assert_array_equal(theirs, np.floor(image / maxval * 255 + 0.5))


def test_plain_pbm_is_one_for_black_and_pillow_reads_true_for_white(rng):
    ink = rng.random((6, 9)) > 0.5
    text = formats.write_plain_pnm(ink)
    assert text.startswith("P1\n9 6\n")
    np.testing.assert_array_equal(formats.read_plain_pnm(text), ink.astype(np.uint8))
    np.testing.assert_array_equal(_pillow(text.encode()), ~ink)


def test_the_pgm_cases_are_laid_out_at_random_and_agree_with_pillow():
    import re

    cases = lesson01.read_plain_pgm.cases()
    assert any("#" in case.args[0] for case in cases) and any(
        "\t" in case.args[0] for case in cases
    )
    for case in cases:
        (text,) = case.args
        maxval = int(re.sub(r"#[^\n]*", " ", text).split()[3])
        if maxval < 256:  # Pillow reads 8-bit plain PGMs, rescaled to 0..255
            expected = formats.read_plain_pnm(text)
            np.testing.assert_array_equal(
                _pillow(text.encode()), np.floor(expected / maxval * 255 + 0.5)
            )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("P5\n1 1\n255\n0", "must start with P1"),
        ("P2\n2 2\n255\n0 1 2", "4 pixels; got 3"),
        ("P2\n1 1\n15\n16", "outside 0..15"),
        ("P2\n1 x\n15\n1", "whole numbers"),
        ("P2\n0 1\n15\n", "bad header"),
        ("P2 3", "ends inside the header"),
    ],
)
def test_read_plain_pnm_says_what_is_wrong_with_a_file(text, match):
    with pytest.raises(ValueError, match=match):
        formats.read_plain_pnm(text)


def test_the_pgm_exercise_catches_a_reader_that_ignores_comments_or_maxval():
    exercise = lesson01.read_plain_pgm
    assert exercise.grade(formats.read_plain_pnm).status == PASSED

    def no_comments(text):
        tokens = text.split()
        w, h = int(tokens[1]), int(tokens[2])
        return np.array([int(t) for t in tokens[4:]]).reshape(h, w).astype(np.uint8)

    def always_uint8(text):
        return formats.read_plain_pnm(text).astype(np.uint8)

    assert not exercise.grade(no_comments).passed
    assert exercise.grade(always_uint8).status == FAILED


# --------------------------------------------------------------------------- RAW


def test_bayer_mosaic_then_binning_recovers_a_flat_colour():
    colour = np.array([200, 120, 40], np.uint8)
    raw = formats.bayer_mosaic(np.tile(colour, (4, 6, 1)), bits=14)
    assert raw.shape == (4, 6) and raw.dtype == np.uint16 and raw.max() <= 2**14 - 1
    from cnncourse import images

    linear = formats.bin_bayer(raw, bits=14)
    np.testing.assert_allclose(images.linear_to_srgb(linear), np.tile(colour, (2, 3, 1)), atol=0.05)


@pytest.mark.parametrize("call", ["bayer_mosaic", "bin_bayer"])
def test_raw_functions_refuse_odd_sizes_and_bit_depths(call):
    fn = getattr(formats, call)
    image = np.zeros((3, 4, 3), np.uint8) if call == "bayer_mosaic" else np.zeros((3, 4))
    with pytest.raises(ValueError, match="even height and width"):
        fn(image)
    even = image[:2]
    with pytest.raises(ValueError, match="bits must be between 8 and 16"):
        fn(even, bits=17)


# --------------------------------------------------------------------------- medical


def test_window_maps_the_window_onto_zero_to_one_and_clips():
    values = np.array([-1000.0, 0.0, 20.0, 40.0, 60.0, 80.0, 3000.0])
    np.testing.assert_allclose(
        formats.window(values, center=40, width=80), [0, 0, 0.25, 0.5, 0.75, 1, 1]
    )
    with pytest.raises(ValueError, match="width must be > 0"):
        formats.window(values, 40, 0)


def test_a_dicom_slice_gives_back_its_hounsfield_units_and_header():
    import pydicom

    volume = data.ct_phantom(size=32, slices=4)
    ds = pydicom.dcmread(io.BytesIO(formats.to_dicom(volume.hu[1], spacing=(7.5, 7.5))))
    assert ds.pixel_array.dtype == np.uint16 and ds.pixel_array.max() < 2**12
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_array_equal(hu, volume.hu[1])
    assert [float(v) for v in ds.PixelSpacing] == [7.5, 7.5] and ds.Modality == "CT"


def test_to_dicom_refuses_values_that_do_not_fit_its_bits():
    with pytest.raises(ValueError, match="hu must lie in -1024..3071"):
        formats.to_dicom(np.array([[-1025, 0]]))
    with pytest.raises(ValueError, match="integer array"):
        formats.to_dicom(np.zeros((2, 2)))


def test_a_nifti_volume_keeps_its_values_dtype_and_voxel_size():
    import nibabel

    volume = data.ct_phantom(size=16, slices=3).hu.transpose(2, 1, 0)
    image = nibabel.Nifti1Image.from_bytes(formats.to_nifti(volume, (1.5, 1.5, 5.0)))
    np.testing.assert_array_equal(np.asarray(image.dataobj), volume)
    assert np.asarray(image.dataobj).dtype == np.int16
    np.testing.assert_allclose(image.header.get_zooms(), (1.5, 1.5, 5.0))
    with pytest.raises(ValueError, match="spacing must be 3 values > 0"):
        formats.to_nifti(volume, (1.0, 0.0, 1.0))


def test_the_phantoms_bleed_is_35_hu_above_the_brain_and_reproducible():
    a, b = data.ct_phantom(seed=1), data.ct_phantom(seed=1)
    np.testing.assert_array_equal(a.hu, b.hu)
    brain = np.abs(a.hu - data.HOUNSFIELD["brain"]) < 20
    difference = a.hu[a.bleed].mean() - a.hu[brain & ~a.bleed].mean()
    assert 30 < difference < 40
    with pytest.raises(ValueError, match="size must be >= 16"):
        data.ct_phantom(size=8)


# --------------------------------------------------------------------------- JPEG


def test_jpeg_blockiness_grows_as_quality_falls():
    from cnncourse import images

    photo = data.sample_image("camera")[:128, :128]
    low = formats.jpeg_blockiness(photo, images.roundtrip(photo, "JPEG", 5)[0])
    high = formats.jpeg_blockiness(photo, images.roundtrip(photo, "JPEG", 95)[0])
    assert low > 1.5 > high


def test_describe_reads_shape_dtype_and_range():
    assert formats.describe(np.array([[3, 9]], np.uint16)) == "shape (1, 2), uint16, values 3..9"
    assert formats.describe(np.zeros((0, 3))) == "shape (0, 3), float64, no values"


# --------------------------------------------------------------------------- the quick checks


def test_the_formats_questions_are_answered_by_their_own_numbers():
    quiz = lesson01.FORMATS_QUIZ
    width, height = quiz["rgba"]
    assert lesson01.q_rgba_shape.grade((height, width, 4)).passed
    assert not lesson01.q_rgba_shape.grade((width, height, 4)).passed
    white = 2 ** quiz["bits"] - 1
    assert lesson01.q_raw_white.grade([white, white / 65535]).passed
    assert not lesson01.q_raw_white.grade([white, white / 255]).passed
    center, width = quiz["window"]
    grays = [min(max((v - center + width / 2) / width, 0), 1) for v in quiz["hu"]]
    assert lesson01.q_window_gray.grade(grays).passed
