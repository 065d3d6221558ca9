"""Make the pictures of README.md from real runs of the commands.

``python -m bench.make_figures`` labels a sample with the batch command
(``--annotate``), films a generated sheet and runs the live command on the
video with ``--record --inset``, and copies the confusion matrix written by
``python -m train``. The pictures go to ``bench/figures/``.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2

from samples.clips import default_glyphs, write_clip

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "bench" / "figures"
BATCH_SAMPLE = ROOT / "samples" / "webcam-720p.jpg"
LIVE_FRAME = 60


def run(*args):
    """Run a command of the project from the repository root; stop on failure."""
    result = subprocess.run([sys.executable, "-m", *map(str, args)], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: python -m {' '.join(map(str, args))} failed: "
                 f"{result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ''}")


def batch_figure(model, scratch):
    """The annotated copy of a sample, as --annotate writes it."""
    out = scratch / "annotated"
    run("preprocessing.batch", BATCH_SAMPLE, "--model", model, "--annotate", out, "--quiet")
    image = cv2.imread(str(out / BATCH_SAMPLE.name))
    cv2.imwrite(str(FIGURES / "batch.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 85])


def live_figure(model, scratch):
    """A frame of the live command's recording of a filmed sheet."""
    clip = scratch / "sheet.avi"
    write_clip(str(clip), default_glyphs(), seed=7, size=(1280, 720), n_frames=LIVE_FRAME + 5,
               n_digits=10, digit_px=60.0)
    recording = scratch / "live.avi"
    run("live", "--source", clip, "--model", model, "--no-display", "--record", recording,
        "--inset", "--quiet")
    capture = cv2.VideoCapture(str(recording))
    capture.set(cv2.CAP_PROP_POS_FRAMES, LIVE_FRAME)
    ok, frame = capture.read()
    capture.release()
    if not ok:
        sys.exit("error: the live recording has no frame to show")
    cv2.imwrite(str(FIGURES / "live.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])


def main(argv=None):
    """Make the figures; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.make_figures",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "digits.joblib",
                        help="trained model, with its reports beside it "
                             "(default: models/digits.joblib)")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        sys.exit(f"error: no model at {args.model}; train one with: python -m train")
    FIGURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="figures-") as scratch:
        batch_figure(args.model, Path(scratch))
        live_figure(args.model, Path(scratch))
    shutil.copyfile(args.model.parent / "confusion.png", FIGURES / "confusion.png")
    for name in ("batch.jpg", "live.jpg", "confusion.png"):
        print(FIGURES / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
