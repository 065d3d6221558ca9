"""Digits drawn in handwriting fonts, in the MNIST format, for training.

MNIST's writers rarely put a flag on a 1 or a bar across a 7 and write few
narrow, slanted 8s; the handwriting fonts of Debian's font packages do all
of that. Each font's digits are drawn many times, turned, slanted and
stretched a little, and brought to the MNIST format along the path every
digit found in a photo takes (:func:`preprocessing.extract.mask_to_mnist`).
"""

import math

import cv2
import numpy as np

from preprocessing.extract import mask_to_mnist
from preprocessing.normalize import MNIST_SIZE
from samples.fonts import DIGITS, render_char

# Font digits make up about this share of the MNIST digits they join.
FONT_SHARE = 0.1
# Ranges of the random changes of each drawing.
_MAX_TURN = 10.0  # degrees
_MAX_SLANT = 0.3  # horizontal shift per unit of height
_STRETCH = (0.8, 1.2)  # of the width
_CUT_LEVEL = (0.3, 0.7)  # coverage at which the glyph is cut into a mask


def font_digit_count(n_mnist, n_fonts):
    """Drawings per digit of each font, so fonts add ``FONT_SHARE`` of ``n_mnist``.

    Parameters
    ----------
    n_mnist : int
        MNIST digits in the training set.
    n_fonts : int
        Fonts available.

    Returns
    -------
    int
        At least 1 when there is a font, 0 otherwise.
    """
    if n_fonts == 0:
        return 0
    return max(1, math.ceil(FONT_SHARE * n_mnist / (len(DIGITS) * n_fonts)))


def draw_font_digits(fonts, per_digit, random_state=0):
    """Draw every digit of every font ``per_digit`` times, in MNIST format.

    Parameters
    ----------
    fonts : sequence of str
        Font files, e.g. from :func:`samples.fonts.find_fonts`.
    per_digit : int
        Drawings of each digit of each font.
    random_state : int, default 0

    Returns
    -------
    X : ndarray of shape (N, 28, 28), uint8
        White ink on black.
    y : ndarray of shape (N,), uint8
    """
    rng = np.random.default_rng(random_state)
    digits, labels = [], []
    for font in fonts:
        for label, char in enumerate(DIGITS):
            glyph = render_char(font, char)
            if glyph.size == 0:
                continue
            for _ in range(per_digit):
                digit = draw_variant(glyph, rng)
                if digit is not None:
                    digits.append(digit)
                    labels.append(label)
    if not digits:
        return np.zeros((0, MNIST_SIZE, MNIST_SIZE), np.uint8), np.zeros(0, np.uint8)
    return np.stack(digits), np.array(labels, np.uint8)


def draw_variant(glyph, rng):
    """Draw a glyph once more, turned, slanted, stretched and cut, in MNIST format.

    Parameters
    ----------
    glyph : ndarray of shape (H, W), float32
        Ink coverage in [0, 1], cropped to the ink.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (28, 28), uint8, or None
        White ink on black; None when the cut leaves no ink.
    """
    pad = max(glyph.shape) // 2
    canvas = cv2.copyMakeBorder(np.ascontiguousarray(glyph), pad, pad, pad, pad,
                                cv2.BORDER_CONSTANT, value=0)
    centre = np.array([canvas.shape[1], canvas.shape[0]], np.float64) / 2
    turn = np.deg2rad(rng.uniform(-_MAX_TURN, _MAX_TURN))
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    slant = np.array([[rng.uniform(*_STRETCH), rng.uniform(-_MAX_SLANT, _MAX_SLANT)], [0, 1]])
    linear = rotation @ slant
    warp = np.hstack([linear, (centre - linear @ centre)[:, None]]).astype(np.float32)
    warped = cv2.warpAffine(canvas, warp, (canvas.shape[1], canvas.shape[0]),
                            flags=cv2.INTER_LINEAR)
    return mask_to_mnist((warped >= rng.uniform(*_CUT_LEVEL)).view(np.uint8))
