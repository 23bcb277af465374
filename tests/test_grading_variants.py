"""Per-student variants: ``cnncourse handout`` gives each student numbers of their own, the
inline check and the grader judge for them, and editing them earns nothing."""

import json

import nbformat
import pytest
from conftest import SEED, by_student, exercise, run_cli

from cnncourse.exercises import REGISTRY, check, for_lesson, numbers, use_variants
from cnncourse.exercises._variants import Pick, handout_cell, read_key
from cnncourse.grading.notebook import find_variants

KEY = bytes(range(32))
#: Lesson 1's questions with variants, and a cell answering each from the notebook's numbers.
ANSWERS = {
    "q_values_in_image": "n = QUIZ['image'][0] * QUIZ['image'][1] * QUIZ['image'][2]",
    "q_batch_shape": "n = tuple(QUIZ['batch'])",
    "q_uint8_overflow": "n = sum(QUIZ['uint8_sum']) % 256",
    "q_dataset_memory": (
        "v = DATASET['side'] ** 2 * 3\n"
        "n = [DATASET['images'] * v / 2**20, DATASET['images'] * v * 4 / 2**20, "
        "DATASET['batch'] * v * 4 / 2**20]"
    ),
    "q_rgba_shape": "n = (FORMATS_QUIZ['rgba'][1], FORMATS_QUIZ['rgba'][0], 4)",
    "q_raw_white": "n = [2 ** FORMATS_QUIZ['bits'] - 1, (2 ** FORMATS_QUIZ['bits'] - 1) / 65535]",
    "q_window_gray": (
        "c, w = FORMATS_QUIZ['window']\n"
        "n = [min(max((v - c + w / 2) / w, 0), 1) for v in FORMATS_QUIZ['hu']]"
    ),
}
VARIED = [e for e in for_lesson(1) if getattr(e, "variants", None) is not None]


@pytest.fixture(autouse=True)
def _visible_numbers():
    use_variants("", {})
    yield
    use_variants("", {})


def _lesson(path):
    """A lesson-1 notebook that answers every question with variants from its own numbers."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["cnncourse"] = {"lesson": 1, "role": "lesson"}
    cells = ["from cnncourse.exercises import check\n"
             "from cnncourse.exercises.lesson01 import DATASET, FORMATS_QUIZ, QUIZ"]  # fmt: skip
    for i, (exercise_id, code) in enumerate(ANSWERS.items()):  # a name per answer
        cells.append(f"{code}\nanswer_{i} = n\ncheck.{exercise_id}(answer_{i});")
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def test_lesson_ones_questions_with_variants_are_the_answers_here():
    assert sorted(e.id for e in VARIED) == sorted(ANSWERS)


def test_the_same_student_gets_the_same_numbers_and_two_students_different_ones():
    for e in VARIED:
        assert e.variants.drawn(KEY, "ann", e.id) == e.variants.drawn(KEY, "ann", e.id)
    ann = {e.id: e.variants.drawn(KEY, "ann", e.id) for e in VARIED}
    bob = {e.id: e.variants.drawn(KEY, "bob", e.id) for e in VARIED}
    other_key = {e.id: e.variants.drawn(b"x" * 32, "ann", e.id) for e in VARIED}
    assert ann != bob and ann != other_key
    # over a class, every question takes several values
    for e in VARIED:
        drawn = {repr(e.variants.drawn(KEY, f"s{i}", e.id)) for i in range(30)}
        assert len(drawn) >= 3, e.id


def test_pick_is_reproducible_and_covers_its_range():
    picks = [Pick(b"s").integers(0, 5) for _ in range(3)]
    assert len(set(picks)) == 1
    pick = Pick(b"t")
    values = {pick.integers(0, 5) for _ in range(200)}
    assert values == set(range(5))
    assert sorted(Pick(b"u").permutation(4).tolist()) == [0, 1, 2, 3]
    assert 0 <= Pick(b"v").random() < 1


def test_the_inline_check_judges_for_the_notebooks_numbers():
    visible = REGISTRY["q_values_in_image"].expected()
    use_variants("ann", {"q_values_in_image": {"image": (96, 96, 3)}})
    assert numbers("q_values_in_image") == {"image": (96, 96, 3)}
    assert check.q_values_in_image(96 * 96 * 3) is True
    assert check.q_values_in_image(visible) is False
    with pytest.raises(ValueError, match="must be"):
        use_variants("ann", {"q_values_in_image": {"size": 3}})


def test_a_handout_holds_the_students_numbers_and_never_the_key(tmp_path):
    lesson = _lesson(tmp_path / "01_quiz.ipynb")
    (tmp_path / "roster.csv").write_text("student\nann\nbob\n")
    code, stdout, stderr = run_cli(
        "handout", lesson, "--roster", tmp_path / "roster.csv", "--key", tmp_path / "k.key",
        "--out", tmp_path / "out",
    )  # fmt: skip
    assert code == 0, stderr
    assert "made a new course key" in stderr
    key = read_key(tmp_path / "k.key")
    for student in ("ann", "bob"):
        text = (tmp_path / "out" / student / "01_quiz.ipynb").read_text()
        assert key.hex() not in text and key.hex()[:16] not in text
        cells = [
            c.source for c in nbformat.read(tmp_path / "out" / student / "01_quiz.ipynb", 4).cells
        ]
        assert cells[1] == handout_cell(student, for_lesson(1), key)
        assert find_variants(cells) == {e.id: e.variants.drawn(key, student, e.id) for e in VARIED}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """ann and bob hand in their handouts answered for their own numbers; carol changed the
    numbers of one question and answered for those; graded with and without the key."""
    root = tmp_path_factory.mktemp("variants")
    lesson = _lesson(root / "01_quiz.ipynb")
    (root / "roster.csv").write_text("student\nann\nbob\ncarol\n")
    run_cli("handout", lesson, "--roster", root / "roster.csv", "--key", root / "k.key",
            "--out", root / "subs")  # fmt: skip
    key = read_key(root / "k.key")
    carol = root / "subs" / "carol" / "01_quiz.ipynb"
    nb = nbformat.read(carol, 4)
    mine = REGISTRY["q_values_in_image"].variants.drawn(key, "carol", "q_values_in_image")
    edited = (mine["image"][0] + 8, mine["image"][1] + 8, 3)
    assert repr(mine["image"]) in nb.cells[1].source
    nb.cells[1].source = nb.cells[1].source.replace(repr(mine["image"]), repr(edited))
    nbformat.write(nb, carol)
    common = ("--seed", SEED, "--workers", 2, "--quiet", "--lesson", 1)
    runs = {}
    for name, extra in (("key", ("--key", root / "k.key")), ("nokey", ())):
        code, _, stderr = run_cli("grade", root / "subs", "--out", root / name, *common, *extra)
        runs[name] = (code, stderr, *by_student(root / name))
    return root, runs


@pytest.mark.slow
def test_each_student_gets_full_marks_for_their_own_numbers(graded):
    _, runs = graded
    code, stderr, data, results = runs["key"]
    assert code == 0 and "each student's own numbers" in data["variants"]
    for student in ("ann", "bob"):
        for exercise_id in ANSWERS:
            assert exercise(results[student], exercise_id)["status"] == "passed", student
        assert results[student]["variant_edited"] == []
        assert set(results[student]["variant"]) == set(ANSWERS)


@pytest.mark.slow
def test_edited_numbers_earn_nothing(graded):
    root, runs = graded
    _, _, _, results = runs["key"]
    carol = results["carol"]
    verdict = exercise(carol, "q_values_in_image")
    assert verdict["points"] == 0 and verdict["status"] == "failed"
    assert "graded for your numbers: image = " in verdict["details"]
    assert carol["variant_edited"] == ["q_values_in_image"]
    for exercise_id in set(ANSWERS) - {"q_values_in_image"}:
        assert exercise(carol, exercise_id)["status"] == "passed"
    feedback = (root / "key" / "feedback" / "carol.md").read_text(encoding="utf-8")
    assert "graded for your numbers" in feedback


@pytest.mark.slow
def test_without_a_key_everyone_is_graded_for_the_visible_numbers(graded):
    _, runs = graded
    code, stderr, data, results = runs["nokey"]
    assert code == 0
    assert data["variants"] == "none: every student got the visible numbers (no --key)"
    assert "variants: none" in stderr
    assert all(r["variant"] == {} for r in results.values())
    # the handouts answered for their own numbers: the visible ones are not theirs
    assert any(e["status"] == "failed" for r in results.values() for e in r["exercises"])


@pytest.mark.slow
def test_a_students_own_check_uses_the_notebooks_numbers(graded):
    root, _ = graded
    code, stdout, stderr = run_cli("check", root / "subs" / "ann" / "01_quiz.ipynb")
    for exercise_id in ANSWERS:
        assert f"✅ {exercise_id}" in stdout, stdout
    assert json.dumps(SEED) not in stdout
