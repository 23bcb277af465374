"""A workspace of the student's own: the lessons copied once, never overwritten.

Students do not work in the course's ``lessons/``: that folder is what the course ships
(and what its tests check is generated and output-free), and a ``git pull`` of a course
update would collide with their answers there. :func:`sync` copies the lessons into a
workspace the first time; on every later call it

- copies a lesson that is new in the course;
- updates a lesson the student has not changed since it was copied (its bytes are those
  recorded in the workspace's manifest, ``.cnncourse-workspace.json``);
- leaves a lesson the student *has* changed alone and, when the course's version changed
  too, writes the new version beside it as ``NN_name.updated.ipynb`` and says so.

The lessons ship inside the package (``cnncourse/lessons`` in a wheel), so ``pip install``
and ``cnncourse start`` make a complete course without git.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MANIFEST", "Sync", "course_lessons", "default_workspace", "open_lab", "sync"]

#: The workspace's record of what was copied: lesson file name -> SHA-256 of its bytes.
MANIFEST = ".cnncourse-workspace.json"

_PACKAGE = Path(__file__).resolve().parent


def _checkout_root() -> Path | None:
    """The course checkout this package runs from (with lessons/ and solutions/), if any."""
    root = _PACKAGE.parent
    if (root / "lessons").is_dir() and (root / "solutions").is_dir():
        return root
    return None


def course_lessons() -> Path:
    """The folder of the course's student notebooks.

    In a checkout of the course, its ``lessons/``; in an installed wheel, the copy that
    ships as package data (``cnncourse/lessons``).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> sorted(p.name for p in course_lessons().glob("*.ipynb"))[0]
    '00_why_convolutions.ipynb'
    """
    root = _checkout_root()
    folder = root / "lessons" if root is not None else _PACKAGE / "lessons"
    if not any(folder.glob("*.ipynb")):
        raise FileNotFoundError(
            f"no lessons found in {folder}: reinstall the course (pip install cnncourse) "
            "or run from a checkout of it"
        )
    return folder


def default_workspace() -> Path:
    """Where ``cnncourse start`` puts the student's copies when no folder is given.

    ``workspace/`` in a checkout of the course (git ignores it, and the tests do not
    collect it); ``~/cnncourse-workspace`` for an installed course.

    Examples
    --------
    >>> default_workspace().name in {"workspace", "cnncourse-workspace"}
    True
    """
    root = _checkout_root()
    return root / "workspace" if root is not None else Path.home() / "cnncourse-workspace"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Sync:
    """What :func:`sync` did to a workspace, lesson by lesson (file names).

    Examples
    --------
    >>> print(Sync(Path("w"), copied=["00_why.ipynb"]))
    workspace w: 1 new lesson copied (00_why.ipynb)
    """

    folder: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    beside: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = []
        if self.copied:
            n = len(self.copied)
            parts.append(f"{n} new lesson{'s' * (n != 1)} copied ({', '.join(self.copied)})")
        if self.updated:
            parts.append(f"updated, as you had not changed them: {', '.join(self.updated)}")
        if self.beside:
            parts.append(
                "changed in the course since you started them; your work is untouched and the "
                "new version is beside it: " + ", ".join(self.beside)
            )
        if not parts:
            parts.append("up to date")
        return f"workspace {self.folder}: " + "; ".join(parts)


def _updated_name(name: str) -> str:
    return name[: -len(".ipynb")] + ".updated.ipynb"


def sync(folder: str | os.PathLike | None = None, source: str | os.PathLike | None = None) -> Sync:
    """Copy the course's lessons into a workspace, never overwriting the student's work.

    Parameters
    ----------
    folder : path, optional
        The workspace (created if missing); default :func:`default_workspace`.
    source : path, optional
        The lessons to copy from; default :func:`course_lessons`.

    Returns
    -------
    Sync
        Which lessons were copied, updated, written beside the student's, or kept.

    Examples
    --------
    >>> import tempfile
    >>> work = Path(tempfile.mkdtemp()) / "work"
    >>> first = sync(work)
    >>> len(first.copied) == len(list(course_lessons().glob("*.ipynb")))
    True
    >>> str(sync(work)).endswith("up to date")
    True
    """
    folder = Path(folder) if folder is not None else default_workspace()
    source = Path(source) if source is not None else course_lessons()
    if not source.is_dir():
        raise ValueError(f"source must be a folder of lessons; got {str(source)!r}")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"folder must be a folder, not a file; got {str(folder)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        manifest = {}
    result = Sync(folder)
    for lesson in sorted(source.glob("*.ipynb")):
        name, target = lesson.name, folder / lesson.name
        new = _digest(lesson)
        if not target.exists():
            shutil.copyfile(lesson, target)
            manifest[name] = new
            result.copied.append(name)
            continue
        mine, copied = _digest(target), manifest.get(name)
        if new in (mine, copied):
            manifest[name] = new if new == mine else copied
            result.kept.append(name)
        elif mine == copied:  # the student has not touched it: safe to update
            shutil.copyfile(lesson, target)
            manifest[name] = new
            result.updated.append(name)
        else:  # both changed: the student's stays, the course's goes beside it
            shutil.copyfile(lesson, folder / _updated_name(name))
            manifest[name] = new
            result.beside.append(name)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", "utf-8")
    return result


def open_lab(folder: str | os.PathLike, extra: list[str] | None = None) -> int:
    """Open JupyterLab on ``folder`` (blocks until the server stops); its exit code.

    ``extra`` are passed to ``jupyter lab`` as they are (``--no-browser``, ``--port``).

    Examples
    --------
    >>> open_lab("no/such/folder")
    Traceback (most recent call last):
    ...
    ValueError: folder must be an existing folder; got 'no/such/folder'
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing folder; got {str(folder)!r}")
    command = [sys.executable, "-m", "jupyterlab", *(extra or [])]
    return subprocess.call(command, cwd=folder)
