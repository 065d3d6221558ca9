"""Label F1 of the reader on generated photos of sheets, per condition.

Run from the repository root: ``python -m bench.bench_sheets``. Sets of
photos are generated with :func:`samples.sheets.write_sheet_set` into a
temporary folder (MNIST test digits and handwriting fonts, fixed seeds), read
like ``python -m preprocessing.batch`` reads them, and scored against their
exact boxes: a true digit counts when a reported box overlaps it with IoU at
least 0.3 and carries its label; precision is over the reported boxes,
recall over the true digits.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.inputs import load_glyphs, load_reader
from preprocessing.boxes import box_iou
from samples.sheets import CONDITIONS

DEFAULT_MODEL = Path("models/digits.joblib")
MIN_IOU = 0.3
TARGETS = {"clean": 0.97, "webcam": 0.95, "hard": 0.85}
DEFAULT_COUNT = 60
# Seeds 9000+ are used by no test and no sample.
DEFAULT_SEED = 9001


def _box(d):
    return (d["x"], d["y"], d["w"], d["h"]) if isinstance(d, dict) else (d.x, d.y, d.w, d.h)


def _label(d):
    return d["label"] if isinstance(d, dict) else d.label


def match_digits(truth, found, min_iou=MIN_IOU):
    """Count the true digits found with the right label.

    Each reported digit is matched to at most one true digit, greedily by IoU.

    Parameters
    ----------
    truth : list of dict
        ``{"x", "y", "w", "h", "label"}``.
    found : list of dict or Digit
        Reported digits (objects with ``x, y, w, h, label`` or dicts).
    min_iou : float, default 0.3

    Returns
    -------
    int
        True positives.
    """
    pairs = sorted(((box_iou(_box(t), _box(f)), i, j) for i, t in enumerate(truth)
                    for j, f in enumerate(found)
                    if _label(t) == _label(f)), reverse=True)
    used_truth, used_found, hits = set(), set(), 0
    for overlap, i, j in pairs:
        if overlap < min_iou:
            break
        if i not in used_truth and j not in used_found:
            used_truth.add(i)
            used_found.add(j)
            hits += 1
    return hits


def scores(hits, n_true, n_found):
    """Precision, recall and F1 from summed counts (1.0 where nothing was due).

    Returns
    -------
    tuple of float
        ``(precision, recall, f1)``.
    """
    precision = hits / n_found if n_found else 1.0
    recall = hits / n_true if n_true else 1.0
    f1 = 2 * hits / (n_true + n_found) if n_true + n_found else 1.0
    return precision, recall, f1


def parse_args(argv=None):
    """Parse the command line (``argv``, default ``sys.argv[1:]``) into a Namespace."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_sheets",
        description="Generate photos of sheets of handwritten digits (clean, webcam, hard) "
                    "and print the reader's label F1 per condition against their exact "
                    f"boxes (IoU >= {MIN_IOU} and the right label), with the targets "
                    + ", ".join(f"{c} >= {t}" for c, t in TARGETS.items()) + ".")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT,
                        help="photos per condition (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="seed of the first condition; each next condition adds 1 "
                             "(default: %(default)s)")
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS),
                        metavar="NAME", help="conditions to run (default: all: "
                        + " ".join(CONDITIONS) + ")")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help="model file (default: %(default)s)")
    parser.add_argument("--mnist-dir", metavar="DIR",
                        help="folder of the MNIST test files (default: MNIST_DIR)")
    parser.add_argument("--verbose", action="store_true",
                        help="also print each photo read with a mistake")
    return parser.parse_args(argv)


def bench_condition(condition, count, seed, glyphs, reader, folder, verbose=False):
    """Generate, read and score one condition's photos.

    Returns
    -------
    dict
        ``hits``, ``n_true``, ``n_found``, ``images``, ``seconds`` (reading only).
    """
    from samples.sheets import write_sheet_set
    from preprocessing.imageio import read_image

    out = Path(folder) / condition
    records = write_sheet_set(out, count, condition, seed, glyphs, progress=False)
    totals = {"hits": 0, "n_true": 0, "n_found": 0, "images": len(records), "seconds": 0.0}
    for record in records:
        image = read_image(out / record["image"])
        start = time.perf_counter()
        reading = reader.read(image)
        totals["seconds"] += time.perf_counter() - start
        hits = match_digits(record["digits"], reading.digits)
        totals["hits"] += hits
        totals["n_true"] += len(record["digits"])
        totals["n_found"] += len(reading.digits)
        if verbose and (hits < len(record["digits"]) or hits < len(reading.digits)):
            print(f"  {condition}/{record['image']} ({image.shape[1]}x{image.shape[0]}): "
                  f"expected {record['text']!r}, got {reading.text!r}")
    return totals


def main(argv=None):
    """Run the benchmark and print its lines; return the exit status (1: no model or data)."""
    args = parse_args(argv)
    reader = load_reader(args.model)
    glyphs = load_glyphs(args.mnist_dir)
    if reader is None or glyphs is None:
        return 1
    print(f"{args.count} photos per condition, seeds from {args.seed}, model {args.model}")
    with tempfile.TemporaryDirectory(prefix="bench-sheets-") as folder:
        for offset, condition in enumerate(args.conditions):
            t = bench_condition(condition, args.count, args.seed + offset, glyphs, reader,
                                folder, args.verbose)
            precision, recall, f1 = scores(t["hits"], t["n_true"], t["n_found"])
            target = TARGETS[condition]
            print(f"{condition}: label F1 {f1:.3f} (target >= {target}), precision "
                  f"{precision:.3f}, recall {recall:.3f}, {t['n_true']} digits in "
                  f"{t['images']} photos, {t['images'] / max(t['seconds'], 1e-9):.1f} images/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
