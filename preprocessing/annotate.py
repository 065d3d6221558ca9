"""Draw what was read over an image: boxes, labels and the numbers.

Boxes are coloured by confidence, from red (doubtful) through yellow to
green (sure); a tag on each box gives the label and the confidence, and a
banner across the top gives the numbers in reading order.
"""

import cv2

BANNER_COLOUR = (96, 48, 16)  # BGR, dark blue
TEXT_COLOUR = (255, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
# Confidences at which boxes are red, yellow and green, blended in between.
_COLOUR_STOPS = ((0.4, (0, 0, 255)), (0.7, (0, 220, 255)), (0.95, (0, 200, 0)))


def confidence_colour(confidence):
    """BGR colour of a box: red below 0.4, yellow at 0.7, green from 0.95.

    Parameters
    ----------
    confidence : float

    Returns
    -------
    tuple of int
    """
    (c0, first), *_ = _COLOUR_STOPS
    if confidence <= c0:
        return first
    for (lo, a), (hi, b) in zip(_COLOUR_STOPS, _COLOUR_STOPS[1:]):
        if confidence <= hi:
            t = (confidence - lo) / (hi - lo)
            return tuple(int(round(x + t * (y - x))) for x, y in zip(a, b))
    return _COLOUR_STOPS[-1][1]


def text_scale(image):
    """Font scale and line thickness that suit the image's size."""
    scale = max(0.45, min(image.shape[:2]) / 600)
    return scale, max(1, int(round(scale * 1.6)))


def draw_digits(image, digits):
    """Draw each digit's box and a tag with its label and confidence, in place.

    Parameters
    ----------
    image : ndarray
        BGR uint8 image.
    digits : sequence
        Objects with ``x, y, w, h, label, confidence``.
    """
    scale, thickness = text_scale(image)
    scale = max(0.4, 0.6 * scale)  # small tags keep neighbours readable
    for d in digits:
        colour = confidence_colour(d.confidence)
        cv2.rectangle(image, (d.x, d.y), (d.x + d.w - 1, d.y + d.h - 1), colour, thickness)
        tag = f"{d.label} {round(100 * d.confidence)}%"
        (tw, th), base = cv2.getTextSize(tag, FONT, scale, 1)
        top = d.y - th - base - 4
        if top < 0:  # no room above: put the tag under the box
            top = d.y + d.h
        cv2.rectangle(image, (d.x, top), (d.x + tw + 4, top + th + base + 4), colour, -1)
        cv2.putText(image, tag, (d.x + 2, top + th + 2), FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)


def draw_banner(image, text, right=""):
    """Draw a banner across the top with the numbers read, in place.

    Parameters
    ----------
    image : ndarray
        BGR uint8 image.
    text : str
        The numbers read, in reading order.
    right : str, optional
        Shown at the banner's right end (a frame rate, a state).
    """
    scale, thickness = text_scale(image)
    (_, th), base = cv2.getTextSize("0", FONT, scale, thickness)
    height = th + base + 12
    cv2.rectangle(image, (0, 0), (image.shape[1] - 1, height - 1), BANNER_COLOUR, -1)
    baseline = 6 + th
    cv2.putText(image, f"Read: {text or '-'}", (8, baseline), FONT, scale, TEXT_COLOUR,
                thickness, cv2.LINE_AA)
    if right:
        (rw, _), _ = cv2.getTextSize(right, FONT, scale, thickness)
        cv2.putText(image, right, (image.shape[1] - rw - 8, baseline), FONT, scale, TEXT_COLOUR,
                    thickness, cv2.LINE_AA)


def draw_reading(image, reading):
    """A copy of an image with a reading drawn on it.

    Parameters
    ----------
    image : ndarray
        BGR or grey uint8 image.
    reading : preprocessing.reader.Reading

    Returns
    -------
    ndarray
        BGR uint8 image of the same size.
    """
    out = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    draw_digits(out, reading.digits)
    draw_banner(out, reading.text)
    return out
