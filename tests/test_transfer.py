"""Specification of cnncourse.transfer: cut a base, freeze it (batch norm in inference mode),
count parameters, extract features, new heads, fixed-step training, the lesson's two tasks, and
MobileNetV2's ImageNet weights, which fail fast and in one line without a network."""

from __future__ import annotations

import inspect
import json
import socket
import time

import keras
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from cnncourse import data, models, train, transfer
from cnncourse.transfer import imagenet


def small_cnn(batch_norm=True):
    return models.simple_cnn((12, 12, 1), 3, blocks=(4, 8), dense=(6,), batch_norm=batch_norm)


# --------------------------------------------------------------------------- the base


def test_the_base_ends_before_flatten_and_shares_the_models_weights():
    model = small_cnn()
    base = transfer.convolutional_base(model)
    assert [layer.name for layer in base.layers][-1] == "pool2"
    assert base.output_shape == (None, 3, 3, 8)
    assert base.get_layer("conv1") is model.get_layer("conv1")


def test_the_base_ends_before_global_pooling_and_at_a_named_layer():
    model = models.simple_cnn((12, 12, 1), 3, blocks=(4, 8), global_pool=True)
    assert transfer.convolutional_base(model).output_shape == (None, 3, 3, 8)
    assert transfer.convolutional_base(model, last="conv1").output_shape == (None, 12, 12, 4)


def test_a_model_without_a_cut_or_an_unknown_layer_is_a_clear_error():
    flat = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="flat")
    with pytest.raises(ValueError, match="flat has no Flatten or global pooling"):
        transfer.convolutional_base(flat)
    with pytest.raises(ValueError, match="last must be the name of a layer of flat"):
        transfer.convolutional_base(flat, last="conv9")
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        transfer.convolutional_base("model")


def test_copy_model_is_independent_and_keeps_frozen_layers_frozen_even_when_nested():
    base = transfer.convolutional_base(small_cnn())
    model = transfer.freeze(transfer.with_head(base, transfer.new_head(72, 3)), train_top=1)
    twin = transfer.copy_model(model)
    assert transfer.parameter_counts(twin) == transfer.parameter_counts(model)
    twin.get_layer("head").set_weights([w * 0 for w in twin.get_layer("head").get_weights()])
    assert np.abs(model.get_layer("head").get_weights()[0]).sum() > 0


# --------------------------------------------------------------------------- freezing


def test_freeze_leaves_the_top_layers_with_weights_and_never_batch_norm_trainable():
    model = small_cnn()
    names = [layer.name for layer in transfer.layers_with_weights(model)]
    assert names == ["conv1", "conv2", "fc1", "output"]
    for top in range(len(names) + 1):
        transfer.freeze(model, train_top=top)
        trained = [layer.name for layer in model.layers if layer.trainable_weights]
        assert trained == names[len(names) - top :]
        assert model.trainable  # the container stays trainable, or its layers' weights vanish


def test_parameter_counts_split_keras_count_and_batch_norm_statistics_are_always_frozen():
    model = small_cnn()
    trainable, frozen = transfer.parameter_counts(model)
    statistics = 2 * (4 + 8)  # moving mean and variance per channel of bn1 and bn2
    assert trainable + frozen == model.count_params() and frozen == statistics
    transfer.freeze(model)
    assert transfer.parameter_counts(model) == (0, model.count_params())


def test_freeze_rejects_a_top_beyond_the_layers_with_weights():
    with pytest.raises(ValueError, match="train_top must be between 0 and 4"):
        transfer.freeze(small_cnn(), train_top=5)
    with pytest.raises(ValueError, match="train_top must be >= 0"):
        transfer.freeze(small_cnn(), train_top=-1)


def test_a_frozen_base_trains_nothing_and_its_batch_norm_stays_in_inference_mode():
    train.set_seed(0)
    base = transfer.freeze(transfer.convolutional_base(small_cnn()))
    model = transfer.with_head(base, transfer.new_head(72, 3))
    before = [w.copy() for w in base.get_weights()]  # kernels, gamma, beta, moving statistics
    head_before = model.get_layer("head").get_weights()[0].copy()
    x = np.random.default_rng(0).random((16, 12, 12, 1)).astype("float32") * 5
    transfer.fit_steps(model, x, np.arange(16) % 3, steps=3, learning_rate=0.1)
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights(), strict=True))
    assert not np.array_equal(head_before, model.get_layer("head").get_weights()[0])
    assert np.allclose(base(x, training=True), base(x, training=False), atol=1e-6)


# --------------------------------------------------------------------------- features, heads


def test_extract_features_flattens_the_bases_output_in_inference_mode():
    base = transfer.convolutional_base(small_cnn())
    x = np.random.default_rng(1).random((5, 12, 12, 1)).astype("float32")
    features = transfer.extract_features(base, x, batch_size=2)
    want = keras.ops.convert_to_numpy(base(x, training=False)).reshape(5, -1)
    assert features.shape == (5, 72) and np.allclose(features, want, atol=1e-6)
    with pytest.raises(ValueError, match=r"x must have shape \(N, H, W, C\)"):
        transfer.extract_features(base, x[0])


def test_with_head_runs_base_then_head_and_checks_their_sizes_agree():
    base = transfer.convolutional_base(small_cnn())
    head = transfer.new_head(72, 4, hidden=(5,))
    model = transfer.with_head(base, head)
    x = np.random.default_rng(2).random((3, 12, 12, 1)).astype("float32")
    want = train.predict(head, transfer.extract_features(base, x))
    assert np.allclose(train.predict(model, x), want, atol=1e-6)
    with pytest.raises(ValueError, match="head must take the 72 flattened features"):
        transfer.with_head(base, transfer.new_head(10, 4))
    with pytest.raises(ValueError, match="num_classes must be >= 2"):
        transfer.new_head(72, 1)


@pytest.mark.parametrize("classes", [2, 4])
def test_logistic_head_predicts_what_scikit_learns_logistic_regression_predicts(classes):
    rng = np.random.default_rng(classes)
    x = rng.normal(size=(40, 6))
    y = np.arange(40) % classes
    x += y[:, None] * 0.7
    fitted = LogisticRegression(max_iter=2000).fit(x, y)
    head = transfer.logistic_head(x, y)
    outputs = train.predict(head, x)
    assert np.array_equal(outputs.argmax(axis=1), fitted.predict(x))
    assert np.allclose(outputs, fitted.predict_proba(x), atol=1e-5)


def test_logistic_head_needs_every_class_and_integer_labels():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"every class 0..2 at least once; got \[0, 2\]"):
        transfer.logistic_head(x, np.array([0, 2, 0, 2]))
    with pytest.raises(ValueError, match="one integer label per row"):
        transfer.logistic_head(x, np.array([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="C must be > 0"):
        transfer.logistic_head(x, np.array([0, 1, 0, 1]), C=0)


def test_fit_steps_makes_exactly_the_steps_asked_for_however_few_the_images():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    history = transfer.fit_steps(model, np.eye(2), np.array([0, 1]), steps=7, learning_rate=0.1)
    assert int(model.optimizer.iterations) == 7 and len(history.history["loss"]) == 1
    with pytest.raises(ValueError, match="the same number"):
        transfer.fit_steps(model, np.eye(2), np.array([0]), steps=1, learning_rate=0.1)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        transfer.fit_steps(model, np.eye(2), np.array([0, 1]), steps=0, learning_rate=0.1)


# --------------------------------------------------------------------------- the two tasks


def test_digit_tasks_split_digits_0_to_4_from_5_to_9_with_labels_0_to_4():
    tasks = transfer.digit_tasks(copies=2)
    (x_train, y_train), (x_test, y_test) = data.digits(size=16)
    assert len(tasks.x_source) == 2 * int((y_train < 5).sum())
    assert len(tasks.x_pool) == int((y_train >= 5).sum())
    assert len(tasks.x_test) == int((y_test >= 5).sum())
    assert tasks.x_pool.shape[1:] == (20, 20, 1) and tasks.x_pool.dtype == np.float32
    for labels in (tasks.y_source, tasks.y_source_test, tasks.y_pool, tasks.y_test):
        assert sorted(set(labels.tolist())) == [0, 1, 2, 3, 4]


def test_digit_tasks_are_reproducible_and_every_target_image_is_distinct():
    a, b = transfer.digit_tasks(copies=1), transfer.digit_tasks(copies=1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    keys = {image.tobytes() for image in np.concatenate([a.x_pool, a.x_test])}
    assert len(keys) == len(a.x_pool) + len(a.x_test)
    assert not np.array_equal(transfer.digit_tasks(copies=1, seed=1).x_pool, a.x_pool)


# --------------------------------------------------------------------------- ImageNet


def test_the_weights_and_class_names_are_those_keras_applications_downloads():
    source = inspect.getsource(inspect.getmodule(keras.applications.MobileNetV2))
    assert imagenet._WEIGHTS_URL.removesuffix(transfer.MOBILENET_V2_WEIGHTS) in source
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels" in source
    index_source = inspect.getsource(
        inspect.getmodule(keras.applications.imagenet_utils.decode_predictions)
    )
    assert imagenet._CLASS_INDEX_MD5 in index_source
    assert imagenet._CLASS_INDEX_URL.split("//")[1].split("/")[0] in index_source


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(imagenet, "_models_dirs", lambda: [tmp_path / "keras" / "models"])
    return tmp_path / "keras" / "models"


def test_offline_the_weights_are_one_clear_line_within_seconds_and_nothing_printed(
    empty_cache, monkeypatch, capsys
):
    monkeypatch.setattr(imagenet, "_unreachable", lambda url, timeout: "OSError: no network")
    start = time.perf_counter()
    with pytest.raises(transfer.WeightsUnavailableError) as error:
        transfer.mobilenet_v2_imagenet()
    assert time.perf_counter() - start < 2
    message = str(error.value)
    assert "\n" not in message and "MobileNetV2's ImageNet weights" in message
    assert str(empty_cache) in message and "no network" in message
    assert capsys.readouterr().out == ""
    with pytest.raises(transfer.WeightsUnavailableError, match="ImageNet class names"):
        transfer.imagenet_labels()


def test_the_network_check_gives_up_after_its_timeout_when_nothing_answers(monkeypatch):
    def stall(*args, **kwargs):  # answers nothing for 30 s, then fails like a timeout
        time.sleep(30)
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", stall)
    start = time.perf_counter()
    why = imagenet._unreachable("https://storage.googleapis.com/x.h5", timeout=0.3)
    assert time.perf_counter() - start < 2 and why == (
        "no answer from storage.googleapis.com within 0.3 s"
    )


def test_the_network_check_reports_a_refused_connection():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused
        why = imagenet._unreachable(f"http://127.0.0.1:{port}/weights.h5", timeout=2.0)
    assert why is not None and "Error" in why


def test_a_failed_download_is_the_course_error_and_the_socket_timeout_is_restored(
    empty_cache, monkeypatch
):
    monkeypatch.setattr(imagenet, "_unreachable", lambda url, timeout: None)

    def fails(*args, **kwargs):
        assert socket.getdefaulttimeout() == 1.5
        raise Exception("URL fetch failure on https://example: None -- timed out")

    monkeypatch.setattr(keras.utils, "get_file", fails)
    with pytest.raises(transfer.WeightsUnavailableError, match="URL fetch failure") as error:
        transfer.mobilenet_v2_imagenet(timeout=1.5)
    assert isinstance(error.value.__cause__, Exception) and socket.getdefaulttimeout() is None


def test_cached_weights_and_names_are_used_without_touching_the_network(empty_cache, monkeypatch):
    def no_network(url, timeout):
        raise AssertionError("the network was asked for a cached file")

    monkeypatch.setattr(imagenet, "_unreachable", no_network)
    empty_cache.mkdir(parents=True)
    (empty_cache / transfer.MOBILENET_V2_WEIGHTS).write_bytes(b"weights")
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (empty_cache / transfer.IMAGENET_CLASS_INDEX).write_text(json.dumps(index))
    loaded = {}
    monkeypatch.setattr(keras.applications, "MobileNetV2", lambda weights: loaded.update(w=weights))
    transfer.mobilenet_v2_imagenet()
    assert loaded["w"] == str(empty_cache / transfer.MOBILENET_V2_WEIGHTS)
    labels = transfer.imagenet_labels()
    assert len(labels) == 1000 and labels[281] == "class_281"


def test_top_classes_resizes_and_ranks_and_checks_its_arguments():
    model = keras.applications.MobileNetV2(
        weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=4
    )
    photo = data.sample_image("chelsea")
    found = transfer.top_classes(model, photo, ["a", "b", "c", "d"], top=4)
    probabilities = [p for _, p in found]
    assert sorted(name for name, _ in found) == ["a", "b", "c", "d"]
    assert probabilities == sorted(probabilities, reverse=True)
    assert np.isclose(sum(probabilities), 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="labels must name the model's 4 outputs"):
        transfer.top_classes(model, photo, ["a"])
    with pytest.raises(ValueError, match="top must be between 1 and 4"):
        transfer.top_classes(model, photo, "abcd", top=5)
    with pytest.raises(ValueError, match="channel"):
        transfer.top_classes(model, data.sample_image("camera"), "abcd")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        transfer.mobilenet_v2_imagenet(timeout=0)


# --------------------------------------------------------------------------- data.jitter


def test_jitter_without_any_movement_only_pads_and_is_reproducible():
    (x, _), _ = data.digits(size=8)
    still = data.jitter(x[:6], canvas=12, rotation=0, zoom=(1, 1), shift=0)
    assert np.allclose(still[:, 2:10, 2:10], x[:6], atol=1e-6) and still[:, :2].max() == 0
    assert np.array_equal(data.jitter(x[:6], seed=3), data.jitter(x[:6], seed=3))
    assert not np.array_equal(data.jitter(x[:6], seed=3), data.jitter(x[:6], seed=4))


def test_jitter_moves_each_image_differently_and_keeps_2d_stacks_2d():
    (x, _), _ = data.digits(size=8, channels=False)
    moved = data.jitter(np.repeat(x[:1], 5, axis=0), canvas=12, seed=0)
    assert moved.shape == (5, 12, 12)
    assert len({image.tobytes() for image in moved}) == 5


def test_jitter_checks_its_arguments():
    images = np.zeros((2, 8, 8, 1))
    with pytest.raises(ValueError, match="canvas must be >= 8"):
        data.jitter(images, canvas=6)
    with pytest.raises(ValueError, match="zoom must satisfy"):
        data.jitter(images, zoom=(1.2, 0.8))
    with pytest.raises(ValueError, match="rotation must be between"):
        data.jitter(images, rotation=-5)
    with pytest.raises(ValueError, match="images must be a real numeric array"):
        data.jitter(np.array(["a"]))
