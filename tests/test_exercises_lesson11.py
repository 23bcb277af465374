"""Lesson 11's exercises: GIoU, AP of a ranked list, and the generated quiz questions."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnncourse import detection, metrics, plot  # noqa: E402
from cnncourse.exercises import FAILED, PASSED, for_lesson  # noqa: E402
from cnncourse.exercises import lesson11 as l09  # noqa: E402


def random_boxes(rng, n):
    corner = rng.uniform(0, 20, size=(n, 2))
    return np.concatenate([corner, corner + rng.uniform(1, 12, size=(n, 2))], axis=1)


def test_lesson_11_has_at_least_three_coding_exercises_and_generated_quizzes():
    kinds = [e.kind for e in for_lesson(11)]
    assert kinds.count("function") >= 3
    assert kinds.count("value") >= 3
    assert "q_nms_purpose" not in {e.id for e in for_lesson(11)}  # replaced by a computed question


# ----------------------------------------------------------------- generalised IoU


def test_giou_is_the_iou_when_the_enclosing_box_is_the_union():
    a = np.array([[0.0, 0, 4, 2], [0, 0, 6, 6]])
    b = np.array([[2.0, 0, 6, 2], [1, 1, 3, 3]])  # side by side in a row; one inside the other
    assert np.allclose(l09.giou(a, b), metrics.iou(a, b))


def test_giou_is_negative_and_falls_as_disjoint_boxes_move_apart():
    a = np.array([[0.0, 0, 2, 2]] * 3)
    b = np.array([[3.0, 0, 5, 2], [6, 0, 8, 2], [20, 0, 22, 2]])
    values = l09.giou(a, b)
    assert np.all(metrics.iou(a, b) == 0)
    assert np.all(values < 0) and values[0] > values[1] > values[2] > -1
    assert np.isclose(values[0], -1 / 5)  # hull 10, union 8


def test_giou_is_never_above_the_iou_and_agrees_with_the_package_loss():
    rng = np.random.default_rng(0)
    a, b = random_boxes(rng, 200), random_boxes(rng, 200)
    values = l09.giou(a, b)
    assert np.all(values <= metrics.iou(a, b) + 1e-12) and np.all(values > -1)
    loss = detection.BoxIoULoss()(detection.encode_boxes(a, 40), detection.encode_boxes(b, 40))
    per_box = detection.BoxIoULoss(reduction=None)(
        detection.encode_boxes(a, 40), detection.encode_boxes(b, 40)
    )
    assert np.allclose(1 - np.asarray(per_box), values, atol=1e-5)
    assert np.isclose(float(loss), np.mean(1 - values), atol=1e-5)


def test_an_iou_answer_fails_the_giou_exercise():
    def plain_iou(box_a, box_b):
        return metrics.iou(box_a, box_b)

    assert l09.generalized_iou.grade(l09.giou).status == PASSED
    assert l09.generalized_iou.grade(plain_iou).status == FAILED


# ----------------------------------------------------------------- AP of a ranked list


def as_detections(hits, n_true):
    """The ranked list as boxes in images: a hit on a true box, a miss elsewhere."""
    on, off = np.array([[2.0, 2, 12, 12]]), np.array([[20.0, 20, 30, 30]])
    hits = [bool(h) for h in hits]
    missed = n_true - sum(hits)
    pred = [on if h else off for h in hits] + [np.zeros((0, 4))] * missed
    true = [on if h else np.zeros((0, 4)) for h in hits] + [on] * missed
    scores = [np.array([1.0 - k / 100]) for k in range(len(hits))] + [np.zeros(0)] * missed
    zeros = [np.zeros(len(b), int) for b in pred], [np.zeros(len(b), int) for b in true]
    return pred, scores, zeros[0], true, zeros[1]


@pytest.mark.parametrize("seed", range(25))
def test_ranked_ap_equals_the_packages_average_precision(seed):
    rng = np.random.default_rng(seed)
    hits = rng.random(int(rng.integers(1, 15))) < 0.6
    n_true = max(1, int(hits.sum()) + int(rng.integers(0, 4)))
    expected = metrics.average_precision(*as_detections(hits, n_true), num_classes=1)
    assert np.isclose(l09.ranked_average_precision(hits, n_true), expected)


def test_ranked_ap_uses_the_precision_envelope():
    def without_envelope(is_true_positive, n_ground_truth):
        hits = np.asarray(is_true_positive, float)
        precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        return float(np.sum(hits / n_ground_truth * precision))

    hits = [True, False, False, True, True]
    assert l09.ranked_average_precision(hits, 4) == pytest.approx(0.55)
    assert without_envelope(hits, 4) == pytest.approx(0.525)
    exercise = l09.ranked_average_precision_exercise
    assert exercise.grade(l09.ranked_average_precision).status == PASSED
    assert exercise.grade(without_envelope).status == FAILED
    assert l09.ranked_average_precision([], 3) == 0.0


def test_precision_recall_figure_shows_the_same_ap():
    hits = [True, True, False, True, False, False, True]
    ax = plot.precision_recall(hits, 5, label="x")
    text = ax.get_legend().get_texts()[0].get_text()
    assert text == f"x: AP {l09.ranked_average_precision(hits, 5):.3f}"
    with pytest.raises(ValueError, match="n_ground_truth"):
        plot.precision_recall([True, True], 1)
    matplotlib.pyplot.close("all")


# ----------------------------------------------------------------- generated quiz questions


@pytest.mark.parametrize("seed", range(20))
def test_generated_questions_are_reproducible_and_make_sense(seed):
    for question in (l09.iou_question, l09.ranked_ap_question, l09.grid_question, l09.nms_question):
        assert question(seed) == question(seed)

    q = l09.iou_question(seed)
    overlap, generalised = l09.iou_answer(seed)
    assert min(q["box_a"] + q["box_b"]) >= 0
    assert 0.2 <= overlap <= 0.7 and generalised < overlap - 0.05

    q = l09.ranked_ap_question(seed)
    hits = q["is_true_positive"]
    first_fp = hits.index(False)
    assert hits[0] and any(hits[first_fp:]) and q["n_ground_truth"] > sum(hits)
    as_ranked, moved = l09.ranked_ap_answer(seed)
    assert moved > as_ranked  # a false positive costs precision only before a true positive

    q = l09.grid_question(seed)
    (s, s2, channels), candidates = l09.grid_answer(seed)
    assert s == s2 == q["image_size"] / q["cell_size"] >= 7
    assert channels == q["anchors"] * (5 + q["num_classes"]) and candidates == s * s * q["anchors"]

    agnostic, per_class = l09.nms_answer(seed)
    assert 1 <= agnostic < per_class <= len(l09.nms_question(seed)["boxes"])


def test_generated_questions_differ_across_seeds():
    for question in (l09.iou_question, l09.ranked_ap_question, l09.grid_question, l09.nms_question):
        assert len({str(question(seed)) for seed in range(10)}) > 1


def test_quiz_answers_pass_and_near_misses_fail():
    assert l09.q_box_iou.grade(l09.iou_answer()).status == PASSED
    overlap, generalised = l09.iou_answer()
    assert l09.q_box_iou.grade((overlap, overlap)).status == FAILED  # the IoU twice
    assert l09.q_box_iou.grade((round(overlap, 3), round(generalised, 3))).status == PASSED
    assert l09.q_ranked_ap.grade(l09.ranked_ap_answer()).status == PASSED
    as_ranked, _ = l09.ranked_ap_answer()
    assert l09.q_ranked_ap.grade((as_ranked, as_ranked)).status == FAILED
    shape, candidates = l09.grid_answer()
    assert l09.q_grid_output.grade([list(shape), candidates]).status == PASSED
    q = l09.grid_question()
    s = q["image_size"] // q["cell_size"]
    one_box = ((s, s, 5 + q["num_classes"]), s * s)  # forgot the anchors
    assert l09.q_grid_output.grade(one_box).status == FAILED
    agnostic, per_class = l09.nms_answer()
    assert l09.q_nms_count.grade((agnostic, per_class)).status == PASSED
    assert l09.q_nms_count.grade((per_class, agnostic)).status == FAILED
