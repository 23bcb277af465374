"""Lesson 10's exercises: the transposed convolution by hand, the design task graded on a
brief, and the generated quiz answers, each checked against Keras."""

import keras
import matplotlib
import numpy as np
import pytest

from cnncourse import metrics, models, plot
from cnncourse.exercises import ERROR, FAILED, NOT_DONE, PASSED, lesson10

matplotlib.use("Agg")


def test_transposed_conv2d_reference_matches_keras():
    rng = np.random.default_rng(3)
    for _ in range(8):
        case = lesson10.transposed_conv2d.generate(rng)
        x, kernel, stride = case.args
        layer = keras.layers.Conv2DTranspose(1, kernel.shape, strides=stride, use_bias=False)
        layer.build((None, *x.shape, 1))
        layer.set_weights([kernel[:, :, None, None]])
        keras_out = keras.ops.convert_to_numpy(layer(x[None, :, :, None].astype("float32")))
        ours = lesson10.transposed_conv2d_reference(x, kernel, stride)
        # Keras's side is n * s + max(k - s, 0): zeros added where the stride exceeds k
        expected_shape = tuple(
            n * stride + max(k - stride, 0) for n, k in zip(x.shape, kernel.shape, strict=True)
        )
        assert keras_out.shape[1:3] == expected_shape
        np.testing.assert_allclose(
            ours, keras_out[0, : ours.shape[0], : ours.shape[1], 0], atol=1e-5
        )
        assert (
            not keras_out[0, ours.shape[0] :].any() and not keras_out[0, :, ours.shape[1] :].any()
        )


def test_transposed_conv2d_rejects_a_gathering_convolution():
    def gathers(x, kernel, stride):  # the ordinary strided convolution instead
        return np.zeros((1, 1)) + np.sum(x)

    assert lesson10.transposed_conv2d.grade(gathers).status == FAILED


def _design(build):
    return lambda input_shape, num_classes: lesson10.design_of(build(input_shape, num_classes))


def test_design_reference_passes_every_case_within_budget():
    assert lesson10.segmenter_design.grade(lesson10.segmenter_design.reference).status == PASSED
    net = lesson10.budget_segmenter(lesson10.DESIGN_INPUT, lesson10.DESIGN_CLASSES)
    assert net.count_params() <= lesson10.PARAM_BUDGET


def test_design_any_network_meeting_the_brief_passes():
    def tiny(input_shape, num_classes):
        return keras.Sequential(
            [keras.Input(input_shape), keras.layers.Conv2D(num_classes, 1, activation="softmax")]
        )

    assert lesson10.segmenter_design.grade(_design(tiny)).status == PASSED


def test_design_over_budget_fails_and_says_so():
    result = lesson10.segmenter_design.grade(
        _design(lambda shape, classes: models.unet(shape, classes, batch_norm=True))
    )
    assert result.status == FAILED
    assert "over the budget of 100,000" in result.message


def test_design_wrong_output_shape_fails():
    def coarse(input_shape, num_classes):
        return keras.Sequential(
            [
                keras.Input(input_shape),
                keras.layers.MaxPooling2D(2),
                keras.layers.Conv2D(num_classes, 1, activation="softmax"),
            ]
        )

    result = lesson10.segmenter_design.grade(_design(coarse))
    assert result.status == FAILED and "one probability per class" in result.message


def test_design_hard_coded_for_the_lesson_input_fails_on_other_cases():
    def fixed(input_shape, num_classes):
        return lesson10.budget_segmenter(lesson10.DESIGN_INPUT, lesson10.DESIGN_CLASSES)

    assert lesson10.segmenter_design.grade(_design(fixed)).status == FAILED


def test_design_not_implemented_and_garbage():
    def stub(input_shape, num_classes):
        raise NotImplementedError

    assert lesson10.segmenter_design.grade(stub).status == NOT_DONE
    assert lesson10.segmenter_design.grade(lambda s, c: "a model").status == FAILED
    assert lesson10.segmenter_design.grade(lambda s, c: 1 / 0).status == ERROR


def _keras_layer(kind, kernel, stride, padding):
    if kind == "conv":
        return keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    if kind == "pool":
        return keras.layers.MaxPooling2D(kernel, strides=stride, padding=padding)
    return keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)


def test_encoder_decoder_answer_matches_keras():
    numbers = lesson10.quiz_numbers()
    net = keras.Sequential(
        [keras.Input((*numbers["input"], 1))]
        + [_keras_layer(*layer) for layer in numbers["layers"]]
    )
    assert tuple(net.output_shape[1:3]) == lesson10.q_encoder_decoder.expected()


def test_transposed_conv_answer_matches_keras():
    t = lesson10.quiz_numbers()["transposed"]
    net = keras.Sequential(
        [
            keras.Input((t["n"], t["n"], t["channels"])),
            keras.layers.Conv2DTranspose(t["filters"], t["kernel"], strides=t["stride"]),
        ]
    )
    assert (net.output_shape[1], net.count_params()) == lesson10.q_transposed_conv.expected()


def test_mask_answers_match_the_metrics_and_contrast_accuracy_with_iou():
    pred, true = lesson10.quiz_masks()
    accuracy, iou1, mean = lesson10.q_masks.expected()
    assert accuracy == pytest.approx(metrics.pixel_accuracy(pred, true))
    assert iou1 == pytest.approx(metrics.mask_iou(pred, true, 1))
    assert mean == pytest.approx(metrics.mean_iou(pred, true, 3))
    assert accuracy > 0.5 > mean  # the question shows pixel accuracy flattering
    rounded = [round(v, 2) for v in (accuracy, iou1, mean)]
    assert lesson10.q_masks.grade(rounded).status == PASSED


def test_keep_size_answer_is_the_valid_stride_one_pooling():
    x = np.zeros((1, 32, 32, 2), dtype="float32")
    layers = {
        "a": keras.layers.Conv2D(16, 3, padding="same"),
        "b": keras.layers.MaxPooling2D(2, strides=1, padding="same"),
        "c": keras.layers.MaxPooling2D(2, strides=1),
        "d": keras.layers.Conv2DTranspose(16, 1, strides=1),
    }
    changes = [key for key, layer in layers.items() if layer(x).shape[1:3] != (32, 32)]
    assert changes == [lesson10.q_keep_size.expected()]


def test_unet_diagram_reads_levels_off_the_model():
    ax = plot.unet_diagram(models.unet((32, 32, 3), 4, filters=(8, 16, 32)))
    texts = [t.get_text() for t in ax.texts]
    assert "32x32x8" in texts and "16x16x16" in texts and "bottleneck 8x8x32" in texts
    assert "skip: copy 8 channels" in texts and "output 32x32x4" in texts
    ax = plot.unet_diagram(lesson10.budget_segmenter((24, 24, 3), 4))
    assert "bottleneck 6x6x64" in [t.get_text() for t in ax.texts]


def test_transposed_conv_figure_sums_the_copies():
    fig = plot.transposed_conv(np.ones((2, 2)), np.ones((3, 3)), 2)
    assert len(fig.axes) == 6
    with pytest.raises(ValueError, match="at most 3x3"):
        plot.transposed_conv(np.ones((4, 4)), np.ones((3, 3)), 2)
