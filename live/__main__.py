"""Command line: read handwritten digits live from a camera, video, folder or stream."""

import argparse
import os
import sys
from contextlib import ExitStack

from tqdm import tqdm

from live.display import WINDOW_TITLE, Window, display_problem
from live.loop import LIVE_MAX_SIDE, DigitPipeline, live_reader, run
from live.outputs import FrameLog, OutputError, VideoRecorder, check_recording_path
from live.sources import SourceError, open_source
from live.tracker import DigitTracker
from preprocessing.arguments import fraction, whole_number
from train import ModelError, load_model
from train.model_io import DEFAULT_MODEL_PATH

PROG = "python -m live"
DEFAULT_MODEL = str(DEFAULT_MODEL_PATH)

EPILOG = """\
keys (window):  q or Esc quit, space pause, s snapshot (annotated and raw
                frame), d debug view of the binarised image

When a video file or folder ends, its last frame stays in the window until
you quit.  Cameras and stream URLs are read on a background thread and the
newest frame is processed; files and folders are processed frame by frame.
--record keeps every processed frame, at the source's nominal frame rate.

--log writes one JSON line per processed frame:
  {"frame": N, "time": S, "text": "...", "digits": [{"x": .., "y": ..,
   "w": .., "h": .., "label": .., "confidence": .., "track": ..}, ...],
   "fps": F}
with "frame" the index in the source, "time" the seconds since the start,
the labels shown (voted over recent frames), boxes in the source frame's
pixels, and the digits in reading order.

exit status:
  0    normal end (source ended, q/Esc, or --max-frames reached)
  1    runtime failure (no camera, unreadable source, no model, no display,
       camera lost, cannot write outputs)
  2    bad arguments
  130  interrupted (Ctrl-C); the recording and log are still complete
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def _recording_path(text):
    try:
        check_recording_path(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_parser():
    """The argument parser of ``python -m live``."""
    parser = _Parser(
        prog=PROG,
        description="Read handwritten digits live: boxes, labels and the numbers they\n"
        "form, over a camera, a video file, a folder of images or a stream.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--source", default="0", metavar="SRC",
                        help="camera index, video file, folder of images, image or stream URL "
                        "(default: 0, the first camera)")
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="PATH",
                        help=f"trained model (default: {DEFAULT_MODEL})")
    parser.add_argument("--no-display", action="store_true",
                        help="no window; needs --record and/or --log")
    parser.add_argument("--record", type=_recording_path, metavar="FILE",
                        help="write the annotated video (.avi, .mp4, .mov, .m4v or .mkv)")
    parser.add_argument("--log", metavar="FILE",
                        help="write one JSON line per processed frame ('-' for standard output)")
    parser.add_argument("--max-frames", type=whole_number(1), metavar="N",
                        help="stop after N processed frames")
    parser.add_argument("--width", type=whole_number(1), metavar="W",
                        help="camera resolution to ask for: width")
    parser.add_argument("--height", type=whole_number(1), metavar="H",
                        help="camera resolution to ask for: height")
    parser.add_argument("--snapshots", default="snapshots", metavar="DIR",
                        help="folder for the snapshots of the s key (default: snapshots)")
    parser.add_argument("--min-confidence", type=fraction, default=0.5, metavar="C",
                        help="ignore detections below this confidence (default: 0.5)")
    parser.add_argument("--max-side", type=whole_number(1), default=LIVE_MAX_SIDE, metavar="PX",
                        help="look for digits at a working size of at most PX pixels on the "
                        f"longer side; the overlay uses the full frame (default: {LIVE_MAX_SIDE})")
    parser.add_argument("--inset", action="store_true",
                        help="show the normalised 28x28 digits along the bottom")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no summary line")
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # FFmpeg's own messages (failed connections, probing) would clutter the terminal.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    if args.no_display and not (args.record or args.log):
        parser.error("--no-display needs --record FILE and/or --log FILE")
    done = _FrameCounter()
    try:
        return _run(args, done)
    except (SourceError, OutputError) as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        kept = [f"recording {args.record}"] if args.record and done.frames else []
        kept += [f"log {args.log}"] if args.log and args.log != "-" else []
        tail = f"; {' and '.join(kept)} complete" if kept else ""
        print(f"{PROG}: interrupted after {done.frames} frames{tail}", file=sys.stderr)
        return 130


def _run(args, done):
    if not args.no_display:
        problem = display_problem()
        if problem:
            return _fail(f"no display: {problem}; run with --no-display and --record FILE "
                         "and/or --log FILE")
    model = _load_model(args.model)
    if model is None:
        return 1
    reader = live_reader(model, min_confidence=args.min_confidence, max_side=args.max_side)
    with ExitStack() as stack:
        source = stack.enter_context(open_source(args.source, args.width, args.height, _warn))
        if (args.width or args.height) and not source.live:
            _warn("--width and --height only apply to cameras; ignored")
        log = stack.enter_context(FrameLog(args.log)) if args.log else None
        recorder = stack.enter_context(VideoRecorder(args.record, source.fps)) if args.record \
            else None
        window = None
        if not args.no_display:
            window = Window(WINDOW_TITLE)
            stack.callback(window.close)
        summary = run(
            source, DigitPipeline(reader, DigitTracker()), window=window, recorder=recorder,
            log=log, max_frames=args.max_frames,
            progress=window is None and not source.live and not args.quiet,
            inset=args.inset, snapshot_dir=args.snapshots,
            on_frame=done, notify=_warn)
    if not args.quiet:
        rate = summary.frames / summary.seconds if summary.seconds > 0 else 0.0
        print(f"{PROG}: {summary.frames} frames in {summary.seconds:.1f} s ({rate:.1f} frames/s)",
              file=sys.stderr)
    return 0


class _FrameCounter:
    """Counts the frames processed, for the message after Ctrl-C."""

    frames = 0

    def __call__(self, result):
        self.frames += 1


def _load_model(path):
    """The classifier, or None after saying why there is none."""
    if not os.path.exists(path):
        _fail(f"no model at {path}; train one with `python -m train` (or pass --model PATH)")
        return None
    try:
        return load_model(path)
    except ModelError as exc:
        _fail(exc)
        return None


def _warn(message):
    tqdm.write(f"{PROG}: {message}", file=sys.stderr)


def _fail(message):
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
