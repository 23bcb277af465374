"""Specification of cnncourse.data: offline datasets for the lessons."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import types
import urllib.error

import numpy as np
import pytest

from cnncourse import data
from cnncourse.data import (
    SAMPLE_IMAGES,
    SHAPE_CLASSES,
    DatasetUnavailableError,
    _drawing,
    digits,
    sample_image,
    shapes,
)

# ---------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------


def test_importing_the_module_imports_no_heavy_library():
    code = (
        "import sys, cnncourse.data; "
        "print([m for m in ('keras', 'tensorflow', 'sklearn', 'skimage') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


PUBLIC_MODULES = (
    "photos",
    "handwritten",
    "synthetic",
    "multi_object",
    "video",
    "sequences",
    "batches",
    "keras_datasets",
    "medical",
    "augment",
)


def test_the_package_exports_the_union_of_its_modules_public_names():
    names = set()
    for module in PUBLIC_MODULES:
        names |= set(importlib.import_module(f"cnncourse.data.{module}").__all__)
    assert sorted(data.__all__) == sorted(names)
    assert set(data.__all__) <= set(dir(data))


@pytest.mark.parametrize("name", data.__all__)
def test_every_public_function_and_class_has_a_docstring_with_an_example(name):
    value = getattr(data, name)
    if isinstance(value, (type, types.FunctionType)):
        assert "Examples\n" in value.__doc__ and ">>> " in value.__doc__
        assert value.__module__.startswith("cnncourse.data.")


# ---------------------------------------------------------------------------
# sample_image
# ---------------------------------------------------------------------------


def test_sample_images_include_the_course_photos():
    assert {"astronaut", "coffee", "chelsea", "camera"} <= set(SAMPLE_IMAGES)


@pytest.mark.parametrize("name", SAMPLE_IMAGES)
def test_every_sample_image_is_uint8_height_width_channels(name):
    image = sample_image(name)
    assert image.dtype == np.uint8
    assert image.ndim == 3
    assert image.shape[-1] in (1, 3)
    assert min(image.shape[:2]) >= 64
    assert image.flags.c_contiguous


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("astronaut", (512, 512, 3)),
        ("coffee", (400, 600, 3)),
        ("chelsea", (300, 451, 3)),
        ("camera", (512, 512, 1)),
    ],
)
def test_sample_image_shapes(name, shape):
    assert sample_image(name).shape == shape


def test_binary_sample_image_becomes_0_and_255():
    horse = sample_image("horse")
    assert horse.shape[-1] == 1
    assert set(np.unique(horse)) == {0, 255}


def test_rgba_sample_image_loses_its_alpha_channel():
    assert sample_image("logo").shape[-1] == 3


def test_sample_image_returns_a_fresh_copy():
    first = sample_image("astronaut")
    first[:] = 0
    assert sample_image("astronaut").any()


def test_unknown_sample_image_name_is_a_value_error_listing_the_names():
    with pytest.raises(ValueError) as error:
        sample_image("lena")
    message = str(error.value)
    assert "name" in message and "'lena'" in message and "astronaut" in message


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [8, 28])
def test_digits_shapes_dtypes_and_range(size):
    (x_train, y_train), (x_test, y_test) = digits(size=size)
    assert x_train.shape == (1347, size, size, 1)
    assert x_test.shape == (450, size, size, 1)
    assert y_train.shape == (1347,) and y_test.shape == (450,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert x_train.max() > 0.9  # really scaled to [0, 1], not squashed
    assert set(np.unique(np.concatenate([y_train, y_test]))) == set(range(10))


def test_digits_split_is_stratified_and_covers_all_1797_images():
    (x_train, y_train), (x_test, y_test) = digits(test_size=0.2)
    assert len(x_train) + len(x_test) == 1797
    assert len(y_train) == len(x_train) and len(y_test) == len(x_test)
    counts = np.bincount(np.concatenate([y_train, y_test]), minlength=10)
    test_counts = np.bincount(y_test, minlength=10)
    assert np.all(np.abs(test_counts - 0.2 * counts) <= 1)
    # no image is in both parts
    train_rows = {row.tobytes() for row in x_train.reshape(len(x_train), -1)}
    overlap = sum(row.tobytes() in train_rows for row in x_test.reshape(len(x_test), -1))
    assert overlap <= 5  # a few digits are pixel-identical in the original data


def test_digits_split_is_deterministic_for_a_seed():
    (a_train, a_labels), _ = digits(seed=3)
    (b_train, b_labels), _ = digits(seed=3)
    (c_train, c_labels), _ = digits(seed=4)
    np.testing.assert_array_equal(a_train, b_train)
    np.testing.assert_array_equal(a_labels, b_labels)
    assert not np.array_equal(a_labels, c_labels)


def test_digits_without_scaling_keep_the_original_0_to_16_range():
    (scaled, _), _ = digits(scale=True)
    (raw, _), _ = digits(scale=False)
    assert raw.dtype == np.float32
    assert raw.min() == 0 and raw.max() == 16
    np.testing.assert_allclose(raw / 16, scaled, atol=1e-6)


def test_digits_channels_flag_drops_the_channel_axis():
    (x_train, _), (x_test, _) = digits(size=12, channels=False)
    assert x_train.shape[1:] == (12, 12) and x_test.shape[1:] == (12, 12)


def test_resized_digits_keep_the_same_picture():
    (small, _), _ = digits(size=8, channels=False)
    (large, _), _ = digits(size=32, channels=False)
    shrunk = large.reshape(len(large), 8, 4, 8, 4).mean(axis=(2, 4))  # back to 8x8
    # the same images in the same order, only a little blurred by the interpolation
    assert np.corrcoef(shrunk.ravel(), small.ravel())[0, 1] > 0.95


def test_digits_can_shrink_to_4_pixels():
    (x_train, _), _ = digits(size=4)
    assert x_train.shape[1:] == (4, 4, 1)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"size": 3}, "size"),
        ({"size": 8.0}, "size"),
        ({"test_size": 0}, "test_size"),
        ({"test_size": 1.0}, "test_size"),
        ({"test_size": 1.5}, "test_size"),
        ({"test_size": 0.001}, "test_size"),
        ({"seed": -1}, "seed"),
        ({"scale": "yes"}, "scale"),
        ({"channels": None}, "channels"),
    ],
)
def test_digits_bad_arguments_are_value_errors_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        digits(**kwargs)


# ---------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch():
    return shapes(600, size=32, seed=0)


def _reference_box(mask: np.ndarray) -> list[int]:
    rows, columns = np.nonzero(mask)
    return [columns.min(), rows.min(), columns.max() + 1, rows.max() + 1]


def test_shapes_class_names():
    assert SHAPE_CLASSES == ("circle", "square", "triangle")


def test_shapes_returns_arrays_of_the_documented_shapes_and_dtypes(batch):
    images, labels, masks, boxes = batch
    assert images.shape == (600, 32, 32, 3) and images.dtype == np.float32
    assert labels.shape == (600,) and labels.dtype == np.int64
    assert masks.shape == (600, 32, 32) and masks.dtype == np.int64
    assert boxes.shape == (600, 4) and boxes.dtype == np.float32
    assert batch.images is images  # a named tuple


def test_shapes_values_are_in_range(batch):
    assert batch.images.min() >= 0.0 and batch.images.max() <= 1.0
    assert set(np.unique(batch.labels)) == {0, 1, 2}
    assert set(np.unique(batch.masks)) == {0, 1, 2, 3}


def test_shapes_are_deterministic_for_a_seed():
    first, second, other = shapes(50, seed=7), shapes(50, seed=7), shapes(50, seed=8)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.images, other.images)
    assert not np.array_equal(first.masks, other.masks)


def test_shapes_masks_are_never_empty(batch):
    assert (batch.masks > 0).any(axis=(1, 2)).all()


def test_shapes_masks_hold_label_plus_one_on_the_object(batch):
    for label, mask in zip(batch.labels, batch.masks, strict=True):
        assert set(np.unique(mask)) == {0, label + 1}


def test_shapes_boxes_are_tight_bounding_boxes_of_masks(batch):
    expected = np.array([_reference_box(mask > 0) for mask in batch.masks], dtype=np.float32)
    np.testing.assert_array_equal(batch.boxes, expected)


def test_shapes_objects_are_inside_the_image_and_not_cut_by_its_border():
    result = shapes(1000, size=32, seed=1, max_size=1.0)
    x_min, y_min, x_max, y_max = result.boxes.T
    assert (x_min >= 0).all() and (y_min >= 0).all()
    assert (x_max <= 32).all() and (y_max <= 32).all()
    round_or_square = result.labels < 2  # their boxes are square unless cut off
    width, height = x_max - x_min, y_max - y_min
    assert np.all(np.abs(width - height)[round_or_square] <= 1)


def test_shapes_sizes_follow_min_size_and_max_size():
    result = shapes(300, size=64, seed=2, noise=0.0, min_size=0.3, max_size=0.5)
    squares = result.labels == 1
    width = (result.boxes[:, 2] - result.boxes[:, 0])[squares]
    assert width.min() >= 0.3 * 64 - 1 and width.max() <= 0.5 * 64 + 1


def test_shapes_classes_are_roughly_balanced():
    counts = np.bincount(shapes(3000, size=8, seed=0).labels, minlength=3)
    assert np.all(np.abs(counts - 1000) < 100)


def test_shapes_circles_squares_and_triangles_differ_in_how_they_fill_their_box(batch):
    # fill ratio = object area / box area: about pi/4 for circles, 1 for squares,
    # at most about one half for triangles
    x_min, y_min, x_max, y_max = batch.boxes.T
    fill = (batch.masks > 0).sum(axis=(1, 2)) / ((x_max - x_min) * (y_max - y_min))
    assert np.all(fill[batch.labels == 1] == 1.0)
    assert np.all((fill[batch.labels == 0] > 0.65) & (fill[batch.labels == 0] < 0.95))
    assert np.all(fill[batch.labels == 2] < 0.65)


def test_shapes_triangles_have_varied_orientations(batch):
    triangles = batch.masks[batch.labels == 2] > 0
    # where the object's centre of mass lies inside its box changes with the orientation
    rows = np.arange(32)[None, :, None]
    centre_y = (triangles * rows).sum(axis=(1, 2)) / triangles.sum(axis=(1, 2))
    boxes = batch.boxes[batch.labels == 2]
    relative = (centre_y + 0.5 - boxes[:, 1]) / (boxes[:, 3] - boxes[:, 1])
    assert relative.min() < 0.42 and relative.max() > 0.58


def test_shapes_without_noise_have_exactly_two_contrasting_colours():
    result = shapes(200, size=16, seed=3, noise=0.0)
    for image, mask in zip(result.images, result.masks, strict=True):
        colours = np.unique(image.reshape(-1, 3), axis=0)
        assert len(colours) == 2
        inside = np.unique(image[mask > 0], axis=0)
        outside = np.unique(image[mask == 0], axis=0)
        assert len(inside) == len(outside) == 1
        assert np.linalg.norm(inside[0] - outside[0]) >= 0.5


def test_shapes_noise_changes_pixels_but_not_the_objects():
    clean = shapes(100, seed=4, noise=0.0)
    noisy = shapes(100, seed=4, noise=0.1)
    np.testing.assert_array_equal(clean.labels, noisy.labels)
    np.testing.assert_array_equal(clean.masks, noisy.masks)
    np.testing.assert_array_equal(clean.boxes, noisy.boxes)
    difference = noisy.images - clean.images
    assert 0.05 < difference.std() < 0.1  # a bit under 0.1 because of the clipping


def test_shapes_tiny_objects_still_cover_at_least_one_pixel():
    result = shapes(300, size=8, seed=5, min_size=0.01, max_size=0.05)
    assert (result.masks > 0).any(axis=(1, 2)).all()
    expected = np.array([_reference_box(mask > 0) for mask in result.masks], dtype=np.float32)
    np.testing.assert_array_equal(result.boxes, expected)


def test_shapes_large_batches_are_built_in_chunks_consistently(monkeypatch):
    whole = shapes(40, size=16, seed=6)
    monkeypatch.setattr(_drawing, "PIXELS_PER_CHUNK", 16 * 16 * 7)  # chunks of 7 images
    chunked = shapes(40, size=16, seed=6)
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_array_equal(a, b)


def test_shapes_with_n_0_are_empty_arrays_of_the_right_shapes():
    images, labels, masks, boxes = shapes(0, size=16)
    assert images.shape == (0, 16, 16, 3) and images.dtype == np.float32
    assert labels.shape == (0,) and labels.dtype == np.int64
    assert masks.shape == (0, 16, 16) and masks.dtype == np.int64
    assert boxes.shape == (0, 4) and boxes.dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "name", "value"),
    [
        ({"n": -1}, "n", "-1"),
        ({"n": 2.5}, "n", "2.5"),
        ({"n": 5, "size": 3}, "size", "3"),
        ({"n": 5, "size": 7}, "size", "7"),
        ({"n": 5, "noise": -0.1}, "noise", "-0.1"),
        ({"n": 5, "min_size": 0}, "min_size", "0"),
        ({"n": 5, "min_size": 1.5}, "min_size", "1.5"),
        ({"n": 5, "max_size": 1.2}, "max_size", "1.2"),
        ({"n": 5, "min_size": 0.5, "max_size": 0.4}, "max_size", "0.4"),
        ({"n": 5, "seed": -3}, "seed", "-3"),
    ],
)
def test_shapes_bad_arguments_are_value_errors_naming_them(kwargs, name, value):
    with pytest.raises(ValueError, match=rf"^{name} must") as error:
        shapes(**kwargs)
    assert value in str(error.value)


# ---------------------------------------------------------------------------
# Keras datasets: keras.datasets loaders and the offline path
# ---------------------------------------------------------------------------

KERAS_LOADERS = [
    pytest.param(data.mnist, "mnist", "MNIST", (28, 28), (), id="mnist"),
    pytest.param(data.fashion_mnist, "fashion_mnist", "Fashion-MNIST", (28, 28), (), id="fashion"),
    pytest.param(data.cifar10, "cifar10", "CIFAR-10", (32, 32, 3), (1,), id="cifar10"),
]


def _fake_split(image_shape, label_shape, n_train=5, n_test=3):
    """A small ``(x_train, y_train), (x_test, y_test)`` of uint8 arrays, like Keras's."""
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (n, *image_shape), dtype=np.uint8) for n in (n_train, n_test)]
    labels = [rng.integers(0, 10, (n, *label_shape), dtype=np.uint8) for n in (n_train, n_test)]
    return (images[0], labels[0]), (images[1], labels[1])


def _patch_load_data(monkeypatch, module, load_data):
    monkeypatch.setattr(f"keras.datasets.{module}.load_data", load_data)


@pytest.mark.parametrize(("loader", "module", "title", "image_shape", "label_shape"), KERAS_LOADERS)
def test_keras_datasets_return_what_keras_loads(
    monkeypatch, loader, module, title, image_shape, label_shape
):
    split = _fake_split(image_shape, label_shape)
    _patch_load_data(monkeypatch, module, lambda: split)
    (a, b), (c, d) = loader()
    (x_train, y_train), (x_test, y_test) = split
    for got, expected in zip((a, b, c, d), (x_train, y_train, x_test, y_test), strict=True):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(("loader", "module", "title", "image_shape", "label_shape"), KERAS_LOADERS)
def test_keras_datasets_keep_the_first_n_train_and_n_test_images(
    monkeypatch, loader, module, title, image_shape, label_shape
):
    split = _fake_split(image_shape, label_shape)
    _patch_load_data(monkeypatch, module, lambda: split)
    (a, b), (c, d) = loader(n_train=2, n_test=0)
    assert a.shape == (2, *image_shape) and b.shape == (2, *label_shape)
    assert c.shape == (0, *image_shape) and d.shape == (0, *label_shape)
    np.testing.assert_array_equal(a, split[0][0][:2])
    (a, _), (c, _) = loader(n_train=100)  # more than there are: all of them
    assert len(a) == 5 and len(c) == 3


# What keras.utils.get_file raises without a network: it turns the URLError of
# urlretrieve into a plain Exception; timeouts and resets come through as OSErrors.
OFFLINE_ERRORS = [
    pytest.param(
        Exception(
            "URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
            "mnist.npz: None -- [Errno -3] Temporary failure in name resolution"
        ),
        id="get_file",
    ),
    pytest.param(
        urllib.error.URLError("[Errno -3] Temporary failure in name resolution"), id="url"
    ),
    pytest.param(TimeoutError("timed out"), id="timeout"),
]


@pytest.mark.parametrize("failure", OFFLINE_ERRORS)
@pytest.mark.parametrize(("loader", "module", "title", "image_shape", "label_shape"), KERAS_LOADERS)
def test_offline_download_raises_dataset_unavailable_error_with_alternatives(
    tmp_path, monkeypatch, loader, module, title, image_shape, label_shape, failure
):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline():
        raise failure

    _patch_load_data(monkeypatch, module, offline)
    with pytest.raises(DatasetUnavailableError) as error:
        loader()
    message = str(error.value)
    assert title in message
    assert "download" in message and str(tmp_path / "datasets") in message
    assert "digits(size=28)" in message and "shapes(" in message and "sample_image(" in message
    assert str(failure) in message
    assert isinstance(error.value, RuntimeError)
    assert error.value.__cause__ is failure


def test_errors_that_are_not_about_the_network_are_not_hidden(monkeypatch):
    corrupted = ValueError("Incomplete or corrupted file detected.")

    def broken():
        raise corrupted

    _patch_load_data(monkeypatch, "mnist", broken)
    with pytest.raises(ValueError) as error:
        data.mnist()
    assert error.value is corrupted


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"n_train": -1}, "n_train"), ({"n_test": 1.5}, "n_test")]
)
def test_keras_dataset_bad_subset_sizes_are_value_errors(monkeypatch, kwargs, name):
    def no_load():
        raise AssertionError("loaded the data before checking the arguments")

    _patch_load_data(monkeypatch, "mnist", no_load)
    with pytest.raises(ValueError, match=rf"^{name} must"):
        data.mnist(**kwargs)


def test_a_real_offline_call_fails_clearly(tmp_path):
    # A fresh interpreter, because Keras reads KERAS_HOME when it is imported: an empty
    # cache, and no name resolution (as offline), so keras.datasets really tries and
    # fails to download, through urllib, without touching the network.
    code = (
        "import socket, sys\n"
        "def offline(*args, **kwargs):\n"
        "    raise socket.gaierror(-3, 'Temporary failure in name resolution')\n"
        "socket.getaddrinfo = offline\n"
        "from cnncourse import data\n"
        "try:\n"
        "    data.mnist()\n"
        "except data.DatasetUnavailableError as error:\n"
        "    print('UNAVAILABLE', error)\n"
    )
    env = {**os.environ, "KERAS_HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "UNAVAILABLE The MNIST dataset is not available" in result.stdout
    assert "name resolution" in result.stdout and "digits(size=28)" in result.stdout
    assert not list((tmp_path / "datasets").iterdir())  # no partial download left


# ---------------------------------------------------------------- bars


@pytest.mark.parametrize("layout", ["aligned", "anywhere"])
def test_bars_shapes_dtypes_and_determinism(layout):
    x, y = data.bars(50, size=12, layout=layout, seed=3)
    assert x.shape == (50, 12, 12, 1) and x.dtype == np.float32
    assert y.dtype == np.int64 and set(np.unique(y)) <= {0, 1}
    x2, y2 = data.bars(50, size=12, layout=layout, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


def test_aligned_bars_put_the_vertical_bar_top_left_exactly_for_label_1():
    x, y = data.bars(20, size=12, layout="aligned", noise=0.0, seed=0)
    for image, label in zip(x[..., 0], y, strict=True):
        corner = image[2:5, 2:5]
        is_vertical = corner[:, 1].sum() == 6.0 and corner[1, 0] == 0.0
        assert is_vertical == bool(label)
        assert image.sum() == 12.0  # two bars of three pixels at height 2


def test_anywhere_bars_hold_one_bar_of_the_labelled_kind():
    x, y = data.bars(30, size=10, layout="anywhere", noise=0.0, seed=1)
    for image, label in zip(x[..., 0], y, strict=True):
        rows, cols = np.nonzero(image)
        assert len(rows) == 3
        assert (len(set(cols)) == 1) == bool(label)  # vertical: one column


def test_bars_reject_bad_arguments():
    with pytest.raises(ValueError, match="layout must be one of"):
        data.bars(5, layout="diagonal")
    with pytest.raises(ValueError, match="n must be >= 0"):
        data.bars(-1)
    with pytest.raises(ValueError, match="size must be >= 8"):
        data.bars(5, size=4)


# ---------------------------------------------------------------------------
# augmentation: warp, shift_and_rotate, AugmentedBatches
# ---------------------------------------------------------------------------


def test_warp_shifts_whole_pixels_exactly_and_fills_with_zero():
    x = np.arange(1, 26, dtype=np.float32).reshape(1, 5, 5, 1)
    moved = data.warp(x, [[1, -2]], [0.0])  # one down, two left
    assert moved.dtype == np.float32
    np.testing.assert_array_equal(moved[0, 1:, :3], x[0, :4, 2:])
    assert (moved[0, 0] == 0).all() and (moved[0, :, 3:] == 0).all()


def test_warp_turns_a_quarter_turn_like_rot90_and_half_pixels_average():
    x = np.random.default_rng(0).random((2, 4, 4, 3))
    turned = data.warp(x, np.zeros((2, 2)), np.full(2, np.pi / 2))
    np.testing.assert_allclose(turned, np.rot90(x, k=1, axes=(1, 2)), atol=1e-12)
    half = data.warp(x[:1], [[0, 0.5]], [0.0])[0]  # half a pixel right: neighbours average
    np.testing.assert_allclose(half[:, 1:], (x[0, :, :-1] + x[0, :, 1:]) / 2, atol=1e-12)


def test_shift_and_rotate_stays_within_its_limits_and_repeats_with_its_seed():
    x = np.zeros((200, 21, 21, 1))
    x[:, 10, 10] = 1.0  # one bright pixel in the centre: only the shift moves it
    out = data.shift_and_rotate(x, shift=0.1, rotation=0.03, seed=3)
    rows = (out[..., 0] * np.arange(21)[None, :, None]).sum(axis=(1, 2)) / out.sum(axis=(1, 2, 3))
    moved = np.abs(rows - 10)
    assert moved.max() <= 0.1 * 21 + 1e-9 and moved.max() > 1.5  # up to 2.1 pixels, and used
    np.testing.assert_array_equal(out, data.shift_and_rotate(x, 0.1, 0.03, seed=3))
    assert not np.array_equal(out, data.shift_and_rotate(x, 0.1, 0.03, seed=4))
    assert (x[:, 10, 10] == 1).all()  # the input is not changed
    for name, kwargs in [("shift", {"shift": 1.0}), ("rotation", {"rotation": -0.1})]:
        with pytest.raises(ValueError, match=f"{name} must be in"):
            data.shift_and_rotate(x, **kwargs)
    with pytest.raises(ValueError, match=r"images must have shape \(N, H, W, C\)"):
        data.shift_and_rotate(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"shifts must have shape \(1, 2\)"):
        data.warp(np.zeros((1, 4, 4, 1)), np.zeros((2, 2)), np.zeros(1))


def test_augmented_batches_serve_every_image_once_per_epoch_augmented_afresh():
    (x, y), _ = digits(size=16)
    x, y = x[:100], y[:100]
    batches = data.AugmentedBatches(x, y, batch_size=32, shift=0.1, rotation=0.03, seed=0)
    assert len(batches) == 4
    first = [batches[i] for i in range(len(batches))]
    assert [len(b[1]) for b in first] == [32, 32, 32, 4]
    xs, ys = np.concatenate([b[0] for b in first]), np.concatenate([b[1] for b in first])
    assert xs.dtype == x.dtype and sorted(ys.tolist()) == sorted(y.tolist())
    batches.on_epoch_end()
    again = np.concatenate([batches[i][0] for i in range(len(batches))])
    assert not np.array_equal(xs, again)  # a new shuffle and new shifts
    same_seed = data.AugmentedBatches(x, y, batch_size=32, shift=0.1, rotation=0.03, seed=0)
    np.testing.assert_array_equal(same_seed[0][0], first[0][0])
    plain = data.AugmentedBatches(x, y, batch_size=100)  # no augmentation: a shuffle only
    served = plain[0][0]
    assert not np.array_equal(served, x)
    np.testing.assert_array_equal(
        np.unique(served.reshape(100, -1), axis=0), np.unique(x.reshape(100, -1), axis=0)
    )
    with pytest.raises(IndexError):
        batches[4]
    with pytest.raises(ValueError, match="y must hold one label per image"):
        data.AugmentedBatches(x, y[:5])
    with pytest.raises(ValueError, match="shift must be in"):
        data.AugmentedBatches(x, y, shift=2)
