"""Lesson 8's exercises: the receptive-field recurrence against a count by propagation, the 1x1
convolution against Keras, the residual block graded path by path (identity where the shapes
allow it, a projection where they do not, whatever order or spelling the layers come in), and
the generated quiz's answers against blocks built by Keras."""

import keras
import numpy as np
import pytest
from keras import layers as kl

from cnncourse import models
from cnncourse.exercises import ERROR, FAILED, NOT_DONE, PASSED, for_lesson
from cnncourse.exercises import lesson08 as l8


def test_lesson_8_has_three_coding_exercises_and_a_quiz():
    kinds = [e.kind for e in for_lesson(8)]
    assert kinds.count("function") >= 3 and kinds.count("value") >= 3


# --------------------------------------------------------------------------- receptive field


def propagated(layers, unit):
    positions = {unit}
    for layer in reversed(layers):
        k, s, p, d = (layer[key] for key in ("kernel_size", "stride", "padding", "dilation"))
        positions = {u * s - p + d * t for u in positions for t in range(k)}
    return min(positions), max(positions)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_receptive_field_cases_agree_with_a_count_by_propagation(seed):
    for case in l8.receptive_field.cases(seed):
        (layers,) = case.args
        steps = l8.receptive_field.expected(case)
        assert len(steps) == len(layers)
        for depth, (size, jump, start) in enumerate(steps, start=1):
            for unit in (0, 3):
                first = start + unit * jump
                assert propagated(layers[:depth], unit) == (first, first + size - 1)


def test_receptive_field_wrong_recurrences_fail():
    def no_padding(layers):  # forgets that padding moves the start
        size, jump, out = 1, 1, []
        for layer in layers:
            size += layer["dilation"] * (layer["kernel_size"] - 1) * jump
            jump *= layer["stride"]
            out.append((size, jump, 0))
        return out

    def stride_first(layers):  # multiplies the jump before using it
        size, jump, start, out = 1, 1, 0, []
        for layer in layers:
            jump *= layer["stride"]
            start -= layer["padding"] * jump
            size += layer["dilation"] * (layer["kernel_size"] - 1) * jump
            out.append((size, jump, start))
        return out

    assert l8.receptive_field.grade(no_padding).status == FAILED
    assert l8.receptive_field.grade(stride_first).status == FAILED


# --------------------------------------------------------------------------- 1x1 convolution


def test_pointwise_conv_reference_is_keras_conv2d_with_a_1x1_kernel():
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype("float32")
    layer = kl.Conv2D(6, 1)
    expected = keras.ops.convert_to_numpy(layer(x))
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    np.testing.assert_allclose(l8.pointwise_conv_reference(x, kernel, bias), expected, atol=1e-5)


# --------------------------------------------------------------------------- residual block


def grade_block(block):
    def paths(input_shape, filters, stride):
        return l8.block_paths(block, input_shape, filters, stride)

    return l8.residual_block.grade(paths)


def conv_bn(x, filters, size, stride=1):
    x = kl.Conv2D(filters, size, strides=stride, padding="same", use_bias=False)(x)
    return kl.BatchNormalization()(x)


def shortcut_of(x, filters, stride):
    if stride != 1 or x.shape[-1] != filters:
        return conv_bn(x, filters, 1, stride)
    return x


def test_a_block_passes_whatever_order_and_spelling_its_layers_come_in():
    def shortcut_first_with_ops(x, filters, stride=1):
        shortcut = shortcut_of(x, filters, stride)  # the shortcut built before the path
        y = kl.ReLU()(conv_bn(x, filters, 3, stride))
        y = conv_bn(y, filters, 3)
        return keras.ops.relu(shortcut + y)  # an operator and an op instead of layers

    assert grade_block(shortcut_first_with_ops).status == PASSED


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("always_projection", "the shortcut should be the identity"),
        ("never_projection", "raised an error"),
        ("no_addition", "no addition"),
        ("relu_before_add", "residual path: expected 5 layers, got 6"),
        ("bias", "residual path, layer 1: expected Conv2D(16, 3x3, stride 1, no bias)"),
        ("stride_on_second", "residual path, layer 1"),
    ],
)
def test_wrong_blocks_are_told_what_differs(name, message):
    def always_projection(x, filters, stride=1):
        y = conv_bn(kl.ReLU()(conv_bn(x, filters, 3, stride)), filters, 3)
        return kl.ReLU()(kl.Add()([y, conv_bn(x, filters, 1, stride)]))

    def never_projection(x, filters, stride=1):
        y = conv_bn(kl.ReLU()(conv_bn(x, filters, 3, stride)), filters, 3)
        return kl.ReLU()(kl.Add()([y, x]))

    def no_addition(x, filters, stride=1):
        return kl.ReLU()(conv_bn(kl.ReLU()(conv_bn(x, filters, 3, stride)), filters, 3))

    def relu_before_add(x, filters, stride=1):
        y = kl.ReLU()(conv_bn(kl.ReLU()(conv_bn(x, filters, 3, stride)), filters, 3))
        return kl.Add()([y, shortcut_of(x, filters, stride)])

    def bias(x, filters, stride=1):
        y = kl.Conv2D(filters, 3, strides=stride, padding="same")(x)
        y = conv_bn(kl.ReLU()(kl.BatchNormalization()(y)), filters, 3)
        return kl.ReLU()(kl.Add()([y, shortcut_of(x, filters, stride)]))

    def stride_on_second(x, filters, stride=1):
        y = conv_bn(kl.ReLU()(conv_bn(x, filters, 3)), filters, 3, stride)
        return kl.ReLU()(kl.Add()([y, shortcut_of(x, filters, stride)]))

    block = locals()[name]
    result = grade_block(block)
    assert result.status in (FAILED, ERROR) and message in result.message + result.details


def test_calling_the_packages_block_is_refused_and_a_stub_is_not_done():
    result = grade_block(lambda x, filters, stride=1: models.residual_block(x, filters, stride))
    assert result.status == FAILED and "cnncourse.models.blocks.residual_block" in result.message

    def stub(x, filters, stride=1):
        raise NotImplementedError("your code here")

    assert grade_block(stub).status == NOT_DONE


def test_block_paths_reads_the_package_block_and_rejects_non_tensors():
    paths = l8.block_paths(models.residual_block, (8, 8, 16), 32, 2)
    assert paths["output"] == (4, 4, 32)
    assert paths["shortcut"] == [
        "Conv2D(32, 1x1, stride 2, no bias) -> 4x4x32",
        "BatchNormalization -> 4x4x32",
    ]
    assert paths["residual"][2] == "ReLU -> 4x4x32" and paths["after"] == ["ReLU -> 4x4x32"]
    with pytest.raises(ValueError, match="the block must return its output tensor"):
        l8.block_paths(lambda x, f, s: None, (8, 8, 16), 16, 1)


# --------------------------------------------------------------------------- quiz


@pytest.mark.parametrize("seed", [8, 9, 10])
def test_quiz_answers_are_the_kernels_keras_builds(seed):
    c = l8.bottleneck_question(seed)["channels"]
    q = l8.inverted_residual_question(seed)

    def kernels(block, channels, *args, **kwargs):
        x = keras.Input((4, 4, channels))
        model = keras.Model(x, block(x, *args, **kwargs))
        return [
            int(np.prod(layer.kernel.shape))
            for layer in model.layers
            if isinstance(layer, (kl.Conv2D, kl.DepthwiseConv2D))
        ]

    bottleneck = sum(kernels(models.residual_block, c, c // 4, bottleneck=True))
    basic = sum(kernels(models.residual_block, c, c))
    assert l8.bottleneck_answers(seed) == [bottleneck, basic]
    inverted = kernels(
        models.inverted_residual_block, q["channels"], q["filters"], expansion=q["expansion"]
    )
    assert l8.inverted_residual_answers(seed) == inverted
    assert "expands them" in l8.quiz_text(2, seed)
    with pytest.raises(ValueError, match="number must be 1 or 2"):
        l8.quiz_text(3)
