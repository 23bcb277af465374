"""How fast is the NumPy convolution? ``ops.conv2d`` and ``ops.conv2d_naive`` against Keras.

One batch of 32 float32 images of 64x64x3 (fixed seed), 16 filters of 3x3,
padding "same", stride 1. Prints the best time of several repeats of each
implementation and its ratio to ``keras.ops.conv``, and checks that they agree.

Run it with ``python benchmarks/conv_speed.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from _timing import best_time

from cnncourse import ops  # noqa: E402

N, H, W, C, K, F = 32, 64, 64, 3, 16, 3
NAIVE_IMAGES = 4  # the loops are slow: time them on a few images and scale up


def main() -> None:
    import keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, H, W, C)).astype(np.float32)
    kernel = rng.standard_normal((F, F, C, K)).astype(np.float32)
    backend = keras.backend.backend()

    def keras_conv():
        return keras.ops.convert_to_numpy(keras.ops.conv(x, kernel, padding="same"))

    keras_conv()  # warm-up: the first call builds/compiles the operation
    timings = {}
    timings["keras.ops.conv"], reference = best_time(keras_conv)
    timings["ops.conv2d"], ours = best_time(lambda: ops.conv2d(x, kernel, padding="same"))
    naive_time, naive = best_time(
        lambda: ops.conv2d_naive(x[:NAIVE_IMAGES], kernel, padding="same"), repeats=2
    )
    timings[f"ops.conv2d_naive (x{N // NAIVE_IMAGES} from {NAIVE_IMAGES} images)"] = (
        naive_time * N / NAIVE_IMAGES
    )
    results = {"ops.conv2d": ours, "ops.conv2d_naive": naive}
    if backend == "tensorflow":
        import tensorflow as tf

        def tf_conv():
            return tf.nn.conv2d(x, kernel, strides=1, padding="SAME").numpy()

        tf_conv()
        timings["tf.nn.conv2d"], results["tf.nn.conv2d"] = best_time(tf_conv)

    print(
        f"Batch of {N} images {H}x{W}x{C} (float32), {K} filters {F}x{F}, padding 'same', "
        f"stride 1; Keras {keras.__version__} on {backend}, {os.cpu_count()} CPU(s); "
        "best of several runs"
    )
    base = timings["keras.ops.conv"]
    width = max(len(name) for name in timings)
    for name, seconds in timings.items():
        print(f"  {name:<{width}}  {seconds * 1e3:9.2f} ms  {seconds / base:8.2f}x keras.ops.conv")

    for name, result in results.items():
        expected = reference[: len(result)]
        error = float(np.max(np.abs(result - expected)))
        assert result.shape == expected.shape, (name, result.shape, expected.shape)
        assert error < 1e-4, (name, error)
        print(f"  {name} agrees with keras.ops.conv (max abs difference {error:.1e})")


if __name__ == "__main__":
    main()
