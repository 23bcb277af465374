"""The package as a whole: fast lazy import, the command line, the environment line."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cnncourse


def run_python(code):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_cnncourse_loads_no_heavy_dependency():
    out = run_python(
        "import sys, cnncourse\n"
        "heavy = ['tensorflow', 'keras', 'jax', 'torch', 'matplotlib', 'sklearn', 'skimage']\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    assert out == "[]"


def test_exercises_import_without_keras():
    out = run_python(
        "import sys\nfrom cnncourse.exercises import check\n"
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    assert out == "False False"


def test_submodules_load_on_first_use():
    assert cnncourse.images.rgb_to_grayscale is not None
    assert "plot" in dir(cnncourse)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cnncourse.nope  # noqa: B018


def test_version_matches_the_installed_metadata():
    from importlib.metadata import version

    assert cnncourse.__version__ == version("cnncourse")


def test_cnncourse_command_is_installed():
    # the console script sits beside this interpreter (the environment may not be on PATH)
    script = Path(sys.executable).parent / "cnncourse"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("generate", "build", "env"):
        assert command in result.stdout


def test_env_setup_prints_backend_and_device_and_seeds_everything(capsys):
    from cnncourse import env

    info = env.setup(seed=3)
    line = capsys.readouterr().out
    assert info.backend in line and info.keras in line
    assert ("GPU" in line) or ("CPU (no GPU found)" in line)
    first = np.random.rand(3)
    env.setup(seed=3, verbose=False)
    assert np.array_equal(first, np.random.rand(3))


def test_env_reports_the_device_the_backend_computes_on():
    import keras

    from cnncourse import env

    in_use, gpus = env.devices()  # this backend's own function (CI runs each backend)
    if not gpus:  # a CPU-only machine, as CI's
        assert in_use == "CPU"
    assert set(env._DEVICES) == {"tensorflow", "jax", "torch"}
    info = env.setup(seed=0, verbose=False)
    assert (info.in_use, info.gpus) == (in_use, gpus) and info.backend == keras.backend.backend()
    found = env.EnvInfo("3.11", "2", "3", "jax", "0.4", ("GPU NVIDIA H100",), 0, "CPU")
    assert found.device == "CPU (found but not used: GPU NVIDIA H100)"


def test_env_setup_prints_a_gpu_in_use(monkeypatch, capsys):
    import keras

    from cnncourse import env

    fake = {keras.backend.backend(): lambda: ("GPU cuda:0 (NVIDIA H100)", ("NVIDIA H100",))}
    monkeypatch.setattr(env, "_DEVICES", fake)
    assert env.setup(seed=0).in_use == "GPU cuda:0 (NVIDIA H100)"
    assert "| GPU cuda:0 (NVIDIA H100) |" in capsys.readouterr().out
    monkeypatch.setattr(env, "_DEVICES", {keras.backend.backend(): lambda: 1 / 0})
    assert env.devices() == ("CPU", ())  # a broken driver: no accelerator


def test_env_setup_rejects_a_negative_seed():
    from cnncourse import env

    with pytest.raises(ValueError, match="seed must be >= 0"):
        env.setup(seed=-1)


def test_on_jax_keras_draws_new_weights_flat_and_the_numbers_do_not_change():
    import keras

    from cnncourse import env

    if keras.backend.backend() != "jax":  # CI's JAX leg checks the rest
        assert env.jax_flat_random() is None
        return
    import jax

    assert env.jax_flat_random() is True and env.jax_flat_random() is True  # once
    key = jax.random.PRNGKey(7)
    bounds = {"uniform": {"minval": -0.3, "maxval": 0.3}, "normal": {},
              "truncated_normal": {"lower": -2.0, "upper": 2.0}}  # fmt: skip
    for name in env._JAX_DRAWS:
        draw = getattr(jax.random, name)
        assert draw.cnncourse_flat and not getattr(draw.__wrapped__, "cnncourse_flat", False)
        for shape in [(3, 3, 8, 16), (5, 5, 1, 6), (7, 13), (4,), ()]:
            np.testing.assert_array_equal(
                draw(key, shape=shape, **bounds[name]),
                draw.__wrapped__(key, shape=shape, **bounds[name]),
            )
    # a student's own calls, shape by position or left out, go through as JAX takes them
    assert jax.random.uniform(key, (3, 3)).shape == (3, 3)
    assert jax.random.normal(key).shape == ()
    assert jax.random.truncated_normal(key, -1.0, 1.0, (2, 5)).shape == (2, 5)
    # through Keras's public API: the kernels a Conv2D gets, with and without the flat draws
    inits = (keras.initializers.GlorotUniform, keras.initializers.HeNormal)
    flat = [keras.ops.convert_to_numpy(init(seed=3)((3, 3, 8, 16))) for init in inits]
    patched = {name: getattr(jax.random, name) for name in env._JAX_DRAWS}
    try:
        for name, draw in patched.items():
            setattr(jax.random, name, draw.__wrapped__)
        plain = [keras.ops.convert_to_numpy(init(seed=3)((3, 3, 8, 16))) for init in inits]
    finally:
        for name, draw in patched.items():
            setattr(jax.random, name, draw)
    for a, b in zip(flat, plain, strict=True):
        np.testing.assert_array_equal(a, b)
