"""Shared test setup: a headless matplotlib and a quiet TensorFlow, for the tests
and for the notebook kernels nbval starts (they inherit this environment)."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    """Every notebook nbval executes is slow: ``pytest -m "not slow"`` leaves them out."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# --------------------------------------------------------------------------- grading
# Helpers and the two class-sized grading runs that several tests/test_grading_*.py files
# look at: each runs once per session, whichever files ask for it.

#: The secret seed of the grading runs.
SEED = 12345


def run_cli(*args):
    """``cnncourse ARGS`` in this process: (exit code, stdout, stderr)."""
    import contextlib
    import io

    from cnncourse.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def by_student(folder):
    """``grades.json`` of a grading run, and its submissions by student."""
    import json

    data = json.loads((Path(folder) / "grades.json").read_text(encoding="utf-8"))
    return data, {s["student"]: s for s in data["submissions"]}


def exercise(result, exercise_id):
    """One exercise's verdict in a submission of ``grades.json``."""
    return next(e for e in result["exercises"] if e["id"] == exercise_id)


@pytest.fixture(scope="session")
def crafted(tmp_path_factory):
    """Grade every crafted submission in one run: (exit code, stdout, out folder, expectations)."""
    from submissions.crafted import build_class

    root = tmp_path_factory.mktemp("crafted")
    out = root / "out"
    expect = build_class(root / "submissions", out)
    code, stdout, _ = run_cli(
        "grade", root / "submissions", "--out", out, "--workers", 2, "--seed", SEED,
        "--lesson", 1, "--exercise-timeout", 3, "--cell-timeout", 20, "--timeout", 90,
        "--quiet",
    )  # fmt: skip
    return code, stdout, out, expect


#: The lessons of the course graded (every lesson's notebooks run in full; later ones train).
COURSE = ("01_*.ipynb", "02_*.ipynb", "03_*.ipynb")


def course_notebooks(folder):
    """The notebooks of :data:`COURSE` in ``solutions/`` or ``lessons/``."""
    return [path for pattern in COURSE for path in sorted((ROOT / folder).glob(pattern))]


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """Lessons 1 to 3 of solutions/ and lessons/, graded in one run with the same seed."""
    out = tmp_path_factory.mktemp("course") / "out"
    code, stdout, _ = run_cli(
        "grade", *course_notebooks("solutions"), *course_notebooks("lessons"), "--out", out,
        "--workers", 2, "--seed", SEED, "--quiet",
    )  # fmt: skip
    return code, stdout, out


def course_results(out):
    """The course run's results: (solutions by notebook, lessons by notebook)."""
    results = by_student(out)[1]
    solutions = {k: v for k, v in results.items() if k[:2].isdigit() and not k.endswith("-2")}
    lessons = {k[:-2]: v for k, v in results.items() if k.endswith("-2")}
    return solutions, lessons
