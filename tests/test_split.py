"""Cutting touching digits apart: when a cut is tried and when it is kept."""

import cv2
import numpy as np
import pytest

from preprocessing.pieces import find_pieces
from preprocessing.split import (bent_cut, candidate_cuts, cut_piece, middle_cuts,
                                 split_touching)


def two_rings(width, height=40, left=None):
    """Mask of two rings side by side that touch, ``width`` wide in all, the
    left one ``left`` wide (default: half)."""
    left = width // 2 if left is None else left
    right = width - left
    mask = np.zeros((height + 20, width + 20), np.uint8)
    cv2.ellipse(mask, (10 + left // 2, 10 + height // 2), (left // 2, height // 2), 0, 0, 360, 1, 3)
    cv2.ellipse(mask, (10 + left + right // 2, 10 + height // 2), (right // 2, height // 2),
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


@pytest.mark.parametrize("width", [56, 70])
def test_two_rings_are_also_cut_where_they_touch(width):
    # Their columns of least ink run through the loops: only a cut down the
    # middle leaves the two rings whole.
    labels, pieces = find_pieces(two_rings(width))
    ring = pieces[0].w / 2
    widths = [[part.w for part in parts] for parts in middle_cuts(pieces[0], labels)]
    assert any(all(abs(w - ring) <= 2 for w in parts) for parts in widths), widths


@pytest.mark.parametrize("ring_confidence, parts", [(0.95, 2), (0.85, 1)])
def test_a_middle_cut_is_kept_only_when_both_parts_read_surely(ring_confidence, parts):
    # A scribble cut down the middle leaves parts that pass for digits
    # unsurely; the rings themselves read as well as they read.
    labels, pieces = find_pieces(two_rings(70))
    ring = pieces[0].w / 2

    def confidence(judged):
        return [ring_confidence if abs(p.w - ring) <= 2 else 0.0 for p in judged]

    assert len(split_touching(pieces, labels, confidence)) == parts


def test_rings_of_unequal_width_are_cut_where_they_touch():
    # 28 and 42 px wide: they touch at 0.4 of the blob's width.
    labels, pieces = find_pieces(two_rings(70, left=28))
    widths = [[part.w for part in parts] for parts in middle_cuts(pieces[0], labels)]
    assert any(abs(a - 31) <= 2 and abs(b - 45) <= 2 for a, b in widths), widths


def test_small_blobs_are_not_cut_down_the_middle():
    # 17 px tall: in blobs this small, noise makes a middle cut more often
    # a way to carve strokes into digit-like parts.
    labels, pieces = find_pieces(two_rings(34, height=13))
    ring = pieces[0].w / 2
    widths = [[part.w for part in parts] for parts in middle_cuts(pieces[0], labels)]
    assert not any(all(abs(w - ring) <= 1 for w in parts) for parts in widths), widths


def test_parts_are_not_judged_when_the_whole_is_too_sure_to_lose():
    labels, pieces = find_pieces(two_rings(56))
    confidence = Confidences(0.99, 1.0, pieces[0].w)
    assert split_touching(pieces, labels, confidence) == pieces
    assert confidence.judged == pieces


@pytest.mark.parametrize("heights, parts", [
    ((20, 120), 2),   # the blob (60 px tall) is within the digits' heights
    ((5, 40), 1),     # taller than any part worth keeping: not cut
    ((70, 300), 1),   # shorter
])
def test_blobs_are_cut_only_within_the_given_heights(heights, parts):
    labels, pieces = find_pieces(two_rings(84, height=60))
    confidence = Confidences(0.3, 0.98, pieces[0].w)
    assert len(split_touching(pieces, labels, confidence, heights=heights)) == parts
    if parts == 1:
        # Nothing but the whole was read: no cut was even tried.
        assert confidence.judged == pieces


def leaning_rings():
    """Mask of two slanted rings joined by a short stroke where they are
    closest: a column through the join crosses ink of both rings.
    Returns the mask and each ring's own mask."""
    rings = []
    for centre in ((30, 36), (59, 36)):
        ring = np.zeros((72, 100), np.uint8)
        cv2.ellipse(ring, centre, (10, 28), 25, 0, 360, 1, 3)
        rings.append(ring)
    mask = rings[0] | rings[1]
    left, right = np.argwhere(rings[0]), np.argwhere(rings[1])
    distance = ((left[:, None, :] - right[None, :, :]) ** 2).sum(axis=2)
    i, j = np.unravel_index(distance.argmin(), distance.shape)
    cv2.line(mask, tuple(map(int, left[i][::-1])), tuple(map(int, right[j][::-1])), 1, 2)
    return mask, rings


def test_a_bent_cut_parts_digits_that_lean_into_each_other():
    mask, rings = leaning_rings()
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 1
    piece = pieces[0]
    crop = piece.mask(labels)
    ring_areas = sorted(int(r.sum()) for r in rings)

    def separates(parts):
        return sorted(p.area for p in parts) == pytest.approx(ring_areas, abs=6)

    columns = candidate_cuts(crop)
    paths = [bent_cut(crop, column) for column in columns]
    assert not any(separates(cut_piece(piece, crop, column)) for column in columns)
    assert any(separates(cut_piece(piece, crop, path)) for path in paths)
    crossed = [crop[np.arange(crop.shape[0]), path].sum() for path in paths]
    assert all(c <= crop[:, column].sum() for c, column in zip(crossed, columns))


class RingConfidences:
    """Sure of a piece that is one ring of ``rings`` almost whole, unsure of
    anything else."""

    def __init__(self, rings):
        self.sizes = [int(r.sum()) for r in rings]

    def __call__(self, pieces):
        return [0.98 if any(abs(p.area - s) <= 8 for s in self.sizes) else 0.3 for p in pieces]


def test_leaning_digits_are_split_when_the_parts_read_surely():
    mask, rings = leaning_rings()
    labels, pieces = find_pieces(mask)
    parts = split_touching(pieces, labels, RingConfidences(rings))
    assert len(parts) == 2
    assert parts[0].x + parts[0].w <= parts[1].x + parts[1].w


def test_wide_parts_need_the_confidence_of_a_wide_digit():
    # A wave, such as a scribble under a number: its halves are wider than
    # any digit, and a fair confidence does not make them digits.
    mask = np.zeros((50, 110), np.uint8)
    xs = np.arange(10, 100)
    ys = (25 + 12 * np.sin((xs - 10) / 90 * 4 * np.pi)).astype(np.int32)
    cv2.polylines(mask, [np.stack([xs, ys], axis=1)], False, 1, 3)
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 1 and pieces[0].w > 3 * pieces[0].h
    assert split_touching(pieces, labels, Confidences(0.3, 0.8, pieces[0].w)) == pieces
    assert len(split_touching(pieces, labels, Confidences(0.3, 0.95, pieces[0].w))) == 2


def test_a_ring_is_not_cut_into_two_ones():
    # A wide 0 cut down the middle leaves two bows, each a sure 1 on its own.
    mask = np.zeros((60, 76), np.uint8)
    cv2.ellipse(mask, (38, 30), (28, 20), 0, 0, 360, 1, 3)
    labels, pieces = find_pieces(mask)
    confidence = Confidences(0.6, 0.98, pieces[0].w)
    assert len(split_touching(pieces, labels, confidence)) == 2
    assert split_touching(pieces, labels, confidence, read=lambda parts: [1] * len(parts)) == pieces

    def left_part_a_zero(parts):
        return [0 if p.x == pieces[0].x else 1 for p in parts]

    assert len(split_touching(pieces, labels, confidence, read=left_part_a_zero)) == 2


@pytest.mark.parametrize("whole, part, parts", [
    (0.3, 0.95, 2),   # reads as no digit, the parts surely: two digits
    (0.6, 0.99, 1),   # reads as a digit: one digit, however sure the parts
    (0.3, 0.8, 1),    # parts not sure enough: a letter or a mark, not two digits
])
def test_a_square_blob_is_cut_only_when_it_reads_as_no_digit(whole, part, parts):
    # Two narrow digits touching: 9 wide for 10 tall, narrower than a wide blob.
    labels, pieces = find_pieces(two_rings(36, height=40))
    assert len(pieces) == 1 and 0.8 * pieces[0].h < pieces[0].w <= pieces[0].h
    confidence = Confidences(whole, part, pieces[0].w)
    assert len(split_touching(pieces, labels, confidence)) == parts


def test_a_square_blob_is_not_cut_into_a_one_and_a_digit():
    # The stem of an H or a U cut off reads surely as a 1, the rest as a 4.
    labels, pieces = find_pieces(two_rings(36, height=40))
    confidence = Confidences(0.3, 0.95, pieces[0].w)

    def left_part_a_one(parts):
        return [1 if p.x == pieces[0].x else 4 for p in parts]

    assert split_touching(pieces, labels, confidence, read=left_part_a_one) == pieces
    assert len(split_touching(pieces, labels, confidence, read=lambda ps: [4] * len(ps))) == 2


def bridged_bars(n, width=20, gap=8, height=40):
    """Mask of ``n`` bars in a row, each joined to the next by a thin bridge."""
    mask = np.zeros((height + 20, n * (width + gap) + 20), np.uint8)
    for k in range(n):
        x = 10 + k * (width + gap)
        mask[10:10 + height, x:x + width] = 1
        if k:
            mask[10 + height // 2:12 + height // 2, x - gap:x] = 1
    return mask


def test_four_touching_digits_are_cut_apart_in_two_rounds():
    # Two or more bars together read as no digit; one bar reads surely. No
    # first cut leaves only sure parts: two bars must count as sure as the
    # bars they will be cut into.
    labels, pieces = find_pieces(bridged_bars(4))
    assert len(pieces) == 1
    confidence = Confidences(0.3, 0.98, 30)
    parts = split_touching(pieces, labels, confidence)
    assert len(parts) == 4 and all(20 <= p.w <= 28 for p in parts)  # a bar and its bridge
    assert split_touching(pieces, labels, confidence, depth=1) == pieces
