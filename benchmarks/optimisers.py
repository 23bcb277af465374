"""Lesson 7's optimiser comparison, on several seeds: one small CNN on the 8x8 digits, the same
starting weights and batches for each optimiser (at the learning rate the lesson uses), and
the final validation accuracy and training time of each.

    .venv/bin/python benchmarks/optimisers.py [--seeds 0 1 2] [--epochs 8]
"""

from __future__ import annotations

import argparse
import time

import keras

from cnncourse import data, models, train

OPTIMISERS = {
    "SGD, lr 0.1": lambda: keras.optimizers.SGD(learning_rate=0.1),
    "SGD + momentum 0.9, lr 0.01": lambda: keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
    "Adagrad, lr 0.05": lambda: keras.optimizers.Adagrad(learning_rate=0.05),
    "RMSprop, lr 0.001": lambda: keras.optimizers.RMSprop(learning_rate=0.001),
    "Adam, lr 0.001": lambda: keras.optimizers.Adam(learning_rate=0.001),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    (x_train, y_train), _ = data.digits(size=8)
    x_fit, y_fit, x_val, y_val = x_train[:1000], y_train[:1000], x_train[1000:], y_train[1000:]
    print(f"{'optimiser':30s}" + "".join(f"{'seed ' + str(s):>10s}" for s in args.seeds) + "  time")
    rows: dict[str, list[float]] = {name: [] for name in OPTIMISERS}
    seconds: dict[str, float] = dict.fromkeys(OPTIMISERS, 0.0)
    for seed in args.seeds:
        train.set_seed(seed)
        start_weights = models.simple_cnn((8, 8, 1), 10, blocks=(16, 32), dense=(32,))
        weights = start_weights.get_weights()
        for name, make in OPTIMISERS.items():
            model = models.simple_cnn((8, 8, 1), 10, blocks=(16, 32), dense=(32,))
            model.set_weights(weights)
            model.compile(make(), "sparse_categorical_crossentropy", metrics=["accuracy"])
            keras.utils.set_random_seed(seed)  # the same batches for every optimiser
            start = time.perf_counter()
            history = model.fit(
                x_fit,
                y_fit,
                validation_data=(x_val, y_val),
                epochs=args.epochs,
                batch_size=32,
                verbose=0,
            )
            seconds[name] += time.perf_counter() - start
            rows[name].append(history.history["val_accuracy"][-1])
    for name, accuracies in rows.items():
        cells = "".join(f"{a:>10.1%}" for a in accuracies)
        print(f"{name:30s}{cells}  {seconds[name] / len(args.seeds):.1f} s per run")


if __name__ == "__main__":
    main()
