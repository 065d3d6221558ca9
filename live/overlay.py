"""Draw what was read over a frame: boxes, labels, the numbers, the rate.

Boxes are coloured by confidence, from red (doubtful) through yellow to
green (sure).  A banner across the top shows the numbers in reading order,
the processing rate and the state (paused, debug view, end of file); an
optional strip along the bottom shows each digit as the classifier saw it.
"""

import cv2
import numpy as np

from preprocessing.annotate import (BANNER_COLOUR, FONT, confidence_colour, draw_digits,
                                    text_scale)
from preprocessing.annotate import draw_banner as annotate_banner
from preprocessing.binarize import ink_mask
from preprocessing.ink import InkMap

__all__ = ["BANNER_COLOUR", "annotate", "binarised_view", "confidence_colour", "draw_banner",
           "draw_digits", "draw_inset"]


def draw_banner(image, text, fps, status=None):
    """Draw the banner across the top: the numbers read and the rate, in place.

    Parameters
    ----------
    image : ndarray
        BGR uint8 frame.
    text : str
        The numbers read, in reading order.
    fps : float
        Processing rate.
    status : str, optional
        A word on the state, such as ``"paused"``.
    """
    annotate_banner(image, text, f"{fps:.1f} fps" + (f"  [{status}]" if status else ""))


def draw_inset(image, digits):
    """Draw the digits as the classifier saw them (28x28) along the bottom, in place.

    Parameters
    ----------
    image : ndarray
        BGR uint8 frame.
    digits : sequence of live.tracker.TrackedDigit
        Those without an image are left out.
    """
    shown = [d for d in digits if d.image is not None]
    if not shown:
        return
    h, w = image.shape[:2]
    zoom = max(2, h // 240)
    cell = 28 * zoom
    gap = 4
    fit = max(1, (w - gap) // (cell + gap))
    y0 = h - cell - 2 * gap
    cv2.rectangle(image, (0, y0), (min(w, gap + len(shown[:fit]) * (cell + gap)) - 1, h - 1),
                  BANNER_COLOUR, -1)
    scale, thickness = text_scale(image)
    for i, d in enumerate(shown[:fit]):
        x0 = gap + i * (cell + gap)
        tile = cv2.resize(d.image, (cell, cell), interpolation=cv2.INTER_NEAREST)
        image[y0 + gap:y0 + gap + cell, x0:x0 + cell] = tile[:, :, None]
        cv2.putText(image, str(d.label), (x0 + 2, y0 + gap + cell - 4), FONT, 0.6 * scale,
                    confidence_colour(d.confidence), thickness, cv2.LINE_AA)


def annotate(frame, digits, text, fps, status=None, inset=False):
    """A copy of the frame with the overlay drawn on it.

    Parameters
    ----------
    frame : ndarray
        BGR (or grey) uint8 frame.
    digits : sequence of live.tracker.TrackedDigit
        The digits to show, in reading order.
    text : str
        The numbers read.
    fps : float
        Processing rate.
    status : str, optional
        State shown in the banner.
    inset : bool
        Also show the normalised digits.

    Returns
    -------
    ndarray
        BGR uint8 image of the frame's size.
    """
    image = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR) if frame.ndim == 2 else frame.copy()
    draw_digits(image, digits)
    if inset:
        draw_inset(image, digits)
    draw_banner(image, text, fps, status)
    return image


def binarised_view(frame, light_ink=False, max_side=640):
    """The frame's ink as black on white, as a cheap stand-in for what the reader sees.

    Parameters
    ----------
    frame : ndarray
        BGR uint8 frame.
    light_ink : bool
        Whether the strokes are lighter than the paper.
    max_side : int
        The ink is found at this resolution, then enlarged to the frame's.

    Returns
    -------
    ndarray
        BGR uint8 image of the frame's size.
    """
    h, w = frame.shape[:2]
    factor = min(1.0, max_side / max(h, w))
    mask = ink_mask(InkMap(frame, light_ink).resized(factor))
    view = np.where(mask > 0, 0, 255).astype(np.uint8)
    view = cv2.resize(view, (w, h), interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(view, cv2.COLOR_GRAY2BGR)
