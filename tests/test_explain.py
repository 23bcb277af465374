"""Explanation maps: occlusion finds the region a model uses, Grad-CAM gives the map its
formula does (on every backend, skip connections included), and the helpers shared with
the figures check models, layers, images and class indices clearly."""

import keras
import numpy as np
import pytest

from cnncourse import explain, models, train


@pytest.fixture(scope="module")
def cnn():
    """A small untrained simple_cnn on 8x8 one-channel images (10 classes)."""
    train.set_seed(0)
    return models.simple_cnn((8, 8, 1), 10, blocks=(4, 8), dense=(16,))


def top_left_model():
    """Two classes scored from the top-left 4x4 quadrant only."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Cropping2D(((0, 4), (0, 4)))(inputs)
    x = keras.layers.Flatten()(x)
    dense = keras.layers.Dense(2, activation="softmax")
    model = keras.Model(inputs, dense(x))
    dense.set_weights([np.stack([np.ones(16), -np.ones(16)], axis=1) / 10, np.zeros(2)])
    return model


# --------------------------------------------------------------------------- occlusion


def test_occlusion_map_finds_the_region_the_model_uses():
    model = top_left_model()
    image = np.zeros((8, 8, 1), "float32")
    image[:4, :4] = 1.0
    heat = explain.occlusion_map(model, image, patch=2, stride=2, fill=0.0)
    assert heat.shape == (8, 8)
    assert np.all(heat[:4, :4] > 0)  # hiding the bright quadrant lowers p(class 0)
    np.testing.assert_allclose(heat[4:, :], 0, atol=1e-7)
    np.testing.assert_allclose(heat[:, 4:], 0, atol=1e-7)


class BatchRecorder(keras.layers.Layer):
    """Passes its input through and records the batch size of every call."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def call(self, x):
        self.batches.append(x.shape[0])
        return x


def test_occlusion_map_classifies_all_occluded_images_in_one_batch():
    recorder = BatchRecorder()
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(recorder(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    recorder.batches.clear()  # building the model called it once, symbolically
    explain.occlusion_map(model, np.ones((8, 8, 1)), patch=4, stride=2)
    assert recorder.batches == [1 + 3 * 3]  # the image and its 9 occluded copies, in one pass


def test_occlusion_map_rejects_bad_arguments():
    model = top_left_model()
    with pytest.raises(ValueError, match="patch must be at most the image side 8"):
        explain.occlusion_map(model, np.ones((8, 8, 1)), patch=9)
    with pytest.raises(ValueError, match="class_index must be between 0 and 1"):
        explain.occlusion_map(model, np.ones((8, 8, 1)), class_index=5)
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        explain.occlusion_map("model", np.ones((8, 8, 1)))


# --------------------------------------------------------------------------- Grad-CAM


def test_gradcam_gives_a_map_in_0_1(cnn):
    image = np.random.default_rng(0).random((8, 8, 1))
    heat = explain.gradcam(cnn, image)
    assert heat.shape == (8, 8) and heat.dtype == np.float64
    assert heat.min() >= 0 and heat.max() == 1


def maps_then_softmax():
    """Maps (4, 4, 3) from a 1x1 convolution, then Flatten and a softmax Dense layer."""
    rng = np.random.default_rng(2)
    inputs = keras.Input((4, 4, 2))
    maps = keras.layers.Conv2D(3, 1, activation="relu", name="maps")(inputs)
    dense = keras.layers.Dense(3, activation="softmax")
    model = keras.Model(inputs, dense(keras.layers.Flatten()(maps)))
    model.get_layer("maps").set_weights([rng.standard_normal((1, 1, 2, 3)), np.zeros(3)])
    dense.set_weights([rng.standard_normal((48, 3)), np.zeros(3)])
    return model, rng.random((4, 4, 2))


def test_gradcam_is_the_gradient_weighted_sum_of_the_maps_on_every_backend():
    model, image = maps_then_softmax()
    (conv_w, _), (w, b) = model.get_layer("maps").get_weights(), model.layers[-1].get_weights()
    maps = np.maximum(image @ conv_w[0, 0], 0)  # (4, 4, 3)
    z = maps.reshape(-1) @ w + b
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    c = 2
    # d p_c / d maps = p_c (w[:, c] - sum_j p_j w[:, j]), back in the maps' shape
    grads = (p[c] * (w[:, c] - w @ p)).reshape(maps.shape)
    cam = np.maximum((grads.mean(axis=(0, 1)) * maps).sum(axis=-1), 0)
    assert 0 < (cam > 0).sum() < cam.size  # the ReLU matters in this case
    expected = cam / cam.max()  # same size as the image: no resizing
    heat = explain.gradcam(model, image, class_index=c, layer="maps")
    np.testing.assert_allclose(heat, expected, rtol=1e-4, atol=1e-5)


def test_gradcam_differentiates_through_skip_connections():
    """The head runs every layer but the explained one, so a branch around it still counts."""
    inputs = keras.Input((6, 6, 1))
    a = keras.layers.Conv2D(2, 3, padding="same", activation="relu", name="a")(inputs)
    b = keras.layers.Conv2D(2, 3, padding="same", activation="relu", name="b")(a)
    x = keras.layers.Flatten()(keras.layers.Add()([a, b]))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    image = np.random.default_rng(2).random((6, 6, 1))
    heat = explain.gradcam(model, image, layer="b")
    assert heat.shape == (6, 6) and np.isfinite(heat).all()
    with pytest.raises(ValueError, match="layer 'flatten.*' has no \\(H, W, C\\) feature maps"):
        explain.gradcam(model, image, layer=-2)


# --------------------------------------------------------------------------- helpers


def test_last_map_layer_and_find_layer(cnn):
    assert explain.output_rank(explain.last_map_layer(cnn)) == 4
    assert explain.find_layer(cnn, "conv1") is cnn.get_layer("conv1")
    assert explain.find_layer(cnn, 0) is cnn.layers[0]
    with pytest.raises(ValueError, match="layer must be the name of a layer of the model"):
        explain.find_layer(cnn, "conv9")
    with pytest.raises(ValueError, match="layer must be a layer index between"):
        explain.find_layer(cnn, 99)
    with pytest.raises(ValueError, match=r"model has no layer with \(H, W, C\) feature maps"):
        dense = keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]
        )
        explain.last_map_layer(dense)


def test_batch_of_one_checks_the_image(cnn):
    assert explain.batch_of_one(cnn, np.zeros((8, 8))).shape == (1, 8, 8, 1)
    assert explain.batch_of_one(cnn, np.zeros((1, 8, 8, 1))).dtype == np.float32
    with pytest.raises(ValueError, match=r"image must be one image \(H, W, C\); got a batch"):
        explain.batch_of_one(cnn, np.zeros((2, 8, 8, 1)))
    with pytest.raises(ValueError, match=r"image must have the model's input shape \(8, 8, 1\)"):
        explain.batch_of_one(cnn, np.zeros((16, 16, 1)))


def test_class_scores_and_class_index_for_softmax_and_sigmoid():
    softmax = np.array([[0.1, 0.7, 0.2]])
    assert explain.check_class_index(None, softmax) == 1
    np.testing.assert_allclose(explain.class_scores(softmax, 2), [0.2])
    sigmoid = np.array([[0.3]])
    assert explain.check_class_index(None, sigmoid) == 0
    np.testing.assert_allclose(explain.class_scores(sigmoid, 0), [0.7])
    np.testing.assert_allclose(explain.class_scores(sigmoid, 1), [0.3])
    with pytest.raises(ValueError, match="class_index must be between 0 and 1"):
        explain.check_class_index(2, sigmoid)
