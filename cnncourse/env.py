"""One call at the top of every lesson: seed everything, apply the figure style, say what
runs where.

This module sits above the figures (:mod:`cnncourse.plot`) and the training helpers
(:mod:`cnncourse.train`): it calls them, nothing below imports it. Seeding itself is
:func:`cnncourse.train.set_seed`.

Examples
--------
>>> from cnncourse import env
>>> info = env.setup(seed=0, verbose=False)
>>> info.seed
0
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import numpy as np

__all__ = ["EnvInfo", "setup"]


@dataclass(frozen=True)
class EnvInfo:
    """What :func:`setup` found: versions, backend, accelerators and the seed.

    Examples
    --------
    >>> info = EnvInfo("3.11", "2.0", "3.5", "jax", "0.4", (), 0)
    >>> info.device
    'CPU (no GPU found)'
    """

    python: str
    numpy: str
    keras: str
    backend: str
    backend_version: str
    gpus: tuple[str, ...]
    seed: int

    @property
    def device(self) -> str:
        return f"GPU ({', '.join(self.gpus)})" if self.gpus else "CPU (no GPU found)"

    def __str__(self) -> str:
        return (
            f"Keras {self.keras} on {self.backend} {self.backend_version} | "
            f"Python {self.python} | NumPy {self.numpy} | {self.device} | seed {self.seed}"
        )


def _quiet_backend_logs() -> None:
    """Keep TensorFlow's C++ start-up chatter out of the lesson (must run before import)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _gpus(backend: str) -> tuple[str, ...]:
    """Names of the accelerators the Keras backend will use (empty on CPU)."""
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return tuple(d.name for d in tf.config.list_physical_devices("GPU"))
        if backend == "jax":
            import jax

            return tuple(str(d) for d in jax.devices() if d.platform in ("gpu", "cuda", "rocm"))
        if backend == "torch":
            import torch

            n = torch.cuda.device_count()
            return tuple(torch.cuda.get_device_name(i) for i in range(n))
    except Exception:  # noqa: BLE001 - a broken driver means: no GPU for us
        return ()
    return ()


def setup(seed: int = 0, verbose: bool = True) -> EnvInfo:
    """Seed everything, apply the course's figure style and print what is used.

    Parameters
    ----------
    seed : int
        Seed for Python's ``random``, NumPy and the Keras backend.
    verbose : bool
        Print one line: Keras and backend versions, Python, NumPy, CPU or GPU.

    Returns
    -------
    EnvInfo

    Examples
    --------
    >>> setup(seed=1, verbose=False).seed
    1
    """
    from . import _validate

    seed = _validate.integer("seed", seed, minimum=0)
    _quiet_backend_logs()
    import keras

    backend = keras.backend.backend()
    try:
        backend_module = __import__({"torch": "torch"}.get(backend, backend))
        backend_version = getattr(backend_module, "__version__", "?")
    except ImportError:  # pragma: no cover - keras would have failed first
        backend_version = "?"
    from . import plot, train

    train.set_seed(seed)

    plot.use_style()
    info = EnvInfo(
        python=platform.python_version(),
        numpy=np.__version__,
        keras=keras.__version__,
        backend=backend,
        backend_version=backend_version,
        gpus=_gpus(backend),
        seed=seed,
    )
    if verbose:
        print(info)
    return info
