"""Decide which pixels are ink, in units of the local noise.

Paper grain, JPEG blocks and sensor noise make the ink map of an empty
page rough, and how rough varies across a photo: a textured desk around the
sheet is far rougher than the sheet. Each pixel's ink is therefore compared
with the typical roughness around it, and a stroke is kept when its pixels
stand out clearly (hysteresis: a weak pixel is ink when it touches a strong
one, which keeps faint pencil strokes whole without admitting noise).
"""

import cv2
import numpy as np

# Roughness is measured over blocks of at most this many pixels on a side.
_BLOCK = 16
# Hysteresis levels in units of the local roughness ...
_LOW_Z = 4.0
_HIGH_Z = 8.0
# ... and absolute floors in ink strength, for noise-free drawings.
_LOW_FLOOR = 0.06
HIGH_FLOOR = 0.14
# A pixel is ink only if it has at least this fraction of the strongest ink
# within this radius.
_EDGE_LEVEL = 0.45
_PEAK_RADIUS = 3
# Roughness never counts as less than this, so clean scans keep sane levels.
_MIN_ROUGHNESS = 0.005
# Nor more than this: rougher than that is texture, not paper, and on a tiny
# image stroke edges would otherwise pass for noise.
_MAX_ROUGHNESS = 1.0
# Ink this strong is a stroke, never paper noise.
_STRONG_INK = 0.3


def _disk(size):
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def local_roughness(ink):
    """Standard deviation of the paper's noise around each pixel.

    Noise and paper grain are what remains after subtracting a slightly
    blurred copy; strokes wider than the blur leave only their edges there,
    so a block's median of that residual measures the noise however thick
    the strokes are, and a median over neighbouring blocks discards the
    blocks that thin strokes or edges crowd.

    Parameters
    ----------
    ink : ndarray, shape (H, W), float32

    Returns
    -------
    ndarray, shape (H, W), float32
    """
    h, w = ink.shape
    residual = np.abs(ink - cv2.GaussianBlur(ink, (0, 0), 2.0))
    # Only paper tells the noise: the edges of strong strokes are not noise.
    strong = cv2.dilate((ink > _STRONG_INK).view(np.uint8), np.ones((5, 5), np.uint8))
    residual[strong > 0] = 0.0
    block = int(np.clip(min(h, w) // 24, 4, _BLOCK))
    rows, cols = max(1, h // block), max(1, w // block)
    bh, bw = min(block, h), min(block, w)
    tiles = residual[:rows * bh, :cols * bw].reshape(rows, bh, cols, bw)
    tiles = tiles.transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    middle = tiles.shape[2] // 2
    blocks = np.partition(tiles, middle, axis=2)[:, :, middle]
    quantised = np.clip(blocks * 2048, 0, 255).astype(np.uint8)
    median = cv2.medianBlur(quantised, 5).astype(np.float32) / 2048
    # The median absolute value of Gaussian noise is 0.67 of its deviation.
    rough = cv2.resize(median, (w, h), interpolation=cv2.INTER_LINEAR) * 1.48
    return np.clip(rough, _MIN_ROUGHNESS, _MAX_ROUGHNESS)


def ink_mask(ink, smooth=0.7, with_roughness=False, roughness=None, high_floor=HIGH_FLOOR):
    """Binary mask of the ink.

    Parameters
    ----------
    ink : ndarray, shape (H, W), float32
        Ink strength, 0 on paper up to 1 for black ink.
    smooth : float, default 0.7
        Gaussian sigma applied first, in pixels, to steady thin strokes.
    with_roughness : bool, default False
        Also return the local roughness used for the levels.
    roughness : float or ndarray, optional
        The paper's roughness, when already measured (for a small region of
        an image whose roughness map is known, or the same ink masked again
        with another ``high_floor``); measured here otherwise.
    high_floor : float, default 0.14
        Least ink strength of the pixels that make a stroke ink, however
        clean the paper: fainter marks on clean paper are shading and
        printed lines, not writing. Faint pencil in a noisy photo may need
        less.

    Returns
    -------
    mask : ndarray, shape (H, W), uint8
        1 on ink, 0 elsewhere.
    roughness : ndarray, shape (H, W), float32
        Only with ``with_roughness``; see :func:`local_roughness`.
    """
    if smooth > 0:
        ink = cv2.GaussianBlur(ink, (0, 0), smooth)
    rough = local_roughness(ink) if roughness is None else np.float32(roughness)
    # A blurred stroke ends where its ink falls to about half of the stroke's
    # own strength, not where it sinks into the noise.
    peak = cv2.dilate(ink, _disk(2 * _PEAK_RADIUS + 1))
    low = (ink > np.maximum(np.maximum(_LOW_Z * rough, _LOW_FLOOR), _EDGE_LEVEL * peak)).view(np.uint8)
    high = ink > np.maximum(_HIGH_Z * rough, high_floor)
    count, labels = cv2.connectedComponents(low, connectivity=8)
    strong = np.zeros(count, bool)
    strong[labels[high]] = True
    strong[0] = False
    mask = strong[labels].view(np.uint8)
    return (mask, rough) if with_roughness else mask
