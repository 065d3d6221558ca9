"""Shape and contrast cues that tell a digit candidate from other marks."""

import cv2
import numpy as np

from preprocessing.binarize import local_roughness

# Smallest digit height worth reading, in working pixels.
MIN_HEIGHT = 8
# Widest single digit, as width over height; wider blobs are touching digits
# (split elsewhere), underlines or scribbles. Digits wider than WIDE_ASPECT
# are kept only when read with CONFIDENT_WIDE (a 2 with a long base).
MAX_ASPECT = 2.2
WIDE_ASPECT = 1.6
CONFIDENT_WIDE = 0.9
# Thickest stroke, as a fraction of the height: thicker blobs are smudges,
# filled shapes or shadows.
MAX_STROKE = 0.3
# Radius in pixels of the ring of paper a stroke is compared with.
_RING = 3
# On a ground darker than these, ink must be at least so many grey levels
# darker still: pencil on paper in a dim photo is about ten, while the
# grain of a blackboard read as paper is about as dark as that.
_DARK_GROUND = 100.0
_MIN_GREY_STEP = 8.0
_VERY_DARK_GROUND = 70.0
_MIN_GREY_STEP_VERY_DARK = 14.0
# A loopless blob at least this full of ink, this wide for its height and
# this full of its convex hull is a dot, a smudge or a filled shape, not a
# digit (a thick 1 is full but narrow; a 3 in thick marker is full but
# notched).
_BLOB_FILL = 0.6
_BLOB_ASPECT = 0.5
_BLOB_SOLIDITY = 0.8
# ... except a small pen digit whose strokes ran together in a soft photo
# (its loops and notches filled in) is such a blob too: when asked, blobs no
# wider than this for their height are let through, to be judged by how
# surely they read. Bold printed letters (the W of a logo) are wider.
_NARROW_BLOB = 0.8
# Stroke-scale noise: blur sigma is the stroke width (at least this) over
# this divisor, and the noise is measured this many pixels around a piece.
_MIN_STROKE_SIGMA = 0.7
_STROKE_SIGMAS = 2.5
_NOISE_MARGIN = 24

# Distance, in lengths of a piece, of the paper compared with the line it
# may continue.
_ASIDE = 0.3


def quantile(values, q):
    """A quantile of some values, by partial sort (np.quantile's overhead
    dominates on the small arrays of a single piece).

    Parameters
    ----------
    values : ndarray
    q : float
        0 to 1; the value of rank ``round(q * (n - 1))`` is returned.

    Returns
    -------
    float
    """
    values = np.ravel(values)
    if values.size == 0:
        return 0.0
    rank = int(round(q * (values.size - 1)))
    return float(np.partition(values, rank)[rank])


def stroke_width(mask):
    """Mean stroke width of a binary shape: twice its area over its perimeter.

    Parameters
    ----------
    mask : ndarray, uint8
        1 on the shape, which may touch the array's border (the border is
        not counted as perimeter).

    Returns
    -------
    float
    """
    # A one-pixel frame closes the contours of a shape cut by the border.
    framed = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    contours, _ = cv2.findContours(framed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * float(np.count_nonzero(mask)) / max(perimeter, 1.0)


def solidity(mask):
    """Share of its convex hull that a binary shape fills (1 for a disc; a
    3 or a 5 in thick marker is full of ink but deeply notched).

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8

    Returns
    -------
    float
    """
    points = cv2.findNonZero(mask)
    if points is None:
        return 0.0
    hull = cv2.contourArea(cv2.convexHull(points))
    return float(np.count_nonzero(mask)) / max(hull, 1.0)


def principal_axis(mask):
    """Direction of a shape's principal axis, its extent along it, and the
    ink's farthest distance from it (about half the stroke width for a
    straight line, more for anything bent or with a branch).

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8

    Returns
    -------
    angle : float
        Radians from the x axis, 0 to pi (y pointing down).
    along, across : float
        In pixels; 0 for an empty mask.
    """
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return 0.0, 0.0, 0.0
    points = np.column_stack([xs, ys]).astype(np.float64)
    points -= points.mean(axis=0)
    _, axes = np.linalg.eigh(points.T @ points)
    # Eigenvalues ascending: the second axis is the principal one.
    along = points @ axes[:, 1]
    angle = float(np.mod(np.arctan2(axes[1, 1], axes[0, 1]), np.pi))
    return angle, float(along.max() - along.min() + 1), float(np.abs(points @ axes[:, 0]).max())


def count_holes(mask):
    """Number of background regions enclosed by a mask (a 0 has one, an 8 two).

    Parameters
    ----------
    mask : ndarray, shape (H, W), uint8

    Returns
    -------
    int
    """
    background = cv2.copyMakeBorder((mask == 0).view(np.uint8), 1, 1, 1, 1,
                                     cv2.BORDER_CONSTANT, value=1)
    # The border joins every open region into one; the rest are holes.
    return cv2.connectedComponents(background, connectivity=4)[0] - 2


def has_loop(mask):
    """Whether a binary shape encloses a hole (the loop of a 0, 6, 8, 9...)."""
    return count_holes(mask) > 0


def looks_like_digit(piece, labels, narrow_blobs=False):
    """Whether a piece has a digit's size, proportions and strokes.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.
    narrow_blobs : bool, default False
        Also accept filled blobs about a digit's width (a small digit whose
        strokes ran together); the caller must then ask more of them.

    Returns
    -------
    bool
    """
    h, w = labels.shape
    if piece.h < MIN_HEIGHT or piece.w > MAX_ASPECT * piece.h:
        return False
    if piece.h >= 0.98 * h and piece.w >= 0.98 * w:
        return False
    mask = piece.mask(labels)
    if (piece.area > _BLOB_FILL * piece.w * piece.h and piece.w > _BLOB_ASPECT * piece.h
            and not (narrow_blobs and piece.w <= _NARROW_BLOB * piece.h)
            and not has_loop(mask) and solidity(mask) > _BLOB_SOLIDITY):
        return False
    if piece.h > 3 * MIN_HEIGHT:
        if stroke_width(mask) > MAX_STROKE * piece.h:
            return False
    return True


def ring_contrast(piece, labels, grey, dark_step=True):
    """Contrast of a piece's ink with the paper just around it.

    A stroke is darker than the ring of paper that surrounds it. The halo
    that a wrong guess of the ink's polarity produces around real strokes is
    not: it is paper itself.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.
    grey : ndarray, float32
        The image at the same resolution as ``labels``, ink dark (for light
        ink, inverted).
    dark_step : bool, default True
        On a dark ground, count no contrast unless the ink is some grey
        levels darker than the paper (see ``_MIN_GREY_STEP``).

    Returns
    -------
    float
        Relative contrast, about 0 for no contrast and up to 1.
    """
    contrast, stepless = ring_contrasts(piece, labels, grey)
    return contrast if dark_step else stepless


def ring_contrasts(piece, labels, grey):
    """:func:`ring_contrast` with and without the grey step asked on a dark
    ground, measured once: ``(contrast, stepless)``."""
    around, inside = _grown_mask(piece, labels, _RING)
    window = labels[around]
    # The ring runs around the outside only: a digit's loops, and the hollow
    # core that very thick strokes may leave, are not paper around it.
    outline = np.zeros_like(inside)
    contours, _ = cv2.findContours(inside, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(outline, contours, -1, 1, thickness=cv2.FILLED)
    size = 2 * _RING + 1
    ring = cv2.dilate(outline, np.ones((size, size), np.uint8)) & (1 - outline) & (window == 0).view(np.uint8)
    if np.count_nonzero(ring) < 3:
        return 0.0, 0.0
    values = grey[around]
    ink = quantile(values[inside > 0], 0.5)
    paper = quantile(values[ring > 0], 0.5)
    # On a dark ground a faint smudge has a large relative contrast.
    step = _MIN_GREY_STEP_VERY_DARK if paper < _VERY_DARK_GROUND else _MIN_GREY_STEP
    stepless = (paper - ink) / max(paper, 16.0)
    if paper < _DARK_GROUND and paper - ink < step:
        return 0.0, stepless
    return stepless, stepless


def _grown_mask(piece, labels, margin):
    """A piece's box grown by ``margin`` pixels on each side, within the
    image, as slices ``(rows, columns)``, and the piece's mask over it
    (uint8)."""
    x0, y0 = max(0, piece.x - margin), max(0, piece.y - margin)
    x1, y1 = min(labels.shape[1], piece.x1 + margin), min(labels.shape[0], piece.y1 + margin)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    mask[piece.y - y0:piece.y1 - y0, piece.x - x0:piece.x1 - x0] = piece.mask(labels)
    return (slice(y0, y1), slice(x0, x1)), mask


def signal_to_noise(piece, labels, ink, roughness):
    """How far a piece's ink stands above the noise of the paper around it.

    Texture (wood grain, fabric, rough card) makes streaks that pass for
    weak strokes; real ink stands far above the paper's own roughness.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.
    ink : ndarray, float32
        Ink strength at the same resolution.
    roughness : ndarray, float32
        Local noise level, see :func:`preprocessing.binarize.local_roughness`.

    Returns
    -------
    float
        Upper-quartile ink of the piece over the median roughness of its box.
    """
    window = (slice(piece.y, piece.y1), slice(piece.x, piece.x1))
    strength = quantile(ink[window][piece.mask(labels) > 0], 0.75)
    return strength / max(quantile(roughness[window], 0.5), 1e-6)


def stroke_signal_to_noise(piece, labels, ink):
    """Signal-to-noise ratio of a piece measured at the scale of its strokes.

    Blurring over about a stroke's width averages pixel noise away from a
    real stroke but leaves texture (wood grain, fabric) as rough as it was,
    so a wide, faint pencil stroke stands out where a streak of grain does
    not.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.
    ink : ndarray, float32
        Ink strength at the same resolution.

    Returns
    -------
    float
        Upper-quartile blurred ink of the piece over the median roughness of
        the blurred ink around it.
    """
    mask = piece.mask(labels)
    sigma = max(_MIN_STROKE_SIGMA, stroke_width(mask)) / _STROKE_SIGMAS
    h, w = ink.shape
    x0, y0 = max(0, piece.x - _NOISE_MARGIN), max(0, piece.y - _NOISE_MARGIN)
    x1, y1 = min(w, piece.x1 + _NOISE_MARGIN), min(h, piece.y1 + _NOISE_MARGIN)
    blurred = cv2.GaussianBlur(ink[y0:y1, x0:x1], (0, 0), sigma)
    inside = blurred[piece.y - y0:piece.y1 - y0, piece.x - x0:piece.x1 - x0][mask > 0]
    return quantile(inside, 0.75) / max(quantile(local_roughness(blurred), 0.5), 1e-6)


def line_continuation(piece, labels, ink, reach=(0.1, 0.7), width=2):
    """How strongly the ink goes on past both ends of a straight piece,
    along its axis, relative to the piece's own strokes.

    A stretch of a long faint line (a margin, a grid line between the rules
    that cut it) carries on beyond its ends; a written 1 ends on paper.

    Parameters
    ----------
    piece : Piece
    labels : ndarray, int32
    ink : ndarray, shape (H, W), float32
    reach : tuple of float, default (0.1, 0.7)
        Stretch looked at beyond each end, in units of the piece's length.
    width : int, default 2
        Pixels either side of the axis whose strongest ink counts, so that a
        line a little off the piece's axis is still followed.

    Returns
    -------
    float
        At the weaker end, the median ink less the paper's beside it, over
        the piece's own median ink; 0 when either end leaves the image.
    """
    mask = piece.mask(labels)
    strokes = ink[piece.y:piece.y + piece.h, piece.x:piece.x + piece.w][mask > 0]
    own = quantile(strokes, 0.5)
    if own <= 0:
        return 0.0
    angle, along, _ = principal_axis(mask)
    ys, xs = np.nonzero(mask)
    centre = np.array([piece.x + xs.mean(), piece.y + ys.mean()])
    direction = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    steps = np.arange(reach[0], reach[1], 1.0 / max(along, 1.0)) * along + along / 2
    offsets = np.arange(-width, width + 1)
    h, w = ink.shape

    def strongest_along(start, sign):
        points = (start + sign * steps[:, None, None] * direction
                  + offsets[None, :, None] * normal).round().astype(int)
        x, y = points[..., 0], points[..., 1]
        if x.min() < 0 or y.min() < 0 or x.max() >= w or y.max() >= h:
            return None
        return float(np.median(ink[y, x].max(axis=1)))

    # The paper beside the line, sampled alike, tells what noise alone gives.
    aside = _ASIDE * along * normal
    ends = []
    for sign in (1, -1):
        samples = [strongest_along(start, sign)
                   for start in (centre, centre - aside, centre + aside)]
        if None in samples:
            return 0.0
        ends.append(samples[0] - min(samples[1:]))
    return min(ends) / own


def ground_ink(piece, labels, ink):
    """How much ink the ground around a piece's strokes carries, for theirs.

    Pencil lies on smooth paper; a streak of wood grain that passes for a
    faint stroke lies among other streaks.

    Parameters
    ----------
    piece : preprocessing.pieces.Piece
    labels : ndarray
        Label image the piece refers to.
    ink : ndarray, float32
        Ink strength at the same resolution.

    Returns
    -------
    float
        Median ink of the ground (the piece's box grown by 0.3 of its
        height, less the strokes and two pixels around them) over the
        strokes' median ink; 0 when either is empty.
    """
    around, mask = _grown_mask(piece, labels, max(2, int(0.3 * piece.h)))
    region = ink[around]
    strokes = region[mask > 0]
    ground = region[cv2.dilate(mask, np.ones((5, 5), np.uint8)) == 0]
    if strokes.size == 0 or ground.size == 0:
        return 0.0
    return quantile(ground, 0.5) / max(quantile(strokes, 0.5), 1e-6)
