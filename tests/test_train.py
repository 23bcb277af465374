"""Training helpers: seeding, fit (compiling, timing, compact progress) and evaluate."""

import re

import keras
import numpy as np
import pytest

from cnncourse import data, models, train


@pytest.fixture(scope="module")
def digits64():
    (x_train, y_train), (x_test, y_test) = data.digits()
    return x_train[:64], y_train[:64], x_test[:40], y_test[:40]


def tiny_cnn():
    return models.simple_cnn((8, 8, 1), 10, blocks=(4, 8), dense=(16,))


def test_set_seed_makes_models_repeatable():
    train.set_seed(3)
    first = tiny_cnn().get_weights()
    train.set_seed(3)
    again = tiny_cnn().get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    with pytest.raises(ValueError, match="seed must be >= 0"):
        train.set_seed(-1)


@pytest.mark.slow
def test_fit_compiles_an_uncompiled_classifier_and_times_the_epochs(digits64):
    x, y, x_val, y_val = digits64
    model = tiny_cnn()
    history = train.fit(model, x, y, validation_data=(x_val, y_val), epochs=2, verbose=0)
    assert model.loss == "sparse_categorical_crossentropy"
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 2
    assert len(history.epoch_seconds) == 2
    assert history.seconds >= sum(history.epoch_seconds) > 0


@pytest.mark.slow
def test_fit_picks_the_loss_from_the_output_layer_and_the_labels(digits64):
    x, y, _, _ = digits64
    one_hot = np.eye(10)[y]
    model = tiny_cnn()
    train.fit(model, x, one_hot, epochs=1, verbose=0)
    assert model.loss == "categorical_crossentropy"
    segmenter = models.fcn((8, 8, 1), 3, filters=(4,), mode="no_pooling")
    history = train.fit(segmenter, x, (x[..., 0] > 0.5).astype("int64"), epochs=1, verbose=0)
    assert isinstance(segmenter.loss, train.PixelCrossentropy) and "accuracy" in history.history
    binary = models.simple_cnn((8, 8, 1), 2, blocks=(4,), task="binary")
    train.fit(binary, x, (y == 0).astype("float32"), epochs=1, verbose=0)
    assert binary.loss == "binary_crossentropy"
    regression = models.simple_cnn((8, 8, 1), 1, blocks=(4,), task="regression")
    history = train.fit(regression, x, y.astype("float32"), epochs=1, verbose=0)
    assert regression.loss == "mean_squared_error" and "mae" in history.history


@pytest.mark.slow
def test_fit_keeps_a_compiled_model_as_it_is(digits64):
    x, y, _, _ = digits64
    model = tiny_cnn()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = train.fit(model, x, y, epochs=1, verbose=0)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert set(history.history) == {"loss"}
    train.fit(model, x, y, epochs=1, verbose=0, optimizer="adam", learning_rate=0.01)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)


@pytest.mark.slow
def test_fit_builds_the_optimizer_before_training_without_changing_the_run(digits64):
    x, y, _, _ = digits64

    class Seen(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.built = self.model.optimizer.built and len(self.model.optimizer.variables) > 0

    seen = Seen()
    train.set_seed(0)
    model = tiny_cnn()
    start = model.get_weights()
    history = train.fit(model, x, y, epochs=2, verbose=0, metrics=[], callbacks=[seen])
    assert seen.built
    # Keras's own compile and fit from the same weights and seed: the same losses
    again = tiny_cnn()
    again.set_weights(start)
    again.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    train.set_seed(0)
    keras_history = again.fit(x, y, epochs=2, batch_size=32, verbose=0)
    np.testing.assert_allclose(history.history["loss"], keras_history.history["loss"], rtol=1e-5)


@pytest.mark.slow
def test_fit_cosine_schedule_ends_near_zero(digits64):
    x, y, _, _ = digits64
    model = tiny_cnn()
    train.fit(
        model, x, y, epochs=2, batch_size=16, verbose=0, learning_rate=0.01, schedule="cosine"
    )
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.decay_steps == 2 * 4  # 64 images in batches of 16, 2 epochs
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) < 1e-6


@pytest.mark.slow
def test_fit_compact_prints_one_line_per_epoch(digits64, capsys):
    x, y, x_val, y_val = digits64
    train.fit(tiny_cnn(), x, y, validation_data=(x_val, y_val), epochs=2, verbose="compact")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    pattern = (
        r"epoch 2/2  loss \d+\.\d{4}  acc \d\.\d{4}  val_loss \d+\.\d{4}  val_acc \d\.\d{4}"
        r"  \(\d+\.\d s\)"
    )
    assert re.fullmatch(pattern, lines[1]), lines[1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be >= 1"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"verbose": "loud"}, "verbose must be one of 'auto', 'compact', 0, 1, 2"),
        ({"schedule": "step"}, "schedule must be one of None, 'cosine'"),
        ({"learning_rate": -1.0}, "learning_rate must be > 0"),
        ({"validation_data": [1, 2, 3, 4]}, r"validation_data must be a tuple \(x_val, y_val\)"),
        (
            {"optimizer": keras.optimizers.SGD(), "learning_rate": 0.1},
            "learning_rate and schedule can only be combined with an optimizer given by name",
        ),
    ],
)
def test_fit_rejects_bad_arguments(digits64, kwargs, message):
    x, y, _, _ = digits64
    with pytest.raises(ValueError, match=message):
        train.fit(tiny_cnn(), x, y, **kwargs)


def test_fit_asks_for_a_loss_when_it_cannot_guess_one(digits64):
    x, y, _, _ = digits64
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.ReLU()])
    with pytest.raises(ValueError, match="loss: the model is not compiled"):
        train.fit(model, x, y)
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        train.fit("model", x, y)


@pytest.mark.slow
def test_evaluate_returns_accuracy_confusion_and_errors(digits64):
    x, y, x_test, y_test = digits64
    model = tiny_cnn()
    train.fit(model, x, y, epochs=1, verbose=0)
    result = train.evaluate(model, x_test, y_test)
    n = len(y_test)
    assert result.confusion.shape == (10, 10) and result.confusion.dtype == np.int64
    assert result.confusion.sum() == n
    assert np.array_equal(result.confusion.sum(axis=1), np.bincount(y_test, minlength=10))
    assert result.accuracy == pytest.approx(np.trace(result.confusion) / n)
    assert result.accuracy == pytest.approx(np.mean(result.predictions == y_test))
    assert np.array_equal(result.misclassified, np.flatnonzero(result.predictions != y_test))
    assert result.probabilities.shape == (n, 10)
    assert result.loss is not None and result.loss > 0
    assert f"{n - len(result.misclassified)}/{n} correct" in str(result)
    assert result.per_class_accuracy().shape == (10,)


def test_evaluate_uncompiled_one_hot_and_binary_models(digits64):
    x, y, _, _ = digits64
    result = train.evaluate(tiny_cnn(), x, np.eye(10)[y])
    assert result.loss is None and result.confusion.sum() == len(x)
    binary = models.simple_cnn((8, 8, 1), 2, blocks=(4,), task="binary")
    result = train.evaluate(binary, x, (y == 0).astype(int))
    assert result.confusion.shape == (2, 2) and result.probabilities.shape == (len(x), 2)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_evaluate_rejects_labels_that_do_not_match(digits64):
    x, y, _, _ = digits64
    with pytest.raises(ValueError, match=r"y must hold one label per image \(64\)"):
        train.evaluate(tiny_cnn(), x, y[:10])
    with pytest.raises(ValueError, match="y must hold class indices"):
        train.evaluate(tiny_cnn(), x, y - 1.5)


# --------------------------------------------------------------------------- per-pixel loss


def pixel_case():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, size=(2, 4, 5))
    logits = rng.standard_normal((2, 4, 5, 3)).astype("float32")
    y_pred = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return y_true, y_pred


def test_pixel_crossentropy_is_kerass_sparse_crossentropy_with_a_gradient_everywhere():
    from cnncourse import autodiff

    y_true, y_pred = pixel_case()
    ours = train.PixelCrossentropy()
    theirs = keras.losses.SparseCategoricalCrossentropy()
    picked = np.take_along_axis(y_pred, y_true[..., None], axis=-1)
    np.testing.assert_allclose(float(ours(y_true, y_pred)), -np.log(picked).mean(), rtol=1e-5)
    by_keras = float(theirs(y_true, y_pred))
    np.testing.assert_allclose(float(ours(y_true, y_pred)), by_keras, rtol=1e-6)
    logits = np.log(y_pred)
    with_logits = train.PixelCrossentropy(from_logits=True)(y_true, logits)
    np.testing.assert_allclose(float(with_logits), -np.log(picked).mean(), rtol=1e-5)
    # Keras divides p by its sum first: d mean(-log(p_true / sum p)) / d p is 1 / n
    # everywhere, plus -1 / (n p_true) at the true class (n = 40 pixels, sum p = 1)
    (grad,) = autodiff.gradient(lambda p: ours(y_true, p), y_pred)
    expected = np.full_like(y_pred, 1.0 / y_true.size)
    at_true = np.take_along_axis(expected, y_true[..., None], axis=-1)
    np.put_along_axis(expected, y_true[..., None], at_true - 1.0 / (y_true.size * picked), axis=-1)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6)
    config = ours.get_config()
    assert config["from_logits"] is False
    assert type(keras.losses.deserialize(keras.losses.serialize(ours))) is train.PixelCrossentropy
    with pytest.raises(ValueError, match="from_logits must be one of True, False"):
        train.PixelCrossentropy(from_logits="yes")


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="the PyTorch bug only")
def test_kerass_own_pixel_crossentropy_still_fails_to_train_on_torch():
    """Fails once Keras (or PyTorch) fixes it: then PixelCrossentropy can go.

    Keras's torch loss moves the class axis with movedim before nll_loss; PyTorch's CPU
    backward of the 2-D nll_loss rejects the non-contiguous gradient.
    """
    from cnncourse import autodiff

    y_true, y_pred = pixel_case()
    theirs = keras.losses.SparseCategoricalCrossentropy()
    with pytest.raises(RuntimeError, match="grad_input must be contiguous"):
        autodiff.gradient(lambda p: theirs(y_true, p), y_pred)
