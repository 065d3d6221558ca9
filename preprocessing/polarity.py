"""Guess whether an image holds light strokes on a dark ground.

Paper photographed on a dark desk is also mostly dark, so darkness alone
does not tell. The bright part of the image is looked at instead: a sheet of
paper is one large, solid (convex) bright region, strokes are thin and
scattered.
"""

import cv2
import numpy as np

from preprocessing.components import components
from preprocessing.shrink import shrink

# The guess is made on a copy whose longer side has this many pixels.
_SIDE = 320
# Bright pixels (by Otsu's threshold) cover at least this fraction of a
# photo of dark ink on paper ...
_PAPER_SHARE = 0.4
# ... or they form a region this solid and this large (a sheet on a desk).
_SOLIDITY = 0.75
_SHEET_SHARE = 0.04
# A drawing has one exact background value over at least this share of it.
_DRAWN_SHARE = 0.6
# Below this median luminance an image may be a blackboard even when the
# guess says paper, and both polarities are worth trying.
DARK_MEDIAN = 110


def grey_copy(image, side=_SIDE):
    """Small uint8 luminance copy of an image, longer side at most ``side``."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape
    scale = min(1.0, side / max(h, w))
    if scale < 1:
        grey = shrink(grey, (max(1, round(w * scale)), max(1, round(h * scale))))
    return grey


def looks_light_on_dark(image):
    """Whether an image looks like light strokes on a dark ground.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3), uint8

    Returns
    -------
    bool
    """
    grey = grey_copy(image)
    _, bright = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if bright.mean() >= _PAPER_SHARE:
        return False
    count, labels, stats = components(bright)
    if count <= 1:
        return False
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    area = stats[largest, cv2.CC_STAT_AREA]
    contours, _ = cv2.findContours((labels == largest).view(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    hull_area = cv2.contourArea(cv2.convexHull(np.vstack(contours)))
    is_sheet = area / max(hull_area, 1.0) > _SOLIDITY and area > _SHEET_SHARE * grey.size
    return not is_sheet


def looks_drawn(image):
    """Whether an image was drawn on a screen rather than photographed.

    A drawing's background is one exact colour over most of it; a photo's
    noise spreads even white paper over many values.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3), uint8

    Returns
    -------
    bool
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    counts = np.bincount(grey[::2, ::2].ravel(), minlength=256)
    return counts.max() >= _DRAWN_SHARE * counts.sum()
