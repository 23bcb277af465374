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

import functools
import math
import operator
import os
import platform
from dataclasses import dataclass

import numpy as np

__all__ = [
    "EnvInfo",
    "devices",
    "jax_compilation_cache",
    "jax_flat_random",
    "setup",
    "torch_threads",
]


@dataclass(frozen=True)
class EnvInfo:
    """What :func:`setup` found: versions, backend, accelerators and the seed.

    ``in_use`` is where the backend puts a new tensor ("CPU", or a GPU such as
    ``"GPU cuda:0 (NVIDIA H100 80GB HBM3)"``); ``gpus`` the accelerators it can see.

    Examples
    --------
    >>> info = EnvInfo("3.11", "2.0", "3.5", "jax", "0.4", (), 0)
    >>> info.device
    'CPU (no GPU found)'
    >>> EnvInfo("3.11", "2.0", "3.5", "torch", "2.1", ("NVIDIA A100",), 0,
    ...         "GPU cuda:0 (NVIDIA A100)").device
    'GPU cuda:0 (NVIDIA A100)'
    """

    python: str
    numpy: str
    keras: str
    backend: str
    backend_version: str
    gpus: tuple[str, ...]
    seed: int
    in_use: str = "CPU"

    @property
    def device(self) -> str:
        """The device in use, and why it is the CPU when it is."""
        if self.in_use != "CPU":
            return self.in_use
        if self.gpus:
            return f"CPU (found but not used: {', '.join(self.gpus)})"
        return "CPU (no GPU found)"

    def __str__(self) -> str:
        return (
            f"Keras {self.keras} on {self.backend} {self.backend_version} | "
            f"Python {self.python} | NumPy {self.numpy} | {self.device} | seed {self.seed}"
        )


def _quiet_backend_logs() -> None:
    """Keep TensorFlow's C++ start-up chatter out of the lesson (must run before import)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# Where does the backend put a new tensor, and which accelerators does it see? One small
# function per backend (each asks its own library), chosen by keras.backend.backend().


def _tensorflow_devices() -> tuple[str, tuple[str, ...]]:
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    names = tuple(
        tf.config.experimental.get_device_details(g).get("device_name") or g.name for g in gpus
    )
    where = keras.ops.convert_to_tensor(0.0).device  # ".../device:GPU:0"
    kind, _, index = where.rpartition("device:")[2].partition(":")
    if kind.upper() == "CPU":
        return "CPU", names
    name = names[int(index)] if index.isdigit() and int(index) < len(names) else ""
    return f"{kind.upper()} {index}" + (f" ({name})" if name else ""), names


def _jax_devices() -> tuple[str, tuple[str, ...]]:
    import jax
    import keras

    names = tuple(
        f"{d.platform.upper()} {d.device_kind}" for d in jax.devices() if d.platform != "cpu"
    )
    (device,) = keras.ops.convert_to_tensor(0.0).devices()
    if device.platform == "cpu":
        return "CPU", names
    return f"{device.platform.upper()} {device.id} ({device.device_kind})", names


def _torch_devices() -> tuple[str, tuple[str, ...]]:
    import keras
    import torch

    names = tuple(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names += ("Apple MPS",)
    device = keras.ops.convert_to_tensor(0.0).device
    if device.type == "cpu":
        return "CPU", names
    if device.type == "cuda":
        return f"GPU {device} ({torch.cuda.get_device_name(device.index or 0)})", names
    return f"GPU {device}", names


def jax_compilation_cache() -> str | None:
    """Keep JAX's compiled training steps on disk; the folder, or None where there is none.

    On JAX, Keras compiles each model's training, test and prediction steps with XLA, once
    per model and batch shape: 1-4 s on a CPU for a lesson's small model, often longer than
    the training itself. The same program (the same model trained with another learning
    rate, the same lesson run again) then compiles again. JAX's persistent compilation
    cache keeps every compiled program in a folder and loads it again in milliseconds:
    ``~/.cache/cnncourse/jax`` (under ``$XDG_CACHE_HOME`` if set), or the folder the user
    has set (``JAX_COMPILATION_CACHE_DIR``), which is left as it is. Only on JAX; a
    folder that cannot be written means no cache. :func:`setup` calls it.

    Examples
    --------
    >>> import keras
    >>> folder = jax_compilation_cache()
    >>> folder is None or keras.backend.backend() == "jax"
    True
    """
    import keras

    if keras.backend.backend() != "jax":
        return None
    import jax

    # the lessons' steps compile in 0.1-4 s: keep them all (JAX's default keeps >= 1 s only),
    # unless the user chose otherwise
    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "cnncourse", "jax")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    jax.config.update("jax_compilation_cache_dir", folder)
    # at most 1 GiB, the entries used longest ago deleted first (a whole course: ~100 MB)
    jax.config.update("jax_compilation_cache_max_size", 2**30)
    return folder


#: The functions of ``jax.random`` that Keras's JAX backend fills new weights with.
_JAX_DRAWS = ("uniform", "normal", "truncated_normal")


def _drawn_flat(draw):
    """``jax.random.<draw>``, drawing a single key's n-d ``shape`` flat and reshaping it.

    Only where that gives the very numbers ``draw`` gives: one key (not a batch of keys),
    ``shape`` passed by name as whole numbers, bounds that are plain numbers (arrays would
    broadcast against the shape); anything else goes to ``draw`` as it is.
    """

    @functools.wraps(draw)
    def flat(key, *args, **kwargs):
        try:
            dims = tuple(operator.index(d) for d in kwargs["shape"])
        except (KeyError, TypeError):  # no shape by name, or one JAX traces
            dims = ()
        plain = all(isinstance(v, (int, float)) for k, v in kwargs.items() if k != "dtype")
        if args or len(dims) < 2 or not plain or getattr(key, "ndim", 2) > 1:
            return draw(key, *args, **kwargs)
        return draw(key, **{**kwargs, "shape": (math.prod(dims),)}).reshape(dims)

    flat.cnncourse_flat = True
    return flat


def jax_flat_random() -> bool | None:
    """On JAX, draw random weights flat and reshape them: the same numbers, compiled in a
    fraction of the time.

    Keras fills every new weight with ``jax.random`` (Glorot uniform, He normal...), one XLA
    compilation per weight shape, and JAX's threefry compiles n-d shapes slowly: on a 2-core
    CPU ``jax.random.uniform(key, shape=(3, 3, 8, 16))`` took 1.3 s to compile, the same
    numbers drawn as a vector of 1,152 and reshaped 0.19 s (normal and truncated normal
    alike; checked bit for bit). Building lesson 5's 4-layer model took 9 s in four
    compilations; the whole lesson from an empty cache 57 s before, 41 s after. So
    :data:`_JAX_DRAWS` of ``jax.random`` (which Keras's JAX backend calls; Keras has no
    public hook for it) draw n-d shapes flat where that gives the same numbers
    (``tests/test_package.py`` checks them against JAX's own). Only on JAX; once.
    :func:`setup` calls it.

    Returns
    -------
    bool or None
        True when ``jax.random`` draws flat (now or already); None off JAX.

    Examples
    --------
    >>> import keras
    >>> flat = jax_flat_random()
    >>> flat is None or keras.backend.backend() == "jax"
    True
    """
    import keras

    if keras.backend.backend() != "jax":
        return None
    import jax

    for name in _JAX_DRAWS:
        draw = getattr(jax.random, name)
        if not getattr(draw, "cnncourse_flat", False):
            setattr(jax.random, name, _drawn_flat(draw))
    return True


def torch_threads() -> int | None:
    """On PyTorch, compute on one CPU thread unless the user chose (``OMP_NUM_THREADS``).

    PyTorch splits each operation over all cores; on the course's small tensors the
    threads spend longer meeting than computing. Measured on a 2-core CPU (quiet): an epoch
    of lesson 5's CNN on 1,024 digits took 0.39 s on 2 threads and 0.22 s on 1; an epoch of
    lesson 10's U-Net 1.8 s and 1.0 s. Two lessons run side by side (CI, a grader) want one
    thread each anyway. The number of threads, or None off PyTorch or where the user set
    ``OMP_NUM_THREADS`` (then PyTorch's own choice stands). :func:`setup` calls it.

    Examples
    --------
    >>> import keras
    >>> threads = torch_threads()
    >>> threads is None or keras.backend.backend() == "torch"
    True
    """
    import keras

    if keras.backend.backend() != "torch" or os.environ.get("OMP_NUM_THREADS"):
        return None
    import torch

    torch.set_num_threads(1)
    return 1


_DEVICES = {
    "tensorflow": _tensorflow_devices,
    "jax": _jax_devices,
    "torch": _torch_devices,
}


def devices() -> tuple[str, tuple[str, ...]]:
    """The device the Keras backend computes on, and the accelerators it can see.

    Asks the backend's own library where ``keras.ops.convert_to_tensor`` puts a new
    tensor: ``"CPU"``, or a GPU by its name (``"GPU cuda:0 (NVIDIA H100 80GB HBM3)"`` on
    PyTorch, ``"GPU 0 (NVIDIA ...)"`` on TensorFlow and JAX; a TPU on JAX). A broken
    driver counts as no accelerator.

    Returns
    -------
    (str, tuple of str)
        The device in use; the names of the accelerators found (empty on a CPU-only
        machine).

    Examples
    --------
    >>> in_use, gpus = devices()
    >>> in_use == "CPU" or in_use.split()[0] in ("GPU", "TPU")
    True
    """
    import keras

    backend = keras.backend.backend()
    if backend not in _DEVICES:
        return "CPU", ()
    try:
        return _DEVICES[backend]()
    except Exception:  # noqa: BLE001 - a broken driver means: no accelerator for us
        return "CPU", ()


def setup(seed: int = 0, verbose: bool = True) -> EnvInfo:
    """Seed everything, apply the course's figure style and print what is used.

    On JAX it also keeps compiled steps on disk (:func:`jax_compilation_cache`) and draws
    new weights in the form that compiles fast (:func:`jax_flat_random`); on PyTorch it
    computes on one CPU thread (:func:`torch_threads`).

    Parameters
    ----------
    seed : int
        Seed for Python's ``random``, NumPy and the Keras backend.
    verbose : bool
        Print one line: Keras and backend versions, Python, NumPy, the device in use
        (see :func:`devices`).

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
    jax_compilation_cache()
    jax_flat_random()
    torch_threads()

    plot.use_style()
    in_use, gpus = devices()
    info = EnvInfo(
        python=platform.python_version(),
        numpy=np.__version__,
        keras=keras.__version__,
        backend=backend,
        backend_version=backend_version,
        gpus=gpus,
        seed=seed,
        in_use=in_use,
    )
    if verbose:
        print(info)
    return info
