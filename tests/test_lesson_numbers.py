"""Lesson numbers follow the learning path, and everything that carries one agrees: the
notebook files in solutions/ and lessons/, their metadata and title, the exercise module
``cnncourse/exercises/lessonNN.py`` and its exercises, and the README's table of lessons.
Renumbering a lesson moves all of them together; this test says which one was left behind.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import ROOT

from cnncourse import exercises, notebooks

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NUMBERS = [notebooks.lesson_number(path) for path in SOLUTIONS]
README_ROW = re.compile(r"^\| (\d+) \| `(\d\d_[a-z0-9_]+\.ipynb)` \|", re.MULTILINE)


def test_lessons_are_numbered_without_gaps_or_doubles():
    assert NUMBERS == list(range(len(NUMBERS))), [p.name for p in SOLUTIONS]


def test_every_solution_has_its_lesson_and_every_lesson_its_solution():
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb"))
    assert lessons == [p.name for p in SOLUTIONS]


def test_every_lesson_number_has_one_exercise_module_and_back():
    assert sorted(exercises.LESSON_MODULES) == NUMBERS


@pytest.mark.parametrize("number", sorted(exercises.LESSON_MODULES))
def test_an_exercise_module_and_its_exercises_carry_its_number(number):
    module = exercises.LESSON_MODULES[number]
    assert module.__name__.endswith(f"lesson{number:02d}")
    assert module.LESSON == number
    assert module.__doc__.startswith(f"Lesson {number} ")
    assert all(exercise.lesson == number for exercise in module.EXERCISES)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_a_notebook_checks_only_its_own_lessons_exercises_and_is_titled_with_its_number(path):
    number = notebooks.lesson_number(path)
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["cnncourse"]["lesson"] == number
    assert nb.cells[0].source.startswith(f"# Lesson {number} ")
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    used = set(re.findall(r"\bcheck\.([a-z_0-9]+)\(", text))
    own = {exercise.id for exercise in exercises.for_lesson(number)}
    assert used <= own, f"{path.name} checks exercises of other lessons: {sorted(used - own)}"
    modules = set(re.findall(r"cnncourse\.exercises\.lesson(\d\d)", text))
    assert modules <= {f"{number:02d}"}, f"{path.name} imports another lesson's exercises"


def test_the_readme_lists_every_lesson_under_its_number_and_file():
    rows = README_ROW.findall((ROOT / "README.md").read_text())
    assert [(int(n), name) for n, name in rows] == [
        (notebooks.lesson_number(p), p.name) for p in SOLUTIONS
    ]
