"""Put digits in reading order and join neighbours into numbers.

Rows are followed from digit to digit rather than cut by fixed horizontal
bands, so a row that slants or curves stays one row: each digit, taken from
left to right, continues the row whose last digit is closest to its left at
about its height.
"""

import numpy as np

# A digit continues a row if it starts at most this many digit heights to
# the right of the row's last digit ...
_ROW_REACH = 3.0
# ... and its centre is within this many heights of that digit's centre.
_ROW_DRIFT = 0.55
# Digits of a row closer than this many heights belong to one number.
_NUMBER_GAP = 0.9
# Rows of fewer digits than this do not tell which way they run: two
# digits of different heights tip a short row. Boxes further than this
# factor from the median height are left out (the edge of a sheet, read as
# a tall 1).
_MIN_ROW_FOR_ANGLE = 3
_ANGLE_HEIGHTS = 1.5


def group_rows(boxes):
    """Group boxes into rows and order them for reading.

    Parameters
    ----------
    boxes : sequence of (x, y, w, h)

    Returns
    -------
    list of list of int
        Indices into ``boxes``: rows from top to bottom, each from left to
        right.
    """
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    rows = []
    for i in order:
        x, y, w, h = boxes[i]
        best, best_distance = None, None
        for row in rows:
            px, py, pw, ph = boxes[row[-1]]
            size = max(h, ph)
            gap = x - (px + pw)
            drift = abs((y + h / 2) - (py + ph / 2))
            if gap > _ROW_REACH * size or gap < -0.5 * min(w, pw) or drift > _ROW_DRIFT * size:
                continue
            distance = max(gap, 0) + 2 * drift
            if best is None or distance < best_distance:
                best, best_distance = row, distance
        if best is None:
            rows.append([i])
        else:
            best.append(i)
    rows.sort(key=lambda row: np.mean([boxes[i][1] + boxes[i][3] / 2 for i in row]))
    return rows


def row_angle(boxes):
    """Angle at which rows of boxes run: how far the page is turned.

    A line is fitted through the centres of each row of at least three
    boxes of about the median height (see :func:`group_rows`); the rows
    vote with their number of boxes and the median angle wins, so one
    crooked row does not tip the rest.

    Parameters
    ----------
    boxes : sequence of (x, y, w, h)

    Returns
    -------
    float
        Degrees, positive when the rows fall to the right (a page turned
        clockwise, with y pointing down); 0 without a row long enough.
    """
    if len(boxes) < _MIN_ROW_FOR_ANGLE:
        return 0.0
    height = float(np.median([h for _, _, _, h in boxes]))
    boxes = [b for b in boxes if height / _ANGLE_HEIGHTS <= b[3] <= height * _ANGLE_HEIGHTS]
    angles, votes = [], []
    for row in group_rows(boxes):
        if len(row) < _MIN_ROW_FOR_ANGLE:
            continue
        xs = np.array([boxes[i][0] + boxes[i][2] / 2 for i in row], np.float64)
        ys = np.array([boxes[i][1] + boxes[i][3] / 2 for i in row], np.float64)
        if np.ptp(xs) <= 0:
            continue
        slope = np.polyfit(xs, ys, 1)[0]
        angles.append(float(np.degrees(np.arctan(slope))))
        votes.append(len(row))
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(votes)[order])
    return angles[order[np.searchsorted(cumulative, cumulative[-1] / 2)]]


def split_numbers(row, boxes):
    """Split a row into numbers at wide gaps.

    Parameters
    ----------
    row : list of int
        Indices into ``boxes``, left to right.
    boxes : sequence of (x, y, w, h)

    Returns
    -------
    list of list of int
    """
    height = float(np.median([boxes[i][3] for i in row]))
    numbers = [[row[0]]]
    for previous, current in zip(row, row[1:]):
        gap = boxes[current][0] - (boxes[previous][0] + boxes[previous][2])
        if gap > _NUMBER_GAP * height:
            numbers.append([current])
        else:
            numbers[-1].append(current)
    return numbers


def reading_order(boxes):
    """Reading order of boxes and the numbers they form.

    Parameters
    ----------
    boxes : sequence of (x, y, w, h)

    Returns
    -------
    list of list of int
        Numbers in reading order, each a list of indices into ``boxes``.
    """
    numbers = []
    for row in group_rows(boxes):
        numbers.extend(split_numbers(row, boxes))
    return numbers
