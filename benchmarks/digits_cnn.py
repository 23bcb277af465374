"""Does the lesson's digits CNN reach 98.5% test accuracy in under 30 s of training?

Trains ``models.digits_cnn()`` with ``recipes.DIGITS_RECIPE`` (the settings the lesson
uses, its augmentation applied outside the model by ``data.AugmentedBatches``) on
scikit-learn's 1,797 handwritten digits, ``data.digits`` with its default split (1,347
training and 450 test images), once per seed, and prints the test accuracy, the number of
errors and the training time of each run, then the worst accuracy and the slowest training
against the goal.

Run it with ``python benchmarks/digits_cnn.py`` (seeds 0, 1, 2) or
``python benchmarks/digits_cnn.py 0 1 2 3 4``; on another backend,
``KERAS_BACKEND=jax python benchmarks/digits_cnn.py``. Exits with status 1 if a run misses
the goal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_ACCURACY = 0.985
GOAL_SECONDS = 30.0


def run(seed: int) -> tuple[float, int, float]:
    """Train from ``seed``; return (test accuracy, test errors, training seconds)."""
    from cnncourse import data, models, recipes, train

    recipe = recipes.DIGITS_RECIPE
    (x_train, y_train), (x_test, y_test) = data.digits(**recipe["data"])
    train.set_seed(seed)
    batches = data.AugmentedBatches(
        x_train,
        y_train,
        recipe["fit"]["batch_size"],
        **recipe["augment"],
        seed=seed,
    )
    model = models.digits_cnn(input_shape=x_train.shape[1:])
    history = train.fit(model, batches, verbose=0, **recipe["fit"])
    result = train.evaluate(model, x_test, y_test)
    return result.accuracy, len(result.misclassified), history.seconds


def main(seeds: list[int]) -> int:
    import keras

    from cnncourse import recipes

    print(
        f"digits_cnn, {recipes.DIGITS_RECIPE} | Keras {keras.__version__} on "
        f"{keras.backend.backend()} | {os.cpu_count()} CPU cores"
    )
    results = []
    for seed in seeds:
        accuracy, errors, seconds = run(seed)
        results.append((accuracy, seconds))
        print(
            f"seed {seed}: test accuracy {accuracy:.2%} ({errors} errors of 450), "
            f"training {seconds:.1f} s"
        )
    worst = min(a for a, _ in results)
    slowest = max(s for _, s in results)
    ok = worst >= GOAL_ACCURACY and slowest <= GOAL_SECONDS
    print(
        f"worst accuracy {worst:.2%} (goal >= {GOAL_ACCURACY:.1%}), slowest training "
        f"{slowest:.1f} s (goal <= {GOAL_SECONDS:.0f} s): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main([int(s) for s in sys.argv[1:]] or [0, 1, 2]))
