"""The exercise checks: a right, a wrong and a missing answer each get the right verdict,
the check never raises, and it hands back a working function."""

import numpy as np
import pytest

from cnncourse import exercises, images
from cnncourse.exercises import FAILED, NOT_DONE, PASSED, REGISTRY, check, for_lesson

FUNCTION_IDS = [e.id for e in REGISTRY.values() if e.kind == "function"]
VALUE_IDS = [e.id for e in REGISTRY.values() if e.kind == "value"]


def not_implemented(*args, **kwargs):
    raise NotImplementedError("your code here")


def test_lesson_1_has_at_least_three_coding_exercises_and_a_quiz():
    kinds = [e.kind for e in for_lesson(1)]
    assert kinds.count("function") >= 3
    assert kinds.count("value") >= 3


@pytest.mark.parametrize("exercise_id", FUNCTION_IDS)
def test_reference_passes_its_own_check(exercise_id):
    exercise = REGISTRY[exercise_id]
    assert exercise.grade(exercise.reference).status == PASSED


@pytest.mark.parametrize("exercise_id", FUNCTION_IDS)
def test_missing_answer_is_not_done(exercise_id):
    assert REGISTRY[exercise_id].grade(not_implemented).status == NOT_DONE
    assert REGISTRY[exercise_id].grade(...).status == NOT_DONE


@pytest.mark.parametrize("exercise_id", FUNCTION_IDS)
def test_answer_off_by_a_little_fails(exercise_id):
    exercise = REGISTRY[exercise_id]

    def nudged(value):  # add 1 to every number, inside tuples and dicts too
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            return {key: nudged(item) for key, item in value.items()}
        if isinstance(value, (tuple, list)):
            return type(value)(nudged(item) for item in value)
        return np.asarray(value) + 1

    def slightly_wrong(*args):
        return nudged(exercise.reference(*args))

    assert exercise.grade(slightly_wrong).status == FAILED


@pytest.mark.parametrize("exercise_id", VALUE_IDS)
def test_value_exercises_accept_the_answer_and_reject_others(exercise_id):
    exercise = REGISTRY[exercise_id]
    assert exercise.grade(exercise.expected()).status == PASSED
    assert exercise.grade(...).status == NOT_DONE
    wrong = "zz" if exercise.choices else 12345
    assert exercise.grade(wrong).status == FAILED


@pytest.mark.parametrize("exercise_id", [i for i in VALUE_IDS if REGISTRY[i].variants])
def test_questions_with_variants_draw_valid_numbers_with_answers_and_texts(exercise_id):
    """Every student's numbers: the visible ones' names, an answer, a question text; and the
    inline check judges for the notebook's numbers (its handout cell's)."""
    from cnncourse.exercises import use_variants

    exercise = REGISTRY[exercise_id]
    drawn = [exercise.variants.drawn(bytes(32), f"student{i}", exercise_id) for i in range(20)]
    assert len({repr(d) for d in drawn}) >= 3, "the numbers hardly vary"
    for numbers in drawn[:5]:
        answer = exercise.expected(numbers)
        assert exercise.text(numbers) == exercise.text(dict(numbers))
        try:
            use_variants("s", {exercise_id: numbers})
            assert exercise.grade(answer).status == PASSED
        finally:
            use_variants("", {})


def test_cases_are_reproducible_per_seed_and_differ_across_seeds():
    exercise = REGISTRY["rgb_to_grayscale"]
    a, b, c = exercise.cases(seed=7), exercise.cases(seed=7), exercise.cases(seed=8)
    assert all(np.array_equal(x.args[0], y.args[0]) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x.args[0], y.args[0]) for x, y in zip(a, c, strict=True))


def test_a_solution_hard_coding_the_visible_cases_fails_on_a_secret_seed():
    exercise = REGISTRY["rgb_to_grayscale"]
    visible = {case.args[0].tobytes(): exercise.expected(case) for case in exercise.cases()}

    def memorised(image):
        return visible.get(image.tobytes(), np.zeros(image.shape[:2]))

    assert exercise.grade(memorised).status == PASSED
    assert exercise.grade(memorised, seed=123456).status == FAILED


def test_check_prints_pass_and_returns_the_students_function(capsys):
    def mine(image):
        return image.astype(float) @ np.array([0.299, 0.587, 0.114])

    assert check.rgb_to_grayscale(mine) is mine
    assert "✅ rgb_to_grayscale: passed" in capsys.readouterr().out


def test_check_shows_first_failing_case_with_input_expected_and_got(capsys):
    result = check.rgb_to_grayscale(lambda image: image.mean(axis=-1))
    out = capsys.readouterr().out
    assert "❌ rgb_to_grayscale: wrong answer on case 1" in out
    assert "image = array of shape (1, 1, 3)" in out
    assert "expected:" in out and "got:" in out
    assert result is images.rgb_to_grayscale
    assert "uses the reference cnncourse.images.rgb_to_grayscale" in out


def test_check_reports_not_implemented_and_hands_back_the_reference(capsys):
    assert check.normalize(not_implemented) is images.normalize
    assert "📝 normalize: not implemented yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda image: image[10, 10], "raised an error on case 1"),
        (lambda image: None, "returned None"),
        (lambda: 1, "raised an error"),
        (42, "expected a function, got int"),
        (
            lambda image: image.astype(np.float64) / 255,
            "wrong dtype: expected float32, got float64",
        ),
        (lambda image: (image / 255).astype(np.float32)[..., :1], "wrong shape"),
        (lambda image: "text", "expected a numeric array"),
    ],
)
def test_check_never_raises_and_explains_why(capsys, answer, expected):
    check.normalize(answer)
    assert expected in capsys.readouterr().out


def test_check_catches_a_function_that_changes_its_input(capsys):
    def in_place(image):
        image[...] = image[..., ::-1]
        return image

    check.to_bgr(in_place)
    assert "changed its input" in capsys.readouterr().out


def test_error_feedback_names_the_students_line(capsys):
    namespace = {}
    exec(compile("def f(image):\n    return image[99]\n", "<student cell>", "exec"), namespace)
    check.to_bgr(namespace["f"])
    assert "IndexError" in capsys.readouterr().out


def test_value_check_does_not_reveal_the_answer(capsys):
    assert check.q_values_in_image(1) is False
    out = capsys.readouterr().out
    assert "1 is not right" in out and str(224 * 224 * 3) not in out


def test_choice_check_is_case_insensitive_and_rejects_unknown_letters(capsys):
    answer = REGISTRY["q_brightest_weight"].expected()
    assert check.q_brightest_weight(answer.upper() + " ") is True
    assert check.q_brightest_weight("q") is False
    assert "not one of the choices" in capsys.readouterr().out


def test_shape_answers_accept_lists_for_tuples():
    assert check.q_batch_shape([32, 64, 64, 3]) is True


def test_unknown_exercise_id_is_a_clear_error():
    with pytest.raises(AttributeError, match="exercise_id must be one of"):
        check.no_such_exercise  # noqa: B018
    with pytest.raises(ValueError, match="exercise_id must be one of"):
        exercises.get("no_such_exercise")


def test_check_lists_its_exercises():
    assert "rgb_to_grayscale" in dir(check)


def test_wrong_image_shape_passed_to_the_handed_back_reference_is_a_clear_error(capsys):
    fn = check.rgb_to_grayscale(not_implemented)
    with pytest.raises(ValueError, match=r"image must have 3 channel\(s\)"):
        fn(np.zeros((4, 4, 4)))


def test_close_comparison_messages():
    compare = exercises.close()
    assert compare(np.zeros(3), np.zeros(3)) is None
    assert "wrong shape" in compare(np.zeros(3), np.zeros(4))
    assert "1 of 3 values differ" in compare(np.zeros(3), np.array([0, 0, 1.0]))


def test_exact_comparison_is_strict_about_bools():
    compare = exercises.exact()
    assert compare(1, True) is not None
    assert compare((2, 3), [2, 3]) is None
    assert compare(5, np.int64(5)) is None


def test_quiz_lists_say_which_answers_are_wrong_without_revealing_them(capsys):
    from cnncourse.exercises.lesson03 import shape_answers

    answers = shape_answers()
    assert check.q_shape_quiz(answers) is True
    wrong = list(answers)
    wrong[1] = (1, 1, 1)
    assert check.q_shape_quiz(wrong) is False
    out = capsys.readouterr().out
    assert "question 2 of 4 not right" in out and str(answers[1]) not in out
    assert check.q_shape_quiz(answers[:2]) is False
    assert "a list of 4 answers" in capsys.readouterr().out


def test_generated_shape_questions_are_reproducible_and_valid():
    from cnncourse import shapes
    from cnncourse.exercises.lesson03 import shape_answers, shape_questions

    assert shape_questions(seed=5) == shape_questions(seed=5)
    assert shape_questions(seed=5) != shape_questions(seed=6)
    for q, (h, w, k) in zip(shape_questions(seed=5), shape_answers(seed=5), strict=True):
        size = shapes.conv_output_size(q["size"], q["kernel_size"], q["stride"], q["padding"])
        assert h == w == size >= 1 and k == q["filters"]


def test_generated_stack_questions_are_reproducible_and_fit():
    from cnncourse.exercises.lesson03 import receptive_field_answers, receptive_field_questions
    from cnncourse.exercises.lesson04 import stack_answers, stack_question

    for seed in range(20):
        assert stack_question(seed) == stack_question(seed)
        question, volumes = stack_question(seed), stack_answers(seed)
        assert len(volumes) == len(question["layers"]) >= 4
        assert {layer["kind"] for layer in question["layers"]} == {"conv", "pool"}
        assert all(h >= 1 and w >= 1 for h, w, _ in volumes)
        stacks = receptive_field_questions(seed)
        assert all(any(layer["stride"] > 1 for layer in stack[:-1]) for stack in stacks)
        assert all(
            r >= max(layer["kernel_size"] for layer in stack)
            for r, stack in zip(receptive_field_answers(seed), stacks, strict=True)
        )
    assert stack_question(4) != stack_question(5)


# ----------------------------------------------------------------- model exercises


def test_model_exercise_accepts_a_model_or_a_function_returning_one():
    from cnncourse.exercises.lesson05 import target_model

    exercise = REGISTRY["build_from_table"]
    assert exercise.grade(target_model).status == PASSED
    assert exercise.grade(target_model()).status == PASSED


def test_model_exercise_names_the_first_layer_that_differs():
    import keras

    def wrong_activation():
        model = REGISTRY["build_from_table"].reference()
        model.layers[0].activation = keras.activations.tanh
        return model

    result = REGISTRY["build_from_table"].grade(wrong_activation)
    assert result.status == FAILED
    assert "layer 1 (Conv2D): activation should be 'relu', got 'tanh'" in result.message


def test_model_exercise_reports_missing_layers_and_not_built_answers():
    import keras

    exercise = REGISTRY["build_from_table"]
    short = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, padding="same", activation="relu")]
    )
    assert "expected 7 layers after the input, got 1" in exercise.grade(short).message
    assert exercise.grade(not_implemented).status == NOT_DONE
    assert exercise.grade(42).status == "error"
