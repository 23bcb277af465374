"""Lesson 7 - Training in Keras: compile and fit written by hand, losses, optimisers,
learning rates, batch size, early stopping, augmentation, batch norm and dropout.

The compile/fit exercise, :data:`fit_and_predict`, is graded on what a trained model is
for: its accuracy on held-out images. Each case is a random draw of training and test
images from scikit-learn's 1,797 8x8 digits; the student's function sees the training
images with their labels and the test images *without* theirs, and returns a predicted
label for each test image. The grade compares those predictions with the test images'
true labels, which the exercise (not the student's function, nor the reference) reads
back from the digits set: every one of its 1,797 images is distinct, so an image names
its label. No model is compared with another; any model that reaches the stated accuracy
passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._core import Case, FunctionExercise, ValueExercise, choice, close, each
from ._variants import Variants, numbers
from ._verdict import label_accuracy

__all__ = [
    "EXERCISES",
    "LESSON",
    "PASS_ACCURACY",
    "HeldOutAccuracyExercise",
    "batch_norm_train",
    "batch_norm_train_reference",
    "digits_case",
    "fit_and_predict",
    "fit_and_predict_reference",
    "held_out_accuracy",
    "q_no_flips",
    "q_training_numbers",
    "sparse_cross_entropy",
    "sparse_cross_entropy_reference",
    "true_labels",
    "training_answers",
    "training_question",
    "training_text",
]

LESSON = 7

#: The held-out accuracy a trained model must reach to pass :data:`fit_and_predict`.
PASS_ACCURACY = 0.85

#: Images of each case of :data:`fit_and_predict`: training, then held-out test.
N_TRAIN, N_TEST = 500, 200


# --------------------------------------------------------------------------- compile and fit


_LABELS_BY_IMAGE: dict[bytes, int] = {}


def _digit_pool() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 8x8 digits (float32, (N, 8, 8, 1), values in [0, 1]) and their labels."""
    from .. import data

    (x_train, y_train), (x_test, y_test) = data.digits(size=8)
    return np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])


def true_labels(x_test: np.ndarray) -> np.ndarray:
    """The true label of each image of ``x_test``, read back from the 8x8 digits set.

    The images of scikit-learn's digits are all distinct, so each image (its exact
    float32 pixels, as :func:`cnncourse.data.digits` gives them at ``size=8``) names
    its label.

    Examples
    --------
    >>> from cnncourse import data
    >>> (_, _), (x_test, y_test) = data.digits(size=8)
    >>> bool((true_labels(x_test[:20]) == y_test[:20]).all())
    True
    """
    if not _LABELS_BY_IMAGE:
        images, labels = _digit_pool()
        _LABELS_BY_IMAGE.update(
            {image.tobytes(): int(label) for image, label in zip(images, labels, strict=True)}
        )
    x_test = np.ascontiguousarray(x_test, dtype=np.float32)
    try:
        return np.array([_LABELS_BY_IMAGE[image.tobytes()] for image in x_test], dtype=np.int64)
    except KeyError:
        raise ValueError("x_test holds an image that is not one of the 8x8 digits") from None


def digits_case(rng: np.random.Generator) -> Case:
    """One case of :data:`fit_and_predict`: 500 training digits with labels, 200 others.

    Examples
    --------
    >>> case = digits_case(np.random.default_rng(0))
    >>> [a.shape for a in case.args]
    [(500, 8, 8, 1), (500,), (200, 8, 8, 1)]
    """
    images, labels = _digit_pool()
    order = rng.permutation(len(images))
    train, test = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_TEST]
    return Case((images[train], labels[train], images[test]))


def held_out_accuracy(expected: Any, got: Any) -> str | None:
    """The comparison of :data:`fit_and_predict`: predictions scored against true labels.

    ``expected`` holds the true labels of the held-out images; ``got`` the predicted
    ones. None (passed) when at least :data:`PASS_ACCURACY` of them agree, else why not.

    Examples
    --------
    >>> truth = np.array([0, 1, 2, 3])
    >>> held_out_accuracy(truth, np.array([0, 1, 2, 3])) is None
    True
    >>> held_out_accuracy(truth, np.array([0, 1, 2, 0]))
    'held-out accuracy 75.0% (3 of 4 test images), below the 85% to pass'
    >>> held_out_accuracy(truth, np.ones((4, 10)))
    'expected one integer label per test image, shape (4,); got shape (4, 10) (take argmax(axis=-1) of the probabilities)'
    """  # noqa: E501 - a doctest line
    return label_accuracy(expected, got, PASS_ACCURACY)


held_out_accuracy.reveals_expected = False


@dataclass
class HeldOutAccuracyExercise(FunctionExercise):
    """A function exercise graded on held-out labels rather than on a reference's output.

    What a case should give is the true labels of its test images (:func:`true_labels`
    of its third input), not what ``reference`` returns; ``reference`` is a working
    answer, handed back by the inline check until the student's passes.

    Examples
    --------
    >>> case = fit_and_predict.cases()[0]
    >>> labels = fit_and_predict.expected(case)
    >>> labels.shape, fit_and_predict.compare(labels, labels) is None
    ((200,), True)
    """

    def expected(self, case: Case) -> Any:
        return true_labels(case.args[2])


def fit_and_predict_reference(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray
) -> np.ndarray:
    """Build, compile and fit a small CNN on ``(x_train, y_train)``; predict ``x_test``.

    One 3x3 convolution of 16 filters with ReLU, 2x2 max pooling, a softmax layer;
    Adam at 0.01, sparse categorical cross-entropy, 10 epochs of batches of 32.

    Returns
    -------
    ndarray of shape (len(x_test),), int64
        The predicted class of each test image.

    Examples
    --------
    >>> case = digits_case(np.random.default_rng(0))
    >>> predicted = fit_and_predict_reference(*case.args)
    >>> predicted.shape, held_out_accuracy(true_labels(case.args[2]), predicted) is None
    ((200,), True)
    """
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(x_train.shape[1:]),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, epochs=10, batch_size=32, verbose=0)
    return model.predict(x_test, verbose=0).argmax(axis=-1).astype(np.int64)


fit_and_predict = HeldOutAccuracyExercise(
    id="fit_and_predict",
    lesson=LESSON,
    title="Compile and fit a classifier; predict held-out digits",
    points=4,
    reference=fit_and_predict_reference,
    generate=digits_case,
    compare=held_out_accuracy,
    n_random=2,
    arg_names=("x_train", "y_train", "x_test"),
)


# --------------------------------------------------------------------------- losses


def sparse_cross_entropy_reference(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cross-entropy of each row of ``logits`` (scores before softmax) with its label.

    ``-log softmax(z)[y] = logsumexp(z) - z[y]``, with the row's maximum taken out of the
    exponentials so that no logit overflows; the same as Keras's
    ``sparse_categorical_crossentropy(labels, logits, from_logits=True)``.

    Examples
    --------
    >>> sparse_cross_entropy_reference(np.array([[0.0, 0.0], [1000.0, 0.0]]), np.array([1, 1]))
    array([6.93147181e-01, 1.00000000e+03])
    """
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(axis=-1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(logits - top).sum(axis=-1))
    return log_sum - logits[np.arange(len(logits)), np.asarray(labels)]


def _cross_entropy_case(rng: np.random.Generator) -> Case:
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 11))
    scale = float(rng.choice([1.0, 5.0, 300.0]))  # large logits: a naive exp overflows
    return Case((rng.normal(0.0, scale, size=(n, k)), rng.integers(0, k, size=n)))


sparse_cross_entropy = FunctionExercise(
    id="sparse_cross_entropy",
    lesson=LESSON,
    title="Sparse categorical cross-entropy from logits, by hand",
    points=2,
    reference=sparse_cross_entropy_reference,
    generate=_cross_entropy_case,
    edge_cases=(
        Case((np.array([[0.0, 0.0, 0.0]]), np.array([2]))),
        Case((np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))),
    ),
    compare=close(rtol=1e-6, atol=1e-9),
    arg_names=("logits", "labels"),
)


# --------------------------------------------------------------------------- batch norm


def batch_norm_train_reference(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-3
) -> np.ndarray:
    """Batch normalisation in training mode of a batch of feature maps ``(N, H, W, C)``.

    Each channel is standardised with its mean and variance over the batch and both
    spatial axes (N, H and W), then scaled by ``gamma`` and shifted by ``beta`` (one
    each per channel); what ``keras.layers.BatchNormalization(epsilon=epsilon)`` does
    when called with ``training=True``.

    Examples
    --------
    >>> x = np.array([1.0, 3.0]).reshape(2, 1, 1, 1)
    >>> batch_norm_train_reference(x, np.ones(1), np.zeros(1), epsilon=0.0).ravel()
    array([-1.,  1.])
    """
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta


def _batch_norm_case(rng: np.random.Generator) -> Case:
    n, h, w, c = (int(v) for v in rng.integers(1, 5, size=4))
    n = max(n, 2)
    x = rng.normal(rng.normal(0, 3, size=c), rng.uniform(0.5, 4, size=c), size=(n, h, w, c))
    gamma, beta = rng.uniform(0.5, 2.0, size=c), rng.normal(0.0, 1.0, size=c)
    return Case((x, gamma, beta), {"epsilon": float(rng.choice([1e-3, 1e-5]))})


batch_norm_train = FunctionExercise(
    id="batch_norm_train",
    lesson=LESSON,
    title="Batch normalisation in training mode, per channel over N, H and W",
    points=2,
    reference=batch_norm_train_reference,
    generate=_batch_norm_case,
    edge_cases=(
        Case((np.array([1.0, 3.0]).reshape(2, 1, 1, 1), np.ones(1), np.zeros(1))),
        Case((np.arange(24.0).reshape(2, 3, 2, 2), np.array([1.0, 2.0]), np.array([0.0, -1.0]))),
    ),
    compare=close(rtol=1e-6, atol=1e-9),
    arg_names=("x", "gamma", "beta"),
)


# --------------------------------------------------------------------------- quiz


def training_question(seed: int | None = None) -> dict[str, Any]:
    """The numbers of the generated quiz: a data set, a schedule, a dropout rate.

    Keys: ``n`` (training images), ``batch_size``; ``initial_rate``, ``decay_rate``,
    ``decay_steps``, ``step`` (an ``ExponentialDecay`` schedule and a step count);
    ``rate`` (a dropout rate). Without a ``seed``: this notebook's numbers (the visible
    ones, or a handout's).

    Examples
    --------
    >>> q = training_question(seed=7)
    >>> sorted(q)
    ['batch_size', 'decay_rate', 'decay_steps', 'initial_rate', 'n', 'rate', 'step']
    >>> training_question() == q
    True
    """
    if seed is None:
        return numbers("q_training_numbers")
    return _draw_training_question(np.random.default_rng(seed))


def _draw_training_question(rng) -> dict[str, Any]:
    batch_size = int(rng.choice([16, 32, 64, 100, 128, 256]))
    n = int(rng.integers(5, 600)) * 100 + int(rng.integers(1, batch_size))  # never a multiple
    decay_steps = int(rng.choice([100, 250, 500, 1000]))
    return {
        "n": n,
        "batch_size": batch_size,
        "initial_rate": float(rng.choice([0.1, 0.05, 0.01, 0.001])),
        "decay_rate": float(rng.choice([0.5, 0.8, 0.9, 0.96])),
        "decay_steps": decay_steps,
        "step": decay_steps * int(rng.integers(2, 6)) + int(rng.integers(1, decay_steps)),
        "rate": float(rng.choice([0.1, 0.2, 0.25, 0.4, 0.5, 0.6])),
    }


def training_text(question: dict[str, Any]) -> str:
    """The three questions of :func:`training_question`, one per line.

    Examples
    --------
    >>> print(training_text(training_question(seed=7)).split(":")[0])
    1. Training on 37,775 images with batches of 256
    """
    q = question
    return "\n".join(
        [
            f"1. Training on {q['n']:,} images with batches of {q['batch_size']}: how many "
            "steps (weight updates) does one epoch take?",
            f"2. ExponentialDecay(initial_learning_rate={q['initial_rate']:g}, "
            f"decay_steps={q['decay_steps']}, decay_rate={q['decay_rate']:g}) (not staircase): "
            f"the learning rate after {q['step']:,} steps?",
            f"3. keras.layers.Dropout({q['rate']:g}) in training: by what factor are the "
            "units it keeps multiplied?",
        ]
    )


def training_answers(seed: int | None = None) -> list[float]:
    """The answers of :func:`training_question`: steps per epoch, learning rate, scale.

    Examples
    --------
    >>> steps, rate, scale = training_answers(seed=7)
    >>> q = training_question(seed=7)
    >>> steps == -(-q["n"] // q["batch_size"]), round(scale * (1 - q["rate"]), 9)
    (True, 1.0)
    """
    return _training_answers(**training_question(seed))


def _training_answers(**q: Any) -> list[float]:
    steps = math.ceil(q["n"] / q["batch_size"])
    rate = q["initial_rate"] * q["decay_rate"] ** (q["step"] / q["decay_steps"])
    return [steps, rate, 1.0 / (1.0 - q["rate"])]


q_training_numbers = ValueExercise(
    id="q_training_numbers",
    lesson=LESSON,
    title="Steps per epoch, a decayed learning rate, the inverted-dropout scale",
    points=3,
    variants=Variants(_draw_training_question(np.random.default_rng(7)), _draw_training_question),
    answer=_training_answers,
    question=lambda **q: training_text(q),
    compare=each(close(rtol=1e-4, atol=1e-12)),
    hint="ceil(n / batch); lr0 * rate ** (step / decay_steps); 1 / (1 - rate)",
)

q_no_flips = ValueExercise(
    id="q_no_flips",
    lesson=LESSON,
    title="Why does the digits augmentation leave out flips?",
    points=1,
    choices={
        "a": "flips are too expensive to compute on every batch",
        "b": "a mirrored digit is not a digit of the same class (or of any class), so the "
        "label would no longer be true",
        "c": "Keras cannot flip grayscale images",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="look at the flipped digits: would you still give them their labels?",
)

EXERCISES = [
    fit_and_predict,
    sparse_cross_entropy,
    batch_norm_train,
    q_training_numbers,
    q_no_flips,
]
