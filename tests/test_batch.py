"""Tests of ``python -m preprocessing.batch``, run as a real command on real files."""

import csv
import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from preprocessing.batch import CSV_FIELDS
from preprocessing.imageio import read_image
from samples.glyphs import GlyphSource, load_mnist_digits
from samples.sheets import write_sheet_set

REPO = Path(__file__).resolve().parents[1]
OPTIONS = ("--model", "--jsonl", "--csv", "--annotate", "--jobs", "--resume", "--overwrite",
           "--min-confidence", "--quiet")
RECORD_KEYS = {"image", "text", "digits", "error"}
DIGIT_KEYS = {"x", "y", "w", "h", "label", "confidence"}
SHEET_SIZE = (480, 360)


def run_batch(*args, model=None, timeout=300):
    command = [sys.executable, "-m", "preprocessing.batch", *map(str, args)]
    if model is not None:
        command += ["--model", str(model)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def by_image(records):
    return {r["image"]: r for r in records}


def fingerprint(folder):
    """sha256 and modification time of every file below a folder."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                               p.stat().st_mtime_ns)
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def assert_one_error_line(result, status=2):
    assert result.returncode == status, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def glyphs(mnist_dir):
    images, labels = load_mnist_digits(mnist_dir)
    return GlyphSource(images, labels, fonts=True)


@pytest.fixture(scope="module")
def good_tree(tmp_path_factory, glyphs):
    """photos/ with sub-folders: generated sheets, lossless copies in other formats and
    upper-case suffixes; a truth.jsonl and a notes.txt that are not images."""
    root = tmp_path_factory.mktemp("good") / "photos"
    sheets = root / "sheets"
    write_sheet_set(sheets, 3, "clean", 31, glyphs, size=SHEET_SIZE, progress=False)
    copies = root / "copies" / "deeper"
    copies.mkdir(parents=True)
    image = cv2.imread(str(sheets / "000.jpg"))
    for name, params in (("a.png", []), ("b.bmp", []), ("c.tiff", []),
                         ("d.webp", [cv2.IMWRITE_WEBP_QUALITY, 101]), ("E.PNG", []),
                         ("F.TIF", [])):
        assert cv2.imwrite(str(copies / name), image, params)
    shutil.copy(sheets / "001.jpg", root / "copies" / "G.JPG")
    shutil.copy(sheets / "002.jpg", root / "H.JPEG")
    (root / "notes.txt").write_text("not an image\n")
    return root


GOOD_NAMES = {"sheets/000.jpg", "sheets/001.jpg", "sheets/002.jpg", "copies/deeper/a.png",
              "copies/deeper/b.bmp", "copies/deeper/c.tiff", "copies/deeper/d.webp",
              "copies/deeper/E.PNG", "copies/deeper/F.TIF", "copies/G.JPG", "H.JPEG"}


@pytest.fixture(scope="module")
def good_run(good_tree, trained_model_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("good-out")
    before = fingerprint(good_tree)
    result = run_batch(good_tree, "--jsonl", out / "results.jsonl", "--csv", out / "results.csv",
                       "--jobs", "2", "--quiet", model=trained_model_path)
    assert fingerprint(good_tree) == before
    return result, read_jsonl(out / "results.jsonl"), out


def test_help_mentions_every_option_and_exit_status():
    result = run_batch("--help")
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout
    assert "exit status" in result.stdout
    for status in ("0", "1", "2", "130"):
        assert f"{status} " in result.stdout.split("exit status")[1], status


def test_folder_tree_gives_one_record_per_image(good_run):
    result, records, _ = good_run
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert [r["image"] for r in records].count("sheets/000.jpg") == 1
    assert {r["image"] for r in records} == GOOD_NAMES
    assert len(records) == len(GOOD_NAMES)


def test_records_have_exactly_the_documented_fields(good_run):
    _, records, _ = good_run
    for record in records:
        assert set(record) == RECORD_KEYS
        assert record["error"] is None
        assert isinstance(record["text"], str)
        assert record["digits"], record
        assert record["text"].replace(" ", "") == "".join(str(d["label"]) for d in
                                                          record["digits"])
        for digit in record["digits"]:
            assert set(digit) == DIGIT_KEYS
            for key in ("x", "y", "w", "h", "label"):
                assert type(digit[key]) is int
            assert type(digit["confidence"]) is float and 0 < digit["confidence"] <= 1
            assert digit["x"] >= 0 and digit["y"] >= 0
            assert digit["x"] + digit["w"] <= SHEET_SIZE[0]
            assert digit["y"] + digit["h"] <= SHEET_SIZE[1]


def test_lossless_copies_read_like_the_original(good_run):
    records = by_image(good_run[1])
    original = records["sheets/000.jpg"]
    for name in GOOD_NAMES:
        if name.startswith("copies/deeper/"):
            assert records[name]["text"] == original["text"], name
            assert records[name]["digits"] == original["digits"], name
    assert records["copies/G.JPG"]["digits"] == records["sheets/001.jpg"]["digits"]


def test_sheets_are_read(good_run, good_tree):
    # Clean 480x360 sheets: most of their digits are found where they are.
    from bench.bench_sheets import match_digits, scores

    records = by_image(good_run[1])
    truth = read_jsonl(good_tree / "sheets" / "truth.jsonl")
    hits = sum(match_digits(t["digits"], records["sheets/" + t["image"]]["digits"])
               for t in truth)
    n_true = sum(len(t["digits"]) for t in truth)
    n_found = sum(len(records["sheets/" + t["image"]]["digits"]) for t in truth)
    assert scores(hits, n_true, n_found)[2] >= 0.8


def test_csv_has_the_documented_columns(good_run):
    _, records, out = good_run
    with open(out / "results.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == CSV_FIELDS
        rows = list(reader)
    assert len(rows) == len(records)
    jsonl = by_image(records)
    for row in rows:
        record = jsonl[row["image"]]
        assert row["text"] == record["text"]
        assert int(row["digits_found"]) == len(record["digits"])
        mean = sum(d["confidence"] for d in record["digits"]) / len(record["digits"])
        assert abs(float(row["mean_confidence"]) - mean) < 1e-3
        assert row["error"] == ""


def test_without_output_files_prints_path_tab_text(good_tree, good_run, trained_model_path):
    result = run_batch(good_tree, "--quiet", "--jobs", "1", model=trained_model_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(GOOD_NAMES)
    printed = dict(line.split("\t") for line in lines)
    assert printed == {name: r["text"] for name, r in by_image(good_run[1]).items()}


def test_a_file_given_directly_is_named_as_given(good_tree, trained_model_path):
    given = good_tree / "sheets" / "000.jpg"
    result = run_batch(given, "--quiet", model=trained_model_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\t")[0] == str(given)


def test_jobs_1_and_2_give_the_same_results(good_tree, good_run, trained_model_path, tmp_path):
    result = run_batch(good_tree, "--jsonl", tmp_path / "one.jsonl", "--jobs", "1", "--quiet",
                       model=trained_model_path)
    assert result.returncode == 0, result.stderr
    assert by_image(read_jsonl(tmp_path / "one.jsonl")) == by_image(good_run[1])


@pytest.fixture(scope="module")
def awkward_tree(tmp_path_factory, mnist_dir):
    """Files a user meets: broken ones, and readable ones of unusual kinds.

    Returns the folder and the text expected of each readable file (None for
    files that cannot be read).
    """
    images, labels = load_mnist_digits(mnist_dir)
    root = tmp_path_factory.mktemp("awkward") / "inbox"
    root.mkdir()
    expected = {}
    (root / "empty.jpg").write_bytes(b"")
    ok, jpeg = cv2.imencode(".jpg", np.full((300, 400, 3), 200, np.uint8))
    (root / "cut.jpg").write_bytes(jpeg.tobytes()[:len(jpeg) // 2])
    (root / "letter.png").write_text("Dear reader,\nthis is not a picture.\n")
    expected.update({"empty.jpg": None, "cut.jpg": None, "letter.png": None})

    def strokes(indices, size, gap):
        ink = np.zeros((size + 80, (len(indices) - 1) * (size + gap) + size + 80), np.uint8)
        for k, i in enumerate(indices):
            x = 40 + k * (size + gap)
            glyph = cv2.resize(images[i], (size, size), interpolation=cv2.INTER_CUBIC)
            ink[40:40 + size, x:x + size] = np.maximum(ink[40:40 + size, x:x + size], glyph)
        return ink, "".join(str(labels[i]) for i in indices)

    ink, text = strokes([0, 1, 2], 150, -20)
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[:, :, 3] = ink  # black strokes on a transparent canvas
    assert cv2.imwrite(str(root / "canvas.png"), rgba)
    expected["canvas.png"] = text

    ink, text = strokes([3, 4, 5], 150, -20)
    assert cv2.imwrite(str(root / "grey.png"), 255 - ink)
    expected["grey.png"] = text
    (root / "deep").mkdir()
    assert cv2.imwrite(str(root / "deep" / "grey16.png"), (255 - ink).astype(np.uint16) * 257)
    expected["deep/grey16.png"] = text

    # 50 megapixels, mostly white: cheap to make, as costly to read as a big photo.
    huge = np.full((6250, 8000), 255, np.uint8)
    ink, text = strokes([6, 7, 8, 9], 400, -60)
    huge[2500:2500 + ink.shape[0], 3000:3000 + ink.shape[1]] = 255 - ink
    assert cv2.imwrite(str(root / "huge.png"), huge, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    expected["huge.png"] = text
    return root, expected


@pytest.fixture(scope="module")
def awkward_run(awkward_tree, trained_model_path, tmp_path_factory):
    root, _ = awkward_tree
    out = tmp_path_factory.mktemp("awkward-out") / "results.jsonl"
    before = fingerprint(root)
    result = run_batch(root, "--jsonl", out, "--quiet", model=trained_model_path)
    assert fingerprint(root) == before
    return result, read_jsonl(out)


def test_bad_files_get_an_error_and_the_run_goes_on(awkward_tree, awkward_run):
    _, expected = awkward_tree
    result, records = awkward_run
    assert result.returncode == 1, result.stderr
    records = by_image(records)
    assert set(records) == set(expected)
    for name, text in expected.items():
        record = records[name]
        assert set(record) == RECORD_KEYS
        if text is None:
            assert isinstance(record["error"], str) and record["error"], name
            assert "\n" not in record["error"]
            assert record["text"] == "" and record["digits"] == []
        else:
            assert record["error"] is None, (name, record["error"])
            assert record["text"] == text, name


def test_exit_status_is_0_when_every_image_is_read(awkward_tree, trained_model_path):
    root, expected = awkward_tree
    readable = [root / name for name, text in expected.items() if text is not None]
    result = run_batch(*readable, "--quiet", model=trained_model_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(readable)


def test_annotate_writes_a_mirrored_tree(good_tree, trained_model_path, tmp_path):
    before = fingerprint(good_tree)
    annotated = tmp_path / "annotated"
    result = run_batch(good_tree, "--annotate", annotated, "--jsonl", tmp_path / "r.jsonl",
                       "--quiet", model=trained_model_path)
    assert result.returncode == 0, result.stderr
    assert fingerprint(good_tree) == before
    for name in GOOD_NAMES:
        copy = annotated / good_tree.name / name
        assert copy.is_file(), name
        original = read_image(good_tree / name)
        drawn = read_image(copy)
        assert drawn.shape == original.shape, name
        assert not np.array_equal(drawn, original), name
    written = {p.relative_to(annotated / good_tree.name).as_posix()
               for p in annotated.rglob("*") if p.is_file()}
    assert written == GOOD_NAMES


def test_annotate_inside_an_input_is_refused(good_tree, trained_model_path):
    before = fingerprint(good_tree)
    inside = good_tree / "sheets" / "annotated"
    result = run_batch(good_tree, "--annotate", inside, "--quiet", model=trained_model_path)
    assert "inside" in assert_one_error_line(result, 2)
    assert result.stdout == ""
    assert not inside.exists()
    assert fingerprint(good_tree) == before


def test_resume_adds_only_the_missing_images(good_tree, good_run, trained_model_path, tmp_path):
    jsonl = tmp_path / "results.jsonl"
    full = (good_run[2] / "results.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = "".join(full[:4])
    jsonl.write_text(kept, encoding="utf-8")

    result = run_batch(good_tree, "--jsonl", jsonl, "--resume", "--quiet",
                       model=trained_model_path)
    assert result.returncode == 0, result.stderr
    text = jsonl.read_text(encoding="utf-8")
    assert text.startswith(kept)
    records = read_jsonl(jsonl)
    names = [r["image"] for r in records]
    assert len(names) == len(set(names)) == len(GOOD_NAMES)
    assert by_image(records) == by_image(good_run[1])


def test_resume_after_a_half_written_line(good_tree, good_run, trained_model_path, tmp_path):
    jsonl = tmp_path / "results.jsonl"
    full = (good_run[2] / "results.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    cut = full[3][:len(full[3]) // 2]
    jsonl.write_text("".join(full[:3]) + cut, encoding="utf-8")

    result = run_batch(good_tree, "--jsonl", jsonl, "--resume", "--quiet",
                       model=trained_model_path)
    assert result.returncode == 0, result.stderr
    records = read_jsonl(jsonl)  # every line is whole JSON again
    names = [r["image"] for r in records]
    assert len(names) == len(set(names)) == len(GOOD_NAMES)
    assert by_image(records) == by_image(good_run[1])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_interrupted_run_resumes(good_tree, good_run, trained_model_path, tmp_path, jobs):
    # With two jobs, Ctrl-C came while the other thread was reading an
    # image, and the process aborted as it ended.
    jsonl = tmp_path / "results.jsonl"
    command = [sys.executable, "-m", "preprocessing.batch", str(good_tree), "--jsonl",
               str(jsonl), "--jobs", jobs, "--quiet", "--model", str(trained_model_path)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (jsonl.exists() and jsonl.read_text(encoding="utf-8").count("\n") >= 1):
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    done = read_jsonl(jsonl)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert 1 <= len(done) < len(GOOD_NAMES)

    result = run_batch(good_tree, "--jsonl", jsonl, "--resume", "--quiet",
                       model=trained_model_path)
    assert result.returncode == 0, result.stderr
    records = read_jsonl(jsonl)
    assert records[:len(done)] == done
    names = [r["image"] for r in records]
    assert len(names) == len(set(names)) == len(GOOD_NAMES)
    assert by_image(records) == by_image(good_run[1])


def test_output_closed_early_ends_the_run_in_one_line(good_tree, trained_model_path):
    # As in `python -m preprocessing.batch photos/ | head -1`: the threads
    # still reading when the pipe closed aborted the process as it ended.
    command = [sys.executable, "-m", "preprocessing.batch", str(good_tree), "--jobs", "2",
               "--quiet", "--model", str(trained_model_path)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert "cannot write the results" in lines[0]


@pytest.mark.parametrize("option", ["--jsonl", "--csv"])
def test_existing_results_are_not_overwritten(good_tree, trained_model_path, tmp_path, option):
    existing = tmp_path / "results.out"
    existing.write_text("earlier results\n", encoding="utf-8")
    result = run_batch(good_tree, option, existing, "--quiet", model=trained_model_path)
    line = assert_one_error_line(result, 2)
    assert "--resume" in line and "--overwrite" in line
    assert existing.read_text(encoding="utf-8") == "earlier results\n"


def test_overwrite_replaces_existing_results(good_tree, good_run, trained_model_path, tmp_path):
    existing = tmp_path / "results.jsonl"
    existing.write_text('{"image": "old"}\n', encoding="utf-8")
    result = run_batch(good_tree, "--jsonl", existing, "--overwrite", "--quiet",
                       model=trained_model_path)
    assert result.returncode == 0, result.stderr
    assert by_image(read_jsonl(existing)) == by_image(good_run[1])


def test_missing_model_says_how_to_train_one(good_tree, tmp_path):
    result = run_batch(good_tree, "--quiet", model=tmp_path / "no-model.joblib")
    assert "python -m train" in assert_one_error_line(result, 2)
    assert result.stdout == ""


def test_nonexistent_input_is_refused(trained_model_path, tmp_path):
    result = run_batch(tmp_path / "no-such-folder", "--quiet", model=trained_model_path)
    assert "no-such-folder" in assert_one_error_line(result, 2)


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--min-confidence", "1.5"], []])
def test_bad_arguments_exit_2(trained_model_path, good_tree, args):
    inputs = [good_tree] if args else []
    result = run_batch(*inputs, *args, model=trained_model_path)
    assert_one_error_line(result, 2)
