"""Turn a digit's ink into the 28x28 MNIST format.

MNIST digits were made by fitting each digit's ink into a 20x20 box with its
aspect ratio kept (anti-aliased), then placing it in a 28x28 frame so that
its centre of mass is at the frame's centre. The same steps, plus a shear
that removes the slant measured by image moments, serve the trainer (on
MNIST digits) and the photo pipeline (on crops of real ink), so both see
digits of one distribution.
"""

import cv2
import numpy as np

MNIST_SIZE = 28
MNIST_BOX = 20
# MNIST's centres of mass sit at pixel index 14 (integer shifts around it).
MNIST_CENTRE = 14.0
# Ink at or below this fraction of the brightest value is ignored when
# cropping, so anti-aliasing fringes and faint noise do not widen the box.
_CROP_LEVEL = 0.1
# Steeper shears than this come from noise, not from handwriting slant.
_MAX_SKEW = 1.0


def centre_and_skew(ink):
    """Centre of mass and horizontal slant of ink, from its image moments.

    Parameters
    ----------
    ink : ndarray, shape (H, W)
        Ink intensity, white ink on black, uint8 or float32.

    Returns
    -------
    cx, cy : float
        Centre of mass in pixels, or the image centre when there is no ink.
    skew : float
        ``mu11 / mu02``: how far x moves per unit of y; 0 for an upright
        digit, positive when the top leans left.
    """
    # Computed with NumPy: cv2.moments takes an (N, 2) array for a list of
    # points, which a 2-pixel-wide digit (a thin "1") would be.
    ink = np.asarray(ink, dtype=np.float64)
    h, w = ink.shape
    mass = ink.sum()
    if mass <= 0:
        return (w - 1) / 2, (h - 1) / 2, 0.0
    rows = ink.sum(axis=1)
    ys = np.arange(h)
    xs = np.arange(w)
    cx = float(ink.sum(axis=0) @ xs / mass)
    cy = float(rows @ ys / mass)
    dy = ys - cy
    mu02 = float(rows @ dy ** 2)
    mu11 = float(dy @ ink @ (xs - cx))
    if mu02 < 1e-2 * mass:
        return cx, cy, 0.0
    return cx, cy, float(np.clip(mu11 / mu02, -_MAX_SKEW, _MAX_SKEW))


def ink_box(ink):
    """Bounding box of the significant ink.

    Parameters
    ----------
    ink : ndarray, shape (H, W)
        Ink intensity, white ink on black.

    Returns
    -------
    tuple of int or None
        ``(x, y, w, h)``, or None when there is no ink.
    """
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 0:
        return None
    points = cv2.findNonZero((ink > _CROP_LEVEL * peak).astype(np.uint8))
    if points is None:
        return None
    return cv2.boundingRect(points)


def deskew(digit):
    """Remove the slant of a 28x28 digit, measured by its image moments.

    The digit is sheared horizontally about its centre of mass, and moved so
    that the centre of mass lands at the frame's centre. A digit without
    slant comes back unchanged up to interpolation, so deskewing twice is
    the same as deskewing once.

    Parameters
    ----------
    digit : ndarray, shape (28, 28)
        Digit in MNIST format (white ink on black), uint8 or float32.

    Returns
    -------
    ndarray, shape (28, 28), same dtype as ``digit``
    """
    digit = np.asarray(digit)
    if not digit.any():
        return digit.copy()
    return _shear(digit, *centre_and_skew(digit))


def _shear(digit, cx, cy, skew):
    """Shear a digit about its centre of mass and move that to the centre."""
    # Destination (x, y) takes source (x + skew * (y - c) + cx - c, y + cy - c)
    # with c the frame's centre.
    c = MNIST_CENTRE
    warp = np.float32([[1, skew, cx - c - skew * c], [0, 1, cy - c]])
    out = cv2.warpAffine(digit.astype(np.float32), warp, digit.shape[::-1],
                         flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if digit.dtype == np.uint8:
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return out.astype(digit.dtype)


def deskew_batch(digits):
    """Apply :func:`deskew` to each digit of a stack.

    Parameters
    ----------
    digits : ndarray, shape (N, 28, 28)
        Digits in MNIST format, uint8 or float32.

    Returns
    -------
    ndarray, shape (N, 28, 28), same dtype as ``digits``
    """
    digits = np.asarray(digits)
    out = digits.copy()
    if len(digits) == 0:
        return out
    # The moments of the whole stack at once; the same formulas as
    # centre_and_skew, digit by digit.
    ink = digits.astype(np.float64)
    n, h, w = ink.shape
    mass = ink.sum(axis=(1, 2))
    rows, columns = ink.sum(axis=2), ink.sum(axis=1)
    safe = np.where(mass > 0, mass, 1.0)
    cx = columns @ np.arange(w) / safe
    cy = rows @ np.arange(h) / safe
    dy = np.arange(h)[None, :] - cy[:, None]
    dx = np.arange(w)[None, :] - cx[:, None]
    mu02 = np.einsum("ny,ny->n", rows, dy ** 2)
    mu11 = np.einsum("ny,nyx,nx->n", dy, ink, dx)
    slanted = mu02 >= 1e-2 * safe
    skew = np.where(slanted, np.clip(mu11 / np.where(slanted, mu02, 1.0), -_MAX_SKEW, _MAX_SKEW), 0.0)
    for i in np.flatnonzero(mass > 0):
        out[i] = _shear(digits[i], cx[i], cy[i], skew[i])
    return out


def to_mnist(ink):
    """Normalise a digit's ink into the MNIST format.

    Crop the ink, scale it to fit a 20x20 box keeping its aspect ratio
    (area-averaged when shrinking, so it is anti-aliased), place it in a
    28x28 frame with its centre of mass at the centre, and remove its slant
    with :func:`deskew`.

    Parameters
    ----------
    ink : ndarray, shape (H, W)
        Ink intensity of one digit, white ink on black, any size, uint8
        (0..255) or float (scaled so that full ink is 255).

    Returns
    -------
    ndarray, shape (28, 28), uint8
        The digit in MNIST format; all zero when ``ink`` holds no ink.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink image, got shape {ink.shape}")
    out = np.zeros((MNIST_SIZE, MNIST_SIZE), np.uint8)
    box = ink_box(ink)
    if box is None:
        return out
    x, y, w, h = box
    ink = ink[y:y + h, x:x + w]
    scale = MNIST_BOX / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    fitted = cv2.resize(ink, size, interpolation=interpolation)
    cx, cy, _ = centre_and_skew(fitted)
    shift = np.float32([[1, 0, MNIST_CENTRE - cx], [0, 1, MNIST_CENTRE - cy]])
    placed = cv2.warpAffine(fitted, shift, (MNIST_SIZE, MNIST_SIZE),
                            flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return deskew(np.clip(placed + 0.5, 0, 255).astype(np.uint8))
