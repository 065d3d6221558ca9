"""Separate ink from paper under uneven light.

The colour channels are first mixed into one in proportion to how much the
ink darkens each (black ink or pencil: all equally, which averages their
noise away; blue ink: mostly red and green), so blue ink on yellow paper
stands out as clearly as black ink on white. The paper's brightness in that
channel is estimated by a morphological closing, which erases dark strokes
thinner than its kernel, on a small copy of the image where it is cheap. A
pixel's ink strength is its darkness relative to the paper under it:
dividing by the local brightness, rather than subtracting, keeps strokes in
a shadow as strong as strokes in full light.

Two closings are used: a fine one that follows shadows and vignetting
closely but hollows out strokes wider than its kernel, and a coarse one that
keeps thick marker strokes whole but bleeds along shadow edges. The coarse
estimate is trusted only next to ink that the fine one found. Printed lines
lighter than the paper (a white grid on kraft) are taken out before the
closings, which would otherwise take them for the paper (see
:mod:`preprocessing.light_lines`).
"""

import copy

import cv2
import numpy as np

from preprocessing.light_lines import MIN_LINES, count_light_lines, remove_light_lines
from preprocessing.shrink import shrink

# Longer side of the small copy on which the paper is estimated.
_SMALL_SIDE = 160
# Closing kernels on the small copy, in its pixels: about 1/23 and 1/6 of
# the image's longer side.
_FINE_KERNEL = 7
_COARSE_KERNEL = 25
# The coarse estimate is trusted within this many small-copy pixels of ink
# stronger than this that the fine one found.
_GATE_LEVEL = 0.12
_GATE_REACH = 7
# Paper darker than this fraction of the brightest paper is treated as if it
# were that bright, so a dark desk around the sheet does not amplify noise.
_DARK_PAPER = 0.35
# The ink's colour is measured on this top share of the darkest pixels.
_INK_PERCENTILE = 99
# No channel weighs less than this in the mix.
_MIN_WEIGHT = 0.1


def _disk(size):
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def ink_colour_weights(small):
    """Weights of the colour channels that best match the ink's colour.

    Parameters
    ----------
    small : ndarray, shape (h, w, C), float32
        A small copy of the image, dark ink on light paper.

    Returns
    -------
    ndarray, shape (C,), float32
        Non-negative weights that sum to one: the mean darkness, per
        channel, of the darkest pixels relative to the paper around them.
    """
    channels = small.shape[2]
    if channels == 1:
        return np.ones(1, np.float32)
    paper = _close(small, _FINE_KERNEL)
    darkness = ((paper - small) / np.maximum(paper, 8.0)).reshape(-1, channels)
    mean = darkness.mean(axis=1)
    strong = darkness[mean >= max(np.percentile(mean, _INK_PERCENTILE), 0.1)]
    if len(strong) < 4:
        return np.full(channels, 1.0 / channels, np.float32)
    weights = np.maximum(strong.mean(axis=0), 0.0)
    weights = np.maximum(weights / max(weights.sum(), 1e-6), _MIN_WEIGHT)
    return (weights / weights.sum()).astype(np.float32)


def _close(small, kernel):
    """Closing then a light blur, keeping the channel axis."""
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, _disk(kernel), borderType=cv2.BORDER_REPLICATE)
    closed = cv2.GaussianBlur(closed, (0, 0), kernel / 4)
    return closed.reshape(small.shape)


class InkMap:
    """Ink strength of a photo, available over any region at full resolution.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3), uint8
        Grey or BGR image.
    light_ink : bool, default False
        True for light strokes on a dark ground (a blackboard, a canvas
        drawn white on black).

    Attributes
    ----------
    weights : ndarray of shape (channels,)
        How the colour channels are mixed into the ink channel.

    Notes
    -----
    Construction costs a resize of the image to about 160 pixels and a few
    morphological operations there; the ink itself is computed only for the
    regions asked for, by :meth:`region` or :meth:`resized`.
    """

    def __init__(self, image, light_ink=False):
        self.image = image
        self.light_ink = light_ink
        h, w = image.shape[:2]
        self.shape = (h, w)
        self._scale = min(1.0, _SMALL_SIDE / max(h, w))
        small_size = (max(1, round(w * self._scale)), max(1, round(h * self._scale)))
        small = shrink(image, small_size).astype(np.float32)
        small = small.reshape(small_size[1], small_size[0], -1)
        if light_ink:
            small = 255.0 - small
        self.weights = ink_colour_weights(small)
        mixed = small @ self.weights
        fine = _close(mixed, _FINE_KERNEL)
        unlined = mixed
        if count_light_lines(mixed, fine) >= MIN_LINES:
            unlined = remove_light_lines(mixed)
            fine = _close(unlined, _FINE_KERNEL)
        coarse = np.maximum(_close(unlined, _COARSE_KERNEL), fine)
        floor = max(_DARK_PAPER * float(np.percentile(fine, 95)), 8.0)
        gate = cv2.dilate(((fine - mixed) / np.maximum(fine, floor) > _GATE_LEVEL).view(np.uint8),
                          _disk(_GATE_REACH))
        self._floor = floor
        # One array to upsample: fine paper, coarse paper, gate.
        self._maps = np.dstack([fine, coarse, gate.astype(np.float32)])

    def turned(self, turn):
        """The same ink map for the image turned by a quarter.

        Parameters
        ----------
        turn : int
            ``cv2.ROTATE_90_CLOCKWISE`` or ``cv2.ROTATE_90_COUNTERCLOCKWISE``.

        Returns
        -------
        InkMap
            Built by turning this one's image and paper estimate, which is
            cheaper than measuring the paper again.
        """
        turned = copy.copy(self)
        turned.image = cv2.rotate(self.image, turn)
        turned.shape = self.shape[::-1]
        turned._maps = cv2.rotate(self._maps, turn)
        return turned

    def mix(self, pixels):
        """The ink channel of some pixels of the image.

        Parameters
        ----------
        pixels : ndarray, shape (h, w) or (h, w, C), uint8

        Returns
        -------
        ndarray, shape (h, w), float32
            Dark ink is low, as in a grey image.
        """
        if pixels.ndim == 3:
            mixed = cv2.transform(pixels, self.weights.reshape(1, -1)).astype(np.float32)
        else:
            mixed = pixels.astype(np.float32)
        return 255.0 - mixed if self.light_ink else mixed

    def _ink(self, mixed, maps):
        fine, coarse, gate = cv2.split(maps)
        # In place: these are whole frames, and each temporary costs.
        ink = np.subtract(fine, mixed)
        ink /= np.maximum(fine, self._floor)
        coarse_ink = np.subtract(coarse, mixed)
        coarse_ink /= np.maximum(coarse, self._floor)
        coarse_ink *= gate
        np.maximum(ink, coarse_ink, out=ink)
        return np.clip(ink, -1.0, 1.0, out=ink)

    def resized(self, factor, with_pixels=False):
        """Ink of the whole image, resized by ``factor``.

        Parameters
        ----------
        factor : float
            Scale of the result relative to the image, at most 1.
        with_pixels : bool, default False
            Also return the ink channel itself (see :meth:`mix`) at that size.

        Returns
        -------
        ink : ndarray, float32
            Ink strength: about 0 on paper (noise makes it signed), up to 1
            for black ink.
        pixels : ndarray, float32
            Only with ``with_pixels``.
        """
        h, w = self.shape
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        pixels = self.image
        if factor < 1:
            pixels = shrink(pixels, size)
        maps = cv2.resize(self._maps, size, interpolation=cv2.INTER_LINEAR)
        mixed = self.mix(pixels)
        ink = self._ink(mixed, maps)
        return (ink, mixed) if with_pixels else ink

    def region(self, x0, y0, x1, y1):
        """Ink of a region of the image at full resolution.

        Parameters
        ----------
        x0, y0, x1, y1 : int
            Region bounds in image pixels (clipped to the image).

        Returns
        -------
        ndarray, shape (y1 - y0, x1 - x0), float32
        """
        h, w = self.shape
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        # Pixel (x, y) of the region sits at ((x + x0 + .5) * scale - .5) in
        # the small copy.
        s = self._scale
        warp = np.float32([[s, 0, (x0 + 0.5) * s - 0.5], [0, s, (y0 + 0.5) * s - 0.5]])
        maps = cv2.warpAffine(self._maps, warp, (x1 - x0, y1 - y0),
                              flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        return self._ink(self.mix(self.image[y0:y1, x0:x1]), maps)
