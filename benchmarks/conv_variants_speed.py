"""Which convolution is fastest for which kernel size? Five ways to compute the same thing.

One float32 image of 128x128x1 (fixed seed), one filter, padding "valid", stride 1,
kernel sizes 3, 7, 15 and 31. The kernel is rank 1 (the outer product of two
random vectors), so that the separable convolution applies too and every method
computes the same result:

- ``ops.conv2d_naive``: Python loops over the output positions (each window
  multiplied by the kernel in NumPy);
- ``ops.conv2d``: im2col + one matrix product, ``O(F^2)`` per output;
- ``ops.conv2d_fft``: products of spectra, ``O(log(HW))`` per output whatever ``F``;
- ``ops.separable_conv2d``: two 1-D passes, ``O(F)`` per output (rank-1 kernels only);
- ``keras.ops.conv``: the backend's convolution (TensorFlow: oneDNN on CPU).

Prints the best time of several repeats of each (milliseconds) and its ratio to
``keras.ops.conv``, and checks that all agree. The loops of ``conv2d_naive`` run
over ~10,000-16,000 output positions: slow, so they are timed on the full image
but with fewer repeats.

Run it with ``python benchmarks/conv_variants_speed.py``.
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

SIZE = 128
KERNEL_SIZES = (3, 7, 15, 31)
METHODS = ("conv2d_naive", "conv2d", "conv2d_fft", "separable_conv2d", "keras.ops.conv")


def time_methods(image: np.ndarray, f: int, rng: np.random.Generator) -> dict[str, float]:
    """Seconds per method for one F x F rank-1 kernel; checks that the results agree."""
    import keras

    column = rng.standard_normal(f).astype(np.float32)
    row = rng.standard_normal(f).astype(np.float32)
    kernel = np.outer(column, row)  # (F, F), rank 1
    batch, kernel4 = image[None, :, :, None], kernel[:, :, None, None]

    def keras_conv():
        return keras.ops.convert_to_numpy(keras.ops.conv(batch, kernel4, padding="valid"))[
            0, ..., 0
        ]

    calls = {
        "conv2d_naive": lambda: ops.conv2d_naive(image, kernel),
        "conv2d": lambda: ops.conv2d(image, kernel),
        "conv2d_fft": lambda: ops.conv2d_fft(image, kernel),
        "separable_conv2d": lambda: ops.separable_conv2d(image, column, row),
        "keras.ops.conv": keras_conv,
    }
    keras_conv()  # warm-up: the first call builds the operation
    timings, results = {}, {}
    for name, call in calls.items():
        repeats = 3 if name == "conv2d_naive" else 15
        timings[name], results[name] = best_time(call, repeats)
    reference = results["keras.ops.conv"]
    scale = float(np.max(np.abs(reference)))
    for name, result in results.items():
        assert result.shape == reference.shape, (name, result.shape, reference.shape)
        error = float(np.max(np.abs(result - reference))) / scale
        assert error < 1e-4, (name, f, error)
    return timings


def main() -> None:
    import keras

    rng = np.random.default_rng(0)
    image = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
    table = {f: time_methods(image, f, rng) for f in KERNEL_SIZES}

    print(
        f"One {SIZE}x{SIZE}x1 float32 image, one F x F rank-1 filter, padding 'valid', "
        f"stride 1; Keras {keras.__version__} on {keras.backend.backend()}, "
        f"{os.cpu_count()} CPU(s); best of 15 runs (conv2d_naive: of 3)"
    )
    width = max(len(m) for m in METHODS)
    header = "".join(f"{f'F = {f}':>20}" for f in KERNEL_SIZES)
    print(f"\n  {'time in ms (x keras.ops.conv)':<{width}}{header}")
    for method in METHODS:
        seconds = [table[f][method] for f in KERNEL_SIZES]
        ratios = [table[f][method] / table[f]["keras.ops.conv"] for f in KERNEL_SIZES]
        cells = "".join(
            f"{t * 1e3:10.2f} ({r:6.1f}x)" for t, r in zip(seconds, ratios, strict=True)
        )
        print(f"  {method:<{width}}{cells}")
    general = ("conv2d_naive", "conv2d", "conv2d_fft")
    winners = [min(general, key=lambda m, f=f: table[f][m]) for f in KERNEL_SIZES]
    print(
        "\n  fastest general NumPy method (any kernel): "
        + ", ".join(f"F = {f}: {w}" for f, w in zip(KERNEL_SIZES, winners, strict=True))
    )
    print("  all methods agree with keras.ops.conv (max difference < 1e-4 of the largest value)")


if __name__ == "__main__":
    main()
