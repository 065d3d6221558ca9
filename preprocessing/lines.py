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
    angles = _family_angles(mask, min_length)
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
    pixels = cv2.dilate(cv2.resize(pixels, (w, h), interpolation=cv2.INTER_NEAREST),
                        np.ones((3, 3), np.uint8)) & mask
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


def _family_angles(mask, min_length):
    """Angles (radians, 0..pi) of the families of long straight lines."""
    h, w = mask.shape
    # The transform runs on a half-size copy: four times faster, and lines
    # stay lines.
    half = cv2.resize(mask, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    segments = cv2.HoughLinesP((half > 0).view(np.uint8), 1, np.pi / 360,
                               threshold=int(min_length * 0.3), minLineLength=min_length / 2,
                               maxLineGap=max(2, _MAX_GAP * min(h, w) / 2))
    if segments is None:
        return []
    segments = segments.reshape(-1, 4) * 2
    dx = segments[:, 2] - segments[:, 0]
    dy = segments[:, 3] - segments[:, 1]
    angles = np.mod(np.arctan2(dy, dx), np.pi)
    lengths = np.hypot(dx, dy)
    families = []
    for i in np.argsort(-lengths):
        difference = np.abs(angles - angles[i])
        difference = np.minimum(difference, np.pi - difference)
        members = difference < _FAMILY_ANGLE
        span = w * abs(np.cos(angles[i])) + h * abs(np.sin(angles[i]))
        if np.count_nonzero(members) < _FAMILY_SIZE and lengths[i] < _LONE_LENGTH * span:
            continue
        if any(min(abs(a - angles[i]), np.pi - abs(a - angles[i])) < _FAMILY_ANGLE for a in families):
            continue
        families.append(float(_mean_angle(angles[members], lengths[members])))
    return families


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
