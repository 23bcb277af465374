"""Do lessons 10 and 11's three models reach their goals, fast, from a fixed seed?

Trains, with the recipes the lesson uses (``recipes.SEGMENTATION_RECIPE``, ``BOX_RECIPE``,
``DETECTOR_RECIPE``), once per seed:

* segmentation: ``models.unet`` on ``data.shapes`` -- goal: mean IoU >= 0.90 over the
  4 pixel classes (background, circle, square, triangle) of 500 held-out images;
* box regression: ``models.box_regressor`` on ``data.shapes`` -- goal: mean IoU >= 0.80
  between predicted and true boxes of 500 held-out images;
* detection: ``models.grid_detector`` on ``data.scenes`` (1 to 3 objects per image) --
  goal: AP@0.5, the mean over the 3 classes, >= 0.60 on 500 held-out scenes;

and each training in at most 20 s. The training data use the seed, the held-out data
seed + 1000. Prints each run's metric and training seconds, then the worst metric and the
slowest training of each model against the goals, with the load average (timings on a
busy machine are slower). Exits with status 1 if a goal is missed.

Run it with ``python benchmarks/structured_outputs.py`` (seeds 0, 1, 2), or for example
``python benchmarks/structured_outputs.py 0 1 2 3 --only detection``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOALS = {"segmentation": 0.90, "boxes": 0.80, "detection": 0.60}
METRIC_NAMES = {
    "segmentation": "mean IoU (4 classes)",
    "boxes": "mean box IoU",
    "detection": "AP@0.5 (mean of 3 classes)",
}
GOAL_SECONDS = 20.0
N_TEST = 500


def segmentation(seed: int) -> tuple[float, float, str]:
    """Train the U-Net from ``seed``: (mean IoU on held-out images, seconds, details)."""
    from cnncourse import data, metrics, models, recipes, train

    r = recipes.SEGMENTATION_RECIPE
    train_set = data.shapes(r["n_train"], **r["data"], seed=seed)
    test_set = data.shapes(N_TEST, **r["data"], seed=seed + 1000)
    train.set_seed(seed)
    model = models.unet(train_set.images.shape[1:], r["num_classes"], **r["model"])
    history = train.fit(model, train_set.images, train_set.masks, verbose=0, **r["fit"])
    pred = train.predict(model, test_set.images).argmax(axis=-1)
    k = r["num_classes"]
    objects = metrics.mean_iou(pred, test_set.masks, k, ignore_background=True)
    details = f"objects only {objects:.4f}, pixel accuracy "
    details += f"{metrics.pixel_accuracy(pred, test_set.masks):.4f}"
    return metrics.mean_iou(pred, test_set.masks, k), history.seconds, details


def boxes(seed: int) -> tuple[float, float, str]:
    """Train the box regressor from ``seed``: (mean box IoU, seconds, details)."""
    import keras

    from cnncourse import data, detection, metrics, models, recipes, train

    r = recipes.BOX_RECIPE
    size = r["data"]["size"]
    train_set = data.shapes(r["n_train"], **r["data"], seed=seed)
    test_set = data.shapes(N_TEST, **r["data"], seed=seed + 1000)
    y = {"class": train_set.labels, "box": detection.encode_boxes(train_set.boxes, size)}
    train.set_seed(seed)
    model = models.box_regressor(train_set.images.shape[1:], r["num_classes"], **r["model"])
    history = train.fit(model, train_set.images, y, verbose=0, **r["fit"])
    # train.predict concatenates arrays, not dicts: call the model itself (one batch)
    outputs = model(test_set.images, training=False)
    out = {k: keras.ops.convert_to_numpy(v) for k, v in outputs.items()}
    found = detection.decode_boxes(out["box"], size)
    ious = metrics.iou(found, test_set.boxes)
    accuracy = float((out["class"].argmax(axis=-1) == test_set.labels).mean())
    details = f"median {np.median(ious):.4f}, class accuracy {accuracy:.4f}"
    return float(ious.mean()), history.seconds, details


def detection_(seed: int) -> tuple[float, float, str]:
    """Train the grid detector from ``seed``: (AP@0.5, seconds, details)."""
    from cnncourse import data, detection, metrics, models, recipes, train

    r = recipes.DETECTOR_RECIPE
    size, grid = r["data"]["size"], r["grid"]
    train_set = data.scenes(r["n_train"], **r["data"], seed=seed)
    test_set = data.scenes(N_TEST, **r["data"], seed=seed + 1000)
    y = detection.encode_grid(train_set.boxes, train_set.labels, size, grid, r["num_classes"])
    train.set_seed(seed)
    model = models.grid_detector(
        train_set.images.shape[1:], r["num_classes"], grid=grid, **r["model"]
    )
    history = train.fit(model, train_set.images, y, verbose=0, **r["fit"])
    found = detection.decode_grid(train.predict(model, test_set.images), size, **r["decode"])
    args = (found.boxes, found.scores, found.labels, test_set.boxes, test_set.labels)
    per_class = metrics.average_precision(*args, per_class=True)
    ap75 = metrics.average_precision(*args, iou_threshold=0.75)
    details = f"per class {np.round(per_class, 3).tolist()}, AP@0.75 {ap75:.3f}"
    return float(np.nanmean(per_class)), history.seconds, details


TASKS = {"segmentation": segmentation, "boxes": boxes, "detection": detection_}


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--only", choices=list(TASKS), action="append", help="repeatable")
    args = parser.parse_args(argv)
    import keras

    print(
        f"Keras {keras.__version__} on {keras.backend.backend()} | {os.cpu_count()} CPU cores | "
        f"load average {load()} (1, 5, 15 min)"
    )
    ok = True
    for name in args.only or list(TASKS):
        results = []
        for seed in args.seeds:
            value, seconds, details = TASKS[name](seed)
            results.append((value, seconds))
            print(
                f"{name:12s} seed {seed}: {METRIC_NAMES[name]} {value:.4f} ({details}), "
                f"training {seconds:.1f} s  (load {load()})",
                flush=True,
            )
        worst = min(v for v, _ in results)
        slowest = max(s for _, s in results)
        passed = worst >= GOALS[name] and slowest <= GOAL_SECONDS
        ok &= passed
        print(
            f"{name:12s} worst {worst:.4f} (goal >= {GOALS[name]:.2f}), slowest "
            f"{slowest:.1f} s (goal <= {GOAL_SECONDS:.0f} s): {'PASS' if passed else 'FAIL'}",
            flush=True,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
