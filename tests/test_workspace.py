"""The student's workspace: lessons copied once, new ones brought in, the student's work never
overwritten; and the README's two commands still work after a lesson was run and saved there."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import run_cli

from cnncourse import workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path):
    """A copy of the course's lessons that a test can change, as a course update would."""
    source = tmp_path / "course"
    source.mkdir()
    for path in sorted(workspace.course_lessons().glob("*.ipynb"))[:3]:
        shutil.copyfile(path, source / path.name)
    return source


def _names(folder):
    return sorted(p.name for p in Path(folder).glob("*.ipynb"))


def test_the_course_lessons_are_the_checkouts_lessons_folder():
    assert workspace.course_lessons() == ROOT / "lessons"
    assert workspace.default_workspace() == ROOT / "workspace"


def test_the_first_start_copies_every_lesson_and_the_second_changes_nothing(course, tmp_path):
    work = tmp_path / "work"
    first = workspace.sync(work, course)
    assert first.copied == _names(course) == _names(work)
    assert json.loads((work / workspace.MANIFEST).read_text())  # what was copied, recorded
    again = workspace.sync(work, course)
    assert not (again.copied or again.updated or again.beside)
    assert str(again).endswith("up to date")


def test_a_course_update_never_overwrites_the_students_work(course, tmp_path):
    work = tmp_path / "work"
    workspace.sync(work, course)
    untouched, answered, *_ = _names(course)
    (work / answered).write_text((work / answered).read_text() + " ", encoding="utf-8")
    mine = (work / answered).read_bytes()
    for name in (untouched, answered):  # the course changes both
        (course / name).write_text((course / name).read_text() + "\n", encoding="utf-8")
    shutil.copyfile(course / untouched, course / "99_new_lesson.ipynb")

    update = workspace.sync(work, course)
    assert update.copied == ["99_new_lesson.ipynb"]
    assert update.updated == [untouched]  # not changed by the student: brought up to date
    assert update.beside == [answered]
    assert (work / answered).read_bytes() == mine  # the student's answers stay
    beside = work / answered.replace(".ipynb", ".updated.ipynb")
    assert beside.read_bytes() == (course / answered).read_bytes()
    assert (work / untouched).read_bytes() == (course / untouched).read_bytes()
    assert "your work is untouched" in str(update) and answered in str(update)
    # and once told, the next start is quiet about it
    assert not workspace.sync(work, course).beside


def test_a_workspace_without_a_manifest_is_treated_as_the_students_own(course, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    name = _names(course)[0]
    (work / name).write_text("my notebook", encoding="utf-8")
    result = workspace.sync(work, course)
    assert result.beside == [name] and (work / name).read_text() == "my notebook"


def test_bad_folders_are_named():
    with pytest.raises(ValueError, match="source must be a folder of lessons; got 'no/such'"):
        workspace.sync("/tmp", "no/such")
    with pytest.raises(ValueError, match="folder must be a folder, not a file"):
        workspace.sync(ROOT / "README.md")


def test_start_without_opening_copies_and_reports(tmp_path):
    code, out, _ = run_cli("start", tmp_path / "ws", "--no-open")
    assert code == 0 and "new lessons copied" in out
    assert _names(tmp_path / "ws") == _names(ROOT / "lessons")


def test_the_default_workspace_is_ignored_by_git_and_not_collected_by_pytest():
    probe = "workspace/01_images.ipynb"
    ignored = subprocess.run(["git", "check-ignore", "-q", probe], cwd=ROOT, check=False)
    if ignored.returncode == 128:
        pytest.skip("not a git checkout")
    assert ignored.returncode == 0, "git does not ignore the workspace"
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "workspace" not in config["testpaths"]


@pytest.mark.slow
def test_the_test_command_passes_after_a_lesson_was_run_and_saved_in_the_workspace():
    # the default workspace, as a student gets it; a folder of its own inside it if one exists
    work = workspace.default_workspace()
    made = not work.exists()
    if not made:
        work = work / ".test-run"
    try:
        code, out, _ = run_cli("start", work, "--no-open")
        assert code == 0, out
        lesson = work / "00_why_convolutions.ipynb"
        nb = nbformat.read(lesson, as_version=4)
        from nbclient import NotebookClient

        NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(work)}}).execute()
        nbformat.write(nb, lesson)  # saved, with outputs, as a student's would be
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
        # the README's test command: the checks that a student's run used to break, and what
        # pytest collects
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "tests/test_notebooks.py",
             "tests/test_lesson_numbers.py"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:]
        collected = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        inside = [line for line in collected.stdout.splitlines() if line.startswith("workspace")]
        assert not inside, inside
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        )
        assert "workspace" not in status.stdout
    finally:
        shutil.rmtree(workspace.default_workspace() if made else work, ignore_errors=True)
