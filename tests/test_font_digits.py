"""Tests of the digits drawn in handwriting fonts for training."""

import numpy as np
import pytest

from preprocessing.normalize import MNIST_CENTRE
from samples.fonts import find_fonts
from train import DigitClassifier
from train.mnist import load_mnist
from train.font_digits import FONT_SHARE, draw_font_digits, font_digit_count

FONTS = find_fonts()
needs_fonts = pytest.mark.skipif(not FONTS, reason="no handwriting fonts installed")


def test_font_digit_count_adds_the_stated_share():
    for n_mnist, n_fonts in ((60000, 21), (5000, 8), (3000, 1)):
        per_digit = font_digit_count(n_mnist, n_fonts)
        added = 10 * n_fonts * per_digit
        assert FONT_SHARE * n_mnist <= added < FONT_SHARE * n_mnist + 10 * n_fonts
    assert font_digit_count(100, 500) == 1
    assert font_digit_count(60000, 0) == 0


def test_no_fonts_gives_no_digits():
    X, y = draw_font_digits([], 5)
    assert X.shape == (0, 28, 28) and X.dtype == np.uint8 and y.shape == (0,)


@needs_fonts
def test_font_digits_are_in_mnist_format():
    fonts = FONTS[:3]
    X, y = draw_font_digits(fonts, 4, random_state=1)
    assert X.shape == (3 * 10 * 4, 28, 28) and X.dtype == np.uint8
    assert np.array_equal(np.bincount(y, minlength=10), np.full(10, 12))
    for digit in X:
        ys, xs = np.nonzero(digit)
        # The ink fits the 20x20 box and its centre of mass is the frame's.
        assert ys.max() - ys.min() < 23 and xs.max() - xs.min() < 23
        weights = digit.astype(float)
        cy = (weights.sum(axis=1) * np.arange(28)).sum() / weights.sum()
        cx = (weights.sum(axis=0) * np.arange(28)).sum() / weights.sum()
        assert abs(cx - MNIST_CENTRE) < 1.5 and abs(cy - MNIST_CENTRE) < 1.5
    again, _ = draw_font_digits(fonts, 4, random_state=1)
    other, _ = draw_font_digits(fonts, 4, random_state=2)
    assert np.array_equal(X, again) and not np.array_equal(X, other)


@needs_fonts
def test_font_digits_teach_the_shapes_mnist_lacks(mnist_dir):
    """Trained with font digits, the classifier reads other drawings of
    those fonts' digits that MNIST alone misreads."""
    X_train, y_train = load_mnist("train", mnist_dir, download=False)
    X_fonts, y_fonts = draw_font_digits(FONTS, font_digit_count(6000, len(FONTS)))
    X_new, y_new = draw_font_digits(FONTS, 2, random_state=7)
    alone = DigitClassifier().fit(X_train[:6000], y_train[:6000])
    both = DigitClassifier().fit(np.concatenate([X_train[:6000], X_fonts]),
                                 np.concatenate([y_train[:6000], y_fonts]))
    accuracy_alone = np.mean(alone.predict(X_new) == y_new)
    accuracy_both = np.mean(both.predict(X_new) == y_new)
    assert accuracy_alone < 0.99
    assert accuracy_both >= 0.99
    assert 1 - accuracy_both <= 0.5 * (1 - accuracy_alone)
