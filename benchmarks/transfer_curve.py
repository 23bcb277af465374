"""Lesson 9's transfer-learning curve: target test accuracy against labels per class, for the
network trained from scratch, feature extraction and fine-tuning, over several seeds.

For each seed: ``recipes.TRANSFER_RECIPE``'s CNN is pre-trained on the source task of
``transfer.digit_tasks`` (jittered digits 0-4) from that seed; then, for each number of labels
per class, a labelled set of the target task (digits 5-9) is drawn from the pool in a random
order of that seed (the sets are nested: more labels add images), and three models are tested on
the target's 225 held-out test digits:

* from scratch: the same network, random weights, trained on the labels only;
* feature extraction: the frozen base, logistic regression on its features;
* fine-tuning: the lesson's reference answer (that head, then the top convolution and the head
  trained at a low learning rate).

Prints one table per seed, then the mean and the worst over the seeds, and the times. The goal:
pre-training beats training from scratch at the two smallest label counts for every seed (exit
status 1 otherwise).

    .venv/bin/python benchmarks/transfer_curve.py [--seeds 0 1 2] [--per-class 2 5 20 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

METHODS = ("from scratch", "feature extraction", "fine-tuning")


def run(seed: int, per_class: list[int]) -> tuple[dict[str, list[float]], dict[str, float]]:
    """One seed: the accuracy of each method at each label count, and the seconds spent."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from cnncourse import models, recipes, train, transfer
    from cnncourse.exercises.lesson09 import (
        fine_tune_and_predict_reference,
        take_per_class_reference,
    )

    r = recipes.TRANSFER_RECIPE
    tasks = transfer.digit_tasks(**r["data"])
    seconds = dict.fromkeys(("pre-training", *METHODS), 0.0)
    train.set_seed(seed)
    start = time.perf_counter()
    source = models.simple_cnn(tasks.x_source.shape[1:], 5, **r["model"])
    train.fit(source, tasks.x_source, tasks.y_source, **r["pretrain"])
    seconds["pre-training"] = time.perf_counter() - start
    base = transfer.freeze(transfer.convolutional_base(source))
    features_test = transfer.extract_features(base, tasks.x_test)
    order = np.random.default_rng(seed).permutation(len(tasks.y_pool))
    curves: dict[str, list[float]] = {name: [] for name in METHODS}
    for k in per_class:
        chosen = order[take_per_class_reference(tasks.y_pool[order], k)]
        x, y = tasks.x_pool[chosen], tasks.y_pool[chosen]

        start = time.perf_counter()
        train.set_seed(seed + 1)
        scratch = models.simple_cnn(tasks.x_source.shape[1:], 5, **r["model"])
        transfer.fit_steps(scratch, x, y, **r["scratch"])
        curves["from scratch"].append(train.evaluate(scratch, tasks.x_test, tasks.y_test).accuracy)
        seconds["from scratch"] += time.perf_counter() - start

        start = time.perf_counter()
        logistic = LogisticRegression(max_iter=2000, **r["head"])
        logistic.fit(transfer.extract_features(base, x), y)
        curves["feature extraction"].append(logistic.score(features_test, tasks.y_test))
        seconds["feature extraction"] += time.perf_counter() - start

        start = time.perf_counter()
        predicted = fine_tune_and_predict_reference(x, y, tasks.x_test, base=base)
        curves["fine-tuning"].append(float((predicted == tasks.y_test).mean()))
        seconds["fine-tuning"] += time.perf_counter() - start
    return curves, seconds


def table(title: str, per_class: list[int], curves: dict[str, list[float]]) -> str:
    lines = [f"{title:20s}" + "".join(f"{k:>8d}" for k in per_class)]
    for name, values in curves.items():
        lines.append(f"  {name:18s}" + "".join(f"{v:8.1%}" for v in values))
    return "\n".join(lines)


def main() -> int:
    import keras
    import numpy as np

    from cnncourse import recipes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--per-class", type=int, nargs="+", default=list(recipes.TRANSFER_RECIPE["per_class"])
    )
    args = parser.parse_args()
    print(
        f"transfer curve, digits 0-4 -> 5-9 | Keras {keras.__version__} on "
        f"{keras.backend.backend()} | {os.cpu_count()} CPU cores | seeds {args.seeds}"
    )
    print("target test accuracy (225 held-out digits 5-9) by labelled images per class:")
    results = {}
    for seed in args.seeds:
        curves, seconds = run(seed, args.per_class)
        results[seed] = curves
        print(table(f"seed {seed}", args.per_class, curves))
        print("  seconds: " + ", ".join(f"{name} {s:.1f}" for name, s in seconds.items()))
    stacked = {name: np.array([results[s][name] for s in args.seeds]) for name in METHODS}
    print(table("mean over seeds", args.per_class, {n: v.mean(0) for n, v in stacked.items()}))
    print(table("worst over seeds", args.per_class, {n: v.min(0) for n, v in stacked.items()}))
    gain = stacked["feature extraction"] - stacked["from scratch"]
    print(f"{'pre-training gain':20s}" + "".join(f"{g:+8.1%}" for g in gain.mean(0)) + "  (mean)")
    print(f"{'':20s}" + "".join(f"{g:+8.1%}" for g in gain.min(0)) + "  (smallest)")
    ok = bool((gain[:, :2] > 0).all())
    print(
        "pre-trained beats from scratch at the two smallest label counts for every seed: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
