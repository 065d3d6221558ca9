import cv2
import numpy as np

from preprocessing.pieces import find_pieces, join_pieces


def _boxes(pieces):
    return sorted((p.x, p.y, p.w, p.h) for p in pieces)


def _joined(mask):
    labels, pieces = find_pieces(mask)
    return _boxes(join_pieces(pieces, labels))


def test_a_five_with_a_loose_flag_is_joined():
    mask = np.zeros((120, 120), np.uint8)
    cv2.line(mask, (40, 20), (40, 55), 1, 4)          # stem
    cv2.ellipse(mask, (55, 75), (20, 22), 0, -120, 150, 1, 4)  # bow
    cv2.line(mask, (48, 20), (80, 20), 1, 4)          # flag, a few pixels off the stem
    assert len(find_pieces(mask)[1]) == 2
    assert len(_joined(mask)) == 1


def test_neighbouring_digits_stay_apart():
    mask = np.zeros((100, 160), np.uint8)
    cv2.ellipse(mask, (50, 50), (18, 30), 0, 0, 360, 1, 4)
    cv2.ellipse(mask, (100, 50), (18, 30), 0, 0, 360, 1, 4)
    assert len(_joined(mask)) == 2


def test_a_stroke_cut_by_a_line_goes_back_to_its_digit_not_to_the_row_below():
    # A digit whose foot was cut off by a printed line, and under it a digit
    # of the next row, set a little to the left: the foot is stacked on
    # both, but lies a few pixels from its own digit and far from the other.
    mask = np.zeros((240, 120), np.uint8)
    cv2.ellipse(mask, (50, 40), (20, 28), 0, 200, 480, 1, 4)       # top, y 10..70
    cv2.ellipse(mask, (50, 74), (26, 16), 0, 0, 180, 1, 4)         # foot, y 72..92
    cv2.ellipse(mask, (40, 162), (18, 45), 0, 0, 360, 1, 4)        # next row's 0
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 3
    joined = _boxes(join_pieces(pieces, labels))
    assert len(joined) == 2
    top = min(joined, key=lambda b: b[1])
    assert top[1] < 15 and 85 < top[1] + top[3] < 100  # the digit has its foot back


def test_joins_do_not_chain_digits_into_a_net():
    # Pencil on squared paper: digits going down a slanted row, the first
    # broken in two, each a few pixels from the next. Each join may pass
    # for a digit and its loose part, but the chain of them is no digit.
    mask = np.zeros((300, 260), np.uint8)
    cv2.ellipse(mask, (45, 60), (22, 48), 0, 0, 360, 1, 4)      # digit, y 10..110
    cv2.line(mask, (30, 122), (60, 175), 1, 4)                   # its loose lower part
    cv2.ellipse(mask, (96, 115), (22, 48), 0, 0, 360, 1, 4)     # next digit
    cv2.ellipse(mask, (147, 170), (22, 48), 0, 0, 360, 1, 4)    # and the next
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 4
    tallest = max(p.h for p in pieces)
    joined = join_pieces(pieces, labels)
    assert len(joined) >= 2
    assert all(p.h <= 1.7 * tallest for p in joined)


def _digit_under_a_grid_stretch():
    """A pen digit and, just above it, a stretch of a faint grid line with a
    stub of a crossing line, left in the mask: ink strengths 0.4 and 0.1."""
    mask = np.zeros((160, 100), np.uint8)
    cv2.line(mask, (50, 15), (50, 80), 1, 3)                       # grid line, y 14..81
    cv2.line(mask, (42, 40), (62, 40), 1, 3)                       # crossing stub
    cv2.ellipse(mask, (52, 108), (14, 20), 0, 0, 360, 1, 4)        # digit, y 86..130
    ink = np.where(mask > 0, 0.1, 0.0).astype(np.float32)
    ink[84:] = np.where(mask[84:] > 0, 0.4, 0.0)
    return mask, ink


def test_a_faint_grid_stretch_is_not_joined_to_a_pen_digit():
    mask, ink = _digit_under_a_grid_stretch()
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 2
    assert len(join_pieces(pieces, labels)) == 1          # shapes alone join them
    assert len(join_pieces(pieces, labels, ink)) == 2     # the pens differ


def test_the_parts_of_one_pen_digit_are_joined_whatever_their_ink_varies():
    mask = np.zeros((120, 120), np.uint8)
    cv2.line(mask, (40, 20), (40, 55), 1, 4)          # stem
    cv2.ellipse(mask, (55, 75), (20, 22), 0, -120, 150, 1, 4)  # bow
    cv2.line(mask, (48, 20), (80, 20), 1, 4)          # flag, a few pixels off the stem
    rng = np.random.default_rng(0)
    ink = np.where(mask > 0, rng.uniform(0.3, 0.45, mask.shape), 0.0).astype(np.float32)
    ink[:30] *= 0.7                                    # the flag drawn lighter
    labels, pieces = find_pieces(mask)
    assert len(pieces) == 2
    assert len(join_pieces(pieces, labels, ink)) == 1
