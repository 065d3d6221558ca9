"""Handwritten glyphs as coverage masks, drawn from MNIST digits and fonts.

Every glyph goes through the same steps: a smooth "shape field" from its
source, a small random affine change (slant, rotation, width), a threshold,
and a re-stroke through a signed distance field so that the stroke width is
chosen freely (thin ballpoint to thick marker) with anti-aliased edges.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from samples.fonts import find_fonts, render_char

__all__ = [
    "GlyphSource",
    "GlyphStyle",
    "LETTERS",
    "load_mnist_digits",
    "read_mnist",
]

# Handwritten letters used as distractors; ones easily read as digits
# (o, l, I, s, z, g, q, b, B, G, T) are left out.
LETTERS = "axkMhnrmwvyeucKXHNWAEFPRdf"

_MAX_MNIST_ASPECT = 1.25  # width / height of the ink of a usable MNIST digit
_MNIST_UPSCALE = 8  # MNIST pixels are upscaled this much before thresholding
_MIN_WORK_PX = 96  # small glyphs are drawn at least this tall, then reduced
_SHAPE_PX = 160  # strokes are re-drawn at most this tall, then their distance field upscaled
_CROP_LEVEL = 0.02  # coverage below this is treated as empty when cropping
_MAX_THINNING = 0.4  # a stroke is thinned by at most this fraction of its width
_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class GlyphStyle:
    """How one writer forms the glyphs of a sheet.

    Attributes
    ----------
    font : str or None
        Font used for every font glyph; None picks a font per glyph.
    font_share : float
        Probability that a digit comes from a font rather than from MNIST.
    slant : float
        Horizontal shear applied to every glyph (positive leans right).
    wobble : float
        Scale of the per-glyph random rotation, shear and width changes.
    """

    font: str | None = None
    font_share: float = 0.5
    slant: float = 0.0
    wobble: float = 1.0


class GlyphSource:
    """Draw digits and letters as float32 coverage masks.

    Parameters
    ----------
    mnist_images : numpy.ndarray, optional
        ``uint8`` array ``(N, 28, 28)``, white digits on black.
    mnist_labels : numpy.ndarray, optional
        ``uint8`` array ``(N,)`` of digit labels.
    fonts : bool or sequence of str, default True
        True to use the installed handwriting fonts (:func:`find_fonts`),
        False for none, or explicit font paths.
    font_share : float, default 0.4
        Typical probability that a digit is drawn from a font when both
        sources are available.

    Raises
    ------
    ValueError
        If there is neither an MNIST image nor a usable font, or the MNIST
        arrays do not match.
    """

    def __init__(
        self,
        mnist_images: np.ndarray | None = None,
        mnist_labels: np.ndarray | None = None,
        fonts: bool | list[str] | tuple[str, ...] = True,
        font_share: float = 0.4,
    ) -> None:
        self.fonts = _resolve_fonts(fonts)
        self.font_share = float(font_share)
        self._images, self._by_label = _index_mnist(mnist_images, mnist_labels)
        if not self.has_mnist and not self.fonts:
            raise ValueError("no glyph source: give MNIST images or install handwriting fonts")

    @property
    def has_mnist(self) -> bool:
        """Whether MNIST images are available for every digit."""
        return self._images is not None

    def _default_share(self) -> float:
        if not self.has_mnist:
            return 1.0
        return self.font_share if self.fonts else 0.0

    def sample_style(self, rng: np.random.Generator) -> GlyphStyle:
        """Pick a random writer style for one sheet.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.

        Returns
        -------
        GlyphStyle
        """
        font = None
        if self.fonts and rng.random() < 0.6:
            font = self.fonts[int(rng.integers(len(self.fonts)))]
        share = self._default_share()
        if self.has_mnist and self.fonts:
            share = float(np.clip(share + rng.uniform(-0.3, 0.3), 0.0, 1.0))
        slant = float(np.clip(rng.normal(0.0, 0.12), -0.3, 0.3))
        return GlyphStyle(
            font=font, font_share=share, slant=slant, wobble=float(rng.uniform(0.5, 1.5))
        )

    def draw(
        self,
        rng: np.random.Generator,
        label: int,
        height_px: float,
        stroke_px: float | None = None,
        style: GlyphStyle | None = None,
    ) -> np.ndarray:
        """Draw one digit.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.
        label : int
            Digit 0 to 9.
        height_px : float
            Height of the glyph's ink in pixels.
        stroke_px : float, optional
            Stroke width in pixels; random (5 to 11 % of the height) if None.
        style : GlyphStyle, optional
            Writer style; a neutral one if None.

        Returns
        -------
        numpy.ndarray
            ``float32`` coverage mask (1 = ink) cropped to the ink, about
            ``height_px`` tall.
        """
        style = style or GlyphStyle(font_share=self._default_share())
        if stroke_px is None:
            stroke_px = height_px * rng.uniform(0.05, 0.11)
        use_font = bool(self.fonts) and (not self.has_mnist or rng.random() < style.font_share)
        if use_font:
            font = style.font or self.fonts[int(rng.integers(len(self.fonts)))]
            field, level, skeleton = render_char(font, str(int(label))), 0.5, None
            linear = _random_linear(rng, style, rotation=6.0, shear=0.08, squeeze=0.15)
        else:
            idx = self._by_label[int(label)]
            field = _mnist_field(self._images[idx[int(rng.integers(len(idx)))]])
            level, skeleton = float(rng.uniform(0.3, 0.55)), True  # MNIST widths are uneven
            linear = _random_linear(
                rng, style, rotation=4.0, shear=0.05, squeeze=0.08, slant_weight=0.5
            )
        return render_glyph(field, linear, height_px, stroke_px, level, skeleton)

    def draw_letter(
        self,
        rng: np.random.Generator,
        char: str,
        height_px: float,
        stroke_px: float | None = None,
        style: GlyphStyle | None = None,
    ) -> np.ndarray:
        """Draw one handwritten letter (a font, or OpenCV's script font).

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.
        char : str
            A single character.
        height_px : float
            Height of the glyph's ink in pixels.
        stroke_px : float, optional
            Stroke width in pixels; random if None.
        style : GlyphStyle, optional
            Writer style.

        Returns
        -------
        numpy.ndarray
            ``float32`` coverage mask cropped to the ink.
        """
        style = style or GlyphStyle()
        if stroke_px is None:
            stroke_px = height_px * rng.uniform(0.06, 0.12)
        field = np.zeros((0, 0), np.float32)
        if self.fonts:
            font = style.font or self.fonts[int(rng.integers(len(self.fonts)))]
            field = render_char(font, char)
        if field.size == 0:
            field = _hershey_field(char)
        linear = _random_linear(rng, style, rotation=6.0, shear=0.08, squeeze=0.15)
        return render_glyph(field, linear, height_px, stroke_px, 0.5)


def render_glyph(
    field: np.ndarray,
    linear: np.ndarray,
    height_px: float,
    stroke_px: float,
    level: float = 0.5,
    skeleton: bool | None = None,
) -> np.ndarray:
    """Turn a smooth shape field into a glyph mask of a given size and stroke.

    Parameters
    ----------
    field : numpy.ndarray
        ``float32`` field in 0..1, high on the glyph's strokes.
    linear : numpy.ndarray
        2x2 matrix (slant, rotation, width) applied to the field.
    height_px : float
        Height of the result's ink in pixels.
    stroke_px : float
        Stroke width of the result in pixels.
    level : float, default 0.5
        Field value taken as the stroke's edge.
    skeleton : bool, optional
        True to redraw the strokes along the shape's centre line with an even
        width (pen-like); False to move the outline in or out, keeping the
        shape's own width changes.  None chooses skeleton when the strokes
        must get much thinner.

    Returns
    -------
    numpy.ndarray
        ``float32`` coverage mask cropped to the ink, ``round(height_px)``
        rows tall.
    """
    height_px = max(float(height_px), 4.0)
    work_h = max(height_px, min(3.0 * height_px, float(_MIN_WORK_PX)))
    shape_h = min(work_h, float(_SHAPE_PX))
    stroke_shape = max(float(stroke_px), 1.0) * shape_h / height_px
    ink = _warp_field(field, linear, shape_h, pad=int(stroke_shape) + 3) >= level
    distance = _stroke_distance(_drop_specks(ink.astype(np.uint8)), stroke_shape, skeleton)
    if work_h > shape_h:  # distance fields stay accurate under linear upscaling
        zoom = work_h / shape_h
        h, w = distance.shape
        distance = cv2.resize(
            distance, (round(w * zoom), round(h * zoom)), interpolation=cv2.INTER_LINEAR
        )
        distance *= np.float32(zoom)
    coverage = np.clip(distance + np.float32(0.5), 0.0, 1.0)
    if work_h > height_px:
        shrink = work_h / height_px
        h, w = coverage.shape
        size = (max(1, round(w / shrink)), max(1, round(h / shrink)))
        coverage = cv2.resize(coverage, size, interpolation=cv2.INTER_AREA)
    return _fit_height(crop_to_ink(coverage), round(height_px))


def crop_to_ink(mask: np.ndarray, level: float = _CROP_LEVEL) -> np.ndarray:
    """Crop a coverage mask to the pixels above ``level``.

    Parameters
    ----------
    mask : numpy.ndarray
        2-D coverage mask.
    level : float
        Coverage treated as empty.

    Returns
    -------
    numpy.ndarray
        The cropped mask (a 1x1 zero mask if nothing is inked).
    """
    rows = np.flatnonzero(mask.max(axis=1) > level)
    cols = np.flatnonzero(mask.max(axis=0) > level)
    if rows.size == 0:
        return np.zeros((1, 1), np.float32)
    return np.ascontiguousarray(mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])


def _fit_height(mask: np.ndarray, height: int) -> np.ndarray:
    h, w = mask.shape
    if h == height or h < 2:
        return mask.astype(np.float32, copy=False)
    width = max(1, round(w * height / h))
    interp = cv2.INTER_AREA if height < h else cv2.INTER_LINEAR
    out = cv2.resize(mask, (width, height), interpolation=interp)
    return np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)


def _random_linear(
    rng: np.random.Generator,
    style: GlyphStyle,
    *,
    rotation: float,
    shear: float,
    squeeze: float,
    slant_weight: float = 1.0,
) -> np.ndarray:
    """2x2 matrix: the writer's slant plus a small random per-glyph change."""
    angle = np.deg2rad(rng.uniform(-rotation, rotation) * style.wobble)
    k = style.slant * slant_weight + rng.normal(0.0, shear) * style.wobble
    sx = 1.0 + rng.uniform(-squeeze, squeeze) * style.wobble
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    shear_m = np.array([[1.0, -k], [0.0, 1.0]])  # x shifts right as y goes up
    return rot @ shear_m @ np.diag([sx, 1.0])


def _warp_field(field: np.ndarray, linear: np.ndarray, height: float, pad: int) -> np.ndarray:
    """Apply ``linear`` to ``field`` and scale it so the result is ``height`` tall."""
    h, w = field.shape
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64) @ linear.T
    span = corners.max(axis=0) - corners.min(axis=0)
    scale = height / max(span[1], 1e-6)
    offset = pad - corners.min(axis=0) * scale
    matrix = np.hstack([linear * scale, offset[:, None]])
    size = (int(np.ceil(span[0] * scale)) + 2 * pad, int(np.ceil(span[1] * scale)) + 2 * pad)
    return cv2.warpAffine(field, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0.0)


def _stroke_distance(ink: np.ndarray, stroke: float, skeleton: bool | None) -> np.ndarray:
    """Signed distance (pixels, positive inside) to the edge of the re-stroked glyph."""
    area = float(ink.sum())
    if area == 0:
        return np.full(ink.shape, -1.0, np.float32)
    eroded = cv2.erode(ink, np.ones((3, 3), np.uint8))
    outline = max(float(area - eroded.sum()), 1.0)
    width = 2.0 * area / outline  # a stroke of width w and length L: area wL, outline 2L
    if skeleton is None:
        skeleton = stroke < 0.6 * width
    if skeleton:
        centre = _thin(ink)
        signed = np.float32(stroke / 2.0) - cv2.distanceTransform(1 - centre, cv2.DIST_L2, 5)
    else:
        offset = min((width - stroke) / 2.0, _MAX_THINNING * width)
        inside = cv2.distanceTransform(ink, cv2.DIST_L2, 5)
        outside = cv2.distanceTransform(1 - ink, cv2.DIST_L2, 5)
        signed = np.where(ink > 0, inside - 0.5, 0.5 - outside) - np.float32(offset)
    # Smooths the pixel staircase of the outline or centre line.
    return cv2.GaussianBlur(signed.astype(np.float32), (0, 0), 0.8)


def _drop_specks(ink: np.ndarray, fraction: float = 0.05) -> np.ndarray:
    """Remove blobs much smaller than the glyph's largest stroke (source noise)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 2:
        return ink
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.concatenate([[False], areas >= fraction * areas.max()])
    return keep[labels].astype(np.uint8)


def _zhang_suen_tables() -> tuple[np.ndarray, np.ndarray]:
    """Deletion look-up tables of the two Zhang-Suen sub-iterations.

    Index bits 0..7 are the neighbours N, NE, E, SE, S, SW, W, NW.
    """
    codes = np.arange(256)
    bits = (codes[:, None] >> np.arange(8)) & 1
    n, e, s, w = bits[:, 0], bits[:, 2], bits[:, 4], bits[:, 6]
    count = bits.sum(axis=1)
    transitions = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(axis=1)
    base = (count >= 2) & (count <= 6) & (transitions == 1)
    first = base & (n * e * s == 0) & (e * s * w == 0)
    second = base & (n * e * w == 0) & (n * s * w == 0)
    return first, second


_ZS_FIRST, _ZS_SECOND = _zhang_suen_tables()
_ZS_KERNEL = np.array([[128, 1, 2], [64, 0, 4], [32, 16, 8]], dtype=np.float32)


def _thin(ink: np.ndarray) -> np.ndarray:
    """One-pixel-wide centre line of a binary shape (Zhang-Suen thinning)."""
    img = (ink > 0).astype(np.uint8)
    while True:
        changed = False
        for table in (_ZS_FIRST, _ZS_SECOND):
            codes = cv2.filter2D(
                img.astype(np.float32), -1, _ZS_KERNEL, borderType=cv2.BORDER_CONSTANT
            )
            delete = table[codes.astype(np.int32)] & (img > 0)
            if delete.any():
                img[delete] = 0
                changed = True
        if not changed:
            return img


def _mnist_field(image: np.ndarray) -> np.ndarray:
    """Smooth upscaled field of one MNIST digit, cropped to its ink."""
    img = image.astype(np.float32) / np.float32(255.0)
    rows = np.flatnonzero(img.max(axis=1) > 0.1)
    cols = np.flatnonzero(img.max(axis=0) > 0.1)
    if rows.size == 0:
        rows = cols = np.arange(img.shape[0])
    r0, r1 = max(rows[0] - 2, 0), min(rows[-1] + 3, img.shape[0])
    c0, c1 = max(cols[0] - 2, 0), min(cols[-1] + 3, img.shape[1])
    crop = img[r0:r1, c0:c1]
    up = cv2.resize(crop, None, fx=_MNIST_UPSCALE, fy=_MNIST_UPSCALE, interpolation=cv2.INTER_CUBIC)
    up = cv2.GaussianBlur(up, (0, 0), 0.4 * _MNIST_UPSCALE)  # hides the 28x28 pixel grid
    return np.clip(up, 0.0, 1.0)


def _hershey_field(char: str) -> np.ndarray:
    """Field of a character in OpenCV's script font (used when no font is installed)."""
    font, scale, thickness, pad = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 4.0, 8, 16
    (w, h), base = cv2.getTextSize(char, font, scale, thickness)
    canvas = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(canvas, char, (pad, pad + h), font, scale, 255, thickness, cv2.LINE_AA)
    return crop_to_ink(canvas.astype(np.float32) / np.float32(255.0))


def _resolve_fonts(fonts: bool | list[str] | tuple[str, ...]) -> list[str]:
    if fonts is True:
        return find_fonts()
    if not fonts:
        return []
    return [str(f) for f in fonts]


def _index_mnist(
    images: np.ndarray | None, labels: np.ndarray | None
) -> tuple[np.ndarray | None, list[np.ndarray]]:
    if images is None or labels is None or len(images) == 0:
        return None, []
    images = np.asarray(images, dtype=np.uint8)
    labels = np.asarray(labels).astype(np.int64)
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError("MNIST images must be (N, 28, 28) with one label each")
    # Leave out the few digits written much wider than tall: mostly garbled.
    rows = (images > 64).any(axis=2)
    cols = (images > 64).any(axis=1)
    height = images.shape[1] - rows[:, ::-1].argmax(axis=1) - rows.argmax(axis=1)
    width = images.shape[2] - cols[:, ::-1].argmax(axis=1) - cols.argmax(axis=1)
    usable = rows.any(axis=1) & (width <= _MAX_MNIST_ASPECT * height)
    by_label = [np.flatnonzero((labels == d) & usable) for d in range(10)]
    if any(idx.size == 0 for idx in by_label):
        raise ValueError("MNIST images must include every digit 0-9")
    return images, by_label


def read_mnist(data_dir: str | os.PathLike, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """Read one MNIST split from IDX files (gzipped or not) in a folder.

    Parameters
    ----------
    data_dir : str or os.PathLike
        Folder holding e.g. ``t10k-images-idx3-ubyte.gz``.
    split : {'test', 'train'}
        Which split.

    Returns
    -------
    images : numpy.ndarray
        ``uint8`` ``(N, 28, 28)``.
    labels : numpy.ndarray
        ``uint8`` ``(N,)``.

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        If a file is not a valid IDX file of the expected shape.
    """
    image_name, label_name = _MNIST_FILES[split]
    raw_images = _read_maybe_gzip(Path(data_dir), image_name)
    raw_labels = _read_maybe_gzip(Path(data_dir), label_name)
    if len(raw_images) < 16 or len(raw_labels) < 8:
        raise ValueError(f"MNIST files in {data_dir} are truncated")
    count = int.from_bytes(raw_images[4:8], "big")
    images = np.frombuffer(raw_images, np.uint8, count * 28 * 28, offset=16).reshape(count, 28, 28)
    labels = np.frombuffer(raw_labels, np.uint8, count, offset=8)
    return images, labels


def _read_maybe_gzip(folder: Path, name: str) -> bytes:
    for path, opener in ((folder / f"{name}.gz", gzip.open), (folder / name, open)):
        if path.is_file():
            with opener(path, "rb") as fh:
                return fh.read()
    raise FileNotFoundError(f"{name}(.gz) not found in {folder}")


def load_mnist_digits(
    data_dir: str | os.PathLike | None = None, split: str = "test"
) -> tuple[np.ndarray, np.ndarray] | None:
    """Load MNIST without downloading, or return None if it is not at hand.

    ``train.mnist.load_mnist`` is used when importable (it also looks in
    ``MNIST_DIR`` and its cache folder); otherwise the files are read from
    ``data_dir`` or ``MNIST_DIR`` directly.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder holding the MNIST files.
    split : {'test', 'train'}
        Which split.

    Returns
    -------
    tuple of numpy.ndarray or None
        ``(images, labels)``, or None when the files cannot be found.
    """
    try:
        from train.mnist import load_mnist
    except ImportError:
        load_mnist = None
    if load_mnist is not None:
        try:
            return load_mnist(split, data_dir, download=False, progress=False)
        except Exception:  # missing files or another signature: try the plain reader
            pass
    folder = data_dir or os.environ.get("MNIST_DIR")
    if not folder:
        return None
    try:
        return read_mnist(folder, split)
    except (OSError, ValueError):
        return None
