"""Shape arithmetic: output sizes, padding, parameters and receptive fields, against Keras."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncourse import ops, shapes


def keras_spatial_shape(h, w, kernel_size, stride, padding, dilation=1):
    """Spatial output shape Keras computes (no computation: compute_output_shape)."""
    import keras

    shape = (None, h, w, 1)
    if isinstance(padding, int):  # explicit zeros: ZeroPadding2D then a "valid" convolution
        shape = keras.layers.ZeroPadding2D(padding).compute_output_shape(shape)
        padding = "valid"
    conv = keras.layers.Conv2D(
        1, kernel_size, strides=stride, padding=padding, dilation_rate=dilation
    )
    return tuple(conv.compute_output_shape(shape)[1:3])


def test_conv_output_size_on_textbook_examples():
    assert shapes.conv_output_size(32, 3) == 30
    assert shapes.conv_output_size(32, 5, padding=2) == 32
    assert shapes.conv_output_size(227, 11, stride=4) == 55  # AlexNet's first layer
    assert shapes.conv_output_size(32, 3, stride=2, padding="same") == 16
    assert shapes.conv_output_size(7, 3, stride=2, padding="same") == 4
    assert shapes.conv_output_size(5, 3, padding="full") == 7
    assert shapes.conv_output_size(32, 3, dilation=2) == 28
    assert shapes.conv_output_size(7, 3, padding=((0, 1),)) == (6,)


def test_conv_output_size_broadcasts_ints_against_tuples():
    assert shapes.conv_output_size((28, 20), 5, padding=2) == (28, 20)
    assert shapes.conv_output_size(9, (3, 1), stride=(2, 1)) == (4, 9)
    assert shapes.conv_output_size(8, 3, padding=(0, 1)) == (6, 8)
    assert shapes.conv_output_size(8, 4, padding=((0, 1), "same")) == (6, 8)


@settings(max_examples=100, deadline=None)
@given(
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    kernel_size=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 3)),
    dilation=st.integers(1, 3),
)
def test_conv_output_size_equals_the_shape_keras_produces(
    h, w, kernel_size, stride, padding, dilation
):
    if stride > 1:
        dilation = 1  # Keras refuses strides > 1 together with dilation > 1
    span = dilation * (kernel_size - 1) + 1
    pad = 0 if padding == "valid" else padding
    if padding != "same" and min(h, w) + 2 * pad < span:
        with pytest.raises(ValueError, match="kernel_size .* is larger than the padded input"):
            shapes.conv_output_size((h, w), kernel_size, stride, padding, dilation)
        return
    ours = shapes.conv_output_size((h, w), kernel_size, stride, padding, dilation)
    assert ours == keras_spatial_shape(h, w, kernel_size, stride, padding, dilation)


@given(m=st.integers(1, 100), k=st.integers(1, 20))
def test_full_padding_gives_m_plus_k_minus_1_outputs(m, k):
    assert shapes.conv_output_size(m, k, padding="full") == m + k - 1


@given(w=st.integers(1, 100), k=st.integers(1, 20), s=st.integers(1, 6))
def test_same_padding_gives_ceil_w_over_s_outputs(w, k, s):
    assert shapes.conv_output_size(w, k, s, "same") == math.ceil(w / s)
    pads = shapes.same_padding(k, s, w)
    assert shapes.conv_output_size((w,), k, s, (pads,)) == (math.ceil(w / s),)


@given(w=st.integers(1, 100), half=st.integers(0, 10))
def test_same_padding_keeps_the_size_for_odd_kernels_with_stride_1(w, half):
    k = 2 * half + 1
    assert shapes.same_padding(k) == (half, half)
    assert shapes.conv_output_size((w,), k, padding=(shapes.same_padding(k),)) == (w,)


def test_same_padding_puts_the_extra_zero_after_for_even_kernels():
    assert shapes.same_padding(2) == (0, 1)
    assert shapes.same_padding(4) == (1, 2)
    assert shapes.same_padding((4, 3)) == ((1, 2), (1, 1))
    # stride 2 on 8 pixels with a 3x3 kernel: one zero is enough, and it goes after
    assert shapes.same_padding(3, stride=2, input_size=8) == (0, 1)
    assert shapes.same_padding(3, stride=2, input_size=7) == (1, 1)
    assert shapes.same_padding(1, stride=3, input_size=9) == (0, 0)


def test_same_padding_needs_the_input_size_for_strides_above_1():
    with pytest.raises(ValueError, match="input_size is needed for 'same' padding with stride 2"):
        shapes.same_padding(3, stride=2)


@pytest.mark.parametrize(
    ("h", "w", "kernel_size", "stride"), [(9, 8, (4, 4), 2), (10, 7, (2, 3), (3, 2))]
)
def test_conv2d_with_explicit_same_padding_matches_keras_same(h, w, kernel_size, stride):
    import keras

    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, h, w, 3))
    kernel = rng.standard_normal((*kernel_size, 3, 2))
    layer = keras.layers.Conv2D(2, kernel_size, strides=stride, padding="same", use_bias=False)
    layer.build(x.shape)
    layer.set_weights([kernel])
    expected = keras.ops.convert_to_numpy(layer(x.astype("float32")))
    pads = shapes.same_padding(kernel_size, stride, (h, w))
    assert pads == shapes.resolve_padding("same", (h, w), kernel_size, stride)
    np.testing.assert_allclose(
        ops.conv2d(x, kernel, stride=stride, padding=pads), expected, atol=1e-5
    )


def test_resolve_padding_turns_every_spec_into_per_side_pads():
    assert shapes.resolve_padding("valid", (5, 5), 3) == ((0, 0), (0, 0))
    assert shapes.resolve_padding("full", (5, 5), (3, 2)) == ((2, 2), (1, 1))
    assert shapes.resolve_padding("same", (5, 6), 2, stride=2) == ((0, 1), (0, 0))
    assert shapes.resolve_padding("same", None, 3, dilation=2) == ((2, 2), (2, 2))
    assert shapes.resolve_padding(2, None, 3) == ((2, 2), (2, 2))
    assert shapes.resolve_padding((1, 0), None, 3) == ((1, 1), (0, 0))
    assert shapes.resolve_padding(((0, 1), (2, 3)), None, 3) == ((0, 1), (2, 3))


@pytest.mark.parametrize(
    ("kernel_size", "in_channels", "filters", "use_bias"),
    [
        (3, 3, 16, True),
        (3, 16, 32, True),
        ((5, 3), 4, 7, True),
        (1, 64, 8, False),
        (7, 3, 64, False),
    ],
)
def test_conv_params_equals_keras_count_params(kernel_size, in_channels, filters, use_bias):
    import keras

    layer = keras.layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    layer.build((None, 16, 16, in_channels))
    assert shapes.conv_params(kernel_size, in_channels, filters, use_bias) == layer.count_params()


def test_conv_params_of_a_conv1d_takes_a_one_axis_kernel_size():
    assert shapes.conv_params((5,), 4, 8) == 5 * 4 * 8 + 8


def test_receptive_field_of_known_stacks():
    assert shapes.receptive_field([(3, 1), (3, 1), (3, 1)]) == 7
    # conv 3: r = 3; pool 2 stride 2: r = 3 + 1 * 1 = 4, jump 2; conv 3: r = 4 + 2 * 2 = 8
    assert shapes.receptive_field([(3, 1), (2, 2), (3, 1)]) == 8
    assert shapes.receptive_field([(5, 2)]) == 5
    assert shapes.receptive_field([]) == 1
    assert shapes.receptive_field([{"kernel_size": 3, "stride": 1, "dilation": 2}] * 2) == 9
    assert shapes.receptive_fields([(7, 2), (3, 2), (3, 1)]) == [7, 11, 19]


def _field_by_propagation(layers, unit):
    """The input positions output ``unit`` depends on, found by walking down the stack one
    layer at a time (every integer position counts, padding included): no recurrence."""
    positions = {unit}
    for layer in reversed(layers):
        k, s, p, d = (layer[key] for key in ("kernel_size", "stride", "padding", "dilation"))
        positions = {u * s - p + d * t for u in positions for t in range(k)}
    return min(positions), max(positions)


stack_layers = st.lists(
    st.fixed_dictionaries(
        {
            "kernel_size": st.integers(1, 7),
            "stride": st.integers(1, 3),
            "padding": st.integers(0, 3),
            "dilation": st.integers(1, 3),
        }
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(stack_layers, st.integers(0, 5))
def test_receptive_field_steps_agree_with_a_count_by_propagation(layers, unit):
    size, jump, start = shapes.receptive_field_steps(layers)[-1]
    first = start + unit * jump
    assert _field_by_propagation(layers, unit) == (first, first + size - 1)
    assert [s for s, _, _ in shapes.receptive_field_steps(layers)] == shapes.receptive_fields(
        [(layer["kernel_size"], layer["stride"], layer["dilation"]) for layer in layers]
    )


def test_receptive_field_steps_agree_with_the_gradient_of_a_keras_unit():
    import keras

    from cnncourse import autodiff

    rng = np.random.default_rng(8)
    for _ in range(3):
        layers = []
        for _ in range(int(rng.integers(2, 5))):
            stride = int(rng.choice([1, 2]))
            dilation = 1 if stride > 1 else int(rng.choice([1, 2]))  # Keras: not both
            kernel = int(rng.choice([2, 3, 5]))  # TF 2.21 oneDNN: 1x1 stride-2 gradients crash
            layers.append(
                {"kernel_size": kernel, "stride": stride, "padding": int(rng.integers(0, 3)),
                 "dilation": dilation}
            )  # fmt: skip
        size, jump, start = shapes.receptive_field_steps(layers)[-1]
        width = 256  # the unit below sees the left half: far from the right border's padding
        # one axis: Conv2D with (k, 1) kernels (TensorFlow's dilated Conv1D gradient aborts)
        model = keras.Sequential(
            [keras.Input((width, 1, 1))]
            + [
                layer
                for spec in layers
                for layer in (
                    keras.layers.ZeroPadding2D((spec["padding"], 0)),
                    keras.layers.Conv2D(
                        1,
                        (spec["kernel_size"], 1),
                        strides=(spec["stride"], 1),
                        dilation_rate=(spec["dilation"], 1),
                        kernel_initializer="ones",
                        use_bias=False,
                    ),
                )
            ]
        )
        unit = next(i for i in range(model.output_shape[1]) if start + i * jump >= 0)
        first = start + unit * jump
        assert first + size - 1 < width // 2
        (gradient,) = autodiff.gradient(
            lambda x, unit=unit, model=model: model(x)[0, unit, 0, 0],
            np.ones((1, width, 1, 1), "float32"),
        )
        seen = np.flatnonzero(gradient[0, :, 0, 0])
        assert (seen.min(), seen.max()) == (first, first + size - 1)


def test_receptive_field_steps_padding_names_and_their_limits():
    assert shapes.receptive_field_steps([{"kernel_size": 5, "padding": "same"}]) == [(5, 1, -2)]
    assert shapes.receptive_field_steps([{"kernel_size": 3, "padding": "valid"}]) == [(3, 1, 0)]
    with pytest.raises(ValueError, match=r"layers\[0\] padding 'same' with stride 2 pads"):
        shapes.receptive_field_steps([{"kernel_size": 3, "stride": 2, "padding": "same"}])
    with pytest.raises(ValueError, match=r"layers\[0\] padding must be >= 0"):
        shapes.receptive_field_steps([{"kernel_size": 3, "padding": -1}])


def test_conv_and_separable_costs_match_keras_and_the_ratio():
    import keras

    x = np.zeros((1, 10, 10, 6), "float32")
    for layer, expected in [
        (keras.layers.Conv2D(4, 3), shapes.conv_params(3, 6, 4)),
        (keras.layers.SeparableConv2D(4, 3), shapes.separable_params(3, 6, 4)),
        (keras.layers.SeparableConv2D(4, (3, 5), use_bias=False),
         shapes.separable_params((3, 5), 6, 4, use_bias=False)),
    ]:  # fmt: skip
        layer(x)
        assert layer.count_params() == expected
    assert shapes.conv_macs(3, 6, 4, 8) == 8 * 8 * 9 * 6 * 4
    assert shapes.conv_macs((1, 3), 6, 4, (2, 5)) == 2 * 5 * 3 * 6 * 4
    ratio = shapes.separable_macs(3, 32, 64, 14) / shapes.conv_macs(3, 32, 64, 14)
    assert ratio == pytest.approx(1 / 64 + 1 / 9)
    with pytest.raises(ValueError, match="output_size must be >= 1"):
        shapes.conv_macs(3, 6, 4, 0)


def test_receptive_field_rejects_malformed_layers_naming_them():
    with pytest.raises(ValueError, match=r"layers\[1\] must be a pair"):
        shapes.receptive_field([(3, 1), 3])
    with pytest.raises(ValueError, match=r"layers\[0\] stride must be >= 1; got 0"):
        shapes.receptive_field([(3, 0)])
    with pytest.raises(ValueError, match=r"layers\[0\] must have the keys"):
        shapes.receptive_field([{"size": 3}])


def small_cnn():
    import keras

    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(16, 3, padding="same"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, padding="same"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128),
            keras.layers.Dense(10),
        ]
    )


def test_shape_table_of_a_small_sequential_cnn():
    model = small_cnn()
    table = shapes.shape_table(model)
    assert [row["output_shape"] for row in table.rows] == [
        (None, 32, 32, 16),
        (None, 16, 16, 16),
        (None, 16, 16, 32),
        (None, 8, 8, 32),
        (None, 2048),
        (None, 128),
        (None, 10),
    ]
    assert [row["params"] for row in table.rows] == [layer.count_params() for layer in model.layers]
    assert [row["type"] for row in table.rows][:2] == ["Conv2D", "MaxPooling2D"]
    assert [row["receptive_field"] for row in table.rows] == [3, 4, 8, 10, None, None, None]
    assert table.total_params == model.count_params() == 268_650
    text = str(table)
    assert "Total params: 268,650" in text
    assert all(layer.name in text for layer in model.layers)
    html = table._repr_html_()
    assert html.startswith("<table") and "268,650" in html and "(None, 8, 8, 32)" in html


def test_shape_table_of_a_functional_model_with_a_branch():
    import keras

    inputs = keras.Input((16, 16, 3))
    a = keras.layers.Conv2D(8, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(8, 5, padding="same")(keras.layers.ReLU()(a))
    merged = keras.layers.Add()([a, b])
    outputs = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(merged))
    model = keras.Model(inputs, outputs)
    table = shapes.shape_table(model)
    assert [row["type"] for row in table.rows][0] == "InputLayer"
    assert [row["output_shape"] for row in table.rows][-1] == (None, 2)
    assert [row["receptive_field"] for row in table.rows] == [1, 3, 3, 7, None, None, None]
    assert [row["params"] for row in table.rows] == [layer.count_params() for layer in model.layers]
    assert table.total_params == model.count_params()
    assert f"Total params: {model.count_params():,}" in str(table)


def test_shape_table_works_on_a_sequential_built_without_input():
    import keras

    model = keras.Sequential([keras.layers.Conv2D(4, (3, 1)), keras.layers.MaxPooling2D((2, 1))])
    model.build((None, 10, 10, 1))
    table = shapes.shape_table(model)
    assert [row["output_shape"] for row in table.rows] == [(None, 8, 10, 4), (None, 4, 10, 4)]
    assert [row["receptive_field"] for row in table.rows] == [(3, 1), (4, 1)]
    assert "4x1" in str(table)


def measured_receptive_fields(model, size):
    """Largest extent (rows, cols) of the input pixels that reach one unit, per layer."""
    import keras

    # one image per input pixel, all weights positive: a unit is non-zero exactly when
    # the bright pixel lies in its receptive field
    deltas = np.eye(size * size, dtype="float32").reshape(-1, size, size, 1)
    probe = keras.Model(model.inputs[0], [layer.output for layer in model.layers])
    fields = []
    for output in probe(deltas):
        reached = keras.ops.convert_to_numpy(output).max(axis=-1) > 0  # (pixels, H_out, W_out)
        reached = reached.reshape(size, size, *reached.shape[1:])
        extent = []
        for lines in (reached.any(axis=1), reached.any(axis=0)):  # input rows / cols per unit
            first = lines.argmax(axis=0)
            last = size - 1 - lines[::-1].argmax(axis=0)
            extent.append(int((last - first + 1)[lines.any(axis=0)].max()))
        fields.append(extent[0] if extent[0] == extent[1] else tuple(extent))
    return fields


def test_shape_table_receptive_fields_are_the_pixels_that_reach_a_unit():
    import keras

    ones = {"kernel_initializer": "ones", "use_bias": False}
    model = keras.Sequential(
        [
            keras.Input((40, 40, 1)),  # large enough for a whole field away from the borders
            keras.layers.Conv2D(1, 3, padding="same", **ones),
            keras.layers.Conv2D(1, (3, 2), strides=2, **ones),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(1, 3, dilation_rate=2, padding="same", **ones),
            keras.layers.Conv2DTranspose(1, 3, strides=2, **ones),
            keras.layers.AveragePooling2D(3, strides=1),
        ]
    )
    table = shapes.shape_table(model)
    assert [row["receptive_field"] for row in table.rows] == measured_receptive_fields(model, 40)


def test_shape_table_rejects_unbuilt_models_and_other_objects():
    import keras

    with pytest.raises(ValueError, match="model must be built"):
        shapes.shape_table(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        shapes.shape_table("resnet")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stride": 0}, r"stride must be >= 1; got 0"),
        ({"stride": -1}, r"stride must be >= 1; got -1"),
        ({"padding": -1}, r"padding must be >= 0; got -1"),
        ({"padding": "causal"}, r"padding must be one of 'valid', 'same', 'full'; got 'causal'"),
        ({"padding": 1.5}, r"padding must be one of 'valid', 'same', 'full', an int"),
        ({"kernel_size": 9}, r"kernel_size 9 is larger than the padded input 8"),
        ({"kernel_size": 4, "dilation": 3}, r"kernel_size 4 \(dilated to 10\) is larger"),
        ({"input_size": 0}, r"input_size must be >= 1; got 0"),
        ({"kernel_size": 0}, r"kernel_size must be >= 1; got 0"),
        ({"dilation": 0}, r"dilation must be >= 1; got 0"),
        ({"input_size": (8, 8), "stride": (1, 1, 1)}, r"stride has 3 axes but input_size has 2"),
        ({"input_size": 8.0}, r"input_size must be an integer; got 8.0"),
    ],
)
def test_conv_output_size_rejects_impossible_configurations(kwargs, message):
    arguments = {"input_size": 8, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        shapes.conv_output_size(**arguments)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: shapes.same_padding(3, stride=0), r"stride must be >= 1; got 0"),
        (lambda: shapes.same_padding(0), r"kernel_size must be >= 1; got 0"),
        (lambda: shapes.resolve_padding(-2, None, 3), r"padding must be >= 0; got -2"),
        (lambda: shapes.resolve_padding((1, 2, 3), None, 3), r"padding must be a string, an int"),
        (lambda: shapes.resolve_padding("SAME!", None, 3), r"padding must be one of"),
        (lambda: shapes.conv_params(3, 0, 8), r"in_channels must be >= 1; got 0"),
        (lambda: shapes.conv_params(3, 3, -8), r"filters must be >= 1; got -8"),
    ],
)
def test_other_functions_reject_bad_arguments_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()
