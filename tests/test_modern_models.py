"""Lesson 8's blocks and builders: shortcuts that are the identity when the shapes allow and a
1x1 projection when they do not, the plain twin of a ResNet, MobileNet's blocks, and the
full-size networks built from the blocks with exactly ``keras.applications``' counts."""

import keras
import numpy as np
import pytest

from cnncourse import models
from cnncourse.shapes import conv_params, separable_params


def block_model(input_shape, block, *args, **kwargs):
    x = keras.Input(input_shape)
    return keras.Model(x, block(x, *args, **kwargs))


def adds(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]


def convs(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


# --------------------------------------------------------------------------- residual block


@pytest.mark.parametrize(
    ("input_shape", "filters", "stride", "bottleneck", "identity"),
    [
        ((8, 8, 16), 16, 1, False, True),
        ((8, 8, 16), 32, 1, False, False),  # more channels
        ((8, 8, 16), 16, 2, False, False),  # half the size
        ((9, 7, 8), 16, 2, False, False),  # both, odd sizes
        ((8, 8, 64), 16, 1, True, True),  # bottleneck: 4 x 16 = 64 out
        ((8, 8, 16), 16, 1, True, False),  # bottleneck: 16 in, 64 out
    ],
)
def test_residual_shortcut_is_the_identity_when_shapes_allow_and_a_projection_otherwise(
    input_shape, filters, stride, bottleneck, identity
):
    model = block_model(input_shape, models.residual_block, filters, stride, bottleneck, name="b")
    out_channels = 4 * filters if bottleneck else filters
    size = tuple(-(-n // stride) for n in input_shape[:2])
    assert model.output.shape == (None, *size, out_channels)
    (add,) = adds(model)
    names = [layer.name for layer in model.layers]
    if identity:
        assert any(t is model.input for t in add.input)  # the block's input itself
        assert "b_projection" not in names
    else:
        projection = model.get_layer("b_projection")
        assert projection.kernel_size == (1, 1) and projection.strides == (stride, stride)
        assert projection.filters == out_channels and not projection.use_bias
        assert projection.count_params() == conv_params(1, input_shape[-1], out_channels, False)
        assert any(t is model.get_layer("b_projection_bn").output for t in add.input)


def test_residual_shortcut_options_projection_and_none():
    always = block_model((8, 8, 16), models.residual_block, 16, shortcut="projection", name="p")
    assert "p_projection" in [layer.name for layer in always.layers]
    plain = block_model((8, 8, 16), models.residual_block, 32, 2, shortcut="none")
    residual = block_model((8, 8, 16), models.residual_block, 32, 2)
    assert not adds(plain) and plain.output.shape == residual.output.shape
    assert len(convs(plain)) == 2 and len(convs(residual)) == 3
    with_bias = block_model((8, 8, 16), models.residual_block, 16, use_bias=True)
    assert all(layer.use_bias for layer in convs(with_bias))
    with pytest.raises(ValueError, match="shortcut must be one of 'auto', 'projection', 'none'"):
        models.residual_block(keras.Input((8, 8, 4)), 4, shortcut="identity")


def test_a_plain_mini_resnet_has_the_same_layers_and_parameters_without_the_additions():
    kwargs = {"stages": (8,), "blocks_per_stage": 10}
    plain = models.mini_resnet((8, 8, 1), 10, **kwargs, shortcut="none")
    residual = models.mini_resnet((8, 8, 1), 10, **kwargs)
    assert plain.count_params() == residual.count_params()
    assert models.weight_layers(plain) == models.weight_layers(residual) == 22
    assert not adds(plain) and len(adds(residual)) == 10
    # only identity shortcuts: every addition adds the previous block's output
    assert not [layer for layer in residual.layers if "projection" in layer.name]


# --------------------------------------------------------------------------- MobileNet blocks


def test_depthwise_separable_block_counts_and_shapes():
    model = block_model((16, 16, 32), models.depthwise_separable_block, 64, stride=2)
    assert model.output.shape == (None, 8, 8, 64)
    weights = separable_params(3, 32, 64, use_bias=False)
    assert model.count_params() == weights + 4 * (32 + 64)  # BN: gamma, beta, mean, variance
    relu6 = block_model((8, 8, 4), models.depthwise_separable_block, 4, relu6=True)
    assert {layer.max_value for layer in relu6.layers if isinstance(layer, keras.layers.ReLU)} == {
        6.0
    }


@pytest.mark.parametrize(
    ("input_shape", "filters", "stride", "expansion", "added"),
    [
        ((14, 14, 32), 32, 1, 6, True),
        ((14, 14, 32), 64, 1, 6, False),
        ((14, 14, 32), 32, 2, 6, False),
        ((14, 14, 16), 16, 1, 1, True),
    ],
)
def test_inverted_residual_block_adds_only_between_equal_thin_ends(
    input_shape, filters, stride, expansion, added
):
    model = block_model(
        input_shape, models.inverted_residual_block, filters, stride, expansion, name="b"
    )
    c = input_shape[-1]
    assert model.output.shape == (None, -(-14 // stride), -(-14 // stride), filters)
    assert bool(adds(model)) == added
    names = [layer.name for layer in model.layers]
    assert ("b_expand" in names) == (expansion > 1)
    wide = expansion * c
    weights = (c * wide if expansion > 1 else 0) + 9 * wide + wide * filters
    bn = 4 * ((wide if expansion > 1 else 0) + wide + filters)
    assert model.count_params() == weights + bn
    assert "b_project_relu" not in names  # a linear bottleneck: no activation after it


# --------------------------------------------------------------------------- full-size nets


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("VGG16", models.vgg16),
        ("ResNet50", models.resnet50),
        ("DenseNet121", models.densenet121),
        ("MobileNetV2", models.mobilenet_v2),
    ],
)
def test_the_builders_count_exactly_what_keras_applications_counts(name, build):
    ours = models.count_without_weights(build)
    theirs = models.count_without_weights(lambda: getattr(keras.applications, name)(weights=None))
    assert ours == theirs


def test_the_builders_run_on_small_images_with_few_classes():
    x = np.zeros((1, 32, 32, 3), "float32")
    for build in (models.vgg16, models.mobilenet_v2):
        out = keras.ops.convert_to_numpy(build((32, 32, 3), 5)(x))
        assert out.shape == (1, 5)
        np.testing.assert_allclose(out.sum(), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match=r"input_shape \(16, 16, 3\) is too small for VGG16"):
        models.vgg16((16, 16, 3))


def test_count_without_weights_needs_a_builder():
    with pytest.raises(ValueError, match="build must be a function that returns a keras.Model"):
        models.count_without_weights(42)
