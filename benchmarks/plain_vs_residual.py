"""The degradation problem, over several seeds: does the deep plain network always train worse
than a shallow plain one, and than the same deep network with identity shortcuts?

Builds, with the settings of ``recipes.DEGRADATION_RECIPE`` (the ones lesson 8 uses), a
shallow plain network and a deep plain one (``models.mini_resnet(..., shortcut="none")``)
and the deep one with identity shortcuts (``models.mini_resnet(...)``), trains each from the
same seed on the same images, and prints, per seed, each network's training loss after
every epoch, its final loss and its training time; then, over the seeds, the smallest ratio
of the deep plain network's final loss to the shallow one's and to the residual one's. The
lesson asserts that both ratios exceed 1 (and the second 2); this says how much room those
claims have.

Run it with ``python benchmarks/plain_vs_residual.py`` (seeds 0 to 4) or
``python benchmarks/plain_vs_residual.py 0 1 2``. Exits with status 1 if a seed breaks an
assertion of the lesson.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: What the lesson asserts: deep plain / shallow plain > 1, deep plain / residual > 2.
LESSON_RATIOS = {"shallow": 1.0, "residual": 2.0}


def run(seed: int) -> dict[str, tuple[list[float], float]]:
    """Train the three networks from ``seed``; per network, the training loss of each epoch
    and the training seconds."""
    from cnncourse import data, models, recipes, train

    recipe = recipes.DEGRADATION_RECIPE
    (x, y), _ = data.digits(**recipe["data"])
    x, y = x[: recipe["n_train"]], y[: recipe["n_train"]]
    results = {}
    for name, settings, shortcut in (
        ("shallow", recipe["shallow_model"], "none"),
        ("plain", recipe["model"], "none"),
        ("residual", recipe["model"], "auto"),
    ):
        train.set_seed(seed)
        model = models.mini_resnet(x.shape[1:], 10, **settings, shortcut=shortcut)
        history = train.fit(model, x, y, verbose=0, **recipe["fit"])
        results[name] = (history.history["loss"], history.seconds)
    return results


def main(seeds: list[int]) -> int:
    import keras

    from cnncourse import models, recipes

    recipe = recipes.DEGRADATION_RECIPE
    depths = {
        key: models.weight_layers(models.mini_resnet((8, 8, 1), 10, **recipe[key]))
        for key in ("shallow_model", "model")
    }
    print(
        f"shallow plain ({depths['shallow_model']} layers with weights) vs deep plain and deep "
        f"residual ({depths['model']}), {recipe} | Keras {keras.__version__} on "
        f"{keras.backend.backend()} | {os.cpu_count()} CPU cores"
    )
    ratios: dict[str, list[float]] = {name: [] for name in LESSON_RATIOS}
    for seed in seeds:
        results = run(seed)
        plain = results["plain"][0][-1]
        print(f"seed {seed}:")
        for name, (losses, seconds) in results.items():
            curve = " ".join(f"{v:.3f}" for v in losses)
            print(f"  {name:8s} training loss per epoch {curve}  ({seconds:.1f} s)")
        for name in LESSON_RATIOS:
            ratios[name].append(plain / results[name][0][-1])
        print(
            f"  final: shallow {results['shallow'][0][-1]:.3f}, plain {plain:.3f}, residual "
            f"{results['residual'][0][-1]:.3f}; plain / shallow {ratios['shallow'][-1]:.2f}, "
            f"plain / residual {ratios['residual'][-1]:.1f}"
        )
    ok = True
    for name, bound in LESSON_RATIOS.items():
        worst = min(ratios[name])
        ok &= worst > bound
        print(
            f"smallest ratio of the deep plain network's final loss to the {name} one's: "
            f"{worst:.2f} (the lesson asserts > {bound:g}: {'PASS' if worst > bound else 'FAIL'})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main([int(s) for s in sys.argv[1:]] or [0, 1, 2, 3, 4]))
