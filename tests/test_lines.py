"""Printed lines: long straight runs are found, digit strokes are not."""

import cv2
import numpy as np
import pytest

from preprocessing.lines import find_printed_lines


def ruled_mask(angle_deg, size=(360, 640), spacing=40):
    """Mask of ruled lines at an angle, crossing the whole image, and the
    pixels of a short stroke at the same angle touching the left edge."""
    h, w = size
    lines = np.zeros(size, np.uint8)
    slope = np.tan(np.deg2rad(angle_deg))
    for y in range(-h, 2 * h, spacing):
        cv2.line(lines, (0, y), (w - 1, int(round(y + slope * (w - 1)))), 1, 1)
    stroke = np.zeros(size, np.uint8)
    y = spacing // 2
    cv2.line(stroke, (0, y), (30, int(round(y + slope * 30))), 1, 2)
    return lines, stroke & (1 - cv2.dilate(lines, np.ones((3, 3), np.uint8)))


def add_stroke(mask, ink, rows, cols, strength):
    """Draw a pen stroke (a filled rectangle) of ``strength`` ink over the
    mask and the ink; return its pixels."""
    stroke = np.zeros(mask.shape, np.uint8)
    stroke[rows, cols] = 1
    mask |= stroke
    ink[stroke > 0] = strength
    return stroke


def lines_removed(ink, mask):
    """The mask without the printed lines found in it (which must be some)."""
    found = find_printed_lines(ink, mask, digit_height=20)
    assert found is not None
    return found.remove(mask, ink)


@pytest.mark.parametrize("angle", [0.0, 3.0, 12.0, 88.0])
def test_ruled_lines_are_found_end_to_end_and_short_strokes_are_not(angle):
    lines, stroke = ruled_mask(angle) if angle < 45 else (
        m.T.copy() for m in ruled_mask(90 - angle, size=(640, 360)))
    mask = lines | stroke
    ink = mask.astype(np.float32) * 0.3
    left = lines_removed(ink, mask)
    assert np.count_nonzero(left & lines) < 0.02 * np.count_nonzero(lines)
    assert np.count_nonzero(left & stroke) == np.count_nonzero(stroke)


def test_a_dark_edge_beside_faint_rules_does_not_raise_their_level():
    # Faint rules between the two dark edges of a desk around the sheet, all
    # parallel: the edges' thick bands hold most of the family's pixels, yet
    # a pen stroke crossing a rule, far darker than the rule though far
    # lighter than the desk, is kept whole.
    h, w = 360, 640
    mask = np.zeros((h, w), np.uint8)
    ink = np.zeros((h, w), np.float32)
    for y in range(40, h - 40, 40):
        cv2.line(mask, (0, y), (w - 1, y), 1, 1)
    ink[mask > 0] = 0.15
    for y0 in (5, h - 20):
        mask[y0:y0 + 15] = 1
        ink[y0:y0 + 15] = 0.9
    stroke = add_stroke(mask, ink, slice(145, 175), slice(300, 302), 0.4)
    left = lines_removed(ink, mask)
    rules = (mask > 0) & (stroke == 0) & (ink < 0.5)
    assert np.count_nonzero(left & rules) < 0.02 * np.count_nonzero(rules)
    assert np.count_nonzero(left & stroke) == np.count_nonzero(stroke)


def test_rules_darker_at_one_end_are_removed_there_too():
    # Light falling off across the sheet: the rules' ink rises from 0.15 on
    # the left to 0.3 on the right, twice their level over the whole family.
    # The dark stretches still go, and a pen stroke crossing a rule there,
    # clearly darker than the rule beside it, stays whole.
    h, w = 360, 640
    mask = np.zeros((h, w), np.uint8)
    for y in range(40, h - 20, 40):
        cv2.line(mask, (0, y), (w - 1, y), 1, 1)
    gradient = np.linspace(0.15, 0.3, w, dtype=np.float32)[None, :]
    ink = np.where(mask > 0, gradient, 0.0).astype(np.float32)
    stroke = add_stroke(mask, ink, slice(145, 175), slice(560, 562), 0.6)
    left = lines_removed(ink, mask)
    rules = (mask > 0) & (stroke == 0)
    dark_end = rules.copy()
    dark_end[:, : 3 * w // 4] = False
    assert np.count_nonzero(left & dark_end) < 0.02 * np.count_nonzero(dark_end)
    assert np.count_nonzero(left & rules) < 0.02 * np.count_nonzero(rules)
    assert np.count_nonzero(left & stroke) == np.count_nonzero(stroke)


def test_strokes_of_large_digits_do_not_outvote_the_rules():
    # Searched without a digit height (the net of digits and grid of a
    # squared sheet), runs a few digit strokes long count as stretches of
    # line. Twelve dark strokes along the rules, each longer than such a
    # run but far shorter than a rule, outnumber the eight faint rules; yet
    # the rules set the level, and the strokes are kept whole.
    h, w = 360, 640
    mask = np.zeros((h, w), np.uint8)
    for y in range(40, h - 20, 40):
        cv2.line(mask, (0, y), (w - 1, y), 1, 1)
    ink = np.where(mask > 0, 0.15, 0.0).astype(np.float32)
    strokes = np.zeros_like(mask)
    for row in range(6):
        for column in range(2):
            y, x = 57 + 40 * row, 100 + 300 * column
            strokes |= add_stroke(mask, ink, slice(y, y + 5), slice(x, x + 70), 0.6)
    found = find_printed_lines(ink, mask, families_only=True)
    assert found is not None
    left = found.remove(mask, ink)
    rules = (mask > 0) & (strokes == 0)
    assert np.count_nonzero(left & rules) < 0.02 * np.count_nonzero(rules)
    assert np.count_nonzero(left & strokes) == np.count_nonzero(strokes)
