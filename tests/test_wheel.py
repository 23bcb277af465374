"""The course without git: a built wheel carries the package and every lesson, and once
installed in a fresh environment, ``cnncourse start`` makes a complete workspace from it."""

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheels_package_list_names_every_package_of_the_source():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "cnncourse").rglob("__init__.py")
    }
    assert set(config["packages"]) == found | {"cnncourse.lessons"}
    assert config["package-dir"]["cnncourse.lessons"] == "lessons"


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_holds_the_whole_course(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("cnncourse-*.whl")

    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    fresh_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # the wheel alone goes into the fresh venv; its dependencies (TensorFlow is large) are
    # borrowed from this environment through a path file, after the venv's own packages
    Path(fresh_site, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = (
        "import cnncourse, cnncourse.workspace as w; "
        "print(cnncourse.__file__); print(w.course_lessons()); print(w.default_workspace())"
    )
    where = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
    ).stdout.splitlines()
    assert where[0].startswith(fresh_site), where  # the installed copy, not this checkout
    assert where[1] == str(Path(fresh_site) / "cnncourse" / "lessons")
    assert where[2].endswith("cnncourse-workspace")
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb"))
    assert sorted(p.name for p in Path(where[1]).glob("*.ipynb")) == lessons
    assert all(
        Path(where[1], name).read_bytes() == (ROOT / "lessons" / name).read_bytes()
        for name in lessons
    )

    started = subprocess.run(
        [env_dir / "bin" / "cnncourse", "start", str(tmp_path / "mine"), "--no-open"],
        capture_output=True, text=True, check=False, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "mine").glob("*.ipynb")) == lessons

    # `cnncourse build` finds the installed lessons too (a lesson that does not exist is
    # refused before anything runs, naming the lessons it found)
    build = subprocess.run(
        [env_dir / "bin" / "cnncourse", "build", "--only", "99", "--out", str(tmp_path / "site")],
        capture_output=True, text=True, check=False, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert build.returncode == 1
    assert "only must name lessons that exist; got 99 (found: 0, 1, ...)" in build.stderr
