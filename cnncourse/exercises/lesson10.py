"""Lesson 10 - Structured outputs: semantic segmentation.

Four coding exercises: a transposed convolution by hand (:data:`transposed_conv2d`), a
segmentation network designed to a brief (:data:`segmenter_design`: any network passes
whose output has the input's height and width and one probability per class, within a
parameter budget), pixel accuracy and the IoU of one class. The quiz numbers are drawn
once, from a fixed seed, and the lesson prints them with :func:`quiz_text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import metrics
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each, exact
from ._variants import Variants, numbers, question

__all__ = [
    "DESIGN_CLASSES",
    "DESIGN_INPUT",
    "EXERCISES",
    "IOU_GOAL",
    "LESSON",
    "PARAM_BUDGET",
    "DesignExercise",
    "budget_segmenter",
    "class_iou",
    "design_of",
    "design_verdict",
    "encoder_decoder_layers",
    "encoder_decoder_size",
    "pixel_accuracy",
    "q_encoder_decoder",
    "q_keep_size",
    "q_masks",
    "q_transposed_conv",
    "quiz_masks",
    "quiz_numbers",
    "quiz_text",
    "segmenter_design",
    "transposed_conv2d",
    "transposed_conv2d_reference",
]

LESSON = 10

#: The design brief of :data:`segmenter_design`: the lesson's input and classes, the most
#: parameters the network may have, and the mean IoU it should reach after the lesson's
#: training (:data:`cnncourse.recipes.SEGMENTATION_RECIPE`'s settings).
DESIGN_INPUT = (24, 24, 3)
DESIGN_CLASSES = 4
PARAM_BUDGET = 100_000
IOU_GOAL = 0.85


# --------------------------------------------------------------------------- metrics


def _mask_pair(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    shape = tuple(int(v) for v in rng.integers(2, 7, size=2))
    true = rng.integers(0, 4, size=shape)
    pred = np.where(rng.random(shape) < 0.7, true, rng.integers(0, 4, size=shape))
    return pred, true


def _accuracy_case(rng: np.random.Generator) -> Case:
    return Case(_mask_pair(rng))


def _class_iou_case(rng: np.random.Generator) -> Case:
    pred, true = _mask_pair(rng)
    present = np.union1d(np.unique(pred), np.unique(true))
    return Case((pred, true, int(rng.choice(present))))


_A = np.array([[0, 1, 1], [0, 1, 2], [0, 0, 2]])
_B = np.array([[0, 1, 0], [0, 1, 1], [0, 2, 2]])

pixel_accuracy = FunctionExercise(
    id="pixel_accuracy",
    lesson=LESSON,
    title="The fraction of pixels with the right class",
    points=1,
    reference=metrics.pixel_accuracy,
    generate=_accuracy_case,
    edge_cases=(Case((_A, _B)), Case((_A, _A))),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("pred", "true"),
)

class_iou = FunctionExercise(
    id="class_iou",
    lesson=LESSON,
    title="Intersection over union of one class's pixels",
    points=2,
    reference=metrics.mask_iou,
    generate=_class_iou_case,
    edge_cases=(Case((_A, _B, 1)), Case((_A, _B, 2)), Case((_A, _A, 0)), Case((_A, _B, 3))),
    compare=close(rtol=1e-9, atol=1e-12),
    arg_names=("pred", "true", "class_id"),
)


# --------------------------------------------------------------------------- transposed convolution


def transposed_conv2d_reference(x: np.ndarray, kernel: np.ndarray, stride: int) -> np.ndarray:
    """Transposed convolution of one channel, "valid" padding, no bias.

    Every input value ``x[i, j]`` adds a copy of ``kernel`` scaled by it to the output,
    with its top-left corner at ``(i * stride, j * stride)``; where copies overlap they
    add up. The output has ``(n - 1) * stride + k`` rows (and columns likewise), the
    same as ``keras.layers.Conv2DTranspose(1, k, strides=stride, use_bias=False)`` with
    this kernel.

    Examples
    --------
    >>> transposed_conv2d_reference(np.array([[1.0, 2.0]]), np.ones((1, 2)), 1)
    array([[1., 3., 2.]])
    >>> transposed_conv2d_reference(np.ones((2, 2)), np.ones((3, 3)), 2)[2]
    array([2., 2., 4., 2., 2.])
    """
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    (n1, n2), (k1, k2) = x.shape, kernel.shape
    out = np.zeros(((n1 - 1) * stride + k1, (n2 - 1) * stride + k2))
    for i in range(n1):
        for j in range(n2):
            out[i * stride : i * stride + k1, j * stride : j * stride + k2] += x[i, j] * kernel
    return out


def _transposed_case(rng: np.random.Generator) -> Case:
    x = rng.integers(-3, 4, size=tuple(int(v) for v in rng.integers(1, 5, size=2))).astype(float)
    kernel = rng.integers(-2, 3, size=tuple(int(v) for v in rng.integers(1, 5, size=2)))
    return Case((x, kernel.astype(float), int(rng.integers(1, 4))))


transposed_conv2d = FunctionExercise(
    id="transposed_conv2d",
    lesson=LESSON,
    title="A transposed convolution by hand: scatter a scaled kernel per input value",
    points=2,
    reference=transposed_conv2d_reference,
    generate=_transposed_case,
    edge_cases=(
        Case((np.array([[1.0, 2.0], [3.0, 4.0]]), np.arange(9.0).reshape(3, 3), 2)),
        Case((np.array([[1.0, -1.0]]), np.ones((2, 2)), 3)),  # stride > kernel: gaps
        Case((np.array([[2.0]]), np.array([[1.0, 2.0, 3.0]]), 1)),
    ),
    compare=close(rtol=1e-9, atol=1e-9),
    arg_names=("x", "kernel", "stride"),
)


# --------------------------------------------------------------------------- design task


def budget_segmenter(input_shape: tuple[int, int, int], num_classes: int) -> Any:
    """A U-Net within :data:`PARAM_BUDGET`: the reference answer to the design task.

    The recipe's U-Net (:func:`cnncourse.models.unet` with filters 16, 32, 64, batch
    normalisation, each image's mean colour subtracted first) with one convolution
    instead of two at the bottom, where the 64-filter convolutions are the costliest.
    Height and width must be multiples of 4 (two poolings).

    Examples
    --------
    >>> budget_segmenter((24, 24, 3), 4).count_params()
    80932
    >>> budget_segmenter((16, 40, 1), 3).output_shape
    (None, 16, 40, 3)
    """
    import keras

    layers = keras.layers

    def block(x: Any, filters: int, convs: int) -> Any:
        for _ in range(convs):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            # momentum 0.9, as every builder of the package (models._checks.BN_MOMENTUM):
            # with Keras's 0.99 the moving statistics lag behind 500 steps of training, and
            # on PyTorch the mean IoU in inference mode fell to 0.67-0.79 (0.97 in training)
            x = layers.BatchNormalization(momentum=0.9)(x)
            x = layers.Activation("relu")(x)
        return x

    inputs = keras.Input(tuple(input_shape))
    mean = layers.GlobalAveragePooling2D(keepdims=True)(inputs)
    x = layers.Subtract()([inputs, mean])
    skip1 = block(x, 16, 2)
    skip2 = block(layers.MaxPooling2D(2)(skip1), 32, 2)
    x = block(layers.MaxPooling2D(2)(skip2), 64, 1)
    x = layers.Conv2DTranspose(32, 2, strides=2)(x)
    x = block(layers.Concatenate()([x, skip2]), 32, 2)
    x = layers.Conv2DTranspose(16, 2, strides=2)(x)
    x = block(layers.Concatenate()([x, skip1]), 16, 2)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="budget_segmenter")


def design_of(model: Any) -> tuple[int, int, int, int]:
    """What the design check looks at: ``(height, width, channels, parameters)``.

    Examples
    --------
    >>> import keras
    >>> design_of(keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 1)]))
    (8, 8, 4, 16)
    """
    height, width, channels = (int(v) for v in model.output_shape[1:])
    return height, width, channels, int(model.count_params())


def _design_reference(input_shape: tuple[int, int, int], num_classes: int) -> tuple:
    return design_of(budget_segmenter(input_shape, num_classes))


def design_verdict(expected: Any, got: Any) -> str | None:
    """None if ``got`` = (height, width, channels, parameters) meets the brief ``expected``.

    ``expected`` is the output shape the network must have, ``(height, width, classes)``;
    the parameters must be at most :data:`PARAM_BUDGET`.

    Examples
    --------
    >>> design_verdict((24, 24, 4), (24, 24, 4, 80_932)) is None
    True
    >>> design_verdict((24, 24, 4), (6, 6, 4, 50_000))
    'output shape (6, 6, 4), expected (24, 24, 4): one probability per class for every pixel'
    >>> design_verdict((24, 24, 4), (24, 24, 4, 118_052))
    'output shape right, but 118,052 parameters: over the budget of 100,000'
    """
    try:
        values = [int(v) for v in np.asarray(got).ravel()]
    except (TypeError, ValueError):
        return f"expected (height, width, channels, parameters), got {type(got).__name__}"
    if len(values) != 4:
        return f"expected 4 numbers (height, width, channels, parameters), got {len(values)}"
    shape, params = tuple(values[:3]), values[3]
    target = tuple(int(v) for v in expected)
    if shape != target:
        return f"output shape {shape}, expected {target}: one probability per class for every pixel"
    if params > PARAM_BUDGET:
        return f"output shape right, but {params:,} parameters: over the budget of {PARAM_BUDGET:,}"
    return None


design_verdict.reveals_expected = False


@dataclass
class DesignExercise(FunctionExercise):
    """A function exercise graded against a brief, not against a reference's output.

    A case is ``(input_shape, num_classes)``; the answer must give a network with output
    ``(height, width, num_classes)`` and at most :data:`PARAM_BUDGET` parameters.

    Examples
    --------
    >>> case = segmenter_design.cases()[0]
    >>> case.args, segmenter_design.expected(case)
    (((24, 24, 3), 4), (24, 24, 4))
    """

    def expected(self, case: Case) -> Any:
        (height, width, _), num_classes = case.args
        return (int(height), int(width), int(num_classes))


def _design_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in 8 * rng.integers(2, 6, size=2))
    return Case(((height, width, int(rng.choice([1, 3]))), int(rng.integers(2, 6))))


segmenter_design = DesignExercise(
    id="segmenter_design",
    lesson=LESSON,
    title=(
        f"Design a segmentation network: output (H, W, classes), "
        f"at most {PARAM_BUDGET:,} parameters"
    ),
    points=3,
    reference=_design_reference,
    generate=_design_case,
    edge_cases=(Case((DESIGN_INPUT, DESIGN_CLASSES)), Case(((16, 40, 1), 3))),
    compare=design_verdict,
    n_random=1,
    arg_names=("input_shape", "num_classes"),
)


# --------------------------------------------------------------------------- quiz
# The numbers: the visible ones (what the lesson shows), and how a student's own are drawn
# (cnncourse handout); the lesson prints each question with its notebook's numbers.


def _draw_encoder_decoder(rng) -> dict[str, Any]:
    size = (int(rng.integers(5, 9)) * 8, int(rng.integers(5, 9)) * 8)
    layers = [
        ("conv", 3, 1, str(rng.choice(["valid", "same"]))),
        ("pool", 2, 2, "valid"),
        ("conv", int(rng.choice([3, 5])), 1, "valid"),
        ("pool", 2, 2, "valid"),
        ("tconv", int(rng.choice([2, 3])), 2, "valid"),
        ("conv", 3, 1, "valid"),
        ("tconv", 4, 2, str(rng.choice(["valid", "same"]))),
    ]
    return {"input": size, "layers": layers}


def _draw_transposed(rng) -> dict[str, int]:
    return {
        "n": int(rng.integers(5, 13)),
        "channels": int(rng.choice([16, 32, 64])),
        "filters": int(rng.choice([8, 16, 32])),
        "kernel": int(rng.choice([3, 4, 5])),
        "stride": int(rng.choice([2, 3])),
    }


def _draw_masks(rng) -> dict[str, list[list[int]]]:
    true = np.zeros((6, 6), dtype=int)
    pred = np.zeros((6, 6), dtype=int)
    r, c = (int(v) for v in rng.integers(0, 3, size=2))
    true[r : r + 3, c : c + 3] = 1
    dr, dc = (int(rng.choice([-1, 1])) for _ in range(2))
    pr, pc = min(max(r + dr, 0), 3), min(max(c + dc, 0), 3)
    pred[pr : pr + 3, pc : pc + 3] = 1
    spot = tuple(int(v) for v in rng.integers(0, 6, size=2))
    true[spot] = 2
    return {"pred": pred.tolist(), "true": true.tolist()}


_QUIZ = np.random.default_rng(2024_08)
_VISIBLE_ED = _draw_encoder_decoder(_QUIZ)
_VISIBLE_TC = _draw_transposed(_QUIZ)
_VISIBLE_MASKS = _draw_masks(_QUIZ)


def encoder_decoder_layers() -> list[tuple]:
    """This notebook's network of quiz question 1, one ``(kind, kernel, stride, padding)``
    per layer, ``kind`` in ``{"conv", "pool", "tconv"}``.

    Examples
    --------
    >>> [layer[0] for layer in encoder_decoder_layers()]
    ['conv', 'pool', 'conv', 'pool', 'tconv', 'conv', 'tconv']
    """
    return [tuple(layer) for layer in numbers("q_encoder_decoder")["layers"]]


def _layer_size(n: int, kind: str, kernel: int, stride: int, padding: str) -> int:
    if kind == "tconv":
        return n * stride if padding == "same" else (n - 1) * stride + kernel
    return -(-n // stride) if padding == "same" else (n - kernel) // stride + 1


def encoder_decoder_size(
    size: tuple[int, int] | None = None, layers: list[tuple] | None = None
) -> tuple[int, int]:
    """Height and width after each layer of ``layers`` (by default the quiz's), in turn.

    Examples
    --------
    >>> encoder_decoder_size((32, 32), [("pool", 2, 2, "valid"), ("tconv", 3, 2, "valid")])
    (33, 33)
    """
    height, width = numbers("q_encoder_decoder")["input"] if size is None else size
    for layer in encoder_decoder_layers() if layers is None else layers:
        height, width = _layer_size(height, *layer), _layer_size(width, *layer)
    return height, width


def _transposed_answer(n: int, channels: int, filters: int, kernel: int, stride: int):
    return (n - 1) * stride + kernel, kernel**2 * channels * filters + filters


def quiz_numbers() -> dict[str, Any]:
    """This notebook's numbers of quiz questions 1 and 2, to work the answers from.

    Examples
    --------
    >>> sorted(quiz_numbers())
    ['input', 'layers', 'transposed']
    """
    return {
        "input": tuple(numbers("q_encoder_decoder")["input"]),
        "layers": encoder_decoder_layers(),
        "transposed": numbers("q_transposed_conv"),
    }


def quiz_masks() -> tuple[np.ndarray, np.ndarray]:
    """This notebook's predicted and true mask of quiz question 3 (classes 0, 1, 2).

    Examples
    --------
    >>> pred, true = quiz_masks()
    >>> pred.shape == true.shape == (6, 6)
    True
    """
    masks = numbers("q_masks")
    return np.array(masks["pred"], dtype=int), np.array(masks["true"], dtype=int)


def _mask_answers(pred, true) -> tuple[float, float, float]:
    pred, true = np.array(pred, dtype=int), np.array(true, dtype=int)
    return (
        float(metrics.pixel_accuracy(pred, true)),
        float(metrics.mask_iou(pred, true, 1)),
        float(metrics.mean_iou(pred, true, 3)),
    )


_LAYER_TEXT = {
    "conv": "Conv2D({kernel}x{kernel}, stride {stride}, padding '{padding}')",
    "pool": "MaxPooling2D({kernel}x{kernel}, stride {stride}, padding '{padding}')",
    "tconv": "Conv2DTranspose({kernel}x{kernel}, stride {stride}, padding '{padding}')",
}


def _encoder_decoder_text(input, layers) -> str:  # noqa: A002 - the question's own name
    steps = "\n".join(
        f"  {i}. " + _LAYER_TEXT[kind].format(kernel=k, stride=s, padding=p)
        for i, (kind, k, s, p) in enumerate(layers, start=1)
    )
    return (
        f"Q1. An input of {input[0]} x {input[1]} pixels goes through, in turn:\n"
        f"{steps}\nWhat are the height and width of the output? Answer (height, width)."
    )


def _transposed_text(n, channels, filters, kernel, stride) -> str:
    return (
        f"Q2. Conv2DTranspose({filters}, {kernel}, strides={stride}) "
        f"(padding 'valid', with bias) gets an input of {n} x {n} x "
        f"{channels}.\nWhat is the height of its output, and how many parameters "
        "does it have? Answer (height, parameters)."
    )


def _masks_text(pred, true) -> str:
    return (
        "Q3. A predicted and a true mask (0 background, 1 and 2 two object classes):\n"
        f"pred =\n{np.array(pred, dtype=int)}\ntrue =\n{np.array(true, dtype=int)}\n"
        "Give (pixel accuracy, IoU of class 1, mean IoU over classes 0, 1, 2), "
        "each to 2 decimals."
    )


def quiz_text(number: int) -> str:
    """The text of quiz question ``number`` (1 to 3), with this notebook's numbers.

    Examples
    --------
    >>> quiz_text(2).startswith("Q2.")
    True
    """
    ids = {1: "q_encoder_decoder", 2: "q_transposed_conv", 3: "q_masks"}
    if number not in ids:
        raise ValueError(f"quiz questions are 1, 2 and 3; got {number!r}")
    return question(ids[number])


q_encoder_decoder = ValueExercise(
    id="q_encoder_decoder",
    lesson=LESSON,
    title="Output size after a generated encoder-decoder (pools and transposed convolutions)",
    points=2,
    variants=Variants(_VISIBLE_ED, _draw_encoder_decoder),
    answer=lambda input, layers: encoder_decoder_size(  # noqa: A006 - the number's name
        tuple(input), [tuple(layer) for layer in layers]
    ),
    question=_encoder_decoder_text,
    compare=exact(),
    hint="layer by layer: (n - k) // s + 1 down ('valid'), (n - 1) * s + k up ('valid'); "
    "'same' gives ceil(n / s) down and n * s up",
)

q_transposed_conv = ValueExercise(
    id="q_transposed_conv",
    lesson=LESSON,
    title="Output height and parameters of a transposed convolution",
    points=2,
    variants=Variants(_VISIBLE_TC, _draw_transposed),
    answer=_transposed_answer,
    question=_transposed_text,
    compare=exact(),
    hint="height (n - 1) * s + k; a kernel k x k x in_channels per filter, plus one bias each",
)

q_masks = ValueExercise(
    id="q_masks",
    lesson=LESSON,
    title="Pixel accuracy, IoU of one class and mean IoU of two given masks",
    points=2,
    variants=Variants(_VISIBLE_MASKS, _draw_masks),
    answer=_mask_answers,
    question=_masks_text,
    compare=each(close(rtol=0, atol=0.006)),
    hint="IoU = pixels both give the class / pixels either gives it; the mean over the 3 classes",
)

q_keep_size = ValueExercise(
    id="q_keep_size",
    lesson=LESSON,
    title="Which layer changes the height and width of a 32 x 32 map?",
    points=1,
    choices={
        "a": "Conv2D(16, 3, padding='same')",
        "b": "MaxPooling2D(2, strides=1, padding='same')",
        "c": "MaxPooling2D(2, strides=1)",
        "d": "Conv2DTranspose(16, 1, strides=1)",
    },
    answer=lambda: "c",
    compare=choice(),
    hint="what is the default padding, and how many 2 x 2 windows fit in 32 pixels?",
)

EXERCISES = [
    transposed_conv2d,
    segmenter_design,
    pixel_accuracy,
    class_iou,
    q_encoder_decoder,
    q_transposed_conv,
    q_masks,
    q_keep_size,
]
