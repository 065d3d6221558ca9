"""Remove the printed lines of ruled and squared paper.

Printed lines are long and straight, far longer than a digit is tall, and
usually come as a family of parallel lines. They are found with a
probabilistic Hough transform on the ink mask and their own ink strength is
subtracted along them, so a darker pen stroke that crosses or follows a
line keeps what it adds on top of the line.
"""

import cv2
import numpy as np

# A printed line is at least this long, as a fraction of the image's
# shorter side, and at least this many times the typical digit height.
_MIN_LENGTH = 0.3
_MIN_DIGIT_HEIGHTS = 2.5
# Gaps along a line that the transform bridges, as a fraction of the
# shorter side (faint or noisy lines break up).
_MAX_GAP = 0.02
# Lines within this angle of each other are one family.
_FAMILY_ANGLE = np.deg2rad(4.0)
# A lone line (not in a family of this many) must span this much of the image.
_FAMILY_SIZE = 3
_LONE_LENGTH = 0.6
# The subtracted level is this multiple of the line's median ink, to clear
# its noisy fringes too.
_LEVEL_MARGIN = 1.25


def find_lines(mask, digit_height=None):
    """Segments of the printed lines in an ink mask.

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8
        1 on ink.
    digit_height : float, optional
        Typical digit height in pixels, when known; lines must be much
        longer than that.

    Returns
    -------
    ndarray, shape (N, 4), int
        Segments as ``x0, y0, x1, y1``.
    """
    h, w = mask.shape
    side = min(h, w)
    min_length = _MIN_LENGTH * side
    if digit_height:
        min_length = max(min_length, _MIN_DIGIT_HEIGHTS * digit_height)
    segments = cv2.HoughLinesP(mask, 1, np.pi / 360, threshold=int(min_length * 0.6),
                               minLineLength=min_length, maxLineGap=max(3, _MAX_GAP * side))
    if segments is None:
        return np.zeros((0, 4), int)
    segments = segments.reshape(-1, 4)
    dx = segments[:, 2] - segments[:, 0]
    dy = segments[:, 3] - segments[:, 1]
    angles = np.mod(np.arctan2(dy, dx), np.pi)
    lengths = np.hypot(dx, dy)
    keep = np.zeros(len(segments), bool)
    for i, angle in enumerate(angles):
        difference = np.abs(angles - angle)
        difference = np.minimum(difference, np.pi - difference)
        family = np.count_nonzero(difference < _FAMILY_ANGLE)
        span = w * abs(np.cos(angle)) + h * abs(np.sin(angle))
        keep[i] = family >= _FAMILY_SIZE or lengths[i] >= _LONE_LENGTH * span
    return segments[keep]


def subtract_lines(ink, mask, segments):
    """Remove the ink of printed lines from an ink map.

    Parameters
    ----------
    ink : ndarray, shape (H, W), float32
        Ink strength.
    mask : ndarray, shape (H, W), uint8
        Ink mask the segments were found in.
    segments : ndarray, shape (N, 4)
        From :func:`find_lines`.

    Returns
    -------
    ndarray, shape (H, W), float32
        A copy of ``ink`` with the lines' own strength taken away.
    """
    out = ink.copy()
    for x0, y0, x1, y1 in segments:
        band = _line_band(mask, (x0, y0, x1, y1))
        on_line = (band > 0) & (mask > 0)
        if np.count_nonzero(on_line) < 10:
            continue
        level = _LEVEL_MARGIN * float(np.median(ink[on_line]))
        inside = band > 0
        out[inside] = np.maximum(out[inside] - level, 0.0)
    return out


def _line_band(mask, segment):
    """Pixels of a segment's line: a band as thick as the line's ink."""
    x0, y0, x1, y1 = (int(v) for v in segment)
    length = max(1.0, np.hypot(x1 - x0, y1 - y0))
    probe = np.zeros_like(mask)
    cv2.line(probe, (x0, y0), (x1, y1), 1, thickness=9)
    thickness = np.count_nonzero(probe & mask) / length
    # Extend past the segment's ends: Hough segments stop short of faint ends.
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    reach = 0.05 * length
    start = (int(round(x0 - ux * reach)), int(round(y0 - uy * reach)))
    end = (int(round(x1 + ux * reach)), int(round(y1 + uy * reach)))
    band = np.zeros_like(mask)
    cv2.line(band, start, end, 1, thickness=int(np.ceil(thickness)) + 2)
    return band
