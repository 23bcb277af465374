"""Lesson 13's exercises: the references agree with scikit-image, the cases catch the
mistakes the lesson warns about, and the generated questions are well formed."""

import numpy as np

from cnncourse import features, transforms
from cnncourse.exercises import FAILED, PASSED, for_lesson, lesson13


def test_lesson_13_has_at_least_three_coding_exercises_and_a_quiz():
    kinds = [e.kind for e in for_lesson(13)]
    assert kinds.count("function") >= 3
    assert kinds.count("value") >= 3


# --------------------------------------------------------------------------- hog_cell_histogram


def test_the_cell_histogram_reference_is_scikit_images_on_every_case():
    from skimage.feature import hog

    rng = np.random.default_rng(0)
    image = rng.random((16, 24))
    magnitude, orientation = features.magnitude_orientation(*features.gradients(image))
    theirs = hog(image, 9, (8, 8), (1, 1), block_norm="L1", feature_vector=False)
    for r in range(2):
        for c in range(3):
            cell = np.s_[8 * r : 8 * r + 8, 8 * c : 8 * c + 8]
            ours = lesson13.hog_cell_histogram.reference(magnitude[cell], orientation[cell], 9)
            np.testing.assert_allclose(ours / (ours.sum() + 1e-5), theirs[r, c, 0, 0], atol=1e-6)


def test_hog_cell_histogram_catches_a_bin_edge_off_by_one_and_a_missing_division():
    exercise = lesson13.hog_cell_histogram

    def ceil_bins(magnitude, orientation, orientations):
        width = 180 / orientations
        bins = np.minimum(np.ceil(orientation / width).astype(int), orientations - 1)
        return np.bincount(bins.ravel(), magnitude.ravel(), orientations) / magnitude.size

    def sums(magnitude, orientation, orientations):
        return features.cell_histogram(magnitude, orientation, orientations) * magnitude.size

    assert exercise.grade(ceil_bins).status == FAILED
    assert exercise.grade(sums).status == FAILED


def test_np_histogram_also_passes_the_cell_exercise():
    def with_histogram(magnitude, orientation, orientations):
        counts, _ = np.histogram(orientation, orientations, range=(0, 180), weights=magnitude)
        return counts / magnitude.size

    assert lesson13.hog_cell_histogram.grade(with_histogram).status == PASSED


# --------------------------------------------------------------------------- rotation_about_center


def test_rotation_about_center_catches_a_rotation_about_the_corner_and_a_swapped_centre():
    exercise = lesson13.rotation_about_center
    assert (
        exercise.grade(lambda degrees, height, width: transforms.rotation(degrees)).status == FAILED
    )

    def swapped(degrees, height, width):
        return transforms.about(transforms.rotation(degrees), ((height - 1) / 2, (width - 1) / 2))

    def wrong_order(degrees, height, width):
        c = ((width - 1) / 2, (height - 1) / 2)
        return transforms.compose(transforms.translation(*c), transforms.rotation(degrees),
                                  transforms.translation(-c[0], -c[1]))  # fmt: skip

    def whole_pixel_centre(degrees, height, width):
        return transforms.about(transforms.rotation(degrees), (width // 2, height // 2))

    for wrong in (swapped, wrong_order, whole_pixel_centre):
        assert exercise.grade(wrong).status == FAILED, wrong.__name__


def test_rotation_about_center_matches_scikit_images_rotate():
    from skimage.transform import rotate

    image = np.random.default_rng(1).random((12, 17))
    matrix = lesson13.rotation_about_center.reference(30.0, 12, 17)
    # skimage.transform.rotate turns anticlockwise on screen: our -30 degrees
    ours = transforms.warp(image, transforms.rotation_about_center(-30.0, 12, 17), order=1)
    np.testing.assert_allclose(ours, rotate(image, 30, order=1, mode="constant"), atol=1e-9)
    assert not np.allclose(matrix, transforms.rotation_about_center(-30.0, 12, 17))


# --------------------------------------------------------------------------- gabor


def test_gabor_catches_radians_and_a_missing_phase():
    exercise = lesson13.gabor

    def radians(size, wavelength, theta, sigma, phase):
        return features.gabor_kernel(size, wavelength, np.rad2deg(theta), sigma, phase)

    def no_phase(size, wavelength, theta, sigma, phase):
        return features.gabor_kernel(size, wavelength, theta, sigma, 0.0)

    def y_up(size, wavelength, theta, sigma, phase):
        return features.gabor_kernel(size, wavelength, theta, sigma, phase)[::-1]

    for wrong in (radians, no_phase, y_up):
        assert exercise.grade(wrong).status == FAILED, wrong.__name__


# --------------------------------------------------------------------------- quiz


def test_the_hog_lengths_are_scikit_images():
    from skimage.feature import hog

    lengths = [hog(np.zeros((h, w)), o, (c, c), (b, b)).size for h, w, c, b, o in lesson13.HOG_QUIZ]
    assert lesson13.hog_lengths() == lengths
    assert lesson13.q_hog_length.grade(lengths).passed
    assert len(set(lesson13.HOG_QUIZ)) == 3  # three different configurations


def test_the_affine_question_lands_where_the_matrices_put_the_point():
    q = lesson13.AFFINE_QUIZ
    t = np.deg2rad(q["degrees"])
    x, y = q["point"]
    x, y = x * np.cos(t) - y * np.sin(t), x * np.sin(t) + y * np.cos(t)
    x, y = (x + q["shift"][0]) * q["scale"], (y + q["shift"][1]) * q["scale"]
    assert lesson13.q_affine_point.grade([x, y]).passed
    assert not lesson13.q_affine_point.grade([-x, y]).passed or x == 0
    for name in ("q_hog_length", "q_affine_point"):
        assert name in lesson13.QUESTIONS
