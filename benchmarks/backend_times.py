"""How long does each notebook take on each Keras backend? Side by side, against the budget.

Runs every notebook of ``lessons/`` and ``solutions/`` (found by glob, so new lessons are
included; or the notebooks named on the command line) the way the tests do, ``pytest
--nbval-lax`` in a fresh process, once per backend with ``KERAS_BACKEND`` set, and prints
per notebook and backend the wall-clock seconds, the CPU seconds of the run (pytest and
its notebook kernel, user + system) and whether it passed. On JAX each run starts with an
empty compilation cache: the time of a first run. The goal: every notebook passes
in under 60 s on a 2-core CPU on every backend.

On a machine shared with other work the wall-clock time grows with the load while the CPU
time hardly does (as long as no thread spins while it waits: see
``cnncourse._startup.BACKEND_ENVIRONMENT``), so both are printed, and the load average
before and after. A backend whose library is not installed is skipped with a note.

Run it from the repository root::

    python benchmarks/backend_times.py                       # all notebooks, 3 backends
    python benchmarks/backend_times.py solutions/05_*.ipynb  # some notebooks
    python benchmarks/backend_times.py --backends jax torch  # some backends

Exits with status 1 if a notebook failed or took over the budget (wall-clock) anywhere.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 60.0
BACKENDS = ("tensorflow", "jax", "torch")


def run(notebook: str, backend: str) -> tuple[float, float, bool, str]:
    """Run one notebook under nbval on ``backend``: (wall s, CPU s, passed, last output)."""
    with tempfile.TemporaryDirectory(prefix="jax-cache-") as cache:
        # JAX's compilation cache starts empty: the time of a first run (cnncourse.env)
        env = dict(os.environ, KERAS_BACKEND=backend, JAX_COMPILATION_CACHE_DIR=cache)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax"]
            + [notebook],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-6:])
    return wall, cpu, result.returncode == 0, tail


def installed(backend: str) -> bool:
    return importlib.util.find_spec(backend) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: lessons/*.ipynb solutions/*.ipynb")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(
        glob.glob("lessons/*.ipynb", root_dir=ROOT) + glob.glob("solutions/*.ipynb", root_dir=ROOT)
    )
    backends = [b for b in args.backends if installed(b)]
    for b in sorted(set(args.backends) - set(backends)):
        print(f"note: {b} is not installed here; skipped")
    print(f"{os.cpu_count()} CPU cores, load average before: {os.getloadavg()[0]:.1f}")
    header = "".join(f"{b:>24s}" for b in backends)
    print(f"{'notebook':40s}{header}")
    print(f"{'':40s}" + "".join(f"{'wall s   CPU s':>24s}" for _ in backends))
    totals = {b: [0.0, 0.0] for b in backends}
    bad = []
    for notebook in notebooks:
        cells = []
        for backend in backends:
            wall, cpu, passed, tail = run(notebook, backend)
            totals[backend][0] += wall
            totals[backend][1] += cpu
            flag = "" if passed and wall <= BUDGET else (" FAIL" if not passed else " SLOW")
            if flag:
                bad.append((notebook, backend, flag.strip(), tail))
            cells.append(f"{wall:8.1f} {cpu:7.1f}{flag:>5s}")
        print(f"{notebook:40s}" + "".join(f"{c:>24s}" for c in cells), flush=True)
    sums = [f"{totals[b][0]:8.1f} {totals[b][1]:7.1f}{'':5s}" for b in backends]
    print(f"{'total':40s}" + "".join(f"{c:>24s}" for c in sums))
    print(f"load average after: {os.getloadavg()[0]:.1f}; budget {BUDGET:.0f} s wall per notebook")
    for notebook, backend, flag, tail in bad:
        print(f"\n{flag}: {notebook} on {backend}\n    " + tail.replace("\n", "\n    "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
