"""Digit F1 of the batch labeller on the labelled real photos, per category.

Run from the repository root: ``python -m bench.bench_real_photos``. Each
image of the folder's ``labels.csv`` (``file``, ``digits``: all digits in
reading order, ``category``: photo or canvas) is read as ``python -m
preprocessing.batch`` reads it. Scores come from the longest common
subsequence (LCS) of the expected and the read digit strings (spaces
removed), summed over a category's images: precision = LCS / digits read,
recall = LCS / digits expected, F1 = 2 LCS / (read + expected).
"""

import argparse
import csv
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "real-photos"
DEFAULT_MODEL = Path("models/digits.joblib")
F1_TARGET = 0.95
EXACT_TARGET = 0.75


def lcs_length(a, b):
    """Length of the longest common subsequence of two strings.

    Parameters
    ----------
    a, b : str

    Returns
    -------
    int
    """
    previous = [0] * (len(b) + 1)
    for char in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if char == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def load_labels(folder):
    """The rows of a labels.csv: dicts with ``file``, ``digits`` and ``category``.

    Parameters
    ----------
    folder : pathlib.Path

    Returns
    -------
    list of dict
    """
    with open(Path(folder) / "labels.csv", newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle)]


def category_scores(rows, texts):
    """LCS-based scores per category.

    Parameters
    ----------
    rows : list of dict
        Rows of labels.csv.
    texts : dict
        File name to the text read (numbers separated by spaces).

    Returns
    -------
    dict
        Category to a dict with ``precision``, ``recall``, ``f1``, ``exact``
        (share of images read exactly), ``images``, ``digits`` and ``wrong``
        (list of ``(file, expected, got)``).
    """
    totals = {}
    for row in rows:
        expected = row["digits"]
        got = texts.get(row["file"], "").replace(" ", "")
        t = totals.setdefault(row["category"], {"lcs": 0, "expected": 0, "read": 0,
                                                "exact": 0, "images": 0, "wrong": []})
        t["lcs"] += lcs_length(expected, got)
        t["expected"] += len(expected)
        t["read"] += len(got)
        t["images"] += 1
        if got == expected:
            t["exact"] += 1
        else:
            t["wrong"].append((row["file"], expected, got))
    result = {}
    for category, t in sorted(totals.items()):
        result[category] = {
            "precision": t["lcs"] / t["read"] if t["read"] else 1.0,
            "recall": t["lcs"] / t["expected"] if t["expected"] else 1.0,
            "f1": 2 * t["lcs"] / (t["read"] + t["expected"]) if t["read"] + t["expected"]
            else 1.0,
            "exact": t["exact"] / t["images"],
            "images": t["images"],
            "digits": t["expected"],
            "wrong": t["wrong"],
        }
    return result


def read_all(folder, files, model_path, min_confidence=0.5):
    """Read files as the batch labeller does.

    Returns
    -------
    texts : dict
        File name to the text read ("" for a file that could not be read).
    errors : dict
        File name to its error, for files that could not be read.
    seconds : float
        Reading time, model loading excluded.
    """
    from preprocessing.batch import Job, _reader, read_one

    _reader(model_path, min_confidence)  # load the model before timing
    texts, errors = {}, {}
    start = time.perf_counter()
    for name in files:
        result = read_one(Job(Path(folder) / name, name), model_path, min_confidence)
        texts[name] = result.text
        if result.error is not None:
            errors[name] = result.error
    return texts, errors, time.perf_counter() - start


def parse_args(argv=None):
    """Parse the command line (``argv``, default ``sys.argv[1:]``) into a Namespace."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_real_photos",
        description="Read the labelled real photos and print, per category, the digit F1 "
                    f"(target >= {F1_TARGET}), precision, recall and the share of images read "
                    f"exactly (target >= {EXACT_TARGET:.0%}), and the reading speed.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder with labels.csv and the images (default: %(default)s)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help="model file (default: %(default)s)")
    parser.add_argument("--verbose", action="store_true",
                        help="list the images read wrongly, with expected and read digits")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the benchmark and print its lines; return the exit status (1: no model or data)."""
    args = parse_args(argv)
    if not args.model.is_file():
        print(f"error: no model at {args.model}; train one with: python -m train",
              file=sys.stderr)
        return 1
    if not (args.data / "labels.csv").is_file():
        print(f"error: no labels.csv in {args.data}", file=sys.stderr)
        return 1
    from train import ModelError

    rows = load_labels(args.data)
    try:
        texts, errors, seconds = read_all(args.data, [r["file"] for r in rows], args.model)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(rows)} images in {args.data}, model {args.model}")
    scores = category_scores(rows, texts)
    for category, s in scores.items():
        print(f"{category}: digit F1 {s['f1']:.3f} (target >= {F1_TARGET}), precision "
              f"{s['precision']:.3f}, recall {s['recall']:.3f}, read exactly "
              f"{s['exact']:.0%} of {s['images']} images (target >= {EXACT_TARGET:.0%}), "
              f"{s['digits']} digits")
        if args.verbose:
            for name, expected, got in s["wrong"]:
                error = f" (error: {errors[name]})" if name in errors else ""
                print(f"  {name}: expected {expected}, got {got or '-'}{error}")
    exact = sum(s["exact"] * s["images"] for s in scores.values()) / len(rows)
    print(f"all: read exactly {exact:.0%} of {len(rows)} images (target >= {EXACT_TARGET:.0%})")
    print(f"speed: {len(rows) / seconds:.1f} images/s in one process, model loading excluded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
