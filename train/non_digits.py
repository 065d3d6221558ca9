"""Shapes that are not digits, in the MNIST format, for training.

A classifier that has only ever seen digits calls every blob some digit: a
printed "H" is a 4, the box around a stamp is a 0. Letters in the
handwriting fonts and in OpenCV's Hershey fonts, and box outlines, drawn the
way the font digits are (:func:`train.font_digits.draw_variant`), teach it
what a digit is not. Letters that people write like digits (O, I, S, Z, b,
q, C, L, ...) are left out: a reader must still take them for the digit.
"""

import math

import cv2
import numpy as np

from preprocessing.normalize import MNIST_SIZE
from samples.fonts import render_char
from train.font_digits import draw_variant

# Non-digit shapes make up about this share of the MNIST digits they join.
NON_DIGIT_SHARE = 0.1
# Letters drawn like a digit in someone's hand or in some font: an open 0
# is a C or a U, a 6 with a small loop an L or an h, a 9 or a 6 an a or a d.
LOOKALIKE_LETTERS = "OoQDIlijJSsZzBgqbGTtAyCcUuLhad"
LETTERS = "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  if c not in LOOKALIKE_LETTERS)
HERSHEY_FONTS = tuple(face | style
                      for face in (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX,
                                   cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
                                   cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX)
                      for style in (0, cv2.FONT_ITALIC))
# Share of the shapes that are box outlines rather than letters.
_BOX_SHARE = 0.05
_HERSHEY_SCALE = 4  # letters about 120 px tall
_HERSHEY_THICKNESS = (4, 12)
_BOX_WIDTH = (60, 200)
_BOX_HEIGHT = (40, 120)
_BOX_THICKNESS = (3, 12)


def non_digit_count(n_mnist):
    """Non-digit shapes to draw beside ``n_mnist`` MNIST digits.

    Parameters
    ----------
    n_mnist : int

    Returns
    -------
    int
    """
    return math.ceil(NON_DIGIT_SHARE * n_mnist)


def draw_non_digits(fonts, count, random_state=0):
    """Draw letters and box outlines in MNIST format.

    Parameters
    ----------
    fonts : sequence of str
        Handwriting font files whose letters are drawn; the Hershey fonts
        are always drawn too.
    count : int
        Shapes to draw; each letter of each font is drawn about as often.
    random_state : int, default 0

    Returns
    -------
    ndarray of shape (count, 28, 28), uint8
        White ink on black.
    """
    rng = np.random.default_rng(random_state)
    letters = [(font, char) for font in (*fonts, *HERSHEY_FONTS) for char in LETTERS]
    n_boxes = round(_BOX_SHARE * count)
    order = np.resize(rng.permutation(len(letters)), count - n_boxes)
    shapes = []
    for glyph in [_letter(*letters[i], rng) for i in order] + [_box(rng) for _ in range(n_boxes)]:
        shape = draw_variant(glyph, rng) if glyph.size else None
        # A cut that leaves no ink is drawn again from a box, which always has ink.
        while shape is None:
            shape = draw_variant(_box(rng), rng)
        shapes.append(shape)
    if not shapes:
        return np.zeros((0, MNIST_SIZE, MNIST_SIZE), np.uint8)
    return np.stack(shapes)


def _letter(font, char, rng):
    """Ink coverage of a letter in a font file or a Hershey font."""
    if isinstance(font, str):
        return render_char(font, char)
    thickness = int(rng.integers(*_HERSHEY_THICKNESS))
    (width, height), baseline = cv2.getTextSize(char, font, _HERSHEY_SCALE, thickness)
    pad = 2 * thickness
    canvas = np.zeros((height + baseline + 2 * pad, width + 2 * pad), np.uint8)
    cv2.putText(canvas, char, (pad, pad + height), font, _HERSHEY_SCALE, 255, thickness,
                cv2.LINE_AA)
    return _crop(canvas.astype(np.float32) / 255)


def _box(rng):
    """Ink coverage of a rectangle's outline, as drawn around a stamp or a field."""
    width, height = int(rng.integers(*_BOX_WIDTH)), int(rng.integers(*_BOX_HEIGHT))
    thickness = int(rng.integers(*_BOX_THICKNESS))
    canvas = np.zeros((height + thickness, width + thickness), np.float32)
    half = thickness // 2
    cv2.rectangle(canvas, (half, half), (half + width, half + height), 1.0, thickness)
    return _crop(canvas)


def _crop(coverage):
    rows = np.flatnonzero(coverage.max(axis=1) > 0)
    cols = np.flatnonzero(coverage.max(axis=0) > 0)
    if rows.size == 0:
        return np.zeros((0, 0), np.float32)
    return coverage[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
