"""Lesson 9 - Transfer learning: a network pre-trained on one task, reused on another
with few labels: feature extraction, a classical model on its features, fine-tuning.

The fine-tuning exercise, :data:`fine_tune_and_predict`, is graded like lesson 7's
compile/fit exercise, on what transfer learning is for: the accuracy reached on held-out
images from a handful of labels. Each case draws a few labelled images of each class of
the target task (the jittered digits 5-9 of :func:`cnncourse.transfer.digit_tasks`) and
some of its test images; the student's function sees the labelled images and the test
images *without* their labels, and returns a predicted label for each test image. The
exercise reads the test images' true labels back from the task's images (every jittered
image is distinct), never from a reference's predictions; any method that reaches the
stated accuracy passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._core import Case, FunctionExercise, ValueExercise, choice, each, exact
from ._variants import Variants, numbers
from ._verdict import label_accuracy

__all__ = [
    "EXERCISES",
    "FEW_LABELS",
    "LESSON",
    "PASS_ACCURACY",
    "FewLabelExercise",
    "few_label_accuracy",
    "fine_tune_and_predict",
    "fine_tune_and_predict_reference",
    "freeze_answers",
    "freeze_model",
    "freeze_question",
    "freeze_text",
    "nearest_class_mean",
    "nearest_class_mean_reference",
    "pretrained_base",
    "q_bn_frozen",
    "q_freeze_counts",
    "q_lower_rate",
    "same_integers",
    "take_per_class",
    "take_per_class_reference",
    "target_case",
    "true_labels",
]

LESSON = 9

#: Labelled images per class in each case of :data:`fine_tune_and_predict`.
FEW_LABELS = 20

#: Held-out images in each case of :data:`fine_tune_and_predict`.
N_TEST = 200

#: The held-out accuracy a fine-tuned model must reach to pass :data:`fine_tune_and_predict`.
PASS_ACCURACY = 0.75


# --------------------------------------------------------------------------- comparisons


def same_integers(expected: Any, got: Any) -> str | None:
    """Compare integer arrays exactly (a list is accepted; floats and other shapes are not).

    Examples
    --------
    >>> same_integers(np.array([0, 2]), [0, 2]) is None
    True
    >>> same_integers(np.array([0, 2]), np.array([0.0, 2.0]))
    'expected integers, got float64 values'
    >>> same_integers(np.array([0, 2]), np.array([0, 3]))
    '1 of 2 values differ; first at position 1: expected 2, got 3'
    """
    expected = np.asarray(expected)
    try:
        got_array = np.asarray(got)
    except Exception:  # noqa: BLE001 - anything that is not array-like
        return f"expected an array of integers, got {type(got).__name__}"
    if got_array.size and not np.issubdtype(got_array.dtype, np.integer):
        return f"expected integers, got {got_array.dtype} values"
    if got_array.shape != expected.shape:
        return f"wrong shape: expected {expected.shape}, got {got_array.shape}"
    bad = np.flatnonzero(got_array.ravel() != expected.ravel())
    if bad.size:
        i = int(bad[0])
        return (
            f"{bad.size} of {expected.size} values differ; first at position {i}: "
            f"expected {expected.ravel()[i]}, got {got_array.ravel()[i]}"
        )
    return None


# --------------------------------------------------------------------------- a few labels


def take_per_class_reference(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` images of each class, in increasing order.

    A class with fewer images gives all of them. Applied to shuffled labels, it draws a
    random labelled set with (up to) ``per_class`` images of every class.

    Examples
    --------
    >>> take_per_class_reference(np.array([1, 0, 1, 1, 2, 0]), 2)
    array([0, 1, 2, 4, 5])
    """
    labels = np.asarray(labels)
    keep = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        keep[np.flatnonzero(labels == label)[:per_class]] = True
    return np.flatnonzero(keep)


def _labels_case(rng: np.random.Generator) -> Case:
    n_classes = int(rng.integers(2, 6))
    labels = rng.integers(0, n_classes, size=int(rng.integers(5, 30)))
    return Case((labels, int(rng.integers(1, 6))))


take_per_class = FunctionExercise(
    id="take_per_class",
    lesson=LESSON,
    title="Indices of the first k images of each class",
    points=2,
    reference=take_per_class_reference,
    generate=_labels_case,
    edge_cases=(
        Case((np.array([1, 0, 1, 1, 2, 0]), 2)),
        Case((np.array([3, 3, 3, 7]), 2)),  # class 7 has one image only
        Case((np.array([4, 4, 2, 2, 2]), 1)),  # labels need not start at 0
    ),
    compare=same_integers,
    arg_names=("labels", "per_class"),
)


# --------------------------------------------------------------------------- frozen features


def nearest_class_mean_reference(
    train_features: np.ndarray, train_labels: np.ndarray, test_features: np.ndarray
) -> np.ndarray:
    """The label of the nearest class mean (Euclidean distance) for each test vector.

    Each class is summarised by the mean of its training feature vectors; a test vector
    gets the label of the closest mean.

    Examples
    --------
    >>> train = np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 0.0]])
    >>> nearest_class_mean_reference(train, np.array([4, 4, 7]), np.array([[1.0, 1.0], [8.0, 1.0]]))
    array([4, 7])
    """
    train_features = np.asarray(train_features, dtype=np.float64)
    test_features = np.asarray(test_features, dtype=np.float64)
    train_labels = np.asarray(train_labels)
    classes = np.unique(train_labels)
    means = np.stack([train_features[train_labels == c].mean(axis=0) for c in classes])
    distances = ((test_features[:, None, :] - means[None, :, :]) ** 2).sum(axis=-1)
    return classes[distances.argmin(axis=1)]


def _features_case(rng: np.random.Generator) -> Case:
    n_classes, dim = int(rng.integers(2, 6)), int(rng.integers(2, 12))
    classes = np.sort(rng.choice(10, size=n_classes, replace=False))
    centres = rng.normal(0.0, 2.0, size=(n_classes, dim))
    per_class = rng.integers(1, 5, size=n_classes)
    train_labels = np.repeat(classes, per_class)
    train = np.repeat(centres, per_class, axis=0) + rng.normal(0.0, 1.0, (len(train_labels), dim))
    test = centres[rng.integers(0, n_classes, size=int(rng.integers(1, 9)))]
    test = test + rng.normal(0.0, 1.0, test.shape)
    order = rng.permutation(len(train_labels))  # classes mixed, as in a real training set
    return Case((train[order], train_labels[order], test))


nearest_class_mean = FunctionExercise(
    id="nearest_class_mean",
    lesson=LESSON,
    title="Classify feature vectors by the nearest class mean",
    points=2,
    reference=nearest_class_mean_reference,
    generate=_features_case,
    edge_cases=(
        Case(
            (
                np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 0.0]]),
                np.array([4, 4, 7]),
                np.array([[1.0, 1.0], [8.0, 1.0], [4.0, 1.0]]),
            )
        ),
    ),
    compare=same_integers,
    arg_names=("train_features", "train_labels", "test_features"),
)


# --------------------------------------------------------------------------- fine-tuning

_LABELS_BY_IMAGE: dict[bytes, int] = {}
_TASK: dict[str, np.ndarray] = {}


def _target() -> dict[str, np.ndarray]:
    """The target task of the lesson's recipe: its labelled pool and its test images."""
    if not _TASK:
        from .. import recipes, transfer

        tasks = transfer.digit_tasks(**recipes.TRANSFER_RECIPE["data"])
        _TASK.update(x_pool=tasks.x_pool, y_pool=tasks.y_pool,
                     x_test=tasks.x_test, y_test=tasks.y_test)  # fmt: skip
    return _TASK


def true_labels(x_test: np.ndarray) -> np.ndarray:
    """The true label (0-4, for the digits 5-9) of each image of the lesson's target task.

    Every jittered image of :func:`cnncourse.transfer.digit_tasks` is distinct, so its
    exact float32 pixels name its label.

    Examples
    --------
    >>> case = target_case(np.random.default_rng(0))
    >>> true_labels(case.args[0]).tolist() == case.args[1].tolist()
    True
    """
    if not _LABELS_BY_IMAGE:
        task = _target()
        for x, y in ((task["x_pool"], task["y_pool"]), (task["x_test"], task["y_test"])):
            _LABELS_BY_IMAGE.update(
                {image.tobytes(): int(label) for image, label in zip(x, y, strict=True)}
            )
    x_test = np.ascontiguousarray(x_test, dtype=np.float32)
    try:
        return np.array([_LABELS_BY_IMAGE[image.tobytes()] for image in x_test], dtype=np.int64)
    except KeyError:
        raise ValueError("x_test holds an image that is not one of the target task's") from None


def target_case(rng: np.random.Generator) -> Case:
    """One case of :data:`fine_tune_and_predict`: :data:`FEW_LABELS` labelled images of each
    of the 5 classes, and :data:`N_TEST` test images without their labels.

    Examples
    --------
    >>> case = target_case(np.random.default_rng(0))
    >>> [a.shape for a in case.args]
    [(100, 20, 20, 1), (100,), (200, 20, 20, 1)]
    """
    task = _target()
    order = rng.permutation(len(task["y_pool"]))
    chosen = order[take_per_class_reference(task["y_pool"][order], FEW_LABELS)]
    chosen = chosen[rng.permutation(len(chosen))]
    test = rng.permutation(len(task["y_test"]))[:N_TEST]
    return Case((task["x_pool"][chosen], task["y_pool"][chosen], task["x_test"][test]))


def few_label_accuracy(expected: Any, got: Any) -> str | None:
    """The comparison of :data:`fine_tune_and_predict`: predictions scored against true labels.

    None (passed) when at least :data:`PASS_ACCURACY` of them agree, else why not.

    Examples
    --------
    >>> truth = np.array([0, 1, 2, 3])
    >>> few_label_accuracy(truth, np.array([0, 1, 2, 3])) is None
    True
    >>> few_label_accuracy(truth, np.array([0, 1, 0, 0]))
    'held-out accuracy 50.0% (2 of 4 test images), below the 75% to pass'
    """
    return label_accuracy(expected, got, PASS_ACCURACY)


few_label_accuracy.reveals_expected = False


@dataclass
class FewLabelExercise(FunctionExercise):
    """A function exercise graded on the true labels of held-out images, not on a reference.

    What a case should give is :func:`true_labels` of its third input; ``reference`` is a
    working answer, handed back by the inline check until the student's passes.

    Examples
    --------
    >>> case = fine_tune_and_predict.cases()[0]
    >>> labels = fine_tune_and_predict.expected(case)
    >>> labels.shape, fine_tune_and_predict.compare(labels, labels) is None
    ((200,), True)
    """

    def expected(self, case: Case) -> Any:
        return true_labels(case.args[2])


_BASE: list[Any] = []


def pretrained_base() -> Any:
    """The convolutional base the lesson pre-trains on the source task (digits 0-4), as
    :data:`cnncourse.recipes.TRANSFER_RECIPE` says; trained on first use (a few seconds),
    then kept. The reference of :data:`fine_tune_and_predict` starts from it.

    Examples
    --------
    >>> base = pretrained_base()  # doctest: +SKIP
    >>> base.output_shape  # doctest: +SKIP
    (None, 5, 5, 32)
    """
    if not _BASE:
        from .. import models, recipes, train, transfer

        r = recipes.TRANSFER_RECIPE
        tasks = transfer.digit_tasks(**r["data"])
        train.set_seed(0)
        source = models.simple_cnn(tasks.x_source.shape[1:], 5, **r["model"])
        train.fit(source, tasks.x_source, tasks.y_source, **r["pretrain"])
        _BASE.append(transfer.convolutional_base(source))
    return _BASE[0]


def fine_tune_and_predict_reference(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, base: Any = None
) -> np.ndarray:
    """Fine-tune a copy of a pre-trained base on the few labelled images; predict ``x_test``.

    The recipe's two stages (:data:`cnncourse.recipes.TRANSFER_RECIPE`): a new head, the
    logistic regression of the labels on the frozen base's features; then the top
    convolution unfrozen (its batch normalisation still frozen) and trained with the head
    at a low learning rate. ``base`` defaults to :func:`pretrained_base`.

    Examples
    --------
    >>> case = target_case(np.random.default_rng(0))
    >>> predicted = fine_tune_and_predict_reference(*case.args)  # doctest: +SKIP
    >>> few_label_accuracy(true_labels(case.args[2]), predicted) is None  # doctest: +SKIP
    True
    """
    from .. import recipes, train, transfer

    r = recipes.TRANSFER_RECIPE
    base = pretrained_base() if base is None else base
    features = transfer.extract_features(base, x_train)
    head = transfer.logistic_head(features, y_train, num_classes=5, **r["head"])
    model = transfer.with_head(transfer.copy_model(base), head)
    settings = dict(r["fine_tune"])
    transfer.freeze(model, train_top=settings.pop("train_top"))
    transfer.fit_steps(model, x_train, y_train, **settings)
    return train.predict(model, x_test).argmax(axis=-1).astype(np.int64)


fine_tune_and_predict = FewLabelExercise(
    id="fine_tune_and_predict",
    lesson=LESSON,
    title=f"Fine-tune the pre-trained base on {FEW_LABELS} labels per class; predict new digits",
    points=4,
    reference=fine_tune_and_predict_reference,
    generate=target_case,
    compare=few_label_accuracy,
    n_random=2,
    arg_names=("x_train", "y_train", "x_test"),
)


# --------------------------------------------------------------------------- quiz
# The quiz's numbers: the visible ones (what the lesson has always shown) and how a student's
# own are drawn (cnncourse handout); without a seed the helpers give this notebook's.


def _draw_freeze(rng) -> dict[str, Any]:
    return {
        "channels": int(rng.choice([1, 3])),
        "filters": sorted(int(f) for f in rng.permutation([8, 16, 24, 32, 48, 64])[:3]),
        "side": int(rng.choice([2, 3, 4])),
        "classes": int(rng.integers(3, 11)),
    }


def freeze_question(seed: int | None = None) -> dict[str, Any]:
    """The network of the generated quiz: a base of three 3x3 convolutions without bias,
    each followed by batch normalisation (and ReLU and 2x2 pooling), then a dense head on
    the flattened maps.

    Keys: ``channels`` (of the input), ``filters`` (three ints), ``side`` (of the last
    feature maps), ``classes`` (of the head). Without a ``seed``: this notebook's numbers
    (the visible ones, or a handout's).

    Examples
    --------
    >>> freeze_question()
    {'channels': 1, 'filters': [16, 32, 48], 'side': 4, 'classes': 9}
    >>> q = freeze_question(seed=9)
    >>> sorted(q)
    ['channels', 'classes', 'filters', 'side']
    >>> freeze_question(seed=9) == q
    True
    """
    if seed is None:
        q = numbers("q_freeze_counts")
        return {**q, "filters": list(q["filters"])}
    return _draw_freeze(np.random.default_rng(seed))


def _freeze_text(channels: int, filters: Sequence[int], side: int, classes: int) -> str:
    f1, f2, f3 = filters
    return "\n".join(
        [
            f"A base of three 3x3 convolutions (no bias), of {f1}, {f2} and {f3} filters, on "
            f"{channels}-channel images; each is followed by BatchNormalization, ReLU and "
            f"2x2 max pooling; the last maps are {side} x {side} x {f3}. A new head, "
            f"Flatten -> Dense({classes}, softmax), goes on top.",
            "1. With the whole base frozen, how many parameters are trainable?",
            "2. ... and how many are frozen (non-trainable)?",
            "3. With the top convolution unfrozen for fine-tuning (its batch normalisation "
            "still frozen), how many are trainable?",
        ]
    )


def freeze_text(question: dict[str, Any]) -> str:
    """The three questions of :func:`freeze_question`.

    Examples
    --------
    >>> print(freeze_text(freeze_question(seed=9)).splitlines()[0][:40])
    A base of three 3x3 convolutions (no bia
    """
    return _freeze_text(**question)


def _freeze_answers(channels: int, filters: Sequence[int], side: int, classes: int) -> list[int]:
    depths = [channels, *filters]
    convs = [3 * 3 * d_in * d_out for d_in, d_out in zip(depths, depths[1:], strict=False)]
    batch_norm = [4 * f for f in filters]  # gamma, beta; moving mean, moving variance
    head = (side * side * filters[-1] + 1) * classes
    return [head, sum(convs) + sum(batch_norm), head + convs[-1]]


def freeze_answers(seed: int | None = None) -> list[int]:
    """The answers to :func:`freeze_question`: trainable and frozen with the base frozen,
    trainable with its top convolution unfrozen.

    Examples
    --------
    >>> freeze_answers()
    [6921, 18960, 20745]
    >>> trainable, frozen, fine_tuning = freeze_answers(seed=9)
    >>> fine_tuning > trainable
    True
    """
    return _freeze_answers(**freeze_question(seed))


def freeze_model(question: dict[str, Any]) -> Any:
    """The network of :func:`freeze_question` in Keras, base frozen: a model whose layers
    are ``[input, base, flatten, head]`` (:func:`cnncourse.transfer.with_head`).

    Examples
    --------
    >>> from cnncourse import transfer
    >>> q = freeze_question(seed=9)
    >>> model = freeze_model(q)
    >>> list(transfer.parameter_counts(model)) == freeze_answers(seed=9)[:2]
    True
    """
    import keras

    from .. import transfer

    side, (f1, f2, f3) = question["side"], question["filters"]
    layers: list[Any] = [keras.Input((8 * side, 8 * side, question["channels"]))]
    for i, filters in enumerate((f1, f2, f3), start=1):
        layers += [
            keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}"),
            keras.layers.BatchNormalization(name=f"bn{i}"),
            keras.layers.ReLU(name=f"relu{i}"),
            keras.layers.MaxPooling2D(2, name=f"pool{i}"),
        ]
    base = keras.Sequential(layers, name="base")
    head = transfer.new_head(side * side * f3, question["classes"])
    return transfer.freeze(transfer.with_head(base, head), train_top=1)


q_freeze_counts = ValueExercise(
    id="q_freeze_counts",
    lesson=LESSON,
    title="Trainable and frozen parameters, frozen base and fine-tuning",
    points=3,
    # the lesson's numbers (drawn with seed 9 by an earlier generator)
    variants=Variants(
        {"channels": 1, "filters": [16, 32, 48], "side": 4, "classes": 9}, _draw_freeze
    ),
    answer=_freeze_answers,
    question=_freeze_text,
    compare=each(exact()),
    hint="conv: 3*3*D_in*K (no bias); BN: 4 per channel, 2 of them never trainable; "
    "Dense: (inputs + 1) * classes",
)

q_lower_rate = ValueExercise(
    id="q_lower_rate",
    lesson=LESSON,
    title="Why fine-tune with a lower learning rate?",
    points=1,
    choices={
        "a": "a lower rate makes each training step faster",
        "b": "the pre-trained weights are already good: large steps, driven by the errors of "
        "the new head, would destroy the features they encode, and a few labels over-fit fast",
        "c": "Keras refuses to train a pre-trained layer with the rate it used before",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="what would a large step do to weights that already work?",
)

q_bn_frozen = ValueExercise(
    id="q_bn_frozen",
    lesson=LESSON,
    title="What does a frozen BatchNormalization layer do while fit trains?",
    points=1,
    choices={
        "a": "it normalises with the batch's mean and variance and updates its moving averages",
        "b": "it runs in inference mode: it normalises with its moving mean and variance and "
        "leaves them unchanged",
        "c": "it is skipped: its input passes through unchanged",
    },
    answer=lambda: "b",
    compare=choice(),
    hint="compare its output in training and in inference mode, below",
)

EXERCISES = [
    take_per_class,
    nearest_class_mean,
    fine_tune_and_predict,
    q_freeze_counts,
    q_lower_rate,
    q_bn_frozen,
]
