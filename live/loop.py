"""The live loop: read each frame, track its digits, show, record and log it.

:func:`run` drives any source through a :class:`DigitPipeline` and hands
every result to the optional window, recorder, log and callback; the
command line and the tests use it alike, with or without a window.
"""

import sys
import time
from collections import deque
from dataclasses import dataclass, field

from tqdm import tqdm

from live.display import save_snapshot
from live.outputs import frame_record
from live.overlay import annotate, binarised_view
from live.tracker import DigitTracker
from preprocessing.reading_order import reading_order

# Longer side of the working copy the reader searches for digits, by default:
# it keeps the reader fast on large frames, and the digits are still cut
# from the full frame.
LIVE_MAX_SIDE = 960


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
        reading = self.reader.read(frame.image)
        shown = self.tracker.update(reading.digits, frame.time)
        numbers = reading_order([d.box for d in shown])
        digits = [shown[i] for number in numbers for i in number]
        text = " ".join("".join(str(shown[i].label) for i in number) for number in numbers)
        return digits, text, reading.light_ink


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
            if log is not None:
                log.write(frame_record(result.index, result.elapsed, text, digits, result.fps))
            annotated = None
            if recorder is not None or window is not None:
                annotated = annotate(frame.image, digits, text, result.fps, inset=inset)
            if recorder is not None:
                recorder.write(annotated)
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
