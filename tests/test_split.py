"""Cutting touching digits apart: when a cut is tried and when it is kept."""

import cv2
import numpy as np
import pytest

from preprocessing.pieces import find_pieces
from preprocessing.split import split_touching


def two_rings(width, height=40):
    """Mask of two rings side by side that touch, ``width`` wide in all."""
    mask = np.zeros((height + 20, width + 20), np.uint8)
    half = width // 2
    cv2.ellipse(mask, (10 + half // 2, 10 + height // 2), (half // 2, height // 2), 0, 0, 360, 1, 3)
    cv2.ellipse(mask, (10 + half + half // 2, 10 + height // 2), (half // 2, height // 2),
                0, 0, 360, 1, 3)
    return mask


class Confidences:
    """Confidence by size: the whole blob gets ``whole``, a part ``part``;
    records every piece judged."""

    def __init__(self, whole, part, whole_width):
        self.whole, self.part, self.whole_width = whole, part, whole_width
        self.judged = []

    def __call__(self, pieces):
        self.judged.extend(pieces)
        return [self.whole if p.w >= self.whole_width else self.part for p in pieces]


@pytest.mark.parametrize("width, whole, parts", [
    (56, 0.9, 2),    # 1.4 times as wide as tall: seldom one digit, a small gain will do
    (42, 0.9, 1),    # 1.05: could be one wide digit, the parts must gain more
    (42, 0.7, 2),
])
def test_a_wide_blob_is_cut_on_a_smaller_gain(width, whole, parts):
    labels, pieces = find_pieces(two_rings(width))
    assert len(pieces) == 1
    confidence = Confidences(whole, 0.98, pieces[0].w)
    assert len(split_touching(pieces, labels, confidence)) == parts


def test_parts_are_not_judged_when_the_whole_is_too_sure_to_lose():
    labels, pieces = find_pieces(two_rings(56))
    confidence = Confidences(0.99, 1.0, pieces[0].w)
    assert split_touching(pieces, labels, confidence) == pieces
    assert confidence.judged == pieces
