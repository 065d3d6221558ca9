"""Follow digits from frame to frame and settle their labels by vote.

Each digit found in a frame is matched to a track: the track's box is moved
ahead by its recent velocity, and the closest detection within a gate (by
centre distance relative to the digit's size, and similar height) joins it,
closest pairs first.  A track's label is the confidence-weighted vote of its
recent frames, and the shown label only changes when another label clearly
wins, so a digit's label stays put while the paper moves.

A new track stays hidden until it has been seen in ``min_hits`` frames with
a clear majority for one label (or in ``max_unsettled`` frames), and is
forgotten at its first miss before that: a one-frame ghost never shows, and
a digit does not show up with a label it drops a frame later.  Only a digit
read surely (``sure_confidence``) shows in its first frame, on probation: it
is hidden again if its next frames do not settle its label.
A steady track that is not seen keeps its place on screen for a couple of
frames (a digit that drops out once does not blink), and any track that is
not seen keeps its identity and votes until it is dropped, after
``max_missed_time`` seconds or ``max_missed_frames`` frames, or once its
place leaves the frame.

The digits of a sheet move together.  When enough of them are seen in two
frames running, the similarity (shift, turn, zoom) that moved them also
carries the digits not seen in the second frame, which, once seen in a
few frames, stay on screen at their carried place until they are seen
again or dropped: a digit washed out by glare or hidden by a finger for a
moment keeps its box and label, and a faint one found now and then shows
in between. A digit that has just come into view and was seen only a
few times is carried over a gap of a frame or two, not longer.
"""

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from preprocessing.boxes import box_coverage, box_iou

# Weight of a vote one frame older than the next.
_DECAY = 0.85
# A track is steady, and may be shown while unseen, once it has been seen in
# this many frames and in this share of the frames of its life.
_STEADY_HITS = 6
_STEADY_SHARE = 0.5
# A digit the sheet carries shows while unseen once seen this many times,
# for up to this many frames, even before it is steady: a small digit
# found every other frame or so shows in between, while a false find seen
# once or twice does not linger.
_YOUNG_CARRIED_HITS = 3
_YOUNG_CARRIED_FRAMES = 2
# A detection this many times wider or taller than its track's last box, or
# narrower or shorter, does not change the track's velocity.
_SIZE_JUMP = 1.25
# A sheet held in the hand zooms by at most this log of its scale, and turns
# by at most this many radians, from one frame to the next (at 30 frames/s,
# 0.05 radians a frame is 86 degrees a second); a larger change is a fit to
# misplaced boxes.
_MAX_ZOOM_STEP = 0.05
_MAX_TURN_STEP = 0.05


@dataclass(frozen=True)
class TrackedDigit:
    """A digit as shown: its track's box, voted label and confidence.

    Attributes
    ----------
    track : int
        Id of the track, unique over a tracker's life.
    x, y, w, h : int
        Box in the frame's pixels (predicted when the digit was not seen in
        this frame).
    label : int
        Voted label.
    confidence : float
        Confidence-weighted share of the recent frames that agree with the
        label, 0 to 1.
    missed : int
        Frames since the digit was last seen (0: seen in this frame).
    image : ndarray or None
        The digit as the classifier last saw it (28x28 uint8), if known.
    """

    track: int
    x: int
    y: int
    w: int
    h: int
    label: int
    confidence: float
    missed: int = 0
    image: np.ndarray = field(default=None, repr=False, compare=False)

    @property
    def box(self):
        """``(x, y, w, h)``."""
        return self.x, self.y, self.w, self.h


class Track:
    """One digit followed over frames.

    Parameters
    ----------
    track_id : int
        The track's id.
    detection : object
        First detection: has ``x, y, w, h, label, confidence`` and
        optionally ``image``.
    time : float
        Time of the frame, in seconds.
    history : int
        Number of recent frames that vote.

    Attributes
    ----------
    box, velocity : ndarray
        Last seen (or carried) ``(x, y, w, h)`` and its change per second.
    carried : bool
        Whether, unseen in this frame, it was moved with the digits seen.
    votes : deque of (int, float)
        Label and confidence of the recent frames it was seen in.
    label : int
        The label shown.
    hits, age, missed : int
        Frames it was seen in, frames since it began, frames since it was
        last seen.
    confirmed : bool
        Whether it has been seen enough, with a clear label, to be shown.
    on_probation : bool
        Shown from its first frame for a sure reading, until its next
        frames confirm it or hide it.
    """

    def __init__(self, track_id, detection, time, history):
        self.id = track_id
        self.box = _box_of(detection)
        self.velocity = np.zeros(4)
        self.votes = deque(maxlen=history)
        self.hits = 0
        self.age = 0
        self.missed = 0
        self.last_time = time
        self.label = None
        self.image = None
        self.confirmed = False
        self.on_probation = False
        self.carried = False
        self._observe(detection, time)

    def predict(self, time):
        """Box expected at ``time`` if the motion goes on: ``(x, y, w, h)``."""
        return self.box + self.velocity * (time - self.last_time)

    def update(self, detection, time, switch_ratio):
        """Add the detection seen at ``time``."""
        box = _box_of(detection)
        dt = time - self.last_time
        if dt > 0:
            # Smoothed velocity: boxes jitter by a pixel or two between frames.
            # A box that changed size at once holds a mark joined to the
            # digit, or part of it: the digit did not move so.
            if _size_ratio(box, self.box) <= _SIZE_JUMP:
                self.velocity = 0.5 * self.velocity + 0.5 * (box - self.box) / dt
        self.box = box
        self._observe(detection, time, switch_ratio)

    def miss(self):
        """Note a frame in which the digit was not found."""
        self.missed += 1
        self.age += 1
        self.carried = False

    def carry(self, motion, time):
        """Move the digit, not seen at ``time``, with the sheet.

        Parameters
        ----------
        motion : ndarray, shape (2, 3)
            The similarity that took the digits seen from their boxes in
            the last frame to this one's.
        time : float
        """
        scale = float(np.hypot(motion[0, 0], motion[1, 0]))
        w, h = self.box[2:]
        cx, cy = motion @ np.append(_centre(self.box), 1.0)
        box = np.array([cx - w * scale / 2, cy - h * scale / 2, w * scale, h * scale])
        dt = time - self.last_time
        if dt > 0:
            self.velocity = (box - self.box) / dt
        self.box = box
        self.last_time = time
        self.carried = True

    def scores(self):
        """Vote per label: the confidences of the recent frames, newer ones weighing more."""
        totals = {}
        for age, (label, confidence) in enumerate(reversed(self.votes)):
            totals[label] = totals.get(label, 0.0) + confidence * _DECAY ** age
        return totals

    def agreement(self):
        """Share of the vote that went to the label."""
        totals = self.scores()
        total = sum(totals.values())
        return totals.get(self.label, 0.0) / total if total else 0.0

    def confidence(self):
        """Weighted mean confidence of the recent frames, those with another label counting 0."""
        weight = sum(_DECAY ** age for age in range(len(self.votes)))
        return self.scores().get(self.label, 0.0) / weight if weight else 0.0

    def shown(self, time, frame_size=None):
        """The track as a :class:`TrackedDigit` at ``time``, its box cut
        to the frame when ``frame_size`` (width, height) is given."""
        x, y, w, h = self.predict(time) if self.missed else self.box
        x0, y0, x1, y1 = int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h))
        if frame_size is not None:
            x0, x1 = np.clip([x0, x1], 0, frame_size[0])
            y0, y1 = np.clip([y0, y1], 0, frame_size[1])
        return TrackedDigit(self.id, int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0)),
                            self.label, round(self.confidence(), 4), self.missed, self.image)

    def _observe(self, detection, time, switch_ratio=1.0):
        self.votes.append((int(detection.label), float(detection.confidence)))
        self.hits += 1
        self.age += 1
        self.missed = 0
        self.carried = False
        self.last_seen = time
        self.last_time = time
        self.image = getattr(detection, "image", None)
        totals = self.scores()
        best = max(totals, key=totals.get)
        current = totals.get(self.label, 0.0)
        if self.label is None or totals[best] > switch_ratio * current:
            self.label = best


class DigitTracker:
    """Tracks of the digits of a video, with voted labels.

    Parameters
    ----------
    min_hits : int, default 2
        Frames a new track must be seen in before it is shown.
    min_agreement : float, default 0.7
        Share of the vote its label must also have for a new track to be
        shown, so that a digit appears with a settled label ...
    max_unsettled : int, default 6
        ... unless it has been seen in this many frames.
    history : int, default 15
        Recent frames whose labels vote.
    switch_ratio : float, default 2.5
        The shown label changes only when another label's vote exceeds it
        this many times.
    coast_frames : int, default 2
        Frames a steady track (seen in most frames so far) stays on screen,
        at its predicted place, without being seen; one carried by the
        sheet's motion (see ``min_carriers``) stays until it is dropped,
        or for two frames if it was seen in fewer than six.
    max_missed_time : float, default 0.5
        Seconds without being seen after which a track is dropped.
    max_missed_frames : int, default 15
        Frames without being seen after which a track is dropped.
    max_distance : float, default 0.6
        Gate of a match: distance between the predicted and the detected
        centre, in units of the digit's height.
    max_height_ratio : float, default 1.6
        Gate of a match: largest ratio of the two heights.
    sure_confidence : float or None, default 0.95
        A new digit read at least this surely shows at once (None: never).
        Its track also outlives a missed frame, so a small digit found in
        every other frame keeps being looked for at its own scale.
    min_carriers : int, default 3
        Shown digits that must be seen in two frames running, and agree on
        one motion, for that motion to carry the digits not seen.
    """

    def __init__(self, min_hits=2, min_agreement=0.7, max_unsettled=6, history=15,
                 switch_ratio=2.5, coast_frames=2, max_missed_time=0.5, max_missed_frames=15,
                 max_distance=0.6, max_height_ratio=1.6, sure_confidence=0.95,
                 min_carriers=3):
        self.min_hits = min_hits
        self.min_agreement = min_agreement
        self.max_unsettled = max_unsettled
        self.history = history
        self.switch_ratio = switch_ratio
        self.coast_frames = coast_frames
        self.max_missed_time = max_missed_time
        self.max_missed_frames = max_missed_frames
        self.max_distance = max_distance
        self.max_height_ratio = max_height_ratio
        self.sure_confidence = sure_confidence
        self.min_carriers = min_carriers
        self.tracks = []
        self._next_id = 1

    def update(self, detections, time, frame_size=None):
        """Take in one frame's detections.

        Parameters
        ----------
        detections : sequence
            Objects with ``x, y, w, h, label, confidence`` (and optionally
            ``image``), such as :class:`preprocessing.reader.Digit`.
        time : float
            Time of the frame in seconds (the source's timeline).
        frame_size : tuple of int, optional
            ``(width, height)`` of the frame: a digit not seen whose place
            has left the frame is dropped.

        Returns
        -------
        list of TrackedDigit
            The digits to show.
        """
        matches, unmatched = self._match(detections, time)
        # The digits whose place in the last frame is known: seen or carried.
        placed = {id(track) for track in self.tracks if track.missed == 0 or track.carried}
        # Where the shown ones seen again were then.
        before = {id(track): track.box.copy() for track, _ in matches
                  if track.confirmed and id(track) in placed}
        for track, detection in matches:
            # Until a track is shown its label may follow the vote freely.
            track.update(detection, time, self.switch_ratio if track.confirmed else 1.0)
        matched = {id(track) for track, _ in matches}
        motion = self._sheet_motion([(before[id(t)], t.box) for t, _ in matches
                                     if id(t) in before])
        for track in self.tracks:
            if id(track) not in matched:
                track.miss()
                # Only a digit whose place was known in the last frame can
                # be carried on from there.
                if motion is not None and track.confirmed and id(track) in placed:
                    track.carry(motion, time)
            elif not track.confirmed or track.on_probation:
                track.confirmed = self._settled(track)
                track.on_probation = False
        self.tracks = [t for t in self.tracks if self._keeps(t, time, frame_size)]
        for detection in unmatched:
            track = Track(self._next_id, detection, time, self.history)
            sure = (self.sure_confidence is not None
                    and detection.confidence >= self.sure_confidence)
            track.confirmed = track.on_probation = sure
            self.tracks.append(track)
            self._next_id += 1
        seen = [t.box for t in self.tracks if t.missed == 0]
        self._drop_duplicates(time, seen)
        # A part of a digit once read apart is carried along with it: it
        # does not show while the whole is seen around it.
        return [t.shown(time, frame_size) for t in self.tracks
                if self._shows(t) and not (t.carried and _mostly_under(t.box, seen))]

    def expected_boxes(self, time):
        """Where the digits being followed should be at ``time``.

        Parameters
        ----------
        time : float

        Returns
        -------
        list of ndarray
            ``(x, y, w, h)`` of every track, predicted from its motion.
        """
        return [t.predict(time) for t in self.tracks]

    def _match(self, detections, time):
        """Greedy matching, closest pairs first, within the gate."""
        predicted = [t.predict(time) for t in self.tracks]
        pairs = []
        for i, box in enumerate(predicted):
            for j, detection in enumerate(detections):
                cost = self._cost(box, _box_of(detection))
                if cost is not None:
                    if detection.label != self.tracks[i].label:
                        cost += 0.1  # on a tie, keep digits with their labels
                    pairs.append((cost, i, j))
        pairs.sort()
        used_t, used_d, matches = set(), set(), []
        for _, i, j in pairs:
            if i not in used_t and j not in used_d:
                used_t.add(i)
                used_d.add(j)
                matches.append((self.tracks[i], detections[j]))
        unmatched = [d for j, d in enumerate(detections) if j not in used_d]
        return matches, unmatched

    def _sheet_motion(self, moves):
        """The similarity that moved the digits seen in the last frame and in
        this one, or None when too few were seen or they disagree."""
        if len(moves) < self.min_carriers:
            return None
        old = np.array([_centre(b) for b, _ in moves], np.float32)
        new = np.array([_centre(b) for _, b in moves], np.float32)
        height = float(np.median([b[3] for _, b in moves]))
        motion, inliers = cv2.estimateAffinePartial2D(
            old, new, method=cv2.RANSAC, ransacReprojThreshold=max(2.0, 0.25 * height))
        if motion is None or int(inliers.sum()) < max(self.min_carriers, len(moves) // 2 + 1):
            return None
        scale = np.hypot(motion[0, 0], motion[1, 0])
        angle = np.arctan2(motion[1, 0], motion[0, 0])
        if abs(np.log(scale)) > _MAX_ZOOM_STEP or abs(angle) > _MAX_TURN_STEP:
            return None
        return motion

    def _cost(self, a, b):
        """Centre distance over height, or None outside the gate."""
        if _ratio(a[3], b[3]) > self.max_height_ratio:
            return None
        distance = np.hypot(*(_centre(a) - _centre(b)))
        cost = distance / max(a[3], b[3], 1.0)
        return cost if cost <= self.max_distance else None

    def _settled(self, track):
        """Whether a new track has been seen enough, with a clear enough label, to show."""
        if track.hits < self.min_hits:
            return False
        return track.agreement() >= self.min_agreement or track.hits >= self.max_unsettled

    def _keeps(self, track, time, frame_size):
        if track.missed == 0:
            return True
        if not track.confirmed:  # a ghost: gone before it was shown
            return False
        if not _inside(track.predict(time), frame_size):
            return False
        return (track.missed <= self.max_missed_frames
                and time - track.last_seen <= self.max_missed_time)

    def _shows(self, track):
        if not track.confirmed:
            return False
        if track.missed == 0:
            return True
        # A carried track's place comes from the digits seen, not from its
        # own past: a small or faint digit found in few frames shows in
        # between, and one just come into view bridges a short gap.
        if track.carried:
            return track.hits >= _STEADY_HITS or (track.hits >= _YOUNG_CARRIED_HITS
                                                  and track.missed <= _YOUNG_CARRIED_FRAMES)
        # Only steady tracks coast: flickering false finds would linger.
        return (track.missed <= self.coast_frames and track.hits >= _STEADY_HITS
                and track.hits >= _STEADY_SHARE * track.age)

    def _drop_duplicates(self, time, seen):
        """Forget unseen tracks whose predicted box lies on one of the boxes seen."""
        self.tracks = [t for t in self.tracks
                       if t.missed == 0 or not any(box_iou(t.predict(time), b) > 0.5 for b in seen)]


def _centre(box):
    """Centre ``(x, y)`` of a box ``(x, y, w, h)``."""
    return np.array([box[0] + box[2] / 2, box[1] + box[3] / 2], np.float64)


def _ratio(u, v):
    """The larger of two lengths over the smaller."""
    return max(u, v) / max(min(u, v), 1e-6)


def _size_ratio(a, b):
    """Larger ratio of the widths or of the heights of two boxes."""
    return max(_ratio(a[2], b[2]), _ratio(a[3], b[3]))


def _inside(box, frame_size):
    """Whether a box's centre lies in the frame (always, if its size is unknown)."""
    if frame_size is None:
        return True
    cx, cy = _centre(box)
    return 0 <= cx < frame_size[0] and 0 <= cy < frame_size[1]


def _mostly_under(box, others):
    """Whether most of a box lies under one of the others."""
    return any(box_coverage(other, box) > 0.5 for other in others)


def _box_of(detection):
    return np.array([detection.x, detection.y, detection.w, detection.h], np.float64)

