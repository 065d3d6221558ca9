"""Find, normalise and classify the handwritten digits of a photo or frame."""

import itertools
from dataclasses import dataclass, field, replace
from functools import cache

import cv2
import numpy as np

from preprocessing.binarize import HIGH_FLOOR, ink_mask
from preprocessing.boxes import box_coverage, box_iou
from preprocessing.extract import extract_digit
from preprocessing.ink import InkMap
from preprocessing.lines import find_printed_lines, min_line_length
from preprocessing.pieces import find_pieces, join_pieces, touches_edge
from preprocessing.polarity import DARK_MEDIAN, grey_copy, looks_drawn, looks_light_on_dark
from preprocessing.reading_order import reading_order, row_angle
from preprocessing.shape import (CONFIDENT_WIDE, MIN_HEIGHT, WIDE_ASPECT, ground_ink,
                                 line_continuation, looks_like_digit, principal_axis, quantile,
                                 ring_contrast, ring_contrasts, signal_to_noise,
                                 stroke_signal_to_noise)
from preprocessing.split import split_touching

# Candidates must stand out this much from the paper around them, and this
# many times above its noise (pixel by pixel, or at the scale of their
# strokes).
_MIN_CONTRAST = 0.09
_MIN_SIGNAL_TO_NOISE = 10
# Light strokes on a dark ground: inverted, the ground is near white, and
# chalk that stands out plainly is a smaller share of it; the contrast floor
# is this share of the usual one.
_LIGHT_INK_CONTRAST = 0.6
_MIN_STROKE_SIGNAL_TO_NOISE = 12
# Fainter candidates, down to this share of the contrast floor, pass when
# they stand this far above the noise at the scale of their strokes (light
# pencil), and are reported only when read with this confidence.
_FAINT_CONTRAST = 0.7
_FAINT_STROKE_SIGNAL_TO_NOISE = 13
_CONFIDENT_FAINT = 0.8
# ... unless the ground around their strokes carries over this share of
# their ink: streaks of wood grain on a desk pass for faint pencil there, but
# pencil lies on smooth paper. (Over the held-out and bench sheets, the
# texture taken for digits had 0.28 to 0.30; true digits up to 0.18 on
# webcam shots, 0.29 on hard ones, where 0.2 lost one of 5530 hits.)
_TEXTURED_GROUND = 0.2
# Faint pieces taller than this share of the image's shorter side are nets
# of edges and rulings, not one pencil digit (and slow to measure).
_FAINT_MAX_HEIGHT = 0.5
# On a dark ground, ink must be some grey levels darker than the paper (see
# shape.ring_contrast); dark ink in a deep shadow may be less, and passes
# when its strokes stand this far above the noise, on a smooth ground, away
# from the image's edge (where the edge of the sheet meets the desk). Not
# for light ink: read inverted, plain paper is such a dark ground, and the
# paper between dark strokes passed for light digits. Over 660 generated
# sheets: 7 hits more, 1 false find.
_DARK_STROKE_SIGNAL_TO_NOISE = 20
# Fainter still, or drowned in noise, a piece is a digit after all when it
# stands in a row of digits read (its centre within half their height of
# theirs, and this many of their heights from one), is about their size,
# stands out at least this share of the contrast floor and reads surely as
# any digit but 1 (faint stretches of edges and rulings read as 1s).
_ROW_NEIGHBOUR_REACH = 3.0
_ROW_FAINT_CONTRAST = 0.5
_ROW_LOW, _ROW_HIGH = 0.6, 1.4
_ROW_CONFIDENT = 0.9
# With fewer than this many sure digits read, on paper without printed
# lines, faint pieces may also stand in rows of their own: at least this
# many side by side, read as surely as above, vouch for each other (pencil
# in a dim, noisy frame, where every stroke falls just short of the noise
# floor). A grid's fragments line up in rows too, so not on printed lines.
_FAINT_ROWS_MAX_SURE = 3
_FAINT_ROW_SIZE = 3
# Digits are at least this many pixels tall in the image itself: smaller
# specks that read as digits are noise, on a dark desk above all.
_MIN_IMAGE_HEIGHT = 10
# Digits shorter than this fraction of the typical confident digit are
# fragments; marks taller than these multiples (strokes read as 1, others)
# are not digits.
_MIN_RELATIVE_HEIGHT = 0.4
_MAX_RELATIVE_ONE = 1.6
_MAX_RELATIVE_HEIGHT = 2.5
# Blobs are cut into digits only within these multiples of that median
# height: outside, every part would be dropped by the limits above (a part
# is at least 0.45 of its blob's height), with a margin for the median
# taken before the cutting.
_CUT_LOWEST = 0.3
_CUT_HIGHEST = 8.0
_CONFIDENT = 0.7
# Broken digits: given at least this many sure digits to tell the usual
# height, two parts shorter than this share of it are joined when they are
# stacked (overlapping by this share of the narrower one's width, at most
# this share of the height apart) and together are this tall, no wider than
# this for their height, and read this surely.
_BROKEN_MIN_DIGITS = 3
_BROKEN_SHORT = 0.75
_BROKEN_OVERLAP = 0.3
_BROKEN_GAP = 0.4
_BROKEN_LOW, _BROKEN_HIGH = 0.8, 1.25
_BROKEN_ASPECT = 1.1
_BROKEN_CONFIDENT = 0.9
# The less likely ink polarity must be this much more confident to win,
# counting the digits read this surely: the wrong polarity finds
# specks of noise and texture, many of them, but few read surely. (Over
# the held-out sheets, boards and real photos read both ways, the better
# polarity had at most as much of that score when it came first, and at
# least 1.75 times as much when second.)
_OTHER_POLARITY_GAIN = 1.5
_SURE = 0.9
# Rows of sure digits turned by at least this many degrees turn their digits
# back upright before they are read. Below it the turn is within a writer's
# own wobble, and costs little: of the first 3000 MNIST test digits, 98.9%
# are read right turned by 5 degrees, 99.0% upright, 97.8% at 15 degrees.
_MIN_TURN = 5.0
# Each unsure digit takes this much off a polarity's score (grain read as
# many unsure shapes can outnumber the sure digits of the right polarity),
# and the other polarity must gain at least this much.
_UNSURE_COST = 0.5
_OTHER_POLARITY_MIN_GAIN = 0.5
# The polarity not guessed, read because the guessed one read no digit
# surely, must read at least this many surely: paper between dark strokes
# reads as a light digit now and then.
_UNGUESSED_MIN_SURE = 2
# A reading whose digits' strokes are this faint (median ink strength), or
# that read none, is made again with the mask's floor lowered to
# _FAINT_FLOOR: the usual floor keeps shading and faint printed lines out of
# clean photos, but faint pencil in a dim, noisy frame never reaches it.
# (Over 44 generated clips, hard ones 0.8615 to 0.8725 per-frame label F1,
# the faintest pencil clip 0.792 to 0.926; the floor lowered for every
# photo instead lost 0.002 on 660 generated sheets.)
_FAINT_WRITING = 0.2
_FAINT_FLOOR = 0.11
# A reading with this many sure digits is not made again: the fainter one
# would need half as many more to win (see _other_reading_wins), and it
# would cost a second reading of the photo.
_FAINT_RETRY_MAX_SURE = 8
# A blob stands in a number when this many sure digits, from this to this
# share of its height, stand beside it in its row.
_NUMBER_NEIGHBOURS = 2
_NUMBER_LOW, _NUMBER_HIGH = 0.75, 1.33
# Letters of words: shapes from this share of a digit's height to this,
# within this share of its height along the row, stand right next to it.
# They are letters when from this share of their height wide to this, not
# digits with this probability and at least this close to the learnt
# shapes (broken digits and specks read as not digits, but far from any
# learnt shape). A shape whose box overlaps the digit's this much is the
# digit itself.
_NEXT_LOW, _NEXT_HIGH = 0.5, 1.6
_NEXT_GAP = 0.7
_LETTER_ASPECT = 0.5, 1.0
_LETTER = 0.85
_LETTER_CLOSENESS = 0.9
# A blob that reads as a letter but is wider than this for its height is
# rather a run of touching digits.
_LETTER_WIDEST = 1.5
_SAME_PIECE = 0.3
# Sideways photos: tried when at least this many digits were found and they
# look turned (wide, or their nearest neighbours above and below), and kept
# when the total confidence grows this much, the mean drops by no more than
# this, and this share of the digits is found. Upright handwriting has a
# median width up to about 0.9 of its height; turned, mostly over that.
_SIDEWAYS_MIN_DIGITS = 3
_SIDEWAYS_GAIN = 1.2
_SIDEWAYS_MEAN_DROP = 0.05
_SIDEWAYS_KEEP = 0.8
_SIDEWAYS_ASPECT = 0.9
_SIDEWAYS_COLUMNS = 0.6
# When at least this many digit-sized pieces stand out from the paper but
# not from its noise (thin strokes under heavy sensor noise), the image is
# read again at this share of the working scale, where averaging pixels
# lowers the noise, and that reading is kept when it is this much more
# confident in total (a noisy frame read 7 of its 10 digits at full size,
# with 0.9 of the confidence of its coarser reading of all 10). Half the
# scale would lower it more, but 20 px digits would shrink to 10 px, too
# small to read. (The live loop reads less coarsely, see live.loop.)
_DROWNED_PIECES = 8
_COARSER = 0.7
_COARSER_GAIN = 1.1
# A neighbour is above or below when the step to it is this steep.
_STEEP = 2.0
# The turned reading's heights may spread this much more than the upright's.
_SPREAD_MARGIN = 0.1
_QUARTER_TURNS = ((cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE),
                  (cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_90_CLOCKWISE))
# A typical piece taller than this fraction of the image's shorter side,
# when some piece spans this fraction of the image's diagonal, may be digits
# and printed lines in one net.
_NET_HEIGHT = 0.3
_NET_SPAN = 0.5
# Lines are searched for again when the pieces they leave are typically
# shorter than this share of the height they were searched with.
_HEIGHT_AGAIN = 0.6
# Pieces at least this wide for their height are compact, like most digits;
# given this many compact pieces, pieces narrower than that and over this
# many times the compact pieces' median height are lines (the rules of a
# ledger, grid lines broken apart) and do not vote on the digits' height.
_COMPACT = 0.3
_MIN_COMPACT = 3
_LINE_HEIGHTS = 2.0
# Pieces over this many digit heights long, each straight to within its
# width and this share of the digits' height, are strokes on their own,
# unless this many lie within this angle of each other (the rules of a
# ruled sheet, bent a little by perspective).
_LONG = 2.0
_STRAIGHT = 0.15
_RULES = 3
_PARALLEL_SPAN = np.deg2rad(8.0)
# Printed lines count for a reading (see Reading.printed_lines) when they
# pass within this share of a digit's height of its box.
_NEAR_LINES = 0.5
# Pieces left on the printed lines with at least this share of their ink
# are the lines' own darker stretches.
_ON_LINE_SHARE = 0.8
# ... unless their ink is over this many times the lines' own: then they are
# pen strokes that follow a line (small digits on a fine grid).
_REMNANT_INK = 2.5
# A digit-sized piece at most this wide for its height, whose ink goes on
# past both its ends at least this strongly for its own (see
# shape.line_continuation), is a stretch of a faint line that the rules
# crossing it cut up, not a 1.
_THIN_STRETCH = 0.35
_LINE_GOES_ON = 0.5
# A digit on the image's edge shorter than this share of its shorter side is
# cut off by the frame.
_CUT_OFF_HEIGHT = 0.5
# A candidate enclosing another at least this tall (relative) is a frame.
_ENCLOSED_HEIGHT = 0.25
# The dark margin of a desk around a whole sheet is a ring: ink on less than
# this share of its box, and at most this share of it inside the box's middle
# (inset by this share of each side, for a turned or tilted sheet).
_RING_FILL = 0.3
_RING_INSIDE = 0.02
_RING_INSET = 0.25


@dataclass(frozen=True)
class Digit:
    """One digit found in an image.

    Attributes
    ----------
    x, y, w, h : int
        Box tight around the digit's ink, in the image's pixels.
    label : int
        The digit, 0 to 9.
    confidence : float
        Probability of the label times how digit-like the shape is, 0 to 1.
    image : ndarray, shape (28, 28), uint8
        The digit in MNIST format, as the classifier saw it.
    """

    x: int
    y: int
    w: int
    h: int
    label: int
    confidence: float
    image: np.ndarray = field(repr=False, compare=False)

    @property
    def box(self):
        """``(x, y, w, h)``."""
        return self.x, self.y, self.w, self.h


@dataclass
class Reading:
    """The digits of an image in reading order.

    Attributes
    ----------
    digits : list of Digit
        Rows from top to bottom, each from left to right.
    numbers : list of list of int
        Indices into ``digits`` of each number (neighbouring digits of a row).
    light_ink : bool
        Whether the strokes were read as light on a dark ground.
    scale : float or None
        Working resolution, relative to the image, the digits were found
        at: lower than asked for when a noisy image read better coarser.
    printed_lines : bool
        Whether printed lines (ruled or squared paper) were found running
        through or beside the digits, and taken out. Straight lines away
        from the digits, such as the edge of a desk around the sheet, do
        not count.
    """

    digits: list
    numbers: list
    light_ink: bool = False
    scale: float = None
    printed_lines: bool = False

    @property
    def text(self):
        """The numbers, separated by single spaces, e.g. ``"2025 17"``."""
        return " ".join("".join(str(self.digits[i].label) for i in number)
                        for number in self.numbers)


class DigitReader:
    """Read handwritten digits from photos and video frames.

    Parameters
    ----------
    model : train.classifier.DigitClassifier
        A fitted classifier (see :func:`train.load_model`).
    min_confidence : float, default 0.5
        Digits with a lower confidence are not reported.
    max_side : int, default 1600
        Images are searched for digits at a working resolution whose longer
        side is at most this; small digits are still cut from the full image.
    light_ink : bool or None, default None
        Force the ink's polarity (True: light strokes on a dark ground), or
        guess it from each image.
    upright_only : bool, default False
        Do not try reading sideways images (photos stored turned by a
        quarter turn without an orientation tag); saves time on video.
    coarser_scale : float, default 0.7
        Share of the working scale at which an image whose strokes drown
        in sensor noise is read again (the reading is kept when clearly
        more confident).
    """

    def __init__(self, model, min_confidence=0.5, max_side=1600, light_ink=None,
                 upright_only=False, coarser_scale=_COARSER):
        self.model = model
        self.min_confidence = min_confidence
        self.max_side = max_side
        self.light_ink = light_ink
        self.upright_only = upright_only
        self.coarser_scale = coarser_scale

    def read(self, image, light_ink=None, scale=None, find_lines=True):
        """Read the digits of an image.

        Parameters
        ----------
        image : ndarray, shape (H, W) or (H, W, 3), uint8
            Grey or BGR image.
        light_ink : bool, optional
            The ink's polarity for this image, overriding the reader's own
            setting (video frames of one sheet keep one polarity).
        scale : float, optional
            Working resolution relative to the image (at most 1), overriding
            ``max_side``: when the digits' size is known, enough to keep them
            about 30 pixels tall is enough.
        find_lines : bool, default True
            Look for printed lines to take out. A video loop whose last
            reading of the whole frame found none beside its digits (see
            ``Reading.printed_lines``) may skip the search, a fifth of a
            frame's time, in the frames before it looks again.

        Returns
        -------
        Reading
        """
        image = _as_uint8_image(image)
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w)) if scale is None else min(1.0, scale)
        guessed = light_ink is None and self.light_ink is None
        polarities = self._polarities(image) if light_ink is None else (light_ink,)
        score, digits, layers, drowned, faint = self._read_upright(image, polarities, scale,
                                                                   find_lines)
        light_ink = layers.ink_map.light_ink
        if drowned >= _DROWNED_PIECES:
            coarse = self._read_upright(image, (light_ink,), scale * self.coarser_scale,
                                        find_lines)
            if coarse[0] > _COARSER_GAIN * score:
                score, digits, layers, drowned, faint = coarse
        if (guessed and len(polarities) == 1 and not _count_sure(digits)
                and not looks_drawn(image)):
            # Light strokes on a dark card that lies on a lighter desk pass
            # for dark ink on the desk: where that reads nothing surely, the
            # other polarity is read too. (A drawing's ground is one flat
            # colour: its polarity is never in doubt, but the holes of its
            # thick strokes read as 0s.)
            other = self._read_upright(image, (not light_ink,), scale, find_lines)
            if _other_reading_wins(other[1], digits, min_sure=_UNGUESSED_MIN_SURE):
                score, digits, layers, drowned, faint = other
        if (_count_sure(digits) < _FAINT_RETRY_MAX_SURE
                and _writing_ink(digits, layers) < _FAINT_WRITING):
            # The fainter reading must win as another polarity would: the
            # lower floor lets in specks and shading too.
            fainter = layers.with_floor(_FAINT_FLOOR, find_lines)
            fainter_digits, _, fainter_faint = self._read_layers(fainter)
            if _other_reading_wins(fainter_digits, digits):
                score, digits, layers, faint = (_score(fainter_digits), fainter_digits,
                                                fainter, fainter_faint)
        scale, light_ink = layers.scale, layers.ink_map.light_ink
        if not self.upright_only and _looks_sideways(digits):
            # The ink, its mask and the printed lines are turned, not
            # measured again.
            readings = [(self._read_layers(layers.turned(turn)), back)
                        for turn, back in _QUARTER_TURNS]
            (turned, _, turned_faint), back = max(readings, key=lambda r: _score(r[0][0]))
            turned_score = _score(turned)
            # More digits alone is no proof: junk adds up too. The turned
            # reading must be surer of its digits on average, and find about
            # as many.
            if (turned and turned_score > _SIDEWAYS_GAIN * score
                    and (turned_score / len(turned)
                         >= score / max(len(digits), 1) - _SIDEWAYS_MEAN_DROP)
                    and len(turned) >= _SIDEWAYS_KEEP * len(digits)
                    and _median_aspect(turned) < _median_aspect(digits)
                    and _height_spread(turned) <= _height_spread(digits) + _SPREAD_MARGIN
                    and not _looks_sideways(turned)):
                turned += turned_faint
                upright = [_turn_box(d, back, image.shape) for d in turned]
                return _in_reading_order(upright, light_ink, scale,
                                         _lines_near(layers.lines, upright, scale),
                                         order_boxes=[d.box for d in turned])
        return _in_reading_order(digits + faint, light_ink, scale,
                                 _lines_near(layers.lines, digits + faint, scale))

    def _read_upright(self, image, polarities, scale, find_lines=True):
        """Best reading over the given polarities: (score, digits, layers,
        drowned, faint), see :meth:`_read_layers`.

        The first polarity is the likelier guess; another must read clearly
        more digits surely to replace it, since the wrong one also finds
        marks.
        """
        best = None
        for light_ink in polarities:
            layers = _Layers.of(image, scale, light_ink, find_lines)
            digits, drowned, faint = self._read_layers(layers)
            if best is None or _other_reading_wins(digits, best[1]):
                best = _score(digits), digits, layers, drowned, faint
        return best

    def _polarities(self, image):
        if self.light_ink is not None:
            return (self.light_ink,)
        # Light strokes on a dark ground are rare and hard to tell from a
        # sheet on a dark desk: whenever they are possible, both readings are
        # made and the more confident one is kept.
        grey = grey_copy(image)
        if looks_light_on_dark(grey):
            return (True, False)
        if np.median(grey) < DARK_MEDIAN:
            return (False, True)
        return (False,)

    def _read_layers(self, layers):
        """The digits found in an image's layers (see :class:`_Layers`), how
        many digit-sized pieces were dropped as drowned in noise, and the
        faint digits found in their rows.

        The faint digits are kept apart: taken on the word of their
        neighbours, they do not count when readings are compared.
        """
        ink_map, ink, grey, roughness, lines = (layers.ink_map, layers.ink, layers.grey,
                                                layers.roughness, layers.lines)
        scale, light_ink = layers.scale, ink_map.light_ink
        if lines is not None:
            labels, pieces = layers.line_free_pieces or find_pieces(lines.remove(layers.mask, ink))
            pieces = [p for p in pieces if not _line_remnant(p, labels, ink, lines)]
        else:
            labels, pieces = layers.mask_pieces or find_pieces(layers.mask)
        pieces = join_pieces(pieces, labels, ink)
        min_height = max(MIN_HEIGHT, _MIN_IMAGE_HEIGHT * scale)
        min_contrast = _MIN_CONTRAST * (_LIGHT_INK_CONTRAST if light_ink else 1.0)
        seen = [(p, _visibility(p, labels, ink, grey, roughness, min_contrast, light_ink))
                for p in pieces if p.h >= min_height]
        pieces = [p for p, verdict in seen if verdict == _INK]
        drowned = sum(verdict == _DROWNED for _, verdict in seen)
        faint = [p for p, verdict in seen if verdict != _INK]

        def judge_turned(turn):
            # Parts cut from a blob are read as cut: turning them upright
            # gained no digit over the held-out sheets and cost a touching
            # pair its cut.
            return _Judge(self.model, lambda p: extract_digit(
                p, labels, ink_map, scale, lines, roughness, ink,
                turn if p.own_mask is None else 0.0))

        judge = judge_turned(0.0)
        # The pieces that pass for digits, read once, tell the digits' size
        # and rows.
        looking = [p for p in pieces if looks_like_digit(p, labels)]
        readings = list(zip(looking, judge.digits(looking)))
        # The digits of a page turned on the desk turn with their rows: they
        # are read again, turned back upright.
        turn = row_angle([d.box for _, d in readings if d.confidence >= _SURE])
        if abs(turn) >= _MIN_TURN:
            judge = judge_turned(turn)
            readings = list(zip(looking, judge.digits(looking)))
        in_number = _in_number_test(readings)
        # A letter's parts read as digits as surely as touching digits':
        # only in a number, or when wider than letters are, is a blob that
        # reads as a letter cut.
        letters = [p for p, letter in zip(looking, judge.letters(looking))
                   if letter and p.w <= _LETTER_WIDEST * p.h and not in_number(p)]
        whole = {id(p) for p in letters}
        pieces = split_touching([p for p in pieces if id(p) not in whole],
                                labels, judge.confidences, read=judge.labels,
                                heights=_cuttable_heights(readings),
                                in_number=in_number) + letters
        # A narrow filled blob may be a small digit whose strokes ran
        # together, but not when cut from a wider one (bold print): cut
        # parts carry their own mask.
        candidates = _drop_frames([p for p in pieces if looks_like_digit(
            p, labels, narrow_blobs=p.own_mask is None)])
        candidates = _join_broken(candidates, judge)
        digits = [d for p, d in zip(candidates, judge.digits(candidates))
                  if d.confidence >= self.min_confidence
                  and (d.confidence >= _SURE or looks_like_digit(p, labels))
                  and (d.w <= WIDE_ASPECT * d.h or d.confidence >= CONFIDENT_WIDE)
                  and (d.confidence >= _CONFIDENT_FAINT
                       or ring_contrast(p, labels, grey) >= min_contrast)
                  and not _stretch_of_a_line(p, labels, ink)]
        def may_be_digit(p):
            return (ring_contrast(p, labels, grey) >= _ROW_FAINT_CONTRAST * min_contrast
                    and looks_like_digit(p, labels))

        beside = [p for p in faint if _beside_digits(p, digits, scale) and may_be_digit(p)]
        digits = _drop_cut_off(_drop_odd_sizes(digits), ink_map.shape)
        digits = _drop_letters_of_words(digits, seen, judge, scale)
        found = _faint_in_rows(beside, digits, judge)
        if lines is None and _count_sure(digits) < _FAINT_ROWS_MAX_SURE:
            found += _faint_rows([p for p in faint if p.h <= _FAINT_MAX_HEIGHT * min(grey.shape)
                                  and may_be_digit(p)], digits + found, judge)
        return digits, drowned, _drop_cut_off(found, ink_map.shape)


@dataclass
class _Layers:
    """What the digits of an image are looked for in: the ink of one
    polarity at the working scale, its mask and the printed lines.

    Attributes
    ----------
    ink_map : InkMap
        Ink at full resolution, where the digits are cut from; it knows the
        polarity.
    scale : float
        Working resolution relative to the image.
    ink, grey, roughness : ndarray, float32
        Ink strength, the ink channel and the paper's roughness.
    mask : ndarray, uint8
        Ink mask, printed lines included.
    lines : PrintedLines or None
    mask_pieces : tuple or None
        ``find_pieces(mask)`` (labels and pieces) when already computed.
    line_free_pieces : tuple or None
        The same for the mask without the printed lines.
    drawn : bool
        Whether the image looks drawn on a screen (see ``looks_drawn``).
    """

    ink_map: InkMap
    scale: float
    ink: np.ndarray
    grey: np.ndarray
    roughness: np.ndarray
    mask: np.ndarray
    lines: object
    mask_pieces: tuple = None
    line_free_pieces: tuple = None
    drawn: bool = False

    @classmethod
    def of(cls, image, scale, light_ink, find_lines=True):
        """Measure the layers of an image at ``scale`` (printed lines only
        when ``find_lines``)."""
        ink_map = InkMap(image, light_ink)
        ink, grey = ink_map.resized(scale, with_pixels=True)
        return cls._masked(ink_map, scale, ink, grey, looks_drawn(image), find_lines, HIGH_FLOOR)

    def with_floor(self, high_floor, find_lines=True):
        """The same ink masked with another floor (see :func:`ink_mask`)."""
        return self._masked(self.ink_map, self.scale, self.ink, self.grey, self.drawn,
                            find_lines, high_floor, self.roughness)

    @classmethod
    def _masked(cls, ink_map, scale, ink, grey, drawn, find_lines, high_floor, roughness=None):
        mask, roughness = ink_mask(ink, with_roughness=True, roughness=roughness,
                                   high_floor=high_floor)
        if drawn:
            # A drawing made on a screen has no noise: pieces a pixel apart
            # are one stroke drawn with a speckled brush, not two marks.
            mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
        labels, pieces = find_pieces(mask)
        lines, line_free = (_printed_lines(ink, mask, labels, pieces) if find_lines
                             else (None, None))
        return cls(ink_map, scale, ink, grey, roughness, mask, lines, (labels, pieces), line_free,
                   drawn)

    def turned(self, turn):
        """The layers of the image turned by a quarter (``turn``: a
        ``cv2.ROTATE_90_*`` code)."""
        return _Layers(self.ink_map.turned(turn), self.scale,
                       *(cv2.rotate(a, turn) for a in (self.ink, self.grey, self.roughness,
                                                        self.mask)),
                       None if self.lines is None else self.lines.turned(turn))


def _writing_ink(digits, layers):
    """Median ink strength of the strokes of the digits read (0 without
    digits): the median over the digits of each one's median in the mask."""
    inks = []
    for d in digits:
        x0, y0, w, h = (int(round(v * layers.scale)) for v in (d.x, d.y, d.w, d.h))
        inside = layers.mask[y0:y0 + h, x0:x0 + w] > 0
        if inside.any():
            inks.append(float(np.median(layers.ink[y0:y0 + h, x0:x0 + w][inside])))
    return float(np.median(inks)) if inks else 0.0


def _score(digits):
    """Total confidence of a reading's digits."""
    return sum(d.confidence for d in digits)


_INK, _DROWNED, _UNSEEN = "ink", "drowned", "unseen"


def _other_reading_wins(digits, likelier, min_sure=1):
    """Whether the digits of a less likely reading (in the other polarity,
    or with a lower ink floor) replace those of the likelier one.

    A reading with fewer than ``min_sure`` sure digits cannot replace
    another: with none, the likelier may yet read well coarser (see
    :meth:`DigitReader.read`).
    """
    best = _polarity_score(likelier)
    return (_count_sure(digits) >= min_sure
            and _polarity_score(digits) > max(_OTHER_POLARITY_GAIN * best,
                                              best + _OTHER_POLARITY_MIN_GAIN))


def _count_sure(digits):
    """How many digits were read at least _SURE."""
    return sum(d.confidence >= _SURE for d in digits)


def _polarity_score(digits):
    """How well a polarity reads: the confidence of its sure digits, less
    ``_UNSURE_COST`` for each unsure one."""
    sure = [d for d in digits if d.confidence >= _SURE]
    return _score(sure) - _UNSURE_COST * (len(digits) - len(sure))


def _visibility(piece, labels, ink, grey, roughness, min_contrast, light_ink=False):
    """Whether a piece stands out from the paper clearly enough to be ink:
    contrast enough and above the noise, or fainter but far above the noise
    at the scale of its strokes and on a smooth ground (it must then read
    as a digit surely). Dark ink (``light_ink`` False) in a deep shadow
    needs no grey step when its strokes stand far above the noise.

    Returns _INK, _DROWNED (digit-sized, contrast enough, but not above the
    noise) or _UNSEEN.
    """
    contrast, stepless = ring_contrasts(piece, labels, grey)
    # The costlier measures, each made once and only when needed.
    stroke = cache(lambda: stroke_signal_to_noise(piece, labels, ink))
    smooth_ground = cache(lambda: ground_ink(piece, labels, ink) < _TEXTURED_GROUND)
    if (contrast < min_contrast and not light_ink and not touches_edge(piece, grey.shape)
            and stepless >= _FAINT_CONTRAST * min_contrast
            and stroke() >= _DARK_STROKE_SIGNAL_TO_NOISE and smooth_ground()):
        contrast = stepless
    small = piece.h <= _FAINT_MAX_HEIGHT * min(grey.shape)
    if contrast >= min_contrast:
        if (signal_to_noise(piece, labels, ink, roughness) >= _MIN_SIGNAL_TO_NOISE
                or stroke() >= _MIN_STROKE_SIGNAL_TO_NOISE):
            return _INK
        return _DROWNED if small else _UNSEEN
    if (contrast >= _FAINT_CONTRAST * min_contrast and small
            and stroke() >= _FAINT_STROKE_SIGNAL_TO_NOISE and smooth_ground()):
        return _INK
    return _UNSEEN


class _Judge:
    """Classify pieces in batches, each piece once."""

    def __init__(self, model, extract):
        self._model = model
        self._extract = extract
        # By id, with the piece itself: a piece kept alive cannot hand its
        # id down to a new piece.
        self._digits = {}

    def digits(self, pieces):
        """The Digit each piece reads as, in order."""
        self._read(pieces)
        return [self._digits[id(p)][1] for p in pieces]

    def letters(self, pieces):
        """Whether each piece reads as a letter: surely not a digit, and
        about as close to the shapes learnt as not digits as digits are to
        theirs."""
        self._read(pieces)
        return [self._digits[id(p)][2] for p in pieces]

    def _read(self, pieces):
        new = [p for p in pieces if id(p) not in self._digits]
        if not new:
            return
        images, boxes = zip(*map(self._extract, new))
        proba, closeness, digit_probability = self._model.assess_parts(np.stack(images))
        labels = self._model.classes_[proba.argmax(axis=1)]
        confidence = proba.max(axis=1) * closeness * digit_probability
        letter = (digit_probability < 1 - _LETTER) & (closeness >= _LETTER_CLOSENESS)
        for piece, box, label, c, is_letter, image in zip(new, boxes, labels, confidence, letter,
                                                         images):
            self._digits[id(piece)] = piece, Digit(*box, label=int(label), confidence=float(c),
                                                   image=image), bool(is_letter)

    def confidences(self, pieces):
        """Classification confidence of each piece."""
        return [d.confidence for d in self.digits(pieces)]

    def labels(self, pieces):
        """The label each piece reads as."""
        return [d.label for d in self.digits(pieces)]


def _beside_digits(piece, digits, scale):
    """Whether a piece (at working scale ``scale``) stands in a row with
    any of the digits."""
    box = _box_of(piece, scale)
    return any(_in_row(box, d.box) for d in digits)


def _box_of(piece, scale=1.0):
    """A piece's box ``(x, y, w, h)`` in the image's pixels, from working
    scale ``scale`` (by default, in working pixels)."""
    return piece.x / scale, piece.y / scale, piece.w / scale, piece.h / scale


def _faint_in_rows(pieces, digits, judge):
    """The digits among faint pieces beside the digits read that stand in
    their row, at their size and apart from them, and read surely as any
    digit but 1."""
    kept = []
    for digit in judge.digits(pieces):
        row = [d for d in digits if _in_row(digit.box, d.box)]
        if digit.confidence < _ROW_CONFIDENT or digit.label == 1 or not row:
            continue
        height = float(np.median([d.h for d in row]))
        if (_ROW_LOW * height <= digit.h <= _ROW_HIGH * height
                and not any(_covers(d.box, digit.box) for d in digits + kept)):
            kept.append(digit)
    return kept


def _faint_rows(pieces, digits, judge):
    """Digits among faint pieces that stand in rows of their own: at least
    _FAINT_ROW_SIZE side by side, of about one height, each read surely as
    any digit but 1, and apart from the digits read."""
    sure = [d for d in judge.digits(pieces)
            if d.confidence >= _ROW_CONFIDENT and d.label != 1
            and not any(_covers(other.box, d.box) for other in digits)]
    kept = []
    for d in sure:
        row = [other for other in sure if _number_neighbour(other.box, d.box)]
        if len(row) >= _FAINT_ROW_SIZE and not any(_covers(k.box, d.box) for k in kept):
            kept.append(d)
    return kept


def _drop_letters_of_words(digits, seen, judge, scale):
    """Drop the digits that stand in a word: a run of digits side by side
    with a letter right next to it, and at least as many letters in its
    row as it has digits and more than the row's other digits (the Ts of
    TEXT, the IT of WRITE, the c of a handwritten "clue").

    ``seen``: the pieces that stood out (at working scale ``scale``), each
    with its verdict. A letter is a piece about the digit's height, from
    half as wide as tall to square, that reads as a letter (see
    :meth:`_Judge.letters`): wider blobs beside a digit are as often digits
    run together, and narrower ones broken strokes.
    """
    shapes = [p for p, _ in seen if _LETTER_ASPECT[0] * p.h <= p.w <= _LETTER_ASPECT[1] * p.h]
    boxes = [_box_of(p, scale) for p in shapes]

    def letters(run, beside):
        near = [p for p, box in zip(shapes, boxes) if any(beside(box, d.box) for d in run)]
        return [p for p, read, letter in zip(near, judge.digits(near), judge.letters(near))
                if letter and all(box_iou(read.box, d.box) < _SAME_PIECE for d in run)]

    def in_row(box, other):
        return _in_row(box, other) and _of_height(box, other)

    dropped = set()
    for run in _runs(digits):
        if not letters(run, _next_to):
            continue
        others = [d for d in digits if all(d is not r for r in run)
                  and any(in_row(d.box, r.box) for r in run)]
        in_line = len(letters(run, in_row))
        if in_line >= len(run) and in_line > len(others):
            dropped.update(id(d) for d in run)
    return [d for d in digits if id(d) not in dropped]


def _runs(digits):
    """The digits grouped into runs of digits right next to each other."""
    runs = []
    for digit in digits:
        touching = [run for run in runs if any(_next_to(d.box, digit.box) for d in run)]
        merged = [digit] + [d for run in touching for d in run]
        runs = [run for run in runs if all(run is not t for t in touching)] + [merged]
    return runs


def _next_to(box, other):
    """Whether a box stands right next to another of about its height:
    centres level, and a gap under _NEXT_GAP of the other's height (or an
    overlap of less than a third of the narrower)."""
    x, y, w, h = box
    ox, oy, ow, oh = other
    gap = max(x - (ox + ow), ox - (x + w))
    return (_of_height(box, other)
            and abs((y + h / 2) - (oy + oh / 2)) <= 0.5 * max(h, oh)
            and -min(w, ow) / 3 <= gap <= _NEXT_GAP * oh)


def _of_height(box, other):
    """Whether a box is from _NEXT_LOW to _NEXT_HIGH of another's height."""
    return _NEXT_LOW * other[3] <= box[3] <= _NEXT_HIGH * other[3]


def _number_neighbour(box, other):
    """Whether a box could be a digit of the same number as another: in
    its row, and from _NUMBER_LOW to _NUMBER_HIGH of its height."""
    return _in_row(box, other) and _NUMBER_LOW * other[3] <= box[3] <= _NUMBER_HIGH * other[3]


def _in_row(box, other):
    """Whether a box stands in a row with another: centres level within
    half the other's height, and near enough along the row."""
    x, y, w, h = box
    ox, oy, ow, oh = other
    return (abs((y + h / 2) - (oy + oh / 2)) < 0.5 * oh
            and abs((x + w / 2) - (ox + ow / 2)) < _ROW_NEIGHBOUR_REACH * oh)


def _covers(box, other):
    """Whether a box covers a fifth of another's area or more."""
    return box_coverage(box, other) >= 0.2


def _lines_near(lines, digits, scale):
    """Whether printed lines (``lines``, found at working scale ``scale``)
    pass through any digit's box grown by _NEAR_LINES of its height."""
    if lines is None:
        return False
    for d in digits:
        reach = _NEAR_LINES * d.h
        x0, y0 = (max(0, int((v - reach) * scale)) for v in (d.x, d.y))
        x1, y1 = (int((v + reach) * scale) + 1 for v in (d.x + d.w, d.y + d.h))
        if np.any(lines.levels[y0:y1, x0:x1] > 0):
            return True
    return False


def _in_reading_order(digits, light_ink, scale, printed_lines, order_boxes=None):
    """A Reading of digits, ordered by their boxes (or by ``order_boxes``,
    the same digits' boxes in the frame they were read in)."""
    ordered, numbers = [], []
    for number in reading_order(order_boxes or [d.box for d in digits]):
        numbers.append(list(range(len(ordered), len(ordered) + len(number))))
        ordered.extend(digits[i] for i in number)
    return Reading(ordered, numbers, light_ink, scale, printed_lines)


def _looks_sideways(digits):
    """Whether the digits look like writing seen on its side: lined up in
    columns rather than rows, or mostly wider than tall."""
    if len(digits) < _SIDEWAYS_MIN_DIGITS:
        return False
    if _median_aspect(digits) > _SIDEWAYS_ASPECT:
        return True
    centres = np.array([(d.x + d.w / 2, d.y + d.h / 2) for d in digits])
    offsets = centres[None, :, :] - centres[:, None, :]
    distances = np.hypot(offsets[..., 0], offsets[..., 1])
    np.fill_diagonal(distances, np.inf)
    nearest = distances.argmin(axis=1)
    step = offsets[np.arange(len(digits)), nearest]
    vertical = np.abs(step[:, 1]) > _STEEP * np.abs(step[:, 0])
    return float(vertical.mean()) > _SIDEWAYS_COLUMNS


def _median_aspect(digits):
    return float(np.median([d.w / d.h for d in digits]))


def _height_spread(digits):
    """Spread of the digits' heights: strokes broken into pieces vary more
    than digits written at one size."""
    heights = np.array([d.h for d in digits], float)
    low, middle, high = np.percentile(heights, [25, 50, 75])
    return float((high - low) / max(middle, 1.0))


def _turn_box(digit, turn, shape):
    """A digit read in a turned copy, with its box in the original image.

    ``turn`` is the rotation that takes the turned copy back to the original.
    """
    h, w = shape[:2]
    x, y, bw, bh = digit.box
    if turn == cv2.ROTATE_90_COUNTERCLOCKWISE:
        # The copy was turned clockwise: copy (x, y) is original (y, h - 1 - x).
        box = (y, h - (x + bw), bh, bw)
    else:
        # The copy was turned counter-clockwise: copy (x, y) is (w - 1 - y, x).
        box = (w - (y + bh), x, bh, bw)
    return replace(digit, x=box[0], y=box[1], w=box[2], h=box[3])


def _as_uint8_image(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected a grey or BGR image, got shape {image.shape}")
    return image


def _typical_height(pieces):
    """Median height of the larger pieces: specks (below MIN_HEIGHT),
    fragments and long thin lines do not vote."""
    pieces = [p for p in pieces if p.h >= MIN_HEIGHT]
    compact = [p.h for p in pieces if p.w >= _COMPACT * p.h]
    if len(compact) >= _MIN_COMPACT:
        tallest = _LINE_HEIGHTS * np.median(compact)
        pieces = [p for p in pieces if p.w >= _COMPACT * p.h or p.h <= tallest]
    heights = np.array([p.h for p in pieces])
    if len(heights) == 0:
        return None
    return float(np.median(heights[heights >= 0.5 * np.percentile(heights, 90)]))


def _printed_lines(ink, mask, labels, pieces):
    """Printed lines of an ink mask, searched with the typical height of its
    pieces so that no digit's stroke is long enough to pass for a line.

    Digits written on dark lines make one net with them, and when such nets
    set the typical height, only the longest lines, or none, are long
    enough. So when that height is large and a piece spans much of the
    image, families of parallel lines are looked for first without it, and
    the height is measured again on what they leave. Smaller nets of digits
    and grid squares also make the height too large: when the lines found
    leave pieces clearly shorter, the search is made again with their height.

    Returns
    -------
    lines : PrintedLines or None
    line_free : tuple or None
        ``find_pieces`` of the mask without the lines (None without lines).
    """
    # The dark margin of a desk around the sheet is long and straight, but
    # touches no digit: alone, it is not worth the search (a third of a
    # webcam frame's time).
    by_length = sorted(pieces, key=lambda p: p.w * p.w + p.h * p.h, reverse=True)
    longest = next((float(np.hypot(p.w, p.h)) for p in by_length
                    if not _ring_around_the_rest(p, labels, pieces)), 0.0)
    height = _typical_height(pieces)
    if height is not None and _lone_strokes(by_length, labels, pieces, height, mask.shape):
        return None, None
    if (height is not None and height >= _NET_HEIGHT * min(mask.shape)
            and longest >= _NET_SPAN * float(np.hypot(*mask.shape))):
        # A net: the lines found with its height would be only the longest
        # family, and the others would be cut into digit-sized strokes.
        families = find_printed_lines(ink, mask, longest=longest, families_only=True)
        if families is not None:
            _, rest = find_pieces(families.remove(mask, ink))
            digit_height = _typical_height(rest)
            if digit_height is not None and digit_height < height:
                return _without_lines(find_printed_lines(ink, mask, digit_height, longest=longest),
                                      ink, mask)
    lines, line_free = _without_lines(find_printed_lines(ink, mask, height, longest=longest),
                                      ink, mask)
    if lines is not None and height is not None:
        # Digits glued to the grid made the height too large, and lines
        # had to run straight further than they do: search again with the
        # height of what the lines found leave.
        digit_height = _typical_height(line_free[1])
        if digit_height is not None and digit_height < _HEIGHT_AGAIN * height:
            again = find_printed_lines(ink, mask, digit_height, longest=longest)
            if again is not None:
                return _without_lines(again, ink, mask)
    return lines, line_free


def _without_lines(lines, ink, mask):
    """``lines`` and the pieces of the mask they leave (None without lines)."""
    return lines, None if lines is None else find_pieces(lines.remove(mask, ink))


def _lone_strokes(by_length, labels, pieces, height, shape):
    """Whether the only pieces long enough to hold a printed line are
    straight strokes on their own (an underline, the shadow along a sheet's
    edge), not three or more in parallel like the rules of a sheet:
    touching no digit, they are dropped as shapes, and there is nothing to
    search.

    Parameters
    ----------
    by_length : list of Piece
        The pieces, longest first.
    labels : ndarray
    pieces : list of Piece
        All of them, to tell the ring of a desk around a sheet.
    height : float
        Typical digit height.
    shape : tuple of int
        The mask's shape.
    """
    reach = max(0.5 * min_line_length(shape, height), _LONG * height)
    angles = []
    for piece in by_length:
        if np.hypot(piece.w, piece.h) < reach:
            break
        if _ring_around_the_rest(piece, labels, pieces):
            continue
        angle, along, across = principal_axis(piece.mask(labels))
        # A straight stroke strays from its axis by about half its mean
        # width; a digit on it, by the digit's height.
        if across > piece.area / along + _STRAIGHT * height:
            return False
        angles.append(angle)
    return bool(angles) and not _rules_among(angles)


def _rules_among(angles):
    """Whether _RULES of some directions (radians, 0 to pi) are parallel:
    within _PARALLEL_SPAN of each other."""
    angles = np.sort(angles)
    # Directions wrap around at pi: the first ones come again at the end.
    wrapped = np.concatenate([angles, angles[:_RULES - 1] + np.pi])
    spans = wrapped[_RULES - 1:len(angles) + _RULES - 1] - wrapped[:len(angles)]
    return len(angles) >= _RULES and bool(np.any(spans <= _PARALLEL_SPAN))


def _line_remnant(piece, labels, ink, lines):
    """Whether a piece is a stretch of a printed line left behind (darker
    than the rest of its line, yet far lighter than a pen): almost all of
    its ink lies on the line."""
    mask = piece.mask(labels)
    if lines.share_on_lines(mask, piece.x, piece.y) < _ON_LINE_SHARE:
        return False
    strokes = ink[piece.y:piece.y + piece.h, piece.x:piece.x + piece.w][mask > 0]
    return quantile(strokes, 0.5) <= _REMNANT_INK * lines.level_under(mask, piece.x, piece.y)


def _stretch_of_a_line(piece, labels, ink):
    """Whether a thin straight piece is a stretch of a longer faint line."""
    return (piece.w <= _THIN_STRETCH * piece.h
            and line_continuation(piece, labels, ink) >= _LINE_GOES_ON)


def _ring_around_the_rest(piece, labels, pieces):
    """Whether a piece is a thin ring around all the other sizeable pieces,
    with no ink of its own in its middle."""
    if piece.area >= _RING_FILL * piece.w * piece.h:
        return False
    others = [q for q in pieces if q is not piece and q.h >= MIN_HEIGHT]
    if not others or not all(_centre_inside(q, piece) for q in others):
        return False
    dx, dy = int(_RING_INSET * piece.w), int(_RING_INSET * piece.h)
    inside = piece.mask(labels)[dy:piece.h - dy, dx:piece.w - dx]
    return np.count_nonzero(inside) <= _RING_INSIDE * piece.area


def _join_broken(pieces, judge):
    """Join the parts of digits broken across their height.

    A 9 whose tail came loose, or a 3 whose lower bow did, leaves a part
    well short of the digits around it that often reads surely as another
    digit (a 0, a 2). Two such short parts stacked one on the other are
    joined when together they make a digit of the usual height that reads
    surely. (A whole digit is not joined with a short mark: a stroke inside
    a 3's bow would make it an 8.)

    Parameters
    ----------
    pieces : list of Piece
        Digit candidates.
    judge : _Judge
        Reads pieces.

    Returns
    -------
    list of Piece
    """
    readings = judge.digits(pieces)
    sure = [p.h for p, d in zip(pieces, readings) if d.confidence >= _CONFIDENT and d.label != 1]
    if len(sure) < _BROKEN_MIN_DIGITS:
        return pieces
    height = float(np.median(sure))
    short = [i for i, p in enumerate(pieces)
             if p.h < _BROKEN_SHORT * height and p.own_mask is None]
    pairs = []
    for i, j in itertools.combinations(short, 2):
        a, b = pieces[i], pieces[j]
        if _stacked(a, b, height):
            joined = a.union(b)
            if (_BROKEN_LOW * height <= joined.h <= _BROKEN_HIGH * height
                    and joined.w <= _BROKEN_ASPECT * joined.h):
                pairs.append((i, j, joined))
    if not pairs:
        return pieces
    joined_readings = judge.digits([joined for _, _, joined in pairs])
    used, result = set(), []
    order = sorted(range(len(pairs)), key=lambda k: -joined_readings[k].confidence)
    for k in order:
        i, j, joined = pairs[k]
        if joined_readings[k].confidence >= _BROKEN_CONFIDENT and not {i, j} & used:
            used |= {i, j}
            result.append(joined)
    return [p for i, p in enumerate(pieces) if i not in used] + result


def _stacked(a, b, height):
    """Whether b sits just above or below a, overlapping it sideways."""
    overlap = min(a.x1, b.x1) - max(a.x, b.x)
    gap = max(a.y, b.y) - min(a.y1, b.y1)
    return overlap >= _BROKEN_OVERLAP * min(a.w, b.w) and gap <= _BROKEN_GAP * height


def _drop_frames(pieces):
    """Drop pieces that enclose other candidates: boxes drawn around words,
    the outline of a small sheet. A digit's loops are empty (a dot in a 0 is
    too small to count)."""
    def encloses(outer, inner):
        return (inner is not outer and _centre_inside(inner, outer)
                and inner.h >= _ENCLOSED_HEIGHT * outer.h and inner.area < outer.area)
    return [p for p in pieces if not any(encloses(p, q) for q in pieces)]


def _centre_inside(inner, outer):
    """Whether a piece's centre lies strictly inside another's box."""
    return (outer.x < inner.x + inner.w / 2 < outer.x1
            and outer.y < inner.y + inner.h / 2 < outer.y1)


def _drop_odd_sizes(digits):
    """Drop fragments far smaller than the image's confident digits, and
    marks far taller: folds, margins and crossings, read as 1 most often."""
    # Fragments and strokes read as 1 most often; they do not set the height
    # when enough other digits can.
    confident = [d.h for d in digits if d.confidence >= _CONFIDENT and d.label != 1]
    if len(confident) < 2:
        confident = [d.h for d in digits if d.confidence >= _CONFIDENT]
    if len(confident) < 2:
        return digits
    height = float(np.median(confident))
    tallest = np.where([d.label == 1 for d in digits], _MAX_RELATIVE_ONE, _MAX_RELATIVE_HEIGHT)
    return [d for d, limit in zip(digits, tallest)
            if _MIN_RELATIVE_HEIGHT * height <= d.h <= limit * height]


def _in_number_test(readings):
    """A test of whether a piece stands in a number: in a row beside at
    least ``_NUMBER_NEIGHBOURS`` pieces that read surely as digits of about
    its height (``readings``: pieces that look like digits, with the Digit
    each reads as)."""
    sure = [p for p, d in readings if d.confidence >= _SURE]

    def in_number(piece):
        box = _box_of(piece)
        return sum(other is not piece and _number_neighbour(_box_of(other), box)
                   for other in sure) >= _NUMBER_NEIGHBOURS
    return in_number


def _cuttable_heights(readings):
    """Heights (working pixels) of the blobs worth cutting into digits, or
    None when too few pieces read confidently as digits to tell
    (``readings``: pieces that look like digits, with the Digit each reads
    as).

    The parts of a blob far shorter or taller than the confident digits
    would be dropped for their size (see :func:`_drop_odd_sizes`); on a
    page of small digits, the blobs of a desk or a shadow are as costly to
    cut as they are useless.
    """
    confident = [p.h for p, d in readings if d.confidence >= _CONFIDENT and d.label != 1]
    if len(confident) < 2:
        return None
    height = float(np.median(confident))
    return _CUT_LOWEST * height, _CUT_HIGHEST * height


def _drop_cut_off(digits, shape):
    """Drop digits cut by the image's edge: 1s there are almost always a
    stretch of the paper's edge, and smaller marks a digit cut off by the
    frame or the corner of a shadow. (A digit that fills a drawing or a
    close crop may touch the edge.)"""
    side = min(shape[:2])
    return [d for d in digits
            if not (touches_edge(d, shape) and (d.label == 1 or d.h < _CUT_OFF_HEIGHT * side))]
