"""Digits written as numbers in rows, before there is any paper.

Coordinates are pixels of the flat sheet.  Every digit keeps its own coverage
mask so that its exact box can be found after any camera warp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from samples.glyphs import GlyphSource, GlyphStyle, crop_to_ink
from samples.paper import InkStyle

__all__ = ["INK_LEVEL", "Box", "Layout", "SheetDigit", "plan_layout"]

INK_LEVEL = 0.3  # coverage at which a pixel counts as ink for the boxes

Box = tuple[int, int, int, int]  # x, y, w, h


@dataclass
class SheetDigit:
    """One written digit.

    Attributes
    ----------
    label : int
        The digit.
    x, y : int
        Sheet pixel of the mask's top-left element.
    mask : numpy.ndarray
        ``float32`` coverage of this digit's ink alone (1 = ink).
    row : int
        Index of the digit's row in the sheet's reading order.
    """

    label: int
    x: int
    y: int
    mask: np.ndarray
    row: int

    def box(self, level: float = INK_LEVEL) -> Box:
        """Tight ``(x, y, w, h)`` of the pixels with coverage >= ``level``."""
        ys, xs = np.nonzero(self.mask >= level)
        if xs.size == 0:
            return (self.x, self.y, 0, 0)
        return (
            self.x + int(xs.min()),
            self.y + int(ys.min()),
            int(xs.max() - xs.min() + 1),
            int(ys.max() - ys.min() + 1),
        )


@dataclass
class Layout:
    """Digits placed in rows, in block coordinates (before the paper exists).

    Attributes
    ----------
    digits : list of SheetDigit
        In reading order.
    rows : list of list of int
        Indices into ``digits``, rows top to bottom, left to right.
    baselines : list of tuple of float
        Per row ``(x_start, x_end, y_at_x0, slope)`` of the line the digits
        stand on.
    digit_height : float
        Typical digit height in pixels.
    stroke : float
        Stroke width in pixels.
    aligned : bool
        Whether the rows follow the paper's printed lines.
    """

    digits: list[SheetDigit]
    rows: list[list[int]]
    baselines: list[tuple[float, float, float, float]]
    digit_height: float
    stroke: float
    aligned: bool = False

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """``(x0, y0, x1, y1)`` (exclusive) around all digit masks."""
        x0 = min(d.x for d in self.digits)
        y0 = min(d.y for d in self.digits)
        x1 = max(d.x + d.mask.shape[1] for d in self.digits)
        y1 = max(d.y + d.mask.shape[0] for d in self.digits)
        return x0, y0, x1, y1

    def shifted(self, dx: int, dy: int) -> "Layout":
        """A copy moved by ``(dx, dy)`` pixels."""
        digits = [replace(d, x=d.x + dx, y=d.y + dy) for d in self.digits]
        baselines = [(a + dx, b + dx, y + dy - s * dx, s) for a, b, y, s in self.baselines]
        return replace(self, digits=digits, baselines=baselines)


# --------------------------------------------------------------------------- placement


def plan_layout(
    rng: np.random.Generator,
    glyphs: GlyphSource,
    *,
    n_digits: int,
    digit_height: float,
    max_size: tuple[float, float],
    ink: InkStyle | None = None,
    style: GlyphStyle | None = None,
    row_pitch: float | None = None,
    slant: float = 2.0,
    touch_prob: float = 0.05,
    broken_prob: float = 0.02,
) -> Layout:
    """Write digits as numbers in rows.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    glyphs : GlyphSource
        Where the digit shapes come from.
    n_digits : int
        Digits wanted; fewer are written if they do not fit in ``max_size``.
    digit_height : float
        Typical digit height in pixels (each digit varies by about 15 %).
    max_size : tuple of float
        ``(width, height)`` the block of rows may use.
    ink : InkStyle, optional
        The pen (sets the stroke width and edge softness).
    style : GlyphStyle, optional
        The writer; random if None.
    row_pitch : float, optional
        Distance between rows (the paper's line pitch to follow printed
        lines); random if None.
    slant : float, default 2.0
        Largest slope of a row in degrees.
    touch_prob : float, default 0.05
        Probability that a digit touches or slightly overlaps the previous one
        of its number.
    broken_prob : float, default 0.02
        Probability that a digit has a gap in a stroke.

    Returns
    -------
    Layout
        Coordinates start at (0, 0) at the top-left of the block.
    """
    if n_digits < 1:
        raise ValueError(f"n_digits must be at least 1, not {n_digits}")
    ink = ink or InkStyle()
    style = style or glyphs.sample_style(rng)
    h = float(digit_height)
    stroke = max(ink.stroke * h, 1.2)
    max_w, max_h = max(float(max_size[0]), h), max(float(max_size[1]), h)
    aligned = row_pitch is not None
    pitch = float(row_pitch) if aligned else h * rng.uniform(1.4, 2.1)
    sheet_slant = rng.uniform(-slant, slant) * (0.3 if aligned else 1.0)

    digits: list[SheetDigit] = []
    rows: list[list[int]] = []
    baselines: list[tuple[float, float, float, float]] = []
    x = x_end = 0.0
    prev_w = 0
    for length in _number_lengths(rng, int(n_digits)):
        for position in range(length):
            label = int(rng.integers(10))
            mask = _digit_mask(rng, glyphs, label, h, stroke, ink, style, broken_prob)
            w = mask.shape[1]
            gap = _gap(rng, h, position, w, prev_w, touch_prob)
            if not rows or (rows[-1] and x + gap + w > max_w):
                if rows and len(rows) * pitch + 1.2 * h > max_h:
                    return _finish_layout(digits, rows, baselines, h, stroke, aligned)
                indent = _indent(rng, h, max_w)
                row_y = (
                    len(rows) * pitch + h + rng.uniform(-0.04, 0.04) * h * (0.5 if aligned else 1.5)
                )
                slope = math.tan(math.radians(sheet_slant + rng.uniform(-0.8, 0.8)))
                rows.append([])
                baselines.append((indent, indent, row_y, slope))
                x, gap = indent, 0.0
            x += gap
            _, _, row_y, slope = baselines[-1]
            bottom = row_y + slope * (x + w / 2) + rng.uniform(-0.04, 0.04) * h
            rows[-1].append(len(digits))
            digits.append(
                SheetDigit(
                    label, int(round(x)), int(round(bottom - mask.shape[0])), mask, len(rows) - 1
                )
            )
            x += w
            x_end = x
            baselines[-1] = (baselines[-1][0], x_end, row_y, slope)
            prev_w = w
    return _finish_layout(digits, rows, baselines, h, stroke, aligned)


def _finish_layout(digits, rows, baselines, h, stroke, aligned) -> Layout:
    """Layout moved so that its digits start at (0, 0)."""
    layout = Layout(digits, rows, baselines, h, stroke, aligned)
    x0, y0, _, _ = layout.bounds
    return layout.shifted(-x0, -y0)


def _number_lengths(rng: np.random.Generator, total: int) -> list[int]:
    """Split ``total`` digits into numbers of 1 to 10 digits."""
    lengths = []
    while total > 0:
        if rng.random() < 0.1:
            n = int(rng.integers(6, 11))  # phone numbers, codes
        else:
            n = int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.25, 0.25, 0.25, 0.1]))
        lengths.append(min(n, total))
        total -= lengths[-1]
    return lengths


def _gap(
    rng: np.random.Generator, h: float, position: int, w: int, prev_w: int, touch_prob: float
) -> float:
    """Horizontal space before a digit (negative: touching or overlapping)."""
    if position == 0:
        return h * rng.uniform(0.6, 1.5)
    if rng.random() < touch_prob:
        return -min(h * rng.uniform(0.0, 0.1), 0.25 * min(w, prev_w))
    return h * rng.uniform(0.06, 0.4)


def _indent(rng: np.random.Generator, h: float, max_w: float) -> float:
    if rng.random() < 0.2:
        return rng.uniform(0.0, min(3.0 * h, 0.3 * max_w))
    return rng.uniform(0.0, 0.3 * h)


def _digit_mask(
    rng: np.random.Generator,
    glyphs: GlyphSource,
    label: int,
    h: float,
    stroke: float,
    ink: InkStyle,
    style: GlyphStyle,
    broken_prob: float,
) -> np.ndarray:
    height = h * rng.uniform(0.87, 1.15)
    mask = glyphs.draw(rng, label, height, stroke * rng.uniform(0.9, 1.1), style)
    if rng.random() < broken_prob:
        mask = _break_stroke(rng, mask, stroke)
    if ink.bleed > 0:
        pad = int(2 * ink.bleed) + 2
        mask = cv2.GaussianBlur(np.pad(mask, pad), (0, 0), ink.bleed)
        mask = crop_to_ink(mask)
    return mask


def _break_stroke(rng: np.random.Generator, mask: np.ndarray, stroke: float) -> np.ndarray:
    """Erase a small disc on a stroke, leaving a gap in it."""
    ys, xs = np.nonzero(mask > 0.9)
    if xs.size == 0:
        return mask
    k = int(rng.integers(xs.size))
    radius = stroke * rng.uniform(0.8, 1.4) + 1.0
    yy, xx = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]].astype(np.float32)
    dist = np.sqrt((xx - xs[k]) ** 2 + (yy - ys[k]) ** 2)
    keep = np.clip(dist - np.float32(radius) + 0.5, 0.0, 1.0)
    return crop_to_ink(mask * keep)
