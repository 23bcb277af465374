"""Lesson 12's exercises: the references agree with the package and with Keras, the cases
catch the mistakes the lesson warns about, and the generated questions are well formed."""

import numpy as np
import pytest

from cnncourse import ops, shapes
from cnncourse.exercises import FAILED, PASSED, for_lesson, lesson12


def test_lesson_12_has_at_least_three_coding_exercises_and_a_quiz():
    kinds = [e.kind for e in for_lesson(12)]
    assert kinds.count("function") >= 3
    assert kinds.count("value") >= 3


# --------------------------------------------------------------------------- dilate_kernel


@pytest.mark.parametrize("dilation", [1, 2, 3])
def test_a_dilated_kernel_has_the_effective_size_and_convolves_as_the_dilated_taps(dilation):
    rng = np.random.default_rng(dilation)
    x, kernel = rng.normal(size=(12, 13)), rng.normal(size=(3, 2))
    big = lesson12.dilated_kernel(kernel, dilation)
    assert big.shape == (dilation * 2 + 1, dilation * 1 + 1)
    out = ops.conv2d(x, big)
    # the definition: out[i, j] = sum_ab x[i + d a, j + d b] k[a, b]
    expected = np.zeros(out.shape)
    for a in range(3):
        for b in range(2):
            rows = slice(dilation * a, dilation * a + out.shape[0])
            cols = slice(dilation * b, dilation * b + out.shape[1])
            expected += x[rows, cols] * kernel[a, b]
    assert np.allclose(out, expected)


def test_dilate_kernel_keeps_the_channel_axes_and_matches_keras():
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 11, 11, 2)).astype("float32")
    kernel = rng.normal(size=(3, 3, 2, 4)).astype("float32")
    big = lesson12.dilated_kernel(kernel, 2)
    assert big.shape == (5, 5, 2, 4)
    keras_out = keras.ops.convert_to_numpy(keras.ops.conv(x, kernel, dilation_rate=2))
    assert np.allclose(ops.conv2d(x, big), keras_out, atol=1e-5)


def test_dilate_kernel_rejects_a_kernel_only_spread_on_one_axis():
    def rows_only(kernel, dilation):
        out = np.zeros((dilation * (kernel.shape[0] - 1) + 1, *kernel.shape[1:]))
        out[::dilation] = kernel
        return out

    assert lesson12.dilate_kernel.grade(rows_only).status == FAILED


# --------------------------------------------------------------------------- fft_conv2d_single


def test_the_fft_reference_is_the_full_cross_correlation():
    exercise = lesson12.fft_conv2d_single
    for case in exercise.cases(seed=3):
        x, kernel = case.args
        assert np.allclose(exercise.expected(case), ops.conv2d(x, kernel, padding="full"))


def _fft(x, kernel, size, flip):
    k = kernel[::-1, ::-1] if flip else kernel
    return np.fft.irfft2(np.fft.rfft2(x, s=size) * np.fft.rfft2(k, s=size), s=size)


def test_fft_without_the_flip_fails():
    def no_flip(x, kernel):
        size = (x.shape[0] + kernel.shape[0] - 1, x.shape[1] + kernel.shape[1] - 1)
        return _fft(x, kernel, size, flip=False)

    assert lesson12.fft_conv2d_single.grade(no_flip).status == FAILED


def test_fft_padded_too_little_fails_with_the_wrap_around():
    def short(x, kernel):
        # one row and column short of H + F - 1: the last value wraps onto the first
        full = (x.shape[0] + kernel.shape[0] - 1, x.shape[1] + kernel.shape[1] - 1)
        size = (max(x.shape[0], full[0] - 1), max(x.shape[1], full[1] - 1))
        out = np.zeros(full)
        out[: size[0], : size[1]] = _fft(x, kernel, size, flip=True)
        return out

    assert lesson12.fft_conv2d_single.grade(short).status == FAILED


def test_fft_padded_more_then_cropped_passes():
    def generous(x, kernel):
        h, w = x.shape[0] + kernel.shape[0] - 1, x.shape[1] + kernel.shape[1] - 1
        return _fft(x, kernel, (2 * h, 2 * w), flip=True)[:h, :w]

    assert lesson12.fft_conv2d_single.grade(generous).status == PASSED


def test_the_valid_part_survives_without_padding_as_the_lesson_says():
    rng = np.random.default_rng(1)
    x, kernel = rng.normal(size=(20, 18)), rng.normal(size=(5, 4))
    circular = _fft(x, kernel, x.shape, flip=True)
    full = ops.conv2d(x, kernel, padding="full")
    assert np.allclose(circular[4:, 3:], ops.conv2d(x, kernel))
    assert not np.allclose(circular[:4], full[:4, :18])


# --------------------------------------------------------------------------- unshared params


def test_locally_connected_params_match_keras():
    import keras

    from cnncourse import layers

    exercise = lesson12.locally_connected_params
    for case in exercise.cases()[:6]:
        size, channels, filters, kernel_size, stride = case.args
        model = keras.Sequential(
            [
                keras.Input((size, size, channels)),
                layers.LocallyConnected2D(filters, kernel_size, strides=stride),
            ]
        )
        assert exercise.expected(case) == model.count_params()


def test_forgetting_the_stride_or_the_untied_biases_fails():
    def no_stride(size, channels, filters, k, stride):
        return (size - k + 1) ** 2 * (k * k * channels * filters + filters)

    def shared_bias(size, channels, filters, k, stride):
        side = (size - k) // stride + 1
        return side * side * k * k * channels * filters + filters

    assert lesson12.locally_connected_params.grade(no_stride).status == FAILED
    assert lesson12.locally_connected_params.grade(shared_bias).status == FAILED


# --------------------------------------------------------------------------- quizzes


def test_the_variant_quiz_no_longer_asks_the_plain_conv_formula():
    assert "Conv2D" not in lesson12.VARIANT_NAMES
    assert len(lesson12.variant_params()) == len(lesson12.VARIANT_NAMES)


def _keras_variant_params(setup):
    """The six variants of the quiz built in Keras on ``setup``'s input, counted by Keras."""
    import keras

    from cnncourse import layers

    k, f = setup["kernel_size"], setup["filters"]
    built = [
        keras.layers.Conv2D(f, k, dilation_rate=2),
        keras.layers.SeparableConv2D(f, k),
        keras.layers.DepthwiseConv2D(k),
        keras.layers.Conv2DTranspose(f, k, strides=2),
        layers.LocallyConnected2D(f, k),
        layers.TiledConv2D(f, k, tile_size=2),
    ]
    shape = tuple(setup["input_shape"])
    return [int(keras.Sequential([keras.Input(shape), layer]).count_params()) for layer in built]


@pytest.mark.parametrize("student", ["visible", "s1", "s2", "s3", "s4"])
def test_the_variant_counts_are_the_counts_of_built_keras_layers(student):
    """The formulas of the answer agree with Keras for the visible numbers and for drawn ones
    (of both kernel sizes among them)."""
    q = lesson12.q_variant_params
    setup = (
        q.variants.visible if student == "visible" else q.variants.drawn(bytes(32), student, q.id)
    )
    assert lesson12.variant_params(setup) == _keras_variant_params(setup)
    assert q.expected(setup) == lesson12.variant_params(setup)


def test_the_variant_quiz_reads_its_numbers_from_the_notebook():
    from cnncourse.exercises import use_variants

    drawn = {"input_shape": (10, 10, 3), "filters": 8, "kernel_size": 5}
    try:
        use_variants("ann", {"q_variant_params": drawn})
        assert dict(lesson12.VARIANT_SETUP) == drawn
        assert lesson12.variant_params() == _keras_variant_params(drawn)
        assert lesson12.q_variant_params.text().startswith("input 10x10x3, 8 filters of 5x5")
    finally:
        use_variants("", {})
    assert lesson12.VARIANT_SETUP["input_shape"] == (16, 16, 8)


def test_separable_costs_match_keras_counts():
    import keras

    q = lesson12.separable_question()
    standard, standard_mults, separable, separable_mults = lesson12.separable_costs(q)
    shape = (q["size"], q["size"], q["channels"])
    for layer, count in [
        (keras.layers.Conv2D(q["filters"], q["kernel_size"], padding="same"), standard),
        (keras.layers.SeparableConv2D(q["filters"], q["kernel_size"], padding="same"), separable),
    ]:
        assert keras.Sequential([keras.Input(shape), layer]).count_params() == count
    k, f = q["kernel_size"], q["filters"]
    assert separable_mults / standard_mults == pytest.approx(1 / f + 1 / k**2)


@pytest.mark.parametrize("seed", [0, 10, 99])
def test_dilated_stacks_have_a_dilation_and_answers_agree_with_shapes(seed):
    stacks = lesson12.dilated_stack_questions(seed)
    answers = lesson12.dilated_stack_answers(seed)
    assert len(stacks) == len(answers) == 3
    for stack, (effective, field) in zip(stacks, answers, strict=True):
        assert any(layer["dilation"] > 1 for layer in stack)
        last = stack[-1]
        assert effective == shapes.receptive_field([(last["kernel_size"], 1, last["dilation"])])
        assert field == 1 + sum(layer["dilation"] * (layer["kernel_size"] - 1) for layer in stack)


def test_dilated_stack_answers_match_keras_output_shapes():
    import keras

    stack = lesson12.dilated_stack_questions()[0]
    _, field = lesson12.dilated_stack_answers()[0]
    size = field + 3
    model = keras.Sequential(
        [keras.Input((size, size, 1))]
        + [
            keras.layers.Conv2D(1, layer["kernel_size"], dilation_rate=layer["dilation"])
            for layer in stack
        ]
    )
    # at stride 1 each layer trims (its effective size - 1): the output is size - field + 1
    assert model.output_shape[1] == size - field + 1
