"""data.scenes: several non-overlapping objects per image, whose boxes, class masks and
instance masks agree; deterministic, fast; and SceneBatches, its tf.data-free feeder."""

import subprocess
import sys
import time

import numpy as np
import pytest

from cnncourse import data, metrics


@pytest.fixture(scope="module")
def sample():
    return data.scenes(300, size=32, max_objects=4, min_objects=0, seed=3)


def test_shapes_dtypes_and_lists(sample):
    n = 300
    assert sample.images.shape == (n, 32, 32, 3) and sample.images.dtype == np.float32
    assert sample.masks.shape == (n, 32, 32) and sample.masks.dtype == np.int64
    assert sample.instances.shape == (n, 32, 32) and sample.instances.dtype == np.int64
    assert sample.count.shape == (n,) and sample.count.dtype == np.int64
    assert len(sample.boxes) == len(sample.labels) == n
    for i in range(n):
        assert sample.boxes[i].shape == (sample.count[i], 4)
        assert sample.boxes[i].dtype == np.float32
        assert sample.labels[i].shape == (sample.count[i],)
        assert sample.labels[i].dtype == np.int64
    assert 0.0 <= sample.images.min() and sample.images.max() <= 1.0
    assert set(np.unique(sample.masks)) <= {0, 1, 2, 3}


def test_counts_stay_within_the_range_and_cover_it(sample):
    assert sample.count.min() == 0 and sample.count.max() == 4
    assert set(np.unique(sample.count)) == {0, 1, 2, 3, 4}
    ones = data.scenes(200, max_objects=2, min_objects=2, seed=1)
    assert np.all(ones.count == 2)


def test_boxes_are_the_tight_boxes_of_each_objects_pixels(sample):
    for i in range(len(sample.images)):
        assert sample.instances[i].max() == sample.count[i]
        for j in range(sample.count[i]):
            pixels = sample.instances[i] == j + 1
            rows, cols = np.nonzero(pixels)
            tight = [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]
            assert np.array_equal(sample.boxes[i][j], tight)
            assert np.all(sample.masks[i][pixels] == sample.labels[i][j] + 1)
        assert np.array_equal(sample.masks[i] > 0, sample.instances[i] > 0)


def test_objects_never_overlap_and_keep_a_background_pixel_between_them(sample):
    for i in range(len(sample.images)):
        boxes = sample.boxes[i]
        if len(boxes) < 2:
            continue
        overlap = metrics.iou_matrix(boxes, boxes)
        np.fill_diagonal(overlap, 0)
        assert overlap.max() == 0.0
        # the default gap of 2 pixels leaves at least one free row or column
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                p, q = boxes[a], boxes[b]
                assert p[0] >= q[2] + 1 or q[0] >= p[2] + 1 or p[1] >= q[3] + 1 or q[1] >= p[3] + 1


def test_pixels_inside_a_box_but_not_on_its_object_are_background(sample):
    for i in range(20):
        for j, (x0, y0, x1, y1) in enumerate(sample.boxes[i].astype(int)):
            window = sample.instances[i, y0:y1, x0:x1]
            assert set(np.unique(window)) <= {0, j + 1}


def test_objects_contrast_with_the_background_and_classes_are_balanced():
    clean = data.scenes(400, noise=0.0, seed=2)
    labels = np.concatenate(clean.labels)
    assert np.all(np.bincount(labels, minlength=3) > 0.25 * len(labels))
    for i in range(40):
        background = clean.images[i][clean.masks[i] == 0][0]
        for j in range(clean.count[i]):
            colour = clean.images[i][clean.instances[i] == j + 1][0]
            assert np.linalg.norm(colour - background) >= 0.5 - 1e-6


def test_same_seed_same_scenes_other_seed_other_scenes():
    a = data.scenes(50, seed=7)
    b = data.scenes(50, seed=7)
    c = data.scenes(50, seed=8)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.masks, b.masks)
    assert all(np.array_equal(p, q) for p, q in zip(a.boxes, b.boxes, strict=True))
    assert not np.array_equal(a.images, c.images)


def test_other_sizes_and_zero_images():
    small = data.scenes(20, size=16, max_objects=2, seed=0)
    assert small.images.shape == (20, 16, 16, 3)
    assert all(np.all(b[:, 2:] <= 16) for b in small.boxes)
    empty = data.scenes(0)
    assert empty.images.shape == (0, 32, 32, 3) and empty.boxes == [] and empty.labels == []
    nothing = data.scenes(3, max_objects=0, min_objects=0)
    assert np.all(nothing.masks == 0) and all(len(b) == 0 for b in nothing.boxes)


def test_a_thousand_scenes_take_well_under_a_second():
    data.scenes(10)
    start = time.perf_counter()
    data.scenes(1000, size=32, max_objects=3, seed=0)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_objects": 1, "min_objects": 2}, "min_objects must be <= max_objects"),
        ({"min_size": 0.0}, "min_size must be > 0"),
        ({"min_size": 0.5, "max_size": 0.3}, "max_size must be >= min_size"),
        ({"gap": -1}, "gap must be >= 0"),
        ({"size": 4}, "size must be >= 8"),
        ({"max_objects": 9, "min_objects": 9, "max_size": 0.6}, "do not fit"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.scenes(10, **kwargs)


def test_importing_data_does_not_import_keras():
    code = "import sys\nfrom cnncourse import data\ndata.scenes(5)\nprint('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- SceneBatches


def test_scene_batches_is_a_pydataset_of_fresh_deterministic_batches():
    import keras

    batches = data.SceneBatches(steps=3, batch_size=4, size=16, max_objects=2)
    assert isinstance(batches, keras.utils.PyDataset)
    assert len(batches) == 3
    x, y = batches[1]
    assert x.shape == (4, 16, 16, 3) and y.shape == (4, 16, 16) and y.dtype == np.int64
    again = data.SceneBatches(steps=3, batch_size=4, size=16, max_objects=2)
    assert np.array_equal(again[1][0], x)
    assert not np.array_equal(batches[0][0], x)
    batches.on_epoch_end()
    assert not np.array_equal(batches[1][0], x)  # a new epoch, new scenes
    fixed = data.SceneBatches(steps=3, batch_size=4, size=16, max_objects=2, fresh=False)
    fixed.on_epoch_end()
    assert np.array_equal(fixed[1][0], x)
    with pytest.raises(IndexError):
        batches[3]


def test_scene_batches_is_a_plain_class_of_its_own_module():
    from cnncourse.data import batches

    assert data.SceneBatches is batches.SceneBatches
    assert data.SceneBatches.__module__ == "cnncourse.data.batches"
    assert data.SceneBatches.__qualname__ == "SceneBatches"
    assert repr(data.SceneBatches) == "<class 'cnncourse.data.batches.SceneBatches'>"
    assert data.SCENE_TARGETS == ("masks", "grid")


def test_scene_batches_pickle_for_multiprocessing_workers():
    import pickle

    batches = data.SceneBatches(steps=2, batch_size=3, size=16, seed=5)
    again = pickle.loads(pickle.dumps(batches))
    assert type(again) is data.SceneBatches
    assert np.array_equal(again[1][0], batches[1][0])


def test_scene_batches_grid_targets_match_encode_grid():
    from cnncourse import detection

    batches = data.SceneBatches(steps=1, batch_size=5, target="grid", grid=4)
    x, y = batches[0]
    scenes = data.scenes(5, seed=batches.batch_seed(0))
    assert np.array_equal(x, scenes.images)
    assert np.array_equal(y, detection.encode_grid(scenes.boxes, scenes.labels, 32, 4, 3))


@pytest.mark.slow
def test_scene_batches_train_a_model_with_keras_fit():
    import keras

    from cnncourse import models, train

    batches = data.SceneBatches(steps=2, batch_size=4, size=16, max_objects=2)
    model = models.fcn((16, 16, 3), 4, filters=(4,))
    history = train.fit(
        model,
        batches,
        batch_size=None,
        epochs=2,
        verbose=0,
        steps_per_epoch=len(batches),
        learning_rate=1e-3,
        schedule="cosine",
    )
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert batches.epoch >= 2  # Keras calls on_epoch_end after every epoch
    assert isinstance(model.optimizer, keras.optimizers.Optimizer)


def test_scene_batches_errors():
    with pytest.raises(ValueError, match="target must be one of 'masks', 'grid'"):
        data.SceneBatches(steps=1, target="boxes")
    with pytest.raises(ValueError, match="steps must be >= 1"):
        data.SceneBatches(steps=0)
    with pytest.raises(ValueError, match="n is set by SceneBatches"):
        data.SceneBatches(steps=1, n=3)
    with pytest.raises(ValueError, match="max_size must be >= min_size"):
        data.SceneBatches(steps=1, min_size=0.5, max_size=0.2)
