""":class:`SceneBatches`, a ``keras.utils.PyDataset`` that serves fresh :func:`scenes`
batch by batch to ``model.fit`` (no ``tf.data``, so every Keras backend works)."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .._validate import integer, one_of
from ..detection import encode_grid
from .multi_object import scenes
from .synthetic import SHAPE_CLASSES

__all__ = ["SCENE_TARGETS", "SceneBatches"]

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
