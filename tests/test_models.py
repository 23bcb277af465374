"""Model builders: output shapes, parameter counts from the formulas, the famous
architectures' sizes, and clear errors for bad arguments."""

import keras
import numpy as np
import pytest

from cnncourse import models, recipes
from cnncourse.shapes import conv_params, shape_table


def dense_params(inputs, units):
    return inputs * units + units


def output_shapes(model):
    return [tuple(layer.output.shape[1:]) for layer in model.layers[1:]]


def layer_params(model):
    return {layer.name: layer.count_params() for layer in model.layers}


# --------------------------------------------------------------------------- simple_cnn


def test_simple_cnn_follows_the_lesson_walkthrough_on_32x32x3():
    model = models.simple_cnn((32, 32, 3), 10, blocks=(16, 32), dense=(128,))
    assert [row["output_shape"][1:] for row in shape_table(model).rows[1:]] == [
        (32, 32, 16),
        (16, 16, 16),
        (16, 16, 32),
        (8, 8, 32),
        (2048,),
        (128,),
        (10,),
    ]
    expected = (
        conv_params(3, 3, 16)  # 448
        + conv_params(3, 16, 32)  # 4,640
        + dense_params(8 * 8 * 32, 128)  # 262,272
        + dense_params(128, 10)  # 1,290
    )
    assert model.count_params() == expected == 268_650
    assert not model.compiled
    assert model.layers[-1].activation.__name__ == "softmax"


def test_simple_cnn_batch_norm_drops_the_conv_bias_and_adds_four_numbers_per_filter():
    plain = models.simple_cnn((16, 16, 1), 10, blocks=(8, 16), dense=())
    normed = models.simple_cnn((16, 16, 1), 10, blocks=(8, 16), dense=(), batch_norm=True)
    names = [layer.name for layer in normed.layers]
    assert names[:5] == ["input", "conv1", "bn1", "relu1", "pool1"]
    assert layer_params(normed)["conv1"] == conv_params(3, 1, 8, use_bias=False)
    assert layer_params(normed)["bn1"] == 4 * 8  # gamma, beta, moving mean and variance
    difference = normed.count_params() - plain.count_params()
    assert difference == (4 * 8 - 8) + (4 * 16 - 16)


def test_simple_cnn_global_pool_keeps_one_number_per_map():
    model = models.simple_cnn((32, 32, 3), 10, blocks=(16, 32), dense=(), global_pool=True)
    assert model.get_layer("global_pool").output.shape == (None, 32)
    assert layer_params(model)["output"] == dense_params(32, 10)


def test_simple_cnn_valid_padding_dropout_and_no_pooling():
    model = models.simple_cnn(
        (12, 12, 1), 3, blocks=(4, 4), dense=(8, 8), padding="valid", pool_size=None, dropout=0.5
    )
    assert output_shapes(model)[:2] == [(10, 10, 4), (8, 8, 4)]
    assert [layer.name for layer in model.layers if "dropout" in layer.name] == [
        "dropout1",
        "dropout2",
    ]


@pytest.mark.parametrize(
    "task, num_classes, units, activation",
    [
        ("classification", 2, 2, "softmax"),
        ("binary", 2, 1, "sigmoid"),
        ("binary", 1, 1, "sigmoid"),
        ("binary", 5, 5, "sigmoid"),  # multi-label: one yes/no per class
        ("regression", 4, 4, "linear"),
    ],
)
def test_the_task_chooses_the_output_layer(task, num_classes, units, activation):
    model = models.simple_cnn((8, 8, 1), num_classes, blocks=(4,), task=task)
    out = model.layers[-1]
    assert out.units == units and out.activation.__name__ == activation


def test_augmentation_layers_run_only_while_training():
    model = models.simple_cnn(
        (8, 8, 1), 3, blocks=(4,), augmentation=[keras.layers.RandomTranslation(0.2, 0.2)]
    )
    x = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    first = keras.ops.convert_to_numpy(model(x, training=False))
    assert np.array_equal(first, keras.ops.convert_to_numpy(model(x, training=False)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"blocks": ()}, "blocks must not be empty"),
        ({"blocks": (16, 0)}, r"blocks\[1\] must be >= 1; got 0"),
        ({"dense": (128, -5)}, r"dense\[1\] must be >= 1; got -5"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"dropout": -0.1}, r"dropout must be in \[0, 1\)"),
        ({"task": "detection"}, "task must be one of 'classification', 'binary', 'regression'"),
        ({"padding": "full"}, "padding must be one of 'valid', 'same'"),
        ({"kernel_size": 0}, "kernel_size must be >= 1"),
        ({"augmentation": ["flip"]}, r"augmentation\[0\] must be a keras layer"),
    ],
)
def test_simple_cnn_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.simple_cnn((32, 32, 3), 10, **kwargs)


def test_simple_cnn_says_when_the_input_is_too_small_for_the_pooling_blocks():
    message = (
        r"input_shape \(8, 8, 1\) is too small for 4 pooling blocks: "
        r"the feature maps shrink 8x8 -> 8x8 -> 4x4 -> 4x4 -> 2x2 -> 2x2 -> 1x1 -> 1x1 -> 0x0"
    )
    with pytest.raises(ValueError, match=message):
        models.simple_cnn((8, 8, 1), 10, blocks=(8, 8, 8, 8))
    models.simple_cnn((8, 8, 1), 10, blocks=(8, 8, 8))  # three halvings fit: 8 -> 1


@pytest.mark.parametrize(
    "input_shape, message",
    [
        ((32, 32), "input_shape must be a tuple \\(height, width, channels\\) of 3 sizes"),
        ((None, 32, 3), "input_shape must hold positive integers"),
        ((32, 0, 3), "input_shape must hold positive integers"),
        (32, "input_shape must be a tuple"),
    ],
)
def test_input_shape_must_be_height_width_channels(input_shape, message):
    with pytest.raises(ValueError, match=message):
        models.simple_cnn(input_shape, 10)


def test_classification_needs_two_classes():
    with pytest.raises(ValueError, match="num_classes must be >= 2 for task='classification'"):
        models.simple_cnn((8, 8, 1), 1)


# --------------------------------------------------------------------------- mlp, notes, digits


def test_mlp_flattens_first_and_counts_dense_parameters():
    model = models.mlp((8, 8, 1), 10, hidden=(32, 16), dropout=0.2)
    assert model.layers[1].name == "flatten"
    assert model.count_params() == (
        dense_params(64, 32) + dense_params(32, 16) + dense_params(16, 10)
    )
    assert models.mlp((64,), 10, hidden=()).count_params() == dense_params(64, 10)
    with pytest.raises(ValueError, match=r"hidden\[0\] must be >= 1"):
        models.mlp((64,), 10, hidden=(0,))


def test_mnist_convnet_is_the_notes_model_with_93322_parameters():
    model = models.mnist_convnet()
    assert output_shapes(model) == [
        (26, 26, 32),
        (13, 13, 32),
        (11, 11, 64),
        (5, 5, 64),
        (3, 3, 64),
        (576,),
        (64,),
        (10,),
    ]
    params = layer_params(model)
    assert params["conv1"] == conv_params(3, 1, 32) == 320
    assert params["conv2"] == conv_params(3, 32, 64) == 18_496
    assert params["conv3"] == conv_params(3, 64, 64) == 36_928
    assert params["fc1"] == dense_params(3 * 3 * 64, 64) == 36_928
    assert params["output"] == dense_params(64, 10) == 650
    assert model.count_params() == 93_322


def test_digits_cnn_is_a_batch_normalised_simple_cnn_without_random_layers():
    model = models.digits_cnn()
    names = [layer.name for layer in model.layers]
    assert names[:2] == ["input", "conv1"]  # augmentation happens to the data, not in here
    assert "bn1" in names and "dropout1" in names
    assert model.output.shape == (None, 10)
    recipe = recipes.DIGITS_RECIPE
    assert recipe["data"]["size"] == model.input_shape[1]
    assert {"epochs", "batch_size", "learning_rate", "schedule"} <= set(recipe["fit"])
    assert set(recipe["augment"]) == {"shift", "rotation"}


# --------------------------------------------------------------------------- historic nets


def test_lenet5_has_61706_parameters_with_the_documented_simplifications():
    model = models.lenet5()
    assert output_shapes(model)[:6] == [
        (28, 28, 6),
        (14, 14, 6),
        (10, 10, 16),
        (5, 5, 16),
        (1, 1, 120),
        (120,),
    ]
    c1 = (5 * 5 * 1 + 1) * 6  # 156
    c3 = (5 * 5 * 6 + 1) * 16  # 2,416: every C3 map sees all 6 S2 maps
    c5 = (5 * 5 * 16 + 1) * 120  # 48,120 (= a dense layer 400 -> 120)
    f6 = 120 * 84 + 84  # 10,164
    out = 84 * 10 + 10  # 850: softmax instead of the RBF units
    assert (c1, c3, c5, f6, out) == (156, 2416, 48120, 10164, 850)
    assert model.count_params() == c1 + c3 + c5 + f6 + out == 61_706
    assert models.lenet5(activation="relu", pooling="max").count_params() == 61_706


def test_lenet5_needs_32x32_inputs():
    with pytest.raises(ValueError, match=r"input_shape \(28, 28, 1\) is too small for LeNet-5"):
        models.lenet5((28, 28, 1))
    with pytest.raises(ValueError, match="pooling must be one of 'average', 'max'"):
        models.lenet5(pooling="l2")


def test_alexnet_single_tower_shapes():
    model = models.alexnet(num_classes=10)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv1"] == (55, 55, 96)
    assert shapes["pool2"] == (13, 13, 256)
    assert shapes["pool5"] == (6, 6, 256)
    assert shapes["flatten"] == (9216,)


def inception_params(c_in, f1, f3r, f3, f5r, f5, pool_proj):
    return (
        conv_params(1, c_in, f1)
        + conv_params(1, c_in, f3r)
        + conv_params(3, f3r, f3)
        + conv_params(1, c_in, f5r)
        + conv_params(5, f5r, f5)
        + conv_params(1, c_in, pool_proj)
    )


def test_googlenet_is_built_from_the_paper_table():
    stem = conv_params(7, 3, 64) + conv_params(1, 64, 64) + conv_params(3, 64, 192)
    channels, total = 192, stem
    for module in models.GOOGLENET_MODULES.values():
        total += inception_params(channels, *module)
        channels = module[0] + module[2] + module[4] + module[5]
    assert channels == 1024
    total += dense_params(1024, 1000)
    (row,) = models.famous_architectures(["GoogLeNet"])
    assert row["params"] == total == 6_998_552


# --------------------------------------------------------------------------- blocks


def test_vgg_block_convolves_then_halves():
    x = keras.Input((32, 32, 3))
    y = models.vgg_block(x, 64, convs=3, name="b1")
    assert y.shape == (None, 16, 16, 64)
    model = keras.Model(x, y)
    assert [layer.name for layer in model.layers[1:]] == [
        "b1_conv1",
        "b1_conv2",
        "b1_conv3",
        "b1_pool",
    ]
    assert model.count_params() == conv_params(3, 3, 64) + 2 * conv_params(3, 64, 64)


def test_inception_block_concatenates_its_four_branches():
    x = keras.Input((28, 28, 192))
    y = models.inception_block(x, 64, 96, 128, 16, 32, 32)  # GoogLeNet's 3a
    assert y.shape == (None, 28, 28, 64 + 128 + 32 + 32)
    assert keras.Model(x, y).count_params() == inception_params(192, 64, 96, 128, 16, 32, 32)
    with pytest.raises(ValueError, match="f5 must be >= 1"):
        models.inception_block(x, 64, 96, 128, 16, 0, 32)


def test_residual_block_identity_and_projection_shortcuts():
    x = keras.Input((16, 16, 32))
    same = keras.Model(x, models.residual_block(x, 32, name="r"))
    assert same.output.shape == (None, 16, 16, 32)
    assert "r_projection" not in [layer.name for layer in same.layers]  # identity shortcut
    basic = 2 * (conv_params(3, 32, 32, use_bias=False) + 4 * 32)
    assert same.count_params() == basic

    down = keras.Model(x, models.residual_block(x, 64, stride=2, name="d"))
    assert down.output.shape == (None, 8, 8, 64)
    assert down.get_layer("d_projection").count_params() == conv_params(1, 32, 64, use_bias=False)

    deep = models.residual_block(x, 16, bottleneck=True)
    assert deep.shape == (None, 16, 16, 64)


def test_dense_block_grows_by_the_growth_rate_and_transition_halves():
    x = keras.Input((16, 16, 24))
    y = models.dense_block(x, layers=4, growth_rate=12)
    assert y.shape == (None, 16, 16, 24 + 4 * 12)
    assert models.dense_block(x, 2, 8, bottleneck=True).shape == (None, 16, 16, 40)
    assert models.transition_block(y).shape == (None, 8, 8, 36)
    with pytest.raises(ValueError, match="layers must be >= 1"):
        models.dense_block(x, 0, 12)


def test_blocks_need_a_feature_map_tensor():
    with pytest.raises(ValueError, match=r"x must be a 4-D tensor \(batch, height, width"):
        models.vgg_block(keras.Input((64,)), 8)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        models.residual_block(keras.Input((8, 8, 4)), 4, stride=0)


@pytest.mark.parametrize(
    "build",
    [
        lambda: models.mini_vgg((16, 16, 1), 10),
        lambda: models.mini_resnet((16, 16, 1), 10, stages=(8, 16, 32)),
        lambda: models.mini_inception((16, 16, 1), 10),
        lambda: models.mini_densenet((16, 16, 1), 10),
    ],
)
def test_mini_nets_classify_small_images(build):
    model = build()
    out = keras.ops.convert_to_numpy(model(np.zeros((2, 16, 16, 1), "float32")))
    assert out.shape == (2, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_mini_nets_check_the_input_size():
    with pytest.raises(ValueError, match=r"input_shape \(4, 4, 1\) is too small for 4 stages"):
        models.mini_resnet((4, 4, 1), 10, stages=(8, 8, 8, 8))


# --------------------------------------------------------------------------- famous architectures


def test_famous_architectures_counts_match_keras_and_the_papers():
    rows = models.famous_architectures()
    by_name = {row["name"]: row for row in rows}
    assert list(by_name) == list(models.FAMOUS_NAMES)
    expected = {
        "LeNet-5": (61_706, 5),
        "AlexNet": (62_378_344, 8),
        "VGG16": (138_357_544, 16),
        "ResNet50": (25_636_712, 54),  # 49 convolutions + 1 dense + 4 projection shortcuts
        "DenseNet121": (8_062_504, 121),
        "MobileNetV2": (3_538_984, 53),
        "EfficientNetB0": (5_330_571, 82),
        "InceptionV3": (23_851_784, 95),
    }
    for name, (params, depth) in expected.items():
        assert (by_name[name]["params"], by_name[name]["depth"]) == (params, depth), name
    years = [row["year"] for row in rows]
    assert years == sorted(years) and years[0] == 1998
    for row in rows:
        assert set(row) == {"name", "year", "depth", "params", "key_idea", "source"}
        assert row["key_idea"]


def test_famous_architectures_leaves_no_weights_to_fill_in():
    from keras.src.backend.common import global_state

    models.famous_architectures(["VGG16"])
    assert not global_state.get_global_attribute("uninitialized_variables")
    with keras.StatelessScope():  # leaving a scope must not initialise VGG16's 138M weights
        pass


def test_famous_architectures_subsets_and_cache():
    (row,) = models.famous_architectures(include=["ResNet50"])
    row["params"] = 0  # a copy: the cache is safe
    assert models.famous_architectures(["ResNet50"])[0]["params"] == 25_636_712
    with pytest.raises(ValueError, match=r"include\[0\] must be one of 'LeNet-5'"):
        models.famous_architectures(["ResNet-50"])
    with pytest.raises(ValueError, match="include must be a list of names"):
        models.famous_architectures("VGG16")


def test_weight_layers_counts_convolutions_and_dense_layers():
    assert models.weight_layers(models.mnist_convnet()) == 5
    assert models.weight_layers(models.simple_cnn((8, 8, 1), 3, blocks=(4,), dense=())) == 2


# --------------------------------------------------------------------------- the package


def test_models_package_exports_the_union_of_its_modules_and_no_recipe():
    from cnncourse.models import (
        blocks,
        census,
        course,
        historic,
        mini,
        modern,
        structured,
        temporal,
    )

    union = {"BN_MOMENTUM", "TASKS"}
    for module in (blocks, census, course, historic, mini, modern, structured, temporal):
        union |= set(module.__all__)
    assert sorted(models.__all__) == sorted(union)
    assert all(hasattr(models, name) for name in models.__all__)
    assert not [name for name in dir(models) if name.endswith("_RECIPE")]


def test_models_package_imports_nothing_above_it():
    import ast
    from pathlib import Path

    for path in Path(models.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert "detection" not in name and "recipes" not in name, (path.name, name)
                assert not name.startswith("keras.src"), (path.name, name)
