"""Camera model of the sample photos: pose, lighting, optics, sensor and JPEG.

Images here are ``float32`` BGR in 0..1 until :func:`finish` turns them into
``uint8``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["SHADOW_KINDS", "Camera", "expose", "finish", "pose_homography", "scale_at"]

SHADOW_KINDS = ("blob", "hand", "phone", "corner")
_FIELD_PX = 256  # lighting fields are built at this size, then upscaled
_FULL_RES_NOISE_PX = 4_000_000  # above this many pixels, noise is drawn at half resolution
_SHADOW_TINT = np.array([0.82, 0.93, 1.0], np.float32)  # shade is lit by bluish skylight


@dataclass(frozen=True)
class Camera:
    """Concrete settings of one photo's lighting, optics and sensor.

    The default is an ideal flat scan: even light, no blur, no noise, no
    compression.  The geometry of the lighting (gradient direction, shadow
    shape, ...) comes from ``seed``, so that a sequence of frames with the same
    settings keeps the same light while their noise differs.

    Attributes
    ----------
    exposure : float
        Brightness multiplier.
    white_balance : tuple of float
        BGR gains (colour cast).
    gradient : float
        Relative light fall-off from one side of the frame to the other.
    vignette : float
        Darkening of the corners (0 none, 1 black).
    shadow : float
        Darkness of a soft cast shadow (0 none, 1 black).
    shadow_kind : str
        One of :data:`SHADOW_KINDS`.
    shadow_softness : float
        Width of the shadow's soft edge as a fraction of the image diagonal.
    tint : float
        Amplitude of slow colour changes across the frame (cheap webcams).
    glare : float
        Strength of a bright washed-out spot.
    black_level : float
        Lift of the blacks (hazy, low-contrast look).
    gamma : float
        Exponent of the tone curve.
    blur : float
        Gaussian defocus sigma in pixels.
    motion : float
        Motion-blur length in pixels.
    motion_angle : float
        Motion-blur direction in degrees.
    noise : float
        Standard deviation of the signal-independent sensor noise.
    shot_noise : float
        Scale of the signal-dependent noise (times the square root of the level).
    sharpen : float
        Unsharp-mask amount (phone processing halos).
    jpeg_quality : int or None
        JPEG quality of the final encode/decode, or None for none.
    seed : int
        Seed of the lighting geometry.
    """

    exposure: float = 1.0
    white_balance: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gradient: float = 0.0
    vignette: float = 0.0
    shadow: float = 0.0
    shadow_kind: str = "blob"
    shadow_softness: float = 0.05
    tint: float = 0.0
    glare: float = 0.0
    black_level: float = 0.0
    gamma: float = 1.0
    blur: float = 0.0
    motion: float = 0.0
    motion_angle: float = 0.0
    noise: float = 0.0
    shot_noise: float = 0.0
    sharpen: float = 0.0
    jpeg_quality: int | None = None
    seed: int = 0


def pose_homography(pose: dict, size: tuple[int, int]) -> np.ndarray:
    """Homography from sheet pixels to image pixels for a camera pose.

    Parameters
    ----------
    pose : dict
        ``center``: (x, y) sheet point seen at the image centre (required);
        ``scale``: image pixels per sheet pixel there (default 1);
        ``angle``: in-plane rotation of the sheet in degrees, counter-clockwise
        as seen in the image (default 0);
        ``tilt``: (about x, about y) tilt of the paper plane in degrees; a
        positive first value moves the sheet's top away from the camera
        (default (0, 0));
        ``shift``: (dx, dy) image pixels by which ``center`` is moved from the
        image centre (default (0, 0));
        ``focal``: focal length in image pixels (default 1.2 times the larger
        image side; smaller values exaggerate perspective).
    size : tuple of int
        ``(width, height)`` of the image.

    Returns
    -------
    numpy.ndarray
        ``float64`` 3x3 homography.
    """
    width, height = size
    cx, cy = pose["center"]
    scale = float(pose.get("scale", 1.0))
    angle = np.deg2rad(float(pose.get("angle", 0.0)))
    tx, ty = (np.deg2rad(float(t)) for t in pose.get("tilt", (0.0, 0.0)))
    dx, dy = pose.get("shift", (0.0, 0.0))
    focal = float(pose.get("focal", 1.2 * max(width, height)))

    c, s = np.cos(angle), np.sin(angle)
    # Image y points down, so this turns the sheet counter-clockwise on screen.
    plane = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]) @ np.array(
        [[scale, 0.0, -scale * cx], [0.0, scale, -scale * cy], [0.0, 0.0, 1.0]]
    )
    rot_x = np.array(
        [[1.0, 0.0, 0.0], [0.0, np.cos(tx), -np.sin(tx)], [0.0, np.sin(tx), np.cos(tx)]]
    )
    rot_y = np.array(
        [[np.cos(ty), 0.0, np.sin(ty)], [0.0, 1.0, 0.0], [-np.sin(ty), 0.0, np.cos(ty)]]
    )
    rot = rot_x @ rot_y
    # A plane point (qx, qy) goes to 3-D rot @ (qx, qy, 0) + (0, 0, focal).
    extrinsic = np.column_stack([rot[:, 0], rot[:, 1], [0.0, 0.0, focal]])
    intrinsic = np.array(
        [[focal, 0.0, width / 2 + dx], [0.0, focal, height / 2 + dy], [0.0, 0.0, 1.0]]
    )
    homography = intrinsic @ extrinsic @ plane
    return homography / homography[2, 2]


def scale_at(homography: np.ndarray, point: tuple[float, float]) -> float:
    """Local linear magnification of a homography at a source point.

    Returns
    -------
    float
        Square root of the Jacobian's determinant (image px per sheet px).
    """
    x, y = point
    hm = homography
    w = hm[2, 0] * x + hm[2, 1] * y + hm[2, 2]
    u = (hm[0, 0] * x + hm[0, 1] * y + hm[0, 2]) / w
    v = (hm[1, 0] * x + hm[1, 1] * y + hm[1, 2]) / w
    jac = (
        np.array(
            [
                [hm[0, 0] - u * hm[2, 0], hm[0, 1] - u * hm[2, 1]],
                [hm[1, 0] - v * hm[2, 0], hm[1, 1] - v * hm[2, 1]],
            ]
        )
        / w
    )
    return float(np.sqrt(abs(np.linalg.det(jac))))


def expose(scene: np.ndarray, camera: Camera) -> np.ndarray:
    """Light a flat scene (reflectance) as the camera sees it.

    Parameters
    ----------
    scene : numpy.ndarray
        ``float32`` BGR reflectance ``(h, w, 3)``; modified in place.
    camera : Camera
        Settings.

    Returns
    -------
    numpy.ndarray
        The lit scene (same array).
    """
    h, w = scene.shape[:2]
    layout = np.random.default_rng(camera.seed)
    light = _light_field(layout, (h, w), camera)
    np.multiply(scene, cv2.resize(light, (w, h), interpolation=cv2.INTER_LINEAR), out=scene)
    if camera.glare > 0:
        spot = _glare_field(layout, (h, w), camera.glare)
        np.add(
            scene, cv2.resize(spot, (w, h), interpolation=cv2.INTER_LINEAR)[..., None], out=scene
        )
    return scene


def finish(
    image: np.ndarray, camera: Camera, rng: np.random.Generator
) -> tuple[np.ndarray, bytes | None]:
    """Optics, sensor, tone curve and compression of a lit image.

    Parameters
    ----------
    image : numpy.ndarray
        ``float32`` BGR ``(h, w, 3)``, about 0..1; may be modified.
    camera : Camera
        Settings.
    rng : numpy.random.Generator
        Source of the sensor noise.

    Returns
    -------
    image : numpy.ndarray
        ``uint8`` BGR image.
    jpeg : bytes or None
        The JPEG file the image was decoded from, if compressed.
    """
    image = _optics(image, camera)
    image = _sensor(image, camera, rng)
    if camera.black_level > 0 or camera.gamma != 1.0:
        np.clip(image, 0.0, 1.0, out=image)
        if camera.gamma != 1.0:
            cv2.pow(image, camera.gamma, dst=image)
        image = cv2.addWeighted(image, 1.0 - camera.black_level, image, 0.0, camera.black_level)
    if camera.sharpen > 0:
        soft = cv2.GaussianBlur(image, (0, 0), 1.0 + image.shape[1] / 2000)
        image = cv2.addWeighted(image, 1.0 + camera.sharpen, soft, -camera.sharpen, 0.0)
    np.clip(image, 0.0, 1.0, out=image)  # noise and sharpening overshoot
    out = cv2.convertScaleAbs(image, alpha=255.0)
    if camera.jpeg_quality is None:
        return out, None
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(camera.jpeg_quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    data = encoded.tobytes()
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR), data


def _optics(image: np.ndarray, camera: Camera) -> np.ndarray:
    if camera.blur > 0.05:
        image = cv2.GaussianBlur(image, (0, 0), camera.blur)
    if camera.motion >= 1.5:
        image = cv2.filter2D(image, -1, _motion_kernel(camera.motion, camera.motion_angle))
    return image


def _motion_kernel(length: float, angle: float) -> np.ndarray:
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    dx, dy = np.cos(np.deg2rad(angle)) * length / 2, np.sin(np.deg2rad(angle)) * length / 2
    cv2.line(
        kernel,
        (round((c - dx) * 16), round((c - dy) * 16)),
        (round((c + dx) * 16), round((c + dy) * 16)),
        1.0,
        1,
        cv2.LINE_AA,
        4,
    )
    return kernel / kernel.sum()


def _sensor(image: np.ndarray, camera: Camera, rng: np.random.Generator) -> np.ndarray:
    if camera.noise <= 0 and camera.shot_noise <= 0:
        return image
    h, w = image.shape[:2]
    # Large photos are denoised and demosaiced by the phone: their noise is
    # coarser than a pixel, so it is drawn at half resolution.
    step = 2 if h * w > _FULL_RES_NOISE_PX else 1
    luma = rng.standard_normal((-(-h // step), -(-w // step)), dtype=np.float32)
    # Colour noise is blotchier than luminance noise.
    chroma = rng.standard_normal((-(-h // (2 * step)), -(-w // (2 * step)), 3), dtype=np.float32)
    noise = cv2.resize(chroma, (w, h), interpolation=cv2.INTER_LINEAR)
    noise *= np.float32(0.35)
    if step > 1:
        luma = cv2.resize(luma, (w, h), interpolation=cv2.INTER_LINEAR)
        luma *= np.float32(1.4)  # interpolation lowers the spread
    luma *= np.float32(0.9)
    noise += luma[..., None]
    np.clip(image, 0.0, None, out=image)
    sigma = cv2.sqrt(image)
    sigma *= np.float32(camera.shot_noise)
    sigma += np.float32(camera.noise)
    noise *= sigma
    image += noise
    return image


def _field_grid(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Normalised coordinates (image diagonal = 2) of a low-resolution grid."""
    h, w = size
    step = max(h, w) / _FIELD_PX
    gh, gw = max(2, round(h / step)), max(2, round(w / step))
    half_diag = np.hypot(h, w) / 2
    ys = (np.linspace(0, h, gh, dtype=np.float32) - h / 2) / half_diag
    xs = (np.linspace(0, w, gw, dtype=np.float32) - w / 2) / half_diag
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    return xx, yy, (gh, gw)


def _light_field(layout: np.random.Generator, size: tuple[int, int], camera: Camera) -> np.ndarray:
    """Low-resolution BGR multiplier: exposure, colour, gradient, vignette, shadow."""
    xx, yy, grid = _field_grid(size)
    theta = layout.uniform(0, 2 * np.pi)
    gain = 1.0 + camera.gradient * (xx * np.cos(theta) + yy * np.sin(theta))
    cx, cy = layout.uniform(-0.15, 0.15, 2)
    gain *= 1.0 - camera.vignette * np.clip((xx - cx) ** 2 + (yy - cy) ** 2, 0.0, 1.5)
    light = np.repeat(np.clip(gain, 0.05, None)[..., None], 3, axis=2)
    light *= np.asarray(camera.white_balance, np.float32) * np.float32(camera.exposure)
    if camera.tint > 0:
        for ch in range(3):
            light[..., ch] *= 1.0 + camera.tint * _smooth(layout, grid, grid[1] * 0.8)
    if camera.shadow > 0:
        shade = _shadow_mask(layout, grid, camera.shadow_kind, camera.shadow_softness)
        light *= 1.0 - camera.shadow * shade[..., None] * _SHADOW_TINT
    return light.astype(np.float32)


def _smooth(layout: np.random.Generator, grid: tuple[int, int], cell: float) -> np.ndarray:
    gh, gw = grid
    coarse = layout.standard_normal(
        (max(2, int(gh / cell) + 2), max(2, int(gw / cell) + 2))
    ).astype(np.float32)
    return cv2.resize(coarse, (gw, gh), interpolation=cv2.INTER_CUBIC)


def _shadow_mask(
    layout: np.random.Generator, grid: tuple[int, int], kind: str, softness: float
) -> np.ndarray:
    """Soft shadow (0..1) of an object between the light and the paper."""
    gh, gw = grid
    diag = float(np.hypot(gh, gw))
    canvas = np.zeros(grid, np.uint8)
    if kind == "blob":
        center = (int(layout.uniform(0, gw)), int(layout.uniform(0, gh)))
        axes = (int(diag * layout.uniform(0.15, 0.35)), int(diag * layout.uniform(0.1, 0.3)))
        cv2.ellipse(canvas, center, axes, layout.uniform(0, 180), 0, 360, 255, -1)
    elif kind == "hand":  # forearm reaching in from an edge, ending in a palm
        start, end = _edge_to_inside(layout, gw, gh, reach=layout.uniform(0.25, 0.6))
        cv2.line(canvas, start, end, 255, max(1, int(diag * layout.uniform(0.12, 0.2))))
        cv2.circle(canvas, end, max(1, int(diag * layout.uniform(0.1, 0.16))), 255, -1)
    elif kind == "phone":  # a rectangle over one border of the frame
        start, end = _edge_to_inside(layout, gw, gh, reach=layout.uniform(0.15, 0.45))
        length = diag * layout.uniform(0.5, 0.9)
        angle = np.degrees(np.arctan2(end[1] - start[1], end[0] - start[0]))
        box = cv2.boxPoints(
            ((start[0], start[1]), (length, diag * layout.uniform(0.25, 0.4)), angle)
        )
        cv2.fillConvexPoly(canvas, box.astype(np.int32), 255)
    else:  # "corner": the shadow of the photographer covering one corner
        corner = np.array([[0, 0], [gw, 0], [gw, gh], [0, gh]])[int(layout.integers(4))]
        a, b = layout.uniform(0.3, 0.8, 2) * (gw, gh)
        sx = -1 if corner[0] else 1
        sy = -1 if corner[1] else 1
        poly = np.array([corner, corner + (sx * a, 0), corner + (0, sy * b)], np.int32)
        cv2.fillConvexPoly(canvas, poly, 255)
    sigma = max(softness * diag, 0.5)
    return cv2.GaussianBlur(canvas.astype(np.float32) / 255.0, (0, 0), sigma)


def _edge_to_inside(
    layout: np.random.Generator, gw: int, gh: int, reach: float
) -> tuple[tuple[int, int], tuple[int, int]]:
    """A point just outside a random frame edge and one ``reach`` of the way in."""
    side = int(layout.integers(4))
    t = layout.uniform(0.1, 0.9)
    outside = [(t * gw, -0.1 * gh), (1.1 * gw, t * gh), (t * gw, 1.1 * gh), (-0.1 * gw, t * gh)][
        side
    ]
    inward = [(0, 1), (-1, 0), (0, -1), (1, 0)][side]
    drift = layout.uniform(-0.3, 0.3)
    end = (
        outside[0] + (inward[0] + drift * inward[1]) * reach * gw,
        outside[1] + (inward[1] + drift * inward[0]) * reach * gh,
    )
    return (int(outside[0]), int(outside[1])), (int(end[0]), int(end[1]))


def _glare_field(layout: np.random.Generator, size: tuple[int, int], strength: float) -> np.ndarray:
    xx, yy, _ = _field_grid(size)
    cx, cy = layout.uniform(-0.5, 0.5, 2)
    radius = layout.uniform(0.15, 0.4)
    return (strength * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / radius**2)).astype(np.float32)
