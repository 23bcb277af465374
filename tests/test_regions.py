"""Specification of cnncourse.regions: connected components, instances from semantic masks,
and the region proposals, crops and box refinements of R-CNN."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cnncourse import data, metrics, regions
from cnncourse.regions import (
    BACKGROUND,
    IGNORED,
    assign_proposals,
    connected_components,
    crop_and_resize,
    decode_deltas,
    encode_deltas,
    instances_from_classes,
    sliding_windows,
)

# ---------------------------------------------------------------------------
# connected components and instances
# ---------------------------------------------------------------------------


def test_four_and_eight_connectivity_differ_on_a_diagonal():
    mask = np.eye(3, dtype=bool)
    assert connected_components(mask).max() == 3
    assert connected_components(mask, connectivity=8).max() == 1


def test_components_are_numbered_in_raster_order_like_scipy():
    rng = np.random.default_rng(0)
    for _ in range(20):
        mask = rng.random((9, 11)) < 0.45
        expected, _ = ndimage.label(mask)
        assert np.array_equal(connected_components(mask), expected)
        first = [np.flatnonzero(connected_components(mask).ravel() == k)[0] for k in range(1, 4)]
        assert first == sorted(first)


def test_on_separated_scenes_the_instances_are_the_true_objects():
    scenes = data.scenes(50, size=32, max_objects=4, seed=0)  # gap=2: objects never touch
    found = instances_from_classes(scenes.masks, connectivity=8)
    assert np.array_equal(found.max(axis=(1, 2)), scenes.count)
    for mine, true in zip(found, scenes.instances, strict=True):
        # the same partition of the pixels, whatever the numbering
        pairs = set(zip(mine.ravel().tolist(), true.ravel().tolist(), strict=True))
        assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})


def test_four_connectivity_cuts_thin_triangle_tips_off_their_triangle():
    scenes = data.scenes(50, size=32, max_objects=4, seed=0)
    found = instances_from_classes(scenes.masks, connectivity=4).max(axis=(1, 2))
    assert np.all(found >= scenes.count) and np.any(found > scenes.count)


def test_two_touching_objects_of_one_class_become_one_instance():
    mask = np.zeros((6, 8), dtype=np.int64)
    mask[1:4, 1:4] = 2  # two squares of class 2, side by side
    mask[1:4, 4:7] = 2
    assert instances_from_classes(mask).max() == 1
    mask[1:4, 4:7] = 1  # a different class: kept apart
    assert instances_from_classes(mask).max() == 2


def test_instances_of_one_image_and_of_a_batch_agree():
    masks = data.scenes(3, size=24, seed=1).masks
    batch = instances_from_classes(masks)
    for i in range(3):
        assert np.array_equal(batch[i], instances_from_classes(masks[i]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: connected_components(np.zeros((2, 2, 2))), "mask must have shape"),
        (lambda: connected_components(np.zeros((2, 2)), connectivity=6), "connectivity must be"),
        (lambda: instances_from_classes(np.zeros((2, 2)) + 0.5), "masks must hold class"),
        (lambda: instances_from_classes(-np.ones((2, 2), int)), "masks must hold class"),
    ],
)
def test_bad_masks_raise_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------
# proposals
# ---------------------------------------------------------------------------


def test_sliding_windows_count_and_stay_inside_the_image():
    boxes = sliding_windows(32, sizes=[8, 12, 16], stride=4)
    expected = sum(((32 - s) // 4 + 1) ** 2 for s in (8, 12, 16))
    assert boxes.shape == (expected, 4) and boxes.dtype == np.float32
    assert boxes.min() >= 0 and boxes.max() <= 32
    sides = boxes[:, 2:] - boxes[:, :2]
    assert set(sides[:, 0].tolist()) == {8.0, 12.0, 16.0} and np.all(sides[:, 0] == sides[:, 1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sizes": []}, "sizes must be a non-empty"),
        ({"sizes": [40]}, "sizes must be <= image_size"),
        ({"sizes": [0]}, "sizes must be >= 1"),
        ({"stride": 0}, "stride must be >= 1"),
        ({"image_size": 0}, "image_size must be >= 1"),
    ],
)
def test_bad_window_arguments_raise_a_value_error_naming_the_argument(kwargs, message):
    arguments = {"image_size": 32, "sizes": [8], "stride": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        sliding_windows(**arguments)


def test_proposals_are_labelled_by_their_best_iou():
    true = np.array([[0.0, 0, 10, 10], [20, 20, 30, 30]])
    labels = np.array([1, 0])
    proposals = np.array(
        [
            [0.0, 0, 10, 10],  # IoU 1 with box 0: class 1 -> 2
            [21, 21, 31, 31],  # IoU 0.68 with box 1: class 0 -> 1
            [5, 0, 15, 10],  # IoU 1/3 with box 0: ignored
            [12, 0, 18, 6],  # IoU 0: background
        ]
    )
    got, matched = assign_proposals(proposals, true, labels)
    assert got.tolist() == [2, 1, IGNORED, BACKGROUND]
    assert matched.tolist() == [0, 1, 0, 0]


def test_without_true_boxes_every_proposal_is_background():
    got, matched = assign_proposals(sliding_windows(16, [8], 4), np.zeros((0, 4)), [])
    assert np.all(got == BACKGROUND) and np.all(matched == -1)


def test_assign_rejects_labels_that_do_not_match_the_boxes_and_bad_thresholds():
    boxes = np.array([[0.0, 0, 4, 4]])
    with pytest.raises(ValueError, match="labels must have one class per box"):
        assign_proposals(boxes, boxes, [0, 1])
    with pytest.raises(ValueError, match="background_iou must be between"):
        assign_proposals(boxes, boxes, [0], foreground_iou=0.4, background_iou=0.5)


# ---------------------------------------------------------------------------
# crops and refinements
# ---------------------------------------------------------------------------


def test_a_crop_of_the_whole_image_at_its_own_size_is_the_image():
    image = np.random.default_rng(0).random((8, 8, 3))
    crop = crop_and_resize(image, [[0, 0, 8, 8]], size=8)
    assert crop.shape == (1, 8, 8, 3) and crop.dtype == np.float32
    assert np.allclose(crop[0], image, atol=1e-6)


def test_a_crop_of_a_constant_region_is_constant_and_any_box_gives_the_size_asked():
    image = np.zeros((20, 20, 1))
    image[5:15, 5:15] = 1.0
    crops = crop_and_resize(image, [[6, 6, 14, 14], [0, 0, 20, 4], [3, 3, 17, 9]], size=5)
    assert crops.shape == (3, 5, 5, 1)
    assert np.allclose(crops[0], 1.0) and np.allclose(crops[1], 0.0)


def test_deltas_round_trip_and_a_proposal_on_its_box_needs_none():
    rng = np.random.default_rng(1)
    corner = rng.uniform(0, 20, size=(30, 2))
    proposals = np.concatenate([corner, corner + rng.uniform(2, 10, size=(30, 2))], axis=1)
    corner = rng.uniform(0, 20, size=(30, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(2, 10, size=(30, 2))], axis=1)
    assert np.allclose(decode_deltas(proposals, encode_deltas(proposals, boxes)), boxes)
    assert np.allclose(encode_deltas(boxes, boxes), 0.0)
    assert np.allclose(metrics.iou(decode_deltas(proposals, np.zeros((30, 4))), proposals), 1)


def test_deltas_are_in_units_of_the_proposal_size():
    small = encode_deltas([[0, 0, 2, 2]], [[1, 0, 3, 4]])
    large = encode_deltas([[0, 0, 20, 20]], [[10, 0, 30, 40]])
    assert np.allclose(small, large)


def test_deltas_reject_unpaired_or_empty_boxes():
    with pytest.raises(ValueError, match="boxes must pair up"):
        encode_deltas(np.zeros((2, 4)) + [0, 0, 1, 1], np.zeros((3, 4)) + [0, 0, 1, 1])
    with pytest.raises(ValueError, match="positive width and height"):
        encode_deltas([[0, 0, 0, 1]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="deltas must have shape"):
        decode_deltas([[0, 0, 1, 1]], np.zeros((2, 4)))


def test_the_module_lists_its_public_names():
    assert set(regions.__all__) == {
        "BACKGROUND",
        "IGNORED",
        "assign_proposals",
        "connected_components",
        "crop_and_resize",
        "decode_deltas",
        "encode_deltas",
        "instances_from_classes",
        "sliding_windows",
    }
