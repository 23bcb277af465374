"""``cnncourse handout``: one notebook per student, with that student's own numbers.

For each student of the roster and each lesson notebook given, the handout is the
lesson with one code cell added after its first: the student's numbers for every question
of the lesson that has variants (:func:`cnncourse.exercises._variants.handout_cell`), drawn
from the course key and the student's name, never the key itself. The notebooks go to
``OUT/<student>/<lesson>.ipynb``: collected back in the same layout, the grader names each
student by the folder (or by the roster), draws the same numbers again and grades for them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import nbformat

from ..exercises import for_lesson
from ..exercises._variants import handout_cell
from .notebook import lesson_from_name
from .roster import GradingError, _safe_name

__all__ = ["handout", "read_students"]


def read_students(path: str | Path) -> list[str]:
    """The students of a roster CSV (its ``student`` column), each once, as file-safe names.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, 'r.csv').write_text('student\\nAnn Lee\\nbob\\nbob\\n')
    ...     read_students(Path(folder, 'r.csv'))
    ['Ann_Lee', 'bob']
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GradingError(f"cannot read the roster {str(path)!r}: {exc}") from None
    if not rows or "student" not in rows[0]:
        raise GradingError(f"the roster {str(path)!r} needs a column student")
    students: list[str] = []
    for row in rows:
        name = _safe_name(row.get("student") or "")
        if (row.get("student") or "").strip() and name not in students:
            students.append(name)
    return students


def handout(
    notebooks: Sequence[str | Path], students: Sequence[str], key: bytes, out: str | Path
) -> list[Path]:
    """Write each student's copy of each notebook to ``out/<student>/``; the files written.

    Examples
    --------
    >>> import tempfile
    >>> from cnncourse.grading.notebook import read_notebook
    >>> lesson = next(Path(__file__).resolve().parents[2].glob("lessons/01_*.ipynb"))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     (path,) = handout([lesson], ["ann"], b"k" * 32, folder)
    ...     cells = read_notebook(path).cells
    ...     path.parent.name, "use_variants('ann'," in cells[1], (b"k" * 32).hex() in str(cells)
    ('ann', True, False)
    """
    out = Path(out)
    written = []
    for given in notebooks:
        path = Path(given)
        try:
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as exc:
            raise GradingError(f"cannot read the notebook {str(path)!r}: {exc}") from None
        lesson = nb.metadata.get("cnncourse", {}).get("lesson", lesson_from_name(path))
        if lesson is None:
            raise GradingError(f"{str(path)!r} says no lesson (no cnncourse.lesson, no NN_ name)")
        exercises = [e for e in for_lesson(int(lesson)) if getattr(e, "variants", None)]
        first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), -1)
        for student in students:
            copy = nbformat.from_dict(nb)
            if exercises:
                cell = nbformat.v4.new_code_cell(handout_cell(student, exercises, key))
                cell.metadata["cnncourse"] = {"handout": True}
                copy.cells.insert(first + 1, cell)
            copy.metadata.setdefault("cnncourse", {})["student"] = student
            target = out / student / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(copy, target)
            written.append(target)
    return written
