"""The live loop: read each frame, track its digits, show, record and log it.

:func:`run` drives any source through a :class:`DigitPipeline` and hands
every result to the optional window, recorder, log and callback; the
command line and the tests use it alike, with or without a window.
"""

import contextlib
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from tqdm import tqdm

from live.display import save_snapshot
from live.outputs import frame_record
from live.overlay import annotate, binarised_view
from live.tracker import DigitTracker
from preprocessing.reader import DigitReader
from preprocessing.reading_order import reading_order

# Longer side of the working copy searched in a full scan, by default: it
# keeps 1280x720 frames within a camera's frame time, and the digits are
# still cut from the full frame.
LIVE_MAX_SIDE = 640
# Frames between fresh guesses of the ink's polarity: guessing tries both
# polarities on dark frames (a sheet on a dark desk), four times the work of
# a frame. While the last frame read at least SURE_DIGITS digits this surely,
# the polarity is plainly right, and is guessed again less often.
POLARITY_CHECK = 30
POLARITY_CHECK_WHEN_SURE = 150
SURE_DIGITS = 3
SURE = 0.9
# Frames between searches of the whole frame; in between, small digits are
# read in the neighbourhood of the digits followed (ROI_MARGIN digit heights,
# or ROI_SHARE of the frame, whichever is more), large ones in the whole
# frame at a coarse scale.
FULL_SCAN = 10
ROI_MARGIN = 3.0
ROI_SHARE = 0.15
# Digits are read at a resolution that makes them about this tall (pixels),
# the working copy being at least MIN_SCALE of the frame.
DIGIT_PX = 32
MIN_SCALE = 0.2
# A frame whose strokes drown in sensor noise is read again at this share of
# its scale (photos: 0.7). Once a frame reads better coarser, the frames up
# to the next full scan are read at that scale with no finer reading to
# compare with, and at 0.7 small digits (20 px in 1280x720) shrink until
# neighbours run together and thin 1s fade. Over 44 generated clips, per-frame
# label F1 0.928 at 0.7 and 0.931 at 0.8; 0.856, 0.904, 0.921, 0.947, 0.932
# and 0.918 at 0.65 to 0.9 on the noisiest clip of 20 px digits.
LIVE_COARSER_SCALE = 0.8


def live_reader(model, min_confidence=0.5, max_side=LIVE_MAX_SIDE):
    """The reader the live loop uses: video frames are read upright.

    Parameters
    ----------
    model : train.classifier.DigitClassifier
    min_confidence : float, default 0.5
    max_side : int, default LIVE_MAX_SIDE

    Returns
    -------
    preprocessing.reader.DigitReader
    """
    return DigitReader(model, min_confidence=min_confidence, max_side=max_side,
                       upright_only=True, coarser_scale=LIVE_COARSER_SCALE)


@dataclass
class FrameResult:
    """What was made of one frame.

    Attributes
    ----------
    index : int
        Frame index in the source.
    elapsed : float
        Seconds since the run started, when the frame was done.
    digits : list of live.tracker.TrackedDigit
        The digits shown, in reading order.
    text : str
        Their numbers, separated by spaces, rows top to bottom.
    fps : float
        Processing rate over the last frames.
    latency : float
        Seconds spent reading and tracking this frame.
    light_ink : bool
        Whether the reader took the strokes as light on dark.
    """

    index: int
    elapsed: float
    digits: list = field(repr=False)
    text: str
    fps: float
    latency: float
    light_ink: bool = False


@dataclass
class RunSummary:
    """How a run went: frames processed, seconds, and why it stopped.

    ``stopped`` is ``"end"`` (source exhausted), ``"quit"`` (key or window
    closed) or ``"max-frames"``.
    """

    frames: int
    seconds: float
    stopped: str


class DigitPipeline:
    """Read the digits of each frame and follow them over time.

    Parameters
    ----------
    reader : preprocessing.reader.DigitReader
        Finds and classifies the digits of one frame.
    tracker : live.tracker.DigitTracker, optional
        Follows them; a default one if None.
    """

    def __init__(self, reader, tracker=None):
        self.reader = reader
        self.tracker = tracker or DigitTracker()
        self._light_ink = None
        self._reads_surely = False
        self._frames_since_check = 0
        self._frames_since_scan = 0
        # Share of the planned scale frames are read at: below 1 once a
        # frame read better coarser (sensor noise), until the next full scan.
        self._coarsening = 1.0
        # Whether the last full scan found printed lines beside its digits:
        # on plain paper, the frames until the next one do not look for them.
        self._printed_lines = True

    def process(self, frame):
        """Digits of a frame, as shown after tracking.

        Parameters
        ----------
        frame : live.sources.Frame

        Returns
        -------
        digits : list of live.tracker.TrackedDigit
            In reading order.
        text : str
            The numbers they form.
        light_ink : bool
            Polarity the reader chose.
        """
        (x0, y0, x1, y1), scale = self._plan(frame.image.shape, frame.time)
        full_scan = self._frames_since_scan == 0
        if full_scan:
            self._coarsening = 1.0
        reading = self.reader.read(frame.image[y0:y1, x0:x1], light_ink=self._polarity(),
                                   scale=scale * self._coarsening,
                                   find_lines=full_scan or self._printed_lines)
        if full_scan:
            self._printed_lines = reading.printed_lines
        # The reader reads no finer than asked: once coarser, frames stay
        # coarser until the next full scan.
        self._coarsening = reading.scale / scale
        self._light_ink = reading.light_ink
        self._reads_surely = sum(d.confidence >= SURE for d in reading.digits) >= SURE_DIGITS
        found = [replace(d, x=d.x + x0, y=d.y + y0) for d in reading.digits]
        shown = self.tracker.update(found, frame.time, frame.image.shape[1::-1])
        numbers = reading_order([d.box for d in shown])
        digits = [shown[i] for number in numbers for i in number]
        text = " ".join("".join(str(shown[i].label) for i in number) for number in numbers)
        return digits, text, reading.light_ink


    def _plan(self, shape, time):
        """Region of the frame to read, and the working scale to read it at.

        Between full scans the digits being followed are read at the
        resolution that makes them about DIGIT_PX tall: large ones in a fast
        small copy of the whole frame, small ones at full resolution but
        only around where they are. Every FULL_SCAN frames the whole frame
        is searched for new digits.
        """
        h, w = shape[:2]
        boxes = self.tracker.expected_boxes(time)
        self._frames_since_scan += 1
        default = min(1.0, self.reader.max_side / max(h, w))
        if not boxes:
            self._frames_since_scan = 0
            return (0, 0, w, h), default
        height = float(np.median([b[3] for b in boxes]))
        scale = float(np.clip(DIGIT_PX / max(height, 1.0), MIN_SCALE, 1.0))
        if self._frames_since_scan >= FULL_SCAN:
            self._frames_since_scan = 0
            return (0, 0, w, h), max(scale, default)
        if scale <= default:
            # Large digits: the whole frame, at a coarse scale, is cheap.
            return (0, 0, w, h), scale
        boxes = np.array(boxes)
        margin = max(ROI_MARGIN * height, ROI_SHARE * max(h, w))
        x0 = int(max(0, boxes[:, 0].min() - margin))
        y0 = int(max(0, boxes[:, 1].min() - margin))
        x1 = int(min(w, (boxes[:, 0] + boxes[:, 2]).max() + margin))
        y1 = int(min(h, (boxes[:, 1] + boxes[:, 3]).max() + margin))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return (0, 0, w, h), default
        return (x0, y0, x1, y1), scale

    def _polarity(self):
        """The ink polarity to read the next frame with: the last one found,
        guessed afresh every POLARITY_CHECK frames (a new sheet, a board),
        or every POLARITY_CHECK_WHEN_SURE while frames read surely."""
        self._frames_since_check += 1
        every = POLARITY_CHECK_WHEN_SURE if self._reads_surely else POLARITY_CHECK
        if self._light_ink is None or self._frames_since_check >= every:
            self._frames_since_check = 0
            return None
        return self._light_ink


class RateMeter:
    """Frames per second over the last few frames.

    Parameters
    ----------
    span : int
        Number of recent frames averaged over.
    """

    def __init__(self, span=15):
        self._times = deque(maxlen=span + 1)

    def tick(self):
        """Note a finished frame; return the current rate (0 until two frames)."""
        self._times.append(time.perf_counter())
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-9)

    def reset(self):
        """Forget the past (after a pause)."""
        self._times.clear()


def run(source, pipeline, *, window=None, recorder=None, log=None, max_frames=None,
        progress=False, inset=False, snapshot_dir="snapshots", on_frame=None, notify=None):
    """Process a source frame by frame until it ends, the user quits or enough frames are done.

    Parameters
    ----------
    source : iterable of live.sources.Frame
        With ``live`` (bool) and ``total`` (int or None) attributes.
    pipeline : DigitPipeline
        Reads and tracks the digits.
    window : live.display.Window, optional
        Shows each annotated frame and takes keys.  At the end of a file
        or folder the last frame stays until the user quits.
    recorder : live.outputs.VideoRecorder, optional
        Receives each annotated frame.
    log : live.outputs.FrameLog, optional
        Receives one record per frame.
    max_frames : int, optional
        Stop after this many frames.
    progress : bool
        Show a progress bar (frames) on standard error.
    inset : bool
        Draw the normalised digits on the frames.
    snapshot_dir : str
        Where the ``s`` key saves snapshots.
    on_frame : callable, optional
        Called with each :class:`FrameResult`.
    notify : callable, optional
        Receives one-line messages (snapshots saved).

    Returns
    -------
    RunSummary
    """
    total = source.total
    if max_frames is not None and total is not None:
        total = min(total, max_frames)
    meter = RateMeter()
    viewer = None
    if window is not None:
        viewer = _Viewer(window, meter, pipeline.reader.max_side, inset, snapshot_dir,
                         notify or (lambda message: print(message, file=sys.stderr)))
    start = time.monotonic()
    processed = 0
    stopped = "end"
    last = None
    with tqdm(total=total, disable=not progress, unit="frame", file=sys.stderr,
              dynamic_ncols=True) as bar:
        for frame in source:
            began = time.perf_counter()
            digits, text, light_ink = pipeline.process(frame)
            latency = time.perf_counter() - began
            result = FrameResult(frame.index, time.monotonic() - start, digits, text,
                                 meter.tick(), latency, light_ink)
            annotated = None
            if recorder is not None or window is not None:
                annotated = annotate(frame.image, digits, text, result.fps, inset=inset)
            with _interrupt_held():
                if recorder is not None:
                    recorder.write(annotated)
                if log is not None:
                    log.write(frame_record(result.index, result.elapsed, text, digits,
                                           result.fps))
            if on_frame is not None:
                on_frame(result)
            processed += 1
            bar.update(1)
            last = (frame, result, annotated)
            if viewer is not None and viewer.show(*last):
                stopped = "quit"
                break
            if max_frames is not None and processed >= max_frames:
                stopped = "max-frames"
                break
    if viewer is not None and stopped == "end" and last is not None and not source.live:
        viewer.show(*last, ended=True)
        stopped = "quit"
    return RunSummary(processed, time.monotonic() - start, stopped)


@contextlib.contextmanager
def _interrupt_held():
    """Hold Ctrl-C until the block ends, so that a frame goes to both the
    recording and the log or to neither."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


class _Viewer:
    """The window's side of a run: shows each frame, acts on keys, holds while paused."""

    def __init__(self, window, meter, max_side, inset, snapshot_dir, notify):
        self.window = window
        self.meter = meter
        self.max_side = max_side
        self.inset = inset
        self.snapshot_dir = snapshot_dir
        self.notify = notify
        self.paused = False
        self.debug = False

    def show(self, frame, result, annotated, ended=False):
        """Show a frame until the next one is due; True when the user quits.

        While paused, or after the ``ended`` frame of a file, the frame
        stays on screen until a key lets go of it.
        """
        self.paused = self.paused or ended
        debug_image = None
        while True:
            state = ["end: q quits" if ended else "paused" if self.paused else None,
                     "debug" if self.debug else None]
            status = ", ".join(word for word in state if word)
            if self.debug and debug_image is None:
                debug_image = binarised_view(frame.image, result.light_ink, self.max_side)
            if status:
                shown = annotate(debug_image if self.debug else frame.image, result.digits,
                                 result.text, result.fps, status, self.inset)
            else:
                shown = annotated
            self.window.show(shown)
            action = self.window.action(30 if self.paused else 1)
            if action == "quit":
                return True
            if action == "pause" and not ended:
                self.paused = not self.paused
                self.meter.reset()
            elif action == "debug":
                self.debug = not self.debug
            elif action == "snapshot":
                paths = save_snapshot(self.snapshot_dir, frame.index, shown, frame.image)
                self.notify(f"saved {paths[0]} and {paths[1]}")
            if not self.paused:
                return False
