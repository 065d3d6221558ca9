"""Cut touching digits apart.

Neighbouring digits of a number often touch. A blob too wide for one digit
is cut along the columns where it has the least ink, or along a path that
bends around the strokes near such a column (digits that lean into each
other overlap in every column), or near its middle (two 0s have more ink
where they touch than in their loops), and a cut is kept when the
classifier is more confident about the parts than about the whole: the
shape alone cannot tell a wide 0 from a 1 touching a 0. Two narrow digits
touching make a squarer blob; it is cut only when it does not read as one
digit, and its parts must then read surely.
"""

import numpy as np

from preprocessing.pieces import Piece
from preprocessing.shape import CONFIDENT_WIDE, WIDE_ASPECT

# Blobs wider than this for their height may be touching digits; wider than
# the second, they are lines or scribbles rather than a few digits.
SPLIT_ASPECT = 1.0
_MAX_SPLIT_ASPECT = 3.5
# Squarer blobs, down to this aspect, are cut when they read as a digit
# less surely than this (a reader would not report them), and both parts
# read this surely and not as 1: the stems of letters (H, U, K) cut off
# read as 1s.
_SQUARE_SPLIT_ASPECT = 0.8
_UNSURE = 0.5
_SURE_PART_CONFIDENCE = 0.9
# A square blob in a number may be cut into a 1 and another digit when both
# parts are at least this tall, relative to the blob.
_ONE_PART_HEIGHT = 0.8
# Cuts are looked for in this middle share of the blob's width ...
_CUT_ZONE = (0.2, 0.8)
# ... at no more than this many columns of least ink.
_MAX_CUTS = 3
# A bent cut strays at most this share of the width from its column; each
# sideways step, and each row spent a column away from where it started,
# costs this share of crossing one ink pixel (of two paths crossing as
# little ink, the straighter one is taken).
_BEND = 0.2
_STEP_COST = 0.01
_DRIFT_COST = 0.01
# Parts are judged by their own best cut (see split_touching) when at least
# this tall (working pixels): in smaller, noisy blobs, cutting twice carves
# strokes into more digit-like parts than it finds digits. Only blobs this
# wide for their height have room for three digits.
_AHEAD_MIN_HEIGHT = 24
_AHEAD_ASPECT = 1.2
# Bent cuts are tried on blobs at least this tall (working pixels): on
# smaller ones blur closes the gaps between strokes, and a bent path mostly
# carves letters and marks into parts that pass for digits.
_BENT_MIN_HEIGHT = 30
# A bent cut is worth its parts' reading when it crosses at least this many
# ink pixels fewer than the straight cut from its column.
_BENT_SAVING = 2
# A part is at least this tall, relative to the blob.
_MIN_PART_HEIGHT = 0.45
# Two digits of about one width that touch along a stroke (two 0s) have
# more ink where they touch than inside their loops: the blob is also cut
# near the middle, at these shares of its width, unless a column of least
# ink lies within the next share of the width; a cut is kept only when both
# parts are this tall and read surely (a scribble cut down the middle gives
# two parts that pass for digits). Not in blobs under this height (working
# pixels): in small noisy ones, it mostly carves strokes into parts that
# pass for digits.
_MIDDLE_SHARES = (0.5, 0.4, 0.6)
_MIDDLE_APART = 0.05
_MIDDLE_PART_HEIGHT = 0.8
_MIDDLE_MIN_HEIGHT = 20
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


def bent_cut(mask, column):
    """The path from top to bottom near a column that crosses the least ink.

    Parameters
    ----------
    mask : ndarray, shape (h, w), uint8
    column : int
        The path starts its search here and strays at most ``_BEND`` of the
        width from it, one column per row at most.

    Returns
    -------
    ndarray, shape (h,), int
        The first column right of the path, row by row.
    """
    h, w = mask.shape
    lo = max(1, column - int(_BEND * w))
    hi = min(w - 1, column + int(_BEND * w))
    away = np.abs(np.arange(lo, hi + 1, dtype=np.float32) - column)
    cost = mask[:, lo:hi + 1].astype(np.float32) + _DRIFT_COST * away
    cost[0] += _STEP_COST * away
    total = cost
    best = np.empty(hi - lo + 1, np.float32)
    for r in range(1, h):
        # The cheapest way down: from the column to the left, straight
        # above, or to the right.
        above = total[r - 1]
        best[:] = above
        np.minimum(best[1:], above[:-1] + _STEP_COST, out=best[1:])
        np.minimum(best[:-1], above[1:] + _STEP_COST, out=best[:-1])
        total[r] += best
    # Back up the rows the same way, column by column.
    path = np.empty(h, int)
    column = int(total[-1].argmin())
    path[-1] = column
    for r in range(h - 1, 0, -1):
        above = total[r - 1]
        steps = [(above[column], 0)]
        if column > 0:
            steps.append((above[column - 1] + _STEP_COST, -1))
        if column < above.size - 1:
            steps.append((above[column + 1] + _STEP_COST, 1))
        column += min(steps)[1]
        path[r - 1] = column
    return path + lo


def cut_piece(piece, mask, column):
    """The two parts of a piece on either side of a column.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    mask : ndarray, shape (h, w), uint8
        The piece's mask.
    column : int or ndarray, shape (h,)
        The first column of the right part, for all rows or row by row.

    Returns
    -------
    list of Piece
        Each part cropped to its own ink; empty when a side has no ink.
    """
    right = np.arange(mask.shape[1])[None, :] >= np.reshape(column, (-1, 1))
    parts = []
    for side in (~right, right):
        part = np.where(side, mask, 0).astype(mask.dtype)
        ys, xs = np.nonzero(part)
        if len(xs) == 0:
            return []
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        parts.append(Piece(piece.x + int(x0), piece.y + int(y0), int(x1 - x0), int(y1 - y0),
                           int(len(xs)), list(piece.ids), part[y0:y1, x0:x1].copy()))
    return parts


def cut_hypotheses(piece, labels, bent=False, min_aspect=SPLIT_ASPECT):
    """Ways to cut a blob into two digit-sized parts.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.
    bent : bool, default False
        Bent cuts (see :func:`bent_cut`) instead of straight ones: one per
        candidate column whose straight cut crosses ink, where the bent one
        spares some of it; none for blobs under ``_BENT_MIN_HEIGHT``.
    min_aspect : float, default SPLIT_ASPECT
        Blobs no wider than this for their height are not cut.

    Returns
    -------
    list of list of Piece
        Pairs of parts, best cuts first; empty when the blob is narrow enough
        to be one digit.
    """
    if not _may_be_touching(piece, min_aspect) or (bent and piece.h < _BENT_MIN_HEIGHT):
        return []
    mask = piece.mask(labels)
    cuts = candidate_cuts(mask)
    if bent:
        cuts = _bent_cuts(mask, cuts)
    hypotheses = []
    for cut in cuts:
        parts = cut_piece(piece, mask, cut)
        if len(parts) == 2 and all(p.h >= _MIN_PART_HEIGHT * piece.h for p in parts):
            hypotheses.append(parts)
    return hypotheses


def middle_cuts(piece, labels, min_aspect=SPLIT_ASPECT):
    """Cuts of a blob near its middle, where its columns of least ink are
    not: two 0s touching have more ink where they touch than in their
    loops.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.
    min_aspect : float, default SPLIT_ASPECT
        Blobs no wider than this for their height are not cut.

    Returns
    -------
    list of list of Piece
        Pairs of parts from the columns at ``_MIDDLE_SHARES`` of the width
        that no column of least ink (nor an earlier one of these) lies near,
        and whose parts are both at least ``_MIDDLE_PART_HEIGHT`` of the
        blob's height; none for a blob under ``_MIDDLE_MIN_HEIGHT``.
    """
    if not _may_be_touching(piece, min_aspect) or piece.h < _MIDDLE_MIN_HEIGHT:
        return []
    mask = piece.mask(labels)
    width = mask.shape[1]
    columns = candidate_cuts(mask)
    hypotheses = []
    for share in _MIDDLE_SHARES:
        column = int(share * width)
        if any(abs(column - c) < _MIDDLE_APART * width for c in columns):
            continue
        columns.append(column)
        parts = cut_piece(piece, mask, column)
        if len(parts) == 2 and all(p.h >= _MIDDLE_PART_HEIGHT * piece.h for p in parts):
            hypotheses.append(parts)
    return hypotheses


def _bent_cuts(mask, columns):
    """The bent cuts from some columns that cross at least ``_BENT_SAVING``
    fewer ink pixels than the straight ones, each path once."""
    rows = np.arange(mask.shape[0])
    paths = []
    for column in columns:
        crossed = np.count_nonzero(mask[:, column])
        if not crossed:
            continue
        path = bent_cut(mask, column)
        if (np.count_nonzero(mask[rows, path]) <= crossed - _BENT_SAVING
                and not any(np.array_equal(path, p) for p in paths)):
            paths.append(path)
    return paths


def split_touching(pieces, labels, confidence, depth=2, read=None, heights=None,
                   in_number=None):
    """Split the blobs that are touching digits, where the classifier agrees.

    Parameters
    ----------
    pieces : list of Piece
    labels : ndarray
        Label image the pieces refer to.
    confidence : callable
        Takes a list of pieces, returns their classification confidences;
        it is called a few times per round: with the pieces wide enough to
        cut, then with the parts of those not already too sure to be one
        digit, and with the parts of those parts.
    depth : int, default 2
        Rounds of cutting. Before the last round, when no cut of a blob
        gives sure parts, a part wide enough to be touching digits counts
        as sure as its own parts would be: two rounds split four touching
        digits.
    read : callable, optional
        Takes a list of pieces, returns the digit each reads as. When given,
        a cut whose parts both read as 1 is not taken: a 0 or a U cut down
        the middle leaves two bows that read surely as 1s. Nor is a cut of a
        square blob with any part read as 1.
    heights : tuple of float, optional
        ``(lowest, highest)``: blobs of other heights are not cut, as
        their parts could not pass for digits of the image's size.
    in_number : callable, optional
        Takes a piece, tells whether it stands in a row of sure digits of
        its size. Such a square blob may be cut with one part read as 1:
        a 1 touching its neighbour in a number, not the stem of a letter.

    Returns
    -------
    list of Piece
        The pieces, with touching digits replaced by their parts.
    """
    # Scores and readings are kept by id for one round, while every piece
    # they name is alive (a freed piece's id may be reused).
    def judge(hypotheses):
        parts = [part for h in hypotheses.values() for cut in h for part in cut]
        scores.update(zip(map(id, parts), confidence(parts)))
        if read is not None:
            ones.update(id(part) for part, digit in zip(parts, read(parts)) if digit == 1)

    def allowed(i, parts):
        # A wide blob's parts may not both read as 1, a square blob's not
        # even one, unless it stands in a number and both parts are about
        # as tall as it: a 1 touching its neighbour, not the stem of a
        # letter. The parts of a middle cut must read surely.
        n_ones = sum(id(p) in ones for p in parts)
        if n_ones > 1 or (n_ones and not _may_be_touching(pieces[i])
                          and not _digits_of_a_number(pieces[i], parts, in_number)):
            return False
        return id(parts[0]) not in middles or _sure_cut(parts, scores, ahead)

    def best(i):
        cuts = [parts for parts in hypotheses.get(i, []) if allowed(i, parts)]
        return _better_cut(pieces[i], cuts, scores, ahead)

    def look_ahead(hypotheses):
        # Two touching digits read as no digit until they are cut in turn.
        # Only sure parts, none a 1, count: the edge of a frame or a box
        # around a number cut off reads as a 1.
        wide = {id(part): part for h in hypotheses.values() for cut in h for part in cut
                if _may_be_touching(part) and scores[id(part)] < CONFIDENT_WIDE
                and part.h >= _AHEAD_MIN_HEIGHT}
        # Only sure parts count here: middle cuts need no check of their own.
        cuts = {key: cut_hypotheses(part, labels) + middle_cuts(part, labels)
                for key, part in wide.items()}
        cuts = {key: h for key, h in cuts.items() if h}
        if not cuts:
            return
        judge(cuts)
        for key, h in cuts.items():
            parts = _better_cut(wide[key], [c for c in h if not any(id(p) in ones for p in c)],
                                scores)
            score = min(_part_score(p, scores) for p in parts)
            if len(parts) > 1 and score >= _SURE_PART_CONFIDENCE:
                ahead[id(wide[key])] = score

    def worth_cutting(piece):
        if heights is not None and not heights[0] <= piece.h <= heights[1]:
            return False
        score = scores[id(piece)]
        # Parts cannot beat a whole too sure to leave them the margin.
        return (score + _margin(piece) <= 1.0
                and (_may_be_touching(piece) or score < _UNSURE))

    for round_ in range(depth):
        wholes = [p for p in pieces if _may_be_touching(p, _SQUARE_SPLIT_ASPECT)]
        if not wholes:
            break
        scores = dict(zip(map(id, wholes), confidence(wholes)))
        ones, ahead, middles = set(), {}, set()
        # Cut only what is worth it: most squarish blobs are sure digits.
        hypotheses = {i: cut_hypotheses(p, labels, min_aspect=_SQUARE_SPLIT_ASPECT)
                      for i, p in enumerate(pieces) if id(p) in scores and worth_cutting(p)}
        for i, h in hypotheses.items():
            middle = middle_cuts(pieces[i], labels, min_aspect=_SQUARE_SPLIT_ASPECT)
            middles.update(id(parts[0]) for parts in middle)
            h += middle
        hypotheses = {i: h for i, h in hypotheses.items() if h}
        if not hypotheses:
            break
        judge(hypotheses)
        # Where no straight cut gives sure parts, bent ones are tried too.
        bent = {i: cut_hypotheses(pieces[i], labels, bent=True,
                                  min_aspect=_SQUARE_SPLIT_ASPECT)
                for i in hypotheses if not _sure_cut(best(i), scores, ahead)}
        bent = {i: h for i, h in bent.items() if h}
        if bent:
            judge(bent)
            for i, h in bent.items():
                hypotheses[i] = hypotheses[i] + h
        if round_ < depth - 1:
            look_ahead({i: h for i, h in hypotheses.items()
                        if len(best(i)) == 1 and pieces[i].w >= _AHEAD_ASPECT * pieces[i].h})
        result = [part for i in range(len(pieces)) for part in best(i)]
        if len(result) == len(pieces):
            break
        pieces = result
    return pieces


def _digits_of_a_number(piece, parts, in_number):
    """Whether a blob stands in a number (``in_number``, see
    :func:`split_touching`) and its parts are both about as tall as it."""
    return (in_number is not None
            and min(p.h for p in parts) >= _ONE_PART_HEIGHT * piece.h
            and in_number(piece))


def _sure_cut(parts, scores, ahead=None):
    """Whether a blob was cut into parts that all read surely, each scored
    as :func:`_part_score` does."""
    return (len(parts) > 1
            and min(_part_score(p, scores, ahead) for p in parts) >= _SURE_PART_CONFIDENCE)


def _may_be_touching(piece, min_aspect=SPLIT_ASPECT):
    """Whether a blob is wider than ``min_aspect`` for its height, as
    touching digits, and not so wide that it is a line or a scribble."""
    return min_aspect * piece.h < piece.w <= _MAX_SPLIT_ASPECT * piece.h


def _better_cut(piece, hypotheses, scores, ahead=None):
    """The parts of the best cut if they beat the whole, else the whole
    (``ahead``: scores of wide parts by their own best cut, by id)."""
    if not hypotheses:
        return [piece]
    # The worst part decides; between cuts it leaves as sure, the one whose
    # shorter part is taller (a loop cut from its tail reads surely too).
    ranks = [(min(_part_score(p, scores, ahead) for p in parts), min(p.h for p in parts))
             for parts in hypotheses]
    best = max(range(len(ranks)), key=ranks.__getitem__)
    floor = _MIN_PART_CONFIDENCE if _may_be_touching(piece) else _SURE_PART_CONFIDENCE
    if ranks[best][0] < max(scores[id(piece)] + _margin(piece), floor):
        return [piece]
    return hypotheses[best]


def _part_score(part, scores, ahead=None):
    """A part's confidence, or 0 for a wide part the reader would drop,
    unless cutting it in turn gives sure parts."""
    score = scores[id(part)]
    own = score if part.w <= WIDE_ASPECT * part.h or score >= CONFIDENT_WIDE else 0.0
    return max(own, (ahead or {}).get(id(part), 0.0))


def _margin(piece):
    """Confidence the parts of a piece must gain over the whole."""
    return _WIDE_MARGIN if piece.w > _WIDE * piece.h else _MARGIN
