"""env.jax_compilation_cache: JAX's compiled steps kept on disk (each case in a fresh
process, since JAX fixes its cache at its first compilation)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

# slow: each case compiles and trains in a child process on JAX, whatever backend the tests
# run on, so CI's TensorFlow leg runs them once (its JAX and PyTorch legs leave slow tests out)
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed"),
    pytest.mark.slow,
]

SCRIPT = """
import time, numpy as np
from cnncourse import env, models, train
env.setup(seed=0, verbose=False)
import jax
x, y = np.random.default_rng(0).normal(size=(64, 8, 8, 1)), np.arange(64) % 3
timings = []
for _ in range(2):  # the same model twice: the same programs
    model = models.simple_cnn((8, 8, 1), 3, blocks=(4,), dense=())
    start = time.perf_counter()
    train.fit(model, x, y, epochs=1, batch_size=32, verbose=0)
    timings.append(time.perf_counter() - start)
print(jax.config.jax_compilation_cache_dir, timings[0], timings[1])
"""


def run(tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JAX_COMPILATION")}
    environ.update(KERAS_BACKEND="jax", XDG_CACHE_HOME=str(tmp_path / "cache"), **env)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=environ, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    folder, first, second = result.stdout.split()[-3:]
    return folder, float(first), float(second)


def test_compiled_steps_are_kept_and_reused(tmp_path):
    folder, first, second = run(tmp_path)
    assert folder == str(tmp_path / "cache" / "cnncourse" / "jax")
    assert len(os.listdir(folder)) > 0
    # the second model's steps come from the cache: no compilation
    assert second < first
    again = run(tmp_path)  # a new process: everything from the cache
    assert again[1] < first


def test_the_users_own_folder_is_kept(tmp_path):
    mine = tmp_path / "mine"
    folder, _, _ = run(tmp_path, JAX_COMPILATION_CACHE_DIR=str(mine))
    assert folder == str(mine) and len(os.listdir(mine)) > 0
    assert not (tmp_path / "cache" / "cnncourse").exists()


def test_no_cache_where_the_folder_cannot_be_made(tmp_path):
    (tmp_path / "cache").write_text("a file where the cache folder would go")
    folder, _, _ = run(tmp_path)
    assert folder == "None"
