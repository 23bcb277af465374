"""Builders for video and 1-D sequences (frame_average, cnn_rnn, conv3d_net, conv1d_net), the
recurrent parameter count and the names of wrapped layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnncourse import data, models, shapes
from cnncourse.exercises import model_summary

CLIP = (6, 16, 16, 1)


@pytest.mark.parametrize(
    ("builder", "kwargs"),
    [
        (models.frame_average, {}),
        (models.cnn_rnn, {}),
        (models.cnn_rnn, {"cell": "lstm", "filters": (4, 8)}),
        (models.conv3d_net, {}),
    ],
)
def test_video_models_take_clips_and_give_class_probabilities(builder, kwargs):
    model = builder(CLIP, 4, **kwargs)
    clips = data.moving_shapes(3, frames=6, size=16, seed=0).clips
    out = keras.ops.convert_to_numpy(model(clips, training=False))
    assert out.shape == (3, 4)
    assert np.allclose(out.sum(axis=1), 1.0, atol=1e-5) and np.all(out >= 0)


def test_the_frame_average_ignores_the_order_of_the_frames():
    model = models.frame_average(CLIP, 4)
    clips = data.moving_shapes(5, frames=6, size=16, seed=1).clips
    forwards = keras.ops.convert_to_numpy(model(clips, training=False))
    shuffled = keras.ops.convert_to_numpy(model(clips[:, [3, 0, 5, 1, 4, 2]], training=False))
    assert np.allclose(forwards, shuffled, atol=1e-6)


def test_the_cnn_rnn_and_the_conv3d_net_see_the_order_of_the_frames():
    clips = data.moving_shapes(5, frames=6, size=16, seed=1).clips
    for model in (models.cnn_rnn(CLIP, 4), models.conv3d_net(CLIP, 4)):
        forwards = keras.ops.convert_to_numpy(model(clips, training=False))
        backwards = keras.ops.convert_to_numpy(model(clips[:, ::-1].copy(), training=False))
        assert not np.allclose(forwards, backwards, atol=1e-6)


@pytest.mark.parametrize("cell", shapes.RNN_CELLS)
def test_the_recurrent_layer_has_the_parameters_the_formula_counts(cell):
    model = models.cnn_rnn(CLIP, 4, features=24, units=10, cell=cell)
    assert model.get_layer("rnn").count_params() == shapes.rnn_params(24, 10, cell)


@pytest.mark.parametrize("cell", shapes.RNN_CELLS)
@pytest.mark.parametrize(("input_size", "units"), [(1, 1), (7, 3), (256, 32)])
def test_rnn_params_matches_keras(cell, input_size, units):
    layer = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
    model = keras.Sequential([keras.Input((5, input_size)), layer[cell](units)])
    assert model.count_params() == shapes.rnn_params(input_size, units, cell)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_size": 0}, "input_size must be >= 1"),
        ({"units": 2.5}, "units must be an integer"),
        ({"cell": "rnn"}, "cell must be one of"),
    ],
)
def test_rnn_params_rejects_bad_arguments_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        shapes.rnn_params(**{"input_size": 4, "units": 2, **kwargs})


def test_the_conv3d_kernel_is_counted_by_conv_params():
    model = models.conv3d_net(CLIP, 4, filters=(8, 16))
    conv2 = model.get_layer("conv2")
    assert conv2.count_params() == shapes.conv_params((3, 3, 3), 8, 16)
    assert model.get_layer("pool2").output.shape[1:] == (6, 4, 4, 16)  # every frame kept


def test_conv1d_net_lengths_follow_the_output_size_formula():
    model = models.conv1d_net((50, 2), 3, filters=(4, 4, 4), kernel_size=5)
    lengths = [layer.output.shape[1] for layer in model.layers[1:6]]
    expected, length = [], 50
    for kind in ("conv", "pool", "conv", "pool", "conv"):
        length = shapes.conv_output_size(
            length, 5 if kind == "conv" else 2, 1 if kind == "conv" else 2
        )
        expected.append(length)
    assert lengths == expected


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: models.cnn_rnn((16, 16, 1), 4), "clip_shape must be a tuple"),
        (lambda: models.frame_average((8, 16, 16, 1), 1), "num_classes must be >= 2"),
        (lambda: models.cnn_rnn(CLIP, 4, cell="transformer"), "cell must be one of"),
        (lambda: models.cnn_rnn(CLIP, 4, units=0), "units must be >= 1"),
        (lambda: models.conv3d_net((4, 2, 2, 1), 4), "input_shape .* is too small"),
        (lambda: models.frame_average(CLIP, 4, features=-1), "features must be >= 1"),
        (lambda: models.conv1d_net((64,), 3), "input_shape must be a tuple"),
        (lambda: models.conv1d_net((8, 1), 3), "is too small for 2 Conv1D layers"),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrapped_layers_are_named_with_the_layer_they_wrap():
    model = models.cnn_rnn(CLIP, 4)
    types = [row["type"] for row in shapes.shape_table(model).rows]
    assert "TimeDistributed(Conv2D)" in types and "TimeDistributed(MaxPooling2D)" in types
    summary = model_summary(model)
    conv = next(row for row in summary if row["type"] == "TimeDistributed(Conv2D)")
    assert conv["activation"] == "relu"  # the wrapped layer's
    assert shapes.layer_type(keras.layers.Dense(3)) == "Dense"
