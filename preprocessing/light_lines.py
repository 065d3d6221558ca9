"""Printed lines lighter than the paper they are printed on.

Most rulings are darker than their paper, but on brown kraft or grey card a
grid is often printed lighter. The ink map estimates the paper's brightness
as the brightest level around each pixel, so such lines would pass for the
paper and the paper itself for ink: the whole sheet a blot. Taking light
lines out of the estimate fixes that, but only where there are lines: on
plain paper it would also take out the bright half of the sensor noise and
lower every estimate. So the lines are looked for first, as families of
long straight parallel lines, which noise does not make.
"""

import cv2
import numpy as np

from preprocessing.lines import angles_from, distinct_lines, segment_angles
from preprocessing.shape import quantile

# Light structures this wide or thinner (pixels of the small copy the paper
# is estimated on) are lines; an opening with a square of this side takes
# them out.
LINE_WIDTH = 3
# Pixels count as a light line when this much brighter than the paper,
# relatively, and this many times the paper's own roughness.
_MIN_RIDGE = 0.04
_RIDGE_NOISE = 3.0
# Paper is what is at least this share of the brightest (95th percentile)
# paper level: a dark desk's noise is large relative to its own level.
_PAPER_SHARE = 0.6
# A line is at least this share of the copy's shorter side long, with
# votes from pixels along this share; lines are parallel within this angle,
# and distinct when this many pixels apart.
_LINE_LENGTH = 0.35
_LINE_VOTES = 0.25
_PARALLEL = np.deg2rad(5.0)
_APART = 3.0
# This many distinct parallel lines make a ruling.
MIN_LINES = 4


def remove_light_lines(grey):
    """A grey image with its light lines (up to LINE_WIDTH wide) taken out.

    Parameters
    ----------
    grey : ndarray, shape (H, W), float32
        Small copy of the image, ink dark.

    Returns
    -------
    ndarray, shape (H, W), float32
        The grey-level opening: light structures narrower than
        ``LINE_WIDTH`` take the level of their surroundings.
    """
    return cv2.morphologyEx(grey, cv2.MORPH_OPEN, np.ones((LINE_WIDTH, LINE_WIDTH), np.uint8),
                            borderType=cv2.BORDER_REPLICATE)


def count_light_lines(grey, paper):
    """Number of distinct parallel light lines in the largest family.

    Parameters
    ----------
    grey : ndarray, shape (H, W), float32
        Small copy of the image (about 160 pixels), ink dark.
    paper : ndarray, shape (H, W), float32
        The paper's estimated brightness there.

    Returns
    -------
    int
        0 when no long light line is found; :data:`MIN_LINES` or more on
        ruled or squared paper printed lighter than itself.
    """
    ridge = (grey - remove_light_lines(grey)) / np.maximum(paper, 8.0)
    # Levels are taken over every other pixel, plenty for them and cheaper:
    # this runs on every video frame.
    on_paper = paper >= _PAPER_SHARE * quantile(paper[::2, ::2], 0.95)
    if not on_paper.any():
        return 0
    # The median absolute ridge over the paper is its roughness (noise).
    noise = 1.48 * quantile(np.abs(ridge[::2, ::2][on_paper[::2, ::2]]), 0.5)
    light = ((ridge > max(_RIDGE_NOISE * noise, _MIN_RIDGE)) & on_paper).view(np.uint8)
    side = min(grey.shape[:2])
    votes = max(1, int(_LINE_VOTES * side))
    if np.count_nonzero(light) < MIN_LINES * votes:
        return 0  # too few light pixels for that many lines
    segments = cv2.HoughLinesP(light, 1, np.pi / 90, threshold=votes,
                               minLineLength=_LINE_LENGTH * side, maxLineGap=3)
    if segments is None:
        return 0
    return _largest_family(segments.reshape(-1, 4).astype(np.float64))


def _largest_family(segments):
    """Most distinct parallel lines among segments ``(x0, y0, x1, y1)``
    (0 for none)."""
    angles = segment_angles(segments)
    return max((distinct_lines(segments[angles_from(angles, angle) < _PARALLEL], angle, _APART)
                for angle in angles), default=0)
