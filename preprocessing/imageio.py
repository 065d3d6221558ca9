"""Read photos the way they are meant to be seen.

Any image OpenCV decodes is accepted: 8- or 16-bit, grey, colour, with an
alpha channel (composited over white paper, so a drawing on a transparent
canvas keeps its strokes). The EXIF orientation tag of phone photos is
honoured, and a file cut short is refused rather than half read.
"""

from io import BytesIO
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
# EXIF orientation tag and the operations that turn each value upright.
_ORIENTATION_TAG = 0x0112
_UPRIGHT = {
    2: (None, 1),
    3: (cv2.ROTATE_180, None),
    4: (None, 0),
    5: (cv2.ROTATE_90_CLOCKWISE, 1),
    6: (cv2.ROTATE_90_CLOCKWISE, None),
    7: (cv2.ROTATE_90_COUNTERCLOCKWISE, 1),
    8: (cv2.ROTATE_90_COUNTERCLOCKWISE, None),
}


class ImageReadError(ValueError):
    """A file that cannot be read as an image; the message is one line."""


def is_image_file(path):
    """Whether a path has one of the image suffixes (any case).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    bool
    """
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def read_image(path):
    """Read an image file as an upright BGR uint8 array.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    ndarray, shape (H, W, 3), uint8

    Raises
    ------
    ImageReadError
        If the file is empty, truncated, or not an image OpenCV can decode.
    OSError
        If the file cannot be read at all.
    """
    data = Path(path).read_bytes()
    if not data:
        raise ImageReadError("empty file")
    problem = _truncation(data)
    if problem:
        raise ImageReadError(problem)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise ImageReadError("not an image, or a format that cannot be decoded")
    image = _to_bgr8(_to_uint8(image))
    return _upright(image, _exif_orientation(data))


def _truncation(data):
    """Why a JPEG or PNG file is incomplete, or None.

    Data after the end of the image is allowed (phones append a video to
    "motion" photos); a missing end is not.
    """
    if data[:3] == b"\xff\xd8\xff":
        scan = _jpeg_scan_start(data)
        if scan is None or data.find(b"\xff\xd9", scan) < 0:
            return "truncated JPEG file (no end-of-image marker)"
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        if data.find(b"IEND", 8) < 0:
            return "truncated PNG file (no end chunk)"
    return None


def _jpeg_scan_start(data):
    """Offset of the first scan's data, past the header segments.

    Walking the segments skips the EXIF thumbnail, a small JPEG of its own
    whose end marker would otherwise pass for the photo's.
    """
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if marker == 0xDA:  # start of scan
            return position + 2 + length
        position += 2 + length
    return None


def _to_uint8(image):
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        top = 1.0 if float(np.nanmax(image)) <= 1.0 else 255.0
        return np.clip(np.nan_to_num(image) * (255.0 / top), 0, 255).astype(np.uint8)
    scaled = image.astype(np.float64) * (255.0 / max(float(image.max()), 1.0))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _to_bgr8(image):
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    if channels == 2:
        grey, alpha = image[:, :, 0], image[:, :, 1]
        return cv2.cvtColor(_over_white(grey[:, :, None], alpha)[:, :, 0], cv2.COLOR_GRAY2BGR)
    if channels == 4:
        return _over_white(image[:, :, :3], image[:, :, 3])
    return image[:, :, :3]


def _over_white(colour, alpha):
    weight = alpha.astype(np.float32)[:, :, None] / 255.0
    blended = colour.astype(np.float32) * weight + 255.0 * (1.0 - weight)
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def _exif_orientation(data):
    """The EXIF orientation tag (1 to 8), or 1 when there is none."""
    try:
        from PIL import Image
        with Image.open(BytesIO(data)) as picture:
            value = picture.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a missing or malformed EXIF block means "as stored"
        return 1
    return value if value in _UPRIGHT else 1


def _upright(image, orientation):
    turn, flip = _UPRIGHT.get(orientation, (None, None))
    if turn is not None:
        image = cv2.rotate(image, turn)
    if flip is not None:
        image = cv2.flip(image, flip)
    return image
