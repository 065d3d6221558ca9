"""Realistic photos of handwritten digits on paper, with exact ground truth.

A picture is made in two stages so that one sheet can be photographed many
times (for example by a moving camera):

1. :func:`make_sheet` (or :func:`plan_layout` + :func:`render_sheet`) writes
   digits in rows on a flat sheet of paper in "sheet pixels": paper colour and
   grain, printed rulings, ink, stray non-digit marks, and the desk around it.
   Each digit keeps its own coverage mask.
2. :func:`photograph` looks at the sheet through a camera (a homography:
   rotation, perspective tilt, scale, position), then adds lighting, blur,
   sensor noise and JPEG compression.  A digit's box is the tight box of its
   own mask warped by the same homography, so it is exact whatever the pose.

:func:`generate` draws everything at random for a named condition
("clean", "webcam" or "hard", see :mod:`samples.presets`) and
:func:`write_sheet_set` writes a benchmark folder.  Command line::

    python -m samples.sheets OUT_DIR --condition webcam --count 20 --seed 0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from preprocessing.arguments import whole_number
from samples.camera import Camera, expose, finish, pose_homography, scale_at
from samples.glyphs import GlyphSource, GlyphStyle, load_mnist_digits
from samples.layout import INK_LEVEL, Box, Layout, SheetDigit, plan_layout
from samples.marks import MARK_KINDS, SheetMark, make_marks
from samples.paper import (
    MARGIN_COLOR,
    Color,
    InkStyle,
    PaperStyle,
    desk_texture,
    ink_modulation,
    paper_albedo,
    rule_alpha,
    sample_ink,
    sample_paper,
)
from samples.presets import PRESETS, Preset, choose, sample_camera, uniform

__all__ = [
    "INK_LEVEL",
    "Layout",
    "Photo",
    "Sheet",
    "SheetDigit",
    "SheetMark",
    "generate",
    "main",
    "make_sheet",
    "photograph",
    "plan_layout",
    "render_sheet",
    "write_sheet_set",
]

MIN_INK_CONTRAST = 0.3  # least reflectance difference between strokes and paper
CONDITIONS = tuple(PRESETS)
_SUBPIXEL = 4  # fractional bits of cv2 drawing coordinates


@dataclass
class Sheet:
    """A flat sheet of paper with writing, in sheet pixels.

    Attributes
    ----------
    image : numpy.ndarray
        ``uint8`` BGR ``(H, W, 3)``: the paper's appearance under even white
        light; the paper fills the whole image.
    digits : list of SheetDigit
        The written digits.
    rows : list of list of int
        Reading order: indices into ``digits`` per row, top to bottom, each
        left to right.
    marks : list of SheetMark
        Stray marks that are not digits.
    paper : PaperStyle
        The paper.
    ink : InkStyle
        The pen.
    desk : numpy.ndarray or None
        ``uint8`` BGR surface around the paper (None: plain grey).
    desk_origin : tuple of float
        Sheet coordinates of the desk image's pixel (0, 0).
    desk_scale : float
        Sheet pixels per desk pixel.
    drop_shadow : tuple of float
        Shadow the paper casts on the desk: ``(dx, dy, blur, strength)``,
        the first three in sheet pixels.
    """

    image: np.ndarray
    digits: list[SheetDigit]
    rows: list[list[int]]
    marks: list[SheetMark] = field(default_factory=list)
    paper: PaperStyle = field(default_factory=PaperStyle)
    ink: InkStyle = field(default_factory=InkStyle)
    desk: np.ndarray | None = None
    desk_origin: tuple[float, float] = (0.0, 0.0)
    desk_scale: float = 1.0
    drop_shadow: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 0.0)

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the paper in sheet pixels."""
        return self.image.shape[1], self.image.shape[0]

    @property
    def text(self) -> str:
        """Digits in reading order; rows joined by one space."""
        return " ".join("".join(str(self.digits[i].label) for i in row) for row in self.rows)


@dataclass
class Photo:
    """One generated photo and its ground truth.

    Attributes
    ----------
    image : numpy.ndarray
        ``uint8`` BGR ``(h, w, 3)``.
    digits : list of dict
        In reading order, ``{"x", "y", "w", "h", "label"}`` (ints): the tight
        box of the digit's ink in image pixels.  A digit cut by the image
        border has its box clipped to the image and ``"partial": True``;
        digits entirely outside are left out.
    text : str
        Reading order of the digits fully in view: rows top to bottom, digits
        left to right, rows joined by one space (digits within a row are not
        separated, even between numbers).
    condition : str
        Preset name.
    homography : numpy.ndarray
        3x3 map from sheet pixels to image pixels.
    camera : Camera
        Lighting, optics and sensor settings used.
    jpeg : bytes or None
        The JPEG file ``image`` was decoded from (write it as is to keep the
        pixels identical).
    """

    image: np.ndarray
    digits: list[dict]
    text: str
    condition: str
    homography: np.ndarray
    camera: Camera
    jpeg: bytes | None = None


# --------------------------------------------------------------------------- sheet


def render_sheet(
    rng: np.random.Generator,
    layout: Layout,
    *,
    paper_size: tuple[int, int],
    origin: tuple[int, int],
    paper: PaperStyle,
    ink: InkStyle,
    glyphs: GlyphSource | None = None,
    style: GlyphStyle | None = None,
    n_marks: int = 0,
    mark_kinds: dict[str, float] | None = None,
    desk: str | None = None,
    desk_rect: tuple[float, float, float, float] | None = None,
) -> Sheet:
    """Put a layout on paper.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    layout : Layout
        Digits in block coordinates.
    paper_size : tuple of int
        ``(width, height)`` of the paper in sheet pixels.
    origin : tuple of int
        Sheet position of the layout's (0, 0).
    paper : PaperStyle
        The paper.
    ink : InkStyle
        The pen.
    glyphs : GlyphSource, optional
        Needed for handwritten-letter marks.
    style : GlyphStyle, optional
        Writer of the handwritten-letter marks.
    n_marks : int, default 0
        Number of stray marks to try to add.
    mark_kinds : dict, optional
        Odds of each mark kind (see :class:`SheetMark`).
    desk : str, optional
        Kind of surface around the paper (see :func:`samples.paper.desk_texture`);
        None for a plain grey one.
    desk_rect : tuple of float, optional
        ``(x0, y0, x1, y1)`` sheet area the desk must cover; by default half
        the paper size on each side.

    Returns
    -------
    Sheet
    """
    width, height = int(paper_size[0]), int(paper_size[1])
    placed = layout.shifted(int(origin[0]), int(origin[1]))
    albedo = paper_albedo(rng, (height, width), paper)
    _draw_rulings(rng, albedo, placed, paper)
    marks = make_marks(
        rng, placed, (width, height), n_marks, mark_kinds or MARK_KINDS, ink, paper, glyphs, style
    )
    for mark in marks:  # printed things and smudges lie under the writing
        if not mark.handwritten:
            _blend(albedo, mark.mask, mark.x, mark.y, mark.color, mark.opacity)
    h = layout.digit_height
    strokes = [(d.mask, d.x, d.y) for d in placed.digits] + [
        (m.mask, m.x, m.y) for m in marks if m.handwritten
    ]
    for mask, x, y in strokes:
        mod = ink_modulation(rng, mask.shape, ink, h)
        _blend(albedo, mask, x, y, ink.color, ink.opacity, mod)
    np.clip(albedo, 0.0, 1.0, out=albedo)
    image = cv2.convertScaleAbs(albedo, alpha=255.0)
    sheet = Sheet(image, placed.digits, placed.rows, marks, paper, ink)
    _add_desk(rng, sheet, desk, desk_rect)
    return sheet


def _blend(
    albedo: np.ndarray,
    mask: np.ndarray,
    x: int,
    y: int,
    color: Color,
    opacity: float,
    mod: np.ndarray | None = None,
) -> None:
    """Paint ``color`` over ``albedo`` with opacity ``mask * opacity * mod`` at (x, y)."""
    mh, mw = mask.shape
    ah, aw = albedo.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + mw, aw), min(y + mh, ah)
    if x0 >= x1 or y0 >= y1:
        return
    alpha = mask[y0 - y : y1 - y, x0 - x : x1 - x] * np.float32(opacity)
    if mod is not None:
        alpha = alpha * mod[y0 - y : y1 - y, x0 - x : x1 - x]
    roi = albedo[y0:y1, x0:x1]
    roi += alpha[..., None] * (np.asarray(color, np.float32) - roi)


def _draw_rulings(
    rng: np.random.Generator, albedo: np.ndarray, layout: Layout, paper: PaperStyle
) -> None:
    if paper.rule == "plain":
        return
    h = layout.digit_height
    if layout.aligned and layout.baselines:
        _, _, y_at0, _ = layout.baselines[0]
        phase_y = y_at0 + 0.03 * h  # writing sits on the line
    else:
        phase_y = rng.uniform(0, paper.pitch)
    x0 = min(d.x for d in layout.digits)
    phase_x = x0 - rng.uniform(0.0, 0.5) * paper.pitch
    alpha = rule_alpha(albedo.shape[:2], paper, (phase_x, phase_y))
    _blend(albedo, alpha, 0, 0, paper.rule_color, 1.0)
    margin_x = x0 - h * rng.uniform(0.6, 2.5)
    if paper.margin_line and margin_x > 0.03 * albedo.shape[1]:
        line = np.full((albedo.shape[0], 1), paper.rule_strength, np.float32)
        width = max(1, int(round(paper.rule_width)))
        _blend(albedo, np.repeat(line, width, axis=1), int(margin_x), 0, MARGIN_COLOR, 1.0)


def _add_desk(
    rng: np.random.Generator,
    sheet: Sheet,
    kind: str | None,
    rect: tuple[float, float, float, float] | None,
) -> None:
    width, height = sheet.size
    diag = float(np.hypot(width, height))
    angle = rng.uniform(0, 2 * np.pi)
    offset = diag * rng.uniform(0.002, 0.01)
    sheet.drop_shadow = (
        float(offset * np.cos(angle)),
        float(offset * np.sin(angle)),
        float(diag * rng.uniform(0.003, 0.012)),
        float(rng.uniform(0.15, 0.45)),
    )
    if kind is None:
        return
    if rect is None:
        rect = (-0.5 * width, -0.5 * height, 1.5 * width, 1.5 * height)
    x0, y0, x1, y1 = rect
    scale = max(1.0, max(x1 - x0, y1 - y0) / 1200.0)
    shape = (
        max(2, int(np.ceil((y1 - y0) / scale)) + 1),
        max(2, int(np.ceil((x1 - x0) / scale)) + 1),
    )
    sheet.desk = cv2.convertScaleAbs(desk_texture(rng, shape, kind), alpha=255.0)
    sheet.desk_origin = (float(x0), float(y0))
    sheet.desk_scale = float(scale)


# --------------------------------------------------------------------------- convenience sheet


def make_sheet(
    rng: np.random.Generator,
    glyphs: GlyphSource,
    *,
    n_digits: int = 8,
    digit_height: float = 60.0,
    paper: PaperStyle | None = None,
    ink: InkStyle | None = None,
    paper_size: tuple[int, int] | None = None,
    n_marks: int = 0,
    mark_kinds: dict[str, float] | None = None,
    desk: str | None = "wood",
    touch_prob: float = 0.05,
    broken_prob: float = 0.02,
    slant: float = 2.0,
    style: GlyphStyle | None = None,
) -> Sheet:
    """Write digits on a sheet of paper (a random layout at a given size).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    glyphs : GlyphSource
        Where the digit shapes come from.
    n_digits : int, default 8
        Digits wanted; fewer are written if they do not fit on the paper.
    digit_height : float, default 60
        Typical digit height in sheet pixels.
    paper : PaperStyle, optional
        Default: plain white paper.
    ink : InkStyle, optional
        Default: a random ballpoint pen.
    paper_size : tuple of int, optional
        ``(width, height)``; default: the rows plus random margins, grown to
        A4 proportions.
    n_marks : int, default 0
        Stray non-digit marks to add.
    mark_kinds : dict, optional
        Odds of each mark kind.
    desk : str or None, default 'wood'
        Surface around the paper (see :func:`samples.paper.desk_texture`).
    touch_prob, broken_prob, slant
        See :func:`plan_layout`.
    style : GlyphStyle, optional
        The writer; random if None.

    Returns
    -------
    Sheet
    """
    h = float(digit_height)
    paper = paper or sample_paper(rng, "white", "plain", h)
    ink = ink or sample_ink(rng, "ballpoint")
    style = style or glyphs.sample_style(rng)
    row_pitch = None
    if paper.rule != "plain":
        row_pitch = math.ceil(1.3 * h / paper.pitch) * paper.pitch
    margin = max(h, 0.06 * max(paper_size)) if paper_size is not None else 0.0
    if paper_size is not None:
        max_size = (paper_size[0] - 2 * margin, paper_size[1] - 2 * margin)
    else:
        max_size = (h * rng.uniform(6, 14), h * rng.uniform(4, 10))
    layout = plan_layout(
        rng,
        glyphs,
        n_digits=n_digits,
        digit_height=h,
        max_size=max_size,
        ink=ink,
        style=style,
        row_pitch=row_pitch,
        slant=slant,
        touch_prob=touch_prob,
        broken_prob=broken_prob,
    )
    _, _, bw, bh = layout.bounds
    if paper_size is None:
        rect = _grow_to_aspect(
            rng, _margins(rng, (0, 0, bw, bh), h, 1.0, 3.0), rng.choice([0.707, 1.414])
        )
        paper_size = (rect[2] - rect[0], rect[3] - rect[1])
        origin = (-rect[0], -rect[1])
    else:
        origin = tuple(
            int(rng.uniform(min(margin, room / 2), max(room - margin, room / 2)))
            for room in (paper_size[0] - bw, paper_size[1] - bh)
        )
    return render_sheet(
        rng,
        layout,
        paper_size=paper_size,
        origin=origin,
        paper=paper,
        ink=ink,
        glyphs=glyphs,
        style=style,
        n_marks=n_marks,
        mark_kinds=mark_kinds,
        desk=desk,
    )


def _margins(
    rng: np.random.Generator, bounds: tuple[int, int, int, int], h: float, lo: float, hi: float
) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    ml, mt, mr, mb = h * rng.uniform(lo, hi, 4)
    return (x0 - ml, y0 - mt, x1 + mr, y1 + mb)


def _grow_to_aspect(
    rng: np.random.Generator, rect: tuple[float, float, float, float], aspect: float
) -> tuple[int, int, int, int]:
    """Enlarge ``rect`` (x0, y0, x1, y1) to width/height ``aspect``, integer bounds."""
    x0, y0, x1, y1 = rect
    w, h = x1 - x0, y1 - y0
    u = rng.uniform(0.2, 0.8)
    if w / h < aspect:
        extra = aspect * h - w
        x0, x1 = x0 - extra * u, x1 + extra * (1 - u)
    else:
        extra = w / aspect - h
        y0, y1 = y0 - extra * u, y1 + extra * (1 - u)
    return (math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1))


# --------------------------------------------------------------------------- photograph


def photograph(
    sheet: Sheet,
    rng: np.random.Generator,
    *,
    size: tuple[int, int] = (640, 480),
    condition: str = "webcam",
    camera: Camera | None = None,
    pose: dict | None = None,
    homography: np.ndarray | None = None,
) -> Photo:
    """Take a photo of a sheet.

    Parameters
    ----------
    sheet : Sheet
        What is photographed.
    rng : numpy.random.Generator
        Source of randomness (framing, camera settings when not given, noise).
    size : tuple of int, default (640, 480)
        ``(width, height)`` of the image.
    condition : str, default 'webcam'
        Preset from which missing settings are drawn (``PRESETS``).
    camera : Camera, optional
        Lighting/optics/sensor settings; drawn from the preset if None.
        ``Camera()`` is an ideal flat scan.
    pose : dict, optional
        Camera pose, see :func:`samples.camera.pose_homography`, e.g.
        ``dict(center=(x, y), scale=0.8, angle=5, tilt=(10, 0))``.  For video,
        pass a smooth sequence of poses with a fixed ``camera``.
    homography : numpy.ndarray, optional
        3x3 map from sheet to image pixels; overrides ``pose``.  With neither,
        a random framing of the digits is drawn from the preset.

    Returns
    -------
    Photo
    """
    preset = _preset(condition)
    size = (int(size[0]), int(size[1]))
    if homography is not None:
        hom = np.asarray(homography, np.float64)
    elif pose is not None:
        hom = pose_homography(pose, size)
    else:
        hom = _random_framing(rng, sheet, size, preset)
    source, src_hom, masks = _antialiased(sheet, hom)
    truth = [_warped_box(mask, x, y, src_hom, size) for mask, x, y in masks]
    if camera is None:
        heights = [t[0][3] for t in truth if t is not None and not t[1]]
        digit_px = min(heights) if heights else 0.1 * size[1]
        stroke_px = sheet.ink.stroke * digit_px
        camera = sample_camera(rng, preset, size, digit_px, _ink_contrast(sheet), stroke_px)
    scene = _compose(sheet, source, src_hom, hom, size)
    image, jpeg = finish(expose(scene, camera), camera, rng)
    digits, text = _truth_records(sheet, truth)
    return Photo(image, digits, text, condition, hom, camera, jpeg)


def _ink_contrast(sheet: Sheet) -> float:
    """Brightness difference between the pen's strokes and the paper."""
    paper = float(np.mean(sheet.paper.color))
    return abs(paper - float(np.mean(sheet.ink.color))) * sheet.ink.opacity


def _preset(condition: str) -> Preset:
    try:
        return PRESETS[condition]
    except KeyError:
        raise ValueError(
            f"unknown condition {condition!r}; choose from {', '.join(PRESETS)}"
        ) from None


def _antialiased(
    sheet: Sheet, hom: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, float, float]]]:
    """Shrink the sheet first when the camera sees it much smaller (avoids aliasing).

    Returns the source image, the homography from it to the photo, and each
    digit's mask with its position in the source image.
    """
    masks = [(d.mask, float(d.x), float(d.y)) for d in sheet.digits]
    if sheet.digits:
        boxes = np.array([d.box() for d in sheet.digits], np.float64)
        center = ((boxes[:, 0] + boxes[:, 2] / 2).mean(), (boxes[:, 1] + boxes[:, 3] / 2).mean())
    else:
        center = (sheet.size[0] / 2, sheet.size[1] / 2)
    scale = scale_at(hom, center)
    if scale >= 0.7:
        return sheet.image, hom, masks
    width, height = sheet.size
    new_w, new_h = max(2, round(width * scale / 0.9)), max(2, round(height * scale / 0.9))
    fx, fy = new_w / width, new_h / height
    small = cv2.resize(sheet.image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    # INTER_AREA puts small pixel k at sheet coordinate (k + 0.5) / f - 0.5.
    to_sheet = np.array([[1 / fx, 0, 0.5 / fx - 0.5], [0, 1 / fy, 0.5 / fy - 0.5], [0, 0, 1]])
    small_masks = []
    for mask, x, y in masks:
        mh, mw = mask.shape
        resized = cv2.resize(
            mask, (max(1, round(mw * fx)), max(1, round(mh * fy))), interpolation=cv2.INTER_AREA
        )
        small_masks.append((resized, x * fx, y * fy))
    return small, hom @ to_sheet, small_masks


def _warped_box(
    mask: np.ndarray, x: float, y: float, hom: np.ndarray, size: tuple[int, int]
) -> tuple[Box, bool] | None:
    """Tight image box of a mask placed at (x, y) and warped by ``hom``.

    Returns ``(box, partial)`` with the box clipped to the image, or None if
    no ink lands in the image.
    """
    mh, mw = mask.shape
    corners = np.array(
        [
            [x - 0.5, y - 0.5],
            [x + mw - 0.5, y - 0.5],
            [x + mw - 0.5, y + mh - 0.5],
            [x - 0.5, y + mh - 0.5],
        ]
    )
    projected = cv2.perspectiveTransform(corners[None], hom)[0]
    width, height = size
    # Warp only the part within one pixel of the image: ink found in that
    # one-pixel border means the digit continues outside.
    rx0 = max(int(np.floor(projected[:, 0].min())) - 1, -1)
    ry0 = max(int(np.floor(projected[:, 1].min())) - 1, -1)
    rx1 = min(int(np.ceil(projected[:, 0].max())) + 1, width)
    ry1 = min(int(np.ceil(projected[:, 1].max())) + 1, height)
    if rx0 >= rx1 or ry0 >= ry1:
        return None
    to_roi = np.array([[1, 0, -rx0], [0, 1, -ry0], [0, 0, 1]], np.float64)
    at_xy = np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], np.float64)
    warped = cv2.warpPerspective(
        mask,
        to_roi @ hom @ at_xy,
        (rx1 - rx0 + 1, ry1 - ry0 + 1),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    ys, xs = np.nonzero(warped >= INK_LEVEL)
    if xs.size == 0:
        return None
    bx0, bx1 = xs.min() + rx0, xs.max() + rx0
    by0, by1 = ys.min() + ry0, ys.max() + ry0
    partial = bx0 < 0 or by0 < 0 or bx1 >= width or by1 >= height
    bx0, by0 = max(bx0, 0), max(by0, 0)
    bx1, by1 = min(bx1, width - 1), min(by1, height - 1)
    if bx1 < bx0 or by1 < by0:
        return None
    return (int(bx0), int(by0), int(bx1 - bx0 + 1), int(by1 - by0 + 1)), bool(partial)


def _truth_records(sheet: Sheet, truth: list[tuple[Box, bool] | None]) -> tuple[list[dict], str]:
    digits, words = [], []
    for row in sheet.rows:
        word = ""
        for i in row:
            if truth[i] is None:
                continue
            (x, y, w, h), partial = truth[i]
            record = {"x": x, "y": y, "w": w, "h": h, "label": int(sheet.digits[i].label)}
            if partial:
                record["partial"] = True
            else:
                word += str(sheet.digits[i].label)
            digits.append(record)
        if word:
            words.append(word)
    return digits, " ".join(words)


def _compose(
    sheet: Sheet, source: np.ndarray, src_hom: np.ndarray, hom: np.ndarray, size: tuple[int, int]
) -> np.ndarray:
    """Flat scene (reflectance, float32 BGR) of the paper on its desk."""
    paper = cv2.warpPerspective(
        source, src_hom, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    scene = paper.astype(np.float32)
    scene *= np.float32(1.0 / 255.0)
    alpha = _paper_alpha(sheet, hom, size)
    if alpha is None:
        return scene
    back = _desk_view(sheet, hom, size)
    back *= (1.0 - _drop_shadow(sheet, hom, size))[..., None]
    scene -= back
    scene *= alpha[..., None]
    scene += back
    return scene


def _sheet_corners(sheet: Sheet, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    w, h = sheet.size
    return np.array([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]]) + (dx, dy)


def _project(points: np.ndarray, hom: np.ndarray) -> np.ndarray | None:
    """Project points; None if any lies behind the camera or absurdly far."""
    homog = np.column_stack([points, np.ones(len(points))]) @ hom.T
    if np.any(homog[:, 2] <= 1e-9):
        return None
    out = homog[:, :2] / homog[:, 2:3]
    return out if np.all(np.abs(out) < 1e6) else None


def _paper_alpha(sheet: Sheet, hom: np.ndarray, size: tuple[int, int]) -> np.ndarray | None:
    """Coverage of the image by the paper (0..1), or None if it fills the frame."""
    width, height = size
    quad = _project(_sheet_corners(sheet), hom)
    if quad is None:
        ones = np.full(sheet.image.shape[:2], 255, np.uint8)
        alpha = cv2.warpPerspective(ones, hom, size, flags=cv2.INTER_LINEAR, borderValue=0)
        return None if alpha.min() == 255 else alpha.astype(np.float32) / np.float32(255.0)
    contour = quad.astype(np.float32)[:, None, :]
    frame = [(0, 0), (width - 1, 0), (width - 1, height - 1), (0, height - 1)]
    if all(cv2.pointPolygonTest(contour, (float(px), float(py)), True) > 1.0 for px, py in frame):
        return None
    return _fill_quad(quad, size)


def _fill_quad(quad: np.ndarray, size: tuple[int, int], shrink: float = 1.0) -> np.ndarray:
    width, height = size
    w, h = max(1, round(width / shrink)), max(1, round(height / shrink))
    canvas = np.zeros((h, w), np.uint8)
    # pixel centres: image x maps to canvas (x + 0.5) / shrink - 0.5
    pts = ((quad + 0.5) / shrink - 0.5) * (1 << _SUBPIXEL)
    cv2.fillConvexPoly(canvas, np.round(pts).astype(np.int32), 255, cv2.LINE_AA, _SUBPIXEL)
    return canvas.astype(np.float32) / np.float32(255.0)


def _desk_view(sheet: Sheet, hom: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    if sheet.desk is None:
        return np.full((height, width, 3), 0.45, np.float32)
    s = sheet.desk_scale
    ox, oy = sheet.desk_origin
    desk_to_sheet = np.array([[s, 0, ox], [0, s, oy], [0, 0, 1]], np.float64)
    # The desk texture is coarse anyway: warp it at reduced size, then enlarge.
    shrink = max(1.0, max(size) / 1600.0)
    small = (max(1, round(width / shrink)), max(1, round(height / shrink)))
    to_small = np.array(
        [[small[0] / width, 0, 0], [0, small[1] / height, 0], [0, 0, 1]], np.float64
    )
    view = cv2.warpPerspective(
        sheet.desk,
        to_small @ hom @ desk_to_sheet,
        small,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    if small != (width, height):
        view = cv2.resize(view, (width, height), interpolation=cv2.INTER_LINEAR)
    out = view.astype(np.float32)
    out *= np.float32(1.0 / 255.0)
    return out


def _drop_shadow(sheet: Sheet, hom: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Darkening (0..1) of the desk by the paper's own shadow."""
    dx, dy, blur, strength = sheet.drop_shadow
    width, height = size
    quad = _project(_sheet_corners(sheet, dx, dy), hom)
    if quad is None or strength <= 0:
        return np.zeros((height, width), np.float32)
    shrink = max(1.0, max(size) / 800.0)  # a soft shadow needs no full resolution
    small = _fill_quad(quad, size, shrink)
    sigma = max(blur * scale_at(hom, tuple(_sheet_corners(sheet).mean(axis=0))) / shrink, 0.5)
    small = cv2.GaussianBlur(small, (0, 0), sigma) * np.float32(strength)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def _random_framing(
    rng: np.random.Generator, sheet: Sheet, size: tuple[int, int], preset: Preset
) -> np.ndarray:
    """A random pose from the preset that keeps all digits in the frame."""
    if sheet.digits:
        boxes = np.array([d.box() for d in sheet.digits], np.float64)
        bounds = (
            boxes[:, 0].min(),
            boxes[:, 1].min(),
            (boxes[:, 0] + boxes[:, 2]).max(),
            (boxes[:, 1] + boxes[:, 3]).max(),
        )
    else:
        bounds = (0.0, 0.0, float(sheet.size[0]), float(sheet.size[1]))
    width, height = size
    bw, bh = bounds[2] - bounds[0], bounds[3] - bounds[1]
    zoom = min(width / bw, height / bh) * rng.uniform(0.5, 0.85)
    return _fit_in_frame(_random_pose(rng, preset, bounds, zoom), bounds, size, rng.random(2))


def _random_pose(rng: np.random.Generator, preset: Preset, bounds, zoom: float) -> dict:
    x0, y0, x1, y1 = bounds
    return {
        "center": ((x0 + x1) / 2, (y0 + y1) / 2),
        "scale": float(zoom),
        "angle": float(rng.uniform(-preset.angle, preset.angle)),
        "tilt": (
            float(rng.uniform(-preset.tilt, preset.tilt)),
            float(rng.uniform(-preset.tilt, preset.tilt)),
        ),
    }


def _fit_in_frame(
    pose: dict, bounds, size: tuple[int, int], placement: tuple[float, float], margin: float = 0.03
) -> np.ndarray:
    """Shrink the pose's scale until ``bounds`` fits in the frame, then place it.

    ``placement`` (0..1 each) says where in the free room the bounds go:
    (0, 0) top-left, (1, 1) bottom-right.
    """
    width, height = size
    x0, y0, x1, y1 = bounds
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    pose = dict(pose)
    u, v = placement
    mx, my = margin * width + 2, margin * height + 2
    for _ in range(30):
        hom = pose_homography(pose, size)
        pts = _project(corners, hom)
        if pts is not None:
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            room_x = (width - mx - hi[0], lo[0] - mx)  # free space right, left
            room_y = (height - my - hi[1], lo[1] - my)
            if min(room_x[0] + room_x[1], room_y[0] + room_y[1]) >= 0:
                dx = -room_x[1] + u * (room_x[0] + room_x[1])
                dy = -room_y[1] + v * (room_y[0] + room_y[1])
                pose["shift"] = (dx, dy)
                return pose_homography(pose, size)
        pose["scale"] *= 0.92
    return pose_homography(pose, size)


# --------------------------------------------------------------------------- generate


def generate(
    rng: np.random.Generator,
    glyphs: GlyphSource,
    condition: str = "webcam",
    size: tuple[int, int] | None = None,
) -> Photo:
    """Draw a random sheet and photo for a named condition.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the same state gives the same photo.
    glyphs : GlyphSource
        Where the digit shapes come from.
    condition : str, default 'webcam'
        'clean', 'webcam' or 'hard' (see :mod:`samples.presets`).
    size : tuple of int, optional
        ``(width, height)``; drawn from the preset's sizes if None.

    Returns
    -------
    Photo
        All digits are fully in the frame.
    """
    preset = _preset(condition)
    if size is None:
        weights = np.asarray(preset.size_weights, np.float64)
        size = preset.sizes[int(rng.choice(len(preset.sizes), p=weights / weights.sum()))]
    size = (int(size[0]), int(size[1]))
    width, height = size

    zoom = uniform(rng, preset.zoom) * max(1.0, max(size) / 1600.0) ** 0.5
    lo = max(preset.min_digit_px, preset.digit_height[0] * height)
    hi = max(1.2 * lo, preset.digit_height[1] * height)
    h = float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) / zoom  # sheet px

    paper, ink = _sample_materials(rng, preset, h)
    style = glyphs.sample_style(rng)
    row_pitch = None
    if paper.rule != "plain" and rng.random() < 0.8:
        row_pitch = math.ceil(1.3 * h / paper.pitch) * paper.pitch
    angle = math.radians(preset.angle)
    fit = 0.9 / (1.0 + math.sin(angle))
    layout = plan_layout(
        rng,
        glyphs,
        n_digits=int(rng.integers(preset.n_digits[0], preset.n_digits[1] + 1)),
        digit_height=h,
        max_size=(fit * width / zoom, fit * height / zoom),
        ink=ink,
        style=style,
        row_pitch=row_pitch,
        slant=preset.row_slant,
        touch_prob=preset.touch_prob,
        broken_prob=preset.broken_prob,
    )
    bounds = layout.bounds
    hom_block = _fit_in_frame(_random_pose(rng, preset, bounds, zoom), bounds, size, rng.random(2))
    view = _footprint(hom_block, size, bounds)
    fill = rng.random() < preset.fill_prob
    x0, y0, x1, y1 = _paper_rect(rng, bounds, view, h, fill, paper.kind)
    # Few digits come with few stray marks, so the marks do not take over the picture.
    n_marks = min(
        int(rng.integers(preset.marks[0], preset.marks[1] + 1)), 1 + len(layout.digits) // 2
    )
    sheet = render_sheet(
        rng,
        layout,
        paper_size=(x1 - x0, y1 - y0),
        origin=(-x0, -y0),
        paper=paper,
        ink=ink,
        glyphs=glyphs,
        style=style,
        n_marks=n_marks,
        mark_kinds=preset.mark_kinds,
        desk=None if fill else choose(rng, preset.desk),
        desk_rect=(view[0] - x0, view[1] - y0, view[2] - x0, view[3] - y0),
    )
    to_block = np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1]], np.float64)
    return photograph(sheet, rng, size=size, condition=condition, homography=hom_block @ to_block)


def _sample_materials(
    rng: np.random.Generator, preset: Preset, h: float
) -> tuple[PaperStyle, InkStyle]:
    if rng.random() < preset.inverted_prob:
        paper = sample_paper(rng, choose(rng, preset.dark_paper), "plain", h)
        ink = sample_ink(rng, "light" if paper.kind == "canvas" else "chalk")
    else:
        paper = sample_paper(rng, choose(rng, preset.paper), choose(rng, preset.rule), h)
        ink = sample_ink(rng, choose(rng, preset.ink), light=rng.random() < preset.light_ink_prob)
    return paper, _ensure_contrast(paper, ink)


def _ensure_contrast(paper: PaperStyle, ink: InkStyle) -> InkStyle:
    """Make faint pens (light pencil on grey paper) just visible: raise opacity, then darken."""
    gap = abs(float(np.mean(paper.color)) - float(np.mean(ink.color)))
    if gap * ink.opacity >= MIN_INK_CONTRAST:
        return ink
    if gap >= MIN_INK_CONTRAST:
        return replace(ink, opacity=MIN_INK_CONTRAST / gap)
    target = float(np.mean(paper.color)) + (
        -MIN_INK_CONTRAST if not paper.dark else MIN_INK_CONTRAST
    )
    shift = target - float(np.mean(ink.color))
    color = tuple(float(np.clip(c + shift, 0.0, 1.0)) for c in ink.color)
    return replace(ink, color=color, opacity=1.0)


def _footprint(hom: np.ndarray, size: tuple[int, int], bounds) -> tuple[float, float, float, float]:
    """Box (x0, y0, x1, y1) in sheet coordinates of what the camera sees, a little enlarged."""
    width, height = size
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    pts = _project(frame, np.linalg.inv(hom))
    if pts is None:  # horizon in view: bound by a generous box around the digits
        x0, y0, x1, y1 = bounds
        d = 2 * max(x1 - x0, y1 - y0)
        return (x0 - d, y0 - d, x1 + d, y1 + d)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.03 * (hi - lo).max()
    return (lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad)


def _paper_rect(
    rng: np.random.Generator, bounds, view, h: float, fill: bool, kind: str
) -> tuple[int, int, int, int]:
    """Paper extent in block coordinates: around the digits, never needlessly beyond the view."""
    bx0, by0, bx1, by1 = bounds
    m = 0.35 * h
    need = (bx0 - m, by0 - m, bx1 + m, by1 + m)
    if fill:
        rect = view
    else:
        aspect = 1.0 if kind == "sticky" else float(rng.choice([0.707, 1.414, 1.6, 0.625, 1.0]))
        rect = _grow_to_aspect(rng, _margins(rng, bounds, h, 0.4, 3.5), aspect)
        rect = (
            max(rect[0], view[0]),
            max(rect[1], view[1]),
            min(rect[2], view[2]),
            min(rect[3], view[3]),
        )
    rect = (
        min(rect[0], need[0]),
        min(rect[1], need[1]),
        max(rect[2], need[2]),
        max(rect[3], need[3]),
    )
    return (math.floor(rect[0]), math.floor(rect[1]), math.ceil(rect[2]), math.ceil(rect[3]))


# --------------------------------------------------------------------------- files and CLI


def write_sheet_set(
    folder: str | os.PathLike,
    n: int,
    condition: str,
    seed: int,
    glyphs: GlyphSource,
    size: tuple[int, int] | None = None,
    progress: bool = True,
) -> list[dict]:
    """Write ``n`` generated photos and their ground truth to a folder.

    Image ``i`` depends only on ``(seed, i)``, so a set is reproducible and
    a longer set starts with the images of a shorter one.

    Parameters
    ----------
    folder : str or os.PathLike
        Output folder (created if needed).
    n : int
        Number of images.
    condition : str
        Preset name.
    seed : int
        Non-negative seed.
    glyphs : GlyphSource
        Where the digit shapes come from.
    size : tuple of int, optional
        ``(width, height)`` of every image; drawn per image if None.
    progress : bool, default True
        Show a progress bar on standard error.

    Returns
    -------
    list of dict
        The records written to ``truth.jsonl``: ``{"image": "000.jpg",
        "text": ..., "digits": [{"x", "y", "w", "h", "label"}, ...],
        "condition": ...}``.
    """
    _preset(condition)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    digits = max(3, len(str(max(n - 1, 0))))
    records = []
    for i in tqdm(range(n), desc=f"{condition} photos", unit="img", disable=not progress):
        photo = generate(np.random.default_rng([int(seed), i]), glyphs, condition, size)
        name = f"{i:0{digits}d}.jpg"
        data = photo.jpeg
        if data is None:
            data = cv2.imencode(".jpg", photo.image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
        (out / name).write_bytes(data)
        records.append(
            {"image": name, "text": photo.text, "digits": photo.digits, "condition": condition}
        )
    with open(out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")
    return records


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, not {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (32 <= width <= 20000 and 32 <= height <= 20000):
        raise argparse.ArgumentTypeError(f"size {width}x{height} out of range 32..20000")
    return width, height


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m samples.sheets",
        description="Generate photos of handwritten digits on paper with ground-truth boxes "
        "(NNN.jpg plus truth.jsonl) for tests and benchmarks.",
    )
    parser.add_argument("out_dir", help="output folder (created if needed)")
    parser.add_argument(
        "--condition", choices=CONDITIONS, default="webcam", help="preset (default: webcam)"
    )
    parser.add_argument(
        "--count", type=whole_number(1), default=20, help="number of images (default: 20)"
    )
    parser.add_argument("--seed", type=whole_number(0), default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--size",
        type=_parse_size,
        default=None,
        help="image size WxH, e.g. 1280x720 (default: drawn per image)",
    )
    parser.add_argument(
        "--mnist-dir",
        default=None,
        help="folder with the MNIST test files (default: MNIST_DIR or the MNIST cache)",
    )
    parser.add_argument(
        "--no-fonts", action="store_true", help="use MNIST digits only, no handwriting fonts"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _cli_glyphs(mnist_dir: str | None, use_fonts: bool) -> GlyphSource:
    if mnist_dir is not None and not os.path.isdir(mnist_dir):
        raise ValueError(f"--mnist-dir {mnist_dir} is not a folder")
    data = load_mnist_digits(mnist_dir)
    if data is None and mnist_dir is not None:
        raise ValueError(f"no MNIST test files (t10k-*-ubyte[.gz]) readable in {mnist_dir}")
    if data is None:
        if not use_fonts:
            raise ValueError("MNIST not found: pass --mnist-dir DIR or set MNIST_DIR")
        print(
            "note: MNIST not found (use --mnist-dir or MNIST_DIR); using handwriting fonts only",
            file=sys.stderr,
        )
        return GlyphSource(fonts=True)
    return GlyphSource(data[0], data[1], fonts=use_fonts)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        glyphs = _cli_glyphs(args.mnist_dir, not args.no_fonts)
        write_sheet_set(
            args.out_dir,
            args.count,
            args.condition,
            args.seed,
            glyphs,
            args.size,
            progress=not args.quiet,
        )
    except (OSError, ValueError) as exc:
        print(f"{parser.prog}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
