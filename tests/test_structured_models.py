"""Builders for structured outputs: fcn, unet, box_regressor, grid_detector. Output shapes
follow the inputs (sizes that do not divide by the downsampling factor: padded and cropped,
or a clear error), outputs are valid probabilities, and bad arguments raise clearly."""

import keras
import numpy as np
import pytest

from cnncourse import models, recipes


def output_of(model, shape):
    x = np.random.default_rng(0).uniform(size=(2, *shape)).astype(np.float32)
    return keras.ops.convert_to_numpy(model(x, training=False))


# --------------------------------------------------------------------------- fcn


@pytest.mark.parametrize("mode", models.FCN_MODES)
@pytest.mark.parametrize("shape", [(32, 32, 3), (16, 24, 1), (30, 30, 3), (17, 9, 3)])
def test_fcn_output_matches_the_input_size_in_every_mode(mode, shape):
    model = models.fcn(shape, 4, filters=(4, 8), mode=mode)
    assert model.output.shape == (None, shape[0], shape[1], 4)
    assert not model.compiled
    out = output_of(model, shape)
    assert out.shape == (2, shape[0], shape[1], 4)
    assert np.allclose(out.sum(axis=-1), 1.0, atol=1e-5)


def test_fcn_modes_differ_as_documented():
    names = {
        m: [layer.__class__.__name__ for layer in models.fcn((16, 16, 3), 3, mode=m).layers]
        for m in models.FCN_MODES
    }
    assert "MaxPooling2D" not in names["no_pooling"]
    assert "Conv2DTranspose" in names["down_up"]
    stride1 = models.fcn((16, 16, 3), 3, mode="stride1_pooling")
    pools = [layer for layer in stride1.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    assert pools and all(p.strides == (1, 1) and p.padding == "same" for p in pools)
    assert all(layer.__class__.__name__ not in ("Dense", "Flatten") for layer in stride1.layers)


def test_fcn_down_up_without_padding_rejects_sizes_that_do_not_divide():
    with pytest.raises(ValueError, match=r"input_shape \(30, 30, 3\).*downsampling factor 4"):
        models.fcn((30, 30, 3), 4, filters=(8, 16), mode="down_up", pad=False)
    model = models.fcn((28, 28, 3), 4, filters=(8, 16), mode="down_up", pad=False)
    assert model.output.shape == (None, 28, 28, 4)


# --------------------------------------------------------------------------- unet


@pytest.mark.parametrize("shape", [(32, 32, 3), (24, 16, 1), (30, 30, 3), (33, 7, 3), (1, 1, 3)])
def test_unet_output_matches_the_input_size(shape):
    model = models.unet(shape, 4, filters=(4, 8, 16))
    assert model.output.shape == (None, shape[0], shape[1], 4)
    out = output_of(model, shape)
    assert out.shape == (2, shape[0], shape[1], 4)
    assert np.allclose(out.sum(axis=-1), 1.0, atol=1e-5)


def test_unet_has_skip_connections_and_transposed_convolutions():
    model = models.unet((32, 32, 3), 4, filters=(16, 32, 64))
    kinds = [layer.__class__.__name__ for layer in model.layers]
    assert kinds.count("Concatenate") == 2 and kinds.count("Conv2DTranspose") == 2
    assert kinds.count("MaxPooling2D") == 2
    skip = model.get_layer("skip1")  # deepest skip: 8x8 up to 16x16 with the 16x16 maps
    assert tuple(skip.output.shape[1:]) == (16, 16, 64)
    assert model.count_params() == 117_092
    with_bn = models.unet((32, 32, 3), 4, batch_norm=True)
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in with_bn.layers)


def test_unet_without_padding_raises_a_clear_error_naming_the_factor():
    with pytest.raises(ValueError, match=r"input_shape \(30, 32, 3\).*downsampling factor 4"):
        models.unet((30, 32, 3), 4, pad=False)
    with pytest.raises(ValueError, match=r"downsampling factor 8.*\(32, 32, 3\)"):
        models.unet((30, 30, 3), 4, filters=(8, 16, 32, 64), pad=False)
    assert models.unet((32, 32, 3), 4, pad=False).output.shape == (None, 32, 32, 4)


# --------------------------------------------------------------------------- box regressor


@pytest.mark.parametrize("shape", [(32, 32, 3), (24, 20, 1), (33, 31, 3)])
def test_box_regressor_outputs_a_class_and_a_box(shape):
    model = models.box_regressor(shape, 3, filters=(4, 8, 8), dense=(16,))
    assert set(model.output) == {"class", "box"}
    assert model.output["class"].shape == (None, 3)
    assert model.output["box"].shape == (None, 4)
    x = np.random.default_rng(0).uniform(size=(2, *shape)).astype(np.float32)
    out = model(x, training=False)
    box = keras.ops.convert_to_numpy(out["box"])
    assert np.all((box >= 0) & (box <= 1))
    assert np.allclose(keras.ops.convert_to_numpy(out["class"]).sum(axis=-1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_box_regressor_trains_with_a_loss_per_output():
    from cnncourse import data, detection, train

    shapes = data.shapes(64, size=16, seed=0)
    model = models.box_regressor((16, 16, 3), 3, filters=(4, 8), dense=(8,))
    y = {"class": shapes.labels, "box": detection.encode_boxes(shapes.boxes, 16)}
    history = train.fit(
        model,
        shapes.images,
        y,
        epochs=2,
        verbose=0,
        batch_size=32,
        loss={"class": "sparse_categorical_crossentropy", "box": "mse"},
        metrics={"class": ["accuracy"], "box": ["mae"]},
    )
    assert np.isfinite(history.history["loss"]).all()


def test_box_regressor_too_small_input_raises():
    with pytest.raises(ValueError, match=r"input_shape \(4, 4, 3\) is too small"):
        models.box_regressor((4, 4, 3), 3, filters=(8, 8, 8))


# --------------------------------------------------------------------------- grid detector


@pytest.mark.parametrize(
    ("shape", "grid", "cells"),
    [((32, 32, 3), 4, 4), ((32, 32, 3), 8, 8), ((24, 24, 3), 3, 3), ((16, 16, 1), 2, 2)],
)
def test_grid_detector_outputs_one_row_per_cell(shape, grid, cells):
    model = models.grid_detector(shape, 3, grid=grid, filters=(4, 8, 8), head=8)
    assert model.output.shape == (None, cells, cells, 8)
    out = output_of(model, shape)
    assert np.all((out[..., :5] >= 0) & (out[..., :5] <= 1))
    assert np.allclose(out[..., 5:].sum(axis=-1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("shape", "grid", "message"),
    [
        ((30, 30, 3), 4, r"input_shape \(30, 30, 3\) does not fit grid=4"),
        ((32, 24, 3), 4, r"input_shape \(32, 24, 3\) does not fit grid=4"),
        ((36, 36, 3), 3, r"input_shape \(36, 36, 3\) does not fit grid=3"),  # factor 12
        ((64, 64, 3), 2, r"downsampling factor of 32 \(5 poolings\)"),
    ],
)
def test_grid_detector_rejects_sizes_that_do_not_fit_the_grid(shape, grid, message):
    with pytest.raises(ValueError, match=message):
        models.grid_detector(shape, 3, grid=grid)


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: models.fcn((32, 32, 3), 4, mode="pooling"), "mode must be one of"),
        (lambda: models.fcn((32, 32, 3), 1), "num_classes must be >= 2"),
        (lambda: models.unet((32, 32), 4), "input_shape must be a tuple"),
        (lambda: models.unet((32, 32, 3), 4, filters=()), "filters must not be empty"),
        (lambda: models.unet((32, 32, 3), 4, convs=0), "convs must be >= 1"),
        (lambda: models.box_regressor((32, 32, 3), 3, dense=(0,)), r"dense\[0\] must be >= 1"),
        (lambda: models.grid_detector((32, 32, 3), 3, grid=0), "grid must be >= 1"),
        (lambda: models.grid_detector((32, 32, 3), 3, batch_norm="yes"), "batch_norm must be one"),
    ],
)
def test_bad_arguments_raise_clear_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# --------------------------------------------------------------------------- recipes


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("SEGMENTATION_RECIPE", models.unet),
        ("BOX_RECIPE", models.box_regressor),
        ("DETECTOR_RECIPE", models.grid_detector),
    ],
)
def test_recipes_have_data_model_and_fit_parts_that_fit_together(name, build):
    recipe = getattr(recipes, name)
    assert set(recipe) >= {"data", "model", "fit", "n_train", "num_classes"}
    assert recipe["fit"]["schedule"] == "cosine"
    size = recipe["data"]["size"]
    assert size <= 32
    extra = {"grid": recipe["grid"]} if "grid" in recipe else {}
    model = build((size, size, 3), recipe["num_classes"], **extra, **recipe["model"])
    model.compile(
        optimizer="adam", loss=recipe["fit"]["loss"], metrics=recipe["fit"].get("metrics")
    )
