"""How well and how fast does the NumPy CNN of ``cnncourse.backprop`` learn the digits?

Trains ``backprop.train_tiny_cnn`` (conv 3x3 "same", 8 filters -> ReLU -> 2x2 max
pool -> dense -> softmax; SGD with momentum 0.9, learning rate 0.05, batches of 32)
on scikit-learn's 8x8 digits (1,347 training images) for a few epochs, and prints
its training time and test accuracy (450 images). Then times the two convolution
backward passes, the loops of ``conv2d_backward_naive`` against the im2col
``conv2d_backward``, on a small float64 batch, and checks that they agree.

Run it with ``python benchmarks/numpy_cnn.py``.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from _timing import best_time

from cnncourse import backprop, data, ops  # noqa: E402

EPOCHS = (1, 5, 10)
N, H, W, C, K, F = 8, 16, 16, 3, 8, 3  # the conv-backward batch


def main() -> None:
    (x_train, y_train), (x_test, y_test) = data.digits(size=8)
    print(f"TinyCNN on digits: {len(x_train)} training, {len(x_test)} test images (8x8x1)")
    print(f"{'epochs':>6}  {'steps':>5}  {'train time':>10}  {'final loss':>10}  {'test acc':>8}")
    for epochs in EPOCHS:
        start = time.perf_counter()
        model, losses = backprop.train_tiny_cnn(x_train, y_train, epochs=epochs, seed=0)
        elapsed = time.perf_counter() - start
        accuracy = model.accuracy(x_test, y_test)
        print(
            f"{epochs:>6}  {len(losses):>5}  {elapsed:>9.2f}s  "
            f"{losses[-20:].mean():>10.4f}  {accuracy:>8.1%}"
        )

    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(N, H, W, C)), rng.normal(size=(F, F, C, K))
    print(f"\nconv2d backward, x {x.shape}, kernel {kernel.shape}, float64:")
    for padding, stride in (("same", 1), ("valid", 2)):
        out_shape = ops.conv2d(x, kernel, stride=stride, padding=padding).shape
        dout = rng.normal(size=out_shape)
        args = (dout, x, kernel, stride, padding)
        t_loop, slow = best_time(partial(backprop.conv2d_backward_naive, *args), repeats=3)
        t_vec, fast = best_time(partial(backprop.conv2d_backward, *args), repeats=5)
        agree = all(np.allclose(a, b) for a, b in zip(fast, slow, strict=True))
        print(
            f"  padding={padding!r:8} stride={stride}: loops {t_loop * 1e3:7.2f} ms, "
            f"im2col {t_vec * 1e3:6.2f} ms ({t_loop / t_vec:5.1f}x faster), agree: {agree}"
        )


if __name__ == "__main__":
    main()
