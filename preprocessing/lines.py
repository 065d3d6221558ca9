"""Remove the printed lines of ruled and squared paper.

Printed lines are long and straight, far longer than a digit is tall, and
come as families of parallel lines. A probabilistic Hough transform on the
ink mask tells whether there are any and at which angles; then every long
straight run of ink at those angles is found with an opening along that
direction, which also catches the faint or broken stretches the transform
misses. Line pixels are taken out of the mask, except where the ink is
clearly stronger than the lines' own: there a pen stroke crosses or follows
a line.
"""

from dataclasses import dataclass

import cv2
import numpy as np

# A printed line is at least this long, as a fraction of the image's
# shorter side, and at least this many times the typical digit height.
_MIN_LENGTH = 0.3
_MIN_DIGIT_HEIGHTS = 2.5
# Straight runs this long (as a fraction of the shorter side, or in digit
# heights when known) along a line family's direction are line pixels.
_RUN_LENGTH = 0.12
# Gaps along a line that the transform bridges, as a fraction of the
# shorter side (faint or noisy lines break up).
_MAX_GAP = 0.02
# Lines within this angle of each other are one family.
_FAMILY_ANGLE = np.deg2rad(4.0)
# A lone line (not in a family of this many) must span this much of the image.
_FAMILY_SIZE = 3
_LONE_LENGTH = 0.6
# Perspective bends a family's angle across the image: runs are looked for
# at these offsets from it, in degrees.
_ANGLE_OFFSETS = (-2.0, 0.0, 2.0)
# The crossing family of squared paper is accepted when it has at least this
# share of the pixels of the family found first.
_CROSSING_SHARE = 0.2
# Ink on a line at least this many times the lines' median ink is a pen
# stroke crossing or following the line.
_PEN_OVER_LINE = 1.5
# Once the families are known, shorter segments (this share of a line's
# least length, still longer than digits), bridging wider gaps (this many
# times more), along a family's angle are lines too: faint, broken lines.
_SHORT_SEGMENT = 0.6
_SHORT_SEGMENT_GAP = 2.0
# A segment is a line only where ink covers this share of it: a path
# through a row of digits is ink only where it crosses their strokes.
_MIN_COVERAGE = 0.75
# Segments of the transform are drawn this thick (pixels) as line pixels.
_SEGMENT_THICKNESS = 3


@dataclass
class PrintedLines:
    """The printed lines of an image.

    Attributes
    ----------
    pixels : ndarray, shape (H, W), uint8
        1 on and just around the lines, at the resolution they were found.
    level : float
        Median ink strength of the lines.
    """

    pixels: np.ndarray
    level: float

    def remove(self, mask, ink, window=None):
        """Take the line pixels out of an ink mask.

        Parameters
        ----------
        mask : ndarray, uint8
            Ink mask.
        ink : ndarray, float32
            Ink strength, same shape as ``mask``.
        window : tuple of int, optional
            ``(x0, y0, x1, y1)``: the region of :attr:`pixels` that ``mask``
            covers, at any resolution (it is resized to fit).

        Returns
        -------
        ndarray, uint8
            A copy of ``mask`` without the lines.
        """
        lines = self.pixels
        if window is not None:
            x0, y0, x1, y1 = window
            lines = lines[max(0, y0):y1, max(0, x0):x1]
            lines = cv2.resize(lines, mask.shape[::-1], interpolation=cv2.INTER_NEAREST)
        out = mask.copy()
        out[(lines > 0) & (ink <= _PEN_OVER_LINE * self.level)] = 0
        return out


def find_printed_lines(ink, mask, digit_height=None, longest=None):
    """Find the printed lines in an ink mask.

    Parameters
    ----------
    ink : ndarray, shape (H, W), float32
        Ink strength.
    mask : ndarray, shape (H, W), uint8
        1 on ink.
    digit_height : float, optional
        Typical digit height in pixels, when known; lines must be much
        longer than that.
    longest : float, optional
        Diagonal of the mask's largest connected stretch of ink, when known;
        spares counting the components again.

    Returns
    -------
    PrintedLines or None
        None when the image has no printed lines.
    """
    side = min(mask.shape)
    min_length = _MIN_LENGTH * side
    run = _RUN_LENGTH * side
    if digit_height:
        min_length = max(min_length, _MIN_DIGIT_HEIGHTS * digit_height)
        run = max(run, _MIN_DIGIT_HEIGHTS * digit_height)
    if longest is None:
        _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        longest = float(np.hypot(stats[1:, 2], stats[1:, 3]).max(initial=0.0))
    if longest < 0.5 * min_length:
        return None
    segments = _long_segments(mask, min_length)
    angles = _family_angles(segments, mask.shape)
    if not angles:
        return None
    gap = max(3, int(_MAX_GAP * side / 2))
    # Runs are looked for on a half-size copy, four times faster; a line
    # stays a line, and the result is fitted back onto the full mask.
    h, w = mask.shape
    half = cv2.resize(mask, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    half = (half > 0).view(np.uint8)
    pixels = np.zeros_like(half)
    found = 0
    for angle in angles:
        family = _family_pixels(half, angle, int(run / 2), max(2, gap // 2))
        found = max(found, np.count_nonzero(family))
        pixels |= family
    # Squared paper: the crossing family may be too faint or broken for the
    # transform; look for it directly.
    for angle in angles:
        crossing = _family_pixels(half, angle + np.pi / 2, int(run / 2), max(2, gap // 2))
        if np.count_nonzero(crossing) >= _CROSSING_SHARE * found:
            pixels |= crossing
    pixels = cv2.resize(pixels, (w, h), interpolation=cv2.INTER_NEAREST)
    # The transform's own segments bridge wider gaps than the runs do, and
    # follow lines that perspective has turned away from their family's angle.
    shorter = _long_segments(mask, _SHORT_SEGMENT * min_length, gap_factor=_SHORT_SEGMENT_GAP)
    members = _family_members(np.vstack([segments, shorter]), angles)
    thick = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    for x0, y0, x1, y1 in members[_coverage(thick, members) >= _MIN_COVERAGE]:
        cv2.line(pixels, (int(x0), int(y0)), (int(x1), int(y1)), 1, _SEGMENT_THICKNESS)
    pixels = cv2.dilate(pixels, np.ones((3, 3), np.uint8)) & mask
    on_line = (pixels > 0) & (mask > 0)
    if np.count_nonzero(on_line) < 10:
        return None
    pixels = cv2.dilate(pixels, np.ones((3, 3), np.uint8))
    return PrintedLines(pixels, float(np.median(ink[on_line])))


def _family_pixels(mask, angle, length, gap):
    """Pixels of the straight runs near one family's angle."""
    pixels = np.zeros_like(mask)
    for offset in _ANGLE_OFFSETS:
        pixels |= _straight_runs(mask, angle + np.deg2rad(offset), length, gap)
    return pixels


def _long_segments(mask, min_length, gap_factor=1.0):
    """Long straight segments of ink, ``(N, 4)`` as ``x0, y0, x1, y1`` (full-size pixels)."""
    h, w = mask.shape
    # The transform runs on a half-size copy: four times faster, and lines
    # stay lines.
    half = cv2.resize(mask, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    segments = cv2.HoughLinesP((half > 0).view(np.uint8), 1, np.pi / 360,
                               threshold=int(min_length * 0.3), minLineLength=min_length / 2,
                               maxLineGap=max(2, gap_factor * _MAX_GAP * min(h, w) / 2))
    if segments is None:
        return np.zeros((0, 4), np.int32)
    return segments.reshape(-1, 4) * 2


def _segment_angles(segments):
    """Undirected angles (radians, 0..pi) and lengths of segments."""
    dx = segments[:, 2] - segments[:, 0]
    dy = segments[:, 3] - segments[:, 1]
    return np.mod(np.arctan2(dy, dx), np.pi), np.hypot(dx, dy)


def _angle_difference(a, b):
    difference = np.abs(a - b)
    return np.minimum(difference, np.pi - difference)


def _family_angles(segments, shape):
    """Angles (radians, 0..pi) of the families of long straight segments."""
    h, w = shape
    angles, lengths = _segment_angles(segments)
    families = []
    for i in np.argsort(-lengths):
        members = _angle_difference(angles, angles[i]) < _FAMILY_ANGLE
        span = w * abs(np.cos(angles[i])) + h * abs(np.sin(angles[i]))
        if np.count_nonzero(members) < _FAMILY_SIZE and lengths[i] < _LONE_LENGTH * span:
            continue
        if any(_angle_difference(a, angles[i]) < _FAMILY_ANGLE for a in families):
            continue
        families.append(float(_mean_angle(angles[members], lengths[members])))
    return families


def _coverage(mask, segments):
    """Share of each segment's length that lies on ink, by sampling every pixel."""
    h, w = mask.shape
    shares = np.zeros(len(segments))
    for i, (x0, y0, x1, y1) in enumerate(segments):
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        xs = np.clip(np.rint(np.linspace(x0, x1, n)).astype(int), 0, w - 1)
        ys = np.clip(np.rint(np.linspace(y0, y1, n)).astype(int), 0, h - 1)
        shares[i] = np.count_nonzero(mask[ys, xs]) / n
    return shares


def _family_members(segments, families):
    """The segments within a family's angle of one of ``families``."""
    if not len(segments) or not families:
        return segments[:0]
    angles, _ = _segment_angles(segments)
    near = np.zeros(len(segments), bool)
    for family in families:
        near |= _angle_difference(angles, family) < _FAMILY_ANGLE
    return segments[near]


def _mean_angle(angles, weights):
    """Weighted mean of undirected angles (0..pi)."""
    doubled = 2 * angles
    mean = np.arctan2((weights * np.sin(doubled)).sum(), (weights * np.cos(doubled)).sum())
    return np.mod(mean / 2, np.pi)


def _straight_runs(mask, angle, length, gap=1):
    """Ink pixels on straight runs at least ``length`` long at ``angle``,
    bridging gaps of up to ``gap`` pixels along the run."""
    h, w = mask.shape
    centre = (w / 2, h / 2)
    # Turn the image so the runs are horizontal, open with a horizontal line,
    # and turn back; the canvas is enlarged so no corner is cut off.
    side = int(np.ceil(np.hypot(h, w)))
    turn = cv2.getRotationMatrix2D(centre, np.rad2deg(angle), 1.0)
    turn[:, 2] += ((side - w) / 2, (side - h) / 2)
    upright = cv2.warpAffine(mask, turn, (side, side), flags=cv2.INTER_NEAREST)
    # Thickening across the run first keeps thin, slightly tilted or
    # jagged lines in one piece.
    upright = cv2.dilate(upright, np.ones((3, 1), np.uint8))
    if gap > 1:
        upright = cv2.morphologyEx(upright, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    opened = cv2.morphologyEx(upright, cv2.MORPH_OPEN, np.ones((1, max(3, length)), np.uint8))
    back = cv2.warpAffine(opened, turn, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    return back & mask
