"""Remove the printed lines of ruled and squared paper.

Printed lines are long and straight, far longer than a digit is tall, and
come as families of parallel lines. A probabilistic Hough transform on the
ink mask tells whether there are any and at which angles; then every long
straight run of ink at those angles is found with an opening along that
direction, which also catches the faint or broken stretches the transform
misses. Line pixels are taken out of the mask, except where the ink is
clearly stronger than the lines' own: there a pen stroke crosses or follows
a line.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from preprocessing.components import components
from preprocessing.shape import quantile

# A printed line is at least this long, as a fraction of the image's
# shorter side, and at least this many times the typical digit height.
_MIN_LENGTH = 0.3
_MIN_DIGIT_HEIGHTS = 2.5
# Straight runs this long (as a fraction of the shorter side, or in digit
# heights when known) along a line family's direction are line pixels.
_RUN_LENGTH = 0.12
# Printed lines far fainter than the pen are found with shorter runs, this
# many digit heights: where a pen stroke follows such a line, its darker ink
# keeps it in the mask (see _PEN_OVER_LINE), and lines bent by the lens or
# broken by noise seldom run straight for longer.
_FAINT_RUN_HEIGHTS = 1.5
# Lines are that faint when the ink along them is at most this share of the
# pen's (the 90th percentile of all ink).
_FAINT_LINE = 0.5
# Gaps along a line that the transform bridges, as a fraction of the
# shorter side (faint or noisy lines break up).
_MAX_GAP = 0.02
# Lines within this angle of each other are one family.
_FAMILY_ANGLE = np.deg2rad(4.0)
# A lone line (not in a family of this many) must span this much of the image.
_FAMILY_SIZE = 3
# Without a digit height, a family needs lines that each cross this much
# of the image, with offsets that differ by more than this fraction of the
# shorter side (the edges of a thick stroke are not two lines).
_SPANNING = 0.5
_LINE_SPACING = 0.05
_LONE_LENGTH = 0.6
# Perspective bends a family's angle across the image: runs are looked for
# at these offsets from it, in degrees.
_ANGLE_OFFSETS = (-2.0, 0.0, 2.0)
# The crossing family of squared paper is accepted when it has at least this
# share of the pixels of the family found first.
_CROSSING_SHARE = 0.2
# Ink on a line at least this many times the lines' median ink is a pen
# stroke crossing or following the line (a thin, blurred stroke resting on a
# rule is only about a third darker than the rule).
_PEN_OVER_LINE = 1.3
# The lines' local level is measured over squares this large (a fraction of
# the shorter side), from line pixels at most this many times the family's
# level.
_LOCAL_SIZE = 0.2
_LOCAL_CAP = 1.5
# Steps of the ink histograms a line's median ink is read from.
_LEVEL_BINS = 256


@dataclass
class PrintedLines:
    """The printed lines of an image.

    Attributes
    ----------
    levels : ndarray, shape (H, W), float32
        On and just around the lines, the median ink strength of their
        family (a red margin is darker than the blue rules it crosses); 0
        elsewhere. At the resolution the lines were found.
    """

    levels: np.ndarray

    def remove(self, mask, ink, window=None):
        """Take the line pixels out of an ink mask.

        Parameters
        ----------
        mask : ndarray, uint8
            Ink mask.
        ink : ndarray, float32
            Ink strength, same shape as ``mask``.
        window : tuple of int, optional
            ``(x0, y0, x1, y1)``: the region of :attr:`levels` that ``mask``
            covers, at any resolution (it is resized to fit).

        Returns
        -------
        ndarray, uint8
            A copy of ``mask`` without the lines.
        """
        levels = self.levels
        if window is not None:
            x0, y0, x1, y1 = window
            levels = levels[max(0, y0):y1, max(0, x0):x1]
            levels = cv2.resize(levels, mask.shape[::-1], interpolation=cv2.INTER_NEAREST)
        out = mask.copy()
        out[(levels > 0) & (ink <= _PEN_OVER_LINE * levels)] = 0
        return out

    def turned(self, turn):
        """The same lines in the image turned by a quarter (``turn``: a
        ``cv2.ROTATE_90_*`` code)."""
        return PrintedLines(cv2.rotate(self.levels, turn))

    def share_on_lines(self, mask, x, y):
        """Fraction of a mask's ink that lies on the lines.

        Parameters
        ----------
        mask : ndarray, uint8
            1 on ink, at the resolution the lines were found.
        x, y : int
            Where the mask's top left corner lies.

        Returns
        -------
        float
        """
        h, w = mask.shape
        on_lines = self.levels[y:y + h, x:x + w] > 0
        ink = mask > 0
        return float(np.count_nonzero(ink & on_lines)) / max(np.count_nonzero(ink), 1)

    def level_under(self, mask, x, y):
        """Level of the darkest line under a mask's ink.

        Parameters
        ----------
        mask : ndarray, uint8
            1 on ink, at the resolution the lines were found.
        x, y : int
            Where the mask's top left corner lies.

        Returns
        -------
        float
            0.0 where none of the ink lies on a line.
        """
        h, w = mask.shape
        return float(self.levels[y:y + h, x:x + w][mask > 0].max(initial=0.0))


def min_line_length(shape, digit_height=None):
    """Shortest printed line looked for in an image.

    Parameters
    ----------
    shape : tuple of int
        The image's ``(height, width)``.
    digit_height : float, optional
        Typical digit height in pixels, when known.

    Returns
    -------
    float
        Length in pixels; a stretch of ink whose box is shorter than half
        of it holds no line.
    """
    length = _MIN_LENGTH * min(shape[:2])
    if digit_height:
        length = max(length, _MIN_DIGIT_HEIGHTS * digit_height)
    return length


def find_printed_lines(ink, mask, digit_height=None, longest=None, families_only=False):
    """Find the printed lines in an ink mask.

    Parameters
    ----------
    ink : ndarray, shape (H, W), float32
        Ink strength.
    mask : ndarray, shape (H, W), uint8
        1 on ink.
    digit_height : float, optional
        Typical digit height in pixels, when known; lines must be much
        longer than that.
    longest : float, optional
        Diagonal of the mask's largest connected stretch of ink, when known;
        spares counting the components again.
    families_only : bool, default False
        Accept only families of at least three distinct parallel lines, not
        a lone long line: for a search made without a trustworthy digit
        height, where one long stroke of a large digit could pass for a line.

    Returns
    -------
    PrintedLines or None
        None when the image has no printed lines.
    """
    side = min(mask.shape)
    min_length = min_line_length(mask.shape, digit_height)
    run = _RUN_LENGTH * side
    faint_run = run
    if digit_height:
        faint_run = max(run, _FAINT_RUN_HEIGHTS * digit_height)
        run = max(run, _MIN_DIGIT_HEIGHTS * digit_height)
    if longest is None:
        _, _, stats = components(mask)
        longest = float(np.hypot(stats[1:, 2], stats[1:, 3]).max(initial=0.0))
    if longest < 0.5 * min_length:
        return None
    angles, members = _family_angles(mask, min_length, families_only)
    if not angles:
        return None
    pen = _pen_ink(ink, mask)
    runs = [faint_run if _faint_family(ink, segments, angle, pen) else run
            for angle, segments in zip(angles, members)]
    gap = max(3, int(_MAX_GAP * side / 2))
    # Runs are looked for on a half-size copy, four times faster; a line
    # stays a line, and the result is fitted back onto the full mask.
    h, w = mask.shape
    half = cv2.resize(mask, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    half = (half > 0).view(np.uint8)
    # Each family's pixels at half size, with the run length it was found with.
    families = [(_family_pixels(half, angle, int(length / 2), max(2, gap // 2)), length)
                for angle, length in zip(angles, runs)]
    found = max(np.count_nonzero(f) for f, _ in families)
    # Squared paper: the crossing family may be too faint or broken for the
    # transform; look for it directly, unless the transform found it.
    for angle, length in zip(angles, runs):
        if any(_angle_between(angle + np.pi / 2, other) < _FAMILY_ANGLE for other in angles):
            continue
        crossing = _family_pixels(half, angle + np.pi / 2, int(length / 2), max(2, gap // 2))
        if np.count_nonzero(crossing) >= _CROSSING_SHARE * found:
            families.append((crossing, length))
    levels = np.zeros((h, w), np.float32)
    on_lines = 0
    for half_pixels, length in families:
        pixels = cv2.dilate(cv2.resize(half_pixels, (w, h), interpolation=cv2.INTER_NEAREST),
                            np.ones((3, 3), np.uint8)) & mask
        on_line = pixels > 0
        if not on_line.any():
            continue
        on_lines += np.count_nonzero(on_line)
        near = cv2.dilate(pixels, np.ones((3, 3), np.uint8)) > 0
        level = _family_level(half_pixels & half, on_line, ink, length, min_length)
        local = _local_level(on_line, ink, level, side)
        levels[near] = np.maximum(levels[near], np.maximum(local[near], level))
    if on_lines < 10:
        return None
    return PrintedLines(levels)


def _family_level(half_pixels, on_line, ink, length, whole):
    """Ink level of a family of lines: the median of its lines' medians.

    A line is a connected stretch of the family's pixels at least
    ``length`` long. Taken line by line, the dark edge of a desk along the
    sheet, straight too and as long as a rule, is one vote among many and
    cannot raise the level of the faint rules beside it.

    Parameters
    ----------
    half_pixels : ndarray, uint8
        Nonzero on the family's line pixels, at half size.
    on_line : ndarray, bool
        The family's line pixels at full size (those of ``half_pixels``,
        widened by a pixel and kept to the ink).
    ink : ndarray, float32
        Ink strength at full size.
    length : float
        Shortest stretch that counts as a line, at full size.
    whole : float
        Length of a whole printed line (see :func:`min_line_length`): when
        at least ``_FAMILY_SIZE`` stretches are that long, only they count.

    Returns
    -------
    float
        The median ink of all the pixels when no stretch is that long.
    """
    values = ink[on_line]
    _, labels, stats = components(half_pixels)
    spans = np.hypot(stats[:, 2], stats[:, 3])
    spans[0] = 0.0
    long_lines = spans >= length / 2
    # Stretches as long as a whole line, when there are enough to vote
    # alone: with a short run, strokes of large digits join in and outvote
    # the printed lines (a faint grid's level rose to the digits' ink, and
    # its removal took them away).
    if np.count_nonzero(spans >= whole / 2) >= _FAMILY_SIZE:
        long_lines = spans >= whole / 2
    if not long_lines.any():
        return float(np.median(values))
    # Each full-size pixel takes the stretch of the half-size pixels around it.
    h, w = on_line.shape
    labels = cv2.dilate(labels.astype(np.float32), np.ones((3, 3), np.uint8))
    labels = cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST)[on_line]
    line = (np.cumsum(long_lines) * long_lines - 1)[labels.astype(np.int64)]
    # Medians from histograms of the ink in _LEVEL_BINS steps up to the
    # strongest, line by line (a sort of every pixel is several times slower).
    top = max(float(values.max()), 1e-6)
    steps = np.clip((values * (_LEVEL_BINS / top)).astype(np.int64), 0, _LEVEL_BINS - 1)
    keep = line >= 0
    histograms = np.bincount(line[keep] * _LEVEL_BINS + steps[keep],
                             minlength=int(long_lines.sum()) * _LEVEL_BINS)
    cumulative = histograms.reshape(-1, _LEVEL_BINS).cumsum(axis=1)
    cumulative = cumulative[cumulative[:, -1] > 0]
    if not len(cumulative):
        return float(np.median(values))
    middle = (cumulative >= (cumulative[:, -1:] + 1) // 2).argmax(axis=1)
    return float(np.median((middle + 0.5) * (top / _LEVEL_BINS)))


def _local_level(on_line, ink, level, side):
    """Ink level of the lines around each pixel.

    Uneven light leaves a stretch of a rule darker than its family's level,
    enough to pass for a pen stroke along it. The mean ink of the nearby
    line pixels follows such stretches; pixels far stronger than the
    family's level (pen strokes crossing the lines) are left out of it.

    Parameters
    ----------
    on_line : ndarray, bool
        The family's line pixels.
    ink : ndarray, float32
        Ink strength, same shape.
    level : float
        The family's level (see :func:`_family_level`).
    side : int
        The image's shorter side, which sets the neighbourhood's size.

    Returns
    -------
    ndarray, float32
        Mean line ink within the neighbourhood; 0 where it holds no line pixel.
    """
    weight = (on_line & (ink <= _LOCAL_CAP * level)).astype(np.float32)
    h, w = ink.shape
    size = max(3, int(_LOCAL_SIZE * side))
    # The neighbourhood is wide: sums over blocks of an eighth of it are
    # plenty, and much cheaper than over pixels.
    step = max(1, size // 8)
    blocks = (max(1, w // step), max(1, h // step))
    kernel = (max(1, round(size / step)),) * 2
    # Whole blocks of step x step pixels (the few pixels past the last
    # whole block are left out): OpenCV averages whole-number reductions
    # many times faster than others.
    whole = (slice(0, min(h, blocks[1] * step)), slice(0, min(w, blocks[0] * step)))
    total = cv2.boxFilter(cv2.resize(ink[whole] * weight[whole], blocks, interpolation=cv2.INTER_AREA),
                          -1, kernel, normalize=False)
    count = cv2.boxFilter(cv2.resize(weight[whole], blocks, interpolation=cv2.INTER_AREA),
                          -1, kernel, normalize=False)
    # Counts are in blocks: at least one line pixel's worth.
    mean = np.where(count * (step * step) >= 1.0, total / np.maximum(count, 1e-9), 0.0)
    return cv2.resize(mean.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def _family_pixels(mask, angle, length, gap):
    """Pixels of the straight runs near one family's angle."""
    pixels = np.zeros_like(mask)
    for offset in _ANGLE_OFFSETS:
        pixels |= _straight_runs(mask, angle + np.deg2rad(offset), length, gap)
    return pixels


def _faint_family(ink, segments, angle, pen):
    """Whether a family's segments are printed lines far fainter than the
    pen: several distinct lines (not one long stroke, nor a sheet's two
    edges), with ink at most ``_FAINT_LINE`` of the pen's."""
    return (distinct_lines(segments, angle, _LINE_SPACING * min(ink.shape)) >= _FAMILY_SIZE
            and _line_ink(ink, segments) <= _FAINT_LINE * pen)


def _pen_ink(ink, mask):
    """Ink strength of the pen: the 90th percentile over the mask (the
    strokes are the strongest ink, even where lines outnumber them)."""
    return quantile(ink[mask > 0][::4], 0.9)


def _line_ink(ink, segments):
    """Median ink strength along some line segments ``(x0, y0, x1, y1)``."""
    h, w = ink.shape
    ends = segments.astype(np.float32)
    along = np.linspace(0.0, 1.0, 32, dtype=np.float32)[None, :, None]
    points = (ends[:, None, :2] + along * (ends[:, None, 2:] - ends[:, None, :2])).reshape(-1, 2)
    xs = np.clip(np.rint(points[:, 0]).astype(int), 0, w - 1)
    ys = np.clip(np.rint(points[:, 1]).astype(int), 0, h - 1)
    return quantile(ink[ys, xs], 0.5)


def _family_angles(mask, min_length, families_only=False):
    """Angles (radians, 0..pi) of the families of long straight lines, and
    the segments ``(x0, y0, x1, y1)`` of each.

    With ``families_only``, a family needs at least ``_FAMILY_SIZE``
    distinct lines that cross most of the image, and a lone line does not
    count.
    """
    h, w = mask.shape
    # The transform runs on a half-size copy: four times faster, and lines
    # stay lines.
    half = cv2.resize(mask, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    segments = cv2.HoughLinesP((half > 0).view(np.uint8), 1, np.pi / 360,
                               threshold=int(min_length * 0.3), minLineLength=min_length / 2,
                               maxLineGap=max(2, _MAX_GAP * min(h, w) / 2))
    if segments is None:
        return [], []
    segments = segments.reshape(-1, 4) * 2
    angles = segment_angles(segments)
    lengths = np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
    families, members_of = [], []
    for i in np.argsort(-lengths):
        members = angles_from(angles, angles[i]) < _FAMILY_ANGLE
        span = w * abs(np.cos(angles[i])) + h * abs(np.sin(angles[i]))
        if families_only:
            spanning = members & (lengths >= _SPANNING * span)
            if distinct_lines(segments[spanning], angles[i], _LINE_SPACING * min(h, w)) < _FAMILY_SIZE:
                continue
        elif np.count_nonzero(members) < _FAMILY_SIZE and lengths[i] < _LONE_LENGTH * span:
            continue
        if any(_angle_between(a, angles[i]) < _FAMILY_ANGLE for a in families):
            continue
        families.append(float(_mean_angle(angles[members], lengths[members])))
        members_of.append(segments[members])
    return families, members_of


def distinct_lines(segments, angle, spacing):
    """How many separate parallel lines some segments lie on.

    Parameters
    ----------
    segments : ndarray, shape (N, 4)
        ``(x0, y0, x1, y1)`` of segments at about ``angle``; N at least 1.
    angle : float
        Their direction, radians.
    spacing : float
        Segments whose midpoints lie further apart than this across the
        direction (pixels) are on separate lines.

    Returns
    -------
    int
    """
    midpoints = (segments[:, :2] + segments[:, 2:]) / 2
    offsets = np.sort(midpoints @ np.array([-np.sin(angle), np.cos(angle)]))
    return 1 + int(np.count_nonzero(np.diff(offsets) > spacing))


def segment_angles(segments):
    """Undirected directions of segments ``(x0, y0, x1, y1)``, radians in [0, pi)."""
    return np.mod(np.arctan2(segments[:, 3] - segments[:, 1], segments[:, 2] - segments[:, 0]),
                  np.pi)


def angles_from(angles, angle):
    """Angles between undirected directions and one direction, 0 to pi/2."""
    difference = np.abs(angles - angle)
    return np.minimum(difference, np.pi - difference)


def _angle_between(a, b):
    """Angle between two undirected directions (radians), 0 to pi/2."""
    difference = np.mod(a - b, np.pi)
    return min(difference, np.pi - difference)


def _mean_angle(angles, weights):
    """Weighted mean of undirected angles (0..pi)."""
    doubled = 2 * angles
    mean = np.arctan2((weights * np.sin(doubled)).sum(), (weights * np.cos(doubled)).sum())
    return np.mod(mean / 2, np.pi)


def _straight_runs(mask, angle, length, gap=1):
    """Ink pixels on straight runs at least ``length`` long at ``angle``,
    bridging gaps of up to ``gap`` pixels along the run."""
    h, w = mask.shape
    centre = (w / 2, h / 2)
    # Turn the image so the runs are horizontal, open with a horizontal line,
    # and turn back. The canvas holds the turned image with a margin wider
    # than the kernels, so no run is cut off or reaches the canvas's edge.
    cos, sin = abs(np.cos(angle)), abs(np.sin(angle))
    margin = 2 * (max(length, gap) + 2)
    size = (int(np.ceil(w * cos + h * sin)) + margin, int(np.ceil(w * sin + h * cos)) + margin)
    # Sides of the parity of the image's diagonal fix where the turned pixels
    # fall, whatever the angle.
    diagonal = int(np.ceil(np.hypot(h, w)))
    size = tuple(side + (side - diagonal) % 2 for side in size)
    turn = cv2.getRotationMatrix2D(centre, np.rad2deg(angle), 1.0)
    turn[:, 2] += ((size[0] - w) / 2, (size[1] - h) / 2)
    upright = cv2.warpAffine(mask, turn, size, flags=cv2.INTER_NEAREST)
    # Thickening across the run first keeps thin, slightly tilted or
    # jagged lines in one piece.
    upright = cv2.dilate(upright, np.ones((3, 1), np.uint8))
    if gap > 1:
        upright = cv2.morphologyEx(upright, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    opened = cv2.morphologyEx(upright, cv2.MORPH_OPEN, np.ones((1, max(3, length)), np.uint8))
    back = cv2.warpAffine(opened, turn, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    return back & mask
