"""cnncourse.layers: LocallyConnected2D and TiledConv2D against loop references and Conv2D,
in models, saved and loaded, trained."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnncourse import shapes  # noqa: E402
from cnncourse.layers import LocallyConnected2D, TiledConv2D  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def loop_reference(x, kernel_at, bias_at, kernel_size, strides, padding):
    """Output (n, i, j, :) = window of position (i, j) . kernel_at(i, j) + bias_at(i, j).

    ``kernel_at(i, j)`` is the (F_h, F_w, C, K) kernel of output position (i, j).
    """
    n, h, w, _ = x.shape
    (f_h, f_w), (s_h, s_w) = kernel_size, strides
    pads = shapes.resolve_padding(padding, (h, w), kernel_size, strides)
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    h_out = (xp.shape[1] - f_h) // s_h + 1
    w_out = (xp.shape[2] - f_w) // s_w + 1
    out = []
    for i in range(h_out):
        row = []
        for j in range(w_out):
            window = xp[:, i * s_h : i * s_h + f_h, j * s_w : j * s_w + f_w, :]
            row.append(np.einsum("nabc,abck->nk", window, kernel_at(i, j)) + bias_at(i, j))
        out.append(np.stack(row, axis=1))
    return np.stack(out, axis=1)


def run(layer, x):
    return keras.ops.convert_to_numpy(layer(x))


@pytest.mark.parametrize(("size", "strides", "padding"), [(3, 1, "valid"), ((2, 3), 2, "same")])
def test_extract_patches_flattens_windows_in_the_order_of_im2col(rng, size, strides, padding):
    # the layout both layers rely on: (N, H_out, W_out, F_h * F_w * C), channels fastest
    from cnncourse import ops

    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)
    patches = keras.ops.image.extract_patches(x, size, strides=strides, padding=padding)
    patches = keras.ops.convert_to_numpy(patches)
    cols = ops.im2col(x, size, stride=strides, padding=padding)
    np.testing.assert_array_equal(patches.reshape(-1, patches.shape[-1]), cols)


GEOMETRIES = [
    # (H, W, C, K, kernel_size, strides, padding)
    (6, 6, 1, 2, (3, 3), (1, 1), "valid"),
    (7, 8, 3, 2, (3, 3), (2, 2), "same"),
    (7, 6, 2, 3, (3, 2), (2, 1), "valid"),
    (5, 6, 2, 2, (2, 2), (1, 1), "same"),
]


@pytest.mark.parametrize(("h", "w", "c", "k", "kernel_size", "strides", "padding"), GEOMETRIES)
def test_locally_connected2d_matches_a_loop_with_a_kernel_per_position(
    rng, h, w, c, k, kernel_size, strides, padding
):
    x = rng.standard_normal((2, h, w, c))
    layer = LocallyConnected2D(k, kernel_size, strides=strides, padding=padding, dtype="float64")
    layer.build(x.shape)
    h_out, w_out = shapes.conv_output_size((h, w), kernel_size, strides, padding)
    kernel = rng.standard_normal((h_out * w_out, kernel_size[0] * kernel_size[1] * c, k))
    bias = rng.standard_normal((h_out, w_out, k))
    layer.set_weights([kernel, bias])
    expected = loop_reference(
        x,
        lambda i, j: kernel[i * w_out + j].reshape(*kernel_size, c, k),
        lambda i, j: bias[i, j],
        kernel_size,
        strides,
        padding,
    )
    np.testing.assert_allclose(run(layer, x), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("tile_size", [2, (2, 3)])
@pytest.mark.parametrize(("h", "w", "c", "k", "kernel_size", "strides", "padding"), GEOMETRIES[:3])
def test_tiled_conv2d_matches_a_loop_with_kernels_taking_turns(
    rng, h, w, c, k, kernel_size, strides, padding, tile_size
):
    t_h, t_w = (tile_size, tile_size) if isinstance(tile_size, int) else tile_size
    x = rng.standard_normal((2, h, w, c))
    layer = TiledConv2D(k, kernel_size, tile_size, strides, padding, dtype="float64")
    layer.build(x.shape)
    kernel = rng.standard_normal((t_h, t_w, *kernel_size, c, k))
    bias = rng.standard_normal(k)
    layer.set_weights([kernel, bias])
    expected = loop_reference(
        x, lambda i, j: kernel[i % t_h, j % t_w], lambda i, j: bias, kernel_size, strides, padding
    )
    np.testing.assert_allclose(run(layer, x), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("strides", "padding"), [(1, "valid"), (2, "same"), ((1, 2), "same")])
def test_tiled_conv2d_with_tile_size_1_is_conv2d(rng, strides, padding):
    x = rng.standard_normal((2, 9, 8, 3)).astype(np.float32)
    conv = keras.layers.Conv2D(4, (3, 2), strides=strides, padding=padding)
    tiled = TiledConv2D(4, (3, 2), tile_size=1, strides=strides, padding=padding)
    conv.build(x.shape)
    tiled.build(x.shape)
    kernel, bias = (rng.standard_normal(v.shape).astype(np.float32) for v in conv.weights)
    conv.set_weights([kernel, bias])
    tiled.set_weights([kernel[None, None], bias])
    np.testing.assert_allclose(run(tiled, x), run(conv, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("make", "input_shape", "kernel_shape", "bias_shape", "params"),
    [
        # H_out*W_out * F_h*F_w*C_in*K (+ H_out*W_out*K): 6*6 * 3*3*3*4 + 6*6*4
        (lambda: LocallyConnected2D(4, 3), (8, 8, 3), (36, 27, 4), (6, 6, 4), 36 * 108 + 144),
        (lambda: LocallyConnected2D(5, 2, use_bias=False), (5, 7, 2), (24, 8, 5), None, 24 * 40),
        # "same", strides 2 on 7x8: 4x4 positions
        (
            lambda: LocallyConnected2D(2, (3, 1), strides=2, padding="same"),
            (7, 8, 1),
            (16, 3, 2),
            (4, 4, 2),
            16 * 6 + 32,
        ),
        # t_h*t_w * F_h*F_w*C_in*K + K
        (lambda: TiledConv2D(4, 3, tile_size=2), (8, 8, 3), (2, 2, 3, 3, 3, 4), (4,), 436),
        (
            lambda: TiledConv2D(6, (2, 3), tile_size=(3, 1), use_bias=False),
            (9, 9, 2),
            (3, 1, 2, 3, 2, 6),
            None,
            3 * 72,
        ),
    ],
)
def test_weight_shapes_and_parameter_counts_follow_the_formulas(
    make, input_shape, kernel_shape, bias_shape, params
):
    layer = make()
    layer.build((None, *input_shape))
    assert tuple(layer.kernel.shape) == kernel_shape
    if bias_shape is None:
        assert not layer.use_bias and len(layer.weights) == 1
    else:
        assert tuple(layer.bias.shape) == bias_shape
    assert layer.count_params() == params


def test_output_shapes_in_sequential_models_follow_conv_output_size():
    for layer, size in [
        (LocallyConnected2D(3, 3, strides=2, padding="same"), (5, 4)),
        (TiledConv2D(3, (3, 2), tile_size=2, strides=(2, 1)), (4, 6)),
    ]:
        model = keras.Sequential([keras.Input((9, 7, 2)), layer])
        expected = shapes.conv_output_size((9, 7), layer.kernel_size, layer.strides, layer.padding)
        assert model.output_shape == (None, *expected, 3) and expected == size
        assert layer.compute_output_shape((None, 9, 7, 2)) == (None, *expected, 3)
        assert model(np.zeros((2, 9, 7, 2), "float32")).shape == (2, *expected, 3)


@pytest.mark.parametrize(
    "layer",
    [
        LocallyConnected2D(
            3,
            (3, 2),
            strides=(2, 1),
            padding="same",
            use_bias=False,
            kernel_initializer="he_normal",
            activation="relu",
            name="lc",
        ),
        TiledConv2D(2, 3, tile_size=(2, 3), bias_initializer="ones", activation="tanh"),
    ],
)
def test_get_config_round_trip_and_registered_serialisation(layer):
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
    serialised = keras.layers.serialize(layer)
    assert serialised["registered_name"] == f"cnncourse>{type(layer).__name__}"
    assert keras.layers.deserialize(serialised).get_config() == config


# Keras 3.15 + TensorFlow 2.21 + NumPy 2 warn while saving any model (a Keras/TF matter)
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_save_and_load_a_sequential_model_with_both_layers(rng, tmp_path):
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            LocallyConnected2D(3, 3, padding="same", activation="relu"),
            TiledConv2D(2, 3, tile_size=2, strides=2),
        ]
    )
    x = rng.standard_normal((3, 8, 8, 2)).astype(np.float32)
    model.layers[0].bias.assign(rng.standard_normal((8, 8, 3)))  # not all zeros
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "LocallyConnected2D",
        "TiledConv2D",
    ]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.slow
def test_a_functional_model_with_both_layers_trains_with_fit(rng):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    hidden = TiledConv2D(4, 3, tile_size=2, activation="relu")(inputs)
    hidden = LocallyConnected2D(2, 3, strides=2, padding="same")(hidden)
    outputs = keras.layers.Dense(1)(keras.layers.Flatten()(hidden))
    model = keras.Model(inputs, outputs)
    x = rng.standard_normal((64, 8, 8, 1)).astype(np.float32)
    y = (x[:, 2:5, 3:6, 0].sum(axis=(1, 2)) - x[:, 5, 1, 0])[:, None]  # a local pattern
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    before = [layer.kernel.numpy().copy() for layer in model.layers[1:3]]
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    for layer, kernel in zip(model.layers[1:3], before, strict=True):
        assert not np.allclose(layer.kernel.numpy(), kernel), layer.name  # both learn


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LocallyConnected2D(0, 3), r"filters must be >= 1; got 0"),
        (lambda: LocallyConnected2D(2.5, 3), r"filters must be an integer"),
        (lambda: LocallyConnected2D(2, 0), r"kernel_size must be >= 1; got 0"),
        (lambda: LocallyConnected2D(2, (3, 3, 3)), r"kernel_size must be an int or a tuple of 2"),
        (lambda: LocallyConnected2D(2, 3, strides=(1, -1)), r"strides must be >= 1; got -1"),
        (lambda: LocallyConnected2D(2, 3, padding="full"), r"padding must be one of 'valid'"),
        (lambda: LocallyConnected2D(2, 3, use_bias="no"), r"use_bias must be True or False"),
        (lambda: TiledConv2D(2, 3, tile_size=0), r"tile_size must be >= 1; got 0"),
        (lambda: TiledConv2D(2, 3, tile_size=(2, 0)), r"tile_size must be >= 1; got 0"),
        (lambda: TiledConv2D(0, 3, tile_size=2), r"filters must be >= 1; got 0"),
        (lambda: TiledConv2D(2, 3, 2, strides=0), r"strides must be >= 1; got 0"),
        (lambda: TiledConv2D(2, 3, 2, padding="causal"), r"padding must be one of"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("layer_class", [LocallyConnected2D, TiledConv2D])
def test_building_on_a_too_small_or_unknown_input_is_a_clear_error(layer_class):
    kwargs = {"tile_size": 2} if layer_class is TiledConv2D else {}
    with pytest.raises(
        ValueError, match=r"kernel_size \(3, 3\) is larger than the padded input \(4, 2\)"
    ):
        keras.Sequential([keras.Input((4, 2, 1)), layer_class(2, 3, **kwargs)])
    with pytest.raises(ValueError, match=r"needs the input's height, width and channels"):
        keras.Sequential([keras.Input((None, None, 1)), layer_class(2, 3, **kwargs)])
    # "same" padding fits any input
    model = keras.Sequential([keras.Input((2, 2, 1)), layer_class(2, 3, padding="same", **kwargs)])
    assert model.output_shape == (None, 2, 2, 2)
