"""Lesson 14's video classifiers and 1-D CNN: accuracy and training time per seed.

Trains, with the recipes the lesson uses (``recipes.VIDEO_RECIPE``, ``SIGNAL_RECIPE``),
once per seed, on the current Keras backend (``KERAS_BACKEND``):

* ``frame_average`` (a per-frame CNN whose answers are averaged over the frames), which
  should stay near chance (1/4): one frame says nothing about the direction of motion and
  an average ignores the order of the frames;
* ``cnn_rnn`` (per-frame CNN + GRU) and ``conv3d_net`` (3-D convolution), which should
  learn the task (the lesson asserts at least :data:`TEMPORAL_GOAL`);
* ``conv1d_net`` on ``data.signals`` (goal :data:`SIGNAL_GOAL`).

The training data use the seed, the held-out data seed + 1000. Prints each run's test
accuracy and training seconds, then the worst of each model against the goals, with the
load average (timings on a busy machine are slower). Exits with status 1 if a goal is
missed.

Run it with ``python benchmarks/video_models.py`` (seeds 0, 1, 2), or for example
``KERAS_BACKEND=jax python benchmarks/video_models.py 0 1 2 3 --only cnn_rnn``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: At most this accuracy for the order-blind model (chance is 0.25).
CHANCE_CEILING = 0.40
#: At least this accuracy for the CNN + GRU and the 3-D convolution.
TEMPORAL_GOAL = 0.80
#: At least this accuracy for the 1-D CNN on the signals.
SIGNAL_GOAL = 0.90
MODELS = ("frame_average", "cnn_rnn", "conv3d_net", "conv1d_net")


def video(name: str, seed: int) -> tuple[float, float]:
    """Train one of the video models from ``seed``: (test accuracy, training seconds)."""
    from cnncourse import data, models, recipes, train

    r = recipes.VIDEO_RECIPE
    train_set = data.moving_shapes(r["n_train"], **r["data"], seed=seed)
    test_set = data.moving_shapes(r["n_test"], **r["data"], seed=seed + 1000)
    train.set_seed(seed)
    model = getattr(models, name)(train_set.clips.shape[1:], r["num_classes"], **r["models"][name])
    history = train.fit(model, train_set.clips, train_set.labels, verbose=0, **r["fit"])
    pred = train.predict(model, test_set.clips).argmax(axis=-1)
    return float(np.mean(pred == test_set.labels)), history.seconds


def signals(seed: int) -> tuple[float, float]:
    """Train the 1-D CNN from ``seed``: (test accuracy, training seconds)."""
    from cnncourse import data, models, recipes, train

    r = recipes.SIGNAL_RECIPE
    train_set = data.signals(r["n_train"], **r["data"], seed=seed)
    test_set = data.signals(r["n_test"], **r["data"], seed=seed + 1000)
    train.set_seed(seed)
    model = models.conv1d_net(train_set.signals.shape[1:], r["num_classes"], **r["model"])
    history = train.fit(model, train_set.signals, train_set.labels, verbose=0, **r["fit"])
    pred = train.predict(model, test_set.signals).argmax(axis=-1)
    return float(np.mean(pred == test_set.labels)), history.seconds


def meets_goal(name: str, accuracy: float) -> bool:
    """Whether one run's accuracy is what the lesson claims for that model."""
    if name == "frame_average":
        return accuracy <= CHANCE_CEILING
    return accuracy >= (SIGNAL_GOAL if name == "conv1d_net" else TEMPORAL_GOAL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--only", choices=MODELS, action="append")
    args = parser.parse_args(argv)
    import keras

    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
    results: dict[str, list[tuple[float, float]]] = {}
    for name in args.only or MODELS:
        for seed in args.seeds:
            run = signals(seed) if name == "conv1d_net" else video(name, seed)
            results.setdefault(name, []).append(run)
            line = f"{name:14s} seed {seed}: test accuracy {run[0]:.3f} in {run[1]:.1f} s"
            print(line, flush=True)
    ok = True
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, runs in results.items():
        accuracies = [a for a, _ in runs]
        good = all(meets_goal(name, a) for a in accuracies)
        ok &= good
        print(
            f"{name:14s} accuracy {min(accuracies):.3f}-{max(accuracies):.3f}, slowest "
            f"{max(s for _, s in runs):.1f} s: {'meets' if good else 'MISSES'} its goal"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
