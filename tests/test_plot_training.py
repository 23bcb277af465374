"""Training and model figures: they return figures, show the right numbers, work on a
tiny trained model, and reject bad arguments clearly."""

import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import data, models, plot, train

#: On PyTorch, every ``keras.ops.convert_to_numpy`` warns: Keras's torch backend calls
#: ``np.array(tensor)``, and NumPy 2 warns that torch's ``Tensor.__array__`` takes no
#: ``copy=`` argument. Not the course's doing, so the no-warnings test lets it through;
#: test_keras_torch_to_numpy_still_warns fails once it is gone (then drop this).
TORCH_ARRAY_WARNING = "__array__ implementation doesn't accept a copy keyword"


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="the PyTorch backend only")
def test_keras_torch_to_numpy_still_warns():
    with pytest.warns(DeprecationWarning, match=TORCH_ARRAY_WARNING):
        keras.ops.convert_to_numpy(keras.ops.ones((2,)))


@pytest.fixture(scope="module")
def trained():
    """A 2-block simple_cnn on 8x8 digits, trained for one epoch, and its evaluation."""
    train.set_seed(0)
    (x_train, y_train), (x_test, y_test) = data.digits()
    model = models.simple_cnn((8, 8, 1), 10, blocks=(4, 8), dense=(16,))
    history = train.fit(
        model,
        x_train[:128],
        y_train[:128],
        validation_data=(x_test[:64], y_test[:64]),
        epochs=2,
        verbose=0,
    )
    result = train.evaluate(model, x_test[:64], y_test[:64])
    return model, history, result, x_test[:64], y_test[:64]


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


# --------------------------------------------------------------------------- curves


def test_history_draws_training_and_validation_per_metric(trained):
    _, history, _, _, _ = trained
    fig = plot.history(history)
    assert isinstance(fig, plt.Figure)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    loss_ax = fig.axes[0]
    labels = [line.get_label() for line in loss_ax.get_lines()]
    assert labels[:2] == ["training", "validation"] and labels[2].startswith("best validation")
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), history.history["loss"])
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_xdata(), [1, 2])


def test_history_accepts_a_dict_and_finds_accuracy_under_other_names():
    fig = plot.history({"loss": [2, 1, 0.5], "acc": [0.1, 0.5, 0.8]})
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    only_loss = plot.history({"loss": [1.0, 0.5]})  # the default skips a missing accuracy
    assert len(only_loss.axes) == 1


def test_history_rejects_unknown_metrics_and_non_histories():
    with pytest.raises(ValueError, match="metrics: 'f1' is not in the history; it has 'loss'"):
        plot.history({"loss": [1.0], "val_loss": [1.2]}, metrics=["f1"])
    with pytest.raises(ValueError, match="history must be a keras History"):
        plot.history([1, 2, 3])


# --------------------------------------------------------------------------- results


def test_confusion_matrix_writes_counts_and_accepts_an_evaluation(trained):
    _, _, result, _, _ = trained
    ax = plot.confusion_matrix(result)
    assert isinstance(ax, plt.Axes)
    texts = [int(t.get_text()) for t in ax.texts]
    assert texts == result.confusion.ravel().tolist() and sum(texts) == 64
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert "64 images" in ax.get_title()


def test_confusion_matrix_normalized_rows_and_labels():
    ax = plot.confusion_matrix([[3, 1], [0, 2]], labels=["cat", "dog"], normalize=True)
    assert [t.get_text() for t in ax.texts] == ["0.75", "0.25", "0.00", "1.00"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog"]


@pytest.mark.parametrize(
    "matrix, kwargs, message",
    [
        (np.ones((2, 3)), {}, r"matrix must be a square array \(K, K\)"),
        ([[1, -1], [0, 1]], {}, "matrix must hold counts >= 0"),
        ([[1, 0], [0, 1]], {"labels": ["a"]}, r"labels must have one name per class \(2\)"),
        ([[1, 0], [0, 1]], {"normalize": "rows"}, "normalize must be one of True, False"),
    ],
)
def test_confusion_matrix_rejects_bad_arguments(matrix, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot.confusion_matrix(matrix, **kwargs)


def test_misclassified_shows_the_wrong_images_with_true_and_predicted_classes():
    images = np.random.default_rng(0).random((10, 8, 8, 1))
    true = np.arange(10) % 3
    pred = true.copy()
    pred[[2, 5, 7]] = (true[[2, 5, 7]] + 1) % 3
    fig = plot.misclassified(images, true, pred, n=2, labels=["a", "b", "c"])
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == [
        f"true {'abc'[true[2]]}\npred {'abc'[pred[2]]}",
        f"true {'abc'[true[5]]}\npred {'abc'[pred[5]]}",
    ]
    assert "3 of 10 images misclassified" in fig.get_suptitle()
    none = plot.misclassified(images, true, true)
    assert "no misclassified images" in none.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match=r"true and pred must have one class per image \(10\)"):
        plot.misclassified(images, true[:5], pred)


def test_misclassified_works_with_an_evaluation(trained):
    _, _, result, x, y = trained
    fig = plot.misclassified(x, y, result.predictions, n=4)
    assert len(image_axes(fig)) == min(4, len(result.misclassified))


# --------------------------------------------------------------------------- inside a model


def test_learned_kernels_of_a_one_channel_model_share_a_scale_centred_at_zero(trained):
    model, _, _, _, _ = trained
    fig = plot.learned_kernels(model)
    panels = image_axes(fig)
    assert len(panels) == 4  # conv1 has 4 filters
    kernel = model.get_layer("conv1").get_weights()[0]
    np.testing.assert_allclose(panels[1].images[0].get_array(), kernel[:, :, 0, 1], rtol=1e-6)
    low, high = panels[0].images[0].get_clim()
    assert low == -high == -np.abs(kernel).max()
    assert fig.get_suptitle().startswith("conv1: 4 filters of 3x3x1")


def test_learned_kernels_of_an_rgb_model_are_colour_images_in_0_1():
    model = models.simple_cnn((8, 8, 3), 3, blocks=(6,))
    fig = plot.learned_kernels(model, layer="conv1", max_filters=4)
    panels = image_axes(fig)
    assert len(panels) == 4
    rgb = np.asarray(panels[0].images[0].get_array())
    assert rgb.shape == (3, 3, 3) and rgb.min() == 0 and rgb.max() == 1


def test_learned_kernels_rejects_layers_without_a_kernel(trained):
    model, _, _, _, _ = trained
    with pytest.raises(ValueError, match="layer must be a 2-D convolution"):
        plot.learned_kernels(model, layer="pool1")
    with pytest.raises(ValueError, match="layer must be the name of a layer of the model"):
        plot.learned_kernels(model, layer="conv9")


def test_feature_maps_of_shows_one_row_per_convolution(trained):
    model, _, _, x, _ = trained
    fig = plot.feature_maps_of(model, x[0], max_maps=3)
    rows = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert rows == ["conv1\n8x8x4", "conv2\n4x4x8"]
    maps = image_axes(fig)
    assert len(maps) == 6
    conv1 = keras.Model(model.input, model.get_layer("conv1").output)
    expected = keras.ops.convert_to_numpy(conv1(x[:1]))[0, :, :, 0]
    np.testing.assert_allclose(maps[0].images[0].get_array(), expected, rtol=1e-5, atol=1e-6)


def test_feature_maps_of_uses_the_maps_after_batch_norm_and_relu():
    model = models.simple_cnn((8, 8, 1), 3, blocks=(4, 4), batch_norm=True)
    fig = plot.feature_maps_of(model, np.zeros((8, 8)))
    assert [t.get_text().split("\n")[0] for ax in fig.axes for t in ax.texts] == ["relu1", "relu2"]


def test_feature_maps_of_one_layer_is_feature_maps_and_sequential_works():
    model = keras.Sequential(
        [keras.layers.Conv2D(3, 3, name="c"), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    fig = plot.feature_maps_of(model, np.ones((6, 6, 1)))  # called once to get inputs
    assert fig.get_suptitle() == "c: 3 of 3 feature maps of 4x4 for this image"


def test_feature_maps_of_rejects_bad_layers_and_images(trained):
    model, _, _, x, _ = trained
    with pytest.raises(ValueError, match=r"layers: 'flatten' has no \(H, W, C\) feature maps"):
        plot.feature_maps_of(model, x[0], layers=["flatten"])
    with pytest.raises(ValueError, match=r"image must have the model's input shape \(8, 8, 1\)"):
        plot.feature_maps_of(model, np.zeros((16, 16, 1)))


def test_activations_plots_five_functions_and_softmax():
    fig = plot.activations()
    left, right = fig.axes
    assert [line.get_label() for line in left.get_lines()[:5]] == [
        "ReLU",
        "leaky ReLU (0.1)",
        "ELU",
        "sigmoid",
        "tanh",
    ]
    softmax = [bar.get_height() for bar in right.containers[1]]
    assert sum(softmax) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="x_range must have low < high"):
        plot.activations(x_range=(2, -2))


# --------------------------------------------------------------------------- explanations


def test_explanation_draws_one_method_when_asked(trained):
    model, _, _, x, _ = trained
    fig = plot.explanation(model, x[0], method="gradcam")
    assert len(image_axes(fig)) == 2 and fig.axes[1].get_title() == "Grad-CAM"


def test_explanation_shows_the_image_and_its_maps(trained):
    model, _, _, x, _ = trained
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", TORCH_ARRAY_WARNING, DeprecationWarning)
        fig = plot.explanation(model, x[0], labels=[str(d) for d in range(10)])
    assert len(image_axes(fig)) == 3  # the image, occlusion and Grad-CAM, on every backend
    assert fig.axes[0].get_title().startswith("predicted ")
    occlusion = plot.explanation(model, x[0], method="occlusion")
    assert len(image_axes(occlusion)) == 2
    with pytest.raises(ValueError, match="method must be one of 'both', 'occlusion', 'gradcam'"):
        plot.explanation(model, x[0], method="saliency")
