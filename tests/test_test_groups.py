"""How `pytest -n 2` shares the tests between its two processes (tests/conftest.py: group_of,
run_order and the scheduler it gives pytest-xdist), and that the README's test command is the
one CI runs; the threads each process gives TensorFlow."""

import ast
import re
import subprocess
import sys

import pytest
from conftest import GRADING_FILES, ROOT, group_of, run_order, threads_per_worker


class _Item:
    """What run_order reads of a pytest item."""

    def __init__(self, nodeid, slow=False):
        self.nodeid, self.slow = nodeid, slow

    def get_closest_marker(self, name):
        return object() if self.slow and name == "slow" else None

    def __repr__(self):
        return f"<{self.nodeid}>"


def test_a_lessons_notebook_and_its_solution_are_one_group():
    assert group_of("lessons/07_training_in_keras.ipynb::Cell 3") == "notebooks-07"
    assert group_of("solutions/07_training_in_keras.ipynb::Cell 0") == "notebooks-07"
    assert group_of("solutions/10_segmentation.ipynb::Cell 0") == "notebooks-10"
    assert group_of("tests/test_grading_runner.py::test_a_timeout_says_how_long") == (
        "grading-runs"
    )
    assert group_of("tests/test_shapes.py::test_x[1-2]") == "tests/test_shapes.py"
    assert group_of("cnncourse/env.py::cnncourse.env.setup") == "cnncourse/env.py"


def test_the_grading_runs_go_first_then_slow_files_then_notebooks_then_the_rest():
    fast = _Item("tests/test_shapes.py::test_a")
    slow = _Item("tests/test_wheel.py::test_b", slow=True)
    slow_beside = _Item("tests/test_wheel.py::test_c")  # its file is slow: it goes with it
    cells = [_Item(f"lessons/03_padding_stride.ipynb::Cell {i}", slow=True) for i in range(3)]
    solved = [_Item(f"solutions/03_padding_stride.ipynb::Cell {i}", slow=True) for i in range(2)]
    other = _Item("lessons/04_pooling.ipynb::Cell 0", slow=True)
    crafted = _Item("tests/test_grading_runner.py::test_a_timeout_says_how_long")
    attacks = _Item("tests/test_grading_attacks.py::test_x", slow=True)
    items = [fast, slow, *cells, other, *solved, crafted, slow_beside, attacks]
    # a notebook's cells stay in order, the lesson's before the solution's
    assert run_order(items) == [crafted, attacks, slow, slow_beside, *cells, *solved, other, fast]


def test_the_grading_files_are_those_whose_tests_use_the_graders_class_sized_runs():
    conftest = ast.parse((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    runs = {
        node.name
        for node in conftest.body
        if isinstance(node, ast.FunctionDef)
        and any("session" in ast.unparse(d) for d in node.decorator_list)
    }
    assert runs == {"crafted", "course", "attacks"}
    users = set()
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        own = {f.name for f in functions}  # a fixture of its own by the same name
        if any((runs - own) & {a.arg for a in f.args.args} for f in functions):
            users.add(path.relative_to(ROOT).as_posix())
    assert users == set(GRADING_FILES)


@pytest.mark.slow  # a pytest of its own, in child processes: once, in CI's TensorFlow leg
def test_two_processes_run_each_group_whole():
    files = ["tests/test_lesson_numbers.py", "tests/test_grading_codec.py"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-v", "-p", "no:randomly", *files],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    workers = {}
    for worker, nodeid in re.findall(r"^\[(gw\d)\] \[ *\d+%\] PASSED (\S+)", run.stdout, re.M):
        workers.setdefault(nodeid.split("::")[0], set()).add(worker)
    assert set(workers) == set(files), run.stdout[-3000:]
    assert all(len(w) == 1 for w in workers.values()), workers


def test_the_readmes_test_command_is_the_one_ci_runs_with_pytest_xdist_installed():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.search(r"\*\*2\. Run the tests\*\*.*?```bash\n(.*?)\n```", readme, re.S)
    command = commands[1].strip()
    assert command == ".venv/bin/python -m pytest -n 2"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"\n{command} || status=$?" in ci
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^pytest-xdist\b", requirements, re.M)


def test_two_workers_on_two_cores_give_tensorflow_one_thread_each():
    assert threads_per_worker(cores=2, workers=2) == 1
    assert threads_per_worker(cores=16, workers=2) == 8
    assert threads_per_worker(cores=2, workers=4) == 1
    assert threads_per_worker(cores=2, workers=1) is None  # one process: TensorFlow's choice
