"""cnncourse: the helper package behind the CNN course's notebooks.

Submodules are imported lazily, so ``import cnncourse`` is instant and never
imports TensorFlow or Keras; the first Keras call does::

    import cnncourse
    cnncourse.data.sample_image("astronaut")   # imports cnncourse.data now
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._startup import prepare_environment

# Before any backend loads: keep TensorFlow's C++ start-up chatter (oneDNN, CPU features)
# out of the lessons, and PyTorch's OpenMP threads from spinning on a busy machine (see
# cnncourse._startup.BACKEND_ENVIRONMENT). Defaults only: a value the user set stays. The
# lines TensorFlow prints regardless are filtered by cnncourse._startup when a submodule
# first imports Keras.
prepare_environment()

# Submodules that never import Keras (NumPy only, or Keras only inside functions).
_WITHOUT_KERAS = frozenset(
    {
        "backprop",
        "cli",
        "data",
        "features",
        "formats",
        "grading",
        "images",
        "metrics",
        "notebooks",
        "ops",
        "pooling",
        "shapes",
        "transforms",
    }
)

__version__ = "0.1.0"

_SUBMODULES = (
    "autodiff",
    "backprop",
    "cli",
    "data",
    "detection",
    "env",
    "exercises",
    "explain",
    "features",
    "formats",
    "grading",
    "images",
    "layers",
    "metrics",
    "models",
    "notebooks",
    "ops",
    "plot",
    "pooling",
    "recipes",
    "shapes",
    "train",
    "transforms",
    "transfer",
)

__all__ = ["__version__", *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers only
    from . import (  # noqa: F401
        autodiff,
        backprop,
        cli,
        data,
        detection,
        env,
        exercises,
        explain,
        features,
        formats,
        grading,
        images,
        layers,
        metrics,
        models,
        notebooks,
        ops,
        plot,
        pooling,
        recipes,
        shapes,
        train,
        transfer,
        transforms,
    )


def __getattr__(name: str):
    if name in _SUBMODULES:
        if name not in _WITHOUT_KERAS:
            from ._startup import import_backend

            import_backend()
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'cnncourse' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
