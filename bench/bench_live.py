"""Benchmark of live reading on generated video clips.

Clips of a moving sheet of digits are written with :mod:`samples.sheets`
(webcam-like at 640x480 and 1280x720 with digits from about 20 to 150 px
tall, and hard ones: pencil, squared paper, a cast shadow, blur) and run
through the same loop as ``python -m live --no-display``, without recording.
Printed: the per-frame label F1 per kind of clip, the share of label changes
on the same track between consecutive frames, the throughput at 1280x720
with about 10 digits in view, and the median processing latency per frame.

Usage::

    python -m bench.bench_live [--model PATH] [--frames N] [--max-side PX] [--keep DIR]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

from live.loop import LIVE_MAX_SIDE, DigitPipeline, live_reader, run
from live.sources import VideoFileSource
from live.tracker import DigitTracker
from samples.clips import default_glyphs, f1_score, match_frame, read_clip, write_clip
from train import ModelError, load_model

# (group, kind, size, digit height in px, digits on the sheet), one clip each.
CLIPS = (
    ("webcam 640x480", "webcam", (640, 480), 30, 10),
    ("webcam 640x480", "ruled", (640, 480), 45, 8),
    ("webcam 640x480", "webcam", (640, 480), 70, 6),
    ("webcam 1280x720", "webcam", (1280, 720), 20, 12),
    ("webcam 1280x720", "ruled", (1280, 720), 40, 10),
    ("webcam 1280x720", "webcam", (1280, 720), 80, 10),
    ("webcam 1280x720", "webcam", (1280, 720), 150, 5),
    ("hard", "pencil", (640, 480), 40, 8),
    ("hard", "squared", (640, 480), 40, 8),
    ("hard", "shadow", (1280, 720), 50, 10),
    ("hard", "blur", (1280, 720), 45, 10),
)
TARGETS = {"webcam 640x480": 0.97, "webcam 1280x720": 0.97, "hard": 0.90}
FLICKER_TARGET = 0.005
FPS_TARGET = 30.0
LATENCY_TARGET = 0.033
# The clip whose speed is measured: 1280x720 with about 10 digits in view.
SPEED_CLIP = 5


def run_clip(clip, model, max_side, tracker=None):
    """Run a clip through the live loop, headless and without recording.

    Parameters
    ----------
    clip : samples.clips.Clip
    model : train.classifier.DigitClassifier
    max_side : int
        Working resolution of the reader.
    tracker : live.tracker.DigitTracker, optional
        Default settings if None.

    Returns
    -------
    results : list of live.loop.FrameResult
    seconds : float
        Wall time of the run.
    """
    results = []
    reader = live_reader(model, max_side=max_side)
    with VideoFileSource(clip.path) as source:
        began = time.perf_counter()
        run(source, DigitPipeline(reader, tracker or DigitTracker()), on_frame=results.append)
        seconds = time.perf_counter() - began
    return results, seconds


def label_counts(results, clip):
    """Hits, false finds and misses summed over the frames of a clip."""
    totals = np.zeros(3, int)
    for result in results:
        found = [{"x": d.x, "y": d.y, "w": d.w, "h": d.h, "label": d.label}
                 for d in result.digits]
        totals += match_frame(found, clip.truth[result.index])
    return totals


def label_changes(results):
    """Label changes on the same track between consecutive frames, and the pairs seen.

    Returns
    -------
    tuple of int
        ``(changes, pairs)``.
    """
    changes = pairs = 0
    for before, after in zip(results, results[1:]):
        labels = {d.track: d.label for d in before.digits}
        for d in after.digits:
            if d.track in labels:
                pairs += 1
                changes += labels[d.track] != d.label
    return changes, pairs


def main(argv=None):
    """Write the clips, run them and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_live", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.path.join("models", "digits.joblib"))
    parser.add_argument("--frames", type=int, default=90, help="frames per clip (default: 90)")
    parser.add_argument("--max-side", type=int, default=LIVE_MAX_SIDE,
                        help=f"reader working size (default: {LIVE_MAX_SIDE}, as the command)")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the clips in DIR, and reuse the ones already there")
    args = parser.parse_args(argv)

    try:
        model = load_model(args.model)
    except ModelError as exc:
        sys.exit(str(exc))
    glyphs = default_glyphs()
    if glyphs is None:
        sys.exit("MNIST not found: set MNIST_DIR to the folder of the MNIST files")
    folder = args.keep or tempfile.mkdtemp(prefix="bench_live_")
    os.makedirs(folder, exist_ok=True)
    counts = {}
    changes = pairs = 0
    latencies = []
    speed = None
    for i, (group, kind, size, digit_px, n_digits) in enumerate(CLIPS):
        path = os.path.join(folder, f"{i:02d}-{kind}-{size[0]}x{size[1]}-{digit_px}px.avi")
        clip = read_clip(path) if args.keep else None
        if clip is None or clip.n_frames != args.frames:
            clip = write_clip(path, glyphs, seed=100 + i, kind=kind, size=size,
                              n_frames=args.frames, digit_px=digit_px, n_digits=n_digits,
                              write_truth=True)
        results, seconds = run_clip(clip, model, args.max_side)
        clip_counts = label_counts(results, clip)
        counts[group] = counts.get(group, 0) + clip_counts
        c, p = label_changes(results)
        changes, pairs = changes + c, pairs + p
        height = np.median([d["h"] for frame in clip.truth for d in frame if not d.get("partial")])
        print(f"  {os.path.basename(path)} (digits {height:.0f} px): "
              f"F1 {f1_score(*clip_counts):.3f} (hits {clip_counts[0]}, false {clip_counts[1]}, missed {clip_counts[2]}), "
              f"label changes {c}/{p}, {len(results) / seconds:.1f} frames/s", flush=True)
        if i == SPEED_CLIP:
            speed = (len(results) / seconds, [r.latency for r in results])
        latencies += [r.latency for r in results]
    for group, target in TARGETS.items():
        print(f"{group}: label F1 {f1_score(*counts[group]):.3f} (target >= {target:.2f})")
    share = changes / pairs if pairs else 0.0
    print(f"label changes on the same track: {100 * share:.2f}% of {pairs} consecutive pairs "
          f"(target <= {100 * FLICKER_TARGET:.1f}%)")
    fps, clip_latencies = speed
    print(f"throughput 1280x720, ~10 digits: {fps:.1f} frames/s (target >= {FPS_TARGET:.0f})")
    print(f"median latency 1280x720, ~10 digits: {1000 * np.median(clip_latencies):.1f} ms "
          f"(target <= {1000 * LATENCY_TARGET:.0f} ms); all clips: "
          f"{1000 * np.median(latencies):.1f} ms")
    if not args.keep:
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)


if __name__ == "__main__":
    main()
