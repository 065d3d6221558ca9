"""Named conditions of the sample photos, as ranges to draw settings from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from samples.camera import SHADOW_KINDS, Camera

__all__ = ["PRESETS", "Preset", "choose", "sample_camera", "uniform"]

Range = tuple[float, float]


@dataclass(frozen=True)
class Preset:
    """Ranges and odds from which one photo's settings are drawn.

    Ranges are ``(low, high)`` drawn uniformly; weight tables map a choice to
    its relative odds; ``*_prob`` fields are probabilities.
    """

    sizes: tuple[tuple[int, int], ...]
    size_weights: tuple[float, ...]
    n_digits: tuple[int, int] = (1, 20)
    digit_height: Range = (0.035, 0.22)  # of the image height, drawn log-uniformly
    min_digit_px: float = 15.0
    zoom: Range = (0.8, 1.25)  # image px per sheet px, for a 1600 px wide image
    paper: dict[str, float] = field(default_factory=lambda: {"white": 1.0})
    dark_paper: dict[str, float] = field(default_factory=lambda: {"blackboard": 1.0})
    rule: dict[str, float] = field(default_factory=lambda: {"plain": 1.0})
    ink: dict[str, float] = field(default_factory=lambda: {"ballpoint": 1.0})
    light_ink_prob: float = 0.0
    inverted_prob: float = 0.0
    touch_prob: float = 0.05
    broken_prob: float = 0.02
    row_slant: float = 2.0  # degrees
    marks: tuple[int, int] = (0, 2)
    mark_kinds: dict[str, float] = field(default_factory=lambda: {"dot": 1.0})
    angle: float = 3.0  # degrees
    tilt: float = 3.0  # degrees
    fill_prob: float = 0.9  # paper covers the whole frame
    desk: dict[str, float] = field(default_factory=lambda: {"desk": 1.0})
    exposure: Range = (0.95, 1.05)
    white_balance: float = 0.02  # largest relative gain change per channel
    gradient: Range = (0.0, 0.05)
    vignette: Range = (0.0, 0.08)
    shadow_prob: float = 0.0
    shadow: Range = (0.2, 0.4)
    shadow_softness: Range = (0.03, 0.1)
    tint: Range = (0.0, 0.0)
    glare_prob: float = 0.0
    glare: Range = (0.1, 0.3)
    black_level: Range = (0.0, 0.02)
    gamma: Range = (0.95, 1.05)
    blur: Range = (0.0, 0.5)  # sigma for a 1000 px image
    motion_prob: float = 0.0
    motion: Range = (2.0, 5.0)
    noise: Range = (0.0, 0.008)
    shot_noise: Range = (0.0, 0.01)
    sharpen_prob: float = 0.0
    jpeg: tuple[int, int] = (88, 97)


_WEBCAM_SIZES = ((640, 480), (1280, 720))

PRESETS: dict[str, Preset] = {
    "clean": Preset(
        sizes=(
            (320, 240),
            (640, 480),
            (1024, 768),
            (1280, 960),
            (1600, 1200),
            (1240, 1754),
            (2480, 3508),
        ),
        size_weights=(0.1, 0.25, 0.2, 0.15, 0.15, 0.1, 0.05),
        digit_height=(0.04, 0.25),
        paper={"white": 1.0},
        rule={"plain": 0.75, "ruled": 0.15, "grid": 0.1},
        ink={"ballpoint": 0.45, "gel": 0.35, "marker": 0.2},
        marks=(0, 2),
        mark_kinds={"dot": 0.4, "underline": 0.3, "printed": 0.3},
    ),
    "webcam": Preset(
        sizes=_WEBCAM_SIZES,
        size_weights=(0.5, 0.5),
        digit_height=(0.035, 0.21),
        paper={"white": 0.6, "cream": 0.15, "sticky": 0.1, "grey": 0.15},
        rule={"plain": 0.55, "ruled": 0.25, "grid": 0.15, "dotted": 0.05},
        ink={"ballpoint": 0.45, "gel": 0.2, "marker": 0.35},
        inverted_prob=0.03,
        dark_paper={"blackboard": 0.4, "slate": 0.3, "canvas": 0.3},
        touch_prob=0.1,
        broken_prob=0.04,
        row_slant=3.0,
        marks=(0, 3),
        mark_kinds={
            "dot": 0.2,
            "underline": 0.15,
            "line": 0.15,
            "scribble": 0.1,
            "smudge": 0.1,
            "printed": 0.15,
            "letters": 0.15,
        },
        angle=10.0,
        tilt=15.0,
        fill_prob=0.5,
        desk={"wood": 0.3, "pad": 0.2, "cloth": 0.15, "desk": 0.2, "dark": 0.15},
        exposure=(0.6, 1.08),
        white_balance=0.08,
        gradient=(0.05, 0.3),
        vignette=(0.1, 0.45),
        shadow_prob=0.3,
        shadow=(0.15, 0.45),
        tint=(0.0, 0.04),
        glare_prob=0.05,
        black_level=(0.0, 0.08),
        gamma=(0.85, 1.2),
        blur=(0.4, 1.4),
        motion_prob=0.15,
        motion=(2.0, 6.0),
        noise=(0.005, 0.02),
        shot_noise=(0.005, 0.03),
        sharpen_prob=0.2,
        jpeg=(60, 90),
    ),
    "hard": Preset(
        sizes=((640, 480), (1280, 720), (1920, 1080), (1600, 1200), (3000, 4000), (4000, 3000)),
        size_weights=(0.3, 0.25, 0.15, 0.1, 0.1, 0.1),
        digit_height=(0.03, 0.25),
        paper={"white": 0.3, "cream": 0.2, "sticky": 0.15, "grey": 0.25, "kraft": 0.1},
        rule={"plain": 0.25, "ruled": 0.3, "grid": 0.3, "dotted": 0.15},
        ink={"pencil": 0.35, "ballpoint": 0.35, "marker": 0.15, "gel": 0.15},
        light_ink_prob=0.3,
        inverted_prob=0.15,
        dark_paper={"blackboard": 0.4, "slate": 0.3, "canvas": 0.3},
        touch_prob=0.3,
        broken_prob=0.12,
        row_slant=4.0,
        marks=(1, 6),
        mark_kinds={
            "dot": 0.2,
            "underline": 0.1,
            "line": 0.15,
            "scribble": 0.15,
            "smudge": 0.1,
            "printed": 0.15,
            "letters": 0.15,
        },
        angle=15.0,
        tilt=25.0,
        fill_prob=0.4,
        desk={"wood": 0.3, "pad": 0.2, "cloth": 0.2, "desk": 0.15, "dark": 0.15},
        exposure=(0.5, 1.05),
        white_balance=0.12,
        gradient=(0.15, 0.5),
        vignette=(0.2, 0.6),
        shadow_prob=0.65,
        shadow=(0.3, 0.6),
        shadow_softness=(0.01, 0.08),
        tint=(0.0, 0.05),
        glare_prob=0.15,
        black_level=(0.02, 0.15),
        gamma=(0.8, 1.25),
        blur=(0.8, 2.5),
        motion_prob=0.3,
        motion=(3.0, 12.0),
        noise=(0.01, 0.035),
        shot_noise=(0.01, 0.045),
        sharpen_prob=0.3,
        jpeg=(40, 80),
    ),
}


def uniform(rng: np.random.Generator, bounds: Range) -> float:
    """Draw uniformly from ``(low, high)``."""
    return float(rng.uniform(bounds[0], bounds[1]))


def choose(rng: np.random.Generator, weights: dict[str, float]) -> str:
    """Draw a key of ``weights`` with odds proportional to its value."""
    keys = list(weights)
    p = np.asarray([weights[k] for k in keys], np.float64)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def sample_camera(
    rng: np.random.Generator,
    preset: Preset,
    size: tuple[int, int],
    digit_px: float,
    contrast: float = 1.0,
    stroke_px: float | None = None,
) -> Camera:
    """Draw one photo's camera settings.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    preset : Preset
        Ranges to draw from.
    size : tuple of int
        ``(width, height)`` of the image; blur grows with the resolution.
    digit_px : float
        Height of the smallest digit in image pixels; blur is capped so that
        digits stay legible.
    contrast : float, default 1.0
        Reflectance difference between ink and paper; noise and haze are
        capped so that the writing stays visible.
    stroke_px : float, optional
        Stroke width in image pixels; blur is also capped relative to it.

    Returns
    -------
    Camera
    """
    res = max(1.0, max(size) / 1000.0) ** 0.8
    blur_cap = 0.05 * digit_px
    if stroke_px is not None:
        blur_cap = min(blur_cap, 0.8 * stroke_px + 0.6)
    # Defocus and motion share one budget: a streak of length L blurs like a
    # Gaussian of sigma L / 3.5.
    motion = 0.0
    if rng.random() < preset.motion_prob:
        motion = min(uniform(rng, preset.motion) * res, 3.5 * blur_cap)
    room = max(blur_cap**2 - (motion / 3.5) ** 2, 0.0) ** 0.5
    blur = min(uniform(rng, preset.blur) * res, room)
    # Colour casts run along the warm-cool axis (lamps vs daylight), with a
    # smaller green-magenta part.
    warm = rng.uniform(-1.0, 1.0) * preset.white_balance
    green = rng.uniform(-0.3, 0.3) * preset.white_balance
    wb = np.array([1.0 - 0.8 * warm, 1.0 + green, 1.0 + warm])
    exposure = uniform(rng, preset.exposure)
    shadow = uniform(rng, preset.shadow) if rng.random() < preset.shadow_prob else 0.0
    # Where the writing is darkest lit, its contrast must stay well above the noise.
    seen = contrast * exposure * (1.0 - shadow) * (1.0 - preset.vignette[1] / 2)
    noise_cap = max(seen / 5.0, 0.003)
    return Camera(
        exposure=exposure,
        white_balance=tuple(float(g) for g in wb / wb.max()),
        gradient=uniform(rng, preset.gradient),
        vignette=uniform(rng, preset.vignette),
        shadow=shadow,
        shadow_kind=str(SHADOW_KINDS[int(rng.integers(len(SHADOW_KINDS)))]),
        shadow_softness=uniform(rng, preset.shadow_softness),
        tint=uniform(rng, preset.tint),
        glare=uniform(rng, preset.glare) if rng.random() < preset.glare_prob else 0.0,
        black_level=min(uniform(rng, preset.black_level), 0.5 * contrast),
        gamma=uniform(rng, preset.gamma),
        blur=blur,
        motion=motion,
        motion_angle=float(rng.uniform(0, 180)),
        noise=min(uniform(rng, preset.noise), noise_cap),
        shot_noise=min(uniform(rng, preset.shot_noise), noise_cap),
        sharpen=float(rng.uniform(0.3, 1.0)) if rng.random() < preset.sharpen_prob else 0.0,
        jpeg_quality=int(rng.integers(preset.jpeg[0], preset.jpeg[1] + 1)),
        seed=int(rng.integers(2**31)),
    )
