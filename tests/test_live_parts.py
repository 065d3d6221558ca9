"""Parts of the live command: sources, outputs, overlay, display detection."""

import json
import time

import cv2
import numpy as np
import pytest

from live.display import display_problem, key_name
from live.outputs import FrameLog, OutputError, VideoRecorder, frame_record
from live.overlay import BANNER_COLOUR, annotate, binarised_view, confidence_colour
from live.sources import LiveSource, SourceError, VideoFileSource, list_images, open_source
from live.tracker import TrackedDigit


def write_video(path, n_frames=20, size=(160, 120)):
    """A small video whose frame i has brightness 5 * i."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, size)
    for i in range(n_frames):
        writer.write(np.full((size[1], size[0], 3), 5 * i, np.uint8))
    writer.release()
    return path


def test_a_video_file_gives_every_frame_on_its_timeline(tmp_path):
    with open_source(str(write_video(tmp_path / "v.avi"))) as source:
        frames = list(source)
        assert isinstance(source, VideoFileSource) and not source.live
        assert source.total == 20
    assert [f.index for f in frames] == list(range(20))
    assert frames[5].time == pytest.approx(5 / 25.0)
    assert abs(int(frames[7].image.mean()) - 35) <= 3


def test_a_video_file_read_slowly_loses_no_frame_and_stops_when_left(tmp_path):
    """Frames decoded ahead wait for the reader; leaving early ends the decoding."""
    path = str(write_video(tmp_path / "v.avi", n_frames=30))
    with VideoFileSource(path) as source:
        brightness = []
        for frame in source:
            time.sleep(0.01)  # slower than decoding: the read-ahead queue fills up
            brightness.append(int(frame.image.mean()))
    assert len(brightness) == 30
    assert all(abs(b - 5 * i) <= 3 for i, b in enumerate(brightness))
    with VideoFileSource(path) as source:
        frames = iter(source)
        assert next(frames).index == 0 and next(frames).index == 1
        frames.close()
        assert not source._decoder.is_alive()
        assert list(source) == []  # a file is read once


def test_a_lost_live_source_raises_after_its_frames(tmp_path):
    # A capture of a file behaves like a camera that is unplugged once the file ends.
    capture = cv2.VideoCapture(str(write_video(tmp_path / "v.avi", n_frames=40)))
    source = LiveSource(capture, "camera 7", timeout=0.5)
    indices = []
    with pytest.raises(SourceError, match="camera 7 stopped sending frames"):
        for frame in source:
            indices.append(frame.index)
    source.close()
    assert indices and indices == sorted(set(indices))
    assert indices[-1] <= 39


def test_a_live_source_hands_over_the_newest_frame(tmp_path):
    capture = cv2.VideoCapture(str(write_video(tmp_path / "v.avi", n_frames=40)))
    with LiveSource(capture, "stream", timeout=0.5) as source:
        frames = iter(source)
        first = next(frames)
        time.sleep(0.5)  # processing falls behind: the capture goes on
        second = next(frames)
    assert second.index > first.index + 1
    assert second.time > first.time


def test_folders_are_read_in_natural_order(tmp_path):
    for name in ["10.png", "2.png", "1.jpg"]:
        cv2.imwrite(str(tmp_path / name), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    assert [p.rsplit("/", 1)[1] for p in list_images(str(tmp_path))] == ["1.jpg", "2.png",
                                                                       "10.png"]
    with open_source(str(tmp_path)) as source:
        assert [f.index for f in source] == [0, 1, 2]


def test_a_single_image_is_a_one_frame_source(tmp_path):
    cv2.imwrite(str(tmp_path / "page.png"), np.zeros((8, 8, 3), np.uint8))
    with open_source(str(tmp_path / "page.png")) as source:
        assert len(list(source)) == 1


def test_a_missing_camera_names_the_way_out():
    with pytest.raises(SourceError, match="--source"):
        open_source("37")


def test_the_log_writes_whole_lines_as_it_goes(tmp_path):
    digit = TrackedDigit(3, 10, 20, 15, 22, 7, 0.91234, 0, None)
    path = tmp_path / "log.jsonl"
    log = FrameLog(str(path))
    log.write(frame_record(4, 0.123456, "7", [digit], 29.87654))
    line = path.read_text()  # readable before closing: flushed per line
    log.close()
    assert json.loads(line) == {"frame": 4, "time": 0.1235, "text": "7", "digits": [
        {"x": 10, "y": 20, "w": 15, "h": 22, "label": 7, "confidence": 0.9123, "track": 3}],
        "fps": 29.88}


def test_the_recorder_keeps_the_first_size(tmp_path):
    path = tmp_path / "out.avi"
    with VideoRecorder(str(path), 10.0) as recorder:
        recorder.write(np.zeros((120, 160, 3), np.uint8))
        recorder.write(np.zeros((240, 320, 3), np.uint8))
    capture = cv2.VideoCapture(str(path))
    sizes = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        sizes.append(frame.shape)
    assert sizes == [(120, 160, 3)] * 2


def test_the_recorder_needs_a_writable_folder(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        VideoRecorder(str(tmp_path / "missing" / "out.avi"), 10.0)


def test_the_overlay_draws_banner_and_confidence_coloured_boxes():
    frame = np.full((480, 640, 3), 200, np.uint8)
    sure = TrackedDigit(1, 100, 200, 30, 45, 4, 0.99)
    doubtful = TrackedDigit(2, 300, 200, 30, 45, 9, 0.3)
    image = annotate(frame, [sure, doubtful], "4 9", 24.5, inset=False)
    assert image.shape == frame.shape and image.dtype == np.uint8
    assert (frame == 200).all()  # the frame itself is left alone
    assert np.all(image[2, :, :] == BANNER_COLOUR)
    assert tuple(image[200 + 22, 100]) == confidence_colour(0.99) == (0, 200, 0)
    assert tuple(image[200 + 22, 300]) == confidence_colour(0.3) == (0, 0, 255)


def test_the_inset_shows_the_normalised_digits():
    digit_image = np.zeros((28, 28), np.uint8)
    digit_image[4:24, 12:16] = 255
    digit = TrackedDigit(1, 100, 200, 30, 45, 1, 0.99, image=digit_image)
    frame = np.full((480, 640, 3), 200, np.uint8)
    image = annotate(frame, [digit], "1", 10.0, inset=True)
    bottom = image[-70:, :80]
    assert (bottom == 255).all(axis=2).sum() > 100


def test_the_debug_view_shows_ink_in_black():
    frame = np.full((240, 320, 3), 220, np.uint8)
    cv2.putText(frame, "7", (100, 150), cv2.FONT_HERSHEY_SIMPLEX, 3, (30, 30, 30), 6)
    view = binarised_view(frame)
    assert view.shape == frame.shape
    ink = view[:, :, 0] == 0
    assert ink[60:160, 100:180].mean() > 0.1 and ink[:40, :].mean() == 0


def test_no_display_is_detected_without_touching_the_window_system(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert display_problem() == "DISPLAY is not set"
    monkeypatch.setenv("DISPLAY", ":4987")
    assert "cannot connect" in display_problem()


@pytest.mark.parametrize("code, name", [(ord("q"), "q"), (27, "esc"), (32, "space"),
                                        (ord("S"), "s"), (-1, None)])
def test_key_names(code, name):
    assert key_name(code) == name
