"""Tests of the shapes that are not digits and of the classifier that learns them."""

import numpy as np
import pytest

from preprocessing.normalize import MNIST_CENTRE
from samples.fonts import find_fonts
from train import DigitClassifier
from train.classifier import NOT_A_DIGIT
from train.mnist import load_mnist
from train.non_digits import (LETTERS, LOOKALIKE_LETTERS, NON_DIGIT_SHARE, draw_non_digits,
                              non_digit_count)

FONTS = find_fonts()


def test_letters_leave_out_digits_and_their_lookalikes():
    assert not set(LETTERS) & set("0123456789")
    assert not set(LETTERS) & set(LOOKALIKE_LETTERS)
    assert {"H", "K", "W", "e", "m"} <= set(LETTERS)


def test_non_digit_count_is_the_stated_share():
    assert non_digit_count(60000) == round(NON_DIGIT_SHARE * 60000)
    assert non_digit_count(0) == 0


@pytest.mark.parametrize("fonts", [[], FONTS[:2]], ids=["hershey-only", "with-fonts"])
def test_non_digits_are_in_mnist_format(fonts):
    X = draw_non_digits(fonts, 200, random_state=1)
    assert X.shape == (200, 28, 28) and X.dtype == np.uint8
    for shape in X:
        ys, xs = np.nonzero(shape)
        assert ys.size > 0
        # Scaled to fill the 20x20 box; deskewing may widen wide letters.
        height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        assert height <= 22 and max(height, width) >= 18
        weights = shape.astype(float)
        cy = (weights.sum(axis=1) * np.arange(28)).sum() / weights.sum()
        cx = (weights.sum(axis=0) * np.arange(28)).sum() / weights.sum()
        assert abs(cx - MNIST_CENTRE) < 1.5 and abs(cy - MNIST_CENTRE) < 1.5
    assert np.array_equal(X, draw_non_digits(fonts, 200, random_state=1))
    assert not np.array_equal(X, draw_non_digits(fonts, 200, random_state=2))
    assert draw_non_digits(fonts, 0).shape == (0, 28, 28)


@pytest.fixture(scope="module")
def test_digits(mnist_dir):
    return load_mnist("test", mnist_dir, download=False)


@pytest.fixture(scope="module")
def classifiers(mnist_dir):
    """The same digits learnt without and with shapes that are not digits."""
    X, y = load_mnist("train", mnist_dir, download=False)
    X, y = X[:6000], y[:6000]
    without = DigitClassifier().fit(X, y)
    with_shapes = DigitClassifier().fit(X, y, non_digits=draw_non_digits(FONTS, 1500))
    return without, with_shapes


def test_classifier_still_speaks_of_digits_only(classifiers, test_digits):
    _, learnt = classifiers
    X_test, _ = test_digits
    assert list(learnt.classes_) == list(range(10))
    assert NOT_A_DIGIT in learnt.estimator_.classes_
    proba, typicality = learnt.assess(X_test[:500])
    assert proba.shape == (500, 10) and typicality.shape == (500,)
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert np.allclose(learnt.predict_proba(X_test[:500]), proba)
    assert set(learnt.predict(X_test[:500])) <= set(range(10))


def test_learnt_non_digits_lose_their_confidence(classifiers, test_digits):
    """Other drawings of letters and boxes are read with far less confidence;
    test digits keep their labels and their confidence."""
    without, learnt = classifiers
    X_test, y_test = test_digits
    letters = draw_non_digits(FONTS, 500, random_state=7)

    def confident(model, X):
        proba, typicality = model.assess(X)
        return proba.max(axis=1) * typicality >= 0.5

    assert confident(without, letters).mean() > 0.3
    assert confident(learnt, letters).mean() <= 0.5 * confident(without, letters).mean()
    digits, labels = X_test[:2000], y_test[:2000]
    assert np.mean(learnt.predict(digits) == labels) >= np.mean(without.predict(digits) == labels) - 0.005
    assert confident(learnt, digits).mean() >= confident(without, digits).mean() - 0.01


def test_assessment_parts_tell_letters_from_digits(classifiers, test_digits):
    """Other drawings of letters are mostly taken for shapes that are not
    digits and test digits for digits; typicality is the product of the
    closeness to the learnt shapes and that probability."""
    without, learnt = classifiers
    X_test, _ = test_digits
    letters = draw_non_digits(FONTS, 500, random_state=7)
    for X in (letters, X_test[:500]):
        proba, closeness, digit_probability = learnt.assess_parts(X)
        typicality = learnt.assess(X)[1]
        assert closeness.shape == digit_probability.shape == (len(X),)
        assert closeness.min() >= 0 and closeness.max() <= 1
        np.testing.assert_allclose(typicality, closeness * digit_probability, atol=1e-6)
        np.testing.assert_allclose(proba, learnt.assess(X)[0])
    assert np.mean(learnt.assess_parts(letters)[2] < 0.3) >= 0.9
    assert np.mean(learnt.assess_parts(X_test[:500])[2] > 0.7) >= 0.98
    assert np.all(without.assess_parts(letters)[2] == 1)
