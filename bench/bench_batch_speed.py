"""Speed of the batch labeller on folders of generated photos.

Run from the repository root: ``python -m bench.bench_batch_speed``. Two
folders are generated with the sheet generator into a temporary folder:
webcam photos of 1280x720 (about 10 digits each on average) and 12-megapixel
phone photos (4000x3000). For each, the whole command ``python -m
preprocessing.batch --jobs 2 --quiet --jsonl ...`` is timed from start to
exit (start-up and model loading included), then the same images are read
in this process with the model already loaded.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.inputs import load_glyphs, load_reader

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = Path("models/digits.joblib")
# (name, condition, size, default count, target images/s of the whole command)
SETS = (
    ("webcam 1280x720", "webcam", (1280, 720), 40, 10.0),
    ("phone 4000x3000", "webcam", (4000, 3000), 8, 2.0),
)
# Seeds 9100 and 9101 are used by no test, sample or other benchmark.
SEED = 9100


def parse_args(argv=None):
    """Parse the command line (``argv``, default ``sys.argv[1:]``) into a Namespace."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_batch_speed",
        description="Time python -m preprocessing.batch --jobs 2 on generated folders of "
                    "1280x720 webcam photos (target >= 10 images/s) and 4000x3000 phone "
                    "photos (target >= 2 images/s), start-up included, and the reading rate "
                    "in one process without start-up.")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help="model file (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="--jobs of the timed command (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the number of photos per folder (default: 1)")
    parser.add_argument("--mnist-dir", metavar="DIR",
                        help="folder of the MNIST test files (default: MNIST_DIR)")
    return parser.parse_args(argv)


def time_command(folder, model, jobs):
    """Wall time of the batch command over a folder, and its exit status."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-out-") as out:
        command = [sys.executable, "-m", "preprocessing.batch", str(folder), "--jobs", str(jobs),
                   "--quiet", "--jsonl", str(Path(out) / "results.jsonl"), "--model", str(model)]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            print(f"  the command exited with {result.returncode}: {result.stderr.strip()}")
    return seconds


def time_in_process(folder, reader):
    """Seconds to read every image of a folder with a loaded reader (file reading included)."""
    from preprocessing.imageio import read_image

    paths = sorted(Path(folder).glob("*.jpg"))
    start = time.perf_counter()
    for path in paths:
        reader.read(read_image(path))
    return time.perf_counter() - start


def main(argv=None):
    """Run the benchmark and print its lines; return the exit status (1: no model or data)."""
    args = parse_args(argv)
    from samples.sheets import write_sheet_set

    reader = load_reader(args.model)
    glyphs = load_glyphs(args.mnist_dir)
    if reader is None or glyphs is None:
        return 1
    print(f"model {args.model}, {os.cpu_count()} cores, command with --jobs {args.jobs}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as root:
        for offset, (name, condition, size, count, target) in enumerate(SETS):
            count = max(1, round(count * args.scale))
            folder = Path(root) / condition / f"{size[0]}x{size[1]}"
            records = write_sheet_set(folder, count, condition, SEED + offset, glyphs, size=size,
                                      progress=False)
            (folder / "truth.jsonl").unlink()
            digits = sum(len(r["digits"]) for r in records) / count
            command = time_command(folder, args.model, args.jobs)
            in_process = time_in_process(folder, reader)
            print(f"{name}: {count / command:.1f} images/s with the command, start-up "
                  f"included (target >= {target:g}); {count / in_process:.1f} images/s read "
                  f"in one process without start-up; {count} photos, {digits:.1f} digits each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
