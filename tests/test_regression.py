"""Regression tests of the batch labeller: the samples, and the labelled real photos."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench_real_photos import EXACT_TARGET, F1_TARGET, category_scores, load_labels

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
# Beside the repository, as CI clones it next to the shared data.
REAL_PHOTOS = REPO.parent / "shared" / "data" / "real-photos"


def label_folder(folder, model, out):
    """Run the batch labeller over a folder; the records by image name."""
    result = subprocess.run(
        [sys.executable, "-m", "preprocessing.batch", str(folder), "--model", str(model),
         "--jsonl", str(out), "--jobs", "2", "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert result.returncode in (0, 1), result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {r["image"]: r for r in records}


def test_every_sample_is_read_exactly(trained_model_path, tmp_path):
    with open(SAMPLES / "labels.csv", newline="", encoding="utf-8") as handle:
        expected = {row["file"]: row["text"] for row in csv.DictReader(handle)}
    assert len(expected) >= 10
    records = label_folder(SAMPLES, trained_model_path, tmp_path / "samples.jsonl")
    wrong = {name: (text, records[name]["text"] if name in records else "(missing)")
             for name, text in expected.items()
             if name not in records or records[name]["text"] != text
             or records[name]["error"] is not None}
    assert not wrong, "expected / read: " + "; ".join(
        f"{name}: {want!r} / {got!r}" for name, (want, got) in sorted(wrong.items()))


@pytest.fixture(scope="module")
def real_scores(trained_model_path, tmp_path_factory):
    if not (REAL_PHOTOS / "labels.csv").is_file():
        pytest.skip(f"no labelled real photos at {REAL_PHOTOS}")
    rows = load_labels(REAL_PHOTOS)
    records = label_folder(REAL_PHOTOS, trained_model_path,
                           tmp_path_factory.mktemp("real") / "real.jsonl")
    assert {r["file"] for r in rows} <= set(records)
    return category_scores(rows, {name: r["text"] for name, r in records.items()})


def wrong_images(scores):
    return "\n".join(f"  {name}: expected {expected}, got {got or '-'}"
                     for name, expected, got in scores["wrong"])


@pytest.mark.parametrize("category", ["photo", "canvas"])
def test_real_photos_digit_f1(real_scores, category):
    scores = real_scores[category]
    assert scores["f1"] >= F1_TARGET, (
        f"{category}: digit F1 {scores['f1']:.3f} < {F1_TARGET} (precision "
        f"{scores['precision']:.3f}, recall {scores['recall']:.3f}); read wrongly:\n"
        + wrong_images(scores))


def test_real_photos_mostly_read_exactly(real_scores):
    images = sum(s["images"] for s in real_scores.values())
    wrong = sum(len(s["wrong"]) for s in real_scores.values())
    exact = 1 - wrong / images
    assert exact >= EXACT_TARGET, (
        f"{exact:.0%} of {images} images read exactly < {EXACT_TARGET:.0%}; read wrongly:\n"
        + "\n".join(wrong_images(s) for s in real_scores.values()))
