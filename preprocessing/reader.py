"""Find, normalise and classify the handwritten digits of a photo or frame."""

from dataclasses import dataclass, field

import cv2
import numpy as np

from preprocessing.binarize import ink_mask
from preprocessing.extract import extract_digit
from preprocessing.ink import InkMap
from preprocessing.lines import find_printed_lines
from preprocessing.pieces import find_pieces, join_pieces
from preprocessing.polarity import DARK_MEDIAN, grey_copy, looks_light_on_dark
from preprocessing.reading_order import reading_order
from preprocessing.shape import looks_like_digit, ring_contrast, signal_to_noise

# Candidates must stand out this much from the paper around them, and this
# many times above its noise.
_MIN_CONTRAST = 0.09
_MIN_SIGNAL_TO_NOISE = 10
# Digits shorter than this fraction of the typical confident digit are
# fragments; strokes read as 1 taller than this multiple are other marks.
_MIN_RELATIVE_HEIGHT = 0.4
_MAX_RELATIVE_ONE = 1.6
_CONFIDENT = 0.7


@dataclass(frozen=True)
class Digit:
    """One digit found in an image.

    Attributes
    ----------
    x, y, w, h : int
        Box tight around the digit's ink, in the image's pixels.
    label : int
        The digit, 0 to 9.
    confidence : float
        Probability of the label times how digit-like the shape is, 0 to 1.
    image : ndarray, shape (28, 28), uint8
        The digit in MNIST format, as the classifier saw it.
    """

    x: int
    y: int
    w: int
    h: int
    label: int
    confidence: float
    image: np.ndarray = field(repr=False, compare=False)

    @property
    def box(self):
        """``(x, y, w, h)``."""
        return self.x, self.y, self.w, self.h


@dataclass
class Reading:
    """The digits of an image in reading order.

    Attributes
    ----------
    digits : list of Digit
        Rows from top to bottom, each from left to right.
    numbers : list of list of int
        Indices into ``digits`` of each number (neighbouring digits of a row).
    light_ink : bool
        Whether the strokes were read as light on a dark ground.
    """

    digits: list
    numbers: list
    light_ink: bool = False

    @property
    def text(self):
        """The numbers, separated by single spaces, e.g. ``"2025 17"``."""
        return " ".join("".join(str(self.digits[i].label) for i in number)
                        for number in self.numbers)


class DigitReader:
    """Read handwritten digits from photos and video frames.

    Parameters
    ----------
    model : train.classifier.DigitClassifier
        A fitted classifier (see :func:`train.load_model`).
    min_confidence : float, default 0.5
        Digits with a lower confidence are not reported.
    max_side : int, default 1600
        Images are searched for digits at a working resolution whose longer
        side is at most this; small digits are still cut from the full image.
    light_ink : bool or None, default None
        Force the ink's polarity (True: light strokes on a dark ground), or
        guess it from each image.
    """

    def __init__(self, model, min_confidence=0.5, max_side=1600, light_ink=None):
        self.model = model
        self.min_confidence = min_confidence
        self.max_side = max_side
        self.light_ink = light_ink

    def read(self, image):
        """Read the digits of an image.

        Parameters
        ----------
        image : ndarray, shape (H, W) or (H, W, 3), uint8
            Grey or BGR image.

        Returns
        -------
        Reading
        """
        image = _as_uint8_image(image)
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        grey = _luminance(image, scale)
        best = None
        for light_ink in self._polarities(image):
            digits = self._read_polarity(image, grey, scale, light_ink)
            score = sum(d.confidence for d in digits)
            if best is None or score > best[0]:
                best = (score, digits, light_ink)
        _, digits, light_ink = best
        ordered, numbers = [], []
        for number in reading_order([d.box for d in digits]):
            numbers.append(list(range(len(ordered), len(ordered) + len(number))))
            ordered.extend(digits[i] for i in number)
        return Reading(ordered, numbers, light_ink)

    def _polarities(self, image):
        if self.light_ink is not None:
            return (self.light_ink,)
        if looks_light_on_dark(image):
            return (True,)
        if np.median(grey_copy(image)) < DARK_MEDIAN:
            return (False, True)
        return (False,)

    def _read_polarity(self, image, grey, scale, light_ink):
        ink_map = InkMap(image, light_ink)
        ink = ink_map.resized(scale)
        mask, roughness = ink_mask(ink, with_roughness=True)
        labels, pieces = find_pieces(mask)
        lines = find_printed_lines(ink, mask, _typical_height([p for p in pieces if looks_like_digit(p, labels)]))
        if lines is not None:
            mask = lines.remove(mask, ink)
            labels, pieces = find_pieces(mask)
        pieces = join_pieces(pieces, labels)
        candidates = [p for p in pieces if looks_like_digit(p, labels)
                      and ring_contrast(p, labels, grey, light_ink) >= _MIN_CONTRAST
                      and signal_to_noise(p, labels, ink, roughness) >= _MIN_SIGNAL_TO_NOISE]
        if not candidates:
            return []
        images, boxes = zip(*(extract_digit(p, labels, ink_map, scale, lines) for p in candidates))
        proba, typicality = self.model.assess(np.stack(images))
        labels_ = self.model.classes_[proba.argmax(axis=1)]
        confidence = proba.max(axis=1) * typicality
        digits = [Digit(*box, label=int(label), confidence=float(c), image=digit)
                  for box, label, c, digit in zip(boxes, labels_, confidence, images)
                  if c >= self.min_confidence]
        return _drop_odd_sizes(digits)


def _as_uint8_image(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected a grey or BGR image, got shape {image.shape}")
    return image


def _luminance(image, scale):
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    if scale < 1:
        h, w = grey.shape
        grey = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return grey.astype(np.float32)


def _typical_height(pieces):
    """Median height of the larger pieces: specks and fragments do not vote."""
    heights = np.array([p.h for p in pieces])
    if len(heights) == 0:
        return None
    return float(np.median(heights[heights >= 0.5 * np.percentile(heights, 90)]))


def _drop_odd_sizes(digits):
    """Drop fragments far smaller than the image's confident digits, and
    strokes read as 1 that are far taller (underlines, margins, crossings)."""
    confident = [d.h for d in digits if d.confidence >= _CONFIDENT]
    if len(confident) < 2:
        return digits
    height = float(np.median(confident))
    return [d for d in digits if d.h >= _MIN_RELATIVE_HEIGHT * height
            and not (d.label == 1 and d.h > _MAX_RELATIVE_ONE * height)]
