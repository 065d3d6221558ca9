"""Cut touching digits apart.

Neighbouring digits of a number often touch. A blob too wide for one digit
is cut along the columns where it has the least ink, and a cut is kept when
the classifier is more confident about the parts than about the whole: the
shape alone cannot tell a wide 0 from a 1 touching a 0.
"""

import numpy as np

from preprocessing.pieces import Piece

# Blobs wider than this for their height may be touching digits; wider than
# the second, they are lines or scribbles rather than a few digits.
SPLIT_ASPECT = 1.0
_MAX_SPLIT_ASPECT = 3.5
# Cuts are looked for in this middle share of the blob's width ...
_CUT_ZONE = (0.2, 0.8)
# ... at no more than this many columns of least ink.
_MAX_CUTS = 3
# A part is at least this tall, relative to the blob.
_MIN_PART_HEIGHT = 0.45
# Parts must beat the whole by this much confidence, and reach this one;
# blobs wider than the aspect below are seldom one digit, and need less.
_MARGIN = 0.15
_WIDE = 1.15
_WIDE_MARGIN = 0.05
_MIN_PART_CONFIDENCE = 0.6


def candidate_cuts(mask):
    """Columns of least ink in the middle of a blob, best first.

    Parameters
    ----------
    mask : ndarray, shape (h, w), uint8

    Returns
    -------
    list of int
    """
    h, w = mask.shape
    profile = mask.sum(axis=0).astype(np.float32)
    start, stop = int(_CUT_ZONE[0] * w), int(np.ceil(_CUT_ZONE[1] * w))
    order = start + np.argsort(profile[start:stop], kind="stable")
    cuts = []
    for column in order:
        if all(abs(column - c) >= 0.15 * w for c in cuts):
            cuts.append(int(column))
        if len(cuts) == _MAX_CUTS:
            break
    return cuts


def cut_piece(piece, mask, column):
    """The two parts of a piece on either side of a column.

    Returns
    -------
    list of Piece
        Each part cropped to its own ink; empty when a side has no ink.
    """
    parts = []
    for lo, hi in ((0, column), (column, mask.shape[1])):
        part = np.zeros_like(mask)
        part[:, lo:hi] = mask[:, lo:hi]
        ys, xs = np.nonzero(part)
        if len(xs) == 0:
            return []
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        parts.append(Piece(piece.x + int(x0), piece.y + int(y0), int(x1 - x0), int(y1 - y0),
                           int(len(xs)), list(piece.ids), part[y0:y1, x0:x1].copy()))
    return parts


def cut_hypotheses(piece, labels):
    """Ways to cut a blob into two digit-sized parts.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.

    Returns
    -------
    list of list of Piece
        Pairs of parts, best cuts first; empty when the blob is narrow enough
        to be one digit.
    """
    if not SPLIT_ASPECT * piece.h < piece.w <= _MAX_SPLIT_ASPECT * piece.h:
        return []
    mask = piece.mask(labels)
    hypotheses = []
    for column in candidate_cuts(mask):
        parts = cut_piece(piece, mask, column)
        if len(parts) == 2 and all(p.h >= _MIN_PART_HEIGHT * piece.h for p in parts):
            hypotheses.append(parts)
    return hypotheses


def split_touching(pieces, labels, confidence, depth=2):
    """Split the blobs that are touching digits, where the classifier agrees.

    Parameters
    ----------
    pieces : list of Piece
    labels : ndarray
        Label image the pieces refer to.
    confidence : callable
        Takes a list of pieces, returns their classification confidences;
        it is called twice per round: with the pieces wide enough to cut,
        then with the parts of those not already too sure to be one digit.
    depth : int, default 2
        Rounds of cutting (two rounds split three touching digits).

    Returns
    -------
    list of Piece
        The pieces, with touching digits replaced by their parts.
    """
    for _ in range(depth):
        hypotheses = {i: cut_hypotheses(p, labels) for i, p in enumerate(pieces)}
        hypotheses = {i: h for i, h in hypotheses.items() if h}
        if not hypotheses:
            break
        wholes = [pieces[i] for i in hypotheses]
        scores = dict(zip(map(id, wholes), confidence(wholes)))
        # Parts cannot beat a whole too sure to leave them the margin.
        hypotheses = {i: h for i, h in hypotheses.items()
                      if scores[id(pieces[i])] + _margin(pieces[i]) <= 1.0}
        if not hypotheses:
            break
        parts = [part for h in hypotheses.values() for cut in h for part in cut]
        scores.update(zip(map(id, parts), confidence(parts)))
        result = []
        for i, piece in enumerate(pieces):
            result.extend(_better_cut(piece, hypotheses.get(i, []), scores))
        if len(result) == len(pieces):
            break
        pieces = result
    return pieces


def _better_cut(piece, hypotheses, scores):
    """The parts of the best cut if they beat the whole, else the whole."""
    if not hypotheses:
        return [piece]
    worst_parts = [min(scores[id(p)] for p in parts) for parts in hypotheses]
    best = int(np.argmax(worst_parts))
    if worst_parts[best] < max(scores[id(piece)] + _margin(piece), _MIN_PART_CONFIDENCE):
        return [piece]
    return hypotheses[best]


def _margin(piece):
    """Confidence the parts of a piece must gain over the whole."""
    return _WIDE_MARGIN if piece.w > _WIDE * piece.h else _MARGIN
