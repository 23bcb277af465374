"""The first thing a student sees: every lesson's first code cell, run in a fresh Jupyter
kernel on a plain machine (no TF_CPP_MIN_LOG_LEVEL set), prints no red stderr output.

The backend's start-up chatter is filtered by :mod:`cnncourse._startup`; these tests check
it in a real kernel, where ipykernel forwards what the C++ libraries write to descriptor 2.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cnncourse import _startup

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))


def _plain_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KERAS_"))}
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _first_code_cell(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return next("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _stderr_of_first_cell(path):
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env=_plain_env(), cwd=str(path.parent))
    errors = []

    def hook(msg):
        content = msg["content"]
        if msg["msg_type"] == "stream" and content.get("name") == "stderr":
            errors.append(content["text"])
        elif msg["msg_type"] == "error":
            errors.append("\n".join(content.get("traceback", [])))

    try:
        kc.execute_interactive(_first_code_cell(path), output_hook=hook, timeout=240)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return "".join(errors)


@pytest.mark.slow
def test_no_lesson_shows_red_output_in_its_first_cell():
    with ThreadPoolExecutor(max_workers=2) as pool:
        seen = dict(zip(LESSONS, pool.map(_stderr_of_first_cell, LESSONS), strict=True))
    red = {path.name: text for path, text in seen.items() if text.strip()}
    assert not red, f"stderr in the first cell: {red}"


def test_the_filter_drops_tensorflows_notices_and_keeps_everything_else():
    chatter = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1.0 3141 port.cc:153] oneDNN custom operations are on. You may see ...\n"
        "I0000 00:00:1.0 3163 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\n"
        "To enable the following instructions: AVX2 AVX512F FMA, in other operations, "
        "rebuild TensorFlow with the appropriate compiler flags.\n"
    )
    assert _startup.without_chatter(chatter) == ""
    kept = _startup.without_chatter(chatter + "UserWarning: something real\n")
    assert kept == "UserWarning: something real\n"
    with pytest.raises(ValueError, match="text must be a str"):
        _startup.without_chatter(b"bytes")


def test_a_python_process_importing_the_course_gets_a_clean_stderr():
    code = "from cnncourse import env, models; env.setup(seed=0, verbose=False)"
    run = subprocess.run(
        [sys.executable, "-c", code], env=_plain_env(), capture_output=True, text=True, check=True
    )
    assert run.stderr == ""


def test_real_stderr_output_during_the_import_still_reaches_the_student():
    code = (
        "import os, sys\n"
        "class Noisy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'keras':\n"
        "            os.write(2, b'real problem while importing\\n')\n"
        "        return None\n"
        "sys.meta_path.insert(0, Noisy())\n"
        "from cnncourse import models\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=_plain_env(), capture_output=True, text=True, check=True
    )
    assert run.stderr == "real problem while importing\n"
