"""Lesson 7's exercises: the compile/fit exercise is graded on held-out labels (never on a
reference's output), the loss and batch-norm references agree with Keras, and the generated
quiz's answers are Keras's own numbers."""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import data, plot
from cnncourse.exercises import ERROR, FAILED, NOT_DONE, PASSED, for_lesson
from cnncourse.exercises import lesson07 as l7

# --------------------------------------------------------------------------- fit_and_predict


def test_lesson_7_has_three_coding_exercises_and_a_quiz():
    kinds = [e.kind for e in for_lesson(7)]
    assert kinds.count("function") >= 3 and kinds.count("value") >= 2


def test_cases_hold_disjoint_digits_and_no_test_labels():
    case = l7.digits_case(np.random.default_rng(3))
    x_train, y_train, x_test = case.args
    assert len(case.args) == 3 and not case.kwargs
    assert x_train.shape == (l7.N_TRAIN, 8, 8, 1) and x_test.shape == (l7.N_TEST, 8, 8, 1)
    train_keys = {image.tobytes() for image in x_train}
    assert not any(image.tobytes() in train_keys for image in x_test)
    assert np.array_equal(l7.true_labels(x_train), y_train)


def test_the_truth_is_the_test_images_labels_not_the_references_output():
    (_, _), (x_test, y_test) = data.digits(size=8)
    assert np.array_equal(l7.true_labels(x_test), y_test)
    case = l7.fit_and_predict.cases(seed=5)[0]
    assert np.array_equal(l7.fit_and_predict.expected(case), l7.true_labels(case.args[2]))
    with pytest.raises(ValueError, match="not one of the 8x8 digits"):
        l7.true_labels(np.zeros((1, 8, 8, 1), dtype=np.float32) + 0.123)


def test_held_out_accuracy_passes_at_the_threshold_and_explains_failures():
    truth = np.arange(100) % 10
    right = int(np.ceil(l7.PASS_ACCURACY * 100))
    almost = truth.copy()
    almost[right:] = (almost[right:] + 1) % 10
    assert l7.held_out_accuracy(truth, almost) is None
    almost[right - 1] = (almost[right - 1] + 1) % 10
    assert "below the 85% to pass" in l7.held_out_accuracy(truth, almost)
    assert "argmax" in l7.held_out_accuracy(truth, np.eye(10)[truth])
    assert "expected integer labels" in l7.held_out_accuracy(truth, np.array(["a"] * 100))


def test_an_untrained_or_constant_answer_fails_and_a_stub_is_not_done():
    exercise = l7.fit_and_predict
    result = exercise.grade(lambda x_train, y_train, x_test: np.zeros(len(x_test), dtype=int))
    assert result.status == FAILED and "held-out accuracy" in result.message
    assert "expected:" in result.details and "[" not in result.details.split("expected:")[1][:40]
    assert exercise.grade(...).status == NOT_DONE

    def raises(x_train, y_train, x_test):
        raise NotImplementedError

    assert exercise.grade(raises).status == NOT_DONE

    def crashes(x_train, y_train, x_test):
        return y_test_labels  # noqa: F821 - a student's NameError

    assert exercise.grade(crashes).status == ERROR


def test_a_student_model_passes_on_the_visible_and_a_secret_seed():
    def fit_and_predict(x_train, y_train, x_test):
        model = keras.Sequential([
            keras.Input(x_train.shape[1:]),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ])  # fmt: skip
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
        return model.predict(x_test, verbose=0).argmax(-1)

    for seed in (0, 987):
        assert l7.fit_and_predict.grade(fit_and_predict, seed=seed).status == PASSED


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_reference_passes_on_other_seeds(seed):
    assert l7.fit_and_predict.grade(l7.fit_and_predict.reference, seed=seed).status == PASSED


# --------------------------------------------------------------------------- losses, batch norm


def test_sparse_cross_entropy_matches_keras_and_a_naive_one_fails():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(0, 20, size=(6, 7)), rng.integers(0, 7, 6)
    keras_loss = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    assert np.allclose(
        l7.sparse_cross_entropy_reference(logits, labels), keras_loss, rtol=1e-4, atol=1e-4
    )

    def naive(logits, labels):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        return -np.log(p[np.arange(len(p)), labels])

    with np.errstate(all="ignore"):
        assert l7.sparse_cross_entropy.grade(naive).status == FAILED


def test_batch_norm_train_matches_keras_in_training_mode():
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, size=(4, 5, 5, 3)).astype("float32")
    layer = keras.layers.BatchNormalization(
        gamma_initializer=keras.initializers.Constant(1.5),
        beta_initializer=keras.initializers.Constant(-0.5),
    )
    want = keras.ops.convert_to_numpy(layer(x, training=True))
    got = l7.batch_norm_train_reference(x, np.full(3, 1.5), np.full(3, -0.5), layer.epsilon)
    assert np.allclose(got, want, atol=1e-4)

    def over_the_batch_only(x, gamma, beta, epsilon=1e-3):  # per position, not per channel
        return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon) + beta

    assert l7.batch_norm_train.grade(over_the_batch_only).status == FAILED


# --------------------------------------------------------------------------- quiz


@pytest.mark.parametrize("seed", range(6))
def test_generated_training_answers_are_keras_numbers(seed):
    q = l7.training_question(seed)
    steps, rate, scale = l7.training_answers(seed)
    assert q["n"] % q["batch_size"] != 0 and steps * q["batch_size"] >= q["n"]
    assert (steps - 1) * q["batch_size"] < q["n"]
    schedule = keras.optimizers.schedules.ExponentialDecay(
        q["initial_rate"], decay_steps=q["decay_steps"], decay_rate=q["decay_rate"]
    )
    assert np.isclose(float(schedule(q["step"])), rate, rtol=1e-5)
    dropped = keras.layers.Dropout(q["rate"], seed=0)(np.ones((1, 256)), training=True)
    assert np.isclose(float(keras.ops.max(dropped)), scale, rtol=1e-5)
    assert str(q["n"] // 1000) in l7.training_text(q).replace(",", "")


def test_the_quiz_accepts_its_answers_and_rejects_a_step_off():
    steps, rate, scale = l7.training_answers()
    assert l7.q_training_numbers.grade([steps, rate, scale]).status == PASSED
    assert l7.q_training_numbers.grade([steps + 1, rate, scale]).status == FAILED
    assert l7.q_training_numbers.grade([steps, rate * 1.01, scale]).status == FAILED


def test_quiz_questions_are_reproducible_and_differ_by_seed():
    assert l7.training_question(3) == l7.training_question(3)
    assert l7.training_question(3) != l7.training_question(4)


# --------------------------------------------------------------------------- the figure


def test_compare_runs_draws_one_curve_per_run_and_rejects_missing_metrics():
    runs = {"a": {"loss": [2.0, 1.0], "val_accuracy": [0.1, 0.5]},
            "b": {"loss": [2.0, 1.5, 1.2], "val_accuracy": [0.2, 0.3, 0.4]}}  # fmt: skip
    fig = plot.compare_runs(runs, log_loss=True)
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert fig.axes[0].get_yscale() == "log"
    assert list(fig.axes[1].lines[1].get_ydata()) == [0.2, 0.3, 0.4]
    plt.close(fig)
    with pytest.raises(ValueError, match="run 'a' has no 'val_loss'"):
        plot.compare_runs(runs, metrics=("val_loss",))
    with pytest.raises(ValueError, match="non-empty dict"):
        plot.compare_runs({})
