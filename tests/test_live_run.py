"""``python -m live`` on real video: labels, stability, recording, log, faults.

A clip of a sheet of digits that drifts, turns and zooms is written with
OpenCV, run through the command headless, and the log is scored against the
clip's per-frame truth.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from live.__main__ import main
from samples.clips import default_glyphs, f1_score, match_frame, write_clip

ROOT = Path(__file__).resolve().parents[1]
LOG_KEYS = {"frame", "time", "text", "digits", "fps"}
DIGIT_KEYS = {"x", "y", "w", "h", "label", "confidence", "track"}
N_FRAMES = 75


def headless_env():
    """The environment without any display."""
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def live_command(*args):
    return [sys.executable, "-m", "live", *map(str, args)]


def read_log(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def count_video_frames(path):
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"{path} is not a readable video"
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def error_lines(text):
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clip(mnist_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "sheet.avi"
    # No stray marks: what is scored is the live loop, not the reader's hardest cases.
    return write_clip(str(path), default_glyphs(str(mnist_dir)), seed=3, kind="webcam",
                      size=(640, 480), n_frames=N_FRAMES, digit_px=45, n_digits=8, n_marks=0)


@pytest.fixture(scope="module")
def headless_run(clip, trained_model_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    done = subprocess.run(
        live_command("--source", clip.path, "--model", trained_model_path, "--no-display",
                     "--record", out / "annotated.avi", "--log", out / "frames.jsonl", "--quiet"),
        cwd=ROOT, env=headless_env(), capture_output=True, text=True, timeout=600)
    return done, out


def test_headless_run_ends_normally(headless_run):
    done, _ = headless_run
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_log_has_one_exact_record_per_frame(headless_run):
    _, out = headless_run
    records = read_log(out / "frames.jsonl")
    assert [r["frame"] for r in records] == list(range(N_FRAMES))
    for r in records:
        assert set(r) == LOG_KEYS
        assert isinstance(r["time"], float) and isinstance(r["fps"], float)
        assert isinstance(r["text"], str)
        for d in r["digits"]:
            assert set(d) == DIGIT_KEYS
            assert all(isinstance(d[k], int) for k in ("x", "y", "w", "h", "label", "track"))
            assert isinstance(d["confidence"], float) and 0 <= d["confidence"] <= 1
        assert r["text"].replace(" ", "") == "".join(str(d["label"]) for d in r["digits"])
    times = [r["time"] for r in records]
    assert times == sorted(times)


def test_recording_holds_every_processed_frame(headless_run, clip):
    _, out = headless_run
    assert count_video_frames(out / "annotated.avi") == N_FRAMES
    capture = cv2.VideoCapture(str(out / "annotated.avi"))
    ok, frame = capture.read()
    assert ok and frame.shape[1::-1] == clip.size


def test_labels_match_the_truth(headless_run, clip):
    _, out = headless_run
    counts = [match_frame(r["digits"], clip.truth[r["frame"]])
              for r in read_log(out / "frames.jsonl")]
    f1 = f1_score(*map(sum, zip(*counts)))
    assert f1 >= 0.9, f"label F1 {f1:.3f}"


def test_labels_do_not_flicker(headless_run):
    _, out = headless_run
    records = read_log(out / "frames.jsonl")
    changes = pairs = 0
    for before, after in zip(records, records[1:]):
        labels = {d["track"]: d["label"] for d in before["digits"]}
        for d in after["digits"]:
            if d["track"] in labels:
                pairs += 1
                changes += d["label"] != labels[d["track"]]
    assert pairs > 5 * N_FRAMES
    assert changes / pairs <= 0.01, f"{changes} label changes in {pairs} pairs"


def test_without_a_display_it_says_so_in_one_line(clip, tmp_path):
    done = subprocess.run(live_command("--source", clip.path, "--model", tmp_path / "none"),
                          cwd=ROOT, env=headless_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and "--no-display" in lines[0], done.stderr


def test_ctrl_c_leaves_a_complete_recording_and_log(clip, trained_model_path, tmp_path):
    log, video = tmp_path / "frames.jsonl", tmp_path / "annotated.mp4"
    process = subprocess.Popen(
        live_command("--source", clip.path, "--model", trained_model_path, "--no-display",
                     "--record", video, "--log", log),
        cwd=ROOT, env=headless_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if log.exists() and len(log.read_text().splitlines()) >= 5:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in error_lines(stderr)[-1]
    records = read_log(log)
    assert 5 <= len(records) < N_FRAMES
    assert count_video_frames(video) == len(records)


def test_a_lost_stream_fails_in_one_line_with_complete_outputs(clip, trained_model_path,
                                                               tmp_path):
    # A file read as a stream: a live source that stops sending once the file ends.
    log, video = tmp_path / "frames.jsonl", tmp_path / "annotated.avi"
    done = subprocess.run(
        live_command("--source", f"file://{clip.path}", "--model", trained_model_path,
                     "--no-display", "--record", video, "--log", log),
        cwd=ROOT, env=headless_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and "stopped sending frames" in lines[0], done.stderr
    records = read_log(log)
    assert records and count_video_frames(video) == len(records)
    indices = [r["frame"] for r in records]
    assert indices == sorted(set(indices))  # the newest frames, some skipped


def test_a_log_on_an_output_closed_early_ends_the_run_in_one_line(clip, trained_model_path):
    # As in `python -m live --no-display --log - | head -1`: the write to
    # the closed pipe ended in a traceback.
    process = subprocess.Popen(
        live_command("--source", clip.path, "--model", trained_model_path, "--no-display",
                     "--log", "-", "--quiet"),
        cwd=ROOT, env=headless_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(process.stdout.readline())["frame"] == 0
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=300) == 1, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1 and "cannot write the log to standard output" in lines[0], stderr


def test_a_folder_is_read_in_order_skipping_bad_images(clip, trained_model_path, tmp_path,
                                                       capsys):
    capture = cv2.VideoCapture(clip.path)
    for i in range(12):
        cv2.imwrite(str(tmp_path / f"{i}.png"), capture.read()[1])
    (tmp_path / "3a.png").write_bytes(b"not an image")
    log = tmp_path / "frames.jsonl"
    assert main(["--source", str(tmp_path), "--model", str(trained_model_path), "--no-display",
                 "--log", str(log), "--max-frames", "10"]) == 0
    # 3a.png comes after 3.png (natural order) and is skipped, its index too.
    assert [r["frame"] for r in read_log(log)] == [0, 1, 2, 3, 5, 6, 7, 8, 9, 10]
    err = capsys.readouterr().err
    assert "skipped unreadable image" in err and "3a.png" in err
    assert "10/10" in err  # the progress bar


@pytest.mark.parametrize("source, message", [
    ("99", "--source"),
    ("{tmp}/broken.avi", "cannot read video"),
    ("{tmp}/empty", "no images"),
    ("{tmp}/missing.avi", "no such file"),
])
def test_an_unusable_source_fails_in_one_line(source, message, trained_model_path, tmp_path,
                                               capsys):
    (tmp_path / "broken.avi").write_bytes(b"RIFF\0\0\0\0AVI garbage" * 50)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no images here")
    status = main(["--source", source.format(tmp=tmp_path), "--model", str(trained_model_path),
                   "--no-display", "--log", str(tmp_path / "log.jsonl")])
    lines = error_lines(capsys.readouterr().err)
    assert status == 1
    assert len(lines) == 1 and message in lines[0], lines


def test_no_model_tells_how_to_train_one(clip, tmp_path, capsys):
    status = main(["--source", clip.path, "--model", str(tmp_path / "digits.joblib"),
                   "--no-display", "--log", str(tmp_path / "log.jsonl")])
    lines = error_lines(capsys.readouterr().err)
    assert status == 1
    assert len(lines) == 1 and "python -m train" in lines[0]


@pytest.mark.parametrize("args", [
    ["--no-display"],
    ["--record", "out.gif"],
    ["--max-frames", "0"],
    ["--min-confidence", "2"],
    ["--width", "wide"],
])
def test_bad_arguments_exit_with_status_2(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert len(error_lines(capsys.readouterr().err)) == 1
