"""Handwriting fonts: discovery and rendering of single characters.

The fonts come from Debian packages (``fonts-dkg-handwriting``,
``fonts-humor-sans``, ``fonts-breip``, ``fonts-femkeklaver``, ``fonts-klee``,
``fonts-kristi``, ``fonts-bwht``, ``fonts-comic-neue``).  When none is
installed :func:`find_fonts` returns an empty list and callers fall back to
other glyph sources.
"""

from __future__ import annotations

import glob
import hashlib
import os
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["DIGITS", "FONT_DIRS", "RENDER_PX", "find_fonts", "render_char"]

FONT_DIRS = (
    "/usr/share/fonts/truetype/fifthhorseman",
    "/usr/share/fonts/truetype/humor-sans",
    "/usr/share/fonts/truetype/breip",
    "/usr/share/fonts/truetype/femkeklaver",
    "/usr/share/fonts/truetype/klee",
    "/usr/share/fonts/truetype/kristi",
    "/usr/share/fonts/opentype/bwht",
    "/usr/share/fonts/opentype/comic-neue",
)
FONT_PATTERNS = ("*.ttf", "*.otf")
DIGITS = "0123456789"
RENDER_PX = 160  # font size of the cached bitmaps; glyphs are rescaled from these

# A glyph whose holes, once filled, more than double its ink is drawn in
# outline (hollow) style, which nobody does by hand.
_OUTLINE_FILL_RATIO = 1.6
_MIN_INK_FRACTION = 0.25  # of RENDER_PX: smaller glyphs are placeholders


def find_fonts(dirs: tuple[str, ...] | list[str] = FONT_DIRS) -> list[str]:
    """Return the installed fonts that draw all ten digits as handwriting.

    Parameters
    ----------
    dirs : sequence of str, default FONT_DIRS
        Folders searched (not recursively) for ``.ttf`` and ``.otf`` files.

    Returns
    -------
    list of str
        Sorted font paths.  Fonts that fail to load, render a digit as an empty
        or placeholder box, draw hollow outlines, or duplicate another font's
        digits are left out.  Empty when no font is installed.
    """
    return list(_find_fonts_cached(tuple(dirs)))


@lru_cache(maxsize=8)
def _find_fonts_cached(dirs: tuple[str, ...]) -> tuple[str, ...]:
    paths = sorted(
        {p for d in dirs for pat in FONT_PATTERNS for p in glob.glob(os.path.join(d, pat))}
    )
    usable, seen = [], set()
    for path in paths:
        signature = _digit_signature(path)
        if signature is not None and signature not in seen:
            seen.add(signature)
            usable.append(path)
    return tuple(usable)


def _digit_signature(path: str) -> bytes | None:
    """Hash of the font's digit shapes, or None if the digits are unusable."""
    try:
        masks = [render_char(path, d) for d in DIGITS]
    except (OSError, ValueError):
        return None
    if any(m.shape[0] < _MIN_INK_FRACTION * RENDER_PX or m.max() < 0.5 for m in masks):
        return None
    if _is_outline(masks[1]) or _is_outline(masks[7]):
        return None
    hashes = [hashlib.sha1(_thumbnail(m).tobytes()).digest() for m in masks]
    if len(set(hashes)) < len(DIGITS):  # identical boxes: missing glyphs ("tofu")
        return None
    return b"".join(hashes)


def _thumbnail(mask: np.ndarray) -> np.ndarray:
    return (cv2.resize(mask, (16, 16), interpolation=cv2.INTER_AREA) > 0.3).astype(np.uint8)


def _is_outline(mask: np.ndarray) -> bool:
    """True when the glyph (a '1' or '7', which have no holes) is hollow."""
    ink = (mask > 0.5).astype(np.uint8)
    # Closing seals the small gaps of sketchy outlines before the flood fill.
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (RENDER_PX // 12,) * 2)
    closed = cv2.morphologyEx(np.pad(ink, RENDER_PX // 12), cv2.MORPH_CLOSE, kernel)
    padded = np.pad(1 - closed, 1, constant_values=1)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 2)
    filled = np.count_nonzero(flood[1:-1, 1:-1] != 2)
    return filled > _OUTLINE_FILL_RATIO * max(int(ink.sum()), 1)


@lru_cache(maxsize=2048)
def render_char(path: str, char: str) -> np.ndarray:
    """Render one character of a font as a coverage mask cropped to its ink.

    Parameters
    ----------
    path : str
        Font file.
    char : str
        A single character.

    Returns
    -------
    numpy.ndarray
        Read-only ``float32`` array, 1 where the glyph is inked, 0 elsewhere,
        cropped to the ink; the font size is :data:`RENDER_PX`.  An empty
        ``(0, 0)`` array when the character renders nothing.
    """
    font = ImageFont.truetype(path, RENDER_PX)
    left, top, right, bottom = font.getbbox(char)
    pad = RENDER_PX // 8
    width, height = max(right - left, 1) + 2 * pad, max(bottom - top, 1) + 2 * pad
    canvas = Image.new("L", (width, height), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), char, font=font, fill=255)
    coverage = np.asarray(canvas, dtype=np.float32) / np.float32(255.0)
    rows = np.flatnonzero(coverage.max(axis=1) > 0.02)
    cols = np.flatnonzero(coverage.max(axis=0) > 0.02)
    if rows.size == 0:
        out = np.zeros((0, 0), np.float32)
    else:
        out = np.ascontiguousarray(coverage[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    out.flags.writeable = False
    return out
