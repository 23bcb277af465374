"""Lesson 1 - Images: RGB and grayscale."""

from __future__ import annotations

import numpy as np

from .. import images
from ._core import Case, FunctionExercise, ValueExercise, choice, close, each, exact
from ._variants import NumbersView, QuestionsView, Variants

__all__ = [
    "DATASET",
    "EXERCISES",
    "LESSON",
    "QUESTIONS",
    "QUIZ",
    "channel_means",
    "dataset_memory",
    "downscale_2x",
    "normalize",
    "q_batch_shape",
    "q_bgr_pixel",
    "q_brightest_weight",
    "q_dataset_memory",
    "q_uint8_overflow",
    "q_values_in_image",
    "rgb_to_grayscale",
    "to_bgr",
]

LESSON = 1


def _random_image(rng: np.random.Generator, channels: int | None = 3) -> np.ndarray:
    height, width = rng.integers(1, 6, size=2)
    channels = channels or int(rng.choice([1, 3]))
    return rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)


def _pixel(r: int, g: int, b: int) -> np.ndarray:
    return np.array([[[r, g, b]]], dtype=np.uint8)


rgb_to_grayscale = FunctionExercise(
    id="rgb_to_grayscale",
    lesson=LESSON,
    title="RGB to grayscale (luma) with the BT.601 weights",
    points=2,
    reference=images.rgb_to_grayscale,
    generate=lambda rng: Case((_random_image(rng),)),
    edge_cases=(Case((_pixel(255, 0, 0),)), Case((_pixel(0, 255, 0),)), Case((_pixel(0, 0, 255),))),
    compare=close(rtol=1e-4, atol=1e-3),
    arg_names=("image",),
)

normalize = FunctionExercise(
    id="normalize",
    lesson=LESSON,
    title="Scale 0..255 to float32 in [0, 1]",
    points=1,
    reference=images.normalize,
    generate=lambda rng: Case((_random_image(rng, channels=None),)),
    edge_cases=(
        Case((np.zeros((2, 2, 3), np.uint8),)),
        Case((np.full((2, 2, 1), 255, np.uint8),)),
    ),
    compare=close(rtol=1e-6, atol=1e-7, dtype="float32"),
    arg_names=("image",),
)

to_bgr = FunctionExercise(
    id="to_bgr",
    lesson=LESSON,
    title="Swap the channel order RGB <-> BGR",
    points=1,
    reference=images.to_bgr,
    generate=lambda rng: Case((_random_image(rng),)),
    edge_cases=(Case((_pixel(255, 128, 0),)),),
    compare=close(rtol=0, atol=0, dtype="same"),
    arg_names=("image",),
)

channel_means = FunctionExercise(
    id="channel_means",
    lesson=LESSON,
    title="The mean of each channel",
    points=1,
    reference=images.channel_means,
    generate=lambda rng: Case((_random_image(rng, channels=None),)),
    edge_cases=(Case((np.arange(12, dtype=np.uint8).reshape(2, 2, 3),)),),
    compare=close(rtol=1e-6, atol=1e-6),
    arg_names=("image",),
)


def _downscale_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in rng.integers(2, 8, size=2))
    channels = int(rng.choice([1, 3]))
    return Case((rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8),))


_checker = np.array([[[0], [255]], [[255], [0]]], dtype=np.uint8)

downscale_2x = FunctionExercise(
    id="downscale_2x",
    lesson=LESSON,
    title="Halve an image by averaging 2x2 blocks of light, not of numbers",
    points=2,
    reference=images.downscale_2x,
    generate=_downscale_case,
    edge_cases=(
        Case((_checker,)),
        Case((np.tile(_checker, (2, 3, 3)),)),
        Case((np.full((3, 5, 3), 128, np.uint8),)),
    ),
    compare=close(rtol=0, atol=0, dtype="uint8"),
    arg_names=("image",),
)

# The quiz's numbers: the visible ones (what the lesson shows), and how a student's own are
# drawn (cnncourse handout); the lesson prints each question with its notebook's numbers.
_quiz_rng = np.random.default_rng(2026)


def _draw_dataset(rng) -> dict[str, int]:
    return {
        "images": int(rng.choice([5_000, 10_000, 50_000, 60_000])),
        "side": int(rng.choice([32, 64, 96, 128])),
        "batch": int(rng.choice([32, 64, 128, 256])),
    }


def _draw_image(rng) -> dict[str, tuple[int, int, int]]:
    return {"image": (int(rng.choice([96, 128, 160, 192, 224, 256])),) * 2 + (3,)}


def _draw_batch(rng) -> dict[str, tuple[int, int, int, int]]:
    side = int(rng.choice([28, 32, 48, 64, 96, 128]))
    return {"batch": (int(rng.choice([8, 16, 32, 64, 128])), side, side, 3)}


def _draw_uint8_sum(rng) -> dict[str, tuple[int, int]]:
    first = int(rng.integers(150, 251))
    return {"uint8_sum": (first, int(rng.integers(260 - first, 251)))}  # always past 255


def dataset_memory(images: int, side: int, batch: int) -> list[float]:
    """MiB of a dataset of RGB images as uint8, the same as float32, and of one float32 batch.

    Examples
    --------
    >>> dataset_memory(1024, 32, 32)
    [3.0, 12.0, 0.375]
    """
    values = side * side * 3
    return [images * values / 2**20, images * values * 4 / 2**20, batch * values * 4 / 2**20]


def _uint8_sum(uint8_sum: tuple[int, int]) -> int:
    a = np.array([uint8_sum[0]], dtype=np.uint8)
    b = np.array([uint8_sum[1]], dtype=np.uint8)
    return int((a + b)[0])


q_values_in_image = ValueExercise(
    id="q_values_in_image",
    lesson=LESSON,
    title="How many numbers describe an RGB image?",
    points=1,
    variants=Variants({"image": (224, 224, 3)}, _draw_image),
    answer=lambda image: int(np.prod(image)),
    question=(
        "How many numbers describe one {image[0]} x {image[1]} RGB image ({image[2]} channels)?"
    ),
    hint="height x width x channels",
)

q_batch_shape = ValueExercise(
    id="q_batch_shape",
    lesson=LESSON,
    title="The shape of a batch of RGB images, channels last",
    points=1,
    variants=Variants({"batch": (32, 64, 64, 3)}, _draw_batch),
    answer=lambda batch: tuple(batch),
    question=(
        "What is the shape of a batch of {batch[0]} RGB images of {batch[1]} x {batch[2]} pixels, "
        "channels last?"
    ),
    compare=exact(),
    hint="(N, H, W, C)",
)

q_uint8_overflow = ValueExercise(
    id="q_uint8_overflow",
    lesson=LESSON,
    title="The sum of two uint8 numbers",
    points=1,
    variants=Variants({"uint8_sum": (200, 100)}, _draw_uint8_sum),
    answer=_uint8_sum,
    question="Two uint8 arrays hold {uint8_sum[0]} and {uint8_sum[1]}. What does their sum hold?",
    hint="uint8 arithmetic wraps around modulo 256",
)

q_dataset_memory = ValueExercise(
    id="q_dataset_memory",
    lesson=LESSON,
    title="Memory of a dataset as uint8, as float32, and of one batch",
    points=2,
    variants=Variants(_draw_dataset(_quiz_rng), _draw_dataset),
    answer=dataset_memory,
    question=(
        "A dataset holds {images:,} RGB photos of {side} x {side}, stored as uint8. Give\n"
        "[its MiB as uint8, its MiB after normalize (float32), the MiB of one float32 batch of "
        "{batch}]."
    ),
    compare=each(close(rtol=1e-3, atol=0)),
    hint="numbers per image x images x bytes per number (1 for uint8, 4 for float32); 2**20 bytes",
)

#: This notebook's numbers (the visible ones, or a handout's) and its question texts.
QUIZ = NumbersView(
    {"image": "q_values_in_image", "batch": "q_batch_shape", "uint8_sum": "q_uint8_overflow"}
)
DATASET = NumbersView.of("q_dataset_memory", ["images", "side", "batch"])
QUESTIONS = QuestionsView(
    ["q_values_in_image", "q_batch_shape", "q_uint8_overflow", "q_dataset_memory"]
)

q_brightest_weight = ValueExercise(
    id="q_brightest_weight",
    lesson=LESSON,
    title="Which channel weighs most in BT.601 luma?",
    points=1,
    choices={"a": "red", "b": "green", "c": "blue"},
    answer=lambda: "abc"[int(np.argmax(images.LUMA_WEIGHTS["bt601"]))],
    compare=choice(),
    hint="look at LUMA_WEIGHTS: which weight is largest?",
)

q_bgr_pixel = ValueExercise(
    id="q_bgr_pixel",
    lesson=LESSON,
    title="OpenCV loads a pixel as [255, 0, 0]: what colour is it?",
    points=1,
    choices={"a": "red", "b": "green", "c": "blue"},
    answer=lambda: {(255, 0, 0): "a", (0, 255, 0): "b", (0, 0, 255): "c"}[
        tuple(int(v) for v in images.to_bgr(_pixel(255, 0, 0))[0, 0])
    ],
    compare=choice(),
    hint="OpenCV stores channels in BGR order",
)

EXERCISES = [
    rgb_to_grayscale,
    normalize,
    to_bgr,
    channel_means,
    downscale_2x,
    q_values_in_image,
    q_batch_shape,
    q_uint8_overflow,
    q_brightest_weight,
    q_bgr_pixel,
    q_dataset_memory,
]


# ------------------------------------------------------------------------- section 8: file formats
# Added after the exercises above (and after their EXERCISES list) so that each part can change
# without touching the other.

from .. import formats  # noqa: E402 - this section's own reference code


def _rgba_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in rng.integers(1, 6, size=2))
    image = rng.integers(0, 256, size=(height, width, 4), dtype=np.uint8)
    # fully transparent and fully opaque pixels are where the mistakes show
    image[..., 3] = rng.choice([0, 255, int(rng.integers(1, 255))], size=(height, width))
    background = tuple(int(v) for v in rng.integers(0, 256, size=3))
    return Case((image, background))


flatten_alpha = FunctionExercise(
    id="flatten_alpha",
    lesson=LESSON,
    title="Lay an RGBA image over a background colour",
    points=2,
    reference=formats.flatten_alpha,
    generate=_rgba_case,
    edge_cases=(
        Case((np.array([[[255, 0, 0, 255], [255, 0, 0, 0]]], np.uint8), (255, 255, 255))),
        Case((np.array([[[0, 0, 0, 0], [0, 0, 0, 128]]], np.uint8), (0, 255, 0))),
        Case((np.array([[[200, 100, 50, 51]]], np.uint8), (10, 20, 30))),
    ),
    compare=close(rtol=0, atol=0, dtype="uint8"),
    arg_names=("image", "background"),
)


def plain_pgm_text(rng: np.random.Generator, image: np.ndarray, maxval: int) -> str:
    """A plain PGM of ``image`` laid out at random: the whitespace and comments vary.

    Any whitespace may separate the numbers (spaces, tabs, newlines, several of them),
    rows need not be lines, and ``#`` comments may follow any header token.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> image = np.array([[0, 7], [3, 1]])
    >>> text = plain_pgm_text(rng, image, 7)
    >>> formats.read_plain_pnm(text).tolist()
    [[0, 7], [3, 1]]
    """

    def gap() -> str:
        return "".join(rng.choice([" ", "  ", "\t", "\n"], size=int(rng.integers(1, 3))))

    def comment() -> str:
        return f" # {rng.choice(['made by hand', 'P2 42 not a number', 'width height'])}\n"

    header = ["P2", str(image.shape[1]), str(image.shape[0]), str(maxval)]
    text = ""
    for token in header:
        text += token + (comment() if rng.random() < 0.3 else gap())
    return text + gap().join(str(int(v)) for v in image.ravel()) + "\n"


def _pgm_case(rng: np.random.Generator) -> Case:
    height, width = (int(v) for v in rng.integers(1, 6, size=2))
    maxval = int(rng.choice([1, 15, 255, 4095, 65535]))
    image = rng.integers(0, maxval + 1, size=(height, width))
    return Case((plain_pgm_text(rng, image, maxval),))


read_plain_pgm = FunctionExercise(
    id="read_plain_pgm",
    lesson=LESSON,
    title="Read a plain-text PGM file into an array",
    points=2,
    reference=formats.read_plain_pnm,
    generate=_pgm_case,
    edge_cases=(
        Case(("P2\n3 2\n255\n0 128 255\n255 128 0\n",)),
        Case(("P2 # a comment on the first line\n2 2 16\n0 16 8 4",)),
        Case(("P2\n# made with a text editor\n3\n1\n4095\n4095 0 2048\n",)),
        Case(("P2 1 1 65535 65535\n",)),
    ),
    compare=close(rtol=0, atol=0, dtype="same"),
    arg_names=("text",),
)

#: The numbers of section 8's questions: the visible ones (what the lesson has always shown)
#: and how a student's own are drawn (``cnncourse handout``).
_RGBA_SIDES = [64, 100, 320, 640, 800]


def _draw_rgba(rng) -> dict[str, tuple[int, int]]:
    width = int(rng.choice(_RGBA_SIDES))
    height = int(rng.choice([s for s in _RGBA_SIDES if s != width]))  # a swap must show
    return {"rgba": (width, height)}


def _draw_bits(rng) -> dict[str, int]:
    return {"bits": int(rng.choice([10, 12, 14, 16]))}


def _draw_window(rng) -> dict[str, tuple[int, ...]]:
    hu = rng.permutation([-20, 0, 10, 25, 35, 50, 65, 80, 100])[:3]
    # the brain window of the lesson (center 40 HU, width 80) for everyone: only the pixels vary
    return {"window": (40, 80), "hu": tuple(int(v) for v in hu)}


def _rgba_answer(rgba: tuple[int, int]) -> tuple[int, int, int]:
    width, height = rgba
    return (height, width, 4)


def _raw_white_answer(bits: int) -> list[float]:
    white = 2**bits - 1
    return [white, white / 65535]


def _window_gray_answer(window: tuple[int, int], hu: tuple[int, ...]) -> list[float]:
    return [float(v) for v in formats.window(np.array(hu), *window)]


q_rgba_shape = ValueExercise(
    id="q_rgba_shape",
    lesson=LESSON,
    title="The shape of a PNG with an alpha channel",
    points=1,
    variants=Variants({"rgba": (640, 64)}, _draw_rgba),
    answer=_rgba_answer,
    question=(
        "A PNG of {rgba[0]} x {rgba[1]} pixels (width x height) with an alpha channel is read "
        "with imageio.v3.imread. What is the shape of the array?"
    ),
    compare=exact(),
    hint="(height, width, channels): width comes second, and alpha is a fourth channel",
)

q_raw_white = ValueExercise(
    id="q_raw_white",
    lesson=LESSON,
    title="The white level of a RAW file, and what dividing by 65535 makes of it",
    points=1,
    variants=Variants({"bits": 10}, _draw_bits),
    answer=_raw_white_answer,
    question=(
        "A camera stores {bits}-bit RAW values in uint16. Give [the largest value a pixel can "
        "hold, that value divided by 65535 (what white becomes if you scale by uint16's "
        "range)]."
    ),
    compare=each(close(rtol=1e-3, atol=1e-6)),
    hint="b bits hold 0 .. 2**b - 1",
)

q_window_gray = ValueExercise(
    id="q_window_gray",
    lesson=LESSON,
    title="Gray values of three pixels in a brain window",
    points=1,
    variants=Variants({"window": (40, 80), "hu": (-20, 10, 65)}, _draw_window),
    answer=_window_gray_answer,
    question=(
        "A brain window has center {window[0]} HU and width {window[1]} HU. Give the gray "
        "values in [0, 1] of pixels of {hu[0]} HU, {hu[1]} HU and {hu[2]} HU."
    ),
    compare=each(close(rtol=1e-3, atol=1e-3)),
    hint="(HU - (center - width / 2)) / width, clipped to [0, 1]",
)

#: This notebook's numbers for section 8's questions (the visible ones, or a handout's) and
#: their texts.
FORMATS_QUIZ = NumbersView(
    {"rgba": "q_rgba_shape", "bits": "q_raw_white", "window": "q_window_gray",
     "hu": "q_window_gray"}
)  # fmt: skip
FORMATS_QUESTIONS = QuestionsView(["q_rgba_shape", "q_raw_white", "q_window_gray"])

EXERCISES += [flatten_alpha, read_plain_pgm, q_rgba_shape, q_raw_white, q_window_gray]
__all__ += [
    "FORMATS_QUESTIONS",
    "FORMATS_QUIZ",
    "flatten_alpha",
    "plain_pgm_text",
    "q_raw_white",
    "q_rgba_shape",
    "q_window_gray",
    "read_plain_pgm",
]
