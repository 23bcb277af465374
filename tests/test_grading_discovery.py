"""Finding the submissions and naming the students: folders, notebooks, rosters."""

import pytest
from conftest import (
    by_student,
    run_cli,
)
from submissions.tiny import TINY, tiny_notebook

from cnncourse.exercises import for_lesson
from cnncourse.grading import (
    GradingError,
    apply_roster,
    find_submissions,
    read_roster,
)
from cnncourse.grading.notebook import (
    NotebookError,
    read_notebook,
)

LESSON1 = [e.id for e in for_lesson(1)]


def test_reading_notebooks_and_finding_submissions(tmp_path):
    for text, message in [("", "empty"), ("[1]", "not an object"), ("{}", "no list of cells")]:
        (tmp_path / "bad.ipynb").write_text(text)
        with pytest.raises(NotebookError, match=message):
            read_notebook(tmp_path / "bad.ipynb")
    tiny_notebook(tmp_path / "class" / "alice" / "01_images.ipynb")
    tiny_notebook(tmp_path / "class" / "bob" / "01_images.ipynb")
    tiny_notebook(tmp_path / "class" / "carol.ipynb")
    tiny_notebook(tmp_path / "class" / ".ipynb_checkpoints" / "carol-checkpoint.ipynb")
    tiny_notebook(tmp_path / "other" / "carol.ipynb")
    subs = find_submissions([tmp_path / "class", tmp_path / "other" / "carol.ipynb"])
    assert [s.student for s in subs] == ["alice", "bob", "carol", "carol-2"]
    with pytest.raises(GradingError):
        find_submissions([tmp_path / "nowhere"])
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student\nalice/01_images.ipynb,Alice A.\n")
    warnings = []
    renamed = apply_roster(subs, read_roster(roster), warnings.append)
    assert renamed[0].student == "Alice_A." and len(warnings) == 3  # bob and two carols


@pytest.mark.slow
def test_a_roster_names_the_students(tmp_path):
    tiny_notebook(tmp_path / "in" / "sub_001.ipynb")
    tiny_notebook(tmp_path / "in" / "sub_002.ipynb", dict(TINY, to_bgr="return image"))
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student\nsub_001.ipynb,Ada Lovelace\nsub_002.ipynb,alan\n")
    code, stdout, _ = run_cli("grade", tmp_path / "in", "--out", tmp_path / "out", "--roster",
                              roster, "--seed", 3, "--quiet")  # fmt: skip
    assert code == 0
    _, results = by_student(tmp_path / "out")
    assert set(results) == {"Ada_Lovelace", "alan"}
    assert results["Ada_Lovelace"]["total"] == 5  # the four functions
    assert results["alan"]["total"] == 5 - 1  # to_bgr wrong
    assert "graded 2 submissions" in stdout
    assert (tmp_path / "out" / "feedback" / "Ada_Lovelace.md").exists()
