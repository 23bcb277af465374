"""cnncourse: the helper package behind the CNN course's notebooks.

Submodules are imported lazily, so ``import cnncourse`` is instant and never
imports TensorFlow or Keras; the first Keras call does::

    import cnncourse
    cnncourse.data.sample_image("astronaut")   # imports cnncourse.data now
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

# Keep TensorFlow's C++ start-up chatter (oneDNN, CPU features) out of the lessons.
# Only a default: set TF_CPP_MIN_LOG_LEVEL yourself to see it again.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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
    )


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'cnncourse' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
