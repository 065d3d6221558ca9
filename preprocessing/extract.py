"""Cut a digit out of the photo and bring it to the MNIST format.

The digit's own ink mask is used, not its bounding box, so a neighbour that
reaches into the box is left out. Its strokes are brought to the relative
thickness of MNIST's (a ballpoint digit 300 pixels tall would otherwise
shrink to a faint hairline, a marker digit to a blob) before the MNIST
normalisation of :mod:`preprocessing.normalize`.
"""

import cv2
import numpy as np

from preprocessing.binarize import ink_mask
from preprocessing.components import components
from preprocessing.normalize import to_mnist
from preprocessing.shape import count_holes, quantile, stroke_width

# MNIST strokes are about 0.12 of the digit's 20-pixel box.
STROKE_RATIO = 0.12
# Strokes are evened out on a copy whose longer side has this many pixels.
_EVEN_SIDE = 80
# Digits shorter than this at working resolution are cut from the full image.
_DETAIL_HEIGHT = 28
# A digit has at most two loops; a mask with far more holes than that is noise
# clinging to the strokes. Shedding it must not break the strokes into more
# parts (parts under this share of the largest are specks).
_MAX_HOLES = 6
_SPECK_SHARE = 0.05
# Digits under this many pixels tall cut at full resolution are redrawn
# from their ink this many times larger; not the tiniest, as specks of
# noise redrawn so read too surely as digits.
_SMALL_HEIGHT = 20
_SMOOTH_MIN_HEIGHT = 12
_SMOOTH_SIGNAL_TO_NOISE = 8.0
_SMALL_ZOOM = 3


def even_strokes(mask):
    """Redraw a digit's mask with MNIST-like stroke thickness.

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8
        1 on the digit's ink, cropped to it.

    Returns
    -------
    ndarray, float32
        Ink intensity 0..255 at a scale where the longer side is 80 pixels
        (plus a margin).
    """
    h, w = mask.shape
    scale = _EVEN_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(mask.astype(np.float32), size, interpolation=interpolation)
    shape = cv2.copyMakeBorder((resized >= 0.5).view(np.uint8), 8, 8, 8, 8,
                               cv2.BORDER_CONSTANT, value=0)
    width = stroke_width(shape)
    target = STROKE_RATIO * _EVEN_SIDE
    if width < 0.8 * target:
        radius = int(round((target - width) / 2))
        if radius > 0:
            shape = cv2.dilate(shape, _disk(2 * radius + 1))
    elif width > 1.6 * target:
        radius = int(round((width - target) / 2))
        thinner = cv2.erode(shape, _disk(2 * radius + 1))
        # Do not thin away whole parts of a digit of uneven strokes.
        if np.count_nonzero(thinner) > 0.25 * np.count_nonzero(shape):
            shape = thinner
    return shape.astype(np.float32) * 255.0


def redraw_mnist_digit(digit):
    """Redraw an MNIST-format digit the way photo digits are drawn.

    The digit is enlarged, cut at half intensity into a mask, and put through
    :func:`even_strokes` and :func:`~preprocessing.normalize.to_mnist`, the
    path every digit found in a photo takes; training on digits redrawn so
    makes the classifier see one kind of stroke in training and in use.

    Parameters
    ----------
    digit : ndarray, shape (28, 28), uint8

    Returns
    -------
    ndarray, shape (28, 28), uint8
    """
    enlarged = cv2.resize(digit, (4 * digit.shape[1], 4 * digit.shape[0]),
                          interpolation=cv2.INTER_LINEAR)
    redrawn = mask_to_mnist((enlarged >= 128).view(np.uint8))
    return digit.copy() if redrawn is None else redrawn


def mask_to_mnist(mask):
    """Bring a digit's ink mask to the MNIST format along the photo path.

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8
        1 on the digit's ink, 0 elsewhere; need not be cropped.

    Returns
    -------
    ndarray, shape (28, 28), uint8, or None
        The digit (:func:`even_strokes` then
        :func:`~preprocessing.normalize.to_mnist`); None when the mask is empty.
    """
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return _normalise(mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def _normalise(shape, turn=0.0):
    """A digit's mask, cut out, with its strokes evened, turned by ``turn``
    degrees (see :func:`turn_ink`) and brought to the MNIST format."""
    return to_mnist(turn_ink(even_strokes(shape), turn))


def _disk(size):
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def turn_ink(ink, degrees):
    """Turn a digit's ink about its middle, on a canvas that holds it whole.

    Parameters
    ----------
    ink : ndarray, shape (H, W), float32
        Ink intensity, white ink on black.
    degrees : float
        Counter-clockwise, as seen with y pointing down.

    Returns
    -------
    ndarray, float32
        ``ink`` itself when ``degrees`` is 0; otherwise a square canvas as
        wide as the ink's diagonal, bilinearly resampled.
    """
    if not degrees:
        return ink
    h, w = ink.shape
    side = int(np.ceil(np.hypot(h, w))) + 2
    canvas = np.zeros((side, side), np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    canvas[top:top + h, left:left + w] = ink
    centre = (side - 1) / 2
    rotation = cv2.getRotationMatrix2D((centre, centre), degrees, 1.0)
    return cv2.warpAffine(canvas, rotation, (side, side), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def extract_digit(piece, labels, ink_map, scale, lines=None, roughness=None, ink=None, turn=0.0):
    """MNIST-format image and tight box of a digit candidate.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
        Candidate, in working-resolution pixels.
    labels : ndarray
        Label image at working resolution.
    ink_map : preprocessing.ink.InkMap
        Ink of the full image, to cut small digits at full resolution.
    scale : float
        Working resolution over full resolution (at most 1).
    lines : preprocessing.lines.PrintedLines, optional
        Printed lines found at working resolution, removed from full
        resolution cuts too.
    roughness : ndarray, optional
        The paper's roughness at working resolution (see
        :func:`preprocessing.binarize.ink_mask`), to threshold full
        resolution cuts without measuring it again.
    ink : ndarray, float32, optional
        Ink strength at working resolution, to shed the noise clinging to
        the strokes of digits cut at that resolution, and to redraw small
        ones from it (see :func:`shed_speckle` and :func:`smooth_small`).
    turn : float, default 0
        Degrees to turn the digit by (see :func:`turn_ink`) before it is
        normalised: the digits of a page turned on the desk turn with it.

    Returns
    -------
    digit : ndarray, shape (28, 28), uint8
    box : tuple of int
        ``(x, y, w, h)`` tight around the ink, in full-resolution pixels.
    """
    mask = piece.mask(labels)
    if scale >= 1 or piece.h >= _DETAIL_HEIGHT:
        if ink is not None:
            mask = shed_speckle(mask, ink[piece.y:piece.y1, piece.x:piece.x1])
        ys, xs = np.nonzero(mask)
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        box = _box_to_full((piece.x + x0, piece.y + y0, piece.x + x1, piece.y + y1), scale)
        shape = mask[y0:y1, x0:x1]
        if ink is not None and _SMOOTH_MIN_HEIGHT <= piece.h < _SMALL_HEIGHT:
            window = (slice(piece.y + y0, piece.y + y1), slice(piece.x + x0, piece.x + x1))
            noise = None if roughness is None else quantile(roughness[window], 0.5)
            shape = smooth_small(shape, ink[window], noise)
        return _normalise(shape, turn), box
    paper = None
    if roughness is not None:
        paper = quantile(roughness[piece.y:piece.y1, piece.x:piece.x1], 0.5)
    return _extract_fine(piece, mask, ink_map, scale, lines, paper, turn)


def shed_speckle(mask, ink):
    """A digit's mask without the specks of noise that cling to its strokes.

    In a noisy, blurred photo, noise next to a thick stroke passes the
    mask's hysteresis and clumps in the digit's loops and bends until the
    digit reads as a blob riddled with holes. That noise is far weaker than
    the stroke, so an Otsu split of the ink inside the mask keeps the
    strokes. Masks with not many more holes than a digit has loops are left
    as they are, and so is a split that breaks a stroke apart.

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8
        1 on the digit's ink, cropped to it.
    ink : ndarray, shape (H, W), float32
        Ink strength over the same pixels.

    Returns
    -------
    ndarray, shape (H, W), uint8
    """
    if count_holes(mask) <= _MAX_HOLES:
        return mask
    inside = mask > 0
    top = float(ink[inside].max())
    if top <= 0:
        return mask
    scaled = ink * (255.0 / top)
    levels = np.clip(scaled[inside], 0, 255).astype(np.uint8)
    level, _ = cv2.threshold(levels, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    strong = (inside & (scaled > level)).view(np.uint8)
    if not np.any(strong) or _sizeable_parts(strong) > _sizeable_parts(mask):
        return mask
    return strong


def smooth_small(mask, ink, noise=None):
    """A small digit's mask redrawn from its ink at a finer scale.

    A digit a few strokes across is a jagged mask; its anti-aliased ink,
    enlarged and cut at half the strokes' strength, keeps its curves.

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8
        1 on the digit's ink, cropped to it.
    ink : ndarray, shape (H, W), float32
        Ink strength over the same pixels.
    noise : float, optional
        The paper's roughness there; ink that does not stand this many
        times (``_SMOOTH_SIGNAL_TO_NOISE``) above it is too noisy to redraw,
        and the mask is kept.

    Returns
    -------
    ndarray, uint8
        The finer mask, ``_SMALL_ZOOM`` times the size, or ``mask``.
    """
    level = 0.5 * float(np.percentile(ink[mask > 0], 90))
    if noise is not None and level < _SMOOTH_SIGNAL_TO_NOISE * noise:
        return mask
    h, w = mask.shape
    size = (w * _SMALL_ZOOM, h * _SMALL_ZOOM)
    near = cv2.resize(cv2.dilate(mask, np.ones((3, 3), np.uint8)), size,
                      interpolation=cv2.INTER_NEAREST)
    fine = cv2.resize(ink, size, interpolation=cv2.INTER_CUBIC)
    smooth = ((fine >= level) & (near > 0)).view(np.uint8)
    return smooth if np.any(smooth) else mask


def _sizeable_parts(mask):
    """Number of connected parts of a mask that are not mere specks."""
    _, _, stats = components(mask)
    areas = stats[1:, cv2.CC_STAT_AREA]
    return int(np.count_nonzero(areas >= _SPECK_SHARE * areas.max())) if len(areas) else 0


def _box_to_full(corners, scale):
    x0, y0, x1, y1 = corners
    fx0, fy0 = int(np.floor(x0 / scale)), int(np.floor(y0 / scale))
    fx1, fy1 = int(np.ceil(x1 / scale)), int(np.ceil(y1 / scale))
    return fx0, fy0, fx1 - fx0, fy1 - fy0


def _extract_fine(piece, mask, ink_map, scale, lines, roughness, turn):
    """Cut a small digit from the full-resolution ink, inside its own mask."""
    pad = 2
    mask = cv2.dilate(cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0),
                      np.ones((3, 3), np.uint8))
    x0, y0 = int(np.floor((piece.x - pad) / scale)), int(np.floor((piece.y - pad) / scale))
    x1, y1 = int(np.ceil((piece.x1 + pad) / scale)), int(np.ceil((piece.y1 + pad) / scale))
    mask = cv2.resize(mask, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    height, width = ink_map.shape
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    mask = mask[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
    region = ink_map.region(cx0, cy0, cx1, cy1)
    fine = ink_mask(region, smooth=0.5 / scale, roughness=roughness)
    if lines is not None:
        window = (int(cx0 * scale), int(cy0 * scale), int(np.ceil(cx1 * scale)), int(np.ceil(cy1 * scale)))
        fine = lines.remove(fine, region, window)
    fine &= mask
    if np.count_nonzero(fine) < 4:
        fine = mask
    ys, xs = np.nonzero(fine)
    bx0, by0, bx1, by1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    box = (cx0 + int(bx0), cy0 + int(by0), int(bx1 - bx0), int(by1 - by0))
    return _normalise(fine[by0:by1, bx0:bx1], turn), box
