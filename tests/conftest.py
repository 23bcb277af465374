"""Shared test setup: a headless matplotlib and a quiet TensorFlow, for the tests
and for the notebook kernels nbval starts (they inherit this environment)."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from cnncourse._startup import prepare_environment  # noqa: E402

prepare_environment()  # what `import cnncourse` sets, before the notebooks' kernels start


def threads_per_worker(cores, workers):
    """TensorFlow's thread pools for each of ``workers`` test processes on ``cores`` cores
    (``pytest -n``), or None for TensorFlow's own choice (one process: a pool per core).

    TensorFlow gives every process a pool of threads per core; two processes side by side
    on two cores then take turns and spin while they wait. Measured on this 2-core machine,
    lessons 5 and 7 run side by side (two kernels, as ``pytest -n 2`` runs them) took
    53.3 and 61.3 s (CPU 44.9 + 52.7 s) with the default pools, 44.8 and 56.2 s (CPU
    39.4 + 48.1 s) with one thread each. JAX's and PyTorch's kernels compute on one thread
    in the lessons already (measured: no change with XLA's thread flags); the grader's
    children are left as they are (cnncourse.grading.sandbox).

    >>> threads_per_worker(2, 2), threads_per_worker(8, 2), threads_per_worker(2, 1)
    (1, 4, None)
    """
    if workers < 2:
        return None
    return max(1, cores // workers)


_threads = threads_per_worker(
    os.cpu_count() or 1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
)
if _threads:  # before a backend loads here or in a notebook's kernel (they inherit it)
    for _key in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ.setdefault(_key, str(_threads))

if os.environ.get("KERAS_BACKEND") == "jax":
    # Many tests compare Keras in float64 with NumPy at rtol 1e-10 or tighter. JAX has
    # 64-bit types off by default: a layer built with dtype="float64" would silently run
    # in float32. Switch them on in this process only, before Keras is imported (not
    # through the environment, so the notebook kernels nbval starts run as a student's
    # do, with JAX's defaults).
    import jax

    jax.config.update("jax_enable_x64", True)
    # The unit tests build many models and call each once or twice: on JAX that is an XLA
    # compilation for every operation and weight shape (eager), most of their time. Compiled
    # with LLVM's optimisation off, they take two thirds of it (measured: the model-building
    # tests and docstring examples 81 s -> 52.5 s). Results do not change (no fast-math, the
    # same operations). In this process only: XLA reads XLA_FLAGS once, when its CPU backend
    # starts; the notebooks' kernels, compiling to train, get the default (measured: lesson
    # 11 took 7.5 s longer with it).
    _flags = os.environ.get("XLA_FLAGS")
    os.environ["XLA_FLAGS"] = f"{_flags or ''} --xla_backend_optimization_level=0".strip()
    try:
        jax.devices()
    finally:
        if _flags is None:
            del os.environ["XLA_FLAGS"]
        else:
            os.environ["XLA_FLAGS"] = _flags
    # new weights drawn as the lessons draw them: flat, the same numbers, compiled faster
    from cnncourse import env as _env

    _env.jax_flat_random()

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from cnncourse.notebooks import NAME_PATTERN  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Every notebook nbval executes is slow (``pytest -m "not slow"`` leaves them out) and
    a notebook (``-m "not slow or notebook"``: the unit tests and the notebooks, as CI's
    JAX and PyTorch legs run them). In a worker of ``pytest -n 2``, the longest groups of
    tests go first (:func:`run_order`)."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.notebook)
    # (in a worker, xdist has set --dist back to "no" and keeps "loadgroup" apart)
    if hasattr(config, "workerinput") and getattr(config.option, "loadgroup", False):
        items[:] = run_order(items)


# ------------------------------------------------------------------ two processes
# `pytest -n 2` (pytest-xdist, with --dist loadgroup from pyproject.toml) runs the tests in
# two processes, a group at a time each: one group's tests run in one process, in order.
# xdist's own loadgroup reads xdist_group marks through a change of the test's id that
# pytest 9.2 no longer takes (pytest-xdist issue 1386: the tests go one by one, a notebook's
# cells into two kernels), so the course gives xdist a scheduler of its own that groups by
# the test's id (tests/test_test_groups.py checks both).

#: The test files that look at the grader's class-sized runs (the session-scoped fixtures
#: crafted, course and attacks below): one group, so that each run happens once.
GRADING_FILES = (
    "tests/test_grading_attacks.py",
    "tests/test_grading_cli.py",
    "tests/test_grading_grader.py",
    "tests/test_grading_report.py",
    "tests/test_grading_runner.py",
    "tests/test_grading_sandbox.py",
)


def group_of(nodeid):
    """The group of a test, from its id: ``grading-runs`` for :data:`GRADING_FILES`,
    ``notebooks-NN`` for the notebook of ``lessons/`` and the solution of lesson NN (one
    after the other in one process: on JAX the second finds the steps the first compiled in
    the compilation cache, cnncourse.env.jax_compilation_cache), else the test's file."""
    path = nodeid.split("::")[0]
    folder, _, name = path.rpartition("/")
    notebook = NAME_PATTERN.match(name) if folder in ("lessons", "solutions") else None
    if path in GRADING_FILES:
        return "grading-runs"
    if notebook:
        return f"notebooks-{notebook[1]}"
    return path


def run_order(items):
    """The tests in the order the groups are handed out, longest first: the grading runs
    (minutes together), the other files with a slow test (the website, the wheel...), the
    notebooks, then the short ones, which even out the end of the run; in each, groups and
    tests in the order collected."""
    groups = {item: group_of(item.nodeid) for item in items}
    slow = {groups[item] for item in items if item.get_closest_marker("slow")}
    first = {}
    for item in items:
        first.setdefault(groups[item], len(first))

    def rank(group):
        if group == "grading-runs":
            return 0
        if group.startswith("notebooks-"):
            return 2
        return 1 if group in slow else 3

    return sorted(items, key=lambda item: (rank(groups[item]), first[groups[item]]))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadgroup``: hand out whole groups of :func:`group_of`."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CourseGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group_of(nodeid)

    return CourseGroups(config, log)


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


#: The secret seed of the attacks' run (a word to look for where it must not be).
ATTACK_SEED = 918273645


@pytest.fixture(scope="session")
def attacks(tmp_path_factory):
    """The hostile notebooks of tests/submissions/attacks.py and ``correct``, graded in one run
    by a grader in its own process, with a TCP and a unix socket listening, a secret file
    beside them: a dict of what the tests look at."""
    import json
    import socket
    import subprocess
    import sys
    import threading
    import uuid

    from submissions.attacks import build_attacks

    root = tmp_path_factory.mktemp("attacks")
    outside = root / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    word = "SECRET-" + uuid.uuid4().hex
    secret.write_text(word)
    tcp = socket.create_server(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX)
    unix_path = root / "s.sock"
    unix.bind(str(unix_path))
    unix.listen()
    contacts = []

    def listen(server):
        server.settimeout(0.5)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            contacts.append(server.family)
            conn.close()

    stop = threading.Event()
    threads = [threading.Thread(target=listen, args=(s,), daemon=True) for s in (tcp, unix)]
    for t in threads:
        t.start()
    token = f"{3000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6:06d}"
    out = root / "out"
    ctx = dict(outside=outside, secret=secret, port=tcp.getsockname()[1], unix=unix_path,
               out=out, token=token)  # fmt: skip
    students = build_attacks(root / "submissions", ctx)
    # the grader's own peak: VmHWM of its memory map. Not getrusage's ru_maxrss, which Linux
    # carries over from the forking process through exec (in a full test run, this pytest
    # process's 1.2 GB)
    wrapper = (
        "import sys\n"
        "from cnncourse.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "with open('/proc/self/status') as f:\n"
        "    print('MAXRSS_KB', *[line.split()[1] for line in f if line.startswith('VmHWM')])\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, "grade", str(root / "submissions"), "--out", str(out),
         "--workers", "2", "--seed", str(ATTACK_SEED), "--exercise-timeout", "5",
         "--cell-timeout", "30", "--timeout", "120", "--quiet"],
        capture_output=True, text=True, cwd=root, timeout=900,
    )  # fmt: skip
    import time

    time.sleep(2)  # a daemon that survived would have written by now
    csv_text = (out / "grades.csv").read_text(encoding="utf-8") if out.exists() else ""
    stop.set()
    maxrss = next(
        (int(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("MAXRSS")),
        None,
    )
    data = json.loads((out / "grades.json").read_text()) if (out / "grades.json").exists() else {}
    return dict(proc=proc, out=out, students=students, word=word, outside=outside,
                contacts=contacts, token=token, maxrss_kb=maxrss, data=data,
                csv=csv_text)  # fmt: skip
