"""Stray marks that are not digits: dots, lines, scribbles, smudges, print, letters.

They are placed so that they never touch a digit's box (an underline runs just
below its row), so they must not get boxes of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from samples.glyphs import LETTERS, GlyphSource, GlyphStyle, crop_to_ink
from samples.layout import Box, Layout
from samples.paper import Color, InkStyle, PaperStyle
from samples.presets import choose

__all__ = ["MARK_KINDS", "PRINTED_WORDS", "SheetMark", "make_marks"]

# Printed words use no letter that reads like a digit (O, o, I, l, S, Z, B, g, q).
PRINTED_WORDS = tuple(
    "Date Name Math Week Check Exam PAPER FAX KEY MARK WRITE TEXT Mead HANDY Draft NEW Ref Team"
    " Art PAD Due Nr.".split()
)
MARK_KINDS = {
    "dot": 0.25,
    "underline": 0.15,
    "line": 0.15,
    "scribble": 0.1,
    "smudge": 0.1,
    "printed": 0.15,
    "letters": 0.1,
}
_HERSHEY = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_PLAIN,
)
_PRINT_COLORS: tuple[Color, ...] = (
    (0.22, 0.22, 0.22),
    (0.45, 0.22, 0.10),
    (0.20, 0.20, 0.70),
    (0.25, 0.45, 0.15),
)
_SUBPIXEL = 4  # fractional bits of cv2 drawing coordinates


@dataclass
class SheetMark:
    """A stray mark that is not a digit (it never gets a box).

    Attributes
    ----------
    kind : str
        'dot', 'underline', 'line', 'scribble', 'smudge', 'printed' or
        'letters'.
    x, y : int
        Sheet pixel of the mask's top-left element.
    mask : numpy.ndarray
        ``float32`` coverage.
    color : tuple of float
        BGR colour.
    opacity : float
        Peak opacity.
    handwritten : bool
        Whether it is drawn with the sheet's pen (grain and pressure apply).
    """

    kind: str
    x: int
    y: int
    mask: np.ndarray
    color: Color
    opacity: float
    handwritten: bool = True


def make_marks(
    rng: np.random.Generator,
    layout: Layout,
    paper_size: tuple[int, int],
    count: int,
    kinds: dict[str, float],
    ink: InkStyle,
    paper: PaperStyle,
    glyphs: GlyphSource | None,
    style: GlyphStyle | None,
) -> list[SheetMark]:
    """Draw stray marks and place them where they touch no digit.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    layout : Layout
        The digits, in sheet coordinates.
    paper_size : tuple of int
        ``(width, height)`` of the paper.
    count : int
        Marks to try to place (some are dropped when there is no room).
    kinds : dict
        Odds of each kind: 'dot', 'underline', 'line', 'scribble', 'smudge',
        'printed', 'letters'.
    ink : InkStyle
        The pen of the handwritten marks.
    paper : PaperStyle
        The paper (printed marks are light on dark paper).
    glyphs : GlyphSource or None
        Source of handwritten letters; without it letters become scribbles.
    style : GlyphStyle or None
        Writer of the letters.

    Returns
    -------
    list of SheetMark
    """
    h = layout.digit_height
    boxes = [d.box(0.02) for d in layout.digits]
    keep_out = [_grow(b, 0.3 * h) for b in boxes]
    x0, y0, x1, y1 = layout.bounds
    width, height = paper_size
    region = (
        max(int(x0 - 2 * h), int(0.2 * h)),
        max(int(y0 - 2 * h), int(0.2 * h)),
        min(int(x1 + 2 * h), int(width - 0.2 * h)),
        min(int(y1 + 2 * h), int(height - 0.2 * h)),
    )
    marks: list[SheetMark] = []
    for _ in range(count):
        kind = choose(rng, kinds)
        if kind == "letters" and glyphs is None:
            kind = "scribble"
        if kind == "underline":
            mark = _underline(rng, layout, ink)
            if not any(_overlap(_mark_box(mark), b) for b in boxes):
                marks.append(mark)
                keep_out.append(_grow(_mark_box(mark), 0.2 * h))
            continue
        mark = _draw_mark(rng, kind, h, layout.stroke, ink, paper, glyphs, style)
        spot = _free_spot(rng, mark.mask.shape, region, keep_out, 0.2 * h)
        if spot is not None:
            mark.x, mark.y = spot
            marks.append(mark)
            keep_out.append(_grow(_mark_box(mark), 0.2 * h))
    return marks


def _draw_mark(
    rng: np.random.Generator,
    kind: str,
    h: float,
    stroke: float,
    ink: InkStyle,
    paper: PaperStyle,
    glyphs: GlyphSource | None,
    style: GlyphStyle | None,
) -> SheetMark:
    if kind == "dot":
        mask = _dots(rng, h, stroke)
    elif kind == "line":
        mask = _straight_line(rng, h, stroke)
    elif kind == "scribble":
        mask = _scribble(rng, h, stroke)
    elif kind == "letters":
        mask = _letters(rng, glyphs, h, stroke, style)
    elif kind == "smudge":
        mask = _smudge(rng, h)
        color = ink.color if rng.random() < 0.5 else (0.35, 0.4, 0.45)
        return SheetMark(kind, 0, 0, mask, color, float(rng.uniform(0.08, 0.25)), handwritten=False)
    else:
        mask = _printed(rng, h)
        color = (
            (0.85, 0.85, 0.85)
            if paper.dark
            else _PRINT_COLORS[int(rng.integers(len(_PRINT_COLORS)))]
        )
        return SheetMark(
            "printed", 0, 0, mask, color, float(rng.uniform(0.8, 1.0)), handwritten=False
        )
    return SheetMark(kind, 0, 0, mask, ink.color, ink.opacity)


def _polyline(lines: list[np.ndarray], thickness: float) -> tuple[np.ndarray, int, int]:
    """Anti-aliased polylines (points in pixels): mask cropped to the ink and its top-left."""
    pts = np.concatenate(lines)
    pad = int(thickness) + 3
    origin = np.floor(pts.min(axis=0)) - pad
    size = np.ceil(pts.max(axis=0) - origin).astype(int) + pad
    canvas = np.zeros((size[1], size[0]), np.uint8)
    scaled = [np.round((p - origin) * (1 << _SUBPIXEL)).astype(np.int32) for p in lines]
    cv2.polylines(canvas, scaled, False, 255, max(1, int(round(thickness))), cv2.LINE_AA, _SUBPIXEL)
    ys, xs = np.nonzero(canvas)
    if xs.size == 0:
        return np.zeros((1, 1), np.float32), int(origin[0]), int(origin[1])
    crop = canvas[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    strength = min(1.0, thickness) / 255.0  # thinner than a pixel: fainter
    return (
        crop * np.float32(strength),
        int(origin[0]) + int(xs.min()),
        int(origin[1]) + int(ys.min()),
    )


def _polyline_mask(lines: list[np.ndarray], thickness: float) -> np.ndarray:
    return _polyline(lines, thickness)[0]


def _dots(rng: np.random.Generator, h: float, stroke: float) -> np.ndarray:
    count = 1 if rng.random() < 0.7 else int(rng.integers(2, 4))
    radius = stroke * rng.uniform(0.6, 1.4) + 0.5
    centers = [np.array([[i * h * rng.uniform(0.25, 0.4), 0.0]]) for i in range(count)]
    return _polyline_mask([np.repeat(c, 2, axis=0) for c in centers], 2 * radius)


def _straight_line(rng: np.random.Generator, h: float, stroke: float) -> np.ndarray:
    length = h * rng.uniform(3.0, 9.0)
    angle = rng.choice([0.0, 90.0, rng.uniform(0, 180)], p=[0.5, 0.2, 0.3]) + rng.uniform(-3, 3)
    d = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))]) * length / 2
    lines = [np.array([-d, d])]
    if rng.random() < 0.25:  # a crossing
        e = np.array([-d[1], d[0]]) * rng.uniform(0.3, 1.0)
        lines.append(np.array([-e, e]) + d * rng.uniform(-0.5, 0.5))
    return _polyline_mask(lines, stroke * rng.uniform(0.6, 1.0))


def _scribble(rng: np.random.Generator, h: float, stroke: float) -> np.ndarray:
    """Zig-zag hatching (something crossed out) or a wavy stroke."""
    thickness = stroke * rng.uniform(0.8, 1.1)
    if rng.random() < 0.5:
        width, height = h * rng.uniform(0.6, 1.6), h * rng.uniform(0.3, 0.8)
        n = int(rng.integers(5, 12))
        xs = np.linspace(0, width, n) + rng.normal(0, 0.05 * h, n)
        ys = np.where(np.arange(n) % 2 == 0, 0.0, height) + rng.normal(0, 0.08 * h, n)
        return _polyline_mask([np.column_stack([xs, ys])], thickness)
    # A wavy stroke, like a tilde drawn a few times over.
    length = h * rng.uniform(0.8, 2.5)
    waves = rng.uniform(1.5, 4.0)
    xs = np.linspace(0.0, length, 60)
    ys = (
        np.sin(xs / length * waves * 2 * np.pi + rng.uniform(0, 2 * np.pi))
        * h
        * rng.uniform(0.06, 0.15)
    )
    return _polyline_mask([np.column_stack([xs, ys + rng.normal(0, 0.01 * h, xs.size)])], thickness)


def _smudge(rng: np.random.Generator, h: float) -> np.ndarray:
    """A soft blot (graphite rubbed by a hand, or dirt); drawn small, then enlarged."""
    w, hh = h * rng.uniform(0.5, 2.0), h * rng.uniform(0.3, 1.0)
    scale = min(1.0, 48.0 / max(w, hh))
    sw, sh = w * scale, hh * scale
    pad = int(0.5 * max(sw, sh)) + 2
    canvas = np.zeros((int(sh) + 2 * pad, int(sw) + 2 * pad), np.float32)
    center = (canvas.shape[1] // 2, canvas.shape[0] // 2)
    cv2.ellipse(
        canvas,
        center,
        (max(1, int(sw / 2)), max(1, int(sh / 2))),
        rng.uniform(0, 180),
        0,
        360,
        1.0,
        -1,
    )
    blot = cv2.GaussianBlur(canvas, (0, 0), 0.2 * max(sw, sh))
    size = (max(1, round(canvas.shape[1] / scale)), max(1, round(canvas.shape[0] / scale)))
    return crop_to_ink(cv2.resize(blot, size, interpolation=cv2.INTER_LINEAR), 0.05)


def _printed(rng: np.random.Generator, h: float) -> np.ndarray:
    """A printed word, sometimes framed like a logo."""
    word = PRINTED_WORDS[int(rng.integers(len(PRINTED_WORDS)))]
    font = _HERSHEY[int(rng.integers(len(_HERSHEY)))]
    (_, cap), _ = cv2.getTextSize("M", font, 1.0, 1)
    scale = h * rng.uniform(0.25, 0.7) / cap
    thickness = max(1, int(round(scale * rng.uniform(1.0, 2.5))))
    (tw, th), base = cv2.getTextSize(word, font, scale, thickness)
    pad = int(0.4 * th) + thickness + 2
    canvas = np.zeros((th + base + 2 * pad, tw + 2 * pad), np.uint8)
    cv2.putText(canvas, word, (pad, pad + th), font, scale, 255, thickness, cv2.LINE_AA)
    if rng.random() < 0.3:
        cv2.rectangle(
            canvas,
            (1, 1),
            (canvas.shape[1] - 2, canvas.shape[0] - 2),
            255,
            max(1, thickness // 2),
            cv2.LINE_AA,
        )
    return crop_to_ink(canvas.astype(np.float32) / np.float32(255.0))


def _letters(
    rng: np.random.Generator, glyphs: GlyphSource, h: float, stroke: float, style: GlyphStyle | None
) -> np.ndarray:
    """One to three handwritten letters side by side, bottom-aligned."""
    count = int(rng.integers(1, 4))
    masks = [
        glyphs.draw_letter(
            rng,
            LETTERS[int(rng.integers(len(LETTERS)))],
            h * rng.uniform(0.55, 0.95),
            stroke,
            style,
        )
        for _ in range(count)
    ]
    gaps = [int(h * rng.uniform(0.08, 0.25)) for _ in masks]
    height = max(m.shape[0] for m in masks)
    width = sum(m.shape[1] for m in masks) + sum(gaps[1:])
    out = np.zeros((height, width), np.float32)
    x = 0
    for m, g in zip(masks, [0] + gaps[1:]):
        x += g
        np.maximum(
            out[height - m.shape[0] :, x : x + m.shape[1]],
            m,
            out=out[height - m.shape[0] :, x : x + m.shape[1]],
        )
        x += m.shape[1]
    return out


def _underline(rng: np.random.Generator, layout: Layout, ink: InkStyle) -> SheetMark:
    """A line under a row, following its slope, just below its lowest digit."""
    r = int(rng.integers(len(layout.rows)))
    x_start, x_end, y_at0, slope = layout.baselines[r]
    h = layout.digit_height
    lowest = max(
        d.y + d.mask.shape[0] - (y_at0 + slope * (d.x + d.mask.shape[1] / 2))
        for d in (layout.digits[i] for i in layout.rows[r])
    )
    drop = lowest + h * rng.uniform(0.12, 0.3)
    xa, xb = x_start - h * rng.uniform(0.0, 0.4), x_end + h * rng.uniform(0.0, 0.4)
    xs = np.linspace(xa, xb, 6)
    ys = y_at0 + slope * xs + drop + rng.normal(0, 0.02 * h, 6)
    mask, x, y = _polyline([np.column_stack([xs, ys])], layout.stroke)
    return SheetMark("underline", x, y, mask, ink.color, ink.opacity)


def _mark_box(mark: SheetMark) -> Box:
    return (mark.x, mark.y, mark.mask.shape[1], mark.mask.shape[0])


def _grow(box: Box, by: float) -> Box:
    x, y, w, h = box
    b = int(round(by))
    return (x - b, y - b, w + 2 * b, h + 2 * b)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _free_spot(
    rng: np.random.Generator,
    shape: tuple[int, int],
    region: tuple[int, int, int, int],
    keep_out: list[Box],
    pad: float,
    tries: int = 40,
) -> tuple[int, int] | None:
    """Random top-left in ``region`` where a ``shape`` mask avoids ``keep_out``."""
    mh, mw = shape
    x0, y0, x1, y1 = region
    if x1 - x0 <= mw or y1 - y0 <= mh:
        return None
    for _ in range(tries):
        x = int(rng.integers(x0, x1 - mw))
        y = int(rng.integers(y0, y1 - mh))
        if not any(_overlap(_grow((x, y, mw, mh), pad), b) for b in keep_out):
            return x, y
    return None
