"""Paper, printed rulings, ink and desk surfaces for the sample sheets.

Colours are BGR triples of reflectance in 0..1.  Everything here is flat (in
the coordinates of the sheet or the desk); lighting and the camera come later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

__all__ = [
    "DESK_KINDS",
    "INK_KINDS",
    "PAPER_KINDS",
    "InkKind",
    "InkStyle",
    "PaperKind",
    "PaperStyle",
    "desk_texture",
    "fractal_noise",
    "ink_modulation",
    "paper_albedo",
    "rule_alpha",
    "sample_ink",
    "sample_paper",
    "smooth_noise",
]

Color = tuple[float, float, float]


class PaperKind(NamedTuple):
    """Base look of a kind of paper (see :data:`PAPER_KINDS`)."""

    color: Color  # BGR reflectance
    jitter: float  # random change of the colour
    texture: float  # amplitude of slow blotches
    grain: float  # amplitude of fine grain
    dark: bool  # a dark surface written on with light strokes


class InkKind(NamedTuple):
    """Base look of a kind of pen (see :data:`INK_KINDS`)."""

    colors: tuple[Color, ...]  # the first two (black, blue) are the most common
    stroke: tuple[float, float]  # stroke width range, as a fraction of the digit height
    opacity: tuple[float, float]
    grain: float  # stroke texture
    bleed: float  # edge softening in pixels


PAPER_KINDS: dict[str, PaperKind] = {
    "white": PaperKind((0.94, 0.95, 0.95), 0.03, 0.012, 0.012, False),
    "cream": PaperKind((0.80, 0.90, 0.94), 0.03, 0.015, 0.015, False),
    "sticky": PaperKind((0.42, 0.88, 0.97), 0.04, 0.015, 0.012, False),
    "grey": PaperKind((0.74, 0.75, 0.76), 0.04, 0.02, 0.02, False),
    "kraft": PaperKind((0.50, 0.63, 0.74), 0.04, 0.04, 0.03, False),
    "blackboard": PaperKind((0.17, 0.24, 0.16), 0.03, 0.08, 0.02, True),
    "slate": PaperKind((0.12, 0.12, 0.13), 0.02, 0.06, 0.02, True),
    "canvas": PaperKind((0.02, 0.02, 0.02), 0.01, 0.0, 0.0, True),
}

_BLACK, _BLUE, _DARK_BLUE = (0.12, 0.12, 0.12), (0.55, 0.22, 0.12), (0.45, 0.15, 0.08)
_RED, _PURPLE, _GREEN = (0.15, 0.15, 0.70), (0.45, 0.20, 0.35), (0.20, 0.40, 0.10)
INK_KINDS: dict[str, InkKind] = {
    "ballpoint": InkKind(
        (_BLACK, _BLUE, _DARK_BLUE, _PURPLE, _RED), (0.025, 0.06), (0.75, 0.95), 0.2, 0.0
    ),
    "gel": InkKind((_BLACK, _BLUE, _DARK_BLUE), (0.035, 0.075), (0.9, 1.0), 0.05, 0.0),
    "marker": InkKind((_BLACK, _BLUE, _RED, _GREEN), (0.08, 0.15), (0.95, 1.0), 0.04, 0.6),
    "pencil": InkKind(
        ((0.36, 0.35, 0.34), (0.45, 0.45, 0.44)), (0.03, 0.065), (0.45, 0.85), 0.6, 0.4
    ),
    "chalk": InkKind(
        ((0.90, 0.92, 0.92), (0.70, 0.90, 0.95)), (0.06, 0.12), (0.75, 0.95), 0.6, 0.7
    ),
    "light": InkKind(((1.0, 1.0, 1.0),), (0.08, 0.15), (1.0, 1.0), 0.0, 0.3),
}

RULE_COLORS: tuple[Color, ...] = (
    (0.90, 0.74, 0.55),
    (0.85, 0.70, 0.60),
    (0.62, 0.62, 0.62),
    (0.75, 0.78, 0.62),
)
MARGIN_COLOR: Color = (0.45, 0.45, 0.88)

DESK_KINDS = ("wood", "pad", "cloth", "desk", "dark")
_TEXTURE_PX = 1024  # slow paper variations are built at about this size


@dataclass(frozen=True)
class PaperStyle:
    """Look of the paper.

    Attributes
    ----------
    kind : str
        Key of :data:`PAPER_KINDS`.
    color : tuple of float
        BGR reflectance.
    rule : str
        'plain', 'ruled', 'grid' or 'dotted'.
    rule_color : tuple of float
        BGR colour of the printed lines.
    pitch : float
        Spacing of the printed lines in sheet pixels.
    rule_width : float
        Width of the printed lines in sheet pixels.
    rule_strength : float
        Opacity of the printed lines.
    margin_line : bool
        Whether ruled paper has a red vertical margin line.
    texture : float
        Amplitude of the low-frequency blotches.
    grain : float
        Amplitude of the fine grain.
    folds : int
        Number of creases across the paper.
    """

    kind: str = "white"
    color: Color = (0.94, 0.95, 0.95)
    rule: str = "plain"
    rule_color: Color = RULE_COLORS[0]
    pitch: float = 40.0
    rule_width: float = 1.5
    rule_strength: float = 0.6
    margin_line: bool = False
    texture: float = 0.02
    grain: float = 0.01
    folds: int = 0

    @property
    def dark(self) -> bool:
        """Whether the surface is dark (light strokes on it)."""
        return PAPER_KINDS[self.kind].dark


@dataclass(frozen=True)
class InkStyle:
    """Look of the writing.

    Attributes
    ----------
    kind : str
        Key of :data:`INK_KINDS`.
    color : tuple of float
        BGR colour.
    stroke : float
        Stroke width as a fraction of the digit height.
    opacity : float
        Peak opacity of a stroke.
    grain : float
        Strength of the stroke's texture (pencil and chalk are grainy).
    bleed : float
        Softening of the stroke's edge in pixels.
    """

    kind: str = "ballpoint"
    color: Color = (0.13, 0.12, 0.12)
    stroke: float = 0.05
    opacity: float = 0.9
    grain: float = 0.2
    bleed: float = 0.0


def _jitter_color(rng: np.random.Generator, color: Color, amount: float) -> Color:
    shade = rng.uniform(-amount, amount)
    tint = rng.uniform(-amount / 2, amount / 2, 3)
    return tuple(float(np.clip(c + shade + t, 0.0, 1.0)) for c, t in zip(color, tint))


def sample_paper(rng: np.random.Generator, kind: str, rule: str, digit_height: float) -> PaperStyle:
    """Pick a random paper of a given kind and ruling.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    kind : str
        Key of :data:`PAPER_KINDS`.
    rule : str
        'plain', 'ruled', 'grid' or 'dotted'.
    digit_height : float
        Typical digit height in sheet pixels; the line pitch follows it.

    Returns
    -------
    PaperStyle
    """
    base, jitter, texture, grain, dark = PAPER_KINDS[kind]
    if dark:
        rule = "plain"
    if rule == "ruled":
        pitch = digit_height * rng.uniform(1.05, 1.7)
    else:  # squares of about 5 mm: digits span one or two cells
        pitch = digit_height * rng.uniform(0.55, 1.15)
    rule_color = RULE_COLORS[int(rng.integers(len(RULE_COLORS)))]
    return PaperStyle(
        kind=kind,
        color=_jitter_color(rng, base, jitter),
        rule=rule,
        rule_color=_jitter_color(rng, rule_color, 0.05),
        pitch=float(pitch),
        rule_width=float(max(1.0, digit_height * rng.uniform(0.015, 0.035))),
        rule_strength=float(rng.uniform(0.35, 0.85)),
        margin_line=bool(rule == "ruled" and rng.random() < 0.4),
        texture=float(texture * rng.uniform(0.5, 1.5)),
        grain=float(grain * rng.uniform(0.5, 1.5)),
        folds=int(rng.choice(3, p=[0.75, 0.18, 0.07])) if kind != "canvas" else 0,
    )


def sample_ink(rng: np.random.Generator, kind: str, light: bool = False) -> InkStyle:
    """Pick a random pen of a given kind.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    kind : str
        Key of :data:`INK_KINDS`.
    light : bool, default False
        Whether to make the ink faint (low opacity).

    Returns
    -------
    InkStyle
    """
    colors, stroke, opacity, grain, bleed = INK_KINDS[kind]
    # Dark inks are mostly black or blue; other colours are rare.
    weights = np.array([4.0, 4.0] + [1.0] * (len(colors) - 2))[: len(colors)]
    color = colors[int(rng.choice(len(colors), p=weights / weights.sum()))]
    alpha = rng.uniform(*opacity)
    if light:
        alpha = max(alpha * rng.uniform(0.5, 0.8), 0.4)
    return InkStyle(
        kind=kind,
        color=_jitter_color(rng, color, 0.04),
        stroke=float(rng.uniform(*stroke)),
        opacity=float(alpha),
        grain=float(grain),
        bleed=float(bleed),
    )


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Smooth random field with features about ``cell`` pixels across.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        ``(height, width)``.
    cell : float
        Feature size in pixels (1 for white noise).

    Returns
    -------
    numpy.ndarray
        ``float32`` field with zero mean and unit standard deviation.
    """
    h, w = shape
    cell = max(float(cell), 1.0)
    gh, gw = int(h / cell) + 3, int(w / cell) + 3
    grid = rng.standard_normal((gh, gw), dtype=np.float32)
    if cell == 1.0:
        field = grid[:h, :w]
    else:
        field = cv2.resize(grid, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
        off = int(cell)
        field = field[off : off + h, off : off + w]
    sample = field[::7, ::7]  # statistics from a subsample: same result, far cheaper
    std = float(sample.std())
    field = field - np.float32(sample.mean())
    field *= np.float32(1.0 / std if std > 0 else 1.0)
    return field


def fractal_noise(
    rng: np.random.Generator, shape: tuple[int, int], cell: float, octaves: int = 3
) -> np.ndarray:
    """Sum of :func:`smooth_noise` octaves, each half the size and weight.

    Returns
    -------
    numpy.ndarray
        ``float32`` field, about unit standard deviation.
    """
    total = np.zeros(shape, np.float32)
    norm = 0.0
    for octave in range(octaves):
        weight = 0.5**octave
        total += np.float32(weight) * smooth_noise(rng, shape, cell / 2**octave)
        norm += weight**2
    return total / np.float32(np.sqrt(norm))


def paper_albedo(rng: np.random.Generator, shape: tuple[int, int], style: PaperStyle) -> np.ndarray:
    """Flat paper with blotches and grain, without rulings.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        ``(height, width)`` in sheet pixels.
    style : PaperStyle
        The paper.

    Returns
    -------
    numpy.ndarray
        ``float32`` BGR image ``(height, width, 3)``.
    """
    h, w = shape
    # Slow variations are built on a coarser grid and upscaled once.
    step = max(1, int(max(h, w) / _TEXTURE_PX))
    coarse = (max(2, -(-h // step)), max(2, -(-w // step)))
    low = np.zeros(coarse, np.float32)
    if style.texture > 0:
        low += np.float32(style.texture) * fractal_noise(rng, coarse, max(coarse) / 4)
    if style.kind in ("blackboard", "slate"):
        low += _chalk_dust(rng, coarse, style)
    for _ in range(style.folds):
        low += _fold(rng, coarse)
    shade = cv2.resize(low, (w, h), interpolation=cv2.INTER_LINEAR)
    shade += np.float32(1.0)
    if style.texture > 0:  # fibres: faint streaks a few pixels long
        shade += np.float32(style.texture * 0.4) * _streaks(rng, shape, 3.0, 14.0)
    if style.grain > 0:
        shade += np.float32(style.grain) * smooth_noise(rng, shape, 1.5)
    color = np.asarray(style.color, np.float32)
    return shade[..., None] * color


def _streaks(
    rng: np.random.Generator, shape: tuple[int, int], across: float, along: float
) -> np.ndarray:
    """Noise stretched horizontally: features ``along`` by ``across`` pixels."""
    h, w = shape
    small = rng.standard_normal((int(h / across) + 2, int(w / along) + 2), dtype=np.float32)
    field = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    field *= np.float32(1.0 / max(float(field[::7, ::7].std()), 1e-6))
    return field


def _chalk_dust(rng: np.random.Generator, shape: tuple[int, int], style: PaperStyle) -> np.ndarray:
    """Light smears left by wiped chalk, relative to the board's brightness."""
    h, w = shape
    wipes = np.clip(fractal_noise(rng, shape, max(h, w) / 4), 0.0, None)
    streaks = np.clip(_streaks(rng, shape, max(h, w) / 25, max(h, w) / 3), 0.0, None)
    dust = (0.6 * wipes + 0.25 * wipes * streaks) * rng.uniform(0.2, 0.8)
    return (dust * 0.12 / max(float(np.mean(style.color)), 0.05)).astype(np.float32)


def _fold(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Shading of a crease: one side tilts away from the light, the ridge catches it."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    nx, ny = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    dist = (xx - rng.uniform(0.2, 0.8) * w) * nx + (yy - rng.uniform(0.2, 0.8) * h) * ny
    side = np.float32(-rng.uniform(0.02, 0.07)) / (
        1.0 + np.exp(np.clip(-dist / np.float32(1.5), -50, 50))
    )
    ridge = np.float32(rng.uniform(-0.04, 0.04)) * np.exp(-((dist / np.float32(1.2)) ** 2))
    return (side + ridge).astype(np.float32)


def rule_alpha(
    shape: tuple[int, int], style: PaperStyle, phase: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """Opacity of the printed rulings (lines, squares or dots).

    Parameters
    ----------
    shape : tuple of int
        ``(height, width)`` in sheet pixels.
    style : PaperStyle
        The paper; ``rule`` selects the pattern.
    phase : tuple of float
        ``(x, y)`` position of one vertical and one horizontal line.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(height, width)`` opacity in 0..1 (zeros for plain
        paper).
    """
    h, w = shape
    canvas = np.zeros(shape, np.uint8)
    if style.rule == "plain":
        return canvas.astype(np.float32)
    shift = 4  # sub-pixel precision of cv2 drawing: coordinates in 1/16 px
    scale = 1 << shift
    thickness = max(1, int(round(style.rule_width)))
    strength = style.rule_strength * min(1.0, style.rule_width)
    ys = np.arange(phase[1] % style.pitch, h, style.pitch)
    xs = np.arange(phase[0] % style.pitch, w, style.pitch)
    if style.rule == "dotted":
        radius = max(1, int(round(style.rule_width * 1.2 * scale)))
        for y in ys:
            for x in xs:
                cv2.circle(
                    canvas, (int(x * scale), int(y * scale)), radius, 255, -1, cv2.LINE_AA, shift
                )
        return canvas.astype(np.float32) * np.float32(strength / 255.0)
    for y in ys:
        cv2.line(
            canvas,
            (0, int(y * scale)),
            (w * scale, int(y * scale)),
            255,
            thickness,
            cv2.LINE_AA,
            shift,
        )
    if style.rule == "grid":
        for x in xs:
            cv2.line(
                canvas,
                (int(x * scale), 0),
                (int(x * scale), h * scale),
                255,
                thickness,
                cv2.LINE_AA,
                shift,
            )
    return canvas.astype(np.float32) * np.float32(strength / 255.0)


def ink_modulation(
    rng: np.random.Generator, shape: tuple[int, int], ink: InkStyle, digit_height: float
) -> np.ndarray:
    """Opacity multiplier of a stroke patch: pressure changes and grain.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        ``(height, width)`` of the patch.
    ink : InkStyle
        The pen.
    digit_height : float
        Typical digit height in pixels (sets the size of pressure changes).

    Returns
    -------
    numpy.ndarray
        ``float32`` multiplier in 0..1.
    """
    pressure = 1.0 - 0.12 * np.abs(smooth_noise(rng, shape, max(digit_height / 3, 2.0)))
    if ink.grain <= 0:
        return np.clip(pressure, 0.0, 1.0)
    grain = smooth_noise(rng, shape, 1.0 if ink.grain > 0.3 else 2.0)
    mod = pressure * (1.0 - ink.grain * 0.45 * (1.0 + np.clip(grain, -1.0, 2.0)) / 2.0)
    return np.clip(mod, 0.05, 1.0).astype(np.float32)


def desk_texture(rng: np.random.Generator, shape: tuple[int, int], kind: str) -> np.ndarray:
    """Surface the paper lies on.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        ``(height, width)``.
    kind : str
        One of :data:`DESK_KINDS`: 'wood', 'pad' (dark mouse pad), 'cloth'
        (coloured fabric), 'desk' (plain laminate) or 'dark' (dark table).

    Returns
    -------
    numpy.ndarray
        ``float32`` BGR image.
    """
    makers = {
        "wood": _wood,
        "pad": _mouse_pad,
        "cloth": _cloth,
        "desk": _laminate,
        "dark": _dark_table,
    }
    return np.clip(makers[kind](rng, shape), 0.0, 1.0).astype(np.float32)


def _wood(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    side = int(np.hypot(h, w)) + 2
    tones = ((0.45, 0.62, 0.78), (0.20, 0.30, 0.45), (0.22, 0.33, 0.55), (0.35, 0.50, 0.62))
    base = np.asarray(_jitter_color(rng, tones[int(rng.integers(len(tones)))], 0.05), np.float32)
    y = np.arange(side, dtype=np.float32)[:, None]
    period = side * rng.uniform(0.02, 0.06)
    # Growth rings: bent by slow noise, unevenly spaced, with soft dark lines.
    bend = smooth_noise(rng, (side, side), side / 3) * np.float32(period * 1.5)
    phase = (
        y + bend + smooth_noise(rng, (side, side), side / 8) * np.float32(period * 0.3)
    ) / np.float32(period)
    rings = np.abs(np.sin(phase * np.float32(np.pi))) ** 6  # narrow late-wood lines
    fibres = _streaks(rng, (side, side), max(side / 500, 1.0), side / 10)
    shade = 1.0 - 0.08 * rings + 0.04 * fibres + 0.1 * smooth_noise(rng, (side, side), side / 4)
    planks = _rotate_crop(shade.astype(np.float32), rng.uniform(0, 180), shape)
    return planks[..., None] * base


def _mouse_pad(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    tones = ((0.08, 0.07, 0.07), (0.14, 0.08, 0.05), (0.05, 0.05, 0.06), (0.10, 0.10, 0.12))
    base = np.asarray(_jitter_color(rng, tones[int(rng.integers(len(tones)))], 0.02), np.float32)
    shade = (
        1.0 + 0.25 * smooth_noise(rng, shape, 1.0) + 0.1 * smooth_noise(rng, shape, max(shape) / 5)
    )
    return shade[..., None] * base


def _cloth(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    hue = rng.uniform(0, 180)
    hsv = np.uint8([[[hue, rng.uniform(90, 220), rng.uniform(70, 200)]]])
    base = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32) / 255.0
    period = rng.uniform(3.0, 7.0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    weave = np.sin(xx * np.float32(2 * np.pi / period)) * np.sin(
        yy * np.float32(2 * np.pi / period)
    )
    folds = smooth_noise(rng, shape, max(h, w) / 3)
    shade = 1.0 + 0.08 * weave + 0.15 * folds + 0.05 * smooth_noise(rng, shape, 1.0)
    return shade[..., None] * base


def _laminate(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    tones = ((0.85, 0.86, 0.86), (0.62, 0.64, 0.66), (0.66, 0.78, 0.85), (0.45, 0.47, 0.48))
    base = np.asarray(_jitter_color(rng, tones[int(rng.integers(len(tones)))], 0.04), np.float32)
    shade = (
        1.0
        + 0.04 * fractal_noise(rng, shape, max(shape) / 3)
        + 0.02 * smooth_noise(rng, shape, 1.5)
    )
    return shade[..., None] * base


def _dark_table(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    tones = ((0.16, 0.17, 0.18), (0.10, 0.14, 0.20), (0.22, 0.20, 0.18))
    base = np.asarray(_jitter_color(rng, tones[int(rng.integers(len(tones)))], 0.03), np.float32)
    shade = (
        1.0 + 0.1 * fractal_noise(rng, shape, max(shape) / 3) + 0.06 * smooth_noise(rng, shape, 1.0)
    )
    return shade[..., None] * base


def _rotate_crop(field: np.ndarray, angle: float, shape: tuple[int, int]) -> np.ndarray:
    """Rotate a square field about its centre and cut out ``shape``."""
    side = field.shape[0]
    h, w = shape
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
    matrix[:, 2] += (w / 2 - side / 2, h / 2 - side / 2)
    return cv2.warpAffine(
        field, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
