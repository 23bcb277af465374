"""Lesson 9's exercises: few-label sets and the nearest class mean are judged exactly, the
fine-tuning exercise on the true labels of held-out images (never on a reference's output), and
the generated quiz's answers are Keras's own parameter counts."""

import numpy as np
import pytest

from cnncourse import train, transfer
from cnncourse.exercises import ERROR, FAILED, NOT_DONE, PASSED, for_lesson
from cnncourse.exercises import lesson09 as l9

# --------------------------------------------------------------------------- take_per_class


def test_lesson_9_has_three_coding_exercises_and_a_quiz():
    kinds = [e.kind for e in for_lesson(9)]
    assert kinds.count("function") >= 3 and kinds.count("value") >= 2


def test_take_per_class_keeps_the_first_k_of_each_class_in_order():
    labels = np.array([2, 0, 2, 2, 1, 0, 2])
    assert l9.take_per_class_reference(labels, 2).tolist() == [0, 1, 2, 4, 5]
    assert l9.take_per_class_reference(labels, 9).tolist() == list(range(7))
    assert l9.take_per_class_reference(np.array([], dtype=int), 3).tolist() == []


def test_take_per_class_rejects_unsorted_float_and_random_answers():
    def per_class_order(labels, per_class):  # right indices, grouped by class
        return np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)])

    def as_floats(labels, per_class):
        return l9.take_per_class_reference(labels, per_class).astype(float)

    def random_draw(labels, per_class):
        rng = np.random.default_rng(0)
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        return np.sort(np.concatenate([rng.permutation(g)[:per_class] for g in groups]))

    for wrong in (per_class_order, as_floats, random_draw):
        assert l9.take_per_class.grade(wrong).status == FAILED, wrong.__name__
    assert l9.take_per_class.grade(l9.take_per_class_reference).status == PASSED


# --------------------------------------------------------------------------- nearest_class_mean


def test_nearest_class_mean_returns_labels_not_indices_and_means_not_neighbours():
    def index_of_mean(train_features, train_labels, test_features):
        classes = np.unique(train_labels)
        means = np.stack([train_features[train_labels == c].mean(0) for c in classes])
        return ((test_features[:, None] - means[None]) ** 2).sum(-1).argmin(1)

    def nearest_neighbour(train_features, train_labels, test_features):
        d = ((test_features[:, None] - train_features[None]) ** 2).sum(-1)
        return train_labels[d.argmin(1)]

    assert l9.nearest_class_mean.grade(index_of_mean).status == FAILED
    assert l9.nearest_class_mean.grade(nearest_neighbour).status == FAILED
    assert l9.nearest_class_mean.grade(l9.nearest_class_mean_reference).status == PASSED


def test_same_integers_explains_what_differs():
    assert l9.same_integers(np.array([1, 2]), [1, 2]) is None
    assert "expected integers" in l9.same_integers(np.array([1, 2]), np.array([1.0, 2.0]))
    assert "wrong shape" in l9.same_integers(np.array([1, 2]), np.array([1, 2, 3]))
    assert l9.same_integers(np.array([], dtype=int), []) is None


# --------------------------------------------------------------------------- fine-tuning


def test_cases_hold_few_labels_per_class_disjoint_images_and_no_test_labels():
    case = l9.target_case(np.random.default_rng(3))
    x_train, y_train, x_test = case.args
    assert len(case.args) == 3 and not case.kwargs
    assert np.bincount(y_train).tolist() == [l9.FEW_LABELS] * 5
    assert x_test.shape == (l9.N_TEST, 20, 20, 1)
    train_keys = {image.tobytes() for image in x_train}
    assert not any(image.tobytes() in train_keys for image in x_test)
    assert np.array_equal(l9.true_labels(x_train), y_train)


def test_the_truth_is_the_test_images_labels_not_the_references_output():
    tasks = transfer.digit_tasks(copies=1)
    assert np.array_equal(l9.true_labels(tasks.x_test), tasks.y_test)
    case = l9.fine_tune_and_predict.cases(seed=5)[0]
    assert np.array_equal(l9.fine_tune_and_predict.expected(case), l9.true_labels(case.args[2]))
    with pytest.raises(ValueError, match="not one of the target task's"):
        l9.true_labels(np.zeros((1, 20, 20, 1), dtype=np.float32) + 0.123)


def test_few_label_accuracy_passes_at_the_threshold_and_explains_failures():
    truth = np.arange(100) % 5
    right = int(np.ceil(l9.PASS_ACCURACY * 100))
    almost = truth.copy()
    almost[right:] = (almost[right:] + 1) % 5
    assert l9.few_label_accuracy(truth, almost) is None
    almost[right - 1] = (almost[right - 1] + 1) % 5
    assert f"below the {l9.PASS_ACCURACY:.0%} to pass" in l9.few_label_accuracy(truth, almost)
    assert "argmax" in l9.few_label_accuracy(truth, np.eye(5)[truth])


def test_a_constant_answer_fails_a_stub_is_not_done_and_a_crash_is_an_error():
    exercise = l9.fine_tune_and_predict
    result = exercise.grade(lambda x_train, y_train, x_test: np.zeros(len(x_test), dtype=int))
    assert result.status == FAILED and "held-out accuracy" in result.message
    assert exercise.grade(...).status == NOT_DONE

    def crashes(x_train, y_train, x_test):
        return base.predict(x_test)  # noqa: F821 - a student's NameError

    assert exercise.grade(crashes).status == ERROR


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_reference_fine_tuning_passes_on_the_visible_and_secret_seeds(seed):
    assert l9.fine_tune_and_predict.grade(l9.fine_tune_and_predict.reference, seed=seed).passed


@pytest.mark.slow
def test_a_student_answer_using_its_own_base_passes_and_leaves_the_base_untouched():
    base = l9.pretrained_base()
    before = [w.copy() for w in base.get_weights()]

    def fine_tune_and_predict(x_train, y_train, x_test):
        features = transfer.extract_features(base, x_train)
        head = transfer.logistic_head(features, y_train)
        model = transfer.freeze(transfer.with_head(transfer.copy_model(base), head), train_top=3)
        transfer.fit_steps(model, x_train, y_train, steps=30, learning_rate=1e-4)
        return train.predict(model, x_test).argmax(-1)

    assert l9.fine_tune_and_predict.grade(fine_tune_and_predict, seed=11).status == PASSED
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights(), strict=True))


# --------------------------------------------------------------------------- quiz


@pytest.mark.parametrize("seed", range(5))
def test_generated_freeze_answers_are_keras_counts(seed):
    trainable, frozen, fine_tuning = l9.freeze_answers(seed)
    model = l9.freeze_model(l9.freeze_question(seed))
    assert transfer.parameter_counts(model) == (trainable, frozen)
    assert transfer.parameter_counts(transfer.freeze(model, train_top=2))[0] == fine_tuning


def test_the_quiz_accepts_its_answers_and_rejects_a_count_with_batch_norm_trainable():
    trainable, frozen, fine_tuning = l9.freeze_answers()
    assert l9.q_freeze_counts.grade([trainable, frozen, fine_tuning]).status == PASSED
    q = l9.freeze_question()
    with_gamma_beta = 2 * sum(q["filters"])  # counting gamma and beta of the top BN as trainable
    assert l9.q_freeze_counts.grade([trainable, frozen, fine_tuning + with_gamma_beta]).status == (
        FAILED
    )
    assert l9.freeze_question(3) == l9.freeze_question(3) != l9.freeze_question(4)
    assert "2x2 max pooling" in l9.freeze_text(q)


@pytest.mark.parametrize("student", ["s1", "s2", "s3", "s4"])
def test_a_students_own_freeze_numbers_are_answered_with_keras_counts(student):
    """The answer of a handout's numbers (cnncourse handout) is Keras's counts of that network."""
    q = l9.q_freeze_counts
    numbers = q.variants.drawn(bytes(32), student, q.id)
    trainable, frozen, fine_tuning = q.expected(numbers)
    model = l9.freeze_model(numbers)
    assert transfer.parameter_counts(model) == (trainable, frozen)
    assert transfer.parameter_counts(transfer.freeze(model, train_top=2))[0] == fine_tuning
    assert q.text(numbers) == l9.freeze_text(numbers)


def test_the_freeze_quiz_reads_its_numbers_from_the_notebook():
    from cnncourse.exercises import use_variants

    drawn = {"channels": 3, "filters": [8, 24, 64], "side": 2, "classes": 5}
    try:
        use_variants("ann", {"q_freeze_counts": drawn})
        assert l9.freeze_question() == drawn
        assert l9.freeze_answers() == l9.q_freeze_counts.expected(drawn)
        assert l9.q_freeze_counts.grade(l9.freeze_answers()).status == PASSED
        assert "of 8, 24 and 64 filters, on 3-channel images" in l9.q_freeze_counts.text()
    finally:
        use_variants("", {})
    assert l9.freeze_question() == dict(l9.q_freeze_counts.variants.visible)


def test_the_choices_have_one_right_answer_each():
    for exercise in (l9.q_lower_rate, l9.q_bn_frozen):
        assert exercise.grade("b").status == PASSED
        assert exercise.grade("a").status == FAILED
