"""Group the connected pieces of ink into digit candidates.

A digit is usually one connected stroke, but a pen that skips, light
pencil, or a detached flag (of a 5, a 7 with a separate bar, an open 4)
leaves it in pieces. Pieces are joined when they are stacked (one above the
other, overlapping in x) or almost touch, as long as the result still has a
digit's proportions and one piece is clearly smaller than the other, so two
neighbouring digits of a number are not glued together, and their ink is
of like strength, as drawn with one pen.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

from preprocessing.components import components

# Pieces smaller than this (area in pixels) are noise.
_MIN_AREA = 6
# A stacked piece may be at most this far below or above the other, as a
# fraction of the larger piece's height.
_STACK_GAP = 0.3
# Nearly touching: pixel gap as a fraction of the union's height.
_TOUCH_GAP = 0.08
# A part of a digit is at least this tall or wide, relative to the other part.
_MIN_PART = 0.2
# A joined digit is at most this wide for its height ...
_MAX_JOIN_ASPECT = 1.1
# ... and at most this much taller than the tallest piece it is made of.
_MAX_JOIN_GROWTH = 1.7
# A piece this flat (height over width) that reaches past both sides of
# another piece underlines it.
_FLAT = 0.25
# The pieces of one digit are drawn with one pen: their typical ink
# strengths are within this factor of each other (a faint stretch of a
# printed grid beside a pencil digit is not).
_MAX_INK_RATIO = 1.6


@dataclass
class Piece:
    """A group of connected components that may form one digit.

    Attributes
    ----------
    x, y, w, h : int
        Bounding box in mask pixels.
    area : int
        Ink pixels.
    ids : list of int
        Component labels in the label image.
    own_mask : ndarray or None
        The piece's mask over its box, when it is only part of its
        components (one digit cut out of touching digits).
    tallest_part : int or None
        Height of the tallest piece a joined piece was made of (None: ``h``).
    """

    x: int
    y: int
    w: int
    h: int
    area: int
    ids: list = field(default_factory=list)
    own_mask: np.ndarray = field(default=None, repr=False, compare=False)
    tallest_part: int = None

    @property
    def x1(self):
        return self.x + self.w

    @property
    def y1(self):
        return self.y + self.h

    def union(self, other):
        """The piece made of both pieces."""
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Piece(x, y, max(self.x1, other.x1) - x, max(self.y1, other.y1) - y,
                     self.area + other.area, self.ids + other.ids,
                     tallest_part=max(self.part_height, other.part_height))

    @property
    def part_height(self):
        """Height of the tallest piece this one was joined from."""
        return self.h if self.tallest_part is None else self.tallest_part

    def mask(self, labels):
        """Binary mask of this piece's ink over its box, uint8."""
        if self.own_mask is not None:
            return self.own_mask
        window = labels[self.y:self.y1, self.x:self.x1]
        if len(self.ids) == 1:
            return (window == self.ids[0]).view(np.uint8)
        return np.isin(window, self.ids).view(np.uint8)


def find_pieces(mask):
    """Connected components of a mask, without specks.

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8
        1 on ink.

    Returns
    -------
    labels : ndarray, shape (H, W), int32
        Component label of each pixel, 0 on paper.
    pieces : list of Piece
    """
    _, labels, stats = components(mask)
    keep = np.nonzero(stats[1:, cv2.CC_STAT_AREA] >= _MIN_AREA)[0] + 1
    pieces = [Piece(int(s[0]), int(s[1]), int(s[2]), int(s[3]), int(s[4]), [int(i)])
              for i, s in zip(keep, stats[keep])]
    return labels, pieces


def pixel_gap(a, b, labels):
    """Shortest distance in pixels between the ink of two pieces."""
    x, y = min(a.x, b.x), min(a.y, b.y)
    x1, y1 = max(a.x1, b.x1), max(a.y1, b.y1)
    window = labels[y:y1, x:x1]
    in_a = np.isin(window, a.ids)
    in_b = np.isin(window, b.ids)
    if not in_b.any():
        return np.inf
    distance = cv2.distanceTransform((~in_a).view(np.uint8), cv2.DIST_L2, 3)
    return float(distance[in_b].min())


def touches_edge(box, shape):
    """Whether a box reaches the edge of an image of this ``(H, W)`` shape.

    Parameters
    ----------
    box : Piece or Digit
        Anything with ``x``, ``y``, ``w`` and ``h`` in the image's pixels.
    shape : tuple of int
        ``(H, W)``, or the image's whole shape.

    Returns
    -------
    bool
    """
    h, w = shape[:2]
    return box.x <= 0 or box.y <= 0 or box.x + box.w >= w or box.y + box.h >= h


def _should_join(a, b, labels, strength=None):
    # Paper edges, frames and shadows reach the image's edge; digits joined
    # to them would vanish into them.
    if touches_edge(a, labels.shape) or touches_edge(b, labels.shape):
        return False
    big, small = (a, b) if a.h >= b.h else (b, a)
    # Specks (dots of a dotted grid, noise) are dropped, not joined.
    if small.h < _MIN_PART * big.h and small.w < _MIN_PART * big.h:
        return False
    joined = a.union(b)
    # Growth is measured from the tallest original part: measured from the
    # pieces joined so far, a chain of digits linked by grid marks would
    # grow step by step into one net.
    if (joined.w > _MAX_JOIN_ASPECT * joined.h
            or joined.h > _MAX_JOIN_GROWTH * max(a.part_height, b.part_height)):
        return False
    # Two pieces of similar size side by side are two digits, not one.
    if small.h > 0.75 * big.h and small.area > 0.4 * big.area:
        return False
    if _underlines(small, big):
        return False
    if strength is not None and not _one_pen(strength(a), strength(b)):
        return False
    if _stacked(a, b):
        return True
    return pixel_gap(a, b, labels) <= max(2.0, _TOUCH_GAP * joined.h)


def _one_pen(a, b):
    """Whether two typical ink strengths may come from one pen."""
    return max(a, b) <= _MAX_INK_RATIO * min(a, b)


def _stacked(a, b):
    """Whether one piece sits above the other, overlapping it sideways,
    close enough to be part of one digit."""
    x_overlap = min(a.x1, b.x1) - max(a.x, b.x)
    return (x_overlap >= 0.3 * min(a.w, b.w)
            and _stack_gap(a, b) <= _STACK_GAP * max(a.h, b.h))


def _stack_gap(a, b):
    """Rows of paper between two pieces, one above the other (negative when
    they overlap)."""
    return max(a.y, b.y) - min(a.y1, b.y1)


def _underlines(flat, other):
    """Whether a flat piece is a line drawn under or over another piece:
    it is wider and reaches past the other's box on both sides. (The base
    of a 2 or the bar of a 5 starts within the body's width.)"""
    if flat.h > _FLAT * flat.w or flat.w < other.w:
        return False
    return flat.x < other.x and flat.x1 > other.x1


def join_pieces(pieces, labels, ink=None):
    """Join the pieces that belong to one digit.

    Pieces stacked one above the other are joined first, the closest pairs
    first (see :func:`_join_closest_first`); then any pieces still apart
    that belong together, from left to right.

    Parameters
    ----------
    pieces : list of Piece
    labels : ndarray
        Label image from :func:`find_pieces`.
    ink : ndarray, float32, optional
        Ink strength over the same pixels: when given, pieces whose median
        strengths differ more than ``_MAX_INK_RATIO`` times are not joined.

    Returns
    -------
    list of Piece
    """
    strength = None if ink is None else _median_ink(labels, ink)
    pieces = _join_closest_first(sorted(pieces, key=lambda p: p.x), labels, strength)
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(pieces):
            if _join_next(pieces, i, labels, strength):
                changed = True
            else:
                i += 1
    return pieces


def _median_ink(labels, ink):
    """A function giving a piece's median ink strength, each piece's once."""
    known = {}

    def strength(piece):
        key = tuple(piece.ids)
        if key not in known:
            window = ink[piece.y:piece.y1, piece.x:piece.x1]
            known[key] = float(np.median(window[piece.mask(labels) > 0]))
        return known[key]
    return strength


def _join_closest_first(pieces, labels, strength=None):
    """Join the pairs of pieces that belong together, the closest first.

    A stroke cut in two by a printed line leaves a part that may also sit
    just above the next row's digit: joined in the order met, it would glue
    the rows together. Joined by increasing gap, it goes back to its own
    digit first, and the digit is then too tall to take the other.

    Parameters
    ----------
    pieces : list of Piece
        Sorted by x.
    labels : ndarray
    strength : callable, optional
        A piece's median ink strength (see :func:`join_pieces`).

    Returns
    -------
    list of Piece
        Sorted by x.
    """
    pairs = [(_stack_gap(pieces[i], pieces[j]), i, j)
             for i, j in _neighbours(pieces) if _stacked(pieces[i], pieces[j])
             and _should_join(pieces[i], pieces[j], labels, strength)]
    if not pairs:
        return pieces
    root = list(range(len(pieces)))

    def find(i):
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    joined = list(pieces)
    for _, i, j in sorted(pairs):
        i, j = find(i), find(j)
        if i != j and _should_join(joined[i], joined[j], labels, strength):
            joined[i] = joined[i].union(joined[j])
            root[j] = i
    return sorted((joined[i] for i in range(len(pieces)) if find(i) == i), key=lambda p: p.x)


def _neighbours(pieces):
    """Pairs of indices (i < j) of pieces near enough to be joined, for
    pieces sorted by x."""
    for i in range(len(pieces)):
        for j in _later_neighbours(pieces, i):
            yield i, j


def _later_neighbours(pieces, i):
    """Indices of the pieces after ``i`` (sorted by x) near enough to be
    joined with it."""
    a = pieces[i]
    reach = a.x1 + max(2.0, _TOUCH_GAP * a.h)
    for j in range(i + 1, len(pieces)):
        b = pieces[j]
        if b.x > reach:
            return
        margin = _STACK_GAP * max(a.h, b.h)
        if not (b.y > a.y1 + margin or a.y > b.y1 + margin):
            yield j


def _join_next(pieces, i, labels, strength=None):
    """Join piece ``i`` with the first later piece it belongs with, if any."""
    for j in _later_neighbours(pieces, i):
        if _should_join(pieces[i], pieces[j], labels, strength):
            pieces[i] = pieces[i].union(pieces[j])
            del pieces[j]
            return True
    return False
