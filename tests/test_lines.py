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


@pytest.mark.parametrize("angle", [0.0, 3.0, 12.0, 88.0])
def test_ruled_lines_are_found_end_to_end_and_short_strokes_are_not(angle):
    lines, stroke = ruled_mask(angle) if angle < 45 else (
        m.T.copy() for m in ruled_mask(90 - angle, size=(640, 360)))
    mask = lines | stroke
    ink = mask.astype(np.float32) * 0.3
    found = find_printed_lines(ink, mask, digit_height=20)
    assert found is not None
    left = found.remove(mask, ink)
    assert np.count_nonzero(left & lines) < 0.02 * np.count_nonzero(lines)
    assert np.count_nonzero(left & stroke) == np.count_nonzero(stroke)
