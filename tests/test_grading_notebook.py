"""Reading a notebook's answers (cnncourse/grading/notebook.py): check calls, magics, renames."""

import nbformat
import pytest
from submissions.tiny import TINY, tiny_notebook

from cnncourse.exercises import for_lesson
from cnncourse.grading import (
    Grader,
    Settings,
    Submission,
)
from cnncourse.grading.notebook import (
    find_answers,
    python_source,
)

LESSON1 = [e.id for e in for_lesson(1)]


def test_answers_are_found_by_their_check_calls():
    cells = [
        "def grayscale(image):\n    return image\n\ngrayscale = check.rgb_to_grayscale(grayscale)",
        "%matplotlib inline\nanswer = 3\ncheck.q_values_in_image(answer)",
        "check.q_batch_shape((1, 2))",
        "def broken(:\n    pass\ncheck.to_bgr(broken)",
    ]
    sites = find_answers(cells)
    assert (sites["rgb_to_grayscale"].name, sites["rgb_to_grayscale"].cell) == ("grayscale", 0)
    assert sites["q_values_in_image"].name == "answer"
    assert sites["q_batch_shape"].name is None  # an expression: the runner uses the value
    assert sites["to_bgr"].cell == 3
    assert python_source("%time x = 1\n!ls\ny = 2") == "pass\npass\ny = 2"
    assert python_source("%%bash\necho hi") is None
    assert python_source("s = ('a'\n     % 3)") == "s = ('a'\n     % 3)"


@pytest.mark.slow
def test_a_renamed_function_with_its_check_is_graded_under_its_new_name(tmp_path):
    path = tiny_notebook(tmp_path / "r.ipynb", {"to_bgr": TINY["to_bgr"]})
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = (
        nb.cells[1].source.replace("to_bgr", "swap").replace("check.swap", "check.to_bgr")
    )
    nbformat.write(nb, path)
    result = Grader(Settings(seed=2)).grade(Submission(path, "r"))
    assert next(e for e in result.exercises if e.id == "to_bgr").passed
