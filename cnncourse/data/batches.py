"""Batches for ``model.fit`` as ``keras.utils.PyDataset`` classes (no ``tf.data``, so every
Keras backend works): :class:`SceneBatches` serves fresh :func:`scenes` batch by batch;
:class:`AugmentedBatches` serves a labelled set augmented afresh every epoch, outside the
model."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .._validate import image_batch, integer, one_of
from ..detection import encode_grid
from .augment import shift_and_rotate
from .multi_object import scenes
from .synthetic import SHAPE_CLASSES

__all__ = ["SCENE_TARGETS", "AugmentedBatches", "SceneBatches"]

#: What :class:`SceneBatches` yields as targets ``y``: class ``"masks"`` or the
#: detector ``"grid"`` of :func:`cnncourse.detection.encode_grid`.
SCENE_TARGETS = ("masks", "grid")


class SceneBatches(keras.utils.PyDataset):
    """Batches of fresh :func:`scenes` for ``model.fit``, made on the fly, no ``tf.data``.

    A ``keras.utils.PyDataset``: ``len(batches)`` batches per epoch; batch ``i`` of
    epoch ``e`` is ``scenes(batch_size, seed=...)`` with a seed drawn from
    ``(seed, e, i)``, so every epoch sees new images (unless ``fresh=False``) and the
    same arguments always give the same batches, in any order and any worker.
    Works on every Keras backend (TensorFlow, JAX, PyTorch).

    Its module, ``cnncourse.data.batches``, imports Keras; ``cnncourse.data`` imports
    it only when ``cnncourse.data.SceneBatches`` is first used.

    Parameters
    ----------
    steps : int
        Batches per epoch (>= 1).
    batch_size : int, default=32
    target : {"masks", "grid"}, default="masks"
        ``y`` of each batch: the class ``masks`` (batch, size, size) int64 for
        segmentation, or ``"grid"``: the detector targets of
        :func:`cnncourse.detection.encode_grid` (batch, grid, grid, 5 + 3).
    grid : int, default=4
        Cells per side, for ``target="grid"``.
    seed : int, default=0
    fresh : bool, default=True
        New scenes every epoch; False repeats the first epoch's.
    **scene_options
        Passed on to :func:`scenes` (``size``, ``max_objects``, ``noise``...).
    workers, use_multiprocessing, max_queue_size
        As in ``keras.utils.PyDataset`` (pass them as keywords).

    Examples
    --------
    >>> from cnncourse import data
    >>> batches = data.SceneBatches(steps=10, batch_size=8, size=16)
    >>> x, y = batches[0]
    >>> len(batches), x.shape, y.shape
    (10, (8, 16, 16, 3), (8, 16, 16))

    With :func:`cnncourse.train.fit`, pass ``batch_size=None`` and, for
    ``schedule="cosine"``, ``steps_per_epoch=len(batches)``.
    """

    def __init__(
        self,
        steps: int,
        batch_size: int = 32,
        target: str = "masks",
        grid: int = 4,
        seed: int = 0,
        fresh: bool = True,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
        **scene_options: Any,
    ) -> None:
        super().__init__(
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
        self.steps = integer("steps", steps, minimum=1)
        self.batch_size = integer("batch_size", batch_size, minimum=1)
        self.target = one_of("target", target, SCENE_TARGETS)
        self.grid = integer("grid", grid, minimum=1)
        self.seed = integer("seed", seed, minimum=0)
        self.fresh = one_of("fresh", fresh, (True, False))
        self.scene_options = dict(scene_options)
        for bad in ("n", "seed"):
            if bad in self.scene_options:
                raise ValueError(
                    f"{bad} is set by SceneBatches (batch_size, seed); got {bad}="
                    f"{self.scene_options[bad]!r} in the scene options"
                )
        scenes(1, seed=0, **self.scene_options)  # check the options now
        self.epoch = 0

    def __len__(self) -> int:
        return self.steps

    def batch_seed(self, index: int) -> int:
        """The :func:`scenes` seed of batch ``index`` in the current epoch.

        Examples
        --------
        >>> from cnncourse import data
        >>> batches = data.SceneBatches(steps=2, batch_size=1, size=16)
        >>> batches.batch_seed(0) == batches.batch_seed(0) != batches.batch_seed(1)
        True
        """
        epoch = self.epoch if self.fresh else 0
        state = np.random.SeedSequence([self.seed, epoch, int(index)]).generate_state(1)
        return int(state[0])

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < self.steps:
            raise IndexError(f"batch index {index} out of range 0..{self.steps - 1}")
        data = scenes(self.batch_size, seed=self.batch_seed(index), **self.scene_options)
        if self.target == "masks":
            return data.images, data.masks
        y = encode_grid(
            data.boxes,
            data.labels,
            image_size=data.images.shape[1],
            grid=self.grid,
            num_classes=len(SHAPE_CLASSES),
        )
        return data.images, y

    def on_epoch_end(self) -> None:
        """Count the epochs, so that the next one gets fresh scenes (Keras calls this).

        Examples
        --------
        >>> from cnncourse import data
        >>> batches = data.SceneBatches(steps=1, batch_size=1, size=16)
        >>> batches.on_epoch_end()
        >>> batches.epoch
        1
        """
        self.epoch += 1


class AugmentedBatches(keras.utils.PyDataset):
    """Batches ``(x, y)`` of a labelled set, shifted and rotated afresh every epoch.

    At the start and after every epoch it shuffles the images and draws a new random
    shift and rotation for each (:func:`cnncourse.data.shift_and_rotate`, in NumPy); the
    batches of the epoch are slices of the result. Augmenting the data rather than
    putting Keras's random layers in the model keeps the model compilable on every
    backend (with those layers inside, JAX trains uncompiled, several times slower), and
    the same seed gives the same images on TensorFlow, JAX and PyTorch.

    Parameters
    ----------
    x : array (N, H, W, C)
        Served as float32 if float32, else float64.
    y : array (N, ...)
        Labels, shuffled along with the images.
    batch_size : int, default=32
    shift : float in [0, 1), default=0.0
        Largest shift, as a fraction of the height and of the width.
    rotation : float in [0, 0.5), default=0.0
        Largest rotation, as a fraction of a full turn.
    seed : int, default=0
        Of the shuffling and the augmentation.
    workers, use_multiprocessing, max_queue_size
        As in ``keras.utils.PyDataset`` (pass them as keywords).

    Examples
    --------
    >>> import numpy as np
    >>> from cnncourse import data
    >>> x, y = np.random.rand(10, 8, 8, 1), np.arange(10)
    >>> batches = data.AugmentedBatches(x, y, batch_size=4, shift=0.1, rotation=0.03)
    >>> len(batches), [len(batches[i][1]) for i in range(len(batches))]
    (3, [4, 4, 2])
    >>> sorted(np.concatenate([batches[i][1] for i in range(3)]).tolist()) == list(range(10))
    True

    With :func:`cnncourse.train.fit` (or ``model.fit``), pass the batches as ``x`` and
    no ``y``: ``train.fit(model, batches, epochs=10)``.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        batch_size: int = 32,
        shift: float = 0.0,
        rotation: float = 0.0,
        seed: int = 0,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> None:
        super().__init__(
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
        self.x = image_batch("x", x, ndim=(4,))
        self.y = np.asarray(y)
        if len(self.x) == 0:
            raise ValueError("x must hold at least one image; got none")
        if self.y.ndim == 0 or len(self.y) != len(self.x):
            raise ValueError(
                f"y must hold one label per image ({len(self.x)}); got shape {self.y.shape}"
            )
        self.batch_size = integer("batch_size", batch_size, minimum=1)
        self.shift, self.rotation = shift, rotation
        shift_and_rotate(self.x[:1], shift, rotation, seed=0)  # check them now
        self.rng = np.random.default_rng(integer("seed", seed, minimum=0))
        self.on_epoch_end()

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range 0..{len(self) - 1}")
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x_epoch[batch], self.y_epoch[batch]

    def on_epoch_end(self) -> None:
        """Shuffle and augment the whole set for the next epoch (Keras calls this).

        Examples
        --------
        >>> import numpy as np
        >>> from cnncourse import data
        >>> batches = data.AugmentedBatches(np.zeros((4, 2, 2, 1)), np.arange(4))
        >>> batches.on_epoch_end()
        >>> sorted(batches.y_epoch.tolist())
        [0, 1, 2, 3]
        """
        order = self.rng.permutation(len(self.x))
        x = shift_and_rotate(self.x[order], self.shift, self.rotation, seed=self.rng)
        self.x_epoch, self.y_epoch = x, self.y[order]
