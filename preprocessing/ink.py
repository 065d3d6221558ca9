"""Separate ink from paper under uneven light.

The paper's brightness is estimated, per colour channel, by a morphological
closing (which erases dark strokes thinner than its kernel) on a small copy
of the image, where it is cheap. A pixel's ink strength is its darkness
relative to the paper under it, in the channel where that is largest, so
blue ink on yellow paper counts as fully as black ink on white. Dividing by
the local brightness, rather than subtracting, keeps strokes in a shadow as
strong as strokes in full light.

Two closings are used: a fine one that follows shadows and vignetting
closely but hollows out strokes wider than its kernel, and a coarse one that
keeps thick marker strokes whole but bleeds along shadow edges. The coarse
estimate is trusted only next to ink that the fine one found.
"""

import cv2
import numpy as np

# Longer side of the small copy on which the paper is estimated.
_SMALL_SIDE = 160
# Closing kernels on the small copy, in its pixels: about 1/23 and 1/6 of
# the image's longer side.
_FINE_KERNEL = 7
_COARSE_KERNEL = 25
# Ink strength on the small copy above which the coarse estimate is trusted.
_GATE_LEVEL = 0.12
# Paper darker than this fraction of the brightest paper is treated as if it
# were that bright, so a dark desk around the sheet does not amplify noise.
_DARK_PAPER = 0.35


def _disk(size):
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _ink_colour_weights(darkness):
    """Weights of the colour channels that best match the ink's colour.

    Black or pencil ink darkens every channel, and averaging them lowers the
    noise; blue ink darkens mostly red and green, and those should count.
    The weights are the mean darkness of the darkest pixels, per channel,
    normalised to sum to one, with a floor so no channel is ignored.
    """
    channels = darkness.shape[-1]
    if channels == 1:
        return np.ones(1, np.float32)
    flat = darkness.reshape(-1, channels)
    mean = flat.mean(axis=1)
    strong = flat[mean >= max(np.percentile(mean, 99), 0.1)]
    if len(strong) < 4:
        return np.full(channels, 1.0 / channels, np.float32)
    weights = np.maximum(strong.mean(axis=0), 0.0)
    weights = np.maximum(weights / max(weights.sum(), 1e-6), 0.1)
    return (weights / weights.sum()).astype(np.float32)


class InkMap:
    """Ink strength of a photo, available over any region at full resolution.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3), uint8
        Grey or BGR image.
    light_ink : bool, default False
        True for light strokes on a dark ground (a blackboard, a canvas
        drawn white on black).

    Notes
    -----
    Construction costs a resize of the image to about 160 pixels and a few
    morphological operations there; the ink itself is computed only for the
    regions asked for, by :meth:`region` or :meth:`resized`.
    """

    def __init__(self, image, light_ink=False):
        if image.ndim == 2:
            image = image[:, :, None]
        self.image = image
        self.light_ink = light_ink
        h, w = image.shape[:2]
        self.shape = (h, w)
        self._scale = min(1.0, _SMALL_SIDE / max(h, w))
        small_size = (max(1, round(w * self._scale)), max(1, round(h * self._scale)))
        small = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA).astype(np.float32)
        if small.ndim == 2:
            small = small[:, :, None]
        if light_ink:
            small = 255.0 - small
        self._fine = self._close(small, _FINE_KERNEL)
        self._coarse = np.maximum(self._close(small, _COARSE_KERNEL), self._fine)
        floor = np.maximum(
            _DARK_PAPER * np.percentile(self._fine.reshape(-1, self._fine.shape[2]), 95, axis=0), 8.0)
        self._fine_div = np.maximum(self._fine, floor)
        self._coarse_div = np.maximum(self._coarse, floor)
        darkness = (self._fine - small) / self._fine_div
        self.weights = _ink_colour_weights(darkness)
        gate = (darkness @ self.weights > _GATE_LEVEL).astype(np.uint8)
        self._gate = cv2.dilate(gate, _disk(_FINE_KERNEL)).astype(np.float32)

    @staticmethod
    def _close(small, kernel):
        closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, _disk(kernel),
                                  borderType=cv2.BORDER_REPLICATE)
        closed = cv2.GaussianBlur(closed, (0, 0), kernel / 4)
        return closed.reshape(small.shape)

    def _upsample(self, small, x0, y0, w, h, factor):
        """Sample a small-copy map over a region of an image scaled by ``factor``."""
        # Pixel (x, y) of the scaled region sits at ((x + x0 + .5) / factor - .5)
        # in the full image, and ((that + .5) * scale - .5) in the small copy.
        ratio = self._scale / factor
        offset_x = (x0 + 0.5) * ratio - 0.5
        offset_y = (y0 + 0.5) * ratio - 0.5
        warp = np.float32([[ratio, 0, offset_x], [0, ratio, offset_y]])
        out = cv2.warpAffine(small, warp, (w, h), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REPLICATE)
        return out.reshape(h, w, -1)

    def _ink(self, pixels, x0, y0, factor):
        h, w = pixels.shape[:2]
        pixels = pixels.reshape(h, w, -1).astype(np.float32)
        if self.light_ink:
            pixels = 255.0 - pixels
        fine = self._upsample(self._fine, x0, y0, w, h, factor)
        fine_div = self._upsample(self._fine_div, x0, y0, w, h, factor)
        coarse = self._upsample(self._coarse, x0, y0, w, h, factor)
        coarse_div = self._upsample(self._coarse_div, x0, y0, w, h, factor)
        gate = self._upsample(self._gate, x0, y0, w, h, factor)[:, :, 0]
        fine_ink = ((fine - pixels) / fine_div) @ self.weights
        coarse_ink = ((coarse - pixels) / coarse_div) @ self.weights
        ink = np.maximum(fine_ink, coarse_ink * gate)
        return np.clip(ink, -1.0, 1.0, out=ink)

    def resized(self, factor):
        """Ink of the whole image, resized by ``factor``.

        Parameters
        ----------
        factor : float
            Scale of the result relative to the image, at most 1.

        Returns
        -------
        ndarray, float32
            Ink strength: about 0 on paper (noise makes it signed), up to 1
            for black ink.
        """
        h, w = self.shape
        if factor < 1:
            size = (max(1, round(w * factor)), max(1, round(h * factor)))
            pixels = cv2.resize(self.image, size, interpolation=cv2.INTER_AREA)
        else:
            pixels = self.image
        return self._ink(pixels, 0, 0, factor)

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
        return self._ink(self.image[y0:y1, x0:x1], x0, y0, 1.0)
